//! Following real files through appends, rotation, truncation, deletion and globs.

mod tail_support;

use std::fs::{self, OpenOptions};
use std::io::Write;

use sitrep::core::level::Level;
use sitrep::tail::{SourceSpec, SourceStatus, TailOptions};
use tail_support::{Follower, as_text, numbered};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn append(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(text.as_bytes())
}

fn appended_lines_arrive_once_in_order(opts: TailOptions) -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("app.log");
    let first = numbered("first", 0..50);
    fs::write(&path, as_text(&first))?;
    let mut follower = Follower::start(SourceSpec::File(path.clone()), opts);
    let mut all = first.clone();
    follower.wait_until(|f| f.lines.len() == 50);
    let later = numbered("later", 0..50);
    append(&path, &as_text(&later))?;
    all.extend(later);
    follower.expect_lines(&all);
    follower.wait_for_status(|s| matches!(s, SourceStatus::Following { .. }));
    Ok(())
}

fn partial_line_waits_for_its_newline(opts: TailOptions) -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("app.log");
    fs::write(&path, "complete\nhalf")?;
    let mut follower = Follower::start(SourceSpec::File(path.clone()), opts);
    follower.expect_lines(&["complete".to_string()]);
    append(&path, " and the rest\r\n")?;
    follower.expect_lines(&["complete".into(), "half and the rest".into()]);
    Ok(())
}

fn rotation_by_rename_loses_no_line(opts: TailOptions) -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("app.log");
    let before = numbered("old", 0..100);
    let mut writer = OpenOptions::new().create(true).append(true).open(&path)?;
    writer.write_all(as_text(&before[..10]).as_bytes())?;
    let mut follower = Follower::start(SourceSpec::File(path.clone()), opts);
    follower.wait_until(|f| !f.lines.is_empty());
    writer.write_all(as_text(&before[10..]).as_bytes())?;
    fs::rename(&path, dir.path().join("app.log.1"))?;
    // The writer has not reopened yet: these land in the rotated file.
    let late = numbered("late", 0..5);
    writer.write_all(as_text(&late).as_bytes())?;
    let after = numbered("new", 0..100);
    fs::write(&path, as_text(&after))?;
    follower.wait_until(|f| f.lines.len() >= 205);
    let mut got = follower.lines.clone();
    got.sort();
    let mut want: Vec<String> = before.iter().chain(&late).chain(&after).cloned().collect();
    want.sort();
    assert_eq!(got, want);
    let old_last = follower.lines.iter().position(|l| l == "old 00099");
    let new_first = follower.lines.iter().position(|l| l == "new 00000");
    assert!(old_last < new_first, "old file finished before the new one");
    follower.wait_for_status(|s| matches!(s, SourceStatus::Rotated { .. }));
    Ok(())
}

fn copytruncate_restarts_at_the_start(opts: TailOptions) -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("app.log");
    let before = numbered("before", 0..30);
    fs::write(&path, as_text(&before))?;
    let mut follower = Follower::start(SourceSpec::File(path.clone()), opts);
    follower.expect_lines(&before);
    fs::copy(&path, dir.path().join("app.log.1"))?;
    OpenOptions::new().write(true).open(&path)?.set_len(0)?;
    follower.wait_for_status(|s| matches!(s, SourceStatus::Truncated { .. }));
    let after = numbered("after", 0..3);
    append(&path, &as_text(&after))?;
    let want: Vec<String> = before.iter().chain(&after).cloned().collect();
    follower.expect_lines(&want);
    Ok(())
}

fn truncated_and_regrown_past_the_offset_is_noticed(opts: TailOptions) -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("app.log");
    let before = numbered("short", 0..3);
    fs::write(&path, as_text(&before))?;
    let mut follower = Follower::start(SourceSpec::File(path.clone()), opts);
    follower.expect_lines(&before);
    // Rewritten in one go, longer than before: the size alone never looks smaller.
    let after = numbered("rewritten", 0..40);
    fs::write(&path, as_text(&after))?;
    let want: Vec<String> = before.iter().chain(&after).cloned().collect();
    follower.expect_lines(&want);
    follower.wait_for_status(|s| matches!(s, SourceStatus::Truncated { .. }));
    Ok(())
}

