//! What a responder sees in the dialogs and scrolled panels, drawn by the real drawing code: the run
//! confirmation and the output pane at 80x24 and 120x40, panels that stay full and keep the selection
//! in view, and hints that name the keys in use.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod screen_support;
use screen_support::text_of;

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use sitrep::act::{FinishReason, RunEvent, RunOutcome};
use sitrep::app::{Action, App, Command, EndpointView, Mode, Msg, update};
use sitrep::health::EndpointHealth;
use sitrep::tail::{LogLine, TailEvent, detect_level};
use sitrep::timeline::{Appended, Event, chain::seal};
use sitrep::ui::{self, Theme};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap()
}

fn key(ch: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE))
}

/// Applies a message and writes every append it asks for, the way the timeline writer answers.
fn apply(app: &mut App, msg: Msg) {
    for c in update(app, msg) {
        if let Command::Append {
            req, actor, event, ..
        } = c
        {
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
            apply(app, Msg::Appended { req, appended });
        }
    }
}

fn incident() -> App {
    let opened = seal(
        1,
        t0(),
        "alice",
        Event::IncidentOpened {
            title: "Payments API errors".into(),
            severity: Some(sitrep::core::severity::Severity::Sev2),
        },
        "",
    )
    .unwrap()
    .1;
    let mut app = App::new(
        vec![opened],
        "t.jsonl".into(),
        sitrep::runbook::shipped(),
        "alice".into(),
        t0(),
    );
    app.utc = true;
    app
}

/// Tells the app the layout of a screen this size, as the runtime does after a draw, then draws it.
fn render(app: &mut App, width: u16, height: u16) -> String {
    let viewport = ui::viewport(Rect::new(0, 0, width, height), app);
    update(app, Msg::Resize(viewport));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| ui::draw(f, app, &Theme::monochrome()))
        .unwrap();
    text_of(terminal.backend().buffer())
}

/// The rollback step, its command made long by a long service name, waiting for `y`.
fn confirming_a_long_command() -> App {
    let mut app = incident();
    let service = "payments-api-eu-west-1-canary-blue-green-shadow-traffic-replica-".repeat(3);
    app.params.insert("service".into(), service);
    for ch in [']', 'j', 'j', 'x'] {
        apply(&mut app, key(ch));
    }
    assert!(matches!(app.mode, Mode::ConfirmRun(_)), "{:?}", app.mode);
    app
}

fn command_of(app: &App) -> String {
    let Mode::ConfirmRun(request) = &app.mode else {
        panic!("{:?}", app.mode)
    };
    format!("$ {}", request.spec.line())
}

/// The rows inside the centred box (as wide as the screen less six columns), trimmed and joined.
fn boxed_text(screen: &str, width: usize) -> String {
    let inner = width - 8;
    screen
        .lines()
        .map(|l| {
            let row: String = l.chars().skip(4).take(inner).collect();
            row.trim_end().to_string()
        })
        .collect()
}

#[test]
fn the_run_confirmation_shows_the_whole_command_and_its_keys_at_80x24() {
    let mut app = confirming_a_long_command();
    let command = command_of(&app);
    let screen = render(&mut app, 80, 24);
    insta::assert_snapshot!("confirm_run_80x24", screen);
    assert!(
        screen.contains("y runs it · any other key: don't"),
        "{screen}"
    );
    assert!(boxed_text(&screen, 80).contains(&command), "{screen}");
}

#[test]
fn the_run_confirmation_shows_the_whole_command_and_its_keys_at_120x40() {
    let mut app = confirming_a_long_command();
    let command = command_of(&app);
    let screen = render(&mut app, 120, 40);
    insta::assert_snapshot!("confirm_run_120x40", screen);
    assert!(
        screen.contains("y runs it · any other key: don't"),
        "{screen}"
    );
    assert!(boxed_text(&screen, 120).contains(&command), "{screen}");
}

#[test]
fn the_output_pane_shows_how_a_long_command_ended_at_80x24() {
    let mut app = confirming_a_long_command();
    apply(&mut app, key('y'));
    let id = app.run.as_ref().unwrap().id;
    apply(
        &mut app,
        Msg::Run(RunEvent::Finished(RunOutcome {
            id,
            exit_code: Some(3),
            duration: Duration::from_millis(1200),
            reason: FinishReason::Exited,
            tail: vec!["error: deployment not found".into()],
            lines_total: 1,
            bytes_total: 28,
        })),
    );
    assert_eq!(app.mode, Mode::Output);
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("exit 3"), "{screen}");
}

#[test]
fn the_selected_endpoint_stays_in_view_when_there_are_more_than_fit() {
    let mut app = incident();
    for i in 0..12 {
        app.endpoints.push(EndpointView {
            name: format!("endpoint-{i:02}"),
            url: format!("http://127.0.0.1:{}/health", 9000 + i),
            health: EndpointHealth::new(2),
            insecure_tls: false,
            episode: None,
            episode_adopted: false,
            interval: std::time::Duration::from_secs(5),
        });
    }
    apply(&mut app, key('2'));
    apply(&mut app, key('G'));
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("endpoint-11"), "{screen}");
}

