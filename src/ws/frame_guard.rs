//! Refuses an incoming WebSocket frame as soon as its header declares far more than the frame
//! limit. actix-http compares a frame's length with its limit only once the whole frame is
//! buffered, so a client announcing a gigabyte could make the server hold everything it sends
//! until then; this reads the client's bytes as they pass (headers only, never a copy) and ends
//! the stream with `PayloadError::Overflow` at the first header declaring more than four times
//! the limit (and more than 1 MiB), which the session closes with 1009 (the client's unread
//! bytes may turn that close into a reset: it was sending a frame it had no right to). A frame
//! below that is left to the codec, which refuses it once read, with a clean 1009: no more than
//! that is ever held for one frame, as an outgoing queue holds at most 1 MiB by default.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::error::PayloadError;
use actix_web::web::{self, Bytes};
use actix_web::FromRequest;
use futures_util::Stream;

/// The longest frame header: 2 bytes, 8 of extended length, 4 of mask.
const MAX_HEADER: usize = 14;

pub struct FrameGuard<S> {
    inner: S,
    max: u64,
    state: State,
}

enum State {
    /// Inside a header: the bytes of it seen so far.
    Header {
        bytes: [u8; MAX_HEADER],
        have: usize,
    },
    /// Inside a payload: how many of its bytes are still to pass.
    Payload {
        left: u64,
    },
    Refused,
}

const HEADER_START: State = State::Header {
    bytes: [0; MAX_HEADER],
    have: 0,
};

impl<S> FrameGuard<S> {
    /// `max` is the frame limit; a frame declaring more than `refused_above(max)` is refused
    /// here.
    pub fn new(inner: S, max: usize) -> Self {
        Self {
            inner,
            max: refused_above(max),
            state: HEADER_START,
        }
    }

    /// Follows the frame boundaries through `chunk`; false at a header over the limit.
    fn admit(&mut self, mut chunk: &[u8]) -> bool {
        while !chunk.is_empty() {
            match &mut self.state {
                State::Refused => return false,
                State::Payload { left } => {
                    let step = (*left).min(chunk.len() as u64);
                    *left -= step;
                    chunk = &chunk[step as usize..];
                    if *left == 0 {
                        self.state = HEADER_START;
                    }
                }
                State::Header { bytes, have } => {
                    bytes[*have] = chunk[0];
                    *have += 1;
                    chunk = &chunk[1..];
                    let Some(length) = declared_length(&bytes[..*have]) else {
                        continue;
                    };
                    if length > self.max {
                        self.state = State::Refused;
                        return false;
                    }
                    self.state = if length == 0 {
                        HEADER_START
                    } else {
                        State::Payload { left: length }
                    };
                }
            }
        }
        true
    }
}

/// The declared length past which a frame is refused by its header.
pub fn refused_above(max: usize) -> u64 {
    (max as u64).saturating_mul(4).max(1 << 20)
}

/// The payload length a complete header declares; `None` while the header is incomplete.
fn declared_length(header: &[u8]) -> Option<u64> {
    if header.len() < 2 {
        return None;
    }
    let masked = header[1] & 0x80 != 0;
    let short = header[1] & 0x7f;
    let extended = match short {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let total = 2 + extended + if masked { 4 } else { 0 };
    if header.len() < total {
        return None;
    }
    Some(match short {
        126 => u64::from(u16::from_be_bytes([header[2], header[3]])),
        127 => u64::from_be_bytes(header[2..10].try_into().ok()?),
        n => u64::from(n),
    })
}

impl<S> Stream for FrameGuard<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if matches!(this.state, State::Refused) {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                if this.admit(&bytes) {
                    Poll::Ready(Some(Ok(bytes)))
                } else {
                    Poll::Ready(Some(Err(PayloadError::Overflow)))
                }
            }
            other => other,
        }
    }
}

/// The request's body with the guard in front: what `actix_ws::handle` reads.
pub fn guarded(
    req: &actix_web::HttpRequest,
    body: web::Payload,
    max: usize,
) -> Result<web::Payload, actix_web::Error> {
    let guarded: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
        Box::pin(FrameGuard::new(body.into_inner(), max));
    let mut payload = actix_web::dev::Payload::Stream { payload: guarded };
    // The payload extractor only moves the stream (it never fails).
    web::Payload::from_request(req, &mut payload).into_inner()
}

/// Whether a stream error is this guard's refusal.
pub fn is_refusal(err: &std::io::Error) -> bool {
    err.get_ref()
        .and_then(|inner| inner.downcast_ref::<PayloadError>())
        .is_some_and(|e| matches!(e, PayloadError::Overflow))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(length: u64, masked: bool) -> Vec<u8> {
        let mask = if masked { 0x80 } else { 0 };
        let mut h = vec![0x81];
        match length {
            0..=125 => h.push(mask | length as u8),
            126..=0xffff => {
                h.push(mask | 126);
                h.extend_from_slice(&(length as u16).to_be_bytes());
            }
            _ => {
                h.push(mask | 127);
                h.extend_from_slice(&length.to_be_bytes());
            }
        }
        if masked {
            h.extend_from_slice(&[1, 2, 3, 4]);
        }
        h
    }

    #[test]
    fn frames_within_the_limit_pass_whatever_the_chunking() {
        let mut stream = Vec::new();
        for length in [0u64, 5, 125, 126, 300, 65_536, 1 << 20] {
            stream.extend(header(length, true));
            stream.extend(std::iter::repeat_n(b'x', length as usize));
        }
        for chunk in [1, 3, 7, 1000, stream.len()] {
            let mut guard = FrameGuard::new((), 65_536);
            assert!(
                stream.chunks(chunk).all(|c| guard.admit(c)),
                "chunks of {chunk}"
            );
            assert!(matches!(guard.state, State::Header { have: 0, .. }));
        }
    }

    #[test]
    fn a_header_over_the_limit_is_refused_before_its_payload() {
        for length in [(1u64 << 20) + 1, 1 << 30, u64::MAX] {
            let mut guard = FrameGuard::new((), 65_536);
            let mut bytes = header(5, true);
            bytes.extend(b"hello");
            bytes.extend(header(length, true));
            // The refusal comes with the header's last byte, byte by byte too.
            let refused_at = bytes
                .chunks(1)
                .position(|c| !guard.admit(c))
                .expect("refused");
            assert_eq!(refused_at, bytes.len() - 1, "length {length}");
        }
    }
}
