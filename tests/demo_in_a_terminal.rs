//! The real binary, in a real pseudo-terminal, on the embedded demo: what a new user does first.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pty;

use std::path::{Path, PathBuf};
use std::time::Duration;

use pty::{Tty, wait_file};

const WAIT: Duration = Duration::from_secs(30);

fn timeline_in(dir: &Path) -> PathBuf {
    let start = std::time::Instant::now();
    loop {
        if let Some(p) = sitrep::timeline::newest_in(dir) {
            return p;
        }
        assert!(
            start.elapsed() < WAIT,
            "no timeline file appeared in {}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn ticking_a_step_by_key_writes_it_to_the_timeline_and_survives_a_reopen() {
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
        120,
        40,
    );
    tty.wait_for("the four panels", WAIT, |s| {
        s.contains("Logs")
            && s.contains("Health")
            && s.contains("Runbook")
            && s.contains("Timeline")
    });
    tty.wait_for("log lines from the demo API", WAIT, |s| {
        s.contains("INFO  request method=")
    });
    tty.send(" ");
    let timeline = timeline_in(dir.path());
    let text = wait_file(&timeline, WAIT, |t| t.contains("\"kind\":\"step.checked\""));
    assert!(text.contains("\"actor\":\"tester\""), "{text}");
    assert!(text.contains("\"step\":\"declare\""), "{text}");
    tty.wait_for("the box ticked", WAIT, |s| {
        s.contains("[x] Declare the incident")
    });
    tty.send("q");
    assert_eq!(tty.wait_exit(WAIT), Some(0));
    drop(tty);

    // Reopen the same incident: the tick is rebuilt from the file.
    let tty = Tty::spawn(
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
        120,
        40,
    );
    tty.wait_for("the tick restored", WAIT, |s| {
        s.contains("[x] Declare the incident")
    });
    let v = sitrep::timeline::verify(&timeline).unwrap();
    assert!(v.problems.is_empty(), "{:?}", v.problems);
}

#[test]
fn the_demo_api_goes_down_and_the_tool_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let tty = Tty::spawn(
        &["demo", "--dir", d, "--fail-after", "1s"],
        dir.path(),
        120,
        40,
    );
    let timeline = timeline_in(dir.path());
    // It starts up, then fails: the tool itself records the payments API leaving `up`.
    let left_up = |line: &str| {
        line.contains("\"kind\":\"health.changed\"")
            && line.contains("\"endpoint\":\"payments-api\"")
            && line.contains("\"from\":\"up\"")
    };
    let text = wait_file(&timeline, Duration::from_secs(60), |t| {
        t.lines().any(left_up)
    });
    let line = text.lines().find(|l| left_up(l)).unwrap();
    assert!(line.contains("\"actor\":\"sitrep\""), "{line}");
    assert!(!line.contains("\"to\":\"up\""), "{line}");
    tty.wait_for("the transition in the timeline panel", WAIT, |s| {
        s.contains("payments-api: up → ")
    });
}

#[test]
fn sigterm_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut tty = quiet_demo(dir.path());
    tty.wait_for("the first frame", WAIT, |s| s.contains("Runbook"));
    let pid = tty.pid().expect("pid");
    signal(pid, "TERM");
    assert!(
        tty.wait_exit(WAIT).is_some(),
        "sitrep did not exit on SIGTERM"
    );
    // Leaving the alternate screen brings back the (empty) primary screen.
    tty.wait_for("the primary screen back", WAIT, |s| !s.contains("Runbook"));
}

/// The demo at 100x30 in a pseudo-terminal, its API healthy for an hour.
fn quiet_demo(dir: &Path) -> Tty {
    let d = dir.to_str().unwrap();
    Tty::spawn(&["demo", "--dir", d, "--fail-after", "1h"], dir, 100, 30)
}

/// The process state letter from /proc/PID/stat (`T` when stopped).
fn state_of(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// Waits (bounded) until the process is stopped.
fn wait_stopped(pid: u32) {
    let deadline = std::time::Instant::now() + WAIT;
    while state_of(pid) != Some('T') {
        assert!(std::time::Instant::now() < deadline, "sitrep never stopped");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn signal(pid: u32, name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Ctrl-Z (a key in raw mode) and SIGTSTP both suspend as a shell job does: the terminal is given
/// back first, and on SIGCONT (`fg`) the cockpit takes it again, repaints whole and reads keys.
#[test]
fn ctrl_z_and_sigtstp_suspend_and_fg_brings_the_cockpit_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut tty = quiet_demo(dir.path());
    tty.wait_for("the first frame", WAIT, |s| s.contains("Runbook"));
    let pid = tty.pid().expect("pid");
    for how in ["key", "signal"] {
        match how {
            "key" => tty.send("\x1a"),
            _ => signal(pid, "TSTP"),
        }
        wait_stopped(pid);
        tty.wait_for("the shell's screen back", WAIT, |s| !s.contains("Runbook"));
        signal(pid, "CONT");
        tty.wait_for("the cockpit repainted", WAIT, |s| {
            s.contains("Runbook") && s.contains("Timeline")
        });
    }
    tty.send("q");
    assert_eq!(tty.wait_exit(WAIT), Some(0), "keys still work after fg");
}

#[test]
fn sigquit_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut tty = quiet_demo(dir.path());
    tty.wait_for("the first frame", WAIT, |s| s.contains("Runbook"));
    signal(tty.pid().expect("pid"), "QUIT");
    assert!(
        tty.wait_exit(WAIT).is_some(),
        "sitrep did not exit on SIGQUIT"
    );
    tty.wait_for("the primary screen back", WAIT, |s| !s.contains("Runbook"));
    assert!(
        tty.with_screen(|s| !s.alternate_screen() && !s.hide_cursor()),
        "alternate screen left and cursor shown"
    );
}
