//! The one sanitizer: turning untrusted bytes into text that is safe to put on a terminal or in an export.
//!
//! Log lines, command output, HTTP bodies and headers are attacker-controlled: escape sequences could
//! retitle the window, write the clipboard (OSC 52), plant hidden links (OSC 8) or repaint the screen;
//! bidi controls reorder what the responder reads; line separators break lines in some terminals.
//! One rule decides what is unsafe ([`is_unsafe`]); a [`Policy`] per destination decides how it shows:
//!
//! - on the screen (a line or a block), nothing ever emits ESC, a C0 control other than a block's
//!   newline, DEL, a C1 control, a bidi control or U+2028/2029: complete sequences are dropped,
//!   unterminated ones shown as text, other controls made visible (`^G`, `\u{9b}`), tabs expanded;
//! - in an export, text stays evidence: C0 controls become their control pictures (`␛`), line
//!   separators and CR become newlines, everything else unsafe becomes `�` ([`export_text`]).

use std::fmt::Write as _;

const ESC: char = '\u{1b}';
const BEL: char = '\u{7}';
const C1_ST: char = '\u{9c}';
const TAB_WIDTH: usize = 8;

/// Where sanitized text goes: the destinations really differ in what a newline may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// One line on the screen (a log line, a header, a status): a newline becomes a space.
    ScreenLine,
    /// A block on the screen (a body, a command's output): newlines are kept, CRLF becomes one.
    ScreenBlock,
    /// Text written to an export: see [`export_text`].
    #[cfg(any(test, feature = "test-support"))]
    Export,
}

/// Sanitizes `bytes` for `policy`; invalid UTF-8 shows as U+FFFD.
pub fn sanitize_for(bytes: &[u8], policy: Policy) -> String {
    match policy {
        #[cfg(any(test, feature = "test-support"))]
        Policy::Export => export_text(&String::from_utf8_lossy(bytes)).into_owned(),
        screen => {
            let mut out = String::with_capacity(bytes.len());
            sanitize_into(&mut out, bytes, usize::MAX, screen);
            out
        }
    }
}

/// Sanitizes a whole buffer for the screen: newlines are kept (CRLF becomes one newline).
pub fn sanitize(bytes: &[u8]) -> String {
    sanitize_for(bytes, Policy::ScreenBlock)
}

/// Sanitizes one line for the screen: a newline or tab in it becomes blank space.
pub fn sanitize_line(text: &str) -> String {
    sanitize_for(text.as_bytes(), Policy::ScreenLine)
}

/// Sanitizes a block (a body) for the screen, keeping its newlines.
pub fn sanitize_block(text: &str) -> String {
    sanitize_for(text.as_bytes(), Policy::ScreenBlock)
}

/// Sanitizes a block for the screen with the output capped near `max_bytes`: keeps the head, appends
/// a note saying how many input bytes were cut, and returns that count too.
#[cfg(any(test, feature = "test-support"))]
pub fn sanitize_capped(bytes: &[u8], max_bytes: usize) -> (String, usize) {
    let mut out = String::with_capacity(bytes.len().min(max_bytes.saturating_add(32)));
    let used = sanitize_into(&mut out, bytes, max_bytes, Policy::ScreenBlock);
    let cut = bytes.len() - used;
    if cut > 0 {
        push_cut_note(&mut out, cut);
    }
    (out, cut)
}

/// Appends the visible note that `cut` bytes of a line were dropped.
pub fn push_cut_note(out: &mut String, cut: usize) {
    let _ = write!(out, " … [{cut} bytes cut]");
}

/// Appends the screen-safe form of `bytes` to `out`, stopping once `out` reaches `max_out` bytes;
/// returns how many input bytes are represented in the output (the rest counts as cut).
/// The screen policies only: [`Policy::Export`] is treated as [`Policy::ScreenBlock`] here.
pub fn sanitize_into(out: &mut String, bytes: &[u8], max_out: usize, policy: Policy) -> usize {
    let plain = printable_run(bytes);
    let room = max_out.saturating_sub(out.len());
    let head = plain.min(room);
    out.push_str(ascii_str(&bytes[..head]));
    if head < plain || plain == bytes.len() {
        return head;
    }
    let mut machine = Machine {
        out,
        column: plain,
        state: State::Ground,
        pending: Vec::new(),
        started_at: 0,
        max_out,
        newline_is_space: policy == Policy::ScreenLine,
        stopped_at: None,
    };
    let mut at = plain;
    while at < bytes.len() {
        if machine.state == State::Ground {
            // Runs of printable ASCII skip the state machine: most of a coloured line is plain text.
            let run = printable_run(&bytes[at..]);
            if run > 0 {
                let room = machine.max_out.saturating_sub(machine.out.len());
                let take = run.min(room);
                machine.out.push_str(ascii_str(&bytes[at..at + take]));
                machine.column += take;
                at += take;
                if take < run {
                    return at;
                }
                continue;
            }
        }
        let (c, len) = decode(&bytes[at..]);
        if !machine.feed(c, at) {
            return machine.stopped_at.unwrap_or(at);
        }
        at += len;
    }
    machine.finish();
    machine.stopped_at.unwrap_or(bytes.len())
}

