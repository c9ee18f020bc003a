//! What the record keeps of a source's troubles: a journalctl or command that keeps failing (an
//! ssh link that keeps dropping) is shown each time, but recorded once every 5 minutes, while a
//! different trouble is recorded at once. Through the real `update()`, as the cockpit runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod incident_support;
mod screen_support;

use incident_support::{apply, at, incident};
use sitrep::app::Msg;
use sitrep::tail::{SourceStatus, TailEvent};
use sitrep::timeline::Event;

fn status(app: &mut sitrep::app::App, secs: i64, status: SourceStatus) {
    apply(app, Msg::Tick(at(secs)));
    apply(app, Msg::Tail(TailEvent::Status { source: 0, status }));
}

fn dropped(secs: i64) -> SourceStatus {
    let retry = if secs < 100 { "2s" } else { "30s" };
    SourceStatus::Error {
        message: format!(
            "journal payments.service via ssh -T db1: ssh: connect to host db1 port 22: Connection refused; reading again in {retry}"
        ),
    }
}

/// What was recorded of the journal's troubles (the incident's source also falls silent here).
fn recorded(app: &sitrep::app::App) -> Vec<String> {
    app.records
        .iter()
        .filter_map(|r| match &r.event {
            Event::LogSource { status, .. } if status.starts_with("journal ") => {
                Some(status.clone())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_link_that_keeps_dropping_is_recorded_once_every_five_minutes() {
    let mut app = incident();
    let before = recorded(&app).len();
    let reading = || SourceStatus::Reading {
        what: "journal payments.service via ssh -T db1".into(),
    };
    // It drops every 30 s for 4 minutes: shown each time, recorded once.
    for k in 0..8 {
        let t = 1000 + k * 30;
        status(&mut app, t, dropped(t));
        assert!(app.sources[0].status.contains("Connection refused"));
        status(&mut app, t + 1, reading());
    }
    assert_eq!(recorded(&app).len() - before, 1, "{:?}", recorded(&app));
    // Another trouble is news at once.
    status(&mut app, 1250, SourceStatus::Error {
        message: "journal payments.service via ssh -T db1: Permission denied (publickey); reading again in 30s".into(),
    });
    assert_eq!(recorded(&app).len() - before, 2);
    // Five minutes after it was last recorded, the first trouble is recorded again.
    status(&mut app, 1300, reading());
    status(&mut app, 1310, dropped(1310));
    assert_eq!(recorded(&app).len() - before, 3, "{:?}", recorded(&app));
}
