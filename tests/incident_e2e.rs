//! A whole incident in the real binary, in a real pseudo-terminal: what the responder sees at each
//! step, what the timeline file holds at the end, and a terminal that is resized in a storm.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pty;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pty::Tty;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(30);

fn demo(dir: &Path, fail_after: &str) -> Vec<String> {
    let d = dir.to_str().expect("a UTF-8 temp path").to_string();
    [
        "demo",
        "--dir",
        &d,
        "--fail-after",
        fail_after,
        "--actor",
        "tester",
    ]
    .map(String::from)
    .to_vec()
}

fn spawn(args: &[String], cwd: &Path, cols: u16, rows: u16) -> Tty {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Tty::spawn(&args, cwd, cols, rows)
}

fn timeline_in(dir: &Path) -> PathBuf {
    let start = Instant::now();
    loop {
        if let Some(p) = sitrep::timeline::newest_in(dir) {
            return p;
        }
        assert!(start.elapsed() < WAIT, "no timeline in {}", dir.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn has_all_panels(s: &str) -> bool {
    ["1 Logs", "2 Health", "3 Runbook", "4 Timeline"]
        .iter()
        .all(|t| s.contains(t))
}

/// The health panel row of the payments API once it has left `up`: symbol and state word agree.
fn payments_not_up(s: &str) -> bool {
    s.lines().any(|l| {
        [("✖", "DOWN"), ("⏸", "THROTTLED"), ("▲", "DEGRADED")]
            .iter()
            .any(|(sym, word)| l.contains(&format!("{sym} payments-api")) && l.contains(word))
    })
}

fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l}: {e}")))
        .collect()
}

#[test]
fn a_whole_incident_from_first_alert_to_mitigated() {
    let dir = tempfile::tempdir().unwrap();
    let mut tty = spawn(&demo(dir.path(), "2s"), dir.path(), 120, 40);

    tty.wait_for("the four panels and the footer", WAIT, |s| {
        has_all_panels(s) && s.lines().last().is_some_and(|l| l.contains("q quit"))
    });
    tty.wait_for("healthy traffic in the log", WAIT, |s| {
        s.contains("INFO  request method=")
    });

    // The payments API goes down: the health panel shows it, the timeline panel shows the tool saw it.
    tty.wait_for(
        "payments-api down in health, `up →` in timeline",
        WAIT,
        |s| payments_not_up(s) && s.contains("⚙ payments-api: up → "),
    );

    // Two stabilize steps, ticked from the runbook panel (focused at start).
    tty.send(" ");
    tty.wait_for("the first step ticked", WAIT, |s| {
        s.contains("[x] Declare the incident")
    });
    tty.send("j ");
    tty.wait_for(
        "the second step ticked and counted in the header",
        WAIT,
        |s| {
            s.contains("[x] Assess impact")
                && s.lines().next().is_some_and(|h| h.contains("steps 2/"))
        },
    );

    // A note, typed into the note editor, lands in the timeline panel.
    tty.send("n");
    tty.wait_for("the note editor", WAIT, |s| {
        s.contains("Note: Enter records it")
    });
    tty.send("rolled back to v2.14.0");
    tty.wait_for("the typed note", WAIT, |s| {
        s.contains("rolled back to v2.14.0▏")
    });
    tty.send("\r");
    tty.wait_for("the note in the timeline panel", WAIT, |s| {
        s.contains("tester note: rolled back to v2.14.0") && !s.contains("Note: Enter records it")
    });

    // A regex filter: only 5xx lines remain, and the title says which filter is on (zoomed, so whole
    // lines and the whole title show).
    tty.send("/");
    tty.wait_for("the filter prompt", WAIT, |s| {
        s.contains("Keep log lines matching a regex")
    });
    tty.send("status=5\\d\\d\r");
    tty.wait_for("the filter applied", WAIT, |s| {
        s.contains("filter /status=5\\d\\d/:")
    });
    tty.send("z");
    let matching = regex::Regex::new(r"status=5\d\d").unwrap();
    let is_log_row = regex::Regex::new(r"^┃\d\d:\d\d:\d\d\.\d{3} ").unwrap();
    tty.wait_for("only 5xx lines, and the filter in the title", WAIT, |s| {
        let title = s.lines().nth(1).unwrap_or_default();
        let rows: Vec<&str> = s.lines().filter(|l| is_log_row.is_match(l)).collect();
        title.contains("Logs")
            && title.contains("/status=5\\d\\d/")
            && !s.contains("2 Health")
            && !rows.is_empty()
            && rows
                .iter()
                .all(|r| matching.is_match(r) && !r.contains("INFO"))
    });
    tty.send("z");
    tty.wait_for("the four panels again", WAIT, has_all_panels);

    // Help lists keys; any key closes it.
    tty.send("?");
    let listed = [
        "add a note to the timeline",
        "mark the incident mitigated",
        "add a filter: keep lines matching",
        "command palette",
    ];
    tty.wait_for("the help listing keys", WAIT, |s| {
        s.contains("Keys · ") && listed.iter().all(|t| s.contains(t))
    });
    tty.send("\x1b");
    tty.wait_for("the help closed", WAIT, |s| {
        !s.contains("Keys · ") && has_all_panels(s)
    });

    // `:export md` writes the postmortem next to the timeline and says where.
    let timeline = timeline_in(dir.path());
    tty.send(":");
    tty.wait_for("the palette", WAIT, |s| {
        s.contains("Command: Tab completes")
    });
    tty.send("export md\r");
    let s = tty.wait_for("the export message", WAIT, |s| s.contains("exported to "));
    let said = s
        .lines()
        .find_map(|l| l.split_once("exported to ").map(|(_, p)| p.trim()))
        .unwrap();
    let stem = timeline.file_stem().unwrap().to_string_lossy().into_owned();
    let md = timeline.with_file_name(format!("{stem}.postmortem.md"));
    assert_eq!(Path::new(said), md, "{s}");
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("rolled back to v2.14.0"), "{text}");

    tty.send("M");
    tty.wait_for("the question", WAIT, |s| s.contains("Mark mitigated?"));
    tty.send("y");
    tty.wait_for("mitigated in the header", WAIT, |s| {
        s.lines().next().is_some_and(|h| h.contains("● mitigated"))
    });

    // Quits at once, or as soon as a health change in flight is written.
    tty.send("q");
    assert_eq!(tty.wait_exit(WAIT), Some(0));
    drop(tty);

    let recs = records(&timeline);
    for (i, r) in recs.iter().enumerate() {
        assert_eq!(r["seq"], i as u64 + 1, "{r}");
    }
    let kind = |k: &'static str| recs.iter().filter(move |r| r["kind"] == k);
    let checked: Vec<&Value> = kind("step.checked").collect();
    assert_eq!(checked.len(), 2, "{checked:?}");
    for r in &checked {
        assert_eq!(r["actor"], "tester");
        assert_eq!(r["runbook"], "stabilize");
    }
    assert_eq!(checked[0]["step"], "declare");
    assert_eq!(checked[1]["step"], "assess-impact");
    assert!(
        kind("note").any(|r| r["text"] == "rolled back to v2.14.0" && r["actor"] == "tester"),
        "{recs:?}"
    );
    assert!(
        kind("health.changed").any(|r| r["actor"] == "sitrep"
            && r["endpoint"] == "payments-api"
            && r["from"] == "up"
            && r["to"] != "up"),
        "{recs:?}"
    );
    assert!(
        kind("milestone").any(|r| r["name"] == "mitigated" && r["actor"] == "tester"),
        "{recs:?}"
    );

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .arg("verify")
        .arg(&timeline)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("chain intact"), "{stdout}");
}

