//! The team as the timeline tells it: who joined and left (per cockpit session), who observed each
//! observation, and the approvals asked for, given or refused. A fold like the rest of replay; the
//! rule for when two observations agree is here too, so every cockpit applies the same one.

use std::collections::{BTreeMap, HashMap, VecDeque};

use chrono::{DateTime, TimeDelta, Utc};

use super::event::{Event, Health, PatternChange, Record};

/// A cockpit session that joined the incident.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Who opened it.
    pub actor: String,
    /// The machine's name, when known.
    pub host: String,
    /// When it joined.
    pub joined: DateTime<Utc>,
    /// When it left, if it said so.
    pub left: Option<DateTime<Utc>>,
}

/// An answer to an approval request.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// Approved or refused.
    pub approved: bool,
    /// Who answered.
    pub actor: String,
    /// Why (a refusal's reason).
    pub reason: String,
    /// When.
    pub ts: DateTime<Utc>,
    /// The answer's record.
    pub seq: u64,
}

/// A request to run a step's command that needs another responder's approval.
#[derive(Debug, Clone, PartialEq)]
pub struct Approval {
    /// The request's id.
    pub request: String,
    /// Runbook name.
    pub runbook: String,
    /// Step id.
    pub step: String,
    /// The step's title.
    pub title: String,
    /// The command asked for.
    pub command: String,
    /// Who asked.
    pub actor: String,
    /// The asking session.
    pub session: String,
    /// When.
    pub ts: DateTime<Utc>,
    /// The first answer from another session (an answer from the asking session does not count).
    pub answer: Option<Answer>,
    /// The approved command was started since (an approval is for one run).
    pub ran: bool,
}

impl Approval {
    /// Whether it was approved and not used yet.
    pub fn usable(&self) -> bool {
        self.answer.as_ref().is_some_and(|a| a.approved) && !self.ran
    }
}

/// What the timeline says of the team.
#[derive(Debug, Clone, Default)]
pub struct Team {
    /// Sessions by id.
    pub sessions: BTreeMap<String, Session>,
    /// Everyone whose cockpit saw an observation, by the observation's `seq`, first observer first.
    pub observers: BTreeMap<u64, Vec<String>>,
    /// Approval requests, in the order asked.
    pub approvals: Vec<Approval>,
}

impl Team {
    /// Applies one record.
    pub fn apply(&mut self, r: &Record) {
        match &r.event {
            Event::Joined { session, host } => {
                self.sessions.entry(session.clone()).or_insert(Session {
                    actor: r.actor.clone(),
                    host: host.clone(),
                    joined: r.ts,
                    left: None,
                });
            }
            Event::Left { session } => {
                if let Some(s) = self.sessions.get_mut(session) {
                    s.left.get_or_insert(r.ts);
                }
            }
            Event::HealthChanged { observer, .. } | Event::Pattern { observer, .. }
                if !observer.is_empty() && r.seq > 0 =>
            {
                self.saw(r.seq, observer);
            }
            Event::Observed { of, observer } => self.saw(*of, observer),
            Event::ApprovalRequested {
                request,
                runbook,
                step,
                title,
                command,
                session,
            } => self.approvals.push(Approval {
                request: request.clone(),
                runbook: runbook.clone(),
                step: step.clone(),
                title: title.clone(),
                command: command.clone(),
                actor: r.actor.clone(),
                session: session.clone(),
                ts: r.ts,
                answer: None,
                ran: false,
            }),
            Event::ApprovalAnswered {
                request,
                approved,
                session,
                reason,
            } => {
                if let Some(a) = self
                    .approvals
                    .iter_mut()
                    .find(|a| &a.request == request && a.answer.is_none() && &a.session != session)
                {
                    a.answer = Some(Answer {
                        approved: *approved,
                        actor: r.actor.clone(),
                        reason: reason.clone(),
                        ts: r.ts,
                        seq: r.seq,
                    });
                }
            }
            Event::CommandStarted { runbook, step, .. } => {
                // The run uses up the asker's latest request of the step, whatever its answer (a
                // break-glass run makes a request still waiting moot).
                if let Some(a) = self.approvals.iter_mut().rev().find(|a| {
                    &a.runbook == runbook && &a.step == step && a.actor == r.actor && !a.ran
                }) {
                    a.ran = true;
                }
            }
            _ => {}
        }
    }

    fn saw(&mut self, seq: u64, observer: &str) {
        let list = self.observers.entry(seq).or_default();
        if !list.iter().any(|o| o == observer) {
            list.push(observer.to_string());
        }
    }

    /// The latest request of a step from a session that was not run yet: what its run waits on.
    pub fn request_of(&self, runbook: &str, step: &str, session: &str) -> Option<&Approval> {
        self.approvals
            .iter()
            .rev()
            .find(|a| a.runbook == runbook && a.step == step && a.session == session)
            .filter(|a| !a.ran)
    }

