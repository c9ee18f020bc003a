//! Splitting a line into its header (timestamp, level, pid) and the tokens a template is made of,
//! with the default variable masks.
//!
//! A token is one of four kinds, which decide how templates generalize:
//! - `Word`: plain text (`failed`, `interrupt:`). Two lines whose words differ are different
//!   events; a word turns into `<*>` only in a long template that already has a `<*>` there.
//! - `Var`: a masked value (anything with a digit: numbers, hex, ids, IPs, UUIDs, durations with
//!   their unit, dates; paths, URLs; letters whose case changes like a random id's) or an identifier-like token (`org.apache.Foo`, `root_domain`,
//!   the name after `user`). Two `Var`s at the same place always unify.
//! - `Kv`: `key=value`; unifies with the same key whatever the value.

use std::ops::Range;

use super::hash::{hash_bytes, mix};
use super::header::{is_day, is_month, is_time, is_weekday, whitespace_from};
use super::shape::{
    COLON, DIGIT, EQUALS, LOWER, STEM, STRUCTURAL, UPPER, class, classes, core_bounds, ends_with_quote, find_byte,
    is_key, is_message_key, is_number, is_unit, is_url, is_zone_name, names_a_value, stem_len,
    trim_close, write_masked_shape,
};

/// Lines longer than this many tokens keep the rest as one trailing variable.
pub(crate) const MAX_TOKENS: usize = 96;
/// A token whose core is longer than this is a value, whatever it looks like.
const MAX_WORD_BYTES: usize = 64;
/// How far a quoted value may run (in whitespace-separated pieces) before it is not treated as one.
const MAX_QUOTED_PIECES: usize = 24;

/// The kind of a token, see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Word,
    Var,
    Kv,
    Stem,
}

/// One token of a line, as byte offsets into the line.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tok {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    /// Shown as a placeholder from the first line on (a default mask matched).
    pub masked: bool,
    /// `Kv`: where the value starts (after `=`); `Var`: `start`.
    pub value_start: usize,
    /// `Kv`: where the value ends (before closing punctuation); `Var`: `end`.
    pub value_end: usize,
    /// `Word`: hash of the text; `Kv`: hash of the key; `Var`: 0.
    pub ident_hash: u64,
    /// `Var`/`Kv`: hash of the value text.
    pub value_hash: u64,
    /// `Var`: hash of the display shape (`blk_<*>`); `Word` that may fold into a list: likewise.
    pub shape_hash: u64,
    /// A run of same-shaped values folded into this one token.
    pub folded: bool,
    /// An HTTP status (`status=503`, the code after a request line): its class, `b'5'` for 5xx;
    /// 0 for any other token. The class is part of the token's identity.
    pub class: u8,
}

/// Two dots in a row, which a dot leader (`depth.........0`) needs: searched for once a line.
static DOT_LEADER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b".."));

/// A value that grew as pieces joined it is hashed once, when the line is split: a run of values
/// hashed again at each piece had cost time growing with the square of its length (16 KB of
/// numbers, 6 ms). A hash that is this value is taken again (it reads the same).
const REHASH: u64 = u64::MAX;

/// Pieces remembered with their class, see [`Tokenizer::classify`].
const CACHE_SLOTS: usize = 2048;

impl Tok {
    /// This token moved to start at `start` (it was classified at 0).
    fn at(self, start: usize) -> Tok {
        Tok {
            start: self.start + start,
            end: self.end + start,
            value_start: self.value_start + start,
            value_end: self.value_end + start,
            ..self
        }
    }
}

/// A line split into header fields and tokens; buffers are reused from line to line.
#[derive(Default)]
pub(crate) struct Tokenizer {
    pub toks: Vec<Tok>,
    pieces: Vec<(usize, usize)>,
    shape: Vec<u8>,
    /// Classified pieces by the hash of their text (its low bits pick the slot; 0 is an empty
    /// slot, a key has its lowest bit set). Most pieces of a log are words it wrote before.
    cache: Vec<(u64, Tok)>,
    /// What a `key=` makes of its value, by the hash of the key (as `cache`): `KEY_PLAIN`,
    /// `KEY_STATUS`.
    keys: Vec<(u64, u8)>,
    /// Some token's value is to be hashed at the end of the line (see [`REHASH`]).
    stale: bool,
}

/// Keys remembered, see [`Tokenizer::keyed`].
const KEY_SLOTS: usize = 256;
/// A key whose piece is a plain `Kv`.
const KEY_PLAIN: u8 = 1;
/// A key that holds an HTTP status (`status=503`).
const KEY_STATUS: u8 = 2;

