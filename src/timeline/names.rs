//! The names the timeline file spells: written by this version, read by every other one, so they never
//! change. The literal lists below are that promise.

use strum::VariantArray as _;

use super::{EventKind, Milestone, Record};

#[test]
fn every_milestone_keeps_the_name_written_today() {
    let names: Vec<&str> = Milestone::ALL.iter().map(|m| m.name()).collect();
    assert_eq!(names, ["detected", "mitigated", "resolved"]);
    for &m in Milestone::ALL {
        assert_eq!(
            serde_json::to_string(&m).unwrap_or_default(),
            format!("\"{}\"", m.name())
        );
        assert_eq!(m.to_string(), m.name());
        assert_eq!(Milestone::parse(m.name()), Some(m));
        assert_eq!(
            Milestone::parse(&format!(" {} ", m.name().to_uppercase())),
            Some(m)
        );
    }
    assert_eq!(Milestone::parse("fixed"), None);
}

#[test]
fn every_event_kind_keeps_the_name_written_today() {
    let names: Vec<&str> = EventKind::VARIANTS
        .iter()
        .filter(|k| **k != EventKind::Unknown)
        .map(|k| k.into())
        .collect();
    assert_eq!(
        names,
        [
            "incident.opened",
            "step.checked",
            "step.unchecked",
            "note",
            "milestone",
            "severity",
            "health.changed",
            "log.source",
            "pattern",
            "command.started",
            "command.finished",
            "update.sent",
            "log.pinned",
            "correction",
            "log.errors",
            "timeline.damaged",
            "lead",
            "joined",
            "left",
            "observed",
            "approval.requested",
            "approval.answered",
            "break-glass",
        ]
    );
}

/// Kinds added after version 1, each with the fixture that first holds it.
const LATER_KINDS: &[(EventKind, &str)] = &[
    (EventKind::LinePinned, "timeline-pinned.jsonl"),
    (EventKind::Correction, "timeline-corrected.jsonl"),
    (EventKind::ErrorMinute, "timeline-errors.jsonl"),
    (EventKind::TimelineDamaged, "timeline-damaged.jsonl"),
    (EventKind::Lead, "timeline-shared.jsonl"),
    (EventKind::Joined, "timeline-team.jsonl"),
    (EventKind::Left, "timeline-team.jsonl"),
    (EventKind::Observed, "timeline-team.jsonl"),
    (EventKind::ApprovalRequested, "timeline-team.jsonl"),
    (EventKind::ApprovalAnswered, "timeline-team.jsonl"),
    (EventKind::BreakGlass, "timeline-team.jsonl"),
];

/// The kinds a fixture holds, each checked to read as itself and to write back under the same name.
fn kinds_in(fixture: &str) -> Vec<EventKind> {
    let path = format!("{}/tests/fixtures/{fixture}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut seen = Vec::new();
    for line in text.lines() {
        let raw: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
        let record: Record = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let kind = EventKind::from(&record.event);
        assert_ne!(kind, EventKind::Unknown, "{line}");
        assert_eq!(raw["kind"], record.event.kind());
        let written = serde_json::to_value(&record).unwrap_or_default();
        assert_eq!(written["kind"], <&str>::from(kind));
        seen.push(kind);
    }
    seen
}

#[test]
fn every_known_kind_reads_from_and_writes_back_to_the_fixture_that_first_holds_it() {
    let v1 = kinds_in("timeline-v1.jsonl");
    for kind in EventKind::VARIANTS {
        match LATER_KINDS.iter().find(|(k, _)| k == kind) {
            _ if *kind == EventKind::Unknown => {}
            Some((_, fixture)) => assert!(
                kinds_in(fixture).contains(kind),
                "{fixture} has no {kind:?}"
            ),
            None => assert!(v1.contains(kind), "the v1 fixture has no {kind:?}"),
        }
    }
}
