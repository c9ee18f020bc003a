//! The command line as a new user meets it: init, check, open, note, mark, export.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pty;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

fn sitrep(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(args)
        .current_dir(dir)
        .env("USER", "alice")
        .output()
        .unwrap()
}

/// An incident file as `sitrep open` starts it.
fn incident(dir: &Path) -> String {
    let path = dir.join("t.jsonl");
    let (mut w, _) = sitrep::timeline::TimelineWriter::open(&path).unwrap();
    w.append(
        "alice",
        sitrep::timeline::Event::IncidentOpened {
            title: "Payments".into(),
            severity: None,
        },
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

/// [`sitrep`] with variables set (`Some`) or removed (`None`) for the run.
fn sitrep_env(dir: &Path, args: &[&str], vars: &[(&str, Option<&str>)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sitrep"));
    command.args(args).current_dir(dir).env("USER", "alice");
    for (name, value) in vars {
        match value {
            Some(v) => command.env(name, v),
            None => command.env_remove(name),
        };
    }
    command.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn init_writes_a_config_and_the_runbooks_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sitrep.toml"), "# mine\n").unwrap();
    let out = sitrep(dir.path(), &["init"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("kept     ./sitrep.toml (exists; not overwritten)"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("sitrep.toml")).unwrap(),
        "# mine\n"
    );
    for rb in [
        "stabilize",
        "rollback",
        "disable",
        "communicate",
        "investigate",
        "follow-up",
    ] {
        assert!(
            dir.path().join(format!("runbooks/{rb}.toml")).exists(),
            "{rb} missing"
        );
    }
}

#[test]
fn check_accepts_what_init_wrote() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    let out = sitrep(dir.path(), &["check"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("ok: sitrep.toml — 1 log source(s), 1 endpoint(s), 6 runbook(s)"),
        "{text}"
    );
}

#[test]
fn check_points_at_a_broken_config_line_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    let cfg = std::fs::read_to_string(dir.path().join("sitrep.toml")).unwrap();
    std::fs::write(
        dir.path().join("sitrep.toml"),
        cfg.replace("interval = \"5s\"", "interval = \"5 sec0nds\""),
    )
    .unwrap();
    let out = sitrep(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let line = cfg.lines().position(|l| l.starts_with("interval")).unwrap() + 1;
    assert!(
        text.starts_with(&format!(
            "sitrep.toml:{line}:12: `5 sec0nds` is not a duration"
        )),
        "{text}"
    );
}

#[test]
fn check_names_a_broken_runbook_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    std::fs::write(
        dir.path().join("runbooks/extra.toml"),
        "name = \"extra\"\n[[step]]\nid = \"a\"\ntitle = \"A\"\n[[step]]\nid = \"a\"\ntitle = \"B\"\n",
    )
    .unwrap();
    let out = sitrep(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("runbooks/extra.toml:6:6: step id `a` is used twice"),
        "{}",
        stdout(&out)
    );
}

/// `sitrep check` in `dir` with a PATH that holds nothing (an empty folder): no journalctl, no kubectl.
#[test]
fn check_names_every_misspelt_key_of_a_config_given_by_its_path() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init", "prod"]);
    let cfg = std::fs::read_to_string(dir.path().join("prod/sitrep.toml")).unwrap();
    let cfg = cfg
        .replacen("\ntitle = ", "\ntitel = ", 1)
        .replacen("\ninterval = ", "\nintervall = ", 1)
        .replacen("\nname = \"payments\"", "\nnmae = \"payments\"", 1)
        .replacen("\nurl = ", "\nbanana = 1\nurl = ", 1);
    std::fs::write(dir.path().join("prod/sitrep.toml"), &cfg).unwrap();
    let line = |key: &str| cfg.lines().position(|l| l.starts_with(key)).unwrap() + 1;
    // The config named as an argument, as `sitrep check -c prod/sitrep.toml` would.
    let out = sitrep(dir.path(), &["check", "prod/sitrep.toml"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let at = |key: &str| format!("prod/sitrep.toml:{}:1: unknown field `{key}`", line(key));
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with(&at("titel")), "{text}");
    assert!(lines[0].ends_with("did you mean `title`?"), "{text}");
    assert!(lines[1].starts_with(&at("nmae")), "{text}");
    assert!(lines[2].starts_with(&at("banana")), "{text}");
    assert!(!lines[2].contains("did you mean"), "{text}");
    assert!(lines[3].starts_with(&at("intervall")), "{text}");

    // Runbooks too: each misspelt key of a file, not the first only.
    std::fs::write(
        dir.path().join("prod/sitrep.toml"),
        cfg.replace("titel = ", "title = ")
            .replace("nmae", "name")
            .replace("intervall", "interval")
            .replace("banana = ", "# banana = "),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("prod/runbooks/extra.toml"),
        "name = \"extra\"\n[[step]]\nid = \"a\"\ntitel = \"A\"\n[[step]]\nid = \"b\"\ntitle = \"B\"\ncomand = \"true\"\n",
    )
    .unwrap();
    let out = sitrep(dir.path(), &["check", "prod/sitrep.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.starts_with("prod/runbooks/extra.toml:4:1: unknown field `titel`"),
        "{text}"
    );
    assert!(
        text.contains("\nprod/runbooks/extra.toml:8:1: unknown field `comand`")
            && text.contains("did you mean `command`?"),
        "{text}"
    );
    // Both at once: a config that does not load still has its runbooks checked.
    std::fs::write(dir.path().join("prod/sitrep.toml"), &cfg).unwrap();
    let out = sitrep(dir.path(), &["check", "prod/sitrep.toml"]);
    let text = stdout(&out);
    assert!(
        text.contains(&at("titel"))
            && text.contains("prod/runbooks/extra.toml:8:1: unknown field `comand`"),
        "{text}"
    );
}

#[test]
fn a_token_sent_with_a_prefix_is_redacted_alone_in_the_export() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    let cfg = std::fs::read_to_string(dir.path().join("sitrep.toml")).unwrap();
    let line = "url = \"http://127.0.0.1:8080/health\"";
    assert!(cfg.contains(line), "{cfg}");
    let cfg = cfg.replacen(
        line,
        &format!("{line}\nheaders = {{ Authorization = {{ env = \"PAY_TOKEN\", prefix = \"Bearer \" }} }}"),
        1,
    );
    std::fs::write(dir.path().join("sitrep.toml"), cfg).unwrap();
    let token = [("PAY_TOKEN", Some("pay-TOKEN-55555"))];
    let out = sitrep_env(dir.path(), &["new", "Payments down"], &token);
    assert!(out.status.success(), "{}", stderr(&out));
    let note = "curl -H 'Authorization: Bearer pay-TOKEN-55555' gave 401; bare pay-TOKEN-55555 too";
    let out = sitrep_env(dir.path(), &["note", note], &token);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = sitrep_env(dir.path(), &["export"], &token);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("gave 401; bare"), "{text}");
    assert!(!text.contains("TOKEN-55555"), "{text}");
}

#[test]
fn check_fails_a_step_that_could_never_run_as_written() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    let step = "name = \"extra\"\n[[step]]\nid = \"a\"\ntitle = \"A\"\n";
    std::fs::write(
        dir.path().join("runbooks/quote.toml"),
        format!("{step}command = \"echo 'hello\"\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("runbooks/zero.toml"),
        format!("{step}command = \"true\"\ntimeout = \"0s\"\n").replace("extra", "zero"),
    )
    .unwrap();
    let out = sitrep(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("runbooks/quote.toml:3:6: step `a`: its command cannot be split into words: the single quote opened at character 5 is never closed"),
        "{text}"
    );
    assert!(
        text.contains("runbooks/zero.toml:6:11: step `a`: `timeout` must be more than 0s"),
        "{text}"
    );
}

#[test]
fn check_names_a_misspelt_key_and_what_is_wrong_beyond_it_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    let cfg = std::fs::read_to_string(dir.path().join("sitrep.toml")).unwrap();
    let cfg = cfg.replacen("\ntitle = ", "\nupdate-every = \"0s\"\ntitel = ", 1);
    std::fs::write(dir.path().join("sitrep.toml"), &cfg).unwrap();
    std::fs::write(
        dir.path().join("runbooks/extra.toml"),
        "name = \"extra\"\n[[step]]\nid = \"a\"\ntitel = \"A\"\ntimeout = \"0s\"\ncommand = \"true\"\n",
    )
    .unwrap();
    let out = sitrep(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    for said in [
        "unknown field `titel`, expected one of `title`",
        "`update-every` must be more than 0s",
        "runbooks/extra.toml:4:1: unknown field `titel`",
        "runbooks/extra.toml:5:11: step `a`: `timeout` must be more than 0s",
    ] {
        assert!(text.contains(said), "{said}: {text}");
    }
}

fn check_with_empty_path(dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .arg("check")
        .current_dir(dir)
        .env("PATH", dir)
        .output()
        .unwrap()
}

#[test]
fn check_says_when_a_journal_source_has_no_journalctl_to_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sitrep.toml"),
        "[incident]\ntitle = \"x\"\n[[log]]\nname = \"pay\"\nsource = \"journal:payments.service\"\n",
    )
    .unwrap();
    let out = check_with_empty_path(dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("log `pay`: journalctl is not installed here"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn check_says_when_a_kubernetes_source_has_no_kubectl_or_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sitrep.toml"),
        "[incident]\ntitle = \"x\"\n[[log]]\nname = \"pods\"\nkubernetes = { selector = \"app=pay\", kubeconfig = \"/nonexistent/kubeconfig\" }\n",
    )
    .unwrap();
    let out = check_with_empty_path(dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("log `pods`: kubectl is not installed here"),
        "{text}"
    );
    assert!(
        text.contains("kubeconfig /nonexistent/kubeconfig does not exist"),
        "{text}"
    );
}

#[test]
fn check_without_a_config_says_how_to_get_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = sitrep(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("Run `sitrep init` to write one"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn open_reopens_the_incident_with_every_checkbox_and_note_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    std::fs::create_dir_all(dir.path().join("logs")).unwrap();
    std::fs::write(dir.path().join("logs/api.log"), "ERROR boom\n").unwrap();
    let wait = Duration::from_secs(30);
    let mut tty = pty::Tty::spawn(&["open"], dir.path(), 120, 40);
    tty.wait_for("the cockpit", wait, |s| {
        s.contains("Runbook 1/6: Stabilize")
    });
    tty.send(" ");
    tty.wait_for("the tick", wait, |s| s.contains("[x] Declare the incident"));
    tty.send("nwe are on it\r");
    tty.wait_for("the note", wait, |s| s.contains("note: we are on it"));
    tty.send("q");
    assert_eq!(tty.wait_exit(wait), Some(0));
    drop(tty);

    // A script adds a note while nobody has the cockpit open; the next open shows it too.
    let out = sitrep(dir.path(), &["note", "deploy", "v2.15", "rolled", "back"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("recorded #"), "{}", stdout(&out));

    let mut tty = pty::Tty::spawn(&["open"], dir.path(), 120, 40);
    let screen = tty.wait_for("the state rebuilt", wait, |s| {
        s.contains("[x] Declare the incident") && s.contains("note: deploy v2.15 rolled back")
    });
    assert!(screen.contains("note: we are on it"), "{screen}");
    // The header counts the runbook on screen: one of its six steps is done.
    assert!(screen.contains("steps 1/6"), "{screen}");
    tty.send("q");
    assert_eq!(tty.wait_exit(wait), Some(0));
    let incidents: Vec<_> = std::fs::read_dir(dir.path().join("incidents"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
        .collect();
    assert_eq!(
        incidents.len(),
        1,
        "the second open reopened the same incident"
    );
}

#[test]
fn a_note_appended_by_a_script_shows_up_in_the_running_cockpit() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    let wait = Duration::from_secs(30);
    let mut tty = pty::Tty::spawn(&["open"], dir.path(), 120, 40);
    tty.wait_for("the cockpit", wait, |s| s.contains("Runbook 1/6"));
    let out = sitrep(
        dir.path(),
        &["note", "--actor", "deploybot", "canary", "halted"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    tty.wait_for("the external note", wait, |s| {
        s.contains("deploybot note: canary halted")
    });
    tty.send("q");
    tty.wait_exit(wait);
}

#[test]
fn mark_and_severity_are_recorded_and_bad_values_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    let tl = &incident(dir.path());
    assert!(
        sitrep(dir.path(), &["note", "-t", tl, "start"])
            .status
            .success()
    );
    let out = sitrep(dir.path(), &["mark", "mitigated", "-t", tl]);
    assert!(
        stdout(&out).contains("milestone: mitigated"),
        "{}",
        stdout(&out)
    );
    let out = sitrep(dir.path(), &["severity", "sev1", "-t", tl]);
    assert!(stdout(&out).contains("severity: SEV1"), "{}", stdout(&out));
    let out = sitrep(dir.path(), &["mark", "fixed", "-t", tl]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("use detected, mitigated or resolved"),
        "{}",
        stderr(&out)
    );
    let out = sitrep(dir.path(), &["verify", tl]);
    assert!(
        stdout(&out).starts_with("ok: 4 events, chain intact"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn note_to_a_missing_timeline_file_refuses_rather_than_start_a_stray_incident() {
    let dir = tempfile::tempdir().unwrap();
    let out = sitrep(dir.path(), &["note", "-t", "typo.jsonl", "hello"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("typo.jsonl does not exist"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("typo.jsonl").exists());
}

#[test]
fn note_without_an_incident_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    let out = sitrep(dir.path(), &["note", "hello"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no open incident in incidents: start one with sitrep new \"TITLE\""),
        "{}",
        stderr(&out)
    );
    // An empty file (an older version's failed start) is no incident either.
    std::fs::create_dir_all(dir.path().join("incidents")).unwrap();
    std::fs::write(dir.path().join("incidents/2026-01-01T000000-x.jsonl"), "").unwrap();
    let out = sitrep(dir.path(), &["note", "hello"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("no open incident"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn new_starts_an_incident_for_scripts_and_note_and_mark_go_to_it() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    let out = sitrep(
        dir.path(),
        &["new", "payments", "down", "--severity", "SEV2"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let file = stdout(&out).trim().to_string();
    assert!(
        file.starts_with("incidents/") && file.ends_with("-payments-down.jsonl"),
        "{file}"
    );
    let id = file
        .trim_start_matches("incidents/")
        .trim_end_matches(".jsonl");
    assert!(
        stderr(&out).contains(&format!("started incident {id}")),
        "{}",
        stderr(&out)
    );
    let note = sitrep(dir.path(), &["note", "rolling", "back"]);
    assert!(
        stdout(&note).starts_with(&format!("recorded #2 in {file}")),
        "{}",
        stdout(&note)
    );
    // A second one started in the same second sorts after it: it is the newest.
    let again = sitrep(dir.path(), &["new", "payments", "down"]);
    let second = stdout(&again).trim().to_string();
    assert_ne!(second, file);
    let mark = sitrep(dir.path(), &["mark", "resolved"]);
    assert!(stdout(&mark).contains(&second), "{}", stdout(&mark));
    // Once the newest is resolved, a note needs a new incident or a --timeline.
    let late = sitrep(dir.path(), &["note", "late"]);
    assert_eq!(late.status.code(), Some(2));
    assert!(
        stderr(&late)
            .contains("is resolved; start one with sitrep new \"TITLE\", or pass --timeline"),
        "{}",
        stderr(&late)
    );
    let report = sitrep::timeline::read(&dir.path().join(&file)).unwrap();
    assert!(matches!(
        &report.records[0].event,
        sitrep::timeline::Event::IncidentOpened { title, severity: Some(sitrep::timeline::Severity::Sev2) } if title == "payments down"
    ));
}

/// A start that cannot be written (over the file size limit, as on a full disk) leaves no empty
/// timeline to become "the newest incident". The limit is set with util-linux `prlimit`, which needs
/// no mount; SIGXFSZ is ignored (as `trap ""` leaves it across exec) so the write fails with EFBIG.
#[test]
fn a_start_that_cannot_be_written_leaves_no_timeline_behind() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    let out = Command::new("prlimit")
        .args(["--fsize=64", "sh", "-c", "trap '' XFSZ; exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_sitrep"))
        .args(["new", "payments", "down"])
        .current_dir(dir.path())
        .env("USER", "alice")
        .output()
        .expect("prlimit (util-linux) runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("File too large"), "{err}");
    assert!(
        err.contains("Free disk space (or raise the file size limit)"),
        "{err}"
    );
    assert_eq!(
        err.matches("os error 27").count(),
        1,
        "the OS error said once: {err}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path().join("incidents"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "nothing left behind: {left:?}");
    let note = sitrep(dir.path(), &["note", "hello"]);
    assert!(
        stderr(&note).contains("no open incident"),
        "{}",
        stderr(&note)
    );
}

#[test]
fn open_without_a_terminal_says_what_works_and_starts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    let out = sitrep(dir.path(), &["open"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("sitrep open needs a terminal")
            && stderr(&out).contains("`sitrep new`, `note`"),
        "{}",
        stderr(&out)
    );
    assert!(
        !dir.path().join("incidents").exists()
            || std::fs::read_dir(dir.path().join("incidents"))
                .unwrap()
                .next()
                .is_none()
    );
}

#[test]
fn export_md_writes_a_readable_postmortem() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    let tl = &incident(dir.path());
    sitrep(dir.path(), &["note", "-t", tl, "first", "note"]);
    sitrep(dir.path(), &["mark", "resolved", "-t", tl]);
    let out = sitrep(
        dir.path(),
        &["export", "--format", "md", "-t", tl, "-o", "pm.md"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let md = std::fs::read_to_string(dir.path().join("pm.md")).unwrap();
    assert!(md.contains("first note"), "{md}");
    assert!(md.contains("resolved"), "{md}");
    assert!(md.contains("Stabilize"), "the runbooks are listed:\n{md}");
}

#[test]
fn a_note_with_no_name_to_go_by_says_who_it_records_and_how_to_change_it() {
    let dir = tempfile::tempdir().unwrap();
    let tl = &incident(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(["note", "-t", tl, "who am I"])
        .current_dir(dir.path())
        .env("USER", "")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("`responder`") && err.contains("--actor"),
        "{err}"
    );
    let named = sitrep(dir.path(), &["note", "-t", tl, "alice here"]);
    assert!(!stderr(&named).contains("responder"), "{}", stderr(&named));
}

/// A step whose command wants a terminal (a `sudo` password prompt, an `ssh` login) fails at once with
/// its reason: it has no controlling terminal, so it can neither print over the cockpit nor wait for
/// a key until the step's time limit.
#[test]
fn a_step_that_reads_the_terminal_fails_at_once_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    std::fs::write(
        dir.path().join("runbooks/aaa-prompt.toml"),
        "name = \"prompt\"\ntitle = \"Prompt\"\norder = 1\n\n[[step]]\nid = \"ask\"\ntitle = \"Ask for a password\"\ncommand = \"printf 'Password: ' > /dev/tty && read pw < /dev/tty && echo got it\"\nshell = true\n",
    )
    .unwrap();
    let wait = Duration::from_secs(30);
    let mut tty = pty::Tty::spawn(&["open"], dir.path(), 120, 40);
    tty.wait_for("the prompt runbook first", wait, |s| {
        s.contains("Runbook 1/7: Prompt")
    });
    tty.send("x");
    tty.wait_for("the run confirmation", wait, |s| {
        s.contains("Run this command?")
    });
    tty.send("y");
    // Far less than the step's 5-minute limit: the run ends as soon as the command finds no terminal.
    let screen = tty.wait_for("the run to fail with its reason", wait, |s| {
        s.contains("No such device or address") && s.contains("exit 2")
    });
    assert!(
        !screen.lines().any(|l| l.starts_with("Password: ")),
        "nothing printed over the cockpit:\n{screen}"
    );
    assert!(!screen.contains("│got it"), "{screen}");
    tty.send("\x1b");
    tty.wait_for("the output pane closed", wait, |s| {
        !s.contains("Esc closes")
    });
    tty.send("q");
    assert_eq!(tty.wait_exit(wait), Some(0));
}

/// A damaged timeline is said on screen, not only on stderr before the full-screen view: a banner
/// that stays until acknowledged, and the finding recorded in the timeline once.
#[test]
fn opening_a_damaged_timeline_shows_a_banner_until_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/timeline-damaged.jsonl");
    let text = std::fs::read_to_string(fixture).unwrap();
    // The fixture's record of the damage is left out, so this open finds it anew.
    let kept: Vec<&str> = text.lines().take(10).collect();
    std::fs::write(dir.path().join("t.jsonl"), format!("{}\n", kept.join("\n"))).unwrap();
    let wait = Duration::from_secs(30);
    let mut tty = pty::Tty::spawn(&["open", "-t", "t.jsonl"], dir.path(), 80, 24);
    let screen = tty.wait_for("the damage banner", wait, |s| {
        s.contains("TIMELINE DAMAGED")
    });
    assert!(
        screen.contains("⚠ TIMELINE DAMAGED (A acknowledges): line 4 (byte 668): hash mismatch"),
        "{screen}"
    );
    tty.wait_for("the finding in the timeline", wait, |s| {
        s.contains("timeline found damaged")
    });
    tty.send("A");
    tty.wait_for("the banner gone", wait, |s| !s.contains("TIMELINE DAMAGED"));
    tty.send("q");
    assert_eq!(tty.wait_exit(wait), Some(0));
    let report = sitrep::timeline::read(&dir.path().join("t.jsonl")).unwrap();
    let found: Vec<&sitrep::timeline::Record> = report
        .records
        .iter()
        .filter(|r| r.event.kind() == "timeline.damaged")
        .collect();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].actor, "sitrep");
}

/// What people and scripts write is bounded, and what the config must not hold is refused where it
/// is written, each with what to write instead.
#[test]
fn check_refuses_what_a_config_must_not_say_and_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    let cfg = std::fs::read_to_string(dir.path().join("sitrep.toml")).unwrap();
    let cases = [
        (
            cfg.replace(
                "http://127.0.0.1:8080/health",
                "http://ops:hunter2@127.0.0.1:8080/health",
            ),
            "the url carries a user and password (`user:pass@`); secrets are by reference only",
        ),
        (
            cfg.replace("name = \"payments\"", "name = \"payments\"\nthreshold = 0"),
            "threshold = 0 would never confirm a change: write 1",
        ),
        (
            cfg.replace("name = \"payments\"", "name = \" \""),
            "an endpoint's name is empty",
        ),
        (
            cfg.replace(
                "name = \"payments\"",
                "name = \"payments\"\nname = \"again\"",
            ),
            "duplicate key `name`: it is set twice in this table",
        ),
    ];
    for (text, says) in cases {
        std::fs::write(dir.path().join("sitrep.toml"), &text).unwrap();
        let out = sitrep(dir.path(), &["check"]);
        assert_eq!(out.status.code(), Some(1), "{says}: {}", stdout(&out));
        let first = stdout(&out).lines().next().unwrap_or_default().to_string();
        assert!(first.starts_with("sitrep.toml:"), "{first}");
        assert!(first.contains(says), "{first}");
        assert!(
            !stdout(&out).contains("hunter2"),
            "the password is never echoed"
        );
    }
    std::fs::write(dir.path().join("sitrep.toml"), &cfg).unwrap();
    std::fs::write(dir.path().join("incidents"), "a file").unwrap();
    let out = sitrep(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("incident dir `incidents` is a file, not a folder"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_note_is_capped_and_a_file_is_recorded_by_its_hash_instead() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    sitrep(dir.path(), &["new", "payments"]);
    let big = "x".repeat(70 * 1024);
    let mut child = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(["note", "-"])
        .current_dir(dir.path())
        .env("USER", "alice")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(big.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the note is over 64 KiB") && stderr(&out).contains("--attach FILE"),
        "{}",
        stderr(&out)
    );
    std::fs::write(dir.path().join("heap.dump"), &big).unwrap();
    let out = sitrep(
        dir.path(),
        &["note", "heap dump before restart", "--attach", "heap.dump"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let recorded = stdout(&out);
    assert!(
        recorded.contains("note: heap dump before restart"),
        "{recorded}"
    );
    let file = stdout(&sitrep(dir.path(), &["export", "-f", "json"]));
    assert!(
        file.contains("heap.dump (71680 bytes, sha256:"),
        "the path, size and hash are recorded: {file}"
    );
}

/// A note while another process holds the timeline's lock says who holds it after a second and
/// gives up after `--lock-timeout`, instead of waiting silently for ever. This test process holds
/// the lock, as another sitrep would.
#[test]
fn a_note_waiting_for_the_lock_says_who_holds_it_and_gives_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = incident(dir.path());
    let held = std::fs::OpenOptions::new().read(true).open(&path).unwrap();
    held.lock().unwrap();
    let out = sitrep(
        dir.path(),
        &["note", "-t", &path, "--lock-timeout", "2s", "stuck?"],
    );
    drop(held);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "waiting for the timeline lock held by PID {}…",
            std::process::id()
        )),
        "{err}"
    );
    assert!(err.contains("still held by"), "{err}");
    assert!(err.contains("--lock-timeout"), "{err}");
    // Once it is free, the note goes in.
    let ok = sitrep(dir.path(), &["note", "-t", &path, "free now"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
}

/// `sitrep check` reports every error it finds in one run, as its help says, each at its line.
#[test]
fn check_reports_every_config_error_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    let mut cfg = std::fs::read_to_string(dir.path().join("sitrep.toml")).unwrap();
    cfg = cfg.replace("name = \"payments\"", "name = \"payments\"\nthreshold = 0");
    cfg.push_str("\n[[endpoint]]\nname = \"ledger\"\nurl = \"ftp://ledger.internal/health\"\n");
    cfg.push_str("\n[[log]]\nname = \"api\"\npath = \"other.log\"\n");
    std::fs::write(dir.path().join("sitrep.toml"), cfg).unwrap();
    let out = sitrep(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let errors: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("sitrep.toml:"))
        .collect();
    assert_eq!(errors.len(), 3, "{text}");
    assert!(text.contains("two logs are named `api`"), "{text}");
    assert!(text.contains("threshold = 0"), "{text}");
    assert!(
        text.contains("url `ftp://ledger.internal/health` must start with http://"),
        "{text}"
    );
}

/// On a jump host everyone is `$USER`: a responder names themselves with `--actor`,
/// `SITREP_ACTOR` or `[me] name`, in that order, and the tool's own name is refused.
#[test]
fn a_responder_names_themselves_by_flag_environment_or_config() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    let config = dir.path().join("sitrep.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\n[me]\nname = \"dave\"\n")).unwrap();
    assert!(
        sitrep(dir.path(), &["new", "payments", "down"])
            .status
            .success()
    );
    let run = |args: &[&str], env: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sitrep"));
        cmd.args(args).current_dir(dir.path()).env("USER", "oncall");
        match env {
            Some(v) => cmd.env("SITREP_ACTOR", v),
            None => cmd.env_remove("SITREP_ACTOR"),
        };
        cmd.output().unwrap()
    };
    assert!(run(&["note", "from the config"], None).status.success());
    assert!(
        run(&["note", "from the environment"], Some("carol"))
            .status
            .success()
    );
    assert!(
        run(&["note", "--actor", "erin", "from the flag"], Some("carol"))
            .status
            .success()
    );
    let out = run(&["note", "as the tool"], Some("sitrep"));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("SITREP_ACTOR: `sitrep` is the tool's own name"),
        "{}",
        stderr(&out)
    );
    let path = sitrep::timeline::newest_in(&dir.path().join("incidents")).unwrap();
    let who: Vec<(String, String)> = sitrep::timeline::read(&path)
        .unwrap()
        .records
        .into_iter()
        .filter_map(|r| match r.event {
            sitrep::timeline::Event::Note { text } => Some((r.actor, text)),
            _ => None,
        })
        .collect();
    assert_eq!(
        who,
        [
            ("dave".to_string(), "from the config".to_string()),
            ("carol".to_string(), "from the environment".to_string()),
            ("erin".to_string(), "from the flag".to_string()),
        ]
    );
    std::fs::write(&config, format!("{text}\n[me]\nname = \"sitrep\"\n")).unwrap();
    let out = sitrep(dir.path(), &["check"]);
    assert!(!out.status.success());
    assert!(
        stdout(&out).contains("[me] name: `sitrep` is the tool's own name"),
        "{}",
        stdout(&out)
    );
}

/// `sitrep verify … | head -1`: when the reader of its output goes away, a command ends quietly with
/// the status of a Unix tool that SIGPIPE ended, never a panic.
#[test]
fn output_to_a_reader_that_went_away_ends_quietly_as_a_unix_tool_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    // Thousands of problems: far more output than a pipe holds, so a write finds the reader gone.
    let junk: String = (0..3000).map(|n| format!("{{\"x\":{n}}}\n")).collect();
    std::fs::write(&path, junk).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(["verify", path.to_str().unwrap()])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(141), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

/// `verify` says what is wrong where it is: text appended to a timeline is no event (not a crash's
/// torn line), at its own line number counting blank lines; an edited event is not counted good;
/// a sidecar overwritten with junk is reported, not silently ignored.
#[test]
fn verify_names_garbage_edits_and_an_overwritten_sidecar_for_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    let tl = incident(dir.path());
    for text in ["first", "second"] {
        assert!(
            sitrep(dir.path(), &["note", "-t", &tl, text])
                .status
                .success()
        );
    }
    let good = std::fs::read_to_string(&tl).unwrap();
    let verify = |dir: &Path| sitrep(dir, &["verify", "-t", &tl]);
    let ok = verify(dir.path());
    assert!(ok.status.success(), "{}", stdout(&ok));

    std::fs::write(&tl, format!("{good}\nthis is garbage\n")).unwrap();
    let out = verify(dir.path());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("line 5 (byte "),
        "the blank line counts: {text}"
    );
    assert!(text.contains("not a timeline event"), "{text}");
    assert!(!text.contains("torn"), "garbage is no crash: {text}");
    assert!(text.contains("(3 good events"), "{text}");

    std::fs::write(&tl, good.replacen("\"second\"", "\"secund\"", 1)).unwrap();
    let text = stdout(&verify(dir.path()));
    assert!(text.contains("hash mismatch"), "{text}");
    assert!(
        text.contains("(2 good events"),
        "the edited event is not good: {text}"
    );

    std::fs::write(&tl, &good).unwrap();
    std::fs::write(format!("{tl}.head"), "hello\n").unwrap();
    let out = verify(dir.path());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("t.jsonl.head holds no head"), "{text}");
}

/// Milestones marked out of order (mitigated, then detected) read as such in the postmortem,
/// never as a negative time.
#[test]
fn milestones_marked_out_of_order_never_give_a_negative_time() {
    let dir = tempfile::tempdir().unwrap();
    sitrep(dir.path(), &["init"]);
    let tl = incident(dir.path());
    assert!(
        sitrep(dir.path(), &["mark", "mitigated", "-t", &tl])
            .status
            .success()
    );
    std::thread::sleep(Duration::from_millis(20));
    assert!(
        sitrep(dir.path(), &["mark", "detected", "-t", &tl])
            .status
            .success()
    );
    let md = stdout(&sitrep(dir.path(), &["export", "-f", "md", "-t", &tl]));
    let row = md
        .lines()
        .find(|l| l.contains("**Time to mitigate**"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(
        row.contains("before detected, marked out of order"),
        "{row}"
    );
    assert!(!md.contains("(-"), "{md}");
}

/// A log path that is a folder can never be followed: `check` fails and names it, and `tail`
/// gives up on it, as `tail -F` does, rather than wait for ever.
#[test]
fn a_folder_named_as_a_log_is_refused_by_check_and_by_tail() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("logs")).unwrap();
    std::fs::write(
        dir.path().join("sitrep.toml"),
        "[incident]\ntitle = \"x\"\n[[log]]\nname = \"app\"\npath = \"logs\"\n",
    )
    .unwrap();
    let out = sitrep(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("error: log `app`: logs is a folder, not a log file")
            && stdout(&out).contains("logs/*.log"),
        "{}",
        stdout(&out)
    );
    // Bounded: before, it waited for ever (`timeout` ends it with 124).
    let out = Command::new("timeout")
        .args(["20", env!("CARGO_BIN_EXE_sitrep"), "tail", "logs"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is a folder, not a log file"),
        "{}",
        stderr(&out)
    );
}

/// A deploy hook records without the probe's token: `new`, `note`, `mark` and `incidents` load a
/// config whose endpoint reads a variable that is not set; `export`, which redacts secrets by
/// value, still asks for it.
#[test]
fn recording_needs_no_probe_secret_and_the_export_still_asks_for_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sitrep.toml"),
        "[incident]\ntitle = \"x\"\ndir = \"incidents\"\n[[endpoint]]\nname = \"provider\"\nurl = \"http://127.0.0.1:9/health\"\nheaders = { Authorization = { env = \"SITREP_TEST_UNSET_TOKEN\", prefix = \"Bearer \" } }\n[[destination]]\nkind = \"webhook\"\nurl = { env = \"SITREP_TEST_UNSET_HOOK\" }\n",
    )
    .unwrap();
    let unset = [
        ("SITREP_TEST_UNSET_TOKEN", None),
        ("SITREP_TEST_UNSET_HOOK", None),
    ];
    let run = |args: &[&str]| sitrep_env(dir.path(), args, &unset);
    for args in [
        &["new", "payments"][..],
        &["note", "rolled back"],
        &["mark", "mitigated"],
        &["incidents"],
    ] {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    let out = run(&["export", "-f", "md"]);
    assert_eq!(out.status.code(), Some(2));
    // Every variable it needs, at once.
    assert!(
        stderr(&out).contains("SITREP_TEST_UNSET_TOKEN")
            && stderr(&out).contains("SITREP_TEST_UNSET_HOOK")
            && stderr(&out).contains("redact"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn probe_refuses_to_probe_no_times() {
    let dir = tempfile::tempdir().unwrap();
    let out = sitrep(dir.path(), &["probe", "-n", "0", "http://127.0.0.1:9/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("-n 0 asks for no probe"),
        "{}",
        stderr(&out)
    );
}

/// A store that cannot be reached is said as that, not as a store that failed the create-only
/// check; what waits stays queued. (The endpoint is a closed port on loopback.)
#[test]
fn an_unreachable_store_is_said_as_unreachable_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sitrep.toml"),
        "[incident]\ntitle = \"x\"\ndir = \"incidents\"\n[share]\nurl = \"s3://bucket/team\"\nendpoint = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
    let keys = [
        ("AWS_ACCESS_KEY_ID", Some("test")),
        ("AWS_SECRET_ACCESS_KEY", Some("test")),
    ];
    let run = |args: &[&str]| sitrep_env(dir.path(), args, &keys);
    let out = run(&["new", "payments"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["sync"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(
        said.contains("the store did not take sitrep's first request"),
        "{said}"
    );
    assert!(said.contains("stays queued"), "{said}");
}

/// `sitrep patterns` mines a file's lines as the cockpit mines them when it follows that file:
/// colour codes removed, a CR at the end dropped. A coloured line and a plain one of the same
/// event are one pattern, and no template holds an escape's pieces.
#[test]
fn patterns_of_a_file_are_mined_from_the_text_the_cockpit_shows() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(
        &log,
        "web-1  | \x1b[33mPress CTRL+C to quit\x1b[0m\r\n\
         web-1  | \x1b[31m\x1b[1mWARNING: worker 3 stalled for 31s\x1b[0m\r\n\
         web-1  | WARNING: worker 7 stalled for 12s\r\n\
         web-1  | \x1b[33mPress CTRL+C to quit\x1b[0m\n",
    )
    .unwrap();
    let out = sitrep(dir.path(), &["patterns", "--assign", log.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<(&str, &str)> = text.lines().filter_map(|l| l.split_once('\t')).collect();
    assert_eq!(rows.len(), 4, "{text}");
    assert_eq!(rows[0].0, rows[3].0, "{text}");
    assert_eq!(
        rows[1].0, rows[2].0,
        "coloured and plain are one event: {text}"
    );
    assert_ne!(rows[0].0, rows[1].0, "{text}");
    // (`docker compose logs`' service prefix and the level are the line's header.)
    assert_eq!(rows[0].1, "Press CTRL+C to quit", "{text}");
    assert_eq!(rows[1].1, "worker <*> stalled for <*>", "{text}");
    assert!(
        !text.contains('\x1b') && !text.contains("^[") && !text.contains('\r'),
        "{text:?}"
    );
}
