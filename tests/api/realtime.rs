//! The WebSocket protocol, frame by frame, with real sockets against the real server.

use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, spawn_app_with, Backend};
use crate::on_both_backends;
use crate::ws_client::WsClient;

on_both_backends!(
    a_visitor_is_welcomed_with_a_token_and_the_site_settings,
    a_visitor_token_continues_the_same_visitor_and_conversation,
    a_visitor_message_reaches_agents_and_a_reply_reaches_the_visitor,
    notes_never_reach_a_visitor_by_any_path,
    sync_returns_what_came_after_and_history_pages_backwards,
    typing_goes_to_the_other_side_with_the_preview_only_when_enabled,
    read_marks_reach_the_other_side_and_never_go_down,
    presence_and_agent_status_reach_agents_and_visitors,
    page_views_reach_agents_as_visitor_frames,
    an_agent_welcome_lists_open_conversations_most_recent_first,
    a_visitor_message_reopens_a_resolved_conversation_and_agents_are_told,
    sending_into_an_old_conversation_while_another_is_open_is_a_conflict,
    a_visitor_leaves_an_email_and_ends_the_chat,
    a_visitor_rates_its_resolved_conversation_and_agents_see_it,
);

fn id(frame: &Value, pointer: &str) -> String {
    frame
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} in {frame}"))
        .to_owned()
}

async fn a_visitor_is_welcomed_with_a_token_and_the_site_settings(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (_, welcome) = app.visitor(&ws.site).await;
    Uuid::parse_str(&id(&welcome, "/visitor_id")).unwrap();
    assert!(
        welcome["token"].as_str().unwrap().split('.').count() == 3,
        "a JWT"
    );
    assert_eq!(welcome["conversation"], Value::Null);
    assert_eq!(welcome["agents_online"], 0);
    assert_eq!(welcome["settings"]["title"], "Chat with us");
    assert_eq!(welcome["identity"], Value::Null);
}

async fn a_visitor_token_continues_the_same_visitor_and_conversation(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut first, welcome) = app.visitor(&ws.site).await;
    let sent = first.send_text(None, "hello").await;
    assert_eq!(sent["type"], "sent", "{sent}");
    let conversation = id(&sent, "/message/conversation_id");
    first.close().await;

    let hello = json!({"type": "hello", "token": welcome["token"]});
    let (_, again) = app.visitor_with(&ws.site, hello).await;
    assert_eq!(again["visitor_id"], welcome["visitor_id"]);
    assert_eq!(again["conversation"]["id"], conversation.as_str());
    assert_eq!(again["conversation"]["status"], "open");
    assert_eq!(again["conversation"]["last_seq"], 1);

    // A forged or foreign token starts a new visitor.
    let (_, stranger) = app
        .visitor_with(&ws.site, json!({"type": "hello", "token": "not.a.token"}))
        .await;
    assert_ne!(stranger["visitor_id"], welcome["visitor_id"]);
    assert_eq!(stranger["conversation"], Value::Null);
}

