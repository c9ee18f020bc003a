//! What a remote server sends reaches the health panel only as inert text: the one sanitizer's screen
//! rule holds for bodies and headers too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod health_support;

use std::time::Duration;

use chrono::{TimeZone, Utc};
use health_support::Server;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sitrep::app::{App, EndpointView, Msg, Panel, update};
use sitrep::health::{EndpointHealth, EndpointSpec, Prober, probe_once};
use sitrep::ui::{self, Theme};

/// Line and paragraph separators, the Arabic letter mark and the other bidi controls.
fn reorders_or_breaks(c: char) -> bool {
    matches!(
        c,
        '\u{2028}' | '\u{2029}' | '\u{61c}' | '\u{200e}' | '\u{200f}'
    ) || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[tokio::test]
async fn a_body_with_line_separators_and_a_letter_mark_is_shown_inert_in_the_panel() {
    let server = Server::start().await;
    let probe = |path: &str| {
        let spec = EndpointSpec {
            timeout: Duration::from_secs(2),
            ..EndpointSpec::new("api", server.url(path))
        };
        async move {
            tokio::time::timeout(
                Duration::from_secs(20),
                probe_once(&Prober::new(), 0, &spec),
            )
            .await
            .expect("the probe ends within its timeout")
        }
    };
    let good = probe("/ok").await;
    let bad = probe("/separators").await;
    assert_eq!(bad.body_head, "down\\u{2028}reason\\u{2029}is\\u{61c}here");
    assert_eq!(bad.header("x-note"), Some("a\\u{2028}b\\u{61c}c"));

    let now = Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap();
    let mut app = App::new(vec![], "t.jsonl".into(), vec![], "alice".into(), now);
    app.endpoints.push(EndpointView {
        name: "api".into(),
        url: server.url("/separators"),
        health: EndpointHealth::new(1),
        insecure_tls: false,
        episode: None,
        episode_adopted: false,
        interval: std::time::Duration::from_secs(5),
    });
    update(&mut app, Msg::Probe(good));
    update(&mut app, Msg::Probe(bad));
    app.zoom = true;
    app.focus = Panel::Health;
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal
        .draw(|f| ui::draw(f, &app, &Theme::monochrome()))
        .unwrap();
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|cell| cell.symbol())
        .collect();
    assert!(screen.contains("reason"), "the body is shown:\n{screen}");
    assert!(
        !screen.chars().any(reorders_or_breaks),
        "nothing reorders or breaks the panel's text:\n{screen}"
    );
}
