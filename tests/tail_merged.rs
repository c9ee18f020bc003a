//! `sitrep tail A B` merges its files in the order their lines' own times name, as the cockpit
//! does: the real binary on real files.

mod cli_tail;

use chrono::{SecondsFormat, TimeDelta, Utc};
use cli_tail::{Tail, append};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A line stamped `secs` after `base`.
fn stamped(base: chrono::DateTime<Utc>, secs: i64, text: &str) -> String {
    let at = (base + TimeDelta::seconds(secs)).to_rfc3339_opts(SecondsFormat::Millis, true);
    format!("{at} {text}")
}

#[test]
fn two_files_print_in_the_order_their_lines_happened_and_a_late_line_says_so() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (a, b) = (dir.path().join("a.log"), dir.path().join("b.log"));
    let base = Utc::now() - TimeDelta::hours(1);
    let line = |secs, text| stamped(base, secs, text);
    // Existing content, an hour old: each file in its own order, interleaved in time.
    append(
        &a,
        &[line(0, "INFO a0"), line(2, "INFO a2"), line(4, "INFO a4")],
    )?;
    append(&b, &[line(1, "INFO b1"), line(3, "ERROR b3")])?;
    let tail = Tail::start(&[], &[&a, &b])?;
    let text = tail.wait_for(&[line(4, "INFO a4"), line(3, "ERROR b3")]);
    let printed: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("==> "))
        .collect();
    assert_eq!(
        printed,
        [
            line(0, "INFO a0"),
            line(1, "INFO b1"),
            line(2, "INFO a2"),
            line(3, "ERROR b3"),
            line(4, "INFO a4")
        ],
        "{text}"
    );
    // The file changes with every line: each gets tail's header.
    let headers = text.lines().filter(|l| l.starts_with("==> ")).count();
    assert_eq!(headers, 5, "{text}");
    // A line written now that says it happened before everything shown: printed, marked late.
    let old = line(-60, "WARN b-old");
    append(&b, std::slice::from_ref(&old))?;
    let text = tail.wait_for(std::slice::from_ref(&old));
    let header = format!("==> {} (late) <==", b.display());
    assert!(
        text.ends_with(&format!("{header}\n{old}\n")),
        "the late line comes last under a header that says so:\n{text}"
    );
    Ok(())
}
