//! Email continuity against a real SMTP server (aiosmtpd, started per test): replies emailed
//! to a visitor who left, together and after the delay; none to one still here; retries when
//! the server refuses; answers by email appended once, without the quoted history; forged
//! reply addresses refused.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, Backend, TestApp, Workspace};
use crate::ws_client::WsClient;

crate::on_both_backends!(
    a_gone_visitor_gets_the_replies_together_after_the_delay_and_answers_by_email_once,
    a_visitor_still_here_gets_no_email_and_one_who_read_gets_none_either,
    a_refusing_smtp_server_gets_the_email_on_retry,
    agents_nobody_of_whose_team_is_online_get_one_digest_of_the_waiting_conversations,
);

#[actix_web::test]
async fn a_visitor_gets_its_transcript_by_email_without_notes() {
    let sink = SmtpSink::start(0);
    let app = mail_app(Backend::Sqlite, &sink).await;
    let ws = app.first_workspace().await;
    // Without an address there is nowhere to send it.
    let (mut anonymous, _) = app.visitor(&ws.site).await;
    let sent = anonymous.send_text(None, "hi").await;
    let id = sent["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = anonymous
        .call(json!({"type": "transcript", "conversation_id": id}))
        .await;
    assert_eq!(refused["code"], "conflict", "{refused}");

    let (mut visitor, id) = visitor_with_email(&app, &ws, "ada@example.com").await;
    let (mut agent, _) = app.agent(&ws.token).await;
    agent.send_text(Some(&id), "Your order ships Monday.").await;
    let note = agent
        .call(json!({"type": "send", "conversation_id": id, "client_msg_id": uuid::Uuid::new_v4().to_string(),
                     "kind": "note", "body": "internal: VIP customer"}))
        .await;
    assert_eq!(note["type"], "sent");
    let ok = visitor
        .call(json!({"type": "transcript", "conversation_id": id}))
        .await;
    assert_eq!(ok["type"], "ok", "{ok}");
    // Another visitor's conversation is not this one's to ask for.
    let ok = anonymous
        .call(json!({"type": "profile", "email": "other@example.com"}))
        .await;
    assert_eq!(ok["type"], "ok");
    let refused = anonymous
        .call(json!({"type": "transcript", "conversation_id": id}))
        .await;
    assert_eq!(refused["code"], "not_found", "{refused}");
    let got = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1);
    let email = decode(&got[0]);
    assert_eq!(email.to, "ada@example.com");
    assert!(email.text.contains("Where is my order?"), "{}", email.text);
    assert!(
        email.text.contains("Your order ships Monday."),
        "{}",
        email.text
    );
    assert!(!email.text.contains("VIP"), "notes never reach a visitor");
    assert!(!email.html.contains("VIP"));
}

/// The link in an email's text part that contains `needle`.
fn link_in(text: &str, needle: &str) -> String {
    text.split_whitespace()
        .find(|w| w.contains(needle))
        .unwrap_or_else(|| panic!("no link with {needle} in {text}"))
        .to_owned()
}

