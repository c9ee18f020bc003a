//! A pattern: its template parts, what each `<*>` has held, counts and rate history.

use std::ops::Range;

use super::PatternId;
use super::rate::RateHistory;
use super::token::{Kind, Tok, is_empty_dash};
use super::shape::bracket;
use super::values::{TopValues, ValueCount, cut};
use crate::core::level::Level;

/// When a line was seen: its sequence number in the miner (from 1) and the caller's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Seen {
    /// Sequence number of the line, counting every observed line from 1.
    pub seq: u64,
    /// Time given with the line, in milliseconds (the caller's clock).
    pub ms: u64,
}

/// One `<*>` of a template and the values seen behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    /// Which `<*>` of the template, from 0, left to right.
    pub index: usize,
    /// The most frequent values, most frequent first (empty when not tracked).
    pub values: Vec<ValueCount>,
    /// Whether more distinct values were seen than are listed.
    pub more: bool,
}

/// A value slot of a template: shown as its constant until it varies (or at once when masked).
#[derive(Clone, Debug)]
pub(super) struct Slot {
    pub(super) constant: String,
    pub(super) constant_hash: u64,
    pub(super) shape: String,
    pub(super) shape_hash: u64,
    pub(super) uniform: bool,
    pub(super) masked: bool,
    pub(super) varying: bool,
    /// Made from a word that varied across patterns otherwise alike (see [`super::siblings`]):
    /// takes any word.
    pub(super) words: bool,
    /// A word taken as a value (the name after `user`, a quoted request's method): until it
    /// varies, it is that word to the patterns alike (`for user from` beside `for <*> from`).
    pub(super) named: bool,
    /// Its first value was mostly a number (`404`, `vapp-09033`, `blk_1073`), not a name with a
    /// digit in it (`isBluetoothA2dpOn`): a word beside it is a value too (see
    /// [`super::siblings`]).
    pub(super) numbered: bool,
    /// Its first value had a letter (`90s:`, shaped `<*>:` as a bare `11:` is): a value ending in
    /// `:` labels what follows only then (see [`super::siblings`]).
    pub(super) lettered: bool,
    /// How many bytes of `constant`'s start and end every value seen shares with it
    /// (`pam_unix(` and `:session):` of `pam_unix(cron:session):` and `pam_unix(sshd:session):`):
    /// a varying word is shown as those around its `<*>` (see [`Slot::affix`]). Not kept for a
    /// masked value (its shape shows it) nor for a constant that was cut.
    pub(super) common: (u16, u16),
    pub(super) values: Option<TopValues>,
}

impl Slot {
    fn is_placeholder(&self) -> bool {
        self.masked || self.varying
    }

    /// Records a value; returns whether the template text changes.
    pub(super) fn observe(&mut self, value: &str, hash: u64, shape_hash: u64, top: usize) -> bool {
        let mut changed = false;
        if !self.varying && hash != self.constant_hash {
            self.varying = true;
            changed = !self.masked;
        }
        if self.uniform && shape_hash != self.shape_hash {
            self.uniform = false;
            changed |= self.is_placeholder();
        }
        if self.common != (0, 0) && hash != self.constant_hash {
            changed |= self.narrow(value);
        }
        if let Some(v) = &mut self.values {
            v.add(value, hash, top);
        }
        changed
    }

    /// Takes in the word a pattern merged into this one had at this slot's place, seen `count`
    /// times: the slot varies if the word is not its constant, and shows only what the word
    /// shares around its `<*>` too.
    pub(super) fn absorb_word(&mut self, text: &str, hash: u64, count: u64, top: usize) {
        if !self.masked && self.constant != text {
            self.varying = true;
        }
        if self.common != (0, 0) {
            self.narrow(text);
        }
        if let Some(v) = &mut self.values {
            v.add_n(text, hash, count, top);
        }
    }

