//! `sitrep tail --follow-field KEY=VALUE`: the real binary following real files prints the lines
//! of one request from every file, and no line of a request whose id merely starts the same.

mod cli_tail;

use std::process::Command;
use std::time::Duration;

use cli_tail::{Tail, append};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const T: &str = "2026-11-28T23:27:19.474Z";

fn request(level: &str, id: &str, status: u16) -> String {
    format!(
        "{T} {level} request method=POST path=/v1/charge status={status} duration_ms=3004 req_id={id} customer=cus_1234"
    )
}

fn provider(id: &str) -> String {
    format!("{T} ERROR provider call failed: upstream timeout after 3000ms req_id={id} attempt=1/3")
}

fn printed(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with("==> "))
        .collect()
}

#[test]
fn lines_of_one_request_are_printed_from_both_files_and_a_longer_id_is_not() -> TestResult {
    let dir = tempfile::tempdir()?;
    let api = dir.path().join("api.log");
    let provider_log = dir.path().join("provider.log");
    // Already there when sitrep starts: a near-miss id before the followed one, in each file.
    append(
        &api,
        &[
            request("INFO ", "cff913031", 200),
            request("INFO ", "aaaa0001", 200),
        ],
    )?;
    append(&provider_log, &[provider("cff913031")])?;
    let tail = Tail::start(
        &["--follow-field", "req_id=cff91303"],
        &[&api, &provider_log],
    )?;
    // Then the followed request, interleaved across the files; within a file the near-miss comes
    // first, so once the match is printed the near-miss has been read and passed over.
    append(
        &provider_log,
        &[provider("cff913031"), provider("cff91303")],
    )?;
    append(
        &api,
        &[
            request("ERROR", "cff913031", 502),
            request("ERROR", "cff91303", 502),
        ],
    )?;
    append(
        &provider_log,
        &[format!(
            "{T} WARN retrying cff91303 attempt=2/3 req_id=cff91303"
        )],
    )?;
    let wanted = vec![
        provider("cff91303"),
        request("ERROR", "cff91303", 502),
        format!("{T} WARN retrying cff91303 attempt=2/3 req_id=cff91303"),
    ];
    let text = tail.wait_for(&wanted);
    let mut got = printed(&text);
    got.sort_unstable();
    let mut expected: Vec<&str> = wanted.iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(got, expected, "{text}");
    Ok(())
}

#[test]
fn follow_field_and_filter_must_both_hold() -> TestResult {
    let dir = tempfile::tempdir()?;
    let api = dir.path().join("api.log");
    let other = dir.path().join("other.log");
    append(
        &api,
        &[
            request("INFO ", "cff91303", 200),
            request("ERROR", "cff91303", 502),
        ],
    )?;
    append(&other, &[provider("cff91303"), provider("b0b0b0b0")])?;
    let tail = Tail::start(
        &["--filter", "status=5", "--follow-field", "req_id=cff91303"],
        &[&api, &other],
    )?;
    // The provider lines have no `status=5`; one appended after them shows they were read.
    append(&other, &[format!("{T} ERROR status=503 req_id=cff91303")])?;
    let wanted = vec![
        request("ERROR", "cff91303", 502),
        format!("{T} ERROR status=503 req_id=cff91303"),
    ];
    let text = tail.wait_for(&wanted);
    let mut got = printed(&text);
    got.sort_unstable();
    let mut expected: Vec<&str> = wanted.iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(got, expected, "{text}");
    Ok(())
}

#[test]
fn a_file_with_no_line_of_the_request_gets_no_header() -> TestResult {
    let dir = tempfile::tempdir()?;
    let api = dir.path().join("api.log");
    let quiet = dir.path().join("quiet.log");
    append(&quiet, &[provider("b0b0b0b0"), provider("cff913031")])?;
    append(&api, &[request("ERROR", "cff91303", 502)])?;
    let tail = Tail::start(&["--follow-field", "req_id=cff91303"], &[&quiet, &api])?;
    // Both files are being read once the api line is out; the pause lets the quiet file's first
    // lines arrive as a batch of their own (which must print nothing) before a match is appended.
    tail.wait_for(&[request("ERROR", "cff91303", 502)]);
    std::thread::sleep(Duration::from_millis(500));
    append(&quiet, &[provider("cff91303")])?;
    let text = tail.wait_for(&[provider("cff91303")]);
    let headers = text.lines().filter(|l| l.starts_with("==> ")).count();
    assert_eq!(
        headers,
        text.lines().filter(|l| l.contains("req_id=")).count(),
        "{text}"
    );
    assert!(
        text.contains(&format!("==> {} <==", api.display())),
        "{text}"
    );
    Ok(())
}

#[test]
fn a_follow_field_without_key_or_value_is_refused_with_the_form_to_use() -> TestResult {
    for bad in ["req_id", "=cff91303", "req_id="] {
        let out = Command::new(env!("CARGO_BIN_EXE_sitrep"))
            .args(["tail", "--follow-field", bad, "app.log"])
            .output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "invalid value '{bad}' for '--follow-field <KEY=VALUE>'"
            )) && stderr.contains("expected KEY=VALUE, for example req_id=cff91303"),
            "{bad}: {stderr}"
        );
    }
    Ok(())
}
