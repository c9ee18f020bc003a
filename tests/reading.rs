//! Reading the logs as a responder does during the fixed incident's outage: long lines wrapped, one
//! line opened whole, filters stacked: drawn by the real drawing code at 80x24 and 120x40.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod incident_support;
mod screen_support;
use incident_support::*;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sitrep::app::{App, Command, Mode, Msg, update};

/// Renders the whole screen at both sizes and snapshots each; returns both screens.
fn snapshot_both(name: &str, app: &App) -> (String, String) {
    let small = render(app, 80, 24);
    insta::assert_snapshot!(format!("{name}_80x24"), small);
    let big = render(app, 120, 40);
    insta::assert_snapshot!(format!("{name}_120x40"), big);
    (small, big)
}

fn typed(app: &mut App, text: &str) {
    for ch in text.chars() {
        apply(app, key(ch));
    }
    apply(app, enter());
}

fn esc() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE))
}

/// The rows of the logs panel as drawn (between its borders), without the error-rate row.
fn log_rows(screen: &str) -> Vec<String> {
    let width = screen.lines().nth(1).map_or(0, |l| {
        l.chars()
            .skip(1)
            .position(|c| c == '┓' || c == '┐')
            .unwrap_or(0)
    });
    screen
        .lines()
        .skip(2)
        .take_while(|l| !l.starts_with('┗') && !l.starts_with('└'))
        .map(|l| l.chars().skip(1).take(width).collect::<String>())
        .filter(|r| !r.starts_with("errors/s"))
        .collect()
}

#[test]
fn wrapped_lines_show_the_request_id_and_customer_at_both_sizes() {
    let mut app = incident();
    apply(&mut app, key('1'));
    apply(&mut app, key('w'));
    app.flash = None;
    let (small, big) = snapshot_both("logs_wrapped", &app);
    let id = format!("req_id={:08x}", 600 * 104729);
    for screen in [&small, &big] {
        assert!(screen.contains("Logs · wrap"), "{screen}");
        // The newest request line, whole: its id, however its rows split it.
        let joined: String = log_rows(screen).iter().map(|r| r.trim()).collect();
        assert!(joined.contains(&id), "{screen}");
    }
}

#[test]
fn enter_opens_the_selected_line_whole_with_where_and_when_it_was_read() {
    let mut app = incident();
    apply(&mut app, key('1'));
    apply(&mut app, key('k'));
    let selected = app.selected_line().unwrap().1.text.clone();
    apply(&mut app, enter());
    assert!(matches!(app.mode, Mode::Detail(_)));
    let (small, big) = snapshot_both("line_detail", &app);
    for (screen, width) in [(&small, 80), (&big, 120)] {
        // The box's rows between `── text ──` and `──`, joined: the whole line, nothing cut.
        let text: String = screen
            .lines()
            .skip_while(|l| !l.contains("── text ──"))
            .skip(1)
            .take_while(|l| !l.chars().skip(2).collect::<String>().starts_with("──"))
            .map(|l| l.chars().skip(2).take(width - 4).collect::<String>())
            .collect();
        assert_eq!(text.trim_end(), selected, "{screen}");
        assert!(
            screen.contains("source") && screen.contains("read at"),
            "{screen}"
        );
    }
    let copied = update(&mut app, key('y'));
    assert_eq!(copied, vec![Command::Copy { text: selected }]);
    apply(&mut app, esc());
    assert_eq!(app.mode, Mode::Normal);
}

#[test]
fn filters_stack_keep_and_hide_and_esc_drops_the_newest() {
    let mut app = incident();
    apply(&mut app, key('/'));
    typed(&mut app, "ERROR");
    apply(&mut app, key(':'));
    typed(&mut app, "filter-out charges");
    app.flash = None;
    let (small, big) = snapshot_both("filters_stacked", &app);
    assert!(big.contains("Logs · /ERROR/₍1₎ -/charges/₍2₎"), "{big}");
    for screen in [&small, &big] {
        let rows = log_rows(screen);
        assert!(!rows.is_empty());
        for row in &rows {
            assert!(
                row.contains("ERROR") && !row.contains("charges"),
                "{row}\n{screen}"
            );
        }
    }
    apply(&mut app, esc());
    let screen = render(&app, 120, 40);
    assert!(screen.contains("Logs · /ERROR/ ·"), "{screen}");
    assert!(
        log_rows(&screen)
            .iter()
            .any(|r| r.contains("request method")),
        "the request lines are back:\n{screen}"
    );
}

