//! The export policy: text stays evidence, nothing unsafe stays as itself.

use std::borrow::Cow;

use super::is_unsafe;

/// Makes text safe for an export: `\r\n`, CR and line separators become `\n`, C0 controls become
/// their control pictures (ESC shows as `␛`), DEL shows as `␡`, other unsafe characters as `�`.
/// Newline and tab are kept: the formats escape them as they need.
pub fn export_text(s: &str) -> Cow<'_, str> {
    // Most text is printable ASCII; that check is a tight loop over bytes.
    let plain = |b: &u8| (0x20..0x7F).contains(b) || *b == b'\n' || *b == b'\t';
    let needs_fix = |c: char| c != '\n' && c != '\t' && is_unsafe(c);
    if s.as_bytes().iter().all(plain) || !s.chars().any(needs_fix) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\u{0}'..='\u{1F}' if c != '\n' && c != '\t' => {
                out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'))
            }
            '\u{7F}' => out.push('\u{2421}'),
            c if needs_fix(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}
