//! The bottom layer: the vocabulary every other module shares: diagnostics that point at
//! `file:line:col`, durations, secrets, the millisecond clock, and what HTTP servers say about their
//! rate limits. It imports nothing from the crate (`tests/layers.rs` holds it to that).

pub mod clock;
pub mod diag;
pub mod duration;
pub mod ratelimit;
pub mod secret;
