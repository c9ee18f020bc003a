//! The `:` command palette: what can be typed, how it is parsed, and how Tab completes it.

use crate::core::severity::Severity;
use crate::timeline::Milestone;

/// A palette command, parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum PaletteCommand {
    /// `:note TEXT`
    Note(String),
    /// `:runbook NAME`
    Runbook(String),
    /// `:export md|json|csv|html`
    Export(crate::export::Format),
    /// `:mark detected|mitigated|resolved`
    Mark(Milestone),
    /// `:severity SEV1..SEV4`
    Severity(Severity),
    /// `:lead [NOTE]`: take the incident's lead, with a handoff note
    Lead(String),
    /// `:retract N [REASON]`: take back milestone or severity event #N (asks first)
    Retract(u64, String),
    /// `:approvals`: answer a teammate's request to run a step (the first one waiting)
    Approvals,
    /// `:filter REGEX`: keep only lines that match, on top of the other filters
    Filter(String),
    /// `:filter-out REGEX`: hide lines that match
    FilterOut(String),
    /// `:unfilter [N]`: drop filter N, or every filter
    Unfilter(Option<usize>),
    /// `:search REGEX`: highlight and jump, hide nothing (empty clears)
    Search(String),
    /// `:wrap`
    Wrap,
    /// `:follow-field KEY=VALUE`: only one request's lines, from every source (empty ends it)
    FollowField(String),
    /// `:context N`
    Context(usize),
    /// `:patterns`
    Patterns,
    /// `:compare`
    Compare,
    /// `:baseline`: what is seen from now on counts as new
    Baseline,
    /// `:source NAME|all`: one log source alone, or all merged (no name: the next)
    Source(Option<String>),
    /// `:good`: what was seen until now is the working range
    Good,
    /// `:bad`: from now on is the failing range
    Bad,
    /// `:zoom`
    Zoom,
    /// `:utc`
    Utc,
    /// `:help`
    Help,
    /// `:messages`: the last status-line messages, whole
    Messages,
    /// `:quit`
    Quit,
}

/// Every command: name, argument hint, what it does.
pub const COMMANDS: &[(&str, &str, &str)] = &[
    ("note", "TEXT", "add a note to the timeline"),
    ("runbook", "NAME", "show a runbook"),
    (
        "export",
        "md|json|csv|html",
        "export the timeline next to its file",
    ),
    ("mark", "detected|mitigated|resolved", "record a milestone"),
    ("severity", "SEV1..SEV4", "set the severity"),
    (
        "lead",
        "[HANDOFF NOTE]",
        "take the incident's lead (the header shows who leads)",
    ),
    (
        "approvals",
        "",
        "answer a teammate's request to run a step that needs approval",
    ),
    (
        "retract",
        "N [REASON]",
        "take back milestone/severity event #N (asks first)",
    ),
    ("filter", "REGEX", "keep only log lines that match (stacks)"),
    (
        "filter-out",
        "REGEX",
        "hide log lines that match (stacks; e.g. GET /health 200)",
    ),
    ("unfilter", "[N]", "drop log filter N, or all of them"),
    (
        "search",
        "REGEX",
        "highlight in the logs, hide nothing (> < jump)",
    ),
    ("wrap", "", "wrap long log lines / cut them"),
    (
        "follow-field",
        "KEY=VALUE",
        "one request's lines from every source (none: end)",
    ),
    ("context", "N", "lines of context around filter matches"),
    (
        "source",
        "NAME|all",
        "one log source alone, or all merged (none: the next)",
    ),
    ("patterns", "", "log patterns instead of raw lines"),
    (
        "compare",
        "",
        "patterns before vs after the last health failure",
    ),
    (
        "baseline",
        "",
        "patterns first seen from now on count as new",
    ),
    ("good", "", "what was seen until now is the working range"),
    (
        "bad",
        "",
        "from now on is the failing range (:compare shows it)",
    ),
    ("zoom", "", "focused panel full screen"),
    ("utc", "", "times in UTC / local"),
    ("help", "", "every key"),
    ("messages", "", "the last 50 status-line messages, whole"),
    ("quit", "", "leave sitrep"),
];

const FORMATS: [&str; 4] = ["md", "json", "csv", "html"];

