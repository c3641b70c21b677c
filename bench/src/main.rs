//! parley-bench: a load generator that speaks only the public Parley contract, so it measures
//! any server that implements it.
//!
//! Scenarios: `throughput` (closed or open loop, ack and delivery latency, verification that
//! every acknowledged message is stored once, in order), `idle` (memory per idle connection),
//! `storm` (many visitors at once), `slow` (agents that stop reading), `history` (reads under
//! load), `soak` (hours at a steady rate), `workspace` (hundreds of agents in one workspace,
//! `all` or `focused`). `--transport http` runs the visitors over the contract's HTTP transport.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{client_async, connect_async_with_config, MaybeTlsStream, WebSocketStream};

mod http_socket;

use http_socket::{HttpSocket, Socket};

type WsSocket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;
type Failure = Box<dyn std::error::Error + Send + Sync>;

#[derive(Parser)]
#[command(
    name = "parley-bench",
    about = "Load generator for the Parley wire contract"
)]
struct Cli {
    #[command(flatten)]
    server: ServerArgs,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Args, Clone)]
struct ServerArgs {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080", global = true)]
    url: String,
    /// An admin of the workspace to load (its first site is used).
    #[arg(long, default_value = "admin@localhost", global = true)]
    email: String,
    #[arg(long, env = "PARLEY_BENCH_PASSWORD", default_value = "", global = true)]
    password: String,
    /// The server's process id, to read its memory from /proc.
    #[arg(long, global = true)]
    pid: Option<u32>,
    /// Another node's base URL for the agents (a cluster: visitors on `--url`, agents here).
    #[arg(long, global = true)]
    agent_url: Option<String>,
    /// How visitors connect: `websocket`, or `http` (the contract's fallback transport).
    #[arg(long, default_value = "websocket", global = true)]
    transport: String,
}

#[derive(Subcommand)]
enum Scenario {
    /// V visitors each in its own conversation, A agents receiving everything.
    Throughput {
        #[arg(long, default_value_t = 1000)]
        visitors: usize,
        #[arg(long, default_value_t = 4)]
        agents: usize,
        /// Sends in flight per visitor (closed loop).
        #[arg(long, default_value_t = 4)]
        inflight: usize,
        /// Messages per second over all visitors (open loop); closed loop when absent.
        #[arg(long)]
        rate: Option<f64>,
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Subscribes a webhook to `message.created`, received by this generator (the server
        /// must allow private addresses: scripts/bench --outboxes).
        #[arg(long)]
        webhook: bool,
    },
    /// N idle visitor connections and the server's memory per connection.
    Idle {
        #[arg(long, default_value_t = 10_000)]
        connections: usize,
    },
    /// N visitors connect, say hello and send one message, all at once.
    Storm {
        #[arg(long, default_value_t = 10_000)]
        visitors: usize,
    },
    /// Like throughput at a fixed rate, while some agents stop reading.
    Slow {
        #[arg(long, default_value_t = 200)]
        visitors: usize,
        #[arg(long, default_value_t = 4)]
        agents: usize,
        #[arg(long, default_value_t = 100)]
        stalled: usize,
        #[arg(long, default_value_t = 2000.0)]
        rate: f64,
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
    },
    /// Every report over the last 400 days of what the database holds (scripts/bench seeds
    /// it first: `--conversations` of `--messages-each`), each read `--runs` times.
    Reports {
        #[arg(long, default_value_t = 20)]
        runs: usize,
        /// Conversations the database was seeded with (checked against the summary).
        #[arg(long)]
        conversations: Option<u64>,
    },
    /// Hours-long health: an open-loop load in windows (each with its own visitors and
    /// agents, verified), beside a pool of idle visitors of which `--churn` % is replaced each
    /// minute; the server's memory and latency window by window.
    Soak {
        #[arg(long, default_value_t = 30.0)]
        minutes: f64,
        /// Idle visitor connections held beside the load.
        #[arg(long, default_value_t = 5000)]
        idle: usize,
        #[arg(long, default_value_t = 20)]
        agents: usize,
        /// Visitors sending in each window.
        #[arg(long, default_value_t = 200)]
        visitors: usize,
        /// Messages per second over all sending visitors.
        #[arg(long, default_value_t = 1000.0)]
        rate: f64,
        /// Seconds per window.
        #[arg(long, default_value_t = 60.0)]
        window: f64,
        /// Per cent of the idle pool replaced each minute.
        #[arg(long, default_value_t = 1.0)]
        churn: f64,
    },
    /// A large workspace: `--agents` online in one workspace, `--conversations` open and
    /// `--rate` messages a second spread over them; each agent watches `--watch` of them.
    /// `--subscription focused` asks for the lighter delivery (docs/protocol.md), `all` for
    /// the contract's broadcast. Reports delivery latency to the agents who watch, frames per
    /// agent, server CPU per message, and checks every agent's inbox against the store.
    Workspace {
        #[arg(long, default_value_t = 200)]
        agents: usize,
        #[arg(long, default_value_t = 2000)]
        conversations: usize,
        #[arg(long, default_value_t = 500.0)]
        rate: f64,
        #[arg(long, default_value_t = 20.0)]
        seconds: f64,
        #[arg(long, default_value = "focused")]
        subscription: String,
        #[arg(long, default_value_t = 2)]
        watch: usize,
    },
    /// `history` frames and HTTP history reads while messages flow.
    History {
        #[arg(long, default_value_t = 100)]
        visitors: usize,
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
    },
}

/// What every scenario needs from the server.
#[derive(Clone)]
struct Target {
    base: String,
    ws: String,
    /// Where agents connect: `ws`, or another node's.
    agent_ws: String,
    /// Visitors over the HTTP transport rather than WebSockets.
    http_visitors: bool,
    http: reqwest::Client,
    token: String,
    site_key: String,
}

impl Target {
    async fn connect(args: &ServerArgs) -> Result<Self, Failure> {
        let http = reqwest::Client::new();
        let base = args.url.trim_end_matches('/').to_owned();
        let login: Value = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": args.email, "password": args.password}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let token = login["token"]
            .as_str()
            .ok_or("login gave no token")?
            .to_owned();
        let sites: Value = http
            .get(format!("{base}/api/v1/sites"))
            .bearer_auth(&token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let site_key = sites["items"][0]["site_key"]
            .as_str()
            .ok_or("no site")?
            .to_owned();
        let ws = base.replacen("http", "ws", 1);
        let agent_ws = args.agent_url.as_deref().map_or_else(
            || ws.clone(),
            |u| u.trim_end_matches('/').replacen("http", "ws", 1),
        );
        let http_visitors = match args.transport.as_str() {
            "websocket" => false,
            "http" => true,
            other => return Err(format!("unknown transport {other}").into()),
        };
        Ok(Self {
            base,
            ws,
            agent_ws,
            http_visitors,
            http,
            token,
            site_key,
        })
    }

    /// A greeted visitor socket; `source` spreads client addresses over 127.0.0.x.
    async fn visitor(&self, source: Option<IpAddr>) -> Result<Socket, Failure> {
        if self.http_visitors {
            let url = format!("{}/http/visitor?site_key={}", self.base, self.site_key);
            let mut socket = Socket::Http(HttpSocket::open(&self.http, &self.base, &url).await?);
            socket
                .send(Message::text(
                    json!({"type": "hello", "ref": "h"}).to_string(),
                ))
                .await?;
            wait_for(&mut socket, "welcome").await?;
            return Ok(socket);
        }
        let url = format!("{}/ws/visitor?site_key={}", self.ws, self.site_key);
        let socket = match source {
            None => connect_async_with_config(url.as_str(), None, true).await?.0,
            Some(ip) => {
                let host = url::host_port(&self.ws)?;
                let tcp = TcpSocket::new_v4()?;
                tcp.bind(SocketAddr::new(ip, 0))?;
                let stream = tcp.connect(host).await?;
                stream.set_nodelay(true)?;
                client_async(url.as_str(), MaybeTlsStream::Plain(stream))
                    .await?
                    .0
            }
        };
        let mut socket = Socket::Ws(Box::new(socket));
        socket
            .send(Message::text(
                json!({"type": "hello", "ref": "h"}).to_string(),
            ))
            .await?;
        wait_for(&mut socket, "welcome").await?;
        Ok(socket)
    }

    async fn agent(&self) -> Result<Socket, Failure> {
        self.agent_with_window(None).await
    }

    /// An agent socket; `receive_window` shrinks its receive buffer, so that once it stops
    /// reading the server sees a full window within a few frames (as with a stalled phone)
    /// instead of loopback's megabytes of buffering.
    async fn agent_with_window(&self, receive_window: Option<u32>) -> Result<Socket, Failure> {
        let url = format!("{}/ws/agent", self.agent_ws);
        let socket = match receive_window {
            None => connect_async_with_config(url.as_str(), None, true).await?.0,
            Some(bytes) => {
                let tcp = TcpSocket::new_v4()?;
                tcp.set_recv_buffer_size(bytes)?;
                let stream = tcp.connect(url::host_port(&self.agent_ws)?).await?;
                stream.set_nodelay(true)?;
                client_async(url.as_str(), MaybeTlsStream::Plain(stream))
                    .await?
                    .0
            }
        };
        let mut socket = Socket::Ws(Box::new(socket));
        socket
            .send(Message::text(
                json!({"type": "hello", "ref": "h", "token": self.token}).to_string(),
            ))
            .await?;
        wait_for(&mut socket, "welcome").await?;
        Ok(socket)
    }
}

mod url {
    use std::net::SocketAddr;

