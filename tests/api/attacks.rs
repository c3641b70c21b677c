//! A standing attack suite: what a hostile stranger tried, each kept refused or harmless. Each
//! test reproduces one finding of the hardening review against the real server.

use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::cli::{parley, Server};
use crate::helpers::{spawn_app, spawn_app_with, Backend, TestDb, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::ws_client::WsClient;

/// The resident memory of a process, from /proc.
fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap();
    kib * 1024
}

#[actix_web::test]
async fn sixty_concurrent_wrong_logins_from_one_ip_hash_a_few_and_memory_stays_bounded() {
    let db = TestDb::sqlite();
    let mut server = Server::start(parley(&db.url));
    let base = server.base_url();
    let http = reqwest::Client::new();
    let before = rss_bytes(server.pid());
    let attempts = (0..60).map(|i| {
        let request = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": format!("nobody{i}@x.test"), "password": "wrong-password"}));
        async move { request.send().await.unwrap().status().as_u16() }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let after = rss_bytes(server.pid());
    let refused = statuses.iter().filter(|s| **s == 429).count();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!(refused + checked, 60, "{statuses:?}");
    assert!(
        checked <= 10,
        "at most the per-IP limit is ever checked: {statuses:?}"
    );
    let growth = after.saturating_sub(before);
    assert!(
        growth < 200 * 1024 * 1024,
        "grew by {} MiB",
        growth / 1024 / 1024
    );
    server.signal("TERM");
    assert!(server.wait_exit(Duration::from_secs(10)).success());
}

#[actix_web::test]
async fn the_log_names_the_client_ip_the_server_sees_not_one_a_client_claims() {
    let db = TestDb::sqlite();
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut command = parley(&db.url);
    command.env("RUST_LOG", "info");
    let mut server =
        Server::start_with_stderr(command, std::process::Stdio::from(log.reopen().unwrap()));
    let base = server.base_url();
    // An error is logged within the request's span; the client claims another address.
    let status = reqwest::Client::new()
        .get(format!("{base}/api/v1/no-such-route?q=secret-words"))
        .header("X-Forwarded-For", "6.6.6.6")
        .header("Forwarded", "for=7.7.7.7")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);
    server.signal("TERM");
    assert!(server.wait_exit(Duration::from_secs(10)).success());
    let text = std::fs::read_to_string(log.path()).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("no-such-route"))
        .unwrap_or_else(|| panic!("no log line for the request:\n{text}"));
    assert!(line.contains("http.client_ip=127.0.0.1"), "{line}");
    assert!(
        !text.contains("6.6.6.6") && !text.contains("7.7.7.7"),
        "{text}"
    );
    assert!(
        !text.contains("secret-words"),
        "the query is not logged: {text}"
    );
}

#[actix_web::test]
async fn one_ip_cannot_hold_more_than_its_share_of_connections_open() {
    let app = spawn_app_with(Backend::Sqlite, &[("PARLEY_WS_CONNECTIONS_PER_IP", "3")]).await;
    let ws = app.first_workspace().await;
    let url = app.ws_url(&format!("/ws/visitor?site_key={}", ws.site.site_key));
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(WsClient::connect(&url, None).await.unwrap());
    }
    let refused = WsClient::connect(&url, None).await.err().unwrap();
    assert_eq!(refused.status, 429);
    // Closing one gives its place back (once the server has seen the close).
    open.pop().unwrap().close().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        match WsClient::connect(&url, None).await {
            Ok(_) => break,
            Err(refused) if std::time::Instant::now() < deadline => {
                assert_eq!(refused.status, 429);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(refused) => panic!("still refused: {refused:?}"),
        }
    }
}

