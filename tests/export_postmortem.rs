//! Exporting a real timeline file (written by the timeline writer in a temp folder) in every format,
//! and checking what a reader of each export sees.

use std::path::Path;

mod csv_support;
use csv_support::parse as parse_csv;

use chrono::{DateTime, TimeDelta, Utc};
use sitrep::core::level::Level;
use sitrep::export::{self, ExportInput, Format};
use sitrep::runbook::{self, Runbook};
use sitrep::timeline::{self, Event, Health, Milestone, PatternChange, Record, TimelineWriter};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SECRET: &str = "s3cr3t-T0KEN-9f8e";
const INJECTED: &str =
    "</td><script>alert(1)</script> | # [x](javascript:alert(1))\n# not a heading\n`rm -rf /`";
const FORMULA: &str = "=HYPERLINK(\"http://evil.example\",\"click\")";

const RUNBOOK: &str = r#"
name = "stabilize"
title = "Stabilize"
order = 10
[[step]]
id = "declare"
title = "Declare the incident"
[[step]]
id = "assess"
title = "Assess impact"
command = "kubectl rollout undo deploy/api"
[[step]]
id = "notify"
title = "Notify support"
[[step]]
id = "page-provider"
title = "Page the provider"
"#;

fn at(minutes: i64, seconds: i64) -> Result<DateTime<Utc>, chrono::ParseError> {
    let t0 = DateTime::parse_from_rfc3339("2026-11-24T14:00:00Z")?.with_timezone(&Utc);
    Ok(t0 + TimeDelta::minutes(minutes) + TimeDelta::seconds(seconds))
}

fn step(runbook: &str, step: &str, title: &str) -> (String, String, String) {
    (runbook.into(), step.into(), title.into())
}

/// Writes the fixture incident to `dir/incident.jsonl` through the real writer and reads it back.
fn fixture(
    dir: &Path,
    resolved: bool,
) -> Result<(Vec<Record>, String), Box<dyn std::error::Error>> {
    let path = dir.join("incident.jsonl");
    let (mut w, _) = TimelineWriter::open(&path)?;
    let checked = |(runbook, step, title): (String, String, String)| Event::StepChecked {
        runbook,
        step,
        title,
    };
    let events: Vec<(DateTime<Utc>, &str, Event)> = vec![
        (
            at(0, 0)?,
            "alice",
            Event::IncidentOpened {
                title: "Payments API errors".into(),
                severity: Some(sitrep::timeline::Severity::Sev2),
            },
        ),
        (
            at(0, 5)?,
            "sitrep",
            Event::HealthChanged {
                endpoint: "payments".into(),
                from: Health::Up,
                to: Health::Down,
                status: Some(503),
                latency_ms: Some(120),
                evidence: format!("HTTP 503: <html>upstream down</html> token={SECRET}"),
                since: None,
                episode: None,
                observer: String::new(),
            },
        ),
        (
            at(2, 0)?,
            "alice",
            Event::Milestone {
                name: Milestone::Detected,
            },
        ),
        (
            at(3, 0)?,
            "alice",
            checked(step("stabilize", "declare", "Declare the incident")),
        ),
        (
            at(4, 0)?,
            "bob",
            Event::Note {
                text: INJECTED.into(),
            },
        ),
        (
            at(4, 30)?,
            "bob",
            Event::Note {
                text: FORMULA.into(),
            },
        ),
        (
            at(5, 0)?,
            "sitrep",
            Event::Pattern {
                change: PatternChange::Spike,
                template: "ERROR payment <*> failed | code=<*>".into(),
                level: Some(Level::Error),
                rate: Some(42.5),
                // Recorded at 5:00; its lines say 4:30.
                seen_at: Some(at(4, 30)?),
                observer: String::new(),
            },
        ),
        (
            at(6, 0)?,
            "bob",
            Event::CommandStarted {
                runbook: "stabilize".into(),
                step: "assess".into(),
                command: format!("kubectl rollout undo deploy/api --token={SECRET}"),
            },
        ),
        (
            at(6, 30)?,
            "bob",
            Event::CommandFinished {
                runbook: "stabilize".into(),
                step: "assess".into(),
                command: format!("kubectl rollout undo deploy/api --token={SECRET}"),
                exit_code: Some(3),
                duration_ms: 30_000,
                output_tail: "error: deployment not found".into(),
                reason: "exit 1 after 0.4s".into(),
            },
        ),
        (
            at(7, 0)?,
            "bob",
            checked(step("stabilize", "assess", "Assess impact")),
        ),
        (
            at(8, 0)?,
            "bob",
            checked(step("stabilize", "notify", "Notify support")),
        ),
        (
            at(8, 30)?,
            "bob",
            Event::StepUnchecked {
                runbook: "stabilize".into(),
                step: "notify".into(),
                title: "Notify support".into(),
            },
        ),
        (
            at(10, 0)?,
            "carol",
            Event::UpdateSent {
                destination: "#incident".into(),
                text: "We rolled back.\nNext update at 14:30 UTC.".into(),
                result: "delivered".into(),
            },
        ),
        (
            at(12, 0)?,
            "sitrep",
            Event::HealthChanged {
                endpoint: "payments".into(),
                from: Health::Down,
                to: Health::Up,
                status: Some(200),
                latency_ms: Some(80),
                evidence: String::new(),
                since: None,
                episode: None,
                observer: String::new(),
            },
        ),
        (
            at(20, 0)?,
            "alice",
            Event::Milestone {
                name: Milestone::Mitigated,
            },
        ),
    ];
    for (ts, actor, event) in events {
        w.append_at(ts, actor, event)?;
    }
    if resolved {
        w.append_at(
            at(62, 3)?,
            "alice",
            Event::Milestone {
                name: Milestone::Resolved,
            },
        )?;
    }
    drop(w);
    let report = timeline::read(&path)?;
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    Ok((report.records, path.display().to_string()))
}

