//! The one redactor: secret values (tokens, header values, webhook URLs) replaced wherever they appear.
//!
//! Every place that shows or records text a secret could be echoed into (an export, a probe's body and
//! headers, a delivery's error) redacts with a [`Redactor`]: longest secret first, repeated until none
//! is left (replacing can join two halves into a secret), with a marker that cannot contain one.

use std::borrow::Cow;

/// What a secret is replaced with.
pub const MARKER: &str = "[redacted]";

/// Used instead of [`MARKER`] when a secret is part of it (a secret like `red`), so that replacing
/// never puts the secret back.
const FALLBACK_MARKERS: [&str; 3] = ["[REDACTED]", "<hidden>", "***"];

/// Rounds of replacing before falling back to plain removal, which always ends.
const MAX_ROUNDS: usize = 8;

/// Finds and replaces a set of secret values.
#[derive(Debug, Clone)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is replaced whole.
    secrets: Vec<String>,
    marker: &'static str,
}

impl Redactor {
    /// A redactor for these values. Empty values are ignored: they would match everywhere.
    pub fn new(secrets: &[String]) -> Redactor {
        let mut secrets: Vec<String> = secrets.iter().filter(|s| !s.is_empty()).cloned().collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        let marker = std::iter::once(MARKER)
            .chain(FALLBACK_MARKERS)
            .find(|m| !secrets.iter().any(|s| m.contains(s.as_str())))
            .unwrap_or("");
        Redactor { secrets, marker }
    }

    /// A redactor for credentials: each value, and the words of it a server may echo alone (the
    /// token after `Bearer `, any long word). Scheme words like `Bearer` alone are not secret.
    pub fn for_credentials<'a>(values: impl IntoIterator<Item = &'a str>) -> Redactor {
        let mut secrets = Vec::new();
        for value in values {
            secrets.extend(credential_words(value));
        }
        Redactor::new(&secrets)
    }

    /// The length of the longest secret, in bytes (0 when there is none): text cut to a limit is
    /// redacted with this much more, so a secret straddling the cut is still found.
    pub fn longest(&self) -> usize {
        self.secrets.first().map_or(0, String::len)
    }

    /// Whether there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    fn found_in(&self, s: &str) -> bool {
        self.secrets
            .iter()
            .any(|secret| s.contains(secret.as_str()))
    }

    /// The text with every secret replaced.
    pub fn redact<'s>(&self, s: &'s str) -> Cow<'s, str> {
        if !self.found_in(s) {
            return Cow::Borrowed(s);
        }
        let mut out = s.to_string();
        self.scrub(&mut out);
        Cow::Owned(out)
    }

    /// Replaces every secret in place; true when something was replaced.
    pub fn scrub(&self, s: &mut String) -> bool {
        if !self.found_in(s) {
            return false;
        }
        // Replacing one secret can join the text on its two sides into another secret (or the same
        // one again), so repeat until none is left.
        for _ in 0..MAX_ROUNDS {
            if !self.replace_all(s, self.marker) {
                return true;
            }
        }
        // Pathological secrets (that overlap the marker): removal shrinks the text every round, so
        // this loop ends.
        while self.replace_all(s, "") {}
        true
    }

    fn replace_all(&self, s: &mut String, with: &str) -> bool {
        let mut changed = false;
        for secret in &self.secrets {
            if s.contains(secret.as_str()) {
                *s = s.replace(secret.as_str(), with);
                changed = true;
            }
        }
        changed
    }
}

/// The parts of a credential that must not be shown: the whole value (trimmed), its last word when
/// that is at least 4 bytes (`Bearer abcd`), and every other word of at least 8 bytes.
pub fn credential_words(value: &str) -> Vec<String> {
    let value = value.trim();
    let mut words = Vec::new();
    if value.is_empty() {
        return words;
    }
    words.push(value.to_string());
    let last = value.rsplit(char::is_whitespace).next().unwrap_or(value);
    for word in value.split_whitespace() {
        let long_enough = word.len() >= 8 || (word == last && word.len() >= 4);
        if long_enough && word != value {
            words.push(word.to_string());
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn redactor(secrets: &[&str]) -> Redactor {
        Redactor::new(&secrets.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn a_secret_is_replaced_by_the_marker() {
        let r = redactor(&["tok-123"]);
        assert_eq!(
            r.redact("Bearer tok-123 and tok-123"),
            "Bearer [redacted] and [redacted]"
        );
    }

    #[test]
    fn the_longer_of_two_overlapping_secrets_is_replaced_whole() {
        let r = redactor(&["abc", "abcdef"]);
        assert_eq!(r.redact("xabcdefx"), "x[redacted]x");
    }

    #[test]
    fn a_secret_inside_the_marker_does_not_come_back() {
        let r = redactor(&["red"]);
        let out = r.redact("a red car");
        assert!(!out.contains("red"), "{out}");
    }

    #[test]
    fn a_credential_is_redacted_whole_and_by_its_token() {
        let r = Redactor::for_credentials(["Bearer s3cr3t-t0ken", "Basic abcd"]);
        assert_eq!(
            r.redact("got Bearer s3cr3t-t0ken, echoed s3cr3t-t0ken and abcd"),
            "got [redacted], echoed [redacted] and [redacted]"
        );
        assert_eq!(
            r.redact("WWW-Authenticate: Bearer"),
            "WWW-Authenticate: Bearer"
        );
    }

    #[test]
    fn the_longest_secret_sets_the_margin() {
        let r = Redactor::for_credentials(["Bearer s3cr3t-t0ken"]);
        assert_eq!(r.longest(), "Bearer s3cr3t-t0ken".len());
        assert_eq!(Redactor::new(&[]).longest(), 0);
    }

    #[test]
    fn an_empty_secret_redacts_nothing() {
        let r = redactor(&[""]);
        assert!(r.is_empty());
        assert_eq!(r.redact("text"), "text");
    }

    proptest! {
        #[test]
        fn no_secret_survives_redaction(
            text in "[ab\\]\\[rde ]{0,40}",
            secrets in proptest::collection::vec("[ab\\]\\[rde]{1,4}", 1..4),
        ) {
            let r = Redactor::new(&secrets);
            let out = r.redact(&text);
            for s in &secrets {
                prop_assert!(!out.contains(s.as_str()), "{s:?} in {out:?}");
            }
        }
    }
}
