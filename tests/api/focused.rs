//! The `focused` subscription of agent connections (docs/protocol.md, "Large workspaces"):
//! conversations watched or assigned arrive in full, the others summed up in `activity` frames,
//! nothing lost after `sync`; a connection that does not ask keeps receiving everything.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;
use crate::ws_client::WsClient;

on_both_backends!(
    a_focused_agent_gets_its_conversations_in_full_and_the_others_summed_up,
    watch_is_bounded_and_for_agents_only,
    visitors_coming_and_going_are_summed_up_for_a_focused_agent,
    a_new_watcher_is_told_who_is_typing_now,
);

fn id(frame: &Value, pointer: &str) -> String {
    frame
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} in {frame}"))
        .to_owned()
}

async fn focused_agent(app: &TestApp, token: &str) -> (WsClient, Value) {
    let mut client = WsClient::connect(&app.ws_url("/ws/agent"), None)
        .await
        .unwrap();
    let welcome = client
        .call(json!({"type": "hello", "token": token, "subscription": "focused"}))
        .await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    (client, welcome)
}

/// What `activity` frames said of each conversation: the newest seq, the unread count summed,
/// the newest message's body.
type Seen = HashMap<String, (i64, u64, String)>;

/// Adds one frame to `seen`; fails on a `message` frame of a conversation in `not_in_full`.
fn tally(seen: &mut Seen, frame: &Value, not_in_full: &[&str]) {
    if frame["type"] == "message" {
        let conversation = id(frame, "/message/conversation_id");
        assert!(
            !not_in_full.contains(&conversation.as_str()),
            "a message of an unwatched conversation in full: {frame}"
        );
    }
    if frame["type"] != "activity" {
        return;
    }
    for entry in frame["conversations"].as_array().unwrap() {
        let conversation = id(entry, "/conversation_id");
        let last_seq = entry["last_seq"].as_i64().unwrap();
        assert_eq!(entry["last_message"]["seq"], last_seq, "{entry}");
        let slot = seen.entry(conversation).or_default();
        slot.0 = slot.0.max(last_seq);
        slot.1 += entry["unread"].as_u64().unwrap();
        slot.2 = id(entry, "/last_message/body");
    }
}

/// Reads frames into `seen` until `done` holds.
async fn activity_until(
    agent: &mut WsClient,
    mut seen: Seen,
    not_in_full: &[&str],
    done: impl Fn(&Seen) -> bool,
) -> Seen {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done(&seen) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match agent.try_recv(left).await {
            Some(Ok(frame)) => tally(&mut seen, &frame, not_in_full),
            other => panic!("activity did not come: {other:?}, seen {seen:?}"),
        }
    }
    seen
}