fn runbooks() -> Result<Vec<Runbook>, Box<dyn std::error::Error>> {
    let mut all = vec![runbook::parse("stabilize.toml", RUNBOOK).map_err(|e| e.to_string())?];
    all.extend(
        runbook::shipped()
            .into_iter()
            .filter(|r| r.name != "stabilize"),
    );
    Ok(all)
}

/// Exports the fixture in a format.
fn export(format: Format, resolved: bool) -> Result<String, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let (records, path) = fixture(dir.path(), resolved)?;
    let runbooks = runbooks()?;
    let secrets = vec![SECRET.to_string(), String::new()];
    Ok(export::render(
        format,
        &ExportInput {
            records: &records,
            runbooks: &runbooks,
            secrets: &secrets,
            timeline_path: &path,
            damage: &[],
            notes: &[],
        },
    ))
}

/// The lines of the section under a `## heading`, up to the next one.
fn section<'a>(md: &'a str, heading: &str) -> &'a str {
    let start = md
        .find(&format!("\n## {heading}\n"))
        .map_or(md.len(), |i| i + 1);
    let rest = &md[start..];
    let end = rest
        .get(3..)
        .and_then(|r| r.find("\n## "))
        .map_or(rest.len(), |i| i + 4);
    &rest[..end]
}

#[test]
fn markdown_postmortem_has_every_section_a_reader_expects() -> TestResult {
    let md = export(Format::Markdown, false)?;
    assert!(
        md.starts_with("# Postmortem: Payments API errors\n"),
        "{md}"
    );
    for heading in [
        "Summary",
        "Durations",
        "Impact",
        "Root cause",
        "What went well",
        "What went badly",
        "Follow-ups",
        "Runbooks",
        "Notes",
        "Status updates sent",
        "Commands run",
        "Health episodes",
        "Log patterns",
        "Timeline",
    ] {
        assert!(
            md.contains(&format!("\n## {heading}\n")),
            "no section {heading}:\n{md}"
        );
    }
    let summary = section(&md, "Summary");
    assert!(summary.contains("**Severity:** SEV2"), "{summary}");
    assert!(
        summary.contains("**Start:** 2026-11-24 14:00:00 UTC"),
        "{summary}"
    );
    assert!(summary.contains("**End:** not resolved"), "{summary}");
    assert!(
        summary.contains("**Responders:** alice, bob, carol"),
        "{summary}"
    );
    assert!(section(&md, "Impact").contains("_To fill in"));
    Ok(())
}

