//! Splitting a command line into arguments by the shell's quoting rules, without a shell.
//!
//! Quotes and backslashes work as in `sh`; nothing is expanded. Syntax that only a shell gives meaning
//! to (pipes, redirections, `$VAR`, `~`, `FOO=bar cmd`, comments) is refused with a message saying
//! so, rather than passed to the program as literal arguments it would not expect.

use std::borrow::Cow;

use thiserror::Error;

/// Why a command line cannot be run without a shell.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SplitError {
    /// Nothing to run.
    #[error("the command is empty")]
    Empty,
    /// A quote was opened and never closed.
    #[error("the {} quote opened at character {at} is never closed", quote_name(*.quote))]
    UnclosedQuote {
        /// `'` or `"`.
        quote: char,
        /// Character offset of the opening quote.
        at: usize,
    },
    /// The line ends with a lone backslash.
    #[error("the command ends with a backslash that escapes nothing")]
    TrailingBackslash,
    /// Something only a shell understands.
    #[error(
        "`{token}` at character {at} needs a shell ({what}): set `shell = true` on the step, or quote it"
    )]
    NeedsShell {
        /// The offending text.
        token: String,
        /// Character offset where it starts.
        at: usize,
        /// What a shell would have done with it.
        what: &'static str,
    },
}

fn quote_name(q: char) -> &'static str {
    if q == '\'' { "single" } else { "double" }
}

/// Splits `line` into arguments: whitespace separates, `'…'` is literal, `"…"` allows `\"` `\\`,
/// a backslash outside quotes takes the next character literally, backslash-newline joins lines.
pub fn split_line(line: &str) -> Result<Vec<String>, SplitError> {
    let chars: Vec<char> = line.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    // Whether the current word so far is plain unquoted text (for spotting `FOO=bar cmd`).
    let mut plain = true;
    let mut i = 0;
    let needs_shell = |token: &str, at: usize, what| SplitError::NeedsShell {
        token: token.to_string(),
        at,
        what,
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                    plain = true;
                }
            }
            '\'' => {
                let close = find(&chars, i + 1, '\'')
                    .ok_or(SplitError::UnclosedQuote { quote: '\'', at: i })?;
                word.extend(&chars[i + 1..close]);
                in_word = true;
                plain = false;
                i = close;
            }
            '"' => {
                let open = i;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(SplitError::UnclosedQuote {
                                quote: '"',
                                at: open,
                            });
                        }
                        Some('"') => break,
                        Some('\\') => match chars.get(i + 1) {
                            Some('\n') => i += 1,
                            Some(&e @ ('"' | '\\' | '$' | '`')) => {
                                word.push(e);
                                i += 1;
                            }
                            _ => word.push('\\'),
                        },
                        Some('$') => {
                            return Err(needs_shell("$", i, "expansion inside double quotes"));
                        }
                        Some('`') => return Err(needs_shell("`", i, "command substitution")),
                        Some(&other) => word.push(other),
                    }
                    i += 1;
                }
                in_word = true;
                plain = false;
            }
            '\\' => match chars.get(i + 1) {
                None => return Err(SplitError::TrailingBackslash),
                Some('\n') => i += 1,
                Some(&escaped) => {
                    word.push(escaped);
                    in_word = true;
                    plain = false;
                    i += 1;
                }
            },
            '|' => return Err(needs_shell("|", i, "a pipe")),
            ';' => return Err(needs_shell(";", i, "a command list")),
            '&' => return Err(needs_shell("&", i, "background or `&&`")),
            '<' | '>' => return Err(needs_shell(&c.to_string(), i, "a redirection")),
            '(' | ')' => return Err(needs_shell(&c.to_string(), i, "a subshell")),
            '`' => return Err(needs_shell("`", i, "command substitution")),
            '$' => return Err(needs_shell("$", i, "expansion")),
            '#' if !in_word => return Err(needs_shell("#", i, "a comment")),
            '~' if !in_word => return Err(needs_shell("~", i, "home folder expansion")),
            '=' if plain && in_word && words.is_empty() => {
                return Err(needs_shell(
                    &word,
                    i - word.chars().count(),
                    "an environment assignment",
                ));
            }
            other => {
                word.push(other);
                in_word = true;
            }
        }
        i += 1;
    }
    if in_word {
        words.push(word);
    }
    if words.is_empty() {
        return Err(SplitError::Empty);
    }
    Ok(words)
}

