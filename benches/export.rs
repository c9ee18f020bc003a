//! Export speed: a 100,000-event timeline rendered in every format, with two secrets to redact.
//!
//! Target: Markdown in well under a second. Times are the best and the median of `EXPORT_BENCH_RUNS`
//! runs (default 5) of `export::render`, after one warm-up run.
//! Run: `cargo bench --bench export` (`EXPORT_BENCH_FORMAT=md` for one format).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use sitrep::core::level::Level;
use sitrep::export::{self, ExportInput, Format};
use sitrep::timeline::chain::seal;
use sitrep::timeline::{Event, Health, Milestone, PatternChange, Record};

const EVENTS: u64 = 100_000;
const SECRET: &str = "tok-8c1f0e2b9d";

/// A plausible mix: mostly tool events (health flaps, pattern spikes), some human actions.
fn event(i: u64) -> (&'static str, Event) {
    match i % 10 {
        0 => (
            "alice",
            Event::Note {
                text: format!(
                    "checked dashboard {i}: error rate | still high, see [graph](https://x/{i})\nsecond line"
                ),
            },
        ),
        1 | 2 => (
            "sitrep",
            Event::HealthChanged {
                endpoint: format!("api-{}", i % 7),
                from: Health::Up,
                to: if i % 20 == 1 {
                    Health::Down
                } else {
                    Health::Degraded
                },
                status: Some(503),
                latency_ms: Some(812),
                evidence: format!("HTTP 503: <html><body>upstream timeout {SECRET}</body></html>"),
                since: None,
                episode: None,
                observer: String::new(),
            },
        ),
        3..=5 => (
            "sitrep",
            Event::Pattern {
                change: PatternChange::Spike,
                template: "ERROR payment <*> failed: code=<*> retry=<*>".into(),
                level: Some(Level::Error),
                rate: Some((i % 97) as f64 * 1.5),
                seen_at: None,
                observer: String::new(),
            },
        ),
        6 => (
            "bob",
            Event::CommandStarted {
                runbook: "rollback".into(),
                step: "undo".into(),
                command: "kubectl rollout undo deploy/api".into(),
            },
        ),
        7 => (
            "bob",
            Event::CommandFinished {
                runbook: "rollback".into(),
                step: "undo".into(),
                command: "kubectl rollout undo deploy/api".into(),
                exit_code: Some(0),
                duration_ms: 4_200,
                output_tail: "deployment.apps/api rolled back".into(),
                reason: String::new(),
            },
        ),
        8 => (
            "carol",
            Event::StepChecked {
                runbook: "stabilize".into(),
                step: format!("step-{}", i % 13),
                title: "Assess impact: which users, which flows, since when".into(),
            },
        ),
        _ => (
            "sitrep",
            Event::LogSource {
                source: "api".into(),
                status: "rotated".into(),
            },
        ),
    }
}

fn records() -> Vec<Record> {
    let t0: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-24T14:00:00Z")
        .unwrap()
        .into();
    let mut prev = String::new();
    let mut out = Vec::with_capacity(EVENTS as usize);
    for seq in 1..=EVENTS {
        let (actor, ev) = match seq {
            1 => (
                "alice",
                Event::IncidentOpened {
                    title: "Payments API errors".into(),
                    severity: Some(sitrep::timeline::Severity::Sev1),
                },
            ),
            100 => (
                "alice",
                Event::Milestone {
                    name: Milestone::Detected,
                },
            ),
            50_000 => (
                "alice",
                Event::Milestone {
                    name: Milestone::Mitigated,
                },
            ),
            _ => event(seq),
        };
        let (_, rec) = seal(
            seq,
            t0 + TimeDelta::milliseconds(seq as i64 * 150),
            actor,
            ev,
            &prev,
        )
        .unwrap();
        prev = rec.hash.clone();
        out.push(rec);
    }
    out
}

fn main() {
    let runs: usize = std::env::var("EXPORT_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let records = records();
    let runbooks = sitrep::runbook::shipped();
    let secrets = vec![SECRET.to_string(), "hunter2-password".to_string()];
    let input = ExportInput {
        records: &records,
        runbooks: &runbooks,
        secrets: &secrets,
        timeline_path: "bench.jsonl",
        damage: &[],
        notes: &[],
    };
    println!(
        "export of {} events, {} runbooks, {} secrets ({runs} runs each)",
        records.len(),
        runbooks.len(),
        secrets.len()
    );
    let no_secrets = ExportInput {
        secrets: &[],
        ..input
    };
    let cases = Format::ALL.iter().map(|&f| (f, &input, "")).chain([(
        Format::Markdown,
        &no_secrets,
        " (no secrets)",
    )]);
    let only: Option<Format> = std::env::var("EXPORT_BENCH_FORMAT")
        .ok()
        .and_then(|f| f.parse().ok());
    for (format, input, label) in cases.filter(|(f, ..)| only.is_none_or(|o| o == *f)) {
        let warm = export::render(format, input);
        assert!(
            input.secrets.is_empty() || !warm.contains(SECRET),
            "the secret leaked"
        );
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                let out = export::render(format, input);
                let took = start.elapsed();
                std::hint::black_box(out);
                took
            })
            .collect();
        times.sort();
        println!(
            "{:>20}: best {:>7.1} ms, median {:>7.1} ms, {:>6.1} MB out",
            format!("{format}{label}"),
            times[0].as_secs_f64() * 1e3,
            times[times.len() / 2].as_secs_f64() * 1e3,
            warm.len() as f64 / 1e6
        );
    }
}
