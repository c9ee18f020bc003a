//! Each panel alone (zoomed), the patterns views and the help, drawn by the real drawing code from a
//! fixed incident at the sizes responders use; and wide characters in a log line, through a terminal
//! emulator, with the panel's border where it belongs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod screen_support;
use screen_support::text_of;

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use sitrep::app::{App, Command, EndpointView, Mode, Msg, Panel, PatternsMode, SourceView, update};
use sitrep::health::{EndpointHealth, Outcome, ProbeResult, RateLimit};
use sitrep::tail::{LogLine, TailEvent, detect_level};
use sitrep::timeline::{Appended, Event, chain::seal};
use sitrep::ui::{self, Theme};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap()
}

fn at(secs: i64) -> DateTime<Utc> {
    t0() + chrono::Duration::seconds(secs)
}

fn key(ch: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE))
}

fn enter() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
}

/// Applies a message and writes every append it asks for, at the app's current time, the way the
/// timeline writer answers.
fn apply(app: &mut App, msg: Msg) {
    for c in update(app, msg) {
        if let Command::Append { req, actor, event } = c {
            let prev = app
                .records
                .last()
                .map(|r| r.hash.clone())
                .unwrap_or_default();
            let record = seal(app.incident.last_seq + 1, app.now, &actor, event, &prev)
                .unwrap()
                .1;
            let appended = Appended {
                record,
                foreign: vec![],
                problems: vec![],
            };
            update(app, Msg::Appended { req, appended });
        }
    }
}

fn lines_at(app: &mut App, secs: i64, texts: &[String]) {
    let lines = texts
        .iter()
        .map(|t| LogLine::new(0, t.clone(), detect_level(t), 0, at(secs)))
        .collect();
    apply(
        app,
        Msg::Tail(TailEvent::Lines {
            source: 0,
            file: None,
            lines,
        }),
    );
}

fn probe(endpoint: usize, secs: i64, status: u16, ms: u64, outcome: Outcome) -> ProbeResult {
    let mut r = ProbeResult::failed(endpoint, at(secs), outcome, Duration::from_millis(ms));
    r.status = Some(status);
    r.body_head = match status {
        200 => r#"{"status":"ok"}"#.into(),
        429 => r#"{"error":"rate limited"}"#.into(),
        _ => r#"{"status":"degraded","error":"payment provider timeout"}"#.into(),
    };
    if status == 429 {
        r.rate_limit = Some(RateLimit {
            limit: Some(600),
            remaining: Some(0),
            reset: Some(Duration::from_secs(40)),
            window: Some(Duration::from_secs(60)),
            retry_after: Some(Duration::from_secs(30)),
        });
        r.backoff = Some(Duration::from_secs(30));
    }
    r
}

/// Ten minutes of an incident: healthy for three, then the provider times out, the payments API goes
/// down, the provider throttles; the responder ticks steps, notes a rollback; one tick is still
/// being written when the screen is drawn.
fn incident() -> App {
    let opened = seal(
        1,
        t0(),
        "alice",
        Event::IncidentOpened {
            title: "Payments API errors".into(),
            severity: Some(sitrep::timeline::Severity::Sev2),
        },
        "",
    )
    .unwrap()
    .1;
    let mut app = App::new(
        vec![opened],
        "incidents/2026-11-24T140000-payments-api-errors.jsonl".into(),
        sitrep::runbook::shipped(),
        "alice".into(),
        t0(),
    );
    app.utc = true;
    app.sources.push(SourceView {
        status: "following api.log".into(),
        ..SourceView::new("api")
    });
    for (name, url) in [
        ("payments-api", "http://127.0.0.1:8080/health"),
        ("ledger", "http://127.0.0.1:8081/health"),
        ("provider", "http://127.0.0.1:8082/status"),
    ] {
        app.endpoints.push(EndpointView {
            name: name.into(),
            url: url.into(),
            health: EndpointHealth::new(2),
            insecure_tls: false,
        });
    }
    let failing = 180;
    for s in 0..=600i64 {
        apply(&mut app, Msg::Tick(at(s)));
        let mut texts = Vec::new();
        let ts = at(s).format("%Y-%m-%dT%H:%M:%S%.3fZ");
        if s % 4 == 1 {
            texts.push(format!(
                "{ts} INFO  request method=POST path=/v1/refunds status=200 duration_ms={} req_id={:08x}",
                30 + s % 17,
                s * 7919
            ));
        }
        if s >= failing && s % 3 == 0 {
            texts.push(format!(
                "{ts} ERROR provider call failed: upstream timeout after 3000ms attempt={}/3",
                s / 3 % 3 + 1
            ));
            texts.push(format!(
                "{ts} ERROR request method=POST path=/v1/charges status=502 duration_ms={} req_id={:08x}",
                3000 + s % 13,
                s * 104729
            ));
        }
        if s >= failing + 20 && s % 20 == 0 {
            texts.push(format!(
                "{ts} WARN  provider rate limited us: 429 retry_after=3s remaining=0"
            ));
        }
        if !texts.is_empty() {
            lines_at(&mut app, s, &texts);
        }
        if s % 10 == 0 {
            let (status, outcome) = if s < failing {
                (200, Outcome::Ok)
            } else {
                (503, Outcome::UnexpectedStatus(503))
            };
            let slow = if s < failing { 30 + s as u64 % 9 } else { 3004 };
            apply(&mut app, Msg::Probe(probe(0, s, status, slow, outcome)));
            apply(
                &mut app,
                Msg::Probe(probe(1, s, 200, 4 + s as u64 % 3, Outcome::Ok)),
            );
            let p = if s < failing + 60 {
                probe(2, s, 200, 120, Outcome::Ok)
            } else {
                probe(2, s, 429, 95, Outcome::Throttled)
            };
            apply(&mut app, Msg::Probe(p));
        }
        match s {
            200 => apply(&mut app, key('D')),
            230 => apply(&mut app, key(' ')),
            260 => {
                apply(&mut app, key('j'));
                apply(&mut app, key(' '));
            }
            420 => {
                apply(&mut app, key('n'));
                for ch in "rolled back to v2.14.0".chars() {
                    apply(&mut app, key(ch));
                }
                apply(&mut app, enter());
            }
            _ => {}
        }
    }
    // The third step's tick is still being written: its box shows it.
    apply(&mut app, key('j'));
    update(&mut app, key(' '));
    app.flash = None;
    app
}

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| ui::draw(f, app, &Theme::monochrome()))
        .unwrap();
    text_of(terminal.backend().buffer())
}

