//! Replay: the incident's state is a fold over its records. The TUI, the exports and `sitrep verify`
//! all read the incident through this one function, so what is shown is what the file says.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::event::{Event, Health, Milestone, Record, Severity};

/// Who ticked a step and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// When it was ticked.
    pub ts: DateTime<Utc>,
    /// Who ticked it.
    pub actor: String,
    /// Sequence number of the line.
    pub seq: u64,
}

/// The incident as its timeline tells it.
#[derive(Debug, Clone, Default)]
pub struct Incident {
    /// Title from the first line.
    pub title: String,
    /// When the timeline was opened.
    pub opened: Option<DateTime<Utc>>,
    /// Time of the last record.
    pub last: Option<DateTime<Utc>>,
    /// Current severity.
    pub severity: Option<Severity>,
    /// Ticked steps by (runbook, step).
    pub checked: BTreeMap<(String, String), Mark>,
    /// Milestones reached, first time each.
    pub milestones: BTreeMap<Milestone, DateTime<Utc>>,
    /// Every distinct actor, in order of first appearance (the tool itself excluded).
    pub responders: Vec<String>,
    /// Who took the lead, when, in order (`:lead`): the last one leads.
    pub leads: Vec<Mark>,
    /// Last known state per endpoint.
    pub health: BTreeMap<String, Health>,
    /// Number of records applied.
    pub events: usize,
    /// Sequence number of the last record.
    pub last_seq: u64,
    /// Records a correction retracted (milestones, severities, patterns the tool saw), by their
    /// `seq`: who retracted each, when.
    pub retracted: BTreeMap<u64, Mark>,
    /// Who joined, who observed what, the approvals.
    pub team: super::team::Team,
    /// Pattern records (new, spike): what the tool saw and may turn out to be a false alarm.
    sightings: Vec<u64>,
    /// Every milestone and severity record in file order, retracted or not, so that a correction can
    /// take one back and the state be worked out again.
    marks: Vec<(u64, DateTime<Utc>, Decided)>,
    /// The severity the incident was opened with, which a retracted change falls back to.
    opening_severity: Option<Severity>,
}

/// What a record that a correction may retract decided.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Decided {
    Milestone(Milestone),
    Severity(Severity),
}

impl Incident {
    /// Who leads now: the last to take the lead.
    pub fn lead(&self) -> Option<&Mark> {
        self.leads.last()
    }

