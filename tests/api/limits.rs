//! Defences of the WebSocket endpoints: handshake rules, frame limits, rates, abuse,
//! heartbeats, slow consumers. Each bad input gets a clear error or close code.

use std::time::Duration;

use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::helpers::{spawn_app, spawn_app_with, Backend};
use crate::ws_client::WsClient;

async fn raw_visitor(app: &crate::helpers::TestApp) -> WsClient {
    let ws = app.first_workspace().await;
    WsClient::connect(
        &app.ws_url(&format!("/ws/visitor?site_key={}", ws.site.site_key)),
        None,
    )
    .await
    .unwrap()
}

#[actix_web::test]
async fn a_first_frame_other_than_hello_is_unauthorized_and_closes_4001() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut client = raw_visitor(&app).await;
    let reply = client
        .call(json!({"type": "send", "client_msg_id": Uuid::new_v4(), "body": "x"}))
        .await;
    assert_eq!(reply["type"], "error");
    assert_eq!(reply["code"], "unauthorized");
    assert_eq!(client.closed_with().await, Some(4001));
}

#[actix_web::test]
async fn no_hello_within_the_deadline_closes_4001() {
    let app = spawn_app_with(Backend::Sqlite, &[("PARLEY_HELLO_TIMEOUT_S", "1")]).await;
    let mut client = raw_visitor(&app).await;
    assert_eq!(client.closed_with().await, Some(4001));
}

#[actix_web::test]
async fn an_agent_with_a_bad_token_is_refused_with_4001() {
    let app = spawn_app(Backend::Sqlite).await;
    let ws = app.first_workspace().await;
    for token in [
        json!("garbage"),
        json!(null),
        json!(format!("{}x", ws.token)),
    ] {
        let mut client = WsClient::connect(&app.ws_url("/ws/agent"), None)
            .await
            .unwrap();
        let reply = client.call(json!({"type": "hello", "token": token})).await;
        assert_eq!(reply["code"], "unauthorized", "{token}");
        assert_eq!(client.closed_with().await, Some(4001));
    }
    // A visitor token is not an agent token.
    let (_, welcome) = app.visitor(&ws.site).await;
    let mut client = WsClient::connect(&app.ws_url("/ws/agent"), None)
        .await
        .unwrap();
    let reply = client
        .call(json!({"type": "hello", "token": welcome["token"]}))
        .await;
    assert_eq!(reply["code"], "unauthorized");
}

#[actix_web::test]
async fn a_binary_frame_closes_1003() {
    let app = spawn_app(Backend::Sqlite).await;
    let ws = app.first_workspace().await;
    let (mut client, _) = app.visitor(&ws.site).await;
    client.send_raw(Message::binary(vec![1, 2, 3])).await;
    assert_eq!(client.closed_with().await, Some(1003));
}

#[actix_web::test]
async fn a_frame_over_the_limit_closes_1009() {
    let app = spawn_app_with(Backend::Sqlite, &[("PARLEY_MAX_FRAME_BYTES", "1024")]).await;
    let ws = app.first_workspace().await;
    let (mut client, _) = app.visitor(&ws.site).await;
    let body = "x".repeat(2000);
    client
        .send(json!({"type": "send", "client_msg_id": Uuid::new_v4(), "body": body}))
        .await;
    assert_eq!(client.closed_with().await, Some(1009));
}