fn zoomed(panel: Panel) -> App {
    let mut app = incident();
    app.zoom = true;
    app.focus = panel;
    app
}

/// Renders a zoomed panel at both sizes and snapshots each; returns the 120x40 screen.
fn snapshot_both(name: &str, app: &App) -> String {
    let small = render(app, 80, 24);
    insta::assert_snapshot!(format!("{name}_80x24"), small);
    let big = render(app, 120, 40);
    insta::assert_snapshot!(format!("{name}_120x40"), big);
    big
}

#[test]
fn the_logs_panel_alone() {
    let app = zoomed(Panel::Logs);
    let s = snapshot_both("logs", &app);
    assert!(s.contains("▶1 Logs · api: following api.log"), "{s}");
    assert!(
        s.contains(
            "✖ 2026-11-24T14:10:00.000Z ERROR request method=POST path=/v1/charges status=502"
        ),
        "the newest line at the bottom, marked as an error:\n{s}"
    );
    assert!(!s.contains("2 Health"), "zoomed: no other panel\n{s}");
}

#[test]
fn the_health_panel_alone() {
    let app = zoomed(Panel::Health);
    let s = snapshot_both("health", &app);
    assert!(s.contains("Health 1/3 up"), "{s}");
    assert!(s.contains("✖ payments-api   DOWN"), "{s}");
    assert!(s.contains("⏸ provider       THROTTLED"), "{s}");
    assert!(s.contains("quota 0/600"), "{s}");
    assert!(s.contains("last good vs last bad"), "{s}");
}

#[test]
fn the_runbook_panel_alone() {
    let app = zoomed(Panel::Runbook);
    let s = snapshot_both("runbook", &app);
    assert!(s.contains("[x] Declare the incident"), "{s}");
    assert!(s.contains("[x] Assess impact"), "{s}");
    assert!(
        s.contains("[…] Check what changed"),
        "a tick being written shows as pending:\n{s}"
    );
    assert!(
        s.contains("14:03:50Z alice"),
        "who ticked it and when:\n{s}"
    );
}

#[test]
fn the_timeline_panel_alone() {
    let app = zoomed(Panel::Timeline);
    let s = snapshot_both("timeline", &app);
    assert!(s.contains("1 writing…"), "{s}");
    assert!(
        s.contains("14:07:00Z alice note: rolled back to v2.14.0"),
        "{s}"
    );
    assert!(s.contains("⚙ payments-api: up → down"), "{s}");
    assert!(s.contains("alice milestone: detected"), "{s}");
}

#[test]
fn the_patterns_list() {
    // `p`, as a user opens it: the rows are built when the view is shown.
    let mut app = zoomed(Panel::Logs);
    apply(&mut app, key('p'));
    assert_eq!(app.patterns.mode, PatternsMode::List);
    let s = snapshot_both("patterns", &app);
    assert!(s.contains("Patterns · "), "{s}");
    assert!(
        s.contains("NEW"),
        "errors that began after the baseline are new:\n{s}"
    );
    assert!(s.contains("provider call failed: upstream timeout"), "{s}");
}