fn with_log_lines(app: &mut App, n: usize) {
    let lines = (0..n)
        .map(|i| {
            let text = format!("INFO request number {i:03}");
            LogLine::new(0, text.clone(), detect_level(&text), 0, t0())
        })
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

/// The rows between the panel's top and bottom borders.
fn panel_rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .skip(2)
        .take_while(|l| !l.starts_with('┗') && !l.starts_with('└'))
        .map(|l| {
            l.trim_matches(|c| c == '┃' || c == '│' || c == ' ')
                .to_string()
        })
        .collect()
}

/// The text of the log line under the cursor.
fn cursor_line(app: &App) -> String {
    app.selected_line()
        .map(|(_, l)| l.text.clone())
        .unwrap_or_default()
}

#[test]
fn the_top_of_the_logs_fills_the_panel_and_the_cursor_moves_inside_it_before_it_scrolls() {
    let mut app = incident();
    with_log_lines(&mut app, 100);
    apply(&mut app, key('1'));
    apply(&mut app, key('z'));
    render(&mut app, 80, 24);
    apply(&mut app, key('g'));
    let screen = render(&mut app, 80, 24);
    let rows = panel_rows(&screen);
    assert!(rows[0].ends_with("number 000"), "{screen}");
    assert!(
        rows.iter().all(|r| r.contains("request number")),
        "{screen}"
    );
    apply(&mut app, key('j'));
    let screen = render(&mut app, 80, 24);
    assert!(panel_rows(&screen)[0].ends_with("number 000"), "{screen}");
    assert!(cursor_line(&app).ends_with("number 001"));
    for _ in 0..19 {
        apply(&mut app, key('j'));
    }
    let screen = render(&mut app, 80, 24);
    assert!(cursor_line(&app).ends_with("number 020"));
    let rows = panel_rows(&screen);
    assert!(rows[0].ends_with("number 001"), "{screen}");
    assert!(rows[19].ends_with("number 020"), "{screen}");
}

#[test]
fn page_down_moves_the_cursor_half_of_the_rows_the_panel_shows() {
    let mut app = incident();
    with_log_lines(&mut app, 100);
    apply(&mut app, key('1'));
    apply(&mut app, key('z'));
    render(&mut app, 80, 24);
    apply(&mut app, key('g'));
    let page_down = || Msg::Key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE));
    apply(&mut app, page_down());
    // 20 rows of lines at 80x24, zoomed: half a page is 10.
    assert!(cursor_line(&app).ends_with("number 010"));
    apply(&mut app, page_down());
    apply(&mut app, page_down());
    let screen = render(&mut app, 80, 24);
    let rows = panel_rows(&screen);
    assert_eq!(rows.len(), 20, "{screen}");
    assert!(cursor_line(&app).ends_with("number 030"));
    assert!(rows[19].ends_with("number 030"), "{screen}");
}

#[test]
fn the_zoomed_timeline_scrolled_back_stays_full() {
    let mut app = incident();
    for i in 0..30 {
        apply(&mut app, key('n'));
        for ch in format!("note {i:02}").chars() {
            apply(&mut app, key(ch));
        }
        apply(
            &mut app,
            Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        );
    }
    apply(&mut app, key('4'));
    apply(&mut app, key('z'));
    render(&mut app, 80, 24);
    for _ in 0..40 {
        apply(&mut app, key('k'));
    }
    let screen = render(&mut app, 80, 24);
    let rows = panel_rows(&screen);
    assert!(rows.iter().all(|r| !r.is_empty()), "{screen}");
    assert!(rows[0].contains("opened"), "{screen}");
}

#[test]
fn hints_in_titles_name_the_keys_in_use_after_a_rebind() {
    let mut app = incident();
    for b in app.keymap.iter_mut().filter(|b| b.action == Action::Follow) {
        b.keys = vec![KeyEvent::new(KeyCode::Char('F'), KeyModifiers::NONE)];
    }
    with_log_lines(&mut app, 5);
    apply(&mut app, key('1'));
    apply(&mut app, key('F'));
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains("FROZEN (F follows)"), "{screen}");
    assert!(!screen.contains("f follows"), "{screen}");
}

/// A long status message wraps onto up to three rows instead of losing its advice at the screen's
/// edge, and `:messages` shows the last ones whole.
#[test]
fn a_long_message_wraps_and_messages_shows_it_whole() {
    let mut app = incident();
    let advice = "the timeline shrank from 9000 to 120 bytes while open: another program truncated or \
                  replaced it. Nothing was written; reopen the incident, then compare it with the export \
                  you sent (sitrep verify --head-from FILE) to see what went missing before you go on. END";
    apply(
        &mut app,
        Msg::Flash(sitrep::app::Flash {
            text: advice.to_string(),
            error: true,
        }),
    );
    let small = render(&mut app, 80, 24);
    let bottom: Vec<&str> = small.lines().rev().take(3).collect();
    assert!(bottom[2].starts_with("✖ the timeline shrank"), "{small}");
    assert!(bottom[0].contains("(:messages shows it whole)"), "{small}");
    let big = render(&mut app, 120, 40);
    assert!(big.contains("reopen the incident"), "{big}");
    for ch in ":messages".chars() {
        apply(&mut app, key(ch));
    }
    apply(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    assert_eq!(app.mode, Mode::Messages(0));
    let shown = render(&mut app, 80, 24);
    assert!(shown.contains("Messages (last 50)"), "{shown}");
    assert!(shown.contains("go on. END"), "the whole message: {shown}");
}
