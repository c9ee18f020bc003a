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

use serde::{Deserialize, Serialize};

/// The severity a log line names. Its serde names are the words timeline files hold (`"warn"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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

impl Level {
    /// Every level, weakest first.
    #[cfg(any(test, feature = "test-support"))]
    pub const ALL: [Level; 7] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Notice,
        Level::Warn,
        Level::Error,
        Level::Fatal,
    ];

    /// The name written to files and exports (the serde name).
    pub fn name(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Notice => "notice",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }

    /// Whether a view with fewer levels shows it as an error: error and fatal alike.
    pub fn is_error(self) -> bool {
        matches!(self, Level::Error | Level::Fatal)
    }

    /// Whether a view shows it as a warning.
    pub fn is_warning(self) -> bool {
        self == Level::Warn
    }

    /// Whether a view shows it dimmed, as detail: debug and trace.
    pub fn is_detail(self) -> bool {
        matches!(self, Level::Debug | Level::Trace)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
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

/// The level of the first line of a record of .NET's console logger (`fail:
/// Acme.Payments.PaymentService[0]`, its message on the next line, indented): a four-letter level
/// (`trce`, `dbug`, `info`, `warn`, `fail`, `crit`), then a category (a name, dots allowed) and the
/// event's id in brackets, nothing else.
pub fn dotnet_head(line: &[u8]) -> Option<Level> {
    // Most lines have no `: ` at 4: one compare answers for them.
    if line.get(4..6) != Some(b": ") {
        return None;
    }
    let (word, category) = line.split_at_checked(6)?;
    let level = match word {
        b"trce: " => Level::Trace,
        b"dbug: " => Level::Debug,
        b"info: " => Level::Info,
        b"warn: " => Level::Warn,
        b"fail: " => Level::Error,
        b"crit: " => Level::Fatal,
        _ => return None,
    };
    let open = category.iter().position(|&b| b == b'[')?;
    let (name, id) = (&category[..open], category[open + 1..].strip_suffix(b"]")?);
    let named = name.first().is_some_and(u8::is_ascii_alphabetic)
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'`' | b'+'));
    (named && !id.is_empty() && id.iter().all(u8::is_ascii_digit)).then_some(level)
}

/// The level a field's value names (`"level":"error"`, `level=warn`, `"level":50`, `"s":"W"`):
/// a level word in any case, a single letter (`E`, `w`) or a Bunyan/pino number (10..60); `None`
/// for anything else. A number under 10 names no level: Nextcloud's `"level":1` is info, GELF's
/// and syslog's 1 is an alert (a field known to hold a syslog severity, journald's `PRIORITY`,
/// is read by [`syslog_severity`]).
pub fn of_value(value: &[u8]) -> Option<Level> {
    if value.is_empty() || value.len() > MAX_WORD {
        return None;
    }
    if value.iter().all(u8::is_ascii_digit) {
        return numeric_level(value);
    }
    let mut buf = [0u8; MAX_WORD];
    let lower = &mut buf[..value.len()];
    lower.copy_from_slice(value);
    lower.make_ascii_lowercase();
    let letter = match &*lower {
        b"f" | b"c" => Some(Level::Fatal),
        b"e" => Some(Level::Error),
        b"w" => Some(Level::Warn),
        b"n" => Some(Level::Notice),
        b"i" => Some(Level::Info),
        b"d" => Some(Level::Debug),
        b"t" | b"v" => Some(Level::Trace),
        _ => None,
    };
    parse_lowercase(lower).or(letter)
}

/// Bunyan/pino numbers (10..60).
fn numeric_level(digits: &[u8]) -> Option<Level> {
    let n: u32 = digits
        .iter()
        .take(4)
        .fold(0, |n, &d| n * 10 + u32::from(d - b'0'));
    Some(match n {
        0..=9 => return None,
        10..=19 => Level::Trace,
        20..=29 => Level::Debug,
        30..=39 => Level::Info,
        40..=49 => Level::Warn,
        50..=59 => Level::Error,
        _ => Level::Fatal,
    })
}

/// Syslog's severities 0..7: emergency, alert and critical are fatal; 5 is notice.
pub fn syslog_severity(severity: u32) -> Level {
    match severity {
        0..=2 => Level::Fatal,
        3 => Level::Error,
        4 => Level::Warn,
        5 => Level::Notice,
        6 => Level::Info,
        _ => Level::Debug,
    }
}

/// The class of an HTTP status code (`b'2'` for 200..=299), or 0 when `code` is not one.
pub fn http_status_class(code: &[u8]) -> u8 {
    if code.len() == 3 && code.iter().all(u8::is_ascii_digit) && (b'1'..=b'5').contains(&code[0]) {
        code[0]
    } else {
        0
    }
}

/// The level an access log's status class names (see [`http_status_class`]): 5xx error, 4xx
/// warn, any other info.
pub fn of_http_status(class: u8) -> Level {
    match class {
        b'5' => Level::Error,
        b'4' => Level::Warn,
        _ => Level::Info,
    }
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
    fn error_and_fatal_count_as_errors_and_notice_as_neither_error_nor_warning() {
        let errors: Vec<Level> = Level::ALL.into_iter().filter(|l| l.is_error()).collect();
        assert_eq!(errors, [Level::Error, Level::Fatal]);
        let warnings: Vec<Level> = Level::ALL.into_iter().filter(|l| l.is_warning()).collect();
        assert_eq!(warnings, [Level::Warn]);
        assert!(!Level::Notice.is_detail() && Level::Trace.is_detail());
    }

    #[test]
    fn every_level_is_written_with_its_lowercase_word_and_read_back() {
        let written: Vec<String> = Level::ALL
            .iter()
            .map(|l| serde_json::to_string(l).unwrap_or_default())
            .collect();
        assert_eq!(
            written.join(","),
            r#""trace","debug","info","notice","warn","error","fatal""#
        );
        for l in Level::ALL {
            assert_eq!(
                format!("\"{l}\""),
                serde_json::to_string(&l).unwrap_or_default()
            );
            assert_eq!(
                serde_json::from_str::<Level>(&format!("\"{l}\"")).ok(),
                Some(l)
            );
        }
        assert!(
            serde_json::from_str::<Level>(r#""Warn""#).is_err(),
            "Debug spelling is not ours"
        );
    }

    #[test]
    fn only_the_java_words_are_everyday_english() {
        assert!(is_everyday_word(b"fine") && is_everyday_word(b"Finest"));
        assert!(!is_everyday_word(b"debug") && !is_everyday_word(b"notice"));
    }
}
