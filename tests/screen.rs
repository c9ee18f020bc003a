//! The whole screen, rendered by the real drawing code into a test backend, at the sizes responders use.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sitrep::app::{App, EndpointView, Msg, SourceView, update};
use sitrep::health::{EndpointHealth, Health, Outcome, ProbeResult};
use sitrep::tail::{LogLine, TailEvent, detect_level};
use sitrep::timeline::{Appended, Event, chain::seal};
use sitrep::ui::{self, Theme};

fn probe(
    endpoint: usize,
    secs: i64,
    status: Option<u16>,
    ms: u64,
    outcome: Outcome,
) -> ProbeResult {
    let at =
        Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap() + chrono::Duration::seconds(secs);
    let mut r = ProbeResult::failed(endpoint, at, outcome, Duration::from_millis(ms));
    r.status = status;
    if status == Some(503) {
        r.body_head = r#"{"status":"degraded"}"#.into();
    }
    r
}

/// An incident ten minutes in: a few steps ticked, the payments API down, errors in the log.
fn incident() -> App {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap();
    let opened = seal(
        1,
        t0,
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
        "incidents/x.jsonl".into(),
        sitrep::runbook::shipped(),
        "alice".into(),
        t0,
    );
    app.utc = true;
    app.sources.push(SourceView {
        status: "following api.log".into(),
        ..SourceView::new("api")
    });
    let raw = [
        "2026-11-24T14:00:01.000Z INFO  request method=POST path=/v1/charges status=200 duration_ms=31",
        "2026-11-24T14:00:02.000Z WARN  provider rate limited us: 429 retry_after=3s remaining=0",
        "2026-11-24T14:00:03.000Z ERROR provider call failed: upstream timeout after 3000ms attempt=1/3",
        "2026-11-24T14:00:03.500Z ERROR request method=POST path=/v1/charges status=502 duration_ms=3004",
        "2026-11-24T14:00:04.000Z INFO  request method=POST path=/v1/refunds status=200 duration_ms=44",
    ];
    let lines = raw
        .iter()
        .map(|t| LogLine::new(0, t.to_string(), detect_level(t), 0, t0))
        .collect();
    update(
        &mut app,
        Msg::Tail(TailEvent::Lines {
            source: 0,
            file: None,
            lines,
        }),
    );
    for (name, url) in [
        ("payments-api", "http://127.0.0.1:1/health"),
        ("ledger", "http://127.0.0.1:1/ledger/health"),
    ] {
        app.endpoints.push(EndpointView {
            name: name.into(),
            url: url.into(),
            health: EndpointHealth::new(2),
            insecure_tls: false,
            episode: None,
            episode_adopted: false,
            interval: std::time::Duration::from_secs(5),
        });
    }
    let mut results = Vec::new();
    for i in 0..6 {
        results.push(probe(0, i, Some(200), 30 + i as u64, Outcome::Ok));
        results.push(probe(1, i, Some(200), 5, Outcome::Ok));
    }
    for i in 6..9 {
        results.push(probe(0, i, Some(503), 40, Outcome::UnexpectedStatus(503)));
    }
    for r in results {
        for c in update(&mut app, Msg::Probe(r)) {
            acknowledge(&mut app, c);
        }
    }
    for _ in 0..2 {
        let c = update(
            &mut app,
            Msg::Key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE)),
        );
        for c in c {
            acknowledge(&mut app, c);
        }
        update(
            &mut app,
            Msg::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE)),
        );
    }
    // The tick records the minutes of errors that are over, as the writer does at once.
    for c in update(&mut app, Msg::Tick(t0 + chrono::Duration::seconds(600))) {
        acknowledge(&mut app, c);
    }
    app.flash = None;
    app
}

