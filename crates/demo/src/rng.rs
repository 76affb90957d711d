//! Seeding and small sampling helpers.
//!
//! Every random stream is a ChaCha8 generator whose 256-bit key is derived from the
//! generator seed and a purpose tag, and whose ChaCha *stream* number is the patient or
//! household index. Streams therefore never overlap, and patient `i` depends only on
//! `(seed, i, today)`, never on which other patients were generated before it.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use uuid::Uuid;

/// What a stream is used for; part of the key so streams for different purposes differ.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Purpose {
    /// Demographics of one patient (cheap, drawn by `Generator::patient`).
    Person = 1,
    /// What two consecutive indices share (a household: couple, twins, parent and child).
    Household = 2,
    /// The clinical history, drawn lazily by `DemoPatient::to_bundle`.
    Clinical = 3,
    /// Organizations and practitioners, shared by every patient of one seed.
    Directory = 4,
}

/// The splitmix64 finalizer: a fast bijective mixer with good avalanche.
pub(crate) fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A generator for `(seed, purpose, stream)`.
pub(crate) fn stream(seed: u64, purpose: Purpose, stream: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    let mut state = splitmix64(seed ^ (purpose as u64).wrapping_mul(0xA076_1D64_78BD_642F));
    for chunk in key.chunks_exact_mut(8) {
        state = splitmix64(state);
        chunk.copy_from_slice(&state.to_le_bytes());
    }
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(stream);
    rng
}

/// A random (version 4) UUID drawn from `rng`, never from the clock or the OS.
pub(crate) fn uuid(rng: &mut impl RngCore) -> Uuid {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// A normally distributed value.
pub(crate) fn normal(rng: &mut impl Rng, mean: f64, sd: f64) -> f64 {
    // `Normal::new` only fails for a negative or non-finite standard deviation.
    match Normal::new(mean, sd.abs()) {
        Ok(dist) => dist.sample(rng),
        Err(_) => mean,
    }
}

/// Picks an index with probability proportional to its weight.
pub(crate) fn weighted_index(rng: &mut impl Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut pick = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if pick < *w {
            return i;
        }
        pick -= w;
    }
    weights.len().saturating_sub(1)
}

/// Picks from a list ranked most common first, with a Zipf-like tail: the first entries
/// are frequent (realistic namesakes), the last ones rare.
pub(crate) fn zipf_pick<'a, T>(rng: &mut impl Rng, items: &'a [T]) -> &'a T {
    // Inverse-CDF sampling of weights 1 / (rank + 25): in a list of 150 names the first
    // is drawn seven times as often as the last.
    let n = items.len() as f64;
    let offset = 25.0;
    let total = ((n + offset) / offset).ln();
    let u: f64 = rng.random();
    let rank = (offset * (u * total).exp() - offset).floor() as usize;
    &items[rank.min(items.len() - 1)]
}

/// One element, uniformly.
pub(crate) fn pick<'a, T>(rng: &mut impl Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_index_and_purpose() {
        let a = stream(7, Purpose::Person, 1).next_u64();
        let b = stream(7, Purpose::Person, 2).next_u64();
        let c = stream(7, Purpose::Clinical, 1).next_u64();
        let d = stream(8, Purpose::Person, 1).next_u64();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert_eq!(a, stream(7, Purpose::Person, 1).next_u64());
    }

    #[test]
    fn zipf_prefers_the_head_but_reaches_the_tail() {
        let items: Vec<usize> = (0..100).collect();
        let mut rng = stream(1, Purpose::Person, 0);
        let mut counts = [0u32; 100];
        for _ in 0..50_000 {
            counts[*zipf_pick(&mut rng, &items)] += 1;
        }
        assert!(counts[0] > counts[99] * 3);
        assert!(counts[0] > counts[50]);
        assert!(counts[99] > 0);
    }
}
