//! Reports: the measures kept as conversations change, and the contract's summary over them.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, Backend, TestApp, Workspace};

crate::on_both_backends!(
    first_replies_and_resolutions_are_kept_as_they_happen,
    a_scripted_week_gives_exactly_the_expected_summary,
    the_live_view_counts_the_queue_and_each_agents_load,
    business_hours_only_count_the_time_the_team_is_open,
);

async fn summary(app: &TestApp, ws: &Workspace, query: &str) -> (u16, Value) {
    app.api(
        "GET",
        &format!("/reports/summary?{query}"),
        Some(&ws.token),
        None,
    )
    .await
}

fn around_now() -> String {
    let now = chrono::Utc::now();
    let from =
        (now - chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let to = (now + chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    format!("from={from}&to={to}")
}

async fn first_replies_and_resolutions_are_kept_as_they_happen(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let sent = visitor.send_text(None, "hello").await;
    let id = sent["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let post = |kind: &str, body: &str| json!({"client_msg_id": Uuid::new_v4(), "kind": kind, "body": body});
    let path = format!("/conversations/{id}/messages");
    // A note is no answer.
    app.api(
        "POST",
        &path,
        Some(&ws.token),
        Some(post("note", "looking")),
    )
    .await;
    let (_, before) = summary(&app, &ws, &around_now()).await;
    assert_eq!(before["first_response_s"]["p50"], Value::Null, "{before}");
    app.api("POST", &path, Some(&ws.token), Some(post("text", "hi!")))
        .await;
    app.api(
        "POST",
        &path,
        Some(&ws.token),
        Some(post("text", "still there?")),
    )
    .await;
    let conversation = format!("/conversations/{id}");
    app.api(
        "PATCH",
        &conversation,
        Some(&ws.token),
        Some(json!({"status": "resolved"})),
    )
    .await;
    let (status, after) = summary(&app, &ws, &around_now()).await;
    assert_eq!(status, 200, "{after}");
    let first = after["first_response_s"]["p50"].as_f64().unwrap();
    assert!((0.0..30.0).contains(&first), "{after}");
    assert_eq!(
        (after["conversations"].as_u64(), after["resolved"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(after["resolution_s"]["p50"].as_f64().unwrap() >= first);
    // The visitor writes again: open, no resolution until it is resolved again.
    visitor.send_text(Some(&id), "one more thing").await;
    let (_, reopened) = summary(&app, &ws, &around_now()).await;
    assert_eq!(reopened["resolved"], 0);
    assert_eq!(reopened["resolution_s"]["p50"], Value::Null);
    assert_eq!(
        reopened["first_response_s"]["p50"].as_f64().unwrap(),
        first,
        "the first reply stays the first"
    );
    app.api(
        "PATCH",
        &conversation,
        Some(&ws.token),
        Some(json!({"status": "resolved"})),
    )
    .await;
    let rated = visitor
        .call(json!({"type": "rate", "conversation_id": id, "score": 5}))
        .await;
    assert_eq!(rated["type"], "ok");
    let (_, done) = summary(&app, &ws, &around_now()).await;
    assert_eq!(done["resolved"], 1);
    assert_eq!(done["rating"], json!({"count": 1, "average": 5.0}));
    // A transfer moves the conversation to its new holder's row and keeps its measures.
    let (_, bob) = app
        .api(
            "POST",
            "/agents",
            Some(&ws.token),
            Some(json!({"email": "bob@acme.test", "name": "Bob", "password": "initial-pass"})),
        )
        .await;
    let (status, moved) = app
        .api(
            "PATCH",
            &conversation,
            Some(&ws.token),
            Some(json!({"assignee_id": bob["id"]})),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    let (_, rows) = app
        .api(
            "GET",
            &format!("/reports/breakdown?{}&by=agent", around_now()),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(rows["rows"].as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows["rows"][0]["name"], "Bob");
    assert_eq!(
        rows["rows"][0]["first_response_s"]["p50"].as_f64().unwrap(),
        first
    );
    assert_eq!(rows["rows"][0]["resolved"], 1);
    // Bad periods.
    for bad in [
        "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
        "from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
        "from=yesterday&to=today",
    ] {
        let (status, body) = summary(&app, &ws, bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
}

/// A timestamp literal for `app`'s store: `2026-11-02T00:00:00Z` plus `seconds`.
fn at(app: &TestApp, seconds: i64) -> String {
    let base = chrono::DateTime::parse_from_rfc3339("2026-11-02T00:00:00Z").unwrap();
    let t = base + chrono::Duration::seconds(seconds);
    if app.db.url.starts_with("postgres") {
        format!("timestamptz '{}'", t.to_rfc3339())
    } else {
        (t.timestamp() * 1_000_000).to_string()
    }
}

async fn a_scripted_week_gives_exactly_the_expected_summary(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let other = app.other_workspace("other@acme.test").await;
    let (_, bob) = app
        .api(
            "POST",
            "/agents",
            Some(&ws.token),
            Some(json!({"email": "bob@acme.test", "name": "Bob", "password": "initial-pass"})),
        )
        .await;
    let bob = bob["id"].as_str().unwrap().to_owned();
    // Seven conversations, one a day: (first reply after, resolved after, rating, Bob's?).
    type Day = (Option<i64>, Option<i64>, Option<u8>, bool);
    let week: [Day; 7] = [
        (Some(30), Some(600), Some(5), false),
        (Some(60), Some(1200), Some(4), true),
        (Some(90), None, None, false),
        (Some(120), Some(3600), Some(2), true),
        (None, None, None, false),
        (Some(300), Some(7200), None, false),
        (Some(600), Some(86_400), Some(3), true),
    ];
    for (day, (reply, resolved, rating, bobs)) in week.iter().enumerate() {
        let (mut visitor, _) = app.visitor(&ws.site).await;
        let id = visitor.send_text(None, "help").await["message"]["conversation_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let created = day as i64 * 86_400 + 9 * 3600;
        let mut set = vec![format!("created_at = {}", at(&app, created))];
        set.push(match reply {
            Some(after) => format!("first_reply_at = {}", at(&app, created + after)),
            None => "first_reply_at = null".into(),
        });
        if let Some(after) = resolved {
            set.push("status = 'resolved'".into());
            set.push(format!("resolved_at = {}", at(&app, created + after)));
        }
        if let Some(score) = rating {
            set.push(format!(
                "rating = '{{\"score\":{score},\"comment\":null,\"created_at\":\"2026-11-10T00:00:00Z\"}}'"
            ));
        }
        if *bobs {
            let agent = if app.db.url.starts_with("postgres") {
                format!("'{bob}'")
            } else {
                format!("x'{}'", bob.replace('-', ""))
            };
            set.push(format!("assignee_id = {agent}"));
        }
        let where_id = if app.db.url.starts_with("postgres") {
            format!("'{id}'")
        } else {
            format!("x'{}'", id.replace('-', ""))
        };
        app.sql(&format!(
            "update conversations set {} where id = {where_id}",
            set.join(", ")
        ))
        .await;
    }
    let week_query = "from=2026-11-02T00:00:00Z&to=2026-11-09T00:00:00Z";
    let (status, all) = summary(&app, &ws, week_query).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(
        all,
        json!({
            "conversations": 7, "resolved": 5, "messages": 7,
            // Six first replies (30, 60, 90, 120, 300, 600 s): nearest rank, the 3rd and 6th.
            "first_response_s": {"p50": 90.0, "p90": 600.0},
            "resolution_s": {"p50": 3600.0, "p90": 86400.0},
            "rating": {"count": 4, "average": 3.5}
        })
    );
    let (_, bobs) = summary(&app, &ws, &format!("{week_query}&agent_id={bob}")).await;
    assert_eq!(
        bobs,
        json!({
            "conversations": 3, "resolved": 3, "messages": 3,
            "first_response_s": {"p50": 120.0, "p90": 600.0},
            "resolution_s": {"p50": 3600.0, "p90": 86400.0},
            "rating": {"count": 3, "average": 3.0}
        })
    );
    // The first three days only; and another workspace sees none of it.
    let (_, start) = summary(
        &app,
        &ws,
        "from=2026-11-02T00:00:00Z&to=2026-11-05T00:00:00Z",
    )
    .await;
    assert_eq!(
        (start["conversations"].as_u64(), start["resolved"].as_u64()),
        (Some(3), Some(2))
    );
    let (_, theirs) = summary(&app, &other, week_query).await;
    assert_eq!(theirs["conversations"], 0);

    // By day in UTC: seven buckets of one conversation each, with that day's measures.
    let (status, series) = report(&app, &ws, "series", &format!("{week_query}&interval=day")).await;
    assert_eq!(status, 200, "{series}");
    let points = series["points"].as_array().unwrap();
    assert_eq!(points.len(), 7);
    assert_eq!(points[0]["start"], "2026-11-02T00:00:00Z");
    assert_eq!(points[6]["start"], "2026-11-08T00:00:00Z");
    let firsts: Vec<Value> = points
        .iter()
        .map(|p| p["first_response_s"]["p50"].clone())
        .collect();
    assert_eq!(
        firsts,
        [
            json!(30.0),
            json!(60.0),
            json!(90.0),
            json!(120.0),
            Value::Null,
            json!(300.0),
            json!(600.0)
        ]
    );
    assert!(points.iter().all(|p| p["conversations"] == 1), "{series}");
    assert_eq!(points[1]["rating"], json!({"count": 1, "average": 4.0}));
    // In Paris (UTC+1 in November) the range starts at 01:00 on the 2nd, which is in the day
    // that began at 23:00 UTC, and ends in an eighth local day, empty.
    let (_, paris) = report(
        &app,
        &ws,
        "series",
        &format!("{week_query}&interval=day&tz=Europe/Paris"),
    )
    .await;
    let points = paris["points"].as_array().unwrap();
    assert_eq!(paris["tz"], "Europe/Paris");
    assert_eq!(points.len(), 8, "{paris}");
    assert_eq!(points[0]["start"], "2026-11-01T23:00:00Z");
    assert_eq!(points[7]["conversations"], 0);
    assert_eq!(
        points[7]["first_response_s"],
        json!({"p50": null, "p90": null})
    );
    // By hour: 168 buckets, the conversations at 09:00 each day.
    let (_, hours) = report(&app, &ws, "series", &format!("{week_query}&interval=hour")).await;
    let points = hours["points"].as_array().unwrap();
    assert_eq!(points.len(), 168);
    let busy: Vec<usize> = (0..168)
        .filter(|&i| points[i]["conversations"] == 1)
        .collect();
    assert_eq!(busy, (0..7).map(|d| d * 24 + 9).collect::<Vec<_>>());
    for bad in [
        "from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&interval=hour",
        "from=2026-11-02T00:00:00Z&to=2026-11-09T00:00:00Z&interval=week",
        "from=2026-11-02T00:00:00Z&to=2026-11-09T00:00:00Z&interval=day&tz=Mars/Olympus",
    ] {
        let (status, body) = report(&app, &ws, "series", bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }

    // Per agent: nobody's four first, then Bob's three, named.
    let (_, by_agent) = report(&app, &ws, "breakdown", &format!("{week_query}&by=agent")).await;
    let rows = by_agent["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{by_agent}");
    assert_eq!(
        (rows[0]["id"].clone(), rows[0]["conversations"].clone()),
        (Value::Null, json!(4))
    );
    assert_eq!(
        (rows[1]["id"].as_str(), rows[1]["name"].as_str()),
        (Some(bob.as_str()), Some("Bob"))
    );
    assert_eq!(rows[1]["resolution_s"], bobs["resolution_s"]);
    let (_, by_site) = report(&app, &ws, "breakdown", &format!("{week_query}&by=site")).await;
    assert_eq!(
        by_site["rows"][0]["name"].as_str(),
        Some(ws.site.name.as_str())
    );
    assert_eq!(by_site["rows"][0]["conversations"], 7);

    // The busiest hours: 09:00 UTC each weekday, 10:00 in Paris.
    let (_, heat) = report(&app, &ws, "heatmap", week_query).await;
    let days = heat["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    for day in days {
        let hours: Vec<u64> = day
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_u64().unwrap())
            .collect();
        assert_eq!(hours.len(), 24);
        assert_eq!((hours[9], hours.iter().sum::<u64>()), (1, 1), "{heat}");
    }
    let (_, heat) = report(
        &app,
        &ws,
        "heatmap",
        &format!("{week_query}&tz=Europe/Paris"),
    )
    .await;
    assert_eq!(heat["days"][0][10], 1);

    // The CSV: a header and a line per conversation, Bob named on his three.
    let csv = app
        .http
        .get(app.url(&format!("/api/v1/reports/export?{week_query}")))
        .bearer_auth(&ws.token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "id,created_at,site,team,assignee,status,messages,first_response_s,resolution_s,rating"
    );
    assert_eq!(lines.len(), 8, "{text}");
    assert_eq!(lines.iter().filter(|l| l.contains(",Bob,")).count(), 3);
    assert!(
        lines[1].ends_with(",resolved,1,30.000,600.000,5"),
        "{}",
        lines[1]
    );
    // Another workspace's agent or a stranger reads nothing of it.
    let (_, theirs) = report(&app, &other, "breakdown", &format!("{week_query}&by=agent")).await;
    assert_eq!(theirs["rows"], json!([]));
    let (status, _) = app
        .api(
            "GET",
            &format!("/reports/series?{week_query}&interval=day"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 401);
}

async fn report(app: &TestApp, ws: &Workspace, name: &str, query: &str) -> (u16, Value) {
    app.api(
        "GET",
        &format!("/reports/{name}?{query}"),
        Some(&ws.token),
        None,
    )
    .await
}

/// The live view: what waits now, for how long, and each agent's load.
async fn the_live_view_counts_the_queue_and_each_agents_load(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (mut visitor, _) = app.visitor(&ws.site).await;
        let sent = visitor.send_text(None, "anyone?").await;
        ids.push(
            sent["message"]["conversation_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // One taken by the admin, one snoozed: one waits.
    app.api(
        "PATCH",
        &format!("/conversations/{}", ids[0]),
        Some(&ws.token),
        Some(json!({"assignee_id": ws.admin.id.0})),
    )
    .await;
    let later = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    app.api(
        "PATCH",
        &format!("/conversations/{}", ids[1]),
        Some(&ws.token),
        Some(json!({"snoozed_until": later})),
    )
    .await;
    let (_agent, _) = app.agent(&ws.token).await;
    let (status, live) = app.api("GET", "/reports/live", Some(&ws.token), None).await;
    assert_eq!(status, 200, "{live}");
    assert_eq!(
        (live["open"].as_i64(), live["waiting"].as_i64()),
        (Some(3), Some(1)),
        "{live}"
    );
    assert!(live["longest_wait_s"].as_f64().unwrap() >= 0.0);
    let admin = &live["agents"][0];
    assert_eq!(
        (
            admin["name"].as_str(),
            admin["status"].as_str(),
            admin["open"].as_i64()
        ),
        (Some(ws.admin.name.as_str()), Some("online"), Some(1)),
        "{live}"
    );
    let other = app.other_workspace("other@acme.test").await;
    let (_, theirs) = app
        .api("GET", "/reports/live", Some(&other.token), None)
        .await;
    assert_eq!(
        (theirs["open"].as_i64(), theirs["longest_wait_s"].clone()),
        (Some(0), Value::Null)
    );
    assert_eq!(theirs["agents"][0]["status"], "offline");
}

/// With the workspace's setting on, a team's conversations count only its open hours; a
/// conversation of no team still counts every hour.
async fn business_hours_only_count_the_time_the_team_is_open(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let weekdays: Vec<Value> = ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|d| json!({"day": d, "from": "09:00", "to": "17:00"}))
        .collect();
    let (status, team) = app
        .api(
            "POST",
            "/teams",
            Some(&ws.token),
            Some(json!({"name": "Sales", "hours": {"time_zone": "UTC", "weekly": weekdays}})),
        )
        .await;
    assert_eq!(status, 201, "{team}");
    let team = team["id"].as_str().unwrap().to_owned();
    let literal = |id: &str| {
        if app.db.url.starts_with("postgres") {
            format!("'{id}'")
        } else {
            format!("x'{}'", id.replace('-', ""))
        }
    };
    // Monday 16:00, answered Tuesday 10:00, resolved Wednesday 09:30 (UTC): 18 h and 41.5 h
    // of wall-clock time, 2 h and 9.5 h of open hours. The same again without a team.
    let monday_16 = 16 * 3600;
    for with_team in [true, false] {
        let (mut visitor, _) = app.visitor(&ws.site).await;
        let id = visitor.send_text(None, "help").await["message"]["conversation_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let team_value = if with_team {
            literal(&team)
        } else {
            "null".into()
        };
        app.sql(&format!(
            "update conversations set created_at = {}, first_reply_at = {}, resolved_at = {}, \
             status = 'resolved', team_id = {team_value} where id = {}",
            at(&app, monday_16),
            at(&app, monday_16 + 18 * 3600),
            at(&app, monday_16 + 41 * 3600 + 1800),
            literal(&id)
        ))
        .await;
    }
    let week = "from=2026-11-02T00:00:00Z&to=2026-11-09T00:00:00Z";
    let with = |q: &str| format!("{week}&team_id={team}{q}");
    let (_, wall) = summary(&app, &ws, &with("")).await;
    assert_eq!(wall["first_response_s"]["p50"], 64800.0, "{wall}");
    let (status, info) = app
        .api(
            "PATCH",
            "/workspace",
            Some(&ws.token),
            Some(json!({"reports_business_hours": true})),
        )
        .await;
    assert_eq!(
        (status, info["reports_business_hours"].as_bool()),
        (200, Some(true)),
        "{info}"
    );
    let (_, open) = summary(&app, &ws, &with("")).await;
    assert_eq!(
        open["first_response_s"],
        json!({"p50": 7200.0, "p90": 7200.0}),
        "{open}"
    );
    assert_eq!(
        open["resolution_s"],
        json!({"p50": 34200.0, "p90": 34200.0})
    );
    // The conversation of no team counts every hour; the series and CSV agree.
    let (_, all) = summary(&app, &ws, week).await;
    assert_eq!(
        all["first_response_s"],
        json!({"p50": 7200.0, "p90": 64800.0}),
        "{all}"
    );
    let (_, series) = report(&app, &ws, "series", &with("&interval=day")).await;
    assert_eq!(series["points"][0]["resolution_s"]["p50"], 34200.0);
    let csv = app
        .http
        .get(app.url(&format!("/api/v1/reports/export?{}", with(""))))
        .bearer_auth(&ws.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.lines().nth(1).unwrap().contains(",7200.000,34200.000,"),
        "{csv}"
    );
}
