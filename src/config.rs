//! Typed settings, read from the environment (and a `.env` file, loaded by `main`).
//!
//! Every variable of the contract's "Running" section lives here with its default. A bad value
//! is an error that names the variable; secrets never appear in `Debug` output or errors.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use url::Url;

use crate::domain::Email;

/// A value that must never reach a log line: `Debug` and `Display` print a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Which database to use; the URL may carry a password, so it is kept as a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(Secret),
    Sqlite(Secret),
}

impl DatabaseUrl {
    pub fn parse(text: &str) -> Result<Self, String> {
        let scheme = text
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match scheme.as_str() {
            "postgres" | "postgresql" => Url::parse(text)
                .map(|_| Self::Postgres(Secret::new(text)))
                .map_err(|e| format!("not a valid postgres:// URL ({e})")),
            "sqlite" => Ok(Self::Sqlite(Secret::new(text))),
            _ => Err("must start with postgres:// or sqlite://".into()),
        }
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, Self::Sqlite(_))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The limits of the contract; `0` in the environment means "no limit" for the rates.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// `send` frames per second per connection (`PARLEY_SEND_RATE`, default 10).
    pub send_rate: u32,
    /// Burst allowance on top of the send rate (`PARLEY_SEND_BURST`, default 20).
    pub send_burst: u32,
    /// `typing` frames per second per connection (`PARLEY_TYPING_RATE`, default 5).
    pub typing_rate: u32,
    /// Frames of any type per second per connection (`PARLEY_FRAME_RATE`, default 30): no
    /// frame type can be sent faster, whatever its own limit.
    pub frame_rate: u32,
    /// Burst allowance of the frame rate (`PARLEY_FRAME_BURST`, default 150: a dashboard
    /// catching up its open conversations after a reconnect).
    pub frame_burst: u32,
    /// New WebSocket connections per minute per IP (`PARLEY_WS_CONNECT_PER_MIN`, default 30).
    pub ws_connect_per_min: u32,
    /// Batches of the HTTP transport per minute per IP that a node relays to the others for
    /// streams it does not hold (`PARLEY_HTTP_RELAY_PER_MIN`, default 6000).
    pub http_relay_per_min: u32,
    /// WebSocket connections one IP may hold open at once on a node
    /// (`PARLEY_WS_CONNECTIONS_PER_IP`, default 200: an office behind one address).
    pub ws_connections_per_ip: u32,
    /// Failed logins per minute per IP (`PARLEY_LOGIN_PER_MIN`, default 10).
    pub login_per_min: u32,
    /// Largest accepted WebSocket frame (`PARLEY_MAX_FRAME_BYTES`, default 64 KiB).
    pub max_frame_bytes: usize,
    /// Longest message body in Unicode code points (`PARLEY_MAX_BODY_CHARS`, default 4000).
    pub max_body_chars: usize,
    /// Outgoing bytes queued for one connection before it is closed as a slow consumer
    /// (`PARLEY_CONN_QUEUE_BYTES`, default 1 MiB).
    pub conn_queue_bytes: usize,
    /// Time a new connection has to send `hello` (`PARLEY_HELLO_TIMEOUT_S`, default 10 s).
    pub hello_timeout: Duration,
    /// Interval of server pings (`PARLEY_PING_INTERVAL_S`, default 20 s).
    pub ping_interval: Duration,
    /// A connection silent for this long is closed (`PARLEY_IDLE_TIMEOUT_S`, default 60 s).
    pub idle_timeout: Duration,
    /// How long a closing connection may take to write what it still has (its close frame
    /// included) before it is dropped without (`PARLEY_CLOSE_GRACE_S`, default 10 s).
    pub close_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            send_rate: 10,
            send_burst: 20,
            typing_rate: 5,
            frame_rate: 30,
            frame_burst: 150,
            ws_connect_per_min: 30,
            http_relay_per_min: 6000,
            ws_connections_per_ip: 200,
            login_per_min: 10,
            max_frame_bytes: 64 * 1024,
            max_body_chars: 4000,
            conn_queue_bytes: 1024 * 1024,
            hello_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            close_grace: Duration::from_secs(10),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    /// How long start-up waits for an unreachable database before giving up
    /// (`PARLEY_DB_WAIT_S`, default 30 s).
    pub database_wait: Duration,
    pub bind: SocketAddr,
    /// HTTP worker threads (`PARLEY_WORKERS`, default: one per core).
    pub workers: usize,
    /// The origin the widget and dashboard are served from (`PARLEY_PUBLIC_URL`), without a
    /// trailing slash; unset means `http://` + the address actually bound.
    pub public_url: Option<String>,
    pub secret: Option<Secret>,
    pub redis_url: Option<Secret>,
    pub admin_email: Email,
    pub admin_password: Option<Secret>,
    /// When set (`PARLEY_METRICS_TOKEN`), `/metrics` answers only `Authorization: Bearer` with it.
    pub metrics_token: Option<Secret>,
    pub log_format: LogFormat,
    pub limits: Limits,
    pub trusted_proxies: Vec<IpAddr>,
    /// Origins besides `public_url` allowed to open agent WebSockets (`PARLEY_AGENT_ORIGINS`).
    pub agent_origins: Vec<String>,
    /// How long the writer waits to fill a batch before committing (`PARLEY_WRITE_DELAY_US`,
    /// default 0: batches fill by themselves while the previous one commits, and the runtime's
    /// timer would round any wait up to a whole millisecond).
    pub write_delay: Duration,
    /// Most messages committed in one transaction (`PARLEY_WRITE_BATCH`, default 1024).
    pub write_batch: usize,
    /// Parallel message writers on Postgres (`PARLEY_WRITERS`, default 2). SQLite has one.
    pub writers: usize,
    /// How often each node deletes conversations past their workspace's retention
    /// (`PARLEY_RETENTION_SWEEP_S`, default 300).
    pub retention_sweep: Duration,
    pub webhooks: WebhookSettings,
    pub routing: RoutingSettings,
    pub email: EmailSettings,
    pub files: FileSettings,
}

