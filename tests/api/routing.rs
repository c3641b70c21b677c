//! Routing: automatic assignment by capacity, the queue, giving back, transfers, the offline
//! policies, the pre-chat form and collision warnings.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, Backend, TestApp, Workspace};
use crate::ws_client::WsClient;

crate::on_both_backends!(
    round_robin_spreads_by_capacity_and_a_freed_slot_takes_the_oldest_waiting,
    least_busy_evens_loads_and_a_waiting_conversation_goes_to_the_agent_who_comes_online,
    capacity_zero_is_never_given_one_and_an_agent_gone_gives_back,
    a_transfer_leaves_lines_for_both_sides_and_a_note_for_agents_only,
    the_offline_policy_asks_for_an_email_first_and_an_email_alone_is_a_lead,
    prechat_answers_come_first_are_checked_and_reach_agents,
    agents_see_who_else_views_a_conversation,
    the_visitor_learns_the_expected_reply_time,
    a_first_message_right_behind_a_profile_is_stored_at_once,
);

/// Passes every second, and agents gone for a second give back: tests wait seconds, not
/// minutes.
const FAST: &[(&str, &str)] = &[("PARLEY_ASSIGN_SWEEP_S", "1"), ("PARLEY_GIVE_BACK_S", "1")];

struct Agent {
    id: String,
    token: String,
}

async fn add_agent(app: &TestApp, ws: &Workspace, name: &str, capacity: i64) -> Agent {
    let email = format!("{}@acme.test", name.to_lowercase());
    let (status, agent) = app
        .api(
            "POST",
            "/agents",
            Some(&ws.token),
            Some(json!({"email": email, "name": name, "password": "initial-pass"})),
        )
        .await;
    assert_eq!(status, 201, "{agent}");
    let id = agent["id"].as_str().unwrap().to_owned();
    assert_eq!(agent["capacity"], 5, "the default capacity");
    set_capacity(app, ws, &id, capacity).await;
    Agent {
        id,
        token: app.login(&email, "initial-pass").await,
    }
}

async fn set_capacity(app: &TestApp, ws: &Workspace, agent: &str, capacity: i64) {
    let (status, changed) = app
        .api(
            "PATCH",
            &format!("/agents/{agent}"),
            Some(&ws.token),
            Some(json!({ "capacity": capacity })),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["capacity"], capacity);
}

/// A team of `members` with `assignment`, answering the workspace's site.
async fn route_to_team(
    app: &TestApp,
    ws: &Workspace,
    members: &[&str],
    assignment: &str,
) -> String {
    let (status, team) = app
        .api(
            "POST",
            "/teams",
            Some(&ws.token),
            Some(json!({"name": format!("Team {assignment}"), "agent_ids": members, "assignment": assignment})),
        )
        .await;
    assert_eq!(status, 201, "{team}");
    let id = team["id"].as_str().unwrap().to_owned();
    let (status, site) = app
        .api(
            "PATCH",
            &format!("/sites/{}", ws.site.id),
            Some(&ws.token),
            Some(json!({ "team_id": id })),
        )
        .await;
    assert_eq!(status, 200, "{site}");
    id
}

/// A new visitor writes: its connection and conversation id.
async fn visitor_writes(app: &TestApp, ws: &Workspace, body: &str) -> (WsClient, String) {
    let (visitor, id, _, _) = visitor_writes_token(app, ws, body).await;
    (visitor, id)
}

