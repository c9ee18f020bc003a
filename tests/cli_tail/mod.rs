//! Shared helpers for tests of `sitrep tail`: the real binary, its output collected as it comes.
#![allow(dead_code)]

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Appends `lines` to `path`, one per line.
pub fn append(path: &Path, lines: &[String]) -> std::io::Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    for line in lines {
        writeln!(file, "{line}")?;
    }
    Ok(())
}

/// A running `sitrep tail`, killed when dropped; its stdout is collected as it comes.
pub struct Tail {
    child: Child,
    out: Arc<Mutex<String>>,
}

impl Tail {
    pub fn start(args: &[&str], files: &[&Path]) -> std::io::Result<Self> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sitrep"))
            .arg("tail")
            .args(args)
            .args(files)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let out = Arc::new(Mutex::new(String::new()));
        let mut stdout = child.stdout.take().ok_or(std::io::ErrorKind::BrokenPipe)?;
        let sink = Arc::clone(&out);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = stdout.read(&mut chunk) {
                sink.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        });
        Ok(Self { child, out })
    }

    pub fn text(&self) -> String {
        self.out
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Waits (at most 30 s, generous for a busy machine) until every one of `lines` was printed.
    pub fn wait_for(&self, lines: &[String]) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = self.text();
            if lines.iter().all(|l| text.lines().any(|t| t == l)) || Instant::now() > deadline {
                return text;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Tail {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
