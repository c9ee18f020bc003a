//! Display width of text and hard wrapping at a column count, so the logs panel and the detail view
//! agree on how many rows a line takes (a wide character is never split, and counts two columns);
//! and the byte scans the follower and the miner share (eight bytes at a time, a compose prefix).

use unicode_width::UnicodeWidthChar;

/// Eight bytes (exactly eight: a chunk of `chunks_exact(8)`) as one little-endian word, for the
/// eight-at-a-time scans: byte `i` of the chunk is bits `8 * i` up.
#[inline]
pub fn word8(chunk: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(chunk);
    u64::from_le_bytes(w)
}

/// How many bytes at the start of `bytes` lie in whole 32-byte blocks holding no byte that `hit`
/// matches: each block is checked whole, in a form the compiler turns into vector compares, so
/// plain text costs a few instructions a block. The first matching byte, if any, is at or after
/// the offset returned (the rest is for the caller to look at). When every whole block is clear,
/// the bytes after them are checked as the block that ends `bytes` (overlapping bytes already
/// read): a clear line of 32 bytes or more then costs no byte-at-a-time loop, and `bytes.len()`
/// is returned.
#[inline]
pub fn clear_blocks(bytes: &[u8], hit: impl Fn(u8) -> bool) -> usize {
    let any = |block: &[u8]| block.iter().fold(false, |any, &b| any | hit(b));
    let mut at = 0;
    for block in bytes.chunks_exact(32) {
        if any(block) {
            return at;
        }
        at += 32;
    }
    if at < bytes.len() && at >= 32 && !any(&bytes[bytes.len() - 32..]) {
        return bytes.len();
    }
    at
}

/// `text`'s first `max` bytes at most, cut at a character boundary.
pub fn within_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `web-1  | `, `caddy  | `: the service's name that `docker compose logs` writes before each
/// line, padded, then a bar; the length of that prefix. What follows is the service's own line.
pub fn compose_prefix(bytes: &[u8]) -> Option<usize> {
    // A service is named with a letter first; a line opening with a time or a bracket is no such.
    if !bytes.first()?.is_ascii_alphabetic() {
        return None;
    }
    // Most lines have no bar near their start: one search answers for them.
    let bar = memchr::memchr(b'|', &bytes[..bytes.len().min(96)])?;
    let name = bytes[..bar].iter().rposition(|&b| b != b' ')? + 1;
    (name < bar
        && bytes[..name]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        && matches!(bytes.get(bar + 1), Some(b' ') | None))
    .then_some((bar + 2).min(bytes.len()))
}

/// Columns a character takes on a terminal (control characters, already sanitized away, count 0).
pub fn char_width(ch: char) -> usize {
    ch.width().unwrap_or(0)
}

/// Columns `text` takes.
pub fn width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// `text` cut into pieces of at most `columns` columns each (at least one piece, even for empty
/// text); a character wider than `columns` gets a piece of its own.
pub fn wrap(text: &str, columns: usize) -> Vec<&str> {
    let columns = columns.max(1);
    let mut pieces = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (i, ch) in text.char_indices() {
        let w = char_width(ch);
        if used + w > columns && used > 0 {
            pieces.push(&text[start..i]);
            start = i;
            used = 0;
        }
        used += w;
    }
    pieces.push(&text[start..]);
    pieces
}

/// How many rows `text` takes wrapped at `columns`.
pub fn rows(text: &str, columns: usize) -> usize {
    wrap(text, columns).len()
}

/// The byte offset where column `column` starts (the end of the text when it is shorter).
pub fn byte_at_column(text: &str, column: usize) -> usize {
    let mut used = 0;
    for (i, ch) in text.char_indices() {
        if used >= column {
            return i;
        }
        used += char_width(ch);
    }
    text.len()
}

/// `text` in at most `columns` display columns: whole when it fits, else cut and ended with `…`.
pub fn cut(text: &str, columns: usize) -> std::borrow::Cow<'_, str> {
    if width(text) <= columns {
        return text.into();
    }
    let keep = byte_at_column(text, columns.saturating_sub(1));
    format!("{}…", &text[..keep]).into()
}

