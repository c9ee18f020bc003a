//! The team in the cockpit, tried as responders would: two and three real cockpits in
//! pseudo-terminals on one local timeline and on one shared folder store. Who is here shows in each
//! header and goes when a cockpit closes; a second cockpit under a name already here is refused;
//! one endpoint change seen by two cockpits is recorded once with both observers, and cockpits that
//! see different things each keep theirs; a step marked `approval = true` runs in one cockpit only
//! after another approves it, and a break-glass run keeps its reason for the postmortem.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pty;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sitrep::timeline::{Event, Health, Record};

const WAIT: Duration = Duration::from_secs(30);

/// An HTTP endpoint on 127.0.0.1 that answers 200, or 503 while `down` is set; it stops with the
/// test (every loop is bounded by the flag and a deadline).
struct Api {
    port: u16,
    down: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl Api {
    fn start() -> Api {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (d, s) = (down.clone(), stop.clone());
        std::thread::spawn(move || {
            let end = Instant::now() + Duration::from_secs(600);
            while !s.load(Ordering::Relaxed) && Instant::now() < end {
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        let _ = conn.set_nonblocking(false);
                        let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
                        let mut buf = [0u8; 2048];
                        let _ = conn.read(&mut buf);
                        let (code, body) = if d.load(Ordering::Relaxed) {
                            ("503 Service Unavailable", "down")
                        } else {
                            ("200 OK", "ok")
                        };
                        let _ = write!(
                            conn,
                            "HTTP/1.1 {code}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        );
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Api { port, down, stop }
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A responder's folder: a config (with `[share]` when given a store URL), a runbook whose
/// rollback needs approval, and the endpoint to watch.
fn desk(api: &Api, share: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("runbooks")).unwrap();
    std::fs::write(
        dir.path().join("runbooks/rollback.toml"),
        "name = \"rollback\"\n\n[[step]]\nid = \"undo\"\ntitle = \"Roll back the deploy\"\ncommand = \"echo rolled-back\"\napproval = true\n\n[[step]]\nid = \"check\"\ntitle = \"Check the error rate\"\n",
    )
    .unwrap();
    let share = share.map_or(String::new(), |url| {
        format!("\n[share]\nurl = \"{url}\"\npoll = \"200ms\"\n")
    });
    std::fs::write(
        dir.path().join("sitrep.toml"),
        format!(
            "[incident]\ntitle = \"Payments API errors\"\ndir = \"incidents\"\nrunbooks = \"runbooks\"\nepisode-hold = \"2s\"\n\n[[endpoint]]\nname = \"payments\"\nurl = \"http://127.0.0.1:{}/health\"\ninterval = \"1s\"\ntimeout = \"1s\"\nthreshold = 1\n{share}",
            api.port
        ),
    )
    .unwrap();
    dir
}

fn sitrep(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(args)
        .current_dir(dir)
        .env("USER", "shared-jump-user")
        .env_remove("SITREP_ACTOR")
        .output()
        .unwrap()
}

fn timeline_in(dir: &Path) -> PathBuf {
    std::fs::read_dir(dir.join("incidents"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .expect("a timeline")
}

fn records(path: &Path) -> Vec<Record> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn cockpit(dir: &Path, actor: &str, cols: u16, rows: u16) -> pty::Tty {
    pty::Tty::spawn_with(
        &["open", "--actor", actor],
        dir,
        cols,
        rows,
        &[("SITREP_ACTOR", None), ("USER", Some("shared-jump-user"))],
    )
}

/// The screen's first row.
fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or("")
}

fn quit(t: &mut pty::Tty) {
    for _ in 0..3 {
        // Out of the output pane or a prompt first.
        t.send("\x1b");
        std::thread::sleep(Duration::from_millis(300));
        t.send("q");
        std::thread::sleep(Duration::from_millis(300));
        if t.is_running() && t.screen().contains("Quit") {
            t.send("y");
        }
        if t.wait_exit(Duration::from_secs(3)).is_some() {
            return;
        }
    }
    panic!("the cockpit does not quit: {}", t.screen());
}

/// The outage starts: `payments` goes down and both cockpits see it; it is one record.
fn one_outage_recorded_once(api: &Api, a: &pty::Tty, b: &pty::Tty, path: &Path) {
    for t in [a, b] {
        t.wait_for("payments is up", WAIT, |s| {
            s.contains("payments: unknown → up")
        });
    }
    api.down.store(true, Ordering::Relaxed);
    for t in [a, b] {
        t.wait_for("the outage with both observers", WAIT, |s| {
            s.contains("payments: up → down")
                && (s.contains("⚙ carol+dave") || s.contains("⚙ dave+carol"))
        });
    }
    // Both screens name both observers as soon as each cockpit has its own observation; the
    // second one's record may reach the file a moment later (its writer runs beside the screen).
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let all = records(path);
        let starts: Vec<&Record> = all
            .iter()
            .filter(|r| {
                matches!(
                    &r.event,
                    Event::HealthChanged {
                        to: Health::Down,
                        ..
                    }
                )
            })
            .collect();
        assert_eq!(starts.len(), 1, "one record of the outage: {all:#?}");
        let seen_too = all
            .iter()
            .filter(|r| matches!(&r.event, Event::Observed { of, .. } if *of == starts[0].seq))
            .count();
        if seen_too == 1 {
            break;
        }
        assert!(
            seen_too == 0 && std::time::Instant::now() < deadline,
            "the other cockpit saw it too: {all:#?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn two_cockpits_on_one_local_timeline_see_each_other_record_one_outage_once_and_approve_a_step() {
    let api = Api::start();
    let dir = desk(&api, None);
    assert!(
        sitrep(dir.path(), &["new", "Payments API errors"])
            .status
            .success()
    );
    let path = timeline_in(dir.path());
    let mut carol = cockpit(dir.path(), "carol", 120, 40);
    let mut dave = cockpit(dir.path(), "dave", 120, 40);
    carol.wait_for("dave is here", WAIT, |s| s.contains("with dave"));
    dave.wait_for("carol is here", WAIT, |s| s.contains("with carol"));

    // Everyone on the jump host is `shared-jump-user`: a second carol is refused, and told how.
    let mut second = cockpit(dir.path(), "carol", 120, 40);
    assert!(
        second.wait_exit(WAIT).is_some(),
        "a second carol does not open"
    );
    let said = second.screen();
    assert!(said.contains("already has this incident open"), "{said}");
    assert!(said.contains("--actor NAME"), "{said}");

    one_outage_recorded_once(&api, &carol, &dave, &path);

    // The step needs approval: carol asks, dave's cockpit prompts, dave approves, carol runs it.
    carol.send("3");
    carol.send("x");
    carol.wait_for("the confirmation offers to ask", WAIT, |s| {
        s.contains("needs another responder's approval") && s.contains("a asks for approval")
    });
    assert!(
        !carol.screen().contains("breaks glass"),
        "no break-glass while dave is here to approve: {}",
        carol.screen()
    );
    carol.send("a");
    // Dave's cockpit says so, in the header and the status line; `a` opens the prompt (it never
    // opens by itself, so a key meant for something else cannot approve).
    dave.wait_for("the request on dave's screen", WAIT, |s| {
        s.contains("⚑ carol asks approval")
            && s.contains("carol asks approval to run `echo rolled-back`")
    });
    dave.send("a");
    dave.wait_for("the approval prompt", WAIT, |s| {
        s.contains("Approve this command?") && s.contains("$ echo rolled-back")
    });
    dave.send("y");
    carol.wait_for("dave's approval reaches carol", WAIT, |s| {
        s.contains("approved by dave")
    });
    carol.send("x");
    carol.wait_for("the run may go", WAIT, |s| s.contains("y runs it"));
    carol.send("y");
    carol.wait_for("it ran", WAIT, |s| s.contains("exit 0"));

    quit(&mut dave);
    carol.wait_for("dave is gone", WAIT, |s| !header(s).contains("with dave"));
    quit(&mut carol);
    let all = records(&path);
    let kinds: Vec<&str> = all.iter().map(|r| r.event.kind()).collect();
    for kind in [
        "joined",
        "left",
        "approval.requested",
        "approval.answered",
        "command.started",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let joined = kinds.iter().filter(|k| **k == "joined").count();
    assert_eq!(
        joined, 2,
        "one `joined` per session (the refused one never joined): {kinds:?}"
    );
    assert!(
        sitrep(dir.path(), &["verify", path.to_str().unwrap()])
            .status
            .success()
    );
}

#[test]
fn alone_a_step_that_needs_approval_breaks_glass_with_a_reason_the_postmortem_lists() {
    let api = Api::start();
    let dir = desk(&api, None);
    assert!(
        sitrep(dir.path(), &["new", "Payments API errors"])
            .status
            .success()
    );
    let path = timeline_in(dir.path());
    let mut erin = cockpit(dir.path(), "erin", 80, 24);
    erin.wait_for("the cockpit", WAIT, |s| s.contains("Roll back the deploy"));
    erin.send("3");
    erin.send("x");
    erin.wait_for("break glass is offered", WAIT, |s| {
        s.contains("b breaks glass")
    });
    erin.send("b");
    erin.wait_for("the reason is asked", WAIT, |s| s.contains("Break glass?"));
    erin.send("nobody else awake, payments down 20 min\r");
    erin.wait_for("it ran", WAIT, |s| s.contains("exit 0"));
    quit(&mut erin);
    let all = records(&path);
    let reason = all.iter().find_map(|r| match &r.event {
        Event::BreakGlass { reason, .. } => Some(reason.clone()),
        _ => None,
    });
    assert_eq!(
        reason.as_deref(),
        Some("nobody else awake, payments down 20 min")
    );
    let out = sitrep(
        dir.path(),
        &["export", "--timeline", path.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("Break-glass runs"), "{md}");
    assert!(
        md.contains("nobody else awake, payments down 20 min"),
        "{md}"
    );
}

#[test]
fn three_cockpits_through_a_shared_folder_see_each_other_and_one_outage_once() {
    let api = Api::start();
    let store = tempfile::tempdir().unwrap();
    let url = format!("file://{}", store.path().display());
    let desks: Vec<tempfile::TempDir> = (0..3).map(|_| desk(&api, Some(&url))).collect();
    assert!(
        sitrep(desks[0].path(), &["new", "Payments API errors"])
            .status
            .success()
    );
    for d in &desks[1..] {
        let out = sitrep(d.path(), &["sync"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut carol = cockpit(desks[0].path(), "carol", 120, 40);
    let mut dave = cockpit(desks[1].path(), "dave", 120, 40);
    let mut erin = cockpit(desks[2].path(), "erin", 80, 24);
    carol.wait_for("both teammates", WAIT, |s| {
        s.contains("with dave, erin") || s.contains("with erin, dave")
    });
    erin.wait_for("carol and dave", WAIT, |s| {
        s.contains("carol") && s.contains("dave")
    });

    one_outage_recorded_once_on_three(&api, &carol, &dave, &erin);

    // A second dave, on carol's laptop, is refused: dave is here through the store.
    let mut second = cockpit(desks[0].path(), "dave", 120, 40);
    assert!(
        second.wait_exit(WAIT).is_some(),
        "a second dave does not open"
    );
    assert!(
        second.screen().contains("already has this incident open"),
        "{}",
        second.screen()
    );

    // Erin asks through the store; dave approves from his laptop; erin runs it.
    erin.send("3");
    erin.send("x");
    erin.wait_for("the confirmation offers to ask", WAIT, |s| {
        s.contains("a asks for approval")
    });
    erin.send("a");
    dave.wait_for("the request on dave's laptop", WAIT, |s| {
        s.contains("⚑ erin asks approval")
    });
    dave.send("a");
    dave.wait_for("the prompt on dave's laptop", WAIT, |s| {
        s.contains("Approve this command?")
    });
    dave.send("y");
    erin.wait_for("dave's approval reaches erin", WAIT, |s| {
        s.contains("dave approved `echo rolled-back`")
    });
    erin.send("x");
    erin.wait_for("the run may go", WAIT, |s| s.contains("y runs it"));
    erin.send("y");
    erin.wait_for("it ran", WAIT, |s| s.contains("exit 0"));

    quit(&mut erin);
    carol.wait_for("erin is gone", WAIT, |s| !header(s).contains("erin"));
    quit(&mut dave);
    quit(&mut carol);
}

/// Three cockpits through a store: each outage start is one record, listed with its observers.
fn one_outage_recorded_once_on_three(
    api: &Api,
    carol: &pty::Tty,
    dave: &pty::Tty,
    erin: &pty::Tty,
) {
    for t in [carol, dave, erin] {
        t.wait_for("payments is up", WAIT, |s| s.contains("Health 1/1 up"));
    }
    api.down.store(true, Ordering::Relaxed);
    carol.wait_for("the outage with its observers", WAIT, |s| {
        s.contains("up → down")
            && s.matches("up → down").count() == 1
            && s.lines()
                .any(|l| l.contains("up → down") && l.matches('+').count() == 2)
    });
}

#[test]
fn cockpits_that_see_an_endpoint_differently_each_keep_their_observation() {
    // Carol's network reaches a broken payments; dave's reaches a working one.
    let broken = Api::start();
    broken.down.store(true, Ordering::Relaxed);
    let working = Api::start();
    let carol_desk = desk(&broken, None);
    assert!(
        sitrep(carol_desk.path(), &["new", "Payments API errors"])
            .status
            .success()
    );
    let path = timeline_in(carol_desk.path());
    let dave_desk = desk(&working, None);
    let dave_dir = dave_desk.path().join("incidents");
    std::fs::create_dir_all(&dave_dir).unwrap();
    let mut carol = cockpit(carol_desk.path(), "carol", 120, 40);
    carol.wait_for("carol sees it down", WAIT, |s| s.contains("Health 0/1 up"));
    let mut dave = pty::Tty::spawn_with(
        &[
            "open",
            "--actor",
            "dave",
            "--timeline",
            path.to_str().unwrap(),
        ],
        dave_desk.path(),
        120,
        40,
        &[("SITREP_ACTOR", None)],
    );
    dave.wait_for("dave sees it up", WAIT, |s| s.contains("Health 1/1 up"));
    for t in [&carol, &dave] {
        t.wait_for("both observations, each with its observer", WAIT, |s| {
            // Dave's first answer, or (when dave's cockpit took up carol's open outage) its end.
            s.contains("⚙ carol payments: unknown → down")
                && (s.contains("⚙ dave payments: unknown → up")
                    || s.contains("⚙ dave payments: down → up"))
        });
    }
    quit(&mut dave);
    quit(&mut carol);
    let observers: Vec<String> = records(&path)
        .iter()
        .filter_map(|r| match &r.event {
            Event::HealthChanged { observer, .. } => Some(observer.clone()),
            _ => None,
        })
        .collect();
    assert!(observers.contains(&"carol".to_string()), "{observers:?}");
    assert!(observers.contains(&"dave".to_string()), "{observers:?}");
}
