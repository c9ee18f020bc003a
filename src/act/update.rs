//! Status updates: filling a template with what sitrep knows about the incident right now.

use std::borrow::Cow;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::template::substitute;
#[cfg(any(test, feature = "test-support"))]
use super::template::placeholders;
use crate::core::duration::glance as short_duration;

/// The template used when a communicate step has none.
pub const DEFAULT_TEMPLATE: &str = "\
[{severity}] {title}: {status}
What is broken: {broken}
Who is affected: {affected}
What we are doing: {doing}
Recovered: {recovered}
Notes since the last update: {notes}
Errors: {error_rate}; new error patterns: {new_patterns}
Progress: {steps_done}, {elapsed} since the incident opened.
Next update: {next_update}";

/// Every placeholder an update template may use, with what it becomes.
#[cfg(any(test, feature = "test-support"))]
pub const PLACEHOLDERS: [(&str, &str); 15] = [
    ("title", "the incident title"),
    ("severity", "SEV1..SEV4, or `severity unset`"),
    ("status", "investigating, mitigated or resolved"),
    (
        "broken",
        "failing endpoints and their state: `payments (down)`",
    ),
    (
        "affected",
        "who is affected, as noted; else the failing endpoints",
    ),
    ("doing", "the steps done lately, oldest first"),
    (
        "recovered",
        "what came back up and when: `payments (up since 14:05 UTC, after 3m)`",
    ),
    ("notes", "the notes written since the last update, oldest first"),
    ("error_rate", "log errors a minute: `12 errors/min`"),
    ("new_patterns", "new error patterns seen in the logs"),
    ("steps_done", "runbook progress: `4 of 9 steps done`"),
    ("elapsed", "time since the incident opened: `1h 23m`"),
    ("next_update", "when the next update is due: `14:30 UTC`"),
    ("next_update_in", "time until the next update: `30m`"),
    ("now", "the current time: `2026-11-24 14:03 UTC`"),
];

/// Most new patterns named in one update; the rest are counted.
const MAX_PATTERNS: usize = 3;
/// Characters of one pattern shown.
const MAX_PATTERN_CHARS: usize = 80;

/// An endpoint that is not healthy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenEndpoint {
    /// Its name in the config.
    pub name: String,
    /// `down`, `throttled`, `degraded`...
    pub state: String,
}

/// What an update can say, gathered by the app from the timeline and the live panels.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateFacts {
    /// Incident title.
    pub title: String,
    /// `SEV2`, if set.
    pub severity: Option<crate::core::severity::Severity>,
    /// `investigating`, `mitigated`, `resolved`; `investigating` when none.
    pub status: Option<String>,
    /// Endpoints currently down, throttled or degraded.
    pub broken: Vec<BrokenEndpoint>,
    /// Who is affected, in the responder's words.
    pub affected: Option<String>,
    /// What is being done (recent or current step titles, newest last).
    pub doing: Vec<String>,
    /// Endpoints that came back up during the incident: `payments (up since 14:05 UTC, after 3m)`.
    pub recovered: Vec<String>,
    /// Notes written since the last update went out, oldest first.
    pub notes: Vec<String>,
    /// Log errors a minute over the recent window, if known.
    pub error_rate: Option<f64>,
    /// Error patterns that appeared during the incident, newest first.
    pub new_patterns: Vec<String>,
    /// Runbook steps checked.
    pub steps_done: usize,
    /// Runbook steps in all.
    pub steps_total: usize,
    /// Time since the incident opened.
    pub elapsed: Duration,
    /// When the next update is due, if a cadence is set.
    pub next_update: Option<DateTime<Utc>>,
    /// The time the update is written.
    pub now: DateTime<Utc>,
}

impl UpdateFacts {
    /// Facts that know only the title and the time.
    pub fn new(title: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self {
            title: title.into(),
            severity: None,
            status: None,
            broken: Vec::new(),
            affected: None,
            doing: Vec::new(),
            recovered: Vec::new(),
            notes: Vec::new(),
            error_rate: None,
            new_patterns: Vec::new(),
            steps_done: 0,
            steps_total: 0,
            elapsed: Duration::ZERO,
            next_update: None,
            now,
        }
    }

