//! Real journal files for the tests: entries written in journal export format and turned into
//! journal files by systemd's own `systemd-journal-remote`, as a log collector would.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

pub const REMOTE: &str = "/lib/systemd/systemd-journal-remote";

/// Whether the journal tools are here; under CI their absence fails the test.
pub fn tools_here() -> bool {
    let here = Path::new(REMOTE).exists()
        && Command::new("journalctl")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if !here {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "journalctl and {REMOTE} are needed under CI (.ci/run installs systemd-journal-remote)"
        );
        eprintln!(
            "skipped: journalctl or {REMOTE} missing (apt-get install systemd-journal-remote)"
        );
    }
    here
}

/// One journal entry in export format: fields in order; a value with a newline or other control
/// bytes is written in the binary form, as journald does.
pub struct Entry(pub Vec<(&'static str, Vec<u8>)>);

/// Microseconds since the epoch, now plus `offset_s` seconds.
pub fn micros(offset_s: i64) -> i64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    now.as_micros() as i64 + offset_s * 1_000_000
}

/// An entry from host `host` (machine id from its name), numbered `seq`, written at `at` µs.
pub fn entry(host: &str, seq: u64, at: i64, priority: u8, message: &[u8]) -> Entry {
    let machine = format!(
        "{:0>32}",
        format!("{:x}", host.bytes().map(u64::from).sum::<u64>())
    );
    Entry(vec![
        ("__REALTIME_TIMESTAMP", at.to_string().into_bytes()),
        ("__MONOTONIC_TIMESTAMP", seq.to_string().into_bytes()),
        ("_BOOT_ID", b"0123456789abcdef0123456789abcdef".to_vec()),
        ("_MACHINE_ID", machine.into_bytes()),
        ("_HOSTNAME", host.as_bytes().to_vec()),
        ("_SYSTEMD_UNIT", b"payments.service".to_vec()),
        ("SYSLOG_IDENTIFIER", b"payments".to_vec()),
        ("PRIORITY", priority.to_string().into_bytes()),
        ("MESSAGE", message.to_vec()),
    ])
}

/// Appends `entries` to the journal file `file` through `systemd-journal-remote`.
pub fn write_journal(file: &Path, entries: &[Entry]) {
    let mut export = Vec::new();
    for Entry(fields) in entries {
        for (name, value) in fields {
            if value.iter().any(|b| *b < 0x20 || *b == 0x7f) {
                export.extend_from_slice(name.as_bytes());
                export.push(b'\n');
                export.extend_from_slice(&(value.len() as u64).to_le_bytes());
                export.extend_from_slice(value);
                export.push(b'\n');
            } else {
                export.extend_from_slice(format!("{name}=").as_bytes());
                export.extend_from_slice(value);
                export.push(b'\n');
            }
        }
        export.push(b'\n');
    }
    let mut child = Command::new(REMOTE)
        .arg(format!("--output={}", file.display()))
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("systemd-journal-remote runs");
    child.stdin.take().unwrap().write_all(&export).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "systemd-journal-remote: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
