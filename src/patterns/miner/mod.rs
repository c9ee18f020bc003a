//! The miner: patterns, the lookup from a line to its pattern, and eviction.

use std::collections::{HashMap, HashSet, VecDeque};

use super::hash::{BuildPassThrough, hash_bytes};
use super::header;
use super::pattern::{Part, Pattern, Seen, MIN_ALIGNED_WORDS, new_slot, open_slot};
use super::rate::RateHistory;
use super::token::{self, Kind, Tok, Tokenizer};
use super::{MinerConfig, PatternId, shape, siblings};
use crate::core::level::Level;

mod held;

use held::{Fate, Held, Waits};

/// A line of a new exact shape is checked against at most this many patterns of its length.
const MAX_SCAN: usize = 256;
/// A line whose runs of values are this many tokens longer or shorter in all may still join a
/// pattern.
const MAX_RUN_GROWTH: usize = 3;
/// A pattern answers for at most this many line shapes in the exact lookup; more go the slow way.
const MAX_ALIASES: usize = 64;
const NONE: u32 = u32::MAX;
/// Merged ids remembered (oldest forgotten first), and merges kept for [`Miner::take_merges`].
const MAX_MERGED: usize = 65_536;
const MAX_MERGES_KEPT: usize = 1024;
/// Streams whose current event is remembered (the least recent is forgotten).
const MAX_STREAMS: usize = 64;
/// Ids given to held lines (see [`held`]) are this plus the line's number, apart from patterns'.
const PROVISIONAL: u64 = 1 << 48;
/// Held lines' ids remembered with the pattern each went to (the oldest forgotten first): more
/// than the cockpit's buffer holds lines.
const MAX_PROVISIONAL: usize = 131_072;

/// How a line that opens an event was read, for its stream (see [`Miner::enter`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Opening {
    head: u8,
    level: Option<Level>,
    exception: bool,
    go_dump: bool,
    headed: bool,
    bare: bool,
}
/// Words remembered as values of some place (a set bounded by clearing when full).
const MAX_KNOWN_VALUES: usize = 16_384;
/// Sibling keys remembered per word of a vocabulary (the oldest forgotten first).
const MAX_VOCABULARY_KEYS: usize = 8;

/// Whether `line` continues the event above it: a stack frame (`at …`), `Caused by:`, `---> `,
/// `... 12 more`, an indented line, or a line without a header that starts with a letter while the
/// event began with a header that did not (`java.lang.IllegalStateException: boom` or `Traceback …`
/// under `2026-12-04 10:00:01 ERROR Failed to …`). `head` is how the event's first line began when it
/// had a header ([`start_class`]), 0 when it had none. That last rule holds only in a stream whose
/// lines often have headers: among messages without them (a log's message column, a program's
/// own output) a message that happens to begin with a time glues nothing to itself.
fn continues(line: &str, headed: bool, levelled: bool, stream: &Stream) -> bool {
    let head = stream.head;
    let trimmed = line.trim_start();
    if headed || levelled {
        // A line with a header of its own (` INFO [main] started`, padded) is an event.
        return false;
    }
    // Inside a Go crash's dump (`panic: …`, `goroutine 1 [running]:`, then frames and blank
    // lines), every line without a header is the crash's.
    if stream.trace > 0 || is_goroutine_line(trimmed) {
        return true;
    }
    // A Go crash opens an event wherever it comes, even under an event it could continue.
    if opens_go_dump(trimmed) {
        return false;
    }
    // The exception that ends a Python traceback, after its indented frames.
    if stream.python && !line.starts_with([' ', '\t']) && !trimmed.is_empty() {
        return true;
    }
    // A blank line inside an event (Laravel's exception context, between its message and its
    // `[previous exception]`) goes on with it, so what follows it does too.
    if trimmed.is_empty() {
        return head != 0 && stream.mostly_headed();
    }
    // Indented by a tab or two spaces or more (a single space is as often a sloppy message).
    if line.starts_with('\t') || line.starts_with("  ") {
        return true;
    }
    // A header the parser did not see is still a header: a line that begins like the event's first
    // line (a digit under a digit; a bracket under a bracket when a digit comes before its first
    // space: `[2023-05-15 …` under `[2023-05-15 …`, not `[stacktrace]`) is a new event, whatever
    // the parser made of it. Any other line (`#0 /app/Container.php(795): …`, `"}`, `Stack
    // trace:`) goes on with the event above.
    // A line that writes a clock time near its start (`127.0.0.1 - - [07/Dec/2026:09:01:29 …`
    // among syslog lines, two programs' logs in one stream) has a time of its own: an event.
    // A platform's record written without a time (AWS Lambda's `START RequestId: … Version:
    // $LATEST`, `END RequestId: …`, `REPORT RequestId: … Duration: …` among the function's
    // timed lines) is an event of its own.
    if opens_record(trimmed) {
        return false;
    }
    let class = start_class(line);
    if head != 0
        && class != b' '
        && class != head
        && stream.mostly_headed()
        && !has_clock_time(line.as_bytes())
    {
        return true;
    }
    if let Some(frame) = trimmed.strip_prefix("at ") {
        return frame.contains('(') || frame.contains('.');
    }
    // .NET writes an inner exception as ` ---> Npgsql.PostgresException (0x80004005): …`, one
    // space in.
    trimmed.starts_with("Caused by:")
        || trimmed.starts_with("---> ")
        || trimmed.starts_with("Suppressed:")
        || (trimmed.starts_with("... ") && trimmed.ends_with(" more"))
}

/// The HTTP status a JSON line holds in a `status`, `status_code` or `statusCode` field (at any
/// depth: pino's `"res":{"statusCode":200}`), if a number from 100 to 599 is there.
fn json_status(line: &[u8]) -> Option<u16> {
    // The searcher is built once: built for each line, it cost more than the search.
    static STATUS: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\"status"));
    STATUS.find_iter(line).find_map(|at| {
        let rest = &line[at + 7..];
        let key_end = rest.iter().position(|&b| b == b'"')?;
        if !matches!(&rest[..key_end], b"" | b"_code" | b"Code") {
            return None;
        }
        let mut value = &rest[key_end + 1..];
        while let [b' ' | b':', tail @ ..] = value {
            value = tail;
        }
        let digits = value.iter().take_while(|b| b.is_ascii_digit()).count();
        let status: u16 = std::str::from_utf8(&value[..digits]).ok()?.parse().ok()?;
        (digits == 3 && (100..600).contains(&status)).then_some(status)
    })
}