#[actix_web::test]
async fn an_invited_agent_sets_a_password_from_the_email_and_a_reset_link_works_once() {
    let sink = SmtpSink::start(0);
    let app = mail_app(Backend::Sqlite, &sink).await;
    let ws = app.first_workspace().await;
    // Invited: no password in the request.
    let (status, agent) = app
        .api(
            "POST",
            "/agents",
            Some(&ws.token),
            Some(json!({"email": "new@acme.test", "name": "Nina"})),
        )
        .await;
    assert_eq!(status, 201, "{agent}");
    assert_eq!(agent["invited"], true);
    let got = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1);
    let invite = decode(&got[0]);
    assert_eq!(invite.to, "new@acme.test");
    let link = link_in(&invite.text, "#/reset?token=");
    assert!(link.ends_with("&invite=1"), "{link}");
    let token = link
        .split("token=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    // A too short password does not spend the link; a good one sets it; then it is spent.
    let set = |token: String, password: &str| {
        app.api(
            "POST",
            "/auth/reset",
            None,
            Some(json!({"token": token, "password": password})),
        )
    };
    assert_eq!(set(token.clone(), "short").await.0, 422);
    let (status, done) = set(token.clone(), "nina's first password").await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["email"], "new@acme.test");
    app.login("new@acme.test", "nina's first password").await;
    assert_eq!(
        set(token.clone(), "another password here").await.0,
        400,
        "once only"
    );
    assert_eq!(set("made-up".into(), "another password here").await.0, 400);

    // A reset: asked for a known and an unknown address alike (202 both), mailed to the known.
    for email in ["new@acme.test", "nobody@acme.test"] {
        let (status, _) = app
            .api(
                "POST",
                "/auth/reset-request",
                None,
                Some(json!({"email": email})),
            )
            .await;
        assert_eq!(status, 202);
    }
    let got = sink.wait_for(2, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        sink.received().len(),
        2,
        "nothing to an address without an account"
    );
    let reset = decode(&got[1]);
    assert_eq!(reset.to, "new@acme.test");
    let link = link_in(&reset.text, "#/reset?token=");
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let (status, _) = set(token.clone(), "nina's second password").await;
    assert_eq!(status, 200);
    app.login("new@acme.test", "nina's second password").await;
    let (status, _) = app
        .api(
            "POST",
            "/auth/login",
            None,
            Some(json!({"email": "new@acme.test", "password": "nina's first password"})),
        )
        .await;
    assert_eq!(status, 401, "the old password is gone");
    assert_eq!(
        set(token, "nina's third password").await.0,
        400,
        "once only"
    );
}

