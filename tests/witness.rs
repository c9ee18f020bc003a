//! What `sitrep verify` proves with a witness and without one: a chain alone cannot show a cut tail
//! or a chain rewritten from an edit on (its hashes are unkeyed), a head held elsewhere can: the
//! sidecar `<timeline>.head` the writer keeps, a head given on the command line, or every head in a
//! status update as sent or an export.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

use chrono::{TimeZone, Utc};
use sitrep::timeline::{Event, TimelineWriter, chain::seal};

fn sitrep(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(args)
        .current_dir(dir)
        .env("USER", "alice")
        .output()
        .unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A timeline of 30 notes written by the real writer (which keeps the sidecar).
fn thirty(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("t.jsonl");
    let (mut w, _) = TimelineWriter::open(&path).unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap();
    for i in 0..30 {
        let text = format!("note {i}");
        w.append_at(
            t0 + chrono::TimeDelta::seconds(i),
            "alice",
            Event::Note { text },
        )
        .unwrap();
    }
    path
}

/// The head `sitrep export` prints, as `head #N sha256:…`.
fn exported_head(dir: &Path) -> String {
    let md = out(&sitrep(dir, &["export", "-f", "md", "-t", "t.jsonl"]));
    let at = md.find("head #").expect("the export carries the head");
    md[at..].split('`').next().unwrap().to_string()
}

#[test]
fn a_tail_cut_at_a_line_boundary_is_seen_by_the_sidecar_and_by_a_witness() {
    let dir = tempfile::tempdir().unwrap();
    let path = thirty(dir.path());
    let head = exported_head(dir.path());
    assert!(head.starts_with("head #30 sha256:"), "{head}");
    std::fs::write(
        dir.path().join("update.txt"),
        format!("All good.\n\n— sitrep {head}\n"),
    )
    .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text.lines().take(10).collect();
    std::fs::write(&path, format!("{}\n", kept.join("\n"))).unwrap();

    let v = sitrep(dir.path(), &["verify", "t.jsonl"]);
    assert_eq!(v.status.code(), Some(1), "{}", out(&v));
    assert!(
        out(&v).contains("cut after seq 10: t.jsonl.head says the file reached #30"),
        "{}",
        out(&v)
    );
    // Without the sidecar (someone removed it too), the witness still sees the cut.
    std::fs::remove_file(dir.path().join("t.jsonl.head")).unwrap();
    let bare = sitrep(dir.path(), &["verify", "t.jsonl"]);
    assert_eq!(bare.status.code(), Some(0));
    assert!(
        out(&bare)
            .contains("no witness head given, so a cut tail or a rewritten chain would not show"),
        "{}",
        out(&bare)
    );
    let witnessed = sitrep(
        dir.path(),
        &["verify", "t.jsonl", "--head-from", "update.txt"],
    );
    assert_eq!(witnessed.status.code(), Some(1));
    assert!(
        out(&witnessed).contains("cut after seq 10: the witness saw #30 but the file ends at #10"),
        "{}",
        out(&witnessed)
    );
}

#[test]
fn a_chain_rewritten_from_an_edit_on_verifies_alone_but_not_against_a_head() {
    let dir = tempfile::tempdir().unwrap();
    let path = thirty(dir.path());
    let head = exported_head(dir.path());
    let hash16 = &head["head #30 sha256:".len()..][..16];
    // Line 10's note is changed and every later hash recomputed, as an unkeyed chain allows.
    let report = sitrep::timeline::read(&path).unwrap();
    let mut text = String::new();
    let mut prev = String::new();
    for r in report.records {
        let event = if r.seq == 10 {
            Event::Note {
                text: "nothing happened".into(),
            }
        } else {
            r.event
        };
        let (line, record) = seal(r.seq, r.ts, &r.actor, event, &prev).unwrap();
        prev = record.hash;
        text.push_str(&line);
    }
    std::fs::write(&path, text).unwrap();
    std::fs::remove_file(dir.path().join("t.jsonl.head")).unwrap();

    let alone = sitrep(dir.path(), &["verify", "t.jsonl"]);
    assert_eq!(
        alone.status.code(),
        Some(0),
        "the chain alone cannot tell: {}",
        out(&alone)
    );
    let head_arg = format!("30:{hash16}");
    let against = sitrep(dir.path(), &["verify", "t.jsonl", "--head", &head_arg]);
    assert_eq!(against.status.code(), Some(1));
    assert!(
        out(&against).contains("#30 is not the event the witness saw"),
        "{}",
        out(&against)
    );
    let short = sitrep(dir.path(), &["verify", "t.jsonl", "--head", "30:abc"]);
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("16 to 64 hex digits"));
}

#[test]
fn an_intact_file_reaches_every_head_it_ever_showed() {
    let dir = tempfile::tempdir().unwrap();
    thirty(dir.path());
    let head = exported_head(dir.path());
    std::fs::write(dir.path().join("old.md"), format!("… {head} …")).unwrap();
    // More is written after the export: the file still reaches the older head.
    sitrep(dir.path(), &["note", "-t", "t.jsonl", "later"]);
    let v = sitrep(dir.path(), &["verify", "t.jsonl", "--head-from", "old.md"]);
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));
    assert!(
        out(&v).contains(&format!("reaches {}", &head[..30])),
        "{}",
        out(&v)
    );
    assert!(
        out(&v).contains("ok: 31 events, chain intact, head #31"),
        "{}",
        out(&v)
    );
}

/// A CSV export is a witness too: its last row's `seq` and `sha256` are the head.
#[test]
fn a_csv_export_is_a_witness_by_its_last_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = thirty(dir.path());
    let csv = out(&sitrep(
        dir.path(),
        &["export", "-f", "csv", "-t", "t.jsonl"],
    ));
    std::fs::write(dir.path().join("sent.csv"), &csv).unwrap();
    let ok = sitrep(
        dir.path(),
        &["verify", "t.jsonl", "--head-from", "sent.csv"],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", out(&ok));
    assert!(
        out(&ok).contains("reaches head #30 sha256:"),
        "{}",
        out(&ok)
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text.lines().take(25).collect();
    std::fs::write(&path, format!("{}\n", kept.join("\n"))).unwrap();
    std::fs::remove_file(dir.path().join("t.jsonl.head")).unwrap();
    let cut = sitrep(
        dir.path(),
        &["verify", "t.jsonl", "--head-from", "sent.csv"],
    );
    assert_eq!(cut.status.code(), Some(1));
    assert!(
        out(&cut).contains("cut after seq 25: the witness saw #30"),
        "{}",
        out(&cut)
    );
}
