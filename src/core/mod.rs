//! The bottom layer: the vocabulary every other module shares. It imports nothing from the crate.
pub mod health;
pub mod severity;
