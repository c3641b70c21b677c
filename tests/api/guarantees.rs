//! The contract's five guarantees: durable ack, exactly-once storage, order, catch-up and (in
//! isolation.rs) isolation. Real sockets, real databases, a real SIGKILL.

use std::collections::{BTreeMap, HashMap, HashSet};

use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;

use parley::domain::ConversationId;
use parley::store::Audience;

use crate::cli::{parley, Server};
use crate::helpers::{spawn_app, Backend, TestDb};
use crate::on_both_backends;
use crate::ws_client::WsClient;

on_both_backends!(
    a_resent_client_msg_id_is_stored_and_broadcast_once,
    concurrent_resends_and_a_resend_after_reconnect_store_once,
    one_connections_pipelined_sends_keep_their_order,
    concurrent_senders_get_gapless_seqs_received_in_order_everywhere,
    sync_after_a_disconnect_returns_exactly_what_was_missed,
    acknowledged_messages_survive_a_sigkill_exactly_once_in_order,
    a_graceful_shutdown_closes_sockets_with_1012,
    sigterm_answers_the_write_in_flight_turns_unready_and_closes_sockets_1012,
);

fn seqs(frame: &Value) -> Vec<i64> {
    frame["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect()
}

async fn a_resent_client_msg_id_is_stored_and_broadcast_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut agent, _) = app.agent(&ws.token).await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let key = Uuid::new_v4();
    let first = visitor
        .call(json!({"type": "send", "client_msg_id": key, "body": "once"}))
        .await;
    let again = visitor
        .call(json!({"type": "send", "client_msg_id": key, "body": "once"}))
        .await;
    assert_eq!(first["type"], "sent");
    assert_eq!(again["message"], first["message"], "same id, same seq");
    let broadcasts = agent
        .collect_type("message", Duration::from_millis(500))
        .await;
    assert_eq!(broadcasts.len(), 1, "{broadcasts:?}");
    let conversation = first["message"]["conversation_id"].clone();
    let stored = agent
        .call(json!({"type": "sync", "conversation_id": conversation, "after_seq": 0}))
        .await;
    assert_eq!(seqs(&stored), [1]);
}

async fn concurrent_resends_and_a_resend_after_reconnect_store_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut agent, _) = app.agent(&ws.token).await;
    let (mut tab1, welcome) = app.visitor(&ws.site).await;
    let conversation = tab1.send_text(None, "start").await["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (mut tab2, _) = app
        .visitor_with(
            &ws.site,
            json!({"type": "hello", "token": welcome["token"]}),
        )
        .await;
    agent
        .collect_type("message", Duration::from_millis(200))
        .await;

    // The same key from two tabs of the same visitor and twice on one tab, without waiting.
    let key = Uuid::new_v4();
    let frame = json!({"type": "send", "conversation_id": conversation, "client_msg_id": key, "body": "dup"});
    let with_ref = |r: &str| {
        let mut f = frame.clone();
        f["ref"] = json!(r);
        f
    };
    tab1.send(with_ref("a")).await;
    tab1.send(with_ref("b")).await;
    tab2.send(with_ref("c")).await;
    let mut replies = Vec::new();
    for _ in 0..2 {
        replies.push(tab1.recv_type("sent").await);
    }
    replies.push(tab2.recv_type("sent").await);
    let ids: HashSet<String> = replies
        .iter()
        .map(|r| r["message"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 1, "{replies:?}");

    // After a reconnect, the unacknowledged-looking message is resent with its key.
    tab1.close().await;
    let (mut tab3, _) = app
        .visitor_with(
            &ws.site,
            json!({"type": "hello", "token": welcome["token"]}),
        )
        .await;
    let resent = tab3.call(frame.clone()).await;
    assert_eq!(
        resent["message"]["id"].as_str().unwrap(),
        ids.iter().next().unwrap()
    );

    let broadcasts: Vec<Value> = agent
        .collect_type("message", Duration::from_millis(500))
        .await;
    assert_eq!(broadcasts.len(), 1, "broadcast once: {broadcasts:?}");
    let stored = agent
        .call(json!({"type": "sync", "conversation_id": conversation, "after_seq": 0}))
        .await;
    assert_eq!(seqs(&stored), [1, 2]);
}

async fn one_connections_pipelined_sends_keep_their_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    // Even the very first burst, which also opens the conversation.
    for i in 0..50 {
        visitor.send(json!({"type": "send", "client_msg_id": Uuid::new_v4(), "body": i.to_string(), "ref": i.to_string()})).await;
    }
    let mut by_body = BTreeMap::new();
    for _ in 0..50 {
        let sent = visitor.recv_type("sent").await;
        let body: i64 = sent["message"]["body"].as_str().unwrap().parse().unwrap();
        by_body.insert(body, sent["message"]["seq"].as_i64().unwrap());
    }
    let in_order: Vec<i64> = by_body.values().copied().collect();
    assert_eq!(in_order, (1..=50).collect::<Vec<_>>());
}

