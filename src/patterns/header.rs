//! The header of a log line: timestamps, pid, host, level and thread, set aside before mining,
//! and the message and level of JSON lines.

use std::ops::Range;
use std::sync::LazyLock;

use memchr::memmem::Finder;

use crate::core::level::Level;
use crate::core::text::word8;

/// Splits off the header of a line: leading timestamps, pids, hosts, the level and the thread
/// after it. Returns the level shown (if any) and the byte offset where the message starts.
///
/// A level counts when it is among the first tokens and everything before it looks like header
/// fields (dates, numbers, ids, upper-case tags like `RAS KERNEL`); a lone level word (`warning`
/// alone on a line) is kept as the message, since nothing else would be left.
pub(crate) fn split_header(line: &str, memo: &mut HeaderMemo) -> (Option<Level>, Range<usize>) {
    if let Some(skip) = crate::core::text::compose_prefix(line.as_bytes()) {
        let (level, message) = split_header(&line[skip..], memo);
        return (level, message.start + skip..message.end + skip);
    }
    if let Some(found) = split_json(line) {
        return found;
    }
    let (level, mut start) = match memo.recall(line.as_bytes()) {
        Some(found) => found,
        None => {
            let (level, start, reuse) = split_text_header_reusable(line);
            memo.keep(line.as_bytes(), level, start, reuse);
            (level, start)
        }
    };
    // `[2026-12-06T10:00:00,123][WARN ][o.e.c.Monitor] message`: a bracket group that a space
    // interrupted (`[WARN ]`) goes on after it; no message opens with a closing bracket.
    let bytes = line.as_bytes();
    if bytes.get(start) == Some(&b']') {
        let mut after = whitespace_from(bytes, start);
        while bytes.get(after).is_some_and(u8::is_ascii_whitespace) {
            after += 1;
        }
        if after < bytes.len() {
            start = after;
        }
    }
    if level.is_some() {
        start = sentence_start(bytes, start);
    }
    (level, start..line.len())
}

/// `Error while fetching payment 88690: timeout`, `Fatal error in worker 6`: a level word
/// written as a sentence's first word (a capital, then small letters, nothing around it) that a
/// word in small letters follows is the message's first word as well as the line's level. The
/// message starts at it, so the template reads as the line does.
fn sentence_start(bytes: &[u8], start: usize) -> usize {
    if !bytes.get(start).is_some_and(u8::is_ascii_lowercase) {
        return start;
    }
    // The piece before the message, read backwards: a few bytes at most.
    let mut end = start;
    while end > 0 && bytes[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    // A word in capitals (`INFO`), a bracket or a colon ends most headers: no sentence's word.
    if end == 0 || !bytes[end - 1].is_ascii_lowercase() {
        return start;
    }
    let mut begin = end;
    while begin > 0 && end - begin <= 8 && bytes[begin - 1].is_ascii_alphabetic() {
        begin -= 1;
    }
    let word = &bytes[begin..end];
    let whole = begin == 0 || bytes[begin - 1].is_ascii_whitespace();
    let capital = word.len() >= 3
        && word[0].is_ascii_uppercase()
        && word[1..].iter().all(u8::is_ascii_lowercase);
    if whole && capital && level_word(word).is_some() {
        begin
    } else {
        start
    }
}

/// A JSON line (`{"level":"info","msg":"user bob logged in",...}`): the message is the
/// `msg`/`message`/`log` field, the level the `level`/`lvl`/`severity` field; the other fields
/// are context, not template.
fn split_json(line: &str) -> Option<(Option<Level>, Range<usize>)> {
    let bytes = line.as_bytes();
    let trimmed = line.trim();
    if !(trimmed.starts_with('{') && trimmed.ends_with('}')) {
        return None;
    }
    let message = JSON_KEYS[..MESSAGE_KEYS]
        .iter()
        .find_map(|k| json_string_field(bytes, k));
    let level = JSON_KEYS[MESSAGE_KEYS..].iter().find_map(|k| {
        let value = &bytes[json_scalar_field(bytes, k)?];
        match value {
            // journald's `PRIORITY` is a syslog severity.
            [d @ b'0'..=b'7'] if k.needle() == b"\"PRIORITY\"" => {
                Some(crate::core::level::syslog_severity(u32::from(d - b'0')))
            }
            _ => crate::core::level::of_value(value),
        }
    });
    let Some(message) = message else {
        // No message field (structlog's `event`, an audit record): the whole object is the
        // event, read as its fields (see [`json_fields`]); said by an empty range at its `{`.
        let open = line.len() - line.trim_start().len();
        return Some((level, open..open));
    };
    let (inner_level, start) = split_text_header(&line[message.clone()]);
    Some((level.or(inner_level), message.start + start..message.end))
}

/// A JSON object with no message field, as `key=value` pieces the tokenizer reads as a logfmt
/// line's (nested keys dotted, at most four deep; a string with a space quoted; an array as its
/// JSON), into `out`: compact JSON has no space, so the whole object had been one piece and every
/// such line of a log one `<*>` pattern, errors and all. Keys come in the object's order. False
/// when `text` is not an object that reads whole (or is longer than 16 KiB): it is then mined as
/// written.
pub(crate) fn json_fields(text: &str, out: &mut String) -> bool {
    out.clear();
    if text.len() > 16 * 1024 {
        return false;
    }
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text) else {
        return false;
    };
    fn put(key: &str, value: &serde_json::Value, depth: usize, out: &mut String) {
        use std::fmt::Write as _;
        match value {
            serde_json::Value::Object(map) if depth < 4 && !map.is_empty() => {
                for (k, v) in map {
                    put(&format!("{key}.{k}"), v, depth + 1, out);
                }
            }
            serde_json::Value::String(v) if v.contains(char::is_whitespace) => {
                let _ = write!(out, " {key}=\"{}\"", v.split_whitespace().collect::<Vec<_>>().join(" "));
            }
            serde_json::Value::String(v) => {
                let _ = write!(out, " {key}={v}");
            }
            other => {
                let _ = write!(out, " {key}={other}");
            }
        }
    }
    for (k, v) in &map {
        put(k, v, 1, out);
    }
    let trimmed = out.trim_start().len();
    out.drain(..out.len() - trimmed);
    !out.is_empty()
}

/// The quoted keys of a JSON line's message (`msg`, `message`, `log`, journald's `MESSAGE`), then
/// of its level (Elastic's `log.level`, journald's `PRIORITY`, MongoDB's `s`; a word, a letter
/// or a number: see [`crate::core::level::of_value`]), each with a searcher built once.
static JSON_KEYS: LazyLock<[Finder<'static>; 12]> = LazyLock::new(|| {
    [
        &b"\"msg\""[..],
        b"\"message\"",
        b"\"log\"",
        b"\"MESSAGE\"",
        b"\"level\"",
        b"\"lvl\"",
        b"\"severity\"",
        b"\"loglevel\"",
        b"\"log.level\"",
        b"\"levelname\"",
        b"\"PRIORITY\"",
        b"\"s\"",
    ]
    .map(Finder::new)
});

/// How many of [`JSON_KEYS`] name the message.
const MESSAGE_KEYS: usize = 4;

/// The byte range of the value of `"key":` when it is a string (without its quotes) or a number.
fn json_scalar_field(bytes: &[u8], key: &Finder<'_>) -> Option<Range<usize>> {
    json_field(bytes, key, true)
}

/// The byte range of the string value of `"key":` (escapes left as written); `key` is the quoted
/// key's searcher.
fn json_string_field(bytes: &[u8], key: &Finder<'_>) -> Option<Range<usize>> {
    json_field(bytes, key, false)
}

