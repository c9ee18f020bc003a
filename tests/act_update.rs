//! Status-update text as the people reading it will see it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use sitrep::act::{
    BrokenEndpoint, Cadence, DEFAULT_TEMPLATE, PLACEHOLDERS, UpdateFacts, render_update,
    unknown_placeholders,
};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn facts() -> UpdateFacts {
    let now = at("2026-11-24T14:03:00Z");
    let mut cadence = Cadence::new(Duration::from_secs(1800), at("2026-11-24T12:40:00Z"));
    cadence.sent(now);
    UpdateFacts {
        severity: Some(sitrep::timeline::Severity::Sev2),
        broken: vec![
            BrokenEndpoint {
                name: "payments".into(),
                state: "down".into(),
            },
            BrokenEndpoint {
                name: "search".into(),
                state: "throttled".into(),
            },
        ],
        doing: vec!["Roll back the deploy".into(), "Disable new checkout".into()],
        recovered: vec!["ledger (up since 13:58 UTC, after 4m)".into()],
        notes: vec![
            "deploy v2.15 rolled back".into(),
            "provider confirms an outage".into(),
        ],
        error_rate: Some(42.4),
        new_patterns: vec![
            "timeout connecting to <*>".into(),
            "pool exhausted".into(),
            "card declined <*>".into(),
            "retry <*>".into(),
        ],
        steps_done: 4,
        steps_total: 9,
        elapsed: Duration::from_secs(83 * 60),
        next_update: Some(cadence.next_due()),
        ..UpdateFacts::new("Payments API errors", now)
    }
}

#[test]
fn the_default_template_says_what_is_broken_and_what_is_being_done() {
    assert_eq!(
        render_update("", &facts()),
        "[SEV2] Payments API errors: investigating\n\
         What is broken: payments (down), search (throttled)\n\
         Who is affected: users of payments, search\n\
         What we are doing: Roll back the deploy; Disable new checkout\n\
         Recovered: ledger (up since 13:58 UTC, after 4m)\n\
         Notes since the last update: deploy v2.15 rolled back; provider confirms an outage\n\
         Errors: 42 errors/min; new error patterns: `timeout connecting to <*>`, `pool exhausted`, `card declined <*>`, and 1 more\n\
         Progress: 4 of 9 steps done, 1h 23m since the incident opened.\n\
         Next update: 14:33 UTC"
    );
    assert_eq!(
        render_update("  \n", &facts()),
        render_update(DEFAULT_TEMPLATE, &facts())
    );
}

#[test]
fn a_quiet_incident_still_reads_as_sentences() {
    let quiet = UpdateFacts::new("Search slow", at("2026-11-24T14:03:00Z"));
    assert_eq!(
        render_update("", &quiet),
        "[severity unset] Search slow: investigating\n\
         What is broken: no monitored endpoint is failing\n\
         Who is affected: being assessed\n\
         What we are doing: investigating\n\
         Recovered: nothing yet\n\
         Notes since the last update: none\n\
         Errors: unknown; new error patterns: none\n\
         Progress: 0 of 0 steps done, less than a minute since the incident opened.\n\
         Next update: not scheduled"
    );
}

#[test]
fn unknown_placeholders_stay_visible_for_the_human_to_fix() {
    let template = "[{severty}] {title} at {now}, next in {next_update_in} {customer}";
    assert_eq!(
        render_update(template, &facts()),
        "[{severty}] Payments API errors at 2026-11-24 14:03 UTC, next in 30m {customer}"
    );
    assert_eq!(unknown_placeholders(template), ["severty", "customer"]);
    assert!(unknown_placeholders(DEFAULT_TEMPLATE).is_empty());
}

#[test]
fn the_shipped_communicate_templates_use_only_known_placeholders() {
    let communicate = sitrep::runbook::SHIPPED
        .iter()
        .find(|(name, _)| *name == "communicate.toml")
        .map(|(_, text)| sitrep::runbook::parse("communicate.toml", text).unwrap())
        .unwrap();
    let templates: Vec<&String> = communicate
        .steps
        .iter()
        .filter_map(|s| s.template.as_ref())
        .collect();
    assert!(!templates.is_empty());
    for template in templates {
        assert_eq!(unknown_placeholders(template), Vec::<String>::new());
    }
}

#[test]
fn responder_words_win_over_derived_ones() {
    let mut f = facts();
    f.affected = Some("EU card payments".into());
    f.status = Some("mitigated".into());
    assert_eq!(
        render_update("{status}: {affected}; {elapsed}", &f),
        "mitigated: EU card payments; 1h 23m"
    );
    assert_eq!(PLACEHOLDERS.len(), 15);
}
