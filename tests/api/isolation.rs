//! Isolation: nothing of workspace A reaches or answers workspace B; a visitor sees only its
//! own conversations; identities are verified before they are trusted.

use std::time::Duration;

use parley::auth::identity::hmac_hex;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, Backend};
use crate::on_both_backends;

on_both_backends!(
    another_workspaces_agent_receives_nothing_and_is_refused_everything,
    a_visitor_cannot_reach_another_visitors_conversation,
    a_verified_identity_is_the_same_person_on_every_device,
    a_bad_signature_leaves_the_visitor_anonymous,
    an_identified_visitors_token_without_identity_starts_a_new_visitor,
    a_site_that_requires_identity_refuses_anonymous_visitors_with_4003,
);

fn conversation_of(sent: &Value) -> String {
    sent["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn another_workspaces_agent_receives_nothing_and_is_refused_everything(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.first_workspace().await;
    let b = app.other_workspace("boss@other.test").await;
    let (mut intruder, welcome) = app.agent(&b.token).await;
    assert_eq!(welcome["conversations"], json!([]));

    let (mut visitor, _) = app.visitor(&a.site).await;
    let conversation = conversation_of(&visitor.send_text(None, "private").await);
    let (mut agent_a, _) = app.agent(&a.token).await;
    agent_a
        .call(json!({"type": "typing", "conversation_id": conversation, "state": "on"}))
        .await;
    agent_a
        .call(json!({"type": "status", "status": "away"}))
        .await;

    for frame in [
        json!({"type": "sync", "conversation_id": conversation, "after_seq": 0}),
        json!({"type": "history", "conversation_id": conversation}),
        json!({"type": "typing", "conversation_id": conversation, "state": "on"}),
        json!({"type": "read", "conversation_id": conversation, "seq": 1}),
        json!({"type": "send", "conversation_id": conversation, "client_msg_id": Uuid::new_v4(), "body": "hi"}),
    ] {
        let reply = intruder.call(frame.clone()).await;
        assert_eq!(reply["code"], "not_found", "{frame} → {reply}");
        // Exactly as for a conversation that does not exist.
        let mut unknown = frame.clone();
        unknown["conversation_id"] = json!(Uuid::new_v4());
        assert_eq!(intruder.call(unknown).await["message"], reply["message"]);
    }
    // Workspace B hears nothing at all of A: no message, typing, read, presence or status.
    intruder
        .assert_silent("*", Duration::from_millis(300))
        .await;
    let stored = agent_a
        .call(json!({"type": "sync", "conversation_id": conversation, "after_seq": 0}))
        .await;
    assert_eq!(
        stored["messages"].as_array().unwrap().len(),
        1,
        "nothing was written by the intruder"
    );
}

async fn a_visitor_cannot_reach_another_visitors_conversation(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut owner, _) = app.visitor(&ws.site).await;
    let conversation = conversation_of(&owner.send_text(None, "mine").await);
    let (mut other, _) = app.visitor(&ws.site).await;
    for frame in [
        json!({"type": "sync", "conversation_id": conversation, "after_seq": 0}),
        json!({"type": "history", "conversation_id": conversation}),
        json!({"type": "read", "conversation_id": conversation, "seq": 1}),
        json!({"type": "typing", "conversation_id": conversation, "state": "on"}),
        json!({"type": "send", "conversation_id": conversation, "client_msg_id": Uuid::new_v4(), "body": "sneaky"}),
    ] {
        assert_eq!(
            other.call(frame.clone()).await["code"],
            "not_found",
            "{frame}"
        );
    }
    let (mut agent, _) = app.agent(&ws.token).await;
    agent.send_text(Some(&conversation), "for the owner").await;
    assert_eq!(
        owner.recv_type("message").await["message"]["body"],
        "for the owner"
    );
    other
        .assert_silent("message", Duration::from_millis(300))
        .await;
}