fn acknowledge(app: &mut App, c: sitrep::app::Command) {
    if let sitrep::app::Command::Append {
        req, actor, event, ..
    } = c
    {
        let prev = app
            .records
            .last()
            .map(|r| r.hash.clone())
            .unwrap_or_default();
        let ts = app.now;
        let record = seal(app.incident.last_seq + 1, ts, &actor, event, &prev)
            .unwrap()
            .1;
        update(
            app,
            Msg::Appended {
                req,
                appended: Appended {
                    record,
                    foreign: vec![],
                    problems: vec![],
                },
            },
        );
    }
}

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| ui::draw(f, app, &Theme::monochrome()))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..height {
        let mut line = String::new();
        for x in 0..width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn the_incident_screen_at_120x40() {
    let app = incident();
    let screen = render(&app, 120, 40);
    assert!(screen.contains("Payments API errors"));
    assert!(
        screen.contains("✖ payments-api"),
        "the down endpoint shows its symbol:\n{screen}"
    );
    assert!(screen.contains("[x] Declare the incident"), "{screen}");
    insta::assert_snapshot!("screen_120x40", screen);
}

#[test]
fn the_incident_screen_at_80x24() {
    let app = incident();
    let screen = render(&app, 80, 24);
    assert!(screen.contains("steps 2/"), "{screen}");
    insta::assert_snapshot!("screen_80x24", screen);
}

#[test]
fn the_health_transition_is_in_the_timeline_panel() {
    let app = incident();
    assert_eq!(app.endpoints[0].health.state(), Health::Down);
    let screen = render(&app, 120, 40);
    assert!(
        screen.contains("payments-api: up → down (HTTP 503"),
        "{screen}"
    );
}

#[test]
fn tiny_and_odd_sizes_do_not_panic() {
    let app = incident();
    for (w, h) in [(20, 5), (1, 1), (19, 4), (30, 8), (200, 60), (80, 6)] {
        render(&app, w, h);
    }
}

#[test]
fn the_help_lists_every_key_of_the_keymap() {
    let mut app = incident();
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('?'), KeyModifiers::NONE)),
    );
    // Every page of the help, scrolled as a user scrolls it.
    let mut screen = render(&app, 120, 40);
    for _ in 0..20 {
        update(
            &mut app,
            Msg::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE)),
        );
        screen.push_str(&render(&app, 120, 40));
    }
    for b in &app.keymap {
        assert!(
            screen.contains(b.help),
            "help lacks `{}`:\n{screen}",
            b.help
        );
    }
}

/// The incident as a team sees it: bob took the lead, the incident is shared, and one of alice's
/// actions waits for a store that does not answer.
fn shared_incident() -> App {
    let mut app = incident();
    app.actor = "bob".into();
    for c in update(&mut app, Msg::Key(key_colon())) {
        acknowledge(&mut app, c);
    }
    for ch in "lead alice is off shift".chars() {
        update(
            &mut app,
            Msg::Key(crossterm::event::KeyEvent::new(
                crossterm::event::KeyCode::Char(ch),
                crossterm::event::KeyModifiers::NONE,
            )),
        );
    }
    let enter = crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Enter,
        crossterm::event::KeyModifiers::NONE,
    );
    for c in update(&mut app, Msg::Key(enter)) {
        acknowledge(&mut app, c);
    }
    let waiting = sitrep::timeline::outbox::Pending::new(
        app.now,
        "bob",
        Event::Note {
            text: "provider confirms the incident".into(),
        },
    );
    update(&mut app, Msg::External(vec![waiting.provisional()]));
    let since = app.now - chrono::TimeDelta::seconds(40);
    update(
        &mut app,
        Msg::Share(sitrep::app::ShareState {
            store: "s3://team-bucket/incidents".into(),
            unreachable_since: Some(since),
            error: Some("timed out".into()),
            waiting: Some(1),
            ..Default::default()
        }),
    );
    app.flash = None;
    app
}

fn key_colon() -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(':'),
        crossterm::event::KeyModifiers::NONE,
    )
}

#[test]
fn a_shared_incident_with_a_lead_at_120x40_and_80x24() {
    let app = shared_incident();
    assert_eq!(app.incident.lead().map(|m| m.actor.as_str()), Some("bob"));
    let wide = render(&app, 120, 40);
    let header = wide.lines().next().unwrap_or_default().to_string();
    assert!(header.contains("lead bob"), "{header}");
    assert!(
        header.contains("⇡ 1 not shared · store unreachable since"),
        "{header}"
    );
    assert!(wide.contains("took the lead: alice is off shift"), "{wide}");
    assert!(
        wide.contains("provider confirms the incident"),
        "the waiting note shows: {wide}"
    );
    insta::assert_snapshot!("shared_120x40", wide);
    let narrow = render(&app, 80, 24);
    let header = narrow.lines().next().unwrap_or_default().to_string();
    assert!(
        header.contains("lead bob") && header.contains("unreachable"),
        "what the team needs stays at 80 columns: {header}"
    );
    insta::assert_snapshot!("shared_80x24", narrow);
}

