//! Reading the demo's outage in the real binary, in a real pseudo-terminal: wrap a line to see its
//! request id, open one whole, pin it as evidence in the timeline file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pty;

use std::time::Duration;

use pty::{Tty, wait_file};

const WAIT: Duration = Duration::from_secs(30);

fn demo_in_its_outage(dir: &std::path::Path, cols: u16, rows: u16) -> Tty {
    let d = dir.to_str().unwrap();
    let tty = Tty::spawn(
        &[
            "demo",
            "--dir",
            d,
            "--actor",
            "tester",
            "--fail-after",
            "1s",
        ],
        dir,
        cols,
        rows,
    );
    tty.wait_for("error lines of the outage", WAIT, |s| s.contains("✖ ERROR"));
    tty
}

#[test]
fn at_80x24_wrapping_shows_the_request_id_and_enter_opens_a_line_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut tty = demo_in_its_outage(dir.path(), 80, 24);
    // Focus the logs and freeze on an error line, so the line stays put while we read.
    tty.send("1e");
    tty.wait_for("frozen on an error line", WAIT, |s| s.contains("FROZEN"));
    tty.send("w");
    tty.wait_for("wrapped lines with their request ids", WAIT, |s| {
        s.contains("wrap") && s.contains("req_id=")
    });
    tty.send("\r");
    let screen = tty.wait_for("the line whole", WAIT, |s| {
        s.contains("── text ──") && s.contains("read at")
    });
    // At 80x24 a line with many fields may push its text below the fold: its level and request
    // id are then read from the detail's own rows.
    assert!(
        screen.contains("ERROR") || screen.contains("level     error"),
        "the error line under the cursor:\n{screen}"
    );
    assert!(
        screen.contains("req_id=") || screen.contains(" req_id "),
        "its request id, not cut:\n{screen}"
    );
    tty.send("\x1b");
    tty.wait_for("the detail closed", WAIT, |s| !s.contains("── text ──"));
    tty.send("q");
    assert_eq!(tty.wait_exit(WAIT), Some(0));
}

#[test]
fn m_pins_the_selected_line_into_the_timeline_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut tty = demo_in_its_outage(dir.path(), 120, 40);
    tty.send("1e");
    tty.wait_for("frozen on an error line", WAIT, |s| s.contains("FROZEN"));
    tty.send("m");
    tty.wait_for("the pin in the timeline panel", WAIT, |s| {
        s.contains("pinned payments-api line")
    });
    let timeline = sitrep::timeline::newest_in(dir.path()).unwrap();
    let text = wait_file(&timeline, WAIT, |t| t.contains("\"kind\":\"log.pinned\""));
    let pin = text.lines().find(|l| l.contains("log.pinned")).unwrap();
    assert!(pin.contains("\"source\":\"payments-api\""), "{pin}");
    assert!(
        pin.contains("ERROR"),
        "the error line the cursor was on: {pin}"
    );
    assert!(pin.contains("\"sha256\":\""), "{pin}");
    tty.send("q");
    assert_eq!(tty.wait_exit(WAIT), Some(0));
}

#[test]
fn equals_follows_the_request_of_the_selected_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut tty = demo_in_its_outage(dir.path(), 120, 40);
    tty.send("1e");
    tty.wait_for("frozen on an error line", WAIT, |s| s.contains("FROZEN"));
    tty.send("=");
    let screen = tty.wait_for("the followed request in the title", WAIT, |s| {
        s.contains("following req_id=")
    });
    let title = screen.lines().nth(1).unwrap().to_string();
    let id: String = title
        .split("following req_id=")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    assert_eq!(id.len(), 8, "{title}");
    // Every line shown is a line of that request: wrapped, each line's rows hold its id.
    tty.send("w");
    let screen = tty.wait_for("wrapped", WAIT, |s| s.contains("long lines wrap"));
    let panel_width = screen
        .lines()
        .nth(1)
        .unwrap()
        .chars()
        .position(|c| c == '┓')
        .unwrap();
    let mut lines: Vec<String> = Vec::new();
    for row in screen.lines().skip(2).take_while(|l| !l.starts_with('┗')) {
        let inside: String = row.chars().skip(1).take(panel_width - 1).collect();
        if inside.chars().nth(2) == Some(':') {
            lines.push(inside.trim().to_string());
        } else if let Some(last) = lines.last_mut()
            && inside.starts_with("   ")
        {
            last.push_str(inside.trim());
        }
    }
    assert!(!lines.is_empty(), "{screen}");
    for line in &lines {
        assert!(line.contains(&id), "{line}\n{screen}");
    }
    tty.send("\x1b");
    tty.wait_for("following ended", WAIT, |s| {
        s.contains(&format!("stopped following req_id={id}"))
    });
    tty.send("q");
    assert_eq!(tty.wait_exit(WAIT), Some(0));
}