async fn a_visitor_message_reaches_agents_and_a_reply_reaches_the_visitor(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut agent, _) = app.agent(&ws.token).await;
    let (mut other_agent, _) = app.agent(&ws.token).await;
    let (mut visitor, welcome) = app.visitor(&ws.site).await;
    let (mut visitor_tab2, _) = app
        .visitor_with(
            &ws.site,
            json!({"type": "hello", "token": welcome["token"]}),
        )
        .await;

    let sent = visitor.send_text(None, "Where is my <b>order</b>?").await;
    assert_eq!(sent["type"], "sent", "{sent}");
    let message = &sent["message"];
    assert_eq!(message["seq"], 1);
    assert_eq!(message["kind"], "text");
    assert_eq!(
        message["body"], "Where is my <b>order</b>?",
        "stored and delivered exactly as sent"
    );
    assert_eq!(message["author"]["kind"], "visitor");
    assert_eq!(message["author"]["id"], welcome["visitor_id"]);
    let conversation = id(message, "/conversation_id");

    let created = agent.recv_type("conversation").await;
    assert_eq!(created["conversation"]["id"], conversation.as_str());
    assert_eq!(created["conversation"]["status"], "open");
    let received = agent.recv_type("message").await;
    assert_eq!(&received["message"], message);
    assert_eq!(&other_agent.recv_type("message").await["message"], message);
    assert_eq!(
        &visitor_tab2.recv_type("message").await["message"],
        message,
        "the visitor's other tabs"
    );

    let reply = agent.send_text(Some(&conversation), "It ships today").await;
    assert_eq!(reply["type"], "sent");
    assert_eq!(reply["message"]["seq"], 2);
    assert_eq!(reply["message"]["author"]["kind"], "agent");
    assert_eq!(reply["message"]["author"]["name"], ws.admin.name.as_str());
    let delivered = visitor.recv_type("message").await;
    assert_eq!(delivered["message"], reply["message"]);
    assert_eq!(
        other_agent.recv_type("message").await["message"],
        reply["message"]
    );

    // The sending connection gets `sent`, never its own `message`: the visitor's next message
    // (seq 3) reaches the agent with no seq 2 before it.
    visitor.send_text(Some(&conversation), "Thanks").await;
    let before = agent
        .frames_before(|f| f["type"] == "message" && f["message"]["seq"] == 3)
        .await;
    assert!(before.iter().all(|f| f["type"] != "message"), "{before:?}");
}

async fn notes_never_reach_a_visitor_by_any_path(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut agent, _) = app.agent(&ws.token).await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let conversation = id(
        &visitor.send_text(None, "hi").await,
        "/message/conversation_id",
    );
    let note = agent
        .call(json!({"type": "send", "conversation_id": conversation, "client_msg_id": Uuid::new_v4(), "kind": "note", "body": "VIP customer"}))
        .await;
    assert_eq!(note["type"], "sent", "{note}");
    assert_eq!(note["message"]["kind"], "note");
    agent.send_text(Some(&conversation), "after the note").await;

    let live = visitor.recv_type("message").await;
    assert_eq!(
        live["message"]["body"], "after the note",
        "the note was skipped"
    );
    let synced = visitor
        .call(json!({"type": "sync", "conversation_id": conversation, "after_seq": 0}))
        .await;
    let seqs: Vec<i64> = synced["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 3], "a gap where the note is");
    let history = visitor
        .call(json!({"type": "history", "conversation_id": conversation, "before_seq": null}))
        .await;
    assert!(history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["kind"] != "note"));
    assert!(!history.to_string().contains("VIP customer"));
    // Visitors cannot write notes either.
    let refused = visitor
        .call(json!({"type": "send", "client_msg_id": Uuid::new_v4(), "kind": "note", "body": "x"}))
        .await;
    assert_eq!(refused["code"], "forbidden");
}