impl Tokenizer {
    /// Split `line` (header already removed) into `self.toks`.
    pub fn tokenize(&mut self, line: &str) {
        self.toks.clear();
        self.split_pieces(line);
        let bytes = line.as_bytes();
        let mut i = 0;
        // The piece right after a request line is an HTTP status, if it looks like one (a status
        // in running text, `status: 404`, is a number like any other).
        let mut status_next = false;
        // ... and it ends an access log's request line: what follows is one value.
        let mut access_next = false;
        // The piece after a `status:` word: its class names the line's level (a 503 is an
        // error), not its event.
        let mut status_text = false;
        while i < self.pieces.len() {
            // `GET /api/items/9 404 1.200 ms - 150` (Express's morgan, unquoted): the piece after
            // a method and a path is the request's status too.
            let after_status = std::mem::take(&mut status_next)
                || i >= 2
                    && self.pieces[i].1 - self.pieces[i].0 == 3
                    && bytes[self.pieces[i].0].is_ascii_digit()
                    && self.follows_request(bytes, i);
            let after_access = std::mem::take(&mut access_next);
            let after_status_word = std::mem::take(&mut status_text);
            if self.toks.len() + 1 == MAX_TOKENS {
                let (start, _) = self.pieces[i];
                let (_, end) = self.pieces[self.pieces.len() - 1];
                self.push_rest(bytes, start, end);
                break;
            }
            let (start, end) = self.pieces[i];
            if let Some(last) = self.datetime_end(bytes, i) {
                let end = self.pieces[last].1;
                let tok = self.phrase(bytes, start, end);
                self.push_folding(bytes, tok);
                i = last + 1;
                continue;
            }
            if let Some(prev) = self.toks.last_mut()
                && prev.kind == Kind::Var
                && prev.masked
                && is_unit(&bytes[start..end])
                && is_number(last_piece(&bytes[prev.start..prev.end]))
            {
                // `5.2 KB`, `30 ms`: the unit goes with its number.
                let (cs, _) = core_bounds(&bytes[prev.start..prev.end]);
                let (_, ue) = core_bounds(&bytes[start..end]);
                self.shape.clear();
                self.shape
                    .extend_from_slice(&bytes[prev.start..prev.start + cs]);
                self.shape.extend_from_slice(b"<*>");
                self.shape.extend_from_slice(&bytes[start + ue..end]);
                prev.end = end;
                prev.value_end = end;
                prev.value_hash = REHASH;
                self.stale = true;
                prev.shape_hash = hash_bytes(&self.shape);
                i += 1;
                continue;
            }
            if after_status && let Some(tok) = status(bytes, start, end) {
                self.toks.push(tok);
                i += 1;
                // What follows an access log's status is one value whatever it holds: sizes, a
                // `-` for a time not taken, the referer and user agent, Envoy's response flags
                // (`UF`, `NR`), timings a second server block adds (`rt=0.006 uct="0.039"`). Its
                // pieces had made a pattern per combination of dashes, flags and formats, each a
                // false NEW; the request's fields are read apart from the miner (`tail::fields`).
                if after_access && i < self.pieces.len() {
                    let (from, to) = (self.pieces[i].0, self.pieces[self.pieces.len() - 1].1);
                    let shape_hash = hash_bytes(b"<*>");
                    self.toks.push(masked_var(&bytes[from..to], from, to, shape_hash));
                    i = self.pieces.len();
                }
                continue;
            }
            // A quoted phrase that opens the message (nothing but values before it: klog's
            // `"SyncLoop ADD"`) is the message itself and stays words.
            if let Some(last) = self.quoted_phrase_end(bytes, i).filter(|&last| {
                is_request_line(&bytes[start..self.pieces[last].1]) || !self.opens_message()
            }) {
                let end = self.pieces[last].1;
                if is_request_line(&bytes[start..end]) {
                    // `"GET /a?b=1 HTTP/1.1" 200`: the method stays a word, the path and protocol
                    // are values each (never folded together), the status follows. What comes
                    // before it (client, identity, user, time) is values.
                    // Only an access log's prefix, though: a message quoting a request
                    // (`… failed, client: 1.2.3.4, request: "GET / HTTP/1.1"`) keeps its words.
                    let words = self.toks.iter().filter(|t| t.kind == Kind::Word).count();
                    // HAProxy writes names and timers before its status and byte count and ends
                    // the line with the request (`… be_api/api2 3/5/5/895/303 201 67292 - - ----
                    // … "POST /v1/pay HTTP/1.1"`): a request ending the line after a lone status
                    // followed by a count is an access log's too, whatever words come first.
                    let counted_status = last + 1 == self.pieces.len()
                        && self.pieces[..i].windows(2).any(|w| {
                            let ((s, e), (cs, ce)) = (w[0], w[1]);
                            e - s == 3
                                && status_class(&bytes[s..e]) != 0
                                && bytes[cs..ce].iter().all(u8::is_ascii_digit)
                        });
                    let access_log = self.toks.len() <= 6 && words <= 1 || counted_status;
                    if access_log
                        && let (Some(first), Some(prev)) = (self.toks.first(), self.toks.last())
                    {
                        let (from, to) = (first.start, prev.end);
                        let shape_hash = hash_bytes(b"<*>");
                        // AWS's load balancers write the status before the request
                        // (`… 0.000 200 200 34 366 "GET …`): with none after it, the prefix's
                        // first lone three-digit status is the line's, and its class is kept.
                        let after = self.pieces.get(last + 1).map(|&(s, e)| status_class(&bytes[s..e]));
                        let before = match after {
                            Some(class) if class != 0 => 0,
                            _ => self.pieces[..i]
                                .iter()
                                .filter(|&&(s, _)| s >= from)
                                .filter(|&&(s, e)| e - s == 3)
                                .map(|&(s, e)| status_class(&bytes[s..e]))
                                .find(|&class| class != 0)
                                .unwrap_or(0),
                        };
                        let mut prefix = masked_var(&bytes[from..to], from, to, shape_hash);
                        if before != 0 {
                            prefix.kind = Kind::Kv;
                            prefix.ident_hash = mix(hash_bytes(b"status"), u64::from(before));
                            prefix.shape_hash = 0;
                            prefix.class = before;
                        }
                        self.toks.clear();
                        self.toks.push(prefix);
                    }
                    let method_end = self.pieces[i].1;
                    let method = word(&bytes[start..method_end], start, method_end);
                    if access_log {
                        self.toks.push(method);
                    } else {
                        // A request quoted in a message (`limiting requests, …, request: "POST
                        // /a HTTP/1.1"`) is the event's argument: its method is a value too.
                        let (cs, ce) = core_bounds(&bytes[start..method_end]);
                        let shape_hash = self.placeholder_shape(&bytes[start..method_end], cs, ce);
                        self.toks.push(Tok {
                            kind: Kind::Var,
                            value_hash: method.ident_hash,
                            shape_hash,
                            ..method
                        });
                    }
                    for k in i + 1..=last {
                        let (s, e) = self.pieces[k];
                        let tok = self.classify(bytes, s, e);
                        let tok = if tok.kind == Kind::Var {
                            tok
                        } else {
                            let (cs, ce) = core_bounds(&bytes[s..e]);
                            let shape_hash = self.placeholder_shape(&bytes[s..e], cs, ce);
                            Tok {
                                masked: false,
                                ..masked_var(&bytes[s..e], s, e, shape_hash)
                            }
                        };
                        self.toks.push(tok);
                    }
                    status_next = true;
                    access_next = access_log;
                } else {
                    // `error "connection refused by peer"`: a quoted message is one value.
                    let raw = &bytes[start..end];
                    let close = raw.iter().rposition(|&b| b == raw[0]).unwrap_or(raw.len());
                    let shape_hash = self.placeholder_shape(raw, 1, close);
                    self.push_folding(bytes, masked_var(raw, start, end, shape_hash));
                }
                i = last + 1;
                continue;
            }
            // `[apple, banana, cherry]`, `('paid', 'new')`: a bracketed list is one value,
            // whatever its length.
            if let Some(last) = self.list_end(bytes, i) {
                let end = self.pieces[last].1;
                let shape_hash = match bytes[start] {
                    b'(' => hash_bytes(b"(<*>)"),
                    _ => hash_bytes(b"[<*>]"),
                };
                self.push_folding(bytes, masked_var(&bytes[start..end], start, end, shape_hash));
                i = last + 1;
                continue;
            }
            // `features: auth, billing, search`: a list without brackets after its label, as long
            // as it is. Without a label (`INFO, auth, login, failed`, a line of comma-separated
            // fields) the words are the event.
            if bytes[end - 1] == b','
                && self
                    .toks
                    .last()
                    .is_some_and(|t| t.kind == Kind::Word && bytes[t.end - 1] == b':')
                && let Some(last) = self.comma_list_end(bytes, i)
            {
                let end = self.pieces[last].1;
                // Shown as written until another line has another list: a list that never
                // changes (`launching normal, non-uberized, multi-container job`) reads as words.
                let shape_hash = hash_bytes(b"<*>, <*>");
                self.push_folding(bytes, Tok {
                    masked: false,
                    ..masked_var(&bytes[start..end], start, end, shape_hash)
                });
                i = last + 1;
                continue;
            }
            // `/var/lib/My Files/report.txt`: a path goes on after a space.
            let piece = &bytes[start..end];
            if let Some(prev) = self.toks.last_mut()
                && prev.kind == Kind::Var
                && prev.masked
                && prev.end + 1 == start
                && bytes[prev.start] == b'/'
                && !matches!(piece[0], b'/' | b'"' | b'\'' | b'(' | b'[')
                && piece.contains(&b'/')
                && !piece.contains(&b'=')
            {
                prev.end = end;
                prev.value_end = end;
                prev.value_hash = REHASH;
                self.stale = true;
                i += 1;
                continue;
            }
            let mut tok = match self.quoted_value_end(bytes, i) {
                Some(last) => {
                    let end = self.pieces[last].1;
                    i = last;
                    self.quoted_value(bytes, start, end)
                }
                None => self.classify(bytes, start, end),
            };
            // The first word of a quoted message (`"operationExecutor.MountVolume started …"`)
            // names the event even when it looks like an identifier.
            if tok.kind == Kind::Var
                && !tok.masked
                && matches!(bytes[start], b'"' | b'\'')
                && self.opens_message()
            {
                tok = word(&bytes[start..end], start, end);
            }
            if after_status_word && tok.kind == Kind::Var && tok.class == 0 {
                tok.class = status_class(&bytes[tok.value_start..tok.value_end]);
            }
            if tok.kind == Kind::Word {
                status_text = is_status_word(&bytes[start..end]);
                // Only the word `user` names a value: an account called `user` (a value already)
                // does not make the word after it one (`invalid user user from`).
                let named = self.toks.last().is_some_and(|prev| {
                    prev.kind == Kind::Word && names_a_value(&bytes[prev.start..prev.end])
                });
                let (cs, ce) = if named { core_bounds(&bytes[start..end]) } else { (0, 0) };
                if cs < ce {
                    // The word keeps its identity: in `for user from`, `from` is a word the
                    // template may hold (see `Pattern::accepts`).
                    tok.kind = Kind::Var;
                    tok.value_hash = tok.ident_hash;
                    tok.shape_hash = self.placeholder_shape(&bytes[start..end], cs, ce);
                }
            }
            self.push_folding(bytes, tok);
            i += 1;
        }
        if self.toks.iter().filter(|t| t.kind == Kind::Kv).nth(1).is_some() {
            // A lone `;` is rare: one vector scan keeps most lines from looking for it.
            if memchr::memchr(b';', bytes).is_some() {
                self.fold_fields(bytes);
            }
            self.fold_flags(bytes);
        }
        if std::mem::take(&mut self.stale) {
            for t in &mut self.toks {
                if t.value_hash == REHASH {
                    t.value_hash = hash_bytes(&bytes[t.start..t.end]);
                }
            }
        }
    }

