//! A log path that holds something other than a log file is said for what it is, once, and never as
//! "waiting for it to appear": a folder, a device. A named pipe is read as `tail -f` reads one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Everything `pipe` gives, gathered by a thread as it comes.
fn gather(mut pipe: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n @ 1..) = pipe.read(&mut chunk) {
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&chunk[..n]));
        }
    });
    text
}

/// Runs `sitrep tail PATH` until its stderr holds `want` (at most 30 s), then stops it; its stderr.
fn stderr_of_tail(path: &std::path::Path, want: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .arg("tail")
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = gather(child.stderr.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(30);
    while !err.lock().unwrap().contains(want) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    // A moment more, for a wrong "waiting" status that would follow the right one.
    std::thread::sleep(Duration::from_millis(300));
    let _ = child.kill();
    let _ = child.wait();
    err.lock().unwrap().clone()
}

#[test]
fn a_folder_and_a_device_are_named_for_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("logs");
    std::fs::create_dir(&folder).unwrap();
    let err = stderr_of_tail(&folder, "is a folder");
    assert!(
        err.contains("is a folder, not a log file: name a file in it, or a glob such as"),
        "{err}"
    );
    assert!(!err.contains("to appear"), "{err}");

    let err = stderr_of_tail(std::path::Path::new("/dev/zero"), "is a device");
    assert!(err.contains("is a device, not a log file"), "{err}");
    assert!(!err.contains("to appear"), "{err}");
}

/// `sitrep tail F | head -1` ends when `head` has its line, as `tail` does, not when F next grows.
#[test]
fn tail_ends_when_its_reader_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, "one\ntwo\nthree\n").unwrap();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("\"$0\" tail \"$1\" | head -1")
        .arg(env!("CARGO_BIN_EXE_sitrep"))
        .arg(&log)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(
        status.is_some_and(|s| s.success()),
        "the pipeline ended by itself"
    );
    assert_eq!(out, "one\n");
}

/// With fewer file descriptors than files in a glob, the files that cannot be opened are said once
/// each and retried, and no line is ever printed twice (a folder that cannot be listed for want of
/// a descriptor is not "every file gone"). The limit is set with util-linux `prlimit`.
#[test]
fn a_glob_of_more_files_than_descriptors_prints_no_line_twice() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..120 {
        std::fs::write(
            dir.path().join(format!("f{i:03}.log")),
            format!("a {i}\nb {i}\n"),
        )
        .unwrap();
    }
    let glob = format!("{}/*.log", dir.path().display());
    let mut child = Command::new("prlimit")
        .args(["--nofile=64", "--"])
        .arg(env!("CARGO_BIN_EXE_sitrep"))
        .args(["tail", &glob])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("prlimit (util-linux) runs");
    let out = gather(child.stdout.take().unwrap());
    let err = gather(child.stderr.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(30);
    while !err.lock().unwrap().contains("Too many open files") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    // Past the 5 s a file that left its glob lingers: a folder that could not be listed used to
    // read as every file gone, and each one found again was read again from its start.
    std::thread::sleep(Duration::from_secs(8));
    let _ = child.kill();
    let _ = child.wait();
    let err = err.lock().unwrap().clone();
    assert!(err.contains("Too many open files"), "{err}");
    assert!(
        err.contains("bytes are not read; tried again as descriptors free up"),
        "{err}"
    );
    let out = out.lock().unwrap().clone();
    let mut seen = std::collections::HashSet::new();
    for line in out
        .lines()
        .filter(|l| l.starts_with("a ") || l.starts_with("b "))
    {
        assert!(seen.insert(line.to_string()), "printed twice: {line}");
    }
    assert!(!seen.is_empty(), "some files were read:\n{out}");
    for line in err.lines() {
        let again = err.lines().filter(|l| *l == line).count();
        assert_eq!(again, 1, "said once: {line}");
    }
}

/// A named pipe is read as writers send to it, one writer after another, as `tail -f` reads one.
#[test]
fn a_named_pipe_is_read_writer_after_writer() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("app.pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .arg("tail")
        .arg(&fifo)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = gather(child.stdout.take().unwrap());
    // Each writer waits (at most 30 s, `timeout`) for sitrep to have the pipe open.
    for line in ["ERROR first writer", "INFO second writer"] {
        let wrote = Command::new("timeout")
            .args(["30", "sh", "-c", "printf '%s\\n' \"$1\" > \"$0\""])
            .arg(&fifo)
            .arg(line)
            .status()
            .unwrap();
        assert!(wrote.success(), "the writer got the pipe");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while !out.lock().unwrap().contains("INFO second writer") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    let out = out.lock().unwrap().clone();
    assert!(out.contains("ERROR first writer"), "{out}");
    assert!(out.contains("INFO second writer"), "{out}");
}
