//! The real binary in a pseudo-terminal, on the demo: text pasted through the terminal's bracketed
//! paste is text for the field being typed into, never keys, and a long note stays in sight.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pty;

use std::path::Path;
use std::time::Duration;

use pty::Tty;

const WAIT: Duration = Duration::from_secs(30);

/// What a terminal sends for a paste when the program asked for bracketed paste.
fn pasted(text: &str) -> String {
    format!("\x1b[200~{text}\x1b[201~")
}

/// The demo's timeline file in `dir`.
fn timeline(dir: &Path) -> String {
    let path = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .expect("the demo's timeline");
    std::fs::read_to_string(path).unwrap()
}

fn demo(dir: &Path, cols: u16, rows: u16) -> Tty {
    let d = dir.to_str().unwrap();
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
        dir,
        cols,
        rows,
    );
    tty.wait_for("the cockpit", WAIT, |s| s.contains("Timeline"));
    tty
}

#[test]
fn a_paste_into_a_note_is_its_text_and_outside_a_field_is_no_keys() {
    let dir = tempfile::tempdir().unwrap();
    let mut tty = demo(dir.path(), 120, 40);
    // It asks the terminal to mark pastes, so a terminal that can will.
    assert!(tty.with_screen(|s| s.bracketed_paste()));

    // Outside a field, a paste holding the quit and milestone keys does nothing but say so.
    tty.send(&pasted("qDy"));
    tty.wait_for("the paste refused", WAIT, |s| s.contains("paste ignored"));
    assert!(tty.is_running(), "a pasted q quit the cockpit");

    // In the note editor its newline and letters are the note's, escape sequences dropped.
    tty.send("n");
    tty.wait_for("the note editor", WAIT, |s| {
        s.contains("Note: Enter records it")
    });
    tty.send(&pasted("see incident doc\nDy \x1b]0;pwned\x07done\n"));
    tty.wait_for("the pasted text in the editor", WAIT, |s| {
        s.contains("done▏")
    });
    tty.send("\r");
    let recorded = |t: &str| t.contains(r#""kind":"note""#);
    let deadline = std::time::Instant::now() + WAIT;
    while !recorded(&timeline(dir.path())) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = timeline(dir.path());
    let notes: Vec<&str> = text.lines().filter(|l| recorded(l)).collect();
    assert_eq!(notes.len(), 1, "{text}");
    assert!(
        notes[0].contains(r#""text":"see incident doc\nDy done""#),
        "{}",
        notes[0]
    );
    assert!(!text.contains(r#""kind":"milestone""#), "{text}");
    assert!(!text.contains("pwned"), "{text}");
    tty.send("q");
    assert_eq!(tty.wait_exit(WAIT), Some(0));
}

#[test]
fn a_long_note_keeps_its_end_and_the_cursor_in_sight_at_80x24() {
    let dir = tempfile::tempdir().unwrap();
    let mut tty = demo(dir.path(), 80, 24);
    tty.send("n");
    tty.wait_for("the note editor", WAIT, |s| {
        s.contains("Note: Enter records it")
    });
    let words: Vec<String> = (0..150).map(|i| format!("wörd{i}🙂")).collect();
    tty.send(&pasted(&words.join(" ")));
    tty.send(" end");
    let screen = tty.wait_for("the note's end", WAIT, |s| s.contains("wörd149🙂 end▏"));
    assert!(screen.contains("more row(s) above"), "{screen}");
    tty.send("\r");
    tty.wait_for("the note recorded", WAIT, |s| {
        !s.contains("Note: Enter records it")
    });
    tty.send("q");
    assert_eq!(tty.wait_exit(WAIT), Some(0));
}