/// `START RequestId: …`: a word in capitals (three letters or more, `_` joining them), then a
/// field's capitalised label (a statement under an error, `SELECT id FROM t`, is the error's).
fn opens_record(line: &str) -> bool {
    let mut words = line.splitn(3, ' ');
    let (Some(verb), Some(label)) = (words.next(), words.next()) else {
        return false;
    };
    let name = label.strip_suffix(':').unwrap_or_default();
    verb.bytes().filter(u8::is_ascii_uppercase).count() >= 3
        && verb.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
        && name.len() >= 2
        && name.as_bytes()[0].is_ascii_uppercase()
        && name.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Whether a clock time (`09:01:29`, two digits, a colon, two digits, a colon, two digits) is
/// among the first [`CLOCK_SCAN`] bytes.
fn has_clock_time(bytes: &[u8]) -> bool {
    let bytes = &bytes[..bytes.len().min(CLOCK_SCAN)];
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    memchr::memchr_iter(b':', bytes).any(|c| {
        c >= 2 && digit(c - 2) && digit(c - 1) && digit(c + 1) && digit(c + 2)
            && bytes.get(c + 3) == Some(&b':')
            && digit(c + 4)
            && digit(c + 5)
    })
}

/// How far into a line a clock time is looked for: past an access log's client, user and date.
const CLOCK_SCAN: usize = 64;

/// The hashes of the keys that name a line's level in logfmt (`level=`, `lvl=`, `severity=`,
/// `loglevel=`), as a `Kv` token holds its key's.
static LEVEL_KEYS: std::sync::LazyLock<[u64; 4]> = std::sync::LazyLock::new(|| {
    [&b"level"[..], b"lvl", b"severity", b"loglevel"].map(super::hash::hash_bytes)
});

/// Whether a message (its header set aside) is a field of the report above it, as PostgreSQL
/// writes them (`[18239] app@orders DETAIL:  Key (id)=(7) already exists.`, `STATEMENT:  insert
/// …`; Amazon RDS's `…:[18239]:HINT:`): one of its documented field names in capitals, among the
/// first three pieces.
fn is_report_detail(message: &str) -> bool {
    const FIELDS: [&[u8]; 6] = [b"DETAIL:", b"HINT:", b"QUERY:", b"CONTEXT:", b"STATEMENT:", b"LOCATION:"];
    let bytes = message.as_bytes();
    let mut i = 0;
    for _ in 0..3 {
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if i >= bytes.len() {
            return false;
        }
        let end = header::whitespace_from(bytes, i);
        let piece = bytes.get(i..end).unwrap_or_default();
        // A field's name ends in a capital and a colon; most pieces do not.
        if piece.ends_with(b":")
            && piece.len() >= 5
            && piece.get(piece.len() - 2).is_some_and(u8::is_ascii_uppercase)
            && FIELDS.iter().any(|f| {
                piece
                    .strip_suffix(*f)
                    .is_some_and(|before| before.is_empty() || before.ends_with(b":"))
            })
        {
            return true;
        }
        i = end;
    }
    false
}

/// Lines of a Go crash's dump glued at most (a stream without headers would otherwise never
/// leave it).
const MAX_TRACE_LINES: u16 = 1024;

/// Whether a line opens (or goes on with) a Go runtime crash dump: `panic: …`, `fatal error: …`,
/// `goroutine 7 [running]:`. What follows it without a header is the dump's.
fn opens_go_dump(trimmed: &str) -> bool {
    trimmed.starts_with("panic: ") || trimmed.starts_with("fatal error: ") || is_goroutine_line(trimmed)
}

/// `goroutine 7 [running]:`: a goroutine's part of a dump, under the crash or the event above.
fn is_goroutine_line(trimmed: &str) -> bool {
    let Some(rest) = trimmed.strip_prefix("goroutine ") else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && rest[digits..].starts_with(" [") && rest.ends_with("]:")
}

/// A stream's current event and how its lines look.
struct Stream {
    key: u64,
    /// The event the stream's last line belonged to.
    event: PatternId,
    /// How that event's first line began when it had a header ([`start_class`]), 0 when not.
    head: u8,
    /// Recent lines with a header, and lines without one that begin with a letter (both halved
    /// now and then, so a stream that changes how it writes is judged by what it writes now).
    headed: u32,
    bare: u32,
    /// Lines a Go crash dump under way may still glue (0: none under way).
    trace: u16,
    /// The level of the event's first line.
    level: Option<Level>,
    /// A Python traceback is under way: its unindented last line (`ValueError: bad input`) is
    /// still the event's, unless the traceback is uncaught (`pending`).
    python: bool,
    /// The id given to the lines so far of an uncaught traceback under way (0: none): its last
    /// line, which names the exception, is an error event of its own, and the id then resolves to
    /// that event's pattern.
    pending: u64,
    /// The event was opened by an uncaught exception's last line (a traceback right under it is
    /// another crash, not this error's).
    exception: bool,
}

impl Stream {
    /// A stream first seen with a line of event `event`, nothing known of how it writes yet.
    fn new(key: u64, event: PatternId) -> Stream {
        Stream {
            key,
            event,
            head: 0,
            headed: 0,
            bare: 0,
            trace: 0,
            level: None,
            python: false,
            pending: 0,
            exception: false,
        }
    }

    /// Whether the stream's lines have headers often enough (a quarter of them or more) that one
    /// without a header is more likely a message's second line than an event of its own. A log
    /// where every event is an error with a two-line traceback under it still counts.
    fn mostly_headed(&self) -> bool {
        self.bare < 3 * self.headed
    }

    fn count(&mut self, headed: bool, bare: bool) {
        self.headed += u32::from(headed);
        self.bare += u32::from(bare);
        if self.headed + self.bare > 1024 {
            self.headed /= 2;
            self.bare /= 2;
        }
    }
}

/// How a line begins: `d` a digit, `a` a letter, or the punctuation itself (`[`, `{`), its high
/// bit set when a digit comes before the first space, within its first 24 bytes (`[2023-05-15 …`,
/// not `[stacktrace]`).
fn start_class(line: &str) -> u8 {
    match line.as_bytes().first() {
        Some(b) if b.is_ascii_digit() => b'd',
        Some(b) if b.is_ascii_alphabetic() => b'a',
        Some(&b) if b.is_ascii()
            && line
                .bytes()
                .take(24)
                .take_while(|b| !b.is_ascii_whitespace())
                .any(|b| b.is_ascii_digit()) =>
        {
            b | 0x80
        }
        Some(&b) => b,
        None => 0,
    }
}

/// Where the patterns of a merge differ.
#[derive(Clone, Copy, Debug)]
enum Join {
    /// At one word place.
    Place(usize),
    /// In what follows the label at this place (`Product:`, `Started <*> -`).
    Tail(usize),
}

/// The template text of a tail of parts, as a value of the `<*>` that replaces it.
fn tail_text(parts: &[Part]) -> String {
    let mut t = String::new();
    super::pattern::render_parts(parts, &mut t);
    t
}

/// How a value slot shows once it varies: `5xx` for an HTTP status, `<*>` for anything else.
fn status_shape(class: u8) -> String {
    if class == 0 {
        "<*>".to_owned()
    } else {
        format!("{}xx", char::from(class))
    }
}

/// Two patterns became one: lines of `from` now belong to `into`, the older of the two.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merge {
    /// The id that is no more.
    pub from: PatternId,
    /// Its template just before the merge.
    pub from_template: String,
    /// The pattern that took its lines (its id is older).
    pub into: PatternId,
    /// That pattern's template after the merge.
    pub template: String,
}

/// Groups lines into patterns as they arrive. See the [module docs](super).
pub struct Miner {
    config: MinerConfig,
    slots: Vec<Option<Pattern>>,
    free: Vec<u32>,
    live: usize,
    by_id: HashMap<u64, u32, BuildPassThrough>,
    by_signature: HashMap<u64, u32, BuildPassThrough>,
    /// Patterns by token count: where a line of a new shape may still fit.
    by_len: Vec<Vec<u32>>,
    head: u32,
    tail: u32,
    next_id: u64,
    seq: u64,
    clock_ms: u64,
    tokenizer: Tokenizer,
    /// The last header split, for the next line with the same header (see [`header::HeaderMemo`]).
    header_memo: header::HeaderMemo,
    /// Which tokens each part of a template takes, for a line aligned to it (reused).
    spans: Vec<(usize, std::ops::Range<usize>)>,
    /// Patterns by sibling key (see [`siblings`]).
    siblings: HashMap<u64, Vec<u32>, BuildPassThrough>,
    /// Words seen as values of a place, mixed with the place.
    known_values: HashSet<u64, BuildPassThrough>,
    /// Words that tell three or more sibling patterns apart, with each sibling key (and place)
    /// they do it under: the same words varying in two different events are values.
    vocabulary: HashMap<u64, Vec<(u64, usize)>, BuildPassThrough>,
    /// Where merged ids went, and in which order they were merged (to forget the oldest).
    merged: HashMap<u64, u64, BuildPassThrough>,
    merged_order: VecDeque<u64>,
    merges: VecDeque<Merge>,
    /// Ids given to lines held for their exception, in the order given, and the pattern each
    /// went to (0: none yet). Apart from `merged`, so a storm of errors forgets no merge.
    provisional: VecDeque<(u64, u64)>,
    /// A held line's text, kept for the next one (its buffer).
    spare: String,
    /// Per stream (a few, most recent first): the pattern of the event being read, and how its
    /// first line began if it had a header (see `continues`).
    streams: Vec<Stream>,
    /// How the line observed last stands in its event.
    last_part: super::EventPart,
    /// A JSON object's fields as `key=value` pieces (reused; see `header::json_fields`).
    json_fields: String,
    /// First lines waiting for the line that finishes them, a stream's at most (see [`held`]).
    held: Vec<Held>,
}

