//! What every part of reading a config needs: where an error points, how a folder resolves, and the
//! one place a secret is read from the environment (and remembered, to keep it out of every export).

use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;

use super::raw::SecretValue;
use crate::core::diag::SourceError;

/// The text being read and what it is read against.
pub(super) struct Reader<'a> {
    origin: &'a str,
    text: &'a str,
    base: &'a Path,
    env: &'a dyn Fn(&str) -> Option<String>,
    /// Every secret value read so far.
    pub(super) secrets: Vec<String>,
    /// A secret whose variable is not set reads as empty instead of failing: for commands that
    /// keep the record and send nothing (`note`, `mark`), so a deploy hook needs no probe token.
    pub(super) optional_secrets: bool,
}

impl<'a> Reader<'a> {
    pub(super) fn new(
        origin: &'a str,
        text: &'a str,
        base: &'a Path,
        env: &'a dyn Fn(&str) -> Option<String>,
    ) -> Self {
        Reader {
            origin,
            text,
            base,
            env,
            secrets: Vec::new(),
            optional_secrets: false,
        }
    }

    /// An error at a byte offset of the file.
    pub(super) fn at(&self, offset: usize, message: String) -> SourceError {
        SourceError::at(self.origin, self.text, offset, message)
    }

    /// A path from the file; a relative one is taken from the config's folder.
    pub(super) fn path(&self, p: &str) -> PathBuf {
        let p = PathBuf::from(p);
        if p.is_absolute() {
            p
        } else {
            self.base.join(p)
        }
    }

    /// A duration from the file, or `default` when it is not written.
    pub(super) fn duration(
        &self,
        value: Option<&Spanned<String>>,
        default: Duration,
        example: &str,
    ) -> Result<Duration, SourceError> {
        match value {
            None => Ok(default),
            Some(s) => crate::core::duration::parse_or_explain(s.get_ref(), example)
                .map_err(|message| self.at(s.span().start, message)),
        }
    }

    /// A value written in the file, or read now from the environment variable it names (so a
    /// missing one stops the start, not the first send). The flag says it came from the environment.
    pub(super) fn secret(
        &mut self,
        value: Spanned<SecretValue>,
        what: &str,
    ) -> Result<(String, bool), SourceError> {
        let span = value.span();
        match value.into_inner() {
            SecretValue::Plain(v) => Ok((v, false)),
            SecretValue::Env { env: var, prefix } => match (self.env)(&var) {
                Some(v) if !v.is_empty() => {
                    let value = format!("{prefix}{v}");
                    self.secrets.push(value.clone());
                    // The variable's value is the secret, with or without its prefix: a command's
                    // output, a note or an error may hold the token alone (`Bearer ` aside). One
                    // shorter than four bytes is no token and would blot out ordinary text.
                    if !prefix.is_empty() && v.trim().len() >= 4 {
                        self.secrets.push(v.trim().to_string());
                    }
                    Ok((value, true))
                }
                _ if self.optional_secrets => Ok((String::new(), true)),
                _ => Err(self.at(
                    span.start,
                    format!(
                        "{what} reads the environment variable `{var}`, which is not set. Export it before starting sitrep (secrets live in the environment, never in this file)."
                    ),
                )),
            },
        }
    }
}
