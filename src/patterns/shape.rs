//! What a token looks like: its core (without surrounding punctuation), its display shape
//! (`blk_<*>`), and the small lexical tests the tokenizer makes.

use super::header::is_zone;

/// Characters stripped from the front of a token before classifying its core.
fn is_open(b: u8) -> bool {
    matches!(b, b'(' | b'[' | b'{' | b'<' | b'"' | b'\'' | b'`')
}

/// Characters stripped from the end of a token before classifying its core.
fn is_close(b: u8) -> bool {
    matches!(
        b,
        b')' | b']' | b'}' | b'>' | b'"' | b'\'' | b'`' | b'.' | b',' | b';' | b':' | b'!' | b'?'
    )
}

/// Punctuation that, inside a token, makes it an identifier, path or list rather than a word.
pub(crate) const fn is_structural(b: u8) -> bool {
    matches!(
        b,
        b'.' | b'_'
            | b'/'
            | b'\\'
            | b'@'
            | b':'
            | b'#'
            | b'$'
            | b'%'
            | b'~'
            | b'&'
            | b'?'
            | b','
            | b';'
            | b'|'
            | b'*'
            | b'+'
            | b'='
            | b'('
            | b')'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'<'
            | b'>'
    )
}

/// Byte classes, one bit each, so that one pass over a token answers several questions.
pub(crate) const DIGIT: u8 = 1;
pub(crate) const EQUALS: u8 = 2;
/// [`is_structural`] (`=` is both).
pub(crate) const STRUCTURAL: u8 = 4;
pub(crate) const UPPER: u8 = 8;
pub(crate) const LOWER: u8 = 16;
/// A hex digit or `:`, `.`, `-` (the bytes of an IP, a MAC, a UUID, a date).
pub(crate) const HEXISH: u8 = 32;
/// `:` (a qualified name's `::`, a time's, a label's end).
pub(crate) const COLON: u8 = 64;

const fn class_of(b: u8) -> u8 {
    let mut c = 0;
    if b.is_ascii_digit() {
        c |= DIGIT;
    }
    if b == b'=' {
        c |= EQUALS;
    }
    if is_structural(b) {
        c |= STRUCTURAL;
    }
    if b.is_ascii_uppercase() {
        c |= UPPER;
    }
    if b.is_ascii_lowercase() {
        c |= LOWER;
    }
    if b.is_ascii_hexdigit() || matches!(b, b':' | b'.' | b'-') {
        c |= HEXISH;
    }
    if b == b':' {
        c |= COLON;
    }
    c
}

static CLASSES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = class_of(i as u8);
        i += 1;
    }
    t
};

/// The class bits of one byte.
pub(crate) fn class(b: u8) -> u8 {
    CLASSES[usize::from(b)]
}

/// The class bits found anywhere in `bytes`.
pub(crate) fn classes(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |m, &b| m | class(b))
}

/// The class bits of every byte of `bytes` in common.
pub(crate) fn common_classes(bytes: &[u8]) -> u8 {
    bytes.iter().fold(u8::MAX, |m, &b| m & class(b))
}

pub(crate) fn core_bounds(raw: &[u8]) -> (usize, usize) {
    let mut s = 0;
    let mut e = raw.len();
    while s < e && is_open(raw[s]) {
        s += 1;
    }
    while e > s && is_close(raw[e - 1]) {
        e -= 1;
    }
    (s, e)
}

pub(crate) fn is_key(key: &[u8]) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key[0].is_ascii_alphabetic()
        && key
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Marks a stem's identity apart from a key of the same letters.
pub(crate) const STEM: u64 = 0x57e4;

/// `eth0`, `alt0`, `CPU12`: letters then digits; the length of the letters.
pub(crate) fn stem_len(core: &[u8]) -> Option<usize> {
    let letters = core.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    (letters > 0 && letters < core.len() && core[letters..].iter().all(u8::is_ascii_digit))
        .then_some(letters)
}

/// The keys whose value is the message itself (logfmt), so it must stay part of the template.
pub(crate) fn is_message_key(key: &[u8]) -> bool {
    matches!(key, b"msg" | b"message" | b"event")
}

