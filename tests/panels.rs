//! Each panel alone (zoomed), the patterns views and the help, drawn by the real drawing code from a
//! fixed incident at the sizes responders use; and wide characters in a log line, through a terminal
//! emulator, with the panel's border where it belongs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod incident_support;
mod screen_support;
use incident_support::*;

use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use sitrep::app::{App, Mode, Panel, PatternsMode};
use sitrep::ui::{self, Theme};

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
        s.contains("14:10:00.000 ✖ ERROR request method=POST path=/v1/charges status=502"),
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
    // At 80 columns the list cuts the templates; the selected one is shown in full under it.
    let small = render(&app, 80, 24);
    assert!(
        small.contains("aft…")
            && small.contains("  provider call failed: upstream timeout after <*> attempt=<*>"),
        "{small}"
    );
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
    // The template first, then its rates and what changed.
    assert!(
        row.contains("↑ provider call failed") && row.contains("increased"),
        "{s}"
    );
    // At 80 columns the template keeps its room; the word goes first, then the rates.
    let small = render(&app, 80, 24);
    insta::assert_snapshot!("compare_80x24", small);
    let row = small
        .lines()
        .find(|l| l.contains("provider call failed"))
        .unwrap_or_else(|| panic!("the failing pattern is not compared:\n{small}"));
    assert!(
        row.contains("↑ provider call failed: upstream timeout"),
        "{small}"
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

#[test]
fn a_good_probe_while_recovery_is_confirmed_reads_as_the_last_probe_not_down_http_200() {
    let mut app = zoomed(Panel::Health);
    // payments-api is down; one good probe of the two its threshold asks for.
    apply(
        &mut app,
        sitrep::app::Msg::Probe(probe(0, 601, 200, 5, sitrep::health::Outcome::Ok)),
    );
    let s = render(&app, 120, 40);
    let row = s
        .lines()
        .find(|l| l.contains("payments-api   DOWN"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(row.contains("DOWN      last probe HTTP 200"), "{row}");
    assert!(row.contains("→up? 1/2"), "{row}");
}

#[test]
fn an_endpoint_not_answered_yet_says_its_first_probe_is_on_its_way() {
    let mut app = zoomed(Panel::Health);
    app.endpoints.push(sitrep::app::EndpointView {
        name: "hanging".into(),
        url: "http://127.0.0.1:9/health".into(),
        health: sitrep::health::EndpointHealth::new(2),
        insecure_tls: false,
        episode: None,
        episode_adopted: false,
        interval: std::time::Duration::from_secs(5),
    });
    let s = render(&app, 120, 40);
    let at = s.find("hanging").unwrap_or_else(|| panic!("{s}"));
    assert!(s[at..].contains("first probe on its way…"), "{s}");
}

#[test]
fn marked_mitigated_while_an_endpoint_fails_the_header_says_so_until_it_recovers() {
    let mut app = incident();
    apply(&mut app, key('M'));
    apply(&mut app, key('y'));
    for (w, h) in [(120, 40), (80, 24)] {
        let screen = render(&app, w, h);
        let header = screen.lines().next().unwrap();
        assert!(header.contains("● mitigated, but"), "{header}");
    }
    // Every endpoint answers well again: the mark alone.
    for s in [610, 620] {
        apply(
            &mut app,
            sitrep::app::Msg::Probe(probe(0, s, 200, 30, sitrep::health::Outcome::Ok)),
        );
        apply(
            &mut app,
            sitrep::app::Msg::Probe(probe(2, s, 200, 30, sitrep::health::Outcome::Ok)),
        );
    }
    let screen = render(&app, 120, 40);
    let header = screen.lines().next().unwrap();
    assert!(
        header.contains("● mitigated") && !header.contains("but"),
        "{header}"
    );
}
