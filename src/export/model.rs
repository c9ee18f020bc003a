//! What every format shows, computed once from the (redacted) records: the incident's replay, the
//! durations between milestones, the state of each runbook, and the commands that were run.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use chrono::{DateTime, TimeDelta, Utc};

use super::ExportInput;
use super::pins::PinCheck;
use super::redact::{RedactFields, Redactor};
use crate::runbook::{Runbook, Step};
use crate::timeline::replay::Mark;
use crate::timeline::{Event, Incident, Milestone, Record};

/// The input after redaction, with the incident replayed from it.
pub(crate) struct Prepared<'a> {
    /// Records with every secret replaced.
    pub records: Cow<'a, [Record]>,
    /// Runbooks with every secret replaced.
    pub runbooks: Cow<'a, [Runbook]>,
    /// Where the timeline was read from.
    pub timeline_path: Cow<'a, str>,
    /// The incident as the records tell it.
    pub incident: Incident,
    /// Used again on the finished document.
    pub redactor: Redactor,
    /// How many fields had a secret in them.
    pub redacted_fields: usize,
    /// For each record, by index: what was found about a pinned line's text before redaction.
    pub pin_checks: Vec<Option<PinCheck>>,
    /// What reading the file found wrong, redacted.
    pub damage: Vec<String>,
    /// What is worth knowing about the file and is not damage, redacted.
    pub notes: Vec<String>,
}

