//! What `sitrep probe URL --count N --header K:V` prints, against a real loopback server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod health_support;

use std::time::Duration;

use health_support::Server;
use sitrep::health::{EndpointSpec, Prober, parse_header_arg, run_probe_command};

const BOUND: Duration = Duration::from_secs(20);

async fn run(spec: EndpointSpec, count: u32) -> (String, bool) {
    let mut out = Vec::new();
    let summary = tokio::time::timeout(
        BOUND,
        run_probe_command(&Prober::new(), &spec, count, &mut out),
    )
    .await
    .expect("bounded")
    .expect("writing to a Vec cannot fail");
    (String::from_utf8(out).unwrap(), summary.all_up())
}

fn every_10ms(url: String) -> EndpointSpec {
    EndpointSpec {
        interval: Duration::from_millis(10),
        ..EndpointSpec::new("probe", url)
    }
}

#[tokio::test]
async fn prints_each_probe_and_a_summary_with_the_differences() {
    let s = Server::start().await;
    let (out, all_up) = run(every_10ms(s.url("/flap")), 4).await;
    assert!(!all_up);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("probing http://127.0.0.1:"), "{out}");
    assert!(
        lines[1].starts_with("#1") && lines[1].contains("✖ down"),
        "{out}"
    );
    assert!(
        lines[1].contains("503")
            && lines[1].ends_with("unexpected status 503 · upstream connect error")
    );
    assert!(lines[2].starts_with("#2") && lines[2].contains("✔ up") && lines[2].ends_with("ok"));
    assert!(
        out.contains("4 probes · 2 up · 2 not up · success 50%"),
        "{out}"
    );
    assert!(out.contains("status 503×2 · 200×2"), "{out}");
    assert!(out.contains("latency p50 "), "{out}");
    assert!(out.contains("last good vs last bad:"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains("status") && l.contains("200  →  503")),
        "{out}"
    );
}

#[tokio::test]
async fn healthy_run_is_all_up_and_reports_quota() {
    let s = Server::start().await;
    let (out, all_up) = run(every_10ms(s.url("/quota")), 2).await;
    assert!(all_up, "{out}");
    assert!(
        out.contains("2 probes · 2 up · 0 not up · success 100%"),
        "{out}"
    );
    assert!(
        out.contains("rate limit 4999/5000 left, resets in 30s"),
        "{out}"
    );
}

#[tokio::test]
async fn header_from_the_command_line_is_sent_and_never_printed() {
    let s = Server::start().await;
    let mut spec = every_10ms(s.url("/echo-auth"));
    spec.headers
        .push(parse_header_arg("Authorization: Bearer cli-s3cr3t-value").unwrap());
    let (out, all_up) = run(spec, 1).await;
    assert!(all_up, "{out}");
    assert_eq!(
        s.seen("/echo-auth")[0]
            .headers
            .get("authorization")
            .map(String::as_str),
        Some("Bearer cli-s3cr3t-value")
    );
    assert!(!out.contains("s3cr3t"), "{out}");
}

#[tokio::test]
async fn a_count_of_zero_still_probes_once() {
    let s = Server::start().await;
    let (out, _) = run(every_10ms(s.url("/ok")), 0).await;
    assert!(out.contains("1 probe · 1 up"), "{out}");
}

/// Runs the real `sitrep probe` with `args` against the test server; (stdout, exit code).
async fn sitrep_probe(args: &[String]) -> (String, Option<i32>) {
    let out = tokio::time::timeout(
        BOUND,
        tokio::process::Command::new(env!("CARGO_BIN_EXE_sitrep"))
            .arg("probe")
            .args(args)
            .args(["--interval", "10ms"])
            .output(),
    )
    .await
    .expect("bounded")
    .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (text, out.status.code())
}

#[tokio::test]
async fn a_body_that_says_json_and_is_not_is_invalid_json_without_any_condition() {
    let s = Server::start().await;
    let (out, code) = sitrep_probe(&[s.url("/broken-json"), "-n".into(), "1".into()]).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("invalid JSON") || out.contains("invalid_json"),
        "{out}"
    );
    assert!(out.contains("Content-Type says JSON"), "{out}");
    let (out, code) = sitrep_probe(&[s.url("/ok"), "-n".into(), "1".into()]).await;
    assert_eq!(code, Some(0), "{out}");
}

#[tokio::test]
async fn probe_takes_the_conditions_the_config_takes() {
    let s = Server::start().await;
    let args = |path: &str, extra: &[&str]| -> Vec<String> {
        let mut v = vec![s.url(path), "-n".into(), "1".into()];
        v.extend(extra.iter().map(|a| a.to_string()));
        v
    };
    // A 200 whose JSON says error: up without a condition, failing with one.
    let (_, code) = sitrep_probe(&args("/lying-200", &[])).await;
    assert_eq!(code, Some(0));
    let (out, code) = sitrep_probe(&args("/lying-200", &["--json-pointer", "/status=ok"])).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("/status is"), "{out}");
    let (out, code) = sitrep_probe(&args("/lying-200", &["--body-contains", "db timeout"])).await;
    assert_eq!(code, Some(0), "{out}");
    let (out, code) = sitrep_probe(&args("/ok", &["--body-contains", "healthy"])).await;
    assert_eq!(code, Some(1), "{out}");
    // A 500 that is expected is up.
    let (out, code) = sitrep_probe(&args("/down", &["--expect-status", "200,500"])).await;
    assert_eq!(code, Some(0), "{out}");
    let (out, code) = sitrep_probe(&args("/slow", &["--max-latency", "50ms"])).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("slow"), "{out}");
    let (out, code) = sitrep_probe(&args("/ok", &["--json-pointer", "status=ok"])).await;
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("write POINTER=VALUE with a JSON pointer"),
        "{out}"
    );
}