async fn sync_returns_what_came_after_and_history_pages_backwards(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let conversation = id(
        &visitor.send_text(None, "1").await,
        "/message/conversation_id",
    );
    for i in 2..=12 {
        visitor.send_text(Some(&conversation), &i.to_string()).await;
    }
    let (mut agent, _) = app.agent(&ws.token).await;
    let seqs = |frame: &Value| -> Vec<i64> {
        frame["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["seq"].as_i64().unwrap())
            .collect()
    };
    let synced = agent
        .call(json!({"type": "sync", "conversation_id": conversation, "after_seq": 9}))
        .await;
    assert_eq!(synced["type"], "synced");
    assert_eq!(seqs(&synced), [10, 11, 12]);
    assert_eq!(synced["more"], false);

    let newest = agent.call(json!({"type": "history", "conversation_id": conversation, "before_seq": null, "limit": 5})).await;
    assert_eq!(newest["type"], "history");
    assert_eq!(seqs(&newest), [8, 9, 10, 11, 12]);
    assert_eq!(newest["more"], true);
    let older = agent.call(json!({"type": "history", "conversation_id": conversation, "before_seq": 3, "limit": 5})).await;
    assert_eq!(seqs(&older), [1, 2]);
    assert_eq!(older["more"], false);
    let capped = agent
        .call(json!({"type": "history", "conversation_id": conversation, "limit": 1000}))
        .await;
    assert_eq!(seqs(&capped).len(), 12, "a limit over 100 is taken as 100");

    for frame in [
        json!({"type": "sync", "conversation_id": Uuid::new_v4(), "after_seq": 0}),
        json!({"type": "history", "conversation_id": Uuid::new_v4()}),
    ] {
        assert_eq!(agent.call(frame).await["code"], "not_found");
    }
    let missing = agent.call(json!({"type": "sync", "after_seq": 0})).await;
    assert_eq!(missing["code"], "bad_request");
}

async fn typing_goes_to_the_other_side_with_the_preview_only_when_enabled(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut agent, _) = app.agent(&ws.token).await;
    let (mut visitor, welcome) = app.visitor(&ws.site).await;
    let conversation = id(
        &visitor.send_text(None, "hi").await,
        "/message/conversation_id",
    );

    let ok = visitor.call(json!({"type": "typing", "conversation_id": conversation, "state": "on", "preview": "my secret draft"})).await;
    assert_eq!(ok["type"], "ok");
    let typing = agent.recv_type("typing").await;
    assert_eq!(typing["conversation_id"], conversation.as_str());
    assert_eq!(typing["state"], "on");
    assert_eq!(typing["author"]["kind"], "visitor");
    assert_eq!(typing["author"]["id"], welcome["visitor_id"]);
    assert!(
        typing.get("preview").is_none(),
        "the site has not enabled draft previews: {typing}"
    );

    let (status, _) = app
        .api(
            "PATCH",
            &format!("/sites/{}", ws.site.id),
            Some(&ws.token),
            Some(json!({"settings": {"draft_preview": true}})),
        )
        .await;
    assert_eq!(status, 200);
    let (mut visitor2, _) = app
        .visitor_with(
            &ws.site,
            json!({"type": "hello", "token": welcome["token"]}),
        )
        .await;
    visitor2.call(json!({"type": "typing", "conversation_id": conversation, "state": "on", "preview": "draft"})).await;
    let typing = agent.recv_type("typing").await;
    assert_eq!(typing["preview"], "draft");

    agent
        .call(json!({"type": "typing", "conversation_id": conversation, "state": "off"}))
        .await;
    let to_visitor = visitor.recv_type("typing").await;
    assert_eq!(to_visitor["author"]["kind"], "agent");
    assert_eq!(to_visitor["state"], "off");

    let foreign = visitor
        .call(json!({"type": "typing", "conversation_id": Uuid::new_v4(), "state": "on"}))
        .await;
    assert_eq!(foreign["code"], "not_found");
}

async fn read_marks_reach_the_other_side_and_never_go_down(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut agent, _) = app.agent(&ws.token).await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let conversation = id(
        &visitor.send_text(None, "one").await,
        "/message/conversation_id",
    );
    visitor.send_text(Some(&conversation), "two").await;

    assert_eq!(
        agent
            .call(json!({"type": "read", "conversation_id": conversation, "seq": 2}))
            .await["type"],
        "ok"
    );
    let read = visitor.recv_type("read").await;
    assert_eq!(
        (read["seq"].clone(), read["reader"]["kind"].clone()),
        (json!(2), json!("agent"))
    );
    agent
        .call(json!({"type": "read", "conversation_id": conversation, "seq": 1}))
        .await;
    assert_eq!(
        visitor.recv_type("read").await["seq"],
        2,
        "a mark never goes down"
    );
    // The agent's other tabs hear its own read mark too (to clear their badges).
    let (mut other_tab, _) = app.agent(&ws.token).await;
    agent
        .call(json!({"type": "read", "conversation_id": conversation, "seq": 2}))
        .await;
    assert_eq!(
        other_tab.recv_type("read").await["reader"]["id"],
        ws.admin.id.to_string()
    );

    visitor
        .call(json!({"type": "read", "conversation_id": conversation, "seq": 2}))
        .await;
    let read = agent.recv_type("read").await;
    assert_eq!(read["reader"]["kind"], "visitor");
    assert_eq!(read["seq"], 2);
}

