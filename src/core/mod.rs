//! The bottom layer: the vocabulary every other module shares: diagnostics that point at
//! `file:line:col`, durations, secrets, the millisecond clock. It imports nothing from the crate
//! (the layering test in `tests/layers.rs` holds it to that).

pub mod clock;
pub mod diag;
pub mod duration;
pub mod secret;