/// The first value of `"key":` that is a string (its text, escapes left as written) or, when
/// `numbers`, a run of digits; occurrences of the key with another value are passed over.
fn json_field(bytes: &[u8], key: &Finder<'_>, numbers: bool) -> Option<Range<usize>> {
    let mut from = 0;
    while from < bytes.len() {
        let at = from + key.find(&bytes[from..])?;
        let mut i = at + key.needle().len();
        from = i;
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if bytes.get(i) != Some(&b':') {
            continue;
        }
        i += 1;
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if numbers && bytes.get(i).is_some_and(u8::is_ascii_digit) {
            let end = i + bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
            return Some(i..end);
        }
        if bytes.get(i) != Some(&b'"') {
            continue;
        }
        return json_string_at(bytes, i + 1);
    }
    None
}

/// The range of a JSON string whose text starts at `start` (after its opening quote), escapes
/// left as written: up to its closing quote, a backslash skipping what it escapes.
fn json_string_at(bytes: &[u8], start: usize) -> Option<Range<usize>> {
    let mut j = start;
    while let Some(k) = bytes.get(j..).and_then(|rest| memchr::memchr2(b'\\', b'"', rest)) {
        if bytes[j + k] == b'"' {
            return Some(start..j + k);
        }
        j += k + 2;
    }
    None
}

/// The last headers split in full, for lines that repeat one with other digits: a log writes the
/// same header (time, level, thread) on every line, and only its digits change.
///
/// Reusing a split is exact: every test [`split_text_header`] makes of the pieces before the
/// message reads digits only as digits (their count and place, never their value: the tests that
/// read values, a short date's month and an epoch's range, are on paths that are not kept), and the
/// tests it makes of the message's pieces are repeated by [`HeaderMemo::recall`]: the first piece
/// of a split found by the level's place, and for one found by a syslog program (which opens the
/// message) the program and the look for a level that goes on past it (see
/// [`program_split_holds`]).
#[derive(Debug, Default)]
pub(crate) struct HeaderMemo {
    /// Headers split in full, once there are [`MEMO_HEADERS`] a new one replacing them in turn. A
    /// log alternates a few headers: one per level, times one per thread where it names its
    /// thread (`[main]`, `[http-nio-8080-exec-7]`, `[pool-2-thread-5]`, each alike but for digits).
    kept: Vec<KeptHeader>,
    /// The next entry to replace once `kept` is full.
    next: usize,
}

#[derive(Debug)]
struct KeptHeader {
    /// The header up to where its message starts, every digit written `0`.
    masked: Vec<u8>,
    level: Option<Level>,
    /// How the split was found, and so what of the message is looked at again.
    reuse: Reuse,
    /// The header's last eight bytes as one word, digits written `0` (0 for a header shorter
    /// than eight bytes): compared first, since headers of one log differ most near their end
    /// (level, thread), so a header that is not this one costs one word's compare.
    last: u64,
}

/// Whether and how a split may be reused for a line whose header differs only in digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reuse {
    No,
    /// Found by the level's place: only the message's first piece is looked at again.
    Level,
    /// Found by the program (`May  1 12:00:00 web03 sshd[1234]: message`): the message opens with
    /// the program, the header's `pieces` pieces before it. Looked at again: that the program is
    /// one and a piece follows it, and, where the look for a level went on into the message
    /// (`reached`: every header piece may come before a level), that no level word follows it.
    Program { pieces: usize, reached: bool },
}

/// Headers kept by a [`HeaderMemo`].
const MEMO_HEADERS: usize = 16;

impl HeaderMemo {
    /// The split of a line whose header is a kept one but for its digits.
    fn recall(&self, bytes: &[u8]) -> Option<(Option<Level>, usize)> {
        let kept = self.kept.iter().find(|kept| {
            let start = kept.masked.len();
            bytes.len() > start
                && !bytes[start].is_ascii_whitespace()
                && last_word(&bytes[..start]) == kept.last
                && same_but_digits(&bytes[..start], &kept.masked)
        })?;
        let start = kept.masked.len();
        if let Reuse::Program { pieces, reached } = kept.reuse {
            return program_split_holds(bytes, start, pieces, reached).then_some((None, start));
        }
        // The message's first piece decides whether the header goes on (a thread in brackets, a
        // lone separator, Spring Boot's pid and `---`): those lines are split in full.
        let first_end = whitespace_from(bytes, start);
        let first = &bytes[start..first_end];
        let next = &bytes[(first_end + 1).min(bytes.len())..];
        let goes_on = first.starts_with(b"[")
            || matches!(first, b"-" | b"--" | b":" | b"|")
            || is_id_number(first) && next.trim_ascii_start().starts_with(b"---");
        (!goes_on).then_some((kept.level, start))
    }

    /// Keeps a split made in full, if it may be reused.
    fn keep(&mut self, bytes: &[u8], level: Option<Level>, start: usize, reuse: Reuse) {
        if reuse == Reuse::No || start == 0 || start >= bytes.len() {
            return;
        }
        let header = &bytes[..start];
        let masked = header.iter().map(|&b| if b.is_ascii_digit() { b'0' } else { b });
        let last = last_word(header);
        if self.kept.len() < MEMO_HEADERS {
            self.kept.push(KeptHeader {
                masked: masked.collect(),
                level,
                reuse,
                last,
            });
            return;
        }
        let kept = &mut self.kept[self.next];
        kept.masked.clear();
        kept.masked.extend(masked);
        kept.level = level;
        kept.reuse = reuse;
        kept.last = last;
        self.next = (self.next + 1) % MEMO_HEADERS;
    }
}

/// Whether a line whose header (the `pieces` pieces before `start`) is a kept one found by the
/// program splits there again: what [`split_text_header_reusable`] asks of the pieces from
/// `start` on, asked again. The program must be one and a piece must follow it; where the look
/// for a level went on into the message (`reached`), no piece it reaches may be a level word with
/// a piece after it (a line like that is split in full).
fn program_split_holds(bytes: &[u8], start: usize, pieces: usize, reached: bool) -> bool {
    // The pieces from `start` on, one at a time: most lines settle within the first two.
    let mut from = start;
    let mut take = || {
        let piece = next_piece(bytes, from)?;
        from = piece.end;
        Some(&bytes[piece])
    };
    // Pieces numbered as the full split numbers them: the program is piece `pieces`.
    let Some(program) = take() else {
        return false;
    };
    let mut after = take();
    if after.is_none() || !is_program(program) {
        return false;
    }
    if !reached {
        return true;
    }
    let separator = |p: Option<&[u8]>| matches!(p, Some(b"-" | b"|"));
    let (mut before2, mut before): (Option<&[u8]>, Option<&[u8]>) = (None, None);
    let mut current = program;
    let mut j = pieces;
    // The look for a level stops at the tenth piece (j < n as well: the full split keeps twelve).
    while j < MAX_HEADER_FIELDS + 1 {
        // The program holds digits (its pid), so it is a header field and the look goes on past
        // it; a header piece's part in this test is never needed.
        if j > pieces
            && !(before.is_some_and(is_header_field)
                || j >= pieces + 2 && separator(before2) && separator(Some(current)))
        {
            break;
        }
        // A one-letter severity or MySQL's `[Note]` may be a level by what follows it: such a
        // line is split in full.
        if after.is_some()
            && (level_after(before, current).is_some()
                || letter_level(current).is_some()
                || mysql_level(current).is_some())
        {
            return false;
        }
        let Some(next) = after else {
            break;
        };
        (before2, before, current) = (before, Some(current), next);
        j += 1;
        after = take();
    }
    true
}

