//! First lines held back until the line that finishes them comes.
//!
//! Two kinds of event are not told by their first line alone:
//! - .NET's console logger writes a record's level and category on one line (`fail:
//!   Acme.Payments.PaymentService[0]`) and its message on the next, indented: the head waits for
//!   its message, and the two are mined as one line.
//! - An error logged with its exception (`logger.exception(…)`, `log.error("…", e)`) names what
//!   failed only under its message: Java's `java.net.ConnectException: Connection refused` on the
//!   next line, Python's `requests.exceptions.ReadTimeout: …` at the end of the traceback. The
//!   error's line waits for that line, and the two are mined as one
//!   (`Charge failed for order <*> java.net.ConnectException: Connection refused`): a new kind of
//!   exception under a known message is a new pattern, as an uncaught one is. A line that is no
//!   exception (the next event, a detail of the report) lets the error's line be mined alone.
//!
//! A held line is given an id at once (counted as a line then); it resolves to the pattern it is
//! mined into. Whatever is still held when the cockpit's clock ticks is mined alone
//! ([`Miner::settle_held`]), so a held line waits half a second at most.

use super::{Miner, Opening, PatternId};
use std::ops::Range;

use crate::core::level::Level;

/// What a held line waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Waits {
    /// A .NET head: its indented message line.
    Message,
    /// An error's line, read already (its message's place, how it opened its event): the
    /// exception under it.
    Exception(Range<usize>, Opening),
}

/// A first line waiting for the line that finishes it.
pub(super) struct Held {
    pub stream: u64,
    /// The id the line was given.
    pub id: u64,
    /// The line as it will be mined (a .NET head written as a header).
    pub line: String,
    pub ms: u64,
    pub waits: Waits,
}

/// What a line does to the error line held in its stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fate {
    /// A line between the two (`Traceback (most recent call last):`, a frame): wait on.
    Wait,
    /// The exception: mine the two as one.
    Combine,
    /// Anything else: the error's line is an event alone.
    Settle,
}

/// What `line` does to an error line held in its stream: `glued` when it continues the event,
/// `traceback` when it opens a Python traceback, `python` when one is under way.
pub(super) fn fate(line: &str, glued: bool, traceback: bool, python: bool) -> Fate {
    if !glued {
        return Fate::Settle;
    }
    if traceback {
        return Fate::Wait;
    }
    let trimmed = line.trim_start();
    if python {
        // Frames are indented; the line that ends the traceback is not, and names the exception.
        return if trimmed.is_empty() || line.starts_with([' ', '\t']) {
            Fate::Wait
        } else {
            Fate::Combine
        };
    }
    if names_an_exception(trimmed) {
        Fate::Combine
    } else {
        Fate::Settle
    }
}

/// `java.net.ConnectException: Connection refused`, `System.Net.Http.HttpRequestException: …`,
/// `java.lang.NullPointerException` alone: a line that opens with the name of an exception's type
/// (see [`super::shape::names_a_type`]).
fn names_an_exception(trimmed: &str) -> bool {
    let first = trimmed.split_ascii_whitespace().next().unwrap_or_default();
    if first.len() == trimmed.len() && (first.ends_with("Exception") || first.ends_with("Error")) {
        return super::shape::names_a_type(&format!("{first}:"));
    }
    super::shape::names_a_type(first)
}

/// The first line of a record of .NET's console logger (`fail: Acme.Payments.PaymentService[0]`,
/// see [`crate::core::level::dotnet_head`]) as a header a header's parser reads: its level in
/// capitals, then the category (`ERROR Acme.Payments.PaymentService[0]`).
#[inline]
pub(super) fn dotnet_head(line: &str) -> Option<String> {
    let level = crate::core::level::dotnet_head(line.as_bytes())?;
    // The category starts after the level's four letters, a colon and a space.
    Some(format!("{} {}", level.name().to_ascii_uppercase(), &line[6..]))
}

/// Whether a line at `level` that opens an event is held for the exception under it.
pub(super) fn waits_for_exception(level: Option<Level>) -> bool {
    level.is_some_and(Level::is_error)
}

impl Miner {
    /// Holds `held`; with a line held in too many streams, the oldest is mined alone.
    pub(super) fn hold(&mut self, held: Held) {
        self.held.push(held);
        if self.held.len() > super::MAX_STREAMS {
            let oldest = self.held.remove(0);
            self.settle(oldest);
        }
    }

    /// Mines a held line alone (it was counted when it came) and makes its id resolve to that
    /// line's pattern. An error's line was read already: it is mined as it was read, and its
    /// stream's event is its pattern (the stream comes first among the streams then).
    pub(super) fn settle(&mut self, held: Held) {
        let id = match held.waits {
            Waits::Message => {
                self.seq -= 1;
                self.observe_line(held.stream, &held.line, held.ms, false)
            }
            Waits::Exception(message, opening) => {
                let (id, level) = self.mine(&held.line, opening.level, message, held.ms);
                let at = self.streams.iter().position(|s| s.key == held.stream);
                self.enter(at, held.stream, id, &Opening { level, ..opening });
                self.spare = held.line;
                id
            }
        };
        self.forward(held.id, id.0);
    }

    /// Mines the error line held at `k` with `line`, the exception under it, as one line; `line`
    /// continues that event.
    pub(super) fn combine(&mut self, k: usize, line: &str, now_ms: u64) -> PatternId {
        let held = self.held.swap_remove(k);
        // `line` was counted as it came in; the two are counted as they are mined together.
        self.seq -= 1;
        let whole = format!("{} {}", held.line, line.trim());
        let id = self.observe_line(held.stream, &whole, now_ms, false);
        self.forward(held.id, id.0);
        self.last_part = super::super::EventPart::Continues;
        id
    }

    /// Mines every line still held alone: for the cockpit's clock (what finishes a line comes
    /// with it, in the same write), and for the end of an input, before its last ids are read.
    pub fn settle_held(&mut self) {
        for held in std::mem::take(&mut self.held) {
            self.settle(held);
        }
    }

    /// Mines what is still held at the end of an input (see [`Miner::settle_held`]).
    pub fn finish(&mut self) {
        self.settle_held();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exception_is_a_line_that_opens_with_a_type() {
        assert!(names_an_exception("java.net.ConnectException: Connection refused"));
        assert!(names_an_exception("java.lang.NullPointerException"));
        assert!(names_an_exception("System.Net.Http.HttpRequestException: refused (api:443)"));
        assert!(!names_an_exception("Key (id)=(7) already exists."));
        assert!(!names_an_exception("retrying in 5 s"));
        assert!(!names_an_exception("Caused by: java.io.IOException: x"));
    }

    #[test]
    fn a_traceback_waits_for_its_last_line_and_anything_else_settles() {
        assert_eq!(fate("Traceback (most recent call last):", true, true, false), Fate::Wait);
        assert_eq!(fate("  File \"a.py\", line 3, in f", true, false, true), Fate::Wait);
        assert_eq!(fate("KeyError: 'x'", true, false, true), Fate::Combine);
        assert_eq!(fate("2026-12-07 10:00:00 INFO ok", false, false, false), Fate::Settle);
        assert_eq!(fate("DETAIL: nothing", true, false, false), Fate::Settle);
    }
}
