//! The `parley` binary as a user runs it: banner, commands, configuration errors, signals.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::helpers::{Backend, TestDb};
use crate::on_both_backends;

on_both_backends!(
    serve_prints_the_banner_answers_and_exits_zero_on_sigterm,
    a_restart_keeps_the_workspace_and_prints_no_password,
    workspace_create_prints_one_json_line,
    migrate_applies_the_migrations_and_exits,
);

pub fn parley(db_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_parley"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db_url)
        .env("PARLEY_BIND", "127.0.0.1:0")
        .env("PARLEY_WORKERS", "1")
        .env(
            "RUST_LOG",
            std::env::var("PARLEY_TEST_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null());
    command
}

/// A running `parley serve` whose stdout lines arrive on a channel.
pub struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
    stdout_so_far: String,
}

impl Server {
    pub fn start(command: Command) -> Self {
        Self::start_with_stderr(command, Stdio::inherit())
    }

    /// Starts with stderr (the log) going to `stderr`, e.g. a file the test reads.
    pub fn start_with_stderr(mut command: Command, stderr: Stdio) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            stdout_so_far: String::new(),
        }
    }

    /// Reads stdout until a line contains `needle`; returns that line.
    pub fn wait_for_line(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100)) {
                self.stdout_so_far.push_str(&line);
                self.stdout_so_far.push('\n');
                if line.contains(needle) {
                    return line;
                }
            }
        }
        panic!(
            "no line with {needle:?}; stdout so far:\n{}",
            self.stdout_so_far
        );
    }

    /// The site key in the banner's script tag (first start only).
    pub fn site_key(&mut self) -> String {
        let line = self.wait_for_line("data-site-key=");
        line.split("data-site-key=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The base URL printed in the banner.
    pub fn base_url(&mut self) -> String {
        let line = self.wait_for_line("Parley is running at ");
        line.split("Parley is running at ")
            .nth(1)
            .unwrap()
            .trim()
            .to_owned()
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Everything the process printed, once it has exited: waits for the reader thread to reach
    /// the end of its stdout, so no line still in the pipe is missed.
    pub fn all_output(&mut self) -> String {
        let mut all = self.stdout_so_far.clone();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.lines.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => {
                    all.push_str(&line);
                    all.push('\n');
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return all,
                Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() > deadline => {
                    panic!("stdout did not reach its end within 10 s")
                }
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
            }
        }
    }

    /// Waits for the process to exit, at most `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("did not exit within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn get_status(url: &str) -> u16 {
    reqwest::get(url).await.unwrap().status().as_u16()
}

async fn serve_prints_the_banner_answers_and_exits_zero_on_sigterm(backend: Backend) {
    let db = TestDb::new(backend).await;
    let mut server = Server::start(parley(&db.url));
    let base = server.base_url();
    server.wait_for_line("/dashboard");
    server.wait_for_line("admin@localhost");
    let password_line = server.wait_for_line("Password:");
    assert!(password_line.contains("generated"), "{password_line}");
    let script = server.wait_for_line("<script");
    assert!(
        script.contains(&format!("src=\"{base}/widget.js\"")),
        "{script}"
    );
    assert!(script.contains("data-site-key=\"pk_"), "{script}");

    assert_eq!(get_status(&format!("{base}/healthz")).await, 200);
    assert_eq!(get_status(&format!("{base}/readyz")).await, 200);

    let started = Instant::now();
    server.signal("TERM");
    let status = server.wait_exit(Duration::from_secs(10));
    assert!(status.success(), "exit status {status:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

async fn a_restart_keeps_the_workspace_and_prints_no_password(backend: Backend) {
    let db = TestDb::new(backend).await;
    let mut first = Server::start(parley(&db.url));
    let base = first.base_url();
    let password_line = first.wait_for_line("Password:");
    let password = password_line.split_whitespace().nth(1).unwrap().to_owned();
    first.signal("INT");
    assert!(first.wait_exit(Duration::from_secs(10)).success());

    let mut second = Server::start(parley(&db.url));
    let base2 = second.base_url();
    assert_ne!(base, "");
    second.wait_for_line("/dashboard");
    assert_eq!(get_status(&format!("{base2}/readyz")).await, 200);
    second.signal("TERM");
    assert!(second.wait_exit(Duration::from_secs(10)).success());
    let rest = second.all_output();
    assert!(rest.contains("/dashboard"), "{rest}");
    assert!(
        !rest.contains(&password),
        "the password is printed only once"
    );
    assert!(!rest.contains("Password:"));

    let store = db.store().await;
    assert_eq!(store.workspace_count().await.unwrap(), 1);
}

async fn workspace_create_prints_one_json_line(backend: Backend) {
    let db = TestDb::new(backend).await;
    let output = parley(&db.url)
        .args([
            "workspace",
            "create",
            "--name",
            "Acme",
            "--admin-email",
            "Boss@Acme.test",
            "--admin-password",
            "s3cret-pass",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let line: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    for key in ["workspace_id", "agent_id", "site_id"] {
        uuid::Uuid::parse_str(line[key].as_str().unwrap()).unwrap();
    }
    assert!(line["site_key"].as_str().unwrap().starts_with("pk_"));

    let store = db.store().await;
    let agent = store
        .agents_by_email(
            &parley::domain::Email::parse("boss@acme.test").unwrap(),
            None,
        )
        .await
        .unwrap()
        .remove(0);
    assert_eq!(agent.id.to_string(), line["agent_id"].as_str().unwrap());
    assert!(parley::auth::password::verify("s3cret-pass".into(), agent.password_hash).await);

    // The same person may run a second business: another workspace, the same email.
    let create = |name: &str| {
        parley(&db.url)
            .args([
                "workspace",
                "create",
                "--name",
                name,
                "--admin-email",
                "boss@acme.test",
                "--admin-password",
                "s3cret-pass",
            ])
            .output()
            .unwrap()
    };
    let again = create("Other");
    assert!(again.status.success());
    let other: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&again.stdout).trim()).unwrap();
    assert_ne!(other["workspace_id"], line["workspace_id"]);
    // A refused input: a clear message and a failing status.
    let refused = create("   ");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("workspace name"));
}

async fn migrate_applies_the_migrations_and_exits(backend: Backend) {
    let db = TestDb::new(backend).await;
    let output = parley(&db.url).arg("migrate").output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let store = db.store().await;
    assert_eq!(
        store.workspace_count().await.unwrap(),
        0,
        "migrate creates no workspace"
    );
}

#[test]
fn a_bad_setting_is_named_and_exits_non_zero() {
    for (var, value) in [
        ("PARLEY_BIND", "not-an-address"),
        ("DATABASE_URL", "mysql://x"),
        ("PARLEY_SEND_RATE", "fast"),
    ] {
        let output = parley("sqlite://unused.db")
            .env(var, value)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{var}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(var), "{var}: {stderr}");
    }
}

#[test]
fn an_unreachable_database_is_retried_for_a_bounded_time_then_reported() {
    let started = Instant::now();
    let output = parley("postgres://postgres@127.0.0.1:1/parley")
        .env("PARLEY_DB_WAIT_S", "6")
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    // Each attempt may itself wait up to the pool's 5 s for a connection: the last one can end
    // that much after the 6 s.
    assert!(
        took >= Duration::from_secs(6) && took < Duration::from_secs(14),
        "gave up after {took:?}"
    );
    assert!(
        stderr.contains("database not reachable yet"),
        "it retried: {stderr}"
    );
    assert!(
        stderr.contains("parley: database: database unavailable"),
        "{stderr}"
    );
}

#[test]
fn the_database_password_never_reaches_the_output() {
    let output = parley("postgres://postgres:hunter2-secret@127.0.0.1:1/parley")
        .env("PARLEY_DB_WAIT_S", "1")
        .env("RUST_LOG", "debug")
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // It got as far as trying the database (and logging about it at debug level) ...
    assert!(
        all.contains("parley: database: database unavailable"),
        "{all}"
    );
    // ... and the password never showed.
    assert!(!all.contains("hunter2"), "{all}");
}
