//! Making what a remote server sends safe to put on a terminal.
//!
//! A hostile or broken API can put escape sequences in its body or headers that would move the cursor,
//! retitle the window or hide text; bidi overrides can reorder what the responder reads. We drop them.

/// Removes escape sequences, control characters and bidi overrides; tabs become spaces, newlines too.
pub fn sanitize_line(s: &str) -> String {
    clean(s, false)
}

/// Like [`sanitize_line`] but keeps newlines, for a body shown as a block.
pub fn sanitize_block(s: &str) -> String {
    clean(s, true)
}

fn clean(s: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 introducers: CSI, OSC, DCS, SOS, PM, APC take a payload like their ESC forms.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\n' if keep_newlines => out.push('\n'),
            '\n' | '\t' => out.push(' '),
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_escape(chars: &mut Chars<'_>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // Intermediate bytes (e.g. `ESC ( B`) are followed by one final byte.
        Some(' '..='/') => {
            while let Some(&c) = chars.peek() {
                chars.next();
                if !(' '..='/').contains(&c) {
                    break;
                }
            }
        }
        _ => {}
    }
}

fn skip_csi(chars: &mut Chars<'_>) {
    for c in chars.by_ref() {
        if ('@'..='~').contains(&c) {
            break;
        }
    }
}

/// Skips to the string terminator: BEL, `ESC \` or ST (U+009C).
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

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
    fn strips_csi_osc_and_controls() {
        let hostile = "ok\u{1b}[2J\u{1b}[31mred\u{1b}[0m\u{1b}]0;pwned\u{7}\u{1b}]8;;http://x\u{1b}\\link\r\u{8}!";
        assert_eq!(sanitize_line(hostile), "okredlink!");
    }

    #[test]
    fn strips_c1_and_bidi_overrides() {
        assert_eq!(sanitize_line("a\u{9b}31mb\u{202e}c\u{2066}d"), "abcd");
    }

    #[test]
    fn block_keeps_newlines_line_does_not() {
        assert_eq!(sanitize_block("a\nb\tc"), "a\nb c");
        assert_eq!(sanitize_line("a\nb"), "a b");
    }

    #[test]
    fn unterminated_escape_swallows_rest_without_panicking() {
        assert_eq!(sanitize_line("x\u{1b}]0;title never ends"), "x");
        assert_eq!(sanitize_line("x\u{1b}"), "x");
    }

    #[test]
    fn text_head_cuts_on_char_boundary() {
        let s = "héllo".as_bytes();
        assert_eq!(text_head(s, 2), "h");
        assert_eq!(text_head(s, 3), "hé");
        assert_eq!(text_head(&[0xff, b'a'], 10), "\u{fffd}a");
    }
}
