//! The postmortem's sections, built from the prepared records into the format-neutral [`Doc`]:
//! summary, durations and runbooks here, the evidence sections in `evidence`.

use super::doc::{Block, Doc, Section, b, code, none_recorded, t};
use super::evidence;
use super::model::{Prepared, measure_name};
use super::text::{local, utc};
use chrono::{DateTime, Utc};

use crate::core::duration::precise as duration;
use crate::timeline::Milestone;

fn section(id: &'static str, heading: &'static str, blocks: Vec<Block>) -> Section {
    Section {
        id,
        heading,
        html_only: false,
        blocks,
    }
}

/// Builds the postmortem.
pub(crate) fn build(p: &Prepared<'_>) -> Doc {
    let inc = &p.incident;
    let title = if inc.title.is_empty() {
        "Untitled incident".to_string()
    } else {
        inc.title.clone()
    };
    let mut intro = vec![
        t("Exported from "),
        code(p.timeline_path.as_ref()),
        t(format!(
            " ({} events). Times are UTC unless marked local; local times are those of the machine that exported.",
            p.records.len()
        )),
    ];
    if p.redacted_fields > 0 {
        intro.push(t(format!(
            " Secret values were replaced with {} in {} fields.",
            super::redact::MARKER,
            p.redacted_fields
        )));
    }
    let edited = p.pin_checks.iter().flatten().filter(|c| !c.intact).count();
    if edited > 0 {
        intro.push(t(format!(
            " {edited} pinned log line(s) no longer match their sha256 and are marked ⚠: do not trust them as evidence."
        )));
    }
    let fill = |id, heading, prompt| section(id, heading, vec![Block::Prompt(prompt)]);
    Doc {
        title,
        intro,
        sections: vec![
            section("summary", "Summary", summary(p)),
            section("durations", "Durations", durations(p)),
            Section {
                id: "chart",
                heading: "Incident over time",
                html_only: true,
                blocks: vec![Block::Chart],
            },
            fill(
                "impact",
                "Impact",
                "To fill in: who and what was affected, how badly, and for how long.",
            ),
            fill(
                "root-cause",
                "Root cause",
                "To fill in: why it happened, and why it was not caught earlier.",
            ),
            fill("went-well", "What went well", "To fill in."),
            fill("went-badly", "What went badly", "To fill in."),
            fill(
                "follow-ups",
                "Follow-ups",
                "To fill in: actions, each with an owner and a date.",
            ),
            section("runbooks", "Runbooks", runbooks(p)),
            section("notes", "Notes", evidence::notes(p)),
            section("updates", "Status updates sent", evidence::updates(p)),
            section("commands", "Commands run", evidence::commands(p)),
            section("health", "Health episodes", evidence::health(p)),
            section("errors", "Errors over time", evidence::errors(p)),
            section("patterns", "Log patterns", evidence::patterns(p)),
            section("timeline", "Timeline", evidence::timeline(p)),
            section("integrity", "Integrity", integrity(p)),
        ],
    }
}

/// Whether the chain was whole when exported, its head, and the heads status updates carried.
fn integrity(p: &Prepared<'_>) -> Vec<Block> {
    let mut blocks = Vec::new();
    match p.head() {
        Some(head) => blocks.push(Block::Para(vec![
            b("Chain head:"),
            t(" "),
            code(head.to_string()),
            t(". "),
            code("sitrep verify --head-from FILE"),
            t(" with this document as FILE checks that the timeline still reaches it: a head proves \
               the file was not cut or rewritten only while it is kept where the file's editor cannot \
               change it (sent status updates, this export filed elsewhere)."),
        ])),
        None => blocks.push(Block::Para(vec![t("No events, so no chain head.")])),
    }
    if p.damage.is_empty() {
        blocks.push(Block::Para(vec![t(format!(
            "The hash chain was intact when this was exported ({} events).",
            p.records.len()
        ))]));
    } else {
        blocks.push(Block::Para(vec![b(format!(
            "The timeline was found damaged when this was exported ({} problem(s)); the lines named are not evidence until someone explains them:",
            p.damage.len()
        ))]));
        blocks.push(Block::List(
            p.damage.iter().map(|d| (None, vec![t(d.clone())])).collect(),
        ));
    }
    if !p.notes.is_empty() {
        blocks.push(Block::List(
            p.notes.iter().map(|n| (None, vec![t(n.clone())])).collect(),
        ));
    }
    let quoted: Vec<_> = p
        .records
        .iter()
        .filter_map(|r| match &r.event {
            crate::timeline::Event::UpdateSent { text, .. } => Some((r, text)),
            _ => None,
        })
        .flat_map(|(r, text)| {
            crate::timeline::head::all_in(text)
                .into_iter()
                .map(move |h| (r, h))
        })
        .map(|(r, h)| {
            let reached = match h.check(&p.records) {
                Ok(()) => "reached".to_string(),
                Err(e) => format!("NOT reached: {e}"),
            };
            (
                None,
                vec![
                    t(format!("update #{} quoted ", r.seq)),
                    code(h.to_string()),
                    t(format!(": {reached}")),
                ],
            )
        })
        .collect();
    if !quoted.is_empty() {
        blocks.push(Block::Para(vec![b("Heads the status updates carried:")]));
        blocks.push(Block::List(quoted));
    }
    blocks
}