#[test]
fn m_pins_the_selected_line_in_the_timeline_with_its_hash() {
    let mut app = incident();
    apply(&mut app, key('1'));
    apply(&mut app, key('k'));
    let selected = app.selected_line().unwrap().1.text.clone();
    let before = app.records.len();
    apply(&mut app, key('m'));
    assert_eq!(app.records.len(), before + 1);
    let pinned = &app.records.last().unwrap().event;
    match pinned {
        sitrep::timeline::Event::LinePinned {
            source,
            text,
            sha256,
            ..
        } => {
            assert_eq!((source.as_str(), text), ("api", &selected));
            assert_eq!(sha256.len(), 64);
        }
        other => panic!("not a pin: {other:?}"),
    }
    assert_eq!(pinned.pin_intact(), Some(true));
    let screen = render(&app, 120, 40);
    assert!(screen.contains("pinned api line:"), "{screen}");
}

#[test]
fn equals_follows_the_selected_lines_request_across_sources_and_esc_ends_it() {
    use sitrep::app::SourceView;
    use sitrep::tail::{LogLine, TailEvent, detect_level};
    let mut app = incident();
    app.sources.push(SourceView {
        status: "following worker.log".into(),
        ..SourceView::new("worker")
    });
    let now = app.now;
    let feed = |app: &mut App, source: usize, text: &str| {
        let line = LogLine::new(source, text.into(), detect_level(text), 0, now);
        apply(
            app,
            Msg::Tail(TailEvent::Lines {
                source,
                file: None,
                lines: vec![line],
            }),
        );
    };
    feed(&mut app, 1, "INFO job picked req_id=cff91303 queue=charges");
    feed(
        &mut app,
        1,
        "INFO job picked req_id=cff913031 queue=charges",
    );
    feed(&mut app, 1, "WARN retrying cff91303 after timeout");
    feed(
        &mut app,
        0,
        "ERROR request method=POST path=/v1/charges status=502 req_id=cff91303",
    );
    apply(&mut app, key('1'));
    apply(&mut app, key('='));
    app.flash = None;
    let (small, big) = snapshot_both("request_followed", &app);
    for screen in [&small, &big] {
        assert!(screen.contains("following req_id=cff91303"), "{screen}");
        let rows = log_rows(screen);
        let shown: Vec<&String> = rows.iter().filter(|r| r.starts_with("14:")).collect();
        assert_eq!(shown.len(), 3, "both sources, not cff913031:\n{screen}");
        assert!(
            shown.iter().any(|r| r.contains("worker ")),
            "tagged:\n{screen}"
        );
        assert!(
            shown.iter().any(|r| r.contains("api ")),
            "tagged:\n{screen}"
        );
        assert!(!screen.contains("cff913031"), "{screen}");
    }
    // Wrapped, every shown line holds the id whole.
    apply(&mut app, key('w'));
    let screen = render(&app, 120, 40);
    let joined: String = log_rows(&screen).iter().map(|r| r.trim()).collect();
    assert_eq!(joined.matches("cff91303").count(), 3, "{screen}");
    assert!(!joined.contains("cff913031"), "{screen}");
    apply(&mut app, esc());
    let screen = render(&app, 120, 40);
    let title = screen.lines().nth(1).unwrap();
    assert!(!title.contains("following req_id"), "{screen}");
    assert!(
        screen.contains("stopped following req_id=cff91303"),
        "{screen}"
    );
    assert!(screen.contains("cff913031"), "{screen}");
}

#[test]
fn end_and_home_go_to_either_end_of_a_long_line_and_up_moves_at_once() {
    let mut app = incident();
    let long = format!(
        "2026-11-24T14:10:00Z ERROR START {} END-OF-LINE",
        "payload ".repeat(600)
    );
    lines_at(&mut app, 600, &[long]);
    apply(&mut app, key('1'));
    apply(&mut app, key('G'));
    apply(&mut app, enter());
    let size = ratatui::layout::Rect::new(0, 0, 80, 24);
    // The runtime tells the app what the screen shows after each message.
    let viewport = sitrep::ui::viewport(size, &app);
    apply(&mut app, Msg::Resize(viewport));
    assert!(render(&app, 80, 24).contains("START"));
    apply(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::End, KeyModifiers::NONE)),
    );
    assert!(
        matches!(app.mode, Mode::Detail(_)),
        "End keeps the line open"
    );
    let screen = render(&app, 80, 24);
    assert!(screen.contains("END-OF-LINE"), "{screen}");
    assert!(!screen.contains("START"), "{screen}");
    let Mode::Detail(d) = &app.mode else {
        unreachable!()
    };
    let end = d.scroll;
    for _ in 0..5 {
        apply(
            &mut app,
            Msg::Key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE)),
        );
    }
    apply(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::PageUp, KeyModifiers::NONE)),
    );
    let Mode::Detail(d) = &app.mode else {
        unreachable!()
    };
    assert_eq!(d.scroll, end - 10, "a page up from the end moves at once");
    apply(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Home, KeyModifiers::NONE)),
    );
    assert!(render(&app, 80, 24).contains("START"));
}

