//! UI speed: how long a full frame of a busy screen takes to render, and how long the real binary takes
//! from start to its first frame in a pseudo-terminal.
//!
//! Run: `cargo bench --bench ui`
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/pty/mod.rs"]
mod pty;

use std::time::{Duration, Instant};

use chrono::Utc;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sitrep::app::{App, EndpointView, Msg, SourceView, update};
use sitrep::health::{EndpointHealth, Outcome, ProbeResult};
use sitrep::tail::{LogLine, TailEvent, detect_level};
use sitrep::timeline::{Event, chain::seal};
use sitrep::ui::{self, Theme};

/// The busiest screen we expect: a full log buffer, many endpoints with full windows, a long timeline.
fn busy_app() -> App {
    let now = Utc::now();
    let mut records = Vec::new();
    let mut prev = String::new();
    for seq in 1..=5_000u64 {
        let event = if seq == 1 {
            Event::IncidentOpened {
                title: "Payments API errors".into(),
                severity: Some(sitrep::timeline::Severity::Sev1),
            }
        } else {
            Event::Note {
                text: format!("note {seq} with some words about what was seen"),
            }
        };
        let r = seal(seq, now, "alice", event, &prev).unwrap().1;
        prev = r.hash.clone();
        records.push(r);
    }
    let mut app = App::new(
        records,
        "t.jsonl".into(),
        sitrep::runbook::shipped(),
        "alice".into(),
        now,
    );
    app.sources.push(SourceView {
        status: "following /var/log/api.log".into(),
        ..SourceView::new("api")
    });
    let mut batch = Vec::new();
    for i in 0..100_000 {
        let text = if i % 7 == 0 {
            format!(
                "2026-11-24T14:00:{:02}.000Z ERROR provider call failed: upstream timeout after 3000ms req_id={i:08x} attempt=1/3 ünïcödé 漢字",
                i % 60
            )
        } else {
            format!(
                "2026-11-24T14:00:{:02}.000Z INFO  request method=POST path=/v1/charges status=200 duration_ms={} req_id={i:08x}",
                i % 60,
                i % 300
            )
        };
        batch.push(LogLine::new(0, text.clone(), detect_level(&text), 0, now));
    }
    update(
        &mut app,
        Msg::Tail(TailEvent::Lines {
            source: 0,
            file: None,
            lines: batch,
        }),
    );
    for e in 0..8 {
        app.endpoints.push(EndpointView {
            name: format!("endpoint-{e}"),
            url: format!("http://127.0.0.1:1/{e}"),
            health: EndpointHealth::new(2),
            insecure_tls: false,
            episode: None,
            episode_adopted: false,
            interval: std::time::Duration::from_secs(5),
        });
        for i in 0..300 {
            let ok = (i / 20 + e) % 3 != 0;
            let mut r = ProbeResult::failed(
                e,
                now,
                if ok {
                    Outcome::Ok
                } else {
                    Outcome::UnexpectedStatus(503)
                },
                Duration::from_millis(20 + (i as u64 * 37) % 400),
            );
            r.status = Some(if ok { 200 } else { 503 });
            r.body_head = "{\"status\":\"degraded\",\"error\":\"upstream\"}".into();
            app.endpoints[e].health.record(&r);
        }
    }
    app
}

fn frame_time(app: &App, w: u16, h: u16, frames: usize) -> (Duration, Duration) {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    let theme = Theme::color();
    for _ in 0..20 {
        terminal.draw(|f| ui::draw(f, app, &theme)).unwrap();
    }
    let mut times = Vec::with_capacity(frames);
    for _ in 0..frames {
        let t = Instant::now();
        terminal.draw(|f| ui::draw(f, app, &theme)).unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    (times[times.len() / 2], times[times.len() * 99 / 100])
}

fn startup(runs: usize) -> Vec<Duration> {
    let mut out = Vec::new();
    for _ in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap().to_string();
        let start = Instant::now();
        let mut tty = pty::Tty::spawn(
            &["demo", "--dir", &d, "--fail-after", "1h"],
            dir.path(),
            120,
            40,
        );
        tty.wait_for("first frame", Duration::from_secs(20), |s| {
            s.contains("Runbook 1/6")
        });
        out.push(start.elapsed());
        tty.send("q");
        tty.wait_exit(Duration::from_secs(10));
    }
    out.sort();
    out
}

