//! Patterns alike but for one word. When the word at one place differs across several patterns that
//! are otherwise the same (`Failed password for root from <*>`, `… for admin from …`, `… for oracle
//! from …`), that word is a value written as a word, and the patterns become one with a `<*>` there.
//!
//! Each pattern is filed under one key per word place: its length, the place, and the identity of
//! every other part (the text of a word, the name of a `key=`, "a value" for a `<*>`). Patterns under
//! the same key differ only at that place. They merge when
//! - [`SIBLINGS`] or more of them are filed there (two constants of one event, `session opened` /
//!   `session closed`, `startup` / `shutdown`, stay apart: a word with few values is a word), or
//! - one of them already has a `<*>` made of words there (a new value of a known variable), or a
//!   value that is mostly a number (`reason code: fraud;` beside `reason code: 4021;`), or
//! - the word follows `for`, `by` or `from` (who or where: `Failed password for root` / `for
//!   admin`), has a small letter and ends in a letter or digit, or
//! - both words were already seen as values at that place in another merge (a column of values), or
//! - [`VOCABULARY`] or more of its words also tell apart the siblings of another event (`Stabilized
//!   group refunds` / `payments` / `ledger` and `Preparing to rebalance group refunds` / …): a
//!   vocabulary of names used in two events; both events merge.
//!
//! A `key=` name is never merged (`user=` and `ruser=` say different things). The merge keeps the
//! oldest pattern's id and frees the others; the miner remembers which ids went where.
//!
//! Text of any length after a label is the other kind of value written as words: `Product: USB
//! Receiver`, `Started backup.service - Nightly backup.`. Patterns are also filed under one key per
//! label (a word ending in `:`, or a lone `-`, with at least three words or names up to it, two
//! for a dash after a word and a name, and a word after it): the identities up to the label,
//! whatever follows. [`SIBLINGS`] patterns under one
//! such key become one whose last part is a `<*>` taking the rest of the line, one token or more;
//! two are enough when both end in a list of `name: value` fields alike up to one field's name
//! and logged at the same level (fields a server adds when it knows them, [`context_keys`]).

use super::hash::mix;
use super::pattern::{Part, is_leading_label, is_tag};
use super::token::{Kind, Tok};

/// How many patterns alike but for one word make that word a value.
pub(super) const SIBLINGS: usize = 5;
/// How many patterns alike but for one word, and sharing only one other word, make that word a
/// value.
pub(super) const LONE_SIBLINGS: usize = 2 * SIBLINGS;
/// How many of the same words must tell siblings apart in two events for them to be values.
pub(super) const VOCABULARY: usize = 3;
/// Word places filed per pattern, and value places (the first ones: a long line is told apart by
/// its start).
const MAX_PLACES: usize = 32;

/// The identity of a part, as the sibling key sees it.
fn identity(part: &Part) -> u64 {
    match part {
        Part::Word { hash, .. } => mix(1, *hash),
        Part::Kv {
            key_hash,
            stem: false,
            ..
        } => mix(2, *key_hash),
        Part::Kv {
            key_hash,
            stem: true,
            ..
        } => mix(5, *key_hash),
        // A word taken as a value is still that word until it varies: `for user from` (`from`
        // taken as the name after `user`) is alike `for root from`.
        Part::Var(s) if s.named && !s.varying => mix(1, s.constant_hash),
        Part::Var(_) => 3,
    }
}

/// Whether place `p` is filed: a word, a numbered name (`eadmin1` / `badmin1`), or a value (a
/// word where another pattern has a value is a value too).
fn filed(part: &Part) -> bool {
    match part {
        // An access log's method (`"GET`, the request line's quote kept) is the request's kind,
        // however many there are: `rt=`, `uct=` and the like after the status give its
        // patterns words enough to merge it away.
        Part::Word { text, .. } => !is_access_method(text.as_bytes()),
        Part::Kv { stem: true, .. } | Part::Var(_) => true,
        Part::Kv { stem: false, .. } => false,
    }
}

/// The method opening an access log's request line, as the tokenizer keeps it: its quote, then
/// capitals (a request quoted in a message has its method as a value).
fn is_access_method(text: &[u8]) -> bool {
    text.strip_prefix(b"\"")
        .is_some_and(|m| (3..=7).contains(&m.len()) && m.iter().all(u8::is_ascii_uppercase))
}

/// The key of a pattern with these parts at place `p`.
pub(super) fn key(parts: &[Part], p: usize) -> u64 {
    let mut h = mix(0x51b1_1265, parts.len() as u64);
    h = mix(h, p as u64);
    for (i, part) in parts.iter().enumerate() {
        if i != p {
            h = mix(h, identity(part));
        }
    }
    h
}

