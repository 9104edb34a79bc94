//! xusers: manage an application's Experience Users over SQLite.

pub mod auth;
pub mod cli;
pub mod demo;
pub mod domain;
pub mod export;
pub mod inert;
pub mod log;
pub mod private_file;
pub mod store;
pub mod tui;
