//! Operations endpoints against the running server.

use std::time::Duration;

use crate::helpers::{spawn_app, Backend};
use crate::on_both_backends;

on_both_backends!(
    health_and_readiness_answer_ok,
    the_widget_demo_and_dashboard_are_served_with_their_policies,
    metrics_are_prometheus_text,
    an_unknown_path_is_a_json_404,
);

async fn health_and_readiness_answer_ok(backend: Backend) {
    let app = spawn_app(backend).await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["database"], "up");
}

async fn metrics_are_prometheus_text(backend: Backend) {
    let app = spawn_app(backend).await;
    app.get("/healthz").await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = response.text().await.unwrap();
    assert!(
        text.contains("# TYPE parley_http_requests_total counter"),
        "{text}"
    );
    assert!(
        text.contains(r#"parley_http_requests_total{route="/healthz",status="200"}"#),
        "{text}"
    );
}

async fn an_unknown_path_is_a_json_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/no/such/thing").await;
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

#[actix_web::test]
async fn readiness_is_503_while_postgres_refuses_connections_and_recovers() {
    let app = spawn_app(Backend::Postgres).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    app.postgres_reachable(false).await;

    let mut saw_unavailable = false;
    for _ in 0..50 {
        if app.get("/readyz").await.status() == 503 {
            saw_unavailable = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(saw_unavailable, "readyz must report the database as down");
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "liveness does not depend on the database"
    );

    app.postgres_reachable(true).await;
    let mut recovered = false;
    for _ in 0..100 {
        if app.get("/readyz").await.status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "readiness comes back by itself");
}

async fn the_widget_demo_and_dashboard_are_served_with_their_policies(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let loader = app
        .http
        .get(app.url("/widget.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(loader.status(), 200);
    assert_eq!(loader.headers()["content-encoding"], "gzip");
    assert_eq!(loader.headers()["cache-control"], "public, max-age=300");
    let etag = loader.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .http
        .get(app.url("/widget.js"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    let panel = app
        .get(&format!("/widget/panel.html?site_key={}", ws.site.site_key))
        .await;
    assert_eq!(panel.status(), 200);
    let csp = panel.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors *"),
        "{csp}"
    );
    let html = panel.text().await.unwrap();
    // The panel's code is one content-hashed bundle, cached for good.
    let bundle = html
        .split("src=\"/widget/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        bundle.starts_with("panel-") && bundle.ends_with(".js"),
        "{bundle}"
    );
    let code = app.get(&format!("/widget/{bundle}")).await;
    assert_eq!(code.status(), 200);
    assert!(code.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert_eq!(
        app.get("/widget/loader.js").await.status(),
        404,
        "the loader has one address, /widget.js"
    );
    assert_eq!(
        app.get("/widget/panel.html?site_key=pk_unknown")
            .await
            .status(),
        404
    );

    let demo = app.get("/demo").await.text().await.unwrap();
    assert!(
        demo.contains(ws.site.site_key.as_str())
            && demo.contains(&format!("{}/widget.js", app.address))
    );

    for path in ["/dashboard", "/dashboard/"] {
        let page = app.get(path).await;
        assert_eq!(page.status(), 200, "{path}");
        assert!(page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
    }
    assert_eq!(
        app.get("/dashboard/README.md").await.status(),
        404,
        "notes for developers are not served"
    );
    assert_eq!(app.get("/widget/../Cargo.toml").await.status(), 404);
}
