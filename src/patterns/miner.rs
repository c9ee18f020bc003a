//! The miner: patterns, the lookup from a line to its pattern, and eviction.

use std::collections::HashMap;

use super::hash::{BuildPassThrough, hash_bytes};
use super::header;
use super::pattern::{Part, Pattern, Seen, new_slot, open_slot};
use super::rate::RateHistory;
use super::shape;
use super::token::{self, Kind, Tok, Tokenizer};
use super::{MinerConfig, PatternId};
use crate::core::level::Level;

/// A line of a new exact shape is checked against at most this many patterns of its length.
const MAX_SCAN: usize = 256;
/// A pattern answers for at most this many line shapes in the exact lookup; more go the slow way.
const MAX_ALIASES: usize = 64;
const NONE: u32 = u32::MAX;

/// Groups lines into patterns as they arrive. See the [module docs](super).
pub struct Miner {
    config: MinerConfig,
    slots: Vec<Option<Pattern>>,
    free: Vec<u32>,
    live: usize,
    by_id: HashMap<u64, u32, BuildPassThrough>,
    by_signature: HashMap<u64, u32, BuildPassThrough>,
    /// Patterns by token count: where a line of a new shape may still fit.
    by_len: Vec<Vec<u32>>,
    head: u32,
    tail: u32,
    next_id: u64,
    seq: u64,
    clock_ms: u64,
    tokenizer: Tokenizer,
}

impl Default for Miner {
    fn default() -> Self {
        Self::new(MinerConfig::default())
    }
}

impl Miner {
    /// A miner with these settings.
    pub fn new(config: MinerConfig) -> Self {
        Self {
            config,
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            by_id: HashMap::default(),
            by_signature: HashMap::default(),
            by_len: vec![Vec::new(); token::MAX_TOKENS + 1],
            head: NONE,
            tail: NONE,
            next_id: 1,
            seq: 0,
            clock_ms: 0,
            tokenizer: Tokenizer::default(),
        }
    }

    /// The settings in use.
    pub fn config(&self) -> &MinerConfig {
        &self.config
    }

    /// Assigns `line` to a pattern, at the time of the last [`Miner::observe_at`] (0 at first).
    pub fn observe(&mut self, line: &str) -> PatternId {
        self.observe_at(line, self.clock_ms)
    }

    /// Assigns `line`, seen at `now_ms` (any monotonic millisecond clock), to a pattern.
    pub fn observe_at(&mut self, line: &str, now_ms: u64) -> PatternId {
        self.seq += 1;
        self.clock_ms = now_ms;
        let line = line.trim_end_matches(['\r', '\n']);
        let (level, message) = header::split_header(line);
        let body = &line[message];
        self.tokenizer.tokenize(body);
        let toks = std::mem::take(&mut self.tokenizer.toks);
        let signature = token::signature(level, &toks);
        let slot = match self.by_signature.get(&signature) {
            Some(&s) if self.pattern(s).is_some_and(|p| p.accepts(level, &toks)) => s,
            _ => match self.find_similar(level, &toks) {
                Some(s) => {
                    self.alias(s, signature);
                    s
                }
                None => self.create(level, body, &toks, signature),
            },
        };
        self.update(slot, body, &toks, now_ms);
        self.tokenizer.toks = toks;
        self.touch(slot);
        self.pattern(slot).map_or(PatternId(0), Pattern::id)
    }

    /// The current template of a pattern, if it is still kept.
    pub fn template(&self, id: PatternId) -> Option<&str> {
        self.get(id).map(Pattern::template)
    }

    /// A pattern, if it is still kept.
    pub fn get(&self, id: PatternId) -> Option<&Pattern> {
        self.by_id.get(&id.0).and_then(|&s| self.pattern(s))
    }

    /// Every pattern kept, in no particular order.
    pub fn patterns(&self) -> impl Iterator<Item = &Pattern> {
        self.slots.iter().flatten()
    }

    /// How many patterns are kept.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no pattern is kept.
    #[cfg(any(test, feature = "test-support"))]
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// How many lines were observed.
    pub fn lines_seen(&self) -> u64 {
        self.seq
    }

    fn pattern(&self, slot: u32) -> Option<&Pattern> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    fn pattern_mut(&mut self, slot: u32) -> Option<&mut Pattern> {
        self.slots.get_mut(slot as usize).and_then(Option::as_mut)
    }

    /// A pattern of the same length that takes the line although its exact shape is new.
    fn find_similar(&self, level: Option<Level>, toks: &[Tok]) -> Option<u32> {
        let candidates = self.by_len.get(toks.len())?;
        candidates
            .iter()
            .rev()
            .take(MAX_SCAN)
            .copied()
            .find(|&s| self.pattern(s).is_some_and(|p| p.accepts(level, toks)))
    }

    fn alias(&mut self, slot: u32, signature: u64) {
        let Some(p) = self.pattern_mut(slot) else {
            return;
        };
        if p.signatures.len() < MAX_ALIASES {
            p.signatures.push(signature);
            self.by_signature.insert(signature, slot);
        }
    }