    /// `ws://host:port` → the socket address (IP literals only: benchmarks run on loopback).
    pub fn host_port(ws: &str) -> Result<SocketAddr, super::Failure> {
        let rest = ws
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .unwrap_or_default();
        Ok(rest.parse()?)
    }
}

/// Reads frames until one of `kind` arrives.
async fn wait_for(socket: &mut Socket, kind: &str) -> Result<Value, Failure> {
    while let Some(message) = socket.next().await {
        if let Message::Text(text) = message? {
            let frame: Value = serde_json::from_str(&text)?;
            if frame["type"] == kind {
                return Ok(frame);
            }
            if frame["type"] == "error" {
                return Err(format!("server error: {frame}").into());
            }
        }
    }
    Err(format!("closed while waiting for {kind}").into())
}

fn histogram() -> Histogram<u64> {
    // Microseconds, up to one minute, three significant digits.
    Histogram::new_with_bounds(1, 60_000_000, 3)
        .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!()))
}

fn summary(h: &Histogram<u64>) -> Value {
    let ms = |v: u64| (v as f64 / 1000.0 * 100.0).round() / 100.0;
    json!({
        "count": h.len(),
        "p50_ms": ms(h.value_at_quantile(0.50)),
        "p90_ms": ms(h.value_at_quantile(0.90)),
        "p99_ms": ms(h.value_at_quantile(0.99)),
        "p999_ms": ms(h.value_at_quantile(0.999)),
        "max_ms": ms(h.max()),
    })
}

fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Body of a benchmark message: who sent it and when it was (scheduled to be) sent.
fn body(visitor: usize, n: u64, at: Duration) -> String {
    format!("bench {visitor} {n} {}", at.as_micros())
}

fn sent_at(body: &str) -> Option<Duration> {
    body.rsplit(' ')
        .next()?
        .parse()
        .ok()
        .map(Duration::from_micros)
}

/// One visitor's record of what was acknowledged: (client_msg_id, seq), in send order.
type Acked = Vec<(String, i64)>;

struct Run {
    epoch: Instant,
    acks: Mutex<Histogram<u64>>,
    deliveries: Mutex<Histogram<u64>>,
    /// Open loop: how late each send left the generator (its own delay, not the server's).
    send_lag: Mutex<Histogram<u64>>,
    delivered: AtomicU64,
}

impl Run {
    fn start() -> Arc<Self> {
        Arc::new(Self {
            epoch: Instant::now(),
            acks: Mutex::new(histogram()),
            deliveries: Mutex::new(histogram()),
            send_lag: Mutex::new(histogram()),
            delivered: AtomicU64::new(0),
        })
    }

