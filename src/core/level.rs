//! The one log-level vocabulary: the severities a log line can name, and the words that name them.
//!
//! Logs name levels in many dialects; every reader of a level word (the tail's level guess, the
//! pattern miner's header parser) asks [`parse_word`], so the same word means the same thing
//! everywhere. The mapping, weakest first:
//!
//! | level    | words                                              | where they come from               |
//! |----------|----------------------------------------------------|------------------------------------|
//! | `Trace`  | trace, trc, verbose, finer, finest                 | log4j/slf4j, logcat, java.util.logging |
//! | `Debug`  | debug, dbg, fine                                   | most loggers; JUL's `FINE`         |
//! | `Info`   | info, inf, information                             | most loggers; .NET                 |
//! | `Notice` | notice                                             | syslog: normal but significant     |
//! | `Warn`   | warn, warning, wrn                                 | most loggers                       |
//! | `Error`  | error, err, severe                                 | most loggers; JUL's `SEVERE`       |
//! | `Fatal`  | fatal, critical, crit, alert, emerg, emergency, panic, panicked | log4j, syslog, Go, Rust |
//!
//! `Notice` is kept as its own level (syslog places it between info and warning); a view with fewer
//! levels folds it into info, as it folds `Fatal` into error. JUL's `fine`/`finer`/`finest` are
//! everyday English too, so a reader of free prose should trust them only in upper case (`FINE`).

use std::fmt;

use serde::Serialize;

/// The severity a log line names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// TRACE, VERBOSE, FINER, FINEST.
    Trace,
    /// DEBUG, FINE.
    Debug,
    /// INFO.
    Info,
    /// NOTICE.
    Notice,
    /// WARN, WARNING.
    Warn,
    /// ERROR, SEVERE.
    Error,
    /// FATAL, CRITICAL, ALERT, EMERG, PANIC.
    Fatal,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Notice => "notice",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
        })
    }
}

/// The longest level word (`information`).
pub const MAX_WORD: usize = 11;

/// The level a word names, in any case; `None` for any other word.
pub fn parse_word(word: &[u8]) -> Option<Level> {
    if word.len() > MAX_WORD {
        return None;
    }
    let mut buf = [0u8; MAX_WORD];
    let lower = &mut buf[..word.len()];
    lower.copy_from_slice(word);
    lower.make_ascii_lowercase();
    parse_lowercase(lower)
}

/// [`parse_word`] for a word already in lower case (no copy: the tail calls it for every word).
pub fn parse_lowercase(lower: &[u8]) -> Option<Level> {
    Some(match lower {
        b"trace" | b"trc" | b"verbose" | b"finer" | b"finest" => Level::Trace,
        b"debug" | b"dbg" | b"fine" => Level::Debug,
        b"info" | b"inf" | b"information" => Level::Info,
        b"notice" => Level::Notice,
        b"warn" | b"warning" | b"wrn" => Level::Warn,
        b"error" | b"err" | b"severe" => Level::Error,
        b"fatal" | b"critical" | b"crit" | b"alert" | b"emerg" | b"emergency" | b"panic"
        | b"panicked" => Level::Fatal,
        _ => return None,
    })
}

/// Whether `word` is a level word that is also common English (`fine`), and so names a level in free
/// prose only when written in upper case.
pub fn is_everyday_word(word: &[u8]) -> bool {
    word.eq_ignore_ascii_case(b"fine")
        || word.eq_ignore_ascii_case(b"finer")
        || word.eq_ignore_ascii_case(b"finest")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_util_logging_levels_map_to_debug_and_trace() {
        assert_eq!(parse_word(b"FINE"), Some(Level::Debug));
        assert_eq!(parse_word(b"finer"), Some(Level::Trace));
        assert_eq!(parse_word(b"FINEST"), Some(Level::Trace));
        assert_eq!(parse_word(b"SEVERE"), Some(Level::Error));
    }

    #[test]
    fn notice_is_its_own_level_between_info_and_warning() {
        assert_eq!(parse_word(b"notice"), Some(Level::Notice));
        assert!(Level::Info < Level::Notice && Level::Notice < Level::Warn);
    }

    #[test]
    fn words_are_read_in_any_case_and_other_words_name_no_level() {
        assert_eq!(parse_word(b"Warning"), Some(Level::Warn));
        assert_eq!(parse_word(b"EMERGENCY"), Some(Level::Fatal));
        assert_eq!(parse_word(b"verbose"), Some(Level::Trace));
        assert_eq!(parse_word(b"information"), Some(Level::Info));
        assert_eq!(parse_word(b"informational"), None);
        assert_eq!(parse_word(b"errand"), None);
        assert_eq!(parse_word(b""), None);
    }

    #[test]
    fn only_the_java_words_are_everyday_english() {
        assert!(is_everyday_word(b"fine") && is_everyday_word(b"Finest"));
        assert!(!is_everyday_word(b"debug") && !is_everyday_word(b"notice"));
    }
}