/// Every `(place, key, siblings needed)` a pattern with these parts is filed under.
pub(super) fn keys(parts: &[Part]) -> Vec<(usize, u64, usize)> {
    // Siblings that agree on two words or more besides the one that differs merge at [`SIBLINGS`].
    // One word is too little to tell a command from a value at that count (`boot (command <*>)`,
    // `halt (command <*>)`), but not at [`LONE_SIBLINGS`]: sixteen services after `removing` are
    // values. With no word at all (`Launching <*>` and `KILLING <*>` share nothing but a value)
    // there is nothing to file.
    let anchors = parts.iter().filter(|p| !matches!(p, Part::Var(_))).count();
    // Word places and value places are capped apart: values do not crowd out the words.
    let (mut words, mut values) = (0, 0);
    let mut out = Vec::new();
    for (p, part) in parts.iter().enumerate().filter(|(_, part)| filed(part)) {
        let value = matches!(part, Part::Var(_));
        let taken = if value { &mut values } else { &mut words };
        if *taken == MAX_PLACES {
            continue;
        }
        *taken += 1;
        match anchors - usize::from(!value) {
            0 => {}
            1 => out.push((p, key(parts, p), LONE_SIBLINGS)),
            _ => out.push((p, key(parts, p), SIBLINGS)),
        }
    }
    out
}

/// The word at place `p` as a known value: its hash mixed with the place.
pub(super) fn value_at(part: &Part, p: usize) -> Option<u64> {
    match part {
        Part::Word { hash, .. }
        | Part::Kv {
            key_hash: hash,
            stem: true,
            ..
        } => Some(mix(mix(0x7a1e, *hash), p as u64)),
        _ => None,
    }
}

/// Identity of a line's token, as [`identity`] has it for the part it would make.
pub(super) fn token_identity(t: &Tok) -> u64 {
    match t.kind {
        Kind::Word => mix(1, t.ident_hash),
        Kind::Kv => mix(2, t.ident_hash),
        Kind::Stem => mix(5, t.ident_hash),
        Kind::Var => 3,
    }
}

/// `Starting logrotate.service -`: a verb, then a systemd unit, before a dash; what follows the
/// dash is the unit's description. The one test for patterns and lines alike.
fn describes_unit(verb: &[u8], unit: &[u8]) -> bool {
    verb.iter().all(u8::is_ascii_alphabetic) && is_unit(unit)
}

/// A systemd unit's name (`logrotate.service`, `session-15.scope`): a name, a dot and one of
/// systemd's unit types.
fn is_unit(name: &[u8]) -> bool {
    let Some(dot) = name.iter().rposition(|&b| b == b'.') else {
        return false;
    };
    dot > 0
        && [
            &b"service"[..],
            b"socket",
            b"timer",
            b"target",
            b"mount",
            b"automount",
            b"scope",
            b"slice",
            b"path",
            b"device",
            b"swap",
        ]
        .contains(&&name[dot + 1..])
}

/// Whether a word is a label a free text may follow: `Product:`, `-`.
fn is_label(text: &[u8]) -> bool {
    text.len() > 1 && text.ends_with(b":") || text == b"-"
}

/// Words or names up to a label, the label included.
const MIN_TAIL_ANCHORS: usize = 3;
const MAX_LABELS: usize = 8;

fn tail_key(identities: impl Iterator<Item = u64>) -> u64 {
    identities.fold(0x007a_110f_u64, mix)
}

/// Whether patterns filed under one label at `label` go on alike after it: two words or more
/// at the same places after the label in all of them (`db: '<*>' user: '<*>' host: '<*>' (Got
/// an error reading …` and `… (Got timeout writing …`). That is a list of fields with words of
/// their own, not free text after a label (`Product: USB Receiver`, `Product: Optical Mouse`),
/// and the text that differs is the event's.
pub(super) fn alike_after(members: &[&[Part]], label: usize) -> bool {
    let Some(shortest) = members.iter().map(|parts| parts.len()).min() else {
        return false;
    };
    let mut shared = 0;
    for place in (label + 1..shortest).take(MAX_PLACES) {
        let mut words = members.iter().map(|parts| match &parts[place] {
            Part::Var(_) => None,
            part => Some(identity(part)),
        });
        let Some(Some(first)) = words.next() else {
            continue;
        };
        if words.all(|w| w == Some(first)) {
            shared += 1;
            if shared >= 2 {
                return true;
            }
        }
    }
    false
}

