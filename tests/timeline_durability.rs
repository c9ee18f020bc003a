//! The timeline as a record a team can trust after a crash: real files, the real binary, real kills.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sitrep::timeline::{self, Event, TimelineWriter};

fn sitrep() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sitrep"))
}

fn new_incident(path: &Path) {
    let (mut w, _) = TimelineWriter::open(path).unwrap();
    w.append(
        "alice",
        Event::IncidentOpened {
            title: "t".into(),
            severity: None,
        },
    )
    .unwrap();
}

/// A shell loop that appends notes with the real binary and prints `ack N` after each one returned.
fn burst(path: &Path, tag: &str, count: usize) -> std::process::Child {
    let script = format!(
        "for i in $(seq 1 {count}); do \"$0\" note --timeline \"$1\" --actor {tag} \"{tag} $i\" >/dev/null && echo \"ack $i\"; done"
    );
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_sitrep"))
        .arg(path)
        .stdout(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap()
}

use std::os::unix::process::CommandExt;

#[test]
fn kill_9_mid_burst_loses_no_acknowledged_event_and_the_chain_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.jsonl");
    new_incident(&path);
    let mut acked = Vec::new();
    // Pseudo-random kill moments, reproducible.
    let mut seed: u64 = 0x5EED;
    for round in 0..30 {
        let tag = format!("r{round}");
        let mut child = burst(&path, &tag, 1000);
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let wait = Duration::from_millis(20 + (seed >> 33) % 150);
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<String>>()
        });
        std::thread::sleep(wait);
        // Kill the whole group: the shell and the `sitrep note` it is running right now.
        let pgid = child.id();
        assert!(pgid > 1);
        Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{pgid}")])
            .status()
            .unwrap();
        let _ = child.wait();
        for line in reader.join().unwrap() {
            if let Some(n) = line.strip_prefix("ack ") {
                acked.push(format!("{tag} {n}"));
            }
        }
    }
    assert!(!acked.is_empty(), "no append was acknowledged in 30 rounds");
    let report = timeline::read(&path).unwrap();
    let notes: Vec<String> = report
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::Note { text } => Some(text.clone()),
            _ => None,
        })
        .collect();
    for a in &acked {
        assert!(notes.contains(a), "acknowledged `{a}` is missing");
    }
    // Reopening sets aside anything torn; after that the chain must be whole.
    TimelineWriter::open(&path).unwrap();
    let v = timeline::verify(&path).unwrap();
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    assert!(
        v.events > acked.len(),
        "{} events, {} acked",
        v.events,
        acked.len()
    );
}

#[test]
fn two_processes_appending_at_once_keep_one_unbroken_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.jsonl");
    new_incident(&path);
    let a = burst(&path, "a", 40);
    let b = burst(&path, "b", 40);
    let deadline = Instant::now() + Duration::from_secs(120);
    for mut child in [a, b] {
        while child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "appenders did not finish");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let v = timeline::verify(&path).unwrap();
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    assert_eq!(v.events, 81);
    let seqs: Vec<u64> = timeline::read(&path)
        .unwrap()
        .records
        .iter()
        .map(|r| r.seq)
        .collect();
    assert_eq!(seqs, (1..=81).collect::<Vec<u64>>());
}

#[test]
fn a_cut_at_any_byte_of_the_last_line_is_recovered_and_nothing_before_it_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.jsonl");
    new_incident(&path);
    {
        let (mut w, _) = TimelineWriter::open(&path).unwrap();
        for i in 0..3 {
            w.append(
                "alice",
                Event::Note {
                    text: format!("n{i}"),
                },
            )
            .unwrap();
        }
    }
    let full = std::fs::read(&path).unwrap();
    let last_start = full[..full.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap()
        + 1;
    for cut in last_start..full.len() {
        let copy = dir.path().join(format!("cut-{cut}.jsonl"));
        std::fs::write(&copy, &full[..cut]).unwrap();
        let (mut w, report) = TimelineWriter::open(&copy).unwrap();
        assert_eq!(
            report.records.len(),
            3,
            "cut at {cut}: the three whole lines survive"
        );
        if cut > last_start {
            let (torn, aside) = report.torn.clone().expect("a torn line is reported");
            assert_eq!(torn.offset, last_start as u64);
            assert!(aside.exists());
        }
        // The file continues from the last good line.
        w.append(
            "alice",
            Event::Note {
                text: "after".into(),
            },
        )
        .unwrap();
        let v = timeline::verify(&copy).unwrap();
        assert!(v.problems.is_empty(), "cut at {cut}: {:?}", v.problems);
        assert_eq!(v.events, 4);
    }
}