#[test]
fn durations_between_milestones_are_computed_and_missing_ones_say_not_reached() -> TestResult {
    let md = export(Format::Markdown, false)?;
    let d = section(&md, "Durations");
    // The impact began at the first outage, before anyone declared it: measured from both.
    assert!(
        d.contains(
            "| **Impact began** | – | 5s | 2026-11-24 14:00:05 payments down (its first outage) |"
        ),
        "{d}"
    );
    assert!(
        d.contains("| **Time to detect** | 1m 55s | 2m 00s |"),
        "{d}"
    );
    assert!(
        d.contains("| **Time to mitigate** | 19m 55s | 20m 00s (18m 00s after detected) |"),
        "{d}"
    );
    assert!(
        d.contains("| **Time to resolve** | not reached | not reached | resolved: not reached |"),
        "{d}"
    );

    let md = export(Format::Markdown, true)?;
    let d = section(&md, "Durations");
    assert!(
        d.contains("| **Time to resolve** | 1h 01m 58s | 1h 02m 03s (42m 03s after mitigated) |"),
        "{d}"
    );
    let summary = section(&md, "Summary");
    assert!(
        summary.contains("**End:** 2026-11-24 15:02:03 UTC"),
        "{summary}"
    );
    assert!(summary.contains("**Duration:** 1h 02m 03s\n"), "{summary}");
    Ok(())
}

#[test]
fn runbooks_list_what_was_done_by_whom_and_what_was_left_undone() -> TestResult {
    let md = export(Format::Markdown, false)?;
    let r = section(&md, "Runbooks");
    assert!(r.contains("### Stabilize (stabilize)"), "{r}");
    assert!(r.contains("2 of 4 steps done."), "{r}");
    assert!(
        r.contains("- [x] Declare the incident `declare` — done 2026-11-24 14:03:00 UTC by alice"),
        "{r}"
    );
    assert!(
        r.contains("- [x] Assess impact `assess` — done 2026-11-24 14:07:00 UTC by bob"),
        "{r}"
    );
    assert!(
        r.contains("- [ ] Notify support `notify` — not done (ticked, then unticked)"),
        "{r}"
    );
    assert!(
        r.contains("- [ ] Page the provider `page-provider` — not done"),
        "{r}"
    );
    assert!(r.contains("**Not used:** Roll back"), "{r}");
    Ok(())
}

#[test]
fn commands_updates_health_and_patterns_have_their_sections() -> TestResult {
    let md = export(Format::Markdown, false)?;
    let c = section(&md, "Commands run");
    assert!(
        c.contains("**exit 3**") && c.contains("30s") && c.contains("deployment not found"),
        "{c}"
    );
    let u = section(&md, "Status updates sent");
    assert!(
        u.contains("carol: to \\#incident (delivered): We rolled back.\\\n  Next update"),
        "{u}"
    );
    // One row an outage: when it began and ended, how bad it got.
    let h = section(&md, "Health episodes");
    assert!(
        h.contains(
            "| payments | 2026-11-24 14:00:05 | 2026-11-24 14:12:00 | 11m 55s | **down** | 2 |"
        ),
        "{h}"
    );
    let p = section(&md, "Log patterns");
    assert!(
        p.contains("| spike | error | 42.5/s | `ERROR payment <*> failed \\| code=<*>` |"),
        "{p}"
    );
    // At the time its lines name, not when it was recorded.
    assert!(p.contains("14:04:30"), "{p}");
    let t = section(&md, "Timeline");
    assert_eq!(
        t.lines().filter(|l| l.starts_with("| ")).count(),
        1 + 15,
        "{t}"
    );
    Ok(())
}

#[test]
fn the_secret_never_appears_in_any_format() -> TestResult {
    for &format in Format::ALL {
        let out = export(format, true)?;
        assert!(!out.contains(SECRET), "{format} leaks the secret");
        assert!(
            out.contains(export::REDACTED),
            "{format} shows no redaction"
        );
    }
    Ok(())
}

