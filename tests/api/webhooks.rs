//! Webhooks delivered to a real HTTP receiver: signed, at least once, retried, guarded against
//! private addresses, surviving a crash, once per event across nodes, redelivered on demand.
//! And API keys, which integrations use beside them.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};

use crate::cli::{parley, Server};
use crate::helpers::{spawn_app_with, Backend, TestApp, TestDb, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::receiver::{Received, Receiver, Reply};
use crate::ws_client::WsClient;

/// Receivers in tests listen on 127.0.0.1.
const ALLOW_PRIVATE: (&str, &str) = ("PARLEY_WEBHOOK_ALLOW_PRIVATE", "true");
const ALL_EVENTS: [&str; 5] = [
    "conversation.created",
    "conversation.updated",
    "conversation.assigned",
    "conversation.rated",
    "message.created",
];

crate::on_both_backends!(
    every_event_arrives_signed_with_the_api_object,
    a_receiver_failing_twice_gets_the_event_three_times_with_one_id,
    a_hanging_receiver_is_timed_out_and_tried_again,
    a_slow_receiver_gets_four_events_at_once_each_once,
    a_failing_receiver_gets_one_event_at_a_time_until_it_answers,
    test_and_redeliver_send_again_with_the_same_id,
    the_secret_is_shown_only_when_made_or_rotated,
    an_api_key_acts_with_its_role_in_its_workspace_until_revoked,
);

/// Makes a webhook; returns its id and secret.
pub async fn hook(app: &TestApp, token: &str, url: &str, events: &[&str]) -> (String, String) {
    let (status, made) = app
        .api(
            "POST",
            "/webhooks",
            Some(token),
            Some(json!({"url": url, "events": events})),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    (
        made["id"].as_str().unwrap().to_owned(),
        made["secret"].as_str().unwrap().to_owned(),
    )
}

fn verified(received: &Received, secret: &str) -> bool {
    let now = chrono::Utc::now().timestamp();
    parley::webhooks::signature::verify(secret, &received.signature, &received.body, now, 300)
}

async fn every_event_arrives_signed_with_the_api_object(backend: Backend) {
    let app = spawn_app_with(backend, &[ALLOW_PRIVATE]).await;
    let ws = app.first_workspace().await;
    let receiver = Receiver::start().await;
    let (_, secret) = hook(&app, &ws.token, &receiver.url, &ALL_EVENTS).await;

    let (mut visitor, welcome) = app.visitor(&ws.site).await;
    let sent = visitor.send_text(None, "hello 𝄞").await;
    let conversation = sent["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/conversations/{conversation}");
    let assign = json!({"assignee_id": ws.admin.id});
    assert_eq!(
        app.api("PATCH", &path, Some(&ws.token), Some(assign))
            .await
            .0,
        200
    );
    let resolve = json!({"status": "resolved"});
    assert_eq!(
        app.api("PATCH", &path, Some(&ws.token), Some(resolve))
            .await
            .0,
        200
    );

    // The visitor rates the resolved conversation.
    let rated = visitor
        .call(json!({"type": "rate", "conversation_id": conversation, "score": 5, "comment": "quick!"}))
        .await;
    assert_eq!(rated["type"], "ok", "{rated}");

    // created, message, updated + assigned, the "joined" system line (a message), updated,
    // the "resolved" line, rated, the "rated" line.
    let received = receiver.wait_for(9, Duration::from_secs(15)).await;
    let mut by_event: HashMap<String, Vec<&Received>> = HashMap::new();
    for r in &received {
        assert!(verified(r, &secret), "bad signature on {}", r.json);
        assert_eq!(r.event_header, r.json["event"].as_str().unwrap());
        for key in ["id", "event", "created_at", "data"] {
            assert!(!r.json[key].is_null(), "{key} missing in {}", r.json);
        }
        by_event
            .entry(r.json["event"].as_str().unwrap().to_owned())
            .or_default()
            .push(r);
    }
    let message = &by_event["message.created"]
        .iter()
        .find(|r| r.json["data"]["id"] == sent["message"]["id"])
        .expect("the visitor's message")
        .json["data"];
    let line = by_event["message.created"]
        .iter()
        .find(|r| r.json["data"]["kind"] == "event")
        .expect("the system line");
    assert_eq!(line.json["data"]["author"]["kind"], "system");
    assert_eq!(message["body"], "hello 𝄞");
    assert_eq!(message["seq"], 1);
    assert_eq!(message["conversation_id"], json!(conversation));
    assert_eq!(message["visitor_id"], welcome["visitor_id"]);
    assert_eq!(
        by_event["conversation.created"][0].json["data"]["id"],
        json!(conversation)
    );
    assert_eq!(
        by_event["conversation.assigned"][0].json["data"]["assignee_id"],
        json!(ws.admin.id)
    );
    let rating = &by_event["conversation.rated"][0].json["data"]["rating"];
    assert_eq!(
        (rating["score"].as_i64(), rating["comment"].as_str()),
        (Some(5), Some("quick!"))
    );
    let statuses: Vec<&Value> = by_event["conversation.updated"]
        .iter()
        .map(|r| &r.json["data"]["status"])
        .collect();
    assert!(statuses.contains(&&json!("resolved")), "{statuses:?}");
    // Every event has its own id.
    let mut ids: Vec<&Value> = received.iter().map(|r| &r.json["id"]).collect();
    ids.sort_by_key(|v| v.to_string());
    ids.dedup();
    assert_eq!(ids.len(), received.len());
    // An agent's note reaches the business too.
    let (mut agent, _) = app.agent(&ws.token).await;
    let noted = agent
        .call(
            json!({"type": "send", "conversation_id": conversation, "kind": "note", "body": "vip",
            "client_msg_id": uuid::Uuid::new_v4()}),
        )
        .await;
    assert_eq!(noted["type"], "sent", "{noted}");
    let received = receiver
        .wait_for(received.len() + 1, Duration::from_secs(15))
        .await;
    let note = received.last().unwrap();
    assert_eq!(note.json["event"], "message.created");
    assert_eq!(note.json["data"]["kind"], "note");
}

async fn a_receiver_failing_twice_gets_the_event_three_times_with_one_id(backend: Backend) {
    let app = spawn_app_with(backend, &[ALLOW_PRIVATE]).await;
    let ws = app.first_workspace().await;
    let receiver = Receiver::start().await;
    receiver.plan([Reply::Status(500), Reply::Status(500)]);
    let (id, secret) = hook(&app, &ws.token, &receiver.url, &["message.created"]).await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    visitor.send_text(None, "are you there?").await;
    // First retry within 10 s, the second within 15 s more.
    let received = receiver.wait_for(3, Duration::from_secs(40)).await;
    assert_eq!(received.len(), 3);
    assert!(received
        .iter()
        .all(|r| r.json["id"] == received[0].json["id"]));
    assert!(received.iter().all(|r| verified(r, &secret)));
    // The log shows each attempt, newest first.
    let log = attempts_logged(&app, &ws.token, &id, 3).await;
    let attempts: Vec<(i64, Value, bool)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["attempt"].as_i64().unwrap(),
                a["status_code"].clone(),
                a["ok"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        attempts,
        vec![
            (3, json!(200), true),
            (2, json!(500), false),
            (1, json!(500), false)
        ]
    );
    let first = &log["items"][2];
    assert_eq!(first["error"], "answered 500");
    // Metrics count attempts by result, and show the outbox (emptied by now).
    let metrics = app.get("/metrics").await.text().await.unwrap();
    for line in [
        "parley_webhook_deliveries_total{result=\"retry\"} 2",
        "parley_webhook_deliveries_total{result=\"delivered\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} missing in\n{metrics}");
    }
    assert!(
        metrics.contains("parley_webhook_outbox_pending"),
        "{metrics}"
    );
    assert!(
        metrics.contains("parley_webhook_outbox_oldest_seconds"),
        "{metrics}"
    );
    assert_eq!(first["event"], "message.created");
    assert_eq!(first["event_id"], received[0].json["id"]);
}

async fn a_hanging_receiver_is_timed_out_and_tried_again(backend: Backend) {
    let app = spawn_app_with(backend, &[ALLOW_PRIVATE, ("PARLEY_WEBHOOK_TIMEOUT_S", "1")]).await;
    let ws = app.first_workspace().await;
    let receiver = Receiver::start().await;
    receiver.plan([Reply::Hang(Duration::from_secs(5))]);
    let (id, _) = hook(&app, &ws.token, &receiver.url, &["conversation.created"]).await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    visitor.send_text(None, "hello").await;
    let received = receiver.wait_for(2, Duration::from_secs(20)).await;
    assert_eq!(received[0].json["id"], received[1].json["id"]);
    let log = attempts_logged(&app, &ws.token, &id, 2).await;
    let first = &log["items"][1];
    assert_eq!(first["error"], "no answer within 1 s", "{log}");
    assert!(first["status_code"].is_null());
    assert!(first["duration_ms"].as_i64().unwrap() < 3000);
    assert_eq!(log["items"][0]["ok"], true);
}

/// A workspace whose webhook on `message.created` goes to a receiver answering `reply`, and a
/// visitor who then writes `count` messages into one conversation: `count` events.
async fn events_for_a_receiver(
    backend: Backend,
    reply: Reply,
    count: usize,
) -> (TestApp, Receiver) {
    let app = spawn_app_with(backend, &[ALLOW_PRIVATE]).await;
    let ws = app.first_workspace().await;
    let receiver = Receiver::start().await;
    receiver.otherwise(reply);
    hook(&app, &ws.token, &receiver.url, &["message.created"]).await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let first = visitor.send_text(None, "1").await;
    let conversation = first["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for n in 2..=count {
        visitor.send_text(Some(&conversation), &n.to_string()).await;
    }
    (app, receiver)
}

/// A receiver that takes its time is sent four events at once, never more, and each event once:
/// the rest of its backlog waits on the node for a slot.
async fn a_slow_receiver_gets_four_events_at_once_each_once(backend: Backend) {
    let reply = Reply::Hang(Duration::from_millis(300));
    let (_app, receiver) = events_for_a_receiver(backend, reply, 14).await;
    let received = receiver.wait_for(14, Duration::from_secs(30)).await;
    let ids: std::collections::HashSet<_> = received.iter().map(|r| r.json["id"].clone()).collect();
    assert_eq!(ids.len(), 14, "each event once");
    assert_eq!(receiver.most_at_once(), 4);
}

/// A receiver that fails is not sent its backlog at full speed: after a failure it gets one
/// event at a time, two seconds apart, until one gets through; then everything goes.
async fn a_failing_receiver_gets_one_event_at_a_time_until_it_answers(backend: Backend) {
    let (app, receiver) = events_for_a_receiver(backend, Reply::Status(503), 20).await;
    receiver.wait_for(1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    // At most the four under way when the first failure came back, then one per pause (the
    // worker without the pause tried all twenty at once).
    let tried = receiver.received().len();
    assert!((1..=7).contains(&tried), "{tried} attempts in 3 s");

    receiver.otherwise(Reply::Status(200));
    let delivered = || async {
        let metrics = app.get("/metrics").await.text().await.unwrap();
        metrics
            .lines()
            .find_map(|line| {
                line.strip_prefix("parley_webhook_deliveries_total{result=\"delivered\"} ")
            })
            .map_or(0, |n| n.trim().parse::<u64>().unwrap())
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    while delivered().await < 20 {
        assert!(
            std::time::Instant::now() < deadline,
            "every event delivered once the receiver answers"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ids: std::collections::HashSet<_> = receiver
        .received()
        .iter()
        .map(|r| r.json["id"].clone())
        .collect();
    assert_eq!(ids.len(), 20);
}

async fn test_and_redeliver_send_again_with_the_same_id(backend: Backend) {
    let app = spawn_app_with(backend, &[ALLOW_PRIVATE]).await;
    let ws = app.first_workspace().await;
    let receiver = Receiver::start().await;
    let (id, secret) = hook(&app, &ws.token, &receiver.url, &["message.created"]).await;
    let (status, queued) = app
        .api(
            "POST",
            &format!("/webhooks/{id}/test"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(status, 202);
    let ping = receiver
        .wait_for(1, Duration::from_secs(10))
        .await
        .remove(0);
    assert_eq!(ping.json["event"], "ping");
    assert_eq!(ping.json["id"], queued["event_id"]);
    assert!(verified(&ping, &secret));
    let log = attempts_logged(&app, &ws.token, &id, 1).await;
    let delivery = log["items"][0]["id"].as_str().unwrap().to_owned();
    let redeliver = format!("/webhooks/{id}/deliveries/{delivery}/redeliver");
    assert_eq!(
        app.api("POST", &redeliver, Some(&ws.token), None).await.0,
        202
    );
    let again = receiver
        .wait_for(2, Duration::from_secs(10))
        .await
        .remove(1);
    assert_eq!(
        again.json["id"], ping.json["id"],
        "the same event, for the receiver to dedupe"
    );
    // Another workspace can neither see nor redeliver it.
    let other = app.other_workspace("owner@other.test").await;
    assert_eq!(
        app.api("POST", &redeliver, Some(&other.token), None)
            .await
            .0,
        404
    );
    assert_eq!(
        app.api(
            "GET",
            &format!("/webhooks/{id}/deliveries"),
            Some(&other.token),
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        app.api(
            "POST",
            &format!("/webhooks/{id}/test"),
            Some(&other.token),
            None
        )
        .await
        .0,
        404
    );
}

async fn the_secret_is_shown_only_when_made_or_rotated(backend: Backend) {
    let app = spawn_app_with(backend, &[ALLOW_PRIVATE]).await;
    let ws = app.first_workspace().await;
    let receiver = Receiver::start().await;
    let (id, secret) = hook(&app, &ws.token, &receiver.url, &["message.created"]).await;
    assert!(secret.starts_with("whsec_"));
    let (_, listed) = app.api("GET", "/webhooks", Some(&ws.token), None).await;
    assert!(listed["items"][0].get("secret").is_none(), "{listed}");
    let (_, one) = app
        .api("GET", &format!("/webhooks/{id}"), Some(&ws.token), None)
        .await;
    assert!(one.get("secret").is_none());
    let (status, rotated) = app
        .api(
            "POST",
            &format!("/webhooks/{id}/rotate-secret"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let new_secret = rotated["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    // Deliveries are signed with the new one.
    app.api(
        "POST",
        &format!("/webhooks/{id}/test"),
        Some(&ws.token),
        None,
    )
    .await;
    let ping = receiver
        .wait_for(1, Duration::from_secs(10))
        .await
        .remove(0);
    assert!(verified(&ping, new_secret));
    assert!(!verified(&ping, &secret));
    // PATCH changes what is asked, and checks it.
    let (status, changed) = app
        .api(
            "PATCH",
            &format!("/webhooks/{id}"),
            Some(&ws.token),
            Some(json!({"events": ["conversation.created", "message.created"], "active": false})),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["active"], false);
    assert_eq!(
        changed["events"],
        json!(["conversation.created", "message.created"])
    );
    let (status, refused) = app
        .api(
            "PATCH",
            &format!("/webhooks/{id}"),
            Some(&ws.token),
            Some(json!({"events": ["message.deleted"]})),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
}

/// Without PARLEY_WEBHOOK_ALLOW_PRIVATE, a receiver on a private address is refused when the
/// webhook is made, and again when an event is sent (a name may resolve elsewhere by then).
#[actix_web::test]
async fn a_private_address_is_refused_at_creation_and_at_delivery() {
    let app = spawn_app_with(Backend::Sqlite, &[]).await;
    let ws = app.first_workspace().await;
    let receiver = Receiver::start().await;
    for url in [
        receiver.url.clone(),
        "http://localhost:9/x".into(),
        "http://169.254.169.254/latest/meta-data".into(),
        "http://[::1]/x".into(),
        "http://10.0.0.1/x".into(),
    ] {
        let (status, body) = app
            .api(
                "POST",
                "/webhooks",
                Some(&ws.token),
                Some(json!({"url": url, "events": ["message.created"]})),
            )
            .await;
        assert_eq!(status, 422, "{url}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("url:"),
            "{body}"
        );
    }
    // As if DNS changed after the check: the stored URL now names a private address.
    let id = uuid::Uuid::new_v4();
    app.sql(&format!(
        "insert into webhooks (id, workspace_id, url, secret, events, active, created_at, updated_at) \
         values (x'{}', x'{}', '{}', 'whsec_x', '[\"message.created\"]', 1, 0, 0)",
        id.simple(),
        ws.admin.workspace_id.0.simple(),
        receiver.url
    ))
    .await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    visitor.send_text(None, "hello").await;
    let log = attempts_logged(&app, &ws.token, &id.to_string(), 1).await;
    let error = log["items"][0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("private address"), "{log}");
    assert!(
        receiver.received().is_empty(),
        "nothing reached the private address"
    );
}

/// An event that fails for the whole retry window is marked failed, and a receiver failing that
/// long is switched off with the reason shown; turned back on, it forgets.
#[actix_web::test]
async fn a_receiver_failing_for_the_whole_window_is_switched_off_with_the_reason() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[ALLOW_PRIVATE, ("PARLEY_WEBHOOK_RETRY_S", "4")],
    )
    .await;
    let ws = app.first_workspace().await;
    let receiver = Receiver::start().await;
    receiver.otherwise(Reply::Status(500));
    let (id, _) = hook(&app, &ws.token, &receiver.url, &["message.created"]).await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    visitor.send_text(None, "hello").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let off = loop {
        let (_, webhook) = app
            .api("GET", &format!("/webhooks/{id}"), Some(&ws.token), None)
            .await;
        if webhook["active"] == false {
            break webhook;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still on: {webhook}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let reason = off["disabled_reason"].as_str().unwrap();
    assert!(reason.contains("answered 500"), "{reason}");
    assert!(!off["failing_since"].is_null());
    // Nothing more is sent while it is off.
    let count = receiver.received().len();
    assert!(count >= 2, "tried again before giving up: {count}");
    visitor.send_text(None, "while off").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.received().len(), count);
    // Turned back on: the reason is gone, and new events flow.
    receiver.otherwise(Reply::Status(200));
    let (_, on) = app
        .api(
            "PATCH",
            &format!("/webhooks/{id}"),
            Some(&ws.token),
            Some(json!({"active": true})),
        )
        .await;
    assert_eq!(on["active"], true);
    assert!(
        on["disabled_reason"].is_null() && on["failing_since"].is_null(),
        "{on}"
    );
    visitor.send_text(None, "back").await;
    let arrived = receiver.wait_for(count + 1, Duration::from_secs(15)).await;
    assert!(arrived.iter().any(|r| r.json["data"]["body"] == "back"));
}

/// A node killed with events in its outbox: they are delivered once it is back.
#[actix_web::test]
async fn events_outlive_a_sigkill_and_are_delivered_after_restart() {
    let db = TestDb::postgres().await;
    let receiver = Receiver::start().await;
    // Nothing is accepted before the crash.
    receiver.otherwise(Reply::Status(503));
    let port = free_port();
    let start = || {
        let mut command = parley(&db.url);
        command
            .env("PARLEY_BIND", format!("127.0.0.1:{port}"))
            .env("PARLEY_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("PARLEY_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("PARLEY_WEBHOOK_ALLOW_PRIVATE", "true")
            .env("PARLEY_WEBHOOK_TIMEOUT_S", "2")
            .env("PARLEY_SEND_RATE", "0")
            .env("PARLEY_FRAME_RATE", "0");
        let mut server = Server::start(command);
        server.base_url();
        server
    };
    let mut server = start();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let token = login(&http, &base).await;
    let made: Value = http
        .post(format!("{base}/api/v1/webhooks"))
        .bearer_auth(&token)
        .json(&json!({"url": receiver.url, "events": ["message.created"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let site_key = first_site_key(&http, &base, &token).await;
    let mut visitor = WsClient::connect(
        &format!("ws://127.0.0.1:{port}/ws/visitor?site_key={site_key}"),
        None,
    )
    .await
    .unwrap();
    visitor.call(json!({"type": "hello", "token": null})).await;
    let mut sent = Vec::new();
    for i in 0..5 {
        sent.push(
            visitor
                .send_text(None, &format!("before the crash {i}"))
                .await["message"]["id"]
                .clone(),
        );
    }
    server.signal("KILL");
    server.wait_exit(Duration::from_secs(5));
    receiver.otherwise(Reply::Status(200));
    let _server = start();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let delivered: Vec<Value> = receiver
            .received()
            .iter()
            .filter(|r| r.json["event"] == "message.created")
            .map(|r| r.json["data"]["id"].clone())
            .collect();
        if sent.iter().all(|id| delivered.contains(id)) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "after the restart, delivered {delivered:?} of {sent:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = made;
}

/// The webhook's log once it holds at least `count` attempts (they are recorded just after the
/// receiver answers).
async fn attempts_logged(app: &TestApp, token: &str, id: &str, count: usize) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, log) = app
            .api(
                "GET",
                &format!("/webhooks/{id}/deliveries"),
                Some(token),
                None,
            )
            .await;
        if log["items"].as_array().unwrap().len() >= count {
            return log;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{count} attempts expected: {log}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn login(http: &reqwest::Client, base: &str) -> String {
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["token"].as_str().unwrap().to_owned()
}

pub async fn first_site_key(http: &reqwest::Client, base: &str, token: &str) -> String {
    let sites: Value = http
        .get(format!("{base}/api/v1/sites"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    sites["items"][0]["site_key"].as_str().unwrap().to_owned()
}

async fn an_api_key_acts_with_its_role_in_its_workspace_until_revoked(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let ws = app.first_workspace().await;
    let (status, made) = app
        .api(
            "POST",
            "/api-keys",
            Some(&ws.token),
            Some(json!({"name": "CRM sync", "role": "agent"})),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let key = made["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("sk_") && key.len() > 40);
    assert!(key.starts_with(made["key_prefix"].as_str().unwrap()));
    // Shown once: the list never has it.
    let (_, listed) = app.api("GET", "/api-keys", Some(&ws.token), None).await;
    assert!(listed["items"][0].get("key").is_none(), "{listed}");
    assert!(listed["items"][0]["last_used_at"].is_null());

    // An agent key reads and writes the workspace's conversations.
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let sent = visitor.send_text(None, "hello").await;
    let conversation = sent["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, inbox) = app.api("GET", "/conversations", Some(&key), None).await;
    assert_eq!(status, 200);
    assert_eq!(inbox["items"][0]["id"], json!(conversation));
    let reply = json!({"client_msg_id": uuid::Uuid::new_v4(), "body": "from the CRM"});
    let (status, posted) = app
        .api(
            "POST",
            &format!("/conversations/{conversation}/messages"),
            Some(&key),
            Some(reply),
        )
        .await;
    assert_eq!(status, 201, "{posted}");
    assert_eq!(posted["author"]["name"], "CRM sync");
    assert_eq!(
        visitor.recv_type("message").await["message"]["body"],
        "from the CRM"
    );
    // ... but not an admin's routes, nor a person's profile.
    assert_eq!(app.api("GET", "/sites", Some(&key), None).await.0, 403);
    assert_eq!(app.api("GET", "/me", Some(&key), None).await.0, 403);
    // Its use is recorded.
    let (_, listed) = app.api("GET", "/api-keys", Some(&ws.token), None).await;
    assert!(!listed["items"][0]["last_used_at"].is_null(), "{listed}");

    // Another workspace's resources do not exist for it.
    let other = app.other_workspace("owner@other.test").await;
    let (mut stranger, _) = app.visitor(&other.site).await;
    let theirs = stranger.send_text(None, "private").await["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.api("GET", &format!("/conversations/{theirs}"), Some(&key), None)
            .await
            .0,
        404
    );
    // Nor can the other workspace's admin revoke it.
    let id = made["id"].as_str().unwrap();
    assert_eq!(
        app.api(
            "DELETE",
            &format!("/api-keys/{id}"),
            Some(&other.token),
            None
        )
        .await
        .0,
        404
    );
    // An admin key may do admin things.
    let (_, admin_key) = app
        .api(
            "POST",
            "/api-keys",
            Some(&ws.token),
            Some(json!({"name": "Provisioning", "role": "admin"})),
        )
        .await;
    let admin_key = admin_key["key"].as_str().unwrap();
    assert_eq!(app.api("GET", "/sites", Some(admin_key), None).await.0, 200);

    // Revoked: 401 at once.
    assert_eq!(
        app.api("DELETE", &format!("/api-keys/{id}"), Some(&ws.token), None)
            .await
            .0,
        204
    );
    assert_eq!(
        app.api("GET", "/conversations", Some(&key), None).await.0,
        401
    );
    // A made-up key is no better.
    let forged = format!("sk_{}", "A".repeat(40));
    assert_eq!(
        app.api("GET", "/conversations", Some(&forged), None)
            .await
            .0,
        401
    );
    // Not shaped like a key: refused before any lookup.
    for malformed in [
        "sk_".to_owned(),
        format!("sk_{}", "A".repeat(10_000)),
        format!("sk_{}-", "A".repeat(39)),
    ] {
        let status = app
            .api("GET", "/conversations", Some(&malformed), None)
            .await
            .0;
        assert_eq!(status, 401, "{}", &malformed[..10.min(malformed.len())]);
    }
    // Plain agents cannot make keys.
    let (status, _) = app
        .api(
            "POST",
            "/agents",
            Some(&ws.token),
            Some(json!({"email": "bob@acme.test", "name": "Bob", "password": "initial-pass"})),
        )
        .await;
    assert_eq!(status, 201);
    let bob = app.login("bob@acme.test", "initial-pass").await;
    let (status, _) = app
        .api(
            "POST",
            "/api-keys",
            Some(&bob),
            Some(json!({"name": "mine", "role": "admin"})),
        )
        .await;
    assert_eq!(status, 403);
}

/// Each message writes a row per subscribed webhook in the shared batch: a workspace cannot
/// make that unbounded.
#[actix_web::test]
async fn a_workspace_has_a_bounded_number_of_webhooks_and_keys() {
    let app = spawn_app_with(Backend::Sqlite, &[ALLOW_PRIVATE]).await;
    let ws = app.first_workspace().await;
    let receiver = Receiver::start().await;
    for _ in 0..20 {
        hook(&app, &ws.token, &receiver.url, &["message.created"]).await;
    }
    let body = json!({"url": receiver.url, "events": ["message.created"]});
    let (status, refused) = app
        .api("POST", "/webhooks", Some(&ws.token), Some(body))
        .await;
    assert_eq!(status, 409, "{refused}");
    for i in 0..100 {
        let key = json!({"name": format!("key {i}"), "role": "agent"});
        assert_eq!(
            app.api("POST", "/api-keys", Some(&ws.token), Some(key))
                .await
                .0,
            201
        );
    }
    let key = json!({"name": "one too many", "role": "agent"});
    assert_eq!(
        app.api("POST", "/api-keys", Some(&ws.token), Some(key))
            .await
            .0,
        409
    );
}