#[test]
fn a_source_tab_named_wrong_is_refused_and_a_prefix_names_one() {
    let mut app = incident();
    let names = app.source_names();
    typed(&mut app, ":source nosuch");
    let said = app.flash.clone().unwrap().text;
    assert!(said.contains("no log source named `nosuch`"), "{said}");
    assert!(said.contains(&names[0]), "the names to pick from: {said}");
    let prefix: String = names[0].chars().take(3).collect();
    typed(&mut app, &format!(":source {prefix}"));
    let said = app.flash.clone().unwrap().text;
    assert_eq!(said, format!("logs: {}", names[0]));
}

#[test]
fn the_help_stops_at_its_end_so_a_key_back_up_moves_it_at_once() {
    let mut app = incident();
    let viewport = sitrep::ui::viewport(ratatui::layout::Rect::new(0, 0, 80, 24), &app);
    apply(&mut app, Msg::Resize(viewport));
    apply(&mut app, key('?'));
    for _ in 0..100 {
        apply(&mut app, key('j'));
    }
    let end = app.help_scroll;
    assert!(end > 0 && end < 100, "{end}");
    assert_eq!(end, app.viewport.help);
    assert!(
        render(&app, 80, 24).contains("quit? / discard?"),
        "the last rows show"
    );
    apply(&mut app, key('k'));
    assert_eq!(app.help_scroll, end - 5, "k moves back at once");
}

#[test]
fn esc_goes_back_from_a_patterns_lines_to_the_list_and_from_the_list_to_the_log() {
    use sitrep::app::PatternsMode;
    let mut app = incident();
    apply(&mut app, key('1'));
    apply(&mut app, key('p'));
    assert_eq!(app.patterns.mode, PatternsMode::List);
    apply(&mut app, enter());
    assert_eq!(
        app.patterns.mode,
        PatternsMode::Off,
        "a pattern's lines, raw"
    );
    assert_eq!(app.logview.filters().len(), 1);
    apply(&mut app, esc());
    assert_eq!(app.patterns.mode, PatternsMode::List, "back to the list");
    assert!(app.logview.filters().is_empty());
    apply(&mut app, esc());
    assert_eq!(app.patterns.mode, PatternsMode::Off, "back to the log");
    typed(&mut app, ":compare");
    assert_eq!(app.patterns.mode, PatternsMode::Compare);
    apply(&mut app, esc());
    assert_eq!(app.patterns.mode, PatternsMode::Off);
}

#[test]
fn an_empty_source_tab_says_the_source_has_no_line_yet_not_that_filters_hide_them() {
    let mut app = incident();
    app.sources.push(sitrep::app::SourceView {
        status: "running sleep 100000".into(),
        ..sitrep::app::SourceView::new("quiet")
    });
    typed(&mut app, ":source quiet");
    let screen = render(&app, 120, 40);
    assert!(
        screen.contains("no line from quiet yet: running sleep 100000"),
        "{screen}"
    );
    assert!(!screen.contains("no line matches the filters"), "{screen}");
}

/// The texts of the event shown in the open detail, and which of them is the line opened.
fn event_shown(app: &App) -> (Vec<String>, usize) {
    let Mode::Detail(d) = &app.mode else {
        panic!("no detail open")
    };
    (d.event.iter().map(|l| l.text.clone()).collect(), d.at)
}

