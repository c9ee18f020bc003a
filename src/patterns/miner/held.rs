//! First lines held back until the line that finishes them comes.
//!
//! Two kinds of event are not told by their first line alone:
//! - .NET's console logger writes a record's level and category on one line (`fail:
//!   Acme.Payments.PaymentService[0]`) and its message on the next, indented: the head waits for
//!   its message, and the two are mined as one line.
//! - An error logged with its exception (`logger.exception(…)`, `log.error("…", e)`) names what
//!   failed only under its message: Java's `java.net.ConnectException: Connection refused` on the
//!   next line (and its root cause on the last `Caused by:`, .NET's on its last ` ---> `),
//!   Python's `requests.exceptions.ReadTimeout: …` at the end of the traceback (of the last
//!   traceback of a chain: the exception raised). The error's line waits for its record to end,
//!   and is mined with those lines as one (`Charge failed for order <*>
//!   com.acme.GatewayException: charge failed Caused by: java.net.SocketTimeoutException: Read
//!   timed out`): a new kind of exception under a known message is a new pattern, as an uncaught
//!   one is. A line right under it that is no exception (the next event, a detail of the report)
//!   lets the error's line be mined alone.
//!
//! A held line is given an id at once (counted as a line then); it resolves to the pattern it is
//! mined into. Whatever is still held when the cockpit's clock ticks ([`Miner::settle_held`],
//! every 500 ms) or `sitrep patterns`'s input ends or pauses is mined then: a process writes an
//! event and its exception in one write, which one read brings, or two when the read ends inside
//! it (a write that crosses a page's end is seen in two parts).

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
    /// The line's number among the lines seen (the oldest held is settled first).
    pub number: u64,
    /// The exception's line read under it (of a Python chain, the last so far).
    pub exception: Option<String>,
    /// Under a Java or .NET exception, its last cause so far (`Caused by: …`, ` ---> …`).
    pub cause: Option<String>,
}

/// What a line does to the error line held in its stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fate {
    /// A line between the two (`Traceback (most recent call last):`, a frame): wait on.
    Wait,
    /// The exception (of a Python chain, the last so far: another traceback may follow, `During
    /// handling of the above exception, another exception occurred:`).
    Exception,
    /// A cause under the exception (`Caused by: …`): the last is the root.
    Cause,
    /// Anything else: the error's line is an event (with the exception read under it, if one
    /// was), and this line is read on.
    Settle,
}

/// What `line` does to an error line held in its stream: `glued` when it continues the event,
/// `traceback` when it opens a Python traceback, `python` when one is under way, `read` when an
/// exception was read under it already.
pub(super) fn fate(line: &str, glued: bool, traceback: bool, python: bool, read: bool) -> Fate {
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
            Fate::Exception
        };
    }
    if read {
        // Frames, a cause, the text between two tracebacks of a chain.
        // (Java's causes start the line; one indented is a suppressed exception's.)
        return if line.starts_with("Caused by: ") || trimmed.starts_with("---> ") {
            Fate::Cause
        } else {
            Fate::Wait
        };
    }
    if names_an_exception(trimmed) {
        Fate::Exception
    } else {
        Fate::Settle
    }
}

