//! Who is calling and how often: the client's IP as the server determines it (trusting only
//! configured proxies), the page it comes from (`Origin`), and the per-key rate limits (new connections per IP, failed logins per
//! IP and per account). Used by both transports.

pub mod client_ip;
pub mod concurrency;
pub mod origin;
pub mod rate_limit;