fn find(chars: &[char], from: usize, target: char) -> Option<usize> {
    chars[from..]
        .iter()
        .position(|&c| c == target)
        .map(|p| from + p)
}

/// Quotes one argument so that [`split_line`] (and `sh`) read it back as exactly this word;
/// words of only safe characters are returned unchanged.
pub fn quote_word(word: &str) -> Cow<'_, str> {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./:@%+,=^".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(format!("'{}'", word.replace('\'', r"'\''")))
    }
}

/// Joins arguments into one line that splits back into the same arguments.
pub fn join_words<S: AsRef<str>>(words: &[S]) -> String {
    let quoted: Vec<Cow<'_, str>> = words.iter().map(|w| quote_word(w.as_ref())).collect();
    quoted.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> Vec<String> {
        split_line(line).unwrap()
    }

    #[test]
    fn whitespace_separates_words() {
        assert_eq!(
            split("  kubectl  rollout\tundo\ndeploy/api "),
            ["kubectl", "rollout", "undo", "deploy/api"]
        );
    }

    #[test]
    fn quotes_group_and_join() {
        assert_eq!(
            split(r#"echo 'a b' "c d" e'f'"g" '' """#),
            ["echo", "a b", "c d", "efg", "", ""]
        );
    }

    #[test]
    fn single_quotes_are_literal() {
        assert_eq!(
            split(r#"echo '$HOME | "x" \n'"#),
            ["echo", r#"$HOME | "x" \n"#]
        );
    }

    #[test]
    fn backslashes_escape_outside_quotes_and_some_inside_double_quotes() {
        assert_eq!(split(r"echo a\ b \| \$x"), ["echo", "a b", "|", "$x"]);
        assert_eq!(
            split(r#"echo "say \"hi\" \\ \n \$""#),
            ["echo", r#"say "hi" \ \n $"#]
        );
        assert_eq!(split("echo a \\\n b"), ["echo", "a", "b"]);
    }

    #[test]
    fn kubectl_jsonpath_and_globs_pass_as_text() {
        assert_eq!(
            split("kubectl get pods -o jsonpath={.items[*].metadata.name} a=b"),
            [
                "kubectl",
                "get",
                "pods",
                "-o",
                "jsonpath={.items[*].metadata.name}",
                "a=b"
            ]
        );
    }

    #[test]
    fn shell_syntax_is_refused_with_a_hint() {
        for (line, token) in [
            ("kubectl get pods | grep api", "|"),
            ("a && b", "&"),
            ("a; b", ";"),
            ("echo x > out", ">"),
            ("echo $HOME", "$"),
            (r#"echo "$HOME""#, "$"),
            ("echo `date`", "`"),
            ("ls ~/x", "~"),
            ("rollback # why", "#"),
            ("DEBUG=1 ./deploy", "DEBUG"),
        ] {
            match split_line(line) {
                Err(SplitError::NeedsShell { token: t, .. }) => assert_eq!(t, token, "{line}"),
                other => panic!("{line}: {other:?}"),
            }
        }
        let message = split_line("a | b").unwrap_err().to_string();
        assert_eq!(
            message,
            "`|` at character 2 needs a shell (a pipe): set `shell = true` on the step, or quote it"
        );
    }

    #[test]
    fn broken_lines_are_reported() {
        assert_eq!(split_line("   "), Err(SplitError::Empty));
        assert_eq!(
            split_line("echo 'oops"),
            Err(SplitError::UnclosedQuote { quote: '\'', at: 5 })
        );
        assert_eq!(
            split_line(r#"echo "oops"#),
            Err(SplitError::UnclosedQuote { quote: '"', at: 5 })
        );
        assert_eq!(split_line("echo \\"), Err(SplitError::TrailingBackslash));
    }

    #[test]
    fn quoting_round_trips() {
        let words = ["plain", "a b", "it's", "", "$x|y", "ünï", "--flag=v"];
        assert_eq!(split(&join_words(&words)), words);
        assert_eq!(join_words(&["kubectl", "deploy/api"]), "kubectl deploy/api");
    }
}
