//! Whatever bytes a log holds, what reaches the terminal is inert text.

use proptest::prelude::*;
use sitrep::tail::{LogLine, sanitize, sanitize_capped};

/// Characters that could drive a terminal or reorder what is read.
fn dangerous(c: char) -> bool {
    let code = u32::from(c);
    (code < 0x20 && c != '\n')
        || (0x7f..=0x9f).contains(&code)
        || matches!(code, 0x61c | 0x200e | 0x200f | 0x202a..=0x202e | 0x2066..=0x2069)
}

/// Bytes biased towards the ones that matter: ESC, sequence introducers, terminators, C1 in UTF-8.
fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        any::<u8>().prop_map(|b| vec![b]),
        Just(b"\x1b".to_vec()),
        Just(b"\x1b[".to_vec()),
        Just(b"\x1b]".to_vec()),
        Just(b"\x1bP".to_vec()),
        Just(b"\x1b_".to_vec()),
        Just(b"\x1b\\".to_vec()),
        Just(b"\x07".to_vec()),
        Just(b"\r\n".to_vec()),
        Just("\u{9b}".as_bytes().to_vec()),
        Just("\u{9d}".as_bytes().to_vec()),
        Just("\u{202e}".as_bytes().to_vec()),
        Just(b"52;c;".to_vec()),
        "[a-z0-9 ;]{0,6}".prop_map(String::into_bytes),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn output_never_holds_escapes_or_controls(bytes in hostile_bytes()) {
        let out = sanitize(&bytes);
        prop_assert!(!out.chars().any(dangerous), "{out:?}");
    }

    #[test]
    fn capped_output_is_safe_and_bounded(bytes in hostile_bytes(), max in 0usize..64) {
        let (out, cut) = sanitize_capped(&bytes, max);
        prop_assert!(!out.chars().any(dangerous), "{out:?}");
        prop_assert!(cut <= bytes.len());
        // The kept head can overshoot by one visible escape, plus the note about the cut.
        prop_assert!(out.len() <= max + 12 + 40, "{} > {max}", out.len());
    }

    #[test]
    fn log_lines_hold_no_newline_either(bytes in hostile_bytes()) {
        let line = LogLine::from_raw(0, &bytes, 1024);
        prop_assert!(!line.text.chars().any(|c| dangerous(c) || c == '\n'), "{:?}", line.text);
    }

    #[test]
    fn ordinary_text_in_any_script_is_unchanged(text in "[^\\p{C}\u{2028}\u{2029}]{0,40}") {
        prop_assert_eq!(sanitize(text.as_bytes()), text);
    }

    #[test]
    fn printable_text_survives_around_complete_sequences(
        words in prop::collection::vec("[ -~&&[^\\x1b]]{0,12}", 1..8),
        sequences in prop::collection::vec(prop_oneof![
            Just("\x1b[1;31m"), Just("\x1b[0m"), Just("\x1b]0;title\x07"),
            Just("\x1b]8;;http://x\x1b\\"), Just("\x1bP1$r\x1b\\"), Just("\x1b(B"),
        ], 8),
    ) {
        let mut input = String::new();
        for (word, sequence) in words.iter().zip(&sequences) {
            input.push_str(sequence);
            input.push_str(word);
        }
        prop_assert_eq!(sanitize(input.as_bytes()), words.concat());
    }
}