    /// `TTY=pts/0 ; PWD=/srv/My Documents ; USER=root ; COMMAND=/usr/bin/tail -f /var/log/syslog`
    /// (sudo's): where two `key=value` fields or more follow a lone `;`, a field's value runs
    /// to the next lone `;`, spaces and all, and the last one to the end of the line. A path
    /// with a space or a command with arguments had made a pattern of its own.
    fn fold_fields(&mut self, bytes: &[u8]) {
        let sep = |t: &Tok| t.end == t.start + 1 && bytes[t.start] == b';';
        let fields = self
            .toks
            .windows(2)
            .filter(|w| sep(&w[0]) && w[1].kind == Kind::Kv && w[1].class == 0)
            .count();
        if fields < 2 {
            return;
        }
        let mut i = 1;
        while i < self.toks.len() {
            let opens = sep(&self.toks[i - 1]) && self.toks[i].kind == Kind::Kv;
            if !opens || self.toks[i].class != 0 {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < self.toks.len() && !sep(&self.toks[j]) {
                j += 1;
            }
            if j > i + 1 {
                let end = self.toks[j - 1].end;
                let field = &mut self.toks[i];
                field.end = end;
                field.value_end = end;
                field.masked = true;
                field.value_hash = hash_bytes(&bytes[field.value_start..end]);
                self.toks.drain(i + 1..j);
            }
            i += 1;
        }
    }

    /// `ID=11150 DF PROTO=TCP`: words between two `key=value` tokens are flags of the list, present
    /// or not from line to line; they go with the value before them.
    fn fold_flags(&mut self, bytes: &[u8]) {
        let kv = |t: &Tok| t.kind == Kind::Kv && t.class == 0;
        // A flag's `key=true` is a word of the event, not a flag of the list, and so is the
        // quoted message of logfmt (`level=info msg="Config loaded from" file=…`).
        // A label is no flag either: it opens a phrase of the event (PostgreSQL's prefix
        // `user=app,db=orders LOG:  connection authorized: user=app …` had lost its message).
        let flag = |t: &Tok| {
            t.kind == Kind::Word
                && bytes[t.end - 1] != b':'
                && !sets_a_flag(&bytes[t.start..t.end])
                && !find_byte(&bytes[t.start..t.end], b'=').is_some_and(|eq| {
                    is_message_key(&bytes[t.start..t.start + eq])
                        && matches!(bytes.get(t.start + eq + 1), Some(b'"' | b'\''))
                })
        };
        // A value that closes a bracket or ends in a colon ends its list: the words after it are
        // the event's (`HTTPSConnectionPool(host='…', port=443): Read timed out. (read
        // timeout=10)`).
        let open = |t: &Tok| {
            !matches!(
                bytes[..t.end].last(),
                Some(b':' | b')' | b']' | b'}')
            )
        };
        let mut i = 1;
        while i + 1 < self.toks.len() {
            if !flag(&self.toks[i]) || !kv(&self.toks[i - 1]) || !open(&self.toks[i - 1]) {
                i += 1;
                continue;
            }
            let mut j = i;
            while j < self.toks.len() && flag(&self.toks[j]) {
                j += 1;
            }
            if j < self.toks.len() && kv(&self.toks[j]) {
                let end = self.toks[j - 1].end;
                let prev = &mut self.toks[i - 1];
                prev.end = end;
                prev.value_end = end;
                prev.masked = true;
                prev.value_hash = hash_bytes(&bytes[prev.value_start..end]);
                self.toks.drain(i..j);
            }
            i += 1;
        }
    }

    fn split_pieces(&mut self, line: &str) {
        self.pieces.clear();
        let bytes = line.as_bytes();
        // A dot leader needs two dots in a row, which most lines do not have.
        let leaders = DOT_LEADER.find(bytes).is_some();
        let mut i = 0;
        while i < bytes.len() {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut s = i;
            i = whitespace_from(bytes, i);
            let dots = leaders && bytes[s..i].windows(2).any(|w| w == b"..");
            // `[   17.619357]`: a bracket padded with spaces holds one value with it.
            if i - s == 1 && matches!(bytes[s], b'[' | b'(') {
                let mut j = i;
                while j < bytes.len() && bytes[j] == b' ' {
                    j += 1;
                }
                let mut k = j;
                while k < bytes.len() && !bytes[k].is_ascii_whitespace() {
                    k += 1;
                }
                if k > j && matches!(bytes[k - 1], b']' | b')') {
                    self.pieces.push((s, k));
                    i = k;
                    continue;
                }
            }
            if !dots {
                if i > s {
                    self.pieces.push((s, i));
                }
                continue;
            }
            // `depth.........0`: a dot leader separates a label from its value.
            let mut j = s;
            while j < i {
                if bytes[j] == b'.' && j > s {
                    let mut k = j;
                    while k < i && bytes[k] == b'.' {
                        k += 1;
                    }
                    if k - j >= 3 && k < i {
                        self.pieces.push((s, k));
                        s = k;
                    }
                    j = k;
                } else {
                    j += 1;
                }
            }
            if i > s {
                self.pieces.push((s, i));
            }
        }
    }

    /// If pieces from `i` spell a date like `Thu Aug 04 15:20:37 PDT 2005`, the index of its last piece.
    fn datetime_end(&self, bytes: &[u8], i: usize) -> Option<usize> {
        // A weekday and a month name both open with a capital, after a bracket at most (uWSGI's
        // `[Sun Mar 13 22:49:12 2016]`): most pieces stop here.
        let start = self.pieces[i].0;
        let first = *bytes.get(start)?;
        if first.is_ascii_digit() {
            // Most numbers are no day: one or two digits before a capital first.
            let (_, end) = self.pieces[i];
            let capital_next = self.pieces.get(i + 1).is_some_and(|&(s, _)| bytes[s].is_ascii_uppercase());
            return (end - start <= 2 && capital_next)
                .then(|| self.day_first_end(bytes, i))
                .flatten();
        }
        let bracket = if first.is_ascii_uppercase() {
            0
        } else if matches!(first, b'[' | b'(') && bytes.get(start + 1).is_some_and(u8::is_ascii_uppercase) {
            1
        } else {
            return None;
        };
        let piece = |k: usize| {
            self.pieces
                .get(k)
                .map(|&(s, e)| &bytes[if k == i { s + bracket } else { s }..e])
        };
        let mut k = i;
        if piece(k).is_some_and(is_weekday) {
            k += 1;
        } else if bracket == 0
            && piece(k).is_some_and(|p| p.strip_suffix(b",").is_some_and(is_weekday))
        {
            // `Mon, 30 Nov 2026 23:59:58 +0000`.
            return self.day_first_end(bytes, k + 1);
        }
        if !(piece(k).is_some_and(is_month)
            && piece(k + 1).is_some_and(is_day)
            && piece(k + 2).is_some_and(|p| is_time(trim_close(p))))
        {
            return None;
        }
        k += 2;
        if piece(k + 1).is_some_and(|p| is_zone_name(trim_close(p))) {
            k += 1;
        }
        if piece(k + 1).is_some_and(|p| {
            let p = trim_close(p);
            p.len() == 4 && p.iter().all(u8::is_ascii_digit)
        }) {
            k += 1;
        }
        Some(k)
    }

    /// `11 Aug 2024 19:53:54.059` (Redis), `7 Dec 2026 10:00:00 +0000` (the date of mail and HTTP,
    /// after `Mon,`): a day, a month's name, a year and a time, and a
    /// zone after them; the index of the last piece. The month is no word of the event: written
    /// as a constant, every event would be new when the month turns.
    #[inline(never)]
    fn day_first_end(&self, bytes: &[u8], i: usize) -> Option<usize> {
        let piece = |k: usize| self.pieces.get(k).map(|&(s, e)| &bytes[s..e]);
        if !(piece(i).is_some_and(is_day) && piece(i + 1).is_some_and(is_month)) {
            return None;
        }
        let year = piece(i + 2)?;
        if !(year.len() == 4 && year.iter().all(u8::is_ascii_digit) && piece(i + 3).is_some_and(|p| is_time(trim_close(p)))) {
            return None;
        }
        let mut k = i + 3;
        // `+0000` as well as `GMT`.
        if piece(k + 1).is_some_and(|p| is_zone_name(trim_close(p))) {
            k += 1;
        }
        Some(k)
    }

    /// If piece `i` opens a quoted value (`key="a b"`) closed by a later piece, that piece's index.
    /// A bare quoted phrase stays words: `"GET /a HTTP/1.1"` and `"POST /a HTTP/1.1"` differ; so
    /// does the message of logfmt (`msg="..."`).
    fn quoted_value_end(&self, bytes: &[u8], i: usize) -> Option<usize> {
        let (s, e) = self.pieces[i];
        let piece = &bytes[s..e];
        let eq = find_byte(piece, b'=')?;
        let quote = *piece.get(eq + 1)?;
        if matches!(quote, b'[' | b'{') {
            return self.listed_value_end(bytes, i, eq);
        }
        if !matches!(quote, b'"' | b'\'')
            || !is_key(&piece[..eq])
            || is_message_key(&piece[..eq])
            || ends_with_quote(&piece[eq + 2..], quote)
        {
            return None;
        }
        let last = (i + MAX_QUOTED_PIECES).min(self.pieces.len() - 1);
        ((i + 1)..=last).find(|&j| {
            let (s, e) = self.pieces[j];
            ends_with_quote(&bytes[s..e], quote)
        })
    }

    /// If piece `i` opens a bracketed list of several pieces (`[a,` `b,` `c]`), the index of the
    /// piece that closes it: every piece before that ends with a comma.
    fn list_end(&self, bytes: &[u8], i: usize) -> Option<usize> {
        let (s, e) = self.pieces[i];
        self.list_closed(bytes, i, &bytes[s..e])
    }

    /// If piece `i` is a key whose value opens such a list (klog's `pods=["shop/a",`
    /// `"shop/b"]`), the index of the piece that closes it: the value is one, however many items.
    fn listed_value_end(&self, bytes: &[u8], i: usize, eq: usize) -> Option<usize> {
        let (s, e) = self.pieces[i];
        let piece = &bytes[s..e];
        if !is_key(&piece[..eq]) || is_message_key(&piece[..eq]) {
            return None;
        }
        self.list_closed(bytes, i, &piece[eq + 1..])
    }

    /// The index of the piece that closes the list `opening` (the rest of piece `i`) opens.
    /// Inlined into both callers, as the list's own rule was before a key's list shared it: out
    /// of line, the patterns bench read bare messages 3-4% slower for the same instructions.
    #[inline(always)]
    fn list_closed(&self, bytes: &[u8], i: usize, opening: &[u8]) -> Option<usize> {
        let close = match opening.first()? {
            b'[' => b']',
            b'{' => b'}',
            // SQL's `IN ('paid', 'shipped')`, a tuple of numbers: one value, as long as it is;
            // only when every item is a quoted string or a number (`(54, powerd)` names who).
            b'(' => b')',
            _ => return None,
        };
        if close == b')' {
            // `('new')`: the list with one item.
            let whole = trim_close_but(opening, close);
            if whole.len() > 2 && whole.ends_with(b")") {
                return is_tuple_item(&whole[1..whole.len() - 1]).then_some(i);
            }
        }
        // `[a],` closed already: the list is this piece, not the pieces after it.
        if !opening.ends_with(b",") || opening[..opening.len() - 1].ends_with(&[close]) {
            return None;
        }
        if close == b')' && !is_tuple_item(&opening[1..opening.len() - 1]) {
            return None;
        }
        let last = (i + MAX_QUOTED_PIECES).min(self.pieces.len() - 1);
        for j in i + 1..=last {
            let (ps, pe) = self.pieces[j];
            let piece = trim_close_but(&bytes[ps..pe], close);
            if piece.ends_with(&[close]) {
                return (close != b')' || is_tuple_item(&piece[..piece.len() - 1])).then_some(j);
            }
            if !piece.ends_with(b",") || close == b')' && !is_tuple_item(&piece[..piece.len() - 1])
            {
                return None;
            }
        }
        None
    }

    /// If piece `i` opens a list of names without brackets (`auth, billing, search`, `a.txt,
    /// b.txt, c.txt`; the caller asks for a label before it), the index of its last item: three items or more, each one piece without a
    /// digit, each but the last ending with a comma. A phrase cut by commas (`failed, retrying in
    /// 5 s`, `the store, the bank`) has items of several pieces or only two, and stays words; so
    /// do fields (`i:0,`, `a=1,`), values (`requery, 0, items, 3`, read one by one as values
    /// side by side are) and quoted or bracketed items, which other rules read.
    fn comma_list_end(&self, bytes: &[u8], i: usize) -> Option<usize> {
        let item = |k: usize| {
            let (s, e) = self.pieces[k];
            let piece = bytes[s..e].strip_suffix(b",").unwrap_or(&bytes[s..e]);
            !piece.is_empty()
                && piece.len() <= MAX_WORD_BYTES
                && !piece.ends_with(b",")
                && !piece.iter().any(|b| {
                    b.is_ascii_digit()
                        || matches!(b, b'=' | b':' | b'"' | b'\'' | b'(' | b')' | b'[' | b']' | b'{' | b'}')
                })
        };
        let ends_with_comma = |k: usize| bytes[..self.pieces[k].1].ends_with(b",");
        let mut k = i;
        while k < self.pieces.len() && ends_with_comma(k) && item(k) {
            k += 1;
        }
        (k >= i + 2 && k < self.pieces.len() && !ends_with_comma(k) && item(k)).then_some(k)
    }

    /// Whether a piece now would open the message: nothing but values before it.
    fn opens_message(&self) -> bool {
        self.toks
            .iter()
            .all(|t| matches!(t.kind, Kind::Var | Kind::Stem) && t.class == 0)
    }

    /// If piece `i` opens a bare quoted phrase of several pieces (`"connection refused by peer"`)
    /// closed by a later piece, that piece's index.
    fn quoted_phrase_end(&self, bytes: &[u8], i: usize) -> Option<usize> {
        let (s, e) = self.pieces[i];
        let piece = &bytes[s..e];
        let quote = *piece.first()?;
        if !matches!(quote, b'"' | b'\'') || ends_with_quote(&piece[1..], quote) {
            return None;
        }
        // A quoted error (`Last exception: 'java.net.SocketTimeoutException: Read timed out'`,
        // urllib3's `broken by 'ProtocolError('Connection aborted.', …)'`) says what failed: its
        // words are the event's, not one value (a timeout and a refusal had been one pattern).
        if std::str::from_utf8(&piece[1..]).is_ok_and(super::shape::names_a_type) {
            return None;
        }
        let last = (i + MAX_QUOTED_PIECES).min(self.pieces.len() - 1);
        ((i + 1)..=last).find(|&j| {
            let (s, e) = self.pieces[j];
            ends_with_quote(&bytes[s..e], quote)
        })
    }

    /// Whether piece `i` follows an unquoted method and path (`GET /api/items/9`), or those and a
    /// dash (ASP.NET Core's `Request finished HTTP/1.1 GET http://host/api/orders - 200 …`).
    fn follows_request(&self, bytes: &[u8], i: usize) -> bool {
        let (ds, de) = self.pieces[i - 1];
        let back = if &bytes[ds..de] == b"-" && i >= 3 { 1 } else { 0 };
        let (ms, me) = self.pieces[i - 2 - back];
        let (ps, pe) = self.pieces[i - 1 - back];
        let path = &bytes[ps..pe];
        is_http_method(&bytes[ms..me])
            && (path.starts_with(b"/") || path.starts_with(b"http://") || path.starts_with(b"https://"))
    }

    /// `key="a b c"` spanning `start..end`, found by [`Tokenizer::quoted_value_end`].
    fn quoted_value(&self, bytes: &[u8], start: usize, end: usize) -> Tok {
        let raw = &bytes[start..end];
        let eq = find_byte(raw, b'=').unwrap_or(0);
        Tok {
            start,
            end,
            kind: Kind::Kv,
            masked: true,
            value_start: start + eq + 1,
            value_end: end,
            ident_hash: hash_bytes(&raw[..eq]),
            value_hash: hash_bytes(&raw[eq + 1..]),
            shape_hash: 0,
            folded: false,
            class: 0,
        }
    }

    /// A value written as several pieces (a date), shown as one placeholder.
    fn phrase(&mut self, bytes: &[u8], start: usize, end: usize) -> Tok {
        let raw = &bytes[start..end];
        let shape_hash = self.placeholder_shape(raw, 0, trim_close(raw).len());
        masked_var(raw, start, end, shape_hash)
    }

    /// The token a piece is: a pure function of its bytes, so a piece seen before is looked up
    /// rather than classified again (a hash of the text is taken as its identity, as a word's is
    /// everywhere in the miner).
    fn classify(&mut self, bytes: &[u8], start: usize, end: usize) -> Tok {
        let raw = &bytes[start..end];
        let key = hash_bytes(raw) | 1;
        if self.cache.is_empty() {
            self.cache = vec![(0, word(b"", 0, 0)); CACHE_SLOTS];
        }
        let slot = (key >> 1) as usize & (CACHE_SLOTS - 1);
        if let Some(&(k, tok)) = self.cache.get(slot)
            && k == key
        {
            return tok.at(start);
        }
        let tok = match self.keyed(raw) {
            Some(tok) => tok,
            None => self.classify_piece(raw, 0, raw.len()),
        };
        if let Some(entry) = self.cache.get_mut(slot) {
            *entry = (key, tok);
        }
        tok.at(start)
    }

    /// `duration_ms=42`, a `key=value` whose value is new: what the key makes of it is looked up
    /// by the key (a key, a status, a message field), and only the value is read. `None` for any
    /// other piece, and for a key that is not a plain one (the full classification decides).
    fn keyed(&mut self, raw: &[u8]) -> Option<Tok> {
        if !raw.first()?.is_ascii_alphabetic() {
            return None;
        }
        let eq = find_byte(raw, b'=')?;
        let key = &raw[..eq];
        let key_hash = hash_bytes(key);
        if self.keys.is_empty() {
            self.keys = vec![(0, 0); KEY_SLOTS];
        }
        let slot = (key_hash >> 1) as usize & (KEY_SLOTS - 1);
        let flags = match self.keys.get(slot) {
            Some(&(k, flags)) if k == key_hash | 1 => flags,
            _ => {
                let flags = if !is_key(key) || is_message_key(key) {
                    0
                } else if is_status_key(key) {
                    KEY_PLAIN | KEY_STATUS
                } else {
                    KEY_PLAIN
                };
                if let Some(entry) = self.keys.get_mut(slot) {
                    *entry = (key_hash | 1, flags);
                }
                flags
            }
        };
        if flags & KEY_PLAIN == 0 {
            return None;
        }
        // The piece starts with a letter, so its core starts at 0 and the key is all before `=`.
        let (_, ce) = core_bounds(raw);
        let core = &raw[..ce];
        let quoted = usize::from(matches!(core.get(eq + 1), Some(b'"' | b'\'')));
        let value = core.get(eq + 1 + quoted..).unwrap_or_default();
        let class = if flags & KEY_STATUS != 0 {
            status_class(value)
        } else {
            0
        };
        if class == 0 && is_boolean(value) {
            return Some(word(raw, 0, raw.len()));
        }
        Some(kv(0..raw.len(), eq + 1 + quoted..ce, key_hash, value, class))
    }

    fn classify_piece(&mut self, bytes: &[u8], start: usize, end: usize) -> Tok {
        let raw = &bytes[start..end];
        let (cs, ce) = core_bounds(raw);
        if is_empty_pair(raw) {
            // An empty value standing alone (`connection from 10.0.0.1 () at …` where another
            // line has `(host.example)`): a value, shown as written until another line has one.
            let shape_hash = self.placeholder_shape(raw, 1, 1);
            return Tok {
                masked: false,
                ..masked_var(raw, start, end, shape_hash)
            };
        }
        if cs >= ce && raw.len() <= 4 * MAX_WORD_BYTES {
            return word(raw, start, end);
        }
        let core = &raw[cs.min(ce)..ce];
        if is_empty_dash(raw) || cs == 0 && is_null(core) {
            // A field left empty (`- -` in an access log, `"-"`, `-]` closing OpenStack's `[req-…
            // - - -]`, Python's `None`): a value, shown as written until another line has one.
            let shape_hash = self.placeholder_shape(raw, cs, ce);
            return Tok {
                masked: false,
                ..masked_var(raw, start, end, shape_hash)
            };
        }
        // One pass over the core answers what the tests below ask of its bytes.
        let inner = match core.len() {
            0..=2 => 0,
            n => classes(&core[1..n - 1]),
        };
        let ends = core.first().map_or(0, |&b| class(b)) | core.last().map_or(0, |&b| class(b));
        let mask = inner | ends;
        if mask & EQUALS != 0
            && let Some(eq) = find_byte(core, b'=')
            && is_key(&core[..eq])
        {
            if is_message_key(&core[..eq]) && raw.len() <= 4 * MAX_WORD_BYTES {
                return word(raw, start, end);
            }
            // `uct="0.018"`: the quotes are around the value, not part of it.
            let quoted = usize::from(matches!(core.get(eq + 1), Some(b'"' | b'\'')));
            let value = &core[eq + 1 + quoted..];
            let class = if is_status_key(&core[..eq]) {
                status_class(value)
            } else {
                0
            };
            if class == 0 && is_boolean(value) {
                return word(raw, start, end);
            }
            let key_hash = hash_bytes(&raw[..cs + eq]);
            let value_start = start + cs + eq + 1 + quoted;
            return kv(start..end, value_start..start + ce, key_hash, value, class);
        }
        if let Some((qs, qe)) = quoted_word(raw)
            .or_else(|| enclosed_word(raw))
            .filter(|_| mask & DIGIT == 0)
        {
            // `volume "cache"`, `role 'bob'`, klog's `\"cache\"`: a word in quotes is a value
            // quoted as one (a name, a result), shown as written until another line has another.
            // (One with digits is a value already, folded with the values beside it.)
            let shape_hash = self.placeholder_shape(raw, qs, qe);
            return Tok {
                masked: false,
                ..masked_var(raw, start, end, shape_hash)
            };
        }
        // A type's long name before its message (`org.springframework.security.authentication.
        // BadCredentialsException:`) says what failed, however long.
        let long_type = ce - cs > MAX_WORD_BYTES
            && raw.len() <= 2 * MAX_WORD_BYTES
            && std::str::from_utf8(raw).is_ok_and(super::shape::names_a_type);
        if long_type {
            return word(raw, start, end);
        }
        if ce - cs > MAX_WORD_BYTES || raw.len() > 4 * MAX_WORD_BYTES {
            // A blob (base64, a long hash) is a value, and keeping it in a template would cost memory.
            let shape_hash = self.placeholder_shape(raw, cs, ce);
            return masked_var(raw, start, end, shape_hash);
        }
        let has_digit = mask & DIGIT != 0;
        if has_digit && inner & COLON != 0 && is_qualified_name(core) {
            // `hyper::proto::h1::io`, `AirPort_Brcm43xx::syncPowerState`: where the line was
            // written, digits and all.
            return word(raw, start, end);
        }
        if has_digit && let Some(stem) = stem_len(core) {
            // `eth0`, `CPU1`, `bglio559`: the name is part of the event, the number is not.
            return Tok {
                start,
                end,
                kind: Kind::Stem,
                masked: false,
                value_start: start + cs + stem,
                value_end: start + ce,
                ident_hash: mix(hash_bytes(&raw[..cs + stem]), STEM),
                value_hash: hash_bytes(&core[stem..]),
                shape_hash: self.masked_shape(raw, cs, ce),
                folded: false,
            class: 0,
            };
        }
        let structural = inner & STRUCTURAL != 0;
        // Rails's `Started GET "/" for …`: the root path in quotes is a path like any other.
        let path = core[0] == b'/'
            && (core.len() > 1 || cs > 0 && matches!(raw[cs - 1], b'"' | b'\''));
        // Random letters need both cases and nothing else.
        let random = !has_digit
            && !structural
            && !path
            && core.len() >= 8
            && mask & (UPPER | LOWER) == UPPER | LOWER
            && looks_random(core);
        if !has_digit
            && !path
            && !random
            && (!structural
                || is_constant_name(core)
                || names_a_boolean(core)
                || inner & COLON != 0 && is_qualified_name(core))
        {
            return word(raw, start, end);
        }
        let masked = has_digit
            || random
            || (path && core[1..].contains(&b'/'))
            || mask & STRUCTURAL != 0 && is_url(core);
        let shape_hash = if has_digit {
            self.masked_shape(raw, cs, ce)
        } else {
            self.placeholder_shape(raw, cs, ce)
        };
        Tok {
            start,
            end,
            kind: Kind::Var,
            masked,
            value_start: start,
            value_end: end,
            ident_hash: 0,
            value_hash: hash_bytes(raw),
            shape_hash,
            folded: false,
            class: 0,
        }
    }

    /// Shape of a token shown as one placeholder in its punctuation: `(<*>)`.
    fn placeholder_shape(&mut self, raw: &[u8], cs: usize, ce: usize) -> u64 {
        self.shape.clear();
        self.shape.extend_from_slice(&raw[..cs]);
        self.shape.extend_from_slice(b"<*>");
        self.shape.extend_from_slice(&raw[ce..]);
        hash_bytes(&self.shape)
    }

    /// Shape of a token with digits: each alphanumeric run holding a digit becomes a placeholder,
    /// and placeholders joined only by separators merge (`blk_<*>`, `core.<*>`, `<*>` for an IP).
    fn masked_shape(&mut self, raw: &[u8], cs: usize, ce: usize) -> u64 {
        self.shape.clear();
        write_masked_shape(raw, cs, ce, &mut self.shape);
        hash_bytes(&self.shape)
    }

    /// Pushes `tok`, folding a run of same-shaped values (`an14 an15 an16`) into one variable.
    /// A value ending in `:` ends a run (`cleanup[6815]: EC3FFB62F30: message-id=…`: a label,
    /// then a value), so lines fold alike whatever their values look like.
    fn push_folding(&mut self, bytes: &[u8], tok: Tok) {
        if self
            .toks
            .last()
            .is_some_and(|prev| prev.end > prev.start && bytes[prev.end - 1] == b':')
        {
            self.toks.push(tok);
            return;
        }
        let foldable = |t: &Tok| {
            t.shape_hash != 0 && (t.kind == Kind::Var && t.masked || t.kind == Kind::Stem)
        };
        if foldable(&tok)
            && let Some(prev) = self.toks.last_mut()
            && foldable(prev)
            && (prev.kind == tok.kind || prev.folded)
            && prev.shape_hash == tok.shape_hash
        {
            prev.end = tok.end;
            prev.kind = Kind::Var;
            prev.masked = true;
            prev.value_start = prev.start;
            prev.value_end = prev.end;
            prev.folded = true;
            prev.ident_hash = 0;
            prev.value_hash = REHASH;
                self.stale = true;
            return;
        }
        // `1.2 KB (1234 bytes)` where another line has `403 bytes`: values side by side are one
        // value written in several pieces, so a `<*>` may stand for one piece or more.
        // An empty field (`-`) stands for a value too: `512 "-" "curl/8.1"` and `- "http://x/" "Mozilla/5.0"`.
        // A name in quotes among such values (`"10.0.0.4" "api.example.com" "10.0.1.8:8080"`,
        // where other lines have `"orders.svc:8080"` there) is one of them: a field of a list of
        // quoted values, not a word of the event. (Only as the value that comes: one that opens
        // a run is a name, `volume "cache" mounted`.)
        let value = |t: &Tok, quoted: bool| {
            t.kind == Kind::Var
                && t.class == 0
                && (t.masked
                    || t.end - t.start <= 3 && empty_field(&bytes[t.start..t.end])
                    || quoted
                        && t.end - t.start > 2
                        && bytes[t.start] == b'"'
                        && bytes[t.end - 1] == b'"')
        };
        let plain = |t: &Tok| value(t, false);
        // A value with its name attached, in a comma list (`location:4, i:0`,
        // `setDataSource(166, 0`), is a field of its own, not a piece of one value; so is a
        // number named so anywhere (`total-vm:7433569kB anon-rss:5990371kB`, `UID:0`).
        let field = |prev: &Tok| {
            let (prev, next) = (&bytes[prev.start..prev.end], &bytes[tok.start..tok.end]);
            prev.last() == Some(&b',') && (labelled(prev) || labelled(next))
                || names_a_number(prev)
                || names_a_number(next)
        };
        // A bare `-` after a value is as often a separator (`AcroRd32.exe - host:5070 open`, where
        // `chrome.exe - host:5070 open` has a word first): it folds with what follows, not with
        // the value before it, so both lines have the same parts.
        if value(&tok, true)
            && let Some(prev) = self.toks.last()
            && !(tok.end == tok.start + 1 && bytes[tok.start] == b'-' && dash_after_value(bytes, prev))
            && plain(prev)
            && !field(prev)
            && !closes_a_group(&bytes[prev.start..prev.end])
            && !opens_a_group_of_its_own(bytes, &tok)
            && let Some(prev) = self.toks.last_mut()
        {
            prev.masked = true;
            prev.end = tok.end;
            prev.value_end = prev.end;
            prev.value_hash = REHASH;
                self.stale = true;
            prev.shape_hash = hash_bytes(b"<*>");
            prev.folded = false;
            return;
        }
        self.toks.push(tok);
    }

    fn push_rest(&mut self, bytes: &[u8], start: usize, end: usize) {
        self.toks.push(Tok {
            start,
            end,
            kind: Kind::Var,
            masked: true,
            value_start: start,
            value_end: end,
            ident_hash: 0,
            value_hash: hash_bytes(&bytes[start..end]),
            shape_hash: hash_bytes(b"<*>"),
            folded: false,
            class: 0,
        });
    }
}

/// `3).` in `(TID 3). 2703 bytes result sent`: a value closing a bracket opened before it ends
/// what it was in, so it is no piece of a value after it (`(1234 bytes)` holds its own opening;
/// `2.38-1),`, a comma after it, goes on with a list: `Upgrade: libc6 (2.36-9, 2.38-1), libudev1
/// (…)`).
fn closes_a_group(raw: &[u8]) -> bool {
    let end = raw
        .iter()
        .rposition(|b| !matches!(b, b'.' | b';' | b':'))
        .map_or(0, |i| i + 1);
    let Some((&close, body)) = raw[..end].split_last() else {
        return false;
    };
    let open = match close {
        b')' => b'(',
        b']' => b'[',
        b'}' => b'{',
        _ => return false,
    };
    let count = |b: u8| body.iter().filter(|&&c| c == b).count();
    count(close) >= count(open)
}

/// `(6 items)` after `customer c-00001`, `(183.208.249.61:34207 -> 10.0.0.3:5672)` after a
/// connection's `<0.52293.0>`: a bracket opening on a value that a word inside it (no digit, no
/// unit) shows to be a group of its own is no piece of the value before it. `1.2 KB (1234 bytes)`
/// is one size (`bytes` is a unit), and apt's `libc6:amd64 (2.36-9, 2.38-1), …` one list (no
/// word in its brackets).
fn opens_a_group_of_its_own(bytes: &[u8], tok: &Tok) -> bool {
    let close = match bytes[tok.start] {
        b'(' => b')',
        b'[' => b']',
        _ => return false,
    };
    if bytes[tok.start..tok.end].contains(&close) {
        return false;
    }
    let is_word = |p: &[u8]| {
        !p.is_empty() && !p.iter().any(u8::is_ascii_digit) && p != b"-" && !is_unit(p)
    };
    let mut worded = false;
    for piece in bytes[tok.end..]
        .split(u8::is_ascii_whitespace)
        .filter(|p| !p.is_empty())
        .take(8)
    {
        let Some(at) = piece.iter().position(|&b| b == close) else {
            worded |= is_word(piece);
            continue;
        };
        return worded || is_word(&piece[..at]);
    }
    false
}

/// `"cache"`, `'oom-kill',`, `\"cache\"`: one word in quotes (closing punctuation may follow);
/// the bounds of the word.
fn quoted_word(raw: &[u8]) -> Option<(usize, usize)> {
    let (open, quote) = match raw {
        [b'\\', q @ (b'"' | b'\''), ..] => (2, *q),
        [q @ (b'"' | b'\''), ..] => (1, *q),
        _ => return None,
    };
    let mut end = raw.len();
    while end > open && matches!(raw[end - 1], b',' | b'.' | b';' | b':' | b')' | b']') {
        end -= 1;
    }
    if end < open + 2 || raw[end - 1] != quote {
        return None;
    }
    let mut close = end - 1;
    if open == 2 {
        if raw[close - 1] != b'\\' {
            return None;
        }
        close -= 1;
    }
    is_name(raw.get(open..close)?).then_some((open, close))
}

/// A name (`cache`, `oom-kill`, `example.com`), not a path or URL (values of their own).
fn is_name(word: &[u8]) -> bool {
    word.iter().any(u8::is_ascii_alphanumeric)
        && word
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@'))
}

/// `(java)`, `(vdb):`, `[YELLOW]`: one name in parentheses or brackets (a process, a device, a
/// state), closing punctuation after it; the bounds of the name.
fn enclosed_word(raw: &[u8]) -> Option<(usize, usize)> {
    let close = match raw.first() {
        Some(b'(') => b')',
        Some(b'[') => b']',
        _ => return None,
    };
    let mut end = raw.len();
    while end > 1 && matches!(raw[end - 1], b',' | b'.' | b';' | b':') {
        end -= 1;
    }
    if end < 3 || raw[end - 1] != close {
        return None;
    }
    is_name(&raw[1..end - 1]).then_some((1, end - 1))
}

/// `android.intent.action.SCREEN_ON`, `state:CONNECTED_IDLE`: a constant's name in code
/// (capitals joined by `_`), qualified by where it is defined, says what happened; not a value
/// like `db-1.example.com` or `backup_2.tar`. (A bare `CONTAINER_LAUNCH` is as often a value
/// after a label, `EventType: CONTAINER_LAUNCH`, and stays one.)
fn is_constant_name(core: &[u8]) -> bool {
    // Most tokens end otherwise (`api.handler`, `db-1.example.com`): one byte says so.
    if !core.last().is_some_and(u8::is_ascii_uppercase) {
        return false;
    }
    if !core
        .iter()
        .all(|&b| b.is_ascii_alphabetic() || matches!(b, b'.' | b'_' | b':'))
    {
        return false;
    }
    let last = core.rsplit(|&b| b == b'.' || b == b':').next().unwrap_or(core);
    last.len() < core.len()
        && last.contains(&b'_')
        && last.len() >= 4
        && last.iter().all(|&b| b.is_ascii_uppercase() || b == b'_')
}

/// `-`, `"-"`, `[-]`, `-]` (closing OpenStack's `[req-… - - -]`): a field left empty, a value.
/// `->`, `<-` and `<->` are arrows, words; the aligner asks the same (`pattern::is_mark`), so
/// what is an empty value here is never a mark there.
pub(super) fn is_empty_dash(raw: &[u8]) -> bool {
    let (cs, ce) = core_bounds(raw);
    raw == b"-"
        || &raw[cs.min(ce)..ce] == b"-" && (cs > 0 && raw[0] != b'<' || closes_a_field(&raw[ce..]))
}

/// `]`, `",`: what may close a field after its value (not `>`: `->` is an arrow, no value).
fn closes_a_field(rest: &[u8]) -> bool {
    !rest.is_empty()
        && rest
            .iter()
            .all(|b| matches!(b, b')' | b']' | b'}' | b'"' | b'\'' | b',' | b';'))
}

/// `true` or `false` in any case, in quotes or not: a flag's value is part of the event
/// (`force=true` and `force=false` take different paths), as an HTTP status's class is.
fn is_boolean(value: &[u8]) -> bool {
    let v = value.strip_prefix(b"\"").unwrap_or(value);
    let v = v.strip_prefix(b"'").unwrap_or(v);
    let v = match v.last() {
        Some(b'"' | b'\'') => &v[..v.len() - 1],
        _ => v,
    };
    v.eq_ignore_ascii_case(b"true") || v.eq_ignore_ascii_case(b"false")
}

/// `None`, `null`, `NULL`, `nil`: a language's word for no value, written where a value is
/// (`"POST /x HTTP/1.1" 200 None` where other lines have a size), so a value, as `-` is.
fn is_null(core: &[u8]) -> bool {
    matches!(core, b"None" | b"null" | b"NULL" | b"nil")
}

/// `AppleMultitouchDevice::willTerminate`, `CCFile::captureLog`, `hyper::proto::h1::io`: a
/// function qualified by its class or module, names joined by `::`. It says where in the code the
/// line was written, so it is a word of the event, as a constant's qualified name is. A name opens
/// with a letter (or `_`, or `~` for a destructor) and may hold digits (`h1`, `Brcm43xx`); with
/// digits, some letter must be past `f`, or it is an IPv6 address (`fe80::abc1`), and the last
/// name must not end in one, or it is an id in a namespace (`session::user1001`).
fn is_qualified_name(core: &[u8]) -> bool {
    // Split at every `:`, `A::b::c` is names at even places and nothing between each `::`.
    let mut pieces = 0;
    let (mut digits, mut beyond_hex) = (false, false);
    for (k, piece) in core.split(|&b| b == b':').enumerate() {
        let fits = if k % 2 == 1 {
            piece.is_empty()
        } else {
            piece
                .first()
                .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_' || b == b'~')
                && piece
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'~')
        };
        if !fits {
            return false;
        }
        digits |= piece.iter().any(u8::is_ascii_digit);
        beyond_hex |= piece.iter().any(|b| !b.is_ascii_hexdigit());
        pieces = k + 1;
    }
    // A name ending in digits after `::` is an id in a namespace (`session::user1001`).
    pieces >= 3
        && pieces % 2 == 1
        && (beyond_hex || !digits)
        && !core.last().is_some_and(u8::is_ascii_digit)
}