async fn presence_and_agent_status_reach_agents_and_visitors(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut watcher, _) = app.agent(&ws.token).await;
    let (visitor, welcome) = app.visitor(&ws.site).await;
    assert_eq!(welcome["agents_online"], 1);
    let online = watcher.recv_type("presence").await;
    assert_eq!(
        online,
        json!({"type": "presence", "visitor_id": welcome["visitor_id"], "online": true})
    );
    visitor.close().await;
    let offline = watcher.recv_type("presence").await;
    assert_eq!(offline["online"], false);

    // The agent going away takes the online count to zero, and back.
    let (mut visitor, _) = app.visitor(&ws.site).await;
    assert_eq!(
        watcher
            .call(json!({"type": "status", "status": "away"}))
            .await["type"],
        "ok"
    );
    assert_eq!(
        visitor.recv_type("agents").await,
        json!({"type": "agents", "online": 0})
    );
    watcher
        .call(json!({"type": "status", "status": "online"}))
        .await;
    assert_eq!(visitor.recv_type("agents").await["online"], 1);

    // Another agent sees its colleague's status.
    let other = app.other_workspace("second@acme.test").await;
    let (mut stranger, _) = app.agent(&other.token).await;
    let (mut colleague, colleague_welcome) = app.agent(&ws.token).await;
    assert!(colleague_welcome["agents"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["status"] == "online"));
    // The status is the agent's, not a connection's: away set in one tab holds in the other.
    watcher
        .call(json!({"type": "status", "status": "away"}))
        .await;
    let away = colleague.recv_type("presence").await;
    assert_eq!(away["agent_id"], ws.admin.id.to_string());
    assert_eq!(away["status"], "away");
    assert_eq!(visitor.recv_type("agents").await["online"], 0);
    // ... and across a reconnect: a new tab starts away.
    let (_third, third_welcome) = app.agent(&ws.token).await;
    assert_eq!(third_welcome["agent"]["status"], "away", "{third_welcome}");
    let (_, me) = app.api("GET", "/me", Some(&ws.token), None).await;
    assert_eq!(me["status"], "away");
    // Back online from the other tab: the first hears it.
    colleague
        .call(json!({"type": "status", "status": "online"}))
        .await;
    let back = watcher.recv_type("presence").await;
    assert_eq!(
        (back["agent_id"].as_str(), back["status"].as_str()),
        (Some(ws.admin.id.to_string().as_str()), Some("online"))
    );
    // Offline is not a status one chooses.
    let refused = watcher
        .call(json!({"type": "status", "status": "offline"}))
        .await;
    assert_eq!(refused["code"], "bad_request", "{refused}");
    // An agent of another workspace heard none of it.
    stranger
        .assert_silent("presence", Duration::from_millis(300))
        .await;
}

