//! `[theme]` and NO_COLOR in the real binary, in a pseudo-terminal: the colours reach the screen, and
//! NO_COLOR turns every one of them off, whatever the theme says.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const WAIT: Duration = Duration::from_secs(30);

/// Runs `sitrep open` in `dir` with NO_COLOR set to `no_color` (or unset), waits for the first frame
/// and returns the colours of every cell that has one, then quits.
fn colours_on_screen(dir: &Path, no_color: Option<&str>) -> Vec<vt100::Color> {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_sitrep"));
    cmd.arg("open");
    cmd.cwd(dir);
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("NO_COLOR");
    if let Some(v) = no_color {
        cmd.env("NO_COLOR", v);
    }
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    let mut reader = pty.master.try_clone_reader().unwrap();
    let writer = Arc::new(Mutex::new(pty.master.take_writer().unwrap()));
    let parser = Arc::new(Mutex::new(vt100::Parser::new(
        std::num::NonZeroU16::new(24).unwrap(),
        std::num::NonZeroU16::new(80).unwrap(),
        0,
    )));
    let (p, answer) = (parser.clone(), writer.clone());
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            let Ok(mut parser) = p.lock() else { break };
            parser.process(&buf[..n]);
            // crossterm asks where the cursor is and waits for the answer.
            if buf[..n].windows(4).any(|w| w == b"\x1b[6n") {
                let (row, col) = parser.screen().cursor_position();
                let _ = write!(answer.lock().unwrap(), "\x1b[{};{}R", row + 1, col + 1);
            }
        }
    });
    let start = Instant::now();
    let colours = loop {
        {
            let parser = parser.lock().unwrap();
            let screen = parser.screen();
            if screen.contents().contains("Runbook") {
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
                break colours;
            }
        }
        assert!(start.elapsed() < WAIT, "no first frame");
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = writer.lock().unwrap().write_all(b"q");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > WAIT {
            let _ = child.kill();
            panic!("sitrep did not quit");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
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
