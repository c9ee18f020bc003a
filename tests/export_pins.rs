//! Pinned log lines in the postmortem: what a reader of each export sees. The timeline is written by
//! the real writer in a temp folder; a line edited by hand is checked through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use chrono::{DateTime, TimeDelta, Utc};
use sitrep::export::{self, ExportInput, Format};
use sitrep::timeline::{self, Event, Health, Record, TimelineWriter};

const TOKEN: &str = "tok-51c0ffee-9a8b";
const FAILED: &str = "ERROR request failed req_id=cff91303 customer=c-1042 status=500";
const RETRY: &str = "WARN retry | `batch` <b>7</b>";
const ORPHAN: &str = "ERROR request failed req_id=0a1b2c3d status=500";

fn at(seconds: i64, millis: i64) -> DateTime<Utc> {
    let t0 = DateTime::parse_from_rfc3339("2026-11-24T14:00:00Z").unwrap();
    t0.with_timezone(&Utc) + TimeDelta::seconds(seconds) + TimeDelta::milliseconds(millis)
}

/// An incident with a health event (#2), a note (#3), a pin citing #2 (#4), a pin citing nothing
/// with its own line time (#5), a pin citing a missing #99 (#6), and a pin holding a token (#7).
fn write(path: &Path) -> Vec<Record> {
    let (mut w, _) = TimelineWriter::open(path).unwrap();
    let events = [
        (
            "alice",
            Event::IncidentOpened {
                title: "Checkout fails".into(),
                severity: None,
            },
        ),
        (
            "sitrep",
            Event::HealthChanged {
                endpoint: "payments-api".into(),
                from: Health::Up,
                to: Health::Down,
                status: Some(500),
                latency_ms: Some(12),
                evidence: String::new(),
                since: None,
                episode: None,
                observer: String::new(),
            },
        ),
        (
            "alice",
            Event::Note {
                text: "reading the log".into(),
            },
        ),
        (
            "alice",
            Event::pinned(
                "payments-api".into(),
                at(41, 520),
                None,
                FAILED.into(),
                Some(2),
            ),
        ),
        (
            "bob",
            Event::pinned(
                "ledger".into(),
                at(54, 870),
                Some(at(54, 861)),
                RETRY.into(),
                None,
            ),
        ),
        (
            "alice",
            Event::pinned(
                "payments-api".into(),
                at(62, 0),
                None,
                ORPHAN.into(),
                Some(99),
            ),
        ),
        (
            "alice",
            Event::pinned(
                "auth".into(),
                at(70, 0),
                None,
                format!("DEBUG Authorization: Bearer {TOKEN}"),
                None,
            ),
        ),
    ];
    for (i, (actor, event)) in events.into_iter().enumerate() {
        w.append_at(at(i as i64 * 10, 0), actor, event).unwrap();
    }
    let report = timeline::read(path).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    report.records
}

fn render(format: Format, records: &[Record]) -> String {
    export::render(
        format,
        &ExportInput {
            records,
            runbooks: &[],
            secrets: &[TOKEN.to_string()],
            timeline_path: "incident.jsonl",
            damage: &[],
            notes: &[],
        },
    )
}

fn export_of(format: Format) -> String {
    let dir = tempfile::tempdir().unwrap();
    render(format, &write(&dir.path().join("incident.jsonl")))
}

fn sha256_of(records: &[Record], seq: u64) -> String {
    match &records[seq as usize - 1].event {
        Event::LinePinned { sha256, .. } => sha256.clone(),
        other => panic!("#{seq} is {other:?}"),
    }
}

/// The rows of the Markdown timeline table, from the one of event `#first` on.
fn md_rows_from(md: &str, first: u64) -> Vec<&str> {
    let table = &md[md.find("\n## Timeline\n").unwrap()..];
    table
        .lines()
        .skip_while(|l| !l.starts_with(&format!("| {first} |")))
        .collect()
}