impl Default for Miner {
    fn default() -> Self {
        Self::new(MinerConfig::default())
    }
}

impl Miner {
    /// A miner with these settings.
    pub fn new(config: MinerConfig) -> Self {
        Self {
            config,
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            by_id: HashMap::default(),
            by_signature: HashMap::default(),
            by_len: vec![Vec::new(); token::MAX_TOKENS + 1],
            head: NONE,
            tail: NONE,
            next_id: 1,
            seq: 0,
            clock_ms: 0,
            tokenizer: Tokenizer::default(),
            header_memo: header::HeaderMemo::default(),
            spans: Vec::new(),
            siblings: HashMap::default(),
            known_values: HashSet::default(),
            vocabulary: HashMap::default(),
            merged: HashMap::default(),
            merged_order: VecDeque::new(),
            merges: VecDeque::new(),
            provisional: VecDeque::new(),
            spare: String::new(),
            streams: Vec::new(),
            last_part: super::EventPart::Begins,
            json_fields: String::new(),
            held: Vec::new(),
        }
    }

    /// The settings in use.
    pub fn config(&self) -> &MinerConfig {
        &self.config
    }

    /// Assigns `line` to a pattern, at the time of the last [`Miner::observe_at`] (0 at first).
    pub fn observe(&mut self, line: &str) -> PatternId {
        self.observe_at(line, self.clock_ms)
    }

    /// Assigns `line`, seen at `now_ms` (any monotonic millisecond clock), to a pattern.
    pub fn observe_at(&mut self, line: &str, now_ms: u64) -> PatternId {
        self.observe_in(0, line, now_ms)
    }

    /// Assigns `line` of stream `stream` (a source: lines of different sources never continue
    /// each other), seen at `now_ms`, to a pattern. A line that continues the event above it in
    /// its stream (a stack frame, `Caused by:`, an indented line, a line without a header after
    /// one with a header) belongs to that event's pattern and is not counted again: a 30-frame
    /// trace is one event.
    pub fn observe_in(&mut self, stream: u64, line: &str, now_ms: u64) -> PatternId {
        let line = line.trim_end_matches(['\r', '\n']);
        // .NET's console logger writes a record's level and category on one line (`fail:
        // Acme.Payments.PaymentService[0]`) and its message on the next, indented: the head is
        // held until the message comes, and the two are mined as one line.
        // Under `docker compose logs` the service's name comes first (`api-1  | fail: …`); a
        // head ends in `]`, and only a held head's stream needs it looked for otherwise.
        let prefixed = (line.ends_with(']') || self.held.iter().any(|h| h.waits == Waits::Message))
            .then(|| crate::core::text::compose_prefix(line.as_bytes()))
            .flatten();
        let own = prefixed.map_or(line, |skip| &line[skip..]);
        if !self.held.is_empty()
            && let Some(k) = self
                .held
                .iter()
                .position(|h| h.stream == stream && h.waits == Waits::Message)
        {
            let head = self.held.swap_remove(k);
            if own.starts_with("      ") && !own.trim().is_empty() {
                let whole = format!("{} {}", head.line, own.trim_start());
                let id = self.observe_line(stream, &whole, now_ms, true);
                self.forward(head.id, id.0);
                // The record began with its head.
                self.last_part = super::EventPart::Continues;
                return id;
            }
            // A head with no message under it is a line of its own (counted when it came).
            self.settle(head);
        }
        if let Some(head) = held::dotnet_head(own) {
            // (The prefix stays before the head: the header's parser reads it.)
            let head = format!("{}{head}", &line[..line.len() - own.len()]);
            self.seq += 1;
            self.last_part = super::EventPart::Begins;
            self.clock_ms = now_ms;
            let id = PatternId(self.next_id);
            self.next_id += 1;
            self.hold(Held {
                stream,
                id: id.0,
                line: head,
                ms: now_ms,
                waits: Waits::Message,
                number: self.seq,
                exception: None,
                cause: None,
            });
            return id;
        }
        self.observe_line(stream, line, now_ms, true)
    }

