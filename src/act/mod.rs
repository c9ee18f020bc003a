//! Acting and communicating: running a runbook step's command, and sending status updates.
//!
//! ```text
//!  step command ─fill/split─> CommandSpec ─spawn_command─> tokio task ─RunEvent─> mpsc ─> UI
//!                                          (process group; TERM→KILL on cancel/timeout; output
//!                                           sanitized, batched ≤ 20/s, bounded tail)
//!  UpdateFacts ─render_update─> text ─spawn_delivery─> file │ OSC 52 │ Slack │ webhook
//!                                          (retries with backoff, Retry-After, deadline) ─DeliveryEvent─> UI
//!  Cadence: pure countdown to the next update
//! ```
//! Nothing here touches the terminal: the clipboard destination returns the OSC 52 sequence for
//! the UI to write. Secret webhook URLs never appear in any text this module returns.

mod argv;
mod cadence;
mod capture;
mod deliver;
mod destination;
mod run;
mod spec;
mod template;
mod update;

pub use argv::{SplitError, join_words, quote_word, split_line};
pub use cadence::{Cadence, DEFAULT_CADENCE, Due};
pub use capture::{MAX_LINE_BYTES, PENDING_LINES, TAIL_LINES};
pub use deliver::{
    Delivery, DeliveryEvent, DeliveryProgress, RetryPolicy, Update, deliver, spawn_delivery,
};
pub use destination::{Destination, DestinationError, MAX_CLIPBOARD_BYTES, mask_url, osc52};
pub use run::{
    BATCH_INTERVAL, DRAIN_GRACE, FinishReason, RunEvent, RunHandle, RunOutcome, spawn_command,
};
pub use spec::{CommandError, CommandSpec, DEFAULT_KILL_GRACE, DEFAULT_TIMEOUT, Invocation};
pub use template::{MissingParams, fill, placeholder_names};
pub use update::{
    BrokenEndpoint, DEFAULT_TEMPLATE, PLACEHOLDERS, UpdateFacts, render_update,
    unknown_placeholders,
};
