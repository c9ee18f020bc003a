//! A small fast non-cryptographic hash for token texts and line signatures (SipHash, the std
//! default, costs more than the rest of the per-line work together).

use std::hash::{BuildHasherDefault, Hasher};

const K: u64 = 0x517c_c1b7_2722_0a95;

/// Folds `x` into the running hash `h`: both halves of the 128-bit product folded together, so a
/// difference anywhere in `h` or `x` reaches every bit of the result. (A plain 64-bit multiply
/// carries a difference only upward: a rotate then brought the top bits of one word down onto the
/// low bits of the next, where the next word's bytes could cancel them, and `req_id=MO` and
/// `req_id=]Y` hashed alike.)
pub(crate) fn mix(h: u64, x: u64) -> u64 {
    let p = u128::from(h ^ x) * u128::from(K);
    (p as u64) ^ ((p >> 64) as u64)
}

/// Spreads the bits of `h` so that every output bit depends on every input bit.
fn finish(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

/// Hash of a byte string.
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = mix(h, word);
    }
    finish(mix(h, tail_word(chunks.remainder())))
}

/// The last bytes of a string (fewer than eight) as a little-endian word, zero above them: read
/// as two overlapping pieces rather than byte by byte.
fn tail_word(r: &[u8]) -> u64 {
    let n = r.len();
    let four = |b: &[u8]| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    match n {
        0 => 0,
        1..=3 => {
            u64::from(r[0]) | u64::from(r[n / 2]) << (8 * (n / 2)) | u64::from(r[n - 1]) << (8 * (n - 1))
        }
        _ => four(r) | four(&r[n - 4..]) << (8 * (n - 4)),
    }
}

/// A `Hasher` for keys that are already well-mixed 64-bit hashes.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash_bytes(bytes);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = finish(n);
    }
}

/// Builds [`PassThrough`] hashers for `HashMap`s keyed by hashes or ids.
pub(crate) type BuildPassThrough = BuildHasherDefault<PassThrough>;

#[cfg(test)]
mod tests {
    use super::{hash_bytes, tail_word};

    #[test]
    fn strings_that_differ_in_a_word_and_the_tail_after_it_hash_apart() {
        // They hashed alike when a word's top bits were rotated onto the tail's low bits.
        assert_ne!(hash_bytes(b"req_id=MO"), hash_bytes(b"req_id=]Y"));
        // Every pair of 9-byte strings that differ in their eighth and ninth bytes only.
        let mut seen = std::collections::HashMap::new();
        for a in 0x20u8..0x7f {
            for b in 0x20u8..0x7f {
                let text = [b'r', b'e', b'q', b'_', b'i', b'd', b'=', a, b];
                if let Some(other) = seen.insert(hash_bytes(&text), text) {
                    panic!("{:?} and {:?} hash alike", text, other);
                }
            }
        }
    }

    #[test]
    fn a_tail_reads_as_its_bytes_one_by_one() {
        let bytes = [0x01, 0xff, 0x80, 0x7f, 0x00, 0x3d, 0xa5];
        for n in 0..=bytes.len() {
            let r = &bytes[..n];
            let slow = r.iter().enumerate().fold(0u64, |w, (i, &b)| w | u64::from(b) << (8 * i));
            assert_eq!(tail_word(r), slow, "{r:?}");
        }
    }
}