#[actix_web::test]
async fn metrics_can_be_kept_behind_a_token() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[("PARLEY_METRICS_TOKEN", "metrics-secret-123")],
    )
    .await;
    let get = |token: Option<&'static str>| {
        let mut request = app.http.get(app.url("/metrics"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(get(None).await, 401);
    assert_eq!(get(Some("metrics-secret-12")).await, 401);
    assert_eq!(get(Some("metrics-secret-123")).await, 200);
    // The OpenAPI document names our licence and no stranger as its contact.
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert_eq!(doc["info"]["license"]["name"], "MIT");
    assert!(doc["info"]["contact"].is_null(), "{}", doc["info"]);
}

async fn a_control_character_in_any_text_is_refused_naming_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let conversation = visitor.send_text(None, "hello").await["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for body in ["poison\u{0}", "bell\u{7}", "\u{1b}[31mred"] {
        let reply = visitor.send_text(Some(&conversation), body).await;
        assert_eq!(reply["code"], "bad_request", "{reply}");
        assert_eq!(reply["message"], "body contains a control character");
    }
    // Spaces and invisible characters alone render blank: refused as empty.
    let reply = visitor
        .send_text(Some(&conversation), "\u{200B} \u{2066}\u{FEFF}")
        .await;
    assert_eq!(reply["code"], "bad_request", "{reply}");
    // The connection lives on, and what is text is stored as sent.
    let fine = visitor
        .send_text(Some(&conversation), "tab\tnew\r\nline 𝄞")
        .await;
    assert_eq!(fine["message"]["body"], "tab\tnew\r\nline 𝄞");
    assert_eq!(fine["message"]["seq"], 2);

    // Over HTTP: the same body, the same code; a search with NUL is a bad request.
    let path = format!("/conversations/{conversation}/messages");
    let (status, body) = app
        .api(
            "POST",
            &path,
            Some(&ws.token),
            Some(json!({"client_msg_id": Uuid::new_v4(), "body": "x\u{0}"})),
        )
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("bad_request"))
    );
    let (status, _) = app
        .api("GET", "/conversations?q=a%00b", Some(&ws.token), None)
        .await;
    assert_eq!(status, 400);
    for (method, route, payload) in [
        (
            "POST",
            "/canned",
            json!({"shortcut": "nul", "body": "a\u{0}b"}),
        ),
        ("POST", "/sites", json!({"name": "Shop\u{0}"})),
        ("PATCH", "/me", json!({"name": "Ada\u{0}"})),
    ] {
        let (status, body) = app.api(method, route, Some(&ws.token), Some(payload)).await;
        assert_eq!(status, 422, "{route}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("control character"),
            "{route}: {body}"
        );
    }
}

async fn names_lose_bidi_overrides_and_invisible_characters(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut agent, _) = app.agent(&ws.token).await;
    let hello = json!({"type": "hello", "identity": {"name": "Ada\u{202E}gpj.exe\u{200B}", "email": "not an email"}});
    let (mut visitor, _) = app.visitor_with(&ws.site, hello).await;
    let conversation = visitor.send_text(None, "hi").await["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, profile) = app
        .api(
            "GET",
            &format!("/conversations/{conversation}"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(profile["visitor_name"], "Adagpj.exe");
    assert_eq!(
        profile["visitor_email"],
        Value::Null,
        "an unsigned email that is not one is dropped"
    );
    let reply = visitor
        .call(json!({"type": "profile", "name": "\u{2066}\u{200B} "}))
        .await;
    assert_eq!(reply["type"], "ok");
    // A name of nothing visible changes nothing.
    let changed = agent.recv_type("visitor").await;
    assert_eq!(changed["visitor"]["name"], "Adagpj.exe");
}

/// Sends 200 frames made by `frame` without waiting, then reads the answers: the index of the
/// first one refused as `rate_limited` (with its message), if any.
async fn flood(
    client: &mut crate::ws_client::WsClient,
    frame: impl Fn(usize) -> Value,
) -> Option<(usize, String)> {
    for i in 0..200 {
        let mut f = frame(i);
        f["ref"] = json!(format!("f{i}"));
        client.send(f).await;
    }
    let mut answered = 0;
    while answered < 200 {
        match client.try_recv(Duration::from_secs(10)).await {
            Some(Ok(frame)) if frame["ref"].is_string() => {
                answered += 1;
                if frame["code"] == "rate_limited" {
                    let index = frame["ref"].as_str().unwrap()[1..].parse().unwrap();
                    return Some((index, frame["message"].as_str().unwrap().to_owned()));
                }
            }
            Some(Ok(_)) => {}
            Some(Err(code)) => panic!("closed ({code:?}) before any refusal"),
            None => panic!("no answer after {answered}"),
        }
    }
    None
}

#[actix_web::test]
async fn a_flood_of_any_frame_type_is_refused_before_two_hundred_frames() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[("PARLEY_FRAME_RATE", "30"), ("PARLEY_FRAME_BURST", "150")],
    )
    .await;
    let ws = app.first_workspace().await;
    // Frames with no limit of their own meet the frame rate once the burst is spent.
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let (first, why) = flood(&mut visitor, |_| json!({"type": "ping"}))
        .await
        .expect("pings refused");
    assert!((140..200).contains(&first), "first refused: {first}");
    assert_eq!(why, "too many frames");
    // Frames that write (pages, reads, profiles) meet the in-flight bound even sooner.
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let (first, _) = flood(&mut visitor, |i| {
        json!({"type": "page", "url": format!("https://shop.test/{i}"), "title": "x".repeat(1000)})
    })
    .await
    .expect("pages refused");
    assert!(first < 200, "first refused: {first}");
    // An agent's frames too: a status is stored, so it meets the in-flight bound like a page.
    let (mut agent, _) = app.agent(&ws.token).await;
    let (first, _) = flood(&mut agent, |_| json!({"type": "status", "status": "away"}))
        .await
        .expect("statuses refused");
    assert!(first < 200, "first refused: {first}");
}

