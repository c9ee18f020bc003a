//! The health of an endpoint: what the prober concludes and what the timeline records.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The health of an endpoint, as one probe says or as confirmed over several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// No result yet.
    #[default]
    Unknown,
    /// Answered as expected.
    Up,
    /// Answered, but slow or not with the expected content.
    Degraded,
    /// The server is rate-limiting us; we are backing off.
    Throttled,
    /// No usable answer: wrong status, timeout, connection or TLS failure.
    Down,
}

impl Health {
    /// One-character symbol for panels.
    pub fn symbol(self) -> &'static str {
        match self {
            Health::Unknown => "?",
            Health::Up => "✔",
            Health::Degraded => "▲",
            Health::Throttled => "⏸",
            Health::Down => "✖",
        }
    }

    /// Lowercase word for panels and the timeline.
    pub fn label(self) -> &'static str {
        match self {
            Health::Unknown => "unknown",
            Health::Up => "up",
            Health::Degraded => "degraded",
            Health::Throttled => "throttled",
            Health::Down => "down",
        }
    }

    /// The worse of two states, for an outage's worst: down over throttled over degraded; up and
    /// unknown are no trouble.
    pub fn worse(self, other: Health) -> Health {
        let rank = |h: Health| match h {
            Health::Down => 3,
            Health::Throttled => 2,
            Health::Degraded => 1,
            Health::Unknown | Health::Up => 0,
        };
        if rank(other) > rank(self) { other } else { self }
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
