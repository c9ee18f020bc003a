//! Display width of text and hard wrapping at a column count, so the logs panel and the detail view
//! agree on how many rows a line takes (a wide character is never split, and counts two columns).

use unicode_width::UnicodeWidthChar;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
