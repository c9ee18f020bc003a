//! Shared incidents through real stores and the real binary: a folder with three processes writing
//! at once, and the S3 protocol (signed requests, 412 on a second create, listings in pages)
//! against `moto_server` on 127.0.0.1; two cockpits in pseudo-terminals keep working while the S3
//! server hangs, and catch up when it answers again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pty;
mod share_support;

use std::time::Duration;

use share_support::{Laptop, Moto};

fn note_texts(path: &std::path::Path) -> Vec<String> {
    sitrep::timeline::read(path)
        .unwrap()
        .records
        .into_iter()
        .filter_map(|r| match r.event {
            sitrep::timeline::Event::Note { text } => Some(text),
            _ => None,
        })
        .collect()
}

/// Syncs each laptop until all say they agree with the store (bounded), twice round: what the
/// last one shared (its `left`, written as its cockpit closed) reaches the first.
fn sync_all(laptops: &[&Laptop]) {
    for _ in 0..2 {
        for laptop in laptops {
            let agreed = (0..5).any(|_| laptop.run(&["sync"]).status.success());
            assert!(agreed, "{} never agreed with the store", laptop.name);
        }
    }
}

fn assert_one_chain(laptops: &[&Laptop], url: &str) -> Vec<u8> {
    let first = laptops[0].timelines();
    assert_eq!(first.len(), 1, "{}: {first:?}", laptops[0].name);
    let bytes = std::fs::read(&first[0]).unwrap();
    for laptop in laptops {
        let files = laptop.timelines();
        assert_eq!(files.len(), 1, "{}: {files:?}", laptop.name);
        assert_eq!(
            std::fs::read(&files[0]).unwrap(),
            bytes,
            "{}'s copy is byte-identical to {}'s",
            laptop.name,
            laptops[0].name
        );
        let out = laptop.ok(&["verify", "--against", url]);
        assert!(out.contains("whose chain is whole"), "{out}");
    }
    bytes
}