/// `user alice`: the word after `user` is a name, not part of the message.
pub(crate) fn names_a_value(prev: &[u8]) -> bool {
    // `user` or `username` alone, in any case (no punctuation around it).
    prev.eq_ignore_ascii_case(b"user") || prev.eq_ignore_ascii_case(b"username")
}

/// `for root`, `by alice`, `from db-2`: the words after which comes who or where (see
/// `siblings`).
pub(crate) fn names_a_holder(prev: &[u8]) -> bool {
    [&b"for"[..], b"by", b"from"]
        .iter()
        .any(|w| prev.eq_ignore_ascii_case(w))
}

pub(crate) fn trim_close(p: &[u8]) -> &[u8] {
    let mut e = p.len();
    while e > 0 && is_close(p[e - 1]) {
        e -= 1;
    }
    &p[..e]
}

/// `PDT`, `UTC`, `CEST`, `+0200`.
pub(crate) fn is_zone_name(p: &[u8]) -> bool {
    is_zone(p)
        || (3..=4).contains(&p.len())
            && p.iter().all(u8::is_ascii_uppercase)
            && p.last() == Some(&b'T')
}

/// A unit that follows a number: sizes and durations.
pub(crate) fn is_unit(raw: &[u8]) -> bool {
    // No unit is longer than `seconds`/`minutes`: past seven bytes only closing punctuation.
    if raw.len() > 7 && !is_close(raw[7]) {
        return false;
    }
    let (cs, ce) = core_bounds(raw);
    cs == 0
        && matches!(
            &raw[..ce],
            b"B" | b"b"
                | b"KB"
                | b"kB"
                | b"kb"
                | b"MB"
                | b"mb"
                | b"GB"
                | b"gb"
                | b"TB"
                | b"KiB"
                | b"MiB"
                | b"GiB"
                | b"TiB"
                | b"bytes"
                | b"ms"
                | b"us"
                | b"ns"
                | b"\xc2\xb5s"
                | b"s"
                | b"sec"
                | b"secs"
                | b"seconds"
                | b"min"
                | b"mins"
                | b"minutes"
                | b"h"
                | b"hours"
        )
}

pub(crate) fn is_number(raw: &[u8]) -> bool {
    let (cs, ce) = core_bounds(raw);
    let core = &raw[cs..ce];
    let core = core.strip_prefix(b"-").unwrap_or(core);
    !core.is_empty()
        && core[0].is_ascii_digit()
        && core
            .iter()
            .all(|&b| b.is_ascii_digit() || b == b'.' || b == b',')
}

pub(crate) fn ends_with_quote(piece: &[u8], quote: u8) -> bool {
    let mut e = piece.len();
    while e > 0 && matches!(piece[e - 1], b')' | b']' | b'}' | b'.' | b',' | b';' | b':') {
        e -= 1;
    }
    // `\"` inside a quoted value is a quote in the text, not its end.
    e > 0 && piece[e - 1] == quote && (e < 2 || piece[e - 2] != b'\\')
}

pub(crate) fn is_url(core: &[u8]) -> bool {
    scheme_end(core).is_some()
}

/// Where the `://` of a URL starts.
fn scheme_end(core: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b':', core).find(|&i| core[i + 1..].starts_with(b"//"))
}

/// Writes the display shape of a token holding digits, see [`Tokenizer::masked_shape`].
pub(crate) fn write_masked_shape(raw: &[u8], cs: usize, ce: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(&raw[..cs]);
    if let Some(scheme) = scheme_end(&raw[cs..ce]) {
        out.extend_from_slice(&raw[cs..cs + scheme + 3]);
        out.extend_from_slice(b"<*>");
        out.extend_from_slice(&raw[ce..]);
        return;
    }
    let core = &raw[cs..ce];
    if common_classes(core) & HEXISH != 0 {
        // IPs, MACs, UUIDs, dates, hex: one value.
        out.extend_from_slice(b"<*>");
        out.extend_from_slice(&raw[ce..]);
        return;
    }
    let mut i = 0;
    // Bytes since the last placeholder that were only separators: a placeholder may swallow them.
    let mut pending_sep_from: Option<usize> = None;
    while i < core.len() {
        let b = core[i];
        const ALNUM: u8 = DIGIT | UPPER | LOWER;
        if class(b) & ALNUM != 0 || (b == b'-' && starts_number(core, i)) {
            let s = i;
            let mut run = class(b);
            i += 1;
            while i < core.len() && class(core[i]) & ALNUM != 0 {
                run |= class(core[i]);
                i += 1;
            }
            // A month name inside a date (`10/Oct/2000:13:55:36`) is part of the value.
            if run & DIGIT != 0 || i - s == 3 && super::header::is_month(&core[s..i]) {
                if let Some(from) = pending_sep_from {
                    out.truncate(from);
                } else {
                    out.extend_from_slice(b"<*>");
                }
                pending_sep_from = Some(out.len());
            } else {
                out.extend_from_slice(&core[s..i]);
                pending_sep_from = None;
            }
        } else {
            out.push(b);
            if !matches!(b, b'.' | b':' | b'-' | b'/' | b'_' | b',') {
                pending_sep_from = None;
            }
            i += 1;
        }
    }
    // Trailing separators after the last placeholder stay as written (they are in `out`).
    out.extend_from_slice(&raw[ce..]);
}

