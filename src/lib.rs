//! Parley: customer-support live chat. The library holds everything; `main` only runs it.

pub mod access;
pub mod auth;
pub mod bootstrap;
pub mod chat;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod domain;
pub mod email;
pub mod error;
pub mod files;
pub mod http;
pub mod shutdown;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod webhooks;
pub mod ws;
