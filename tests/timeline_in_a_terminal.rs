//! The real binary in a pseudo-terminal, on the demo: the timeline panel cuts an event at 80x24;
//! its cursor, a search and Enter show it whole.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pty;

use std::time::Duration;

use pty::Tty;

const WAIT: Duration = Duration::from_secs(30);

/// The screen row holding `text`.
fn row_with(screen: &str, text: &str) -> Option<String> {
    screen
        .lines()
        .find(|l| l.contains(text))
        .map(str::to_string)
}

#[test]
fn enter_on_an_event_the_panel_cut_shows_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let mut tty = Tty::spawn(
        &[
            "demo",
            "--dir",
            d,
            "--actor",
            "tester",
            "--fail-after",
            "1h",
        ],
        dir.path(),
        80,
        24,
    );
    // The first probe's event, cut at the panel's edge: its status and latency are not shown.
    let screen = tty.wait_for("the endpoint up in the timeline", WAIT, |s| {
        s.contains("payments-api: unknown → up")
    });
    let cut = row_with(&screen, "payments-api: unknown → up").unwrap();
    assert!(
        !cut.contains("ms)"),
        "the panel shows it whole already:\n{screen}"
    );

    tty.send("4");
    tty.send("/payments-api: unknown\r");
    tty.wait_for("the search's answer", WAIT, |s| {
        s.contains("\"payments-api: unknown\" · ")
    });
    tty.send("k");
    tty.send("j");
    tty.send("\r");
    let detail = tty.wait_for("the event's detail", WAIT, |s| {
        s.contains("· health.changed") && s.contains("evidence")
    });
    let whole = row_with(&detail, "payments-api: unknown → up (HTTP 200, ")
        .unwrap_or_else(|| panic!("the summary is not whole:\n{detail}"));
    assert!(whole.contains(" ms)"), "{detail}");
    assert!(detail.contains(" UTC"), "{detail}");
    assert!(
        detail.contains("sitrep (seen by the tool itself)"),
        "{detail}"
    );

    // Esc closes it; L shows that moment in the logs, or says why it cannot.
    tty.send("\x1b");
    tty.wait_for("the detail closed", WAIT, |s| {
        !s.contains("· health.changed")
    });
    tty.send("L");
    tty.wait_for("the logs at that moment", WAIT, |s| {
        (s.contains("logs at ") && s.contains("FROZEN")) || s.contains("no log lines from ")
    });
    tty.send("q");
    assert_eq!(tty.wait_exit(WAIT), Some(0));
}