    /// Requests from other sessions that wait for an answer, oldest first: not those run
    /// meanwhile (a break-glass run) or whose cockpit has left.
    pub fn asking(&self, session: &str) -> impl Iterator<Item = &Approval> {
        self.approvals.iter().filter(move |a| {
            a.answer.is_none()
                && !a.ran
                && a.session != session
                && self.sessions.get(&a.session).is_none_or(|s| s.left.is_none())
        })
    }

    /// A request by its id.
    pub fn approval(&self, request: &str) -> Option<&Approval> {
        self.approvals.iter().find(|a| a.request == request)
    }
}

/// How far apart two cockpits may see one pattern spike and still mean the same one.
const SPIKE_WINDOW: TimeDelta = TimeDelta::minutes(5);

/// The record an observation agrees with: one from another observer's cockpit that says the same
/// (the same endpoint's episode starting, or ending, within `window` of ours; a first answer
/// matching the endpoint's last recorded state; the same new pattern; the same spike within
/// minutes). `Some(seq)` with `observer` already listed means it was said already: record nothing.
/// Observations that disagree (down here, up there) agree with nothing, and both are kept.
pub fn agreeing<'a>(
    records: impl DoubleEndedIterator<Item = &'a Record>,
    event: &Event,
    observer: &str,
    at: DateTime<Utc>,
    window: TimeDelta,
) -> Option<&'a Record> {
    let other = |r: &Record, o: &str| r.seq > 0 && !o.is_empty() && o != observer;
    let mut records = records.rev();
    match event {
        Event::HealthChanged {
            endpoint,
            to,
            episode,
            since,
            ..
        } => {
            let starts = episode.is_none() && !matches!(to, Health::Up | Health::Unknown);
            let ends = episode.is_some() && *to == Health::Up;
            if episode.is_some() && !ends {
                // A session closing on an open episode speaks for itself only.
                return None;
            }
            let near = |a: DateTime<Utc>, b: DateTime<Utc>| (a - b).abs() <= window;
            if !starts && !ends {
                // A first answer that finds it up (an outage start is matched above by its time):
                // it saw no recovery, and listed beside the record of one it read as a witness of
                // what happened before the cockpit opened, so it is written as its own line.
                if *to == Health::Up {
                    return None;
                }
                return records
                    .find(|r| matches!(&r.event, Event::HealthChanged { endpoint: e, .. } if e == endpoint))
                    .filter(|r| match &r.event {
                        Event::HealthChanged {
                            to: t, observer: o, ..
                        } => t == to && other(r, o),
                        _ => false,
                    });
            }
            records.find(|r| match &r.event {
                Event::HealthChanged {
                    endpoint: e,
                    to: t,
                    episode: ep,
                    since: s,
                    observer: o,
                    ..
                } if e == endpoint && other(r, o) => {
                    if starts {
                        ep.is_none() && !matches!(t, Health::Up | Health::Unknown) && near(r.ts, at)
                    } else {
                        ep.is_some() && *t == Health::Up && near(s.unwrap_or(r.ts), since.unwrap_or(at))
                    }
                }
                _ => false,
            })
        }
        Event::Pattern {
            change,
            template,
            seen_at,
            ..
        } => records.find(|r| match &r.event {
            Event::Pattern {
                change: c,
                template: t,
                seen_at: s,
                observer: o,
                ..
            } if c == change && t == template && other(r, o) => {
                *change == PatternChange::New
                    || (s.unwrap_or(r.ts) - seen_at.unwrap_or(at)).abs() <= SPIKE_WINDOW
            }
            _ => false,
        }),
        _ => None,
    }
}

/// How many recent observations a writer keeps to settle new ones against.
const SEEN_KEPT: usize = 512;
/// The agreement window of an endpoint the writer was not told about.
const DEFAULT_WINDOW: TimeDelta = TimeDelta::seconds(10);

/// The recent observations in a timeline, kept by its writer so that an observation agreeing with
/// one just written by another cockpit is settled under the file's lock: two cockpits that see one
/// change a moment apart write it once, whoever's line goes in first.
#[derive(Debug, Default)]
pub struct Seen {
    recent: VecDeque<Record>,
    /// Two probe intervals of each endpoint, by name.
    windows: HashMap<String, TimeDelta>,
}

impl Seen {
    /// Two probe intervals of each endpoint (the cockpit's endpoints).
    pub fn set_windows(&mut self, windows: HashMap<String, TimeDelta>) {
        self.windows = windows;
    }

    /// Takes note of a record in the file.
    pub fn note(&mut self, r: &Record) {
        if matches!(
            r.event,
            Event::HealthChanged { .. } | Event::Pattern { .. } | Event::Observed { .. }
        ) {
            if self.recent.len() >= SEEN_KEPT {
                self.recent.pop_front();
            }
            self.recent.push_back(r.clone());
        }
    }

