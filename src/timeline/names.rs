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
        ]
    );
}

#[test]
fn every_known_kind_reads_from_and_writes_back_to_the_v1_timeline() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/timeline-v1.jsonl"
    );
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
    for kind in EventKind::VARIANTS {
        assert!(
            *kind == EventKind::Unknown || seen.contains(kind),
            "the fixture has no {kind:?}"
        );
    }
}
