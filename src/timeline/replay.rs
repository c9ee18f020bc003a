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
    /// Last known state per endpoint.
    pub health: BTreeMap<String, Health>,
    /// Number of records applied.
    pub events: usize,
    /// Sequence number of the last record.
    pub last_seq: u64,
}

impl Incident {
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
        match &r.event {
            Event::IncidentOpened { title, severity } => {
                self.title = title.clone();
                if severity.is_some() {
                    self.severity = *severity;
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
            Event::Milestone { name } => {
                self.milestones.entry(*name).or_insert(r.ts);
            }
            Event::Severity { level } => self.severity = Some(*level),
            Event::HealthChanged { endpoint, to, .. } => {
                self.health.insert(endpoint.clone(), *to);
            }
            _ => {}
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
}