    /// [`Miner::observe_in`] for a line that is no .NET console head. An error's line that opens
    /// an event is held for the exception under it when `may_hold` (see [`held`]).
    fn observe_line(&mut self, stream: u64, line: &str, now_ms: u64, may_hold: bool) -> PatternId {
        self.seq += 1;
        self.last_part = super::EventPart::Begins;
        self.clock_ms = now_ms;
        let (level, message) = header::split_header(line, &mut self.header_memo);
        // Go's `fatal error: concurrent map writes` has no level word of its own: it is a crash.
        let level = level.or_else(|| line.starts_with("fatal error: ").then_some(Level::Fatal));
        let mut at = self.streams.iter().position(|s| s.key == stream);
        // A Python traceback names its exception on its last line. Under an error
        // (`logger.exception`) or a warning (`exc_info=True`, Celery's lost broker) the whole
        // traceback is that event's. Under anything else it is an
        // uncaught exception: its last line (`ValueError: bad input`) is an error event of its
        // own, so each kind of exception is a pattern and a new kind a new pattern. Its first
        // line and frames, read before it, get an id of their own that resolves to that event's
        // pattern once the last line is read.
        let traceback = line.starts_with("Traceback (most recent call last):");
        let uncaught = traceback
            && at.is_none_or(|i| {
                let s = &self.streams[i];
                s.level < Some(Level::Warn) || s.exception
            });
        if uncaught {
            return self.open_traceback(stream, at);
        }
        // A header with a time or a number in it (a level alone does not make one: `ERROR db down`
        // then `ok 1` are two events).
        let headed = line.as_bytes()[..message.start]
            .iter()
            .any(u8::is_ascii_digit);
        let exception = !traceback
            && level.is_none()
            && !headed
            && at.is_some_and(|i| self.streams[i].python && self.streams[i].pending != 0)
            && !line.starts_with([' ', '\t'])
            && !line.trim().is_empty();
        let go_dump = opens_go_dump(line.trim_start());
        let level = level.or_else(|| exception.then_some(Level::Error));
        let bare = !headed && level.is_none() && start_class(line) == b'a';
        // PostgreSQL writes a report's detail, hint, context and statement as lines of their own,
        // each with the header, right after the report; its message opens with the pid's `[` (or
        // RDS's zone), so a syslog program's line is never asked.
        let detail = headed
            && level.is_none()
            && line
                .as_bytes()
                .get(message.start)
                .is_some_and(|&b| b == b'[' || b.is_ascii_uppercase())
            && is_report_detail(&line[message.clone()]);
        let mut claim = 0;
        if at.is_none()
            && let Some(k) = self.held.iter().position(|h| h.stream == stream)
        {
            // Its stream was forgotten (too many streams) while it waited: it is an event alone.
            let head = self.held.swap_remove(k);
            self.settle(head);
            at = self.streams.iter().position(|s| s.key == stream);
        }
        if let Some(i) = at {
            let s = &self.streams[i];
            // Node prints a thrown `Error`'s message and stack under the error logged about it
            // (`… error: Redis connection error: …`, then `Error: connect ECONNREFUSED …` and its
            // `    at …` frames; node-postgres names its errors `error`): a level word alone is
            // no header there, as `TypeError:` is none.
            let thrown = !headed
                && (line.starts_with("Error: ") || line.starts_with("error: "))
                && s.level >= Some(Level::Error)
                && s.head != 0;
            let levelled = level.is_some() && !thrown;
            let glued = traceback || detail || continues(line, headed, levelled, s);
            if !self.held.is_empty()
                && let Some(k) = self.held.iter().position(|h| h.stream == stream)
            {
                let read = self.held[k].exception.is_some();
                match held::fate(line, glued, traceback, s.python, read) {
                    Fate::Wait => {}
                    Fate::Exception => self.held[k].exception = Some(line.to_owned()),
                    Fate::Cause => self.held[k].cause = Some(line.to_owned()),
                    Fate::Settle => {
                        // The error's line first, alone (its stream comes first then); this
                        // line is read as it was.
                        let head = self.held.swap_remove(k);
                        self.settle(head);
                    }
                }
            }
            let i = self.streams.iter().position(|s| s.key == stream).unwrap_or(i);
            at = Some(i);
            let s = &mut self.streams[i];
            s.count(headed, bare);
            s.python = traceback || glued && s.python && line.starts_with([' ', '\t']);
            if exception {
                claim = s.pending;
            }
            if !s.python {
                s.pending = 0;
            }
            s.trace = if go_dump {
                MAX_TRACE_LINES
            } else if glued {
                s.trace.saturating_sub(1)
            } else {
                0
            };
            if glued {
                let id = s.event;
                self.last_part = super::EventPart::Continues;
                return self.resolve(id);
            }
        }
        let opening = Opening {
            head: if headed { start_class(line) } else { 0 },
            level,
            exception,
            go_dump,
            headed,
            bare,
        };
        // A JSON record is read as its fields; what a process prints under it is no field.
        let json = message.is_empty() && line[message.start..].starts_with('{')
            || line[..message.start].trim_start().starts_with('{');
        if may_hold && claim == 0 && !go_dump && !json && held::waits_for_exception(level) {
            let id = PatternId(PROVISIONAL + self.seq);
            self.provisional.push_back((id.0, 0));
            if self.provisional.len() > MAX_PROVISIONAL {
                self.provisional.pop_front();
            }
            self.enter(at, stream, id, &opening);
            let mut text = std::mem::take(&mut self.spare);
            text.clear();
            text.push_str(line);
            self.hold(Held {
                stream,
                id: id.0,
                line: text,
                ms: now_ms,
                waits: Waits::Exception(message, opening),
                number: self.seq,
                exception: None,
                cause: None,
            });
            return id;
        }
        let (id, level) = self.mine(line, level, message, now_ms);
        self.enter(at, stream, id, &Opening { level, ..opening });
        if claim != 0 {
            self.forward(claim, id.0);
            self.last_part = super::EventPart::Ends;
        }
        id
    }

    /// Mines a line that opens an event (its header split into `level` and `message`) into its
    /// pattern; the pattern's id and the line's level (the header's, or a field's or status's).
    #[inline]
    fn mine(&mut self, line: &str, level: Option<Level>, message: std::ops::Range<usize>, now_ms: u64) -> (PatternId, Option<Level>) {
        // A JSON object with no message field is read as its fields (`header::json_fields`).
        let mut fields = std::mem::take(&mut self.json_fields);
        let body = if message.is_empty() && line[message.start..].starts_with('{') {
            let object = &line[message.start..];
            if header::json_fields(object, &mut fields) {
                fields.as_str()
            } else {
                object
            }
        } else if line[..message.start].trim_start().starts_with('{')
            && let Some(status) = json_status(line.as_bytes())
        {
            // A JSON request log (Caddy's `"msg":"handled request"`, pino's `"request
            // completed"`) says its status in a field of its own: its class is the event's, as an
            // access log's is (`status=` is a status key to the tokenizer).
            use std::fmt::Write as _;
            fields.clear();
            let _ = write!(fields, "{} status={status}", &line[message]);
            fields.as_str()
        } else {
            &line[message]
        };
        self.tokenizer.tokenize(body);
        let toks = std::mem::take(&mut self.tokenizer.toks);
        let signature = token::signature(&toks);
        let slot = match self.by_signature.get(&signature) {
            Some(&s) if self.pattern(s).is_some_and(|p| p.accepts(body, &toks)) => s,
            _ => match self
                .find_similar(body, &toks)
                .or_else(|| self.find_tail(body, &toks))
            {
                Some(s) => {
                    self.alias(s, signature);
                    s
                }
                None => {
                    let s = self.create(body, &toks, signature);
                    self.gather(s, level)
                }
            },
        };
        // An access log's line names no level: its status does (5xx error, 4xx warn), as the
        // tail reads it, so a new kind of failing request is a new error.
        // A logfmt line whose header was not understood names its level in a field
        // (Grafana's `logger=settings t=… level=info msg=…`).
        let level = level.or_else(|| {
            toks.iter()
                .filter(|t| t.kind == Kind::Kv && LEVEL_KEYS.contains(&t.ident_hash))
                .find_map(|t| {
                    crate::core::level::of_value(body.get(t.value_start..t.value_end)?.as_bytes())
                })
        });
        let level = level.or_else(|| {
            toks.iter()
                .find(|t| t.class != 0)
                .map(|t| crate::core::level::of_http_status(t.class))
        });
        self.update(slot, level, body, &toks, now_ms);
        self.json_fields = fields;
        self.tokenizer.toks = toks;
        self.touch(slot);
        let id = self.pattern(slot).map_or(PatternId(0), Pattern::id);
        (id, level)
    }

    /// Makes `id` the event under way in `stream` (at `at` among the streams, if known), opened by
    /// a line read as `opening` says.
    #[inline]
    fn enter(&mut self, at: Option<usize>, stream: u64, id: PatternId, opening: &Opening) {
        match at {
            Some(i) => {
                // The busiest streams stay near the front.
                self.streams.swap(0, i);
                let s = &mut self.streams[0];
                s.event = id;
                s.head = opening.head;
                s.level = opening.level;
                s.exception = opening.exception;
                s.pending = 0;
            }
            None => {
                if self.streams.len() >= MAX_STREAMS {
                    self.streams.pop();
                }
                // (A traceback first in its stream opened it in `open_traceback`.)
                let mut s = Stream {
                    head: opening.head,
                    level: opening.level,
                    trace: if opening.go_dump { MAX_TRACE_LINES } else { 0 },
                    ..Stream::new(stream, id)
                };
                s.count(opening.headed, opening.bare);
                self.streams.insert(0, s);
            }
        }
    }

    /// How the line given to [`Miner::observe_in`] last stands in its event.
    pub fn last_part(&self) -> super::EventPart {
        self.last_part
    }

    /// Starts an uncaught Python traceback in `stream` (at `at` among the streams, if known): its
    /// lines get a fresh id, not a pattern's, until its last line names the exception.
    fn open_traceback(&mut self, stream: u64, at: Option<usize>) -> PatternId {
        let id = PatternId(self.next_id);
        self.next_id += 1;
        let i = match at {
            Some(i) => i,
            None => {
                if self.streams.len() >= MAX_STREAMS {
                    self.streams.pop();
                }
                self.streams.insert(0, Stream::new(stream, id));
                0
            }
        };
        let s = &mut self.streams[i];
        s.count(false, true);
        s.event = id;
        s.python = true;
        s.pending = id.0;
        s.trace = 0;
        id
    }