/// One simulated second of a busy incident: 10,000 lines arriving in 30 batches, each followed by a
/// frame, as the event loop does. Returns the CPU time that second costs the UI thread.
fn ingest_and_draw(app: &mut App, second: u64) -> Duration {
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let theme = Theme::color();
    let now = Utc::now();
    let batches: Vec<Vec<LogLine>> = (0..30)
        .map(|b| {
            (0..334)
                .map(|i| {
                    let n = second * 10_000 + b * 334 + i;
                    let text = if n.is_multiple_of(9) {
                        format!("2026-11-24T14:00:00.000Z ERROR provider call failed: upstream timeout after {}ms req_id={n:08x}", n % 5000)
                    } else {
                        format!("2026-11-24T14:00:00.000Z INFO  request method=POST path=/v1/charges status=200 duration_ms={} req_id={n:08x}", n % 300)
                    };
                    LogLine::new(0, text.clone(), detect_level(&text), 0, now)
                })
                .collect()
        })
        .collect();
    let start = Instant::now();
    for lines in batches {
        update(
            app,
            Msg::Tail(TailEvent::Lines {
                source: 0,
                file: None,
                lines,
            }),
        );
        terminal.draw(|f| ui::draw(f, app, &theme)).unwrap();
    }
    update(app, Msg::Tick(Utc::now()));
    start.elapsed()
}

/// Time from a key press to the screen showing its effect, in the real binary.
fn key_latency(runs: usize) -> Vec<Duration> {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap().to_string();
    let mut tty = pty::Tty::spawn(
        &["demo", "--dir", &d, "--fail-after", "1h"],
        dir.path(),
        120,
        40,
    );
    tty.wait_for("first frame", Duration::from_secs(20), |s| {
        s.contains("Runbook 1/6")
    });
    let mut out = Vec::new();
    for i in 0..runs {
        // `]` moves to the next runbook: the title changes.
        let want = format!("Runbook {}/6", (i + 1) % 6 + 1);
        let start = Instant::now();
        tty.send("]");
        tty.wait_for("the key's effect", Duration::from_secs(5), |s| {
            s.contains(&want)
        });
        out.push(start.elapsed());
        std::thread::sleep(Duration::from_millis(50));
    }
    tty.send("q");
    tty.wait_exit(Duration::from_secs(10));
    out.sort();
    out
}

/// CPU time (user + system) of a process so far, from /proc, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// The real binary following a file that grows by 10,000 lines a second for 10 s: the CPU it uses.
fn real_follow_cpu() -> (f64, u64) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("api.log");
    std::fs::write(&log, "").unwrap();
    std::fs::write(
        dir.path().join("sitrep.toml"),
        "[incident]\ntitle = \"bench\"\n[[log]]\nname = \"api\"\npath = \"api.log\"\n",
    )
    .unwrap();
    let tty = pty::Tty::spawn(&["open"], dir.path(), 120, 40);
    tty.wait_for("first frame", Duration::from_secs(20), |s| {
        s.contains("Runbook 1/6")
    });
    let pid = tty.pid().unwrap();
    let before = cpu_seconds(pid);
    let start = Instant::now();
    let mut written = 0u64;
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    for tick in 0..1000u64 {
        use std::io::Write;
        let mut chunk = String::new();
        for i in 0..100 {
            let n = tick * 100 + i;
            if n.is_multiple_of(9) {
                chunk.push_str(&format!("2026-11-24T14:00:00.000Z ERROR provider call failed: upstream timeout after {}ms req_id={n:08x}\n", n % 5000));
            } else {
                chunk.push_str(&format!("2026-11-24T14:00:00.000Z INFO  request method=POST path=/v1/charges status=200 duration_ms={} req_id={n:08x}\n", n % 300));
            }
        }
        f.write_all(chunk.as_bytes()).unwrap();
        written += 100;
        let due = Duration::from_millis(tick + 1) * 10;
        if let Some(wait) = due.checked_sub(start.elapsed()) {
            std::thread::sleep(wait);
        }
    }
    let cpu = cpu_seconds(pid) - before;
    let wall = start.elapsed().as_secs_f64();
    (cpu / wall, written)
}