/// Parses what was typed after `:`.
pub fn parse(line: &str, runbooks: &[String]) -> Result<PaletteCommand, String> {
    let line = line.trim();
    let (name, arg) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let arg = arg.trim();
    let matches: Vec<&str> = COMMANDS
        .iter()
        .map(|(n, _, _)| *n)
        .filter(|n| n.starts_with(name))
        .collect();
    let name = match matches.as_slice() {
        _ if name.is_empty() => return Err("type a command; Tab completes".into()),
        [one] => *one,
        _ if matches.contains(&name) => name,
        [] => return Err(format!("unknown command `{name}`; Tab lists them")),
        many => return Err(format!("`{name}` could be {}", many.join(", "))),
    };
    let need = |what: &str| Err(format!(":{name} needs {what}"));
    Ok(match name {
        "note" if arg.is_empty() => return need("the text of the note"),
        "note" => PaletteCommand::Note(arg.to_string()),
        "runbook" => {
            let found = runbooks.iter().find(|r| r.as_str() == arg).or_else(|| {
                let starts: Vec<&String> = runbooks.iter().filter(|r| r.starts_with(arg)).collect();
                (starts.len() == 1).then(|| starts[0])
            });
            match found {
                Some(r) if !arg.is_empty() => PaletteCommand::Runbook(r.clone()),
                _ => {
                    return Err(format!(
                        "no runbook `{arg}`; there are: {}",
                        runbooks.join(", ")
                    ));
                }
            }
        }
        "export" => {
            let format = if arg.is_empty() { "md" } else { arg };
            match format.parse() {
                Ok(format) => PaletteCommand::Export(format),
                Err(_) => return Err(format!("unknown format `{format}`: md, json, csv or html")),
            }
        }
        "mark" => match Milestone::parse(arg) {
            Some(m) => PaletteCommand::Mark(m),
            None => return need("detected, mitigated or resolved"),
        },
        "severity" => {
            let Ok(level) = arg.parse::<Severity>() else {
                return need("SEV1, SEV2, SEV3 or SEV4");
            };
            PaletteCommand::Severity(level)
        }
        "lead" => PaletteCommand::Lead(arg.to_string()),
        "approvals" => PaletteCommand::Approvals,
        "retract" => {
            let (n, reason) = arg.split_once(char::is_whitespace).unwrap_or((arg, ""));
            match n.trim_start_matches('#').parse::<u64>() {
                Ok(seq) => PaletteCommand::Retract(seq, reason.trim().to_string()),
                Err(_) => {
                    return need("the # of a milestone or severity event, as the timeline shows it");
                }
            }
        }
        "filter" if arg.is_empty() => return need("a regex"),
        "filter" => PaletteCommand::Filter(arg.to_string()),
        "filter-out" if arg.is_empty() => return need("a regex"),
        "filter-out" => PaletteCommand::FilterOut(arg.to_string()),
        "unfilter" if arg.is_empty() || arg == "all" => PaletteCommand::Unfilter(None),
        "unfilter" => match arg.parse::<usize>() {
            Ok(n) if n >= 1 => PaletteCommand::Unfilter(Some(n)),
            _ => return need("a filter's number as the logs title shows it, or nothing for all"),
        },
        "search" => PaletteCommand::Search(arg.to_string()),
        "wrap" => PaletteCommand::Wrap,
        "follow-field" => PaletteCommand::FollowField(arg.to_string()),
        "context" => match arg.parse::<usize>() {
            Ok(n) if n <= 50 => PaletteCommand::Context(n),
            _ => return need("a number of lines from 0 to 50"),
        },
        "patterns" => PaletteCommand::Patterns,
        "compare" => PaletteCommand::Compare,
        "baseline" => PaletteCommand::Baseline,
        "source" if arg.is_empty() => PaletteCommand::Source(None),
        "source" => PaletteCommand::Source(Some(arg.to_string())),
        "good" => PaletteCommand::Good,
        "bad" => PaletteCommand::Bad,
        "zoom" => PaletteCommand::Zoom,
        "utc" => PaletteCommand::Utc,
        "help" => PaletteCommand::Help,
        "messages" => PaletteCommand::Messages,
        "quit" => PaletteCommand::Quit,
        // A name in COMMANDS without its own arm: say so rather than do something else.
        other => {
            return Err(format!(
                "`{other}` is listed but not handled; please report it"
            ));
        }
    })
}

/// Full lines that complete what was typed, for Tab and for the hint under the palette.
pub fn complete(line: &str, runbooks: &[String], sources: &[String]) -> Vec<String> {
    match line.split_once(' ') {
        None => COMMANDS
            .iter()
            .filter(|(n, _, _)| n.starts_with(line))
            .map(|(n, hint, _)| {
                if hint.is_empty() {
                    n.to_string()
                } else {
                    format!("{n} ")
                }
            })
            .collect(),
        Some((name, arg)) => {
            let options: Vec<String> = match name {
                "runbook" => runbooks.to_vec(),
                "source" => sources
                    .iter()
                    .cloned()
                    .chain(std::iter::once("all".to_string()))
                    .collect(),
                "export" => FORMATS.iter().map(|s| s.to_string()).collect(),
                "mark" => Milestone::ALL
                    .iter()
                    .map(|m| m.name().to_string())
                    .collect(),
                "severity" => Severity::ALL.iter().map(|s| s.to_string()).collect(),
                _ => Vec::new(),
            };
            options
                .into_iter()
                .filter(|o| {
                    o.to_ascii_lowercase()
                        .starts_with(&arg.to_ascii_lowercase())
                })
                .map(|o| format!("{name} {o}"))
                .collect()
        }
    }
}

