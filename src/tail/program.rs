//! What the sources that run a program (`journalctl`, `kubectl`) share: how a status reaches the
//! reader, the command line as program and arguments, a failure to start it, and what it said on
//! stderr as one line.

use std::ffi::OsString;

use tokio::sync::mpsc::Sender;

use super::lines::sanitize_line;
use super::{SourceStatus, TailEvent};

/// The receiver is gone: the source stops.
pub(super) struct Closed;

/// Sends a status change of `source`.
pub(super) async fn send(
    tx: &Sender<TailEvent>,
    source: usize,
    status: SourceStatus,
) -> Result<(), Closed> {
    tx.send(TailEvent::Status { source, status })
        .await
        .map_err(|_| Closed)
}

/// A command line as the program and its arguments (the builders always put the program first).
pub(super) fn split(argv: &[String]) -> (&str, Vec<OsString>) {
    match argv.split_first() {
        Some((program, args)) => (program, args.iter().map(Into::into).collect()),
        None => ("", Vec::new()),
    }
}

/// Why `program` did not start; `needs` says what to install when it is not found.
pub(super) fn cannot_start(program: &str, err: &std::io::Error, needs: &str) -> String {
    if err.kind() == std::io::ErrorKind::NotFound {
        format!("cannot start {program}: not found; {needs}")
    } else {
        format!("cannot start {program}: {err}")
    }
}

/// What a program said on stderr, on one line and safe to show: its own words, without a Go
/// client library's log lines (`E1205 02:00:25.426302 14720 memcache.go:265] …`) when it said
/// more than those.
pub(super) fn stderr_text(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let own: Vec<&str> = lines.iter().copied().filter(|l| !is_klog(l)).collect();
    let chosen = if own.is_empty() { lines } else { own };
    sanitize_line(chosen.join(" ").as_bytes(), 0, 1024).0
}

/// A klog line: a severity letter, `MMDD hh:mm:ss.uuuuuu`, the thread, `file:line]`.
fn is_klog(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 22
        && matches!(b[0], b'I' | b'W' | b'E' | b'F')
        && b[1..5].iter().all(u8::is_ascii_digit)
        && b[5] == b' '
        && b[8] == b':'
        && line.split_once("] ").is_some_and(|(head, _)| head.contains(".go:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_programs_own_words_are_kept_and_its_library_logs_dropped() {
        let said = b"E1205 02:00:25.426302   14720 memcache.go:265] \"Unhandled Error\" err=\"refused\"\n\
            The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n";
        assert_eq!(
            stderr_text(said),
            "The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?"
        );
        assert!(stderr_text(b"E1205 02:00:25.426302 1 x.go:1] only this").contains("only this"));
        assert_eq!(stderr_text(b"  Failed to open\n\n  journal\n"), "Failed to open journal");
    }
}