/// `hit=true,`: a word that is a `key=` and a boolean.
fn sets_a_flag(raw: &[u8]) -> bool {
    // Most words between two `key=value` tokens have no `=`: one scan says so.
    let Some(eq) = find_byte(raw, b'=') else {
        return false;
    };
    let (_, ce) = core_bounds(raw);
    ce > eq && is_boolean(&raw[eq + 1..ce])
}

/// `isOverlap:false`, `ret:true`: a name, `:`, and a boolean, written as one word.
fn names_a_boolean(core: &[u8]) -> bool {
    let Some(colon) = core.iter().rposition(|&b| b == b':') else {
        return false;
    };
    let name = &core[..colon];
    name.first().is_some_and(u8::is_ascii_alphabetic)
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.'))
        && is_boolean(&core[colon + 1..])
}

/// `bZQXbkMpkfNYnD`: letters whose case changes like a random id's, not a name's. A camel-case
/// name (`VerifyControllerAttachedVolume`, `getURLForID`) has few lower-to-upper steps and its
/// capitals start words; an id has many, and capitals side by side among them.
fn looks_random(core: &[u8]) -> bool {
    if core.len() < 8 {
        return false;
    }
    // One pass: lower-to-upper steps, and a lower letter then two capitals.
    let (mut steps, mut pair) = (0, false);
    for (i, &b) in core.iter().enumerate() {
        if !b.is_ascii_alphabetic() {
            return false;
        }
        if i > 0 && b.is_ascii_uppercase() && core[i - 1].is_ascii_lowercase() {
            steps += 1;
            pair |= core.get(i + 1).is_some_and(u8::is_ascii_uppercase);
        }
    }
    steps >= 3 && pair
}

