//! The agents' HTTP API, endpoint by endpoint: success, validation, authentication, roles.

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use parley::auth::identity::hmac_hex;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, spawn_app_with, Backend, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::on_both_backends;

on_both_backends!(
    login_gives_a_token_that_works_and_failures_look_alike,
    me_shows_and_changes_the_agents_own_profile,
    the_inbox_filters_searches_and_pages,
    conversations_are_assigned_resolved_and_reopened_live,
    history_and_sending_over_http_are_idempotent,
    a_visitor_profile_shows_pages_and_conversations,
    sites_are_managed_by_admins_with_validated_settings,
    rotating_a_secret_keeps_the_previous_one_valid_once,
    agents_are_invited_and_a_deactivated_agent_is_cut_off,
    canned_responses_are_read_by_agents_and_written_by_admins,
    webhooks_are_managed_by_admins,
);

async fn login_gives_a_token_that_works_and_failures_look_alike(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (status, me) = app.api("GET", "/me", Some(&token), None).await;
    assert_eq!(status, 200);
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert!(me.get("password_hash").is_none(), "never serialised");

    let wrong_password = app
        .api(
            "POST",
            "/auth/login",
            None,
            Some(json!({"email": ADMIN_EMAIL, "password": "nope-nope"})),
        )
        .await;
    let unknown_email = app
        .api(
            "POST",
            "/auth/login",
            None,
            Some(json!({"email": "who@x.test", "password": "nope-nope"})),
        )
        .await;
    assert_eq!(wrong_password.0, 401);
    assert_eq!(
        wrong_password, unknown_email,
        "the same answer whether or not the email exists"
    );
    assert_eq!(wrong_password.1["error"]["code"], "unauthorized");
    let (status, body) = app
        .api(
            "POST",
            "/auth/login",
            None,
            Some(json!({"email": ADMIN_EMAIL})),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("password"),
        "{body}"
    );
}

#[actix_web::test]
async fn failed_logins_are_limited_per_ip_and_per_account() {
    let app = spawn_app_with(Backend::Sqlite, &[("PARLEY_LOGIN_PER_MIN", "3")]).await;
    for _ in 0..3 {
        let (status, _) = app
            .api(
                "POST",
                "/auth/login",
                None,
                Some(json!({"email": "x@y.test", "password": "wrong-wrong"})),
            )
            .await;
        assert_eq!(status, 401);
    }
    let response = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        429,
        "even the right password, once the IP is blocked"
    );
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
}