async fn page_views_reach_agents_as_visitor_frames(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut agent, _) = app.agent(&ws.token).await;
    let hello = json!({"type": "hello", "token": null, "page": {"url": "https://shop.test/", "title": "Home", "referrer": ""}});
    let (mut visitor, welcome) = app.visitor_with(&ws.site, hello).await;
    let first = agent.recv_type("visitor").await;
    assert_eq!(first["visitor"]["id"], welcome["visitor_id"]);
    assert_eq!(first["visitor"]["page"]["url"], "https://shop.test/");
    assert_eq!(
        visitor
            .call(json!({"type": "page", "url": "https://shop.test/cart", "title": "<script>Cart"}))
            .await["type"],
        "ok"
    );
    let next = agent.recv_type("visitor").await;
    assert_eq!(next["visitor"]["page"]["title"], "<script>Cart");
    let visitor_id = welcome["visitor_id"].as_str().unwrap().parse().unwrap();
    let pages = app
        .store()
        .pages(ws.site.workspace_id, visitor_id, 10)
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    // Agents have no pages to report.
    assert_eq!(
        agent.call(json!({"type": "page", "url": "x"})).await["code"],
        "forbidden"
    );
}

async fn an_agent_welcome_lists_open_conversations_most_recent_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut v1, _) = app.visitor(&ws.site).await;
    let (mut v2, _) = app.visitor(&ws.site).await;
    let c1 = id(
        &v1.send_text(None, "first").await,
        "/message/conversation_id",
    );
    let c2 = id(
        &v2.send_text(None, "second").await,
        "/message/conversation_id",
    );
    v1.send_text(Some(&c1), "newest").await;
    let (_, welcome) = app.agent(&ws.token).await;
    assert_eq!(welcome["agent"]["id"], ws.admin.id.to_string());
    assert_eq!(welcome["agent"]["role"], "admin");
    let ids: Vec<&str> = welcome["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [c1.as_str(), c2.as_str()]);
    assert_eq!(welcome["conversations"][0]["last_seq"], 2);
    assert_eq!(welcome["conversations"][0]["visitor_online"], true);
    assert_eq!(welcome["more"], false);
}

#[actix_web::test]
async fn ping_is_answered_before_and_after_hello() {
    let app = spawn_app(Backend::Sqlite).await;
    let ws = app.first_workspace().await;
    let mut client = WsClient::connect(
        &app.ws_url(&format!("/ws/visitor?site_key={}", ws.site.site_key)),
        None,
    )
    .await
    .unwrap();
    assert_eq!(client.call(json!({"type": "ping"})).await["type"], "pong");
    client.call(json!({"type": "hello"})).await;
    assert_eq!(client.call(json!({"type": "ping"})).await["type"], "pong");
}

#[actix_web::test]
async fn an_unknown_site_key_is_404_and_a_foreign_origin_403() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[("PARLEY_PUBLIC_URL", "https://chat.example.com")],
    )
    .await;
    let ws = app.first_workspace().await;
    let unknown = WsClient::connect(&app.ws_url("/ws/visitor?site_key=pk_doesnotexist"), None)
        .await
        .err()
        .unwrap();
    assert_eq!(unknown.status, 404);
    let missing = WsClient::connect(&app.ws_url("/ws/visitor"), None)
        .await
        .err()
        .unwrap();
    assert_eq!(missing.status, 404);

    let url = app.ws_url(&format!("/ws/visitor?site_key={}", ws.site.site_key));
    // Any origin while the site allows all.
    assert!(WsClient::connect(&url, Some("https://anything.test"))
        .await
        .is_ok());
    let (status, _) = app
        .api(
            "PATCH",
            &format!("/sites/{}", ws.site.id),
            Some(&ws.token),
            Some(json!({"allowed_origins": ["https://shop.example"]})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        WsClient::connect(&url, Some("https://evil.example"))
            .await
            .err()
            .unwrap()
            .status,
        403
    );
    assert!(WsClient::connect(&url, Some("https://shop.example"))
        .await
        .is_ok());
    assert!(
        WsClient::connect(&url, Some("https://chat.example.com"))
            .await
            .is_ok(),
        "the widget's panel, served from the Parley origin"
    );
    assert!(
        WsClient::connect(&url, None).await.is_ok(),
        "no Origin: not a browser, not refused for that"
    );

    let agent_url = app.ws_url("/ws/agent");
    assert_eq!(
        WsClient::connect(&agent_url, Some("https://shop.example"))
            .await
            .err()
            .unwrap()
            .status,
        403
    );
    assert!(
        WsClient::connect(&agent_url, Some("https://chat.example.com"))
            .await
            .is_ok()
    );
    assert!(WsClient::connect(&agent_url, None).await.is_ok());
}

