//! The data lifecycle: retention removes exactly what is past the workspace's policy; an erased
//! visitor (by an admin, or by themselves from the widget) is found by no route, frame, search
//! or export, nor their files or queued webhook events; exports hold what they should and no
//! secret; the audit log records each admin action.

use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app_with, Backend, TestApp, Workspace};
use crate::ws_client::WsClient;

crate::on_both_backends!(
    retention_removes_exactly_what_is_past_the_policy,
    an_erased_visitor_is_found_nowhere,
    a_visitor_can_ask_to_be_forgotten_from_the_widget,
    exports_hold_the_visitor_or_the_workspace_and_no_secret,
    the_audit_log_records_each_admin_action,
);

const ALLOW_PRIVATE: (&str, &str) = ("PARLEY_WEBHOOK_ALLOW_PRIVATE", "true");
const FAST_RETENTION: (&str, &str) = ("PARLEY_RETENTION_SWEEP_S", "1");

/// One number from the test database.
async fn count(app: &TestApp, query: &str) -> i64 {
    use sqlx::Connection as _;
    if app.db.url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
        sqlx::query_scalar(query)
            .fetch_one(&mut conn)
            .await
            .unwrap()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&app.db.url).await.unwrap();
        sqlx::query_scalar(query)
            .fetch_one(&mut conn)
            .await
            .unwrap()
    }
}

/// An id as a literal of the test database's dialect.
fn id_literal(app: &TestApp, id: &str) -> String {
    if app.db.url.starts_with("postgres") {
        format!("'{id}'")
    } else {
        format!("x'{}'", id.replace('-', ""))
    }
}

/// `days` ago, as a literal of the test database's dialect.
fn days_ago(app: &TestApp, days: i64) -> String {
    let t = chrono::Utc::now() - chrono::Duration::days(days);
    if app.db.url.starts_with("postgres") {
        format!("timestamptz '{}'", t.to_rfc3339())
    } else {
        (t.timestamp_micros()).to_string()
    }
}