/// The last eight bytes of `header` as one word with each digit written `0`; 0 when it is
/// shorter.
fn last_word(header: &[u8]) -> u64 {
    match header.len().checked_sub(8) {
        Some(from) => digits_as_zero(word8(&header[from..])),
        None => 0,
    }
}

/// `w`'s eight bytes with each ASCII digit written `0`.
fn digits_as_zero(w: u64) -> u64 {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // With the high bit cleared no byte carries into the next: a byte is a digit when it is at or
    // above `0` (adding 0x50 sets its high bit), below `:` (adding 0x46 does not) and its own high
    // bit was clear.
    let low = w & !HIGH;
    let digit = (low + 0x50 * ONES) & !(low + 0x46 * ONES) & !w & HIGH;
    // 0xff in each digit's byte.
    let spread = (digit >> 7) * 0xff;
    (w & !spread) | ((0x30 * ONES) & spread)
}

/// Whether `bytes` are `masked` once each digit is written `0`: eight bytes at a time.
fn same_but_digits(bytes: &[u8], masked: &[u8]) -> bool {
    if bytes.len() != masked.len() {
        return false;
    }
    let mut chunks = bytes.chunks_exact(8).zip(masked.chunks_exact(8));
    let same = chunks.all(|(b, m)| digits_as_zero(word8(b)) == word8(m));
    let tail = bytes.len() / 8 * 8;
    same && bytes[tail..]
        .iter()
        .zip(&masked[tail..])
        .all(|(&b, &m)| if b.is_ascii_digit() { m == b'0' } else { b == m })
}

fn split_text_header(line: &str) -> (Option<Level>, usize) {
    let (level, start, _) = split_text_header_reusable(line);
    (level, start)
}

/// [`split_text_header`], and whether its split may be reused for a line whose header differs
/// only in digits (see [`HeaderMemo`]): a split found by the level's place.
fn split_text_header_reusable(line: &str) -> (Option<Level>, usize, Reuse) {
    let bytes = line.as_bytes();
    if plainly_a_message(bytes) {
        return (None, 0, Reuse::No);
    }
    if let Some(found) = python_default(bytes) {
        return found;
    }
    let mut pieces: [(usize, usize); HEADER_PIECES] = [(0, 0); HEADER_PIECES];
    let mut n = 0;
    let mut i = 0;
    while n < pieces.len()
        && let Some(piece) = next_piece(bytes, i)
    {
        pieces[n] = (piece.start, piece.end);
        n += 1;
        i = piece.end;
    }
    let piece = |k: usize| &bytes[pieces[k].0..pieces[k].1];
    let at = |k: usize| if k < n { pieces[k].0 } else { bytes.len() };

    // glog / klog: `I1204 10:00:03.678662    1321 kubelet.go:2453] message`.
    if n > 2
        && let Some(level) = glog_level(piece(0))
        && is_time(piece(1))
    {
        let k = if n > 4 && is_id_number(piece(2)) && piece(3).ends_with(b"]") {
            4
        } else {
            2
        };
        return (Some(level), at(k), Reuse::No);
    }
    // A name between two lone separators is a header field too: Python's
    // `2026-12-06 10:00:00,123 - app.orders - INFO - message`.
    let separator = |k: usize| k < n && matches!(piece(k), b"-" | b"|");
    let levelled = (0..n.min(MAX_HEADER_FIELDS + 1))
        .take_while(|&j| {
            j == 0
                || is_header_field(piece(j - 1))
                || j >= 2 && separator(j - 2) && separator(j)
        })
        .find_map(|j| {
            let level = level_after((j > 0).then(|| piece(j - 1)), piece(j))
                .or_else(|| if j == 0 { grouped_level(piece(0)) } else { None })
                .or_else(|| {
                    // MongoDB's `…789+0000 I NETWORK  [conn12] message`, etcd's `… I |
                    // etcdserver: message`: a severity's letter after the time, then a
                    // component in capitals (`-` for none) or a bar.
                    (j > 0 && j + 2 < n && letter_opens_header(piece(j - 1), piece(j + 1), piece(j + 2)))
                        .then(|| letter_level(piece(j)))
                        .flatten()
                })
                .or_else(|| {
                    // MySQL's `161209 14:18:50 [Note]`, `…123456Z 0 [System]`: after its time
                    // or thread's id, and no other level after it.
                    (j > 0
                        && j + 1 < n
                        && (is_time(piece(j - 1)) || is_date(piece(j - 1)) || is_id_number(piece(j - 1)))
                        && parse_level(piece(j + 1)).is_none())
                    .then(|| mysql_level(piece(j)))
                    .flatten()
                })
                .or_else(|| {
                // Android's logcat: `03-17 16:13:38.811  1702  2395 D Tag: message`, exactly.
                (j == 4).then(|| letter_level(piece(j))).flatten().filter(|_| {
                    is_month_day(piece(0))
                        && is_time(piece(1))
                        && is_id_number(piece(2))
                        && is_id_number(piece(3))
                })
            });
            level.filter(|_| j + 1 < n).map(|l| (j, l))
        });
    // A capitalised word after a bullet alone opens a sentence (Flask's `* Debug mode: on`): a
    // level written so needs a header before it.
    let bulleted = |j: usize| {
        j > 0
            && piece(j)[1..].iter().all(u8::is_ascii_lowercase)
            && (0..j).all(|k| piece(k).iter().all(u8::is_ascii_punctuation))
    };
    if let Some((j, level)) = levelled.filter(|&(j, _)| !bulleted(j)) {
        let mut k = j + 1;
        // MongoDB's component after its severity's letter: where the letter was read by
        // `letter_opens_header` (logcat's comes after its thread's id, and a word in capitals
        // after it is its message's).
        if piece(j).len() == 1
            && j > 0
            && k + 1 < n
            && letter_opens_header(piece(j - 1), piece(k), piece(k + 1))
            && is_component(piece(k))
        {
            k += 1;
        }
        // Spring Boot's `INFO 4242 --- [main] c.e.Class : message`: the process id and `---`.
        if k + 2 < n && is_id_number(piece(k)) && piece(k + 1) == b"---" {
            k += 2;
        }
        // `[main]`, `[IPC Server handler 5 on 8030]`: the thread; Spring Boot 3 writes the
        // application's name before it (`[payments] [main]`), and Elasticsearch its node's
        // after its grouped header (`[node-1] [orders/Xyz]`: and the index's, where one is named).
        for _ in 0..2 {
            if piece(k).first() != Some(&b'[') {
                break;
            }
            let mut depth = 0i32;
            let mut m = k;
            while m < n {
                for &b in piece(m) {
                    depth += i32::from(b == b'[') - i32::from(b == b']');
                }
                m += 1;
                if depth <= 0 {
                    break;
                }
            }
            if depth > 0 || m >= n {
                break;
            }
            k = m;
        }
        // A separator or two after the level (Ruby's `INFO -- : message`).
        for _ in 0..2 {
            if k + 1 < n && matches!(piece(k), b"-" | b"--" | b":" | b"|") {
                k += 1;
            }
        }
        // A level read from what follows it (a severity's letter, MySQL's `[Note]`) is not
        // reused (logcat's letter is read by its place): the memo looks again at the
        // message's first piece only.
        let reuse = if piece(j).len() == 1 && j != 4 || mysql_level(piece(j)).is_some() {
            Reuse::No
        } else {
            Reuse::Level
        };
        return (Some(level), at(k), reuse);
    }

    // `... host prog[pid]: message` after header fields: the message starts at the program.
    if let Some(j) = (1..n.min(MAX_HEADER_FIELDS + 1))
        .take_while(|&j| j < 2 || is_header_field(piece(j - 2)))
        .find(|&j| is_program(piece(j)) && j + 1 < n)
    {
        // Whether the look for a level above went on to the program (and so into the message).
        let reached = (1..=j)
            .all(|k| is_header_field(piece(k - 1)) || k >= 2 && separator(k - 2) && separator(k));
        let reuse = if j >= 2 {
            Reuse::Program { pieces: j, reached }
        } else {
            Reuse::No
        };
        return (None, at(j), reuse);
    }

    // `20171223-22:15:29:606|Step_LSC|30002312|message`: header fields joined by `|`.
    if n > 0 && let Some(end) = piped_header(piece(0)) {
        return (None, pieces[0].0 + end, Reuse::No);
    }

    // `134681 node-246 unix.hw state_change.unavailable 1077804742 1 message`: columns up to a
    // time in seconds since the epoch (and a flag after it) are the header.
    // Only where the epoch is the line's time: the first column is a number (an id), no column
    // before it is a time (`… 10:00:00 Removed user 1712345678 from …` keeps its words) and none
    // is a `key=value` (`Manager.decryptV2 len=8001, … Decrypt in 1701737506 failed` is a message).
    if n > 0
        && piece(0).first().is_some_and(u8::is_ascii_digit)
        && let Some(j) = (1..n.min(7)).find(|&j| is_epoch_seconds(piece(j)))
        && !(0..j).any(|k| is_time(piece(k)) || is_date(piece(k)) || piece(k).contains(&b'='))
    {
        let flag = |p: &[u8]| is_day(p.strip_prefix(b"-").unwrap_or(p));
        let k = if j + 2 < n && flag(piece(j + 1)) { j + 2 } else { j + 1 };
        if k < n {
            return (None, at(k), Reuse::No);
        }
    }

    let mut k = 0;
    let mut syslog = false;
    // Redis's `4961:M 30 May 12:50:13.464 * message` (`[4961]` before 2.6): the pid (and role),
    // then a day, a month and a time, then a mark of its level.
    let redis = n > 4 && is_redis_pid(piece(0)) && is_day(piece(1)) && is_month(piece(2)) && is_time(piece(3));
    if redis {
        k = 1;
    }
    while k < n {
        let p = piece(k);
        if is_date(p) || is_time(p) {
            k += 1;
        } else if k == 0 && n > 2 && p.len() == 6 && is_id_number(p) && is_time(piece(1)) {
            // MySQL 5's `161209 14:18:50`: the date as six digits, then the time.
            k += 2;
        } else if k + 2 < n && is_day(p) && is_month(piece(k + 1)) && is_time(piece(k + 2)) {
            // `30 May 12:50:13`: the day before the month.
            k += 3;
        } else if k + 1 < n && is_short_date(p) && is_time(piece(k + 1)) {
            // `[10.30 16:49:06]`, `12/04 10:00:01`: a month and day without a year, then a time.
            k += 2;
        } else if k + 2 < n && is_month(p) && is_day(piece(k + 1)) && is_time(piece(k + 2)) {
            k += 3;
            syslog = true;
        } else if k > 0 && (is_zone(p) || is_weekday(p))
            || k == 0 && is_weekday(p) && n > 1 && is_month(piece(1))
        {
            k += 1;
        } else {
            break;
        }
    }
    if redis && k + 1 < n {
        let level = match piece(k) {
            b"." | b"-" => Level::Debug,
            b"*" => Level::Notice,
            b"#" => Level::Warn,
            _ => return (None, at(k), Reuse::No),
        };
        return (Some(level), at(k + 1), Reuse::No);
    }
    // `host prog[pid]: message` follows a syslog timestamp.
    if k > 0 && k + 2 < n && (is_program(piece(k + 1)) || syslog && piece(k + 1).ends_with(b":")) {
        k += 1;
    }
    if k >= n {
        return (None, 0, Reuse::No);
    }
    (None, at(k), Reuse::No)
}

