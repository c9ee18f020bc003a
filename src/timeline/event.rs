//! The event model: what one line of a timeline file says.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use serde_json::Value;

use super::unknown::Fields;

pub use super::time::{ts_millis, ts_millis_opt};

pub use super::pattern::PatternChange;
pub use super::unknown::UnknownEvent;
pub use crate::core::health::Health;
use crate::core::level::Level;
pub use crate::core::severity::Severity;

/// One line of the timeline: the envelope (sequence, time, actor, chain) around an [`Event`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Counts from 1 without gaps.
    pub seq: u64,
    /// When the action or observation happened, on the actor's clock, UTC with milliseconds.
    #[serde(with = "ts_millis")]
    pub ts: DateTime<Utc>,
    /// Who did it: a user name, or `sitrep` for what the tool saw by itself.
    pub actor: String,
    /// The event's own id, unique across laptops: set on events of a shared incident, by which a
    /// writer knows its event in the store after an answer lost in transit. Local lines have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// When the line was written, when that was more than a second after `ts` (a write retried
    /// after a full disk): `ts` stays when the action or observation happened. Files before this
    /// field have none.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "ts_millis_opt"
    )]
    pub written: Option<DateTime<Utc>>,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
    /// Hash of the previous line ("" for the first).
    pub prev: String,
    /// SHA-256 of this line without its `hash` field.
    pub hash: String,
}

/// The actor name used for what the tool records by itself.
pub const TOOL_ACTOR: &str = "sitrep";

/// Milestones of an incident, in the order they usually happen.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Milestone {
    /// The problem was noticed.
    Detected,
    /// The impact was stopped or contained.
    Mitigated,
    /// The cause was fixed; the incident is over.
    Resolved,
}

impl Milestone {
    /// Every milestone, in order.
    pub const ALL: &'static [Milestone] = <Milestone as strum::VariantArray>::VARIANTS;

    /// The lowercase name used on the command line and in the file.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Parses `detected`, `mitigated` or `resolved`, in any case, with spaces around.
    pub fn parse(s: &str) -> Option<Milestone> {
        Milestone::ALL
            .iter()
            .copied()
            .find(|m| m.name().eq_ignore_ascii_case(s.trim()))
    }
}

