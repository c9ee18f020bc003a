//! What a user of the miner sees: templates, ids, values, levels, eviction, rates, output.

mod mining;
mod output;
mod rates;
mod unseen;

use super::{Miner, PatternId};

/// Mines `lines` to their end; each line's pattern (see [`Miner::resolve`]).
pub(super) fn mine_all(lines: &[&str]) -> (Miner, Vec<PatternId>) {
    let mut miner = Miner::default();
    let ids: Vec<PatternId> = lines.iter().map(|l| miner.observe(l)).collect();
    miner.settle_held();
    let ids = ids.into_iter().map(|id| miner.resolve(id)).collect();
    (miner, ids)
}

/// Mines `lines` of stream `stream` at `ms`, then what is still held (see [`Miner::settle_held`]);
/// each line's pattern.
pub(super) fn observe_each(miner: &mut Miner, stream: u64, lines: &[impl AsRef<str>], ms: u64) -> Vec<PatternId> {
    let ids: Vec<PatternId> = lines.iter().map(|l| miner.observe_in(stream, l.as_ref(), ms)).collect();
    miner.settle_held();
    ids.into_iter().map(|id| miner.resolve(id)).collect()
}

/// The template of the pattern of the last line, after all lines.
pub(super) fn template_after(lines: &[&str]) -> String {
    let (miner, ids) = mine_all(lines);
    let last = ids.last().copied().unwrap_or(PatternId(0));
    miner.template(last).unwrap_or("<evicted>").to_owned()
}

/// How many patterns `ids` end in, after the merges that came later.
pub(super) fn patterns_among(miner: &Miner, ids: &[PatternId]) -> usize {
    let distinct: std::collections::HashSet<_> = ids.iter().map(|&id| miner.resolve(id)).collect();
    distinct.len()
}

pub(super) fn same_pattern(a: &str, b: &str) -> bool {
    let (_, ids) = mine_all(&[a, b]);
    ids[0] == ids[1]
}