/// Attachments: where their bytes are kept and how large they may be.
#[derive(Clone, Debug)]
pub struct FileSettings {
    /// `PARLEY_FILE_STORE`: `database` (default), `local` or `s3`.
    pub backend: FileBackend,
    /// `PARLEY_MAX_UPLOAD_BYTES` (default 10 MiB).
    pub max_upload_bytes: u64,
    /// An upload no message carries is deleted after this long (`PARLEY_UPLOAD_TTL_S`,
    /// default a day).
    pub upload_ttl: Duration,
    /// Uploads per visitor (or agent) and minute (`PARLEY_UPLOADS_PER_MIN`, default 20).
    pub uploads_per_min: u32,
}

#[derive(Clone, Debug)]
pub enum FileBackend {
    Database,
    /// `PARLEY_FILE_DIR`.
    Local(std::path::PathBuf),
    S3(S3Settings),
}

/// `PARLEY_S3_*`; what is not given comes from the usual `AWS_*` variables.
#[derive(Clone, Debug)]
pub struct S3Settings {
    pub bucket: String,
    /// An S3-compatible server's address (MinIO, Ceph, ...); unset: AWS.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
}

/// Email to visitors and from them.
#[derive(Clone, Debug)]
pub struct EmailSettings {
    /// `smtp://user:pass@host:port`, `smtps://…` (`PARLEY_SMTP_URL`); unset: no email sent.
    pub smtp_url: Option<Secret>,
    /// The sender, e.g. `Support <support@shop.example>` (`PARLEY_MAIL_FROM`); required with
    /// `PARLEY_SMTP_URL`.
    pub mail_from: Option<String>,
    /// How long a visitor must have been gone before agents' replies are emailed
    /// (`PARLEY_EMAIL_DELAY_S`, default 120).
    pub delay: Duration,
    /// The domain of reply addresses (`PARLEY_INBOUND_DOMAIN`); unset: emails cannot be
    /// answered.
    pub inbound_domain: Option<String>,
    /// The first retry of an email the SMTP server refused comes after this long, then twice
    /// as late each time up to an hour (`PARLEY_EMAIL_RETRY_S`, default 30).
    pub first_retry: Duration,
    /// An agents' digest of new conversations nobody was online for waits this long for more
    /// (`PARLEY_AGENT_DIGEST_S`, default 300).
    pub digest_after: Duration,
}

/// Automatic assignment and agents' idleness.
#[derive(Clone, Debug)]
pub struct RoutingSettings {
    /// An agent's dashboard sets it away after this long without input
    /// (`PARLEY_AUTO_AWAY_S`, default 900; 0 = never).
    pub auto_away: Duration,
    /// An agent offline or away this long gives back its open conversations of automatically
    /// assigning teams to their queues (`PARLEY_GIVE_BACK_S`, default 600; 0 = never).
    pub give_back_after: Duration,
    /// How often each node looks for waiting conversations and agents gone, besides the
    /// changes that start a pass at once (`PARLEY_ASSIGN_SWEEP_S`, default 5).
    pub sweep: Duration,
}

