//! The contract's HTTP transport as a socket: frames read from an event stream and written in
//! numbered batches, behind the same `Stream`/`Sink` of messages as a WebSocket, so that every
//! scenario can run over either (`--transport http`).

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::{Sink, Stream, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Error, Message};

use super::Failure;

/// One stream and its poster.
pub struct HttpSocket {
    incoming: mpsc::UnboundedReceiver<Message>,
    outgoing: mpsc::UnboundedSender<String>,
}

impl HttpSocket {
    /// Opens the stream at `url` (`…/http/visitor?site_key=…` or `…/http/agent`); `base` is
    /// where batches are posted.
    pub async fn open(http: &reqwest::Client, base: &str, url: &str) -> Result<Self, Failure> {
        let response = http.get(url).send().await?.error_for_status()?;
        let mut body = response.bytes_stream();
        let (events_tx, incoming) = mpsc::unbounded_channel();
        let (token_tx, token_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let mut buffer = String::new();
            let mut token_tx = Some(token_tx);
            while let Some(Ok(chunk)) = body.next().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let block: String = buffer.drain(..end + 2).collect();
                    let (mut kind, mut data) = ("message", String::new());
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("event: ") {
                            kind = if v == "session" { "session" } else { "other" };
                        } else if let Some(v) = line.strip_prefix("data: ") {
                            data.push_str(v);
                        }
                    }
                    match kind {
                        "session" => {
                            let token = serde_json::from_str::<Value>(&data)
                                .ok()
                                .and_then(|v| v["token"].as_str().map(str::to_owned));
                            if let (Some(tx), Some(token)) = (token_tx.take(), token) {
                                let _ = tx.send(token);
                            }
                        }
                        "message"
                            if !data.is_empty() && events_tx.send(Message::text(data)).is_err() =>
                        {
                            return;
                        }
                        _ => {}
                    }
                }
            }
        });
        let token = token_rx.await.map_err(|_| "the stream gave no session")?;
        let (outgoing, mut frames) = mpsc::unbounded_channel::<String>();
        let (http, url) = (http.clone(), format!("{base}/http/frames"));
        // One batch in flight; what is written meanwhile makes the next one.
        tokio::spawn(async move {
            let mut n = 0u64;
            while let Some(first) = frames.recv().await {
                let mut batch = vec![first];
                while let Ok(more) = frames.try_recv() {
                    batch.push(more);
                    if batch.len() == 50 {
                        break;
                    }
                }
                n += 1;
                let parsed: Vec<Value> = batch
                    .iter()
                    .filter_map(|f| serde_json::from_str(f).ok())
                    .collect();
                let body = json!({"n": n, "frames": parsed});
                loop {
                    let sent = http.post(&url).bearer_auth(&token).json(&body).send().await;
                    match sent {
                        Ok(r) if r.status().is_success() => break,
                        Ok(r) if r.status().is_client_error() => return,
                        _ => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
                    }
                }
            }
        });
        Ok(Self { incoming, outgoing })
    }
}

impl Stream for HttpSocket {
    type Item = Result<Message, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.incoming.poll_recv(cx).map(|m| m.map(Ok))
    }
}

impl Sink<Message> for HttpSocket {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        let text = item.into_text()?.to_string();
        self.outgoing
            .send(text)
            .map_err(|_| Error::ConnectionClosed)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }
}

/// A WebSocket or the HTTP transport, as scenarios use them.
pub enum Socket {
    Ws(Box<super::WsSocket>),
    Http(HttpSocket),
}

impl Stream for Socket {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.get_mut() {
            Socket::Ws(ws) => Pin::new(ws.as_mut()).poll_next(cx),
            Socket::Http(http) => Pin::new(http).poll_next(cx),
        }
    }
}

impl Sink<Message> for Socket {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        match self.get_mut() {
            Socket::Ws(ws) => Pin::new(ws.as_mut()).poll_ready(cx),
            Socket::Http(http) => Pin::new(http).poll_ready(cx),
        }
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        match self.get_mut() {
            Socket::Ws(ws) => Pin::new(ws.as_mut()).start_send(item),
            Socket::Http(http) => Pin::new(http).start_send(item),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        match self.get_mut() {
            Socket::Ws(ws) => Pin::new(ws.as_mut()).poll_flush(cx),
            Socket::Http(http) => Pin::new(http).poll_flush(cx),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        match self.get_mut() {
            Socket::Ws(ws) => Pin::new(ws.as_mut()).poll_close(cx),
            Socket::Http(http) => Pin::new(http).poll_close(cx),
        }
    }
}