/// `visitor_writes`, with the visitor's token and the `queue` frames that came before its
/// `sent` (the conversation is opened, and queued, before the message is stored).
async fn visitor_writes_token(
    app: &TestApp,
    ws: &Workspace,
    body: &str,
) -> (WsClient, String, String, Vec<Value>) {
    let (mut visitor, welcome) = app.visitor(&ws.site).await;
    let token = welcome["token"].as_str().unwrap().to_owned();
    visitor
        .send(json!({"type": "send", "ref": "first", "client_msg_id": uuid::Uuid::new_v4().to_string(), "body": body}))
        .await;
    let before = visitor.frames_before(|f| f["ref"] == "first").await;
    let mut queue: Vec<Value> = before
        .into_iter()
        .filter(|f| f["type"] == "queue")
        .collect();
    // A team that assigns automatically tells each new conversation's visitor where it stands
    // (waiting, or taken at once): before or after the `sent`.
    let (_, team) = app
        .api(
            "GET",
            &format!("/sites/{}", ws.site.id),
            Some(&ws.token),
            None,
        )
        .await;
    if queue.is_empty() && !team["team_id"].is_null() {
        queue.push(
            visitor
                .recv_type_within("queue", Duration::from_secs(5))
                .await,
        );
    }
    let (status, page) = app
        .api("GET", "/conversations?status=open", Some(&ws.token), None)
        .await;
    assert_eq!(status, 200);
    let visitor_id = welcome["visitor_id"].as_str().unwrap();
    let id = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["visitor_id"] == visitor_id)
        .expect("its conversation")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (visitor, id, token, queue)
}