/// Everything that can happen in an incident. The `kind` field of the line names the variant.
///
/// The derives are `remote = "Self"` so that the trait impls at the end of this file can wrap them: a line
/// this version cannot read as one of its kinds becomes [`Event::Unknown`] instead of damage.
///
/// Its kinds, without their fields, are [`EventKind`]; a kind's name is spelt twice, for serde and for
/// strum, side by side, and the test of the names holds them equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, strum::EnumDiscriminants)]
#[serde(tag = "kind", remote = "Self")]
#[strum_discriminants(
    name(EventKind),
    derive(Hash, strum::IntoStaticStr, strum::VariantArray),
    doc = "The kind of an [`Event`], as the `kind` field of its line names it."
)]
pub enum Event {
    /// The first line of every timeline.
    #[serde(rename = "incident.opened")]
    #[strum_discriminants(strum(serialize = "incident.opened"))]
    IncidentOpened {
        /// The incident's title.
        title: String,
        /// SEV1..SEV4 at opening, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        severity: Option<Severity>,
    },
    /// A runbook step was ticked.
    #[serde(rename = "step.checked")]
    #[strum_discriminants(strum(serialize = "step.checked"))]
    StepChecked {
        /// Runbook name.
        runbook: String,
        /// Step id, stable within its runbook.
        step: String,
        /// The step's title when it was ticked, so an export reads well without the runbook.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        title: String,
    },
    /// A runbook step was unticked.
    #[serde(rename = "step.unchecked")]
    #[strum_discriminants(strum(serialize = "step.unchecked"))]
    StepUnchecked {
        /// Runbook name.
        runbook: String,
        /// Step id.
        step: String,
        /// The step's title.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        title: String,
    },
    /// A free-text note.
    #[serde(rename = "note")]
    #[strum_discriminants(strum(serialize = "note"))]
    Note {
        /// What the responder wrote.
        text: String,
    },
    /// A milestone was reached.
    #[serde(rename = "milestone")]
    #[strum_discriminants(strum(serialize = "milestone"))]
    Milestone {
        /// Which one.
        name: Milestone,
    },
    /// The severity changed.
    #[serde(rename = "severity")]
    #[strum_discriminants(strum(serialize = "severity"))]
    Severity {
        /// SEV1..SEV4.
        level: Severity,
    },
    /// An endpoint changed state, as seen by the prober.
    #[serde(rename = "health.changed")]
    #[strum_discriminants(strum(serialize = "health.changed"))]
    HealthChanged {
        /// Endpoint name.
        endpoint: String,
        /// State before.
        from: Health,
        /// State after.
        to: Health,
        /// Last HTTP status, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// Last latency in milliseconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        latency_ms: Option<u64>,
        /// What the probe saw: the outcome and the first bytes of the body.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        evidence: String,
        /// When the new state began, when that is before the record: an episode's end is recorded
        /// once the endpoint has been up for the hold, and this is when it came back up.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "ts_millis_opt"
        )]
        since: Option<DateTime<Utc>>,
        /// At an episode's end: what the episode held (files before episodes have none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        episode: Option<super::episode::Summary>,
        /// Whose cockpit saw it (files before teams have none).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        observer: String,
    },
    /// A log source changed state (rotated, gone, command exited).
    #[serde(rename = "log.source")]
    #[strum_discriminants(strum(serialize = "log.source"))]
    LogSource {
        /// Source name.
        source: String,
        /// What happened.
        status: String,
    },
    /// A log pattern was seen for the first time, or spiked.
    #[serde(rename = "pattern")]
    #[strum_discriminants(strum(serialize = "pattern"))]
    Pattern {
        /// `new` or `spike`.
        change: PatternChange,
        /// The template.
        template: String,
        /// Level of its lines, if its header shows one.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "super::pattern::level_or_empty"
        )]
        level: Option<Level>,
        /// Lines per second, for spikes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rate: Option<f64>,
        /// When its lines say it happened: a new pattern's first line, a spike's newest line (their
        /// own times; files before this field have none, and their record's time stands for it).
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "ts_millis_opt"
        )]
        seen_at: Option<DateTime<Utc>>,
        /// Whose cockpit saw it (files before teams have none).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        observer: String,
    },
    /// A runbook command was started.
    #[serde(rename = "command.started")]
    #[strum_discriminants(strum(serialize = "command.started"))]
    CommandStarted {
        /// Runbook name.
        runbook: String,
        /// Step id.
        step: String,
        /// The exact command line.
        command: String,
    },
    /// A runbook command ended.
    #[serde(rename = "command.finished")]
    #[strum_discriminants(strum(serialize = "command.finished"))]
    CommandFinished {
        /// Runbook name.
        runbook: String,
        /// Step id.
        step: String,
        /// The exact command line.
        command: String,
        /// Exit code; none when killed, cancelled or timed out.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_code: Option<i32>,
        /// How long it ran.
        duration_ms: u64,
        /// The last lines of its output, sanitized.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        output_tail: String,
        /// How it ended: `exit 0 after 1.2s`, `timed out after 5m`, `cancelled`...
        #[serde(default, skip_serializing_if = "String::is_empty")]
        reason: String,
    },
    /// A status update was sent to people.
    #[serde(rename = "update.sent")]
    #[strum_discriminants(strum(serialize = "update.sent"))]
    UpdateSent {
        /// Where it went.
        destination: String,
        /// The text sent.
        text: String,
        /// Delivery result.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        result: String,
    },
    /// A log line the responder kept as evidence, quoted exactly as it was shown.
    #[serde(rename = "log.pinned")]
    #[strum_discriminants(strum(serialize = "log.pinned"))]
    LinePinned {
        /// The log source's name.
        source: String,
        /// When sitrep read the line.
        #[serde(with = "ts_millis")]
        read_at: DateTime<Utc>,
        /// The line's own time, when it carries one that was parsed.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "ts_millis_opt"
        )]
        line_time: Option<DateTime<Utc>>,
        /// The sanitized line, as shown.
        text: String,
        /// Hex SHA-256 of `text`'s UTF-8 bytes: a hand edit of the quote shows.
        sha256: String,
        /// The `seq` of the timeline event this line is evidence for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cites: Option<u64>,
    },
    /// A responder retracted an earlier milestone or severity that was recorded by mistake, or the
    /// tool retracted a pattern it had announced new that turned out to be an older one. The
    /// retracted line stays in the file (the record is append-only); replay leaves it out.
    #[serde(rename = "correction")]
    #[strum_discriminants(strum(serialize = "correction"))]
    Correction {
        /// The `seq` of the event it retracts.
        retracts: u64,
        /// That event's one-line summary when it was retracted, so the record reads on its own.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        was: String,
        /// Why, in the responder's words.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        reason: String,
    },
    /// How many error lines a log source had in one minute (by the lines' own times), recorded by
    /// the tool once that minute is over, at most once a minute per source and only when there were
    /// errors: what the chart's error rate and the export's error table are drawn from.
    #[serde(rename = "log.errors")]
    #[strum_discriminants(strum(serialize = "log.errors"))]
    ErrorMinute {
        /// Source name.
        source: String,
        /// The minute's start, UTC.
        #[serde(with = "ts_millis")]
        minute: DateTime<Utc>,
        /// Error lines in it.
        errors: u64,
        /// All lines in it.
        lines: u64,
        /// Error lines in its busiest second.
        peak_per_s: u32,
        /// The pattern most of its errors had, when known.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        busiest: String,
        /// How many of its errors had that pattern.
        #[serde(default, skip_serializing_if = "is_zero")]
        busiest_errors: u64,
        /// The minute was not over when it was summed (sitrep was closing): a later session that
        /// reads more of it sums it again, and the export takes the sum that read the most lines.
        #[serde(default, skip_serializing_if = "is_false")]
        partial: bool,
    },
    /// The timeline was found damaged when it was opened for writing: what and where, as `verify`
    /// says it. Recorded once for the same findings, so the record itself says its file was damaged.
    #[serde(rename = "timeline.damaged")]
    #[strum_discriminants(strum(serialize = "timeline.damaged"))]
    TimelineDamaged {
        /// Each problem found, with its line.
        problems: Vec<String>,
    },
    /// The actor took the incident's lead (`:lead`), with what the handoff passes on, if anything.
    #[serde(rename = "lead")]
    #[strum_discriminants(strum(serialize = "lead"))]
    Lead {
        /// The handoff note: what the previous lead passes on, what the new one starts with.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        note: String,
    },
    /// A responder opened the incident in a cockpit: once per session, with the session's id (what
    /// tells two cockpits apart when they carry one name) and the machine it runs on.
    #[serde(rename = "joined")]
    #[strum_discriminants(strum(serialize = "joined"))]
    Joined {
        /// The cockpit session's id.
        session: String,
        /// The machine's name, when known.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        host: String,
    },
    /// A responder closed the cockpit session that joined.
    #[serde(rename = "left")]
    #[strum_discriminants(strum(serialize = "left"))]
    Left {
        /// The session's id, as its `joined` says it.
        session: String,
    },
    /// The tool in another responder's cockpit saw what an earlier record says (the same endpoint's
    /// episode starting or ending within two probe intervals, the same pattern): nothing is
    /// recorded twice, and that record lists this observer too.
    #[serde(rename = "observed")]
    #[strum_discriminants(strum(serialize = "observed"))]
    Observed {
        /// The `seq` of the record it agrees with.
        of: u64,
        /// Whose cockpit saw it.
        observer: String,
    },
    /// A responder asks another to approve running a step's command (a step with `approval = true`).
    #[serde(rename = "approval.requested")]
    #[strum_discriminants(strum(serialize = "approval.requested"))]
    ApprovalRequested {
        /// The request's id, which the answer names.
        request: String,
        /// Runbook name.
        runbook: String,
        /// Step id.
        step: String,
        /// The step's title.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        title: String,
        /// The exact command line asked for.
        command: String,
        /// The asking cockpit's session: an approval from that same session does not count.
        session: String,
    },
    /// Another responder approved, or refused, a request to run a step's command.
    #[serde(rename = "approval.answered")]
    #[strum_discriminants(strum(serialize = "approval.answered"))]
    ApprovalAnswered {
        /// The request's id.
        request: String,
        /// Whether it was approved.
        approved: bool,
        /// The answering cockpit's session.
        session: String,
        /// Why, when refused (or a word with the approval).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        reason: String,
    },
    /// A step that needs approval was run without it (nobody else present, or the store out of
    /// reach), with the responder's reason: the postmortem lists every one.
    #[serde(rename = "break-glass")]
    #[strum_discriminants(strum(serialize = "break-glass"))]
    BreakGlass {
        /// Runbook name.
        runbook: String,
        /// Step id.
        step: String,
        /// The step's title.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        title: String,
        /// The exact command line run.
        command: String,
        /// Why it could not wait for an approval.
        reason: String,
    },
    /// A line written by another version of sitrep: a kind, or a value of a known kind, this version
    /// does not know. Kept whole so that it is shown, exported and chained like any other.
    #[serde(skip)]
    #[strum_discriminants(strum(serialize = "unknown"))]
    Unknown(UnknownEvent),
}