    fn value(&self, name: &str) -> Option<String> {
        let text = match name {
            "title" => self.title.clone(),
            "severity" => or(self.severity.map(|s| s.name()), "severity unset"),
            "status" => or(self.status.as_deref(), "investigating"),
            "broken" if self.broken.is_empty() => "no monitored endpoint is failing".into(),
            "broken" => {
                let parts: Vec<String> = self
                    .broken
                    .iter()
                    .map(|b| format!("{} ({})", b.name, b.state))
                    .collect();
                parts.join(", ")
            }
            "affected" => match (&self.affected, self.broken.is_empty()) {
                (Some(a), _) if !a.trim().is_empty() => a.trim().to_string(),
                (_, false) => {
                    let names: Vec<&str> = self.broken.iter().map(|b| b.name.as_str()).collect();
                    format!("users of {}", names.join(", "))
                }
                _ => "being assessed".into(),
            },
            "doing" if self.doing.is_empty() => "investigating".into(),
            "doing" => self.doing.join("; "),
            "recovered" if self.recovered.is_empty() => "nothing yet".into(),
            "recovered" => self.recovered.join("; "),
            "notes" if self.notes.is_empty() => "none".into(),
            "notes" => self.notes.join("; "),
            "error_rate" => match self.error_rate {
                Some(r) if r >= 10.0 => format!("{r:.0} errors/min"),
                Some(r) => format!("{r:.1} errors/min"),
                None => "unknown".into(),
            },
            "new_patterns" => self.patterns(),
            "steps_done" => format!("{} of {} steps done", self.steps_done, self.steps_total),
            "elapsed" => minutes(self.elapsed.as_secs()),
            "next_update" => match self.next_update {
                Some(at) if at.date_naive() == self.now.date_naive() => {
                    at.format("%H:%M UTC").to_string()
                }
                Some(at) => at.format("%b %-d %H:%M UTC").to_string(),
                None => "not scheduled".into(),
            },
            "next_update_in" => match self.next_update {
                Some(at) => {
                    let left = (at - self.now).to_std().unwrap_or(Duration::ZERO);
                    minutes(left.as_secs().saturating_add(30))
                }
                None => "not scheduled".into(),
            },
            "now" => self.now.format("%Y-%m-%d %H:%M UTC").to_string(),
            _ => return None,
        };
        Some(text)
    }

    fn patterns(&self) -> String {
        if self.new_patterns.is_empty() {
            return "none".into();
        }
        let mut named: Vec<String> = self
            .new_patterns
            .iter()
            .take(MAX_PATTERNS)
            .map(|p| {
                let short: String = p.chars().take(MAX_PATTERN_CHARS).collect();
                if short.len() < p.len() {
                    format!("`{short}…`")
                } else {
                    format!("`{short}`")
                }
            })
            .collect();
        let more = self.new_patterns.len().saturating_sub(MAX_PATTERNS);
        if more > 0 {
            named.push(format!("and {more} more"));
        }
        named.join(", ")
    }
}

/// Whole minutes, as people say them in an update: seconds would be noise.
fn minutes(secs: u64) -> String {
    if secs < 60 {
        "less than a minute".into()
    } else {
        short_duration(Duration::from_secs(secs - secs % 60))
    }
}

fn or(value: Option<&str>, fallback: &str) -> String {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => v.to_string(),
        _ => fallback.to_string(),
    }
}

/// Fills `template` (the default one when blank) from `facts`. Unknown placeholders stay visible as
/// written, so the responder sees them in the composer and fixes them.
pub fn render_update(template: &str, facts: &UpdateFacts) -> String {
    let template = if template.trim().is_empty() {
        DEFAULT_TEMPLATE
    } else {
        template
    };
    let (text, _) = substitute(template, |name| facts.value(name).map(Cow::Owned));
    text.trim_end().to_string()
}

/// Placeholders in `template` that an update cannot fill (typos like `{severty}`), each once.
#[cfg(any(test, feature = "test-support"))]
pub fn unknown_placeholders(template: &str) -> Vec<String> {
    let mut unknown: Vec<String> = Vec::new();
    for (_, name) in placeholders(template) {
        let known = PLACEHOLDERS.iter().any(|(p, _)| *p == name);
        if !known && !unknown.iter().any(|u| u == name) {
            unknown.push(name.to_string());
        }
    }
    unknown
}