    /// Narrows what every value shares with the constant to what `value` shares too; returns
    /// whether the text shown changes.
    fn narrow(&mut self, value: &str) -> bool {
        let (c, v) = (self.constant.as_bytes(), value.as_bytes());
        if c == v {
            return false;
        }
        // Only as far as every value before shared: most values change nothing.
        let (was_prefix, was_suffix) = (usize::from(self.common.0), usize::from(self.common.1));
        let prefix = c.iter().zip(v).take(was_prefix).take_while(|(a, b)| a == b).count();
        let suffix = c.iter().rev().zip(v.iter().rev()).take(was_suffix).take_while(|(a, b)| a == b).count();
        // Where the two overlap (`ab` and `abab`), the value is more than what they share.
        let suffix = suffix.min(c.len().min(v.len()) - prefix);
        if (prefix, suffix) == (was_prefix, was_suffix) {
            return false;
        }
        let before = self.affix();
        self.common = (prefix as u16, suffix as u16);
        self.affix() != before
    }

    /// The start and end of the constant shown around a varying word's `<*>`: what every value
    /// shares with it, cut back to punctuation (`pam_unix(` and `:session):`, `/var/log/` and
    /// `.log`; never `sess` of `session`/`sessions`), and only where the brackets inside the
    /// `<*>` balance (`f(a):` and `g(b):` show `<*>`, not `<*>):`).
    fn affix(&self) -> (usize, usize) {
        let c = self.constant.as_bytes();
        let (mut p, mut s) = (usize::from(self.common.0), usize::from(self.common.1));
        while p > 0 && !c[p - 1].is_ascii_punctuation() {
            p -= 1;
        }
        while s > 0 && !c[c.len() - s].is_ascii_punctuation() {
            s -= 1;
        }
        let depth = |b: &[u8]| b.iter().fold(0i32, |d, &x| d + bracket(x));
        if p + s >= c.len() || depth(&c[p..c.len() - s]) != 0 {
            return (0, 0);
        }
        (p, s)
    }

    /// Takes in the slot of a pattern merged into this one.
    pub(super) fn absorb(&mut self, other: &Slot, top: usize) {
        self.varying |= other.varying || other.constant_hash != self.constant_hash;
        self.uniform &= other.uniform && other.shape_hash == self.shape_hash;
        self.masked |= other.masked;
        self.words |= other.words;
        self.numbered |= other.numbered;
        self.lettered |= other.lettered;
        if self.common != (0, 0) {
            if other.masked || other.constant.is_empty() {
                self.common = (0, 0);
            } else {
                self.common.0 = self.common.0.min(other.common.0);
                self.common.1 = self.common.1.min(other.common.1);
                self.narrow(&other.constant);
            }
        }
        if let (Some(mine), Some(theirs)) = (&mut self.values, &other.values) {
            mine.absorb(theirs, top);
        }
    }

    fn write(&self, out: &mut String) {
        if !self.is_placeholder() {
            out.push_str(&self.constant);
            return;
        }
        let (p, s) = if self.masked { (0, 0) } else { self.affix() };
        if p + s > 0 {
            out.push_str(&self.constant[..p]);
            out.push_str("<*>");
            out.push_str(&self.constant[self.constant.len() - s..]);
        } else if self.uniform {
            out.push_str(&self.shape);
        } else {
            out.push_str("<*>");
        }
    }
}

#[derive(Clone, Debug)]
pub(super) enum Part {
    Word {
        text: String,
        hash: u64,
    },
    Var(Slot),
    /// `key=value`, or a numbered name (`eth0`: stem `eth`, value `0`) when `stem`.
    Kv {
        key: String,
        key_hash: u64,
        suffix: String,
        value: Slot,
        stem: bool,
    },
}

