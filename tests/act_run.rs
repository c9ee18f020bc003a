//! Running step commands for real: exit codes, time limits, cancellation of whole process groups,
//! floods of output and hostile escape sequences.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod process_group;
use process_group::{group_members, survivors};

use std::collections::VecDeque;
use std::path::Path;
use std::time::Duration;

use sitrep::act::{
    CommandSpec, FinishReason, RunEvent, RunHandle, RunOutcome, TAIL_LINES, spawn_command,
};
use tokio::sync::mpsc;

/// Everything a run reported.
struct Seen {
    /// The last 10 000 lines received.
    lines: Vec<String>,
    /// Lines received in all.
    received: u64,
    /// Lines the run said it skipped.
    skipped: u64,
    batches: usize,
    outcome: RunOutcome,
}

/// Collects a run's events until `Finished` (at most `limit`).
async fn collect(mut rx: mpsc::Receiver<RunEvent>, limit: Duration) -> Seen {
    let work = async {
        let mut lines = VecDeque::new();
        let (mut received, mut skipped, mut batches) = (0, 0, 0);
        loop {
            match rx.recv().await.expect("the run ended without Finished") {
                RunEvent::Output {
                    skipped: s,
                    lines: l,
                    ..
                } => {
                    batches += 1;
                    skipped += s;
                    received += l.len() as u64;
                    lines.extend(l);
                    while lines.len() > 10_000 {
                        lines.pop_front();
                    }
                }
                RunEvent::Finished(outcome) => {
                    return Seen {
                        lines: lines.into(),
                        received,
                        skipped,
                        batches,
                        outcome,
                    };
                }
            }
        }
    };
    tokio::time::timeout(limit, work)
        .await
        .expect("the run did not finish in time")
}

async fn run(spec: CommandSpec) -> Seen {
    let (tx, rx) = mpsc::channel(64);
    let _handle = spawn_command(1, spec, tx);
    collect(rx, Duration::from_secs(30)).await
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

#[tokio::test]
async fn a_command_that_succeeds_reports_exit_0_and_its_output() {
    let seen = run(CommandSpec::parse("echo 'hello  world'", false).unwrap()).await;
    assert_eq!(seen.lines, ["hello  world"]);
    assert_eq!(seen.outcome.reason, FinishReason::Exited);
    assert_eq!(seen.outcome.exit_code, Some(0));
    assert!(seen.outcome.succeeded());
    assert_eq!(seen.outcome.tail, ["hello  world"]);
    assert!(seen.outcome.summary().starts_with("exit 0 after "));
}

#[tokio::test]
async fn a_failing_command_reports_its_exit_code_and_both_streams() {
    let spec = CommandSpec::shell("echo checking; echo 'deploy not found' >&2; exit 3");
    let seen = run(spec).await;
    assert_eq!(seen.outcome.exit_code, Some(3));
    assert_eq!(seen.outcome.reason, FinishReason::Exited);
    assert!(!seen.outcome.succeeded());
    let mut tail = seen.outcome.tail.clone();
    tail.sort();
    assert_eq!(tail, ["checking", "deploy not found"]);
    assert!(seen.outcome.summary().starts_with("exit 3 after "));
}

#[tokio::test]
async fn a_command_past_its_time_limit_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let line = format!("echo $$ > {}; echo started; sleep 30", pidfile.display());
    let spec = CommandSpec::shell(line).with_timeout(Duration::from_millis(300));
    let seen = run(spec).await;
    assert_eq!(seen.outcome.reason, FinishReason::TimedOut);
    assert_eq!(seen.outcome.exit_code, None);
    assert_eq!(seen.outcome.tail, ["started"]);
    assert!(seen.outcome.summary().starts_with("timed out after "));
    let pgid = read_pid(&pidfile).await;
    assert_eq!(survivors(pgid).await, Vec::<u32>::new());
}

#[tokio::test]
async fn cancelling_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let line = format!("echo $$ > {}; sleep 100; echo never", pidfile.display());
    let (tx, rx) = mpsc::channel(64);
    let handle = spawn_command(7, CommandSpec::shell(line), tx);
    let pgid = read_pid(&pidfile).await;
    // The shell and its sleep are both running in the group.
    for _ in 0..100 {
        if group_members(pgid).len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(group_members(pgid).len() >= 2);
    handle.cancel();
    let seen = collect(rx, Duration::from_secs(20)).await;
    assert_eq!(seen.outcome.id, 7);
    assert_eq!(seen.outcome.reason, FinishReason::Cancelled);
    assert_eq!(seen.outcome.exit_code, None);
    assert!(!seen.lines.contains(&"never".to_string()));
    assert_eq!(survivors(pgid).await, Vec::<u32>::new());
    for _ in 0..100 {
        if handle.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(handle.is_finished());
}

#[tokio::test]
async fn a_command_that_ignores_sigterm_is_killed_after_the_grace() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let line = format!("trap '' TERM; echo $$ > {}; sleep 100", pidfile.display());
    let spec = CommandSpec::shell(line).with_kill_grace(Duration::from_millis(200));
    let (tx, rx) = mpsc::channel(64);
    let handle = spawn_command(1, spec, tx);
    let pgid = read_pid(&pidfile).await;
    handle.cancel();
    let seen = collect(rx, Duration::from_secs(20)).await;
    assert_eq!(seen.outcome.reason, FinishReason::Cancelled);
    assert_eq!(survivors(pgid).await, Vec::<u32>::new());
}

