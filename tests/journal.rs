//! Journal sources, for real: entries are written in journal export format and turned into real
//! journal files by systemd's own `systemd-journal-remote` (as a log collector would), then read
//! by sitrep through the real `journalctl`. Without them the tests say so and pass, except under
//! `CI=true`, where `.ci/run` installs them and their absence is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use journal_support::{Entry, entry, micros, tools_here, write_journal};
use sitrep::core::level::Level;
use sitrep::tail::journal::JournalSpec;
use sitrep::tail::{LogLine, SourceSpec, SourceStatus, TailEvent, TailOptions};
use source_support::Followed;

mod journal_support;
mod source_support;

/// journald's notice that its rate limit dropped `n` entries of the unit.
fn dropped_notice(host: &str, seq: u64, at: i64, n: u64) -> Entry {
    let Entry(mut fields) = entry(
        host,
        seq,
        at,
        4,
        format!("Suppressed {n} messages from payments.service").as_bytes(),
    );
    fields.push(("N_DROPPED", n.to_string().into_bytes()));
    Entry(fields)
}

fn quick() -> TailOptions {
    TailOptions {
        from_start: true,
        restart_min: Duration::from_millis(100),
        restart_max: Duration::from_millis(400),
        ..TailOptions::default()
    }
}

/// A followed journal source and what it has said so far.
impl Followed {
    fn start(address: &str) -> Self {
        let spec = SourceSpec::parse(address).expect("a journal address");
        assert!(matches!(spec, SourceSpec::Journal(_)), "{spec:?}");
        Followed::spawn(spec, quick())
    }

    fn messages(&self) -> Vec<String> {
        self.lines
            .iter()
            .map(|l| {
                l.text
                    .split_once(": ")
                    .map_or(l.text.clone(), |(_, m)| m.to_string())
            })
            .collect()
    }
}