/// A group of lines sharing one template.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub(super) id: PatternId,
    pub(super) level: Option<Level>,
    pub(super) parts: Vec<Part>,
    pub(super) template: String,
    pub(super) count: u64,
    pub(super) first: Seen,
    pub(super) last: Seen,
    pub(super) history: RateHistory,
    pub(super) signatures: Vec<u64>,
    /// Parts that are not variables: words and `key=` / stem names.
    pub(super) anchors: usize,
    /// The last part is a `<*>` for the rest of the line after a label (see `siblings`).
    pub(super) tail: bool,
    pub(super) prev: u32,
    pub(super) next: u32,
}

impl Pattern {
    /// The pattern's id.
    pub fn id(&self) -> PatternId {
        self.id
    }

    /// The template, `<*>` standing for variables.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// The most severe level its lines showed, if their header had one.
    pub fn level(&self) -> Option<Level> {
        self.level
    }

    /// How many lines joined it.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Its first line.
    pub fn first_seen(&self) -> Seen {
        self.first
    }

    /// Its latest line.
    pub fn last_seen(&self) -> Seen {
        self.last
    }

    /// Line counts over time.
    pub fn history(&self) -> &RateHistory {
        &self.history
    }

    /// Each `<*>` of the template with its top values.
    pub fn variables(&self) -> Vec<Variable> {
        let mut out = Vec::new();
        for part in &self.parts {
            let slot = match part {
                Part::Word { .. } => continue,
                Part::Var(s) | Part::Kv { value: s, .. } => s,
            };
            if !slot.is_placeholder() {
                continue;
            }
            out.push(Variable {
                index: out.len(),
                values: slot.values.as_ref().map(TopValues::top).unwrap_or_default(),
                more: slot.values.as_ref().is_some_and(TopValues::overflowed),
            });
        }
        out
    }

    pub(super) fn render(&mut self) {
        let mut t = String::with_capacity(self.template.len().max(16));
        render_parts(&self.parts, &mut t);
        self.template = t;
    }

    /// Whether nothing but values tells this event apart: no word at all, or only a leading label
    /// (a logcat tag, `PhoneStatusBar: <*>`, says who logged, not what happened).
    fn nameless(&self) -> bool {
        self.anchors == 0
            || self.anchors == 1 && self.parts.first().is_some_and(is_leading_label)
    }

    /// Whether a line of these tokens belongs here. A `<*>` may take a plain word only when the
    /// line shares at least three times as many words with the template as it puts into `<*>`s,
    /// or when the `<*>` was made of words; a numbered name (`storage12`) and a value
    /// (`root_domain`) may share a place. The level is not part of a pattern's identity: the same
    /// message logged at two levels is one event.
    pub(super) fn accepts(&self, body: &str, toks: &[Tok]) -> bool {
        let n = self.parts.len();
        // A pattern ending in a tail `<*>` takes one token or more there.
        let fixed = if self.tail {
            if toks.len() < n {
                return false;
            }
            // A `-` label must be a `-` in the line too.
            // A `-` label must be a `-` in the line too; a value label (`S_<*>:`) a value of
            // its shape, colon included: a line without the label is another event.
            if n >= 2
                && let Part::Var(label) = &self.parts[n - 2]
                && (label.constant == "-" && toks[n - 2].value_hash != label.constant_hash
                    || label.shape.ends_with(':') && toks[n - 2].shape_hash != label.shape_hash)
            {
                return false;
            }
            n - 1
        } else if n != toks.len() {
            return self.align(body, toks, |_, _| {});
        } else {
            n
        };
        let mut absorbed = 0;
        for (p, t) in self.parts[..fixed].iter().zip(toks) {
            let fits = match p {
                // A word taken as the name after `user` still fits where the template has it.
                Part::Word { hash, .. } => {
                    matches!(t.kind, Kind::Word | Kind::Var) && t.ident_hash == *hash
                }
                Part::Kv { key_hash, stem, .. } => {
                    (t.kind == Kind::Kv || t.kind == Kind::Stem) && t.ident_hash == *key_hash
                        || *stem && t.kind == Kind::Var && self.anchors > 1
                }
                Part::Var(s) => match t.kind {
                    // With nothing else to tell events apart, a name (`CCFile::captureLog`, no
                    // digits) is the event: only the same name fits, and no value fits a name.
                    Kind::Var if self.nameless() && !(t.masked && s.masked) => {
                        !t.masked
                            && !s.masked
                            && t.shape_hash == s.shape_hash
                            && t.value_hash == s.constant_hash
                    }
                    Kind::Var => !self.nameless() || t.shape_hash == s.shape_hash,
                    Kind::Stem => !self.nameless(),
                    Kind::Word if s.words => true,
                    Kind::Word if s.is_placeholder() => {
                        absorbed += 1;
                        true
                    }
                    _ => false,
                },
            };
            if !fits {
                return false;
            }
        }
        absorbed == 0 || self.anchors >= 3 * absorbed
    }
}

