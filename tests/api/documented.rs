//! Behaviour the contract or docs/ promise that no other file proves: identity after a secret
//! rotation, settings changed on a warm site, proxies on the upgrade, close codes of broken
//! frames, the in-flight and commit-time limits, lockout recovery, role changes, agent origins.

use std::time::Duration;

use serde_json::json;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::helpers::{spawn_app, spawn_app_with, Backend, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::ws_client::WsClient;

fn identity_jwt(secret: &str, subject: &str) -> String {
    let claims = json!({"sub": subject, "exp": chrono::Utc::now().timestamp() + 600});
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[actix_web::test]
async fn an_identity_jwt_signed_with_the_previous_secret_holds_until_the_next_rotation() {
    let app = spawn_app(Backend::Sqlite).await;
    let ws = app.first_workspace().await;
    let path = format!("/sites/{}/rotate-secret", ws.site.id);
    let first = ws.site.identity_secret.clone();
    let status_with = |secret: String| {
        let hello = json!({"type": "hello", "identity": {"jwt": identity_jwt(&secret, "u-7")}});
        let app = &app;
        let site = &ws.site;
        async move { app.visitor_with(site, hello).await.1["identity"]["status"].clone() }
    };
    let (_, rotated) = app.api("POST", &path, Some(&ws.token), None).await;
    let second = rotated["identity_secret"].as_str().unwrap().to_owned();
    assert_eq!(status_with(first.clone()).await, "verified");
    assert_eq!(status_with(second.clone()).await, "verified");
    app.api("POST", &path, Some(&ws.token), None).await;
    assert_eq!(status_with(first).await, "rejected", "two rotations ago");
    assert_eq!(status_with(second).await, "verified");
}

#[actix_web::test]
async fn require_identity_set_through_the_api_applies_at_once_on_a_warm_site() {
    let app = spawn_app(Backend::Sqlite).await;
    let ws = app.first_workspace().await;
    // A visitor connects first: the site is now in the server's cache.
    let (_early, welcome) = app.visitor(&ws.site).await;
    assert_eq!(welcome["type"], "welcome");
    let (status, site) = app
        .api(
            "PATCH",
            &format!("/sites/{}", ws.site.id),
            Some(&ws.token),
            Some(json!({"require_identity": true})),
        )
        .await;
    assert_eq!((status, &site["require_identity"]), (200, &json!(true)));

    let url = app.ws_url(&format!("/ws/visitor?site_key={}", ws.site.site_key));
    let refused = [
        json!({"type": "hello"}),
        json!({"type": "hello", "identity": {"id": "u-1", "name": "Unsigned", "email": "u@x.test"}}),
        json!({"type": "hello", "identity": {"id": "u-1", "hash": "00ff"}}),
        json!({"type": "hello", "identity": {"jwt": identity_jwt("not-the-secret", "u-1")}}),
    ];
    for hello in refused {
        let mut client = WsClient::connect(&url, None).await.unwrap();
        let reply = client.call(hello.clone()).await;
        assert_eq!(reply["code"], "forbidden", "{hello} → {reply}");
        assert_eq!(client.closed_with().await, Some(4003), "{hello}");
    }
    let verified = json!({"type": "hello", "identity": {"jwt": identity_jwt(&ws.site.identity_secret, "u-1")}});
    let (_, welcome) = app.visitor_with(&ws.site, verified).await;
    assert_eq!(welcome["identity"]["status"], "verified");
}

#[actix_web::test]
async fn behind_a_trusted_proxy_the_upgrade_limit_counts_each_forwarded_client() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("PARLEY_WS_CONNECT_PER_MIN", "2"),
            ("PARLEY_TRUSTED_PROXIES", "127.0.0.1"),
        ],
    )
    .await;
    let ws = app.first_workspace().await;
    let url = app.ws_url(&format!("/ws/visitor?site_key={}", ws.site.site_key));
    let from = |client: &'static str| {
        let url = url.clone();
        async move {
            WsClient::connect_with_headers(&url, &[("X-Forwarded-For", client)])
                .await
                .map(|_| ())
                .map_err(|refused| refused.status)
        }
    };
    assert_eq!(from("203.0.113.1").await, Ok(()));
    assert_eq!(from("203.0.113.1").await, Ok(()));
    assert_eq!(from("203.0.113.1").await, Err(429), "that client's limit");
    assert_eq!(
        from("203.0.113.2").await,
        Ok(()),
        "another client's own limit"
    );
    // What a client writes before the proxy's own hop is not believed.
    assert_eq!(from("203.0.113.2, 203.0.113.1").await, Err(429));
}