impl<'a> Prepared<'a> {
    /// Redacts the input and replays it.
    pub(crate) fn new(input: &ExportInput<'a>) -> Prepared<'a> {
        let redactor = Redactor::new(input.secrets);
        // Before redaction: the hash is of the text as recorded.
        let pin_checks = super::pins::checks(input.records, &redactor);
        let mut redacted_fields = 0;
        let records: Cow<'a, [Record]> = if redactor.is_empty() {
            Cow::Borrowed(input.records)
        } else {
            let mut owned = input.records.to_vec();
            for r in &mut owned {
                redacted_fields += redactor.record(r);
            }
            Cow::Owned(owned)
        };
        let runbooks: Cow<'a, [Runbook]> = if redactor.is_empty() {
            Cow::Borrowed(input.runbooks)
        } else {
            let mut owned = input.runbooks.to_vec();
            for rb in &mut owned {
                redacted_fields += redactor.runbook(rb);
            }
            Cow::Owned(owned)
        };
        let timeline_path = match redactor.redact(input.timeline_path) {
            Cow::Borrowed(_) => Cow::Borrowed(input.timeline_path),
            Cow::Owned(s) => {
                redacted_fields += 1;
                Cow::Owned(s)
            }
        };
        let incident = Incident::replay(records.iter());
        let redact_all = |lines: &[String]| -> Vec<String> {
            lines.iter().map(|l| redactor.redact(l).into_owned()).collect()
        };
        let damage = redact_all(input.damage);
        let notes = redact_all(input.notes);
        Prepared {
            damage,
            notes,
            records,
            runbooks,
            timeline_path,
            incident,
            redactor,
            redacted_fields,
            pin_checks,
        }
    }

    /// The error-rate summaries (`log.errors`), a (source, minute) once, in the order their first
    /// records came: two cockpits on one incident may both sum a minute, and a session closed
    /// before a minute was over summed only part of it (`partial`), so the sum that read the most
    /// lines counts (the first of equals).
    pub(crate) fn error_minutes(&self) -> Vec<&Record> {
        let mut best: Vec<&Record> = Vec::new();
        let mut at: HashMap<(&str, DateTime<Utc>), usize> = HashMap::new();
        let lines_of = |r: &Record| match &r.event {
            Event::ErrorMinute { lines, .. } => *lines,
            _ => 0,
        };
        for r in self.records.iter() {
            let Event::ErrorMinute { source, minute, .. } = &r.event else {
                continue;
            };
            match at.get(&(source.as_str(), *minute)) {
                Some(&i) => {
                    if lines_of(r) > lines_of(best[i]) {
                        best[i] = r;
                    }
                }
                None => {
                    at.insert((source.as_str(), *minute), best.len());
                    best.push(r);
                }
            }
        }
        best
    }

    /// The chain's head: the last record as exported.
    pub(crate) fn head(&self) -> Option<crate::timeline::head::Head> {
        self.records.last().map(crate::timeline::head::Head::of)
    }

    /// Time from the start to the end, or to the last event while the incident is open.
    pub(crate) fn duration(&self) -> Option<TimeDelta> {
        let start = self.incident.start()?;
        let end = self.incident.end().or(self.incident.last)?;
        Some(end - start)
    }

    /// Each milestone with its time and the durations that lead to it.
    pub(crate) fn milestones(&self) -> Vec<MilestoneRow> {
        let start = self.incident.start();
        let mut previous: Option<(Milestone, DateTime<Utc>)> = None;
        let mut rows = Vec::new();
        for &m in Milestone::ALL {
            let at = self.incident.milestones.get(&m).copied();
            rows.push(MilestoneRow {
                milestone: m,
                at,
                since_start: at.zip(start).map(|(a, s)| a - s),
                since_previous: at.zip(previous).map(|(a, (pm, pt))| (pm, a - pt)),
            });
            if let Some(a) = at {
                previous = Some((m, a));
            }
        }
        rows
    }

    /// The records no correction retracted: what the evidence sections and the chart draw from.
    pub(crate) fn standing(&self) -> impl Iterator<Item = &Record> {
        self.records
            .iter()
            .filter(|r| !self.incident.retracted.contains_key(&r.seq))
    }

    /// When the impact began, by the evidence: the first outage episode of an endpoint or the first
    /// new error pattern, whichever came first; and what it was.
    pub(crate) fn impact_began(&self) -> Option<(DateTime<Utc>, String)> {
        let until = self.records.iter().map(|r| r.ts).max()?;
        let episode = crate::timeline::episode::episodes(
            &self.records,
            crate::timeline::episode::DEFAULT_HOLD,
            until,
        )
        .into_iter()
        .next()
        .map(|e| (e.start, format!("{} {} (its first outage)", e.endpoint, e.worst)));
        // A sighting the tool took back (a false new pattern) did not begin anything.
        let pattern = self.standing().find_map(|r| match &r.event {
            Event::Pattern {
                change: crate::timeline::PatternChange::New,
                level: Some(level),
                template,
                seen_at,
                ..
            } if level.is_error() => Some((
                seen_at.unwrap_or(r.ts),
                format!("new error pattern: {template}"),
            )),
            _ => None,
        });
        match (episode, pattern) {
            (Some(e), Some(p)) => Some(if p.0 < e.0 { p } else { e }),
            (e, p) => e.or(p),
        }
    }

    /// Every runbook in the order given, with its done and undone steps.
    pub(crate) fn runbook_states(&self) -> Vec<RunbookState<'_>> {
        let unticked: BTreeSet<(&str, &str)> = self
            .records
            .iter()
            .filter_map(|r| match &r.event {
                Event::StepUnchecked { runbook, step, .. } => {
                    Some((runbook.as_str(), step.as_str()))
                }
                _ => None,
            })
            .collect();
        let commanded: BTreeSet<&str> =
            self.records
                .iter()
                .filter_map(|r| match &r.event {
                    Event::CommandStarted { runbook, .. }
                    | Event::CommandFinished { runbook, .. } => Some(runbook.as_str()),
                    _ => None,
                })
                .collect();
        let checked = &self.incident.checked;
        self.runbooks
            .iter()
            .map(|rb| {
                let mut state = RunbookState {
                    runbook: rb,
                    done: Vec::new(),
                    undone: Vec::new(),
                    touched: commanded.contains(rb.name.as_str()),
                };
                for step in &rb.steps {
                    let key = (rb.name.clone(), step.id.clone());
                    let was_unticked = unticked.contains(&(rb.name.as_str(), step.id.as_str()));
                    state.touched |= was_unticked;
                    match checked.get(&key) {
                        Some(mark) => {
                            state.touched = true;
                            state.done.push((step, mark));
                        }
                        None => state.undone.push((step, was_unticked)),
                    }
                }
                state
            })
            .collect()
    }

    /// Steps ticked in the timeline that no loaded runbook has (a runbook renamed or not loaded).
    pub(crate) fn stray_steps(&self) -> Vec<StrayStep<'_>> {
        let mut titles: HashMap<(&str, &str), &str> = HashMap::new();
        for r in self.records.iter() {
            if let Event::StepChecked {
                runbook,
                step,
                title,
            } = &r.event
            {
                titles.insert((runbook, step), title);
            }
        }
        self.incident
            .checked
            .iter()
            .filter(|((rb, step), _)| {
                !self
                    .runbooks
                    .iter()
                    .any(|r| &r.name == rb && r.steps.iter().any(|s| &s.id == step))
            })
            .map(|((rb, step), mark)| StrayStep {
                runbook: rb,
                step,
                title: titles
                    .get(&(rb.as_str(), step.as_str()))
                    .copied()
                    .unwrap_or(""),
                mark,
            })
            .collect()
    }

    /// Commands run, a start paired with its finish, in the order they started.
    pub(crate) fn commands(&self) -> Vec<CommandRun<'_>> {
        let mut runs: Vec<CommandRun<'_>> = Vec::new();
        let mut open: HashMap<(&str, &str, &str), VecDeque<usize>> = HashMap::new();
        for r in self.records.iter() {
            match &r.event {
                Event::CommandStarted {
                    runbook,
                    step,
                    command,
                } => {
                    open.entry((runbook, step, command))
                        .or_default()
                        .push_back(runs.len());
                    runs.push(CommandRun {
                        runbook,
                        step,
                        command,
                        actor: &r.actor,
                        started: Some(r.ts),
                        finished: None,
                    });
                }
                Event::CommandFinished {
                    runbook,
                    step,
                    command,
                    exit_code,
                    duration_ms,
                    output_tail,
                    ..
                } => {
                    let end = Finish {
                        ts: r.ts,
                        exit_code: *exit_code,
                        duration_ms: *duration_ms,
                        output_tail,
                    };
                    let started = open
                        .get_mut(&(runbook.as_str(), step.as_str(), command.as_str()))
                        .and_then(VecDeque::pop_front);
                    match started {
                        Some(i) => runs[i].finished = Some(end),
                        None => runs.push(CommandRun {
                            runbook,
                            step,
                            command,
                            actor: &r.actor,
                            started: None,
                            finished: Some(end),
                        }),
                    }
                }
                _ => {}
            }
        }
        runs
    }

    /// Endpoints in order of their first health transition, each with its transitions.
    pub(crate) fn health_by_endpoint(&self) -> Vec<(&str, Vec<&Record>)> {
        let mut order: Vec<&str> = Vec::new();
        let mut by: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
        for r in self.records.iter() {
            if let Event::HealthChanged { endpoint, .. } = &r.event {
                if !by.contains_key(endpoint.as_str()) {
                    order.push(endpoint);
                }
                by.entry(endpoint).or_default().push(r);
            }
        }
        order
            .into_iter()
            .map(|e| (e, by.remove(e).unwrap_or_default()))
            .collect()
    }
}

