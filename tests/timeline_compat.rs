//! Old files stay readable: a timeline written by an earlier sitrep (every event kind and every value
//! it wrote, kept in `tests/fixtures/`) verifies, replays and exports exactly as it did then. Newer
//! files stay readable too: a line with a kind, field or value this version does not know is kept,
//! checked like any other, shown as `unknown event <kind>`, and never reported as damage. Kinds added
//! since keep their own fixture (`timeline-pinned.jsonl` for `log.pinned`, `timeline-corrected.jsonl`
//! for `correction`, `timeline-errors.jsonl` for `log.errors`), held to the same promise.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sitrep::app::{App, Panel};
use sitrep::timeline::{self, Incident, Milestone};
use sitrep::ui::{self, Theme};

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
    assert!(
        text(&out.stdout).starts_with("ok: 40 events, chain intact, head #40 sha256:")
            && text(&out.stdout).ends_with("(timeline-v1.jsonl; no witness head given, so a cut tail or a rewritten chain would not show)\n"),
        "{}",
        text(&out.stdout)
    );
}

/// The exports of an old file are kept as fixtures: a change to them is a change on purpose,
/// reviewed as a diff of the fixture (the health table became episodes in issue 14).
#[test]
fn a_version_1_timeline_exports_byte_for_byte_as_it_did() {
    exports_as_it_did("timeline-v1.jsonl");
}

/// Exports `fixture` in every format with the real binary and holds each to its kept export
/// (`<fixture stem>.export.<format>`), with no warning about any line.
fn exports_as_it_did(fixture: &str) {
    exports_as_it_did_warning(fixture, "");
}