#[actix_web::test]
async fn a_catch_up_larger_than_the_queue_comes_in_pages_and_the_reader_stays() {
    // 64 KiB of queue; 50 messages whose JSON is ~8 KB each (every quote escaped).
    let app = spawn_app_with(Backend::Sqlite, &[("PARLEY_CONN_QUEUE_BYTES", "65536")]).await;
    let ws = app.first_workspace().await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let body = "\"".repeat(4000);
    let conversation = visitor.send_text(None, &body).await["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 1..50 {
        assert_eq!(
            visitor.send_text(Some(&conversation), &body).await["type"],
            "sent"
        );
    }
    let (mut agent, _) = app.agent(&ws.token).await;
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page = agent
            .call(json!({"type": "sync", "conversation_id": conversation, "after_seq": after}))
            .await;
        assert_eq!(page["type"], "synced", "{page}");
        let messages = page["messages"].as_array().unwrap();
        assert!(!messages.is_empty());
        seen.extend(messages.iter().map(|m| m["seq"].as_i64().unwrap()));
        after = *seen.last().unwrap();
        if page["more"] == false {
            break;
        }
    }
    assert_eq!(seen, (1..=50).collect::<Vec<i64>>());
    // History pages the same way, newest first, and the connection is still open.
    let history = agent
        .call(json!({"type": "history", "conversation_id": conversation, "limit": 100}))
        .await;
    assert_eq!(history["more"], true);
    assert_eq!(
        history["messages"].as_array().unwrap().last().unwrap()["seq"],
        50
    );
    assert_eq!(agent.call(json!({"type": "ping"})).await["type"], "pong");
}

