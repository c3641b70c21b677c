//! Test support: throw-away databases and a running server on a random port.

use std::collections::HashMap;
use std::sync::Arc;

use parley::config::{DatabaseUrl, Settings};
use parley::domain::{Agent, Email, Site};
use serde_json::{json, Value};

use crate::ws_client::WsClient;
use parley::startup::Application;
use parley::store::{self, DynStore};
use sqlx::{Connection, Executor, PgConnection};
use uuid::Uuid;

/// The Postgres server the tests create their databases on.
pub fn pg_admin_url() -> String {
    std::env::var("PARLEY_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// A database used by one test and dropped when the test ends.
pub struct TestDb {
    pub url: String,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Postgres => Self::postgres().await,
            Backend::Sqlite => Self::sqlite(),
        }
    }

    pub async fn postgres() -> Self {
        let name = format!("parley_test_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&pg_admin_url())
            .await
            .expect("Postgres must be running");
        admin
            .execute(format!("create database {name}").as_str())
            .await
            .unwrap();
        let mut url = url::Url::parse(&pg_admin_url()).unwrap();
        url.set_path(&name);
        Self {
            url: url.to_string(),
            pg_name: Some(name),
            _dir: None,
        }
    }

    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("parley.db").display());
        Self {
            url,
            pg_name: None,
            _dir: Some(dir),
        }
    }

    pub async fn store(&self) -> DynStore {
        let url = DatabaseUrl::parse(&self.url).unwrap();
        store::connect(&url, std::time::Duration::from_secs(5))
            .await
            .unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        // Drop is synchronous: use a small runtime of its own on another thread.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                if let Ok(mut admin) = PgConnection::connect(&pg_admin_url()).await {
                    let _ = admin
                        .execute(format!("drop database if exists {name} with (force)").as_str())
                        .await;
                }
            });
        })
        .join();
    }
}

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "correct horse battery";

/// Settings for a test server: random port, one worker, a known admin password.
pub fn test_settings(db: &TestDb, extra: &[(&str, &str)]) -> Settings {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), db.url.clone()),
        ("PARLEY_BIND".into(), "127.0.0.1:0".into()),
        ("PARLEY_WORKERS".into(), "1".into()),
        ("PARLEY_ADMIN_EMAIL".into(), ADMIN_EMAIL.into()),
        ("PARLEY_ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into()),
        // Tests open many connections from one IP and send fast; limit tests set their own.
        ("PARLEY_WS_CONNECT_PER_MIN".into(), "0".into()),
        ("PARLEY_SEND_RATE".into(), "0".into()),
        ("PARLEY_TYPING_RATE".into(), "0".into()),
        ("PARLEY_FRAME_RATE".into(), "0".into()),
        ("PARLEY_WS_CONNECTIONS_PER_IP".into(), "0".into()),
    ]);
    for (k, v) in extra {
        vars.insert((*k).into(), (*v).into());
    }
    Settings::from_lookup(|name| vars.get(name).cloned()).unwrap()
}

/// A workspace as tests use it: its first site, its admin and an agent token for the admin.
pub struct Workspace {
    pub site: Site,
    pub admin: Agent,
    pub token: String,
}

/// A server running in this test's runtime.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub state: parley::startup::Services,
    pub db: Arc<TestDb>,
    pub http: reqwest::Client,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn store(&self) -> &DynStore {
        &self.state.store
    }

    /// The first workspace, made on the first start.
    pub async fn first_workspace(&self) -> Workspace {
        let admin = self
            .store()
            .agents_by_email(&Email::parse(ADMIN_EMAIL).unwrap(), None)
            .await
            .unwrap()
            .remove(0);
        let sites = self.store().sites(admin.workspace_id).await.unwrap();
        let token = self.state.tokens.issue_agent(&admin).unwrap();
        Workspace {
            site: sites.into_iter().next().unwrap(),
            admin,
            token,
        }
    }

    /// Another workspace, with its own admin and site.
    pub async fn other_workspace(&self, email: &str) -> Workspace {
        let created = parley::bootstrap::create_workspace(
            &**self.store(),
            "Other",
            Email::parse(email).unwrap(),
            "password123".into(),
            "Other site",
        )
        .await
        .unwrap();
        let token = self.state.tokens.issue_agent(&created.admin).unwrap();
        Workspace {
            site: created.site,
            admin: created.admin,
            token,
        }
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://127.0.0.1:{}{}", self.port, path)
    }

    /// A visitor connection on `site`, greeted.
    pub async fn visitor(&self, site: &Site) -> (WsClient, Value) {
        self.visitor_with(site, json!({"type": "hello", "token": null}))
            .await
    }

    pub async fn visitor_with(&self, site: &Site, hello: Value) -> (WsClient, Value) {
        let mut client = WsClient::connect(
            &self.ws_url(&format!("/ws/visitor?site_key={}", site.site_key)),
            None,
        )
        .await
        .unwrap();
        let welcome = client.call(hello).await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        (client, welcome)
    }

    /// An agent connection with `token`, greeted.
    pub async fn agent(&self, token: &str) -> (WsClient, Value) {
        let mut client = WsClient::connect(&self.ws_url("/ws/agent"), None)
            .await
            .unwrap();
        let welcome = client.call(json!({"type": "hello", "token": token})).await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        (client, welcome)
    }

    /// Postgres only: refuses new connections to the test database and ends the open ones, as
    /// if the database went away (`false`), or lets connections in again (`true`).
    pub async fn postgres_reachable(&self, reachable: bool) {
        use sqlx::Connection as _;
        let name = url::Url::parse(&self.db.url)
            .unwrap()
            .path()
            .trim_start_matches('/')
            .to_owned();
        let mut admin = sqlx::PgConnection::connect(&pg_admin_url()).await.unwrap();
        let alter = format!("alter database {name} allow_connections {reachable}");
        sqlx::Executor::execute(&mut admin, alter.as_str())
            .await
            .unwrap();
        if !reachable {
            let kill = format!(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = '{name}'"
            );
            sqlx::Executor::execute(&mut admin, kill.as_str())
                .await
                .unwrap();
        }
    }

    /// Runs one SQL statement on the test database (for set-ups the API cannot make yet).
    pub async fn sql(&self, statement: &str) {
        use sqlx::Connection as _;
        if self.db.url.starts_with("postgres") {
            let mut conn = sqlx::PgConnection::connect(&self.db.url).await.unwrap();
            sqlx::Executor::execute(&mut conn, statement).await.unwrap();
        } else {
            let mut conn = sqlx::SqliteConnection::connect(&self.db.url).await.unwrap();
            sqlx::Executor::execute(&mut conn, statement).await.unwrap();
        }
    }

    /// Calls the HTTP API: `(status, JSON body or Null)`.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .http
            .request(method, self.url(&format!("/api/v1{path}")));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Signs in through the API.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let (status, body) = self
            .api(
                "POST",
                "/auth/login",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

pub async fn spawn_app_with(backend: Backend, extra: &[(&str, &str)]) -> TestApp {
    let db = Arc::new(TestDb::new(backend).await);
    spawn_app_on(db, extra).await
}

/// Starts a server on an existing database (e.g. a restart).
pub async fn spawn_app_on(db: Arc<TestDb>, extra: &[(&str, &str)]) -> TestApp {
    let settings = test_settings(&db, extra);
    let app = Application::build(settings).await.expect("server starts");
    let port = app.port();
    let state = app.services().clone();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        state,
        db,
        http: reqwest::Client::new(),
    }
}

/// Generates one test per backend for each listed async fn taking a `Backend`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Postgres).await;
                }
            )*
        }
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await;
                }
            )*
        }
    };
}