#[test]
fn a_pinned_line_is_quoted_in_markdown_right_under_the_event_it_cites() {
    let dir = tempfile::tempdir().unwrap();
    let records = write(&dir.path().join("incident.jsonl"));
    let md = render(Format::Markdown, &records);
    let rows = md_rows_from(&md, 2);
    assert!(rows[0].contains("payments-api: up → down"), "{md}");
    let hash = sha256_of(&records, 4);
    assert_eq!(
        rows[1],
        format!(
            "| 4 | 2026-11-24 14:00:30 | 2026-11-24 14:00:30 +00:00 | alice | ↳ evidence for \\#2: pinned \
             payments-api line, read 2026-11-24 14:00:41.520 UTC, sha256 `{}`: `{FAILED}` |",
            &hash[..12]
        )
    );
    assert!(rows[2].starts_with("| 3 |"), "the note follows: {md}");
    assert_eq!(md.matches(FAILED).count(), 1, "quoted once, under #2: {md}");
}

#[test]
fn a_pinned_line_is_quoted_in_html_right_under_the_event_it_cites() {
    let html = export_of(Format::Html);
    let rows: Vec<&str> = html
        .lines()
        .skip_while(|l| !l.starts_with("<tr><td>2</td>"))
        .collect();
    assert!(rows[0].contains("payments-api: up → down"), "{html}");
    assert!(rows[1].starts_with("<tr><td>4</td>"), "{}", rows[1]);
    assert!(
        rows[1].contains(
            "↳ evidence for #2: pinned payments-api line, read 2026-11-24 14:00:41.520 UTC, sha256 <code>"
        ),
        "{}",
        rows[1]
    );
    assert!(
        rows[1].contains(&format!("<code>{FAILED}</code>")),
        "{}",
        rows[1]
    );
    assert!(rows[2].starts_with("<tr><td>3</td>"), "{}", rows[2]);
}

#[test]
fn a_pinned_line_citing_nothing_is_its_own_entry_at_its_line_time() {
    let md = export_of(Format::Markdown);
    let row = md_rows_from(&md, 5)[0];
    assert!(
        row.contains("| bob | pinned ledger line, line time 2026-11-24 14:00:54.861 UTC, sha256 `"),
        "{row}"
    );
    // Backticks inside widen the fence; `|` is escaped so the cell holds; the tag stays literal.
    assert!(
        row.ends_with(": ``WARN retry \\| `batch` <b>7</b>`` |"),
        "{row}"
    );
    let html = export_of(Format::Html);
    assert!(
        html.contains("<code>WARN retry | `batch` &lt;b&gt;7&lt;/b&gt;</code>"),
        "{html}"
    );
}

#[test]
fn a_pinned_line_citing_a_missing_event_is_its_own_entry_that_says_so() {
    let md = export_of(Format::Markdown);
    let row = md_rows_from(&md, 6)[0];
    assert!(
        row.contains(&format!(
            "`{ORPHAN}` (it cites event \\#99, which is missing from this timeline) |"
        )),
        "{row}"
    );
    assert!(
        export_of(Format::Html)
            .contains("(it cites event #99, which is missing from this timeline)")
    );
}