async fn a_focused_agent_gets_its_conversations_in_full_and_the_others_summed_up(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let ws = app.first_workspace().await;
    // Two tabs of the same agent: one as today, one focused.
    let (mut everything, welcome) = app.agent(&ws.token).await;
    assert_eq!(welcome["subscription"], "all");
    let (mut focused, welcome) = focused_agent(&app, &ws.token).await;
    assert_eq!(welcome["subscription"], "focused");

    let (mut first, _) = app.visitor(&ws.site).await;
    let (mut second, _) = app.visitor(&ws.site).await;
    let one = id(
        &first.send_text(None, "one").await,
        "/message/conversation_id",
    );
    let two = id(
        &second.send_text(None, "two").await,
        "/message/conversation_id",
    );
    // An activity frame may come before the answer: it counts too.
    let mut seen = Seen::new();
    focused
        .send(json!({"type": "watch", "ref": "w", "conversation_ids": [one]}))
        .await;
    for frame in focused.frames_before(|f| f["ref"] == "w").await {
        tally(&mut seen, &frame, &[&two]);
    }

    first.send_text(Some(&one), "three").await;
    second.send_text(Some(&two), "four").await;
    second.send_text(Some(&two), "five").await;

    // The watched conversation arrives in full; the other only in `activity` frames, which sum
    // up every message sent before (the first one of the watched conversation too).
    let seen = activity_until(&mut focused, seen, &[&two], |seen| {
        seen.get(&two).is_some_and(|s| s.0 == 3) && seen.contains_key(&one)
    })
    .await;
    assert_eq!(seen[&two], (3, 3, "five".to_owned()), "{seen:?}");
    assert_eq!(seen[&one], (1, 1, "one".to_owned()), "{seen:?}");
    // "three" came in full (the frames are read in order, so it is behind us or still queued).
    let mut bodies = Vec::new();
    while let Some(Ok(frame)) = focused.try_recv(Duration::from_millis(700)).await {
        if frame["type"] == "message" {
            bodies.push(id(&frame, "/message/body"));
        }
        assert!(
            frame["type"] != "activity"
                || frame["conversations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|e| e["conversation_id"] != two.as_str()),
            "each message of the other conversation summed up once: {frame}"
        );
    }
    // The unfocused tab got every message in full.
    let mut all = Vec::new();
    while all.len() < 5 {
        let frame = everything.recv_type("message").await;
        all.push(id(&frame, "/message/body"));
    }
    assert_eq!(all, ["one", "two", "three", "four", "five"]);

    // Typing follows the same rule.
    second
        .send(json!({"type": "typing", "conversation_id": two, "state": "on"}))
        .await;
    first
        .send(json!({"type": "typing", "conversation_id": one, "state": "on"}))
        .await;
    let before = focused
        .frames_before(|f| f["type"] == "typing" && f["conversation_id"] == one.as_str())
        .await;
    assert!(
        before.iter().all(|f| f["type"] != "typing"),
        "typing of an unwatched conversation: {before:?}"
    );

    // Assigned to this agent, the other conversation arrives in full too.
    let (status, _) = app
        .api(
            "PATCH",
            &format!("/conversations/{two}"),
            Some(&ws.token),
            Some(json!({"assignee_id": ws.admin.id})),
        )
        .await;
    assert_eq!(status, 200);
    focused.recv_type("conversation").await;
    second.send_text(Some(&two), "six").await;
    // It arrives as a `message` frame (frames_before fails the test if it never does).
    focused
        .frames_before(|f| f["type"] == "message" && f["message"]["body"] == "six")
        .await;

    // Nothing is lost: a sync of the other conversation has every message, in order.
    let synced = focused
        .call(json!({"type": "sync", "conversation_id": two, "after_seq": 0}))
        .await;
    let texts: Vec<&str> = synced["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "text")
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["two", "four", "five", "six"]);

    // Unassigned (and watching nothing), it is summed up again.
    let (status, _) = app
        .api(
            "PATCH",
            &format!("/conversations/{two}"),
            Some(&ws.token),
            Some(json!({"assignee_id": null})),
        )
        .await;
    assert_eq!(status, 200);
    focused.recv_type("conversation").await;
    let last = second.send_text(Some(&two), "seven").await;
    let seq = last["message"]["seq"].as_i64().unwrap();
    let seen = activity_until(&mut focused, Seen::new(), &[&two], |seen| {
        seen.get(&two).is_some_and(|s| s.0 == seq)
    })
    .await;
    assert_eq!(seen[&two].2, "seven");
}

async fn watch_is_bounded_and_for_agents_only(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut focused, _) = focused_agent(&app, &ws.token).await;
    let many: Vec<String> = (0..21).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let refused = focused
        .call(json!({"type": "watch", "conversation_ids": many}))
        .await;
    assert_eq!(refused["type"], "error");
    assert_eq!(refused["code"], "bad_request");
    let refused = focused
        .call(json!({"type": "watch", "conversation_ids": ["not-an-id"]}))
        .await;
    assert_eq!(refused["code"], "bad_request", "{refused}");
    // Another workspace's ids (or none at all) are accepted and show nothing.
    let ok = focused
        .call(json!({"type": "watch", "conversation_ids": [uuid::Uuid::new_v4()]}))
        .await;
    assert_eq!(ok["type"], "ok");
    focused
        .assert_silent("error", Duration::from_millis(100))
        .await;

    // An agent of today's protocol may send it too: it changes nothing.
    let (mut everything, _) = app.agent(&ws.token).await;
    let ok = everything
        .call(json!({"type": "watch", "conversation_ids": []}))
        .await;
    assert_eq!(ok["type"], "ok");

    let (mut visitor, _) = app.visitor(&ws.site).await;
    let refused = visitor
        .call(json!({"type": "watch", "conversation_ids": []}))
        .await;
    assert_eq!(refused["code"], "forbidden");

    // An unknown subscription is a malformed hello: refused like any frame before a hello.
    let mut client = WsClient::connect(&app.ws_url("/ws/agent"), None)
        .await
        .unwrap();
    let refused = client
        .call(json!({"type": "hello", "token": ws.token, "subscription": "everything"}))
        .await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["code"], "unauthorized");
    assert_eq!(client.closed_with().await, Some(4001));
}

