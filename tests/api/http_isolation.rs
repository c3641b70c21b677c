//! The API as a whole, walked from its own OpenAPI document: every route is documented,
//! every agent route wants a token, every admin route an admin, and nothing of one workspace
//! reaches another's token.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, spawn_app_with, Backend, TestApp};
use crate::on_both_backends;
use crate::receiver::Receiver;

on_both_backends!(
    another_workspaces_token_gets_nothing_from_any_route,
    every_agent_route_wants_a_token_and_admin_routes_an_admin,
);

/// Every route the server mounts under /api/v1, as `METHOD path`.
const ROUTES: &[&str] = &[
    "POST /auth/login",
    "GET /me",
    "PATCH /me",
    "GET /conversations",
    "GET /conversations/{id}",
    "PATCH /conversations/{id}",
    "GET /conversations/{id}/messages",
    "POST /conversations/{id}/messages",
    "GET /visitors/{id}",
    "POST /visitors/{id}/block",
    "DELETE /visitors/{id}/block",
    "DELETE /visitors/{id}",
    "GET /blocks",
    "GET /teams",
    "POST /teams",
    "GET /teams/{id}",
    "PATCH /teams/{id}",
    "DELETE /teams/{id}",
    "GET /sites",
    "POST /sites",
    "GET /sites/{id}",
    "PATCH /sites/{id}",
    "DELETE /sites/{id}",
    "POST /sites/{id}/rotate-secret",
    "GET /agents",
    "POST /agents",
    "PATCH /agents/{id}",
    "DELETE /agents/{id}",
    "GET /canned",
    "POST /canned",
    "PATCH /canned/{id}",
    "DELETE /canned/{id}",
    "GET /webhooks",
    "POST /webhooks",
    "GET /webhooks/{id}",
    "PATCH /webhooks/{id}",
    "DELETE /webhooks/{id}",
    "POST /webhooks/{id}/rotate-secret",
    "POST /webhooks/{id}/test",
    "GET /webhooks/{id}/deliveries",
    "POST /webhooks/{id}/deliveries/{delivery_id}/redeliver",
    "GET /api-keys",
    "POST /api-keys",
    "DELETE /api-keys/{id}",
    "GET /widget/config",
    "GET /openapi.json",
    "GET /conversations/{id}/emails",
    "POST /inbound/email",
    "POST /auth/reset-request",
    "POST /auth/reset",
    "POST /uploads",
    "GET /labels",
    "POST /labels",
    "PATCH /labels/{id}",
    "DELETE /labels/{id}",
    "GET /contacts",
    "GET /contacts/{id}",
    "GET /conversations/{id}/transcript",
    "GET /conversations/counts",
    "GET /reports/summary",
    "GET /reports/series",
    "GET /reports/breakdown",
    "GET /reports/heatmap",
    "GET /reports/live",
    "GET /reports/export",
    "GET /workspace",
    "PATCH /workspace",
    "GET /workspace/export",
    "GET /visitors/{id}/export",
    "GET /audit",
    "DELETE /widget/me",
    "GET /sites/{id}/refused-origins",
    "PUT /me/avatar",
    "DELETE /me/avatar",
];

/// Routes anyone may call (the inbound email's credential is its signed reply address).
const PUBLIC: &[&str] = &[
    "POST /auth/login",
    "GET /widget/config",
    "GET /openapi.json",
    "POST /inbound/email",
    "POST /auth/reset-request",
    "POST /auth/reset",
    "DELETE /widget/me",
];

/// Routes for admins only.
fn admin_only(route: &str) -> bool {
    [
        "/sites",
        "/agents",
        "/webhooks",
        "/api-keys",
        "/blocks",
        "/teams",
    ]
    .iter()
    .any(|p| route.split(' ').nth(1).unwrap().starts_with(p))
        || route == "DELETE /visitors/{id}"
        || [
            "PATCH /workspace",
            "GET /workspace/export",
            "GET /audit",
            "GET /visitors/{id}/export",
        ]
        .contains(&route)
        || ["POST /labels", "PATCH /labels", "DELETE /labels"]
            .iter()
            .any(|p| route.starts_with(p))
        || (route.starts_with("POST /canned")
            || route.starts_with("PATCH /canned")
            || route.starts_with("DELETE /canned"))
}

