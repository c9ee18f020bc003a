//! A shared incident in the cockpit: our own events show at once without a seq, take their place
//! in the team's order when the store numbers them, and are shown once.

use chrono::{TimeZone, Utc};

use crate::app::{App, Msg, ShareState, update};
use crate::timeline::chain::{Stamp, seal, seal_stamped};
use crate::timeline::outbox::Pending;
use crate::timeline::{Appended, Event, Milestone, Record};

fn app() -> (App, Record) {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap();
    let opened = seal(
        1,
        t0,
        "alice",
        Event::IncidentOpened {
            title: "Payments".into(),
            severity: None,
        },
        "",
    )
    .unwrap()
    .1;
    let app = App::new(
        vec![opened.clone()],
        "t.jsonl".into(),
        crate::runbook::shipped(),
        "alice".into(),
        t0,
    );
    (app, opened)
}

/// The store's copy of an event: sealed at `seq` after `prev`.
fn numbered(seq: u64, stamp: &Stamp, event: Event, prev: &Record) -> Record {
    seal_stamped(seq, stamp, event, &prev.hash).unwrap().1
}

#[test]
fn our_event_shows_at_once_and_takes_its_seq_after_a_teammates() {
    let (mut app, opened) = app();
    let mine = Pending::new(Utc::now(), "alice", Event::Milestone { name: Milestone::Mitigated });
    update(
        &mut app,
        Msg::Appended {
            req: 0,
            appended: Appended {
                record: mine.provisional(),
                foreign: Vec::new(),
                problems: Vec::new(),
            },
        },
    );
    assert_eq!(app.not_shared(), 1);
    assert!(app.incident.milestones.contains_key(&Milestone::Mitigated), "decided at once");
    // A teammate's note reached the store first: it goes before ours.
    let bob = Stamp {
        id: Some("b0b".into()),
        ..Stamp::now_as(Utc::now(), "bob")
    };
    let note = numbered(2, &bob, Event::Note { text: "bob here".into() }, &opened);
    update(&mut app, Msg::External(vec![note.clone()]));
    assert_eq!(app.records.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 0]);
    // Then ours comes back numbered: it replaces the provisional one, once.
    let ours = numbered(3, &mine.stamp(), mine.event.clone(), &note);
    update(&mut app, Msg::External(vec![ours.clone()]));
    update(&mut app, Msg::External(vec![ours]));
    assert_eq!(app.records.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(app.not_shared(), 0);
    assert!(app.incident.retractable(3), "the milestone is retractable by its seq");
}

#[test]
fn a_store_copy_that_arrives_before_the_answer_is_shown_once() {
    let (mut app, opened) = app();
    let mine = Pending::new(Utc::now(), "alice", Event::Note { text: "rolled back".into() });
    let ours = numbered(2, &mine.stamp(), mine.event.clone(), &opened);
    // The writer's answer carries the store's copy as news, before the provisional record.
    update(
        &mut app,
        Msg::Appended {
            req: 0,
            appended: Appended {
                record: mine.provisional(),
                foreign: vec![ours],
                problems: Vec::new(),
            },
        },
    );
    assert_eq!(app.records.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(app.not_shared(), 0);
}

#[test]
fn an_event_not_numbered_yet_cannot_be_retracted_and_the_header_says_why_it_waits() {
    let (mut app, _) = app();
    let mine = Pending::new(Utc::now(), "alice", Event::Severity { level: crate::timeline::Severity::Sev1 });
    update(&mut app, Msg::External(vec![mine.provisional()]));
    crate::app::timelineview::ask_retract(&mut app, 1, String::new());
    let said = app.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default();
    assert!(said.contains("not shared yet"), "{said}");
    update(
        &mut app,
        Msg::Share(ShareState {
            store: "s3://team/incidents".into(),
            unreachable_since: Some(Utc::now()),
            error: Some("timed out".into()),
            ..ShareState::default()
        }),
    );
    assert!(app.share.as_ref().is_some_and(|s| s.unreachable_since.is_some()));
    assert_eq!(app.not_shared(), 1);
}

#[test]
fn an_open_event_detail_stays_on_its_event_when_a_teammates_goes_before_it() {
    let (mut app, opened) = app();
    let mine = Pending::new(Utc::now(), "alice", Event::Note { text: "mine".into() });
    update(&mut app, Msg::External(vec![mine.provisional()]));
    app.mode = crate::app::Mode::EventDetail {
        index: 1,
        scroll: 0,
    };
    let bob = Stamp {
        id: Some("b0b".into()),
        ..Stamp::now_as(Utc::now(), "bob")
    };
    let note = numbered(2, &bob, Event::Note { text: "bob's".into() }, &opened);
    update(&mut app, Msg::External(vec![note.clone()]));
    let crate::app::Mode::EventDetail { index, .. } = app.mode else {
        panic!("{:?}", app.mode);
    };
    assert_eq!(app.records[index].id.as_deref(), Some(mine.id.as_str()));
    let ours = numbered(3, &mine.stamp(), mine.event.clone(), &note);
    update(&mut app, Msg::External(vec![ours]));
    let crate::app::Mode::EventDetail { index, .. } = app.mode else {
        panic!("{:?}", app.mode);
    };
    assert_eq!(app.records[index].seq, 3, "still on our note, numbered now");
}