/// What Tab turns the line into: the only completion, or the longest common prefix of several.
pub fn tab(line: &str, runbooks: &[String], sources: &[String]) -> String {
    let options = complete(line, runbooks, sources);
    match options.as_slice() {
        [] => line.to_string(),
        [one] => one.clone(),
        many => {
            let first = &many[0];
            let mut len = first.len();
            for o in &many[1..] {
                len = len.min(
                    first
                        .chars()
                        .zip(o.chars())
                        .take_while(|(a, b)| a == b)
                        .count(),
                );
            }
            let prefix: String = first.chars().take(len).collect();
            if prefix.len() > line.len() {
                prefix
            } else {
                line.to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rbs() -> Vec<String> {
        ["stabilize", "rollback", "disable"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn commands_parse_with_their_arguments() {
        assert_eq!(
            parse("note db failover done", &rbs()),
            Ok(PaletteCommand::Note("db failover done".into()))
        );
        assert_eq!(
            parse("runbook roll", &rbs()),
            Ok(PaletteCommand::Runbook("rollback".into()))
        );
        assert_eq!(
            parse("mark mitigated", &rbs()),
            Ok(PaletteCommand::Mark(Milestone::Mitigated))
        );
        assert_eq!(
            parse("severity sev1", &rbs()),
            Ok(PaletteCommand::Severity(Severity::Sev1))
        );
        assert_eq!(
            parse("export", &rbs()),
            Ok(PaletteCommand::Export(crate::export::Format::Markdown))
        );
        assert_eq!(parse("q", &rbs()), Ok(PaletteCommand::Quit));
    }

    #[test]
    fn every_listed_command_parses_by_its_full_name_and_only_quit_quits() {
        for (name, arg, _) in COMMANDS {
            let line = match *name {
                "note" => "note x".to_string(),
                "runbook" => "runbook rollback".to_string(),
                "mark" => "mark detected".to_string(),
                "severity" => "severity SEV2".to_string(),
                "context" => "context 2".to_string(),
                "unfilter" => "unfilter 1".to_string(),
                "retract" => "retract 3 wrong key".to_string(),
                _ if arg.is_empty() || arg.contains('|') => name.to_string(),
                _ => format!("{name} x"),
            };
            let parsed = parse(&line, &rbs()).unwrap_or_else(|e| panic!(":{line}: {e}"));
            assert_eq!(
                parsed == PaletteCommand::Quit,
                *name == "quit",
                ":{line} parsed as {parsed:?}"
            );
        }
        assert_eq!(parse("good", &rbs()), Ok(PaletteCommand::Good));
        assert_eq!(parse("bad", &rbs()), Ok(PaletteCommand::Bad));
    }

    #[test]
    fn bad_input_explains_itself() {
        assert!(
            parse("export pdf", &rbs())
                .unwrap_err()
                .contains("md, json, csv or html")
        );
        assert!(
            parse("runbook nope", &rbs())
                .unwrap_err()
                .contains("stabilize, rollback, disable")
        );
        assert!(
            parse("frobnicate", &rbs())
                .unwrap_err()
                .contains("unknown command")
        );
        assert!(parse("severity 9", &rbs()).unwrap_err().contains("SEV1"));
    }

    #[test]
    fn tab_completes_commands_and_arguments() {
        assert_eq!(tab("sev", &rbs(), &[]), "severity ");
        assert_eq!(tab("severity S", &rbs(), &[]), "severity SEV");
        assert_eq!(tab("runbook st", &rbs(), &[]), "runbook stabilize");
        assert_eq!(tab("mark m", &rbs(), &[]), "mark mitigated");
        assert_eq!(complete("ex", &rbs(), &[]), vec!["export ".to_string()]);
        let sources = ["payments-api".to_string(), "ledger".to_string()];
        assert_eq!(tab("source pay", &rbs(), &sources), "source payments-api");
        assert_eq!(
            complete("source ", &rbs(), &sources),
            ["source payments-api", "source ledger", "source all"]
        );
    }
}
