//! Sources that say how they are: a busy source that stops is called silent (once), one that
//! delivers lines far behind the clock is lagging; in `sitrep tail`'s stderr and in the cockpit's
//! logs panel and record (the real binary, in a pseudo-terminal at 80x24).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pty;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pty::Tty;

const WAIT: Duration = Duration::from_secs(40);

/// Prints 30 lines stamped over the last 30 seconds, then nothing (for longer than a test runs;
/// sitrep stops it when it stops).
const BURST: &str = r#"for i in $(seq 1 30); do echo "$(date -u -d "-$((30-i)) sec" +%FT%T.%3NZ) INFO request $i"; done; exec sleep 90"#;
/// Prints a line every 200 ms stamped two minutes ago.
const LATE: &str =
    r#"while :; do echo "$(date -u -d '-2 min' +%FT%T.%3NZ) INFO late line"; sleep 0.2; done"#;

#[test]
fn sitrep_tail_says_which_source_went_silent_and_which_lags() {
    // `command:` splits at spaces: the scripts go in files.
    let dir = tempfile::tempdir().unwrap();
    let burst = dir.path().join("burst.sh");
    let late = dir.path().join("late.sh");
    std::fs::write(&burst, BURST).unwrap();
    std::fs::write(&late, LATE).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(["tail", "--silent-after", "2s"])
        .arg(format!("command:sh {}", burst.display()))
        .arg(format!("command:sh {}", late.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut said = Vec::new();
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline
        && !(said.iter().any(|l: &String| l.contains("silent:"))
            && said.iter().any(|l| l.contains("lagging:")))
    {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            said.push(line);
        }
    }
    // A little longer: the silence is not said again.
    let until = Instant::now() + Duration::from_secs(3);
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        if let Ok(line) = rx.recv_timeout(left) {
            said.push(line);
        }
    }
    // Ctrl-C, as a user stops it: sitrep stops its sources' commands with it.
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let silent: Vec<&String> = said.iter().filter(|l| l.contains("silent:")).collect();
    assert_eq!(silent.len(), 1, "{said:?}");
    assert!(
        silent[0].contains("burst.sh: silent: no line for")
            && silent[0].contains("a minute over the 10 minutes before"),
        "{said:?}"
    );
    let lagging: Vec<&String> = said.iter().filter(|l| l.contains("lagging:")).collect();
    assert_eq!(lagging.len(), 1, "{said:?}");
    assert!(
        lagging[0].contains("late.sh: lagging: its newest line is 2m"),
        "{said:?}"
    );
    assert!(
        !said.iter().any(|l| l.contains("late.sh: silent")),
        "{said:?}"
    );
}

#[test]
fn the_cockpit_shows_a_silent_source_in_its_tab_and_records_it_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("burst.sh"), BURST).unwrap();
    std::fs::write(
        dir.path().join("sitrep.toml"),
        "[incident]\ntitle = \"Payments\"\n[[log]]\nname = \"api\"\ncommand = [\"sh\", \"burst.sh\"]\nsilent-after = \"3s\"\n",
    )
    .unwrap();
    let mut tty = Tty::spawn(&["open"], dir.path(), 80, 24);
    let screen = tty.wait_for("the silence in the logs panel's title", WAIT, |s| {
        s.contains("api: silent")
    });
    assert!(screen.contains("request 30"), "{screen}");
    tty.wait_for("the silence in the timeline panel", WAIT, |s| {
        s.contains("log api: silent: no")
    });
    std::thread::sleep(Duration::from_secs(2));
    tty.send("q");
    assert_eq!(tty.wait_exit(WAIT), Some(0));
    let timeline = sitrep::timeline::newest_in(&dir.path().join("incidents")).unwrap();
    let text = std::fs::read_to_string(timeline).unwrap();
    assert_eq!(text.matches("silent: no line for").count(), 1, "{text}");
}

#[test]
fn a_source_that_writes_without_limit_is_shown_behind_and_keys_still_answer() {
    // `yes` writes as fast as the pipe takes it: the cockpit reads it at its own pace, says so,
    // and a key press is still drawn.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sitrep.toml"),
        "[incident]\ntitle = \"Flood\"\n[[log]]\nname = \"flood\"\ncommand = [\"yes\", \"INFO request method=POST path=/v1/charges status=200\"]\n",
    )
    .unwrap();
    let mut tty = Tty::spawn(&["open"], dir.path(), 120, 40);
    tty.wait_for("the flood shown as behind", WAIT, |s| {
        s.contains("flood: behind: read at the cockpit's pace")
    });
    tty.send("?");
    tty.wait_for("the help over the flood", WAIT, |s| {
        s.contains("any other key closes")
    });
    tty.send("\x1b");
    tty.wait_for("the help closed", WAIT, |s| {
        !s.contains("any other key closes")
    });
    tty.send("q");
    assert_eq!(tty.wait_exit(WAIT), Some(0));
}
