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

pub use crate::core::ratelimit::RateLimit;
pub use check::judge;
pub use command::{ProbeSummary, fmt_latency, result_line, run_probe_command};
pub use compare::{Difference, Snapshot, differences};
pub use outcome::{Health, Outcome, ProbeResult};
pub use probe::{BODY_HEAD, Prober, probe_once};
pub use sanitize::{sanitize_block, sanitize_line};
pub use spec::{
    DEFAULT_BODY_CAP, DEFAULT_MAX_REDIRECTS, DEFAULT_THRESHOLD, EndpointSpec, Secret, SpecError,
    parse_header_arg,
};
pub use state::{EndpointHealth, Percentiles, Quota, Transition, WINDOW};
pub use task::{Backoff, MAX_BACKOFF, ProberHandle, spawn_prober};
