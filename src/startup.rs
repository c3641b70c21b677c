//! Building and running the server: `Application::build` makes the core (store, bus, writer,
//! creations, site cache), the cluster broker when there is one, and each transport's own
//! state (WebSocket, HTTP); it binds its own listener (port 0 in tests), mounts both route
//! sets and exposes the port. `run_until_stopped` serves until a signal, then shuts down
//! gracefully.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::{Server, ServerHandle, Service};
use actix_web::{web, App, HttpServer};
use futures_util::FutureExt;

use crate::access::concurrency::PerKey;
use crate::access::rate_limit::{IpLimiter, LoginGuard};
use crate::auth::password;
use crate::auth::{self, tokens::TokenKeys};
use crate::bootstrap::{self, BootstrapError, FirstStart};
use crate::chat::creations::Creations;
use crate::chat::site_cache::{SiteCache, SITE_TTL};
use crate::chat::writer::{Writer, WriterConfig};
use crate::chat::Chat;
use crate::cluster::counters::Counters;
use crate::cluster::redis::RedisBroker;
use crate::cluster::Bus;
use crate::config::Settings;
use crate::email::{Mailer, ReplyAddresses};
use crate::error::{self, ApiError};
use crate::files::{FileLinks, FileStore};
use crate::http::{self, HttpState};
use crate::shutdown::{Shutdown, TerminationSignals};
use crate::store::{self, Backend, DynStore, StoreError};
use crate::telemetry;
use crate::webhooks::Deliverer;
use crate::ws::hub::Hub;
use crate::ws::protocol::Close;
use crate::ws::{self, WsState};
use utoipa_actix_web::AppExt;

/// Emails a mail server may post to the inbound endpoint per minute from one address.
const INBOUND_PER_MIN: u32 = 120;
/// Password reset requests and uses per minute from one address.
const RESETS_PER_MIN: u32 = 10;
/// In-flight requests get this long to finish once shutdown starts.
const GRACEFUL_SHUTDOWN: Duration = Duration::from_secs(5);
/// Sends queued per writer before new ones are answered `unavailable`.
const WRITER_QUEUE: usize = 65_536;
/// Batches of new visitors (and of new conversations) written at once.
const CREATION_BATCHES: usize = 2;
/// On shutdown, how long queued writes get to commit.
const WRITER_DRAIN: Duration = Duration::from_secs(3);
/// On shutdown, how long sockets get to flush their close frames.
const SOCKETS_DRAIN: Duration = Duration::from_secs(1);
/// Largest JSON body any endpoint accepts.
const MAX_JSON_BODY_BYTES: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] StoreError),
    #[error("first start: {0}")]
    Bootstrap(#[from] BootstrapError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("REDIS_URL is set but DATABASE_URL is SQLite: SQLite is single-node; use Postgres to run several nodes")]
    SqliteCluster,
    #[error("{0}")]
    Redis(String),
}

/// What a running server is made of, for its shutdown and for tests.
#[derive(Clone)]
pub struct Services {
    pub settings: Arc<Settings>,
    pub store: DynStore,
    pub chat: Chat,
    pub tokens: TokenKeys,
    pub shutdown: Shutdown,
    pub hub: Arc<Hub>,
}

pub struct Application {
    /// Listened to from start-up on, before the banner says the server runs.
    signals: TerminationSignals,
    port: u16,
    public_url: String,
    server: Server,
    services: Services,
    first_start: Option<FirstStart>,
}