impl Event {
    /// The `kind` string written to the file; an unknown event keeps the kind its line names.
    pub fn kind(&self) -> &str {
        match self {
            Event::Unknown(unknown) => &unknown.kind,
            known => EventKind::from(known).into(),
        }
    }

    /// A one-line human summary, used by the timeline panel and the exports.
    pub fn summary(&self) -> String {
        match self {
            Event::IncidentOpened { title, .. } => format!("incident opened: {title}"),
            Event::Lead { note } if note.is_empty() => "took the lead".to_string(),
            Event::Lead { note } => format!("took the lead: {note}"),
            Event::StepChecked {
                runbook,
                step,
                title,
            } => {
                format!(
                    "✔ {runbook}: {}",
                    if title.is_empty() { step } else { title }
                )
            }
            Event::StepUnchecked {
                runbook,
                step,
                title,
            } => {
                format!(
                    "☐ {runbook}: {} (unticked)",
                    if title.is_empty() { step } else { title }
                )
            }
            Event::Note { text } => format!("note: {text}"),
            Event::Milestone { name } => format!("milestone: {}", name.name()),
            Event::Severity { level } => format!("severity: {level}"),
            Event::HealthChanged {
                endpoint,
                from,
                to,
                status,
                latency_ms,
                episode,
                evidence,
                since,
                ..
            } => {
                if let Some(e) = episode {
                    // Recorded once the endpoint has stayed up for the hold (30 s): the line's
                    // own time is not when it came back, so it says when that was.
                    let what = match since {
                        Some(at) if *to == crate::core::health::Health::Up => {
                            format!("outage over, up since {} UTC", at.format("%H:%M:%S"))
                        }
                        _ if *to == crate::core::health::Health::Up => "outage over".to_string(),
                        _ => "no longer watched, outage not over".to_string(),
                    };
                    return format!(
                        "{endpoint}: {from} → {to}, {what} ({} at worst, {})",
                        e.worst,
                        e.changes_text()
                    );
                }
                let mut s = format!("{endpoint}: {from} → {to}");
                // Why a probe failed, when its status does not say it (a timeout, a refused
                // connection, a failed condition): the probe's outcome, as its evidence begins.
                let reason = evidence.split("; body").next().unwrap_or_default();
                let says_why = !matches!(to, Health::Up | Health::Unknown)
                    && !reason.is_empty()
                    && !reason.starts_with("unexpected status")
                    && !reason.starts_with("throttled");
                // `HTTP 503, 41 ms`: what the probe got, when it got a status.
                let got = status.map(|code| match latency_ms {
                    Some(ms) => format!("HTTP {code}, {ms} ms"),
                    None => format!("HTTP {code}"),
                });
                match (says_why, got) {
                    (true, Some(got)) if !reason.contains("HTTP") => {
                        s.push_str(&format!(" ({}; {got})", crate::core::text::cut(reason, 80)));
                    }
                    (true, _) => s.push_str(&format!(" ({})", crate::core::text::cut(reason, 80))),
                    (false, Some(got)) => s.push_str(&format!(" ({got})")),
                    (false, None) => {}
                }
                s
            }
            Event::LogSource { source, status } => format!("log {source}: {status}"),
            Event::Pattern {
                change, template, ..
            } => format!("{change} pattern: {template}"),
            Event::CommandStarted { command, .. } => format!("$ {command}"),
            Event::CommandFinished {
                command,
                exit_code,
                reason,
                ..
            } => match (exit_code, reason.is_empty()) {
                (_, false) => format!("$ {command} → {reason}"),
                (Some(code), true) => format!("$ {command} → exit {code}"),
                (None, true) => format!("$ {command} → killed"),
            },
            Event::UpdateSent {
                destination,
                text,
                result,
            } => {
                // A failed delivery says so in its line, not only in its detail.
                let failed = if result.starts_with("FAILED") { " NOT delivered" } else { "" };
                format!(
                    "update → {destination}{failed}: {}",
                    text.lines().next().unwrap_or("")
                )
            }
            Event::LinePinned { source, text, .. } => {
                format!("pinned {source} line: {}", shorten(text))
            }
            Event::ErrorMinute {
                source,
                minute,
                errors,
                lines,
                peak_per_s,
                busiest,
                busiest_errors,
                ..
            } => {
                let share = (errors * 100)
                    .checked_div(*lines)
                    .map_or_else(String::new, |pct| format!("; {pct}% of {lines} lines"));
                let mut s = format!(
                    "{source}: {errors} errors in the minute from {} ({:.1}/s, {peak_per_s}/s at peak{share})",
                    minute.format("%H:%M UTC"),
                    *errors as f64 / 60.0
                );
                if !busiest.is_empty() {
                    s.push_str(&format!("; busiest: {busiest} ({busiest_errors})"));
                }
                s
            }
            Event::TimelineDamaged { problems } => format!(
                "timeline found damaged: {}{}",
                problems.first().map_or("", String::as_str),
                match problems.len() {
                    0 | 1 => String::new(),
                    n => format!(" (and {} more)", n - 1),
                }
            ),
            Event::Correction {
                retracts,
                was,
                reason,
            } => {
                let mut s = format!("correction: #{retracts}");
                if !was.is_empty() {
                    s.push_str(&format!(" ({was})"));
                }
                s.push_str(" retracted");
                if !reason.is_empty() {
                    s.push_str(&format!(": {reason}"));
                }
                s
            }
            Event::Joined { host, .. } if host.is_empty() => "joined".to_string(),
            Event::Joined { host, .. } => format!("joined from {host}"),
            Event::Left { .. } => "left".to_string(),
            Event::Observed { of, observer } => format!("{observer} saw #{of} too"),
            Event::ApprovalRequested { title, step, command, .. } => format!(
                "asks approval: {} ($ {command})",
                if title.is_empty() { step } else { title }
            ),
            Event::ApprovalAnswered {
                approved, reason, ..
            } => match (approved, reason.is_empty()) {
                (true, true) => "approved".to_string(),
                (true, false) => format!("approved: {reason}"),
                (false, true) => "refused".to_string(),
                (false, false) => format!("refused: {reason}"),
            },
            Event::BreakGlass {
                command, reason, ..
            } => format!("BREAK-GLASS $ {command}: {reason}"),
            Event::Unknown(unknown) => format!("unknown event {}", unknown.kind),
        }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// How many characters of a pinned line a one-line summary quotes.
const SUMMARY_QUOTE: usize = 80;

/// The first [`SUMMARY_QUOTE`] characters of the first line of `text`, with `…` when anything was left out.
fn shorten(text: &str) -> String {
    let first = text.lines().next().unwrap_or("");
    let mut chars = first.char_indices();
    match chars.nth(SUMMARY_QUOTE) {
        Some((cut, _)) => format!("{}…", first[..cut].trim_end()),
        None if first.len() < text.trim_end().len() => format!("{first} …"),
        None => first.to_string(),
    }
}

// The trait impls wrap the derived ones (`remote = "Self"` makes those inherent functions), so a
// line of a kind this version does not know reads as `Event::Unknown` instead of failing.
impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Event::Unknown(unknown) => unknown.serialize(s),
            // The derived impl (`remote = "Self"` makes it an inherent function).
            known => Event::serialize(known, s),
        }
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Event, D::Error> {
        let Fields(mut fields) = Fields::deserialize(d)?;
        let Some(at) = fields.iter().position(|(name, _)| name == "kind") else {
            return Err(de::Error::missing_field("kind"));
        };
        let Value::String(kind) = fields.remove(at).1 else {
            return Err(de::Error::custom("`kind` is not a string"));
        };
        let mut object: serde_json::Map<String, Value> = fields.iter().cloned().collect();
        object.insert("kind".into(), Value::String(kind.clone()));
        // The derived impl (`remote = "Self"` makes it an inherent function).
        Ok(Event::deserialize(Value::Object(object))
            .unwrap_or(Event::Unknown(UnknownEvent { kind, fields })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::health::Health;

    fn changed(to: Health, status: Option<u16>, evidence: &str) -> Event {
        Event::HealthChanged {
            endpoint: "provider".into(),
            from: Health::Up,
            to,
            status,
            latency_ms: Some(2001),
            evidence: evidence.into(),
            since: None,
            episode: None,
            observer: String::new(),
        }
    }

    #[test]
    fn a_health_change_says_why_when_its_status_does_not() {
        let said = |e: Event| e.summary();
        assert_eq!(
            said(changed(Health::Down, Some(200), "timed out")),
            "provider: up → down (timed out; HTTP 200, 2001 ms)"
        );
        assert_eq!(
            said(changed(Health::Down, None, "connection refused")),
            "provider: up → down (connection refused)"
        );
        assert_eq!(
            said(changed(
                Health::Degraded,
                Some(200),
                "condition failed: /status is \"degraded\", expected \"ok\"; body: {}"
            )),
            "provider: up → degraded (condition failed: /status is \"degraded\", expected \"ok\"; HTTP 200, 2001 ms)"
        );
        // The status says it already.
        assert_eq!(
            said(changed(Health::Down, Some(503), "unexpected status 503; body: x")),
            "provider: up → down (HTTP 503, 2001 ms)"
        );
        assert_eq!(
            said(changed(Health::Throttled, Some(429), "throttled (429)")),
            "provider: up → throttled (HTTP 429, 2001 ms)"
        );
    }
}
