//! The one sanitizer, for every destination: whatever the input, no character that could drive a
//! terminal, reorder text or break a line survives.

use proptest::prelude::*;
use sitrep::core::sanitize::{Policy, export_text, sanitize_for};

/// Characters no destination may receive: ESC and the other C0 controls, DEL, C1, bidi controls,
/// line and paragraph separators. `allowed` are the C0 controls a policy keeps on purpose.
fn forbidden(c: char, allowed: &[char]) -> bool {
    let code = u32::from(c);
    if allowed.contains(&c) {
        return false;
    }
    code < 0x20
        || (0x7f..=0x9f).contains(&code)
        || matches!(code, 0x61c | 0x200e | 0x200f | 0x202a..=0x202e | 0x2066..=0x2069)
        || matches!(code, 0x2028 | 0x2029)
}

fn allowed(policy: Policy) -> &'static [char] {
    match policy {
        Policy::ScreenLine => &[],
        Policy::ScreenBlock => &['\n'],
        Policy::Export => &['\n', '\t'],
    }
}

/// Bytes biased towards the ones that matter: sequence introducers, terminators, C1, bidi, separators.
fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        any::<u8>().prop_map(|b| vec![b]),
        any::<char>().prop_map(|c| c.to_string().into_bytes()),
        Just(b"\x1b".to_vec()),
        Just(b"\x1b[".to_vec()),
        Just(b"\x1b]".to_vec()),
        Just(b"\x1bP".to_vec()),
        Just(b"\x1b\\".to_vec()),
        Just(b"\x07".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\t".to_vec()),
        Just(b"\n".to_vec()),
        (0x80u32..=0x9f).prop_map(|c| char::from_u32(c).unwrap_or('?').to_string().into_bytes()),
        prop::sample::select(vec![
            '\u{61c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}',
            '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{2028}', '\u{2029}',
        ])
        .prop_map(|c| c.to_string().into_bytes()),
        "[a-z0-9 ;]{0,6}".prop_map(String::into_bytes),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

fn policies() -> impl Strategy<Value = Policy> {
    prop_oneof![
        Just(Policy::ScreenLine),
        Just(Policy::ScreenBlock),
        Just(Policy::Export)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 3000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_policy_lets_a_control_a_bidi_mark_or_a_separator_through(
        bytes in hostile_bytes(),
        policy in policies(),
    ) {
        let out = sanitize_for(&bytes, policy);
        let bad: Vec<char> = out.chars().filter(|&c| forbidden(c, allowed(policy))).collect();
        prop_assert!(bad.is_empty(), "{policy:?} let {bad:?} through in {out:?}");
    }

    #[test]
    fn any_string_exported_is_safe(text in any::<String>()) {
        let out = export_text(&text);
        prop_assert!(!out.chars().any(|c| forbidden(c, &['\n', '\t'])), "{out:?}");
    }

    #[test]
    fn a_screen_line_stays_one_line(text in any::<String>()) {
        let out = sanitize_for(text.as_bytes(), Policy::ScreenLine);
        prop_assert!(!out.chars().any(|c| forbidden(c, &[])), "{out:?}");
    }
}

#[test]
fn every_policy_neutralises_the_same_hostile_characters() {
    let hostile = "a\u{1b}]0;t\u{7}b\u{9b}c\u{2028}d\u{61c}e\u{202e}f";
    assert_eq!(
        sanitize_for(hostile.as_bytes(), Policy::ScreenLine),
        "ab\\u{9b}c\\u{2028}d\\u{61c}e\\u{202e}f"
    );
    assert_eq!(
        sanitize_for(hostile.as_bytes(), Policy::ScreenBlock),
        "ab\\u{9b}c\\u{2028}d\\u{61c}e\\u{202e}f"
    );
    assert_eq!(
        export_text(hostile),
        "a␛]0;t␇b\u{fffd}c\nd\u{fffd}e\u{fffd}f"
    );
}