async fn concurrent_senders_get_gapless_seqs_received_in_order_everywhere(backend: Backend) {
    const VISITORS: usize = 6;
    const PER_SENDER: usize = 20;
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut watcher, _) = app.agent(&ws.token).await;
    let mut visitors = Vec::new();
    let mut conversations = Vec::new();
    for _ in 0..VISITORS {
        let (mut v, _) = app.visitor(&ws.site).await;
        let c = v.send_text(None, "open").await["message"]["conversation_id"]
            .as_str()
            .unwrap()
            .to_owned();
        conversations.push(c);
        visitors.push(v);
    }
    let (agent_a, _) = app.agent(&ws.token).await;
    let (agent_b, _) = app.agent(&ws.token).await;

    // Everyone sends at once, without waiting: each visitor into its own conversation, each
    // agent into every conversation.
    let mut tasks = Vec::new();
    for (v, c) in visitors.into_iter().zip(conversations.clone()) {
        tasks.push(actix_web::rt::spawn(burst(v, vec![c], PER_SENDER)));
    }
    tasks.push(actix_web::rt::spawn(burst(
        agent_a,
        conversations.clone(),
        PER_SENDER / 2,
    )));
    tasks.push(actix_web::rt::spawn(burst(
        agent_b,
        conversations.clone(),
        PER_SENDER / 2,
    )));
    let mut visitor_views = Vec::new();
    for task in tasks {
        visitor_views.push(task.await.unwrap());
    }
    let expected_per_conversation = 1 + PER_SENDER + PER_SENDER; // open + visitor + both agents
                                                                 // The watcher saw every conversation's messages in seq order, gapless.
    let total = VISITORS * expected_per_conversation;
    let mut seen: HashMap<String, Vec<i64>> = HashMap::new();
    while seen.values().map(Vec::len).sum::<usize>() < total {
        let frame = watcher.recv_type("message").await;
        let c = frame["message"]["conversation_id"]
            .as_str()
            .unwrap()
            .to_owned();
        seen.entry(c)
            .or_default()
            .push(frame["message"]["seq"].as_i64().unwrap());
    }
    for (c, received) in &seen {
        let expected: Vec<i64> = (1..=expected_per_conversation as i64).collect();
        assert_eq!(received, &expected, "conversation {c}");
    }
    // Each sender's own view (its sent + others' message frames) is in seq order too.
    for view in visitor_views {
        for (c, seqs) in view {
            assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{c}: {seqs:?}");
        }
    }
    // And storage is gapless.
    for c in &conversations {
        let stored = watcher
            .call(json!({"type": "sync", "conversation_id": c, "after_seq": 0}))
            .await;
        assert_eq!(
            seqs(&stored),
            (1..=expected_per_conversation as i64).collect::<Vec<_>>()
        );
    }
}