#[test]
fn an_injected_note_stays_text_in_markdown() -> TestResult {
    let md = export(Format::Markdown, false)?;
    assert!(
        !md.contains("<script>") && !md.contains("</td>"),
        "raw HTML in:\n{md}"
    );
    assert!(!md.contains("[x](javascript"), "a live link in:\n{md}");
    assert!(
        !md.lines().any(|l| l.starts_with("# not a heading")),
        "{md}"
    );
    let notes = section(&md, "Notes");
    assert!(
        notes.contains(
            "bob: \\</td\\>\\<script\\>alert(1)\\</script\\> \\| \\# \\[x\\](javascript:alert(1))\\\n  \\# not a heading\\\n  \\`rm -rf /\\`"
        ),
        "{notes}"
    );
    let timeline = section(&md, "Timeline");
    let row = timeline
        .lines()
        .find(|l| l.contains("alert"))
        .unwrap_or_default();
    // One row, five cells: the `|` in the note did not open a sixth.
    let unescaped = row.matches('|').count() - row.matches("\\|").count();
    assert_eq!(unescaped, 6, "{row}");
    assert!(row.contains(" ↵ "), "{row}");
    Ok(())
}

#[test]
fn an_injected_note_stays_text_in_html() -> TestResult {
    let html = export(Format::Html, false)?;
    assert!(!html.to_lowercase().contains("<script"), "script in HTML");
    assert!(html.contains("&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("href=\"javascript"));
    Ok(())
}

#[test]
fn html_is_self_contained_with_a_chart_of_health_rate_actions_and_milestones() -> TestResult {
    let html = export(Format::Html, false)?;
    let own = html
        .replace("xmlns=\"http://www.w3.org/2000/svg\"", "")
        .replace(FORMULA_ESCAPED, "");
    for remote in ["http://", "https://", "src=", "@import", "<link", "<script"] {
        assert!(!own.contains(remote), "HTML refers to {remote}");
    }
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("<svg"), "no chart");
    assert!(html.contains("fill=\"url(#hp-down)\"><title>payments: down from 2026-11-24 14:00:05"));
    assert!(
        html.contains("text-anchor=\"middle\">down</text>"),
        "no text label on a band"
    );
    assert!(
        html.contains("<title>2026-11-24 14:04:30 UTC: 42.5 lines/s [error]"),
        "the rate at the time its lines name"
    );
    assert!(html.contains("<title>detected: 2026-11-24 14:02:00 UTC</title>"));
    assert!(html.contains("<g class=\"mark k-note\"><title>2026-11-24 14:04:00 UTC bob: note: "));
    assert!(html.contains("<li class=\"undone\"><span class=\"box\">☐</span> Notify support"));
    assert!(html.contains("<h2>Impact</h2>"));
    Ok(())
}

/// The formula note holds a URL; in the HTML it is escaped text, not a reference.
const FORMULA_ESCAPED: &str = "=HYPERLINK(&quot;http://evil.example&quot;";

#[test]
fn html_without_rates_says_there_is_no_error_rate() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut w, _) = TimelineWriter::open(&dir.path().join("t.jsonl"))?;
    w.append_at(
        at(0, 0)?,
        "alice",
        Event::Note {
            text: "quiet".into(),
        },
    )?;
    w.append_at(
        at(1, 0)?,
        "alice",
        Event::Note {
            text: "still quiet".into(),
        },
    )?;
    let records = timeline::read(w.path())?.records;
    let html = export::render(
        Format::Html,
        &ExportInput {
            records: &records,
            runbooks: &[],
            secrets: &[],
            timeline_path: "t.jsonl",
            damage: &[],
            notes: &[],
        },
    );
    assert!(html.contains("No error rate recorded"));
    assert!(html.contains("No health transitions recorded."));
    Ok(())
}