impl Application {
    /// Connects to the database (waiting for it a bounded time), migrates, bootstraps an empty
    /// database, binds the listener.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let store = store::connect(&settings.database_url, settings.database_wait).await?;
        Self::build_with_store(settings, store).await
    }

    pub async fn build_with_store(
        settings: Settings,
        store: DynStore,
    ) -> Result<Self, StartupError> {
        let first_start = bootstrap::first_start(
            &*store,
            &settings.admin_email,
            settings.admin_password.as_ref().map(|p| p.expose()),
        )
        .await?;
        let secret = auth::server_secret(&settings, &*store).await?;
        let listener = TcpListener::bind(settings.bind).map_err(|source| StartupError::Bind {
            addr: settings.bind,
            source,
        })?;
        let local = listener.local_addr()?;
        let public_url = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{local}"));
        let bus = Bus::new();
        let redis = match &settings.redis_url {
            Some(_) if store.backend() == Backend::Sqlite => {
                return Err(StartupError::SqliteCluster)
            }
            Some(url) => {
                let broker = RedisBroker::start(url.expose(), &bus).map_err(StartupError::Redis)?;
                bus.set_broker(broker.clone());
                Some(broker)
            }
            None => None,
        };
        let writer = Writer::start(
            store.clone(),
            bus.clone(),
            WriterConfig {
                shards: match store.backend() {
                    Backend::Postgres => settings.writers.max(1),
                    Backend::Sqlite => 1,
                },
                max_batch: settings.write_batch.max(1),
                max_delay: settings.write_delay,
                queue_capacity: WRITER_QUEUE,
            },
        );
        let chat = Chat::new(
            store.clone(),
            bus,
            writer,
            Creations::start(store.clone(), CREATION_BATCHES),
            SiteCache::new(SITE_TTL),
            settings.limits.max_body_chars,
        );
        let hub = Hub::start(chat.clone());
        let connect_limit = Arc::new(IpLimiter::per_minute(settings.limits.ws_connect_per_min));
        let login_guard = Arc::new(LoginGuard::new(settings.limits.login_per_min));
        let uploads = Arc::new(http::api::uploads::UploadGate::new(
            settings.files.uploads_per_min,
        ));
        let relay_limit = Arc::new(IpLimiter::per_minute(settings.limits.http_relay_per_min));
        spawn_limiter_cleanup(
            vec![connect_limit.clone(), relay_limit.clone()],
            login_guard.clone(),
            uploads.clone(),
        );
        let dummy_hash = password::hash(auth::random_token(32))
            .await
            .map_err(|e| StartupError::Io(std::io::Error::other(e.to_string())))?;
        let openapi = http::api::openapi()
            .to_json()
            .map_err(|e| StartupError::Io(std::io::Error::other(e.to_string())))?;
        let settings = Arc::new(settings);
        let tokens = TokenKeys::new(&secret, &public_url);
        let counters = Counters::new(redis);
        let shutdown = Shutdown::new();
        let webhooks = Deliverer::start(store.clone(), settings.webhooks.clone(), shutdown.clone());
        chat.start_routing(settings.routing.clone(), shutdown.clone());
        chat.start_waking_snoozed(shutdown.clone());
        chat.start_retention(settings.retention_sweep, shutdown.clone());
        if settings.email.smtp_url.is_some() {
            chat.digest_unattended_after(settings.email.digest_after);
        }
        let reply_addresses =
            ReplyAddresses::new(secret.expose(), settings.email.inbound_domain.as_deref());
        Mailer::start(
            chat.clone(),
            settings.email.clone(),
            reply_addresses.clone(),
            public_url.clone(),
            shutdown.clone(),
        )
        .map_err(|e| StartupError::Io(std::io::Error::other(e)))?;
        let files = FileStore::open(&settings.files.backend, store.clone())
            .map_err(|e| StartupError::Io(std::io::Error::other(e)))?;
        chat.use_files(files.clone());
        let file_links = FileLinks::new(secret.expose(), &public_url);
        file_links.install();
        crate::files::janitor::start(
            store.clone(),
            files.clone(),
            settings.files.upload_ttl,
            shutdown.clone(),
        );
        let services = Services {
            settings: settings.clone(),
            store: store.clone(),
            chat: chat.clone(),
            tokens: tokens.clone(),
            shutdown,
            hub: hub.clone(),
        };
        let ws_state = WsState {
            chat: chat.clone(),
            hub,
            tokens: tokens.clone(),
            settings: settings.clone(),
            public_url: public_url.as_str().into(),
            connect_limit,
            counters: counters.clone(),
            open_per_ip: Arc::new(PerKey::new(settings.limits.ws_connections_per_ip)),
            relay_limit: relay_limit.clone(),
        };
        let http_state = HttpState {
            settings: settings.clone(),
            public_url: public_url.as_str().into(),
            store,
            chat,
            tokens,
            metrics: telemetry::metrics_handle(),
            shutdown: services.shutdown.clone(),
            login_guard,
            counters,
            dummy_hash: dummy_hash.into(),
            openapi: openapi.into(),
            webhooks,
            reply_addresses,
            inbound_limit: Arc::new(IpLimiter::per_minute(INBOUND_PER_MIN)),
            reset_limit: Arc::new(IpLimiter::per_minute(RESETS_PER_MIN)),
            files,
            file_links,
            uploads,
        };
        let server = serve(listener, http_state, ws_state, settings.workers.max(1))?;
        Ok(Self {
            signals: TerminationSignals::listen(),
            port: local.port(),
            public_url,
            server,
            services,
            first_start,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    pub fn services(&self) -> &Services {
        &self.services
    }

    /// The banner for this start (with the first-start details when this start made them).
    pub fn banner(&self) -> String {
        bootstrap::banner(&self.public_url, self.first_start.as_ref())
    }

    /// Serves until SIGTERM/SIGINT or until `state().shutdown` is triggered, then shuts down
    /// gracefully: readiness turns 503, sessions are told to close (1012), in-flight requests
    /// finish, and the future resolves.
    pub async fn run_until_stopped(self) -> Result<(), std::io::Error> {
        let shutdown = self.services.shutdown.clone();
        let handle = self.server.handle();
        // The server future processes its own commands (such as stop): it must keep being
        // polled while we wait for it to stop, so it runs as a task of its own.
        let mut server = actix_web::rt::spawn(self.server);
        tokio::select! {
            result = &mut server => return result.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            _ = self.signals.received() => {}
            _ = shutdown.wait() => {}
        }
        stop(&self.services, &handle).await;
        server
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }
}

/// Graceful shutdown: readiness turns 503, queued writes are committed and answered, every
/// WebSocket is closed with 1012 (clients reconnect elsewhere and `sync`), then the HTTP
/// server stops, giving in-flight requests a few seconds.
async fn stop(state: &Services, handle: &ServerHandle) {
    let started = Instant::now();
    state.shutdown.trigger();
    state.chat.writer().drain(WRITER_DRAIN).await;
    state.hub.close_all(Close::Restart);
    // Event streams too: a stream whose response is still open when the server stops is cut
    // without its last chunk, which a proxy and the browser report as an error.
    let deadline = Instant::now() + SOCKETS_DRAIN;
    while (state.hub.connection_count() > 0 || state.hub.streams().open() > 0)
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    handle.stop(true).await;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "server stopped"
    );
}

/// Forgets idle keys of the rate limiters every minute, so that their memory stays bounded.
fn spawn_limiter_cleanup(
    per_ip: Vec<Arc<IpLimiter>>,
    logins: Arc<LoginGuard>,
    uploads: Arc<http::api::uploads::UploadGate>,
) {
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            for limiter in &per_ip {
                limiter.forget_idle();
            }
            logins.forget_idle();
            uploads.forget_idle();
        }
    });
}

