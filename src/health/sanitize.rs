//! Making what a remote server sends safe to put on a terminal: the one sanitizer's screen policies.
//!
//! A hostile or broken API can put escape sequences in its body or headers that would move the cursor,
//! retitle the window or hide text; bidi controls and line separators can reorder or break what the
//! responder reads. Bodies and headers get the same rule as log lines (`crate::core::sanitize`).

pub use crate::core::sanitize::{sanitize_block, sanitize_line};

/// The first `max` bytes of `bytes` as text, cut at a character boundary, invalid UTF-8 replaced.
pub fn text_head(bytes: &[u8], max: usize) -> String {
    let cut = &bytes[..bytes.len().min(max)];
    let text = String::from_utf8_lossy(cut);
    // A multi-byte character cut in half at the end is not the server's fault: drop the fragment.
    let text = if cut.len() < bytes.len() {
        text.trim_end_matches('\u{fffd}').to_string()
    } else {
        text.into_owned()
    };
    sanitize_block(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csi_and_osc_are_dropped_and_controls_shown_inert() {
        let hostile = "ok\u{1b}[2J\u{1b}[31mred\u{1b}[0m\u{1b}]0;pwned\u{7}\u{1b}]8;;http://x\u{1b}\\link\r\u{8}!";
        assert_eq!(sanitize_line(hostile), "okredlink^M^H!");
    }

    #[test]
    fn c1_and_bidi_controls_are_shown_inert() {
        assert_eq!(
            sanitize_line("a\u{9b}31mb\u{202e}c\u{2066}d"),
            "a\\u{9b}31mb\\u{202e}c\\u{2066}d"
        );
    }

    #[test]
    fn line_separators_and_arabic_letter_mark_from_a_body_are_shown_inert() {
        assert_eq!(
            sanitize_block("a\u{2028}b\u{2029}c\u{61c}d"),
            "a\\u{2028}b\\u{2029}c\\u{61c}d"
        );
        assert_eq!(sanitize_line("x\u{2028}y"), "x\\u{2028}y");
    }

    #[test]
    fn block_keeps_newlines_line_does_not() {
        assert_eq!(sanitize_block("a\nb\tc"), "a\nb       c");
        assert_eq!(sanitize_line("a\nb"), "a b");
        assert_eq!(sanitize_line("a\r\nb"), "a b");
    }

    #[test]
    fn an_unterminated_escape_is_shown_as_text_not_obeyed() {
        assert_eq!(
            sanitize_line("x\u{1b}]0;title never ends"),
            "x^[]0;title never ends"
        );
        assert_eq!(sanitize_line("x\u{1b}"), "x^[");
    }

    #[test]
    fn text_head_cuts_on_char_boundary() {
        let s = "héllo".as_bytes();
        assert_eq!(text_head(s, 2), "h");
        assert_eq!(text_head(s, 3), "hé");
        assert_eq!(text_head(&[0xff, b'a'], 10), "\u{fffd}a");
    }
}