/// Like [`exports_as_it_did`], with `warning` on stderr each time.
fn exports_as_it_did_warning(fixture: &str, warning: &str) {
    let dir = workdir(fixture);
    let stem = fixture.trim_end_matches(".jsonl");
    for format in ["md", "json", "csv", "html"] {
        let out = sitrep(dir.path(), &["export", "-f", format, "-t", fixture]);
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        assert_eq!(text(&out.stderr), warning, "{format}: the warnings");
        let expected =
            std::fs::read_to_string(fixtures().join(format!("{stem}.export.{format}"))).unwrap();
        assert!(
            text(&out.stdout) == expected,
            "the {format} export of {fixture} changed; compare with tests/fixtures/{stem}.export.{format}:\n{}",
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

const UNKNOWN: &str = "timeline-unknown.jsonl";

#[test]
fn a_timeline_with_an_unknown_event_kind_verifies_intact() {
    let dir = workdir(UNKNOWN);
    let out = sitrep(dir.path(), &["verify", UNKNOWN]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).starts_with("ok: 15 events, chain intact, head #15 sha256:")
            && text(&out.stdout).ends_with("(timeline-unknown.jsonl; no witness head given, so a cut tail or a rewritten chain would not show)\n"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn an_unknown_event_is_exported_by_its_kind_without_a_warning() {
    let dir = workdir(UNKNOWN);
    let export = |format: &str| {
        let out = sitrep(dir.path(), &["export", "-f", format, "-t", UNKNOWN]);
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        assert_eq!(
            text(&out.stderr),
            "",
            "{format}: no line reported as damage"
        );
        text(&out.stdout)
    };
    let md = export("md");
    assert!(
        md.contains("| 4 | 2026-11-24 14:00:25 | 2026-11-24 14:00:25 +00:00 | carol | unknown event presence.joined |"),
        "{md}"
    );
    let csv = export("csv");
    assert!(
        csv.contains(
            "\r\n4,2026-11-24T14:00:25.000Z,carol,presence.joined,unknown event presence.joined,"
        ),
        "{csv}"
    );
    assert!(export("html").contains("unknown event presence.joined"));
}

#[test]
fn an_unknown_event_is_exported_as_json_with_exactly_the_fields_it_was_written_with() {
    let dir = workdir(UNKNOWN);
    let out = sitrep(dir.path(), &["export", "-f", "json", "-t", UNKNOWN]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let exported = &doc["events"][3];
    let line = std::fs::read_to_string(fixtures().join(UNKNOWN)).unwrap();
    let written: serde_json::Value = serde_json::from_str(line.lines().nth(3).unwrap()).unwrap();
    assert_eq!(written["kind"], "presence.joined");
    assert_eq!(exported, &written, "no field lost, none invented");
}

#[test]
fn a_known_event_with_a_field_this_version_does_not_know_reads_as_itself() {
    let report = timeline::read(&fixtures().join(UNKNOWN)).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(
        report.records[4].event.summary(),
        "note: checking the provider status page"
    );
}

#[test]
fn an_unknown_event_shows_in_the_timeline_panel_by_its_kind() {
    let report = timeline::read(&fixtures().join(UNKNOWN)).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 14, 10, 0).unwrap();
    let mut app = App::new(
        report.records,
        UNKNOWN.into(),
        sitrep::runbook::shipped(),
        "alice".into(),
        now,
    );
    app.utc = true;
    app.zoom = true;
    app.focus = Panel::Timeline;
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    terminal
        .draw(|f| ui::draw(f, &app, &Theme::monochrome()))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let screen: String = buffer
        .content()
        .chunks(buffer.area.width as usize)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>() + "\n")
        .collect();
    assert!(
        screen.contains("14:00:25Z carol unknown event presence.joined"),
        "{screen}"
    );
    assert!(screen.contains("Timeline · 15 events"), "{screen}");
}

#[test]
fn a_known_kind_with_a_value_this_version_does_not_know_is_an_unknown_event() {
    let report = timeline::read(&fixtures().join(UNKNOWN)).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(
        report.records[5].event.summary(),
        "unknown event health.changed"
    );
}

/// Pinned log lines (`log.pinned`, added after version 1): one under the health event it cites, one
/// citing nothing (with its own line time), one citing an event that is not there.
const PINNED: &str = "timeline-pinned.jsonl";

#[test]
fn a_timeline_with_pinned_lines_verifies_intact() {
    let dir = workdir(PINNED);
    let out = sitrep(dir.path(), &["verify", PINNED]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).starts_with("ok: 7 events, chain intact, head #7 sha256:")
            && text(&out.stdout).ends_with("(timeline-pinned.jsonl; no witness head given, so a cut tail or a rewritten chain would not show)\n"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_timeline_with_pinned_lines_exports_byte_for_byte_as_it_did() {
    exports_as_it_did(PINNED);
}

#[test]
fn every_pinned_line_reads_back_whole_and_its_quote_matches_its_hash() {
    let report = timeline::read(&fixtures().join(PINNED)).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let pins: Vec<(String, Option<u64>, bool, Option<bool>)> = report
        .records
        .iter()
        .filter_map(|r| match &r.event {
            timeline::Event::LinePinned {
                source,
                cites,
                line_time,
                ..
            } => Some((
                source.clone(),
                *cites,
                line_time.is_some(),
                r.event.pin_intact(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        pins,
        [
            ("payments-api".to_string(), Some(2), false, Some(true)),
            ("ledger".to_string(), None, true, Some(true)),
            ("payments-api".to_string(), Some(99), false, Some(true)),
        ]
    );
    assert_eq!(
        report.records[3].event.summary(),
        "pinned payments-api line: 2026-11-24T14:00:41.512Z ERROR request failed req_id=cff91303 customer=c-1042 st…"
    );
    let incident = Incident::replay(&report.records);
    assert_eq!(incident.responders, ["alice", "bob"]);
}

#[test]
fn a_pinned_line_shows_in_the_timeline_panel_by_its_source_and_quote() {
    let report = timeline::read(&fixtures().join(PINNED)).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 14, 10, 0).unwrap();
    let mut app = App::new(
        report.records,
        PINNED.into(),
        sitrep::runbook::shipped(),
        "alice".into(),
        now,
    );
    app.utc = true;
    app.zoom = true;
    app.focus = Panel::Timeline;
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    terminal
        .draw(|f| ui::draw(f, &app, &Theme::monochrome()))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let screen: String = buffer
        .content()
        .chunks(buffer.area.width as usize)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>() + "\n")
        .collect();
    assert!(
        screen.contains("14:00:55Z bob pinned ledger line: WARN retrying write attempt=2 | `batch` <b>7</b> *pending*"),
        "{screen}"
    );
}

/// Corrections (`correction`, added after version 1): a `resolved` pressed by mistake and a `SEV1`
/// picked by mistake, each retracted by bob; then `mitigated` and `resolved` for real.
const CORRECTED: &str = "timeline-corrected.jsonl";

#[test]
fn a_timeline_with_corrections_verifies_and_replays_without_what_they_retract() {
    let dir = workdir(CORRECTED);
    let out = sitrep(dir.path(), &["verify", CORRECTED]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let report = timeline::read(&fixtures().join(CORRECTED)).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let incident = Incident::replay(&report.records);
    assert_eq!(
        incident.severity,
        Some(sitrep::core::severity::Severity::Sev2),
        "SEV1 was retracted"
    );
    let ts = |seq: u64| report.records.iter().find(|r| r.seq == seq).unwrap().ts;
    assert_eq!(incident.milestones[&Milestone::Resolved], ts(10), "not #5");
    assert_eq!(incident.milestones[&Milestone::Mitigated], ts(9));
    let retracted: Vec<(u64, &str, u64)> = incident
        .retracted
        .iter()
        .map(|(seq, by)| (*seq, by.actor.as_str(), by.seq))
        .collect();
    assert_eq!(retracted, [(5, "bob", 7), (6, "bob", 8)]);
}

#[test]
fn a_timeline_with_corrections_exports_byte_for_byte_as_it_did() {
    exports_as_it_did(CORRECTED);
}

#[test]
fn the_export_strikes_through_what_a_correction_retracted_and_names_who_and_when() {
    let dir = workdir(CORRECTED);
    let md = text(&sitrep(dir.path(), &["export", "-f", "md", "-t", CORRECTED]).stdout);
    assert!(md.contains("- **Severity:** SEV2\n"), "{md}");
    assert!(
        md.contains(
            "| ~~milestone: resolved~~ retracted by bob at 2026-12-04 18:18:07 UTC (\\#7) |"
        ),
        "{md}"
    );
    assert!(md.contains("| ~~severity: SEV1~~ retracted by bob"), "{md}");
    assert!(
        md.contains("**Retracted by a correction:** \\#5 milestone: resolved (by bob"),
        "{md}"
    );
    let html = text(&sitrep(dir.path(), &["export", "-f", "html", "-t", CORRECTED]).stdout);
    assert!(
        html.contains("<del>milestone: resolved</del> retracted by bob"),
        "{html}"
    );
    let json = text(&sitrep(dir.path(), &["export", "-f", "json", "-t", CORRECTED]).stdout);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["retracted"][0]["seq"], 5);
    assert_eq!(doc["retracted"][0]["by"], "bob");
    assert_eq!(doc["retracted"][1]["was"], "severity: SEV1");
    assert_eq!(doc["summary"]["severity"], "SEV2");
    let csv = text(&sitrep(dir.path(), &["export", "-f", "csv", "-t", CORRECTED]).stdout);
    let row5 = csv.lines().find(|l| l.starts_with("5,")).unwrap();
    assert!(
        row5.contains("retracted by bob at 2026-12-04T18:18:07"),
        "{row5}"
    );
}

#[test]
fn the_cli_retracts_only_a_milestone_or_severity_and_only_once() {
    let dir = workdir(CORRECTED);
    let once = sitrep(
        dir.path(),
        &["retract", "9", "--reason", "not yet", "-t", CORRECTED],
    );
    assert!(once.status.success(), "{}", text(&once.stderr));
    assert!(
        text(&once.stdout).starts_with("recorded #11 in timeline-corrected.jsonl: correction: #9 (milestone: mitigated) retracted: not yet"),
        "{}",
        text(&once.stdout)
    );
    for (seq, says) in [
        ("9", "#9 was already retracted by alice (#11)"),
        (
            "4",
            "#4 is a note event: only a milestone, a severity or a pattern the tool saw can be retracted",
        ),
        ("42", "has no event #42"),
    ] {
        let out = sitrep(dir.path(), &["retract", seq, "-t", CORRECTED]);
        assert_eq!(out.status.code(), Some(2), "{seq}");
        assert!(
            text(&out.stderr).contains(says),
            "{seq}: {}",
            text(&out.stderr)
        );
    }
    let report = timeline::read(&dir.path().join(CORRECTED)).unwrap();
    assert_eq!(
        report.records.len(),
        11,
        "nothing written for a refused retraction"
    );
    let incident = Incident::replay(&report.records);
    assert!(!incident.milestones.contains_key(&Milestone::Mitigated));
}

/// The demo's outage as the cockpit recorded it (`log.errors`, added after version 1): payments-api
/// down from 14 s after opening until a rollback, a summary for each minute with errors, detected,
/// mitigated, and a SEV1 picked by mistake then retracted.
const ERRORS: &str = "timeline-errors.jsonl";

#[test]
fn a_timeline_with_error_summaries_verifies_and_exports_byte_for_byte_as_it_did() {
    let dir = workdir(ERRORS);
    let out = sitrep(dir.path(), &["verify", ERRORS]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    exports_as_it_did(ERRORS);
}

#[test]
fn the_demos_outage_is_one_episode_and_its_error_minutes_are_their_own_section() {
    let dir = workdir(ERRORS);
    let md = text(&sitrep(dir.path(), &["export", "-f", "md", "-t", ERRORS]).stdout);
    let episodes = md
        .lines()
        .skip_while(|l| *l != "## Health episodes")
        .take_while(|l| *l != "## Errors over time")
        .filter(|l| l.starts_with("| payments-api"))
        .count();
    assert_eq!(episodes, 1, "{md}");
    assert!(md.contains("(4 in all)"), "{md}");
    assert!(md.contains("The 4 error-rate summaries"), "{md}");
    let report = timeline::read(&fixtures().join(ERRORS)).unwrap();
    let incident = Incident::replay(&report.records);
    assert_eq!(
        incident.severity,
        Some(sitrep::core::severity::Severity::Sev2)
    );
}

/// A timeline found damaged (`timeline.damaged`, added after version 1): line 4's note was edited
/// after it was written; the next `sitrep note` recorded the finding once (#11), then two notes.
const DAMAGED: &str = "timeline-damaged.jsonl";

#[test]
fn a_damaged_timeline_says_so_in_verify_in_its_record_and_in_every_export() {
    let dir = workdir(DAMAGED);
    let out = sitrep(dir.path(), &["verify", DAMAGED]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains(
            "line 4 (byte 668): hash mismatch: this line was edited after it was written"
        ),
        "{}",
        text(&out.stdout)
    );
    exports_as_it_did_warning(
        DAMAGED,
        "warning: timeline-damaged.jsonl: line 4 (byte 668): hash mismatch: this line was edited after it was written\n",
    );
    let md = text(&sitrep(dir.path(), &["export", "-f", "md", "-t", DAMAGED]).stdout);
    let integrity = &md[md.find("## Integrity").unwrap()..];
    assert!(
        integrity.contains("found damaged when this was exported (1 problem(s))"),
        "{integrity}"
    );
    assert!(
        integrity.contains("- line 4 (byte 668): hash mismatch"),
        "{integrity}"
    );
    let json = text(&sitrep(dir.path(), &["export", "-f", "json", "-t", DAMAGED]).stdout);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["source"]["chain_intact"], false);
    // Opened again with the same damage: not recorded a second time.
    let note = sitrep(dir.path(), &["note", "-t", DAMAGED, "again"]);
    assert!(note.status.success());
    let report = timeline::read(&dir.path().join(DAMAGED)).unwrap();
    let said = report
        .records
        .iter()
        .filter(|r| r.event.kind() == "timeline.damaged")
        .count();
    assert_eq!(said, 1);
}

/// A shared incident's copy, as two laptops made it through a folder store: every event but the
/// first (a local incident's line, shared as it was) carries its `id`; alice takes the lead, then
/// hands it to bob.
const SHARED: &str = "timeline-shared.jsonl";

#[test]
fn a_shared_incidents_copy_verifies_intact_and_exports_as_it_did() {
    let dir = workdir(SHARED);
    let out = sitrep(dir.path(), &["verify", SHARED]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).starts_with("ok: 7 events, chain intact, head #7 sha256:"),
        "{}",
        text(&out.stdout)
    );
    exports_as_it_did(SHARED);
    let records = sitrep::timeline::read(&dir.path().join(SHARED))
        .unwrap()
        .records;
    let ids: Vec<bool> = records.iter().map(|r| r.id.is_some()).collect();
    assert_eq!(ids, [false, true, true, true, true, true, true]);
    let actors: Vec<&str> = records.iter().map(|r| r.actor.as_str()).collect();
    assert_eq!(
        actors,
        ["alice", "alice", "alice", "bob", "bob", "bob", "alice"]
    );
    let lead = Incident::replay(&records);
    assert_eq!(
        lead.lead().map(|m| (m.actor.as_str(), m.seq)),
        Some(("bob", 5))
    );
}

/// Two cockpits on one local timeline, as they wrote it: carol and dave joined; the end of an
/// outage both saw is one record with both observers; carol asked twice to run a step that needs
/// approval (dave approved, then refused) and ran it once more by breaking glass.
const TEAM: &str = "timeline-team.jsonl";

#[test]
fn a_teams_timeline_verifies_intact_replays_its_team_and_exports_as_it_did() {
    let dir = workdir(TEAM);
    let out = sitrep(dir.path(), &["verify", TEAM]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).starts_with("ok: 24 events, chain intact, head #24 sha256:"),
        "{}",
        text(&out.stdout)
    );
    exports_as_it_did(TEAM);
    let records = timeline::read(&dir.path().join(TEAM)).unwrap().records;
    let team = Incident::replay(&records).team;
    let who: Vec<&str> = team.sessions.values().map(|s| s.actor.as_str()).collect();
    assert_eq!(who.len(), 4, "two sessions of carol, two of dave: {who:?}");
    let both = team.observers.values().find(|o| o.len() == 2).cloned();
    assert_eq!(both, Some(vec!["dave".to_string(), "carol".to_string()]));
    let answers: Vec<Option<bool>> = team
        .approvals
        .iter()
        .map(|a| a.answer.as_ref().map(|x| x.approved))
        .collect();
    assert_eq!(answers, [Some(true), Some(false)]);
    let broke = records
        .iter()
        .filter(|r| r.event.kind() == "break-glass")
        .count();
    assert_eq!(broke, 1);
}
