//! Runs the real binary in a pseudo-terminal and reads its screen through a VT100 parser.
// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// A running sitrep in a terminal of a given size.
pub struct Tty {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    master: Box<dyn portable_pty::MasterPty + Send>,
}

fn size(cols: u16, rows: u16) -> PtySize {
    PtySize {
        rows,
        cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}

fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).expect("sizes are above zero")
}

impl Tty {
    /// Starts `sitrep ARGS` in `cwd` in a `cols`x`rows` terminal.
    pub fn spawn(args: &[&str], cwd: &Path, cols: u16, rows: u16) -> Tty {
        Tty::spawn_with(args, cwd, cols, rows, &[])
    }

    /// Like `spawn`, with environment changes: `(name, Some(value))` sets, `(name, None)` removes.
    pub fn spawn_with(
        args: &[&str],
        cwd: &Path,
        cols: u16,
        rows: u16,
        env: &[(&str, Option<&str>)],
    ) -> Tty {
        let pty = native_pty_system()
            .openpty(size(cols, rows))
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_sitrep"));
        cmd.args(args);
        cmd.cwd(cwd);
        cmd.env("TERM", "xterm-256color");
        cmd.env("TZ", "UTC");
        for (name, value) in env {
            match value {
                Some(v) => cmd.env(name, v),
                None => cmd.env_remove(name),
            }
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn sitrep");
        let mut reader = pty.master.try_clone_reader().expect("pty reader");
        let writer = Arc::new(Mutex::new(pty.master.take_writer().expect("pty writer")));
        let parser = Arc::new(Mutex::new(vt100::Parser::new(nz(rows), nz(cols), 0)));
        let p = parser.clone();
        let answer = writer.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let chunk = &buf[..n];
                let Ok(mut parser) = p.lock() else { break };
                parser.process(chunk);
                // A real terminal answers "where is the cursor?"; crossterm waits for it.
                if chunk.windows(4).any(|w| w == b"\x1b[6n") {
                    let (row, col) = parser.screen().cursor_position();
                    if let Ok(mut w) = answer.lock() {
                        let _ = write!(w, "\x1b[{};{}R", row + 1, col + 1);
                        let _ = w.flush();
                    }
                }
            }
        });
        Tty {
            parser,
            writer,
            child,
            master: pty.master,
        }
    }

    /// Resizes the terminal; the parser changes size under its lock so bytes drawn for the new
    /// size are never read at the old one.
    pub fn resize(&self, cols: u16, rows: u16) {
        let mut parser = self.parser.lock().expect("parser lock");
        parser.screen_mut().set_size(nz(rows), nz(cols));
        self.master
            .resize(size(cols, rows))
            .expect("resize the pty");
    }

    /// The screen's rows, untrimmed (a full row has exactly as many characters as columns).
    pub fn rows(&self) -> Vec<String> {
        self.with_screen(|screen| {
            let (_, cols) = screen.size();
            screen.rows(0, cols.get()).collect()
        })
    }

    /// Looks at the screen itself (cells, colours).
    pub fn with_screen<R>(&self, f: impl FnOnce(&vt100::Screen) -> R) -> R {
        let parser = self.parser.lock().expect("parser lock");
        f(parser.screen())
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The screen's text now.
    pub fn screen(&self) -> String {
        self.parser
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
    }

    /// Types keys.
    pub fn send(&mut self, keys: &str) {
        let mut w = self.writer.lock().expect("writer lock");
        w.write_all(keys.as_bytes()).expect("write keys");
        w.flush().expect("flush keys");
    }

    /// Waits (bounded) until the screen satisfies `pred`; panics with the screen if it never does.
    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!("timed out after {timeout:?} waiting for {what}; screen:\n{screen}");
            }
            // Short polls: the benches measure latencies with this.
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Waits (bounded) until the screen's rows satisfy `pred`; panics with the screen if they never do.
    pub fn wait_rows(&self, what: &str, timeout: Duration, pred: impl Fn(&[String]) -> bool) {
        let start = Instant::now();
        loop {
            let rows = self.rows();
            if pred(&rows) {
                return;
            }
            if start.elapsed() > timeout {
                panic!(
                    "timed out after {timeout:?} waiting for {what}; screen:\n{}",
                    rows.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Waits (bounded) for the process to exit; returns its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<u32> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status.exit_code());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Say what the screen showed, so a failure can be read without rerunning it.
        eprintln!(
            "still running after {timeout:?}; the screen was:\n{}",
            self.screen()
        );
        let _ = self.child.kill();
        None
    }

    /// The process id, for signals.
    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }
}

impl Drop for Tty {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Waits (bounded) until a file's text satisfies `pred`.
pub fn wait_file(path: &Path, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if pred(&text) {
            return text;
        }
        if start.elapsed() > timeout {
            panic!(
                "timed out after {timeout:?} waiting on {}; it holds:\n{text}",
                path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
