//! Runbooks: ordered checklists kept as TOML files a team can review in git.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::core::diag::SourceError;

/// The runbooks shipped with sitrep, embedded so `sitrep demo` and `sitrep init` work from any folder.
pub const SHIPPED: [(&str, &str); 6] = [
    ("stabilize.toml", include_str!("../runbooks/stabilize.toml")),
    ("rollback.toml", include_str!("../runbooks/rollback.toml")),
    ("disable.toml", include_str!("../runbooks/disable.toml")),
    (
        "communicate.toml",
        include_str!("../runbooks/communicate.toml"),
    ),
    (
        "investigate.toml",
        include_str!("../runbooks/investigate.toml"),
    ),
    ("follow-up.toml", include_str!("../runbooks/follow-up.toml")),
];

/// One checklist.
#[derive(Debug, Clone, PartialEq)]
pub struct Runbook {
    /// Stable name, used in the timeline (`stabilize`).
    pub name: String,
    /// What the panel shows (`Stabilize`).
    pub title: String,
    /// Sort key: runbooks are shown in this order.
    pub order: i64,
    /// One or two sentences on when to use it.
    pub summary: String,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// Where it came from (a path, or `(built in)`).
    pub origin: String,
}

/// One step of a runbook.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Stable id within the runbook, used in the timeline.
    pub id: String,
    /// Short imperative title.
    pub title: String,
    /// Longer guidance.
    pub detail: String,
    /// A command the responder may run after confirming it, with `{param}` placeholders.
    pub command: Option<String>,
    /// Run the command through `sh -c` (pipes, globs); otherwise it runs without a shell.
    pub shell: bool,
    /// How long the command may run (default 5 minutes).
    pub timeout: Option<std::time::Duration>,
    /// Its command runs only once another responder approved it from their own cockpit (or, with
    /// nobody to ask, as a break-glass run with a reason).
    pub approval: bool,
    /// A status-update template (communicate steps).
    pub template: Option<String>,
    /// After an update from this template, the next is due this long later.
    pub update_every: Option<std::time::Duration>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRunbook {
    name: Spanned<String>,
    title: Option<String>,
    #[serde(default)]
    order: i64,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    step: Vec<RawStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawStep {
    id: Spanned<String>,
    title: Spanned<String>,
    #[serde(default)]
    detail: String,
    command: Option<String>,
    #[serde(default)]
    shell: bool,
    timeout: Option<Spanned<String>>,
    approval: Option<Spanned<bool>>,
    template: Option<String>,
    update_every: Option<Spanned<String>>,
}

/// Parses one runbook file's text. `origin` names it in messages.
pub fn parse(origin: &str, text: &str) -> Result<Runbook, SourceError> {
    parse_all(origin, text).map_err(|mut errors| errors.swap_remove(0))
}

/// Like [`parse`], with every misspelt key of the file (`sitrep check` prints them all).
pub fn parse_all(origin: &str, text: &str) -> Result<Runbook, Vec<SourceError>> {
    let (raw, mut errors) = crate::core::diag::from_toml_read_on::<RawRunbook>(origin, text);
    // What the steps say is checked too, its misspelt keys read as meant.
    let runbook = raw.map(|raw| checked(origin, text, raw));
    match runbook {
        Some(Ok(runbook)) if errors.is_empty() => return Ok(runbook),
        Some(Err(e)) => errors.push(e),
        _ => {}
    }
    errors.sort_by_key(|e| e.position);
    Err(errors)
}

/// The runbook `raw` reads as, or what is wrong with it.
fn checked(origin: &str, text: &str, raw: RawRunbook) -> Result<Runbook, SourceError> {
    let at = |span: std::ops::Range<usize>, message: String| {
        SourceError::at(origin, text, span.start, message)
    };
    let name = raw.name.get_ref().trim().to_string();
    if !is_id(&name) {
        return Err(at(
            raw.name.span(),
            format!(
                "runbook name `{name}` must be lowercase letters, digits, dashes and underscores (like `stabilize`)"
            ),
        ));
    }
    if raw.step.is_empty() {
        return Err(SourceError::at(
            origin,
            text,
            0,
            "runbook has no steps: add at least one [[step]] with an id and a title".into(),
        ));
    }
    let mut seen = HashSet::new();
    let mut steps = Vec::with_capacity(raw.step.len());
    for s in raw.step {
        let id = s.id.get_ref().trim().to_string();
        if !is_id(&id) {
            return Err(at(
                s.id.span(),
                format!(
                    "step id `{id}` must be lowercase letters, digits, dashes and underscores (like `roll-back-deploy`)"
                ),
            ));
        }
        if !seen.insert(id.clone()) {
            return Err(at(
                s.id.span(),
                format!(
                    "step id `{id}` is used twice in this runbook; ids must be unique because the timeline refers to them"
                ),
            ));
        }
        if s.title.get_ref().trim().is_empty() {
            return Err(at(
                s.title.span(),
                format!("step `{id}` has an empty title"),
            ));
        }
        // A duration of the step, read once; 0s is refused (the command would stop at once, the
        // next update would be due from the start).
        let duration = |d: Option<Spanned<String>>,
                        key: &str|
         -> Result<Option<std::time::Duration>, SourceError> {
            let Some(d) = d else { return Ok(None) };
            match crate::core::duration::parse_or_explain(d.get_ref(), "\"5m\" or \"90s\"") {
                Ok(zero) if zero.is_zero() => Err(at(
                    d.span(),
                    format!("step `{id}`: `{key}` must be more than 0s, like \"5m\" or \"90s\""),
                )),
                Ok(value) => Ok(Some(value)),
                Err(message) => Err(at(d.span(), message)),
            }
        };
        let command = s.command.filter(|c| !c.trim().is_empty());
        let approval = s.approval.as_ref().is_some_and(|a| *a.get_ref());
        if let Some(asked) = s.approval.filter(|_| approval && command.is_none()) {
            return Err(at(
                asked.span(),
                format!(
                    "step `{id}` asks for approval but has no command: approval is for running a step's command; add `command = \"...\"` or remove `approval`"
                ),
            ));
        }
        let timeout = duration(s.timeout, "timeout")?;
        let update_every = duration(s.update_every, "update-every")?;
        if let Some(c) = command.as_deref().filter(|_| !s.shell)
            && let Err(why) = crate::core::argv::split_line(c)
        {
            return Err(at(
                s.id.span(),
                format!("step `{id}`: its command cannot be split into words: {why}"),
            ));
        }
        steps.push(Step {
            id,
            title: s.title.into_inner().trim().to_string(),
            detail: s.detail.trim().to_string(),
            command,
            shell: s.shell,
            approval,
            timeout,
            template: s.template,
            update_every,
        });
    }
    Ok(Runbook {
        title: raw.title.unwrap_or_else(|| name.clone()),
        name,
        order: raw.order,
        summary: raw.summary.trim().to_string(),
        steps,
        origin: origin.to_string(),
    })
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// The shipped runbooks, parsed.
pub fn shipped() -> Vec<Runbook> {
    let mut out: Vec<Runbook> = SHIPPED
        .iter()
        .filter_map(|(file, text)| parse(&format!("(built in) {file}"), text).ok())
        .collect();
    sort(&mut out);
    out
}

/// Loads every `*.toml` in a folder. Every broken file is reported; none is skipped in silence.
pub fn load_dir(dir: &Path) -> Result<Vec<Runbook>, Vec<SourceError>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            return Err(vec![SourceError::plain(
                &dir.display().to_string(),
                format!(
                    "cannot read the runbooks folder: {e}. Create it, or run `sitrep init` to write the shipped runbooks there."
                ),
            )]);
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut runbooks = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let origin = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => match parse_all(&origin, &text) {
                Ok(rb) => runbooks.push(rb),
                Err(e) => errors.extend(e),
            },
            Err(e) => errors.push(SourceError::plain(&origin, format!("cannot read: {e}"))),
        }
    }
    let mut names = HashSet::new();
    for rb in &runbooks {
        if !names.insert(rb.name.clone()) {
            errors.push(SourceError::plain(
                &rb.origin,
                format!(
                    "another runbook in {} is also named `{}`; names must be unique",
                    dir.display(),
                    rb.name
                ),
            ));
        }
    }
    if runbooks.is_empty() && errors.is_empty() {
        errors.push(SourceError::plain(
            &dir.display().to_string(),
            "no runbooks (*.toml) in this folder. Run `sitrep init` to write the shipped ones."
                .into(),
        ));
    }
    if errors.is_empty() {
        sort(&mut runbooks);
        Ok(runbooks)
    } else {
        Err(errors)
    }
}