/// Whether a pattern's first part is a component's tag (`ActivityManager:`, `kernel:`), which
/// names who logged, not what happened.
pub(super) fn is_leading_label(part: &Part) -> bool {
    matches!(part, Part::Word { text, .. } if is_tag(text.as_bytes()))
}

/// A tag: a label with a lower-case letter. A label in capitals (`LOG:`, `ERROR:`, `DETAIL:`)
/// names a kind of record, a word of the event.
pub(super) fn is_tag(text: &[u8]) -> bool {
    text.len() > 1 && text.ends_with(b":") && text.iter().any(u8::is_ascii_lowercase)
}

/// Whether a part that is no `<*>` of a run takes this token (where a run of values ends).
fn anchors_at(part: &Part, t: &Tok) -> bool {
    match part {
        Part::Var(s) => t.kind == Kind::Var && t.value_hash == s.constant_hash,
        _ => false,
    }
}

/// `****`, `-->`, `<-`: punctuation alone (an empty field, `-` or `[-]` where other lines have
/// `[req-… - - -]`, is a value, not a mark: `token::is_empty_dash`, as the tokenizer reads it).
fn is_mark(text: &str) -> bool {
    !text.is_empty()
        && !text.bytes().any(|b| b.is_ascii_alphanumeric())
        && !is_empty_dash(text.as_bytes())
}

/// Whether a token can stand in a run of values: a value or a name, not a mark (`****` may be
/// what tells two events apart).
fn value_like(t: &Tok, body: &str) -> bool {
    matches!(t.kind, Kind::Var | Kind::Stem) && !body.get(t.start..t.end).is_some_and(is_mark)
}

