//! Following commands (restarted when they exit) and `sitrep tail`'s printing loop.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sitrep::tail::{
    Selection, SourceSpec, SourceStatus, TailEvent, TailOptions, follow_to_writer, spawn_source,
};
use tokio::sync::mpsc;
use tokio::time::timeout;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const PATIENCE: Duration = Duration::from_secs(20);

fn quick() -> TailOptions {
    TailOptions {
        from_start: true,
        poll_interval: Duration::from_millis(50),
        restart_min: Duration::from_millis(100),
        restart_max: Duration::from_millis(400),
        ..TailOptions::default()
    }
}

fn sh(script: &str) -> SourceSpec {
    SourceSpec::Command(vec!["sh".into(), "-c".into(), script.into()])
}

/// Collects events until `done` says enough (bounded by `PATIENCE`).
async fn collect(
    rx: &mut mpsc::Receiver<TailEvent>,
    mut done: impl FnMut(&[String], &[SourceStatus]) -> bool,
) -> (Vec<String>, Vec<SourceStatus>) {
    let (mut lines, mut statuses) = (Vec::new(), Vec::new());
    let _ = timeout(PATIENCE, async {
        while !done(&lines, &statuses) {
            match rx.recv().await {
                Some(TailEvent::Lines { lines: batch, .. }) => {
                    lines.extend(batch.into_iter().map(|l| l.text));
                }
                Some(TailEvent::Status { status, .. }) => statuses.push(status),
                None => break,
            }
        }
    })
    .await;
    (lines, statuses)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_output_is_followed_and_the_command_restarted() {
    let (tx, mut rx) = mpsc::channel(64);
    let _handle = spawn_source(
        3,
        sh("echo 'INFO out'; echo 'ERROR err' >&2; printf 'no newline'; exit 3"),
        tx,
        quick(),
    );
    let runs = |statuses: &[SourceStatus]| {
        statuses
            .iter()
            .filter(|s| matches!(s, SourceStatus::Running { .. }))
            .count()
    };
    let (lines, statuses) = collect(&mut rx, |lines, statuses| {
        runs(statuses) >= 2 && lines.len() >= 6
    })
    .await;
    assert!(runs(&statuses) >= 2, "restarted: {statuses:?}");
    for want in ["INFO out", "ERROR err", "no newline"] {
        assert!(
            lines.iter().filter(|l| *l == want).count() >= 2,
            "{want}: {lines:?}"
        );
    }
    let exited = statuses
        .iter()
        .find(|s| matches!(s, SourceStatus::Exited { .. }));
    let Some(exited) = exited else {
        panic!("no exit reported: {statuses:?}");
    };
    assert_eq!(
        exited,
        &SourceStatus::Exited {
            code: Some(3),
            restart_in: Duration::from_millis(100)
        }
    );
    assert_eq!(
        exited.to_string(),
        "command exited with code 3; restarting in 100ms"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_program_is_reported_and_retried_with_backoff() {
    let (tx, mut rx) = mpsc::channel(64);
    let spec = SourceSpec::Command(vec!["/nonexistent/kubectl".into(), "logs".into()]);
    let _handle = spawn_source(0, spec, tx, quick());
    let errors = |statuses: &[SourceStatus]| -> Vec<String> {
        statuses
            .iter()
            .filter_map(|s| match s {
                SourceStatus::Error { message } => Some(message.clone()),
                _ => None,
            })
            .collect()
    };
    let (_, statuses) = collect(&mut rx, |_, statuses| errors(statuses).len() >= 3).await;
    let messages = errors(&statuses);
    assert_eq!(messages.len(), 3, "{statuses:?}");
    for (message, delay) in messages.iter().zip(["100ms", "200ms", "400ms"]) {
        assert!(
            message.starts_with("cannot start /nonexistent/kubectl: "),
            "{message}"
        );
        assert!(
            message.ends_with(&format!("; retrying in {delay}")),
            "{message}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_a_command_source_kills_the_command() -> TestResult {
    let dir = tempfile::tempdir()?;
    let pid_file = dir.path().join("pid");
    let script = format!(
        "echo $$ > {}; echo started; exec sleep 1000",
        pid_file.display()
    );
    let (tx, mut rx) = mpsc::channel(64);
    let handle = spawn_source(0, sh(&script), tx, quick());
    let (lines, _) = collect(&mut rx, |lines, _| !lines.is_empty()).await;
    assert_eq!(lines, ["started"]);
    let pid = std::fs::read_to_string(&pid_file)?.trim().to_string();
    drop(handle);
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    let gone = timeout(PATIENCE, async {
        // A zombie awaiting its reaper counts as gone: it runs no more.
        while std::fs::read_to_string(proc_dir.join("stat"))
            .is_ok_and(|stat| !stat.contains(") Z "))
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(gone.is_ok(), "process {pid} still running");
    Ok(())
}

/// A `Write` the test can read while the follower holds it.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Shared {
    fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut bytes) = self.0.lock() {
            bytes.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_prints_filtered_sanitized_lines_with_file_headers() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (a, b) = (dir.path().join("a.log"), dir.path().join("b.log"));
    std::fs::write(&a, "INFO a1\nERROR a2 \x1b]0;pwned\x07\n")?;
    std::fs::write(&b, "ERROR b1\x1b[31m red\nINFO b2\n")?;
    let filter = regex::Regex::new("ERROR")?;
    let out = Shared::default();
    let mut writer = out.clone();
    let mut diag = Vec::new();
    let watch = out.clone();
    let cancel = async move {
        for _ in 0..2000 {
            if watch.text().contains("b1 red") && watch.text().contains("a2") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    let specs = vec![SourceSpec::File(a.clone()), SourceSpec::File(b.clone())];
    let written = follow_to_writer(
        specs,
        Selection {
            filter: Some(&filter),
            field: None,
        },
        quick(),
        &mut writer,
        &mut diag,
        cancel,
    )
    .await?;
    let text = out.text();
    assert_eq!(written, 2, "{text}");
    let a_part = format!("==> {} <==\nERROR a2 \n", a.display());
    let b_part = format!("==> {} <==\nERROR b1 red\n", b.display());
    assert!(text.contains(&a_part) && text.contains(&b_part), "{text}");
    assert!(!text.contains('\x1b'));
    Ok(())
}

/// `sitrep tail` stopped by SIGTERM or SIGHUP (`timeout`, a closed terminal, a service stopped)
/// ends its command sources' processes, as Ctrl-C does: none is left running under init.
#[test]
fn sitrep_tail_stopped_by_a_signal_leaves_no_command_running() -> TestResult {
    for signal in ["-TERM", "-HUP"] {
        let dir = tempfile::tempdir()?;
        let pid_file = dir.path().join("pid");
        let script = dir.path().join("run.sh");
        std::fs::write(
            &script,
            format!(
                "echo $$ > {}\necho up\nexec sleep 600\n",
                pid_file.display()
            ),
        )?;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sitrep"))
            .args(["tail", &format!("command:sh {}", script.display())])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let deadline = std::time::Instant::now() + PATIENCE;
        let pid = loop {
            if let Some(pid) = std::fs::read_to_string(&pid_file)
                .ok()
                .and_then(|t| t.trim().parse::<i32>().ok())
            {
                break pid;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the command never started"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()?;
        let _ = child.wait();
        let alive = |pid: i32| std::path::Path::new(&format!("/proc/{pid}")).exists();
        let deadline = std::time::Instant::now() + PATIENCE;
        while alive(pid) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let left = alive(pid);
        if left {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        assert!(!left, "{signal}: the command {pid} was left running");
    }
    Ok(())
}

/// With several sources, `sitrep tail` says which one a restart is about.
#[test]
fn a_command_restart_names_its_source() -> TestResult {
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("fails.sh");
    std::fs::write(&script, "echo once\nexit 3\n")?;
    let quiet = dir.path().join("quiet.sh");
    std::fs::write(&quiet, "exec sleep 600\n")?;
    let out = std::process::Command::new("timeout")
        .args([
            "3",
            env!("CARGO_BIN_EXE_sitrep"),
            "tail",
            &format!("command:sh {}", script.display()),
            &format!("command:sh {}", quiet.display()),
        ])
        .output()?;
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!(
            "sitrep: sh {}: command exited with code 3",
            script.display()
        )),
        "{said}"
    );
    Ok(())
}

/// A command source's address is split as `sh` would split it, without a shell: `ssh host 'tail
/// -F …'` is three words; a pipe asks for a shell and says how to run one.
#[test]
fn a_command_address_is_split_by_the_shells_quoting_rules() {
    assert_eq!(
        SourceSpec::parse("command:ssh web1 'tail -F /var/log/app.log'"),
        Ok(SourceSpec::Command(vec![
            "ssh".into(),
            "web1".into(),
            "tail -F /var/log/app.log".into()
        ]))
    );
    assert_eq!(
        SourceSpec::parse(r#"command:sh -c "journalctl -f | grep pay""#),
        Ok(SourceSpec::Command(vec![
            "sh".into(),
            "-c".into(),
            "journalctl -f | grep pay".into()
        ]))
    );
    let refused = SourceSpec::parse("command:journalctl -f | grep pay").unwrap_err();
    assert!(
        refused.contains("`|` needs a shell") && refused.contains("command:sh -c"),
        "{refused}"
    );
    let open = SourceSpec::parse("command:sh -c 'echo hello").unwrap_err();
    assert!(open.contains("never closed"), "{open}");
}