#[test]
fn csv_round_trips_through_a_plain_parser_and_guards_formulas() -> TestResult {
    let csv = export(Format::Csv, false)?;
    let rows = parse_csv(&csv);
    assert_eq!(rows[0], export::CSV_COLUMNS.map(String::from).to_vec());
    assert_eq!(rows.len(), 1 + 15);
    assert!(rows.iter().all(|r| r.len() == export::CSV_COLUMNS.len()));
    let col = |name: &str| {
        export::CSV_COLUMNS
            .iter()
            .position(|c| *c == name)
            .unwrap_or(usize::MAX)
    };
    let note = rows
        .iter()
        .find(|r| r[col("seq")] == "5")
        .ok_or("no row 5")?;
    assert_eq!(note[col("kind")], "note");
    assert_eq!(note[col("actor")], "bob");
    assert_eq!(note[col("text")], INJECTED);
    let formula = rows
        .iter()
        .find(|r| r[col("seq")] == "6")
        .ok_or("no row 6")?;
    assert_eq!(formula[col("text")], format!("'{FORMULA}"));
    let finished = rows
        .iter()
        .find(|r| r[col("kind")] == "command.finished")
        .ok_or("none")?;
    assert_eq!(finished[col("exit_code")], "3");
    assert_eq!(finished[col("duration_ms")], "30000");
    assert_eq!(finished[col("ts_utc")], "2026-11-24T14:06:30.000Z");
    let spike = rows
        .iter()
        .find(|r| r[col("change")] == "spike")
        .ok_or("no spike")?;
    assert_eq!(
        spike[col("evidence")],
        "newest line at 2026-11-24T14:04:30.000Z"
    );
    Ok(())
}

#[test]
fn json_parses_with_its_schema_summary_runbooks_and_every_event() -> TestResult {
    let json: serde_json::Value = serde_json::from_str(&export(Format::Json, true)?)?;
    assert_eq!(json["schema"], export::JSON_SCHEMA);
    assert_eq!(json["schema"], "sitrep.export/1");
    assert_eq!(json["summary"]["title"], "Payments API errors");
    assert_eq!(json["summary"]["duration_ms"], 3_723_000);
    assert_eq!(json["milestones"][0]["since_start_ms"], 120_000);
    assert_eq!(json["milestones"][2]["since_previous_ms"], 2_523_000);
    let stabilize = &json["runbooks"][0];
    assert_eq!(stabilize["done"][0]["id"], "declare");
    assert_eq!(stabilize["done"][0]["by"], "alice");
    assert_eq!(stabilize["undone"][0]["id"], "notify");
    assert_eq!(stabilize["undone"][0]["unticked"], true);
    let events = json["events"].as_array().ok_or("no events")?;
    assert_eq!(events.len(), 16);
    assert_eq!(events[4]["kind"], "note");
    assert_eq!(events[4]["text"], INJECTED);
    assert_eq!(events[0]["ts"], "2026-11-24T14:00:00.000Z");
    Ok(())
}

#[test]
fn an_export_written_atomically_replaces_the_old_report_whole() -> TestResult {
    let dir = tempfile::tempdir()?;
    let target = dir.path().join("postmortem.md");
    std::fs::write(&target, "stale report\n".repeat(10_000))?;
    let md = export(Format::Markdown, true)?;
    export::write_atomic(&target, &md)?;
    assert_eq!(std::fs::read_to_string(&target)?, md);
    assert_eq!(
        std::fs::read_dir(dir.path())?.count(),
        1,
        "a temp file was left behind"
    );
    Ok(())
}