#[test]
fn a_line_of_a_stack_trace_opens_with_the_whole_event_it_belongs_to() {
    let mut app = incident();
    let java: Vec<String> = [
        "2026-11-24T14:10:00Z ERROR payment failed req_id=77aa",
        "java.lang.IllegalStateException: provider said no",
        "\tat com.shop.Pay.charge(Pay.java:42)",
        "\tat com.shop.Api.post(Api.java:7)",
        "Caused by: java.io.IOException: connection reset",
        "\t... 12 more",
        "2026-11-24T14:10:01Z INFO request method=GET path=/health status=200",
    ]
    .map(String::from)
    .to_vec();
    lines_at(&mut app, 600, &java);
    apply(&mut app, key('1'));
    apply(&mut app, key('G'));
    // Up to a frame, and open it.
    for _ in 0..4 {
        apply(&mut app, key('k'));
    }
    assert_eq!(app.selected_line().unwrap().1.text, java[2]);
    apply(&mut app, enter());
    let (event, at) = event_shown(&app);
    assert_eq!(event, java[..6], "the error line and its whole trace");
    assert_eq!(at, 2);
    let screen = render(&app, 120, 40);
    assert!(
        screen.contains("the event: 6 lines, this is line 3"),
        "{screen}"
    );
    assert!(
        screen.contains("Caused by: java.io.IOException"),
        "{screen}"
    );
    // The line after the trace is an event alone.
    apply(&mut app, esc());
    apply(&mut app, key('G'));
    apply(&mut app, enter());
    assert_eq!(event_shown(&app), (Vec::new(), 0));
    let screen = render(&app, 120, 40);
    assert!(screen.contains("── text ──"), "{screen}");
    apply(&mut app, esc());

    // An uncaught Python traceback: opened on the line naming the exception, the traceback
    // before it is its event.
    let python: Vec<String> = [
        "Traceback (most recent call last):",
        "  File \"/srv/app.py\", line 12, in <module>",
        "    charge(order)",
        "ValueError: card declined",
    ]
    .map(String::from)
    .to_vec();
    lines_at(&mut app, 601, &python);
    apply(&mut app, key('G'));
    assert_eq!(app.selected_line().unwrap().1.text, python[3]);
    apply(&mut app, enter());
    let (event, at) = event_shown(&app);
    assert_eq!(event, python, "the traceback and its exception");
    assert_eq!(at, 3);
}

#[test]
fn a_filter_or_a_followed_request_keeps_the_trace_under_the_line_it_keeps() {
    let mut app = incident();
    let java: Vec<String> = [
        "2026-11-24T14:10:00Z ERROR payment failed req_id=77aa",
        "java.lang.IllegalStateException: provider said no",
        "\tat com.shop.Pay.charge(Pay.java:42)",
        "Caused by: java.io.IOException: connection reset",
        "2026-11-24T14:10:01Z ERROR payment failed req_id=88bb",
        "java.lang.IllegalStateException: card declined",
        "\tat com.shop.Pay.charge(Pay.java:42)",
        "2026-11-24T14:10:02Z INFO request method=GET path=/health status=200",
    ]
    .map(String::from)
    .to_vec();
    lines_at(&mut app, 600, &java);
    apply(&mut app, key('1'));
    // Following the first request: its line and its trace, nothing of the second.
    apply(&mut app, key('G'));
    for _ in 0..7 {
        apply(&mut app, key('k'));
    }
    apply(&mut app, key('='));
    let screen = render(&app, 120, 40);
    assert!(screen.contains("following req_id=77aa"), "{screen}");
    let rows = log_rows(&screen).join("\n");
    assert!(
        rows.contains("provider said no") && rows.contains("connection reset"),
        "{rows}"
    );
    assert!(
        !rows.contains("card declined") && !rows.contains("/health"),
        "{rows}"
    );
    apply(&mut app, esc());
    // A filter on the error's words keeps both errors with their traces, and not the health line.
    apply(&mut app, key('/'));
    typed(&mut app, "payment failed");
    let rows = log_rows(&render(&app, 120, 40)).join("\n");
    assert!(
        rows.contains("provider said no") && rows.contains("card declined"),
        "{rows}"
    );
    assert!(!rows.contains("/health"), "{rows}");
    let kept = rows.lines().filter(|r| !r.trim().is_empty()).count();
    assert_eq!(kept, 7, "{rows}");
    // Turned into a filter that hides: the errors go with their traces, the health line stays.
    apply(&mut app, key('!'));
    let rows = log_rows(&render(&app, 120, 40)).join("\n");
    assert!(rows.contains("/health"), "{rows}");
    assert!(
        !rows.contains("provider said no")
            && !rows.contains("card declined")
            && !rows.contains("Pay.java"),
        "{rows}"
    );
}