/// Every `(label place, key)` a pattern is filed under for tails; a tail pattern only under its
/// own label.
pub(super) fn tail_keys(parts: &[Part], tail: bool) -> Vec<(usize, u64)> {
    if tail {
        let label = parts.len().saturating_sub(2);
        return vec![(label, tail_key(parts[..=label].iter().map(identity)))];
    }
    let mut out = Vec::new();
    let mut anchors = 0;
    for (a, part) in parts.iter().enumerate() {
        // A leading label (a logcat tag, `ActivityManager:`) says who logged, not what happened.
        let tag = a == 0 && is_leading_label(part);
        if !matches!(part, Part::Var(_)) && !tag {
            anchors += 1;
        }
        let label = match part {
            Part::Word { text, .. } => is_label(text.as_bytes()),
            // A lone `-` is read as an empty value; the `-` a pattern began with is its label.
            Part::Var(slot) if slot.constant == "-" => {
                anchors += 1;
                true
            }
            // `execute S_1: SELECT …`, `worker <*>: …`: a numbered name or a value ending in `:`
            // labels what follows; a bare number does not (`11: Bye Bye`: a code, and the words
            // after it say what it means).
            // The test a line's token is put to (`line_tail_keys`): letters in the value, also
            // where its shape masks them (`in 90s:`, shaped `<*>:`, labels as `S_1:` does).
            Part::Var(slot) => {
                slot.shape.len() > 1
                    && slot.shape.ends_with(':')
                    && (slot.lettered || slot.shape.bytes().any(|b| b.is_ascii_alphabetic()))
            }
            Part::Kv {
                stem: true, suffix, ..
            } => suffix.ends_with(':'),
            _ => false,
        };
        let rest = &parts[a + 1..];
        // `Starting logrotate.service - Rotate log files...`: a dash after a verb and a systemd
        // unit takes its description with one word less before it.
        let described = matches!(part, Part::Var(slot) if slot.constant == "-")
            && a >= 2
            && match (&parts[a - 2], &parts[a - 1]) {
                // A masked unit (`session-15.scope`) keeps its name's end in its shape.
                (Part::Word { text, .. }, Part::Var(slot)) => {
                    describes_unit(text.as_bytes(), slot.constant.as_bytes())
                        || describes_unit(text.as_bytes(), slot.shape.as_bytes())
                }
                _ => false,
            };
        if anchors >= MIN_TAIL_ANCHORS - usize::from(described)
            && label
            && rest.iter().any(|p| matches!(p, Part::Word { .. }))
        {
            out.push((a, tail_key(parts[..=a].iter().map(identity))));
            if out.len() == MAX_LABELS {
                break;
            }
        }
    }
    out
}

/// The tail keys a line of these tokens would be found under (label places, as for a pattern).
pub(super) fn line_tail_keys(body: &str, toks: &[Tok]) -> Vec<(usize, u64)> {
    let mut out = Vec::new();
    let mut anchors = 0;
    for (a, t) in toks.iter().enumerate() {
        let text = &body.as_bytes()[t.start..t.end];
        let dash = t.kind == Kind::Var && text == b"-";
        if (t.kind != Kind::Var || dash) && !(a == 0 && t.kind == Kind::Word && is_tag(text)) {
            anchors += 1;
        }
        // The same labels as a pattern's: a word ending in `:` or a lone `-`, a value ending in
        // `:`, a word after it.
        // (Values joined side by side are shaped `<*>`, no label on the pattern's side either.)
        let value_label = matches!(t.kind, Kind::Var | Kind::Stem)
            && text.len() > 1
            && text.ends_with(b":")
            && text.iter().any(u8::is_ascii_alphabetic)
            && t.shape_hash != super::hash::hash_bytes(b"<*>");
        let described = dash
            && a >= 2
            && toks[a - 2].kind == Kind::Word
            && toks[a - 1].kind == Kind::Var
            && describes_unit(
                &body.as_bytes()[toks[a - 2].start..toks[a - 2].end],
                &body.as_bytes()[toks[a - 1].start..toks[a - 1].end],
            );
        if (t.kind == Kind::Word && is_label(text) || dash || value_label)
            && anchors >= MIN_TAIL_ANCHORS - usize::from(described)
            && toks[a + 1..].iter().any(|t| t.kind == Kind::Word)
        {
            out.push((a, tail_key(toks[..=a].iter().map(token_identity))));
            if out.len() == MAX_LABELS {
                break;
            }
        }
    }
    out
}

/// Salt of the keys a pattern is filed under for the list of fields it ends with, apart from the
/// tail keys (see [`context_keys`]).
const CONTEXT: u64 = 0x00c0_47e7;