/// Cuts text into rows of at most `width` cells: after a space (which goes), comma or semicolon
/// where there is one, else inside the word; a newline always starts a row.
pub fn word_wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows = Vec::new();
    for line in text.split('\n') {
        let mut row = String::new();
        let mut cells = 0;
        // Just after the row's last space: the byte offset and the cells up to there.
        let mut space: Option<(usize, usize)> = None;
        for c in line.chars() {
            let w = char_width(c);
            if cells + w > width && !row.is_empty() {
                if c == ' ' {
                    rows.push(std::mem::take(&mut row).trim_end().to_string());
                    (cells, space) = (0, None);
                    continue;
                }
                match space.take() {
                    Some((at, before)) => {
                        let rest = row.split_off(at);
                        rows.push(std::mem::replace(&mut row, rest).trim_end().to_string());
                        cells -= before;
                    }
                    None => {
                        rows.push(std::mem::take(&mut row));
                        cells = 0;
                    }
                }
                // A wide character after the word carried over may still not fit.
                if cells + w > width && !row.is_empty() {
                    rows.push(std::mem::take(&mut row));
                    cells = 0;
                }
            }
            row.push(c);
            cells += w;
            // JSON bodies have no spaces: their commas are places to break too.
            if matches!(c, ' ' | ',' | ';') {
                space = Some((row.len(), cells));
            }
        }
        rows.push(row);
    }
    rows
}

/// A count and its noun, singular for one: `1 line`, `2,400 lines`.
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// A count with thousands separated by commas: `1,000,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clear_blocks_never_passes_a_hit_and_reaches_the_end_of_a_clear_run() {
        // Every length around the block size, with no hit and with one hit at every place.
        for len in 0..100 {
            let clear = vec![b'a'; len];
            let whole = if len >= 32 { len } else { 0 };
            assert_eq!(clear_blocks(&clear, |b| b == b'!'), whole, "len {len}");
            for hit in 0..len {
                let mut bytes = clear.clone();
                bytes[hit] = b'!';
                let at = clear_blocks(&bytes, |b| b == b'!');
                assert!(at <= hit, "len {len}, hit at {hit}, returned {at}");
                assert_eq!(at % 32, 0, "len {len}, hit at {hit}: a block's start");
            }
        }
    }

    #[test]
    fn wrapping_cuts_at_the_column_count_and_keeps_every_character() {
        assert_eq!(wrap("abcdefg", 3), ["abc", "def", "g"]);
        assert_eq!(wrap("", 3), [""]);
        assert_eq!(wrap("abc", 3), ["abc"]);
        assert_eq!(wrap("abc", 0), ["a", "b", "c"]);
    }

    #[test]
    fn a_wide_character_is_never_split_and_counts_two_columns() {
        assert_eq!(width("日本"), 4);
        assert_eq!(wrap("a日本", 2), ["a", "日", "本"]);
        assert_eq!(rows("日本語", 1), 3);
    }

    #[test]
    fn a_column_maps_to_the_byte_where_it_starts() {
        assert_eq!(byte_at_column("héllo", 2), 3);
        assert_eq!(byte_at_column("ab", 10), 2);
    }

    #[test]
    fn text_is_cut_at_spaces_and_long_words_inside() {
        assert_eq!(word_wrap("a long note here", 7), ["a long", "note", "here"]);
        assert_eq!(word_wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(word_wrap("one\ntwo", 10), ["one", "two"]);
        assert_eq!(word_wrap(r#"{"a":1,"b":2}"#, 8), [r#"{"a":1,"#, r#""b":2}"#]);
        assert_eq!(word_wrap("", 10), [""]);
    }

    #[test]
    fn wide_characters_take_two_cells() {
        assert_eq!(word_wrap("支付失败上游", 5), ["支付", "失败", "上游"]);
    }
    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1000), "1,000");
        assert_eq!(super::thousands(1_234_567), "1,234,567");
    }
}
