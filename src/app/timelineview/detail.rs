//! What the detail view shows of an event besides its summary: the evidence each kind carries, one
//! labelled value a row (a value may span lines: a body, an output tail, an update's text).

use crate::timeline::{Event, TOOL_ACTOR};

/// One labelled value of an event, unsanitized (the screen sanitizes what it draws).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// What the value is: `status`, `evidence`, a field name of an unknown kind.
    pub label: String,
    /// The value, whole.
    pub value: String,
}

fn field(label: &str, value: impl Into<String>) -> Field {
    Field {
        label: label.to_string(),
        value: value.into(),
    }
}

/// Who recorded it, as the detail view names them.
pub fn actor(actor: &str) -> String {
    if actor == TOOL_ACTOR {
        format!("{TOOL_ACTOR} (seen by the tool itself)")
    } else {
        actor.to_string()
    }
}

/// The evidence of an event, in the order a responder reads it; empty values are left out.
pub fn fields(event: &Event) -> Vec<Field> {
    let mut out = match event {
        Event::IncidentOpened { title, severity } => vec![
            field("title", title),
            field("severity", severity.map(|s| s.to_string()).unwrap_or_default()),
        ],
        Event::StepChecked {
            runbook,
            step,
            title,
        }
        | Event::StepUnchecked {
            runbook,
            step,
            title,
        } => vec![
            field("runbook", runbook),
            field("step", step),
            field("title", title),
        ],
        // Their summary is the whole of them.
        Event::Note { .. }
        | Event::Milestone { .. }
        | Event::Severity { .. }
        | Event::Lead { .. } => Vec::new(),
        Event::HealthChanged {
            endpoint,
            from,
            to,
            status,
            latency_ms,
            evidence,
            since,
            episode,
            observer,
        } => vec![
            field("endpoint", endpoint),
            field("change", format!("{from} → {to}")),
            field("status", status.map(|s| format!("HTTP {s}")).unwrap_or_default()),
            field(
                "latency",
                latency_ms.map(|ms| format!("{ms} ms")).unwrap_or_default(),
            ),
            field(
                "since",
                since
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string())
                    .unwrap_or_default(),
            ),
            field(
                "episode",
                episode
                    .as_ref()
                    .map(crate::timeline::episode::Summary::describe)
                    .unwrap_or_default(),
            ),
            field("evidence", evidence),
            field("seen by", observer),
        ],
        Event::LogSource { source, status } => {
            vec![field("source", source), field("status", status)]
        }
        Event::Pattern {
            change,
            template,
            level,
            rate,
            seen_at,
            observer,
        } => vec![
            field("change", change.to_string()),
            field("template", template),
            field("level", level.map(|l| l.to_string()).unwrap_or_default()),
            field(
                "rate",
                rate.map(|r| format!("{r:.1} lines/s")).unwrap_or_default(),
            ),
            field(
                match change {
                    crate::timeline::PatternChange::New => "first line",
                    _ => "newest line",
                },
                seen_at
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string())
                    .unwrap_or_default(),
            ),
            field("seen by", observer),
        ],
        Event::CommandStarted {
            runbook,
            step,
            command,
        } => vec![
            field("step", format!("{runbook}: {step}")),
            field("command", command),
        ],
        Event::CommandFinished {
            runbook,
            step,
            command,
            exit_code,
            duration_ms,
            output_tail,
            reason,
        } => vec![
            field("step", format!("{runbook}: {step}")),
            field("command", command),
            field("result", reason),
            field(
                "exit code",
                exit_code.map(|c| c.to_string()).unwrap_or_default(),
            ),
            field("ran for", crate::core::duration::precise_ms(*duration_ms)),
            field("output", output_tail),
        ],
        Event::ErrorMinute {
            source,
            minute,
            errors,
            lines,
            peak_per_s,
            busiest,
            busiest_errors,
            ..
        } => vec![
            field("source", source),
            field("minute", minute.format("%Y-%m-%d %H:%M UTC").to_string()),
            field("errors", format!("{errors} of {lines} lines")),
            field("peak", format!("{peak_per_s} errors in one second")),
            field("busiest", busiest),
            field(
                "with it",
                if *busiest_errors > 0 {
                    busiest_errors.to_string()
                } else {
                    String::new()
                },
            ),
        ],
        Event::TimelineDamaged { problems } => vec![field("found", problems.join("\n"))],
        Event::Joined { session, host } => vec![field("from", host), field("session", session)],
        Event::Left { session } => vec![field("session", session)],
        Event::Observed { of, observer } => vec![
            field("agrees with", format!("#{of}")),
            field("seen by", observer),
        ],
        Event::ApprovalRequested {
            request,
            runbook,
            step,
            title,
            command,
            session,
        } => vec![
            field("step", format!("{runbook}: {step}")),
            field("title", title),
            field("command", command),
            field("request", request),
            field("session", session),
        ],
        Event::ApprovalAnswered {
            request,
            approved,
            session,
            reason,
        } => vec![
            field("answer", if *approved { "approved" } else { "refused" }),
            field("reason", reason),
            field("request", request),
            field("session", session),
        ],
        Event::BreakGlass {
            runbook,
            step,
            title,
            command,
            reason,
        } => vec![
            field("step", format!("{runbook}: {step}")),
            field("title", title),
            field("command", command),
            field("reason", reason),
        ],
        Event::Correction {
            retracts,
            was,
            reason,
        } => vec![
            field("retracts", format!("#{retracts}")),
            field("which was", was),
            field("reason", reason),
        ],
        Event::UpdateSent {
            destination,
            text,
            result,
        } => vec![
            field("to", destination),
            field("result", result),
            field("text", text),
        ],
        Event::LinePinned {
            source,
            read_at,
            line_time,
            text,
            sha256,
            cites,
        } => {
            let intact = if event.pin_intact() == Some(false) {
                " ⚠ the text does not match it: edited after it was pinned"
            } else {
                " (matches the text)"
            };
            vec![
                field("source", source),
                field(
                    "read at",
                    read_at.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string(),
                ),
                field(
                    "line time",
                    line_time
                        .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string())
                        .unwrap_or_default(),
                ),
                field("cites", cites.map(|c| format!("event #{c}")).unwrap_or_default()),
                field("sha256", format!("{sha256}{intact}")),
                field("line", text),
            ]
        }
        Event::Unknown(unknown) => unknown
            .fields
            .iter()
            .map(|(name, value)| match value {
                serde_json::Value::String(s) => field(name, s),
                other => field(name, other.to_string()),
            })
            .collect(),
    };
    out.retain(|f| !f.value.trim().is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::health::Health;

    fn labels(event: &Event) -> Vec<(String, String)> {
        fields(event)
            .into_iter()
            .map(|f| (f.label, f.value))
            .collect()
    }

    #[test]
    fn a_health_change_shows_its_status_latency_and_evidence() {
        let event = Event::HealthChanged {
            endpoint: "payments-api".into(),
            from: Health::Up,
            to: Health::Down,
            status: Some(503),
            latency_ms: Some(3004),
            evidence: "unexpected status 503; body: {\"error\":\"provider timeout\"}".into(),
            since: None,
            episode: None,
            observer: String::new(),
        };
        let shown = labels(&event);
        assert!(shown.contains(&("status".into(), "HTTP 503".into())), "{shown:?}");
        assert!(shown.contains(&("latency".into(), "3004 ms".into())), "{shown:?}");
        assert!(shown.iter().any(|(l, v)| l == "evidence" && v.contains("provider timeout")));
    }

    #[test]
    fn an_unknown_kind_shows_its_raw_fields_and_empty_values_are_left_out() {
        let event = Event::Unknown(crate::timeline::UnknownEvent {
            kind: "presence.joined".into(),
            fields: vec![
                ("who".into(), serde_json::json!("carol")),
                ("at".into(), serde_json::json!({"x": 1})),
                ("note".into(), serde_json::json!("")),
            ],
        });
        assert_eq!(
            labels(&event),
            [
                ("who".to_string(), "carol".to_string()),
                ("at".to_string(), "{\"x\":1}".to_string())
            ]
        );
    }
}