#[actix_web::test]
async fn bad_frames_get_errors_and_the_connection_lives_on() {
    let app = spawn_app(Backend::Sqlite).await;
    let ws = app.first_workspace().await;
    let (mut client, _) = app.visitor(&ws.site).await;
    client.send_raw(Message::text("not json")).await;
    let error = client.recv().await;
    assert_eq!(
        (error["type"].as_str(), error["code"].as_str()),
        (Some("error"), Some("bad_request"))
    );
    let unknown = client.call(json!({"type": "teleport"})).await;
    assert_eq!(unknown["code"], "bad_request");
    assert!(unknown["message"].as_str().unwrap().contains("teleport"));
    let wrong_field = client
        .call(json!({"type": "send", "client_msg_id": "not-a-uuid", "body": "x"}))
        .await;
    assert_eq!(wrong_field["code"], "bad_request");
    let no_key = client.call(json!({"type": "send", "body": "x"})).await;
    assert_eq!(no_key["code"], "bad_request");
    let blank = client.send_text(None, " \n\t ").await;
    assert_eq!(blank["code"], "bad_request");
    let long = client.send_text(None, &"é".repeat(4001)).await;
    assert_eq!(long["code"], "too_large");
    let exact = client.send_text(None, &"é".repeat(4000)).await;
    assert_eq!(exact["type"], "sent", "4000 code points are fine");
    let long_ref = format!(r#"{{"type":"ping","ref":"{}"}}"#, "r".repeat(65));
    client.send_raw(Message::text(long_ref)).await;
    assert_eq!(client.recv().await["code"], "bad_request");
    // Still usable.
    assert_eq!(client.call(json!({"type": "ping"})).await["type"], "pong");
}

#[actix_web::test]
async fn more_than_twenty_errors_in_ten_seconds_close_1008() {
    let app = spawn_app(Backend::Sqlite).await;
    let ws = app.first_workspace().await;
    let (mut client, _) = app.visitor(&ws.site).await;
    for _ in 0..21 {
        client.send_raw(Message::text("{")).await;
    }
    assert_eq!(client.closed_with().await, Some(1008));
}

#[actix_web::test]
async fn sending_faster_than_the_rate_is_refused_per_message() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[("PARLEY_SEND_RATE", "1"), ("PARLEY_SEND_BURST", "3")],
    )
    .await;
    let ws = app.first_workspace().await;
    let (mut client, _) = app.visitor(&ws.site).await;
    let mut codes = Vec::new();
    for i in 0..5 {
        let reply = client.send_text(None, &format!("m{i}")).await;
        codes.push(reply["code"].as_str().unwrap_or("sent").to_owned());
    }
    assert_eq!(
        codes,
        ["sent", "sent", "sent", "rate_limited", "rate_limited"]
    );
}

#[actix_web::test]
async fn typing_faster_than_the_rate_is_refused() {
    let app = spawn_app_with(Backend::Sqlite, &[("PARLEY_TYPING_RATE", "2")]).await;
    let ws = app.first_workspace().await;
    let (mut client, _) = app.visitor(&ws.site).await;
    let conversation = client.send_text(None, "hi").await["message"]["conversation_id"].clone();
    let typing = json!({"type": "typing", "conversation_id": conversation, "state": "on"});
    let mut replies = Vec::new();
    for _ in 0..6 {
        replies.push(client.call(typing.clone()).await["type"].clone());
    }
    // A burst of the rate passes; the rest of an instant's worth is refused, not dropped.
    assert_eq!(&replies[..2], [json!("ok"), json!("ok")], "{replies:?}");
    let refused = replies.iter().filter(|r| *r == "error").count();
    assert!(refused >= 3, "{replies:?}");
    // The connection lives on and the limit refills at its rate.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(client.call(typing).await["type"], "ok");
}

#[actix_web::test]
async fn new_connections_over_the_per_ip_rate_get_429_with_retry_after() {
    let app = spawn_app_with(Backend::Sqlite, &[("PARLEY_WS_CONNECT_PER_MIN", "3")]).await;
    let ws = app.first_workspace().await;
    let url = app.ws_url(&format!("/ws/visitor?site_key={}", ws.site.site_key));
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(WsClient::connect(&url, None).await.unwrap());
    }
    let refused = WsClient::connect(&url, None).await.err().unwrap();
    assert_eq!(refused.status, 429);
    let retry_after: u64 = refused.retry_after.unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));
    // Agents count against the same limit.
    assert_eq!(
        WsClient::connect(&app.ws_url("/ws/agent"), None)
            .await
            .err()
            .unwrap()
            .status,
        429
    );
}

#[actix_web::test]
async fn the_server_pings_at_its_interval() {
    let app = spawn_app_with(Backend::Sqlite, &[("PARLEY_PING_INTERVAL_S", "1")]).await;
    let ws = app.first_workspace().await;
    let (mut client, _) = app.visitor(&ws.site).await;
    assert!(client.recv_ping().await);
}

