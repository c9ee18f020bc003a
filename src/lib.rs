//! sitrep: an incident cockpit for the terminal.
//!
//! The library holds every part; `main.rs` only parses the command line and calls in here.
//! See `docs/design.md` for the map.

pub mod act;
pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod demo;
pub mod export;
pub mod health;
pub mod patterns;
pub mod runbook;
pub mod runtime;
pub mod tail;
pub mod timeline;
pub mod ui;