fn deleted_file_is_retried_until_it_returns(opts: TailOptions) -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("app.log");
    let before = numbered("before", 0..5);
    fs::write(&path, as_text(&before))?;
    let mut follower = Follower::start(SourceSpec::File(path.clone()), opts);
    follower.expect_lines(&before);
    fs::remove_file(&path)?;
    follower.wait_for_status(|s| matches!(s, SourceStatus::Gone { .. }));
    let after = numbered("after", 0..5);
    fs::write(&path, as_text(&after))?;
    let want: Vec<String> = before.iter().chain(&after).cloned().collect();
    follower.expect_lines(&want);
    let statuses = &follower.statuses;
    assert!(
        matches!(statuses.last(), Some(SourceStatus::Following { .. })),
        "{statuses:?}"
    );
    Ok(())
}

fn missing_file_is_waited_for(opts: TailOptions) -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("later.log");
    let mut follower = Follower::start(SourceSpec::File(path.clone()), opts);
    follower.wait_for_status(|s| matches!(s, SourceStatus::Waiting { .. }));
    let lines = numbered("line", 0..10);
    fs::write(&path, as_text(&lines))?;
    follower.expect_lines(&lines);
    Ok(())
}

fn glob_picks_up_new_files(opts: TailOptions) -> TestResult {
    let dir = tempfile::tempdir()?;
    fs::write(dir.path().join("a.log"), "from a\n")?;
    fs::write(dir.path().join("ignored.txt"), "not a log\n")?;
    let pattern = format!("{}/*.log", dir.path().display());
    let mut follower = Follower::start(SourceSpec::path(&pattern), opts);
    follower.expect_lines(&["from a".to_string()]);
    fs::write(dir.path().join("b.log"), "from b\n")?;
    follower.expect_lines(&["from a".into(), "from b".into()]);
    assert_eq!(
        follower.files[1].as_deref(),
        Some(dir.path().join("b.log").as_path())
    );
    Ok(())
}

fn lines_reach_the_reader_sanitized_and_levelled(opts: TailOptions) -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("app.log");
    let big = "x".repeat(5 * 1024 * 1024);
    let text = format!("\x1b[31mERROR\x1b[0m boom\x1b]52;c;aGk=\x07\r\n{big}\nok\0 done\n");
    fs::write(&path, text)?;
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let _handle = sitrep::tail::spawn_source(0, SourceSpec::File(path), tx, opts.clone());
    let mut lines = Vec::new();
    let deadline = std::time::Instant::now() + tail_support::PATIENCE;
    while lines.len() < 3 && std::time::Instant::now() < deadline {
        match rx.try_recv() {
            Ok(sitrep::tail::TailEvent::Lines { lines: batch, .. }) => lines.extend(batch),
            Ok(_) => {}
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
        }
    }
    assert_eq!(lines.len(), 3);
    assert_eq!(
        (lines[0].text.as_str(), lines[0].level),
        ("ERROR boom", Some(Level::Error))
    );
    assert_eq!(lines[1].cut_bytes, big.len() - opts.max_line_bytes);
    assert!(lines[1].text.len() < opts.max_line_bytes + 64);
    assert!(
        lines[1]
            .text
            .ends_with(&format!("[{} bytes cut]", lines[1].cut_bytes))
    );
    assert_eq!(lines[2].text, "ok^@ done");
    Ok(())
}

fn starting_at_the_end_shows_only_recent_lines(opts: TailOptions) -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("app.log");
    let lines = numbered("line", 0..1000);
    fs::write(&path, as_text(&lines))?;
    let opts = TailOptions {
        from_start: false,
        initial_lines: 5,
        ..opts
    };
    let mut follower = Follower::start(SourceSpec::File(path.clone()), opts);
    follower.expect_lines(&lines[995..]);
    append(&path, "fresh\n")?;
    let mut want = lines[995..].to_vec();
    want.push("fresh".into());
    follower.expect_lines(&want);
    Ok(())
}

on_both_paths!(
    appended_lines_arrive_once_in_order,
    partial_line_waits_for_its_newline,
    rotation_by_rename_loses_no_line,
    copytruncate_restarts_at_the_start,
    truncated_and_regrown_past_the_offset_is_noticed,
    deleted_file_is_retried_until_it_returns,
    missing_file_is_waited_for,
    glob_picks_up_new_files,
    lines_reach_the_reader_sanitized_and_levelled,
    starting_at_the_end_shows_only_recent_lines,
);