/// The key of the words and names up to a list of fields; every value is "a value" here, a
/// word taken as one too (the method of nginx's `request: "GET …"` until it varies).
fn context_key(identities: impl Iterator<Item = u64>) -> u64 {
    mix(CONTEXT, tail_key(identities))
}

/// Whether a value closes a bracket or opens what the next line says (`10.0.0.3:5672):`).
/// (A shape's `<*>` closes nothing.)
fn ends_group(text: &str) -> bool {
    !text.ends_with("<*>") && text.ends_with([':', ')', ']', '}', '>'])
}

/// A field's name in a list of fields ending a line (nginx's `referrer:`, `host:`): a letter,
/// then letters, digits, `_` or `-`, then `:`.
fn is_field_name(text: &[u8]) -> bool {
    text.strip_suffix(b":").is_some_and(|name| {
        !name.is_empty()
            && super::token::name_len(name, |b| b.is_ascii_digit() || b == b'_' || b == b'-')
                == name.len()
    })
}

/// The places after which a pattern holds nothing but a list of fields: a field's name (the
/// place), one value, then `name: value` pairs, each value but the last ending in a comma (`…
/// host: "<*>"`, `… backend: <*>, referer: <*>`), as `(place, key)`. Servers add such fields when they know them (nginx and
/// Apache a `referrer:` when the request had one, nginx an `upstream:` once one was chosen):
/// patterns alike up to one of these places are one event, whatever fields follow, so they
/// become one whose last part is a `<*>` for the rest of the line. At least three words or names
/// up to the place; the last first.
pub(super) fn context_keys(parts: &[Part], tail: bool) -> Vec<(usize, u64)> {
    let ends_list = |part: &Part, comma: bool| match part {
        Part::Var(slot) => {
            !slot.words
                && (!comma || slot.shape.ends_with(',') || slot.constant.ends_with(','))
        }
        _ => false,
    };
    let mut out = Vec::new();
    let Some(mut value) = parts.len().checked_sub(1) else {
        return out;
    };
    // A list that ends the line: not inside a bracket the line closes (RabbitMQ's `(<*> ->
    // <*>, vhost: '/', user: 'guest')`) nor before a text on the next line (`… <*>):`).
    // A pattern whose `<*>` takes the rest of the line is filed at its own place only (its
    // `<*>` made of the words it took).
    let last = parts.last().is_some_and(|p| {
        tail || ends_list(p, false)
            && matches!(p, Part::Var(slot) if !ends_group(&slot.shape) && !ends_group(&slot.constant))
    });
    if !last {
        return out;
    }
    while value >= 1 && out.len() < MAX_LABELS {
        let at = value - 1;
        let anchors = parts[..=at]
            .iter()
            .filter(|p| !matches!(p, Part::Var(_)))
            .count();
        let named = matches!(&parts[at], Part::Word { text, .. } if is_field_name(text.as_bytes()));
        if anchors < MIN_TAIL_ANCHORS || !named {
            break;
        }
        out.push((at, context_key(parts[..=at].iter().map(|p| match p {
            Part::Var(_) => 3,
            part => identity(part),
        }))));
        if tail || !(at >= 1 && ends_list(&parts[at - 1], true)) {
            break;
        }
        value = at - 1;
    }
    out
}


/// The places after which a line holds nothing but a list of fields (see [`context_keys`]), with
/// their keys: a pattern whose `<*>` takes the rest of the line from there is filed under them.
pub(super) fn line_context_keys(body: &str, toks: &[Tok]) -> Vec<(usize, u64)> {
    let text = |t: &Tok| &body.as_bytes()[t.start..t.end];
    let mut out = Vec::new();
    let Some(mut value) = toks.len().checked_sub(1) else {
        return out;
    };
    if toks[value].kind != Kind::Var || ends_group(&body[toks[value].start..toks[value].end]) {
        return out;
    }
    while value >= 1 && out.len() < MAX_LABELS {
        let at = value - 1;
        let anchors = toks[..=at].iter().filter(|t| t.kind != Kind::Var).count();
        if anchors < MIN_TAIL_ANCHORS
            || toks[at].kind != Kind::Word
            || !is_field_name(text(&toks[at]))
        {
            break;
        }
        out.push((at, context_key(toks[..=at].iter().map(token_identity))));
        let before = at.checked_sub(1).map(|b| &toks[b]);
        if !before.is_some_and(|b| b.kind == Kind::Var && text(b).ends_with(b",")) {
            break;
        }
        value = at - 1;
    }
    out
}