/// `status`, `http_status`, `statusCode`, `status_code`: keys that hold an HTTP status.
fn is_status_word(raw: &[u8]) -> bool {
    // Most words are not: a length and first-letter test spares the comparisons.
    if !(6..=18).contains(&raw.len()) || !matches!(raw[0] | 0x20, b's' | b'h') {
        return false;
    }
    let w = trim_close(raw);
    [
        &b"status"[..],
        b"status_code",
        b"statuscode",
        b"http_status",
        b"http.status_code",
    ]
    .iter()
    .any(|name| w.eq_ignore_ascii_case(name))
}

/// A key whose value is an HTTP status: a status word, or a key ending in one (Cloudflare's
/// `EdgeResponseStatus`, ALB's `elb_status_code`, `upstream_status`), so a 200 and a 502 of such a
/// log are kept apart as they are under `status=`.
fn is_status_key(key: &[u8]) -> bool {
    if is_status_word(key) {
        return true;
    }
    let ends = |suffix: &[u8]| {
        key.len() > suffix.len()
            && key.len() <= 40
            && key[key.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    };
    ends(b"status") || ends(b"status_code") || ends(b"statuscode")
}

/// The class of an HTTP status code (`b'2'` for 200..=299), or 0 when `value` is not one.
fn status_class(value: &[u8]) -> u8 {
    crate::core::level::http_status_class(trim_close(value))
}

/// An HTTP status in an access log's columns (after a request line): a value whose class is part of the
/// event (200s and 404s are different patterns).
fn status(bytes: &[u8], start: usize, end: usize) -> Option<Tok> {
    let raw = &bytes[start..end];
    let (cs, ce) = core_bounds(raw);
    let class = status_class(&raw[cs..ce]);
    (class != 0).then(|| Tok {
        start,
        end,
        kind: Kind::Kv,
        masked: true,
        value_start: start + cs,
        value_end: start + ce,
        ident_hash: mix(hash_bytes(b"status"), u64::from(class)),
        value_hash: hash_bytes(&raw[cs..ce]),
        shape_hash: 0,
        folded: false,
        class,
    })
}

/// One of HTTP's methods.
fn is_http_method(word: &[u8]) -> bool {
    matches!(
        word,
        b"GET" | b"POST" | b"PUT" | b"DELETE" | b"PATCH" | b"HEAD" | b"OPTIONS" | b"CONNECT" | b"TRACE"
    )
}

/// An item of a list in parentheses that is one value: a quoted string, a number or a
/// statement's placeholder (`'paid'`, `-1.5`, `$2`, `?`).
fn is_tuple_item(item: &[u8]) -> bool {
    match item {
        [b'\'', .., b'\''] | [b'"', .., b'"'] => item.len() >= 2,
        [b'?'] => true,
        [b'$', rest @ ..] => !rest.is_empty() && rest.iter().all(u8::is_ascii_digit),
        _ => {
            let digits = item.strip_prefix(b"-").unwrap_or(item);
            digits.first().is_some_and(u8::is_ascii_digit)
                && digits.iter().all(|&b| b.is_ascii_digit() || b == b'.')
        }
    }
}

/// `"GET /a HTTP/1.1"`: a quoted phrase that starts with an upper-case method and names a protocol.
fn is_request_line(phrase: &[u8]) -> bool {
    let inner = phrase.strip_prefix(b"\"").unwrap_or(phrase);
    let method_len = inner.iter().take_while(|b| b.is_ascii_uppercase()).count();
    (3..=7).contains(&method_len)
        && inner.get(method_len) == Some(&b' ')
        && phrase.windows(5).any(|w| w == b"HTTP/")
}

/// `p` without trailing sentence punctuation (`.`, `,`, `;`, `:`) after a closing `close`.
fn trim_close_but(p: &[u8], close: u8) -> &[u8] {
    let mut e = p.len();
    while e > 0 && matches!(p[e - 1], b'.' | b',' | b';' | b':') && p[..e - 1].ends_with(&[close]) {
        e -= 1;
    }
    &p[..e]
}

/// The last whitespace-separated piece of a token made of several.
fn last_piece(raw: &[u8]) -> &[u8] {
    match raw.iter().rposition(u8::is_ascii_whitespace) {
        Some(space) => &raw[space + 1..],
        None => raw,
    }
}

/// Whether `prev`, before a bare `-`, is a value (not another `-`): the `-` then separates.
#[inline(never)]
fn dash_after_value(bytes: &[u8], prev: &Tok) -> bool {
    prev.masked && &bytes[prev.start..prev.end] != b"-"
}

/// `-`, `"-"`, `()`: a field left empty (kept out of line: few tokens get here).
#[inline(never)]
fn empty_field(raw: &[u8]) -> bool {
    let (cs, ce) = core_bounds(raw);
    is_empty_pair(raw) || &raw[cs.min(ce)..ce] == b"-"
}

/// `location:4,`, `state.clipTopAmount:180`, `setDataSource(166,`: a name (letters, dots,
/// underscores) then `:` or `(` and a value.
fn labelled(raw: &[u8]) -> bool {
    let name = name_len(raw, |b| b == b'.' || b == b'_');
    name > 0 && matches!(raw.get(name), Some(b':' | b'(')) && raw.len() > name + 1
}

/// `total-vm:7433569kB`, `UID:0`: a name (letters, `-`, `_`), a colon and a number. A dotted
/// name before a number is most often an address (`proxy.example.com:5070`), a value itself.
fn names_a_number(raw: &[u8]) -> bool {
    let name = name_len(raw, |b| b == b'-' || b == b'_');
    name > 0 && raw.get(name) == Some(&b':') && raw.get(name + 1).is_some_and(u8::is_ascii_digit)
}

/// How long the name `raw` opens with is: a letter, then letters and bytes `also` takes; 0 for
/// none.
pub(super) fn name_len(raw: &[u8], also: impl Fn(u8) -> bool) -> usize {
    if !raw.first().is_some_and(u8::is_ascii_alphabetic) {
        return 0;
    }
    raw.iter().take_while(|&&b| b.is_ascii_alphabetic() || also(b)).count()
}

/// `()`, `[]`, `""`: a value left empty, written as its brackets or quotes alone.
fn is_empty_pair(raw: &[u8]) -> bool {
    matches!(raw, b"()" | b"[]" | b"{}" | b"<>" | b"\"\"" | b"''")
}

/// A `key=value` token spanning `span`, its value at `value_span`; a status key's class is part
/// of the key's identity.
fn kv(span: Range<usize>, value_span: Range<usize>, key_hash: u64, value: &[u8], class: u8) -> Tok {
    Tok {
        start: span.start,
        end: span.end,
        kind: Kind::Kv,
        masked: value.iter().any(u8::is_ascii_digit),
        value_start: value_span.start,
        value_end: value_span.end,
        ident_hash: match class {
            0 => key_hash,
            c => mix(key_hash, u64::from(c)),
        },
        value_hash: hash_bytes(value),
        shape_hash: 0,
        folded: false,
        class,
    }
}

fn word(raw: &[u8], start: usize, end: usize) -> Tok {
    Tok {
        start,
        end,
        kind: Kind::Word,
        masked: false,
        value_start: start,
        value_end: end,
        ident_hash: hash_bytes(raw),
        value_hash: 0,
        shape_hash: 0,
        folded: false,
        class: 0,
    }
}

/// Hash of a line's shape for exact lookup: token count, and each token's kind and identity
/// (the text of a word, the key of a `key=value`; nothing for a variable).
/// A line of only variables has nothing else to tell it apart, so there their shapes count.
pub(crate) fn signature(toks: &[Tok]) -> u64 {
    let mut h = 0x9e37_79b9_7f4a_7c15;
    h = mix(h, toks.len() as u64);
    let anchored = is_anchored(toks);
    for t in toks {
        h = match t.kind {
            Kind::Word => mix(mix(h, 1), t.ident_hash),
            Kind::Kv => mix(mix(h, 2), t.ident_hash),
            Kind::Stem => mix(mix(h, 5), t.ident_hash),
            Kind::Var if anchored => mix(h, 3),
            Kind::Var => mix(mix(h, 4), t.shape_hash),
        };
    }
    h
}

/// Whether a line has a token other than a variable.
fn is_anchored(toks: &[Tok]) -> bool {
    toks.iter().any(|t| t.kind != Kind::Var)
}

/// A token that is a value as a whole (a date written in pieces, a blob), shown as one placeholder.
fn masked_var(raw: &[u8], start: usize, end: usize, shape_hash: u64) -> Tok {
    Tok {
        start,
        end,
        kind: Kind::Var,
        masked: true,
        value_start: start,
        value_end: end,
        ident_hash: 0,
        value_hash: hash_bytes(raw),
        shape_hash,
        folded: false,
        class: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_qualified_name_is_names_joined_by_double_colons_and_nothing_else() {
        for name in [
            "CCFile::captureLog",
            "a::b::c",
            "Drop::~Drop",
            "_Impl::run_once",
            "hyper::proto::h1::io",
            "AirPort_Brcm43xx::syncPowerState",
        ] {
            assert!(is_qualified_name(name.as_bytes()), "{name}");
        }
        for other in [
            "fe80::1", "::1", "12:00:00", "host:port", "a:b::c", "a:::b", "Foo::", "::Foo",
            "fe80::abc1", "2001:db8::ff00", "Foo::2bar", "Foo::bar2", "session::user1001",
        ] {
            assert!(!is_qualified_name(other.as_bytes()), "{other}");
        }
    }

    #[test]
    fn a_dash_closing_a_field_is_empty_and_an_arrow_is_not() {
        for rest in ["]", ")", "\",", "];"] {
            assert!(closes_a_field(rest.as_bytes()), "{rest}");
        }
        for rest in ["", ">", "]>", ":"] {
            assert!(!closes_a_field(rest.as_bytes()), "{rest}");
        }
    }

    #[test]
    fn only_true_and_false_are_a_flags_value() {
        for flag in ["hit=true", "hit=FALSE,", "ok=\"true\"", "x.y=True"] {
            assert!(sets_a_flag(flag.as_bytes()), "{flag}");
        }
        for other in ["hit=truthy", "hit=", "user=alice", "null=1", "ws=null", "true"] {
            assert!(!sets_a_flag(other.as_bytes()), "{other}");
        }
        assert!(names_a_boolean(b"isOverlap:false"));
        assert!(!names_a_boolean(b"10.0.0.1:true"));
        assert!(!names_a_boolean(b"state:CONNECTED"));
    }

    fn fields(t: &Tok) -> (usize, usize, Kind, bool, usize, usize, u64, u64, u64, bool, u8) {
        (
            t.start,
            t.end,
            t.kind,
            t.masked,
            t.value_start,
            t.value_end,
            t.ident_hash,
            t.value_hash,
            t.shape_hash,
            t.folded,
            t.class,
        )
    }

    /// Pieces made of the bytes the classification looks at: letters, digits, `=`, quotes,
    /// brackets, separators.
    fn piece() -> impl Strategy<Value = String> {
        proptest::string::string_regex(
            "(status|msg|user|id|req_id|Key-1|a\\.b|_x|)[=:]?[\"'(\\[]?[a-zA-Z0-9=\"'()\\[\\],.:;/_@-]{0,14}",
        )
        .expect("a valid pattern")
        .prop_filter("a piece has no whitespace and is not empty", |p| {
            !p.is_empty() && !p.contains(char::is_whitespace)
        })
    }

    proptest! {
        /// A `key=value` read by its remembered key is the token the full classification gives.
        #[test]
        fn a_piece_read_by_its_key_is_classified_as_in_full(pieces in proptest::collection::vec(piece(), 1..40)) {
            let mut t = Tokenizer::default();
            for p in &pieces {
                let raw = p.as_bytes();
                if let Some(fast) = t.keyed(raw) {
                    let full = t.classify_piece(raw, 0, raw.len());
                    prop_assert_eq!(fields(&fast), fields(&full), "{}", p);
                }
            }
        }

        /// A piece classified again (remembered) at any place in a line is the token the full
        /// classification gives there.
        #[test]
        fn a_remembered_piece_is_classified_as_in_full(pieces in proptest::collection::vec(piece(), 1..40), pad in 0usize..5) {
            let mut t = Tokenizer::default();
            for round in 0..2 {
                for p in &pieces {
                    let line = format!("{}{p}", " ".repeat(pad + round));
                    let bytes = line.as_bytes();
                    let start = pad + round;
                    let got = t.classify(bytes, start, bytes.len());
                    let full = Tokenizer::default().classify_piece(bytes, start, bytes.len());
                    prop_assert_eq!(fields(&got), fields(&full), "{}", p);
                }
            }
        }
    }
}