#[actix_web::test]
async fn unsubscribing_and_hard_bounces_stop_emails_and_an_address_gets_five_an_hour() {
    let sink = SmtpSink::start(0);
    let app = mail_app(Backend::Sqlite, &sink).await;
    let ws = app.first_workspace().await;
    let (mut agent, _) = app.agent(&ws.token).await;
    // Six visitors give one address (anyone can type anyone's): five emails in the hour.
    let mut ids = Vec::new();
    for _ in 0..6 {
        let (visitor, id) = visitor_with_email(&app, &ws, "target@example.com").await;
        visitor.close().await;
        ids.push(id);
    }
    for id in &ids {
        agent.send_text(Some(id), "An answer.").await;
    }
    let got = sink.wait_for(5, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        sink.received().len(),
        5,
        "the sixth waits for the hour to pass"
    );
    assert_eq!(got.len(), 5);
    let raw = String::from_utf8_lossy(&got[0]).into_owned();
    assert!(raw.contains("List-Unsubscribe: <http"), "{raw}");
    assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));

    // The unsubscribe link: a page with a button; the button stops the emails.
    let text = decode(&got[0]).text;
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/email/unsubscribe?"))
        .expect("an unsubscribe link")
        .to_owned();
    let path = &link[link.find("/email/").unwrap()..];
    let page = app.get(path).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<form method=\"post\""));
    let http = reqwest::Client::new();
    let forged = path.replace("&t=", "&t=00");
    assert_eq!(
        http.post(app.url(&forged)).send().await.unwrap().status(),
        404
    );
    assert_eq!(http.post(app.url(path)).send().await.unwrap().status(), 200);
    let (visitor, id) = visitor_with_email(&app, &ws, "target@example.com").await;
    visitor.close().await;
    agent.send_text(Some(&id), "Another answer.").await;
    let emails = loop {
        let (_, emails) = app
            .api(
                "GET",
                &format!("/conversations/{id}/emails"),
                Some(&ws.token),
                None,
            )
            .await;
        if emails["items"][0]["state"] != "pending" {
            break emails;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(emails["items"][0]["state"], "skipped", "{emails}");

    // A hard bounce to the envelope sender stops emails to that address too.
    let bounce_to = raw
        .lines()
        .find_map(|l| l.strip_prefix("X-Envelope-From: "))
        .expect("the envelope sender")
        .trim()
        .to_owned();
    assert!(
        bounce_to.starts_with("bounce+") && bounce_to.ends_with("@in.shop.test"),
        "{bounce_to}"
    );
    let report = format!(
        "To: {bounce_to}\r\nFrom: MAILER-DAEMON@mx.example\r\nSubject: Undelivered Mail\r\n\
         Message-ID: <dsn-1@mx.example>\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\
         --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n\
         Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n--b--\r\n"
    );
    assert_eq!(
        post_email(&app, report.clone(), "message/rfc822").await,
        202
    );
    let forged = report.replace(&bounce_to[7..12], "00000");
    assert_eq!(post_email(&app, forged, "message/rfc822").await, 404);
    let (visitor, id) = visitor_with_email(&app, &ws, "gone@example.com").await;
    visitor.close().await;
    agent.send_text(Some(&id), "Hello?").await;
    let emails = loop {
        let (_, emails) = app
            .api(
                "GET",
                &format!("/conversations/{id}/emails"),
                Some(&ws.token),
                None,
            )
            .await;
        if emails["items"][0]["state"] != "pending" {
            break emails;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(emails["items"][0]["state"], "skipped", "{emails}");
    assert_eq!(sink.received().len(), 5);
}

/// The tests' SMTP server: what it accepts lands in a folder, one file per message.
pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl SmtpSink {
    /// Listening; the first `refuse` messages get a temporary refusal.
    pub fn start(refuse: u32) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(dir.path())
            .arg(refuse.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/test installs it)");
        let mut line = String::new();
        let stdout = child.stdout.take().unwrap();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
        Self { port, dir, child }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, raw, in arrival order.
    pub fn received(&self) -> Vec<Vec<u8>> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        names.sort();
        names.iter().map(|p| std::fs::read(p).unwrap()).collect()
    }

    /// Waits until `count` messages arrived, at most `limit`.
    pub async fn wait_for(&self, count: usize, limit: Duration) -> Vec<Vec<u8>> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let got = self.received();
            if got.len() >= count || tokio::time::Instant::now() >= deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A received email, decoded.
pub struct Received {
    pub subject: String,
    pub to: String,
    pub reply_to: Option<String>,
    pub text: String,
    pub html: String,
}

pub fn decode(raw: &[u8]) -> Received {
    let message = mail_parser::MessageParser::default().parse(raw).unwrap();
    let first = |a: Option<&mail_parser::Address>| {
        a.and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(str::to_owned)
    };
    Received {
        subject: message.subject().unwrap_or_default().to_owned(),
        to: first(message.to()).unwrap_or_default(),
        reply_to: first(message.reply_to()),
        text: message.body_text(0).unwrap_or_default().into_owned(),
        html: message.body_html(0).unwrap_or_default().into_owned(),
    }
}

fn mail_settings(sink: &SmtpSink) -> Vec<(&'static str, String)> {
    vec![
        ("PARLEY_SMTP_URL", sink.url()),
        ("PARLEY_MAIL_FROM", "Support <support@shop.test>".into()),
        ("PARLEY_EMAIL_DELAY_S", "2".into()),
        ("PARLEY_INBOUND_DOMAIN", "in.shop.test".into()),
        ("PARLEY_EMAIL_RETRY_S", "1".into()),
    ]
}

async fn mail_app(backend: Backend, sink: &SmtpSink) -> TestApp {
    let settings = mail_settings(sink);
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_app_with(backend, &pairs).await
}

/// A visitor on a page who left its email and wrote: its connection and conversation id.
async fn visitor_with_email(app: &TestApp, ws: &Workspace, email: &str) -> (WsClient, String) {
    let (mut visitor, _) = app
        .visitor_with(
            &ws.site,
            json!({"type": "hello", "token": null,
                   "page": {"url": "https://shop.test/orders/42#top", "title": "Order 42"}}),
        )
        .await;
    let ok = visitor
        .call(json!({"type": "profile", "email": email}))
        .await;
    assert_eq!(ok["type"], "ok", "{ok}");
    let sent = visitor.send_text(None, "Where is my order?").await;
    assert_eq!(sent["type"], "sent", "{sent}");
    let id = sent["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (visitor, id)
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

async fn post_email(app: &TestApp, raw: String, content_type: &str) -> u16 {
    reqwest::Client::new()
        .post(app.url("/api/v1/inbound/email"))
        .header("content-type", content_type)
        .body(raw)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn a_gone_visitor_gets_the_replies_together_after_the_delay_and_answers_by_email_once(
    backend: Backend,
) {
    let sink = SmtpSink::start(0);
    let app = mail_app(backend, &sink).await;
    let ws = app.first_workspace().await;
    let (visitor, id) = visitor_with_email(&app, &ws, "ada@example.com").await;
    visitor.close().await;
    let (mut agent, _) = app.agent(&ws.token).await;
    let mut seqs = Vec::new();
    for body in ["It left the warehouse today.", "Tracking number: TRK-42."] {
        let sent = agent.send_text(Some(&id), body).await;
        assert_eq!(sent["type"], "sent");
        seqs.push(sent["message"]["seq"].as_i64().unwrap());
    }
    // Nothing before the delay (2 s after the visitor left) ...
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(sink.received().is_empty(), "an email before the delay");
    // ... then one email with both replies.
    let got = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        sink.received().len(),
        1,
        "the two replies travel together, once"
    );
    let email = decode(&got[0]);
    assert_eq!(email.to, "ada@example.com");
    assert!(email.subject.contains("Chat with us") || !email.subject.is_empty());
    assert!(
        email.text.contains("It left the warehouse today."),
        "{}",
        email.text
    );
    assert!(
        email.text.contains("Tracking number: TRK-42."),
        "{}",
        email.text
    );
    assert!(
        email.text.contains("Where is my order?"),
        "the context: {}",
        email.text
    );
    assert!(
        email.html.contains("Tracking number: TRK-42."),
        "{}",
        email.html
    );
    assert!(
        email
            .text
            .contains("https://shop.test/orders/42?parley=open"),
        "a link back to the chat: {}",
        email.text
    );
    // Agents see that the replies were emailed.
    let (status, emails) = app
        .api(
            "GET",
            &format!("/conversations/{id}/emails"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{emails}");
    assert_eq!(emails["items"][0]["state"], "sent", "{emails}");
    assert_eq!(emails["items"][0]["from_seq"], seqs[0], "{emails}");
    assert_eq!(emails["items"][0]["upto_seq"], seqs[1], "{emails}");
    let other = app.other_workspace("owner@other.test").await;
    let (status, _) = app
        .api(
            "GET",
            &format!("/conversations/{id}/emails"),
            Some(&other.token),
            None,
        )
        .await;
    assert_eq!(status, 404, "another workspace's conversation");
    let reply_to = email.reply_to.expect("a reply address");
    assert!(
        reply_to.starts_with("reply+") && reply_to.ends_with("@in.shop.test"),
        "{reply_to}"
    );

    // The visitor answers by email; the mail server posts it twice.
    let raw = format!(
        "Delivered-To: {reply_to}\r\nFrom: Ada <ada@example.com>\r\nTo: {reply_to}\r\n\
         Subject: Re: {}\r\nMessage-ID: <answer-1@example.com>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Got it, thanks!\r\n\r\nOn Mon, 7 Dec 2026, Support wrote:\r\n> Tracking number: TRK-42.\r\n",
        email.subject
    );
    assert_eq!(post_email(&app, raw.clone(), "message/rfc822").await, 202);
    assert_eq!(post_email(&app, raw.clone(), "message/rfc822").await, 202);
    let stored = messages(&app, &ws, &id).await;
    let answers: Vec<&Value> = stored
        .iter()
        .filter(|m| m["author"]["kind"] == "visitor" && m["body"] == "Got it, thanks!")
        .collect();
    assert_eq!(answers.len(), 1, "once, without the quote: {stored:?}");
    // The agent saw it live.
    let live = agent.recv_type("message").await;
    assert_eq!(live["message"]["body"], "Got it, thanks!");

    // A forged or foreign address, or not an email at all, is refused.
    let forged = raw.replace(&reply_to[6..10], "0000");
    assert_eq!(post_email(&app, forged, "message/rfc822").await, 404);
    let elsewhere = raw.replace("in.shop.test", "evil.test");
    assert_eq!(post_email(&app, elsewhere, "message/rfc822").await, 404);
    assert_eq!(post_email(&app, raw.clone(), "application/json").await, 400);
    // Up to 1 MiB is read (a long quoted history), more is refused in the API's shape; NUL
    // bytes and bytes that are no email are refused without storing anything.
    let long = raw.replace("answer-1@", "answer-2@").replace(
        "> Tracking number",
        &format!("> {}\r\n> Tracking number", "x".repeat(600_000)),
    );
    assert_eq!(post_email(&app, long, "message/rfc822").await, 202);
    let huge = format!("{raw}{}", "y".repeat(1024 * 1024));
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/inbound/email"))
        .header("content-type", "message/rfc822")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_large");
    let nul = raw
        .replace("answer-1@", "answer-3@")
        .replace("Got it, thanks!", "Got\0it");
    assert_eq!(post_email(&app, nul, "message/rfc822").await, 202);
    let answers = messages(&app, &ws, &id)
        .await
        .iter()
        .filter(|m| m["author"]["kind"] == "visitor")
        .count();
    assert_eq!(
        answers, 3,
        "the question, the answer, the long answer; nothing for the NUL one"
    );
}

async fn a_visitor_still_here_gets_no_email_and_one_who_read_gets_none_either(backend: Backend) {
    let sink = SmtpSink::start(0);
    let app = mail_app(backend, &sink).await;
    let ws = app.first_workspace().await;
    let (mut here, here_id) = visitor_with_email(&app, &ws, "here@example.com").await;
    let (mut reader, read_id) = visitor_with_email(&app, &ws, "reader@example.com").await;
    let (mut agent, _) = app.agent(&ws.token).await;
    agent.send_text(Some(&here_id), "Still there?").await;
    let reply = agent.send_text(Some(&read_id), "Here is the answer.").await;
    // The second visitor reads the reply, then leaves.
    let seq = reply["message"]["seq"].as_i64().unwrap();
    let ok = reader
        .call(json!({"type": "read", "conversation_id": read_id, "seq": seq}))
        .await;
    assert_eq!(ok["type"], "ok");
    reader.close().await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(
        sink.received().is_empty(),
        "no email to a visitor here, nor for a read reply"
    );
    // The first is still connected and answering.
    assert_eq!(here.call(json!({"type": "ping"})).await["type"], "pong");
}

async fn a_refusing_smtp_server_gets_the_email_on_retry(backend: Backend) {
    let sink = SmtpSink::start(1);
    let app = mail_app(backend, &sink).await;
    let ws = app.first_workspace().await;
    let (visitor, id) = visitor_with_email(&app, &ws, "ada@example.com").await;
    visitor.close().await;
    let (mut agent, _) = app.agent(&ws.token).await;
    agent.send_text(Some(&id), "Sorry for the wait.").await;
    let got = sink.wait_for(1, Duration::from_secs(15)).await;
    assert_eq!(got.len(), 1, "the refused email was sent again");
    assert!(decode(&got[0]).text.contains("Sorry for the wait."));
}

async fn agents_nobody_of_whose_team_is_online_get_one_digest_of_the_waiting_conversations(
    backend: Backend,
) {
    let sink = SmtpSink::start(0);
    let mut settings = mail_settings(&sink);
    settings.push(("PARLEY_AGENT_DIGEST_S", "2".into()));
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(backend, &pairs).await;
    let ws = app.first_workspace().await;
    // A second agent who turned these emails off.
    let (status, bob) = app
        .api(
            "POST",
            "/agents",
            Some(&ws.token),
            Some(json!({"email": "bob@acme.test", "name": "Bob", "password": "bob's password 1"})),
        )
        .await;
    assert_eq!(status, 201, "{bob}");
    let bob_token = app.login("bob@acme.test", "bob's password 1").await;
    let (status, me) = app
        .api(
            "PATCH",
            "/me",
            Some(&bob_token),
            Some(json!({"notify_email": false})),
        )
        .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["notify_email"], false);

    // Nobody is online: three visitors write; one of them is answered over HTTP at once.
    let mut ids = Vec::new();
    let mut visitors = Vec::new();
    for (name, words) in [
        ("Ada", "Where is my order?"),
        ("Grace", "Do you ship to Norway?"),
        ("Linus", "Answered already"),
    ] {
        let (mut visitor, _) = app.visitor(&ws.site).await;
        let ok = visitor.call(json!({"type": "profile", "name": name})).await;
        assert_eq!(ok["type"], "ok", "{ok}");
        let sent = visitor.send_text(None, words).await;
        ids.push(
            sent["message"]["conversation_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        visitors.push(visitor);
    }
    let (status, _) = app
        .api(
            "POST",
            &format!("/conversations/{}/messages", ids[2]),
            Some(&ws.token),
            Some(json!({"client_msg_id": uuid::Uuid::new_v4().to_string(), "kind": "text", "body": "Hello!"})),
        )
        .await;
    assert_eq!(status, 201);
    assert!(sink.received().is_empty(), "a digest waits for more first");

    let got = sink.wait_for(1, Duration::from_secs(15)).await;
    assert_eq!(got.len(), 1);
    let digest = decode(&got[0]);
    assert_eq!(digest.to, ws.admin.email.as_str());
    assert_eq!(
        digest.subject,
        "2 new conversations are waiting for an answer"
    );
    assert!(
        digest.text.contains("\"Where is my order?\""),
        "{}",
        digest.text
    );
    assert!(digest.text.contains("Grace on "), "{}", digest.text);
    assert!(digest.text.contains(&format!("/dashboard/#/c/{}", ids[0])));
    assert!(digest.text.contains(&format!("/dashboard/#/c/{}", ids[1])));
    assert!(
        !digest.text.contains("Answered already"),
        "an answered one drops out"
    );
    assert!(digest.text.contains("/dashboard/#/profile"));

    // With an agent online, a new conversation is the inbox's: no email.
    let (_agent, _) = app.agent(&ws.token).await;
    let (mut late, _) = app.visitor(&ws.site).await;
    late.send_text(None, "Anyone there?").await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(sink.received().len(), 1, "nobody is told twice, Bob never");
}

/// A private Postfix (tests/support/postfix.sh) handing mail for one domain to the inbound
/// endpoint through the documented pipe (contrib/postfix/parley-deliver).
struct Postfix {
    dir: tempfile::TempDir,
    port: u16,
}

impl Postfix {
    fn start(inbound_url: &str, domain: &str) -> Self {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        // Postfix's daemons run as its own user: they must be able to enter the folder.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let status = Command::new("bash")
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/postfix.sh"))
            .args([
                "start",
                &dir.path().to_string_lossy(),
                &port.to_string(),
                inbound_url,
                domain,
            ])
            .status()
            .expect("bash");
        assert!(
            status.success(),
            "Postfix did not start (scripts/test installs it)"
        );
        Self { dir, port }
    }

    fn send(&self, raw: &str) {
        use lettre::Transport;
        let envelope_to: Vec<lettre::Address> = raw
            .lines()
            .find_map(|l| l.strip_prefix("To: "))
            .map(|to| vec![to.trim().trim_matches(['<', '>']).parse().unwrap()])
            .unwrap();
        let envelope =
            lettre::address::Envelope::new(Some("ada@example.com".parse().unwrap()), envelope_to)
                .unwrap();
        lettre::SmtpTransport::builder_dangerous("127.0.0.1")
            .port(self.port)
            .build()
            .send_raw(&envelope, raw.as_bytes())
            .unwrap();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log/maillog")).unwrap_or_default()
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/postfix.sh"))
            .args(["stop", &self.dir.path().to_string_lossy()])
            .status();
    }
}

#[actix_web::test]
async fn an_answer_through_postfix_reaches_the_conversation_and_a_forged_address_bounces() {
    let sink = SmtpSink::start(0);
    let app = mail_app(Backend::Sqlite, &sink).await;
    let postfix = Postfix::start(&app.url("/api/v1/inbound/email"), "in.shop.test");
    let ws = app.first_workspace().await;
    let (visitor, id) = visitor_with_email(&app, &ws, "ada@example.com").await;
    visitor.close().await;
    let (mut agent, _) = app.agent(&ws.token).await;
    agent.send_text(Some(&id), "Which size do you need?").await;
    let got = sink.wait_for(1, Duration::from_secs(15)).await;
    let reply_to = decode(&got[0]).reply_to.expect("a reply address");
    assert!(reply_to.ends_with("@in.shop.test"), "{reply_to}");

    let answer = format!(
        "From: Ada <ada@example.com>\r\nTo: {reply_to}\r\nSubject: Re: your order\r\n\
         Message-ID: <answer-1@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Size M, please.\r\n\r\nOn Mon, Support wrote:\r\n> Which size do you need?\r\n"
    );
    postfix.send(&answer);
    let forged = reply_to.replacen("reply+", "reply+00", 1);
    postfix.send(
        &answer
            .replace(&reply_to, &forged)
            .replace("answer-1", "answer-2"),
    );

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let bodies: Vec<String> = messages(&app, &ws, &id)
            .await
            .iter()
            .map(|m| m["body"].as_str().unwrap_or_default().to_owned())
            .collect();
        let log = postfix.log();
        if bodies.iter().any(|b| b == "Size M, please.") && log.contains("status=bounced") {
            assert_eq!(bodies.iter().filter(|b| b.contains("Size M")).count(), 1);
            assert!(log.contains("relay=parley"), "{log}");
            assert!(log.contains("status=sent"), "{log}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not delivered through Postfix: {bodies:?}\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[actix_web::test]
async fn an_answer_by_email_keeps_its_attached_picture_and_drops_a_page() {
    let sink = SmtpSink::start(0);
    let app = mail_app(Backend::Sqlite, &sink).await;
    let ws = app.first_workspace().await;
    let (visitor, id) = visitor_with_email(&app, &ws, "ada@example.com").await;
    visitor.close().await;
    let (mut agent, _) = app.agent(&ws.token).await;
    agent.send_text(Some(&id), "Can you send a photo?").await;
    let got = sink.wait_for(1, Duration::from_secs(15)).await;
    let reply_to = decode(&got[0]).reply_to.expect("a reply address");
    let mut png = std::io::Cursor::new(Vec::new());
    image::DynamicImage::new_rgb8(40, 30)
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    use base64::Engine as _;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let raw = format!(
        "From: Ada <ada@example.com>\r\nTo: {reply_to}\r\nSubject: Re: photo\r\n\
         Message-ID: <photo-1@example.com>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHere it is.\r\n\
         --b1\r\nContent-Type: image/png; name=\"broken.png\"\r\nContent-Disposition: attachment; filename=\"broken.png\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n\
         --b1\r\nContent-Type: text/html; name=\"page.html\"\r\nContent-Disposition: attachment; filename=\"page.html\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b1--\r\n",
        b64(png.get_ref()),
        b64(b"<html><script>alert(1)</script></html>")
    );
    assert_eq!(post_email(&app, raw, "message/rfc822").await, 202);
    let answer = messages(&app, &ws, &id)
        .await
        .into_iter()
        .find(|m| m["body"] == "Here it is.")
        .expect("the answer");
    let files = answer["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1, "the picture, not the page: {answer}");
    assert_eq!(files[0]["name"], "broken.png");
    assert_eq!(files[0]["content_type"], "image/png");
    let bytes = reqwest::get(files[0]["url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), png.get_ref().as_slice());
}
