//! Several `parley` processes as one cluster: real Postgres, a real Redis of the test's own,
//! real processes killed for real.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::cli::{parley, Server};
use crate::helpers::{TestDb, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::ws_client::WsClient;

/// A redis-server of this test's own, on a port it picked.
pub(crate) struct Redis {
    port: u16,
    child: Child,
}

impl Redis {
    pub(crate) fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (scripts/test installs it)");
        let up = (0..250).any(|_| {
            let open = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
            if !open {
                std::thread::sleep(Duration::from_millis(20));
            }
            open
        });
        assert!(up, "redis-server did not listen on {port} within 5 s");
        Self { port, child }
    }

    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One node of the cluster on `port`, sharing the database, Redis and public URL.
pub(crate) fn node(db: &TestDb, redis: &str, port: u16, extra: &[(&str, &str)]) -> Server {
    let mut command = parley(&db.url);
    command
        .env("PARLEY_BIND", format!("127.0.0.1:{port}"))
        .env("PARLEY_PUBLIC_URL", "http://chat.cluster.test")
        .env("REDIS_URL", redis)
        .env("PARLEY_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("PARLEY_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("PARLEY_WS_CONNECT_PER_MIN", "0")
        .env("PARLEY_SEND_RATE", "0")
        .env("PARLEY_TYPING_RATE", "0")
        .env("PARLEY_FRAME_RATE", "0")
        .env("PARLEY_WS_CONNECTIONS_PER_IP", "0");
    for (key, value) in extra {
        command.env(key, value);
    }
    let mut server = Server::start(command);
    server.base_url();
    server
}

struct Cluster {
    /// Kept for the cluster's lifetime: dropping it drops the database.
    _db: TestDb,
    redis: Redis,
    ports: Vec<u16>,
    nodes: Vec<Server>,
    site_key: String,
    token: String,
}

impl Cluster {
    async fn start(count: usize) -> Self {
        Self::start_with(count, &[]).await
    }

    async fn start_with(count: usize, extra: &[(&str, &str)]) -> Self {
        let db = TestDb::postgres().await;
        let redis = Redis::start(free_port());
        let ports: Vec<u16> = (0..count).map(|_| free_port()).collect();
        let nodes: Vec<Server> = ports
            .iter()
            .map(|p| node(&db, &redis.url(), *p, extra))
            .collect();
        let http = reqwest::Client::new();
        let login: Value = http
            .post(format!("http://127.0.0.1:{}/api/v1/auth/login", ports[0]))
            .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["token"].as_str().unwrap().to_owned();
        let sites: Value = http
            .get(format!("http://127.0.0.1:{}/api/v1/sites", ports[0]))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let site_key = sites["items"][0]["site_key"].as_str().unwrap().to_owned();
        Self {
            _db: db,
            redis,
            ports,
            nodes,
            site_key,
            token,
        }
    }

    async fn visitor(&self, node: usize, token: Option<&str>) -> (WsClient, Value) {
        let url = format!(
            "ws://127.0.0.1:{}/ws/visitor?site_key={}",
            self.ports[node], self.site_key
        );
        let mut client = WsClient::connect(&url, None).await.unwrap();
        let welcome = client.call(json!({"type": "hello", "token": token})).await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        (client, welcome)
    }

    async fn agent(&self, node: usize) -> WsClient {
        let url = format!("ws://127.0.0.1:{}/ws/agent", self.ports[node]);
        let mut client = WsClient::connect(&url, None).await.unwrap();
        let welcome = client
            .call(json!({"type": "hello", "token": self.token}))
            .await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        client
    }

    /// SIGKILLs a node and waits for it to be gone; returns when it was killed.
    fn kill(&mut self, node: usize) -> std::time::Instant {
        let killed = std::time::Instant::now();
        let pid = self.nodes[node].pid();
        Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap();
        self.nodes[node].wait_exit(Duration::from_secs(5));
        killed
    }

    async fn ready(&self, node: usize) -> Value {
        reqwest::get(format!("http://127.0.0.1:{}/readyz", self.ports[node]))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// Waits until `check` holds, at most `limit`.
pub(crate) async fn eventually(limit: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[actix_web::test]
async fn a_visitor_and_an_agent_on_two_nodes_talk_type_and_read() {
    let cluster = Cluster::start(2).await;
    let (mut visitor, welcome) = cluster.visitor(0, None).await;
    assert_eq!(welcome["agents_online"], 0);
    let mut agent = cluster.agent(1).await;
    // The agent's presence on node 2 reaches the visitor on node 1.
    assert_eq!(visitor.recv_type("agents").await["online"], 1);

    let sent = visitor.send_text(None, "hello from node 1").await;
    let conversation = sent["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(agent.recv_type("message").await["message"], sent["message"]);
    let reply = agent
        .send_text(Some(&conversation), "hello from node 2")
        .await;
    assert_eq!(
        visitor.recv_type("message").await["message"],
        reply["message"]
    );

    agent
        .call(json!({"type": "typing", "conversation_id": conversation, "state": "on"}))
        .await;
    assert_eq!(visitor.recv_type("typing").await["author"]["kind"], "agent");
    visitor
        .call(json!({"type": "typing", "conversation_id": conversation, "state": "on"}))
        .await;
    assert_eq!(agent.recv_type("typing").await["author"]["kind"], "visitor");
    agent
        .call(json!({"type": "read", "conversation_id": conversation, "seq": 1}))
        .await;
    assert_eq!(visitor.recv_type("read").await["seq"], 1);
    visitor
        .call(json!({"type": "read", "conversation_id": conversation, "seq": 2}))
        .await;
    assert_eq!(agent.recv_type("read").await["seq"], 2);

    // Each node delivers once: the agent's next reply reaches the visitor with no duplicate of
    // an earlier one before it.
    let next = agent.send_text(Some(&conversation), "once more").await;
    let before = visitor
        .frames_before(|f| f["type"] == "message" && f["message"]["id"] == next["message"]["id"])
        .await;
    assert!(before.iter().all(|f| f["type"] != "message"), "{before:?}");
    assert_eq!(cluster.ready(0).await["redis"], "up");
}

#[actix_web::test]
async fn a_killed_nodes_visitor_moves_to_another_and_its_presence_expires() {
    let mut cluster = Cluster::start(2).await;
    let (mut visitor, welcome) = cluster.visitor(0, None).await;
    let _agent_on_first = cluster.agent(0).await;
    let (mut observer, observer_welcome) = cluster.visitor(1, None).await;
    let online = if observer_welcome["agents_online"] == 1 {
        json!(1)
    } else {
        observer.recv_type("agents").await["online"].clone()
    };
    assert_eq!(online, 1, "the agent on node 1 counts on node 2");
    let sent = visitor.send_text(None, "one").await;
    let conversation = sent["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 2..=5 {
        assert_eq!(
            visitor.send_text(Some(&conversation), &i.to_string()).await["type"],
            "sent"
        );
    }

    let killed = cluster.kill(0);

    // The visitor comes back through the other node and finds everything acknowledged.
    let (mut back, again) = cluster.visitor(1, welcome["token"].as_str()).await;
    assert_eq!(again["visitor_id"], welcome["visitor_id"]);
    let synced = back
        .call(json!({"type": "sync", "conversation_id": conversation, "after_seq": 0}))
        .await;
    let bodies: Vec<&str> = synced["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["one", "2", "3", "4", "5"]);

    // The dead node's agent stops counting within the 12 s that docs/cluster.md promises.
    assert_eq!(
        observer
            .recv_type_within("agents", Duration::from_secs(13))
            .await["online"],
        0
    );
    assert!(
        killed.elapsed() <= Duration::from_secs(12),
        "gone after {:?}",
        killed.elapsed()
    );
}

#[actix_web::test]
async fn a_killed_nodes_visitors_go_offline_for_the_agents_of_other_nodes_within_12_s() {
    let mut cluster = Cluster::start(2).await;
    let mut watcher = cluster.agent(1).await;
    let (_lost, welcome) = cluster.visitor(0, None).await;
    let visitor_id = welcome["visitor_id"].clone();
    let online = watcher.recv_type("presence").await;
    assert_eq!(
        (&online["visitor_id"], &online["online"]),
        (&visitor_id, &json!(true))
    );

    let killed = cluster.kill(0);
    let offline = watcher
        .recv_type_within("presence", Duration::from_secs(13))
        .await;
    assert_eq!(
        (&offline["visitor_id"], &offline["online"]),
        (&visitor_id, &json!(false))
    );
    assert!(
        killed.elapsed() <= Duration::from_secs(12),
        "offline after {:?}",
        killed.elapsed()
    );
}

#[actix_web::test]
async fn notes_are_relayed_to_agents_on_other_nodes_and_never_to_the_visitor() {
    let cluster = Cluster::start(2).await;
    let (mut visitor, _) = cluster.visitor(1, None).await;
    let mut writer = cluster.agent(0).await;
    let mut reader = cluster.agent(1).await;
    let conversation = visitor.send_text(None, "hello").await["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let note = writer
        .call(json!({"type": "send", "conversation_id": conversation, "client_msg_id": Uuid::new_v4(), "kind": "note", "body": "internal"}))
        .await;
    assert_eq!(note["message"]["kind"], "note", "{note}");
    // The agent on node 2 gets the note (waiting for it fails the test if it never comes).
    reader
        .frames_before(|f| f["type"] == "message" && f["message"]["body"] == "internal")
        .await;
    // The next text reaches the visitor on node 2 with no note before it.
    let text = writer.send_text(Some(&conversation), "public").await;
    let before = visitor
        .frames_before(|f| f["type"] == "message" && f["message"]["id"] == text["message"]["id"])
        .await;
    assert!(before.iter().all(|f| f["type"] != "message"), "{before:?}");
}

#[actix_web::test]
async fn a_site_change_made_on_one_node_applies_on_the_others_within_2_s() {
    let cluster = Cluster::start(2).await;
    // Node 2 has the site cached.
    let _warm = cluster.visitor(1, None).await;
    let http = reqwest::Client::new();
    let site: Value = http
        .get(format!(
            "http://127.0.0.1:{}/api/v1/sites",
            cluster.ports[0]
        ))
        .bearer_auth(&cluster.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let site_id = site["items"][0]["id"].as_str().unwrap().to_owned();
    let changed = std::time::Instant::now();
    let status = http
        .patch(format!(
            "http://127.0.0.1:{}/api/v1/sites/{site_id}",
            cluster.ports[0]
        ))
        .bearer_auth(&cluster.token)
        .json(&json!({"require_identity": true}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    let url = format!(
        "ws://127.0.0.1:{}/ws/visitor?site_key={}",
        cluster.ports[1], cluster.site_key
    );
    let refused = eventually(Duration::from_secs(3), async || {
        let mut client = WsClient::connect(&url, None).await.unwrap();
        client.call(json!({"type": "hello"})).await["code"] == "forbidden"
    })
    .await;
    assert!(refused, "node 2 still admits anonymous visitors");
    assert!(
        changed.elapsed() <= Duration::from_millis(2500),
        "applied after {:?}",
        changed.elapsed()
    );
}

#[actix_web::test]
async fn redis_stopping_and_starting_loses_nothing_and_delivery_resumes() {
    let mut cluster = Cluster::start(2).await;
    let (mut visitor, _) = cluster.visitor(0, None).await;
    let mut agent = cluster.agent(1).await;
    let conversation = visitor.send_text(None, "before").await["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        agent.recv_type("message").await["message"]["body"],
        "before"
    );

    cluster.redis.stop();
    for i in 0..5 {
        let sent = visitor
            .send_text(Some(&conversation), &format!("during {i}"))
            .await;
        assert_eq!(
            sent["type"], "sent",
            "acknowledged while Redis is down: {sent}"
        );
    }
    let mut down = false;
    for _ in 0..50 {
        if cluster.ready(0).await["redis"] == "down" {
            down = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(down, "readyz reports Redis down");
    assert_eq!(
        cluster.ready(1).await["status"],
        "ready",
        "and the node still serves"
    );

    let port = cluster.redis.port;
    cluster.redis = Redis::start(port);
    let ready = eventually(Duration::from_secs(15), async || {
        cluster.ready(0).await["redis"] == "up" && cluster.ready(1).await["redis"] == "up"
    })
    .await;
    assert!(ready, "both nodes reconnect by themselves");
    // Delivery across nodes resumes; what the agent missed is filled in, in order.
    let after = visitor.send_text(Some(&conversation), "after").await;
    let mut seen: Vec<i64> = Vec::new();
    loop {
        let frame = agent.recv_type("message").await;
        seen.push(frame["message"]["seq"].as_i64().unwrap());
        if frame["message"]["id"] == after["message"]["id"] {
            break;
        }
    }
    // "before" was seq 1; the five sent during the outage (2..=6) are filled in from the
    // database, gapless and in order, ahead of "after" (7).
    assert_eq!(seen, (2..=7).collect::<Vec<i64>>());
    let synced = agent
        .call(json!({"type": "sync", "conversation_id": conversation, "after_seq": 0}))
        .await;
    assert_eq!(
        synced["messages"].as_array().unwrap().len(),
        7,
        "nothing stored was lost"
    );
    for node in 0..2 {
        assert_eq!(cluster.ready(node).await["status"], "ready");
    }
}

#[actix_web::test]
async fn concurrent_sends_through_two_nodes_are_gapless_and_in_order_everywhere() {
    let cluster = Cluster::start(2).await;
    let (mut visitor, _) = cluster.visitor(0, None).await;
    let conversation = visitor.send_text(None, "open").await["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut watchers = [cluster.agent(0).await, cluster.agent(1).await];
    let mut sender = cluster.agent(1).await;
    const EACH: usize = 40;
    for i in 0..EACH {
        for (client, who) in [(&mut visitor, "v"), (&mut sender, "a")] {
            let frame = json!({"type": "send", "conversation_id": conversation, "client_msg_id": Uuid::new_v4(), "body": format!("{who}{i}")});
            client.send(frame).await;
        }
    }
    let total = 2 * EACH as i64 + 1;
    // Every connection sees seqs strictly increasing, up to the last one.
    let mut views: HashMap<&str, Vec<i64>> = HashMap::new();
    for (name, client) in [("visitor", &mut visitor), ("sender", &mut sender)] {
        let mut seqs = Vec::new();
        while seqs.last() != Some(&total) {
            let frame = client.recv().await;
            if matches!(frame["type"].as_str(), Some("sent" | "message")) {
                seqs.push(frame["message"]["seq"].as_i64().unwrap());
            }
        }
        views.insert(name, seqs);
    }
    for (i, watcher) in watchers.iter_mut().enumerate() {
        let mut seqs = Vec::new();
        while seqs.last() != Some(&total) {
            seqs.push(
                watcher.recv_type("message").await["message"]["seq"]
                    .as_i64()
                    .unwrap(),
            );
        }
        assert_eq!(
            seqs,
            (2..=total).collect::<Vec<_>>(),
            "watcher on node {}",
            i + 1
        );
    }
    for (name, seqs) in views {
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{name}: {seqs:?}");
    }
    let synced = visitor
        .call(json!({"type": "sync", "conversation_id": conversation, "after_seq": 0}))
        .await;
    let stored: Vec<i64> = synced["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(stored, (1..=total).collect::<Vec<_>>());
}

#[actix_web::test]
async fn the_per_ip_connection_limit_counts_over_the_whole_cluster() {
    let cluster = Cluster::start_with(2, &[("PARLEY_WS_CONNECT_PER_MIN", "3")]).await;
    let url = |node: usize| {
        format!(
            "ws://127.0.0.1:{}/ws/visitor?site_key={}",
            cluster.ports[node], cluster.site_key
        )
    };
    let _a = WsClient::connect(&url(0), None).await.unwrap();
    let _b = WsClient::connect(&url(1), None).await.unwrap();
    let _c = WsClient::connect(&url(0), None).await.unwrap();
    let refused = WsClient::connect(&url(1), None)
        .await
        .err()
        .expect("the fourth connection, on any node, is refused");
    assert_eq!(refused.status, 429);
    assert!(refused.retry_after.is_some());
}

#[actix_web::test]
async fn failed_logins_per_ip_count_over_the_cluster_and_the_eleventh_gets_429() {
    let cluster = Cluster::start_with(2, &[("PARLEY_LOGIN_PER_MIN", "10")]).await;
    // The count is kept per minute: start well inside one, so that it cannot reset midway.
    let left = 60
        - (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            % 60);
    if left < 20 {
        tokio::time::sleep(Duration::from_secs(left + 1)).await;
    }
    let http = reqwest::Client::new();
    let attempt = |node: usize, i: usize| {
        http.post(format!(
            "http://127.0.0.1:{}/api/v1/auth/login",
            cluster.ports[node]
        ))
        // A different account each time: only the per-IP count is at stake.
        .json(&json!({"email": format!("guess{i}@x.test"), "password": "wrong-wrong"}))
        .send()
    };
    for i in 0..10 {
        let status = attempt(i % 2, i).await.unwrap().status();
        assert_eq!(status, 401, "failure {} of 10", i + 1);
    }
    for node in [0, 1] {
        let refused = attempt(node, 10 + node).await.unwrap();
        assert_eq!(refused.status(), 429, "the 11th try, on node {node}");
        assert!(refused.headers().contains_key("retry-after"));
    }
}

#[actix_web::test]
async fn two_nodes_on_one_database_deliver_each_webhook_event_once() {
    let cluster = Cluster::start_with(2, &[("PARLEY_WEBHOOK_ALLOW_PRIVATE", "true")]).await;
    let receiver = crate::receiver::Receiver::start().await;
    let http = reqwest::Client::new();
    let made = http
        .post(format!(
            "http://127.0.0.1:{}/api/v1/webhooks",
            cluster.ports[0]
        ))
        .bearer_auth(&cluster.token)
        .json(&json!({"url": receiver.url, "events": ["message.created", "conversation.created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    // 20 visitors, half on each node, 5 messages each: 120 events, both workers claiming.
    let mut expected = 0;
    for v in 0..20 {
        let (mut visitor, _) = cluster.visitor(v % 2, None).await;
        for m in 0..5 {
            visitor.send_text(None, &format!("v{v} m{m}")).await;
            expected += 1;
        }
        expected += 1;
    }
    receiver.wait_for(expected, Duration::from_secs(60)).await;
    // Any duplicate would have arrived by now too.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let received = receiver.received();
    let mut ids: HashMap<String, usize> = HashMap::new();
    for r in &received {
        *ids.entry(r.json["id"].to_string()).or_default() += 1;
    }
    let twice: Vec<_> = ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    assert_eq!(ids.len(), expected);
}

#[actix_web::test]
async fn an_agents_status_holds_in_its_tabs_on_every_node() {
    let cluster = Cluster::start(2).await;
    let mut here = cluster.agent(0).await;
    let mut there = cluster.agent(1).await;
    let (mut visitor, welcome) = cluster.visitor(1, None).await;
    assert_eq!(welcome["agents_online"], 1);
    let set = here.call(json!({"type": "status", "status": "away"})).await;
    assert_eq!(set["type"], "ok");
    // The tab on the other node hears it at once.
    let away = loop {
        let frame = there.recv_type("presence").await;
        if frame.get("agent_id").is_some() {
            break frame;
        }
    };
    assert_eq!(away["status"], "away", "{away}");
    // The other node's visitors see nobody online once its view of the first node catches up
    // (presence snapshots every 2 s).
    let zero = visitor
        .recv_type_within("agents", Duration::from_secs(6))
        .await;
    assert_eq!(zero["online"], 0);
    // A tab opened later, on either node, starts away.
    let url = format!("ws://127.0.0.1:{}/ws/agent", cluster.ports[1]);
    let mut late = WsClient::connect(&url, None).await.unwrap();
    let greeted = late
        .call(json!({"type": "hello", "token": cluster.token}))
        .await;
    assert_eq!(greeted["agent"]["status"], "away", "{greeted}");
}

#[test]
fn a_node_refuses_redis_with_sqlite() {
    // A database of the test's own: a file left by an earlier run must not decide the outcome.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("refused.db").display());
    let output = parley(&url)
        .env("REDIS_URL", "redis://127.0.0.1:6379")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SQLite is single-node"), "{stderr}");
}

#[actix_web::test]
async fn two_nodes_assigning_at_once_never_give_one_conversation_twice_nor_exceed_a_capacity() {
    let cluster = Cluster::start_with(2, &[("PARLEY_ASSIGN_SWEEP_S", "1")]).await;
    let http = reqwest::Client::new();
    let api =
        |node: usize, path: &str| format!("http://127.0.0.1:{}/api/v1{path}", cluster.ports[node]);
    let call = |method: reqwest::Method, url: String, body: Option<Value>| {
        let mut request = http.request(method, url).bearer_auth(&cluster.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    use reqwest::Method;
    let (status, bob) = call(
        Method::POST,
        api(0, "/agents"),
        Some(json!({"email": "bob@cluster.test", "name": "Bob", "password": "initial-pass"})),
    )
    .await;
    assert_eq!(status, 201, "{bob}");
    let (_, me) = call(Method::GET, api(0, "/me"), None).await;
    let (admin_id, bob_id) = (
        me["id"].as_str().unwrap().to_owned(),
        bob["id"].as_str().unwrap().to_owned(),
    );
    for agent in [&admin_id, &bob_id] {
        let (status, _) = call(
            Method::PATCH,
            api(0, &format!("/agents/{agent}")),
            Some(json!({"capacity": 4})),
        )
        .await;
        assert_eq!(status, 200);
    }
    let (status, team) = call(
        Method::POST,
        api(1, "/teams"),
        Some(
            json!({"name": "Support", "agent_ids": [admin_id, bob_id], "assignment": "least_busy"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{team}");
    let (_, sites) = call(Method::GET, api(0, "/sites"), None).await;
    let site = sites["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = call(
        Method::PATCH,
        api(0, &format!("/sites/{site}")),
        Some(json!({"team_id": team["id"]})),
    )
    .await;
    assert_eq!(status, 200);
    // The admin answers on node 1, Bob on node 2: each node sees the other's agent only
    // through presence, and both assign.
    let _admin_tab = cluster.agent(0).await;
    let bob_token = {
        let login: Value = http
            .post(api(1, "/auth/login"))
            .json(&json!({"email": "bob@cluster.test", "password": "initial-pass"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        login["token"].as_str().unwrap().to_owned()
    };
    let mut bob_tab = WsClient::connect(
        &format!("ws://127.0.0.1:{}/ws/agent", cluster.ports[1]),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        bob_tab
            .call(json!({"type": "hello", "token": bob_token}))
            .await["type"],
        "welcome"
    );
    // The nodes learn of each other's agent (presence snapshots every 2 s).
    tokio::time::sleep(Duration::from_secs(3)).await;

    // 20 visitors write at once, half through each node: 8 slots for 20 conversations.
    let mut visitors = Vec::new();
    for v in 0..20 {
        visitors.push(cluster.visitor(v % 2, None).await.0);
    }
    let sends = visitors
        .iter_mut()
        .enumerate()
        .map(|(v, visitor)| async move {
            let sent = visitor.send_text(None, &format!("visitor {v}")).await;
            assert_eq!(sent["type"], "sent", "{sent}");
            sent["message"]["conversation_id"]
                .as_str()
                .unwrap()
                .to_owned()
        });
    let ids: Vec<String> = futures_util::future::join_all(sends).await;

    let state = || async {
        let mut assignees = Vec::new();
        let mut joined = Vec::new();
        for id in &ids {
            let (_, conversation) =
                call(Method::GET, api(0, &format!("/conversations/{id}")), None).await;
            assignees.push(conversation["assignee_id"].as_str().map(str::to_owned));
            let (_, page) = call(
                Method::GET,
                api(1, &format!("/conversations/{id}/messages")),
                None,
            )
            .await;
            let lines = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["kind"] == "event")
                .count();
            joined.push(lines);
        }
        (assignees, joined)
    };
    let check = |assignees: &[Option<String>], joined: &[usize], slots: usize| {
        let load = |agent: &str| {
            assignees
                .iter()
                .filter(|a| a.as_deref() == Some(agent))
                .count()
        };
        assert!(
            load(&admin_id) <= 4 && load(&bob_id) <= 4,
            "a capacity exceeded: {assignees:?}"
        );
        assert_eq!(
            assignees.iter().filter(|a| a.is_some()).count(),
            slots,
            "{assignees:?}"
        );
        for (assignee, lines) in assignees.iter().zip(joined) {
            // One line per assignment: a conversation given twice would have two.
            assert_eq!(
                *lines,
                usize::from(assignee.is_some()),
                "{assignees:?} {joined:?}"
            );
        }
    };
    assert!(
        eventually(Duration::from_secs(10), async || {
            state().await.0.iter().filter(|a| a.is_some()).count() == 8
        })
        .await,
        "8 slots filled"
    );
    // Passes on both nodes go on: nothing more is assigned, nothing twice.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (assignees, joined) = state().await;
    check(&assignees, &joined, 8);

    // Two of the admin's are resolved: the two oldest waiting take their slots.
    let admins: Vec<&String> = ids
        .iter()
        .zip(&assignees)
        .filter(|(_, a)| a.as_deref() == Some(admin_id.as_str()))
        .map(|(id, _)| id)
        .take(2)
        .collect();
    for id in &admins {
        let (status, _) = call(
            Method::PATCH,
            api(1, &format!("/conversations/{id}")),
            Some(json!({"status": "resolved"})),
        )
        .await;
        assert_eq!(status, 200);
    }
    let open: Vec<String> = ids
        .iter()
        .filter(|id| !admins.contains(id))
        .cloned()
        .collect();
    assert!(
        eventually(Duration::from_secs(10), async || {
            let mut n = 0;
            for id in &open {
                let (_, c) = call(Method::GET, api(0, &format!("/conversations/{id}")), None).await;
                n += usize::from(c["assignee_id"].is_string());
            }
            n == 8
        })
        .await,
        "the freed slots are taken"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (assignees, joined) = state().await;
    let still_open: Vec<(Option<String>, usize)> = ids
        .iter()
        .zip(assignees.into_iter().zip(joined))
        .filter(|(id, _)| !admins.contains(id))
        .map(|(_, pair)| pair)
        .collect();
    let (assignees, joined): (Vec<_>, Vec<_>) = still_open.into_iter().unzip();
    check(&assignees, &joined, 8);
}

#[actix_web::test]
async fn two_nodes_send_each_reply_email_once() {
    let sink = crate::email::SmtpSink::start(0);
    let url = sink.url();
    let cluster = Cluster::start_with(
        2,
        &[
            ("PARLEY_SMTP_URL", url.as_str()),
            ("PARLEY_MAIL_FROM", "Support <support@cluster.test>"),
            ("PARLEY_EMAIL_DELAY_S", "1"),
            ("PARLEY_INBOUND_DOMAIN", "in.cluster.test"),
        ],
    )
    .await;
    // Six visitors leave an email, write and go, half through each node; an agent on each
    // node answers half of them.
    let mut conversations = Vec::new();
    for v in 0..6 {
        let (mut visitor, _) = cluster.visitor(v % 2, None).await;
        let ok = visitor
            .call(json!({"type": "profile", "email": format!("visitor{v}@example.com")}))
            .await;
        assert_eq!(ok["type"], "ok");
        let sent = visitor.send_text(None, "hello").await;
        conversations.push(
            sent["message"]["conversation_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        visitor.close().await;
    }
    let mut agents = [cluster.agent(0).await, cluster.agent(1).await];
    for (n, id) in conversations.iter().enumerate() {
        let sent = agents[n % 2]
            .send_text(Some(id), &format!("answer {n}"))
            .await;
        assert_eq!(sent["type"], "sent");
    }
    let got = sink.wait_for(6, Duration::from_secs(20)).await;
    // Both workers claim every half second: a duplicate would have come by now too.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got_all = sink.received();
    assert_eq!(got.len(), 6);
    assert_eq!(got_all.len(), 6, "each email once, by one node");
    let mut to: Vec<String> = got_all
        .iter()
        .map(|raw| crate::email::decode(raw).to)
        .collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 6, "one to each visitor: {to:?}");
}