fn sort(runbooks: &mut [Runbook]) {
    runbooks.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.name.cmp(&b.name)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_runbook_parses_and_has_useful_steps() {
        for (file, text) in SHIPPED {
            let rb = parse(file, text).unwrap_or_else(|e| panic!("{e}"));
            assert!(rb.steps.len() >= 3, "{file} has too few steps");
            assert!(!rb.summary.is_empty(), "{file} lacks a summary");
        }
        let names: Vec<String> = shipped().into_iter().map(|r| r.name).collect();
        assert_eq!(
            names,
            [
                "stabilize",
                "rollback",
                "disable",
                "communicate",
                "investigate",
                "follow-up"
            ]
        );
    }

    #[test]
    fn a_duplicate_step_id_names_the_line_and_column() {
        let text = "name = \"x\"\n[[step]]\nid = \"a\"\ntitle = \"A\"\n[[step]]\nid = \"a\"\ntitle = \"B\"\n";
        let err = parse("rb.toml", text).unwrap_err().to_string();
        assert!(
            err.starts_with("rb.toml:6:6: step id `a` is used twice"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_key_is_rejected_with_a_suggestion() {
        let text = "name = \"x\"\n[[step]]\nid = \"a\"\ntitel = \"A\"\n";
        let err = parse("rb.toml", text).unwrap_err().to_string();
        assert!(err.starts_with("rb.toml:4:1:"), "{err}");
        assert!(err.contains("did you mean `title`"), "{err}");
    }

    #[test]
    fn a_step_command_can_ask_for_a_shell_and_a_timeout() {
        let text = "name = \"x\"\n[[step]]\nid = \"a\"\ntitle = \"A\"\ncommand = \"ls | wc -l\"\nshell = true\ntimeout = \"90s\"\n";
        let rb = parse("rb.toml", text).unwrap();
        assert!(rb.steps[0].shell);
        assert_eq!(
            rb.steps[0].timeout,
            Some(std::time::Duration::from_secs(90))
        );
        let bad = text.replace("90s", "ninety");
        let err = parse("rb.toml", &bad).unwrap_err().to_string();
        assert!(
            err.starts_with("rb.toml:7:11: `ninety` is not a duration"),
            "{err}"
        );
    }

    #[test]
    fn an_id_message_names_every_character_the_rule_accepts() {
        let ok = "name = \"db_failover\"\n[[step]]\nid = \"step_1\"\ntitle = \"A\"\n";
        assert_eq!(parse("rb.toml", ok).unwrap().steps[0].id, "step_1");
        let bad = "name = \"Db Failover\"\n[[step]]\nid = \"a\"\ntitle = \"A\"\n";
        let err = parse("rb.toml", bad).unwrap_err().to_string();
        assert!(
            err.contains("lowercase letters, digits, dashes and underscores"),
            "{err}"
        );
    }

    #[test]
    fn broken_toml_says_where() {
        let err = parse("rb.toml", "name = \"x\n").unwrap_err().to_string();
        assert!(err.starts_with("rb.toml:1:"), "{err}");
    }
}