#[test]
fn the_cockpit_fits_an_80x24_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut tty = spawn(&demo(dir.path(), "1h"), dir.path(), 80, 24);
    tty.wait_for(
        "header, four panels and the whole footer at 80x24",
        WAIT,
        |s| {
            let footer = s.lines().last().unwrap_or_default();
            s.starts_with(" sitrep │ ")
                && has_all_panels(s)
                && s.contains("[ ] Declare the incident")
                && s.lines().count() == 24
                && footer.starts_with("q quit")
                && ["? help", "Space tick", "n note"]
                    .iter()
                    .all(|k| footer.contains(k))
        },
    );
    tty.send("q");
    assert_eq!(tty.wait_exit(WAIT), Some(0));
}

/// The whole screen drawn at `cols` x `rows`: header, the panels' outer corners in the last column,
/// the footer on the last row. Rows come untrimmed, so a full row has exactly `cols` characters.
fn drawn_at(r: &[String], cols: usize, rows: usize) -> bool {
    let width = |s: &str| s.chars().count();
    r.len() == rows
        && r[0].starts_with(" sitrep │")
        && r[1].ends_with('┐')
        && width(&r[1]) == cols
        // The bottom panels' last row: their lower border, or at the tiniest size their upper one.
        && r[rows - 2].ends_with(['┘', '┛', '┐'])
        && width(&r[rows - 2]) == cols
        && r[rows - 1].starts_with("q quit")
}