#[test]
fn the_json_export_carries_every_field_of_a_pinned_line() {
    let dir = tempfile::tempdir().unwrap();
    let records = write(&dir.path().join("incident.jsonl"));
    let doc: serde_json::Value = serde_json::from_str(&render(Format::Json, &records)).unwrap();
    let event = &doc["events"][4];
    assert_eq!(event["kind"], "log.pinned");
    assert_eq!(event["source"], "ledger");
    assert_eq!(event["read_at"], "2026-11-24T14:00:54.870Z");
    assert_eq!(event["line_time"], "2026-11-24T14:00:54.861Z");
    assert_eq!(event["text"], RETRY);
    assert_eq!(event["sha256"], sha256_of(&records, 5));
    assert_eq!(doc["events"][3]["cites"], 2);
    let pins = doc["pinned_lines"].as_array().unwrap();
    let summary: Vec<(u64, &str, bool, bool)> = pins
        .iter()
        .map(|p| {
            (
                p["seq"].as_u64().unwrap(),
                p["placement"].as_str().unwrap(),
                p["text_matches_sha256"].as_bool().unwrap(),
                p["text_redacted"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (4, "under", true, false),
            (5, "alone", true, false),
            (6, "missing", true, false),
            (7, "alone", true, true),
        ]
    );
}

#[test]
fn the_csv_export_puts_a_pinned_line_in_source_text_evidence_and_status() {
    let dir = tempfile::tempdir().unwrap();
    let records = write(&dir.path().join("incident.jsonl"));
    let csv = render(Format::Csv, &records);
    let col = |name: &str| export::CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
    let row: Vec<&str> = csv.split("\r\n").nth(4).unwrap().split(',').collect();
    assert_eq!(row[col("kind")], "log.pinned");
    assert_eq!(row[col("source")], "payments-api");
    assert_eq!(row[col("text")], FAILED);
    assert_eq!(
        row[col("evidence")],
        format!(
            "read 2026-11-24T14:00:41.520Z; cites #2; sha256 {}",
            sha256_of(&records, 4)
        )
    );
    assert_eq!(row[col("status")], "text matches sha256");
}

#[test]
fn a_secret_in_a_pinned_line_is_redacted_in_every_format_and_the_export_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let records = write(&dir.path().join("incident.jsonl"));
    for &format in Format::ALL {
        let out = render(format, &records);
        assert!(!out.contains(TOKEN), "{format} leaks the token");
        assert!(
            out.contains(&format!("Bearer {}", export::REDACTED)),
            "{format}"
        );
    }
    let md = render(Format::Markdown, &records);
    let row = md_rows_from(&md, 7)[0];
    assert!(
        row.ends_with(
            "(secrets in the text were redacted for this export; the sha256 is of the text as recorded) |"
        ),
        "{row}"
    );
}

fn sitrep(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .output()
        .unwrap()
}

#[test]
fn a_pinned_line_edited_after_it_was_pinned_fails_verify_and_is_marked_in_the_export() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.jsonl");
    write(&path);
    // Someone changed the quote and sealed the line again, so only the pin's own hash can tell.
    let (mut w, _) = TimelineWriter::open(&path).unwrap();
    let Event::LinePinned { sha256, .. } = Event::pinned(
        "payments-api".into(),
        at(80, 0),
        None,
        FAILED.into(),
        Some(2),
    ) else {
        unreachable!()
    };
    let edited = Event::LinePinned {
        source: "payments-api".into(),
        read_at: at(80, 0),
        line_time: None,
        text: FAILED.replace("status=500", "status=200"),
        sha256,
        cites: Some(2),
    };
    w.append_at(at(90, 0), "mallory", edited).unwrap();
    drop(w);

    let out = sitrep(dir.path(), &["verify", "incident.jsonl"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("incident.jsonl: line 8 (byte ")
            && said.contains("): pinned log line: its text does not match its sha256"),
        "{said}"
    );

    let out = sitrep(dir.path(), &["export", "-f", "md", "-t", "incident.jsonl"]);
    assert!(out.status.success());
    let warned = String::from_utf8_lossy(&out.stderr);
    assert!(
        warned.contains("its text does not match its sha256"),
        "{warned}"
    );
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.contains("1 pinned log line(s) no longer match their sha256 and are marked ⚠"),
        "{md}"
    );
    let row = md
        .lines()
        .find(|l| l.starts_with("| 8 |"))
        .unwrap_or_default();
    assert!(
        row.contains("status=200` (⚠ the text does not match its sha256: it was edited after it was pinned) |"),
        "{row}"
    );
}
