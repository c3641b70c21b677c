//! Blocking: an agent blocks a visitor (and, if asked, its address); from then on the
//! visitor's frames but `ping` get `forbidden`, and nothing of it is stored.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, Backend, TestApp};
use crate::ws_client::WsClient;

crate::on_both_backends!(
    a_blocked_visitor_is_refused_everything_but_ping_and_stores_nothing,
    a_block_without_the_address_spares_other_visitors_and_can_be_lifted,
);

async fn count(app: &TestApp, table: &str) -> i64 {
    let url = &app.db.url;
    let sql = format!("select count(*) from {table}");
    if url.starts_with("postgres") {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
            .await
            .unwrap();
        sqlx::query_scalar(&sql).fetch_one(&mut conn).await.unwrap()
    } else {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(url)
            .await
            .unwrap();
        sqlx::query_scalar(&sql).fetch_one(&mut conn).await.unwrap()
    }
}

async fn connect(app: &TestApp, site_key: &str) -> WsClient {
    WsClient::connect(
        &app.ws_url(&format!("/ws/visitor?site_key={site_key}")),
        None,
    )
    .await
    .unwrap()
}

async fn a_blocked_visitor_is_refused_everything_but_ping_and_stores_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut visitor, welcome) = app.visitor(&ws.site).await;
    let token = welcome["token"].clone();
    let id = welcome["visitor_id"].as_str().unwrap().to_owned();
    visitor.send_text(None, "I will be rude").await;

    let block = json!({"reason": "abusive language", "ip": true});
    let path = format!("/visitors/{id}/block");
    let (status, blocked) = app.api("POST", &path, Some(&ws.token), Some(block)).await;
    assert_eq!(status, 201, "{blocked}");
    assert_eq!(blocked["reason"], "abusive language");
    assert_eq!(blocked["ip"], "127.0.0.1");
    // Its open connection is closed at once.
    assert_eq!(visitor.closed_with().await, Some(4003));

    let (messages, visitors, pages) = (
        count(&app, "messages").await,
        count(&app, "visitors").await,
        count(&app, "visitor_pages").await,
    );
    // Back with its token: refused, and so is everything else but ping; the socket stays.
    let mut again = connect(&app, ws.site.site_key.as_str()).await;
    let hello = again
        .call(json!({"type": "hello", "token": token, "page": {"url": "https://shop.test/", "title": "Shop"}}))
        .await;
    assert_eq!(
        (hello["type"].as_str(), hello["code"].as_str()),
        (Some("error"), Some("forbidden")),
        "{hello}"
    );
    for frame in [
        json!({"type": "send", "client_msg_id": uuid::Uuid::new_v4(), "body": "let me in"}),
        json!({"type": "page", "url": "https://shop.test/x", "title": "X"}),
        json!({"type": "profile", "name": "Someone else"}),
        json!({"type": "hello", "token": null}),
    ] {
        let answer = again.call(frame.clone()).await;
        assert_eq!(answer["code"], "forbidden", "{frame}: {answer}");
    }
    assert_eq!(again.call(json!({"type": "ping"})).await["type"], "pong");
    // A new visitor from the same address is refused too: the address was blocked.
    let mut fresh = connect(&app, ws.site.site_key.as_str()).await;
    let refused = fresh.call(json!({"type": "hello", "token": null})).await;
    assert_eq!(refused["code"], "forbidden", "{refused}");
    // Nothing was stored for any of it.
    assert_eq!(count(&app, "messages").await, messages);
    assert_eq!(count(&app, "visitors").await, visitors);
    assert_eq!(count(&app, "visitor_pages").await, pages);

    // Agents see the block; admins list blocks.
    let (_, profile) = app
        .api("GET", &format!("/visitors/{id}"), Some(&ws.token), None)
        .await;
    assert_eq!(profile["blocked"]["reason"], "abusive language");
    let (status, listed) = app.api("GET", "/blocks", Some(&ws.token), None).await;
    assert_eq!(status, 200);
    assert_eq!(listed["items"][0]["visitor_id"], json!(id));
    // Another workspace can neither block nor lift it.
    let other = app.other_workspace("owner@other.test").await;
    let (status, _) = app
        .api(
            "POST",
            &path,
            Some(&other.token),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        app.api("DELETE", &path, Some(&other.token), None).await.0,
        404
    );
    let (_, theirs) = app.api("GET", "/blocks", Some(&other.token), None).await;
    assert_eq!(theirs["items"], json!([]));
    // A control character in the reason is refused.
    let (status, _) = app
        .api(
            "POST",
            &path,
            Some(&ws.token),
            Some(json!({"reason": "a\u{0}b"})),
        )
        .await;
    assert_eq!(status, 422);
}

async fn a_block_without_the_address_spares_other_visitors_and_can_be_lifted(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut visitor, welcome) = app.visitor(&ws.site).await;
    let token = welcome["token"].clone();
    let id = welcome["visitor_id"].as_str().unwrap().to_owned();
    let path = format!("/visitors/{id}/block");
    let (status, blocked) = app
        .api(
            "POST",
            &path,
            Some(&ws.token),
            Some(json!({"reason": "spam"})),
        )
        .await;
    assert_eq!(status, 201);
    assert!(blocked["ip"].is_null());
    assert_eq!(visitor.closed_with().await, Some(4003));
    // Someone else from the same address is welcome.
    let (_, other) = app.visitor(&ws.site).await;
    assert_ne!(other["visitor_id"], welcome["visitor_id"]);
    // Lifted: the visitor is back, with its conversation.
    assert_eq!(app.api("DELETE", &path, Some(&ws.token), None).await.0, 204);
    assert_eq!(app.api("DELETE", &path, Some(&ws.token), None).await.0, 404);
    let mut back = connect(&app, ws.site.site_key.as_str()).await;
    let hello: Value = back.call(json!({"type": "hello", "token": token})).await;
    assert_eq!(hello["type"], "welcome", "{hello}");
    assert_eq!(hello["visitor_id"], welcome["visitor_id"]);
}
