//! The deployment recipe (docs/deploy/): Debian's nginx with the recipe's own configuration
//! files in front of two real nodes, Postgres and Redis; visitors and agents through it, and a
//! rolling restart under traffic that loses and repeats nothing.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::cli::Server;
use crate::cluster::{eventually, free_port, node, Redis};
use crate::helpers::{TestDb, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::ws_client::WsClient;

/// A private nginx: its own prefix, configuration, logs and pid file under a temporary
/// directory, listening on 127.0.0.1 only; the package's service is never touched.
struct Nginx {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Nginx {
    /// The recipe's `parley-upstream.conf` (its two node addresses pointed at `nodes`) and
    /// `parley-locations.conf`, as they are, in a plain-HTTP server block.
    fn start(nodes: [u16; 2]) -> Self {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let recipe = repo.join("docs/deploy/nginx");
        let upstream = std::fs::read_to_string(recipe.join("parley-upstream.conf")).unwrap();
        assert!(upstream.contains("127.0.0.1:8081") && upstream.contains("127.0.0.1:8082"));
        let upstream = upstream
            .replace("127.0.0.1:8081", &format!("127.0.0.1:{}", nodes[0]))
            .replace("127.0.0.1:8082", &format!("127.0.0.1:{}", nodes[1]));
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        // Workers run as another user when the test runs as root: they must read and write here.
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o777),
        )
        .unwrap();
        std::fs::write(dir.path().join("upstream.conf"), upstream).unwrap();
        let port = free_port();
        let main = format!(
            "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{ worker_connections 2048; }}\n\
             http {{\n  access_log off;\n\
               client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
               fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
               include {d}/upstream.conf;\n\
               server {{\n    listen 127.0.0.1:{port};\n    include {locations};\n  }}\n}}\n",
            locations = recipe.join("parley-locations.conf").display()
        );
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, main).unwrap();
        let binary = if std::path::Path::new("/usr/sbin/nginx").exists() {
            "/usr/sbin/nginx"
        } else {
            "nginx"
        };
        let check = Command::new(binary)
            .args(["-t", "-p", &d, "-c"])
            .arg(&conf)
            .output()
            .expect("nginx must be installed (scripts/test installs it)");
        assert!(
            check.status.success(),
            "the recipe's nginx configuration is refused: {}",
            String::from_utf8_lossy(&check.stderr)
        );
        let child = Command::new(binary)
            .args(["-p", &d, "-c"])
            .arg(&conf)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let up = (0..250).any(|_| {
            let open = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
            if !open {
                std::thread::sleep(Duration::from_millis(20));
            }
            open
        });
        assert!(up, "nginx did not listen on {port}");
        Self { child, port, dir }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn ws(&self, path: &str) -> String {
        format!("ws://127.0.0.1:{}{path}", self.port)
    }

    fn errors(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Postgres, Redis, two nodes and nginx in front.
struct Deployment {
    // Dropped in this order: nginx, the nodes, then Redis and the database.
    nginx: Nginx,
    nodes: Vec<Server>,
    redis: Redis,
    db: TestDb,
    ports: [u16; 2],
    token: String,
    site_key: String,
}

/// The nodes believe nginx's `X-Forwarded-For` (the recipe's setting).
const NODE_ENV: &[(&str, &str)] = &[("PARLEY_TRUSTED_PROXIES", "127.0.0.1")];

impl Deployment {
    async fn start() -> Self {
        let db = TestDb::postgres().await;
        let redis = Redis::start(free_port());
        let ports = [free_port(), free_port()];
        let nodes = ports
            .iter()
            .map(|p| node(&db, &redis.url(), *p, NODE_ENV))
            .collect();
        let nginx = Nginx::start(ports);
        let http = reqwest::Client::new();
        let login: Value = http
            .post(nginx.url("/api/v1/auth/login"))
            .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["token"]
            .as_str()
            .expect("signed in through nginx")
            .to_owned();
        let sites: Value = http
            .get(nginx.url("/api/v1/sites"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let site_key = sites["items"][0]["site_key"].as_str().unwrap().to_owned();
        Self {
            db,
            redis,
            ports,
            nodes,
            nginx,
            token,
            site_key,
        }
    }

    fn visitor_url(&self) -> String {
        self.nginx
            .ws(&format!("/ws/visitor?site_key={}", self.site_key))
    }

    async fn api(&self, path: &str) -> Value {
        reqwest::Client::new()
            .get(self.nginx.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Visitor connections a node holds now, from its metrics.
    async fn connections_on(&self, node: usize) -> f64 {
        let text = reqwest::get(format!("http://127.0.0.1:{}/metrics", self.ports[node]))
            .await
            .and_then(|r| r.error_for_status())
            .map(|r| r.text());
        let Ok(text) = text else { return 0.0 };
        let text = text.await.unwrap_or_default();
        text.lines()
            .find(|l| l.starts_with("parley_ws_connections "))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    }
}

/// Sends `frame` with a fresh ref and waits for its answer; `None` when the socket ended
/// first (never panics: the caller reconnects).
async fn ask(client: &mut WsClient, mut frame: Value) -> Option<Value> {
    let reference = client.fresh_ref();
    frame["ref"] = json!(reference);
    if !client.try_send(frame).await {
        return None;
    }
    loop {
        match client.try_recv(Duration::from_secs(5)).await {
            Some(Ok(reply)) if reply["ref"] == reference.as_str() => return Some(reply),
            Some(Ok(_)) => continue,
            _ => return None,
        }
    }
}

#[actix_web::test]
async fn visitors_and_agents_chat_through_nginx_in_front_of_two_nodes() {
    let deployment = Deployment::start().await;
    // The widget's script and the dashboard through nginx.
    let script = reqwest::get(deployment.nginx.url("/widget.js"))
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    let dashboard = reqwest::get(deployment.nginx.url("/dashboard"))
        .await
        .unwrap();
    assert_eq!(dashboard.status(), 200);

    let mut agent = WsClient::connect(&deployment.nginx.ws("/ws/agent"), None)
        .await
        .unwrap();
    let welcome = agent
        .call(json!({"type": "hello", "token": deployment.token}))
        .await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    // Several visitors: nginx spreads them over both nodes, the agent is on one of them.
    let mut visitors = Vec::new();
    for i in 0..4 {
        let mut visitor = WsClient::connect(&deployment.visitor_url(), None)
            .await
            .unwrap();
        let hello = visitor.call(json!({"type": "hello", "token": null})).await;
        assert_eq!(hello["type"], "welcome");
        let sent = visitor.send_text(None, &format!("hello {i}")).await;
        let conversation = sent["message"]["conversation_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let arrived = agent.recv_type("message").await;
        assert_eq!(arrived["message"]["body"], format!("hello {i}"));
        agent
            .send(json!({"type": "typing", "conversation_id": conversation, "state": "on"}))
            .await;
        assert_eq!(visitor.recv_type("typing").await["state"], "on");
        let reply = agent
            .send_text(Some(&conversation), &format!("reply {i}"))
            .await;
        assert_eq!(reply["type"], "sent", "{reply}");
        assert_eq!(
            visitor.recv_type("message").await["message"]["body"],
            format!("reply {i}")
        );
        visitors.push(visitor);
    }
    assert!(
        deployment.connections_on(0).await > 0.0 && deployment.connections_on(1).await > 0.0,
        "nginx spreads the connections over both nodes"
    );
    // The visitors' address reached the nodes through X-Forwarded-For (a trusted proxy).
    let errors = deployment.nginx.errors();
    assert!(!errors.contains("[error]"), "nginx logged errors: {errors}");
}

/// A visitor writing `total` messages one after another through nginx; whenever its socket
/// ends it reconnects (with its token) and sends again what was not acknowledged, with the
/// same `client_msg_id`. Returns its conversation and how many times it reconnected.
async fn steady_visitor(url: String, total: usize, pace: Duration) -> (String, u32) {
    let ids: Vec<Uuid> = (0..total).map(|_| Uuid::new_v4()).collect();
    let mut token: Option<String> = None;
    let mut conversation: Option<String> = None;
    let mut next = 0;
    let mut reconnects = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while next < total {
        assert!(
            tokio::time::Instant::now() < deadline,
            "stuck at {next} of {total}"
        );
        let Ok(mut client) = WsClient::connect(&url, None).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let Some(welcome) = ask(&mut client, json!({"type": "hello", "token": token})).await else {
            reconnects += 1;
            continue;
        };
        if welcome["type"] != "welcome" {
            tokio::time::sleep(Duration::from_millis(100)).await;
            reconnects += 1;
            continue;
        }
        token = welcome["token"].as_str().map(str::to_owned);
        while next < total {
            let mut frame =
                json!({"type": "send", "client_msg_id": ids[next], "body": format!("m{next}")});
            if let Some(id) = &conversation {
                frame["conversation_id"] = json!(id);
            }
            match ask(&mut client, frame).await {
                Some(reply) if reply["type"] == "sent" => {
                    conversation = reply["message"]["conversation_id"]
                        .as_str()
                        .map(str::to_owned);
                    next += 1;
                    tokio::time::sleep(pace).await;
                }
                // Refused for now (the node is stopping): again, on this socket or the next.
                Some(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                None => {
                    reconnects += 1;
                    break;
                }
            }
        }
    }
    (conversation.unwrap(), reconnects)
}

#[actix_web::test]
async fn a_rolling_restart_behind_nginx_loses_and_repeats_nothing() {
    let mut deployment = Deployment::start().await;
    const VISITORS: usize = 12;
    const MESSAGES: usize = 50;
    let writers: Vec<_> = (0..VISITORS)
        .map(|_| {
            tokio::spawn(steady_visitor(
                deployment.visitor_url(),
                MESSAGES,
                Duration::from_millis(40),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(600)).await;
    // A rolling restart: SIGTERM, the node drains and exits, then starts again.
    let pid = deployment.nodes[0].pid();
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let status = deployment.nodes[0].wait_exit(Duration::from_secs(20));
    assert!(status.success(), "a clean exit after SIGTERM: {status:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    deployment.nodes[0] = node(
        &deployment.db,
        &deployment.redis.url(),
        deployment.ports[0],
        NODE_ENV,
    );

    let mut reconnected = 0;
    for writer in writers {
        let (conversation, reconnects) = writer.await.unwrap();
        reconnected += u32::from(reconnects > 0);
        let page = deployment
            .api(&format!("/conversations/{conversation}/messages?limit=100"))
            .await;
        let stored: Vec<(i64, String)> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["seq"].as_i64().unwrap(),
                    m["body"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let expected: Vec<(i64, String)> = (0..MESSAGES)
            .map(|i| (i as i64 + 1, format!("m{i}")))
            .collect();
        assert_eq!(stored, expected, "every message once, in order, no gap");
    }
    assert!(
        reconnected > 0,
        "some visitors were on the stopped node and came back through nginx"
    );

    // The restarted node takes new connections again (nginx tries it once its 5 s are up).
    let mut held = Vec::new();
    let back = eventually(Duration::from_secs(20), async || {
        let mut visitor = WsClient::connect(&deployment.visitor_url(), None)
            .await
            .unwrap();
        if ask(&mut visitor, json!({"type": "hello", "token": null}))
            .await
            .is_some()
        {
            held.push(visitor);
        }
        deployment.connections_on(0).await > 0.0
    })
    .await;
    assert!(
        back,
        "the restarted node serves visitors through nginx again"
    );
}

#[actix_web::test]
async fn the_http_transport_works_through_nginx_and_across_nodes() {
    let deployment = Deployment::start().await;
    // Through nginx: the recipe streams events as they come (no buffering).
    let path = format!("/http/visitor?site_key={}", deployment.site_key);
    let mut visitor =
        crate::http_transport::HttpClient::open(&deployment.nginx.url(""), &path).await;
    let welcome = visitor.call(json!({"type": "hello", "token": null})).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    let sent = visitor
        .call(json!({"type": "send", "client_msg_id": Uuid::new_v4(), "body": "via nginx"}))
        .await;
    assert_eq!(sent["type"], "sent", "{sent}");

    // The stream on one node, the batches posted to the other: relayed through Redis.
    let node = |i: usize| format!("http://127.0.0.1:{}", deployment.ports[i]);
    let mut agent = crate::http_transport::HttpClient::open(&node(0), "/http/agent").await;
    agent.base = node(1);
    let welcome = agent
        .call(json!({"type": "hello", "token": deployment.token}))
        .await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    let conversation = sent["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 0..20 {
        let reply = agent
            .call(json!({"type": "send", "conversation_id": conversation, "client_msg_id": Uuid::new_v4(), "body": format!("answer {i}")}))
            .await;
        assert_eq!(reply["type"], "sent", "{reply}");
        assert_eq!(reply["message"]["seq"], i + 2, "in order");
        agent.base = node(i % 2);
        assert_eq!(
            visitor.recv_type("message").await["message"]["body"],
            format!("answer {i}")
        );
    }
}
