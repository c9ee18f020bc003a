//! The screen policies on the inputs that matter: sequences, controls, bidi, capping.

use super::*;

#[test]
fn plain_text_is_unchanged() {
    assert_eq!(sanitize(b"hello world"), "hello world");
    assert_eq!(sanitize("héllo ✓".as_bytes()), "héllo ✓");
}

#[test]
fn colour_sequences_are_removed() {
    assert_eq!(sanitize(b"\x1b[1;31mERROR\x1b[0m boom"), "ERROR boom");
    assert_eq!(sanitize(b"\x1b[?25lhidden cursor"), "hidden cursor");
    assert_eq!(sanitize(b"\x1b(Bcharset \x1b7saved"), "charset saved");
}

#[test]
fn osc_sequences_are_removed_whatever_their_terminator() {
    assert_eq!(sanitize(b"a\x1b]52;c;ZXZpbA==\x07b"), "ab");
    assert_eq!(sanitize(b"a\x1b]0;pwned\x1b\\b"), "ab");
    assert_eq!(
        sanitize(b"\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"),
        "click"
    );
    assert_eq!(sanitize("a\x1b]0;t\u{9c}b".as_bytes()), "ab");
    assert_eq!(
        sanitize(b"\x1bPq#0;2;0;0;0\x1b\\x\x1b_apc\x1b\\y\x1b^pm\x07z"),
        "xyz"
    );
}

#[test]
fn unterminated_sequences_are_shown_not_swallowed() {
    assert_eq!(
        sanitize(b"a\x1b]52;c;ZXZpbA== rest"),
        "a^[]52;c;ZXZpbA== rest"
    );
    assert_eq!(sanitize(b"a\x1b[12"), "a^[[12");
    assert_eq!(sanitize(b"a\x1b"), "a^[");
    assert_eq!(sanitize(b"a\x1b]0;x\x1b"), "a^[]0;x^[");
    assert_eq!(sanitize(b"a\x1b]0;x\nnext"), "a^[]0;x\nnext");
}

#[test]
fn controls_become_visible() {
    assert_eq!(sanitize(b"bell\x07 nul\x00 del\x7f"), "bell^G nul^@ del^?");
    assert_eq!(sanitize("c1\u{9b}31m".as_bytes()), "c1\\u{9b}31m");
    assert_eq!(sanitize(b"over\rwrite"), "over^Mwrite");
    assert_eq!(sanitize(b"end\r"), "end^M");
}

#[test]
fn crlf_is_one_newline_and_tabs_expand() {
    assert_eq!(sanitize(b"a\r\nb\n"), "a\nb\n");
    assert_eq!(sanitize(b"ab\tc\n\td"), "ab      c\n        d");
}

#[test]
fn bidi_controls_are_neutralised() {
    let evil = "access granted\u{202e}deined\u{2066}x\u{2069}";
    assert_eq!(
        sanitize(evil.as_bytes()),
        "access granted\\u{202e}deined\\u{2066}x\\u{2069}"
    );
}

#[test]
fn invalid_utf8_shows_replacement() {
    assert_eq!(sanitize(b"a\xffb\xe2\x82c"), "a\u{fffd}b\u{fffd}c");
}

#[test]
fn capping_keeps_the_head_and_says_how_much_was_cut() {
    let line = vec![b'x'; 5 * 1024 * 1024];
    let (text, cut) = sanitize_capped(&line, 1000);
    assert_eq!(cut, line.len() - 1000);
    assert!(text.starts_with(&"x".repeat(1000)));
    assert!(text.ends_with(&format!("[{cut} bytes cut]")));
    let (text, cut) = sanitize_capped("é\x07é".as_bytes(), 3);
    assert_eq!((text.as_str(), cut), ("é^G … [2 bytes cut]", 2));
}

#[test]
fn an_unterminated_sequence_shown_as_text_is_capped_too() {
    let mut input = b"ab\x1b]52;c;".to_vec();
    input.extend(vec![b'A'; 500]);
    let (text, cut) = sanitize_capped(&input, 20);
    assert_eq!(text, format!("ab^[]52;c;AAAAAAAAAA … [{cut} bytes cut]"));
    assert_eq!(cut, input.len() - 19);
}

#[test]
fn the_word_at_a_time_scan_stops_at_the_first_byte_that_needs_care() {
    // Every byte value at every place of a line longer than two words: the fast scan agrees with
    // a byte-by-byte one.
    let naive = |b: &[u8]| {
        b.iter()
            .position(|&c| !(0x20..0x7f).contains(&c))
            .unwrap_or(b.len())
    };
    for len in [0, 1, 7, 8, 9, 23] {
        for place in 0..len {
            for byte in 0..=255u8 {
                let mut line = vec![b'a'; len];
                line[place] = byte;
                assert_eq!(
                    super::printable_run(&line),
                    naive(&line),
                    "byte {byte:#x} at {place} of {len}"
                );
            }
        }
    }
}