async fn tokens_from_before_a_password_change_or_reset_get_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let old = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(app.api("GET", "/me", Some(&old), None).await.0, 200);
    let (mut socket, _) = app.agent(&old).await;
    let (status, body) = app
        .api(
            "PATCH",
            "/me",
            Some(&old),
            Some(json!({"current_password": ADMIN_PASSWORD, "new_password": "a-new-password-1"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.api("GET", "/me", Some(&old), None).await.0, 401);
    assert_eq!(
        socket.closed_with().await,
        Some(4001),
        "its open socket ends too"
    );
    let mut again = WsClient::connect(&app.ws_url("/ws/agent"), None)
        .await
        .unwrap();
    let reply = again.call(json!({"type": "hello", "token": old})).await;
    assert_eq!(reply["code"], "unauthorized");
    let new = app.login(ADMIN_EMAIL, "a-new-password-1").await;
    assert_eq!(app.api("GET", "/me", Some(&new), None).await.0, 200);

    // An admin's reset of someone else's password does the same to theirs.
    let (status, bob) = app
        .api(
            "POST",
            "/agents",
            Some(&new),
            Some(json!({"email": "bob@acme.test", "name": "Bob", "password": "initial-pass"})),
        )
        .await;
    assert_eq!(status, 201);
    let bobs = app.login("bob@acme.test", "initial-pass").await;
    assert_eq!(
        app.api("GET", "/conversations", Some(&bobs), None).await.0,
        200
    );
    let reset = app
        .api(
            "PATCH",
            &format!("/agents/{}", bob["id"].as_str().unwrap()),
            Some(&new),
            Some(json!({"password": "reset-by-admin"})),
        )
        .await;
    assert_eq!(reset.0, 200);
    assert_eq!(
        app.api("GET", "/conversations", Some(&bobs), None).await.0,
        401
    );
    // A name change leaves tokens alone.
    let renamed = app
        .api(
            "PATCH",
            "/me",
            Some(&new),
            Some(json!({"name": "Still me"})),
        )
        .await;
    assert_eq!(renamed.0, 200);
    assert_eq!(app.api("GET", "/me", Some(&new), None).await.0, 200);
}

async fn identifying_closes_the_visitors_older_unverified_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut before, welcome) = app.visitor(&ws.site).await;
    let token = welcome["token"].clone();
    let visitor_id = welcome["visitor_id"].clone();
    before.send_text(None, "my order number is 42").await;
    // Another tab identifies: the anonymous visitor becomes this person.
    let secret = &ws.site.identity_secret;
    let identity = json!({"id": "u-9", "hash": parley::auth::identity::hmac_hex(secret, "u-9")});
    let (_after, identified) = app
        .visitor_with(
            &ws.site,
            json!({"type": "hello", "token": token, "identity": identity}),
        )
        .await;
    assert_eq!(identified["identity"]["status"], "verified");
    assert_eq!(identified["visitor_id"], visitor_id);
    // The older session, unverified, does not go on as the person.
    assert_eq!(before.closed_with().await, Some(4001));
    // Its token alone no longer reaches the person: a new, empty visitor.
    let (_, anew) = app
        .visitor_with(&ws.site, json!({"type": "hello", "token": token}))
        .await;
    assert_ne!(anew["visitor_id"], visitor_id);
    assert!(anew["conversation"].is_null());
    // And a profile written for it from an old in-memory copy cannot unset the identity.
    let id = parley::domain::VisitorId(visitor_id.as_str().unwrap().parse().unwrap());
    let store = app.store();
    let written = store
        .update_visitor_profile(ws.site.workspace_id, id, Some("Impostor"), None)
        .await
        .unwrap();
    assert!(!written);
    let person = store
        .visitor(ws.site.workspace_id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.external_id.as_deref(), Some("u-9"));
    assert_ne!(person.name.as_deref(), Some("Impostor"));
}