#[actix_web::test]
async fn from_an_untrusted_peer_a_forwarded_header_changes_nothing() {
    let app = spawn_app_with(Backend::Sqlite, &[("PARLEY_WS_CONNECT_PER_MIN", "2")]).await;
    let ws = app.first_workspace().await;
    let url = app.ws_url(&format!("/ws/visitor?site_key={}", ws.site.site_key));
    for (i, expected) in [(1, None), (2, None), (3, Some(429))] {
        let forwarded = format!("203.0.113.{i}");
        let outcome = WsClient::connect_with_headers(&url, &[("X-Forwarded-For", &forwarded)])
            .await
            .err()
            .map(|refused| refused.status);
        assert_eq!(outcome, expected, "connection {i}");
    }
}

#[actix_web::test]
async fn a_continuation_without_a_start_closes_1002() {
    let app = spawn_app(Backend::Sqlite).await;
    let ws = app.first_workspace().await;
    let (mut client, _) = app.visitor(&ws.site).await;
    let stray = Frame::message(b"{}".to_vec(), OpCode::Data(Data::Continue), true);
    client.send_raw(Message::Frame(stray)).await;
    assert_eq!(client.closed_with().await, Some(1002));
}

#[actix_web::test]
async fn a_text_frame_that_is_not_utf8_closes_1007() {
    let app = spawn_app(Backend::Sqlite).await;
    let ws = app.first_workspace().await;
    let (mut client, _) = app.visitor(&ws.site).await;
    let invalid = Frame::message(vec![b'"', 0xff, 0xfe, b'"'], OpCode::Data(Data::Text), true);
    client.send_raw(Message::Frame(invalid)).await;
    assert_eq!(client.closed_with().await, Some(1007));
}

/// Holds an exclusive lock on `messages` in a transaction of its own until dropped or committed:
/// every read and write of messages waits behind it.
async fn lock_messages(db_url: &str) -> sqlx::PgConnection {
    use sqlx::{Connection, Executor};
    let mut conn = sqlx::PgConnection::connect(db_url).await.unwrap();
    conn.execute("begin").await.unwrap();
    conn.execute("lock table messages in access exclusive mode")
        .await
        .unwrap();
    conn
}

