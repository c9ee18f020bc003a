//! What ships with the binary: shell completions and a man page generated from the command line's
//! definition, and a TLS stack (rustls) that needs no system OpenSSL and never panics for want of a
//! crypto provider. Everything here runs the real binary, so what is tested is what a user gets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod health_support;

use std::process::Output;
use std::time::Duration;

use health_support::Server;

/// Upper bound on one run of the binary; generous, for a busy machine.
const BOUND: Duration = Duration::from_secs(60);

async fn sitrep(args: &[&str]) -> Output {
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(args)
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(BOUND, run)
        .await
        .expect("sitrep did not finish in time")
        .expect("sitrep could not be started")
}

async fn stdout_of(args: &[&str]) -> String {
    let out = sitrep(args).await;
    assert!(
        out.status.success(),
        "sitrep {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn man_page_is_roff_generated_from_the_command_line() {
    let page = stdout_of(&["man"]).await;
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq"),
        "not roff: {page:.80}"
    );
    insta::assert_snapshot!("man_page", page);
}

#[tokio::test]
async fn bash_completion_matches_the_command_line() {
    insta::assert_snapshot!("completion_bash", stdout_of(&["completions", "bash"]).await);
}

#[tokio::test]
async fn zsh_and_fish_completions_offer_every_subcommand() {
    for shell in ["zsh", "fish"] {
        let script = stdout_of(&["completions", shell]).await;
        for sub in ["demo", "open", "probe", "completions", "man"] {
            assert!(script.contains(sub), "{shell} completion lacks `{sub}`");
        }
    }
}

#[tokio::test]
async fn bash_accepts_the_bash_completion_script() {
    let script = stdout_of(&["completions", "bash"]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sitrep.bash");
    std::fs::write(&path, script).unwrap();
    // bash runs the CI script itself: it is always there, so its absence is a failure, not a skip.
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("bash runs");
    assert!(
        check.status.success(),
        "bash -n rejects the script: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[tokio::test]
async fn an_unknown_shell_is_refused_with_the_choices() {
    let out = sitrep(&["completions", "tcsh"]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("invalid value 'tcsh'") && err.contains("bash") && err.contains("fish"),
        "{err}"
    );
}

#[tokio::test]
async fn https_probe_of_a_closed_port_is_a_clean_failure() {
    // Held closed while the probe runs: a port freed at once went to the TLS server of the test
    // beside this one, which then answered.
    let (port, _held) = health_support::closed_port();
    let url = format!("https://127.0.0.1:{port}/");
    let out = sitrep(&["probe", &url, "-n", "1", "--timeout", "2s"]).await;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("refused"), "{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn https_probe_rejects_a_certificate_the_platform_does_not_trust() {
    let server = Server::start_tls().await;
    let out = sitrep(&["probe", &server.url("/ok"), "-n", "1", "--timeout", "5s"]).await;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("TLS failed"), "{stdout}");
    assert!(
        server.seen("/ok").is_empty(),
        "a request went to an untrusted server"
    );
}

/// Every client must come from `core::http::client_builder`, which installs the crypto provider;
/// reqwest's own constructors would panic without one.
#[test]
fn every_http_client_is_built_through_core_http() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut offenders = Vec::new();
    for dir in ["src", "tests", "benches"] {
        visit(&std::path::Path::new(root).join(dir), &mut offenders);
    }
    assert!(
        offenders.is_empty(),
        "build clients with sitrep::core::http::client_builder(): {offenders:#?}"
    );
}

fn visit(dir: &std::path::Path, offenders: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            visit(&path, offenders);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("core/http.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            // Split so this file does not find itself.
            let needles = [
                concat!("Client::", "new()"),
                concat!("Client::", "builder()"),
            ];
            if needles.iter().any(|needle| line.contains(needle)) {
                offenders.push(format!("{}:{}", path.display(), n + 1));
            }
        }
    }
}