async fn a_visitor_message_reopens_a_resolved_conversation_and_agents_are_told(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let conversation = id(
        &visitor.send_text(None, "hi").await,
        "/message/conversation_id",
    );
    app.sql(&format!(
        "update conversations set status = 'resolved' where id = {}",
        sql_uuid(&app, &conversation)
    ))
    .await;
    let (mut agent, _) = app.agent(&ws.token).await;
    visitor
        .send(json!({"type": "send", "ref": "again", "client_msg_id": Uuid::new_v4(), "body": "one more thing"}))
        .await;
    // The visitor hears of the reopening before its message is acknowledged.
    assert_eq!(
        visitor.recv_type("conversation").await["conversation"]["status"],
        "open"
    );
    let sent = visitor.recv_type("sent").await;
    assert_eq!(
        sent["message"]["conversation_id"],
        conversation.as_str(),
        "the same conversation"
    );
    let reopened = agent.recv_type("conversation").await;
    assert_eq!(reopened["conversation"]["id"], conversation.as_str());
    assert_eq!(reopened["conversation"]["status"], "open");
    assert_eq!(agent.recv_type("message").await["message"]["seq"], 2);
}

async fn sending_into_an_old_conversation_while_another_is_open_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let old = id(
        &visitor.send_text(None, "old").await,
        "/message/conversation_id",
    );
    // The old conversation is resolved and the visitor has a newer open one.
    app.sql(&format!(
        "update conversations set status = 'resolved' where id = {}",
        sql_uuid(&app, &old)
    ))
    .await;
    app.sql(&format!(
        "insert into conversations (id, workspace_id, site_id, visitor_id, status, last_seq, created_at, updated_at, last_activity_at) \
         select {}, workspace_id, site_id, visitor_id, 'open', 0, created_at, updated_at, last_activity_at from conversations where id = {}",
        sql_uuid(&app, &Uuid::new_v4().to_string()),
        sql_uuid(&app, &old)
    ))
    .await;
    let refused = visitor.send_text(Some(&old), "into the old one").await;
    assert_eq!(refused["code"], "conflict", "{refused}");
}

/// A UUID literal in the test database's own form (Postgres uuid, SQLite 16-byte blob).
fn sql_uuid(app: &crate::helpers::TestApp, id: &str) -> String {
    if app.db.url.starts_with("postgres") {
        format!("'{id}'")
    } else {
        format!("x'{}'", id.replace('-', ""))
    }
}