#[test]
fn verify_finds_a_flipped_byte_and_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.jsonl");
    new_incident(&path);
    {
        let (mut w, _) = TimelineWriter::open(&path).unwrap();
        for i in 0..4 {
            w.append(
                "alice",
                Event::Note {
                    text: format!("note number {i}"),
                },
            )
            .unwrap();
        }
    }
    let ok = sitrep().args(["verify"]).arg(&path).output().unwrap();
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("ok: 5 events, chain intact"));

    let mut bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    let at = text.find("note number 2").unwrap() + "note number ".len();
    bytes[at] = b'7';
    std::fs::write(&path, &bytes).unwrap();
    let bad = sitrep().args(["verify"]).arg(&path).output().unwrap();
    let out = String::from_utf8_lossy(&bad.stdout);
    assert_eq!(bad.status.code(), Some(1), "{out}");
    assert!(out.contains("line 4"), "{out}");
    assert!(out.contains("hash mismatch"), "{out}");
}

#[test]
fn removing_a_line_is_detected_by_verify() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.jsonl");
    new_incident(&path);
    {
        let (mut w, _) = TimelineWriter::open(&path).unwrap();
        for i in 0..3 {
            w.append(
                "alice",
                Event::Note {
                    text: format!("n{i}"),
                },
            )
            .unwrap();
        }
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != 2)
        .map(|(_, l)| l)
        .collect();
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    let out = sitrep().args(["verify"]).arg(&path).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains("line 3") && stdout.contains("chain broken"),
        "{stdout}"
    );
}

#[test]
fn note_from_stdin_is_recorded_with_the_given_actor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.jsonl");
    new_incident(&path);
    let mut child = sitrep()
        .args(["note", "--actor", "deploybot", "--timeline"])
        .arg(&path)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"deployed v2.15.0 to prod\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let last = timeline::read(&path).unwrap().records.pop().unwrap();
    assert_eq!(last.actor, "deploybot");
    assert_eq!(
        last.event,
        Event::Note {
            text: "deployed v2.15.0 to prod".into()
        }
    );
}

#[test]
fn a_torn_tail_is_not_cut_off_while_another_process_reads_under_a_shared_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    new_incident(&path);
    let (mut watcher, _) = TimelineWriter::open(&path).unwrap();
    // Another writer died mid-line.
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"{\"seq\":2,\"ts\":\"2026-").unwrap();
    }
    let len = std::fs::metadata(&path).unwrap().len();
    let reader = std::fs::File::open(&path).unwrap();
    reader.lock_shared().unwrap();
    let polling = std::thread::spawn(move || watcher.poll().map(|r| r.torn.is_some()));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        len,
        "the file shrank under a reader's shared lock"
    );
    reader.unlock().unwrap();
    assert!(
        polling.join().unwrap().unwrap(),
        "the torn tail is reported"
    );
    assert!(std::fs::metadata(&path).unwrap().len() < len);
}