/// A new visitor's first message: the connection, its token and the conversation's id.
async fn chat(app: &TestApp, ws: &Workspace, text: &str) -> (WsClient, String, String) {
    let (mut visitor, welcome) = app.visitor(&ws.site).await;
    let token = welcome["token"].as_str().unwrap().to_owned();
    let sent = visitor.send_text(None, text).await;
    let conversation = sent["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (visitor, token, conversation)
}

/// The visitor of a conversation, as the API names them.
async fn visitor_of(app: &TestApp, ws: &Workspace, conversation: &str) -> String {
    let (_, found) = app
        .api(
            "GET",
            &format!("/conversations/{conversation}"),
            Some(&ws.token),
            None,
        )
        .await;
    found["visitor_id"].as_str().unwrap().to_owned()
}

async fn reply(app: &TestApp, ws: &Workspace, conversation: &str, body: Value) -> Value {
    let mut body = body;
    body["client_msg_id"] = json!(Uuid::new_v4());
    let (status, sent) = app
        .api(
            "POST",
            &format!("/conversations/{conversation}/messages"),
            Some(&ws.token),
            Some(body),
        )
        .await;
    assert_eq!(status, 201, "{sent}");
    sent
}

fn png() -> Vec<u8> {
    let picture = image::DynamicImage::new_rgb8(4, 4);
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// An agent's upload; its id.
async fn upload(app: &TestApp, ws: &Workspace) -> String {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(png()).file_name("shot.png"),
    );
    let response = app
        .http
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(&ws.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

async fn retention_removes_exactly_what_is_past_the_policy(backend: Backend) {
    let app = spawn_app_with(backend, &[FAST_RETENTION]).await;
    let ws = app.first_workspace().await;
    let other = app.other_workspace("other@acme.test").await;
    // The policy: admins only, 1 to 3650 days or null.
    let (status, info) = app.api("GET", "/workspace", Some(&ws.token), None).await;
    assert_eq!(
        (status, info["retention_days"].clone()),
        (200, Value::Null),
        "{info}"
    );
    for bad in [json!(0), json!(3651), json!(-1), json!("30")] {
        let (status, body) = app
            .api(
                "PATCH",
                "/workspace",
                Some(&ws.token),
                Some(json!({"retention_days": bad})),
            )
            .await;
        assert!(status == 422 || status == 400, "{bad}: {status} {body}");
    }
    // A name shown to everyone: NUL, controls and direction overrides never stored.
    let (status, _) = app
        .api(
            "PATCH",
            "/workspace",
            Some(&ws.token),
            Some(json!({"name": "\u{202e}\u{0}"})),
        )
        .await;
    assert_eq!(status, 422);
    let (_, renamed) = app
        .api(
            "PATCH",
            "/workspace",
            Some(&ws.token),
            Some(json!({"name": " Acme\u{202e}\u{0} 𝄞 "})),
        )
        .await;
    assert_eq!(renamed["name"], "Acme 𝄞");
    let (_, agent) = app
        .api(
            "POST",
            "/agents",
            Some(&ws.token),
            Some(json!({"email": "amy@acme.test", "name": "Amy", "password": "initial-pass"})),
        )
        .await;
    assert_eq!(agent["role"], "agent");
    let amy = app.login("amy@acme.test", "initial-pass").await;
    let (status, _) = app
        .api(
            "PATCH",
            "/workspace",
            Some(&amy),
            Some(json!({"retention_days": 1})),
        )
        .await;
    assert_eq!(status, 403);

    // Four conversations: resolved three days ago (with a file), resolved an hour ago,
    // open since long ago, and another workspace's, resolved three days ago (it keeps all).
    let (_, _, old) = chat(&app, &ws, "old question").await;
    let file = upload(&app, &ws).await;
    let with_file = reply(
        &app,
        &ws,
        &old,
        json!({"body": "here", "attachments": [file]}),
    )
    .await;
    let file_url = with_file["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.http.get(&file_url).send().await.unwrap().status(), 200);
    let (_, _, recent) = chat(&app, &ws, "recent question").await;
    let (_, _, open) = chat(&app, &ws, "still open").await;
    let (_, _, theirs) = chat(&app, &other, "their question").await;
    for (id, status, resolved) in [
        (&old, "resolved", 3),
        (&recent, "resolved", 0),
        (&open, "open", 30),
        (&theirs, "resolved", 3),
    ] {
        let resolved_at = if status == "resolved" {
            days_ago(&app, resolved)
        } else {
            "null".into()
        };
        app.sql(&format!(
            "update conversations set status = '{status}', resolved_at = {resolved_at}, created_at = {} where id = {}",
            days_ago(&app, 30),
            id_literal(&app, id)
        ))
        .await;
    }
    let (status, info) = app
        .api(
            "PATCH",
            "/workspace",
            Some(&ws.token),
            Some(json!({"retention_days": 1})),
        )
        .await;
    assert_eq!(
        (status, info["retention_days"].as_i64()),
        (200, Some(1)),
        "{info}"
    );

    // Within a few passes of the job: the old one is gone with its messages and file.
    let gone = |id: String| {
        let app = &app;
        let token = ws.token.clone();
        async move {
            app.api("GET", &format!("/conversations/{id}"), Some(&token), None)
                .await
                .0
                == 404
        }
    };
    let mut waited = 0;
    while !gone(old.clone()).await {
        assert!(waited < 100, "the expired conversation is still there");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    assert!(
        !gone(recent.clone()).await,
        "resolved within the policy: kept"
    );
    assert!(!gone(open.clone()).await, "open: kept however old");
    let (status, _) = app
        .api(
            "GET",
            &format!("/conversations/{theirs}"),
            Some(&other.token),
            None,
        )
        .await;
    assert_eq!(status, 200, "a workspace without a policy keeps everything");
    let messages = count(
        &app,
        &format!(
            "select count(*) from messages where conversation_id = {}",
            id_literal(&app, &old)
        ),
    )
    .await;
    assert_eq!(messages, 0);
    assert_eq!(app.http.get(&file_url).send().await.unwrap().status(), 404);
    // The job said what it did, as the server.
    let (_, log) = app
        .api("GET", "/audit?action=retention.", Some(&ws.token), None)
        .await;
    assert_eq!(
        log["items"][0]["detail"],
        json!({"conversations": 1}),
        "{log}"
    );
    assert_eq!(log["items"][0]["actor"]["kind"], "system");
    // Switched off: nothing more goes.
    let (_, info) = app
        .api(
            "PATCH",
            "/workspace",
            Some(&ws.token),
            Some(json!({"retention_days": null})),
        )
        .await;
    assert_eq!(info["retention_days"], Value::Null);
    app.sql(&format!(
        "update conversations set resolved_at = {} where id = {}",
        days_ago(&app, 400),
        id_literal(&app, &recent)
    ))
    .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(!gone(recent.clone()).await);
}

async fn an_erased_visitor_is_found_nowhere(backend: Backend) {
    let app = spawn_app_with(backend, &[ALLOW_PRIVATE]).await;
    let ws = app.first_workspace().await;
    // A webhook nobody answers: its events wait in the outbox.
    let (status, _) = app
        .api("POST", "/webhooks", Some(&ws.token), Some(json!({"url": "http://127.0.0.1:9/hook", "events": ["conversation.created", "message.created"]})))
        .await;
    assert_eq!(status, 201);
    let (mut visitor, token, conversation) = chat(&app, &ws, "my order zanzibar-42").await;
    let identified = visitor
        .call(json!({"type": "profile", "name": "Zoe Quill", "email": "zoe@example.com"}))
        .await;
    assert_eq!(identified["type"], "ok", "{identified}");
    let visitor_id = visitor_of(&app, &ws, &conversation).await;
    let file = upload(&app, &ws).await;
    let sent = reply(
        &app,
        &ws,
        &conversation,
        json!({"body": "about zanzibar", "attachments": [file]}),
    )
    .await;
    let file_url = sent["attachments"][0]["url"].as_str().unwrap().to_owned();
    // Someone else, who stays.
    let (_, _, kept) = chat(&app, &ws, "zanzibar too").await;
    let queued = format!(
        "select count(*) from webhook_outbox where payload ->> 'visitor_id' = '{visitor_id}' \
         or message_id in (select id from messages where conversation_id = {})",
        id_literal(&app, &conversation)
    );
    assert!(count(&app, &queued).await >= 2);
    let (mut agent_socket, _) = app.agent(&ws.token).await;
    let before = agent_socket
        .call(json!({"type": "history", "conversation_id": conversation}))
        .await;
    assert_eq!(before["type"], "history", "{before}");

    let (status, _) = app
        .api(
            "DELETE",
            &format!("/visitors/{visitor_id}"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(status, 204);
    // Their socket is closed and their token opens nothing.
    assert!(visitor.closed_with().await.is_some());
    let mut again = WsClient::connect(
        &app.ws_url(&format!("/ws/visitor?site_key={}", ws.site.site_key)),
        None,
    )
    .await
    .unwrap();
    let welcome = again.call(json!({"type": "hello", "token": token})).await;
    assert_ne!(
        welcome["visitor_id"].as_str(),
        Some(visitor_id.as_str()),
        "{welcome}"
    );
    // No route, search or export finds them.
    for path in [
        format!("/visitors/{visitor_id}"),
        format!("/visitors/{visitor_id}/export"),
        format!("/conversations/{conversation}"),
        format!("/conversations/{conversation}/messages"),
        format!("/conversations/{conversation}/transcript"),
        format!("/contacts/{visitor_id}"),
    ] {
        assert_eq!(
            app.api("GET", &path, Some(&ws.token), None).await.0,
            404,
            "{path}"
        );
    }
    let (_, found) = app
        .api("GET", "/conversations?q=zanzibar", Some(&ws.token), None)
        .await;
    let ids: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [kept.as_str()], "{found}");
    let (_, contacts) = app
        .api("GET", "/contacts?q=zoe", Some(&ws.token), None)
        .await;
    assert_eq!(contacts["items"], json!([]));
    assert_eq!(app.http.get(&file_url).send().await.unwrap().status(), 404);
    assert_eq!(
        count(&app, &queued).await,
        0,
        "queued webhook events about them are gone"
    );
    let export = app
        .http
        .get(app.url("/api/v1/workspace/export"))
        .bearer_auth(&ws.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !export.contains(&visitor_id)
            && !export.contains("Zoe Quill")
            && !export.contains("my order"),
        "{export}"
    );
    assert!(export.contains("zanzibar too"));
    // No frame reaches their conversation any more; a second erasure finds nothing.
    let after = agent_socket
        .call(json!({"type": "history", "conversation_id": conversation}))
        .await;
    assert_eq!(
        (after["type"].as_str(), after["code"].as_str()),
        (Some("error"), Some("not_found")),
        "{after}"
    );
    let typed = agent_socket
        .call(json!({"type": "send", "client_msg_id": Uuid::new_v4(), "conversation_id": conversation, "body": "hello?"}))
        .await;
    assert_eq!(typed["type"], "error", "{typed}");
    assert_eq!(
        app.api(
            "DELETE",
            &format!("/visitors/{visitor_id}"),
            Some(&ws.token),
            None
        )
        .await
        .0,
        404
    );
    let (_, log) = app
        .api("GET", "/audit?action=visitor.erased", Some(&ws.token), None)
        .await;
    assert_eq!(
        log["items"][0]["target_id"].as_str(),
        Some(visitor_id.as_str()),
        "{log}"
    );
}

async fn forget(app: &TestApp, site_key: &str, token: Option<&str>) -> u16 {
    let mut request = app
        .http
        .delete(app.url(&format!("/api/v1/widget/me?site_key={site_key}")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().status().as_u16()
}

async fn a_visitor_can_ask_to_be_forgotten_from_the_widget(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let ws = app.first_workspace().await;
    let other = app.other_workspace("other@acme.test").await;
    let (mut visitor, token, conversation) = chat(&app, &ws, "forget me please").await;
    let (_, _, kept) = chat(&app, &ws, "I stay").await;
    // Without a token, with a made-up one, or on another workspace's site: refused.
    let key = ws.site.site_key.to_string();
    assert_eq!(forget(&app, &key, None).await, 401);
    assert_eq!(forget(&app, &key, Some("not-a-token")).await, 401);
    assert_eq!(
        forget(&app, &other.site.site_key.to_string(), Some(&token)).await,
        401
    );
    assert_eq!(forget(&app, "nope", Some(&token)).await, 404);
    assert_eq!(
        app.api(
            "GET",
            &format!("/conversations/{conversation}"),
            Some(&ws.token),
            None
        )
        .await
        .0,
        200
    );

    assert_eq!(forget(&app, &key, Some(&token)).await, 204);
    assert!(visitor.closed_with().await.is_some());
    assert_eq!(
        app.api(
            "GET",
            &format!("/conversations/{conversation}"),
            Some(&ws.token),
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        app.api(
            "GET",
            &format!("/conversations/{kept}"),
            Some(&ws.token),
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        forget(&app, &key, Some(&token)).await,
        401,
        "the token is nobody's now"
    );
    let (_, log) = app
        .api("GET", "/audit?action=visitor.erased", Some(&ws.token), None)
        .await;
    assert_eq!(log["items"][0]["actor"]["kind"], "visitor", "{log}");

    // A blocked visitor cannot erase their block away.
    let (_, blocked_token, blocked_conversation) = chat(&app, &ws, "spam").await;
    let blocked_id = visitor_of(&app, &ws, &blocked_conversation).await;
    let (status, _) = app
        .api(
            "POST",
            &format!("/visitors/{blocked_id}/block"),
            Some(&ws.token),
            Some(json!({"reason": "spam"})),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(forget(&app, &key, Some(&blocked_token)).await, 403);
    // The browser may ask across origins: the preflight allows DELETE with a bearer token.
    let preflight = app
        .http
        .request(
            reqwest::Method::OPTIONS,
            app.url(&format!("/api/v1/widget/me?site_key={key}")),
        )
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "DELETE")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
}

async fn exports_hold_the_visitor_or_the_workspace_and_no_secret(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let ws = app.first_workspace().await;
    let other = app.other_workspace("other@acme.test").await;
    let (_, _, conversation) = chat(&app, &ws, "hello 𝄞 from me").await;
    reply(&app, &ws, &conversation, json!({"body": "a reply"})).await;
    reply(
        &app,
        &ws,
        &conversation,
        json!({"body": "an internal note", "kind": "note"}),
    )
    .await;
    let visitor_id = visitor_of(&app, &ws, &conversation).await;
    let (_, _, theirs) = chat(&app, &other, "their secret words").await;

    let response = app
        .http
        .get(app.url(&format!("/api/v1/visitors/{visitor_id}/export")))
        .bearer_auth(&ws.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let export: Value = response.json().await.unwrap();
    assert_eq!(export["visitor"]["id"].as_str(), Some(visitor_id.as_str()));
    let conversations = export["conversations"].as_array().unwrap();
    assert_eq!(conversations.len(), 1);
    let bodies: Vec<&str> = conversations[0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert_eq!(bodies, ["hello 𝄞 from me", "a reply", "an internal note"]);
    // Another workspace's admin, a plain agent, nobody: refused.
    assert_eq!(
        app.api(
            "GET",
            &format!("/visitors/{visitor_id}/export"),
            Some(&other.token),
            None
        )
        .await
        .0,
        404
    );
    app.api(
        "POST",
        "/agents",
        Some(&ws.token),
        Some(json!({"email": "amy@acme.test", "name": "Amy", "password": "initial-pass"})),
    )
    .await;
    let amy = app.login("amy@acme.test", "initial-pass").await;
    assert_eq!(
        app.api(
            "GET",
            &format!("/visitors/{visitor_id}/export"),
            Some(&amy),
            None
        )
        .await
        .0,
        403
    );
    assert_eq!(
        app.api("GET", "/workspace/export", Some(&amy), None)
            .await
            .0,
        403
    );
    assert_eq!(app.api("GET", "/workspace/export", None, None).await.0, 401);

    let response = app
        .http
        .get(app.url("/api/v1/workspace/export"))
        .bearer_auth(&ws.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(kinds[0], "workspace");
    for kind in ["site", "agent", "visitor", "conversation"] {
        assert!(kinds.contains(&kind), "{kind}: {kinds:?}");
    }
    let conversation_line = lines
        .iter()
        .find(|l| l["type"] == "conversation" && l["id"] == conversation.as_str())
        .unwrap();
    assert_eq!(conversation_line["messages"].as_array().unwrap().len(), 3);
    assert!(
        !text.contains(&ws.site.identity_secret),
        "no identity secret"
    );
    assert!(
        !text.contains("password_hash") && !text.contains("$argon2"),
        "no password hash"
    );
    assert!(
        !text.contains("their secret words") && !text.contains(&theirs),
        "nothing of another workspace"
    );
}

async fn the_audit_log_records_each_admin_action(backend: Backend) {
    let app = spawn_app_with(backend, &[ALLOW_PRIVATE]).await;
    let ws = app.first_workspace().await;
    let other = app.other_workspace("other@acme.test").await;
    let t = Some(ws.token.as_str());
    let (_, site) = app
        .api("POST", "/sites", t, Some(json!({"name": "Shop"})))
        .await;
    let site = site["id"].as_str().unwrap().to_owned();
    app.api(
        "PATCH",
        &format!("/sites/{site}"),
        t,
        Some(json!({"allowed_origins": ["https://shop.example"]})),
    )
    .await;
    app.api("POST", &format!("/sites/{site}/rotate-secret"), t, None)
        .await;
    let (_, team) = app
        .api("POST", "/teams", t, Some(json!({"name": "Sales"})))
        .await;
    let team = team["id"].as_str().unwrap().to_owned();
    app.api(
        "PATCH",
        &format!("/teams/{team}"),
        t,
        Some(json!({"name": "Sales EU"})),
    )
    .await;
    app.api("DELETE", &format!("/teams/{team}"), t, None).await;
    let (_, agent) = app
        .api(
            "POST",
            "/agents",
            t,
            Some(json!({"email": "amy@acme.test", "name": "Amy", "password": "initial-pass"})),
        )
        .await;
    let agent = agent["id"].as_str().unwrap().to_owned();
    app.api(
        "PATCH",
        &format!("/agents/{agent}"),
        t,
        Some(json!({"password": "another-pass-1"})),
    )
    .await;
    app.api("DELETE", &format!("/agents/{agent}"), t, None)
        .await;
    let (_, hook) = app
        .api(
            "POST",
            "/webhooks",
            t,
            Some(json!({"url": "http://127.0.0.1:9/h", "events": ["message.created"]})),
        )
        .await;
    let hook = hook["id"].as_str().unwrap().to_owned();
    app.api(
        "PATCH",
        &format!("/webhooks/{hook}"),
        t,
        Some(json!({"active": false})),
    )
    .await;
    app.api("POST", &format!("/webhooks/{hook}/rotate-secret"), t, None)
        .await;
    app.api("DELETE", &format!("/webhooks/{hook}"), t, None)
        .await;
    let (_, key) = app
        .api(
            "POST",
            "/api-keys",
            t,
            Some(json!({"name": "CI", "role": "admin"})),
        )
        .await;
    let key_id = key["id"].as_str().unwrap().to_owned();
    let secret = key["key"].as_str().unwrap().to_owned();
    // The key acts, and is named as a key.
    app.api(
        "PATCH",
        "/workspace",
        Some(&secret),
        Some(json!({"name": "Acme Support"})),
    )
    .await;
    app.api("DELETE", &format!("/api-keys/{key_id}"), t, None)
        .await;
    let (_, _, conversation) = chat(&app, &ws, "hi").await;
    let visitor = visitor_of(&app, &ws, &conversation).await;
    app.api(
        "POST",
        &format!("/visitors/{visitor}/block"),
        t,
        Some(json!({"reason": "rude"})),
    )
    .await;
    app.api("DELETE", &format!("/visitors/{visitor}/block"), t, None)
        .await;
    app.api("GET", &format!("/visitors/{visitor}/export"), t, None)
        .await;
    app.api("DELETE", &format!("/visitors/{visitor}"), t, None)
        .await;
    app.api(
        "DELETE",
        "/sites/00000000-0000-0000-0000-000000000000",
        t,
        None,
    )
    .await;
    app.api("DELETE", &format!("/sites/{site}"), t, None).await;

    // Everything, newest first, in pages.
    let mut actions = Vec::new();
    let mut cursor = String::new();
    let mut first_page = None;
    loop {
        let (status, page) = app
            .api("GET", &format!("/audit?limit=7&cursor={cursor}"), t, None)
            .await;
        assert_eq!(status, 200, "{page}");
        first_page.get_or_insert_with(|| page.clone());
        for item in page["items"].as_array().unwrap() {
            actions.push(item["action"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    actions.reverse();
    assert_eq!(
        actions,
        [
            "site.created",
            "site.updated",
            "site.secret_rotated",
            "team.created",
            "team.updated",
            "team.deleted",
            "agent.created",
            "agent.updated",
            "agent.deleted",
            "webhook.created",
            "webhook.updated",
            "webhook.secret_rotated",
            "webhook.deleted",
            "api_key.created",
            "workspace.updated",
            "api_key.deleted",
            "visitor.blocked",
            "visitor.unblocked",
            "visitor.exported",
            "visitor.erased",
            "site.deleted",
        ]
    );
    let newest = &first_page.unwrap()["items"][0];
    assert_eq!(newest["actor"]["kind"], "agent");
    assert_eq!(
        newest["actor"]["name"].as_str(),
        Some(ws.admin.name.as_str())
    );
    assert_eq!(newest["ip"], "127.0.0.1");
    assert_eq!(newest["target_id"].as_str(), Some(site.as_str()));
    let (_, by_key) = app.api("GET", "/audit?action=workspace.", t, None).await;
    let line = &by_key["items"][0];
    assert_eq!(
        (
            line["actor"]["kind"].as_str(),
            line["actor"]["name"].as_str()
        ),
        (Some("api_key"), Some("CI")),
        "{line}"
    );
    assert_eq!(line["detail"]["fields"], json!(["name"]));
    // A password change is named, never shown.
    let (_, agents) = app.api("GET", "/audit?action=agent.updated", t, None).await;
    assert_eq!(
        agents["items"][0]["detail"],
        json!({"fields": ["password"]})
    );
    // Admins of this workspace only; bad parameters are refused.
    assert_eq!(
        app.api("GET", "/audit", Some(&other.token), None).await.1["items"],
        json!([])
    );
    for bad in ["limit=0", "limit=1000", "action=%27%3B", "cursor=garbage"] {
        assert_eq!(
            app.api("GET", &format!("/audit?{bad}"), t, None).await.0,
            400,
            "{bad}"
        );
    }
}

/// Two nodes on one database, both running the retention job every second: each expired
/// conversation is deleted once, by one of them, and the audit lines add up to the total.
#[actix_web::test]
async fn retention_on_two_nodes_deletes_each_conversation_once() {
    let db = std::sync::Arc::new(crate::helpers::TestDb::postgres().await);
    let a = crate::helpers::spawn_app_on(db.clone(), &[FAST_RETENTION]).await;
    let b = crate::helpers::spawn_app_on(db.clone(), &[FAST_RETENTION]).await;
    let ws = a.first_workspace().await;
    a.sql(
        "insert into visitors (id, workspace_id, site_id) \
         select md5('v' || g)::uuid, s.workspace_id, s.id \
         from generate_series(1, 600) g, (select id, workspace_id from sites limit 1) s",
    )
    .await;
    a.sql(
        "insert into conversations (id, workspace_id, site_id, visitor_id, status, last_seq, \
         created_at, resolved_at) \
         select md5('c' || g)::uuid, v.workspace_id, v.site_id, v.id, 'resolved', 0, \
         now() - interval '20 days', now() - interval '10 days' \
         from generate_series(1, 600) g join visitors v on v.id = md5('v' || g)::uuid",
    )
    .await;
    // (Each in-process node has its own public URL, which its tokens name: set through A;
    // B only runs its job.)
    let _ = &b;
    let (status, _) = a
        .api(
            "PATCH",
            "/workspace",
            Some(&ws.token),
            Some(json!({"retention_days": 2})),
        )
        .await;
    assert_eq!(status, 200);
    let mut waited = 0;
    while count(&a, "select count(*) from conversations").await > 0 {
        assert!(waited < 300, "expired conversations are still there");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    // Every batch said how many it deleted; together, each conversation once.
    let deleted = count(
        &a,
        "select coalesce(sum((detail ->> 'conversations')::bigint), 0)::bigint from audit_log \
         where action = 'retention.deleted'",
    )
    .await;
    assert_eq!(deleted, 600);
}
