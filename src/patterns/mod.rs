//! Online log template mining: group log lines into patterns as they arrive.
//!
//! Each line gets a [`PatternId`] when it is observed; the pattern's template generalizes as more
//! lines come (`user <*> logged in from <*>`). It works on logs it has never seen, with no
//! per-source settings:
//!
//! 1. The header is set aside: leading timestamps, pids, syslog host, the level (kept as the
//!    pattern's level) and the thread after it; a JSON line gives its `msg` and `level` fields.
//! 2. The message is split on whitespace; values are masked by default (anything holding a digit:
//!    numbers, hex, ids, IPs, UUIDs, dates, durations and sizes with their unit; paths, URLs,
//!    `key=value` values, quoted or not) and a run of same-shaped values (`an14 an15 an16`) folds
//!    into one `<*>`.
//! 3. A line joins the pattern with the same words in the same places (one hash lookup); values and
//!    identifier-like tokens (`org.apache.Foo`) unify freely, numbered names (`eth0`) by their
//!    name, plain words do not, since two messages that differ by a word (`started` / `stopped`)
//!    are different events.
//! 4. Patterns alike but for one word that varies across several of them merge into the oldest
//!    (`root`, `admin`, `oracle` after `Failed password for` are values): see [`siblings`]. Its id
//!    stays; [`Miner::resolve`] says where a merged id went, [`Miner::take_merges`] what merged.
//! 5. A line that continues the event above in its stream (a stack frame, `Caused by:`, an indented
//!    line) belongs to that event ([`Miner::observe_in`]).
//!
//! Memory is bounded: at most [`MinerConfig::max_patterns`] patterns (the least recently seen is
//! evicted), a few top values per `<*>`, and a bounded rate history per pattern ([`rate`]).
//! The module depends on no other part of sitrep.

mod hash;
mod header;
mod miner;
mod pattern;
pub mod rate;
mod render;
mod shape;
mod siblings;
mod token;
mod values;

#[cfg(test)]
mod tests;

use std::fmt;

use serde::Serialize;

pub use miner::Miner;
pub use pattern::Pattern;
#[cfg(any(test, feature = "test-support"))]
pub use pattern::Seen;
pub use rate::{
    Change, CompareConfig, RangeDiff, RateConfig, TimeRange, TrendConfig, compare, trend,
};
pub use render::{PatternsError, assign_stream, mine, render_json, render_table};

/// How a line stands in the event it belongs to, as the miner read it (for a view that shows a
/// whole event: a stack trace with the line that threw).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EventPart {
    /// It begins an event.
    #[default]
    Begins,
    /// It continues the event of the line before it in its stream (a frame, `Caused by:`).
    Continues,
    /// It begins an event that the lines just before it in its stream belong to too: a Python
    /// exception named after its uncaught traceback.
    Ends,
}

/// Identifies a pattern within one [`Miner`]; never reused, even after eviction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PatternId(pub u64);

impl fmt::Display for PatternId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Settings of a [`Miner`]; the defaults suit any log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MinerConfig {
    /// Most patterns kept; the least recently seen is evicted to make room.
    pub max_patterns: usize,
    /// Top values kept per `<*>`.
    pub top_values: usize,
    /// Values are tracked for the first this many variables of a template.
    pub tracked_variables: usize,
    /// Rate history bucketing.
    pub rate: RateConfig,
}

impl Default for MinerConfig {
    fn default() -> Self {
        Self {
            max_patterns: 4096,
            top_values: 5,
            tracked_variables: 16,
            rate: RateConfig::default(),
        }
    }
}