/// `[2018-05-17T08:19:45,482][INFO ][o.e.n.Node               ]`: bracket groups with nothing
/// between them (Elasticsearch's and Logstash's header), a time's first, then the level's.
fn grouped_level(p: &[u8]) -> Option<Level> {
    let body = p.strip_prefix(b"[")?.strip_suffix(b"]")?;
    let mut groups = body.split(|&b| b == b']');
    let time = groups.next()?;
    if !(is_date(time) || is_time(time)) {
        return None;
    }
    parse_level(groups.next()?.strip_prefix(b"[")?.trim_ascii())
}

/// The next piece of `bytes` (a run without ASCII whitespace) at or after `from`; `None` when
/// only whitespace is left.
#[inline]
fn next_piece(bytes: &[u8], from: usize) -> Option<Range<usize>> {
    let mut start = from;
    while start < bytes.len() && bytes[start].is_ascii_whitespace() {
        start += 1;
    }
    let mut end = whitespace_from(bytes, start);
    // `[INFO ]`, `[o.e.n.Node               ]`: a bracket that padding interrupted (log4j's
    // `[%-5p]`, Elasticsearch's logger) is one piece to its `]`.
    if bytes.get(start) == Some(&b'[') {
        end = padded_bracket_end(bytes, start, end);
    }
    (end > start).then_some(start..end)
}

/// Where a piece that opens a bracket at `start` ends when padding interrupted the bracket
/// (`end` otherwise). Each byte is counted once: a line of `[[[[ ] ] ] ]` is no square.
#[inline(never)]
fn padded_bracket_end(bytes: &[u8], start: usize, mut end: usize) -> usize {
    let mut open = unclosed(&bytes[start..end]);
    while open > 0 {
        let mut next = end;
        while bytes.get(next) == Some(&b' ') {
            next += 1;
        }
        if bytes.get(next) != Some(&b']') {
            break;
        }
        let after = whitespace_from(bytes, next);
        open += unclosed(&bytes[next..after]);
        end = after;
    }
    end
}

/// How many more brackets `p` opens than it closes (negative when it closes more).
fn unclosed(p: &[u8]) -> isize {
    p.iter()
        .map(|&b| match b {
            b'[' => 1,
            b']' => -1,
            _ => 0,
        })
        .sum()
}