    /// Builds the incident from records in file order.
    pub fn replay<'a>(records: impl IntoIterator<Item = &'a Record>) -> Incident {
        let mut incident = Incident::default();
        for r in records {
            incident.apply(r);
        }
        incident
    }

    /// Applies one record.
    pub fn apply(&mut self, r: &Record) {
        self.events += 1;
        self.last_seq = self.last_seq.max(r.seq);
        self.opened.get_or_insert(r.ts);
        self.last = Some(self.last.map_or(r.ts, |t| t.max(r.ts)));
        if r.actor != super::event::TOOL_ACTOR && !self.responders.contains(&r.actor) {
            self.responders.push(r.actor.clone());
        }
        self.team.apply(r);
        match &r.event {
            Event::IncidentOpened { title, severity } => {
                self.title = title.clone();
                if severity.is_some() {
                    self.severity = *severity;
                    self.opening_severity = *severity;
                }
            }
            Event::StepChecked { runbook, step, .. } => {
                self.checked.insert(
                    (runbook.clone(), step.clone()),
                    Mark {
                        ts: r.ts,
                        actor: r.actor.clone(),
                        seq: r.seq,
                    },
                );
            }
            Event::StepUnchecked { runbook, step, .. } => {
                self.checked.remove(&(runbook.clone(), step.clone()));
            }
            Event::Lead { .. } => self.leads.push(Mark {
                ts: r.ts,
                actor: r.actor.clone(),
                seq: r.seq,
            }),
            Event::Milestone { name } => {
                self.marks.push((r.seq, r.ts, Decided::Milestone(*name)));
                self.milestones.entry(*name).or_insert(r.ts);
            }
            Event::Severity { level } => {
                self.marks.push((r.seq, r.ts, Decided::Severity(*level)));
                self.severity = Some(*level);
            }
            Event::HealthChanged { endpoint, to, .. } => {
                self.health.insert(endpoint.clone(), *to);
            }
            Event::Pattern { .. } => self.sightings.push(r.seq),
            Event::Correction { retracts, .. } if self.retractable(*retracts) => {
                let mark = Mark {
                    ts: r.ts,
                    actor: r.actor.clone(),
                    seq: r.seq,
                };
                self.retracted.insert(*retracts, mark);
                self.decide_again();
            }
            _ => {}
        }
    }

    /// Whether a correction may retract record `seq`: an earlier milestone, severity or pattern
    /// sighting, not yet retracted.
    pub fn retractable(&self, seq: u64) -> bool {
        (self.marks.iter().any(|(s, ..)| *s == seq) || self.sightings.contains(&seq))
            && !self.retracted.contains_key(&seq)
    }

    /// Milestones and severity from the records no correction retracted: each milestone the first
    /// time it was reached, the severity the last one set (or the opening one).
    fn decide_again(&mut self) {
        self.milestones.clear();
        self.severity = self.opening_severity;
        for (seq, ts, decided) in &self.marks {
            if self.retracted.contains_key(seq) {
                continue;
            }
            match decided {
                Decided::Milestone(m) => {
                    self.milestones.entry(*m).or_insert(*ts);
                }
                Decided::Severity(level) => self.severity = Some(*level),
            }
        }
    }

    /// Whether a step is ticked.
    pub fn is_checked(&self, runbook: &str, step: &str) -> bool {
        self.checked
            .contains_key(&(runbook.to_string(), step.to_string()))
    }

    /// The incident is over once it is resolved.
    pub fn is_resolved(&self) -> bool {
        self.milestones.contains_key(&Milestone::Resolved)
    }

    /// Start of the incident: when it was detected if that came first, else when the file was opened.
    pub fn start(&self) -> Option<DateTime<Utc>> {
        match (self.opened, self.milestones.get(&Milestone::Detected)) {
            (Some(o), Some(d)) => Some(o.min(*d)),
            (o, d) => o.or(d.copied()),
        }
    }

    /// End of the incident: when it was resolved, if it was.
    pub fn end(&self) -> Option<DateTime<Utc>> {
        self.milestones.get(&Milestone::Resolved).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::chain::seal;

    fn rec(seq: u64, event: Event) -> Record {
        seal(seq, Utc::now(), "alice", event, "").unwrap().1
    }

    #[test]
    fn a_step_ticked_then_unticked_is_not_checked() {
        let tick = Event::StepChecked {
            runbook: "stabilize".into(),
            step: "assess".into(),
            title: String::new(),
        };
        let untick = Event::StepUnchecked {
            runbook: "stabilize".into(),
            step: "assess".into(),
            title: String::new(),
        };
        let once = Incident::replay(&[rec(1, tick.clone())]);
        assert!(once.is_checked("stabilize", "assess"));
        let twice = Incident::replay(&[rec(1, tick), rec(2, untick)]);
        assert!(!twice.is_checked("stabilize", "assess"));
    }

    #[test]
    fn title_severity_and_milestones_come_from_the_file() {
        let records = [
            rec(
                1,
                Event::IncidentOpened {
                    title: "Payments down".into(),
                    severity: Some(Severity::Sev2),
                },
            ),
            rec(
                2,
                Event::Severity {
                    level: Severity::Sev1,
                },
            ),
            rec(
                3,
                Event::Milestone {
                    name: Milestone::Mitigated,
                },
            ),
        ];
        let incident = Incident::replay(&records);
        assert_eq!(incident.title, "Payments down");
        assert_eq!(incident.severity, Some(Severity::Sev1));
        assert!(incident.milestones.contains_key(&Milestone::Mitigated));
        assert!(!incident.is_resolved());
        assert_eq!(incident.responders, vec!["alice".to_string()]);
    }

    fn correction(retracts: u64) -> Event {
        Event::Correction {
            retracts,
            was: String::new(),
            reason: "pressed by mistake".into(),
        }
    }

    fn at(seq: u64, secs: i64, actor: &str, event: Event) -> Record {
        let ts = chrono::DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap_or_default();
        seal(seq, ts, actor, event, "").unwrap().1
    }

    #[test]
    fn a_retracted_milestone_is_not_reached_and_a_later_one_counts_from_its_own_time() {
        let mitigated = || Event::Milestone {
            name: Milestone::Mitigated,
        };
        let wrong = [at(1, 0, "alice", mitigated()), at(2, 10, "bob", correction(1))];
        let incident = Incident::replay(&wrong);
        assert!(!incident.milestones.contains_key(&Milestone::Mitigated));
        let mark = &incident.retracted[&1];
        assert_eq!((mark.actor.as_str(), mark.seq), ("bob", 2));

        let again = [
            at(1, 0, "alice", mitigated()),
            at(2, 10, "bob", correction(1)),
            at(3, 60, "alice", mitigated()),
        ];
        let incident = Incident::replay(&again);
        assert_eq!(
            incident.milestones[&Milestone::Mitigated],
            again[2].ts,
            "the milestone is reached when it really was, not at the retracted press"
        );
    }

    #[test]
    fn a_retracted_severity_falls_back_to_the_one_before_it() {
        let records = [
            at(
                1,
                0,
                "alice",
                Event::IncidentOpened {
                    title: "t".into(),
                    severity: Some(Severity::Sev3),
                },
            ),
            at(2, 5, "alice", Event::Severity { level: Severity::Sev2 }),
            at(3, 6, "alice", Event::Severity { level: Severity::Sev1 }),
            at(4, 7, "alice", correction(3)),
        ];
        assert_eq!(Incident::replay(&records).severity, Some(Severity::Sev2));
        let both = [records[0].clone(), records[1].clone(), records[2].clone(), records[3].clone(), at(5, 8, "bob", correction(2))];
        assert_eq!(Incident::replay(&both).severity, Some(Severity::Sev3));
    }

    #[test]
    fn a_correction_takes_back_only_an_earlier_milestone_or_severity_once() {
        let records = [
            at(1, 0, "alice", Event::Note { text: "x".into() }),
            at(2, 1, "alice", correction(1)),
            at(3, 2, "alice", correction(9)),
            at(4, 3, "alice", Event::Milestone { name: Milestone::Detected }),
            at(5, 4, "bob", correction(4)),
            at(6, 5, "carol", correction(4)),
        ];
        let incident = Incident::replay(&records);
        assert_eq!(incident.retracted.keys().copied().collect::<Vec<_>>(), [4]);
        assert_eq!(incident.retracted[&4].actor, "bob", "the first correction stands");
        assert!(!incident.retractable(1), "a note is not retracted");
        assert!(!incident.retractable(4), "already retracted");
    }
}