/// The incident as a team sees it from bob's cockpit: bob leads, carol and dave have it open, and
/// carol asks for approval to run a rollback.
fn team_incident() -> App {
    let mut app = shared_incident();
    app.share = None;
    let beat = |actor: &str| sitrep::timeline::presence::Beat {
        actor: actor.into(),
        session: format!("{actor}-session"),
        host: "jump-1".into(),
        joined: app.now,
        at: app.now,
    };
    let here = vec![beat("carol"), beat("dave")];
    update(&mut app, Msg::Presence(here));
    let prev = app
        .records
        .iter()
        .rfind(|r| r.seq > 0)
        .map(|r| r.hash.clone())
        .unwrap_or_default();
    let asked = seal(
        app.incident.last_seq + 1,
        app.now,
        "carol",
        Event::ApprovalRequested {
            request: "carol-session.1".into(),
            runbook: "rollback".into(),
            step: "roll-back".into(),
            title: "Roll back the last deploy".into(),
            command: "kubectl rollout undo deployment/payments-api".into(),
            session: "carol-session".into(),
        },
        &prev,
    )
    .unwrap()
    .1;
    update(&mut app, Msg::External(vec![asked]));
    app.flash = None;
    app
}

fn press(app: &mut App, c: char) -> Vec<sitrep::app::Command> {
    update(
        app,
        Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        )),
    )
}

#[test]
fn a_team_at_120x40_and_80x24_the_header_and_the_approval_prompt() {
    let mut app = team_incident();
    assert_eq!(
        app.mode,
        sitrep::app::Mode::Normal,
        "a request never opens a prompt by itself"
    );
    // A `y` meant for something else (copying a log line) approves nothing.
    let keys = press(&mut app, 'y');
    assert!(
        !keys.iter().any(|c| matches!(
            c,
            sitrep::app::Command::Append {
                event: Event::ApprovalAnswered { .. },
                ..
            }
        )),
        "{keys:?}"
    );
    app.mode = sitrep::app::Mode::Normal;
    press(&mut app, 'a');
    assert!(
        matches!(app.mode, sitrep::app::Mode::Approve { .. }),
        "`a` opens the prompt"
    );
    app.flash = None;
    for (w, h) in [(120, 40), (80, 24)] {
        let screen = render(&app, w, h);
        let header = screen.lines().next().unwrap_or_default().to_string();
        assert!(header.contains("⚑ carol asks approval"), "{header}");
        assert!(header.contains("lead bob"), "{header}");
        assert!(
            screen.contains("$ kubectl rollout undo deployment/payments-api"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("team_prompt_{w}x{h}"), screen);
    }
    let esc = crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Esc,
        crossterm::event::KeyModifiers::NONE,
    );
    update(&mut app, Msg::Key(esc));
    app.flash = None;
    for (w, h) in [(120, 40), (80, 24)] {
        let screen = render(&app, w, h);
        let header = screen.lines().next().unwrap_or_default().to_string();
        assert!(header.contains("lead bob"), "{header}");
        assert!(
            header.contains("⚑ carol asks approval"),
            "still waiting: {header}"
        );
        assert!(header.contains("with carol, dave"), "{header}");
        insta::assert_snapshot!(format!("team_header_{w}x{h}"), screen);
    }
}

#[test]
fn an_unreachable_store_with_nothing_waiting_says_so_without_a_zero_count() {
    // Everything was shared before the store went away: nothing waits.
    let mut app = incident();
    let since = app.now - chrono::TimeDelta::seconds(40);
    update(
        &mut app,
        Msg::Share(sitrep::app::ShareState {
            store: "s3://team-bucket/incidents".into(),
            unreachable_since: Some(since),
            error: Some("timed out".into()),
            waiting: Some(0),
            ..Default::default()
        }),
    );
    assert_eq!(app.not_shared(), 0);
    let header = render(&app, 120, 40)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(header.contains("⇅ store unreachable since"), "{header}");
    assert!(!header.contains("not shared"), "{header}");
}