/// Where the first ASCII whitespace at or after `from` is (`bytes.len()` if none): eight bytes at a
/// time while none of them is at or below a space, then byte by byte.
pub(crate) fn whitespace_from(bytes: &[u8], from: usize) -> usize {
    const BELOW: u64 = u64::from_ne_bytes([0x21; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let mut i = from;
    while let Some(word) = bytes.get(i..i + 8) {
        let w = word8(word);
        // Set in some byte exactly when a byte is below 0x21 (whitespace is among those).
        if w.wrapping_sub(BELOW) & !w & HIGH != 0 {
            break;
        }
        i += 8;
    }
    while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Whether a line plainly has no header: it opens with a word of letters, in lower case or
/// capitalized, that is no level, month or weekday, and no `prog[pid]:` follows it (most bare
/// messages; spares splitting the head of the line into header pieces).
fn plainly_a_message(bytes: &[u8]) -> bool {
    let first_end = bytes
        .iter()
        .position(u8::is_ascii_whitespace)
        .unwrap_or(bytes.len());
    let first = &bytes[..first_end];
    if first.len() < 2
        || !first.iter().all(u8::is_ascii_alphabetic)
        || first[1..].iter().any(u8::is_ascii_uppercase)
        || is_month(first)
        || is_weekday(first)
        || first.len() <= 9 && parse_level(first).is_some()
    {
        return false;
    }
    let rest = &bytes[first_end..];
    let start = rest
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    let second = &rest[start..];
    let second = &second[..second
        .iter()
        .position(u8::is_ascii_whitespace)
        .unwrap_or(second.len())];
    !is_program(second)
}

/// Header tokens looked at, and how many may come before the level.
const HEADER_PIECES: usize = 12;
const MAX_HEADER_FIELDS: usize = 9;

/// `D`, `I`, `W`, `E`: logcat's one-letter levels.
fn letter_level(p: &[u8]) -> Option<Level> {
    match p {
        b"V" => Some(Level::Trace),
        b"D" => Some(Level::Debug),
        b"I" => Some(Level::Info),
        b"W" => Some(Level::Warn),
        b"E" => Some(Level::Error),
        b"F" | b"A" => Some(Level::Fatal),
        _ => None,
    }
}

/// `03-17`: a month and day.
fn is_month_day(p: &[u8]) -> bool {
    p.len() == 5 && p[2] == b'-' && p.iter().enumerate().all(|(i, b)| i == 2 || b.is_ascii_digit())
}

/// `10.30`, `12/04`, `[03-17`: a month and day without a year (the month first), before a time.
fn is_short_date(p: &[u8]) -> bool {
    let p = p.strip_prefix(b"[").unwrap_or(p);
    let two = |a: u8, b: u8| a.is_ascii_digit() && b.is_ascii_digit();
    matches!(p, [m1, m2, b'.' | b'-' | b'/', d1, d2]
        if two(*m1, *m2) && two(*d1, *d2)
            && (1..=12).contains(&((m1 - b'0') * 10 + (m2 - b'0')))
            && (1..=31).contains(&((d1 - b'0') * 10 + (d2 - b'0'))))
}

/// `I1204`: glog's level letter and month-day.
fn glog_level(p: &[u8]) -> Option<Level> {
    (p.len() == 5 && p[1..].iter().all(u8::is_ascii_digit))
        .then(|| letter_level(&p[..1]))
        .flatten()
}

/// Whether a severity's letter between `before` and `after`, `then` opens a message as MongoDB
/// writes it (`2016-…T12:34:56.789+0000 I NETWORK  [conn12] message`: a date with its time, a
/// component, a context in brackets) or etcd (`… I | etcdserver: message`: a bar, a name and a
/// colon). A sentence that opens with `A` after a time (`10:00:00 A DNS lookup failed`) is none.
fn letter_opens_header(before: &[u8], after: &[u8], then: &[u8]) -> bool {
    is_date(before) && before.contains(&b'T') && is_component(after) && then.starts_with(b"[")
        || (is_time(before) || is_date(before)) && after == b"|" && then.len() > 1 && then.ends_with(b":")
}

/// MySQL's `[Note]` and `[System]`.
fn mysql_level(p: &[u8]) -> Option<Level> {
    match p {
        b"[Note]" | b"[NOTE]" => Some(Level::Notice),
        b"[System]" | b"[SYSTEM]" => Some(Level::Info),
        _ => None,
    }
}

/// MongoDB's component: `NETWORK`, `REPL`, `-` for none.
fn is_component(p: &[u8]) -> bool {
    p == b"-" || (2..=12).contains(&p.len()) && p.iter().all(u8::is_ascii_uppercase)
}

/// Redis's `4961:M` (a pid, then the role's letter) or `[4961]`.
fn is_redis_pid(p: &[u8]) -> bool {
    let pid = match p {
        [pid @ .., b':', b'M' | b'S' | b'C' | b'X'] => pid,
        [b'[', pid @ .., b']'] => pid,
        _ => return false,
    };
    is_id_number(pid)
}

/// A thread or process id: digits.
fn is_id_number(p: &[u8]) -> bool {
    !p.is_empty() && p.len() <= 10 && p.iter().all(u8::is_ascii_digit)
}

/// Seconds since the epoch, 2001 to 2100: ten digits.
fn is_epoch_seconds(p: &[u8]) -> bool {
    p.len() == 10
        && p.iter().all(u8::is_ascii_digit)
        && (&b"1000000000"[..]..=&b"4102444800"[..]).contains(&p)
}

/// Where the message starts in a first token made of `|`-joined header fields that begins with a
/// date or time (`20171223-22:15:29:606|Step_LSC|30002312|message`), if it is one: after the
/// third `|`, or the last when there are fewer.
fn piped_header(p: &[u8]) -> Option<usize> {
    let first = p.iter().position(|&b| b == b'|')?;
    let lead = &p[..first];
    let datelike = lead.len() >= 6
        && lead[0].is_ascii_digit()
        && lead.iter().filter(|b| b.is_ascii_digit()).count() * 2 >= lead.len();
    if !datelike {
        return None;
    }
    // At most three fields before the message (date|component|pid|…): a message may hold `|`
    // itself (`tryToReload…|3786|0|0`), and lines of one log must split alike.
    let last = p
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'|')
        .take(3)
        .last()
        .map(|(i, _)| i)?;
    (last > first && last + 1 < p.len()).then_some(last + 1)
}

/// A token that may come before the level: a date, number or id, `-`, an upper-case tag, a
/// bracketed date (`[Sun Dec 04 04:47:44 2005]`).
fn is_header_field(p: &[u8]) -> bool {
    let bare = || strip_brackets(p);
    p.iter().any(u8::is_ascii_digit)
        || p.len() <= 5 && (is_month(bare()) || is_weekday(bare()))
        || p.iter().all(|b| b.is_ascii_punctuation())
        || (2..=24).contains(&p.len())
            && p[0].is_ascii_uppercase()
            && p.iter().all(|&b| b.is_ascii_uppercase() || b == b'_')
        || is_user_at(p)
        // Ruby's Logger opens with its severity's letter: `E, [2024-01-01T10:00:01.123456 #1234]`.
        || matches!(p, [b'A'..=b'Z', b','])
        // A thread named without digits: log4j's `%d [%t] %-5p`, `… [main] ERROR …`.
        || p.len() > 2
            && p[0] == b'['
            && p[p.len() - 1] == b']'
            && !p[1..p.len() - 1].iter().any(|&b| matches!(b, b'[' | b']'))
}

/// Python's `logging.basicConfig()` default, `WARNING:root:disk almost full`: the level, the
/// logger's name and the message, joined by colons.
fn python_default(bytes: &[u8]) -> Option<(Option<Level>, usize, Reuse)> {
    let colon = bytes.iter().take(9).position(|&b| b == b':')?;
    let word = &bytes[..colon];
    if word.len() < 4 || !word.iter().all(u8::is_ascii_uppercase) {
        return None;
    }
    let level = level_word(word)?;
    let rest = &bytes[colon + 1..];
    let name = rest
        .iter()
        .take(128)
        .position(|&b| b == b':' || b.is_ascii_whitespace())?;
    if name == 0 || rest[name] != b':' {
        return None;
    }
    let mut start = colon + 1 + name + 1;
    while bytes.get(start).is_some_and(u8::is_ascii_whitespace) {
        start += 1;
    }
    (start < bytes.len()).then_some((Some(level), start, Reuse::No))
}

/// The level of header piece `p` after the piece `before` it: [`header_level`], or a level word
/// in lower case right after the time (zap's console encoder: `2025-04-24T22:09:20.854Z<TAB>info<TAB>…`).
fn level_after(before: Option<&[u8]>, p: &[u8]) -> Option<Level> {
    header_level(p).or_else(|| {
        // The cheap tests first: most pieces are no lower-case level word.
        if !(3..=8).contains(&p.len()) || !p.iter().all(u8::is_ascii_lowercase) {
            return None;
        }
        let level = crate::core::level::parse_lowercase(p)?;
        (before.is_some_and(|b| is_date(b) || is_time(b))
            && !crate::core::level::is_everyday_word(p))
        .then_some(level)
    })
}

/// `local.ERROR:`, `app.WARNING:`: a channel in lower case, a dot, the level in capitals.
fn channel_level(p: &[u8]) -> Option<Level> {
    let body = p.strip_suffix(b":")?;
    let dot = body.iter().rposition(|&b| b == b'.')?;
    let (channel, word) = (&body[..dot], &body[dot + 1..]);
    let named = !channel.is_empty()
        && channel
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-'));
    (named && word.iter().all(u8::is_ascii_uppercase))
        .then(|| level_word(word))
        .flatten()
}

/// `postgres@orders`, `[unknown]@[unknown]`: who and where (a user and a database or host), as
/// PostgreSQL's `%u@%d` writes them before the level.
fn is_user_at(p: &[u8]) -> bool {
    let name = |s: &[u8]| {
        !s.is_empty()
            && s.iter()
                .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'[' | b']'))
    };
    let Some(at) = p.iter().position(|&b| b == b'@') else {
        return false;
    };
    name(&p[..at]) && name(&p[at + 1..])
}

