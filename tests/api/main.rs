//! The one integration-test binary: the real server on a random port, real Postgres, real
//! SQLite files, real sockets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod attachments;
mod attacks;
mod blocks;
mod cli;
mod cluster;
mod deploy;
mod desk;
mod documented;
mod email;
mod focused;
mod guarantees;
mod helpers;
mod http_api;
mod http_isolation;
mod http_transport;
mod isolation;
mod limits;
mod ops;
mod privacy;
mod properties;
mod realtime;
mod receiver;
mod reports;
mod routing;
mod store_conformance;
mod teams;
mod webhooks;
mod ws_client;
