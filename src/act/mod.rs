//! Acting and communicating: running a runbook step's command, and sending status updates.
//!
//! ```text
//!  step command ─fill/split─> CommandSpec ─spawn_command─> tokio task ─RunEvent─> mpsc ─> UI
//!                                          (process group; TERM→KILL on cancel/timeout; output
//!                                           sanitized, batched ≤ 20/s, bounded tail)
//!  UpdateFacts ─render_update─> text ─deliver──> file │ OSC 52 │ Slack │ webhook
//!                                          (retries with backoff, Retry-After, deadline) ─Delivery─> UI
//!  Cadence: pure countdown to the next update
//! ```
//! Nothing here touches the terminal: the clipboard destination returns the OSC 52 sequence for
//! the UI to write. Secret webhook URLs never appear in any text this module returns.

mod cadence;
mod capture;
mod deliver;
mod destination;
mod run;
mod spec;
mod template;
mod update;

pub use crate::core::argv::quote_word;
pub use cadence::{Cadence, DEFAULT_CADENCE};
#[cfg(any(test, feature = "test-support"))]
pub use capture::TAIL_LINES;
pub use deliver::{Delivery, Update, deliver};
#[cfg(any(test, feature = "test-support"))]
pub use deliver::RetryPolicy;
pub use destination::{Destination, MAX_CLIPBOARD_BYTES, osc52};
#[cfg(any(test, feature = "test-support"))]
pub use run::FinishReason;
pub use run::{RunEvent, RunHandle, RunOutcome, spawn_command};
pub use spec::{CommandSpec, DEFAULT_TIMEOUT, Invocation};
pub use template::placeholder_names;
pub use update::{BrokenEndpoint, UpdateFacts, render_update};
#[cfg(any(test, feature = "test-support"))]
pub use update::{DEFAULT_TEMPLATE, PLACEHOLDERS, unknown_placeholders};