fn serve(
    listener: TcpListener,
    http_state: HttpState,
    ws_state: WsState,
    workers: usize,
) -> Result<Server, std::io::Error> {
    let server = HttpServer::new(move || {
        App::new()
            .into_utoipa_app()
            .service(http::api::api_scope())
            .into_app()
            .app_data(web::Data::new(http_state.clone()))
            .app_data(web::Data::new(ws_state.clone()))
            .app_data(web::JsonConfig::default().limit(MAX_JSON_BODY_BYTES).error_handler(error::json_error))
            .app_data(web::QueryConfig::default().error_handler(error::query_error))
            .app_data(web::PathConfig::default().error_handler(error::path_error))
            .wrap_fn(|req, srv| {
                let started = Instant::now();
                let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
                srv.call(req).map(move |result| {
                    if let Ok(response) = &result {
                        let status = response.status().as_u16().to_string();
                        metrics::counter!("parley_http_requests_total", "route" => route.clone(), "status" => status)
                            .increment(1);
                        metrics::histogram!("parley_http_request_duration_seconds", "route" => route)
                            .record(started.elapsed().as_secs_f64());
                    }
                    result
                })
            })
            .wrap(tracing_actix_web::TracingLogger::<http::request_span::RequestSpan>::new())
            .configure(ws::upgrade::configure)
            .configure(ws::http::configure)
            .configure(http::configure)
            .default_service(web::to(|| async { Err::<actix_web::HttpResponse, _>(ApiError::NotFound) }))
    })
    .workers(workers)
    // Frames are small and latency-bound: without this, Nagle holds a frame back until the
    // peer's delayed ACK (up to 40 ms) whenever an earlier one is still unacknowledged.
    .tcp_nodelay(true)
    .disable_signals()
    .shutdown_timeout(GRACEFUL_SHUTDOWN.as_secs())
    .listen(listener)?
    .run();
    Ok(server)
}