async fn documented_routes(app: &TestApp) -> BTreeSet<String> {
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "patch", "delete", "put"].contains(&method.as_str()) {
                routes.insert(format!(
                    "{} {}",
                    method.to_uppercase(),
                    path.trim_start_matches("/api/v1")
                ));
            }
        }
    }
    routes
}

#[actix_web::test]
async fn the_openapi_document_lists_every_route_and_only_those() {
    // Its webhook delivers to a receiver of the test's own, on 127.0.0.1.
    let app = spawn_app_with(Backend::Sqlite, &[("PARLEY_WEBHOOK_ALLOW_PRIVATE", "true")]).await;
    let documented = documented_routes(&app).await;
    let expected: BTreeSet<String> = ROUTES.iter().map(|r| r.to_string()).collect();
    assert_eq!(documented, expected);
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["Message"].is_object());
    // Each documented route is really mounted: called with ids of the caller's own resources,
    // none answers 404 (which is also what the router answers for a path it does not know).
    let ws = app.first_workspace().await;
    let ids = own_resources(&app, &ws.token, &ws.site).await;
    let (deletes, others): (Vec<&str>, Vec<&str>) =
        ROUTES.iter().partition(|r| r.starts_with("DELETE"));
    for route in others.into_iter().chain(deletes) {
        let (method, path) = route.split_once(' ').unwrap();
        let collection = path.split('/').nth(1).unwrap();
        let path = match ids.get(collection) {
            Some(id) => path.replace("{id}", id),
            None => path.to_owned(),
        }
        .replace("{delivery_id}", &ids["deliveries"]);
        assert!(
            !path.contains("{id}"),
            "{route}: no resource to call it with"
        );
        let (status, body) = app
            .api(method, &path, Some(&ws.token), Some(json!({})))
            .await;
        assert_ne!(status, 404, "{route} is documented but not mounted: {body}");
    }
}