#[test]
fn a_resize_storm_leaves_it_running_and_drawn_at_the_final_size() {
    let dir = tempfile::tempdir().unwrap();
    let mut term = spawn(&demo(dir.path(), "1h"), dir.path(), 120, 40);
    term.wait_rows("the first frame", WAIT, |r| drawn_at(r, 120, 40));

    let sizes = [
        (80, 24),
        (20, 5),
        (200, 60),
        (19, 4),
        (1, 1),
        (33, 7),
        (120, 40),
        (45, 12),
    ];
    for round in 0..6 {
        for (i, &(c, r)) in sizes.iter().enumerate() {
            term.resize(c, r);
            // Mostly back to back (many changes a frame), now and then a breath so some land mid-draw.
            if (round + i) % 3 == 0 {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
    // The checkpoints are sizes the storm never had: each is new to the program, so it must draw it
    // (the test below covers a size it has seen before).
    term.resize(18, 4);
    term.wait_rows("the too-small notice at 18x4", WAIT, |r| {
        r.first()
            .is_some_and(|l| l.starts_with("sitrep needs 20x5"))
    });
    term.resize(21, 6);
    term.wait_rows("a frame at 21x6", WAIT, |r| drawn_at(r, 21, 6));
    term.resize(100, 30);
    term.wait_rows("a frame at the final 100x30", WAIT, |r| {
        drawn_at(r, 100, 30)
    });
    assert!(term.is_running(), "sitrep died in the storm");
    // Still answering keys after all that.
    term.send("q");
    assert_eq!(term.wait_exit(WAIT), Some(0));
}

/// A terminal shrunk and grown back between two frames loses what was drawn (xterm and the VT100
/// emulator here cut the cut-off cells), but the program's size is the same as at its last frame,
/// so ratatui's diff writes nothing and the screen stays blank until something changes.
#[test]
fn shrinking_and_growing_back_within_a_frame_repaints_everything() {
    let dir = tempfile::tempdir().unwrap();
    let mut term = spawn(&demo(dir.path(), "1h"), dir.path(), 120, 40);
    term.wait_rows("the first frame", WAIT, |r| drawn_at(r, 120, 40));
    term.resize(1, 1);
    term.resize(120, 40);
    term.wait_rows("the whole screen repainted at 120x40", WAIT, |r| {
        drawn_at(r, 120, 40)
    });
    term.send("q");
    assert_eq!(term.wait_exit(WAIT), Some(0));
}