/// A milestone and the durations that lead to it.
pub(crate) struct MilestoneRow {
    /// Which milestone.
    pub milestone: Milestone,
    /// When it was reached, if it was.
    pub at: Option<DateTime<Utc>>,
    /// From the start of the incident.
    pub since_start: Option<TimeDelta>,
    /// From the last milestone reached before it in the usual order.
    pub since_previous: Option<(Milestone, TimeDelta)>,
}

/// What the measure from the start to a milestone is called in a postmortem.
pub(crate) fn measure_name(m: Milestone) -> &'static str {
    match m {
        Milestone::Detected => "Time to detect",
        Milestone::Mitigated => "Time to mitigate",
        Milestone::Resolved => "Time to resolve",
    }
}

/// One runbook: what was done (when, by whom) and what was left undone.
pub(crate) struct RunbookState<'p> {
    /// The runbook.
    pub runbook: &'p Runbook,
    /// Ticked steps, in runbook order.
    pub done: Vec<(&'p Step, &'p Mark)>,
    /// Steps not ticked, and whether each was ticked once and then unticked.
    pub undone: Vec<(&'p Step, bool)>,
    /// Whether anything was done with this runbook at all.
    pub touched: bool,
}

/// A ticked step that no loaded runbook has.
pub(crate) struct StrayStep<'p> {
    /// Runbook name from the timeline.
    pub runbook: &'p str,
    /// Step id from the timeline.
    pub step: &'p str,
    /// Title recorded when it was ticked.
    pub title: &'p str,
    /// Who ticked it and when.
    pub mark: &'p Mark,
}

/// One command run.
pub(crate) struct CommandRun<'p> {
    /// Runbook of the step.
    pub runbook: &'p str,
    /// Step id.
    pub step: &'p str,
    /// The command line.
    pub command: &'p str,
    /// Who ran it.
    pub actor: &'p str,
    /// When it started (unknown if only its end was recorded).
    pub started: Option<DateTime<Utc>>,
    /// How it ended, if it did.
    pub finished: Option<Finish<'p>>,
}

/// The end of a command run.
pub(crate) struct Finish<'p> {
    /// When it ended.
    pub ts: DateTime<Utc>,
    /// Exit code; none when killed or timed out.
    pub exit_code: Option<i32>,
    /// How long it ran.
    pub duration_ms: u64,
    /// Last lines of output.
    pub output_tail: &'p str,
}

impl CommandRun<'_> {
    /// `exit 0`, `killed or timed out`, or `no result recorded`.
    pub(crate) fn outcome(&self) -> String {
        match &self.finished {
            Some(Finish {
                exit_code: Some(c), ..
            }) => format!("exit {c}"),
            Some(_) => "killed or timed out (no exit code)".into(),
            None => "no result recorded".into(),
        }
    }
}
