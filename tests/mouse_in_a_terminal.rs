//! The mouse in the real binary, in a pseudo-terminal: off unless asked for; when on, a click focuses
//! the panel under it and the wheel scrolls the panel under the pointer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pty;

use std::path::Path;
use std::time::Duration;

use pty::{Tty, wait_file};

const WAIT: Duration = Duration::from_secs(30);
const COLS: u16 = 100;
const ROWS: u16 = 30;

/// A left click at a 0-based cell, pressed and released, as an xterm SGR mouse report.
fn click(x: u16, y: u16) -> String {
    format!("\x1b[<0;{};{}M\x1b[<0;{};{}m", x + 1, y + 1, x + 1, y + 1)
}

/// One notch of the wheel towards the user (scroll down) at a 0-based cell.
fn wheel_down(x: u16, y: u16) -> String {
    format!("\x1b[<65;{};{}M", x + 1, y + 1)
}

fn config(dir: &Path, extra: &str) {
    std::fs::write(
        dir.join("sitrep.toml"),
        format!("[incident]\ntitle = \"Payments\"\n{extra}"),
    )
    .unwrap();
}

/// The cell in the middle of a panel of a 100x30 screen.
fn centre(panel: sitrep::app::Panel) -> (u16, u16) {
    let screen = ratatui::layout::Rect::new(0, 0, COLS, ROWS);
    let body = ratatui::layout::Rect {
        y: 1,
        height: ROWS - 2,
        ..screen
    };
    let (_, r) = sitrep::ui::panel_areas(body)
        .into_iter()
        .find(|(p, _)| *p == panel)
        .unwrap();
    (r.x + r.width / 2, r.y + r.height / 2)
}

#[test]
fn with_the_mouse_on_a_click_focuses_and_the_wheel_scrolls_the_panel_under_it() {
    use sitrep::app::Panel;
    let dir = tempfile::tempdir().unwrap();
    // The mouse from the config, and a rebound key to tick with, end to end.
    config(
        dir.path(),
        "[keys]\ntick = [\"space\", \"x\"]\nrun = \"X\"\n[ui]\nmouse = true\n",
    );
    let mut tty = Tty::spawn(&["open"], dir.path(), COLS, ROWS);
    tty.wait_for("the cockpit", WAIT, |s| s.contains("▶3 Runbook"));

    let (x, y) = centre(Panel::Health);
    tty.send(&click(x, y));
    tty.wait_for("the health panel focused", WAIT, |s| {
        s.contains("▶2 Health") && !s.contains("▶3 Runbook")
    });

    // The wheel over the runbook moves its selection while the focus stays on health.
    let (x, y) = centre(Panel::Runbook);
    tty.send(&wheel_down(x, y));
    tty.send(&wheel_down(x, y));
    tty.wait_for("the wheel handled", WAIT, |s| s.contains("▶2 Health"));
    tty.send(&click(x, y));
    tty.wait_for("the runbook focused", WAIT, |s| s.contains("▶3 Runbook"));
    tty.send("x");
    let timeline = dir.path().join("incidents");
    let start = std::time::Instant::now();
    let file = loop {
        if let Some(p) = sitrep::timeline::newest_in(&timeline) {
            break p;
        }
        assert!(start.elapsed() < WAIT, "no timeline appeared");
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = wait_file(&file, WAIT, |t| t.contains("step.checked"));
    let third = &sitrep::runbook::shipped()[0].steps[2].id;
    assert!(
        text.contains(&format!("\"step\":\"{third}\"")),
        "the third step was ticked:\n{text}"
    );
    tty.send("q");
    assert_eq!(tty.wait_exit(WAIT), Some(0));
}

#[test]
fn without_the_mouse_a_click_changes_nothing() {
    use sitrep::app::Panel;
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), "");
    let mut tty = Tty::spawn(&["open"], dir.path(), COLS, ROWS);
    tty.wait_for("the cockpit", WAIT, |s| s.contains("▶3 Runbook"));
    let (x, y) = centre(Panel::Health);
    tty.send(&click(x, y));
    // A key after the click: once its effect shows, the click has been read too.
    tty.send("?");
    tty.wait_for("the help", WAIT, |s| s.contains("show this help"));
    tty.send("?");
    let screen = tty.wait_for("the help closed", WAIT, |s| !s.contains("show this help"));
    assert!(screen.contains("▶3 Runbook"), "the focus stayed:\n{screen}");
    tty.send("q");
    assert_eq!(tty.wait_exit(WAIT), Some(0));
}