/// The real binary following `yes` (a command that writes without limit) for 10 s: the CPU the
/// whole process uses, and whether the source is shown as behind.
fn flood_cpu() -> (f64, bool) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sitrep.toml"),
        "[incident]\ntitle = \"bench\"\n[[log]]\nname = \"flood\"\ncommand = [\"yes\", \"2026-11-24T14:00:00.000Z INFO  request method=POST path=/v1/charges status=200 duration_ms=12\"]\n",
    )
    .unwrap();
    let mut tty = pty::Tty::spawn(&["open"], dir.path(), 120, 40);
    tty.wait_for("first frame", Duration::from_secs(20), |s| {
        s.contains("Runbook 1/6")
    });
    let pid = tty.pid().unwrap();
    std::thread::sleep(Duration::from_secs(1));
    let before = cpu_seconds(pid);
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs(10));
    let cpu = cpu_seconds(pid) - before;
    let share = cpu / start.elapsed().as_secs_f64();
    let behind = tty
        .wait_for("the flood shown", Duration::from_secs(5), |s| {
            s.contains("flood:")
        })
        .contains("flood: behind");
    tty.send("q");
    tty.wait_exit(Duration::from_secs(10));
    (share, behind)
}

fn main() {
    let app = busy_app();
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let (p50, p99) = frame_time(&app, w, h, 500);
        println!(
            "frame {w}x{h} (100k log lines, 8 endpoints, 5k events): p50 {p50:?}, p99 {p99:?}"
        );
    }
    // The same screen with long lines wrapped and the logs panel focused (its cursor drawn).
    let mut wrapped = busy_app();
    wrapped.logview.wrap = true;
    wrapped.focus = sitrep::app::Panel::Logs;
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let (p50, p99) = frame_time(&wrapped, w, h, 500);
        println!("frame {w}x{h} wrapped, logs focused: p50 {p50:?}, p99 {p99:?}");
    }
    // `cargo bench --bench ui -- frames`: the frames alone (for an instruction count under
    // callgrind, where the real binary's parts would measure nothing useful).
    if std::env::args().any(|a| a == "frames") {
        return;
    }
    let mut app = busy_app();
    let mut costs: Vec<Duration> = (0..10).map(|sec| ingest_and_draw(&mut app, sec)).collect();
    costs.sort();
    println!(
        "10,000 lines/s with 30 frames/s (mining, filtering, drawing 120x40): {:.1}% of one core median, {:.1}% worst of 10 s",
        costs[5].as_secs_f64() * 100.0,
        costs[9].as_secs_f64() * 100.0
    );
    let (share, written) = real_follow_cpu();
    println!(
        "real binary following a file growing by 10,000 lines/s for 10 s ({written} lines): {:.1}% of one core",
        share * 100.0
    );
    let (flood, behind) = flood_cpu();
    println!(
        "real binary following `yes` for 10 s: {:.2} cores (all its threads); shown as behind: {behind}",
        flood
    );
    let keys = key_latency(20);
    println!(
        "key press to screen (real binary in a pty, 20 presses): median {:?}, max {:?} (a frame is 33 ms)",
        keys[keys.len() / 2],
        keys[keys.len() - 1]
    );
    let runs = startup(10);
    println!(
        "startup to first frame (demo, 120x40, {} runs): min {:?}, median {:?}, max {:?}",
        runs.len(),
        runs[0],
        runs[runs.len() / 2],
        runs[runs.len() - 1]
    );
}