/// One resource of each kind in the caller's workspace, by the collection that names it.
async fn own_resources(
    app: &TestApp,
    token: &str,
    site: &parley::domain::Site,
) -> std::collections::HashMap<&'static str, String> {
    let (mut visitor, welcome) = app.visitor(site).await;
    let conversation = visitor.send_text(None, "hello").await["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = |body: Value| body["id"].as_str().unwrap().to_owned();
    let (_, agent) = app
        .api(
            "POST",
            "/agents",
            Some(token),
            Some(json!({"email": "mounted@acme.test", "name": "M", "password": "initial-pass"})),
        )
        .await;
    let (_, canned) = app
        .api(
            "POST",
            "/canned",
            Some(token),
            Some(json!({"shortcut": "mounted", "body": "m"})),
        )
        .await;
    let receiver = Receiver::start().await;
    let (_, hook) = app
        .api(
            "POST",
            "/webhooks",
            Some(token),
            Some(json!({"url": receiver.url, "events": ["message.created"]})),
        )
        .await;
    let hook = created(hook);
    // A delivery attempt to redeliver: a ping, logged.
    app.api("POST", &format!("/webhooks/{hook}/test"), Some(token), None)
        .await;
    receiver
        .wait_for(1, std::time::Duration::from_secs(10))
        .await;
    let delivery = loop {
        let (_, log) = app
            .api(
                "GET",
                &format!("/webhooks/{hook}/deliveries"),
                Some(token),
                None,
            )
            .await;
        if let Some(id) = log["items"][0]["id"].as_str() {
            break id.to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let (_, key) = app
        .api(
            "POST",
            "/api-keys",
            Some(token),
            Some(json!({"name": "mounted", "role": "agent"})),
        )
        .await;
    let (_, team) = app
        .api(
            "POST",
            "/teams",
            Some(token),
            Some(json!({"name": "Mounted"})),
        )
        .await;
    let (_, label) = app
        .api(
            "POST",
            "/labels",
            Some(token),
            Some(json!({"name": "Mounted"})),
        )
        .await;
    // A block to lift (the visitor's connection closes: it is not used again).
    let visitor_id = welcome["visitor_id"].as_str().unwrap().to_owned();
    app.api(
        "POST",
        &format!("/visitors/{visitor_id}/block"),
        Some(token),
        Some(json!({"reason": "mounted"})),
    )
    .await;
    std::collections::HashMap::from([
        ("conversations", conversation),
        (
            "visitors",
            welcome["visitor_id"].as_str().unwrap().to_owned(),
        ),
        ("sites", site.id.to_string()),
        ("agents", created(agent)),
        ("canned", created(canned)),
        ("labels", created(label)),
        ("contacts", visitor_id.clone()),
        ("webhooks", hook),
        ("deliveries", delivery),
        ("api-keys", created(key)),
        ("teams", created(team)),
    ])
}

async fn every_agent_route_wants_a_token_and_admin_routes_an_admin(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    app.api(
        "POST",
        "/agents",
        Some(&ws.token),
        Some(json!({"email": "ag@acme.test", "name": "Ag", "password": "initial-pass"})),
    )
    .await;
    let agent = app.login("ag@acme.test", "initial-pass").await;
    for route in documented_routes(&app).await {
        if PUBLIC.contains(&route.as_str()) {
            continue;
        }
        let (method, path) = route.split_once(' ').unwrap();
        let path = path
            .replace("{id}", &Uuid::new_v4().to_string())
            .replace("{delivery_id}", &Uuid::new_v4().to_string());
        let (status, body) = app.api(method, &path, None, Some(json!({}))).await;
        assert_eq!(status, 401, "{route} without a token: {body}");
        assert_eq!(body["error"]["code"], "unauthorized");
        let (status, _) = app
            .api(method, &path, Some("not.a.token"), Some(json!({})))
            .await;
        assert_eq!(status, 401, "{route} with garbage");
        if admin_only(&route) {
            let (status, body) = app.api(method, &path, Some(&agent), Some(json!({}))).await;
            assert_eq!(status, 403, "{route} as a plain agent: {body}");
        }
    }
}

/// A request body each route accepts, so that only ownership decides the answer.
fn body_for(route: &str) -> Option<Value> {
    Some(match route {
        "PATCH /me" => json!({"name": "B admin"}),
        "PATCH /conversations/{id}" => json!({"status": "resolved"}),
        "POST /conversations/{id}/messages" => {
            json!({"client_msg_id": Uuid::new_v4(), "body": "intrusion"})
        }
        "POST /sites" => json!({"name": "B site"}),
        "PATCH /sites/{id}" => json!({"name": "hijacked"}),
        "POST /agents" => {
            json!({"email": format!("b-{}@other.test", Uuid::new_v4().simple()), "name": "B2", "password": "initial-pass"})
        }
        "PATCH /agents/{id}" => json!({"name": "hijacked", "active": false}),
        "POST /canned" => {
            json!({"shortcut": format!("b{}", &Uuid::new_v4().simple().to_string()[..8]), "body": "b"})
        }
        "PATCH /canned/{id}" => json!({"body": "hijacked"}),
        "POST /webhooks" => json!({"url": "https://b.example/hook", "events": ["message.created"]}),
        "PATCH /webhooks/{id}" => json!({"active": false}),
        "POST /api-keys" => json!({"name": "B key", "role": "admin"}),
        "POST /visitors/{id}/block" => json!({"reason": "B blocks A's visitor", "ip": true}),
        "POST /teams" => json!({"name": "B team"}),
        "PATCH /teams/{id}" => json!({"name": "hijacked"}),
        "POST /labels" => json!({"name": format!("B {}", Uuid::new_v4().simple())}),
        "PATCH /labels/{id}" => json!({"name": "hijacked"}),
        "POST /auth/login" => json!({"email": "nobody@x.test", "password": "whatever1"}),
        _ => return None,
    })
}

async fn another_workspaces_token_gets_nothing_from_any_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.first_workspace().await;
    let b = app.other_workspace("boss@other.test").await;
    // Workspace A has one of everything, and a marker in its messages.
    const MARKER: &str = "A-PRIVATE-MARKER";
    let (mut visitor, welcome) = app.visitor(&a.site).await;
    let conversation = visitor.send_text(None, MARKER).await["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let visitor_id = welcome["visitor_id"].as_str().unwrap().to_owned();
    let (_, canned) = app
        .api(
            "POST",
            "/canned",
            Some(&a.token),
            Some(json!({"shortcut": "a-only", "body": MARKER})),
        )
        .await;
    let (_, hook) = app
        .api(
            "POST",
            "/webhooks",
            Some(&a.token),
            Some(json!({"url": "https://a.example/h", "events": ["message.created"]})),
        )
        .await;
    let (_, key) = app
        .api(
            "POST",
            "/api-keys",
            Some(&a.token),
            Some(json!({"name": "A key", "role": "admin"})),
        )
        .await;
    let (_, team) = app
        .api(
            "POST",
            "/teams",
            Some(&a.token),
            Some(json!({"name": "A team"})),
        )
        .await;
    let (_, label) = app
        .api(
            "POST",
            "/labels",
            Some(&a.token),
            Some(json!({"name": "A label"})),
        )
        .await;
    let ids = |route: &str| -> String {
        let path = route.split(' ').nth(1).unwrap();
        match path.split('/').nth(1).unwrap() {
            "conversations" => conversation.clone(),
            "visitors" => visitor_id.clone(),
            "sites" => a.site.id.to_string(),
            "agents" => a.admin.id.to_string(),
            "canned" => canned["id"].as_str().unwrap().to_owned(),
            "webhooks" => hook["id"].as_str().unwrap().to_owned(),
            "api-keys" => key["id"].as_str().unwrap().to_owned(),
            "teams" => team["id"].as_str().unwrap().to_owned(),
            "labels" => label["id"].as_str().unwrap().to_owned(),
            "contacts" => visitor_id.clone(),
            other => panic!("no id for {other}"),
        }
    };
    let secrets = [
        MARKER.to_owned(),
        conversation.clone(),
        visitor_id.clone(),
        a.site.id.to_string(),
        a.site.site_key.to_string(),
        a.site.identity_secret.clone(),
        a.admin.id.to_string(),
        canned["id"].as_str().unwrap().to_owned(),
        hook["id"].as_str().unwrap().to_owned(),
        hook["secret"].as_str().unwrap().to_owned(),
        key["id"].as_str().unwrap().to_owned(),
        key["key"].as_str().unwrap().to_owned(),
    ];
    for route in documented_routes(&app).await {
        if route == "GET /widget/config" || route == "GET /openapi.json" {
            continue;
        }
        let (method, template) = route.split_once(' ').unwrap();
        let path = if template.contains("{id}") {
            template
                .replace("{id}", &ids(&route))
                .replace("{delivery_id}", &Uuid::new_v4().to_string())
        } else {
            template.to_owned()
        };
        let (status, body) = app
            .api(method, &path, Some(&b.token), body_for(&route))
            .await;
        let text = body.to_string();
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{route} with B's token leaked {secret}: {text}"
            );
        }
        if template.contains("{id}") {
            assert_eq!(
                status, 404,
                "{route} with B's token on A's resource: {text}"
            );
            assert_eq!(
                body["error"]["message"], "not found",
                "indistinguishable from a missing one"
            );
        }
    }
    // And A's data is as it was.
    let (status, site) = app
        .api(
            "GET",
            &format!("/sites/{}", a.site.id),
            Some(&a.token),
            None,
        )
        .await;
    assert_eq!(
        (status, site["name"].as_str()),
        (200, Some(a.site.name.as_str()))
    );
    let (_, me) = app.api("GET", "/me", Some(&a.token), None).await;
    assert_eq!(me["active"], true);
    let (_, messages) = app
        .api(
            "GET",
            &format!("/conversations/{conversation}/messages"),
            Some(&a.token),
            None,
        )
        .await;
    assert_eq!(
        messages["items"].as_array().unwrap().len(),
        1,
        "nothing was sent into it"
    );
    let (_, conversation) = app
        .api(
            "GET",
            &format!("/conversations/{conversation}"),
            Some(&a.token),
            None,
        )
        .await;
    assert_eq!(conversation["status"], "open");
}