async fn a_visitor_leaves_an_email_and_ends_the_chat(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut agent, _) = app.agent(&ws.token).await;
    let hello =
        json!({"type": "hello", "page": {"url": "https://shop.test/help", "title": "Help"}});
    let (mut visitor, welcome) = app.visitor_with(&ws.site, hello).await;
    let conversation = id(
        &visitor.send_text(None, "anyone there?").await,
        "/message/conversation_id",
    );
    agent.recv_type("visitor").await;

    let bad = visitor
        .call(json!({"type": "profile", "email": "not an email"}))
        .await;
    assert_eq!(bad["code"], "bad_request");
    let ok = visitor
        .call(json!({"type": "profile", "email": "Ada@Example.com", "name": "Ada"}))
        .await;
    assert_eq!(ok["type"], "ok");
    let profile = agent.recv_type("visitor").await;
    assert_eq!(profile["visitor"]["email"], "ada@example.com");
    assert_eq!(profile["visitor"]["name"], "Ada");
    assert_eq!(profile["visitor"]["identity"]["status"], "unverified");
    assert_eq!(
        profile["visitor"]["page"]["url"], "https://shop.test/help",
        "the current page is kept"
    );
    let visitor_id = welcome["visitor_id"].as_str().unwrap().parse().unwrap();
    let stored = app
        .store()
        .visitor(ws.site.workspace_id, visitor_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.email.as_deref(), Some("ada@example.com"));

    visitor
        .send(json!({"type": "end", "ref": "end", "conversation_id": conversation}))
        .await;
    assert_eq!(
        visitor.recv_type("conversation").await["conversation"]["status"],
        "resolved"
    );
    assert_eq!(visitor.recv_type("ok").await["ref"], "end");
    let ended = agent.recv_type("conversation").await;
    assert_eq!(ended["conversation"]["status"], "resolved");
    let foreign = visitor
        .call(json!({"type": "end", "conversation_id": Uuid::new_v4()}))
        .await;
    assert_eq!(foreign["code"], "not_found");
    // Writing again reopens it.
    let again = visitor.send_text(None, "one more question").await;
    assert_eq!(again["message"]["conversation_id"], conversation.as_str());
    assert_eq!(
        agent.recv_type("conversation").await["conversation"]["status"],
        "open"
    );
}

async fn a_visitor_rates_its_resolved_conversation_and_agents_see_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut agent, _) = app.agent(&ws.token).await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let conversation = id(
        &visitor.send_text(None, "help").await,
        "/message/conversation_id",
    );
    let rate = |score: Value, comment: Value| json!({"type": "rate", "conversation_id": conversation, "score": score, "comment": comment});
    // Not while it is open.
    let early = visitor.call(rate(json!(5), Value::Null)).await;
    assert_eq!(
        (early["type"].as_str(), early["code"].as_str()),
        (Some("error"), Some("conflict")),
        "{early}"
    );
    let path = format!("/conversations/{conversation}");
    app.api(
        "PATCH",
        &path,
        Some(&ws.token),
        Some(json!({"status": "resolved"})),
    )
    .await;
    // Out of range, wrong type, a control character: refused, the connection lives on.
    for (score, comment) in [
        (json!(0), Value::Null),
        (json!(6), Value::Null),
        (json!("5"), Value::Null),
        (json!(3), json!("a\u{0}b")),
    ] {
        let refused = visitor.call(rate(score.clone(), comment)).await;
        assert_eq!(refused["type"], "error", "{score}: {refused}");
    }
    let rated = visitor.call(rate(json!(4), json!("  helpful  "))).await;
    assert_eq!(rated["type"], "ok", "{rated}");
    // Agents are told at once, and the API shows it.
    let told = loop {
        let frame = agent.recv_type("conversation").await;
        if !frame["conversation"]["rating"].is_null() {
            break frame;
        }
    };
    assert_eq!(told["conversation"]["rating"]["score"], 4);
    assert_eq!(told["conversation"]["rating"]["comment"], "helpful");
    let (_, shown) = app.api("GET", &path, Some(&ws.token), None).await;
    assert_eq!(shown["rating"]["score"], 4, "{shown}");
    // Rating again replaces it.
    assert_eq!(
        visitor.call(rate(json!(2), Value::Null)).await["type"],
        "ok"
    );
    let (_, shown) = app.api("GET", &path, Some(&ws.token), None).await;
    assert_eq!(
        (
            shown["rating"]["score"].as_i64(),
            shown["rating"]["comment"].is_null()
        ),
        (Some(2), true)
    );
    // Another visitor cannot rate it; an agent cannot rate at all.
    let (mut stranger, _) = app.visitor(&ws.site).await;
    let theirs = stranger.call(rate(json!(1), Value::Null)).await;
    assert_eq!(theirs["code"], "not_found", "{theirs}");
    let by_agent = agent.call(rate(json!(5), Value::Null)).await;
    assert_eq!(by_agent["code"], "forbidden", "{by_agent}");
}