impl Pattern {
    /// For a line of another length than the template: whether its words agree with the
    /// template's, in order, and only the runs of values between them are longer or shorter
    /// (`AcroRd32.exe - host:5070 open …`, one value where `chrome.exe - host:5070 open …` made
    /// two). `each` is told, for every part, the tokens it takes (a `<*>` of a run may take none
    /// or several; `body` is the line's message). At least three words must agree, so a line of
    /// values alone joins nothing; two do when each run of the line holds a value with a digit
    /// (dpkg's `status installed media-types:all 10.0.0`, where `libc6:amd64 2.36-9` made one
    /// value): a run of names alone (`exception.id: framework.client.EXPIRED; java.util.…`)
    /// may be what tells the event apart.
    pub(super) fn align(
        &self,
        body: &str,
        toks: &[Tok],
        mut each: impl FnMut(usize, Range<usize>),
    ) -> bool {
        if self.tail || self.anchors < MIN_ALIGNED_WORDS {
            return false;
        }
        let few_words = self.anchors < 3;
        // A mark still shown as the one value it has had (`****` where a fan speed was) tells
        // events apart as much as a word does.
        let in_run = |part: &Part| matches!(part, Part::Var(s) if !is_mark(&s.constant) || s.is_placeholder());
        let (mut i, mut j) = (0, 0);
        while i < self.parts.len() {
            if !in_run(&self.parts[i]) {
                let fits = toks.get(j).is_some_and(|t| match &self.parts[i] {
                    Part::Word { hash, .. } => t.kind == Kind::Word && t.ident_hash == *hash,
                    Part::Kv { key_hash, .. } => {
                        matches!(t.kind, Kind::Kv | Kind::Stem) && t.ident_hash == *key_hash
                    }
                    Part::Var(s) => t.kind == Kind::Var && t.value_hash == s.constant_hash,
                });
                if !fits {
                    return false;
                }
                each(i, j..j + 1);
                i += 1;
                j += 1;
                continue;
            }
            // A run of `<*>`s takes the run of values the line has there.
            let run_end = (i..self.parts.len())
                .find(|&k| !in_run(&self.parts[k]))
                .unwrap_or(self.parts.len());
            let words_first = matches!(&self.parts[i], Part::Var(s) if s.words);
            let mut k = j;
            while k < toks.len()
                && (value_like(&toks[k], body) || k == j && words_first)
                && !self.parts.get(run_end).is_some_and(|p| anchors_at(p, &toks[k]))
            {
                k += 1;
            }
            if k == j || few_words && !toks[j..k].iter().any(|t| t.masked) {
                return false;
            }
            let parts = run_end - i;
            for (m, part) in (i..run_end).enumerate() {
                // One token each, the last part all that is left.
                let from = (j + m).min(k);
                let to = if m + 1 == parts { k } else { (j + m + 1).min(k) };
                each(part, from..to);
            }
            i = run_end;
            j = k;
        }
        j == toks.len()
    }
}

/// The fewest words a line must share with a template of another length to join it (see
/// [`Pattern::align`]).
pub(super) const MIN_ALIGNED_WORDS: usize = 2;

/// Writes the template text of `parts`.
pub(super) fn render_parts(parts: &[Part], t: &mut String) {
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            t.push(' ');
        }
        match part {
            Part::Word { text, .. } => t.push_str(text),
            Part::Var(slot) => slot.write(t),
            Part::Kv {
                key, suffix, value, ..
            } => {
                t.push_str(key);
                value.write(t);
                t.push_str(suffix);
            }
        }
    }
}

/// A slot that is already a plain `<*>`.
pub(super) fn open_slot(track: bool) -> Slot {
    Slot {
        constant: String::new(),
        constant_hash: 0,
        shape: "<*>".to_owned(),
        shape_hash: 0,
        uniform: false,
        masked: true,
        varying: true,
        words: false,
        named: false,
        numbered: false,
        lettered: false,
        common: (0, 0),
        values: track.then(TopValues::default),
    }
}

/// Digits, and at least half as many as letters.
fn mostly_digits(value: &str) -> bool {
    let (digits, letters) = value.bytes().fold((0, 0), |(d, l), b| {
        (
            d + usize::from(b.is_ascii_digit()),
            l + usize::from(b.is_ascii_alphabetic()),
        )
    });
    digits > 0 && 2 * digits >= letters
}

pub(super) fn new_slot(value: &str, t: &Tok, shape: String, track: bool) -> Slot {
    // The constant is shown only until the value varies, and never for a masked value.
    let constant = if t.masked {
        String::new()
    } else {
        cut(value).to_owned()
    };
    // A constant cut short has no end to compare; one longer than a `u16` counts is no word.
    let common = match u16::try_from(constant.len()) {
        Ok(n) if n > 0 && constant.len() == value.len() => (n, n),
        _ => (0, 0),
    };
    Slot {
        constant,
        constant_hash: t.value_hash,
        shape,
        shape_hash: t.shape_hash,
        uniform: true,
        masked: t.masked,
        varying: false,
        words: false,
        named: t.kind == Kind::Var && t.ident_hash != 0 && !t.masked,
        numbered: t.masked && mostly_digits(value),
        lettered: value.bytes().any(|b| b.is_ascii_alphabetic()),
        common,
        values: track.then(TopValues::default),
    }
}