#[test]
fn milestone_labels_close_together_never_overprint() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut w, _) = TimelineWriter::open(&dir.path().join("t.jsonl"))?;
    // An hour-long chart whose three milestones fall within 20 seconds of each other.
    let marks = [
        (at(30, 0)?, Milestone::Detected),
        (at(30, 10)?, Milestone::Mitigated),
        (at(30, 20)?, Milestone::Resolved),
    ];
    w.append_at(
        at(0, 0)?,
        "alice",
        Event::Note {
            text: "start".into(),
        },
    )?;
    for (ts, name) in marks {
        w.append_at(ts, "alice", Event::Milestone { name })?;
    }
    w.append_at(at(60, 0)?, "alice", Event::Note { text: "end".into() })?;
    let records = timeline::read(w.path())?.records;
    let html = export::render(
        Format::Html,
        &ExportInput {
            records: &records,
            runbooks: &[],
            secrets: &[],
            timeline_path: "t.jsonl",
            damage: &[],
            notes: &[],
        },
    );
    // Each label on its own row: three different heights.
    let mut ys: Vec<String> = html
        .split("<g class=\"milestone\">")
        .skip(1)
        .filter_map(|g| {
            let text = &g[g.find("<text ")?..];
            let y = &text[text.find(" y=\"")? + 4..];
            Some(y[..y.find('"')?].to_string())
        })
        .collect();
    assert_eq!(ys.len(), 3, "{html}");
    ys.sort();
    ys.dedup();
    assert_eq!(ys.len(), 3, "labels share a row: {ys:?}");
    Ok(())
}

/// Three minutes of errors from the payments log and one from the ledger, summarized as the
/// cockpit records them.
fn error_minutes() -> Result<Vec<Record>, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let (mut w, _) = TimelineWriter::open(&dir.path().join("t.jsonl"))?;
    w.append_at(
        at(0, 0)?,
        "alice",
        Event::IncidentOpened {
            title: "Payments API errors".into(),
            severity: None,
        },
    )?;
    let minute = |source: &str, m: i64, errors: u64, busiest: &str| Event::ErrorMinute {
        source: source.into(),
        minute: at(m, 0).unwrap_or_default(),
        errors,
        lines: errors * 4,
        peak_per_s: (errors / 30) as u32,
        busiest: busiest.into(),
        busiest_errors: errors / 2,
        partial: false,
    };
    let timeout = "provider call failed: upstream timeout after <*>";
    w.append_at(at(2, 5)?, "sitrep", minute("payments-api", 1, 120, timeout))?;
    w.append_at(at(3, 5)?, "sitrep", minute("payments-api", 2, 312, timeout))?;
    w.append_at(at(3, 6)?, "sitrep", minute("ledger", 2, 6, ""))?;
    w.append_at(
        at(3, 30)?,
        "alice",
        Event::Note {
            text: "rolling back".into(),
        },
    )?;
    w.append_at(
        at(4, 5)?,
        "sitrep",
        minute("payments-api", 3, 30, "card declined <*>"),
    )?;
    Ok(timeline::read(w.path())?.records)
}

