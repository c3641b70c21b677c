//! Email continuity: agents' replies reach a visitor who left, by email, and the visitor's
//! answer by email comes back into the conversation.
//!
//! Sending: an outbox row is written in the transaction of the agent's reply (`store`), and
//! this node's `Mailer` sends it through SMTP (lettre) when the visitor has been gone for
//! `PARLEY_EMAIL_DELAY_S`, gathering the replies that came meanwhile into one email, with
//! retries. Receiving: `inbound` parses what a mail server posts to the inbound endpoint
//! (mail-parser); `address` makes and checks the signed reply addresses. Imports the core
//! (presence, history), never a transport.

pub mod address;
pub mod compose;
mod digest;
pub mod inbound;
pub mod worker;

pub use address::ReplyAddresses;
pub use worker::Mailer;