fn when(ts: chrono::DateTime<chrono::Utc>) -> String {
    format!("{} UTC ({} local)", utc(ts), local(ts))
}

fn summary(p: &Prepared<'_>) -> Vec<Block> {
    let inc = &p.incident;
    let item =
        |label: &str, value: String| (None, vec![b(format!("{label}:")), t(format!(" {value}"))]);
    let end = match inc.end() {
        Some(e) => when(e),
        None => "not resolved".into(),
    };
    let dur = match (p.duration(), inc.is_resolved()) {
        (Some(d), true) => duration(d),
        (Some(d), false) => format!("{} so far (to the last event; not resolved)", duration(d)),
        (None, _) => "unknown".into(),
    };
    let responders = if inc.responders.is_empty() {
        "none recorded".to_string()
    } else {
        inc.responders.join(", ")
    };
    let mut items = vec![
        item("Title", inc.title.clone()),
        item(
            "Severity",
            inc.severity
                .map_or_else(|| "not set".into(), |s| s.to_string()),
        ),
        item(
            "Start",
            inc.start().map(when).unwrap_or_else(|| "unknown".into()),
        ),
        item("End", end),
        item("Duration", dur),
        item("Responders", responders),
    ];
    if !inc.leads.is_empty() {
        let led: Vec<String> = inc
            .leads
            .iter()
            .map(|m| format!("{} from {} UTC (#{})", m.actor, utc(m.ts), m.seq))
            .collect();
        items.push(item("Led by", led.join(", then ")));
    }
    if !inc.retracted.is_empty() {
        let taken_back: Vec<String> = inc
            .retracted
            .iter()
            .map(|(seq, by)| {
                let was = p
                    .records
                    .iter()
                    .find(|r| r.seq == *seq)
                    .map(|r| r.event.summary())
                    .unwrap_or_default();
                format!("#{seq} {was} (by {} at {} UTC)", by.actor, utc(by.ts))
            })
            .collect();
        items.push(item(
            "Retracted by a correction",
            format!(
                "{}; the times and severity above leave them out",
                taken_back.join("; ")
            ),
        ));
    }
    items.extend(team_items(p));
    if !inc.health.is_empty() {
        let states: Vec<String> = inc.health.iter().map(|(e, s)| format!("{e} {s}")).collect();
        items.push(item("Endpoints at the last event", states.join(", ")));
    }
    vec![Block::List(items)]
}

/// The approvals asked for and how each was answered, and every break-glass run with its reason.
fn team_items(p: &Prepared<'_>) -> Vec<(Option<bool>, Vec<super::doc::Span>)> {
    let item =
        |label: &str, value: String| (None, vec![b(format!("{label}:")), t(format!(" {value}"))]);
    let mut items = Vec::new();
    let approvals: Vec<String> = p
        .incident
        .team
        .approvals
        .iter()
        .map(|a| {
            let answer = match &a.answer {
                Some(x) if x.approved => format!("approved by {} at {} UTC", x.actor, utc(x.ts)),
                Some(x) if x.reason.is_empty() => format!("refused by {} at {} UTC", x.actor, utc(x.ts)),
                Some(x) => format!("refused by {} at {} UTC: {}", x.actor, utc(x.ts), x.reason),
                None => "never answered".to_string(),
            };
            let approved = a.answer.as_ref().is_some_and(|x| x.approved);
            let ran = if a.ran && approved { ", then run" } else { "" };
            format!("{} asked to run “{}” at {} UTC, {answer}{ran}", a.actor, a.command, utc(a.ts))
        })
        .collect();
    if !approvals.is_empty() {
        items.push(item("Approvals", approvals.join("; ")));
    }
    let broken: Vec<String> = p
        .records
        .iter()
        .filter_map(|r| match &r.event {
            crate::timeline::Event::BreakGlass {
                command, reason, ..
            } => Some(format!(
                "#{} {} ran “{command}” at {} UTC without approval: {reason}",
                r.seq,
                r.actor,
                utc(r.ts)
            )),
            _ => None,
        })
        .collect();
    if !broken.is_empty() {
        items.push(item("Break-glass runs", broken.join("; ")));
    }
    items
}