async fn a_verified_identity_is_the_same_person_on_every_device(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let secret = &ws.site.identity_secret;
    let hmac = json!({"id": "u-42", "name": "Ada", "email": "ada@example.com", "hash": hmac_hex(secret, "u-42")});
    let (mut laptop, first) = app
        .visitor_with(&ws.site, json!({"type": "hello", "identity": hmac}))
        .await;
    assert_eq!(
        first["identity"],
        json!({"status": "verified", "id": "u-42"})
    );
    let conversation = conversation_of(&laptop.send_text(None, "from the laptop").await);

    // Another device, the JWT form, no visitor token: the same person and conversation.
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"sub": "u-42", "exp": now + 600, "name": "Ada L."});
    let jwt = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap();
    let (_, phone) = app
        .visitor_with(&ws.site, json!({"type": "hello", "identity": {"jwt": jwt}}))
        .await;
    assert_eq!(phone["visitor_id"], first["visitor_id"]);
    assert_eq!(phone["conversation"]["id"], conversation.as_str());
    assert_eq!(phone["identity"]["status"], "verified");

    // Agents see the person as verified.
    let (mut agent, _) = app.agent(&ws.token).await;
    let hello = json!({"type": "hello", "identity": hmac, "page": {"url": "https://shop.test/", "title": "Shop"}});
    app.visitor_with(&ws.site, hello).await;
    let seen = agent.recv_type("visitor").await;
    // The HMAC form signs the id only: the name beside it is the visitor's own words.
    assert_eq!(
        seen["visitor"]["identity"],
        json!({"status": "verified", "id": "u-42", "signed": ["id"]})
    );
    assert_eq!(seen["visitor"]["name"], "Ada", "the latest name given");
}

async fn a_bad_signature_leaves_the_visitor_anonymous(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let good = hmac_hex(&ws.site.identity_secret, "u-42");
    let (_, verified) = app
        .visitor_with(
            &ws.site,
            json!({"type": "hello", "identity": {"id": "u-42", "hash": good}}),
        )
        .await;
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"sub": "u-42", "exp": chrono::Utc::now().timestamp() - 3600}),
        &jsonwebtoken::EncodingKey::from_secret(ws.site.identity_secret.as_bytes()),
    )
    .unwrap();
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"sub": "u-42", "exp": chrono::Utc::now().timestamp() + 3600}),
        &jsonwebtoken::EncodingKey::from_secret(b"not the site's secret at all"),
    )
    .unwrap();
    for identity in [
        json!({"id": "u-42", "hash": hmac_hex("wrong-secret-wrong-secret", "u-42")}),
        json!({"id": "u-42", "hash": "zz"}),
        json!({"jwt": expired}),
        json!({"jwt": forged}),
    ] {
        let (_, welcome) = app
            .visitor_with(&ws.site, json!({"type": "hello", "identity": identity}))
            .await;
        assert_eq!(welcome["identity"]["status"], "rejected", "{identity}");
        assert_ne!(welcome["visitor_id"], verified["visitor_id"], "{identity}");
    }
    // Name and email without a signature are kept, unverified.
    let (_, own_words) = app
        .visitor_with(
            &ws.site,
            json!({"type": "hello", "identity": {"name": "Bob", "email": "bob@example.com"}}),
        )
        .await;
    assert_eq!(own_words["identity"]["status"], "unverified");
    assert_ne!(own_words["visitor_id"], verified["visitor_id"]);
}

async fn an_identified_visitors_token_without_identity_starts_a_new_visitor(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let identity = json!({"id": "u-7", "hash": hmac_hex(&ws.site.identity_secret, "u-7")});
    let (mut person, welcome) = app
        .visitor_with(&ws.site, json!({"type": "hello", "identity": identity}))
        .await;
    person.send_text(None, "my order details").await;
    let (_, stranger) = app
        .visitor_with(
            &ws.site,
            json!({"type": "hello", "token": welcome["token"]}),
        )
        .await;
    assert_ne!(stranger["visitor_id"], welcome["visitor_id"]);
    assert_eq!(
        stranger["conversation"],
        Value::Null,
        "no history of an identified person"
    );
}

async fn a_site_that_requires_identity_refuses_anonymous_visitors_with_4003(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    app.sql(&format!(
        "update sites set require_identity = true where site_key = '{}'",
        ws.site.site_key
    ))
    .await;
    let url = app.ws_url(&format!("/ws/visitor?site_key={}", ws.site.site_key));
    let mut anonymous = crate::ws_client::WsClient::connect(&url, None)
        .await
        .unwrap();
    let reply = anonymous.call(json!({"type": "hello"})).await;
    assert_eq!(reply["code"], "forbidden");
    assert_eq!(anonymous.closed_with().await, Some(4003));
    let identity = json!({"id": "u-1", "hash": hmac_hex(&ws.site.identity_secret, "u-1")});
    let (_, welcome) = app
        .visitor_with(&ws.site, json!({"type": "hello", "identity": identity}))
        .await;
    assert_eq!(welcome["identity"]["status"], "verified");
}