/// Whether `bytes` are printable ASCII only: text that shows as it is, one cell per byte.
pub fn is_plain(bytes: &[u8]) -> bool {
    printable_run(bytes) == bytes.len()
}

fn printable_run(bytes: &[u8]) -> usize {
    // Most log text is plain printable ASCII from end to end.
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    const SPACE: u64 = u64::from_ne_bytes([0x20; 8]);
    // Thirty-two bytes at a time first: a byte outside 0x20..=0x7e lands above 0x5e once 0x20 is
    // taken off (wrapping). Then eight at a time, then one.
    let mut at = crate::core::text::clear_blocks(bytes, |b| b.wrapping_sub(0x20) > 0x5e);
    if at == bytes.len() {
        return at;
    }
    let mut words = bytes[at..].chunks_exact(8);
    for word in &mut words {
        let w = crate::core::text::word8(word);
        // A byte below 0x20, or one above 0x7e (0x7f + 1 sets its high bit, as any byte >= 0x80 has).
        let low = w.wrapping_sub(SPACE) & !w & HIGH;
        let high = (w.wrapping_add(ONES) | w) & HIGH;
        if low | high != 0 {
            break;
        }
        at += 8;
    }
    at + bytes[at..]
        .iter()
        .position(|&b| !(0x20..0x7f).contains(&b))
        .unwrap_or(bytes.len() - at)
}

/// The first character of `bytes` and its length; an invalid sequence (its maximal invalid part,
/// as `str::from_utf8` reports it) reads as one U+FFFD.
fn decode(bytes: &[u8]) -> (char, usize) {
    let window = &bytes[..bytes.len().min(4)];
    let valid = match std::str::from_utf8(window) {
        Ok(text) => text,
        Err(err) if err.valid_up_to() > 0 => {
            std::str::from_utf8(&window[..err.valid_up_to()]).unwrap_or_default()
        }
        Err(err) => {
            let len = err.error_len().unwrap_or(window.len()).max(1);
            return (char::REPLACEMENT_CHARACTER, len);
        }
    };
    match valid.chars().next() {
        Some(c) => (c, c.len_utf8()),
        None => (char::REPLACEMENT_CHARACTER, 1),
    }
}

fn ascii_str(bytes: &[u8]) -> &str {
    // Callers pass only printable ASCII, so this never falls back.
    std::str::from_utf8(bytes).unwrap_or_default()
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Ground,
    /// Just after a carriage return: a following newline makes it a CRLF.
    CarriageReturn,
    /// Just after ESC.
    Escape,
    /// ESC followed by intermediates (`ESC ( B`).
    EscapeIntermediate,
    /// Inside `ESC [` or `ESC [ ?` parameters.
    Csi,
    /// Inside an OSC/DCS/APC/PM/SOS string.
    Text,
    /// ESC seen inside a string: `\` ends it.
    TextEscape,
}

struct Machine<'a> {
    out: &'a mut String,
    column: usize,
    state: State,
    /// The sequence read so far after its ESC (or a lone CR), with input offsets, shown as text if
    /// it turns out unterminated.
    pending: Vec<(char, usize)>,
    /// Input offset of the ESC or CR that started `pending`.
    started_at: usize,
    max_out: usize,
    /// One line's text must stay one line.
    newline_is_space: bool,
    /// Input offset of the first character that did not fit under `max_out`.
    stopped_at: Option<usize>,
}