async fn an_admin_learns_nothing_about_another_workspaces_agents(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.first_workspace().await;
    let other = app.other_workspace("owner@other.test").await;
    let invite = |email: &str, password: &str| json!({"email": email, "name": "Same person", "password": password});
    // The first workspace's admin email, invited into another workspace: nothing tells.
    let (status, twin) = app
        .api(
            "POST",
            "/agents",
            Some(&other.token),
            Some(invite(ADMIN_EMAIL, "another-pass")),
        )
        .await;
    assert_eq!(status, 201, "{twin}");
    // Within one workspace an email is still one agent.
    let (status, _) = app
        .api(
            "POST",
            "/agents",
            Some(&other.token),
            Some(invite(ADMIN_EMAIL, "third-pass")),
        )
        .await;
    assert_eq!(status, 409);
    // Each password opens its own account.
    let login = |body: Value| app.api("POST", "/auth/login", None, Some(body));
    let (_, mine) = login(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).await;
    assert_eq!(
        mine["agent"]["workspace_id"],
        json!(first.admin.workspace_id)
    );
    let (_, theirs) = login(json!({"email": ADMIN_EMAIL, "password": "another-pass"})).await;
    assert_eq!(theirs["agent"]["id"], twin["id"]);
    // One password for both: the answer names the workspaces (only to who knows it for all).
    for token in [&first.token, &other.token] {
        let (status, _) = app
            .api(
                "POST",
                "/agents",
                Some(token),
                Some(invite("shared@x.test", "shared-pass")),
            )
            .await;
        assert_eq!(status, 201);
    }
    let (status, ambiguous) =
        login(json!({"email": "shared@x.test", "password": "shared-pass"})).await;
    assert_eq!(status, 409, "{ambiguous}");
    assert_eq!(ambiguous["error"]["code"], "conflict");
    let named: Vec<Value> = ambiguous["error"]["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].clone())
        .collect();
    assert_eq!(
        named,
        vec![
            json!(first.admin.workspace_id),
            json!(other.admin.workspace_id)
        ]
    );
    let (status, chosen) = login(json!({"email": "shared@x.test", "password": "shared-pass",
        "workspace_id": other.admin.workspace_id}))
    .await;
    assert_eq!(status, 200, "{chosen}");
    assert_eq!(
        chosen["agent"]["workspace_id"],
        json!(other.admin.workspace_id)
    );
    // A wrong password says nothing about where the email exists.
    let (status, refused) =
        login(json!({"email": "shared@x.test", "password": "wrong-pass"})).await;
    assert_eq!(status, 401);
    assert!(refused["error"].get("workspaces").is_none());
}

async fn agents_see_which_identity_attributes_the_business_signed(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let secret = ws.site.identity_secret.clone();
    let profile = |visitor: Value| {
        let path = format!("/visitors/{}", visitor.as_str().unwrap());
        let token = ws.token.clone();
        let app = &app;
        async move { app.api("GET", &path, Some(&token), None).await.1 }
    };
    // The HMAC form signs the id only: name and email beside it are the visitor's words.
    let hmac = json!({"id": "u-1", "name": "Ada", "email": "ada@x.test",
        "hash": parley::auth::identity::hmac_hex(&secret, "u-1")});
    let (_v1, welcome) = app
        .visitor_with(&ws.site, json!({"type": "hello", "identity": hmac}))
        .await;
    let seen = profile(welcome["visitor_id"].clone()).await;
    assert_eq!(seen["identity"], "verified");
    assert_eq!(seen["signed"], json!(["id"]), "{seen}");
    // A JWT signs what it carries.
    let claims = json!({"sub": "u-2", "name": "Grace", "exp": 4_000_000_000u64});
    let jwt = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap();
    let (mut agent, _) = app.agent(&ws.token).await;
    let (mut v2, welcome) = app
        .visitor_with(&ws.site, json!({"type": "hello", "identity": {"jwt": jwt}}))
        .await;
    let seen = profile(welcome["visitor_id"].clone()).await;
    assert_eq!(seen["signed"], json!(["id", "name"]), "{seen}");
    // The live view says the same.
    v2.send(json!({"type": "page", "url": "https://shop.test/cart", "title": "Cart"}))
        .await;
    let id = welcome["visitor_id"].clone();
    let live = loop {
        let frame = agent.recv_type("visitor").await;
        if frame["visitor"]["id"] == id {
            break frame;
        }
    };
    assert_eq!(
        live["visitor"]["identity"]["signed"],
        json!(["id", "name"]),
        "{live}"
    );
    // An anonymous visitor has nothing signed.
    let (_v3, welcome) = app.visitor(&ws.site).await;
    assert_eq!(
        profile(welcome["visitor_id"].clone()).await["signed"],
        json!([])
    );
}

crate::on_both_backends!(
    an_admin_learns_nothing_about_another_workspaces_agents,
    agents_see_which_identity_attributes_the_business_signed,
    identifying_closes_the_visitors_older_unverified_sessions,
    a_control_character_in_any_text_is_refused_naming_the_field,
    names_lose_bidi_overrides_and_invisible_characters,
    tokens_from_before_a_password_change_or_reset_get_401,
);

/// The reproduction of finding 2: poison bodies sent among hundreds of legitimate messages of
/// other visitors, at once, on Postgres. Every legitimate message is stored; each poison is
/// refused on its own, and its sender's connection lives on.
#[actix_web::test]
async fn every_legitimate_message_commits_beside_poison_ones() {
    let app = spawn_app(Backend::Postgres).await;
    let ws = app.first_workspace().await;
    let senders = (0..30).map(|i| {
        let app = &app;
        let site = &ws.site;
        async move {
            let (mut visitor, _) = app.visitor(site).await;
            let mut stored = 0;
            let mut conversation: Option<String> = None;
            for n in 0..10 {
                // Every third visitor slips a NUL into every other message.
                let poison = i % 3 == 0 && n % 2 == 1;
                let body = if poison {
                    format!("poison\u{0}{i}-{n}")
                } else {
                    format!("fine {i}-{n}")
                };
                let reply = visitor.send_text(conversation.as_deref(), &body).await;
                if poison {
                    assert_eq!(reply["code"], "bad_request", "{reply}");
                } else {
                    assert_eq!(reply["type"], "sent", "{reply}");
                    conversation = reply["message"]["conversation_id"]
                        .as_str()
                        .map(str::to_owned);
                    stored += 1;
                }
            }
            stored
        }
    });
    let sent: usize = futures_util::future::join_all(senders)
        .await
        .into_iter()
        .sum();
    assert_eq!(sent, 250);
    let counted: i64 = sqlx::query_scalar("select count(*) from messages")
        .fetch_one(
            &mut <sqlx::PgConnection as sqlx::Connection>::connect(&app.db.url)
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(counted, 250);
}
