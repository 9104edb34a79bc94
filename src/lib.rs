//! xusers: manage an application's Experience Users over SQLite.

pub mod auth;
pub mod demo;
pub mod domain;
pub mod store;
