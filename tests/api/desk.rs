//! The desk around conversations: labels, priority and snooze; the timeline's activity lines;
//! refused embeds; agents' pictures, names and signatures as visitors see them; contacts and
//! identify attributes; pages seen before the first connection; transcripts.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, Backend, TestApp, Workspace};
use crate::ws_client::WsClient;

crate::on_both_backends!(
    labels_priority_and_snooze_organise_the_inbox,
    activity_lines_tell_resolving_reopening_the_visitor_ending_and_the_rating,
    a_refused_page_is_noted_for_the_admin_and_the_servers_own_pages_may_frame_the_panel,
    visitors_see_the_agents_picture_and_new_name_and_emails_carry_its_signature,
    contacts_are_found_by_email_and_attribute_and_gather_conversations_across_sites,
    pages_seen_before_the_first_connection_arrive_with_hello_and_a_reload_is_not_repeated,
    a_transcript_holds_the_whole_conversation_as_text,
    a_proactive_message_names_its_agent_and_is_stored_before_the_answer,
);

async fn conversation_of(visitor: &mut WsClient, body: &str) -> String {
    let sent = visitor.send_text(None, body).await;
    assert_eq!(sent["type"], "sent", "{sent}");
    sent["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn patch(app: &TestApp, ws: &Workspace, id: &str, body: Value) -> (u16, Value) {
    app.api(
        "PATCH",
        &format!("/conversations/{id}"),
        Some(&ws.token),
        Some(body),
    )
    .await
}

async fn listed(app: &TestApp, ws: &Workspace, query: &str) -> Vec<String> {
    let (status, page) = app
        .api(
            "GET",
            &format!("/conversations?{query}"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

fn in_seconds(seconds: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(seconds)).to_rfc3339()
}

async fn labels_priority_and_snooze_organise_the_inbox(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let other = app.other_workspace("other@acme.test").await;
    let create = |name: &str, color: Option<&str>| {
        let mut body = json!({ "name": name });
        if let Some(color) = color {
            body["color"] = json!(color);
        }
        body
    };
    let (status, vip) = app
        .api(
            "POST",
            "/labels",
            Some(&ws.token),
            Some(create("VIP", Some("#AA0000"))),
        )
        .await;
    assert_eq!(status, 201, "{vip}");
    assert_eq!(vip["color"], "#aa0000");
    let vip = vip["id"].as_str().unwrap().to_owned();
    let (status, billing) = app
        .api(
            "POST",
            "/labels",
            Some(&ws.token),
            Some(create("Billing", None)),
        )
        .await;
    assert_eq!(status, 201);
    assert!(billing["color"].as_str().unwrap().starts_with('#'));
    let billing = billing["id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .api(
            "POST",
            "/labels",
            Some(&ws.token),
            Some(create("vip", None)),
        )
        .await;
    assert_eq!(status, 409, "names are unique, case aside");
    for bad in [
        create("", None),
        create("x", Some("red")),
        create("\u{202e}", None),
    ] {
        let (status, body) = app.api("POST", "/labels", Some(&ws.token), Some(bad)).await;
        assert_eq!(status, 422, "{body}");
    }
    let (status, foreign) = app
        .api(
            "POST",
            "/labels",
            Some(&other.token),
            Some(create("Theirs", None)),
        )
        .await;
    assert_eq!(status, 201);
    let (_, names) = app.api("GET", "/labels", Some(&ws.token), None).await;
    assert_eq!(
        names["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["Billing", "VIP"]
    );

    let (mut agent, _) = app.agent(&ws.token).await;
    let (mut first, _) = app.visitor(&ws.site).await;
    let (mut second, _) = app.visitor(&ws.site).await;
    let a = conversation_of(&mut first, "my order").await;
    let b = conversation_of(&mut second, "my invoice").await;

    let (status, changed) = patch(
        &app,
        &ws,
        &a,
        json!({"labels": [vip, vip, billing], "priority": "high"}),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["priority"], "high");
    assert_eq!(changed["labels"].as_array().unwrap().len(), 2);
    conversation_where(&mut agent, |c| c["priority"] == "high").await;
    let (status, _) = patch(&app, &ws, &a, json!({"labels": [foreign["id"]]})).await;
    assert_eq!(status, 422, "another workspace's label");
    let (status, _) = patch(&app, &ws, &a, json!({"priority": "someday"})).await;
    assert_eq!(status, 422);
    assert_eq!(
        listed(&app, &ws, &format!("label={vip}")).await,
        [a.as_str()]
    );
    assert_eq!(listed(&app, &ws, "priority=high").await, [a.as_str()]);
    assert_eq!(
        listed(&app, &other, &format!("label={vip}")).await,
        Vec::<String>::new()
    );

    // Snoozed: out of the open inbox, back by itself when the time comes.
    let (status, _) = patch(&app, &ws, &b, json!({"snoozed_until": in_seconds(-5)})).await;
    assert_eq!(status, 422, "a snooze ends in the future");
    let (status, snoozed) = patch(&app, &ws, &b, json!({"snoozed_until": in_seconds(2)})).await;
    assert_eq!(status, 200, "{snoozed}");
    assert!(snoozed["snoozed_until"].is_string());
    assert_eq!(
        listed(&app, &ws, "status=open&snoozed=false").await,
        [a.as_str()]
    );
    assert_eq!(listed(&app, &ws, "snoozed=true").await, [b.as_str()]);
    let woke = tokio::time::timeout(
        Duration::from_secs(15),
        conversation_where(&mut agent, |c| {
            c["id"] == b.as_str() && c["snoozed_until"].is_null()
        }),
    )
    .await
    .expect("the snoozed conversation comes back by itself");
    assert_eq!(woke["conversation"]["status"], "open");
    assert_eq!(listed(&app, &ws, "snoozed=false").await.len(), 2);

    // A visitor writing wakes it sooner.
    let (status, _) = patch(&app, &ws, &b, json!({"snoozed_until": in_seconds(3600)})).await;
    assert_eq!(status, 200);
    second.send_text(Some(&b), "still there?").await;
    let (_, now) = app
        .api("GET", &format!("/conversations/{b}"), Some(&ws.token), None)
        .await;
    assert!(now["snoozed_until"].is_null(), "{now}");
    // An agent's note does not.
    patch(&app, &ws, &b, json!({"snoozed_until": in_seconds(3600)})).await;
    let (status, _) = app
        .api(
            "POST",
            &format!("/conversations/{b}/messages"),
            Some(&ws.token),
            Some(json!({"client_msg_id": uuid::Uuid::new_v4(), "kind": "note", "body": "waiting on the bank"})),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(listed(&app, &ws, "snoozed=true").await, [b.as_str()]);

    // The tabs' counts cover every conversation, not one page.
    let (status, counts) = app
        .api("GET", "/conversations/counts", Some(&ws.token), None)
        .await;
    assert_eq!(status, 200, "{counts}");
    assert_eq!(
        counts,
        json!({"open": 1, "mine": 0, "unassigned": 1, "snoozed": 1})
    );
    patch(&app, &ws, &a, json!({"assignee_id": ws.admin.id})).await;
    let (_, counts) = app
        .api("GET", "/conversations/counts", Some(&ws.token), None)
        .await;
    assert_eq!(
        counts,
        json!({"open": 1, "mine": 1, "unassigned": 0, "snoozed": 1})
    );
    let (_, theirs) = app
        .api("GET", "/conversations/counts", Some(&other.token), None)
        .await;
    assert_eq!(
        theirs,
        json!({"open": 0, "mine": 0, "unassigned": 0, "snoozed": 0})
    );
    let (status, _) = app
        .api(
            "GET",
            "/conversations/counts?team=nonsense",
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(status, 400);

    // A label deleted leaves the conversations that carried it.
    let (status, _) = app
        .api(
            "DELETE",
            &format!("/labels/{vip}"),
            Some(&other.token),
            None,
        )
        .await;
    assert_eq!(status, 404, "another workspace's admin");
    let (status, _) = app
        .api("DELETE", &format!("/labels/{vip}"), Some(&ws.token), None)
        .await;
    assert_eq!(status, 204);
    let (_, after) = app
        .api("GET", &format!("/conversations/{a}"), Some(&ws.token), None)
        .await;
    assert_eq!(after["labels"], json!([billing]));
}

async fn message_bodies(app: &TestApp, ws: &Workspace, id: &str) -> Vec<(String, String)> {
    let (status, page) = app
        .api(
            "GET",
            &format!("/conversations/{id}/messages?limit=100"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap().to_owned(),
                m["body"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The next `message` frame that is a system line.
async fn next_line(client: &mut WsClient) -> String {
    loop {
        let frame = client.recv_type("message").await;
        if frame["message"]["kind"] == "event" {
            assert_eq!(frame["message"]["author"]["kind"], "system");
            return frame["message"]["body"].as_str().unwrap().to_owned();
        }
    }
}

async fn activity_lines_tell_resolving_reopening_the_visitor_ending_and_the_rating(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let name = ws.admin.name.clone();
    let (mut agent, _) = app.agent(&ws.token).await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let id = conversation_of(&mut visitor, "hello").await;

    patch(&app, &ws, &id, json!({"assignee_id": ws.admin.id})).await;
    assert_eq!(
        next_line(&mut visitor).await,
        format!("{name} joined the conversation")
    );
    patch(&app, &ws, &id, json!({"status": "resolved"})).await;
    assert_eq!(
        next_line(&mut visitor).await,
        format!("{name} resolved the conversation")
    );
    patch(&app, &ws, &id, json!({"status": "open"})).await;
    assert_eq!(
        next_line(&mut agent).await,
        format!("{name} joined the conversation")
    );
    assert_eq!(
        next_line(&mut agent).await,
        format!("{name} resolved the conversation")
    );
    assert_eq!(
        next_line(&mut agent).await,
        format!("{name} reopened the conversation")
    );
    // Asking for what already is changes nothing and says nothing.
    patch(&app, &ws, &id, json!({"status": "open"})).await;

    let ended = visitor
        .call(json!({"type": "end", "conversation_id": id}))
        .await;
    assert_eq!(ended["type"], "ok", "{ended}");
    assert_eq!(next_line(&mut agent).await, "The visitor ended the chat");
    let rated = visitor
        .call(json!({"type": "rate", "conversation_id": id, "score": 4}))
        .await;
    assert_eq!(rated["type"], "ok", "{rated}");
    assert_eq!(
        next_line(&mut agent).await,
        "The visitor rated the conversation 4/5"
    );
    let lines: Vec<String> = message_bodies(&app, &ws, &id)
        .await
        .into_iter()
        .filter(|(kind, _)| kind == "event")
        .map(|(_, body)| body)
        .collect();
    assert_eq!(
        lines,
        [
            format!("{name} joined the conversation"),
            format!("{name} resolved the conversation"),
            format!("{name} reopened the conversation"),
            "The visitor ended the chat".to_owned(),
            "The visitor rated the conversation 4/5".to_owned(),
        ]
    );
}

async fn a_refused_page_is_noted_for_the_admin_and_the_servers_own_pages_may_frame_the_panel(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let other = app.other_workspace("other@acme.test").await;
    let config = |origin: Option<&'static str>| {
        let mut request = app.http.get(app.url(&format!(
            "/api/v1/widget/config?site_key={}",
            ws.site.site_key
        )));
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        request.send()
    };
    assert_eq!(
        config(Some("https://evil.example")).await.unwrap().status(),
        200,
        "any page while the site allows all"
    );
    let (status, _) = app
        .api(
            "PATCH",
            &format!("/sites/{}", ws.site.id),
            Some(&ws.token),
            Some(json!({"allowed_origins": ["https://shop.example"]})),
        )
        .await;
    assert_eq!(status, 200);
    let refused = config(Some("https://evil.example")).await.unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(
        refused.headers()["access-control-allow-origin"],
        "https://evil.example",
        "the loader can read the refusal"
    );
    assert_eq!(
        refused.json::<Value>().await.unwrap()["error"]["code"],
        "forbidden"
    );
    assert_eq!(
        config(Some("https://shop.example")).await.unwrap().status(),
        200
    );
    assert_eq!(config(None).await.unwrap().status(), 200);
    let url = app.ws_url(&format!("/ws/visitor?site_key={}", ws.site.site_key));
    assert!(WsClient::connect(&url, Some("https://other.example"))
        .await
        .is_err());

    let path = format!("/sites/{}/refused-origins", ws.site.id);
    let seen = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let (status, page) = app.api("GET", &path, Some(&ws.token), None).await;
            assert_eq!(status, 200, "{page}");
            if page["items"].as_array().unwrap().len() == 2 {
                return page;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("both refused origins are listed");
    let origins: Vec<&str> = seen["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["origin"].as_str().unwrap())
        .collect();
    assert!(
        origins.contains(&"https://evil.example") && origins.contains(&"https://other.example"),
        "{seen}"
    );
    let (status, _) = app.api("GET", &path, Some(&other.token), None).await;
    assert_eq!(status, 404, "another workspace's site");
    // Once allowed, an origin is no longer listed as refused.
    app.api(
        "PATCH",
        &format!("/sites/{}", ws.site.id),
        Some(&ws.token),
        Some(json!({"allowed_origins": ["https://shop.example", "https://evil.example"]})),
    )
    .await;
    let (_, page) = app.api("GET", &path, Some(&ws.token), None).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");

    // The panel: this server's pages (the demo, "try it") may frame it, and the site's.
    let panel = app
        .get(&format!("/widget/panel.html?site_key={}", ws.site.site_key))
        .await;
    let policy = panel.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("frame-ancestors 'self' https://evil.example https://shop.example"),
        "{policy}"
    );
}

/// A PNG `width` × `height`, filled with one colour.
fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn put_avatar(app: &TestApp, token: &str, body: Vec<u8>) -> (u16, Value) {
    let response = app
        .http
        .put(app.url("/api/v1/me/avatar"))
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn visitors_see_the_agents_picture_and_new_name_and_emails_carry_its_signature(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (status, me) = put_avatar(&app, &ws.token, png(300, 200)).await;
    assert_eq!(status, 200, "{me}");
    let url = me["avatar_url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("/avatars/"), "{url}");
    let picture = app.get(&url).await;
    assert_eq!(picture.status(), 200);
    assert_eq!(picture.headers()["content-type"], "image/jpeg");
    assert!(picture.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    let bytes = picture.bytes().await.unwrap();
    let decoded = image::load_from_memory(&bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (128, 128));
    let (status, body) = put_avatar(&app, &ws.token, b"<svg onload=alert(1)>".to_vec()).await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = put_avatar(&app, &ws.token, vec![0xff; 6 * 1024 * 1024]).await;
    assert_eq!(status, 413);
    assert_eq!(app.get("/avatars/nothere").await.status(), 404);

    let (mut visitor, _) = app.visitor(&ws.site).await;
    let id = conversation_of(&mut visitor, "hi").await;
    patch(&app, &ws, &id, json!({"assignee_id": ws.admin.id})).await;
    let assigned = conversation_where(&mut visitor, |c| !c["assignee"].is_null()).await;
    assert_eq!(
        assigned["conversation"]["assignee"]["avatar_url"],
        url.as_str()
    );
    assert_eq!(
        assigned["conversation"]["assignee"]["name"],
        ws.admin.name.as_str()
    );
    assert!(
        assigned["conversation"]["assignee"].get("id").is_none(),
        "{assigned}"
    );

    let (status, me) = app
        .api(
            "PATCH",
            "/me",
            Some(&ws.token),
            Some(json!({"name": "Alice Martin", "signature": "Alice\nAcme support"})),
        )
        .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["signature"], "Alice\nAcme support");
    let renamed =
        conversation_where(&mut visitor, |c| c["assignee"]["name"] == "Alice Martin").await;
    assert_eq!(renamed["conversation"]["assignee"]["name"], "Alice Martin");
    let (status, _) = app
        .api(
            "PATCH",
            "/me",
            Some(&ws.token),
            Some(json!({"signature": "x".repeat(1001)})),
        )
        .await;
    assert_eq!(status, 422);

    let (status, me) = app
        .http
        .delete(app.url("/api/v1/me/avatar"))
        .bearer_auth(&ws.token)
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    assert_eq!(status, 200);
    assert!(me.json::<Value>().await.unwrap()["avatar_url"].is_null());
    assert_eq!(app.get(&url).await.status(), 404, "the old picture is gone");
    conversation_where(&mut visitor, |c| c["assignee"]["avatar_url"].is_null()).await;
}

/// The next `conversation` frame whose conversation passes `check`.
async fn conversation_where(client: &mut WsClient, check: impl Fn(&Value) -> bool) -> Value {
    loop {
        let frame = client.recv_type("conversation").await;
        if check(&frame["conversation"]) {
            return frame;
        }
    }
}

fn hmac_identity(
    ws: &Workspace,
    site: &parley::domain::Site,
    id: &str,
    attributes: Value,
) -> Value {
    let _ = ws;
    json!({
        "type": "hello",
        "token": null,
        "identity": {
            "id": id,
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "hash": parley::auth::identity::hmac_hex(&site.identity_secret, id),
            "attributes": attributes
        }
    })
}

async fn contacts(app: &TestApp, ws: &Workspace, query: &str) -> (u16, Value) {
    app.api("GET", &format!("/contacts?{query}"), Some(&ws.token), None)
        .await
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap_or("-").to_owned())
        .collect()
}

async fn contacts_are_found_by_email_and_attribute_and_gather_conversations_across_sites(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let other = app.other_workspace("other@acme.test").await;
    let (status, second_site) = app
        .api(
            "POST",
            "/sites",
            Some(&ws.token),
            Some(json!({"name": "Docs"})),
        )
        .await;
    assert_eq!(status, 201);
    let second_site = app
        .store()
        .site_by_key(
            &parley::domain::SiteKey::parse(second_site["site_key"].as_str().unwrap()).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    let attributes =
        json!({"plan": "gold", "seats": 12, "vip": true, "bad key": 1, "nested": {"a": 1}});
    let (mut ada_shop, welcome) = app
        .visitor_with(
            &ws.site,
            hmac_identity(&ws, &ws.site, "u-42", attributes.clone()),
        )
        .await;
    assert_eq!(welcome["identity"]["status"], "verified");
    let ada = welcome["visitor_id"].as_str().unwrap().to_owned();
    let (mut ada_docs, _) = app
        .visitor_with(
            &second_site,
            hmac_identity(&ws, &second_site, "u-42", json!({"plan": "gold"})),
        )
        .await;
    let (mut zoe, _) = app
        .visitor_with(
            &ws.site,
            json!({"type": "hello", "token": null, "identity": {"name": "Zoe", "email": "zoe@example.com", "attributes": {"plan": "free"}}}),
        )
        .await;
    let (mut anonymous, _) = app.visitor(&ws.site).await;
    conversation_of(&mut ada_shop, "where is my order").await;
    conversation_of(&mut ada_docs, "the docs are wrong").await;
    conversation_of(&mut zoe, "hello").await;
    conversation_of(&mut anonymous, "hi").await;

    let (status, all) = contacts(&app, &ws, "").await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(
        names(&all)[..2],
        ["Ada Lovelace", "Ada Lovelace"],
        "identified first"
    );
    assert_eq!(all["items"].as_array().unwrap().len(), 4);
    let (_, found) = contacts(&app, &ws, "q=ZOE@example").await;
    assert_eq!(names(&found), ["Zoe"]);
    assert_eq!(found["items"][0]["attributes"]["plan"], "free");
    let (_, found) = contacts(&app, &ws, "q=u-42").await;
    assert_eq!(
        found["items"].as_array().unwrap().len(),
        2,
        "by the business's user id"
    );
    let (_, gold) = contacts(&app, &ws, "attribute=plan:gold").await;
    assert_eq!(names(&gold), ["Ada Lovelace", "Ada Lovelace"]);
    let (_, vip) = contacts(&app, &ws, "attribute=vip:true").await;
    assert_eq!(vip["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        vip["items"][0]["attributes"],
        json!({"plan": "gold", "seats": 12, "vip": true}),
        "odd attributes dropped"
    );
    let (_, seats) = contacts(&app, &ws, "attribute=seats:12").await;
    assert_eq!(seats["items"].as_array().unwrap().len(), 1);
    let (_, identified) = contacts(&app, &ws, "identified=true").await;
    assert_eq!(identified["items"].as_array().unwrap().len(), 2);
    let (status, _) = contacts(&app, &ws, "attribute=bad%20name:1").await;
    assert_eq!(status, 400);
    let (status, _) = contacts(&app, &ws, "attribute=nocolon").await;
    assert_eq!(status, 400);
    let (_, theirs) = contacts(&app, &other, "").await;
    assert_eq!(
        theirs["items"].as_array().unwrap().len(),
        0,
        "another workspace sees none"
    );

    let (status, detail) = app
        .api("GET", &format!("/contacts/{ada}"), Some(&ws.token), None)
        .await;
    assert_eq!(status, 200, "{detail}");
    let sites: Vec<&str> = detail["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["site_name"].as_str().unwrap())
        .collect();
    assert_eq!(sites.len(), 2, "{detail}");
    assert!(sites.contains(&"Docs"));
    assert_eq!(detail["online"], true);
    let (status, _) = app
        .api("GET", &format!("/contacts/{ada}"), Some(&other.token), None)
        .await;
    assert_eq!(status, 404);
}

async fn pages_seen_before_the_first_connection_arrive_with_hello_and_a_reload_is_not_repeated(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let page = |path: &str, ago: i64| json!({"url": format!("https://shop.example{path}"), "title": path, "referrer": "", "seen_at": in_seconds(-ago)});
    let mut far = page("/old", 0);
    far["seen_at"] = json!("2001-01-01T00:00:00Z");
    let (mut visitor, welcome) = app
        .visitor_with(
            &ws.site,
            json!({
                "type": "hello", "token": null,
                "page": {"url": "https://shop.example/c", "title": "C"},
                "pages": [far, page("/a", 30), page("/b", 20), page("/b", 10)]
            }),
        )
        .await;
    let id = welcome["visitor_id"].as_str().unwrap().to_owned();
    // A reload of the current page.
    let again = visitor
        .call(json!({"type": "page", "url": "https://shop.example/c", "title": "C"}))
        .await;
    assert_eq!(again["type"], "ok");
    let (status, profile) = app
        .api("GET", &format!("/visitors/{id}"), Some(&ws.token), None)
        .await;
    assert_eq!(status, 200, "{profile}");
    let urls: Vec<&str> = profile["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p["url"]
                .as_str()
                .unwrap()
                .trim_start_matches("https://shop.example")
        })
        .collect();
    assert_eq!(urls, ["/c", "/b", "/a", "/old"], "newest first, once each");
    let oldest = profile["pages"][3]["seen_at"].as_str().unwrap();
    assert!(
        !oldest.starts_with("2001"),
        "no page older than a day: {oldest}"
    );

    // Too many are cut to the latest twenty.
    let many: Vec<Value> = (0..50).map(|i| page(&format!("/p{i}"), 50 - i)).collect();
    let (_, welcome) = app
        .visitor_with(
            &ws.site,
            json!({"type": "hello", "token": null, "pages": many}),
        )
        .await;
    let (_, profile) = app
        .api(
            "GET",
            &format!("/visitors/{}", welcome["visitor_id"].as_str().unwrap()),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(profile["pages"].as_array().unwrap().len(), 20);
    assert_eq!(profile["pages"][0]["url"], "https://shop.example/p49");
}

async fn a_transcript_holds_the_whole_conversation_as_text(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let ws = app.first_workspace().await;
    let other = app.other_workspace("other@acme.test").await;
    let (mut visitor, _) = app
        .visitor_with(
            &ws.site,
            json!({"type": "hello", "token": null, "identity": {"name": "Ada", "email": "ada@example.com"}}),
        )
        .await;
    let id = conversation_of(&mut visitor, "first line\nsecond line <b>").await;
    for (kind, body) in [("text", "Hello Ada 👋"), ("note", "VIP customer")] {
        let (status, _) = app
            .api(
                "POST",
                &format!("/conversations/{id}/messages"),
                Some(&ws.token),
                Some(json!({"client_msg_id": uuid::Uuid::new_v4(), "kind": kind, "body": body})),
            )
            .await;
        assert_eq!(status, 201);
    }
    patch(&app, &ws, &id, json!({"status": "resolved"})).await;
    let response = app
        .http
        .get(app.url(&format!("/api/v1/conversations/{id}/transcript")))
        .bearer_auth(&ws.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    let text = response.text().await.unwrap();
    assert!(text.contains("Visitor: Ada <ada@example.com>"), "{text}");
    assert!(
        text.contains("Ada (visitor): first line\n    second line <b>"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{} (agent): Hello Ada 👋", ws.admin.name)),
        "{text}"
    );
    assert!(text.contains("(internal note): VIP customer"), "{text}");
    assert!(
        text.contains(&format!(
            "-- {} resolved the conversation --",
            ws.admin.name
        )),
        "{text}"
    );
    let foreign = app
        .http
        .get(app.url(&format!("/api/v1/conversations/{id}/transcript")))
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 404);
}

async fn a_proactive_message_names_its_agent_and_is_stored_before_the_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let other = app.other_workspace("other@acme.test").await;
    let rule = |agent: &str| {
        json!({"settings": {"proactive": [
            {"id": "plans", "message": "Questions about plans?", "agent_id": agent, "url": "/pricing*", "delay_s": 3}
        ]}})
    };
    let site = format!("/sites/{}", ws.site.id);
    let (status, body) = app
        .api(
            "PATCH",
            &site,
            Some(&ws.token),
            Some(rule(&other.admin.id.to_string())),
        )
        .await;
    assert_eq!(status, 422, "another workspace's agent: {body}");
    let (status, body) = app
        .api("PATCH", &site, Some(&ws.token), Some(json!({"settings": {"proactive": [{"id": "Bad Id", "message": "x", "agent_id": ws.admin.id}]}})))
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = app
        .api(
            "PATCH",
            &site,
            Some(&ws.token),
            Some(rule(&ws.admin.id.to_string())),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let config: Value = app
        .get(&format!(
            "/api/v1/widget/config?site_key={}",
            ws.site.site_key
        ))
        .await
        .json()
        .await
        .unwrap();
    let shown = &config["proactive"][0];
    assert_eq!(shown["message"], "Questions about plans?");
    assert_eq!(shown["url"], "/pricing*");
    assert_eq!(shown["delay_s"], 3);
    assert_eq!(shown["agent"]["name"], ws.admin.name.as_str());
    assert!(shown.get("agent_id").is_none(), "{config}");

    let (mut visitor, _) = app.visitor(&ws.site).await;
    visitor
        .send(json!({"type": "send", "ref": "answer", "client_msg_id": uuid::Uuid::new_v4(), "body": "Yes: is there a yearly plan?", "proactive": "plans"}))
        .await;
    let before = visitor.frames_before(|f| f["type"] == "sent").await;
    let greeting = before
        .iter()
        .find(|f| f["type"] == "message")
        .unwrap_or_else(|| {
            panic!("the greeting reaches the visitor before its answer: {before:?}")
        });
    assert_eq!(greeting["message"]["author"]["kind"], "agent");
    assert_eq!(greeting["message"]["body"], "Questions about plans?");
    assert_eq!(greeting["message"]["seq"], 1);
    let id = greeting["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        message_bodies(&app, &ws, &id).await,
        [
            ("text".to_owned(), "Questions about plans?".to_owned()),
            ("text".to_owned(), "Yes: is there a yearly plan?".to_owned()),
        ]
    );
    // An unknown rule, or one named on a later message, adds nothing.
    let later = visitor
        .call(json!({"type": "send", "conversation_id": id, "client_msg_id": uuid::Uuid::new_v4(), "body": "and monthly?", "proactive": "plans"}))
        .await;
    assert_eq!(later["message"]["seq"], 3);
    let (mut stranger, _) = app.visitor(&ws.site).await;
    let unknown = stranger
        .call(json!({"type": "send", "client_msg_id": uuid::Uuid::new_v4(), "body": "hi", "proactive": "nope"}))
        .await;
    assert_eq!(unknown["message"]["seq"], 1);
}