    /// Makes `from` (an id lines were given) resolve to `to`.
    fn forward(&mut self, from: u64, to: u64) {
        if from >= PROVISIONAL {
            // Most often the line held last.
            if let Some(last) = self.provisional.back_mut().filter(|(id, _)| *id == from) {
                last.1 = to;
            } else if let Ok(k) = self.provisional.binary_search_by_key(&from, |&(id, _)| id) {
                self.provisional[k].1 = to;
            }
            return;
        }
        self.merged.insert(from, to);
        self.merged_order.push_back(from);
        if self.merged_order.len() > MAX_MERGED
            && let Some(old) = self.merged_order.pop_front()
        {
            self.merged.remove(&old);
        }
    }

    /// The id a line given `id` belongs to now: the pattern it was merged into, if it was.
    pub fn resolve(&self, id: PatternId) -> PatternId {
        let mut at = id.0;
        // Each merge goes to an older id and a held line's id to a pattern's, so the chain ends
        // (a .NET head's id goes to its record's, which may be held for its exception); bounded
        // all the same.
        for _ in 0..64 {
            let to = if at >= PROVISIONAL {
                match self.provisional.binary_search_by_key(&at, |&(id, _)| id) {
                    Ok(k) if self.provisional[k].1 != 0 => Some(self.provisional[k].1),
                    _ => None,
                }
            } else {
                self.merged.get(&at).copied()
            };
            match to {
                Some(to) => at = to,
                None => break,
            }
        }
        PatternId(at)
    }

    /// The merges since the last call, oldest first (at most the last 1024 are kept).
    pub fn take_merges(&mut self) -> Vec<Merge> {
        self.merges.drain(..).collect()
    }

    /// The current template of a pattern, if it is still kept.
    pub fn template(&self, id: PatternId) -> Option<&str> {
        self.get(id).map(Pattern::template)
    }

    /// A pattern, if it is still kept: the one `id` belongs to now (see [`Miner::resolve`]).
    pub fn get(&self, id: PatternId) -> Option<&Pattern> {
        let id = self.resolve(id);
        self.by_id.get(&id.0).and_then(|&s| self.pattern(s))
    }

    /// Every pattern kept, in no particular order.
    pub fn patterns(&self) -> impl Iterator<Item = &Pattern> {
        self.slots.iter().flatten()
    }

    /// How many patterns are kept.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no pattern is kept.
    #[cfg(any(test, feature = "test-support"))]
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// How many lines were observed.
    pub fn lines_seen(&self) -> u64 {
        self.seq
    }

    fn pattern(&self, slot: u32) -> Option<&Pattern> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    fn pattern_mut(&mut self, slot: u32) -> Option<&mut Pattern> {
        self.slots.get_mut(slot as usize).and_then(Option::as_mut)
    }

    /// A pattern that takes the line although its exact shape is new: one of the same length, or
    /// one a few parts longer or shorter whose words agree and only a run of values differs in
    /// length ([`Pattern::align`]).
    fn find_similar(&self, body: &str, toks: &[Tok]) -> Option<u32> {
        let scan = |len: usize| {
            self.by_len.get(len).and_then(|candidates| {
                candidates
                    .iter()
                    .rev()
                    .take(MAX_SCAN)
                    .copied()
                    .find(|&s| self.pattern(s).is_some_and(|p| p.accepts(body, toks)))
            })
        };
        let n = toks.len();
        scan(n).or_else(|| {
            // Only a line with values and words can join a template of another length (see
            // `Pattern::align` for how many words).
            let words = toks
                .iter()
                .filter(|t| matches!(t.kind, Kind::Word | Kind::Kv))
                .count();
            let values = toks.iter().any(|t| matches!(t.kind, Kind::Var | Kind::Stem));
            (words >= MIN_ALIGNED_WORDS && values).then_some(())?;
            (1..=MAX_RUN_GROWTH)
                .flat_map(|d| [n + d, n.wrapping_sub(d)])
                .filter(|&len| len > 0 && len < n + MAX_RUN_GROWTH + 1)
                .find_map(scan)
        })
    }

