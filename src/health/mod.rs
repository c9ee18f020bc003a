//! Health probing of HTTP endpoints that rate-limit, time out and lie.
//!
//! ```text
//!  EndpointSpec ──spawn_prober──> task (own interval, one probe in flight, backs off on 429)
//!                                   │ Prober::probe: manual redirects, one deadline, capped body
//!                                   v
//!                              ProbeResult ──mpsc──> app ──> EndpointHealth::record ──> Option<Transition>
//! ```
//! The prober does I/O; `EndpointHealth`, `judge` and `differences` are pure. Every text in a result is
//! sanitized for the terminal and never contains a configured secret.

mod check;
mod command;
mod compare;
mod errors;
mod outcome;
mod probe;
mod sanitize;
mod spec;
mod state;
mod task;

#[cfg(any(test, feature = "test-support"))]
pub use crate::core::ratelimit::RateLimit;
#[cfg(any(test, feature = "test-support"))]
pub use check::judge;
pub use command::{fmt_latency, run_probe_command};
pub use compare::Snapshot;
#[cfg(any(test, feature = "test-support"))]
pub use compare::differences;
pub use outcome::{Health, Outcome, ProbeResult};
pub use probe::Prober;
#[cfg(any(test, feature = "test-support"))]
pub use probe::probe_once;
pub use spec::{DEFAULT_THRESHOLD, EndpointSpec, Secret, parse_header_arg};
pub use state::{EndpointHealth, Transition};
#[cfg(any(test, feature = "test-support"))]
pub use state::WINDOW;
pub use task::{ProberHandle, spawn_prober};
