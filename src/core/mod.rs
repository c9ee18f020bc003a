//! The bottom layer: the vocabulary every other module shares. It imports nothing from the crate.

pub mod child;
pub mod level;
pub mod redact;
pub mod sanitize;
pub mod series;