/// How webhooks are delivered.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// Allow receivers on loopback, private, link-local and unique-local addresses
    /// (`PARLEY_WEBHOOK_ALLOW_PRIVATE`, default false): for on-premise receivers only.
    pub allow_private: bool,
    /// How long an event is retried, and how long a webhook may fail before it is switched off
    /// (`PARLEY_WEBHOOK_RETRY_S`, default 24 h).
    pub retry_for: Duration,
    /// How long one attempt may take (`PARLEY_WEBHOOK_TIMEOUT_S`, default 10 s).
    pub timeout: Duration,
}

/// A bad configuration value, naming the variable (and never echoing a secret's value).
#[derive(Debug, thiserror::Error)]
#[error("{var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, which returns a variable's value if set.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(&lookup);
        let database_url = env
            .get("DATABASE_URL")
            .unwrap_or_else(|| "sqlite://parley.db".into());
        let database_url = DatabaseUrl::parse(&database_url).map_err(|reason| ConfigError {
            var: "DATABASE_URL",
            reason,
        })?;
        let bind: SocketAddr = env.parse("PARLEY_BIND", "127.0.0.1:8080".parse().ok())?;
        let public_url = env
            .get("PARLEY_PUBLIC_URL")
            .map(|text| parse_origin(&text))
            .transpose()
            .map_err(|reason| ConfigError {
                var: "PARLEY_PUBLIC_URL",
                reason,
            })?;
        let admin_email = env
            .get("PARLEY_ADMIN_EMAIL")
            .unwrap_or_else(|| "admin@localhost".into());
        let admin_email = Email::parse(&admin_email).map_err(|reason| ConfigError {
            var: "PARLEY_ADMIN_EMAIL",
            reason,
        })?;
        let admin_password = env.get("PARLEY_ADMIN_PASSWORD").map(Secret::new);
        if admin_password
            .as_ref()
            .is_some_and(|p| p.expose().chars().count() < 8)
        {
            return Err(ConfigError {
                var: "PARLEY_ADMIN_PASSWORD",
                reason: "must be at least 8 characters".into(),
            });
        }
        let secret = env.get("PARLEY_SECRET").map(Secret::new);
        if secret.as_ref().is_some_and(|s| s.expose().len() < 32) {
            return Err(ConfigError {
                var: "PARLEY_SECRET",
                reason: "must be at least 32 characters".into(),
            });
        }
        let redis_url = env.get("REDIS_URL").map(Secret::new);
        if let Some(url) = &redis_url {
            let valid =
                Url::parse(url.expose()).is_ok_and(|u| matches!(u.scheme(), "redis" | "rediss"));
            if !valid {
                return Err(ConfigError {
                    var: "REDIS_URL",
                    reason: "must be a redis:// or rediss:// URL".into(),
                });
            }
        }
        let log_format = match env.get("PARLEY_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(_) => {
                return Err(ConfigError {
                    var: "PARLEY_LOG_FORMAT",
                    reason: "must be text or json".into(),
                })
            }
        };
        let defaults = Limits::default();
        let limits = Limits {
            send_rate: env.parse("PARLEY_SEND_RATE", Some(defaults.send_rate))?,
            send_burst: env.parse("PARLEY_SEND_BURST", Some(defaults.send_burst))?,
            typing_rate: env.parse("PARLEY_TYPING_RATE", Some(defaults.typing_rate))?,
            frame_rate: env.parse("PARLEY_FRAME_RATE", Some(defaults.frame_rate))?,
            frame_burst: env.parse("PARLEY_FRAME_BURST", Some(defaults.frame_burst))?,
            ws_connect_per_min: env.parse(
                "PARLEY_WS_CONNECT_PER_MIN",
                Some(defaults.ws_connect_per_min),
            )?,
            http_relay_per_min: env.parse(
                "PARLEY_HTTP_RELAY_PER_MIN",
                Some(defaults.http_relay_per_min),
            )?,
            ws_connections_per_ip: env.parse(
                "PARLEY_WS_CONNECTIONS_PER_IP",
                Some(defaults.ws_connections_per_ip),
            )?,
            login_per_min: env.parse("PARLEY_LOGIN_PER_MIN", Some(defaults.login_per_min))?,
            max_frame_bytes: env.parse("PARLEY_MAX_FRAME_BYTES", Some(defaults.max_frame_bytes))?,
            max_body_chars: env.parse("PARLEY_MAX_BODY_CHARS", Some(defaults.max_body_chars))?,
            conn_queue_bytes: env
                .parse("PARLEY_CONN_QUEUE_BYTES", Some(defaults.conn_queue_bytes))?,
            hello_timeout: env.seconds("PARLEY_HELLO_TIMEOUT_S", defaults.hello_timeout)?,
            ping_interval: env.seconds("PARLEY_PING_INTERVAL_S", defaults.ping_interval)?,
            idle_timeout: env.seconds("PARLEY_IDLE_TIMEOUT_S", defaults.idle_timeout)?,
            close_grace: env.seconds("PARLEY_CLOSE_GRACE_S", defaults.close_grace)?,
        };
        let trusted_proxies = env.list("PARLEY_TRUSTED_PROXIES", |item| {
            item.parse::<IpAddr>()
                .map_err(|_| format!("{item:?} is not an IP address"))
        })?;
        let agent_origins = env.list("PARLEY_AGENT_ORIGINS", parse_origin)?;
        Ok(Self {
            database_url,
            database_wait: env.seconds("PARLEY_DB_WAIT_S", Duration::from_secs(30))?,
            bind,
            workers: env.parse(
                "PARLEY_WORKERS",
                Some(std::thread::available_parallelism().map_or(1, |n| n.get())),
            )?,
            public_url,
            secret,
            redis_url,
            admin_email,
            admin_password,
            metrics_token: env
                .get("PARLEY_METRICS_TOKEN")
                .filter(|t| !t.is_empty())
                .map(Secret::new),
            log_format,
            limits,
            trusted_proxies,
            agent_origins,
            write_delay: Duration::from_micros(env.parse("PARLEY_WRITE_DELAY_US", Some(0))?),
            write_batch: env.parse("PARLEY_WRITE_BATCH", Some(1024))?,
            writers: env.parse("PARLEY_WRITERS", Some(2))?,
            retention_sweep: env.seconds("PARLEY_RETENTION_SWEEP_S", Duration::from_secs(300))?,
            webhooks: WebhookSettings {
                allow_private: env.parse("PARLEY_WEBHOOK_ALLOW_PRIVATE", Some(false))?,
                retry_for: env.seconds("PARLEY_WEBHOOK_RETRY_S", Duration::from_secs(24 * 3600))?,
                timeout: env.seconds("PARLEY_WEBHOOK_TIMEOUT_S", Duration::from_secs(10))?,
            },
            email: {
                let smtp_url = env.get("PARLEY_SMTP_URL").filter(|v| !v.trim().is_empty());
                let mail_from = env.get("PARLEY_MAIL_FROM").filter(|v| !v.trim().is_empty());
                if smtp_url.is_some() && mail_from.is_none() {
                    return Err(ConfigError {
                        var: "PARLEY_MAIL_FROM",
                        reason: "required when PARLEY_SMTP_URL is set".into(),
                    });
                }
                EmailSettings {
                    smtp_url: smtp_url.map(Secret::new),
                    mail_from,
                    delay: env.seconds("PARLEY_EMAIL_DELAY_S", Duration::from_secs(120))?,
                    inbound_domain: env
                        .get("PARLEY_INBOUND_DOMAIN")
                        .map(|d| d.trim().to_owned())
                        .filter(|d| !d.is_empty()),
                    first_retry: env.seconds("PARLEY_EMAIL_RETRY_S", Duration::from_secs(30))?,
                    digest_after: env.seconds("PARLEY_AGENT_DIGEST_S", Duration::from_secs(300))?,
                }
            },
            files: FileSettings {
                backend: match env.get("PARLEY_FILE_STORE").as_deref().map(str::trim) {
                    None | Some("" | "database") => FileBackend::Database,
                    Some("local") => FileBackend::Local(
                        env.get("PARLEY_FILE_DIR")
                            .filter(|d| !d.trim().is_empty())
                            .ok_or(ConfigError {
                                var: "PARLEY_FILE_DIR",
                                reason: "required when PARLEY_FILE_STORE is local".into(),
                            })?
                            .into(),
                    ),
                    Some("s3") => FileBackend::S3(S3Settings {
                        bucket: env
                            .get("PARLEY_S3_BUCKET")
                            .filter(|b| !b.trim().is_empty())
                            .ok_or(ConfigError {
                                var: "PARLEY_S3_BUCKET",
                                reason: "required when PARLEY_FILE_STORE is s3".into(),
                            })?,
                        endpoint: env
                            .get("PARLEY_S3_ENDPOINT")
                            .filter(|e| !e.trim().is_empty()),
                        region: env
                            .get("PARLEY_S3_REGION")
                            .filter(|r| !r.trim().is_empty())
                            .unwrap_or_else(|| "us-east-1".into()),
                        access_key_id: env.get("PARLEY_S3_ACCESS_KEY_ID"),
                        secret_access_key: env.get("PARLEY_S3_SECRET_ACCESS_KEY").map(Secret::new),
                    }),
                    Some(_) => {
                        return Err(ConfigError {
                            var: "PARLEY_FILE_STORE",
                            reason: "must be database, local or s3".into(),
                        })
                    }
                },
                max_upload_bytes: env.parse("PARLEY_MAX_UPLOAD_BYTES", Some(10 * 1024 * 1024))?,
                upload_ttl: env.seconds("PARLEY_UPLOAD_TTL_S", Duration::from_secs(24 * 3600))?,
                uploads_per_min: env.parse("PARLEY_UPLOADS_PER_MIN", Some(20))?,
            },
            routing: RoutingSettings {
                auto_away: env.seconds("PARLEY_AUTO_AWAY_S", Duration::from_secs(900))?,
                give_back_after: env.seconds("PARLEY_GIVE_BACK_S", Duration::from_secs(600))?,
                sweep: env.seconds("PARLEY_ASSIGN_SWEEP_S", Duration::from_secs(5))?,
            },
        })
    }
}