#[test]
fn the_patterns_compared_before_and_after_the_failure() {
    let mut app = incident();
    apply(&mut app, key(':'));
    for ch in "compare".chars() {
        apply(&mut app, key(ch));
    }
    apply(&mut app, enter());
    assert_eq!(app.patterns.mode, PatternsMode::Compare);
    app.zoom = true;
    let s = render(&app, 120, 40);
    insta::assert_snapshot!("compare_120x40", s);
    assert!(s.contains("Compare · working"), "{s}");
    let row = s
        .lines()
        .find(|l| l.contains("provider call failed"))
        .unwrap_or_else(|| panic!("the failing pattern is not compared:\n{s}"));
    assert!(
        row.contains("+ appeared") || row.contains("↑ increased"),
        "{s}"
    );
}

#[test]
fn the_help_overlay() {
    let mut app = incident();
    apply(&mut app, key('?'));
    assert_eq!(app.mode, Mode::Help);
    let s = snapshot_both("help", &app);
    assert!(s.contains("Keys · "), "{s}");
    for text in [
        "add a note to the timeline",
        "mark the incident mitigated",
        "tick / untick the selected step",
    ] {
        assert!(s.contains(text), "help lacks `{text}`:\n{s}");
    }
}

/// Draws through crossterm into a VT100 emulator: what a terminal shows, cell by cell.
fn in_a_terminal(app: &App, width: u16, height: u16) -> vt100::Parser {
    let mut bytes = Vec::new();
    {
        let viewport = Viewport::Fixed(Rect::new(0, 0, width, height));
        let mut terminal = Terminal::with_options(
            CrosstermBackend::new(&mut bytes),
            TerminalOptions { viewport },
        )
        .unwrap();
        terminal
            .draw(|f| ui::draw(f, app, &Theme::monochrome()))
            .unwrap();
    }
    let mut parser = vt100::Parser::new(
        std::num::NonZeroU16::new(height).unwrap(),
        std::num::NonZeroU16::new(width).unwrap(),
        0,
    );
    parser.process(&bytes);
    parser
}

#[test]
fn wide_characters_in_a_log_line_keep_the_right_border_aligned() {
    let mut app = incident();
    app.focus = Panel::Logs;
    let wide = [
        "ERROR 支付失败: 上游超时 请求编号=甲乙丙丁戊己庚辛壬癸 重试中 支付失败 上游超时 请求编号 甲乙丙丁戊己庚辛壬癸 重试 支付失败",
        "x ERROR 支付失败: 上游超时 请求编号=甲乙丙丁戊己庚辛壬癸 重试中 支付失败 上游超时 请求编号 甲乙丙丁戊己庚辛壬癸 重试 支付失败",
        "WARN 🔥🔥 provider on fire 🔥 お支払いに失敗しました 🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨",
        "xWARN 🔥🔥 provider on fire 🔥 お支払いに失敗しました 🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨",
        // Emoji sequences terminals disagree on: a variation selector, a ZWJ family, flags, a combining accent.
        "ERROR ⚠️⚠️⚠️ 👩‍💻👩‍💻 🇩🇪🇩🇪 e\u{301} ⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️⚠️",
        "INFO 결제 실패 ✅ 재시도 성공 — ＦＵＬＬＷＩＤＴＨ ｌｅｔｔｅｒｓ ａｎｄ ｄｉｇｉｔｓ ０１２３４５６７８９ ０１２３４５６７８９ ０１２３",
    ];
    let texts: Vec<String> = wide
        .iter()
        .map(|t| sitrep::tail::sanitize(t.as_bytes()))
        .collect();
    lines_at(&mut app, 600, &texts);
    // Every alignment of a wide character against the edge, unzoomed and zoomed.
    for zoom in [false, true] {
        app.zoom = zoom;
        for (width, height) in [(80, 24), (81, 24), (120, 40), (121, 40), (97, 30)] {
            let parser = in_a_terminal(&app, width, height);
            let screen = parser.screen();
            let full = screen.contents();
            assert!(full.contains("支付失败"), "{full}");
            assert!(full.contains("🔥"), "{full}");
            // The focused logs panel's top-right corner, then its right border on every row below.
            let top: Vec<String> = screen.rows(0, width).collect();
            let right = (0..width)
                .find(|&x| screen.cell(1, x).is_some_and(|c| c.contents() == "┓"))
                .unwrap_or_else(|| panic!("no top-right corner:\n{}", top.join("\n")));
            let mut rows_checked = 0;
            for y in 2..height - 1 {
                let c = screen.cell(y, right).map(|c| c.contents().to_string());
                match c.as_deref() {
                    Some("┃") => rows_checked += 1,
                    Some("┛") => break,
                    other => panic!(
                        "{width}x{height} zoom={zoom}: row {y} has {other:?} at column {right}, not the border:\n{}",
                        top.join("\n")
                    ),
                }
            }
            assert!(rows_checked >= 5, "{width}x{height}: {rows_checked} rows");
        }
    }
}