async fn visitors_coming_and_going_are_summed_up_for_a_focused_agent(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut everything, _) = app.agent(&ws.token).await;
    let (mut focused, _) = focused_agent(&app, &ws.token).await;
    let (visitor, welcome) = app.visitor(&ws.site).await;
    let id = welcome["visitor_id"].as_str().unwrap().to_owned();
    let came = everything.recv_type("presence").await;
    assert_eq!(
        (came["visitor_id"].as_str(), came["online"].as_bool()),
        (Some(id.as_str()), Some(true))
    );
    visitor.close().await;

    // The focused tab hears of it in activity frames only, the last word being "gone".
    let mut last = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while last != Some(false) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let frame = match focused.try_recv(left).await {
            Some(Ok(frame)) => frame,
            other => panic!("no activity telling the visitor left: {other:?}"),
        };
        assert_ne!(frame["type"], "presence", "{frame}");
        if frame["type"] == "activity" {
            for v in frame["visitors"].as_array().into_iter().flatten() {
                if v["visitor_id"] == id.as_str() {
                    last = v["online"].as_bool();
                }
            }
        }
    }
    let gone = everything.recv_type("presence").await;
    assert_eq!(gone["online"], false);
}

/// Watching a conversation tells a focused connection who is typing in it now: the visitor's
/// `typing on` went out once, before the watch, and is not repeated while the draft stands.
/// Once the visitor stops, a new watch is told nothing.
async fn a_new_watcher_is_told_who_is_typing_now(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut everything, _) = app.agent(&ws.token).await;
    let (mut focused, _) = focused_agent(&app, &ws.token).await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let one = id(
        &visitor.send_text(None, "hello").await,
        "/message/conversation_id",
    );
    let typing = |state: &str| json!({"type": "typing", "conversation_id": one, "state": state});
    assert_eq!(visitor.call(typing("on")).await["type"], "ok");
    // An unfocused tab gets typing live: once it has it, the hub has heard it.
    let live = everything.recv_type("typing").await;
    assert_eq!(live["state"], "on", "{live}");

    focused
        .send(json!({"type": "watch", "ref": "w", "conversation_ids": [one]}))
        .await;
    let before = focused.frames_before(|f| f["ref"] == "w").await;
    assert!(
        before.iter().all(|f| f["type"] != "typing"),
        "typing before the watch: {before:?}"
    );
    let told = focused.recv_type("typing").await;
    assert_eq!(told["conversation_id"], one.as_str(), "{told}");
    assert_eq!(told["state"], "on", "{told}");
    assert_eq!(told["author"]["kind"], "visitor", "{told}");

    assert_eq!(visitor.call(typing("off")).await["type"], "ok");
    assert_eq!(everything.recv_type("typing").await["state"], "off");
    // The watching connection got the `off` live; a second connection that starts watching
    // now is told nothing.
    assert_eq!(focused.recv_type("typing").await["state"], "off");
    let (mut later, _) = focused_agent(&app, &ws.token).await;
    let answer = later
        .call(json!({"type": "watch", "conversation_ids": [one]}))
        .await;
    assert_eq!(answer["type"], "ok", "{answer}");
    later
        .assert_silent("typing", Duration::from_millis(500))
        .await;
}