fn count(messages: &[String], want: &str) -> usize {
    messages.iter().filter(|m| *m == want).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_growing_journal_file_is_followed_with_each_entrys_time_and_level() {
    if !tools_here() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("remote-db1.journal");
    let t0 = micros(-120);
    write_journal(
        &file,
        &[
            entry("db1", 1, t0, 6, b"charge ok for order 1"),
            entry("db1", 2, t0 + 1, 3, b"charge failed for order 2"),
        ],
    );
    let mut followed = Followed::start(&format!("journal:payments.service@{}", file.display()));
    assert!(
        followed.until(|lines, _| lines.len() >= 2).await,
        "{:?}",
        followed.statuses
    );
    // Entries written after the follower started are read as they come.
    write_journal(
        &file,
        &[
            entry("db1", 3, t0 + 2, 0, b"panic: out of memory"),
            entry("db1", 4, t0 + 3, 4, b"retrying charge 4"),
            entry("db1", 5, t0 + 4, 7, b"charge 4 debug detail"),
        ],
    );
    assert!(
        followed.until(|lines, _| lines.len() >= 5).await,
        "{:?}",
        followed.messages()
    );
    let levels: Vec<Option<Level>> = followed.lines.iter().map(|l| l.level).collect();
    use Level::*;
    assert_eq!(levels, [Info, Error, Fatal, Warn, Debug].map(Some));
    let first = &followed.lines[0];
    assert_eq!(
        first.time.unwrap().timestamp_micros(),
        t0,
        "its own time, not when read"
    );
    assert!(
        first.text.contains(" db1 payments: charge ok for order 1"),
        "{}",
        first.text
    );
    assert_eq!(followed.lines.len(), 5, "{:?}", followed.messages());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn byte_messages_and_hostile_content_are_shown_safely() {
    if !tools_here() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("remote-web.journal");
    let t0 = micros(-60);
    let long = vec![b'x'; 40_000];
    write_journal(
        &file,
        &[
            // Not UTF-8, with a terminal escape: journalctl writes it as an array of bytes.
            entry("web", 1, t0, 3, b"bad \xff\xfe bytes \x1b]0;owned\x07 here"),
            entry("web", 2, t0 + 1, 3, b"two\nlines in one entry"),
            entry("web", 3, t0 + 2, 6, &long),
            entry("web", 4, t0 + 3, 6, b"after the long one"),
            dropped_notice("web", 5, t0 + 4, 1234),
        ],
    );
    let mut followed = Followed::start(&format!("journal:@{}", dir.path().display()));
    assert!(
        followed.until(|lines, _| lines.len() >= 5).await,
        "{:?}",
        followed.statuses
    );
    // journald's own notice of what its rate limit dropped is counted and said.
    let dropped = |_: &[LogLine], statuses: &[SourceStatus]| {
        statuses.iter().any(|s| {
            matches!(
                s,
                SourceStatus::Dropped {
                    by_source: 1234,
                    ..
                }
            ) && s.to_string()
                == "journald dropped 1,234 lines (its rate limit): the log is incomplete"
        })
    };
    assert!(followed.until(dropped).await, "{:?}", followed.statuses);
    followed.lines.truncate(4);
    for line in &followed.lines {
        assert!(
            !line.text.chars().any(|c| c.is_control()),
            "no control character reaches the screen: {:?}",
            line.text
        );
    }
    let messages = followed.messages();
    assert!(
        messages[0].starts_with("bad ") && messages[0].ends_with(" here"),
        "{messages:?}"
    );
    assert!(messages[1].starts_with("two") && messages[1].ends_with("lines in one entry"));
    assert!(
        followed.lines[2].cut_bytes > 0,
        "a long message is cut and says so"
    );
    assert!(followed.lines[2].text.len() < 20_000);
    assert_eq!(messages[3], "after the long one");
}

/// The pids of the `journalctl --follow` processes reading `dir`.
fn followers_of(dir: &Path) -> Vec<i32> {
    let mut pids = Vec::new();
    for proc in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = proc.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(proc.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains("journalctl")
            && cmdline.contains("--follow")
            && cmdline.contains(&dir.display().to_string())
        {
            pids.push(pid);
        }
    }
    pids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_journalctl_dies_reading_resumes_at_the_cursor_with_no_gap_and_no_repeat() {
    if !tools_here() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("remote-api.journal");
    let t0 = micros(-300);
    let batch = |from: u64, to: u64| -> Vec<Entry> {
        (from..to)
            .map(|i| {
                entry(
                    "api",
                    i,
                    t0 + i as i64 * 1000,
                    6,
                    format!("request {i} done").as_bytes(),
                )
            })
            .collect()
    };
    write_journal(&file, &batch(0, 50));
    let mut followed = Followed::start(&format!("journal:@{}", dir.path().display()));
    assert!(followed.until(|lines, _| lines.len() >= 50).await);
    for round in 0..3u64 {
        let pids = followers_of(dir.path());
        assert!(!pids.is_empty(), "journalctl is following");
        for pid in pids {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
        // Written while nothing reads: found after the restart, from the cursor on.
        let from = 50 + round * 20;
        write_journal(&file, &batch(from, from + 20));
        let want = (from + 20) as usize;
        assert!(
            followed.until(|lines, _| lines.len() >= want).await,
            "round {round}: {} lines, {:?} {:?}",
            followed.lines.len(),
            followed.statuses,
            followed.messages()
        );
    }
    // Nothing more arrives late: each entry exactly once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    while let Ok(event) = followed.rx.try_recv() {
        if let TailEvent::Lines { lines, .. } = event {
            followed.lines.extend(lines);
        }
    }
    let messages = followed.messages();
    assert_eq!(messages.len(), 110, "{messages:?}");
    for i in 0..110 {
        assert_eq!(
            count(&messages, &format!("request {i} done")),
            1,
            "request {i}"
        );
    }
    let restarts = followed
        .statuses
        .iter()
        .filter(|s| s.to_string().contains("reading again"))
        .count();
    assert!(
        restarts >= 3,
        "each death is shown: {:?}",
        followed.statuses
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_delivers_late_into_a_shared_folder_is_not_skipped() {
    if !tools_here() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (
        dir.path().join("remote-a.journal"),
        dir.path().join("remote-b.journal"),
    );
    let t0 = micros(-600);
    write_journal(&a, &[entry("hosta", 1, t0, 6, b"a 1")]);
    write_journal(&b, &[entry("hostb", 1, t0 + 1, 6, b"b 1")]);
    let mut followed = Followed::start(&format!(
        "journal:payments.service@{}",
        dir.path().display()
    ));
    assert!(
        followed.until(|lines, _| lines.len() >= 2).await,
        "{:?}",
        followed.statuses
    );
    // Host a moves on; host b's entries, from before a's newest, arrive only afterwards (a
    // collector catching up). `journalctl --follow` over the folder would skip them.
    write_journal(&a, &[entry("hosta", 2, t0 + 200_000_000, 6, b"a 2")]);
    let a2 =
        |lines: &[LogLine], _: &[SourceStatus]| lines.iter().any(|l| l.text.ends_with(": a 2"));
    assert!(followed.until(a2).await, "{:?}", followed.messages());
    write_journal(
        &b,
        &[
            entry("hostb", 2, t0 + 100_000_000, 3, b"b 2"),
            entry("hostb", 3, t0 + 100_000_001, 3, b"b 3"),
        ],
    );
    // A host that appears only now is found too.
    let c = dir.path().join("remote-c.journal");
    write_journal(&c, &[entry("hostc", 1, t0 + 50, 6, b"c 1")]);
    let want = ["a 1", "b 1", "a 2", "b 2", "b 3", "c 1"];
    let done = |lines: &[LogLine], _: &[SourceStatus]| {
        want.iter()
            .all(|w| lines.iter().any(|l| l.text.ends_with(&format!(": {w}"))))
    };
    assert!(followed.until(done).await, "{:?}", followed.messages());
    let messages = followed.messages();
    for w in want {
        assert_eq!(count(&messages, w), 1, "{w}: {messages:?}");
    }
    let hosts: BTreeMap<&str, usize> = ["hosta", "hostb", "hostc"]
        .into_iter()
        .map(|h| {
            (
                h,
                followed.lines.iter().filter(|l| l.text.contains(h)).count(),
            )
        })
        .collect();
    assert_eq!(hosts.values().sum::<usize>(), 6, "{hosts:?}");
}

#[test]
fn journal_addresses_explain_their_mistakes() {
    let err = SourceSpec::parse("journal:payments.service,_hostname=db1").unwrap_err();
    assert!(err.contains("capitals"), "{err}");
    let err = SourceSpec::parse("jornal:payments.service").unwrap_err();
    assert!(err.contains("unknown kind `jornal`"), "{err}");
    let spec = JournalSpec::parse("payments.service,billing.service").unwrap();
    assert_eq!(spec.units, ["payments.service", "billing.service"]);
}

#[test]
fn sitrep_tail_prints_a_journal_and_refuses_an_unknown_kind() {
    let sitrep = env!("CARGO_BIN_EXE_sitrep");
    let out = Command::new(sitrep)
        .args(["tail", "jurnal:payments.service"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown kind `jurnal`") && err.contains("journal:"),
        "{err}"
    );
    if !tools_here() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t0 = micros(-30);
    write_journal(
        &dir.path().join("remote-db1.journal"),
        &[
            entry("db1", 1, t0, 3, b"charge failed for order 7"),
            entry("db1", 2, t0 + 1, 6, b"charge ok for order 8"),
        ],
    );
    // `timeout` ends the follow; what was printed by then is the answer.
    let out = Command::new("timeout")
        .args(["5", sitrep, "tail", "--filter", "failed"])
        .arg(format!("journal:payments.service@{}", dir.path().display()))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(
        lines[0].ends_with(" db1 payments: charge failed for order 7"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_prefix_reads_the_journal_where_it_runs_and_resumes_through_it() {
    if !tools_here() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("remote-db1.journal");
    let t0 = micros(-60);
    write_journal(&file, &[entry("db1", 1, t0, 6, b"read through a prefix")]);
    // `via` is what `ssh -T db1` is for another host. This stand-in is called `ssh` and treats
    // its words as ssh does: joined with spaces, read again by a shell (so a cursor's `;` must
    // arrive quoted).
    let bin = tempfile::tempdir().unwrap();
    let ssh = bin.path().join("ssh");
    std::fs::write(&ssh, "#!/bin/sh\nshift 2\neval \"$*\"\n").unwrap();
    std::fs::set_permissions(&ssh, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let spec = JournalSpec {
        units: vec!["payments.service".into()],
        from: sitrep::tail::journal::JournalFrom::Directory(dir.path().to_path_buf()),
        via: vec![ssh.display().to_string(), "-T".into(), "db1".into()],
        ..JournalSpec::default()
    };
    let mut followed = Followed::spawn(SourceSpec::Journal(spec), quick());
    assert!(
        followed.until(|lines, _| !lines.is_empty()).await,
        "{:?}",
        followed.statuses
    );
    assert!(
        followed.lines[0]
            .text
            .ends_with(" db1 payments: read through a prefix"),
        "{}",
        followed.lines[0].text
    );
    // The connection drops; reading again goes after the cursor, through the same prefix.
    for pid in followers_of(dir.path()) {
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
    }
    write_journal(&file, &[entry("db1", 2, t0 + 1, 6, b"after the drop")]);
    let resumed = |lines: &[LogLine], _: &[SourceStatus]| lines.len() >= 2;
    assert!(followed.until(resumed).await, "{:?}", followed.statuses);
    tokio::time::sleep(Duration::from_millis(500)).await;
    while let Ok(TailEvent::Lines { lines, .. }) = followed.rx.try_recv() {
        followed.lines.extend(lines);
    }
    assert_eq!(
        followed.messages(),
        ["read through a prefix", "after the drop"],
        "{:?}",
        followed.statuses
    );
}

#[test]
fn a_user_outside_the_journals_groups_is_told_why_the_source_is_empty() {
    if !tools_here() {
        return;
    }
    // Switching to an unprivileged user needs root (as in CI); elsewhere there is nothing to show.
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n");
    if !root {
        eprintln!("skipped: needs root to run sitrep as an unprivileged user");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("remote-db1.journal");
    write_journal(&file, &[entry("db1", 1, micros(-10), 3, b"secret")]);
    // The folder is readable, its journal file is root's alone (0640), as journald leaves them.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let out = Command::new("timeout")
        .args([
            "5",
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ])
        .arg(env!("CARGO_BIN_EXE_sitrep"))
        .arg("tail")
        .arg(format!("journal:payments.service@{}", dir.path().display()))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.stdout.is_empty(), "nothing readable is printed");
    assert!(err.contains("insufficient permissions"), "{err}");
    assert!(err.contains("systemd-journal"), "what to do: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_rebooted_keeps_the_entries_from_before_its_reboot() {
    if !tools_here() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t0 = micros(-120);
    // The same machine, two boots: journalctl --follow alone shows only the newest boot.
    let booted = |seq: u64, boot: &str, message: &[u8]| {
        let Entry(mut fields) = entry("db1", seq, t0 + seq as i64 * 1_000_000, 6, message);
        for (name, value) in &mut fields {
            if *name == "_BOOT_ID" {
                *value = boot.as_bytes().to_vec();
            }
        }
        Entry(fields)
    };
    let (first, second) = ("a".repeat(32), "b".repeat(32));
    write_journal(
        &dir.path().join("remote-db1.journal"),
        &[
            booted(1, &first, b"before the reboot"),
            booted(2, &first, b"out of memory, rebooting"),
            booted(3, &second, b"after the reboot"),
        ],
    );
    let mut followed = Followed::start(&format!(
        "journal:payments.service@{}",
        dir.path().display()
    ));
    assert!(
        followed.until(|lines, _| lines.len() >= 3).await,
        "{:?} {:?}",
        followed.messages(),
        followed.statuses
    );
    assert_eq!(
        followed.messages(),
        [
            "before the reboot",
            "out of memory, rebooting",
            "after the reboot"
        ]
    );
}