#[actix_web::test]
async fn a_silent_connection_is_pinged_then_closed() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("PARLEY_PING_INTERVAL_S", "1"),
            ("PARLEY_IDLE_TIMEOUT_S", "2"),
        ],
    )
    .await;
    let ws = app.first_workspace().await;
    let (mut client, _) = app.visitor(&ws.site).await;
    // Not reading means not answering pings: after the idle timeout the server gives up.
    tokio::time::sleep(Duration::from_secs(4)).await;
    // The close frame waits in the client's buffer behind the pings; reading them makes the
    // client answer pongs to a socket the server has closed, and the reset that follows can
    // discard that buffer. So this test proves the close, and the next one, without pings,
    // proves its code and its timing.
    let code = client.closed_with().await;
    assert!(matches!(code, Some(1001) | None), "{code:?}");

    // A client that talks stays connected past the timeout.
    let (mut talker, _) = app.visitor(&ws.site).await;
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(talker.call(json!({"type": "ping"})).await["type"], "pong");
    }
}

#[actix_web::test]
async fn a_silent_connection_is_closed_1001_after_the_idle_timeout_not_before() {
    // No pings during the test (their interval is long), so reading cannot answer one: the
    // client stays silent while it watches for the close.
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("PARLEY_PING_INTERVAL_S", "30"),
            ("PARLEY_IDLE_TIMEOUT_S", "2"),
        ],
    )
    .await;
    let mut client = raw_visitor(&app).await;
    // The server counts silence from the last frame it heard, the hello: measured from before
    // it was sent, the close can come no earlier than 2 s.
    let silent_since = std::time::Instant::now();
    assert_eq!(
        client.call(json!({"type": "hello"})).await["type"],
        "welcome"
    );
    assert_eq!(client.closed_with().await, Some(1001));
    let after = silent_since.elapsed();
    // Checked every idle timeout: closed once silent for more than 2 s, by 4 s and a margin.
    assert!(
        after >= Duration::from_secs(2) && after < Duration::from_secs(5),
        "closed after {after:?}"
    );
}

