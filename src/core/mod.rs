//! The bottom layer: the vocabulary every other module shares: diagnostics that point at
//! `file:line:col`, durations, secrets, the millisecond clock, the one way to build an HTTP client
//! (rustls on ring), what HTTP servers say about their rate limits, and one of each safety
//! mechanism (sanitizer, redactor, child-process runner, command-line splitting, log-level words, bucket series, display width and wrapping). It imports
//! nothing from the crate (`tests/layers.rs` holds it to that).

pub mod argv;
pub mod child;
pub mod clock;
pub mod diag;
pub mod duration;
pub mod health;
pub mod http;
pub mod level;
pub mod ratelimit;
pub mod redact;
pub mod sanitize;
pub mod secret;
pub mod series;
pub mod severity;
pub mod text;
pub mod wall;
