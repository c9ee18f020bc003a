//! The one child-process runner: a command's whole process group goes when it is stopped, output
//! printed after the exit is still read but never waited on forever, and what may outlive a command
//! is decided by its caller.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod process_group;
use process_group::{group_members, survivors};

use std::path::Path;
use std::time::Duration;

use sitrep::core::child::{Child, Event, Stream, Survivors};

/// Waits (bounded) until the group has at least `n` members.
async fn members_at_least(pgid: u32, n: usize) {
    for _ in 0..200 {
        if group_members(pgid).len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the group never had {n} members");
}

async fn read_pid(path: &Path) -> u32 {
    for _ in 0..200 {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Ok(pid) = text.trim().parse()
        {
            return pid;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the command never wrote its pid");
}

/// `sh -c LINE`, started by the runner.
fn shell(line: &str, survivors: Survivors) -> Child {
    let args = ["-c".into(), line.into()];
    Child::spawn("sh".as_ref(), &args, None, survivors).unwrap()
}

/// Drives the child to its end (bounded), returning its stdout.
async fn run_to_end(child: &mut Child) -> String {
    let mut out = Vec::new();
    let drive = async {
        loop {
            match child.next().await {
                Event::Output(Stream::Stdout) => out.extend_from_slice(child.chunk()),
                Event::Output(Stream::Stderr) | Event::Exited(_) => {}
                Event::Done => break,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), drive)
        .await
        .expect("the run ends in bounded time");
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn stopping_kills_the_group_and_a_grandchild_does_not_outlive_it() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let line = format!(
        "echo $$ > {}; (sleep 100; echo grandchild) & sleep 100; echo never",
        pidfile.display()
    );
    let mut child = shell(&line, Survivors::Spare);
    let pgid = read_pid(&pidfile).await;
    members_at_least(pgid, 3).await;
    child.stop(Duration::from_millis(200));
    let out = run_to_end(&mut child).await;
    drop(child);
    assert!(
        !out.contains("never") && !out.contains("grandchild"),
        "{out}"
    );
    assert_eq!(survivors(pgid).await, Vec::<u32>::new());
}

#[tokio::test]
async fn a_command_ignoring_sigterm_is_killed_after_the_grace() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let line = format!("trap '' TERM; echo $$ > {}; sleep 100", pidfile.display());
    let mut child = shell(&line, Survivors::Spare);
    let pgid = read_pid(&pidfile).await;
    child.stop(Duration::from_millis(200));
    run_to_end(&mut child).await;
    drop(child);
    assert_eq!(survivors(pgid).await, Vec::<u32>::new());
}

#[tokio::test]
async fn output_after_the_exit_is_drained_and_a_held_pipe_is_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    // The background child prints after the leader exits, then holds the pipe open for good.
    let line = format!(
        "echo $$ > {}; (sleep 0.1; echo late; exec sleep 100) & echo early",
        pidfile.display()
    );
    let mut child = shell(&line, Survivors::Kill);
    let pgid = read_pid(&pidfile).await;
    // Ends within the bound of `run_to_end`: by the drain grace, not by the sleeper's 100 s.
    let out = run_to_end(&mut child).await;
    assert_eq!(out, "early\nlate\n");
    assert!(child.has_exited());
    drop(child);
    assert_eq!(survivors(pgid).await, Vec::<u32>::new());
}

#[tokio::test]
async fn a_spared_background_process_outlives_a_command_that_exits_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let line = format!(
        "echo $$ > {}; sleep 100 > /dev/null 2>&1 & echo started",
        pidfile.display()
    );
    let mut child = shell(&line, Survivors::Spare);
    let pgid = read_pid(&pidfile).await;
    assert_eq!(run_to_end(&mut child).await, "started\n");
    drop(child);
    let left = group_members(pgid);
    assert_eq!(left.len(), 1, "the background sleep is left running");
    // Clean up what the test left behind.
    let leader = rustix::process::Pid::from_raw(i32::try_from(pgid).unwrap()).unwrap();
    let _ = rustix::process::kill_process_group(leader, rustix::process::Signal::KILL);
    assert_eq!(survivors(pgid).await, Vec::<u32>::new());
}

/// The `session` field of /proc/PID/stat.
fn session_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    // After `(comm)`: state, ppid, pgrp, session.
    rest.split_whitespace().nth(3)?.parse().ok()
}

#[tokio::test]
async fn a_command_runs_in_its_own_session_with_no_terminal_to_prompt_on() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let line = format!("echo $$ > {}; cat /dev/tty; sleep 100", pidfile.display());
    let mut child = shell(&line, Survivors::Kill);
    let pid = read_pid(&pidfile).await;
    assert_eq!(
        session_of(pid),
        Some(pid),
        "the command leads a session of its own, so no terminal of ours is its controlling terminal"
    );
    child.stop(Duration::from_millis(200));
    run_to_end(&mut child).await;
    assert!(survivors(pid).await.is_empty());
}

#[tokio::test]
async fn a_program_that_is_not_there_fails_to_start_as_not_found() {
    let err = Child::spawn(
        "no-such-program-sitrep".as_ref(),
        &[],
        None,
        Survivors::Kill,
    )
    .err()
    .map(|e| e.kind());
    assert_eq!(err, Some(std::io::ErrorKind::NotFound));
    let err = Child::spawn("./nope/x".as_ref(), &[], None, Survivors::Kill)
        .err()
        .map(|e| e.kind());
    assert_eq!(err, Some(std::io::ErrorKind::NotFound));
}

#[tokio::test]
async fn a_program_that_cannot_be_run_fails_to_start_as_permission_denied() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("not-executable.sh");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    let err = Child::spawn(script.as_os_str(), &[], None, Survivors::Kill)
        .err()
        .map(|e| e.kind());
    assert_eq!(err, Some(std::io::ErrorKind::PermissionDenied));
}