/// `java.net.ConnectException: Connection refused`, `System.Net.Http.HttpRequestException: …`,
/// `java.lang.NullPointerException` alone, `Microsoft.Data.SqlClient.SqlException (0x80131904):
/// …`, Ruby's `Stripe::CardError: …`, Node's `TypeError [ERR_INVALID_ARG_TYPE]: …`: a line that
/// opens with the name of an exception's type (see [`super::shape::names_a_type`]).
fn names_an_exception(trimmed: &str) -> bool {
    let first = trimmed.split_ascii_whitespace().next().unwrap_or_default();
    if super::shape::names_a_type(first) {
        return true;
    }
    // A name without its colon is the exception's only with a code or nothing after it.
    let rest = trimmed[first.len()..].trim_start();
    let name = match first.strip_suffix(':') {
        Some(name) => name,
        None if rest.is_empty() || rest.starts_with(['(', '[']) => first,
        None => return false,
    };
    let dotted = name.replace("::", ".");
    ["Exception", "Error", "Throwable"]
        .iter()
        .any(|end| dotted.ends_with(end))
        && (super::shape::names_a_type(&format!("{dotted}:")) || dotted.ends_with("Throwable"))
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

/// An exception's text as it goes into its error's line: its first 512 bytes (a long message,
/// a statement or a document, says no more of what failed, and costs more to mine).
fn bounded(text: &str) -> &str {
    crate::core::text::within_bytes(text, 512)
}

/// Whether a line at `level` that opens an event is held for the exception under it.
pub(super) fn waits_for_exception(level: Option<Level>) -> bool {
    level.is_some_and(Level::is_error)
}

impl Miner {
    /// Holds `held`; with a line held in too many streams, the oldest is mined alone.
    pub(super) fn hold(&mut self, held: Held) {
        self.held.push(held);
        if self.held.len() > super::MAX_STREAMS
            && let Some(k) = (0..self.held.len()).min_by_key(|&k| self.held[k].number)
        {
            let oldest = self.held.swap_remove(k);
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
                // With the exception (and its cause) read under it, if one was: the line as it
                // was read, the exception's text after its message.
                let mut line = held.line;
                for text in [held.exception, held.cause].into_iter().flatten() {
                    line.push(' ');
                    line.push_str(bounded(text.trim()));
                }
                let message = message.start..line.len();
                // Its pattern was first (or last) seen at the line's own number, not at the
                // number of the line being read as it settles.
                let now = std::mem::replace(&mut self.seq, held.number);
                let (id, level) = self.mine(&line, opening.level, message, held.ms);
                self.seq = now;
                let at = self.streams.iter().position(|s| s.key == held.stream);
                self.enter(at, held.stream, id, &Opening { level, ..opening });
                self.spare = line;
                id
            }
        };
        self.forward(held.id, id.0);
    }

    /// Mines every line still held (with what was read under it): for the cockpit's clock (what
    /// finishes a line comes with it, in the same write, or in the next read when a read ends
    /// inside the write), and for the end of an input, before its last ids are read. Whether any
    /// line was held.
    pub fn settle_held(&mut self) -> bool {
        let held = std::mem::take(&mut self.held);
        let any = !held.is_empty();
        for held in held {
            self.settle(held);
        }
        any
    }

    /// Whether `id` was given to a line still held (its pattern is not known yet).
    pub fn holds(&self, id: PatternId) -> bool {
        let id = self.resolve(id);
        self.held.iter().any(|h| h.id == id.0)
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
        assert!(names_an_exception("Microsoft.Data.SqlClient.SqlException (0x80131904): Timeout expired."));
        assert!(names_an_exception("Stripe::CardError: Your card was declined."));
        assert!(names_an_exception("TypeError [ERR_INVALID_ARG_TYPE]: The \"path\" argument must be of type string"));
        assert!(names_an_exception("java.lang.Throwable: boom"));
        assert!(!names_an_exception("Error while fetching payment 42"));
        assert!(!names_an_exception("error: duplicate key value"));
        assert!(!names_an_exception("Key (id)=(7) already exists."));
        assert!(!names_an_exception("retrying in 5 s"));
        assert!(!names_an_exception("Caused by: java.io.IOException: x"));
    }

    #[test]
    fn a_traceback_waits_for_its_last_line_and_anything_else_settles() {
        assert_eq!(fate("Traceback (most recent call last):", true, true, false, false), Fate::Wait);
        assert_eq!(fate("  File \"a.py\", line 3, in f", true, false, true, false), Fate::Wait);
        assert_eq!(fate("KeyError: 'x'", true, false, true, false), Fate::Exception);
        assert_eq!(fate("During handling of the above exception, another exception occurred:", true, false, false, true), Fate::Wait);
        assert_eq!(fate("ValueError: no", true, false, true, true), Fate::Exception);
        assert_eq!(fate("2026-12-07 10:00:00 INFO ok", false, false, false, true), Fate::Settle);
        assert_eq!(fate("DETAIL: nothing", true, false, false, false), Fate::Settle);
        assert_eq!(fate("java.io.IOException: x", true, false, false, false), Fate::Exception);
        assert_eq!(fate("\tat a.B.c(B.java:1)", true, false, false, true), Fate::Wait);
        assert_eq!(fate("Caused by: java.net.SocketTimeoutException: x", true, false, false, true), Fate::Cause);
        assert_eq!(fate("\tCaused by: java.lang.IllegalStateException: pool closed", true, false, false, true), Fate::Wait);
        assert_eq!(fate(" ---> System.Net.Sockets.SocketException (111): x", true, false, false, true), Fate::Cause);
    }
}
