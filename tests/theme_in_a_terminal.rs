//! `[theme]` and NO_COLOR in the real binary, in a pseudo-terminal: the colours reach the screen, and
//! NO_COLOR turns every one of them off, whatever the theme says.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pty;

use std::path::Path;
use std::time::Duration;

use pty::Tty;

const WAIT: Duration = Duration::from_secs(30);

/// Runs `sitrep open` in `dir` with NO_COLOR set to `no_color` (or unset), waits for the first frame
/// and returns the colours of every cell that has one, then quits.
fn colours_on_screen(dir: &Path, no_color: Option<&str>) -> Vec<vt100::Color> {
    let mut tty = Tty::spawn_with(&["open"], dir, 80, 24, &[("NO_COLOR", no_color)]);
    tty.wait_for("the first frame", WAIT, |s| s.contains("Runbook"));
    let colours = tty.with_screen(|screen| {
        let mut colours = Vec::new();
        for row in 0..24 {
            for col in 0..80 {
                if let Some(cell) = screen.cell(row, col) {
                    colours.extend(
                        [cell.fgcolor(), cell.bgcolor()]
                            .into_iter()
                            .filter(|c| *c != vt100::Color::Default),
                    );
                }
            }
        }
        colours
    });
    tty.send("q");
    assert!(tty.wait_exit(WAIT).is_some(), "sitrep did not quit");
    colours
}

#[test]
fn the_theme_reaches_the_terminal_and_no_color_turns_it_off() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sitrep.toml"),
        "[incident]\ntitle = \"Payments\"\n[theme]\nheader = \"bold white on #1e1e2e\"\ntext = \"light-yellow\"\n",
    )
    .unwrap();
    let themed = colours_on_screen(dir.path(), None);
    assert!(
        themed.contains(&vt100::Color::Rgb(0x1e, 0x1e, 0x2e)),
        "the header colour from [theme]: {themed:?}"
    );
    let plain = colours_on_screen(dir.path(), Some("1"));
    assert_eq!(plain, Vec::new(), "NO_COLOR=1 leaves no colour");
}