/// The level of a header piece: a level word on its own (see [`parse_level`]), after a channel's
/// name as PHP's Monolog (Laravel) writes it (`local.ERROR:`), or closing fields joined by colons,
/// as Amazon RDS writes PostgreSQL's header (`UTC:10.0.0.1(5432):app@orders:[18268]:ERROR:`):
/// after a field with a digit.
fn header_level(p: &[u8]) -> Option<Level> {
    // A channel's and RDS's forms end in a colon; most pieces do not.
    if p.last() != Some(&b':') {
        return parse_level(p).or_else(|| process_level(p));
    }
    parse_level(p).or_else(|| channel_level(p)).or_else(|| {
        let body = p.strip_suffix(b":")?;
        let colon = body.iter().rposition(|&b| b == b':')?;
        let (fields, word) = (&body[..colon], &body[colon + 1..]);
        let last = fields.rsplit(|&b| b == b':').next()?;
        if !last.iter().any(u8::is_ascii_digit) || !word.iter().all(u8::is_ascii_uppercase) {
            return None;
        }
        level_word(word)
    })
}

/// `ERROR/ForkPoolWorker-3]`, `INFO/MainProcess]`: Celery's level and process, closing the bracket
/// its time opened (`[2024-03-14 09:12:04,456: ERROR/ForkPoolWorker-3]`).
fn process_level(p: &[u8]) -> Option<Level> {
    let body = p.strip_suffix(b"]")?;
    let slash = body.iter().position(|&b| b == b'/')?;
    let word = &body[..slash];
    (slash + 1 < body.len() && word.iter().all(u8::is_ascii_uppercase))
        .then(|| level_word(word))
        .flatten()
}

/// `sshd[123]:`, `crond(pam_unix)[2915]:`: the program and pid of a syslog line.
fn is_program(p: &[u8]) -> bool {
    let Some(body) = p.strip_suffix(b"]:") else {
        return false;
    };
    let Some(open) = body.iter().rposition(|&b| b == b'[') else {
        return false;
    };
    open > 0 && body[open + 1..].iter().all(u8::is_ascii_digit) && open + 1 < body.len()
}

fn digits(p: &[u8], from: usize, min: usize, max: usize) -> Option<usize> {
    let mut i = from;
    while i < p.len() && i - from < max && p[i].is_ascii_digit() {
        i += 1;
    }
    (i - from >= min).then_some(i)
}

fn strip_brackets(p: &[u8]) -> &[u8] {
    let s = usize::from(p.first() == Some(&b'['));
    let mut e = p.len();
    while e > s && matches!(p[e - 1], b']' | b',' | b':') {
        e -= 1;
    }
    &p[s..e]
}

/// `2024-01-31`, `2005.06.03`, `2024-01-31T10:00:00Z`, `17/06/09`, `31/01/2024`.
pub(crate) fn is_date(p: &[u8]) -> bool {
    let p = strip_brackets(p);
    let long = || -> Option<()> {
        let i = digits(p, 0, 4, 4)?;
        let sep = *p.get(i)?;
        matches!(sep, b'-' | b'/' | b'.').then_some(())?;
        let j = digits(p, i + 1, 1, 2)?;
        (p.get(j) == Some(&sep)).then_some(())?;
        let k = digits(p, j + 1, 1, 2)?;
        (k == p.len() || matches!(p[k], b'T' | b'_' | b' ' | b',')).then_some(())
    };
    let short = || -> Option<()> {
        let i = digits(p, 0, 1, 2)?;
        let sep = *p.get(i)?;
        matches!(sep, b'-' | b'/' | b'.').then_some(())?;
        let j = digits(p, i + 1, 1, 2)?;
        (p.get(j) == Some(&sep)).then_some(())?;
        let k = digits(p, j + 1, 2, 4)?;
        (k == p.len()).then_some(())
    };
    long().is_some() || short().is_some()
}

/// `10:00`, `10:00:00`, `10:00:00.123`, `18:01:47,978`, with an optional zone.
pub(crate) fn is_time(p: &[u8]) -> bool {
    let p = strip_brackets(p);
    let check = || -> Option<()> {
        let i = digits(p, 0, 1, 2)?;
        (p.get(i) == Some(&b':')).then_some(())?;
        let mut k = digits(p, i + 1, 2, 2)?;
        if p.get(k) == Some(&b':') {
            k = digits(p, k + 1, 2, 2)?;
        }
        if matches!(p.get(k), Some(b'.' | b',')) {
            k = digits(p, k + 1, 1, 9)?;
        }
        let rest = &p[k..];
        (rest.is_empty() || rest == b"Z" || is_zone(rest)).then_some(())
    };
    check().is_some()
}

/// `UTC`, `+0200`, `+02:00`, or a zone's abbreviation as `%Z` writes it (`CEST`, `EST`,
/// PostgreSQL's default `%m`).
pub(crate) fn is_zone(p: &[u8]) -> bool {
    match p.len() {
        1 => p == b"Z",
        3 | 4 => p.iter().all(u8::is_ascii_uppercase) && is_zone_abbreviation(p),
        5 | 6 => matches!(p[0], b'+' | b'-') && p[1..].iter().all(|&b| b.is_ascii_digit() || b == b':'),
        _ => false,
    }
}

/// The abbreviations of the zones most servers run in.
#[inline(never)]
fn is_zone_abbreviation(p: &[u8]) -> bool {
    matches!(
        p,
        b"UTC"
            | b"GMT"
            | b"WET"
            | b"WEST"
            | b"CET"
            | b"CEST"
            | b"EET"
            | b"EEST"
            | b"BST"
            | b"IST"
            | b"MSK"
            | b"EST"
            | b"EDT"
            | b"CST"
            | b"CDT"
            | b"MST"
            | b"MDT"
            | b"PST"
            | b"PDT"
            | b"AKST"
            | b"AKDT"
            | b"HST"
            | b"JST"
            | b"KST"
            | b"HKT"
            | b"SGT"
            | b"AEST"
            | b"AEDT"
            | b"ACST"
            | b"ACDT"
            | b"AWST"
            | b"NZST"
            | b"NZDT"
    )
}