/// Normalises `text` to a bare origin (`scheme://host[:port]`), refusing paths and queries.
pub fn parse_origin(text: &str) -> Result<String, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("{text:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("{text:?} must be an http:// or https:// URL"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{text:?} must be an origin, without path or query"));
    }
    Ok(url.origin().ascii_serialization())
}

/// Environment access with errors that name the variable.
struct Env<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    fn get(&self, var: &str) -> Option<String> {
        (self.0)(var).filter(|value| !value.trim().is_empty())
    }

    fn parse<T: FromStr>(&self, var: &'static str, default: Option<T>) -> Result<T, ConfigError> {
        match self.get(var) {
            Some(text) => text.trim().parse().map_err(|_| ConfigError {
                var,
                reason: format!("{text:?} is not a valid value"),
            }),
            None => default.ok_or_else(|| ConfigError {
                var,
                reason: "is required".into(),
            }),
        }
    }

    fn seconds(&self, var: &'static str, default: Duration) -> Result<Duration, ConfigError> {
        let secs: u64 = self.parse(var, Some(default.as_secs()))?;
        Ok(Duration::from_secs(secs))
    }

    fn list<T>(
        &self,
        var: &'static str,
        item: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Vec<T>, ConfigError> {
        self.get(var)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| item(s).map_err(|reason| ConfigError { var, reason }))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_follow_the_contract() {
        let s = settings(&[]).unwrap();
        assert_eq!(
            s.database_url,
            DatabaseUrl::Sqlite(Secret::new("sqlite://parley.db"))
        );
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.public_url, None);
        assert_eq!(s.admin_email.as_str(), "admin@localhost");
        assert_eq!(s.limits, Limits::default());
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("DATABASE_URL", "mysql://x"),
            ("PARLEY_BIND", "nowhere"),
            ("PARLEY_PUBLIC_URL", "ftp://x"),
            ("PARLEY_SEND_RATE", "-1"),
            ("PARLEY_TRUSTED_PROXIES", "10.0.0.1,nope"),
            ("REDIS_URL", "http://x"),
            ("PARLEY_LOG_FORMAT", "xml"),
            ("PARLEY_SECRET", "short"),
        ] {
            let err = settings(&[(var, value)]).unwrap_err();
            assert_eq!(err.var, var);
        }
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let s = settings(&[
            ("DATABASE_URL", "postgres://u:hunter2hunter2@db/x"),
            ("PARLEY_SECRET", "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t"),
        ])
        .unwrap();
        let debug = format!("{s:?}");
        assert!(!debug.contains("hunter2"));
        assert!(!debug.contains("s3cr3t"));
    }

    #[test]
    fn public_url_is_normalised_to_an_origin() {
        let s = settings(&[("PARLEY_PUBLIC_URL", "https://Chat.Example.com/")]).unwrap();
        assert_eq!(s.public_url.as_deref(), Some("https://chat.example.com"));
    }
}