#[actix_web::test]
async fn guessing_an_account_locks_the_guesser_out_never_its_owner() {
    // Behind a trusted proxy each client has its own IP.
    let extra = [
        ("PARLEY_LOGIN_PER_MIN", "100"),
        ("PARLEY_TRUSTED_PROXIES", "127.0.0.1"),
    ];
    let app = spawn_app_with(Backend::Sqlite, &extra).await;
    let attempt = |ip: &'static str, email: &'static str, password: &'static str| {
        app.http
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", ip)
            .json(&json!({"email": email, "password": password}))
            .send()
    };
    let stranger = "203.0.113.66";
    for _ in 0..10 {
        let status = attempt(stranger, ADMIN_EMAIL, "wrong-wrong")
            .await
            .unwrap()
            .status();
        assert_eq!(status, 401);
    }
    assert_eq!(
        attempt(stranger, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .unwrap()
            .status(),
        429,
        "the guesser is locked out of that account, even with the right password"
    );
    assert_eq!(
        attempt("198.51.100.7", ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .unwrap()
            .status(),
        200,
        "the owner, from a clean IP, signs in during the lockout"
    );
    // The guesser's IP is not locked out of other accounts by this one's count.
    assert_eq!(
        attempt(stranger, "other@x.test", "wrong-wrong")
            .await
            .unwrap()
            .status(),
        401
    );
}

async fn me_shows_and_changes_the_agents_own_profile(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (status, me) = app
        .api(
            "PATCH",
            "/me",
            Some(&ws.token),
            Some(json!({"name": "Alice"})),
        )
        .await;
    assert_eq!((status, me["name"].as_str()), (200, Some("Alice")));
    let change = json!({"current_password": "wrong-wrong", "new_password": "brand new pass"});
    assert_eq!(
        app.api("PATCH", "/me", Some(&ws.token), Some(change))
            .await
            .0,
        403
    );
    let change = json!({"new_password": "brand new pass"});
    assert_eq!(
        app.api("PATCH", "/me", Some(&ws.token), Some(change))
            .await
            .0,
        422
    );
    let change = json!({"current_password": ADMIN_PASSWORD, "new_password": "brand new pass"});
    assert_eq!(
        app.api("PATCH", "/me", Some(&ws.token), Some(change))
            .await
            .0,
        200
    );
    // The new password signs in; the token from before it no longer works.
    let token = app.login(ADMIN_EMAIL, "brand new pass").await;
    assert_eq!(app.api("GET", "/me", Some(&ws.token), None).await.0, 401);
    let (status, body) = app
        .api("PATCH", "/me", Some(&token), Some(json!({"role": "agent"})))
        .await;
    assert_eq!(status, 422, "unknown fields are refused: {body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("role"));
    assert_eq!(app.api("GET", "/me", None, None).await.0, 401);
}

async fn the_inbox_filters_searches_and_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let mut conversations = Vec::new();
    for i in 0..55 {
        let (mut v, _) = app.visitor(&ws.site).await;
        let body = if i == 7 {
            "my parcel never arrived".to_owned()
        } else {
            format!("hello {i}")
        };
        let sent = v.send_text(None, &body).await;
        conversations.push(
            sent["message"]["conversation_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let (status, page) = app
        .api("GET", "/conversations", Some(&ws.token), None)
        .await;
    assert_eq!(status, 200);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 50);
    assert_eq!(
        items[0]["id"],
        conversations[54].as_str(),
        "newest activity first"
    );
    assert_eq!(items[0]["unread"], 1);
    assert_eq!(items[0]["last_body"], "hello 54");
    let cursor = page["next_cursor"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", page["next_cursor"]));
    let (_, next) = app
        .api(
            "GET",
            &format!("/conversations?cursor={cursor}"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(next["items"].as_array().unwrap().len(), 5);
    assert_eq!(next["next_cursor"], Value::Null);

    let (_, found) = app
        .api("GET", "/conversations?q=parcel", Some(&ws.token), None)
        .await;
    let ids: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [conversations[7].as_str()]);
    let (_, odd) = app
        .api(
            "GET",
            "/conversations?q=%22%20OR%20*",
            Some(&ws.token),
            None,
        )
        .await;
    assert!(
        odd["items"].as_array().unwrap().is_empty(),
        "search syntax in q is just text: {odd}"
    );

    let assign = json!({"assignee_id": ws.admin.id});
    app.api(
        "PATCH",
        &format!("/conversations/{}", conversations[3]),
        Some(&ws.token),
        Some(assign),
    )
    .await;
    app.api(
        "PATCH",
        &format!("/conversations/{}", conversations[4]),
        Some(&ws.token),
        Some(json!({"status": "resolved"})),
    )
    .await;
    let count = |v: &Value| v["items"].as_array().unwrap_or_else(|| panic!("{v}")).len();
    let (_, mine) = app
        .api("GET", "/conversations?assignee=me", Some(&ws.token), None)
        .await;
    assert_eq!(count(&mine), 1);
    let (_, by_id) = app
        .api(
            "GET",
            &format!("/conversations?assignee={}", ws.admin.id),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(count(&by_id), 1);
    let (_, resolved) = app
        .api(
            "GET",
            "/conversations?status=resolved",
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(count(&resolved), 1);
    let (_, unassigned_open) = app
        .api(
            "GET",
            "/conversations?status=open&assignee=none&cursor=",
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(count(&unassigned_open), 50);
    assert_eq!(
        app.api("GET", "/conversations?status=bogus", Some(&ws.token), None)
            .await
            .0,
        400
    );
    assert_eq!(
        app.api(
            "GET",
            "/conversations?cursor=garbage",
            Some(&ws.token),
            None
        )
        .await
        .0,
        400
    );
}

async fn conversations_are_assigned_resolved_and_reopened_live(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut agent_socket, _) = app.agent(&ws.token).await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let id = visitor.send_text(None, "help").await["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    agent_socket.recv_type("conversation").await;
    let path = format!("/conversations/{id}");
    let (_, before_read) = app.api("GET", &path, Some(&ws.token), None).await;
    assert_eq!(before_read["visitor_read_seq"], Value::Null);
    visitor
        .call(json!({"type": "read", "conversation_id": id, "seq": 1}))
        .await;
    let (_, after_read) = app.api("GET", &path, Some(&ws.token), None).await;
    assert_eq!(
        after_read["visitor_read_seq"], 1,
        "seen receipts survive a reload"
    );

    let (status, assigned) = app
        .api(
            "PATCH",
            &path,
            Some(&ws.token),
            Some(json!({"assignee_id": ws.admin.id})),
        )
        .await;
    assert_eq!(status, 200, "{assigned}");
    assert_eq!(assigned["assignee_name"], ws.admin.name.as_str());
    let event = agent_socket.recv_type("conversation").await;
    assert_eq!(
        event["conversation"]["assignee"]["id"],
        ws.admin.id.to_string()
    );
    let seen_by_visitor = visitor.recv_type("conversation").await;
    assert_eq!(
        seen_by_visitor["conversation"]["assignee"]["name"],
        ws.admin.name.as_str()
    );
    assert!(
        seen_by_visitor["conversation"]
            .get("workspace_id")
            .is_none(),
        "the reduced form"
    );

    let (_, resolved) = app
        .api(
            "PATCH",
            &path,
            Some(&ws.token),
            Some(json!({"status": "resolved", "assignee_id": null})),
        )
        .await;
    assert_eq!(
        (resolved["status"].as_str(), &resolved["assignee_id"]),
        (Some("resolved"), &Value::Null)
    );
    assert_eq!(
        visitor.recv_type("conversation").await["conversation"]["status"],
        "resolved"
    );
    let (_, reopened) = app
        .api(
            "PATCH",
            &path,
            Some(&ws.token),
            Some(json!({"status": "open"})),
        )
        .await;
    assert_eq!(reopened["status"], "open");

    let bad = app
        .api(
            "PATCH",
            &path,
            Some(&ws.token),
            Some(json!({"assignee_id": Uuid::new_v4()})),
        )
        .await;
    assert_eq!(bad.0, 422);
    let bad = app
        .api(
            "PATCH",
            &path,
            Some(&ws.token),
            Some(json!({"status": "archived"})),
        )
        .await;
    assert_eq!(bad.0, 422);
    assert!(bad.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("archived"));
    assert_eq!(
        app.api("GET", "/conversations/not-a-uuid", Some(&ws.token), None)
            .await
            .0,
        404
    );
    assert_eq!(
        app.api(
            "GET",
            &format!("/conversations/{}", Uuid::new_v4()),
            Some(&ws.token),
            None
        )
        .await
        .0,
        404
    );
}

async fn history_and_sending_over_http_are_idempotent(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let id = visitor.send_text(None, "1").await["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 2..=5 {
        visitor.send_text(Some(&id), &i.to_string()).await;
    }
    let path = format!("/conversations/{id}/messages");
    let key = Uuid::new_v4();
    let (status, sent) = app
        .api(
            "POST",
            &path,
            Some(&ws.token),
            Some(json!({"client_msg_id": key, "body": "from HTTP"})),
        )
        .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["seq"], 6);
    assert_eq!(visitor.recv_type("message").await["message"], sent);
    let (status, replay) = app
        .api(
            "POST",
            &path,
            Some(&ws.token),
            Some(json!({"client_msg_id": key, "body": "from HTTP"})),
        )
        .await;
    assert_eq!(
        (status, &replay),
        (200, &sent),
        "a replay returns the original"
    );
    let (status, note) = app
        .api(
            "POST",
            &path,
            Some(&ws.token),
            Some(json!({"client_msg_id": Uuid::new_v4(), "kind": "note", "body": "internal"})),
        )
        .await;
    assert_eq!((status, note["kind"].as_str()), (201, Some("note")));

    let seqs = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["seq"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    let (_, newest) = app
        .api("GET", &format!("{path}?limit=3"), Some(&ws.token), None)
        .await;
    assert_eq!(
        (seqs(&newest), newest["more"].as_bool()),
        (vec![5, 6, 7], Some(true))
    );
    let (_, older) = app
        .api(
            "GET",
            &format!("{path}?before_seq=5&limit=10"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(
        (seqs(&older), older["more"].as_bool()),
        (vec![1, 2, 3, 4], Some(false))
    );
    let (_, after) = app
        .api(
            "GET",
            &format!("{path}?after_seq=4&limit=2"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(
        (seqs(&after), after["more"].as_bool()),
        (vec![5, 6], Some(true))
    );
    // The next text reaches the visitor; before it, in seq order, came neither a second copy
    // of the replayed send nor the note.
    let (_, next) = app
        .api(
            "POST",
            &path,
            Some(&ws.token),
            Some(json!({"client_msg_id": Uuid::new_v4(), "body": "after the note"})),
        )
        .await;
    assert_eq!(next["seq"], 8);
    let before = visitor
        .frames_before(|f| f["type"] == "message" && f["message"]["seq"] == 8)
        .await;
    let messages: Vec<&Value> = before.iter().filter(|f| f["type"] == "message").collect();
    assert!(
        messages.is_empty(),
        "no replay broadcast, no note to the visitor: {messages:?}"
    );

    let (status, body) = app
        .api(
            "POST",
            &path,
            Some(&ws.token),
            Some(json!({"client_msg_id": Uuid::new_v4(), "body": "   "})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["error"]["code"], "bad_request",
        "the code a WebSocket send gets for the same body"
    );
    let (status, _) = app
        .api(
            "POST",
            &path,
            Some(&ws.token),
            Some(json!({"client_msg_id": Uuid::new_v4(), "body": "x".repeat(4001)})),
        )
        .await;
    assert_eq!(status, 413);
    let (status, body) = app
        .api(
            "POST",
            &path,
            Some(&ws.token),
            Some(json!({"client_msg_id": "nope", "body": "x"})),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("UUID")
            || body["error"]["message"].as_str().unwrap().contains("uuid"),
        "{body}"
    );
    let missing = format!("/conversations/{}/messages", Uuid::new_v4());
    assert_eq!(
        app.api(
            "POST",
            &missing,
            Some(&ws.token),
            Some(json!({"client_msg_id": Uuid::new_v4(), "body": "x"}))
        )
        .await
        .0,
        404
    );
}

async fn a_visitor_profile_shows_pages_and_conversations(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let identity =
        json!({"id": "u-9", "name": "Grace", "hash": hmac_hex(&ws.site.identity_secret, "u-9")});
    let hello = json!({"type": "hello", "identity": identity, "page": {"url": "https://shop.test/a", "title": "A"}});
    let (mut visitor, welcome) = app.visitor_with(&ws.site, hello).await;
    visitor
        .call(json!({"type": "page", "url": "https://shop.test/b", "title": "B"}))
        .await;
    let conversation = visitor.send_text(None, "hi").await["message"]["conversation_id"].clone();
    let path = format!("/visitors/{}", welcome["visitor_id"].as_str().unwrap());
    let (status, profile) = app.api("GET", &path, Some(&ws.token), None).await;
    assert_eq!(status, 200, "{profile}");
    assert_eq!(profile["name"], "Grace");
    assert_eq!(profile["identity"], "verified");
    assert_eq!(profile["external_id"], "u-9");
    assert_eq!(profile["online"], true);
    let urls: Vec<&str> = profile["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["url"].as_str().unwrap())
        .collect();
    assert_eq!(urls, ["https://shop.test/b", "https://shop.test/a"]);
    assert_eq!(profile["conversations"][0]["id"], conversation);
    assert_eq!(
        app.api(
            "GET",
            &format!("/visitors/{}", Uuid::new_v4()),
            Some(&ws.token),
            None
        )
        .await
        .0,
        404
    );
}

async fn sites_are_managed_by_admins_with_validated_settings(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let create = json!({"name": "Shop", "allowed_origins": ["https://Shop.example/"], "settings": {"color": "#112233"}});
    let (status, site) = app
        .api("POST", "/sites", Some(&ws.token), Some(create))
        .await;
    assert_eq!(status, 201, "{site}");
    assert!(site["site_key"].as_str().unwrap().starts_with("pk_"));
    assert!(site["identity_secret"].as_str().unwrap().len() >= 32);
    assert_eq!(site["allowed_origins"], json!(["https://shop.example"]));
    assert_eq!(site["settings"]["color"], "#112233");
    assert_eq!(
        site["settings"]["title"], "Chat with us",
        "defaults fill the rest"
    );
    let path = format!("/sites/{}", site["id"].as_str().unwrap());

    let (status, updated) = app
        .api(
            "PATCH",
            &path,
            Some(&ws.token),
            Some(json!({"settings": {"title": "Help"}, "require_identity": true})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            updated["settings"]["title"].as_str(),
            updated["settings"]["color"].as_str()
        ),
        (Some("Help"), Some("#112233"))
    );
    assert_eq!(updated["require_identity"], true);
    let (_, listed) = app.api("GET", "/sites", Some(&ws.token), None).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    assert_eq!(listed["next_cursor"], Value::Null);

    for (bad, field) in [
        (json!({"allowed_origins": ["not a url"]}), "allowed_origins"),
        (json!({"settings": {"color": "blue"}}), "color"),
        (json!({"settings": {"colour": "#000000"}}), "colour"),
        (json!({"name": ""}), "name"),
        (json!({"nme": "x"}), "nme"),
    ] {
        let (status, body) = app
            .api("PATCH", &path, Some(&ws.token), Some(bad.clone()))
            .await;
        assert_eq!(status, 422, "{bad}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(field),
            "{bad} → {body}"
        );
    }
    let (status, _) = app
        .api(
            "POST",
            "/sites",
            Some(&ws.token),
            Some(json!({"name": "x"}).to_string().into()),
        )
        .await;
    assert_eq!(status, 422, "a JSON string is not an object");

    let public = app
        .get(&format!(
            "/api/v1/widget/config?site_key={}",
            site["site_key"].as_str().unwrap()
        ))
        .await;
    assert_eq!(public.status(), 200);
    let public: Value = public.json().await.unwrap();
    assert_eq!(public["title"], "Help");
    assert_eq!(public["agents_online"], 0);
    assert!(public.get("identity_secret").is_none());

    assert_eq!(app.api("DELETE", &path, Some(&ws.token), None).await.0, 204);
    assert_eq!(app.api("GET", &path, Some(&ws.token), None).await.0, 404);
    assert_eq!(app.api("DELETE", &path, Some(&ws.token), None).await.0, 404);
}

async fn rotating_a_secret_keeps_the_previous_one_valid_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let path = format!("/sites/{}/rotate-secret", ws.site.id);
    let first = ws.site.identity_secret.clone();
    let (status, rotated) = app.api("POST", &path, Some(&ws.token), None).await;
    assert_eq!(status, 200);
    let second = rotated["identity_secret"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    let verify = |secret: &str| json!({"type": "hello", "identity": {"id": "u-1", "hash": hmac_hex(secret, "u-1")}});
    assert_eq!(
        app.visitor_with(&ws.site, verify(&first)).await.1["identity"]["status"],
        "verified"
    );
    assert_eq!(
        app.visitor_with(&ws.site, verify(&second)).await.1["identity"]["status"],
        "verified"
    );
    app.api("POST", &path, Some(&ws.token), None).await;
    assert_eq!(
        app.visitor_with(&ws.site, verify(&first)).await.1["identity"]["status"],
        "rejected",
        "two rotations ago"
    );
    assert_eq!(
        app.visitor_with(&ws.site, verify(&second)).await.1["identity"]["status"],
        "verified"
    );
}

async fn agents_are_invited_and_a_deactivated_agent_is_cut_off(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let invite = json!({"email": "Bob@Acme.test", "name": "Bob", "password": "initial-pass"});
    let (status, bob) = app
        .api("POST", "/agents", Some(&ws.token), Some(invite.clone()))
        .await;
    assert_eq!(status, 201, "{bob}");
    assert_eq!(
        (bob["role"].as_str(), bob["email"].as_str()),
        (Some("agent"), Some("bob@acme.test"))
    );
    assert_eq!(
        app.api("POST", "/agents", Some(&ws.token), Some(invite))
            .await
            .0,
        409
    );
    let bad = json!({"email": "nope", "name": "X", "password": "initial-pass"});
    assert_eq!(
        app.api("POST", "/agents", Some(&ws.token), Some(bad))
            .await
            .0,
        422
    );

    let bob_token = app.login("bob@acme.test", "initial-pass").await;
    assert_eq!(
        app.api("GET", "/agents", Some(&bob_token), None).await.0,
        403,
        "agents are not admins"
    );
    assert_eq!(
        app.api("GET", "/conversations", Some(&bob_token), None)
            .await
            .0,
        200
    );
    let (mut bob_socket, _) = app.agent(&bob_token).await;

    let path = format!("/agents/{}", bob["id"].as_str().unwrap());
    let (status, off) = app
        .api(
            "PATCH",
            &path,
            Some(&ws.token),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!((status, off["active"].as_bool()), (200, Some(false)));
    assert_eq!(
        bob_socket.closed_with().await,
        Some(4001),
        "the open socket stops at once"
    );
    assert_eq!(
        app.api("GET", "/me", Some(&bob_token), None).await.0,
        401,
        "and the token"
    );
    let again = app
        .api(
            "POST",
            "/auth/login",
            None,
            Some(json!({"email": "bob@acme.test", "password": "initial-pass"})),
        )
        .await;
    assert_eq!(again.0, 401);

    // The last admin cannot remove or demote itself.
    let me = format!("/agents/{}", ws.admin.id);
    assert_eq!(
        app.api(
            "PATCH",
            &me,
            Some(&ws.token),
            Some(json!({"role": "agent"}))
        )
        .await
        .0,
        409
    );
    assert_eq!(app.api("DELETE", &me, Some(&ws.token), None).await.0, 409);
    assert_eq!(app.api("DELETE", &path, Some(&ws.token), None).await.0, 204);
    let (_, team) = app.api("GET", "/agents", Some(&ws.token), None).await;
    assert_eq!(team["items"].as_array().unwrap().len(), 1);
}

async fn canned_responses_are_read_by_agents_and_written_by_admins(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (status, canned) = app
        .api(
            "POST",
            "/canned",
            Some(&ws.token),
            Some(json!({"shortcut": "refund", "title": "Refunds", "body": "Refunds take 3 days."})),
        )
        .await;
    assert_eq!(status, 201, "{canned}");
    assert_eq!(
        app.api(
            "POST",
            "/canned",
            Some(&ws.token),
            Some(json!({"shortcut": "refund", "body": "again"}))
        )
        .await
        .0,
        409
    );
    assert_eq!(
        app.api(
            "POST",
            "/canned",
            Some(&ws.token),
            Some(json!({"shortcut": "Bad Shortcut", "body": "x"}))
        )
        .await
        .0,
        422
    );
    let invite = json!({"email": "eve@acme.test", "name": "Eve", "password": "initial-pass"});
    app.api("POST", "/agents", Some(&ws.token), Some(invite))
        .await;
    let eve = app.login("eve@acme.test", "initial-pass").await;
    let (status, list) = app.api("GET", "/canned", Some(&eve), None).await;
    assert_eq!(
        (status, list["items"][0]["shortcut"].as_str()),
        (200, Some("refund"))
    );
    assert_eq!(
        app.api(
            "POST",
            "/canned",
            Some(&eve),
            Some(json!({"shortcut": "x", "body": "x"}))
        )
        .await
        .0,
        403
    );
    let path = format!("/canned/{}", canned["id"].as_str().unwrap());
    assert_eq!(
        app.api("PATCH", &path, Some(&eve), Some(json!({"body": "x"})))
            .await
            .0,
        403
    );
    let (status, changed) = app
        .api(
            "PATCH",
            &path,
            Some(&ws.token),
            Some(json!({"body": "Refunds take 2 days."})),
        )
        .await;
    assert_eq!(
        (status, changed["body"].as_str()),
        (200, Some("Refunds take 2 days."))
    );
    assert_eq!(app.api("DELETE", &path, Some(&eve), None).await.0, 403);
    assert_eq!(app.api("DELETE", &path, Some(&ws.token), None).await.0, 204);
}

async fn webhooks_are_managed_by_admins(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (status, hook) = app
        .api(
            "POST",
            "/webhooks",
            Some(&ws.token),
            Some(json!({"url": "https://hooks.example/parley", "events": ["message.created"]})),
        )
        .await;
    assert_eq!(status, 201, "{hook}");
    assert!(hook["secret"].as_str().unwrap().starts_with("whsec_"));
    for bad in [
        json!({"url": "ftp://x", "events": ["message.created"]}),
        json!({"url": "https://x.example", "events": []}),
        json!({"url": "https://x.example", "events": ["message.deleted"]}),
    ] {
        assert_eq!(
            app.api("POST", "/webhooks", Some(&ws.token), Some(bad.clone()))
                .await
                .0,
            422,
            "{bad}"
        );
    }
    let id = hook["id"].as_str().unwrap();
    let (status, deliveries) = app
        .api(
            "GET",
            &format!("/webhooks/{id}/deliveries"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(
        (status, deliveries["items"].as_array().map(Vec::len)),
        (200, Some(0))
    );
    let (_, list) = app.api("GET", "/webhooks", Some(&ws.token), None).await;
    assert_eq!(list["items"][0]["id"], id);
    assert_eq!(
        app.api("DELETE", &format!("/webhooks/{id}"), Some(&ws.token), None)
            .await
            .0,
        204
    );
    assert_eq!(
        app.api(
            "GET",
            &format!("/webhooks/{id}/deliveries"),
            Some(&ws.token),
            None
        )
        .await
        .0,
        404
    );
}

#[actix_web::test]
async fn malformed_bodies_get_the_contracts_error_shape() {
    let app = spawn_app(Backend::Sqlite).await;
    let ws = app.first_workspace().await;
    let send = |body: &'static str, content_type: &'static str| {
        app.http
            .post(app.url("/api/v1/canned"))
            .bearer_auth(&ws.token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let response = send("{not json", "application/json").await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_request");
    assert_eq!(send("{}", "text/plain").await.unwrap().status(), 400);
    let big = "x".repeat(300 * 1024);
    let response = app
        .http
        .post(app.url("/api/v1/canned"))
        .bearer_auth(&ws.token)
        .json(&json!({"shortcut": "big", "body": big}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

#[actix_web::test]
async fn only_the_public_widget_endpoints_answer_cross_origin() {
    let app = spawn_app(Backend::Sqlite).await;
    let ws = app.first_workspace().await;
    let public = app
        .http
        .get(app.url(&format!(
            "/api/v1/widget/config?site_key={}",
            ws.site.site_key
        )))
        .header("origin", "https://shop.example")
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 200);
    assert!(public
        .headers()
        .get("access-control-allow-origin")
        .is_some());
    let private = app
        .http
        .get(app.url("/api/v1/me"))
        .bearer_auth(&ws.token)
        .header("origin", "https://shop.example")
        .send()
        .await
        .unwrap();
    assert!(private
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/conversations"))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(preflight
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    assert_eq!(
        app.get("/api/v1/widget/config?site_key=pk_nope")
            .await
            .status(),
        404
    );
}

/// Forged tokens of every kind are refused by the API and the agent socket.
#[actix_web::test]
async fn forged_expired_and_foreign_tokens_are_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let ws = app.first_workspace().await;
    let claims = |aud: &str, exp: i64| {
        json!({"sub": ws.admin.id, "workspace_id": ws.admin.workspace_id, "role": "admin",
               "iss": app.address, "aud": aud, "iat": exp - 3600, "exp": exp})
    };
    let now = chrono::Utc::now().timestamp();
    // The server's secret was generated into the database; tokens here are forged without it,
    // except where we deliberately reuse the genuine token's parts.
    let secret = app
        .store()
        .setting_or_insert("token_secret", "unused")
        .await
        .unwrap();
    let sign = |alg: Algorithm, body: &Value| {
        encode(
            &Header::new(alg),
            body,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    };
    let b64 = |v: &Value| base64_url(v.to_string().as_bytes());
    let genuine = sign(Algorithm::HS256, &claims("parley-agent", now + 600));
    assert_eq!(
        app.api("GET", "/me", Some(&genuine), None).await.0,
        200,
        "the control: a genuine token works"
    );

    let none_alg = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims("parley-agent", now + 600))
    );
    let hs512 = sign(Algorithm::HS512, &claims("parley-agent", now + 600));
    let expired = sign(Algorithm::HS256, &claims("parley-agent", now - 600));
    let wrong_audience = sign(Algorithm::HS256, &claims("parley-visitor", now + 600));
    let parts: Vec<&str> = genuine.split('.').collect();
    let mut escalated = claims("parley-agent", now + 600);
    escalated["workspace_id"] = json!(Uuid::new_v4());
    let tampered = format!("{}.{}.{}", parts[0], b64(&escalated), parts[2]);
    for (name, token) in [
        ("none", none_alg),
        ("HS512", hs512),
        ("expired", expired),
        ("audience", wrong_audience),
        ("tampered", tampered),
    ] {
        assert_eq!(
            app.api("GET", "/me", Some(&token), None).await.0,
            401,
            "{name}"
        );
        let mut socket = crate::ws_client::WsClient::connect(&app.ws_url("/ws/agent"), None)
            .await
            .unwrap();
        assert_eq!(
            socket.call(json!({"type": "hello", "token": token})).await["code"],
            "unauthorized",
            "{name}"
        );
    }
}

fn base64_url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[actix_web::test]
async fn a_short_password_is_refused_in_plain_words() {
    let app = spawn_app_with(Backend::Sqlite, &[]).await;
    let ws = app.first_workspace().await;
    let (status, refused) = app
        .api(
            "POST",
            "/agents",
            Some(&ws.token),
            Some(json!({"email": "short@acme.test", "name": "Short", "password": "abc"})),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        refused["error"]["message"],
        "password must be between 8 and 256 characters"
    );
    let (status, refused) = app
        .api(
            "PATCH",
            "/me",
            Some(&ws.token),
            Some(json!({"current_password": ADMIN_PASSWORD, "new_password": "abc"})),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(
        refused["error"]["message"],
        "new_password must be between 8 and 256 characters"
    );
}