impl Machine<'_> {
    /// Handles one input character at input offset `at`; false once the output is full.
    fn feed(&mut self, c: char, at: usize) -> bool {
        if self.stopped_at.is_some() {
            return false;
        }
        if self.out.len() >= self.max_out {
            // A sequence or CR cut in the middle is cut whole.
            let start = if self.state == State::Ground {
                at
            } else {
                self.started_at
            };
            self.stopped_at = Some(start);
            return false;
        }
        match self.state {
            State::Ground => self.ground(c, at),
            State::CarriageReturn => {
                self.state = State::Ground;
                if c == '\n' {
                    self.ground('\n', at);
                } else {
                    self.visible('\r', self.started_at);
                    self.ground(c, at);
                }
            }
            State::Escape => match c {
                '[' => self.enter(State::Csi, c, at),
                ']' | 'P' | '_' | '^' | 'X' => self.enter(State::Text, c, at),
                ' '..='/' => self.enter(State::EscapeIntermediate, c, at),
                '0'..='~' => self.drop_sequence(),
                _ => self.abandon(c, at),
            },
            State::EscapeIntermediate => match c {
                ' '..='/' => self.pending.push((c, at)),
                '0'..='~' => self.drop_sequence(),
                _ => self.abandon(c, at),
            },
            State::Csi => match c {
                '0'..='?' | ' '..='/' => self.pending.push((c, at)),
                '@'..='~' => self.drop_sequence(),
                _ => self.abandon(c, at),
            },
            State::Text => match c {
                BEL | C1_ST => self.drop_sequence(),
                ESC => self.enter(State::TextEscape, c, at),
                '\n' => self.abandon(c, at),
                _ => self.pending.push((c, at)),
            },
            State::TextEscape => {
                let inner_esc = self.pending.last().map_or(at, |&(_, esc_at)| esc_at);
                self.drop_sequence();
                if c != '\\' {
                    // A new sequence interrupts the string, as in xterm.
                    self.ground(ESC, inner_esc);
                    return self.feed(c, at);
                }
            }
        }
        self.stopped_at.is_none()
    }

    fn enter(&mut self, state: State, c: char, at: usize) {
        self.state = state;
        self.pending.push((c, at));
    }

    fn drop_sequence(&mut self) {
        self.state = State::Ground;
        self.pending.clear();
    }

    /// The sequence broke off: show what was read as text, then handle `c` normally.
    fn abandon(&mut self, c: char, at: usize) {
        self.show_pending();
        self.feed(c, at);
    }

    fn finish(&mut self) {
        match self.state {
            State::Ground => {}
            State::CarriageReturn => {
                self.state = State::Ground;
                self.visible('\r', self.started_at);
            }
            _ => self.show_pending(),
        }
    }

    /// Shows an unterminated sequence as text: `^[` and what followed it.
    fn show_pending(&mut self) {
        self.state = State::Ground;
        self.visible(ESC, self.started_at);
        let pending = std::mem::take(&mut self.pending);
        for &(p, at) in &pending {
            if p == ESC {
                self.visible(p, at);
            } else {
                self.ground(p, at);
            }
        }
        self.pending = pending;
        self.pending.clear();
    }

    /// Whether output has reached the cap; records where input stopped being shown.
    fn full_at(&mut self, at: usize) -> bool {
        if self.stopped_at.is_some() {
            return true;
        }
        if self.out.len() >= self.max_out {
            self.stopped_at = Some(at);
            return true;
        }
        false
    }

    fn ground(&mut self, c: char, at: usize) {
        if c != ESC && c != '\r' && self.full_at(at) {
            return;
        }
        match c {
            ESC => {
                self.state = State::Escape;
                self.started_at = at;
                self.pending.clear();
            }
            '\n' if self.newline_is_space => {
                self.out.push(' ');
                self.column += 1;
            }
            '\n' => {
                self.out.push('\n');
                self.column = 0;
            }
            '\r' => {
                self.state = State::CarriageReturn;
                self.started_at = at;
            }
            '\t' => {
                let spaces = TAB_WIDTH - self.column % TAB_WIDTH;
                self.out.extend(std::iter::repeat_n(' ', spaces));
                self.column += spaces;
            }
            c if is_unsafe(c) => self.visible(c, at),
            c => {
                self.out.push(c);
                self.column += 1;
            }
        }
    }

    /// Shows a control character as text: `^G` for C0 and DEL, `\u{9b}` for C1 and bidi controls.
    fn visible(&mut self, c: char, at: usize) {
        if self.full_at(at) {
            return;
        }
        let before = self.out.len();
        let code = u32::from(c);
        if code < 0x20 {
            self.out.push('^');
            self.out.push(char::from(b'@' + code as u8));
        } else if code == 0x7f {
            self.out.push_str("^?");
        } else {
            let _ = write!(self.out, "\\u{{{code:x}}}");
        }
        self.column += self.out.len() - before;
    }
}

/// Characters that must never reach a terminal or an export as themselves, whatever the destination.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        // Bidi embeddings, overrides, isolates and marks can reorder what the user reads.
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        // Line and paragraph separators break lines in some terminals.
        | '\u{2028}' | '\u{2029}')
}

mod export;

pub use export::export_text;

#[cfg(test)]
mod tests;