    /// Forgets what was recorded so far: counting starts now.
    fn reset(&self) {
        if let (Ok(mut a), Ok(mut d), Ok(mut l)) = (
            self.acks.lock(),
            self.deliveries.lock(),
            self.send_lag.lock(),
        ) {
            a.reset();
            d.reset();
            l.reset();
        }
        self.delivered.store(0, Ordering::Relaxed);
    }
}

/// Visitor `v` opens its conversation with a first message: the socket and the conversation.
async fn open_conversation(
    run: &Run,
    v: usize,
    mut socket: Socket,
) -> Result<(Socket, String), Failure> {
    let frame = json!({"type": "send", "ref": "open", "client_msg_id": uuid::Uuid::new_v4(), "body": body(v, 0, run.epoch.elapsed())});
    socket.send(Message::text(frame.to_string())).await?;
    let sent = wait_for(&mut socket, "sent").await?;
    let conversation = sent["message"]["conversation_id"]
        .as_str()
        .ok_or("no conversation")?
        .to_owned();
    Ok((socket, conversation))
}

async fn throughput(
    target: &Target,
    visitors: usize,
    agents: usize,
    inflight: usize,
    rate: Option<f64>,
    seconds: f64,
    stalled: usize,
) -> Result<Value, Failure> {
    let run = Run::start();
    // Agents first, so that they see every message.
    let mut agent_tasks = Vec::new();
    for _ in 0..agents {
        let mut socket = target.agent().await?;
        let run = run.clone();
        agent_tasks.push(tokio::spawn(async move {
            while let Some(Ok(message)) = socket.next().await {
                if let Message::Text(text) = message {
                    if !text.contains("\"type\":\"message\"") {
                        continue;
                    }
                    let Ok(frame) = serde_json::from_str::<MessageFrame>(&text) else {
                        continue;
                    };
                    if let Some(at) = frame.message.body.as_deref().and_then(sent_at) {
                        let latency = run.epoch.elapsed().saturating_sub(at);
                        let _ = run
                            .deliveries
                            .lock()
                            .map(|mut h| h.record(latency.as_micros() as u64));
                        run.delivered.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    // Agents that connect and then never read again.
    let mut stalled_sockets = Vec::new();
    for _ in 0..stalled {
        stalled_sockets.push(target.agent_with_window(Some(STALLED_WINDOW)).await?);
    }
    let mut openers = Vec::new();
    for v in 0..visitors {
        let socket = target.visitor(None).await?;
        openers.push(open_conversation(&run, v, socket).await?);
    }
    // Wait for the openers' deliveries, then start counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    run.reset();
    let started = run.epoch.elapsed();
    let deadline = started + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for (v, (socket, conversation)) in openers.into_iter().enumerate() {
        let run = run.clone();
        let interval = rate.map(|r| Duration::from_secs_f64(visitors as f64 / r));
        tasks.push(tokio::spawn(visitor_loop(
            run,
            v,
            socket,
            conversation,
            inflight,
            interval,
            v as f64 / visitors as f64,
            started,
            deadline,
        )));
    }
    let mut acked: Vec<(String, Acked)> = Vec::new();
    for task in tasks {
        acked.push(task.await??);
    }
    let elapsed = (run.epoch.elapsed() - started)
        .as_secs_f64()
        .min(seconds.max(0.001) + 10.0);
    let total_acks: usize = acked.iter().map(|(_, a)| a.len()).sum();
    // Every agent must receive every acknowledged message.
    let expected = (total_acks * agents) as u64;
    let wait = Instant::now();
    while run.delivered.load(Ordering::Relaxed) < expected
        && wait.elapsed() < Duration::from_secs(20)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let delivered = run.delivered.load(Ordering::Relaxed);
    for task in agent_tasks {
        task.abort();
    }
    drop(stalled_sockets);
    let verification = verify(target, &acked).await?;
    let acks = run.acks.lock().map(|h| summary(&h)).unwrap_or_default();
    let deliveries = run
        .deliveries
        .lock()
        .map(|h| summary(&h))
        .unwrap_or_default();
    Ok(json!({
        "scenario": if stalled > 0 { "slow" } else { "throughput" },
        "mode": if rate.is_some() { "open" } else { "closed" },
        "visitors": visitors, "agents": agents, "stalled_agents": stalled, "inflight": inflight, "rate": rate,
        "seconds": seconds,
        "acked": total_acks,
        "acks_per_sec": (total_acks as f64 / elapsed).round(),
        "delivered": delivered,
        "deliveries_expected": expected,
        "deliveries_per_sec": (delivered as f64 / elapsed).round(),
        "ack_latency": acks,
        "delivery_latency": deliveries,
        "send_lag": rate.map(|_| run.send_lag.lock().map(|h| summary(&h)).unwrap_or_default()),
        "verification": verification,
    }))
}

/// The frame that sends message `n` of visitor `v`, (scheduled) at `at`.
fn send_frame(conversation: &str, v: usize, n: u64, at: Duration) -> Message {
    Message::text(
        json!({"type": "send", "ref": at.as_micros().to_string(), "conversation_id": conversation,
               "client_msg_id": uuid::Uuid::new_v4(), "body": body(v, n, at)})
        .to_string(),
    )
}

/// Records a `sent` frame; returns it parsed (None for other frames). Errors are fatal.
fn on_ack(run: &Run, text: &str, acked: &mut Acked) -> Result<bool, Failure> {
    if !text.contains("\"type\":\"sent\"") {
        if text.contains("\"type\":\"error\"") {
            return Err(format!("server error: {text}").into());
        }
        return Ok(false);
    }
    let frame: SentFrame = serde_json::from_str(text)?;
    let scheduled = frame
        .reference
        .and_then(|r| r.parse().ok())
        .map(Duration::from_micros)
        .unwrap_or_default();
    let latency = run.epoch.elapsed().saturating_sub(scheduled);
    let _ = run
        .acks
        .lock()
        .map(|mut h| h.record(latency.as_micros() as u64));
    acked.push((
        frame.message.client_msg_id.unwrap_or_default().to_owned(),
        frame.message.seq,
    ));
    Ok(true)
}

/// The fields of `sent` and `message` frames the generator reads, borrowed from the text:
/// parsing every frame into a `Value` would make the generator, which shares the machine
/// with the server, use more of it.
#[derive(Deserialize)]
struct SentFrame<'a> {
    #[serde(rename = "ref", borrow)]
    reference: Option<&'a str>,
    #[serde(borrow)]
    message: FrameMessage<'a>,
}

#[derive(Deserialize)]
struct MessageFrame<'a> {
    #[serde(borrow)]
    message: FrameMessage<'a>,
}

#[derive(Deserialize)]
struct FrameMessage<'a> {
    #[serde(borrow, default)]
    conversation_id: Option<&'a str>,
    #[serde(default)]
    seq: i64,
    #[serde(borrow, default)]
    client_msg_id: Option<&'a str>,
    #[serde(borrow, default)]
    body: Option<std::borrow::Cow<'a, str>>,
}

/// Receive buffer of the agents that stop reading.
const STALLED_WINDOW: u32 = 4096;

/// How long, after the end of a run, outstanding acknowledgements are waited for.
const DRAIN: Duration = Duration::from_secs(10);

#[allow(clippy::too_many_arguments)]
async fn visitor_loop(
    run: Arc<Run>,
    v: usize,
    socket: Socket,
    conversation: String,
    inflight: usize,
    interval: Option<Duration>,
    phase: f64,
    started: Duration,
    deadline: Duration,
) -> Result<(String, Acked), Failure> {
    let mut acked: Acked = Vec::new();
    let drain_until = deadline + DRAIN;
    match interval {
        // Closed loop: `inflight` sends outstanding; each acknowledgement sends the next.
        None => {
            let mut socket = socket;
            let mut n = 0u64;
            for _ in 0..inflight {
                n += 1;
                socket
                    .send(send_frame(&conversation, v, n, run.epoch.elapsed()))
                    .await?;
            }
            let mut outstanding = inflight;
            while outstanding > 0 {
                let left = drain_until.saturating_sub(run.epoch.elapsed());
                let Ok(Some(message)) = tokio::time::timeout(left, socket.next()).await else {
                    break;
                };
                let Message::Text(text) = message? else {
                    continue;
                };
                if !on_ack(&run, &text, &mut acked)? {
                    continue;
                }
                outstanding -= 1;
                if run.epoch.elapsed() < deadline {
                    n += 1;
                    outstanding += 1;
                    socket
                        .send(send_frame(&conversation, v, n, run.epoch.elapsed()))
                        .await?;
                }
            }
        }
        // Open loop: a sender on a fixed schedule; latency counts from the scheduled time, so
        // a slow server cannot hide its delays by slowing the sender (no coordinated omission).
        Some(every) => {
            let (mut sink, mut stream) = socket.split();
            let scheduled = Arc::new(AtomicU64::new(0));
            let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let sender = {
                let (run, conversation, scheduled, done) = (
                    run.clone(),
                    conversation.clone(),
                    scheduled.clone(),
                    done.clone(),
                );
                tokio::spawn(async move {
                    let mut n = 0u64;
                    // Visitors start evenly spread over the first interval, so that the total
                    // rate is steady rather than a burst at the start of every interval.
                    let mut next = started + every.mul_f64(phase);
                    while next < deadline {
                        tokio::time::sleep_until(tokio::time::Instant::from_std(run.epoch + next))
                            .await;
                        n += 1;
                        if sink
                            .send(send_frame(&conversation, v, n, next))
                            .await
                            .is_err()
                        {
                            break;
                        }
                        let lag = run.epoch.elapsed().saturating_sub(next);
                        let _ = run
                            .send_lag
                            .lock()
                            .map(|mut h| h.record(lag.as_micros() as u64));
                        scheduled.store(n, Ordering::Release);
                        next += every;
                    }
                    done.store(true, Ordering::Release);
                    sink
                })
            };
            loop {
                if done.load(Ordering::Acquire)
                    && acked.len() as u64 >= scheduled.load(Ordering::Acquire)
                {
                    break;
                }
                let left = drain_until.saturating_sub(run.epoch.elapsed());
                let wait = left.min(Duration::from_millis(100));
                if left.is_zero() {
                    break;
                }
                let Ok(next) = tokio::time::timeout(wait, stream.next()).await else {
                    continue;
                };
                let Some(message) = next else { break };
                let Message::Text(text) = message? else {
                    continue;
                };
                on_ack(&run, &text, &mut acked)?;
            }
            let _ = sender.await;
        }
    }
    Ok((conversation, acked))
}

/// Reads every conversation back over HTTP: seqs must run 1..n with no gap, and every
/// acknowledged message must be stored once, with the seq it was acknowledged with.
async fn verify(target: &Target, acked: &[(String, Acked)]) -> Result<Value, Failure> {
    let (mut lost, mut duplicated, mut gaps, mut out_of_order) = (0u64, 0u64, 0u64, 0u64);
    for (conversation, messages) in acked {
        let mut stored: Vec<(i64, String)> = Vec::new();
        let mut after = 0i64;
        loop {
            let page: Value = target
                .http
                .get(format!(
                    "{}/api/v1/conversations/{conversation}/messages?after_seq={after}&limit=100",
                    target.base
                ))
                .bearer_auth(&target.token)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            let items = page["items"].as_array().cloned().unwrap_or_default();
            for item in &items {
                stored.push((
                    item["seq"].as_i64().unwrap_or(0),
                    item["client_msg_id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                ));
            }
            after = stored.last().map_or(after, |(s, _)| *s);
            if page["more"] != true || items.is_empty() {
                break;
            }
        }
        for (i, (seq, _)) in stored.iter().enumerate() {
            if *seq != i as i64 + 1 {
                gaps += 1;
                break;
            }
        }
        let mut by_key: HashMap<&str, Vec<i64>> = HashMap::new();
        for (seq, key) in &stored {
            by_key.entry(key.as_str()).or_default().push(*seq);
        }
        let mut previous = 0;
        for (key, seq) in messages {
            match by_key.get(key.as_str()).map(Vec::as_slice) {
                None | Some([]) => lost += 1,
                Some([stored_seq]) if stored_seq == seq => {}
                Some([_]) => out_of_order += 1,
                Some(_) => duplicated += 1,
            }
            if *seq <= previous {
                out_of_order += 1;
            }
            previous = *seq;
        }
    }
    Ok(
        json!({"conversations": acked.len(), "lost": lost, "duplicated": duplicated, "gaps": gaps, "out_of_order": out_of_order,
              "ok": lost + duplicated + gaps + out_of_order == 0}),
    )
}

/// Client source addresses for many connections: 127.0.0.1 .. 127.0.0.250.
fn source(i: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1 + (i % 250) as u8))
}

async fn idle(target: &Target, pid: Option<u32>, connections: usize) -> Result<Value, Failure> {
    let before = rss_kib(pid);
    let started = Instant::now();
    let mut sockets = Vec::with_capacity(connections);
    let mut batch = Vec::new();
    for i in 0..connections {
        let target = target.clone();
        batch.push(tokio::spawn(async move {
            target.visitor(Some(source(i))).await
        }));
        if batch.len() == 200 {
            for task in batch.drain(..) {
                sockets.push(task.await??);
            }
        }
    }
    for task in batch {
        sockets.push(task.await??);
    }
    let connect_secs = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib(pid);
    let per_connection = match (before, after) {
        (Some(b), Some(a)) => {
            Some(((a.saturating_sub(b)) as f64 * 1024.0 / connections as f64).round())
        }
        _ => None,
    };
    Ok(
        json!({"scenario": "idle", "connections": sockets.len(), "connect_secs": connect_secs,
              "rss_before_kib": before, "rss_after_kib": after, "bytes_per_connection": per_connection}),
    )
}

async fn storm(target: &Target, visitors: usize) -> Result<Value, Failure> {
    let started = Instant::now();
    let connected = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::with_capacity(visitors);
    for i in 0..visitors {
        let (target, connected) = (target.clone(), connected.clone());
        tasks.push(tokio::spawn(async move {
            let mut socket = target.visitor(Some(source(i))).await?;
            connected.fetch_add(1, Ordering::Relaxed);
            let frame = json!({"type": "send", "ref": "s", "client_msg_id": uuid::Uuid::new_v4(), "body": "storm"});
            socket.send(Message::text(frame.to_string())).await?;
            wait_for(&mut socket, "sent").await?;
            Ok::<_, Failure>(socket)
        }));
    }
    let mut sockets = Vec::with_capacity(visitors);
    let mut failed = 0;
    for task in tasks {
        match task.await? {
            Ok(socket) => sockets.push(socket),
            Err(_) => failed += 1,
        }
    }
    let total = started.elapsed().as_secs_f64();
    Ok(
        json!({"scenario": "storm", "visitors": visitors, "acknowledged": sockets.len(), "failed": failed,
              "seconds_until_all_acknowledged": total, "connections_per_sec": (sockets.len() as f64 / total).round()}),
    )
}

async fn history(target: &Target, visitors: usize, seconds: f64) -> Result<Value, Failure> {
    // Traffic: a modest open-loop load in the background.
    let load = {
        let target = target.clone();
        tokio::spawn(async move {
            throughput(
                &target,
                visitors,
                1,
                1,
                Some(visitors as f64 * 2.0),
                seconds,
                0,
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut socket = target.agent().await?;
    let list: Value = target
        .http
        .get(format!("{}/api/v1/conversations", target.base))
        .bearer_auth(&target.token)
        .send()
        .await?
        .json()
        .await?;
    let ids: Vec<String> = list["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .collect();
    if ids.is_empty() {
        return Err("no conversations to read".into());
    }
    let (mut ws_h, mut http_h) = (histogram(), histogram());
    let end = Instant::now() + Duration::from_secs_f64((seconds - 1.0).max(1.0));
    let mut i = 0;
    while Instant::now() < end {
        let id = &ids[i % ids.len()];
        i += 1;
        let t = Instant::now();
        socket.send(Message::text(json!({"type": "history", "ref": i.to_string(), "conversation_id": id, "limit": 50}).to_string())).await?;
        wait_for(&mut socket, "history").await?;
        ws_h.record(t.elapsed().as_micros() as u64)?;
        let t = Instant::now();
        target
            .http
            .get(format!(
                "{}/api/v1/conversations/{id}/messages?limit=50",
                target.base
            ))
            .bearer_auth(&target.token)
            .send()
            .await?
            .error_for_status()?;
        http_h.record(t.elapsed().as_micros() as u64)?;
    }
    let background = load.await??;
    Ok(
        json!({"scenario": "history", "reads": i, "ws_history": summary(&ws_h), "http_history": summary(&http_h),
              "background_acks_per_sec": background["acks_per_sec"], "verification": background["verification"]}),
    )
}

/// What a soak holds and sends.
struct SoakShape {
    seconds: f64,
    idle: usize,
    agents: usize,
    visitors: usize,
    rate: f64,
    window: f64,
    churn: f64,
}

/// Runs the load window after window beside the idle pool (churned by a task of its own), and
/// reports each window and how memory and p99 moved between the first and the last part.
async fn soak(target: &Target, pid: Option<u32>, shape: SoakShape) -> Result<Value, Failure> {
    let rss_start = rss_kib(pid);
    // Each idle connection is read (so that the server's pings are answered, as a browser
    // would) by a task of its own; replacing one aborts its task, which closes it.
    let hold = |mut socket: Socket| {
        tokio::spawn(async move { while let Some(Ok(_)) = socket.next().await {} })
    };
    let mut pool = Vec::with_capacity(shape.idle);
    for i in 0..shape.idle {
        pool.push(hold(target.visitor(Some(source(i))).await?));
    }
    let pool = Arc::new(tokio::sync::Mutex::new(pool));
    let replaced = Arc::new(AtomicU64::new(0));
    let churn_errors = Arc::new(AtomicU64::new(0));
    let churner = {
        let (target, pool, replaced, errors) = (
            target.clone(),
            pool.clone(),
            replaced.clone(),
            churn_errors.clone(),
        );
        // Every six seconds, a tenth of a minute's share: churn spread evenly.
        let per_tick = ((shape.idle as f64 * shape.churn / 100.0) / 10.0).ceil() as usize;
        tokio::spawn(async move {
            let mut next = 0usize;
            loop {
                tokio::time::sleep(Duration::from_secs(6)).await;
                for _ in 0..per_tick {
                    let mut sockets = pool.lock().await;
                    if sockets.is_empty() {
                        break;
                    }
                    let i = next % sockets.len();
                    next += 1;
                    match target.visitor(Some(source(i + 7))).await {
                        Ok(fresh) => {
                            let old = std::mem::replace(&mut sockets[i], hold(fresh));
                            old.abort();
                            replaced.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
        })
    };
    let started = Instant::now();
    let mut windows = Vec::new();
    let mut failures = 0u64;
    while started.elapsed().as_secs_f64() + shape.window / 2.0 < shape.seconds.max(shape.window) {
        let report = throughput(
            target,
            shape.visitors,
            shape.agents,
            1,
            Some(shape.rate),
            shape.window,
            0,
        )
        .await?;
        let ok = report["verification"]["ok"].as_bool() == Some(true);
        failures += u64::from(!ok);
        windows.push(json!({
            "at_s": (started.elapsed().as_secs_f64()).round(),
            "acks_per_sec": report["acks_per_sec"],
            "ack_p99_ms": report["ack_latency"]["p99_ms"],
            "delivery_p99_ms": report["delivery_latency"]["p99_ms"],
            "rss_kib": rss_kib(pid),
            "verified": ok,
        }));
    }
    churner.abort();
    for task in pool.lock().await.iter() {
        task.abort();
    }
    // Memory and p99: the part after the first five minutes (or the first window when
    // shorter), against its end.
    let settle = windows
        .iter()
        .position(|w| w["at_s"].as_f64().unwrap_or(0.0) >= 300.0)
        .unwrap_or(0);
    let rss = |w: &Value| w["rss_kib"].as_f64();
    let p99 = |part: &[Value]| {
        let mut v: Vec<f64> = part
            .iter()
            .filter_map(|w| w["delivery_p99_ms"].as_f64())
            .collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    };
    let fifth = (windows.len() / 6).max(1);
    let growth = match (
        windows.get(settle).and_then(rss),
        windows.last().and_then(rss),
    ) {
        (Some(a), Some(b)) if a > 0.0 => Some(((b / a - 1.0) * 1000.0).round() / 10.0),
        _ => None,
    };
    let drift = match (
        p99(&windows[..fifth.min(windows.len())]),
        p99(&windows[windows.len().saturating_sub(fifth)..]),
    ) {
        (Some(a), Some(b)) if a > 0.0 => Some(((b / a - 1.0) * 1000.0).round() / 10.0),
        _ => None,
    };
    Ok(json!({
        "scenario": "soak",
        "seconds": started.elapsed().as_secs_f64().round(),
        "idle": shape.idle, "agents": shape.agents, "visitors": shape.visitors,
        "rate": shape.rate, "window_s": shape.window, "churn_pct_per_min": shape.churn,
        "idle_replaced": replaced.load(Ordering::Relaxed),
        "churn_errors": churn_errors.load(Ordering::Relaxed),
        "rss_start_kib": rss_start,
        "rss_growth_after_settle_pct": growth,
        "delivery_p99_drift_pct": drift,
        "windows": windows,
        "verification": {"ok": failures == 0 && churn_errors.load(Ordering::Relaxed) == 0, "failed_windows": failures},
    }))
}

/// Times each report over the whole seeded range; checks the summary counts what was seeded.
async fn reports(
    target: &Target,
    runs: usize,
    conversations: Option<u64>,
) -> Result<Value, Failure> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| "clock before 1970")?
        .as_secs();
    let day = 86_400;
    let stamp = |secs: u64| -> Result<String, Failure> {
        // RFC 3339 from seconds, by the civil-from-days algorithm (no date crate here).
        let days = (secs / day) as i64;
        let rem = secs % day;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        Ok(format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        ))
    };
    let year = format!("from={}&to={}", stamp(now - 399 * day)?, stamp(now + day)?);
    let month = format!("from={}&to={}", stamp(now - 30 * day)?, stamp(now + day)?);
    let reads = [
        ("summary", format!("summary?{year}")),
        (
            "series_day",
            format!("series?{year}&interval=day&tz=Europe/Paris"),
        ),
        (
            "series_hour_31d",
            format!("series?{month}&interval=hour&tz=Europe/Paris"),
        ),
        ("breakdown_agent", format!("breakdown?{year}&by=agent")),
        ("heatmap", format!("heatmap?{year}&tz=Europe/Paris")),
        ("live", "live".to_owned()),
        ("export_csv", format!("export?{year}")),
    ];
    let mut report = serde_json::Map::new();
    for (name, path) in reads {
        let mut h = histogram();
        for _ in 0..runs {
            let t = Instant::now();
            let response = target
                .http
                .get(format!("{}/api/v1/reports/{path}", target.base))
                .bearer_auth(&target.token)
                .send()
                .await?
                .error_for_status()?;
            let body = response.bytes().await?;
            h.record(t.elapsed().as_micros() as u64)?;
            if name == "summary" {
                let summary: Value = serde_json::from_slice(&body)?;
                report.insert("seeded_summary".into(), summary.clone());
                if let Some(want) = conversations {
                    if summary["conversations"].as_u64() != Some(want) {
                        return Err(format!(
                            "the summary counts {}, not {want}",
                            summary["conversations"]
                        )
                        .into());
                    }
                }
            }
        }
        report.insert(name.into(), summary(&h));
    }
    report.insert("scenario".into(), json!("reports"));
    Ok(Value::Object(report))
}

#[derive(Deserialize)]
struct ActivityFrame<'a> {
    #[serde(borrow)]
    conversations: Vec<ActivityEntry<'a>>,
}

#[derive(Deserialize)]
struct ActivityEntry<'a> {
    #[serde(borrow)]
    conversation_id: &'a str,
    last_seq: i64,
}

/// What one agent of the workspace scenario saw.
#[derive(Default)]
struct AgentView {
    /// The newest seq heard of each conversation, from `message` or `activity` frames.
    known: HashMap<String, i64>,
    frames: u64,
    messages: u64,
    activities: u64,
    /// Frames by type.
    types: HashMap<String, u64>,
}

/// A frame's `type`, read from its text without parsing it.
fn frame_type(text: &str) -> &str {
    text.split_once("\"type\":\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map_or("?", |(kind, _)| kind)
}

fn cpu_ticks(pid: Option<u32>) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid?)).ok()?;
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

struct WorkspaceShape {
    agents: usize,
    conversations: usize,
    rate: f64,
    seconds: f64,
    focused: bool,
    watch: usize,
}

async fn workspace(
    target: &Target,
    pid: Option<u32>,
    shape: WorkspaceShape,
) -> Result<Value, Failure> {
    let run = Run::start();
    // The conversations, each with its visitor still connected.
    let mut openers = Vec::with_capacity(shape.conversations);
    for v in 0..shape.conversations {
        let socket = target.visitor(Some(source(v))).await?;
        openers.push(open_conversation(&run, v, socket).await?);
    }
    // The agents, each watching its own few conversations.
    let mut agent_tasks = Vec::new();
    let mut views: Vec<Arc<Mutex<AgentView>>> = Vec::new();
    for a in 0..shape.agents {
        let mut socket = {
            let url = format!("{}/ws/agent", target.agent_ws);
            let tcp = TcpSocket::new_v4()?;
            tcp.bind(SocketAddr::new(source(a + 7), 0))?;
            let stream = tcp.connect(url::host_port(&target.agent_ws)?).await?;
            stream.set_nodelay(true)?;
            Socket::Ws(Box::new(
                client_async(url.as_str(), MaybeTlsStream::Plain(stream))
                    .await?
                    .0,
            ))
        };
        let mut hello = json!({"type": "hello", "ref": "h", "token": target.token});
        if shape.focused {
            hello["subscription"] = json!("focused");
        }
        socket.send(Message::text(hello.to_string())).await?;
        wait_for(&mut socket, "welcome").await?;
        let watched: Vec<String> = (0..shape.watch)
            .map(|k| openers[(a * shape.watch + k) % openers.len()].1.clone())
            .collect();
        // Only a focused connection is told (an `all` one gets everything anyway, and servers
        // without the addition would refuse the frame).
        if shape.focused {
            socket
                .send(Message::text(
                    json!({"type": "watch", "ref": "w", "conversation_ids": watched}).to_string(),
                ))
                .await?;
            wait_for(&mut socket, "ok").await?;
        }
        let run = run.clone();
        // Kept outside the task, which is aborted at the end (its socket never ends by itself).
        let shared = Arc::new(Mutex::new(AgentView::default()));
        views.push(shared.clone());
        agent_tasks.push(tokio::spawn(async move {
            while let Some(Ok(message)) = socket.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                let Ok(mut view) = shared.lock() else {
                    break;
                };
                view.frames += 1;
                *view.types.entry(frame_type(&text).to_owned()).or_default() += 1;
                if text.contains("\"type\":\"activity\"") {
                    view.activities += 1;
                    if let Ok(frame) = serde_json::from_str::<ActivityFrame>(&text) {
                        for entry in frame.conversations {
                            let known = view
                                .known
                                .entry(entry.conversation_id.to_owned())
                                .or_default();
                            *known = (*known).max(entry.last_seq);
                        }
                    }
                    continue;
                }
                if !text.contains("\"type\":\"message\"") {
                    continue;
                }
                let Ok(frame) = serde_json::from_str::<MessageFrame>(&text) else {
                    continue;
                };
                view.messages += 1;
                if let Some(c) = frame.message.conversation_id {
                    let known = view.known.entry(c.to_owned()).or_default();
                    *known = (*known).max(frame.message.seq);
                    // Latency is what the watchers see; in `all` mode every agent gets every
                    // message, and only the watched ones are timed there too.
                    if watched.iter().any(|w| w == c) {
                        if let Some(at) = frame.message.body.as_deref().and_then(sent_at) {
                            let latency = run.epoch.elapsed().saturating_sub(at);
                            let _ = run
                                .deliveries
                                .lock()
                                .map(|mut h| h.record(latency.as_micros() as u64));
                            run.delivered.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    run.reset();
    // Count from here: what came while the conversations and agents were set up is not load.
    for view in &views {
        if let Ok(mut view) = view.lock() {
            let known = std::mem::take(&mut view.known);
            *view = AgentView {
                known,
                ..AgentView::default()
            };
        }
    }
    let cpu_before = cpu_ticks(pid);
    let started = run.epoch.elapsed();
    let deadline = started + Duration::from_secs_f64(shape.seconds);
    let every = Duration::from_secs_f64(shape.conversations as f64 / shape.rate);
    let mut tasks = Vec::new();
    let n = openers.len();
    for (v, (socket, conversation)) in openers.into_iter().enumerate() {
        tasks.push(tokio::spawn(visitor_loop(
            run.clone(),
            v,
            socket,
            conversation,
            1,
            Some(every),
            v as f64 / n as f64,
            started,
            deadline,
        )));
    }
    let mut acked: Vec<(String, Acked)> = Vec::new();
    for task in tasks {
        acked.push(task.await??);
    }
    let elapsed = (run.epoch.elapsed() - started).as_secs_f64();
    let cpu_after = cpu_ticks(pid);
    // The last activity frames go out within half a second.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for task in agent_tasks {
        task.abort();
    }
    let views: Vec<AgentView> = views
        .iter()
        .filter_map(|v| v.lock().ok().map(|mut v| std::mem::take(&mut *v)))
        .collect();
    if views.len() != shape.agents {
        return Err("an agent's view was lost".into());
    }
    let total_acks: usize = acked.iter().map(|(_, a)| a.len()).sum();
    // Every agent's inbox must know each conversation's newest message.
    let newest: HashMap<&str, i64> = acked
        .iter()
        .filter_map(|(c, a)| Some((c.as_str(), a.iter().map(|(_, s)| *s).max()?)))
        .collect();
    let mut stale_rows = 0u64;
    for view in &views {
        for (conversation, seq) in &newest {
            if view.known.get(*conversation).copied().unwrap_or(0) < *seq {
                stale_rows += 1;
            }
        }
    }
    // The load's traffic: messages and their summaries (the visitors' departures at the end,
    // `presence` in `all` mode, are listed by type but not counted here).
    let frames: u64 = views.iter().map(|v| v.messages + v.activities).sum();
    let mut types: HashMap<&str, u64> = HashMap::new();
    for view in &views {
        for (kind, n) in &view.types {
            *types.entry(kind.as_str()).or_default() += n;
        }
    }
    let activity_max = views.iter().map(|v| v.activities).max().unwrap_or(0);
    let verification = verify(target, &acked).await?;
    // Clock ticks are hundredths of a second on Linux.
    let cpu_ms = match (cpu_before, cpu_after) {
        (Some(b), Some(a)) => Some((a - b) as f64 * 10.0),
        _ => None,
    };
    let deliveries = run
        .deliveries
        .lock()
        .map(|h| summary(&h))
        .unwrap_or_default();
    Ok(json!({
        "scenario": "workspace",
        "subscription": if shape.focused { "focused" } else { "all" },
        "agents": shape.agents, "conversations": shape.conversations, "rate": shape.rate,
        "seconds": shape.seconds, "watch": shape.watch,
        "acked": total_acks,
        "acks_per_sec": (total_acks as f64 / elapsed).round(),
        "ack_latency": run.acks.lock().map(|h| summary(&h)).unwrap_or_default(),
        "watched_delivery_latency": deliveries,
        "frames_to_agents": frames,
        "frames_to_agents_per_sec": (frames as f64 / elapsed).round(),
        "frames_to_agents_by_type": types,
        "activity_frames_per_agent_per_sec_max": ((activity_max as f64 / elapsed) * 100.0).round() / 100.0,
        "server_cpu_ms": cpu_ms,
        "server_cpu_us_per_message": cpu_ms.map(|ms| (ms * 1000.0 / total_acks.max(1) as f64).round()),
        "stale_inbox_rows": stale_rows,
        "send_lag": run.send_lag.lock().map(|h| summary(&h)).unwrap_or_default(),
        "verification": {
            "ok": verification["ok"] == true && stale_rows == 0,
            "store": verification,
        },
    }))
}

/// An HTTP receiver on loopback that answers every request 200, subscribed to
/// `message.created`; counts what it received.
async fn webhook_receiver(target: &Target) -> Result<Arc<AtomicU64>, Failure> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut stream = BufReader::new(stream);
                loop {
                    // Headers, then the body its Content-Length announces; keep-alive.
                    let mut length = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let header = line.trim_end();
                        if header.is_empty() {
                            break;
                        }
                        if let Some((name, value)) = header.split_once(':') {
                            if name.eq_ignore_ascii_case("content-length") {
                                length = value.trim().parse().unwrap_or(0);
                            }
                        }
                    }
                    let mut body = vec![0u8; length];
                    if stream.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    counter.fetch_add(1, Ordering::Relaxed);
                    let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
                    if stream.get_mut().write_all(answer).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    target
        .http
        .post(format!("{}/api/v1/webhooks", target.base))
        .bearer_auth(&target.token)
        .json(
            &json!({"url": format!("http://127.0.0.1:{port}/hook"), "events": ["message.created"]}),
        )
        .send()
        .await?
        .error_for_status()?;
    Ok(received)
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let result = async {
        let target = Target::connect(&cli.server).await?;
        match cli.scenario {
            Scenario::Throughput {
                visitors,
                agents,
                inflight,
                rate,
                seconds,
                webhook,
            } => {
                let receiver = match webhook {
                    true => Some(webhook_receiver(&target).await?),
                    false => None,
                };
                let mut report =
                    throughput(&target, visitors, agents, inflight, rate, seconds, 0).await?;
                if let Some(received) = receiver {
                    report["webhook_deliveries"] = json!(received.load(Ordering::Relaxed));
                }
                Ok(report)
            }
            Scenario::Idle { connections } => idle(&target, cli.server.pid, connections).await,
            Scenario::Storm { visitors } => storm(&target, visitors).await,
            Scenario::Slow {
                visitors,
                agents,
                stalled,
                rate,
                seconds,
            } => {
                let rss_before = rss_kib(cli.server.pid);
                let mut report =
                    throughput(&target, visitors, agents, 1, Some(rate), seconds, stalled).await?;
                report["rss_before_kib"] = json!(rss_before);
                report["rss_after_kib"] = json!(rss_kib(cli.server.pid));
                Ok(report)
            }
            Scenario::History { visitors, seconds } => history(&target, visitors, seconds).await,
            Scenario::Workspace {
                agents,
                conversations,
                rate,
                seconds,
                subscription,
                watch,
            } => {
                let focused = match subscription.as_str() {
                    "focused" => true,
                    "all" => false,
                    other => return Err(format!("unknown subscription {other}").into()),
                };
                let shape = WorkspaceShape {
                    agents,
                    conversations,
                    rate,
                    seconds,
                    focused,
                    watch,
                };
                workspace(&target, cli.server.pid, shape).await
            }
            Scenario::Reports {
                runs,
                conversations,
            } => reports(&target, runs, conversations).await,
            Scenario::Soak {
                minutes,
                idle,
                agents,
                visitors,
                rate,
                window,
                churn,
            } => {
                let shape = SoakShape {
                    seconds: minutes * 60.0,
                    idle,
                    agents,
                    visitors,
                    rate,
                    window,
                    churn,
                };
                soak(&target, cli.server.pid, shape).await
            }
        }
    }
    .await;
    match result {
        Ok(report) => println!("{report}"),
        Err(err) => {
            eprintln!("parley-bench: {err}");
            std::process::exit(1);
        }
    }
}
