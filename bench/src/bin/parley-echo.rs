//! An echo server on Parley's WebSocket stack, for the Autobahn fuzzing client
//! (`scripts/autobahn`): actix-web's upgrade, Parley's frame guard in front of actix-ws's codec
//! with continuations aggregated, the same frame and message limits as the server
//! (`--max-frame-bytes`, default 64 KiB), and Parley's own classification of what the codec
//! refuses into close codes. Text and binary both echo, so the codec is tested whole; Parley
//! itself closes binary frames with 1003.
//!
//!     parley-echo --bind 127.0.0.1:9001 [--max-frame-bytes 16777216]

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason};
use clap::Parser;
use futures_util::StreamExt;
use parley::ws::{connection, frame_guard};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "127.0.0.1:9001")]
    bind: String,
    /// The largest frame and aggregated message accepted (Parley's PARLEY_MAX_FRAME_BYTES).
    #[arg(long, default_value_t = 64 * 1024)]
    max_frame_bytes: usize,
}

async fn echo(
    req: HttpRequest,
    body: web::Payload,
    max: web::Data<usize>,
) -> actix_web::Result<HttpResponse> {
    let body = frame_guard::guarded(&req, body, **max)?;
    let (response, mut session, stream) = actix_ws::handle(&req, body)?;
    let mut stream = stream
        .max_frame_size(**max)
        .aggregate_continuations()
        .max_continuation_size(**max);
    actix_web::rt::spawn(async move {
        let close = loop {
            let Some(item) = stream.next().await else {
                break None;
            };
            let sent = match item {
                Ok(AggregatedMessage::Text(text)) => session.text(text).await,
                Ok(AggregatedMessage::Binary(bytes)) => session.binary(bytes).await,
                Ok(AggregatedMessage::Ping(payload)) => session.pong(&payload).await,
                Ok(AggregatedMessage::Pong(_)) => Ok(()),
                // The client's close is answered with its own code, as RFC 6455 asks.
                Ok(AggregatedMessage::Close(reason)) => break reason,
                Err(err) => match connection::classify(Err(err)) {
                    connection::Incoming::Refuse(close) => {
                        break Some(CloseReason {
                            code: CloseCode::Other(close.code()),
                            description: Some(close.reason().into()),
                        })
                    }
                    _ => return,
                },
            };
            if sent.is_err() {
                return;
            }
        };
        let _ = session.close(close).await;
    });
    Ok(response)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let max = web::Data::new(args.max_frame_bytes);
    HttpServer::new(move || {
        App::new()
            .app_data(max.clone())
            .route("/", web::get().to(echo))
    })
    .workers(2)
    .bind(&args.bind)?
    .run()
    .await
}