pub(crate) fn is_month(p: &[u8]) -> bool {
    matches!(
        p,
        b"Jan"
            | b"Feb"
            | b"Mar"
            | b"Apr"
            | b"May"
            | b"Jun"
            | b"Jul"
            | b"Aug"
            | b"Sep"
            | b"Oct"
            | b"Nov"
            | b"Dec"
    )
}

pub(crate) fn is_day(p: &[u8]) -> bool {
    !p.is_empty() && p.len() <= 2 && p.iter().all(u8::is_ascii_digit)
}

/// A level word: `INFO`, `Warning:`, `[error]`, `level=warn`. A bare lowercase word is not
/// taken, since it is as likely to be the message (`warning` alone on a line).
pub(crate) fn parse_level(p: &[u8]) -> Option<Level> {
    // A level word, a `level=` prefix or a bracket opens it: a date, a time or a pid is not one.
    if !p
        .first()
        .is_some_and(|&b| b.is_ascii_alphabetic() || matches!(b, b'[' | b'<' | b'('))
    {
        return None;
    }
    let mut decorated = false;
    let mut w = p;
    for prefix in [&b"level="[..], b"lvl=", b"severity="] {
        if w.len() > prefix.len() && w[..prefix.len()].eq_ignore_ascii_case(prefix) {
            w = &w[prefix.len()..];
            decorated = true;
        }
    }
    // winston's `[error]:`: the colon after the bracket.
    if w.len() > 3 && w.ends_with(b"]:") {
        w = &w[..w.len() - 1];
        decorated = true;
    }
    if let (Some(&open), Some(&close)) = (w.first(), w.last())
        && ((open == b'[' && close == b']')
            || (open == b'<' && close == b'>')
            || (open == b'(' && close == b')'))
        && w.len() > 2
    {
        w = w[1..w.len() - 1].trim_ascii();
        decorated = true;
        // Apache 2.4's `[core:info]`, `[proxy_http:error]`: the module, then the level.
        if open == b'['
            && let Some(colon) = w.iter().rposition(|&b| b == b':')
            && colon > 0
            && w[..colon]
                .iter()
                .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            w = &w[colon + 1..];
        }
    }
    if w.last() == Some(&b':') {
        w = &w[..w.len() - 1];
        decorated = true;
    } else if w.len() > 3 && w.last() == Some(&b']') && w.first() != Some(&b'[') {
        // Serilog's console `[10:00:01 ERR]`: the level closes the bracket its time opened
        // (its `FTL` and `VRB` are level words only there: Pi-hole's `FTL branch: master`).
        w = &w[..w.len() - 1];
        match w {
            b"FTL" => return Some(Level::Fatal),
            b"VRB" => return Some(Level::Trace),
            _ => {}
        }
        decorated = true;
    }
    if w.len() < 3 || w.len() > 8 {
        return None;
    }
    let upper = w.iter().all(u8::is_ascii_uppercase);
    let capital = w[0].is_ascii_uppercase() && w[1..].iter().all(u8::is_ascii_lowercase);
    if !(upper || capital || decorated) {
        return None;
    }
    level_word(w)
}

/// A level name in any case: `info`, `WARN`, `Error`; a header's level word is three to eight letters.
fn level_word(w: &[u8]) -> Option<Level> {
    if w.len() < 3 || w.len() > 8 {
        return None;
    }
    crate::core::level::parse_word(w)
}

pub(crate) fn is_weekday(p: &[u8]) -> bool {
    matches!(
        p,
        b"Mon" | b"Tue" | b"Wed" | b"Thu" | b"Fri" | b"Sat" | b"Sun"
    )
}

#[cfg(test)]
mod whitespace_tests {
    use super::{next_piece, whitespace_from};

    #[test]
    fn a_bracket_that_padding_interrupted_is_one_piece_to_its_close() {
        fn piece(line: &str) -> Option<&str> {
            next_piece(line.as_bytes(), 0).map(|r| &line[r])
        }
        assert_eq!(piece("[INFO ] [main] started"), Some("[INFO ]"));
        assert_eq!(
            piece("[2018-05-17T08:19:45,482][INFO ][o.e.n.Node     ] [n1] started"),
            Some("[2018-05-17T08:19:45,482][INFO ][o.e.n.Node     ]")
        );
        assert_eq!(piece("[[[ ] ] ] boom"), Some("[[[ ] ] ]"));
        // What is not padding ends the piece where a space does.
        assert_eq!(piece("[    1.234] usb 1-1: new device"), Some("["));
        assert_eq!(piece("[a b] c"), Some("[a"));
        assert_eq!(piece("[ "), Some("["));
        assert_eq!(piece("[[[["), Some("[[[["));
    }

    #[test]
    fn the_first_whitespace_is_found_wherever_it_sits() {
        let naive = |b: &[u8], from: usize| {
            (from..b.len())
                .find(|&i| b[i].is_ascii_whitespace())
                .unwrap_or(b.len())
        };
        let samples: [&[u8]; 6] = [
            b"",
            b"abcdefghijklmnopqrstuvwxyz",
            b"2026-11-24T14:00:00.000Z INFO  request method=POST",
            b"tab\tafter\x01\x1fcontrols\x7f\xc3\xa9\x80 end",
            b"\x00\x00\x00\x00\x00\x00\x00\x00\x00 x",
            b"abcdefg\x0c\rz",
        ];
        for sample in samples {
            for from in 0..=sample.len() {
                assert_eq!(whitespace_from(sample, from), naive(sample, from), "{sample:?} from {from}");
            }
        }
    }
}

#[cfg(test)]
mod memo_tests {
    use super::{HeaderMemo, same_but_digits, split_header};

    #[test]
    fn a_header_is_compared_digit_for_digit_wherever_its_bytes_sit() {
        let naive = |b: &[u8], m: &[u8]| {
            b.len() == m.len()
                && b.iter().zip(m).all(|(&b, &m)| if b.is_ascii_digit() { m == b'0' } else { b == m })
        };
        let samples: [&[u8]; 6] = [
            b"2026-11-24T14:00:00.000Z INFO  ",
            b"2000-00-00T00:00:00.000Z INFO  ",
            b"/:09\x7f\xc3\xa9\xb0\xb9 0123456789 +-.,",
            b"0000:00\x7f\xc3\xa9\xb0\xb9 0000000000 +-.,",
            b"\x80\xb0\xb9\xff\x30\x39\x2f\x3a",
            b"",
        ];
        for a in samples {
            for b in samples {
                for cut in 0..=a.len().min(b.len()) {
                    let (a, b) = (&a[..cut], &b[..cut]);
                    assert_eq!(same_but_digits(a, b), naive(a, b), "{a:?} {b:?}");
                }
            }
        }
    }

    #[test]
    fn a_log_alternating_a_dozen_headers_splits_each_from_the_memo_once_seen() {
        // One header per level and thread, as a service with a thread pool writes them.
        let mut heads = Vec::new();
        for level in ["INFO ", "WARN ", "ERROR", "DEBUG"] {
            for thread in ["main", "http-nio-8080-exec-{d}", "pool-{d}-thread-{d}"] {
                heads.push(format!("2026-11-24T14:00:0{{d}}.123Z {level} [{thread}] "));
            }
        }
        let mut memo = HeaderMemo::default();
        for round in 0..3 {
            for head in &heads {
                let line = format!("{}c.e.Orders : order {round} placed", head.replace("{d}", &round.to_string()));
                let recalled = memo.recall(line.as_bytes());
                assert_eq!(recalled.is_some(), round > 0, "{line:?}");
                let kept = split_header(&line, &mut memo);
                assert_eq!(kept, split_header(&line, &mut HeaderMemo::default()), "{line:?}");
            }
        }
    }

