//! What to run: a program and its arguments, or a line for `sh -c`, with a time limit.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

use crate::core::argv::{SplitError, join_words, quote_word, split_line};
use super::template::{MissingParams, fill, substitute};

/// Default time a command may run before it is killed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Default time between asking a command to stop (SIGTERM) and killing it (SIGKILL).
pub const DEFAULT_KILL_GRACE: Duration = Duration::from_secs(2);

/// How the command is started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// A program and its arguments, run directly.
    Argv(Vec<String>),
    /// A line run by `sh -c` (pipes, `&&`, `$VAR` work).
    Shell(String),
}

/// A command to run after the responder confirmed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSpec {
    /// What to start.
    pub invocation: Invocation,
    /// Killed (the whole process group) after this long.
    pub timeout: Duration,
    /// Working folder; the current one when `None`.
    pub cwd: Option<PathBuf>,
    /// Time between SIGTERM and SIGKILL when stopping it.
    pub kill_grace: Duration,
}

/// Why a step's command cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CommandError {
    /// Placeholders without a value.
    #[error(transparent)]
    Missing(#[from] MissingParams),
    /// The line cannot be split into arguments without a shell.
    #[error(transparent)]
    Split(#[from] SplitError),
}

impl CommandSpec {
    /// Runs `argv[0]` with the remaining arguments, with the default timeout.
    pub fn argv<S: Into<String>>(argv: impl IntoIterator<Item = S>) -> Self {
        Self::with(Invocation::Argv(argv.into_iter().map(Into::into).collect()))
    }

    /// Runs `line` with `sh -c`, with the default timeout.
    pub fn shell(line: impl Into<String>) -> Self {
        Self::with(Invocation::Shell(line.into()))
    }

    fn with(invocation: Invocation) -> Self {
        Self {
            invocation,
            timeout: DEFAULT_TIMEOUT,
            cwd: None,
            kill_grace: DEFAULT_KILL_GRACE,
        }
    }

    /// A command line as written in a runbook: split into arguments, or kept whole for `sh -c`.
    pub fn parse(line: &str, shell: bool) -> Result<Self, CommandError> {
        if shell {
            if line.trim().is_empty() {
                return Err(SplitError::Empty.into());
            }
            Ok(Self::shell(line))
        } else {
            Ok(Self::argv(split_line(line)?))
        }
    }

    /// A runbook template with its `{placeholders}` filled, such that a value can never change the
    /// command's shape: without a shell the line is split first and each argument filled (a value
    /// with spaces stays one argument); with a shell, a value with anything but safe characters is
    /// inserted single-quoted (so `{service}` holding `x; rm -rf /` stays one harmless word).
    pub fn from_template(
        template: &str,
        params: &BTreeMap<String, String>,
        shell: bool,
    ) -> Result<Self, CommandError> {
        // Every missing name is reported at once, before any splitting error.
        fill(template, params)?;
        let value = |name: &str| params.get(name).map(|v| quote_word(v));
        if shell {
            let (line, _) = substitute(template, value);
            return Self::parse(&line, true);
        }
        let words = split_line(template)?;
        let filled = words
            .iter()
            .map(|w| substitute(w, |name| params.get(name).map(|v| Cow::from(v.as_str()))).0);
        Ok(Self::argv(filled))
    }

    /// Sets the time limit.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the working folder.
    #[cfg(any(test, feature = "test-support"))]
    pub fn with_cwd(mut self, cwd: impl Into<PathBuf>) -> Self {
        self.cwd = Some(cwd.into());
        self
    }

    /// Sets the time between SIGTERM and SIGKILL.
    #[cfg(any(test, feature = "test-support"))]
    pub fn with_kill_grace(mut self, grace: Duration) -> Self {
        self.kill_grace = grace;
        self
    }

    /// The exact command, as shown in the confirmation dialog and written to the timeline.
    pub fn line(&self) -> String {
        match &self.invocation {
            Invocation::Argv(argv) => join_words(argv),
            Invocation::Shell(line) => line.clone(),
        }
    }

    /// The program that will be started (`sh` for a shell line).
    pub fn program(&self) -> &str {
        match &self.invocation {
            Invocation::Argv(argv) => argv.first().map_or("", String::as_str),
            Invocation::Shell(_) => "sh",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_value_with_spaces_stays_one_argument_without_a_shell() {
        let spec = CommandSpec::from_template(
            "./scripts/flag off {flag}",
            &params(&[("flag", "new checkout")]),
            false,
        )
        .unwrap();
        assert_eq!(
            spec.invocation,
            Invocation::Argv(vec![
                "./scripts/flag".into(),
                "off".into(),
                "new checkout".into()
            ])
        );
        assert_eq!(spec.line(), "./scripts/flag off 'new checkout'");
        assert_eq!(spec.timeout, DEFAULT_TIMEOUT);
    }

    #[test]
    fn a_hostile_value_is_quoted_for_the_shell() {
        let spec = CommandSpec::from_template(
            "kubectl rollout undo deploy/{service} | tee log",
            &params(&[("service", "api; rm -rf /")]),
            true,
        )
        .unwrap();
        assert_eq!(
            spec.line(),
            "kubectl rollout undo deploy/'api; rm -rf /' | tee log"
        );
    }

    #[test]
    fn safe_values_go_in_as_they_are() {
        let spec =
            CommandSpec::from_template("echo '{service}'", &params(&[("service", "api")]), true)
                .unwrap();
        assert_eq!(spec.line(), "echo 'api'");
    }

    #[test]
    fn missing_values_are_reported_before_syntax() {
        let err = CommandSpec::from_template("a {x} | b {y}", &params(&[]), false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no values for {x}, {y}: set them before running the command"
        );
        let err =
            CommandSpec::from_template("a {x} | b", &params(&[("x", "1")]), false).unwrap_err();
        assert!(matches!(
            err,
            CommandError::Split(SplitError::NeedsShell { .. })
        ));
    }
}