#[tokio::test]
async fn dropping_the_handle_cancels_the_run() {
    let (tx, rx) = mpsc::channel(64);
    let handle: RunHandle = spawn_command(2, CommandSpec::shell("sleep 100"), tx);
    drop(handle);
    let seen = collect(rx, Duration::from_secs(20)).await;
    assert_eq!(seen.outcome.reason, FinishReason::Cancelled);
}

#[tokio::test]
async fn a_flood_of_output_keeps_memory_bounded_and_the_tail_right() {
    // 25 million lines of "y": storing them would take well over a gigabyte.
    let spec = CommandSpec::shell("yes | head -c 50000000; echo last line");
    let seen = run(spec).await;
    assert_eq!(seen.outcome.exit_code, Some(0));
    assert_eq!(seen.outcome.lines_total, 25_000_001);
    assert_eq!(seen.outcome.bytes_total, 50_000_010);
    // Every line is either delivered or counted as skipped.
    assert_eq!(seen.skipped + seen.received, 25_000_001);
    assert_eq!(seen.outcome.tail.len(), TAIL_LINES);
    assert_eq!(seen.outcome.tail.last().unwrap(), "last line");
    assert!(seen.outcome.tail[..TAIL_LINES - 1].iter().all(|l| l == "y"));
    assert_eq!(seen.lines.last().unwrap(), "last line");
    // Batched: far fewer messages than reads, let alone lines.
    assert!(seen.batches < 5_000, "{} batches", seen.batches);
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let peak_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    assert!(peak_kib < 256 * 1024, "peak memory {peak_kib} KiB");
}

#[tokio::test]
async fn escape_sequences_in_output_are_neutralised() {
    let spec = CommandSpec::shell(
        r"printf '\033[2J\033]0;pwned\007\033]52;c;aGk=\007\033[31mred\033[0m text\n'",
    );
    let seen = run(spec).await;
    assert_eq!(seen.lines, ["red text"]);
    assert!(seen.outcome.tail.iter().all(|l| !l.contains('\u{1b}')));
}

#[tokio::test]
async fn a_missing_program_fails_to_start_with_a_clear_reason() {
    let seen = run(CommandSpec::argv(["sitrep-no-such-program", "--help"])).await;
    assert_eq!(
        seen.outcome.reason,
        FinishReason::FailedToStart(
            "`sitrep-no-such-program` was not found: is it installed and on PATH?".into()
        )
    );
    assert!(seen.outcome.summary().starts_with("did not start: "));
    // A path is looked for from the working folder, which the reason names.
    let dir = tempfile::tempdir().unwrap();
    let seen = run(CommandSpec::argv(["./scripts/flag", "off"]).with_cwd(dir.path())).await;
    let FinishReason::FailedToStart(why) = &seen.outcome.reason else {
        panic!("{:?}", seen.outcome.reason)
    };
    assert_eq!(
        why,
        &format!(
            "`./scripts/flag` was not found from {}: check the path (a relative one is read from that folder)",
            dir.path().display()
        )
    );
}

#[tokio::test]
async fn the_working_folder_is_used_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let seen = run(CommandSpec::argv(["pwd"]).with_cwd(dir.path())).await;
    let real = dir.path().canonicalize().unwrap();
    assert_eq!(seen.lines, [real.display().to_string()]);

    let gone = dir.path().join("gone");
    let seen = run(CommandSpec::argv(["pwd"]).with_cwd(&gone)).await;
    assert_eq!(
        seen.outcome.reason,
        FinishReason::FailedToStart(format!("working folder {} does not exist", gone.display()))
    );
}

#[tokio::test]
async fn a_filled_template_runs_with_the_value_as_one_argument() {
    let params = [("service".to_string(), "pay ments".to_string())].into();
    let spec = CommandSpec::from_template("printf '[%s]\\n' {service}", &params, false).unwrap();
    let seen = run(spec).await;
    assert_eq!(seen.lines, ["[pay ments]"]);
}

#[tokio::test]
async fn a_command_killed_from_outside_reports_the_signal() {
    let seen = run(CommandSpec::shell("echo dying; kill -9 $$")).await;
    assert_eq!(seen.outcome.reason, FinishReason::KilledBySignal(9));
    assert_eq!(seen.outcome.exit_code, None);
    assert_eq!(seen.outcome.tail, ["dying"]);
    assert!(
        seen.outcome
            .summary()
            .starts_with("killed by signal 9 after ")
    );
}