    /// The event to write for an observation: itself, or `observed` when a record from another
    /// observer's cockpit already says it.
    pub fn settle(&self, event: Event, at: DateTime<Utc>) -> Event {
        let (observer, window) = match &event {
            Event::HealthChanged {
                observer, endpoint, ..
            } if !observer.is_empty() => (
                observer.clone(),
                self.windows.get(endpoint).copied().unwrap_or(DEFAULT_WINDOW),
            ),
            Event::Pattern { observer, .. } if !observer.is_empty() => {
                (observer.clone(), TimeDelta::zero())
            }
            _ => return event,
        };
        match agreeing(self.recent.iter(), &event, &observer, at, window) {
            Some(r) => Event::Observed {
                of: r.seq,
                observer,
            },
            None => event,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::chain::seal;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap_or_default()
    }

    fn rec(seq: u64, secs: i64, actor: &str, event: Event) -> Record {
        seal(seq, at(secs), actor, event, "").unwrap().1
    }

    fn change(from: Health, to: Health, observer: &str) -> Event {
        Event::HealthChanged {
            endpoint: "payments".into(),
            from,
            to,
            status: Some(503),
            latency_ms: Some(5),
            evidence: String::new(),
            since: None,
            episode: None,
            observer: observer.into(),
        }
    }

    #[test]
    fn an_outage_start_agrees_within_the_window_and_not_after_it_nor_with_an_up() {
        let carol = [rec(7, 0, "sitrep", change(Health::Up, Health::Down, "carol"))];
        let mine = change(Health::Up, Health::Degraded, "dave");
        let window = TimeDelta::seconds(10);
        let found = agreeing(carol.iter(), &mine, "dave", at(4), window).map(|r| r.seq);
        assert_eq!(found, Some(7), "one outage, seen 4 s apart");
        assert!(agreeing(carol.iter(), &mine, "dave", at(30), window).is_none(), "a later one");
        assert!(
            agreeing(carol.iter(), &mine, "carol", at(1), window).is_none(),
            "our own record is not a teammate's"
        );
        let up = change(Health::Unknown, Health::Up, "dave");
        assert!(
            agreeing(carol.iter(), &up, "dave", at(1), window).is_none(),
            "down there, up here: both kept"
        );
        // A first answer that finds it up after carol recorded the outage's end saw no
        // recovery, and stands alone.
        let mut recovered = change(Health::Down, Health::Up, "carol");
        if let Event::HealthChanged { episode, .. } = &mut recovered {
            *episode = Some(crate::timeline::episode::Summary::default());
        }
        let history = [
            rec(7, 0, "sitrep", change(Health::Up, Health::Down, "carol")),
            rec(9, 30, "sitrep", recovered),
        ];
        assert!(
            agreeing(history.iter(), &up, "dave", at(90), window).is_none(),
            "dave saw it up, not coming back"
        );
    }

    #[test]
    fn the_writer_settles_a_second_sighting_and_keeps_a_new_pattern_once() {
        let mut seen = Seen::default();
        let pattern = |observer: &str| Event::Pattern {
            change: PatternChange::New,
            template: "payment <*> failed".into(),
            level: None,
            rate: None,
            seen_at: None,
            observer: observer.into(),
        };
        seen.note(&rec(3, 0, "sitrep", pattern("carol")));
        let settled = seen.settle(pattern("dave"), at(600));
        assert_eq!(
            settled,
            Event::Observed {
                of: 3,
                observer: "dave".into()
            }
        );
        let note = Event::Note { text: "x".into() };
        assert_eq!(seen.settle(note.clone(), at(1)), note, "not an observation");
    }

    #[test]
    fn an_approval_counts_only_from_another_session_and_once() {
        let asked = Event::ApprovalRequested {
            request: "s1.1".into(),
            runbook: "rollback".into(),
            step: "undo".into(),
            title: String::new(),
            command: "echo".into(),
            session: "s1".into(),
        };
        let answer = |session: &str| Event::ApprovalAnswered {
            request: "s1.1".into(),
            approved: true,
            session: session.into(),
            reason: String::new(),
        };
        let started = Event::CommandStarted {
            runbook: "rollback".into(),
            step: "undo".into(),
            command: "echo".into(),
        };
        let mut team = Team::default();
        team.apply(&rec(1, 0, "carol", asked));
        team.apply(&rec(2, 1, "mallory", answer("s1")));
        assert!(
            team.request_of("rollback", "undo", "s1").is_some_and(|a| !a.usable()),
            "a name typed on the asking cockpit does not approve"
        );
        team.apply(&rec(3, 2, "dave", answer("s2")));
        assert!(team.request_of("rollback", "undo", "s1").is_some_and(Approval::usable));
        team.apply(&rec(4, 3, "carol", started));
        assert!(team.request_of("rollback", "undo", "s1").is_none(), "used by the run");
    }
}
