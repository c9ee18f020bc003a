//! Every line read from a real file, glob or command carries its own time, not the time it was read.

use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use sitrep::tail::{
    LogLine, SourceSpec, TailEvent, TailOptions, TimeOrigin, TimeRule, Zone, spawn_source,
};
use tokio::sync::mpsc;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Long enough for a slow, busy machine; only reached when something is wrong.
const PATIENCE: Duration = Duration::from_secs(20);

fn options(times: TimeRule) -> TailOptions {
    TailOptions {
        from_start: true,
        poll_interval: Duration::from_millis(50),
        times,
        ..TailOptions::default()
    }
}

/// Follows `spec` until `n` lines arrived (bounded), returning them whole.
fn follow(spec: SourceSpec, opts: TailOptions, n: usize) -> Vec<LogLine> {
    let (tx, mut rx) = mpsc::channel(64);
    let _handle = spawn_source(0, spec, tx, opts);
    let deadline = Instant::now() + PATIENCE;
    let mut lines = Vec::new();
    while lines.len() < n && Instant::now() < deadline {
        match rx.try_recv() {
            Ok(TailEvent::Lines { lines: more, .. }) => lines.extend(more),
            Ok(TailEvent::Status { .. }) => {}
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    assert_eq!(lines.len(), n, "lines: {lines:?}");
    lines
}

fn zone(text: &str) -> Result<Zone, String> {
    Zone::parse(text)
}

#[test]
fn a_file_line_keeps_its_own_time_and_a_continuation_inherits_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("app.log");
    let hour_ago = Utc::now() - chrono::Duration::hours(1);
    let written = hour_ago.to_rfc3339_opts(SecondsFormat::Millis, true);
    let at = DateTime::parse_from_rfc3339(&written)?.to_utc();
    std::fs::write(
        &path,
        format!("{written} ERROR payment failed\n\tat Pay.charge(Pay.java:42)\n"),
    )?;
    let started = Utc::now();
    let lines = follow(SourceSpec::File(path), options(TimeRule::default()), 2);
    assert_eq!(lines[0].time, Some(at));
    assert!(lines[0].received >= started, "read now, not an hour ago");
    let span = lines[0].time_origin.span().unwrap_or_default();
    assert_eq!(&lines[0].text[span], written);
    assert_eq!(lines[0].time_origin.assumed(), None, "it named its zone");
    assert_eq!(lines[1].time, Some(at));
    assert_eq!(
        lines[1].time_origin,
        TimeOrigin::Inherited { assumed: None }
    );
    Ok(())
}

#[test]
fn a_glob_source_reads_times_without_a_zone_in_its_configured_zone() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("api.log"),
        "2026-11-28 19:42:57,474 WARN slow\n",
    )?;
    let pattern = format!("{}/*.log", dir.path().display());
    let plus_two = zone("+02:00")?;
    let lines = follow(
        SourceSpec::Glob(pattern),
        options(TimeRule::auto(plus_two)),
        1,
    );
    let at = DateTime::parse_from_rfc3339("2026-11-28T17:42:57.474Z")?.to_utc();
    assert_eq!(lines[0].time, Some(at));
    assert_eq!(lines[0].time_origin.assumed(), Some(plus_two));
    Ok(())
}

#[test]
fn a_command_source_reads_its_configured_format() -> TestResult {
    let runtime = tokio::runtime::Runtime::new()?;
    let _guard = runtime.enter();
    let rule = TimeRule::with_format("%d.%m.%Y %H:%M:%S", zone("UTC")?)?;
    let spec = SourceSpec::Command(vec![
        "sh".into(),
        "-c".into(),
        "echo 'worker-3 28.11.2026 19:42:57 job done'; sleep 30".into(),
    ]);
    let lines = follow(spec, options(rule), 1);
    let at = DateTime::parse_from_rfc3339("2026-11-28T19:42:57Z")?.to_utc();
    assert_eq!(lines[0].time, Some(at));
    let span = lines[0].time_origin.span().unwrap_or_default();
    assert_eq!(&lines[0].text[span], "28.11.2026 19:42:57");
    Ok(())
}