#[actix_web::test]
async fn an_agent_that_stops_reading_is_closed_1013_and_others_are_unaffected() {
    let app = spawn_app_with(
        Backend::Postgres,
        &[
            ("PARLEY_CONN_QUEUE_BYTES", "524288"),
            // Time enough to read the close frame whatever the machine's speed.
            ("PARLEY_CLOSE_GRACE_S", "120"),
        ],
    )
    .await;
    let ws = app.first_workspace().await;
    let (mut stalled, _) = app.agent(&ws.token).await;
    let (mut reader, _) = app.agent(&ws.token).await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let conversation = visitor.send_text(None, "start").await["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = "x".repeat(3900);
    // Far more than the socket buffers and the 512 KiB queue can hold: ~20 MB, in pipelined
    // chunks (the visitor reads its own acknowledgements, the reader keeps reading).
    let mut last_seq = 0;
    let mut read_seqs: Vec<i64> = Vec::new();
    let keep = |frame: Value, seqs: &mut Vec<i64>| {
        if frame["type"] == "message" {
            seqs.push(frame["message"]["seq"].as_i64().unwrap());
        }
    };
    for _ in 0..100 {
        for _ in 0..50 {
            visitor
                .send(json!({"type": "send", "conversation_id": conversation, "client_msg_id": Uuid::new_v4(), "body": body}))
                .await;
        }
        for _ in 0..50 {
            last_seq = visitor.recv_type("sent").await["message"]["seq"]
                .as_i64()
                .unwrap();
        }
        while let Some(Ok(frame)) = reader.try_recv(Duration::from_millis(0)).await {
            keep(frame, &mut read_seqs);
        }
    }
    assert_eq!(stalled.closed_with().await, Some(1013));
    // The reading agent got everything, each once, in order: seq 1 ("start") then 2..=last.
    while read_seqs.last() != Some(&last_seq) {
        keep(reader.recv().await, &mut read_seqs);
    }
    let expected: Vec<i64> = (1..=last_seq).collect();
    if read_seqs != expected {
        let missing: Vec<&i64> = expected.iter().filter(|s| !read_seqs.contains(s)).collect();
        let disordered = read_seqs.windows(2).find(|w| w[1] != w[0] + 1);
        panic!(
            "{} message frames for seqs 1..={last_seq}; missing {missing:?}; first break in order {disordered:?}",
            read_seqs.len()
        );
    }
}

#[actix_web::test]
async fn a_closing_connection_that_never_reads_is_let_go_after_its_grace_period() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("PARLEY_CONN_QUEUE_BYTES", "524288"),
            ("PARLEY_CLOSE_GRACE_S", "1"),
        ],
    )
    .await;
    let ws = app.first_workspace().await;
    let config = format!("/api/v1/widget/config?site_key={}", ws.site.site_key);
    let agents_online = || async {
        let config: serde_json::Value = app.get(&config).await.json().await.unwrap();
        config["agents_online"].as_u64().unwrap()
    };
    // An agent that never reads, kept open (not dropped) for the whole test.
    let (_stalled, _) = app.agent(&ws.token).await;
    assert_eq!(agents_online().await, 1);
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let conversation = visitor.send_text(None, "start").await["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // ~20 MB for the agent: more than the socket buffers and its queue hold, so it is closed
    // as a slow consumer, and its close frame cannot be written either.
    let body = "x".repeat(3900);
    for _ in 0..100 {
        for _ in 0..50 {
            visitor
                .send(json!({"type": "send", "conversation_id": conversation, "client_msg_id": Uuid::new_v4(), "body": body}))
                .await;
        }
        for _ in 0..50 {
            visitor.recv_type("sent").await;
        }
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while agents_online().await != 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stalled agent still holds its session"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A WebSocket upgrade on a plain socket, returned once the server answered 101: for frames
/// no client library would send.
async fn raw_upgrade(app: &crate::helpers::TestApp) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let ws = app.first_workspace().await;
    let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    let request = format!(
        "GET /ws/visitor?site_key={} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n\r\n",
        ws.site.site_key
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        socket.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    socket
}

/// How the server ended a raw connection: `Some(code)` of its close frame (server frames are
/// unmasked), `None` when it closed or reset the socket without one; panics after `wait`.
async fn close_code(socket: &mut tokio::net::TcpStream, wait: Duration) -> Option<u16> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        // Parse the complete frames held so far.
        let mut at = 0;
        while buf.len() >= at + 2 {
            let (opcode, short) = (buf[at] & 0x0f, (buf[at + 1] & 0x7f) as usize);
            let (length, start) = match short {
                126 if buf.len() >= at + 4 => (
                    u16::from_be_bytes([buf[at + 2], buf[at + 3]]) as usize,
                    at + 4,
                ),
                127 if buf.len() >= at + 10 => (
                    u64::from_be_bytes(buf[at + 2..at + 10].try_into().unwrap()) as usize,
                    at + 10,
                ),
                126 | 127 => break,
                n => (n, at + 2),
            };
            if buf.len() < start + length {
                break;
            }
            if opcode == 8 && length >= 2 {
                return Some(u16::from_be_bytes([buf[start], buf[start + 1]]));
            }
            at = start + length;
        }
        let mut chunk = [0u8; 4096];
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, socket.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            Ok(_) => return None,
            Err(_) => panic!("the server did not end the connection within {wait:?}"),
        }
    }
}

#[actix_web::test]
async fn a_frame_declaring_more_than_the_limit_is_refused_by_its_header() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app(Backend::Sqlite).await;
    let mut socket = raw_upgrade(&app).await;
    // A masked text frame announcing a gigabyte, of which only 256 KiB ever come: the server
    // must not wait for (and hold) the rest before refusing it.
    let mut frame = vec![0x81, 0x80 | 127];
    frame.extend_from_slice(&(1u64 << 30).to_be_bytes());
    frame.extend_from_slice(&[7, 7, 7, 7]);
    socket.write_all(&frame).await.unwrap();
    let _ = socket.write_all(&vec![b'x'; 256 * 1024]).await;
    // Ended, with 1009 or (the client's bytes unread) a reset, without the rest being sent.
    let code = close_code(&mut socket, Duration::from_secs(5)).await;
    assert!(matches!(code, None | Some(1009)), "{code:?}");
}

#[actix_web::test]
async fn a_frame_with_reserved_bits_closes_1002() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app(Backend::Sqlite).await;
    let mut socket = raw_upgrade(&app).await;
    // FIN, RSV1 and text, masked "hello": no extension was negotiated, so RSV1 is an error of
    // the protocol (1002), not of the text's encoding.
    let mask = [1u8, 2, 3, 4];
    let mut frame = vec![0xC1, 0x80 | 5];
    frame.extend_from_slice(&mask);
    frame.extend(b"hello".iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    socket.write_all(&frame).await.unwrap();
    assert_eq!(
        close_code(&mut socket, Duration::from_secs(5)).await,
        Some(1002)
    );
}