/// A write that succeeds long after what it records (retried after a full disk) keeps `ts` as when
/// it happened and says when it was written; one written at once says nothing more. The export
/// puts it where it happened and marks it.
#[test]
fn a_late_write_keeps_when_it_happened_and_says_when_it_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.jsonl");
    new_incident(&path);
    let (mut w, _) = TimelineWriter::open(&path).unwrap();
    // Milliseconds, as the file holds them.
    let ticked =
        chrono::SubsecRound::trunc_subsecs(chrono::Utc::now() - chrono::TimeDelta::seconds(17), 3);
    let note = |text: &str| timeline::Event::Note { text: text.into() };
    w.append("alice", note("written at once")).unwrap();
    let late = w
        .append_happened(ticked, "alice", note("made 17 s ago"))
        .unwrap()
        .record;
    assert_eq!(late.ts, ticked);
    let written = late.written.expect("a late write says when it was written");
    assert!(written - ticked >= chrono::TimeDelta::seconds(17));
    let prompt = w
        .append_happened(chrono::Utc::now(), "alice", note("now"))
        .unwrap()
        .record;
    assert_eq!(prompt.written, None);
    let v = timeline::verify(&path).unwrap();
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    let report = timeline::read(&path).unwrap();
    assert_eq!(
        report.records[2].written,
        Some(written),
        "read back as written"
    );
    let render = |format| {
        sitrep::export::render(
            format,
            &sitrep::export::ExportInput {
                records: &report.records,
                runbooks: &[],
                secrets: &[],
                timeline_path: "incident.jsonl",
                damage: &[],
                notes: &[],
            },
        )
    };
    let md = render(sitrep::export::Format::Markdown);
    let table = &md[md.find("## Timeline").unwrap()..];
    let at_once = table.find("note: written at once").unwrap();
    let made = table.find("note: made 17 s ago").unwrap();
    assert!(made < at_once, "sorted by when it happened:\n{table}");
    assert!(table.contains(" late) |"), "{table}");
    let csv = render(sitrep::export::Format::Csv);
    let late_row = csv.lines().find(|l| l.contains("made 17 s ago")).unwrap();
    let written_at = written.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    assert!(late_row.contains(&written_at), "{late_row}");
}

/// A tmpfs mounted here for the test; unmounted when dropped.
struct SmallDisk(std::path::PathBuf);

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A real full disk (a 32 KiB tmpfs): notes are refused whole, nothing half-written stays, the chain
/// verifies, and a new incident that cannot be written leaves no empty file. Mounting needs root;
/// where it is refused the test says why and checks nothing (`RLIMIT_FSIZE` covers the same paths in
/// `tests/cli.rs` without a mount).
#[test]
fn a_full_disk_refuses_whole_lines_and_leaves_no_phantom_incident() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("disk");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=32k", "tmpfs"])
        .arg(&mnt)
        .output();
    match mounted {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            eprintln!(
                "skipped: cannot mount a tmpfs here ({}); tests/cli.rs covers a failed write with RLIMIT_FSIZE",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return;
        }
        Err(e) => {
            eprintln!("skipped: no mount command ({e})");
            return;
        }
    }
    let _disk = SmallDisk(mnt.clone());
    let sitrep = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_sitrep"))
            .args(args)
            .current_dir(&mnt)
            .env("USER", "alice")
            .output()
            .unwrap()
    };
    let started = sitrep(&["new", "--dir", ".", "payments", "down"]);
    assert!(started.status.success());
    let file = String::from_utf8_lossy(&started.stdout).trim().to_string();
    let note = "x".repeat(3000);
    let mut refused = None;
    for _ in 0..64 {
        let out = sitrep(&["note", "-t", &file, &note]);
        if !out.status.success() {
            refused = Some(String::from_utf8_lossy(&out.stderr).into_owned());
            break;
        }
    }
    let refused = refused.expect("the disk filled up");
    assert!(refused.contains("No space left on device"), "{refused}");
    assert!(refused.contains("NOT recorded"), "{refused}");
    let v = timeline::verify(&mnt.join(&file)).unwrap();
    assert!(v.problems.is_empty(), "no half line left: {:?}", v.problems);
    let phantom = sitrep(&["new", "--dir", ".", "another"]);
    assert_eq!(phantom.status.code(), Some(2));
    let timelines = std::fs::read_dir(&mnt)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
        .count();
    assert_eq!(timelines, 1, "no empty timeline left by the failed start");
}