#[test]
fn three_laptops_noting_at_once_through_a_folder_end_with_one_chain() {
    let store = tempfile::tempdir().unwrap();
    let url = format!("file://{}", store.path().display());
    let laptops: Vec<Laptop> = ["alice", "bob", "carol"]
        .iter()
        .map(|n| Laptop::new(n, &url, None))
        .collect();
    let out = laptops[0].run(&["new", "Payments API errors"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("shared as "), "{said}");
    for laptop in &laptops[1..] {
        let out = laptop.ok(&["sync"]);
        assert!(out.contains("agree"), "{out}");
    }
    std::thread::scope(|s| {
        for laptop in &laptops {
            s.spawn(move || {
                for n in 0..8 {
                    laptop.ok(&["note", &format!("{} n{n}", laptop.name)]);
                }
            });
        }
    });
    let all: Vec<&Laptop> = laptops.iter().collect();
    sync_all(&all);
    assert_one_chain(&all, &url);
    let mut notes = note_texts(&laptops[0].timelines()[0]);
    notes.sort();
    let mut expected: Vec<String> = laptops
        .iter()
        .flat_map(|l| (0..8).map(move |n| format!("{} n{n}", l.name)))
        .collect();
    expected.sort();
    assert_eq!(notes, expected, "every note once, none lost");
}

const S3_URL: &str = "s3://team/incidents";

/// A local S3 server with a bucket, and two laptops sharing through it.
fn team_on_s3() -> Option<(Moto, Laptop, Laptop)> {
    let moto = Moto::start()?;
    moto.bucket("team");
    let endpoint = moto.endpoint();
    let alice = Laptop::new("alice", S3_URL, Some(&endpoint));
    let bob = Laptop::new("bob", S3_URL, Some(&endpoint));
    Some((moto, alice, bob))
}

#[test]
fn s3_shares_syncs_pages_and_refuses_a_second_create() {
    let Some((moto, alice, bob)) = team_on_s3() else {
        return;
    };
    let (url, endpoint) = (S3_URL, moto.endpoint());
    let out = alice.run(&["new", "Payments API errors", "--severity", "SEV2"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("shared as "), "{said}");
    let listed = bob.ok(&["incidents"]);
    assert!(
        listed.contains("shared, not here") && listed.contains("SEV2"),
        "{listed}"
    );
    bob.ok(&["sync"]);
    let out = bob.ok(&["note", "bob: disabled the payments integration"]);
    assert!(out.contains("and shared"), "{out}");
    alice.ok(&["mark", "mitigated"]);
    sync_all(&[&alice, &bob]);
    let chain = assert_one_chain(&[&alice, &bob], url);
    assert_eq!(chain.iter().filter(|&&b| b == b'\n').count(), 3);

    // `check` asks the store to refuse a second create of one key: what keeps two laptops from
    // both writing event N.
    let out = alice.ok(&["check"]);
    assert!(out.contains("refuses a second create of one key"), "{out}");
    assert!(
        out.contains("credentials: environment (AWS_ACCESS_KEY_ID"),
        "{out}"
    );

    // Over a thousand events: a laptop joining lists them in pages (S3 gives 1,000 keys a page).
    let carol = Laptop::new("carol", url, Some(&endpoint));
    let local = carol
        .path()
        .join("incidents")
        .join("2026-11-28T140000-big-incident.jsonl");
    let (mut writer, _) = sitrep::timeline::TimelineWriter::create(
        &local,
        "carol",
        sitrep::timeline::Event::IncidentOpened {
            title: "Big incident".into(),
            severity: None,
        },
    )
    .unwrap();
    for n in 0..1_004 {
        writer
            .append(
                "carol",
                sitrep::timeline::Event::Note {
                    text: format!("line {n}"),
                },
            )
            .unwrap();
    }
    drop(writer);
    let id = carol.ok(&["share", "-t", local.to_str().unwrap()]);
    let id = id.trim();
    assert!(id.ends_with("-big-incident"), "{id}");
    let dave = Laptop::new("dave", url, Some(&endpoint));
    let out = dave.ok(&["sync", "--incident", id]);
    assert!(out.contains("1005 events"), "{out}");
    assert_eq!(
        std::fs::read(&dave.timelines()[0]).unwrap(),
        std::fs::read(&local).unwrap(),
        "the joined copy is the shared file, byte for byte"
    );
}

#[test]
fn cockpits_keep_working_while_the_store_hangs_and_catch_up_when_it_answers() {
    let Some((moto, alice, bob)) = team_on_s3() else {
        return;
    };
    let url = S3_URL;
    alice.ok(&["new", "Payments API errors"]);
    bob.ok(&["sync"]);
    let env: Vec<(&str, Option<&str>)> = share_support::S3_ENV
        .iter()
        .map(|(k, v)| (*k, Some(*v)))
        .collect();
    let mut a = pty::Tty::spawn_with(&["open", "--actor", "alice"], alice.path(), 120, 40, &env);
    let mut b = pty::Tty::spawn_with(&["open", "--actor", "bob"], bob.path(), 120, 40, &env);
    for (t, who) in [(&a, "alice"), (&b, "bob")] {
        t.wait_for(
            &format!("{who}'s cockpit shares"),
            Duration::from_secs(30),
            |s| s.contains("⇅ shared"),
        );
    }
    // A teammate's note shows within a couple of seconds.
    a.send("n");
    a.send("alice: rolled back v2.3\r");
    b.wait_for(
        "alice's note on bob's screen",
        Duration::from_secs(15),
        |s| s.contains("alice: rolled back v2.3"),
    );
    // Bob's own events (his join) are in the store before it hangs: on a busy machine his
    // upload can still be under way here, and would be counted as not shared below.
    b.wait_for(
        "bob's own events all shared",
        Duration::from_secs(30),
        |s| s.contains("⇅ shared") && !s.contains('⇡'),
    );

    moto.freeze();
    b.send("n");
    b.send("bob: offline note\r");
    let screen = b.wait_for(
        "the header says the store is unreachable",
        Duration::from_secs(30),
        |s| s.contains("not shared · store unreachable since"),
    );
    assert!(screen.contains("⇡ 1 not shared"), "{screen}");
    assert!(
        screen.contains("bob: offline note"),
        "the note shows locally: {screen}"
    );
    moto.thaw();
    b.wait_for("the header clears", Duration::from_secs(30), |s| {
        s.contains("⇅ shared") && !s.contains("unreachable")
    });
    a.wait_for(
        "bob's queued note reaches alice",
        Duration::from_secs(20),
        |s| s.contains("bob: offline note"),
    );
    a.send("q");
    b.send("q");
    for t in [&mut a, &mut b] {
        if t.wait_exit(Duration::from_secs(10)).is_none() {
            t.send("y");
            t.wait_exit(Duration::from_secs(10));
        }
    }
    sync_all(&[&alice, &bob]);
    assert_one_chain(&[&alice, &bob], url);
}

#[test]
fn an_aws_profile_gives_its_credentials_through_the_aws_cli() {
    let Some(moto) = Moto::start() else { return };
    moto.bucket("team");
    let url = "s3://team/incidents";
    let alice = Laptop::new("alice", url, Some(&moto.endpoint()));
    // A stand-in for the aws CLI: answers `configure export-credentials` as the real one does,
    // and keeps a note of each call.
    let bin = tempfile::tempdir().unwrap();
    let calls = bin.path().join("calls");
    let aws = bin.path().join("aws");
    std::fs::write(
        &aws,
        format!(
            "#!/bin/sh\necho \"$*\" >> {calls}\nif [ \"$4\" = expired-sso ]; then echo 'Error loading SSO Token: Token for oncall does not exist' >&2; exit 255; fi\necho '{{\"Version\": 1, \"AccessKeyId\": \"ASIAEXAMPLE\", \"SecretAccessKey\": \"secret\", \"SessionToken\": \"token\", \"Expiration\": \"2099-01-01T00:00:00+00:00\"}}'\n",
            calls = calls.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&aws, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap()
    );
    let env = [
        ("PATH", Some(path.as_str())),
        ("AWS_ACCESS_KEY_ID", None),
        ("AWS_SECRET_ACCESS_KEY", None),
        ("AWS_PROFILE", Some("oncall")),
    ];
    let out = alice.run_env(&["check"], &env);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("AWS profile `oncall` through `aws configure export-credentials`"),
        "{said}"
    );
    assert!(said.contains("refuses a second create"), "{said}");
    let called = std::fs::read_to_string(&calls).unwrap();
    assert!(
        called.contains("configure export-credentials --profile oncall --format process"),
        "{called}"
    );
    // A profile whose SSO login ran out: said, with what to do.
    let env = [
        ("PATH", Some(path.as_str())),
        ("AWS_ACCESS_KEY_ID", None),
        ("AWS_PROFILE", Some("expired-sso")),
    ];
    let out = alice.run_env(&["check"], &env);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("aws sso login --profile expired-sso"),
        "{said}"
    );
}