/// Sends `count` messages into each conversation without waiting, then reads until every
/// `sent` arrived; returns, per conversation, the seqs this connection saw in arrival order
/// (its own `sent` and others' `message`).
async fn burst(
    mut client: WsClient,
    conversations: Vec<String>,
    count: usize,
) -> HashMap<String, Vec<i64>> {
    for i in 0..count {
        for c in &conversations {
            client
                .send(json!({"type": "send", "conversation_id": c, "client_msg_id": Uuid::new_v4(), "body": i.to_string(), "ref": format!("{c}-{i}")}))
                .await;
        }
    }
    let mut acked = 0;
    let mut view: HashMap<String, Vec<i64>> = HashMap::new();
    while acked < count * conversations.len() {
        let frame = client.recv().await;
        match frame["type"].as_str() {
            Some("sent") => acked += 1,
            Some("message") => {}
            _ => continue,
        }
        let c = frame["message"]["conversation_id"]
            .as_str()
            .unwrap()
            .to_owned();
        view.entry(c)
            .or_default()
            .push(frame["message"]["seq"].as_i64().unwrap());
    }
    view
}

async fn sync_after_a_disconnect_returns_exactly_what_was_missed(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut visitor, welcome) = app.visitor(&ws.site).await;
    let sent = visitor.send_text(None, "one").await;
    let conversation = sent["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    visitor.close().await;

    let (mut agent, _) = app.agent(&ws.token).await;
    for body in ["two", "three", "four"] {
        agent.send_text(Some(&conversation), body).await;
    }
    let (mut back, again) = app
        .visitor_with(
            &ws.site,
            json!({"type": "hello", "token": welcome["token"]}),
        )
        .await;
    assert_eq!(again["conversation"]["last_seq"], 4);
    let synced = back
        .call(json!({"type": "sync", "conversation_id": conversation, "after_seq": 1}))
        .await;
    assert_eq!(seqs(&synced), [2, 3, 4]);
    let bodies: Vec<&str> = synced["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["two", "three", "four"]);
}

async fn a_graceful_shutdown_closes_sockets_with_1012(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let (mut agent, _) = app.agent(&ws.token).await;
    app.state.shutdown.trigger();
    assert_eq!(visitor.closed_with().await, Some(1012));
    assert_eq!(agent.closed_with().await, Some(1012));
}

async fn sigterm_answers_the_write_in_flight_turns_unready_and_closes_sockets_1012(
    backend: Backend,
) {
    const PASSWORD: &str = "sigterm-test-password";
    let db = TestDb::new(backend).await;
    let mut command = parley(&db.url);
    // Each batch waits 1.5 s for company before it commits: a write is surely in flight when
    // the signal comes, and readiness can be watched while it is drained.
    command
        .env("PARLEY_WRITE_DELAY_US", "1500000")
        .env("PARLEY_ADMIN_PASSWORD", PASSWORD);
    let mut server = Server::start(command);
    let base = server.base_url();
    let site_key = server.site_key();
    let ws_base = base.replace("http://", "ws://");
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "admin@localhost", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut agent = WsClient::connect(&format!("{ws_base}/ws/agent"), None)
        .await
        .unwrap();
    agent
        .call(json!({"type": "hello", "token": login["token"]}))
        .await;
    let mut visitor = WsClient::connect(&format!("{ws_base}/ws/visitor?site_key={site_key}"), None)
        .await
        .unwrap();
    visitor.call(json!({"type": "hello"})).await;
    let conversation = visitor.send_text(None, "first").await["message"]["conversation_id"].clone();
    let ready = || async {
        http.get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(ready().await, 200);

    let key = Uuid::new_v4();
    visitor
        .send(json!({"type": "send", "ref": "in-flight", "conversation_id": conversation, "client_msg_id": key, "body": "in flight"}))
        .await;
    // The pong comes after the session has handed the send to the writer.
    assert_eq!(visitor.call(json!({"type": "ping"})).await["type"], "pong");
    server.signal("TERM");
    let signalled = std::time::Instant::now();
    let mut unready = false;
    while signalled.elapsed() < Duration::from_millis(1400) {
        if ready().await == 503 {
            unready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(unready, "readiness turns 503 while the shutdown drains");

    // The write in flight is committed and acknowledged, then the socket closes with 1012.
    let mut visitor_saw = Vec::new();
    let code = loop {
        match visitor.try_recv(Duration::from_secs(10)).await {
            Some(Ok(frame)) => visitor_saw.push(frame),
            Some(Err(code)) => break code,
            None => panic!("the visitor was not closed: {visitor_saw:?}"),
        }
    };
    assert_eq!(code, Some(1012), "{visitor_saw:?}");
    let sent = visitor_saw
        .iter()
        .find(|f| f["ref"] == "in-flight")
        .unwrap_or_else(|| panic!("no reply to the send in flight: {visitor_saw:?}"));
    assert_eq!(sent["type"], "sent", "{sent}");
    assert_eq!(sent["message"]["seq"], 2);
    // The agent got the message before its own 1012.
    let mut agent_saw = Vec::new();
    let code = loop {
        match agent.try_recv(Duration::from_secs(10)).await {
            Some(Ok(frame)) => agent_saw.push(frame),
            Some(Err(code)) => break code,
            None => panic!("the agent was not closed: {agent_saw:?}"),
        }
    };
    assert_eq!(code, Some(1012));
    assert!(
        agent_saw
            .iter()
            .any(|f| f["type"] == "message" && f["message"]["client_msg_id"] == key.to_string()),
        "{agent_saw:?}"
    );
    assert!(server.wait_exit(Duration::from_secs(10)).success());

    // And it is stored, once, after "first".
    let conversation = ConversationId(conversation.as_str().unwrap().parse().unwrap());
    let store = db.store().await;
    let workspace = store.first_site().await.unwrap().unwrap().workspace_id;
    let stored = store
        .messages_after(workspace, conversation, 0, 10, Audience::Agent)
        .await
        .unwrap();
    let bodies: Vec<&str> = stored.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["first", "in flight"]);
}

async fn acknowledged_messages_survive_a_sigkill_exactly_once_in_order(backend: Backend) {
    /// Sends per client, 5 ms apart: the kill comes in the middle of them.
    const ROUNDS: usize = 100;
    let db = TestDb::new(backend).await;
    // The same address across the restart: tokens name the public URL as their issuer.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let start = || {
        let mut command = parley(&db.url);
        command
            .env("PARLEY_BIND", format!("127.0.0.1:{port}"))
            .env("PARLEY_WS_CONNECT_PER_MIN", "0")
            .env("PARLEY_SEND_RATE", "0")
            .env("PARLEY_FRAME_RATE", "0");
        Server::start(command)
    };
    let mut server = start();
    let base = server.base_url();
    let ws_base = base.replace("http://", "ws://");
    let site_key = server.site_key();

    // Four visitors keep sending; we remember which messages were acknowledged.
    let mut clients = Vec::new();
    for _ in 0..4 {
        let mut c = WsClient::connect(&format!("{ws_base}/ws/visitor?site_key={site_key}"), None)
            .await
            .unwrap();
        let welcome = c.call(json!({"type": "hello"})).await;
        let first = c.send_text(None, "first").await;
        clients.push((
            c,
            welcome["token"].as_str().unwrap().to_owned(),
            first["message"].clone(),
        ));
    }
    let mut sent_keys: Vec<Vec<(Uuid, String)>> = vec![Vec::new(); clients.len()];
    let mut acked: Vec<HashMap<Uuid, Value>> = vec![HashMap::new(); clients.len()];
    // The server is SIGKILLed from another thread while the clients are still sending.
    let pid = server.pid();
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap();
    });
    'sending: for round in 0..ROUNDS {
        for (i, (client, _, first)) in clients.iter_mut().enumerate() {
            let key = Uuid::new_v4();
            let body = format!("{i}-{round}");
            let frame = json!({"type": "send", "conversation_id": first["conversation_id"], "client_msg_id": key, "body": body});
            if !client.try_send(frame).await {
                break 'sending;
            }
            sent_keys[i].push((key, body));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    killer.join().unwrap();
    server.wait_exit(Duration::from_secs(5));
    // Collect what was acknowledged before the kill.
    for (i, (client, _, _)) in clients.iter_mut().enumerate() {
        while let Some(Ok(frame)) = client.try_recv(Duration::from_millis(500)).await {
            if frame["type"] == "sent" {
                let key: Uuid = frame["message"]["client_msg_id"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                acked[i].insert(key, frame["message"].clone());
            }
        }
    }
    let acknowledged = acked.iter().map(HashMap::len).sum::<usize>();
    assert!(
        acknowledged > 0,
        "something was acknowledged before the kill"
    );
    assert!(
        acknowledged < sent_keys.iter().map(Vec::len).sum::<usize>(),
        "some sends were in flight at the kill"
    );

    // Restart on the same database; every client reconnects, resends what was not
    // acknowledged with the same keys, and syncs.
    let mut server = start();
    let ws_base = server.base_url().replace("http://", "ws://");
    for (i, (_, token, first)) in clients.iter().enumerate() {
        let mut c = WsClient::connect(&format!("{ws_base}/ws/visitor?site_key={site_key}"), None)
            .await
            .unwrap();
        c.call(json!({"type": "hello", "token": token})).await;
        for (key, body) in &sent_keys[i] {
            if !acked[i].contains_key(key) {
                let reply = c
                    .call(json!({"type": "send", "conversation_id": first["conversation_id"], "client_msg_id": key, "body": body}))
                    .await;
                assert_eq!(reply["type"], "sent", "{reply}");
            }
        }
        let synced = c.call(json!({"type": "sync", "conversation_id": first["conversation_id"], "after_seq": 0})).await;
        let messages = synced["messages"]
            .as_array()
            .unwrap_or_else(|| panic!("{synced}"));
        // Exactly once each, gapless, in the order this client sent them.
        assert_eq!(
            seqs(&synced),
            (1..=sent_keys[i].len() as i64 + 1).collect::<Vec<_>>()
        );
        let bodies: Vec<&str> = messages
            .iter()
            .skip(1)
            .map(|m| m["body"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = sent_keys[i].iter().map(|(_, b)| b.as_str()).collect();
        assert_eq!(bodies, expected);
        for (key, message) in &acked[i] {
            let stored = messages
                .iter()
                .find(|m| m["client_msg_id"] == key.to_string())
                .unwrap();
            assert_eq!(
                stored, message,
                "an acknowledged message is stored as acknowledged"
            );
        }
    }
    server.signal("TERM");
    assert!(server.wait_exit(Duration::from_secs(10)).success());
}

#[actix_web::test]
async fn two_servers_on_one_postgres_keep_seqs_gapless_and_keys_unique() {
    // Nodes of one deployment share the public URL, which tokens name as their issuer.
    let shared = [("PARLEY_PUBLIC_URL", "http://chat.parley.test")];
    let first = crate::helpers::spawn_app_with(Backend::Postgres, &shared).await;
    let second = crate::helpers::spawn_app_on(first.db.clone(), &shared).await;
    let ws = first.first_workspace().await;
    let (mut visitor, welcome) = first.visitor(&ws.site).await;
    let conversation = visitor.send_text(None, "open").await["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (mut tab_on_second, _) = second
        .visitor_with(
            &ws.site,
            json!({"type": "hello", "token": welcome["token"]}),
        )
        .await;
    let (agent_1, _) = first.agent(&ws.token).await;
    let (agent_2, _) = second.agent(&ws.token).await;
    let tasks = vec![
        actix_web::rt::spawn(burst(agent_1, vec![conversation.clone()], 40)),
        actix_web::rt::spawn(burst(agent_2, vec![conversation.clone()], 40)),
    ];
    // The same key sent through both servers at once is stored once.
    let key = Uuid::new_v4();
    let frame = json!({"type": "send", "conversation_id": conversation, "client_msg_id": key, "body": "both"});
    visitor.send(frame.clone()).await;
    tab_on_second.send(frame).await;
    let a = visitor.recv_type("sent").await;
    let b = tab_on_second.recv_type("sent").await;
    assert_eq!(a["message"]["id"], b["message"]["id"]);
    for task in tasks {
        task.await.unwrap();
    }
    let stored = visitor
        .call(json!({"type": "sync", "conversation_id": conversation, "after_seq": 0}))
        .await;
    assert_eq!(seqs(&stored), (1..=82).collect::<Vec<_>>());
}

/// On Postgres, a message into an open conversation is written by one statement (one round
/// trip); a resent `client_msg_id` and a visitor's message into a resolved conversation (which
/// reopens it) take the transaction that locks first. The answers are the same either way.
#[actix_web::test]
async fn postgres_writes_open_conversations_in_one_statement_and_the_rest_under_lock() {
    let app = spawn_app(Backend::Postgres).await;
    let ws = app.first_workspace().await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let batches = |metrics: &str, path: &str| -> u64 {
        let name = format!("parley_write_batches_total{{path=\"{path}\"}} ");
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(name.as_str()))
            .map_or(0, |n| n.trim().parse().unwrap())
    };
    let key = Uuid::new_v4();
    let first = visitor
        .call(json!({"type": "send", "client_msg_id": key, "body": "hello"}))
        .await;
    assert_eq!(first["type"], "sent", "{first}");
    let conversation = first["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = visitor.send_text(Some(&conversation), "still there?").await;
    assert_eq!(second["message"]["seq"], 2, "{second}");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    let direct = batches(&metrics, "direct");
    assert!(direct >= 1, "{metrics}");
    assert_eq!(batches(&metrics, "locked"), 0, "{metrics}");

    let again = visitor
        .call(json!({"type": "send", "client_msg_id": key, "body": "hello"}))
        .await;
    assert_eq!(again["message"], first["message"], "the retry's answer");
    let (status, _) = app
        .api(
            "PATCH",
            &format!("/conversations/{conversation}"),
            Some(&ws.token),
            Some(json!({"status": "resolved"})),
        )
        .await;
    assert_eq!(status, 200);
    let back = visitor
        .send_text(Some(&conversation), "one more thing")
        .await;
    // (resolving wrote a system line in between)
    let last = back["message"]["seq"].as_i64().unwrap();
    assert!(last > 2, "{back}");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(batches(&metrics, "locked") >= 1, "{metrics}");
    assert_eq!(batches(&metrics, "direct"), direct, "{metrics}");
    let stored = visitor
        .call(json!({"type": "sync", "conversation_id": conversation, "after_seq": 0}))
        .await;
    assert_eq!(seqs(&stored), (1..=last).collect::<Vec<_>>());
}

#[actix_web::test]
async fn while_postgres_refuses_connections_sends_are_unavailable_then_service_resumes() {
    let app = spawn_app(Backend::Postgres).await;
    let ws = app.first_workspace().await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let conversation = visitor.send_text(None, "before").await["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();

    app.postgres_reachable(false).await;
    let key = Uuid::new_v4();
    let frame = json!({"type": "send", "conversation_id": conversation, "client_msg_id": key, "body": "during"});
    let reply = visitor.call(frame.clone()).await;
    assert_eq!(reply["code"], "unavailable", "{reply}");
    assert_eq!(
        visitor.call(json!({"type": "ping"})).await["type"],
        "pong",
        "the connection lives on"
    );

    app.postgres_reachable(true).await;
    let mut stored = None;
    for _ in 0..100 {
        let reply = visitor.call(frame.clone()).await;
        if reply["type"] == "sent" {
            stored = Some(reply);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stored = stored.expect("service resumes by itself");
    assert_eq!(stored["message"]["seq"], 2);
}