    #[test]
    fn a_syslog_header_kept_before_a_program_is_reused_only_where_the_split_holds() {
        // The same header (but for digits) before a program, before none, and before a program
        // that a level, a separated level or nothing follows.
        let lines = [
            "Jul  1 10:00:00 web01 sshd[12]: Accepted publickey for bob",
            "Jul  2 10:00:00 web02 request method=POST path=/v1",
            "Jul  3 10:00:00 web03 cron[7]: ERROR boom",
            "Jul  4 10:00:00 web04 cron[7]: - app - INFO - started",
            "Jul  5 10:00:00 web05 cron[7]:",
            "Jul  6 10:00:00 web06 sshd[9]: 12 ERROR late",
            "Jul  7 10:00:00 web07 sshd[9]: session opened",
            "Jul  8 10:00:00 web08 sshd: no pid",
        ];
        let mut memo = HeaderMemo::default();
        let mut recalled = 0;
        for _ in 0..2 {
            for line in lines {
                recalled += usize::from(memo.recall(line.as_bytes()).is_some());
                let kept = split_header(line, &mut memo);
                assert_eq!(kept, split_header(line, &mut HeaderMemo::default()), "{line:?}");
            }
        }
        assert!(recalled >= 3, "the plain program lines reuse the kept split ({recalled})");
    }

    #[test]
    fn a_kept_header_splits_every_line_as_a_split_in_full_does() {
        let heads = [
            "2026-11-24T14:00:0{d}.123Z INFO  ",
            "2026-11-24T14:00:0{d}.123Z ERROR ",
            "2026-12-06 10:00:0{d},123 - app.orders - WARNING - ",
            "2026-12-06 10:00:0{d}.1{d}3  INFO 4242 --- [main] ",
            "[2026-12-06T10:00:0{d},123][WARN ][o.e.c.Monitor] ",
            "03-17 16:13:3{d}.811  1702  2395 D ",
            "I1204 10:00:0{d}.678662    1321 ",
            "Jun 1{d} 10:00:00 host sshd[12{d}]: ",
            "<1{d}>Jun 14 15:16:01 combo ",
            "081109 20361{d} 148 INFO dfs.DataNode$PacketResponder: ",
            "1{d}7 node-246 unix.hw state_change.unavailable 1077804742 1 ",
            "INFO ",
            "2026-11-24T14:00:0{d}Z [worker-{d}] DEBUG ",
            "May  {d} 12:00:0{d} web0{d} app[1{d}34]: ",
            "Dec 1{d} 10:00:00 combo crond(pam_unix)[29{d}5]: ",
            "<1{d}>Jun 14 15:16:01 combo app[{d}]: ",
            "Jun 1{d} 10:00:00 - | app[{d}]: ",
            "Jul  {d} 10:00:00 web0{d} ",
            "2026-12-07 06:52:2{d}.915 UTC [1826{d}] postgres@bench ",
            "2026-12-07 06:52:2{d} UTC:10.0.0.{d}(5432):app@orders:[1826{d}]:",
            "[2023-05-15 18:19:3{d}] local.ERROR: ",
            "2025-04-24T22:09:2{d}.854Z\tinfo\tMetrics\t",
            "E, [2024-01-01T10:00:0{d}.123456 #12{d}4] ERROR -- : ",
            "2024-01-01T10:00:0{d}.123Z [main] ERROR ",
            "WARNING:root:",
            "2016-12-09T12:34:5{d}.789+0000 I NETWORK  [conn1{d}] ",
            "[2018-05-17T08:19:4{d},482][INFO ][o.e.n.Node               ] ",
            "2019-10-01 10:00:0{d},123 [WARN ] [main] ",
            "4961:M 2{d} May 12:50:13.464 * ",
            "2017-04-03 22:32:1{d}.322 CEST [3122{d}] postgres@mydb ",
            "16120{d} 14:18:50 [Note] ",
        ];
        let messages = [
            "request method=POST path=/v1/charges status=200",
            "[main] c.e.Class : started",
            "[IPC Server handler {d} on 8030] ok",
            "- app - done",
            ": after a colon",
            "| piped",
            "4242 --- [main] c.e.App : Started",
            "] closing bracket",
            "{d}",
            "x",
            "",
            "   spaced out",
            "ERROR boom",
            "WARN",
            "error: in lower case",
            "1{d} ERROR after a number",
            "- ERROR - between separators",
            "- app.orders - INFO - a name between separators",
            "| INFO | between pipes",
            "[INFO] in brackets",
            "x ERROR after a word",
            "7 8 9 10 11 12 13 ERROR late",
            "sshd[1{d}]: WARNING nested",
            "2016-12-09T12:34:5{d}.789+0000 I NETWORK  [conn1] end connection",
            "2019-10-01 10:00:0{d}.123456 I | etcdserver: published",
            "10:00:00 A DNS failure here",
            "-- : ruby style",
        ];
        let mut lines = Vec::new();
        for round in 0..3 {
            for (h, head) in heads.iter().enumerate() {
                for (m, message) in messages.iter().enumerate() {
                    let d = ((round + h + m) % 10).to_string();
                    lines.push(format!("{}{}", head.replace("{d}", &d), message.replace("{d}", &d)));
                }
            }
        }
        let mut memo = HeaderMemo::default();
        for line in &lines {
            let kept = split_header(line, &mut memo);
            let full = split_header(line, &mut HeaderMemo::default());
            assert_eq!(kept, full, "{line:?}");
        }
    }
}

#[cfg(test)]
mod json_tests {
    use super::{JSON_KEYS, json_string_field};
    use std::ops::Range;

    /// The field read byte by byte, as the searchers must read it.
    fn plain(bytes: &[u8], key: &[u8]) -> Option<Range<usize>> {
        let mut from = 0;
        while from < bytes.len() {
            let at = from + bytes[from..].windows(key.len()).position(|w| w == key)?;
            let mut i = at + key.len();
            from = i;
            while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            if bytes.get(i) != Some(&b':') {
                continue;
            }
            i += 1;
            while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            if bytes.get(i) != Some(&b'"') {
                continue;
            }
            let start = i + 1;
            let mut j = start;
            while j < bytes.len() {
                match bytes[j] {
                    b'\\' => j += 2,
                    b'"' => return Some(start..j),
                    _ => j += 1,
                }
            }
            return None;
        }
        None
    }

    #[test]
    fn a_json_field_is_read_as_byte_by_byte_wherever_its_quotes_and_escapes_sit() {
        let lines = [
            r#"{"ts":"2024-01-01T00:00:01Z","level":"warn","msg":"disk 1 almost full","host":"a"}"#,
            r#"{"note":"the \"msg\" key","msg" : "say \"hi\" \\","lvl":"error"}"#,
            r#"{"msg":"ends in a backslash \"#,
            r#"{"msg":"unclosed"#,
            r#"{"message": 42, "log":"from the log key", "severity":"info"}"#,
            r#"{"msg" "no colon","msg":"second","loglevel" :  "debug"}"#,
            r#"{"msg":"\\\\","level":"\u0041"}"#,
            r#"{}"#,
            r#"{"msg":""}"#,
        ];
        for line in lines {
            for key in JSON_KEYS.iter() {
                let bytes = line.as_bytes();
                assert_eq!(
                    json_string_field(bytes, key),
                    plain(bytes, key.needle()),
                    "{line} {:?}",
                    String::from_utf8_lossy(key.needle())
                );
            }
        }
    }
}