    /// Files a new pattern under its sibling keys and merges it with its siblings when the word
    /// that tells them apart is a value (see [`siblings`]). Returns the slot the line belongs to.
    /// `level` is the level of the line that made it.
    fn gather(&mut self, slot: u32, level: Option<Level>) -> u32 {
        let Some(p) = self.pattern(slot) else {
            return slot;
        };
        let keys = siblings::keys(&p.parts);
        let tails = siblings::tail_keys(&p.parts, p.tail);
        let context = siblings::context_keys(&p.parts, p.tail);
        for key in keys
            .iter()
            .map(|k| k.1)
            .chain(tails.iter().chain(&context).map(|t| t.1))
        {
            self.siblings.entry(key).or_default().push(slot);
        }
        // Alike up to a list of fields at their end: one event, whatever fields follow (the
        // last place first, so the `<*>` takes no more than the fields that differ).
        for (label, key) in context {
            let Some(group) = self.siblings.get(&key) else {
                continue;
            };
            // Logged at one level: a field that comes with a failure (`…, file: <*>` at info,
            // `…, file: <*>, errno: -13` at error) is no field added when known.
            // (The new pattern has no line yet: its level is the line's.)
            let group: Vec<u32> = group
                .iter()
                .copied()
                .filter(|&s| {
                    self.pattern(s).is_some_and(|p| {
                        p.parts.len() >= label + 2 && (s == slot || p.level == level)
                    })
                })
                .collect();
            if group.len() >= 2 {
                return self.merge(&group, Join::Tail(label));
            }
        }
        let mut listed = false;
        for (label, key) in tails {
            let Some(group) = self.siblings.get(&key) else {
                continue;
            };
            if group.len() < 2 {
                continue;
            }
            // Only members that still reach past the label (a guard against a stale entry).
            let group: Vec<u32> = group
                .iter()
                .copied()
                .filter(|&s| self.pattern(s).is_some_and(|p| p.parts.len() >= label + 2))
                .collect();
            if group.len() < 2 {
                continue;
            }
            let open = group.iter().any(|&s| {
                self.pattern(s)
                    .is_some_and(|p| p.tail && p.parts.len() == label + 2)
            });
            if open {
                return self.merge(&group, Join::Tail(label));
            }
            if group.len() >= siblings::SIBLINGS {
                // Alike after an earlier label, they are a list of fields, and the text that
                // differs at its end is the event's whichever label it follows.
                listed = listed || self.alike_after(&group, label);
                if !listed
                    && !self.label_names_events(&group, label)
                    && !self.label_names_error_types(&group, label)
                {
                    return self.merge(&group, Join::Tail(label));
                }
            }
        }
        for (place, key, needed) in keys {
            let Some(group) = self.siblings.get(&key) else {
                continue;
            };
            if group.len() < 2 {
                continue;
            }
            let at = |s: u32| self.pattern(s).and_then(|p| p.parts.get(place));
            // Siblings that all have a value there differ only in its shape: not a word's place.
            if group.iter().all(|&s| matches!(at(s), Some(Part::Var(v)) if !v.words)) {
                continue;
            }
            // Siblings are counted by their words, values made of words and numbered values; a
            // value shown as written (a quoted word, a camel-case name) is not one more word.
            let counted = group
                .iter()
                .filter(|&&s| !matches!(at(s), Some(Part::Var(v)) if !v.words && !v.numbered))
                .count();
            if needed > siblings::SIBLINGS {
                // One word in common: only many siblings say the word that differs is a value.
                if counted >= needed {
                    let group = group.clone();
                    return self.merge(&group, Join::Place(place));
                }
                continue;
            }
            let group = group.clone();
            // A word where a sibling has a number or an id (`exception.id: vdc;` beside
            // `exception.id: vapp-09033;`) is a value too, as is one where a sibling has words.
            let open = group
                .iter()
                .any(|&s| matches!(at(s), Some(Part::Var(v)) if v.words || v.numbered));
            // A word after `for` / `by` / `from` names who or where (`Accepted password for root
            // from <*>` / `for alice from <*>`): a value at two siblings already, when more of
            // the event follows it (`blocked by firewall` / `by ratelimiter` end the line: causes,
            // words of the event). Not a word in capitals, the code's enumeration (`from NEW`), nor
            // a label (`caused by dcbf.........1`).
            let holder = |part: &Part| match part {
                Part::Word { text, .. } => {
                    text.bytes().any(|b| b.is_ascii_lowercase())
                        && text.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric())
                }
                _ => true,
            };
            let named = place > 0
                && group.iter().all(|&s| {
                    self.pattern(s).is_some_and(|p| {
                        place + 1 < p.parts.len()
                            && matches!(p.parts.get(place - 1), Some(Part::Word { text, .. }) if shape::names_a_holder(text.as_bytes()))
                            && p.parts.get(place).is_some_and(holder)
                    })
                });
            let open = open || named;
            // Two words, each a value of that place before (values beside them aside).
            let words: Vec<u32> = group
                .iter()
                .copied()
                .filter(|&s| !matches!(at(s), Some(Part::Var(_))))
                .collect();
            let known = words.len() == 2
                && words.iter().all(|&s| {
                    at(s)
                        .and_then(|part| siblings::value_at(part, place))
                        .is_some_and(|v| self.known_values.contains(&v))
                });
            let shared = if open || known || counted >= siblings::SIBLINGS {
                None
            } else {
                self.shared_vocabulary(key, place, &group)
            };
            if open || known || shared.is_some() || counted >= siblings::SIBLINGS {
                let survivor = self.merge(&group, Join::Place(place));
                // The other event's siblings are the same kind of value: one pattern there too.
                if let Some((other, other_place)) = shared
                    && let Some(list) = self.siblings.get(&other)
                {
                    let others: Vec<u32> = list
                        .iter()
                        .copied()
                        .filter(|&s| s != survivor && self.pattern(s).is_some())
                        .collect();
                    if others.len() >= 2 {
                        self.merge(&others, Join::Place(other_place));
                    }
                }
                return survivor;
            }
        }
        slot
    }

    /// Files the words that tell `group` (siblings under `key`, differing at `place`) apart, once
    /// there are [`siblings::VOCABULARY`] of them; returns another sibling key (and its place)
    /// where that many of the same words tell patterns apart. `group Refunds` / `group Payments` /
    /// `group Ledger` in one event and the same three in another: names of things, not words of
    /// two events (a word with two values, `session opened` / `closed`, is never taken so).
    fn shared_vocabulary(&mut self, key: u64, place: usize, group: &[u32]) -> Option<(u64, usize)> {
        // The word a message opens with says what happened (`Starting` / `Started` / `Stopping
        // PostgreSQL Cluster 14-main`, and the same words before other units): verbs of events,
        // not names, whatever other event they also open.
        let opens = |s: u32| {
            self.pattern(s).is_some_and(|p| {
                p.parts
                    .get(..place)
                    .is_some_and(|before| before.iter().all(|b| matches!(b, Part::Var(_))))
            })
        };
        if group.first().is_some_and(|&s| opens(s)) {
            return None;
        }
        let mut words: Vec<u64> = group
            .iter()
            .filter_map(|&s| match self.pattern(s)?.parts.get(place)? {
                // A word in capitals is a constant of the code (`GET` / `POST`, `UP` / `DOWN`):
                // an enumeration, however many events it appears in.
                Part::Word { hash, text } if text.bytes().any(|b| b.is_ascii_lowercase()) => {
                    Some(*hash)
                }
                _ => None,
            })
            .collect();
        words.sort_unstable();
        words.dedup();
        if words.len() < siblings::VOCABULARY {
            return None;
        }
        if self.vocabulary.len() >= MAX_KNOWN_VALUES {
            self.vocabulary.clear();
        }
        let mut counts: Vec<((u64, usize), usize)> = Vec::new();
        for &w in &words {
            let filed = self.vocabulary.entry(w).or_default();
            for &entry in filed.iter().filter(|(k, _)| *k != key) {
                match counts.iter_mut().find(|(e, _)| *e == entry) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((entry, 1)),
                }
            }
            if !filed.iter().any(|(k, _)| *k == key) {
                if filed.len() >= MAX_VOCABULARY_KEYS {
                    filed.remove(0);
                }
                filed.push((key, place));
            }
        }
        counts
            .into_iter()
            .find(|&(_, n)| n >= siblings::VOCABULARY)
            .map(|(entry, _)| entry)
    }

    /// A tail pattern (see [`siblings`]) that takes the line, found by the labels in it.
    fn find_tail(&self, body: &str, toks: &[Tok]) -> Option<u32> {
        siblings::line_tail_keys(body, toks)
            .into_iter()
            .chain(siblings::line_context_keys(body, toks))
            .find_map(|(label, key)| {
                self.siblings.get(&key)?.iter().copied().find(|&s| {
                    self.pattern(s).is_some_and(|p| {
                        p.tail && p.parts.len() == label + 2 && p.accepts(body, toks)
                    })
                })
            })
    }

    /// Whether the value label at `label` names each pattern's event rather than labelling free
    /// text: Apache's `AH00128: File does not exist: …` and `AH01617: user root: authentication
    /// failure …`, the same code on every line of a pattern and another on each other one, where
    /// a label of free text varies from line to line (`in 90s: <reason>`, `in 5s: …`).
    fn label_names_events(&self, group: &[u32], label: usize) -> bool {
        let mut codes = Vec::new();
        for p in group.iter().filter_map(|&s| self.pattern(s)) {
            match p.parts.get(label) {
                Some(Part::Var(slot) | Part::Kv { value: slot, .. }) if p.count >= 2 => {
                    if slot.varying {
                        return false;
                    }
                    codes.push(slot.constant_hash);
                }
                _ => {}
            }
        }
        codes.sort_unstable();
        codes.dedup();
        codes.len() >= 2
    }

    /// Whether what follows the label opens with the name of an error's type in most of the
    /// patterns, two types or more (`failed: java.net.ConnectException: Connection refused`, `failed:
    /// ReadTimeout: …`, `failed: ConnectionError(…)`): each is a kind of failure, however many
    /// kinds there are, not free text. Merged, a new kind of failure would hide among the others.
    /// So is a type's name that is the label itself (`failed: java.net.ConnectException:
    /// Connection refused`, filed under the value label `<*>:`).
    fn label_names_error_types(&self, group: &[u32], label: usize) -> bool {
        let type_at = |p: &Pattern, place: usize| match p.parts.get(place)? {
            Part::Word { text, hash } if shape::names_a_type(text) => Some(*hash),
            Part::Var(slot) if !slot.varying && shape::names_a_type(&slot.constant) => {
                Some(slot.constant_hash)
            }
            _ => None,
        };
        // Most of them: two types among free text are free text too, whichever came first.
        [label, label + 1].into_iter().any(|place| {
            let mut types: Vec<u64> = group
                .iter()
                .filter_map(|&s| type_at(self.pattern(s)?, place))
                .collect();
            let typed = types.len();
            types.sort_unstable();
            types.dedup();
            types.len() >= 2 && 2 * typed > group.len()
        })
    }

    /// Whether the patterns of `group` go on alike after their label (see
    /// [`siblings::alike_after`]).
    fn alike_after(&self, group: &[u32], label: usize) -> bool {
        let members: Vec<&[Part]> = group
            .iter()
            .filter_map(|&s| self.pattern(s))
            .map(|p| p.parts.as_slice())
            .collect();
        siblings::alike_after(&members, label)
    }

    /// Files (or unfiles) a pattern under its sibling and tail keys.
    fn file(&mut self, slot: u32, add: bool) {
        let Some(p) = self.pattern(slot) else {
            return;
        };
        let places = if p.tail {
            Vec::new()
        } else {
            siblings::keys(&p.parts)
        };
        let tails = siblings::tail_keys(&p.parts, p.tail);
        let context = siblings::context_keys(&p.parts, p.tail);
        for key in places
            .iter()
            .map(|k| k.1)
            .chain(tails.iter().chain(&context).map(|t| t.1))
        {
            if add {
                self.siblings.entry(key).or_default().push(slot);
            } else if let Some(list) = self.siblings.get_mut(&key) {
                list.retain(|&s| s != slot);
                if list.is_empty() {
                    self.siblings.remove(&key);
                }
            }
        }
    }

    /// Merges the patterns in `group` into the oldest; returns its slot. `join` says where they
    /// differ: one word place, or the tail after a label.
    fn merge(&mut self, group: &[u32], join: Join) -> u32 {
        let Some(&survivor) = group
            .iter()
            .min_by_key(|&&s| self.pattern(s).map_or(u64::MAX, |p| p.id.0))
        else {
            return NONE;
        };
        let top = self.config.top_values;
        self.file(survivor, false);
        let mut known = Vec::new();
        let old_len = self.pattern(survivor).map_or(0, |p| p.parts.len());
        if let Some(p) = self.pattern_mut(survivor) {
            match join {
                Join::Place(place) => {
                    known.extend(siblings::value_at(&p.parts[place], place));
                    let mut slot = open_slot(top > 0);
                    slot.words = true;
                    match &p.parts[place] {
                        Part::Word { text, hash } => {
                            if let Some(v) = &mut slot.values {
                                v.add_n(text, *hash, p.count, top);
                            }
                        }
                        Part::Kv { value, .. } => slot.absorb(value, top),
                        Part::Var(_) => {}
                    }
                    if !matches!(&p.parts[place], Part::Var(_)) {
                        p.parts[place] = Part::Var(slot);
                        p.anchors -= 1;
                    }
                    // Elsewhere the patterns agree; a word taken as a value there is the word
                    // the others have (a `Word` part takes it either way).
                    for (q, part) in p.parts.iter_mut().enumerate() {
                        if let Part::Var(s) = part
                            && q != place
                            && s.named
                            && !s.varying
                        {
                            let text = std::mem::take(&mut s.constant);
                            let hash = s.constant_hash;
                            *part = Part::Word { text, hash };
                            p.anchors += 1;
                        }
                    }
                }
                Join::Tail(label) if !p.tail => {
                    let mut slot = open_slot(top > 0);
                    slot.words = true;
                    let text = tail_text(&p.parts[label + 1..]);
                    if let Some(v) = &mut slot.values {
                        v.add_n(&text, hash_bytes(text.as_bytes()), p.count, top);
                    }
                    p.parts.truncate(label + 1);
                    p.parts.push(Part::Var(slot));
                    p.tail = true;
                    p.anchors = p.parts.iter().filter(|x| !matches!(x, Part::Var(_))).count();
                }
                Join::Tail(_) => {}
            }
        }
        let new_len = self.pattern(survivor).map_or(0, |p| p.parts.len());
        if new_len != old_len {
            if let Some(list) = self.by_len.get_mut(old_len) {
                list.retain(|&s| s != survivor);
            }
            if let Some(list) = self.by_len.get_mut(new_len) {
                list.push(survivor);
            }
        }
        for &other in group {
            if other == survivor {
                continue;
            }
            self.file(other, false);
            self.unlink(other);
            let Some(o) = self.slots.get_mut(other as usize).and_then(Option::take) else {
                continue;
            };
            self.by_id.remove(&o.id.0);
            if let Some(list) = self.by_len.get_mut(o.parts.len()) {
                list.retain(|&s| s != other);
            }
            self.free.push(other);
            self.live -= 1;
            if let Join::Place(place) = join {
                known.extend(siblings::value_at(&o.parts[place], place));
            }
            // The survivor answers for at most MAX_ALIASES shapes; the rest go the slow way.
            let room = self
                .pattern(survivor)
                .map_or(0, |p| MAX_ALIASES.saturating_sub(p.signatures.len()));
            let (kept, dropped) = o.signatures.split_at(room.min(o.signatures.len()));
            for sig in kept {
                self.by_signature.insert(*sig, survivor);
            }
            for sig in dropped {
                if self.by_signature.get(sig) == Some(&other) {
                    self.by_signature.remove(sig);
                }
            }
            let Some(p) = self.slots.get_mut(survivor as usize).and_then(Option::as_mut) else {
                continue;
            };
            p.count += o.count;
            p.first.ms = p.first.ms.min(o.first.ms);
            p.first.seq = p.first.seq.min(o.first.seq);
            if o.last.ms > p.last.ms {
                p.last.ms = o.last.ms;
            }
            p.last.seq = p.last.seq.max(o.last.seq);
            p.level = p.level.max(o.level);
            p.history.absorb(&o.history);
            p.signatures.extend_from_slice(kept);
            let tail_at = match join {
                Join::Tail(label) => Some(label + 1),
                Join::Place(_) => None,
            };
            let place = match join {
                Join::Place(place) => place,
                Join::Tail(_) => usize::MAX,
            };
            for (i, (mine, theirs)) in p.parts.iter_mut().zip(&o.parts).enumerate() {
                match (mine, theirs) {
                    (Part::Var(a), _) if Some(i) == tail_at && !o.tail => {
                        if let Some(v) = &mut a.values {
                            let text = tail_text(&o.parts[i..]);
                            v.add_n(&text, hash_bytes(text.as_bytes()), o.count, top);
                        }
                    }
                    (Part::Var(a), Part::Word { text, hash }) if i == place => {
                        a.absorb_word(text, *hash, o.count, top);
                    }
                    (Part::Var(a), Part::Kv { value: b, .. }) if i == place => a.absorb(b, top),
                    (Part::Var(a), Part::Var(b))
                    | (Part::Kv { value: a, .. }, Part::Kv { value: b, .. }) => a.absorb(b, top),
                    _ => {}
                }
            }
            let from_template = o.template;
            p.render();
            let merge = Merge {
                from: o.id,
                from_template,
                into: p.id,
                template: p.template.clone(),
            };
            self.remember(merge);
        }
        for v in known {
            if self.known_values.len() >= MAX_KNOWN_VALUES {
                self.known_values.clear();
            }
            self.known_values.insert(v);
        }
        if let Some(p) = self.pattern_mut(survivor) {
            p.render();
        }
        self.file(survivor, true);
        survivor
    }

    fn remember(&mut self, merge: Merge) {
        self.forward(merge.from.0, merge.into.0);
        if self.merges.len() >= MAX_MERGES_KEPT {
            self.merges.pop_front();
        }
        self.merges.push_back(merge);
    }

    fn alias(&mut self, slot: u32, signature: u64) {
        let Some(p) = self.pattern_mut(slot) else {
            return;
        };
        if p.signatures.len() < MAX_ALIASES {
            p.signatures.push(signature);
            self.by_signature.insert(signature, slot);
        }
    }

    fn create(&mut self, body: &str, toks: &[Tok], signature: u64) -> u32 {
        if self.live >= self.config.max_patterns.max(1) {
            self.evict_oldest();
        }
        let mut tracked = 0;
        let parts = toks
            .iter()
            .map(|t| {
                let raw = &body[t.start..t.end];
                match t.kind {
                    Kind::Word => Part::Word {
                        text: raw.to_owned(),
                        hash: t.ident_hash,
                    },
                    Kind::Var => {
                        let track = tracked < self.config.tracked_variables;
                        tracked += 1;
                        Part::Var(new_slot(raw, t, shape::shape_of(raw, t.folded), track))
                    }
                    Kind::Kv | Kind::Stem => {
                        let track = tracked < self.config.tracked_variables;
                        tracked += 1;
                        let (vs, ve) = (t.value_start - t.start, t.value_end - t.start);
                        Part::Kv {
                            key: raw[..vs].to_owned(),
                            key_hash: t.ident_hash,
                            suffix: raw[ve..].to_owned(),
                            value: new_slot(&raw[vs..ve], t, status_shape(t.class), track),
                            stem: t.kind == Kind::Stem,
                        }
                    }
                }
            })
            .collect();
        let now = Seen {
            seq: self.seq,
            ms: self.clock_ms,
        };
        let mut pattern = Pattern {
            id: PatternId(self.next_id),
            level: None,
            parts,
            template: String::new(),
            count: 0,
            first: now,
            last: now,
            history: RateHistory::new(self.config.rate),
            signatures: vec![signature],
            anchors: toks.iter().filter(|t| t.kind != Kind::Var).count(),
            tail: false,
            prev: NONE,
            next: NONE,
        };
        self.next_id += 1;
        pattern.render();
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(pattern);
                s
            }
            None => {
                self.slots.push(Some(pattern));
                (self.slots.len() - 1) as u32
            }
        };
        self.live += 1;
        self.by_id.insert(self.next_id - 1, slot);
        self.by_signature.insert(signature, slot);
        if let Some(list) = self.by_len.get_mut(toks.len()) {
            list.push(slot);
        }
        self.link_front(slot);
        slot
    }

    fn update(&mut self, slot: u32, level: Option<Level>, body: &str, toks: &[Tok], now_ms: u64) {
        let top = self.config.top_values;
        let seq = self.seq;
        // A numbered name that meets a value turns into a `<*>`: the pattern's keys change with it,
        // so it is unfiled under the old ones first and filed under the new ones after.
        // So does a word taken as a value that meets another value.
        let refile = self.pattern(slot).is_some_and(|p| {
            p.parts.len() == toks.len()
                && p.parts.iter().zip(toks).any(|(part, t)| match part {
                    Part::Kv { stem: true, .. } => t.kind == Kind::Var,
                    Part::Var(s) => s.named && !s.varying && t.value_hash != s.constant_hash,
                    _ => false,
                })
        });
        if refile {
            self.file(slot, false);
        }
        // The slots alone, so the buffer of aligned spans can be borrowed beside them.
        let Some(p) = self.slots.get_mut(slot as usize).and_then(Option::as_mut) else {
            return;
        };
        p.count += 1;
        p.level = p.level.max(level);
        // Lines may come out of time order (sources merged, a late writer): first and last seen are
        // the earliest and latest times given, whatever order they came in.
        p.last = Seen {
            seq: seq.max(p.last.seq),
            ms: now_ms.max(p.last.ms),
        };
        p.first.ms = p.first.ms.min(now_ms);
        p.history.record(now_ms);
        let mut changed = false;
        let n = p.parts.len();
        if p.tail
            && let (Some(Part::Var(s)), Some(first), Some(last)) =
                (p.parts.last_mut(), toks.get(n - 1), toks.last())
        {
            let raw = &body[first.start..last.end];
            changed |= s.observe(raw, hash_bytes(raw.as_bytes()), 0, top);
        }
        let fixed = if p.tail { n - 1 } else { n };
        if !p.tail && n != toks.len() {
            // A run of values longer or shorter than the template's: each `<*>` of the run
            // takes the text of its tokens.
            let spans = &mut self.spans;
            spans.clear();
            p.align(body, toks, |part, range| spans.push((part, range)));
            for (part, range) in spans.drain(..) {
                if range.is_empty() {
                    // A `<*>` of a run that this line leaves empty (`moved /srv/x.txt to archive`
                    // under `moved /srv/My Documents/a b.txt to archive`) is no constant: the
                    // template shows it as a `<*>`, not as the one value it had.
                    if let Some(Part::Var(s)) = p.parts.get_mut(part) {
                        // Nothing is what every value has around it.
                        changed |= !s.masked && s.common != (0, 0);
                        s.common = (0, 0);
                        if !s.varying {
                            s.varying = true;
                            changed |= !s.masked;
                        }
                    }
                    continue;
                }
                let (Some(first), Some(last)) = (toks.get(range.start), toks.get(range.end.wrapping_sub(1)))
                else {
                    continue;
                };
                match p.parts.get_mut(part) {
                    Some(Part::Var(s)) => {
                        if let Some(raw) = body.get(first.start..last.end) {
                            let (hash, shape) = if range.len() == 1 {
                                (first.value_hash, first.shape_hash)
                            } else {
                                (hash_bytes(raw.as_bytes()), 0)
                            };
                            changed |= s.observe(raw, hash, shape, top);
                        }
                    }
                    Some(Part::Kv { value, .. }) if first.kind == Kind::Kv => {
                        if let Some(raw) = body.get(first.value_start..first.value_end) {
                            changed |= value.observe(raw, first.value_hash, 0, top);
                        }
                    }
                    _ => {}
                }
            }
            if changed {
                p.render();
            }
            return;
        }
        for (part, t) in p.parts[..fixed].iter_mut().zip(toks) {
            if t.kind == Kind::Var && matches!(part, Part::Kv { stem: true, .. }) {
                *part = Part::Var(open_slot(top > 0));
                p.anchors -= 1;
                changed = true;
            }
            match part {
                Part::Word { .. } => {}
                Part::Var(s) => {
                    let raw = &body[t.start..t.end];
                    let hash = match t.kind {
                        Kind::Word => t.ident_hash,
                        Kind::Stem => hash_bytes(raw.as_bytes()),
                        Kind::Var | Kind::Kv => t.value_hash,
                    };
                    changed |= s.observe(raw, hash, t.shape_hash, top);
                }
                Part::Kv { value, .. } => {
                    changed |=
                        value.observe(&body[t.value_start..t.value_end], t.value_hash, 0, top);
                }
            }
        }
        if changed {
            p.render();
        }
        if refile {
            self.file(slot, true);
        }
    }

    fn evict_oldest(&mut self) {
        let slot = self.tail;
        if slot == NONE {
            return;
        }
        self.unlink(slot);
        self.file(slot, false);
        let Some(p) = self.slots.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        for sig in &p.signatures {
            if self.by_signature.get(sig) == Some(&slot) {
                self.by_signature.remove(sig);
            }
        }
        self.by_id.remove(&p.id.0);
        if let Some(list) = self.by_len.get_mut(p.parts.len())
            && let Some(i) = list.iter().position(|&s| s == slot)
        {
            list.remove(i);
        }
        self.free.push(slot);
        self.live -= 1;
    }

    /// Marks `slot` as the most recently seen.
    fn touch(&mut self, slot: u32) {
        if self.head != slot {
            self.unlink(slot);
            self.link_front(slot);
        }
    }

    fn link_front(&mut self, slot: u32) {
        let old_head = self.head;
        if let Some(p) = self.pattern_mut(slot) {
            p.prev = NONE;
            p.next = old_head;
        }
        if let Some(h) = self.pattern_mut(old_head) {
            h.prev = slot;
        }
        self.head = slot;
        if self.tail == NONE {
            self.tail = slot;
        }
    }

    fn unlink(&mut self, slot: u32) {
        let Some(p) = self.pattern(slot) else { return };
        let (prev, next) = (p.prev, p.next);
        match self.pattern_mut(prev) {
            Some(pp) => pp.next = next,
            None => self.head = next,
        }
        match self.pattern_mut(next) {
            Some(np) => np.prev = prev,
            None => self.tail = prev,
        }
        if let Some(p) = self.pattern_mut(slot) {
            p.prev = NONE;
            p.next = NONE;
        }
    }
}