fn starts_number(core: &[u8], i: usize) -> bool {
    core.get(i + 1).is_some_and(u8::is_ascii_digit)
        && (i == 0 || !core[i - 1].is_ascii_alphanumeric())
}

/// The display shape of a token of the line, as a string (what its hash `shape_hash` stands for);
/// `folded` says the token is a run of several values folded into one.
pub(crate) fn shape_of(raw: &str, folded: bool) -> String {
    let whole = raw.as_bytes();
    // A folded run shows the shape of its first value; any other phrase is one placeholder.
    let bytes = match whole.iter().position(u8::is_ascii_whitespace) {
        Some(space) if folded => &whole[..space],
        _ => whole,
    };
    let (cs, ce) = core_bounds(bytes);
    let mut out = Vec::with_capacity(bytes.len());
    let single = !bytes.iter().any(u8::is_ascii_whitespace);
    if single && bytes[cs.min(ce)..ce].iter().any(u8::is_ascii_digit) {
        write_masked_shape(bytes, cs, ce, &mut out);
    } else if !single && !folded {
        // Several values side by side, or a quoted phrase: one placeholder, in its quotes if quoted.
        let quote = bytes[0];
        if matches!(quote, b'"' | b'\'') && ends_with_quote(bytes, quote) && bytes.len() > 1 {
            out.extend_from_slice(&[quote]);
            out.extend_from_slice(b"<*>");
            let close = bytes.iter().rposition(|&b| b == quote).unwrap_or(bytes.len());
            out.extend_from_slice(&bytes[close..]);
        } else {
            // What closes or opens around the value stays shown: `size <*>, free <*>)` for
            // `size 5.2 KB, free 35.4 KB)`.
            let (s, e) = loose_ends(bytes);
            out.extend_from_slice(&bytes[..s]);
            out.extend_from_slice(b"<*>");
            out.extend_from_slice(&bytes[e..]);
        }
    } else {
        // A bracket opened inside the value closes inside its `<*>` (`pam_unix(cron:session):`
        // is `<*>:`, not `<*>):`), and one it closes opened inside it.
        let (mut cs, mut ce) = (cs.min(ce), ce.max(cs));
        let mut depth = bytes[cs..ce].iter().fold(0i32, |d, &b| d + bracket(b));
        while depth > 0 && ce < bytes.len() && bracket(bytes[ce]) < 0 {
            ce += 1;
            depth -= 1;
        }
        while depth < 0 && cs > 0 && bracket(bytes[cs - 1]) > 0 {
            cs -= 1;
            depth += 1;
        }
        out.extend_from_slice(&bytes[..cs]);
        out.extend_from_slice(b"<*>");
        out.extend_from_slice(&bytes[ce..]);
    }
    if out.len() > MAX_SHAPE_BYTES {
        return "<*>".to_owned();
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// 1 for a byte that opens a bracket, -1 for one that closes one, 0 for any other.
pub(crate) fn bracket(b: u8) -> i32 {
    match b {
        b'(' | b'[' | b'{' => 1,
        b')' | b']' | b'}' => -1,
        _ => 0,
    }
}

/// Where a value of several pieces starts and ends within its punctuation: brackets it opens
/// but does not close (`(5.2 KB`), and a comma, semicolon or dot after it or a bracket it closes
/// but did not open (`35.4 KB).`) are around it; `(1234 bytes)` and `[a, b]` are inside.
fn loose_ends(bytes: &[u8]) -> (usize, usize) {
    let pair = |b: u8| match b {
        b'(' => Some(b')'),
        b'[' => Some(b']'),
        b'{' => Some(b'}'),
        _ => None,
    };
    let mut s = 0;
    while let Some(close) = bytes.get(s).and_then(|&b| pair(b))
        && !bytes[s + 1..].contains(&close)
    {
        s += 1;
    }
    let mut e = bytes.len();
    while e > s {
        let b = bytes[e - 1];
        let open = match b {
            b')' => b'(',
            b']' => b'[',
            b'}' => b'{',
            b',' | b';' | b'.' => {
                e -= 1;
                continue;
            }
            _ => break,
        };
        if bytes[s..e - 1].contains(&open) {
            break;
        }
        e -= 1;
    }
    if s >= e { (0, bytes.len()) } else { (s, e) }
}

/// A longer display shape is shown as a bare `<*>`.
const MAX_SHAPE_BYTES: usize = 96;

/// Where the first `needle` byte of `bytes` is: eight bytes at a time (the lowest byte flagged by
/// the zero-byte test is exact; only bytes above a match can be flagged falsely).
pub(crate) fn find_byte(bytes: &[u8], needle: u8) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    let spread = ONES * u64::from(needle);
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let x = crate::core::text::word8(chunk) ^ spread;
        let zero = x.wrapping_sub(ONES) & !x & HIGH;
        if zero != 0 {
            return Some(at + zero.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == needle)
        .map(|i| at + i)
}

/// Whether a word is the name of a type followed by its message or arguments, as an error is
/// written in most languages: `java.net.ConnectException:`, `ReadTimeout:`,
/// `ConnectionError('…`, `System.Net.Http.HttpRequestException:`. The last name (after the
/// dots) opens with a capital and either names an error or exception or is written in camel
/// case (two capitals or more, small letters too).
pub(crate) fn names_a_type(word: &str) -> bool {
    let name = match word.find('(') {
        Some(open) => &word[..open],
        None => match word.strip_suffix(':') {
            Some(name) => name,
            None => return false,
        },
    };
    let last = name.rsplit('.').next().unwrap_or(name);
    let bytes = last.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_uppercase)
        || !bytes.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
        || !name.split('.').all(|n| !n.is_empty())
    {
        return false;
    }
    let capitals = bytes.iter().filter(|b| b.is_ascii_uppercase()).count();
    last.ends_with("Exception")
        || last.ends_with("Error")
        || capitals >= 2 && bytes.iter().any(u8::is_ascii_lowercase)
}

#[cfg(test)]
mod find_byte_tests {
    use super::find_byte;

    #[test]
    fn the_first_byte_is_found_wherever_it_sits() {
        let samples: [&[u8]; 6] = [
            b"",
            b"=",
            b"duration_ms=42",
            b"a\x3c\x3d\x3e\xbd\xff=====",
            b"abcdefghijklmnopqrstuvwxyz0123456789=",
            b"\x00\x01\x3c\x3e\x3d\x3d\x7d\xfd\x00\x3d",
        ];
        for sample in samples {
            for from in 0..=sample.len() {
                let bytes = &sample[from..];
                assert_eq!(find_byte(bytes, b'='), bytes.iter().position(|&b| b == b'='), "{bytes:?}");
            }
        }
    }
}

#[cfg(test)]
mod type_name_tests {
    use super::names_a_type;

    #[test]
    fn an_errors_type_is_a_capitalised_name_before_its_message_or_arguments() {
        for word in [
            "java.net.ConnectException:",
            "ReadTimeout:",
            "ConnectionError('Connection",
            "System.Net.Http.HttpRequestException:",
            "TypeError:",
            "HTTPError:",
            "Error:",
        ] {
            assert!(names_a_type(word), "{word}");
        }
        for word in [
            "failed:",
            "Product:",
            "Status:",
            "java.net.ConnectException",
            "com.example..Broken:",
            "sshd(pam_unix):",
            "AH00128:",
            "URL:",
        ] {
            assert!(!names_a_type(word), "{word}");
        }
    }
}