async fn conversation(app: &TestApp, ws: &Workspace, id: &str) -> Value {
    let (status, conversation) = app
        .api(
            "GET",
            &format!("/conversations/{id}"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{conversation}");
    conversation
}

async fn assignee(app: &TestApp, ws: &Workspace, id: &str) -> Option<String> {
    conversation(app, ws, id).await["assignee_id"]
        .as_str()
        .map(str::to_owned)
}

/// Waits until every conversation's assignee is what `expected` says, at most 5 s.
async fn settles(
    app: &TestApp,
    ws: &Workspace,
    ids: &[String],
    expected: impl Fn(&[Option<String>]) -> bool,
) -> Vec<Option<String>> {
    let mut now = Vec::new();
    for _ in 0..50 {
        now.clear();
        for id in ids {
            now.push(assignee(app, ws, id).await);
        }
        if expected(&now) {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("assignees never settled: {now:?}");
}

async fn messages(app: &TestApp, ws: &Workspace, id: &str) -> Vec<Value> {
    let (status, page) = app
        .api(
            "GET",
            &format!("/conversations/{id}/messages"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

fn lines(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .filter(|m| m["kind"] == "event")
        .inspect(|m| assert_eq!(m["author"]["kind"], "system", "{m}"))
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect()
}

/// The conversation's system lines once they are `expected` (a line is written right after
/// the change it tells of), at most 5 s.
async fn lines_become(app: &TestApp, ws: &Workspace, id: &str, expected: &[&str]) {
    let mut now = Vec::new();
    for _ in 0..50 {
        now = lines(&messages(app, ws, id).await);
        if now == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(now, expected);
}

fn count(assignees: &[Option<String>], agent: &str) -> usize {
    assignees
        .iter()
        .filter(|a| a.as_deref() == Some(agent))
        .count()
}

async fn round_robin_spreads_by_capacity_and_a_freed_slot_takes_the_oldest_waiting(
    backend: Backend,
) {
    let app = spawn_app_with(backend, FAST).await;
    let ws = app.first_workspace().await;
    let bob = add_agent(&app, &ws, "Bob", 2).await;
    let carol = add_agent(&app, &ws, "Carol", 1).await;
    route_to_team(&app, &ws, &[&bob.id, &carol.id], "round_robin").await;
    let (mut bob_tab, _) = app.agent(&bob.token).await;
    let (_carol_tab, _) = app.agent(&carol.token).await;

    let mut ids = Vec::new();
    let mut visitors = Vec::new();
    let mut queued = Vec::new();
    for n in 0..4 {
        let (visitor, id, _, queue) =
            visitor_writes_token(&app, &ws, &format!("question {n}")).await;
        ids.push(id);
        visitors.push(visitor);
        queued.push(queue);
    }
    let assigned = settles(&app, &ws, &ids, |a| {
        a.iter().filter(|a| a.is_some()).count() == 3
    })
    .await;
    assert_eq!(count(&assigned, &bob.id), 2, "{assigned:?}");
    assert_eq!(count(&assigned, &carol.id), 1, "{assigned:?}");
    assert_eq!(assigned[3], None, "the newest waits: {assigned:?}");
    // Bob heard of his assignments from `conversation` frames.
    bob_tab
        .frames_before(|f| {
            f["type"] == "conversation" && f["conversation"]["assignee_id"] == bob.id.as_str()
        })
        .await;
    // The waiting visitor knows its place.
    let place = queued[3].last().expect("a place in the queue");
    assert_eq!(place["position"], 1, "{place}");
    assert_eq!(place["conversation_id"], ids[3].as_str());

    // Carol resolves hers: the waiting one is hers now, and its visitor is told.
    let carols = ids[assigned
        .iter()
        .position(|a| a.as_deref() == Some(carol.id.as_str()))
        .unwrap()]
    .clone();
    let (status, _) = app
        .api(
            "PATCH",
            &format!("/conversations/{carols}"),
            Some(&carol.token),
            Some(json!({"status": "resolved"})),
        )
        .await;
    assert_eq!(status, 200);
    let ids3 = [ids[3].clone()];
    settles(&app, &ws, &ids3, |a| {
        a[0].as_deref() == Some(carol.id.as_str())
    })
    .await;
    // Told that it waits no more, and who joined.
    visitors[3]
        .frames_before(|f| f["type"] == "queue" && f["position"].is_null())
        .await;
    visitors[3]
        .frames_before(|f| f["type"] == "message" && f["message"]["kind"] == "event")
        .await;
    lines_become(&app, &ws, &ids[3], &["Carol joined the conversation"]).await;
}

async fn least_busy_evens_loads_and_a_waiting_conversation_goes_to_the_agent_who_comes_online(
    backend: Backend,
) {
    let app = spawn_app_with(backend, FAST).await;
    let ws = app.first_workspace().await;
    let bob = add_agent(&app, &ws, "Bob", 3).await;
    let carol = add_agent(&app, &ws, "Carol", 3).await;
    route_to_team(&app, &ws, &[&bob.id, &carol.id], "least_busy").await;

    // Nobody online: it waits, and its visitor is told its place, again after a reconnect.
    let (first, first_id, token, queue) = visitor_writes_token(&app, &ws, "anyone?").await;
    assert_eq!(
        queue.last().map(|q| q["position"].clone()),
        Some(json!(1)),
        "{queue:?}"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(assignee(&app, &ws, &first_id).await, None);
    first.close().await;
    let (mut first, welcome) = app
        .visitor_with(&ws.site, json!({"type": "hello", "token": token}))
        .await;
    assert_eq!(welcome["queue_position"], 1, "{welcome}");

    // Carol comes online: it is hers at once.
    let (_carol_tab, _) = app.agent(&carol.token).await;
    let one = [first_id.clone()];
    settles(&app, &ws, &one, |a| {
        a[0].as_deref() == Some(carol.id.as_str())
    })
    .await;
    let joined = first
        .frames_before(|f| f["type"] == "message" && f["message"]["kind"] == "event")
        .await;
    assert!(
        joined
            .iter()
            .any(|f| f["type"] == "queue" && f["position"].is_null()),
        "{joined:?}"
    );
    lines_become(&app, &ws, &first_id, &["Carol joined the conversation"]).await;

    // Bob comes online with nothing: the next goes to him, then they alternate as loads even.
    let (_bob_tab, _) = app.agent(&bob.token).await;
    let mut ids = Vec::new();
    let mut visitors = Vec::new();
    for n in 0..3 {
        let (visitor, id) = visitor_writes(&app, &ws, &format!("question {n}")).await;
        // One at a time: each choice sees the loads the last one left.
        let just = [id.clone()];
        settles(&app, &ws, &just, |a| a[0].is_some()).await;
        ids.push(id);
        visitors.push(visitor);
    }
    let assigned = settles(&app, &ws, &ids, |a| a.iter().all(Option::is_some)).await;
    assert_eq!(
        assigned[0].as_deref(),
        Some(bob.id.as_str()),
        "{assigned:?}"
    );
    assert_eq!(count(&assigned, &bob.id), 2, "{assigned:?}");
    assert_eq!(count(&assigned, &carol.id), 1, "{assigned:?}");
}

async fn capacity_zero_is_never_given_one_and_an_agent_gone_gives_back(backend: Backend) {
    let app = spawn_app_with(backend, FAST).await;
    let ws = app.first_workspace().await;
    let bob = add_agent(&app, &ws, "Bob", 0).await;
    let carol = add_agent(&app, &ws, "Carol", 1).await;
    route_to_team(&app, &ws, &[&bob.id, &carol.id], "least_busy").await;
    let (_bob_tab, _) = app.agent(&bob.token).await;
    let (carol_tab, _) = app.agent(&carol.token).await;
    let (_v1, first) = visitor_writes(&app, &ws, "one").await;
    let (_v2, second) = visitor_writes(&app, &ws, "two").await;
    let both = [first.clone(), second.clone()];
    let assigned = settles(&app, &ws, &both, |a| a[0].is_some()).await;
    assert_eq!(assigned[0].as_deref(), Some(carol.id.as_str()));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        assignee(&app, &ws, &second).await,
        None,
        "Bob takes none at capacity 0"
    );

    // Carol leaves: after a second gone, hers goes back to the queue.
    carol_tab.close().await;
    settles(&app, &ws, &both, |a| a.iter().all(Option::is_none)).await;
    lines_become(
        &app,
        &ws,
        &first,
        &[
            "Carol joined the conversation",
            "Carol left the conversation",
        ],
    )
    .await;
    // Bob's capacity raised: both are his, oldest first.
    set_capacity(&app, &ws, &bob.id, 2).await;
    settles(&app, &ws, &both, |a| {
        a.iter().all(|a| a.as_deref() == Some(bob.id.as_str()))
    })
    .await;
}

async fn a_transfer_leaves_lines_for_both_sides_and_a_note_for_agents_only(backend: Backend) {
    let app = spawn_app_with(backend, FAST).await;
    let ws = app.first_workspace().await;
    let (status, billing) = app
        .api(
            "POST",
            "/teams",
            Some(&ws.token),
            Some(json!({"name": "Billing"})),
        )
        .await;
    assert_eq!(status, 201);
    let billing = billing["id"].as_str().unwrap().to_owned();
    let (mut visitor, id) = visitor_writes(&app, &ws, "my invoice is wrong").await;
    let path = format!("/conversations/{id}");
    let (status, taken) = app
        .api(
            "PATCH",
            &path,
            Some(&ws.token),
            Some(json!({"assignee_id": ws.admin.id})),
        )
        .await;
    assert_eq!(status, 200, "{taken}");
    let (status, moved) = app
        .api(
            "PATCH",
            &path,
            Some(&ws.token),
            Some(json!({"team_id": billing, "note": "Customer since 2019, be nice"})),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["team_id"], billing.as_str());
    assert!(
        moved["assignee_id"].is_null(),
        "a transfer to a team leaves the assignee: {moved}"
    );
    let stored = messages(&app, &ws, &id).await;
    assert_eq!(
        lines(&stored),
        [
            format!("{} joined the conversation", ws.admin.name),
            "Transferred to Billing".to_owned(),
            format!("{} left the conversation", ws.admin.name)
        ]
    );
    let note = stored
        .iter()
        .find(|m| m["kind"] == "note")
        .expect("the note");
    assert_eq!(note["body"], "Customer since 2019, be nice");
    // The visitor saw the lines, never the note.
    let seen = visitor
        .frames_before(|f| {
            f["type"] == "message"
                && f["message"]["body"] == format!("{} left the conversation", ws.admin.name)
        })
        .await;
    assert!(
        !seen.iter().any(|f| f["message"]["kind"] == "note"),
        "{seen:?}"
    );
    // Another workspace's team, or one that does not exist, is refused.
    let other = app.other_workspace("owner@other.test").await;
    let (_, theirs) = app
        .api(
            "POST",
            "/teams",
            Some(&other.token),
            Some(json!({"name": "Theirs"})),
        )
        .await;
    let (status, _) = app
        .api(
            "PATCH",
            &path,
            Some(&ws.token),
            Some(json!({"team_id": theirs["id"]})),
        )
        .await;
    assert_eq!(status, 422);
    // A note with a NUL refuses the whole change.
    let (status, _) = app
        .api(
            "PATCH",
            &path,
            Some(&ws.token),
            Some(json!({"team_id": null, "note": "a\u{0}b"})),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        conversation(&app, &ws, &id).await["team_id"],
        billing.as_str()
    );
}

async fn set_settings(app: &TestApp, ws: &Workspace, settings: Value) {
    let (status, site) = app
        .api(
            "PATCH",
            &format!("/sites/{}", ws.site.id),
            Some(&ws.token),
            Some(json!({ "settings": settings })),
        )
        .await;
    assert_eq!(status, 200, "{site}");
}

async fn the_offline_policy_asks_for_an_email_first_and_an_email_alone_is_a_lead(backend: Backend) {
    let app = spawn_app_with(backend, FAST).await;
    let ws = app.first_workspace().await;
    set_settings(
        &app,
        &ws,
        json!({"offline": "message", "offline_email_required": true}),
    )
    .await;

    // Nobody online: no message without an email.
    let (mut visitor, welcome) = app.visitor(&ws.site).await;
    assert_eq!(welcome["available"], false);
    assert_eq!(welcome["settings"]["offline"], "message");
    let refused = visitor.send_text(None, "hello?").await;
    assert_eq!(refused["code"], "conflict", "{refused}");
    // The email first (a lead of its own), then the message joins it.
    let ok = visitor
        .call(json!({"type": "profile", "email": "ada@example.com"}))
        .await;
    assert_eq!(ok["type"], "ok", "{ok}");
    let sent = visitor.send_text(None, "my order #42 never came").await;
    assert_eq!(sent["type"], "sent", "{sent}");
    let id = sent["message"]["conversation_id"].as_str().unwrap();
    let stored = messages(&app, &ws, id).await;
    assert_eq!(lines(&stored), ["Left an email address: ada@example.com"]);
    assert!(stored
        .iter()
        .any(|m| m["body"] == "my order #42 never came"));

    // An email left alone still reaches the agents.
    let (mut quiet, _) = app.visitor(&ws.site).await;
    let ok = quiet
        .call(json!({"type": "profile", "email": "bo@example.com"}))
        .await;
    assert_eq!(ok["type"], "ok");
    let (_, inbox) = app
        .api("GET", "/conversations?status=open", Some(&ws.token), None)
        .await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 2, "{inbox}");

    // The form policy needs an email too.
    set_settings(&app, &ws, json!({"offline": "form"})).await;
    let (mut formal, _) = app.visitor(&ws.site).await;
    assert_eq!(formal.send_text(None, "hi").await["code"], "conflict");
    // With an agent online, nothing is asked.
    let (_admin, _) = app.agent(&ws.token).await;
    let (mut live, welcome) = app.visitor(&ws.site).await;
    assert_eq!(welcome["available"], true);
    assert_eq!(live.send_text(None, "hi").await["type"], "sent");
    // `hidden` is a setting the widget reads; bad policies are refused.
    set_settings(&app, &ws, json!({"offline": "hidden"})).await;
    let (status, _) = app
        .api(
            "PATCH",
            &format!("/sites/{}", ws.site.id),
            Some(&ws.token),
            Some(json!({"settings": {"offline": "vanish"}})),
        )
        .await;
    assert_eq!(status, 422);
}

async fn prechat_answers_come_first_are_checked_and_reach_agents(backend: Backend) {
    let app = spawn_app_with(backend, FAST).await;
    let ws = app.first_workspace().await;
    set_settings(
        &app,
        &ws,
        json!({"prechat": {"enabled": true, "fields": [
            {"name": "name", "kind": "text", "label": "Your name", "required": true},
            {"name": "email", "kind": "email", "label": "Email", "required": true, "labels": {"fr": "Courriel"}},
            {"name": "topic", "kind": "select", "label": "Topic", "required": true, "options": ["Sales", "Support"]},
            {"name": "newsletter", "kind": "checkbox", "label": "News", "required": false}
        ]}}),
    )
    .await;
    let (mut agent, _) = app.agent(&ws.token).await;
    let (mut visitor, welcome) = app.visitor(&ws.site).await;
    assert_eq!(
        welcome["profile"],
        json!({"name": null, "email": null, "attributes": {}})
    );
    assert_eq!(visitor.send_text(None, "hi").await["code"], "conflict");
    let bad = visitor
        .call(json!({"type": "prechat", "answers": {"name": "Ada", "email": "not-an-email", "topic": "Sales"}}))
        .await;
    assert_eq!(bad["code"], "bad_request", "{bad}");
    assert!(
        bad["message"].as_str().unwrap().contains("answers.email"),
        "{bad}"
    );
    let bad = visitor
        .call(json!({"type": "prechat", "answers": {"name": "Ada", "email": "ada@example.com", "topic": "Gossip"}}))
        .await;
    assert_eq!(bad["code"], "bad_request", "{bad}");
    let ok = visitor
        .call(json!({"type": "prechat", "answers": {"name": "Ada", "email": "ada@example.com", "topic": "Support", "newsletter": true}}))
        .await;
    assert_eq!(ok["type"], "ok", "{ok}");
    let seen = agent.recv_type("visitor").await;
    assert_eq!(seen["visitor"]["name"], "Ada");
    assert_eq!(
        seen["visitor"]["attributes"],
        json!({"topic": "Support", "newsletter": true})
    );
    let sent = visitor.send_text(None, "hi").await;
    assert_eq!(sent["type"], "sent", "{sent}");
    let visitor_id = welcome["visitor_id"].as_str().unwrap();
    let (_, profile) = app
        .api(
            "GET",
            &format!("/visitors/{visitor_id}"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(profile["email"], "ada@example.com", "{profile}");
    assert_eq!(profile["attributes"]["topic"], "Support", "{profile}");
    // The answers, the name and the email find the conversation in the inbox.
    for q in ["support", "Ada", "ada@example.com"] {
        let (status, found) = app
            .api(
                "GET",
                &format!("/conversations?q={q}"),
                Some(&ws.token),
                None,
            )
            .await;
        assert_eq!(status, 200, "{found}");
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "{q}: {found}");
    }
    let (status, none) = app
        .api("GET", "/conversations?q=Sales", Some(&ws.token), None)
        .await;
    assert_eq!(status, 200, "{none}");
    assert_eq!(
        none["items"],
        json!([]),
        "an option not chosen finds nothing"
    );
    let (status, _) = app
        .api("GET", "/conversations?q=%00ada", Some(&ws.token), None)
        .await;
    assert_eq!(
        status, 400,
        "a control character is refused, not sent to the database"
    );
    // Back later, the widget knows what it gave.
    let token = welcome["token"].as_str().unwrap();
    let (_, again) = app
        .visitor_with(&ws.site, json!({"type": "hello", "token": token}))
        .await;
    assert_eq!(again["profile"]["attributes"]["topic"], "Support");
    // A bad form is refused with its place.
    let (status, body) = app
        .api(
            "PATCH",
            &format!("/sites/{}", ws.site.id),
            Some(&ws.token),
            Some(json!({"settings": {"prechat": {"enabled": true, "fields": [{"name": "Bad Name", "kind": "text", "label": "x"}]}}})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
}

async fn agents_see_who_else_views_a_conversation(backend: Backend) {
    let app = spawn_app_with(backend, FAST).await;
    let ws = app.first_workspace().await;
    let bob = add_agent(&app, &ws, "Bob", 5).await;
    let (mut visitor, id) = visitor_writes(&app, &ws, "hello").await;
    let (mut admin, _) = app.agent(&ws.token).await;
    let (mut bob_tab, _) = app.agent(&bob.token).await;
    let ok = admin
        .call(json!({"type": "viewing", "conversation_id": id, "state": "on"}))
        .await;
    assert_eq!(ok["type"], "ok", "{ok}");
    let seen = bob_tab.recv_type("viewing").await;
    assert_eq!(
        seen,
        json!({"type": "viewing", "conversation_id": id, "agent_id": ws.admin.id, "state": "on"})
    );
    admin
        .call(json!({"type": "typing", "conversation_id": id, "state": "on"}))
        .await;
    let typing = bob_tab.recv_type("typing").await;
    assert_eq!(typing["author"]["kind"], "agent");
    // Visitors cannot, and another workspace's conversation is not found.
    let refused = visitor
        .call(json!({"type": "viewing", "conversation_id": id, "state": "on"}))
        .await;
    assert_eq!(refused["code"], "forbidden");
    let other = app.other_workspace("owner@other.test").await;
    let (mut stranger, _) = app.agent(&other.token).await;
    let refused = stranger
        .call(json!({"type": "viewing", "conversation_id": id, "state": "on"}))
        .await;
    assert_eq!(refused["code"], "not_found");
}

async fn the_visitor_learns_the_expected_reply_time(backend: Backend) {
    let app = spawn_app_with(backend, FAST).await;
    let ws = app.first_workspace().await;
    let (_visitor, id) = visitor_writes(&app, &ws, "hello").await;
    let (mut admin, _) = app.agent(&ws.token).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let reply = admin.send_text(Some(&id), "hi, how can I help?").await;
    assert_eq!(reply["type"], "sent");
    // The first hello found nothing to tell from; that is remembered for a few seconds.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (_, welcome) = app.visitor(&ws.site).await;
    let expected = welcome["expected_reply_s"].as_u64().expect("a number");
    assert!((1..=5).contains(&expected), "{welcome}");
    assert!(welcome["queue_position"].is_null());
}

/// A widget sends the email and the message without waiting between them. The profile's
/// write must not hold the database while the message's conversation is being opened (it
/// did on SQLite: the send waited 5 s for the one writer connection and failed).
async fn a_first_message_right_behind_a_profile_is_stored_at_once(backend: Backend) {
    let app = spawn_app_with(backend, FAST).await;
    let ws = app.first_workspace().await;
    for round in 0..3 {
        let (mut visitor, _) = app.visitor(&ws.site).await;
        let started = std::time::Instant::now();
        visitor
            .send(json!({"type": "profile", "ref": "p", "email": format!("v{round}@example.com")}))
            .await;
        visitor
            .send(json!({"type": "send", "ref": "s", "client_msg_id": uuid::Uuid::new_v4().to_string(), "body": "hello"}))
            .await;
        let mut answered = Vec::new();
        while answered.len() < 2 {
            let frame = visitor.recv().await;
            if frame["ref"] == "p" || frame["ref"] == "s" {
                answered.push(frame);
            }
        }
        assert!(
            answered.iter().any(|f| f["type"] == "sent")
                && answered.iter().any(|f| f["type"] == "ok"),
            "{answered:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "took {:?}",
            started.elapsed()
        );
    }
}
