//! sitrep: an incident cockpit for the terminal.
//!
//! The library holds every part; `main.rs` only parses the command line and calls in here.
//! See `docs/design.md` for the map.
//!
//! The binary needs only the three items re-exported below, so every module is private to the
//! crate and the compiler reports the code nothing uses. Tests and benches reach the modules
//! through the `test-support` feature, which `cargo test` and `cargo bench` turn on (the package
//! is its own dev-dependency).

/// Declares each module `pub` with the `test-support` feature and `pub(crate)` without it.
macro_rules! modules {
    ($($name:ident),* $(,)?) => {
        $(
            #[cfg(feature = "test-support")]
            pub mod $name;
            #[cfg(not(feature = "test-support"))]
            pub(crate) mod $name;
        )*
    };
}

modules!(
    act, app, cli, config, core, demo, export, health, patterns, runbook, runtime, share, tail,
    timeline, ui,
);

pub use cli::{Cli, run};
pub use runtime::install_panic_hook;

/// Every binary that links sitrep (the cockpit, its tests and benches) allocates with mimalloc: a
/// log line is allocated by the thread that reads it and freed by the one that shows it, which
/// glibc's allocator makes a third of the cost of following a file.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
