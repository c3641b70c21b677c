//! Teams: who answers a site and when; a site's availability follows its team's hours and
//! members.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, Backend};

crate::on_both_backends!(
    teams_are_made_checked_changed_and_removed,
    a_site_is_available_when_its_team_is_open_and_a_member_online,
);

async fn teams_are_made_checked_changed_and_removed(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let hours = json!({"time_zone": "Europe/Paris",
        "weekly": [{"day": "mon", "from": "09:00", "to": "17:30"}],
        "exceptions": [{"date": "2026-12-25", "closed": true}]});
    let (status, team) = app
        .api(
            "POST",
            "/teams",
            Some(&ws.token),
            Some(json!({"name": "Support", "agent_ids": [ws.admin.id], "hours": hours})),
        )
        .await;
    assert_eq!(status, 201, "{team}");
    assert_eq!(team["agent_ids"], json!([ws.admin.id]));
    assert_eq!(team["assignment"], "manual");
    assert_eq!(team["hours"], hours);
    let id = team["id"].as_str().unwrap().to_owned();

    let post = |body: Value| app.api("POST", "/teams", Some(&ws.token), Some(body));
    assert_eq!(
        post(json!({"name": "Support"})).await.0,
        409,
        "names are unique"
    );
    let (status, wrong) =
        post(json!({"name": "Night", "hours": {"time_zone": "Mars/Base", "weekly": []}})).await;
    assert_eq!(status, 422);
    assert!(
        wrong["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("hours: time_zone"),
        "{wrong}"
    );
    let (status, _) = post(json!({"name": "Night", "hours": {"time_zone": "UTC", "weekly": [{"day": "mon", "from": "25:00", "to": "02:00"}]}})).await;
    assert_eq!(status, 422);
    let other = app.other_workspace("owner@other.test").await;
    let (status, foreign) = post(json!({"name": "Night", "agent_ids": [other.admin.id]})).await;
    assert_eq!(status, 422, "another workspace's agent: {foreign}");
    let (status, _) = post(json!({"name": "Night", "assignment": "sometimes"})).await;
    assert_eq!(status, 422, "an unknown rule");

    // Changed: only what is given.
    let path = format!("/teams/{id}");
    let (status, changed) = app
        .api(
            "PATCH",
            &path,
            Some(&ws.token),
            Some(json!({"name": "Support FR", "hours": null})),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["name"], "Support FR");
    assert!(changed["hours"].is_null());
    assert_eq!(changed["agent_ids"], json!([ws.admin.id]));
    // Another workspace sees nothing of it.
    assert_eq!(app.api("GET", &path, Some(&other.token), None).await.0, 404);
    let (_, theirs) = app.api("GET", "/teams", Some(&other.token), None).await;
    assert_eq!(theirs["items"], json!([]));
    // A site answered by the team; removing the team gives the site back to everyone.
    let site = format!("/sites/{}", ws.site.id);
    let (_, routed) = app
        .api(
            "PATCH",
            &site,
            Some(&ws.token),
            Some(json!({"team_id": id})),
        )
        .await;
    assert_eq!(routed["team_id"], json!(id));
    let (status, _) = app
        .api(
            "PATCH",
            &site,
            Some(&other.token),
            Some(json!({"team_id": id})),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .api(
            "PATCH",
            &format!("/sites/{}", other.site.id),
            Some(&other.token),
            Some(json!({"team_id": id})),
        )
        .await;
    assert_eq!(status, 422, "another workspace's team");
    assert_eq!(app.api("DELETE", &path, Some(&ws.token), None).await.0, 204);
    let (_, back) = app.api("GET", &site, Some(&ws.token), None).await;
    assert!(back["team_id"].is_null(), "{back}");
}

async fn a_site_is_available_when_its_team_is_open_and_a_member_online(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let (_, bob) = app
        .api(
            "POST",
            "/agents",
            Some(&ws.token),
            Some(json!({"email": "bob@acme.test", "name": "Bob", "password": "initial-pass"})),
        )
        .await;
    let config = || async {
        app.get(&format!(
            "/api/v1/widget/config?site_key={}",
            ws.site.site_key
        ))
        .await
        .json::<Value>()
        .await
        .unwrap()
    };
    // No team: any agent online.
    assert_eq!(config().await["available"], false);
    let (_admin_tab, _) = app.agent(&ws.token).await;
    assert_eq!(config().await["available"], true);
    let (_, welcome) = app.visitor(&ws.site).await;
    assert_eq!(welcome["available"], true);

    // Bob's team, always open: the admin online does not count, Bob does.
    let (_, team) = app
        .api(
            "POST",
            "/teams",
            Some(&ws.token),
            Some(json!({"name": "Bob's", "agent_ids": [bob["id"]]})),
        )
        .await;
    let site = format!("/sites/{}", ws.site.id);
    app.api(
        "PATCH",
        &site,
        Some(&ws.token),
        Some(json!({"team_id": team["id"]})),
    )
    .await;
    assert_eq!(config().await["available"], false);
    let (_, welcome) = app.visitor(&ws.site).await;
    assert_eq!(welcome["available"], false);
    let bob_token = app.login("bob@acme.test", "initial-pass").await;
    let (mut bob_tab, _) = app.agent(&bob_token).await;
    assert_eq!(config().await["available"], true);
    // A visitor's conversation on this site belongs to the team.
    let (mut visitor, _) = app.visitor(&ws.site).await;
    let sent = visitor.send_text(None, "hello team").await;
    let conversation = sent["message"]["conversation_id"].as_str().unwrap();
    let (_, shown) = app
        .api(
            "GET",
            &format!("/conversations/{conversation}"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(shown["team_id"], team["id"]);
    // The inbox filters by team.
    let listed = |filter: String| {
        let token = ws.token.clone();
        let app = &app;
        async move {
            let (status, page) = app
                .api(
                    "GET",
                    &format!("/conversations?team={filter}"),
                    Some(&token),
                    None,
                )
                .await;
            assert_eq!(status, 200, "{page}");
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let team_id = team["id"].as_str().unwrap().to_owned();
    assert_eq!(listed(team_id.clone()).await, vec![conversation.to_owned()]);
    assert!(!listed("none".into())
        .await
        .contains(&conversation.to_owned()));
    let (status, _) = app
        .api("GET", "/conversations?team=sales", Some(&ws.token), None)
        .await;
    assert_eq!(status, 400);
    // Bob away: not available.
    bob_tab
        .call(json!({"type": "status", "status": "away"}))
        .await;
    assert_eq!(config().await["available"], false);
    bob_tab
        .call(json!({"type": "status", "status": "online"}))
        .await;
    assert_eq!(config().await["available"], true);
    // Closed hours: an exception closing today, in the team's zone.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Pacific::Auckland)
        .date_naive();
    let closed = json!({"hours": {"time_zone": "Pacific/Auckland", "weekly": [
        {"day": "mon", "from": "00:00", "to": "24:00"}, {"day": "tue", "from": "00:00", "to": "24:00"},
        {"day": "wed", "from": "00:00", "to": "24:00"}, {"day": "thu", "from": "00:00", "to": "24:00"},
        {"day": "fri", "from": "00:00", "to": "24:00"}, {"day": "sat", "from": "00:00", "to": "24:00"},
        {"day": "sun", "from": "00:00", "to": "24:00"}],
        "exceptions": [{"date": today.to_string(), "closed": true}]}});
    let path = format!("/teams/{}", team["id"].as_str().unwrap());
    let (status, body) = app.api("PATCH", &path, Some(&ws.token), Some(closed)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        config().await["available"],
        false,
        "a holiday in Auckland today"
    );
    let (_, welcome) = app.visitor(&ws.site).await;
    assert_eq!(welcome["available"], false);
}
