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

use std::time::Duration;

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

/// A duration as a person reads it at a glance: `850ms`, `4.2s`, `42s`, `4m 12s`, `1h 23m`.
pub fn short_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else if secs < 10 {
        format!("{:.1}s", d.as_secs_f64())
    } else if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        match secs % 60 {
            0 => format!("{}m", secs / 60),
            s => format!("{}m {s}s", secs / 60),
        }
    } else {
        match (secs % 3600) / 60 {
            0 => format!("{}h", secs / 3600),
            m => format!("{}h {m}m", secs / 3600),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_at_a_glance() {
        let s = Duration::from_secs;
        assert_eq!(short_duration(Duration::from_millis(850)), "850ms");
        assert_eq!(short_duration(Duration::from_millis(4240)), "4.2s");
        assert_eq!(short_duration(s(42)), "42s");
        assert_eq!(short_duration(s(252)), "4m 12s");
        assert_eq!(short_duration(s(300)), "5m");
        assert_eq!(short_duration(s(4980)), "1h 23m");
        assert_eq!(short_duration(s(7200)), "2h");
    }
}