#[actix_web::test]
async fn more_than_32_requests_in_flight_on_one_connection_are_refused_and_the_rest_answered() {
    let app = spawn_app(Backend::Postgres).await;
    let ws = app.first_workspace().await;
    let (mut agent, _) = app.agent(&ws.token).await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let conversation = visitor.send_text(None, "hi").await["message"]["conversation_id"].clone();
    let lock = lock_messages(&app.db.url).await;
    // 40 history requests at once: 32 wait behind the lock, 8 are refused straight away.
    for i in 0..40 {
        agent
            .send(
                json!({"type": "history", "ref": format!("h{i}"), "conversation_id": conversation}),
            )
            .await;
    }
    let mut refused = Vec::new();
    while refused.len() < 8 {
        let frame = agent.recv().await;
        if frame["ref"].is_null() {
            continue; // presence, conversation, message: not replies
        }
        assert_eq!(
            frame["type"], "error",
            "nothing is answered while locked: {frame}"
        );
        assert_eq!(frame["code"], "rate_limited", "{frame}");
        refused.push(frame["ref"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        refused,
        (32..40).map(|i| format!("h{i}")).collect::<Vec<_>>()
    );
    // The connection is still served: a ping needs no database.
    assert_eq!(agent.call(json!({"type": "ping"})).await["type"], "pong");
    sqlx::Connection::close(lock).await.unwrap();
    let mut answered = 0;
    while answered < 32 {
        let frame = agent.recv_type("history").await;
        assert_eq!(frame["messages"][0]["body"], "hi");
        answered += 1;
    }
}

#[actix_web::test]
async fn a_commit_that_takes_over_5_s_is_answered_unavailable_and_a_resend_stores_once() {
    let app = spawn_app(Backend::Postgres).await;
    let ws = app.first_workspace().await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let conversation = visitor.send_text(None, "first").await["message"]["conversation_id"].clone();
    let lock = lock_messages(&app.db.url).await;
    let key = Uuid::new_v4();
    let send = json!({"type": "send", "conversation_id": conversation, "client_msg_id": key, "body": "stuck"});
    let started = std::time::Instant::now();
    let reply = visitor.call(send.clone()).await;
    let waited = started.elapsed();
    assert_eq!(reply["code"], "unavailable", "{reply}");
    assert!(
        // The limit is 5 s from the commit's start: answered then, give or take a busy
        // machine's second.
        waited >= Duration::from_secs(5) && waited < Duration::from_millis(6500),
        "answered after {waited:?}"
    );
    sqlx::Connection::close(lock).await.unwrap();
    let resent = visitor.call(send).await;
    assert_eq!(resent["type"], "sent", "{resent}");
    assert_eq!(resent["message"]["seq"], 2);
    let synced = visitor
        .call(json!({"type": "sync", "conversation_id": conversation, "after_seq": 0}))
        .await;
    let bodies: Vec<&str> = synced["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["first", "stuck"]);
}

#[actix_web::test]
async fn an_ip_refused_for_failed_logins_recovers_after_retry_after() {
    let app = spawn_app_with(Backend::Sqlite, &[("PARLEY_LOGIN_PER_MIN", "10")]).await;
    let login = |email: String, password: &'static str| {
        let request = app
            .http
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": password}));
        async move { request.send().await.unwrap() }
    };
    // Ten failures for ten different accounts use up this IP's minute.
    for i in 0..10 {
        let response = login(format!("nobody{i}@x.test"), "wrong-wrong").await;
        assert_eq!(response.status(), 401);
    }
    let refused = login(ADMIN_EMAIL.into(), ADMIN_PASSWORD).await;
    assert_eq!(
        refused.status(),
        429,
        "even the right password, from this IP"
    );
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let response = login(ADMIN_EMAIL.into(), ADMIN_PASSWORD).await;
    assert_eq!(response.status(), 200, "the IP has recovered");
}

#[actix_web::test]
async fn a_demoted_admin_loses_admin_routes_at_once_with_the_same_token() {
    let app = spawn_app(Backend::Sqlite).await;
    let ws = app.first_workspace().await;
    let (status, second) = app
        .api(
            "POST",
            "/agents",
            Some(&ws.token),
            Some(json!({"email": "second@acme.test", "name": "Second", "password": "initial-pass", "role": "admin"})),
        )
        .await;
    assert_eq!(status, 201, "{second}");
    let token = app.login("second@acme.test", "initial-pass").await;
    assert_eq!(app.api("GET", "/agents", Some(&token), None).await.0, 200);
    let (status, demoted) = app
        .api(
            "PATCH",
            &format!("/agents/{}", second["id"].as_str().unwrap()),
            Some(&ws.token),
            Some(json!({"role": "agent"})),
        )
        .await;
    assert_eq!((status, &demoted["role"]), (200, &json!("agent")));
    let (status, body) = app.api("GET", "/agents", Some(&token), None).await;
    assert_eq!(status, 403, "{body}");
    // Agent routes still work with that token.
    assert_eq!(
        app.api("GET", "/conversations", Some(&token), None).await.0,
        200
    );
}

#[actix_web::test]
async fn agent_sockets_open_from_the_servers_origin_and_the_configured_ones_only() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[(
            "PARLEY_AGENT_ORIGINS",
            "https://desk.acme.test, https://ops.acme.test",
        )],
    )
    .await;
    let url = app.ws_url("/ws/agent");
    let outcome = |origin: Option<String>| {
        let url = url.clone();
        async move {
            WsClient::connect(&url, origin.as_deref())
                .await
                .map(|_| ())
                .map_err(|refused| refused.status)
        }
    };
    assert_eq!(outcome(Some(app.address.clone())).await, Ok(()));
    assert_eq!(outcome(Some("https://desk.acme.test".into())).await, Ok(()));
    assert_eq!(outcome(Some("https://ops.acme.test".into())).await, Ok(()));
    assert_eq!(outcome(Some("https://evil.test".into())).await, Err(403));
    assert_eq!(
        outcome(Some("https://desk.acme.test.evil.test".into())).await,
        Err(403)
    );
    assert_eq!(outcome(None).await, Ok(()), "not a browser: no Origin");
}