fn durations(p: &Prepared<'_>) -> Vec<Block> {
    let impact = p.impact_began();
    let start = p.incident.start();
    // Each measure from the impact (by the evidence) and from the start (declared).
    let span = |from: Option<DateTime<Utc>>, at: Option<DateTime<Utc>>| match (from, at) {
        (Some(f), Some(a)) if a >= f => duration(a - f),
        (Some(_), Some(_)) => "before it".into(),
        _ => "–".into(),
    };
    let mut rows = Vec::new();
    if let Some((at, what)) = &impact {
        rows.push(vec![
            vec![b("Impact began")],
            vec![t("–")],
            vec![t(span(start, Some(*at)))],
            vec![t(format!("{} {what}", utc(*at)))],
        ]);
    }
    let impact_at = impact.as_ref().map(|(at, _)| *at);
    for m in p.milestones() {
        let reached = match (m.at, m.milestone, impact_at) {
            (Some(at), _, _) => format!("{} {}", m.milestone.name(), utc(at)),
            (None, Milestone::Detected, Some(seen)) => format!(
                "not declared; the evidence shows the impact from {}",
                utc(seen)
            ),
            (None, _, _) => format!("{}: not reached", m.milestone.name()),
        };
        let (from_impact, from_start) = match (m.at, m.since_previous) {
            // Marked out of order (mitigated, then detected): said so, never a negative time.
            (Some(at), Some((prev, since))) if since < chrono::TimeDelta::zero() => (
                span(impact_at, Some(at)),
                format!(
                    "{} ({} before {}, marked out of order)",
                    span(start, Some(at)),
                    duration(-since),
                    prev.name()
                ),
            ),
            (Some(at), Some((prev, since))) => (
                span(impact_at, Some(at)),
                format!(
                    "{} ({} after {})",
                    span(start, Some(at)),
                    duration(since),
                    prev.name()
                ),
            ),
            (Some(at), None) => (span(impact_at, Some(at)), span(start, Some(at))),
            (None, _) => ("not reached".into(), "not reached".into()),
        };
        rows.push(vec![
            vec![b(measure_name(m.milestone))],
            vec![t(from_impact)],
            vec![t(from_start)],
            vec![t(reached)],
        ]);
    }
    let start = start.map(when).unwrap_or_else(|| "unknown".into());
    let intro = match &impact {
        Some((at, _)) => format!(
            "Measured from when the impact began by the evidence, {}, and from the start of the incident as declared, {start}.",
            when(*at)
        ),
        None => format!(
            "Measured from the start of the incident, {start}; no outage episode or new error pattern shows when the impact began."
        ),
    };
    vec![
        Block::Para(vec![t(intro)]),
        Block::Table(
            &["Measure", "From impact", "From start", "Milestone (UTC)"],
            rows,
        ),
    ]
}

fn runbooks(p: &Prepared<'_>) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut unused = Vec::new();
    for state in p.runbook_states() {
        let rb = state.runbook;
        if !state.touched {
            unused.push(format!("{} ({} steps)", rb.title, rb.steps.len()));
            continue;
        }
        blocks.push(Block::Heading(format!("{} ({})", rb.title, rb.name)));
        blocks.push(Block::Para(vec![t(format!(
            "{} of {} steps done.",
            state.done.len(),
            rb.steps.len()
        ))]));
        let mut items = Vec::new();
        for step in &rb.steps {
            if let Some((_, mark)) = state.done.iter().find(|(s, _)| s.id == step.id) {
                items.push((
                    Some(true),
                    vec![
                        t(step.title.clone()),
                        t(" "),
                        code(step.id.clone()),
                        t(format!(" — done {} UTC by {}", utc(mark.ts), mark.actor)),
                    ],
                ));
            } else if let Some((_, unticked)) = state.undone.iter().find(|(s, _)| s.id == step.id) {
                let mut spans = vec![
                    t(step.title.clone()),
                    t(" "),
                    code(step.id.clone()),
                    t(" — not done"),
                ];
                if *unticked {
                    spans.push(t(" (ticked, then unticked)"));
                }
                items.push((Some(false), spans));
            }
        }
        blocks.push(Block::List(items));
    }
    let stray = p.stray_steps();
    if !stray.is_empty() {
        blocks.push(Block::Heading("Steps not in the loaded runbooks".into()));
        let items = stray
            .into_iter()
            .map(|s| {
                let name = if s.title.is_empty() { s.step } else { s.title };
                (
                    Some(true),
                    vec![
                        t(format!("{}: {name} ", s.runbook)),
                        code(s.step),
                        t(format!(
                            " — done {} UTC by {}",
                            utc(s.mark.ts),
                            s.mark.actor
                        )),
                    ],
                )
            })
            .collect();
        blocks.push(Block::List(items));
    }
    if !unused.is_empty() {
        blocks.push(Block::Para(vec![
            b("Not used:"),
            t(format!(" {}.", unused.join(", "))),
        ]));
    }
    if blocks.is_empty() {
        blocks.push(none_recorded("runbook"));
    }
    blocks
}