    fn create(&mut self, level: Option<Level>, body: &str, toks: &[Tok], signature: u64) -> u32 {
        if self.live >= self.config.max_patterns.max(1) {
            self.evict_oldest();
        }
        let mut tracked = 0;
        let parts = toks
            .iter()
            .map(|t| {
                let raw = &body[t.start..t.end];
                match t.kind {
                    Kind::Word => Part::Word {
                        text: raw.to_owned(),
                        hash: t.ident_hash,
                    },
                    Kind::Var => {
                        let track = tracked < self.config.tracked_variables;
                        tracked += 1;
                        Part::Var(new_slot(raw, t, shape::shape_of(raw, t.folded), track))
                    }
                    Kind::Kv | Kind::Stem => {
                        let track = tracked < self.config.tracked_variables;
                        tracked += 1;
                        let (vs, ve) = (t.value_start - t.start, t.value_end - t.start);
                        Part::Kv {
                            key: raw[..vs].to_owned(),
                            key_hash: t.ident_hash,
                            suffix: raw[ve..].to_owned(),
                            value: new_slot(&raw[vs..ve], t, "<*>".to_owned(), track),
                            stem: t.kind == Kind::Stem,
                        }
                    }
                }
            })
            .collect();
        let now = Seen {
            seq: self.seq,
            ms: self.clock_ms,
        };
        let mut pattern = Pattern {
            id: PatternId(self.next_id),
            level,
            parts,
            template: String::new(),
            count: 0,
            first: now,
            last: now,
            history: RateHistory::new(self.config.rate),
            signatures: vec![signature],
            anchors: toks.iter().filter(|t| t.kind != Kind::Var).count(),
            prev: NONE,
            next: NONE,
        };
        self.next_id += 1;
        pattern.render();
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(pattern);
                s
            }
            None => {
                self.slots.push(Some(pattern));
                (self.slots.len() - 1) as u32
            }
        };
        self.live += 1;
        self.by_id.insert(self.next_id - 1, slot);
        self.by_signature.insert(signature, slot);
        if let Some(list) = self.by_len.get_mut(toks.len()) {
            list.push(slot);
        }
        self.link_front(slot);
        slot
    }

    fn update(&mut self, slot: u32, body: &str, toks: &[Tok], now_ms: u64) {
        let top = self.config.top_values;
        let seq = self.seq;
        let Some(p) = self.pattern_mut(slot) else {
            return;
        };
        p.count += 1;
        // Lines may come out of time order (sources merged, a late writer): first and last seen are
        // the earliest and latest times given, whatever order they came in.
        p.last = Seen {
            seq,
            ms: now_ms.max(p.last.ms),
        };
        p.first.ms = p.first.ms.min(now_ms);
        p.history.record(now_ms);
        let mut changed = false;
        for (part, t) in p.parts.iter_mut().zip(toks) {
            if t.kind == Kind::Var && matches!(part, Part::Kv { stem: true, .. }) {
                *part = Part::Var(open_slot(top > 0));
                p.anchors -= 1;
                changed = true;
            }
            match part {
                Part::Word { .. } => {}
                Part::Var(s) => {
                    let raw = &body[t.start..t.end];
                    let hash = match t.kind {
                        Kind::Word => t.ident_hash,
                        Kind::Stem => hash_bytes(raw.as_bytes()),
                        Kind::Var | Kind::Kv => t.value_hash,
                    };
                    changed |= s.observe(raw, hash, t.shape_hash, top);
                }
                Part::Kv { value, .. } => {
                    changed |=
                        value.observe(&body[t.value_start..t.value_end], t.value_hash, 0, top);
                }
            }
        }
        if changed {
            p.render();
        }
    }

    fn evict_oldest(&mut self) {
        let slot = self.tail;
        if slot == NONE {
            return;
        }
        self.unlink(slot);
        let Some(p) = self.slots.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        for sig in &p.signatures {
            if self.by_signature.get(sig) == Some(&slot) {
                self.by_signature.remove(sig);
            }
        }
        self.by_id.remove(&p.id.0);
        if let Some(list) = self.by_len.get_mut(p.parts.len())
            && let Some(i) = list.iter().position(|&s| s == slot)
        {
            list.remove(i);
        }
        self.free.push(slot);
        self.live -= 1;
    }

    /// Marks `slot` as the most recently seen.
    fn touch(&mut self, slot: u32) {
        if self.head != slot {
            self.unlink(slot);
            self.link_front(slot);
        }
    }

    fn link_front(&mut self, slot: u32) {
        let old_head = self.head;
        if let Some(p) = self.pattern_mut(slot) {
            p.prev = NONE;
            p.next = old_head;
        }
        if let Some(h) = self.pattern_mut(old_head) {
            h.prev = slot;
        }
        self.head = slot;
        if self.tail == NONE {
            self.tail = slot;
        }
    }

    fn unlink(&mut self, slot: u32) {
        let Some(p) = self.pattern(slot) else { return };
        let (prev, next) = (p.prev, p.next);
        match self.pattern_mut(prev) {
            Some(pp) => pp.next = next,
            None => self.head = next,
        }
        match self.pattern_mut(next) {
            Some(np) => np.prev = prev,
            None => self.tail = prev,
        }
        if let Some(p) = self.pattern_mut(slot) {
            p.prev = NONE;
            p.next = NONE;
        }
    }
}