/// A minute summed in part as one session closed, then whole by the next: the export counts the
/// whole.
#[test]
fn a_minute_summed_in_part_then_whole_counts_as_the_whole() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut w, _) = TimelineWriter::open(&dir.path().join("t.jsonl"))?;
    w.append_at(
        at(0, 0)?,
        "alice",
        Event::IncidentOpened {
            title: "Payments API errors".into(),
            severity: None,
        },
    )?;
    let minute = |errors: u64, lines: u64, partial: bool| Event::ErrorMinute {
        source: "payments-api".into(),
        minute: at(1, 0).unwrap_or_default(),
        errors,
        lines,
        peak_per_s: 1,
        busiest: String::new(),
        busiest_errors: 0,
        partial,
    };
    w.append_at(at(1, 28)?, "sitrep", minute(4, 21, true))?;
    w.append_at(at(2, 5)?, "sitrep", minute(16, 80, false))?;
    let records = timeline::read(w.path())?.records;
    let line = std::fs::read_to_string(w.path())?;
    assert!(line.contains(r#""partial":true"#), "{line}");
    let input = ExportInput {
        records: &records,
        runbooks: &[],
        secrets: &[],
        timeline_path: "t.jsonl",
        damage: &[],
        notes: &[],
    };
    let md = export::render(Format::Markdown, &input);
    let errors = section(&md, "Errors over time");
    assert!(errors.contains("(1 in all)"), "{errors}");
    assert!(
        errors.contains("| 2026-11-24 14:01 | payments-api | 16 | 20% |"),
        "{errors}"
    );
    Ok(())
}

#[test]
fn error_rate_summaries_make_their_own_section_and_the_charts_rate_not_timeline_rows() -> TestResult
{
    let records = error_minutes()?;
    let input = ExportInput {
        records: &records,
        runbooks: &[],
        secrets: &[],
        timeline_path: "t.jsonl",
        damage: &[],
        notes: &[],
    };
    let md = export::render(Format::Markdown, &input);
    let errors = section(&md, "Errors over time");
    assert!(errors.contains("(4 in all)"), "{errors}");
    assert!(
        errors.contains("| payments-api | 3 | 2026-11-24 14:01 – 2026-11-24 14:03 | 462 | 2026-11-24 14:02: 312 (5.2/s, 10/s at peak) | `provider call failed: upstream timeout after <*>` ×216 |"),
        "{errors}"
    );
    assert!(errors.contains("| ledger | 1 |"), "{errors}");
    assert!(
        errors.contains("| 2026-11-24 14:02 | payments-api | 312 | 25% | 5.2/s, 10/s at peak |"),
        "{errors}"
    );
    let timeline = section(&md, "Timeline");
    assert!(!timeline.contains("errors in the minute"), "{timeline}");
    assert!(
        timeline.contains("The 4 error-rate summaries"),
        "{timeline}"
    );
    assert!(timeline.contains("note: rolling back"), "{timeline}");
    let html = export::render(Format::Html, &input);
    assert_eq!(
        html.matches("<rect class=\"errmin\"").count(),
        3,
        "one bar a minute, sources summed"
    );
    assert!(
        html.contains("payments-api 312 errors (5.2/s, 10/s at peak, mostly provider call failed")
    );
    assert!(!html.contains("No error rate recorded"));
    let csv = export::render(Format::Csv, &input);
    let rows = parse_csv(&csv);
    let kind = rows[0].iter().position(|c| c == "kind").unwrap_or(0);
    let rate = rows[0].iter().position(|c| c == "rate").unwrap_or(0);
    let summaries: Vec<&Vec<String>> = rows.iter().filter(|r| r[kind] == "log.errors").collect();
    assert_eq!(summaries.len(), 4, "every event is a CSV row");
    assert_eq!(summaries[1][rate], "5.2");
    Ok(())
}

#[test]
fn a_new_pattern_the_tool_retracted_is_no_finding_but_stays_struck_in_the_timeline() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("incident.jsonl");
    let (mut w, _) = TimelineWriter::open(&path)?;
    w.append(
        "ana",
        Event::IncidentOpened {
            title: "Card payments failing".into(),
            severity: None,
        },
    )?;
    let new = |template: &str| Event::Pattern {
        change: PatternChange::New,
        template: template.into(),
        level: Some(Level::Error),
        rate: None,
        seen_at: None,
        observer: String::new(),
    };
    w.append(timeline::TOOL_ACTOR, new("card declined by visa gateway"))?;
    let false_new = w.append(timeline::TOOL_ACTOR, new("card declined by amex gateway"))?;
    w.append(
        timeline::TOOL_ACTOR,
        Event::Correction {
            retracts: false_new.record.seq,
            was: "new pattern: card declined by amex gateway".into(),
            reason: "not a new pattern: merged into the older pattern #1".into(),
        },
    )?;
    drop(w);
    let report = timeline::read(&path)?;
    let runbooks = runbooks()?;
    let md = export::render(
        Format::Markdown,
        &ExportInput {
            records: &report.records,
            runbooks: &runbooks,
            secrets: &[],
            timeline_path: &path.display().to_string(),
            damage: &[],
            notes: &[],
        },
    );
    let patterns = section(&md, "Log patterns");
    assert!(patterns.contains("visa"), "{patterns}");
    assert!(!patterns.contains("amex"), "{patterns}");
    assert!(
        md.contains("~~new pattern: card declined by amex gateway~~ retracted by sitrep"),
        "{md}"
    );
    // The impact began with the standing one, named as plain text (Markdown cells are escaped,
    // so a code span had shown its backticks).
    let durations = section(&md, "Durations");
    assert!(
        durations.contains("new error pattern: card declined by visa gateway |"),
        "{durations}"
    );
    Ok(())
}
