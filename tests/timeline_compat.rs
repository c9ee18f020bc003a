//! Old files stay readable: a timeline written by an earlier sitrep (every event kind and every value
//! it wrote, kept in `tests/fixtures/`) verifies, replays and exports exactly as it did then.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sitrep::timeline::{self, Incident, Milestone};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A folder holding only the fixture, so no config is found and the exported path is the bare name.
fn workdir(fixture: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixtures().join(fixture), dir.path().join(fixture)).unwrap();
    dir
}

/// Runs the real binary in `dir`; local times are UTC so the exports do not depend on the machine.
fn sitrep(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .env("USER", "alice")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_version_1_timeline_verifies_intact() {
    let dir = workdir("timeline-v1.jsonl");
    let out = sitrep(dir.path(), &["verify", "timeline-v1.jsonl"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_eq!(
        text(&out.stdout),
        "ok: 40 events, chain intact (timeline-v1.jsonl)\n"
    );
}

#[test]
fn a_version_1_timeline_exports_byte_for_byte_as_it_did() {
    let dir = workdir("timeline-v1.jsonl");
    for format in ["md", "json", "csv", "html"] {
        let out = sitrep(
            dir.path(),
            &["export", "-f", format, "-t", "timeline-v1.jsonl"],
        );
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        assert_eq!(text(&out.stderr), "", "{format}: no warning about any line");
        let expected =
            std::fs::read_to_string(fixtures().join(format!("timeline-v1.export.{format}")))
                .unwrap();
        assert!(
            text(&out.stdout) == expected,
            "the {format} export of timeline-v1.jsonl changed; compare with tests/fixtures/timeline-v1.export.{format}:\n{}",
            text(&out.stdout)
        );
    }
}

#[test]
fn a_version_1_timeline_replays_into_the_incident_it_tells() {
    let report = timeline::read(&fixtures().join("timeline-v1.jsonl")).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert!(report.torn.is_none());
    let incident = Incident::replay(&report.records);
    assert_eq!(incident.events, 40);
    assert_eq!(incident.title, "Payments API errors \"5xx\" — checkout");
    assert_eq!(
        incident.severity.as_ref().map(|s| s.to_string()),
        Some("SEV4".to_string())
    );
    assert_eq!(incident.responders, ["alice", "bob"]);
    let health: Vec<(String, String)> = incident
        .health
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    assert_eq!(
        health,
        [
            ("ledger".to_string(), "up".to_string()),
            ("payments-api".to_string(), "degraded".to_string()),
            ("provider".to_string(), "unknown".to_string()),
        ]
    );
    assert_eq!(
        incident.milestones.keys().copied().collect::<Vec<_>>(),
        Milestone::ALL
    );
    assert!(!incident.is_checked("stabilize", "assess-impact"));
    assert!(incident.is_checked("stabilize", "declare"));
}
