//! Random streams derived from `(seed, stream, index)`, never from scheduling.
//!
//! Every consumer of randomness (a shard of agents, the mobilisation phase, a network
//! generator row) gets its own generator, keyed by what it is, not by which thread runs
//! it. Adding randomness in one place therefore never shifts another stream, and results
//! are identical for any thread count.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

/// The generator used everywhere in the simulation: portable and fast.
pub type SimRng = Xoshiro256PlusPlus;

/// Names of the independent random streams. The discriminant is part of the key, so
/// never reorder or reuse values: that would change every seeded result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Stream {
    /// Per-agent attributes drawn once at start (rates, thresholds, time zones).
    AgentInit = 1,
    /// The posting process of one shard of agents.
    Posting = 2,
    /// Calls to action, broadcasts and discouragement, per step and block of agents.
    Mobilisation = 3,
    /// Independent-cascade edge trials (hashed per edge, see [`edge_uniform`]).
    Cascade = 4,
    /// Follower-network generation.
    Network = 5,
    /// Readers' browses and engagement, per step.
    Reading = 6,
    /// Readers' browse rates, drawn once per reading population.
    ReaderInit = 7,
    /// App submissions, review times and ratings, per step.
    App = 8,
    /// Submission rates, drawn once per submitting population.
    AppInit = 9,
    /// Seeds of replicates, derived from the base seed.
    Replicate = 10,
    /// Sweep designs (random and Latin hypercube points) and sweep run seeds.
    Sweep = 11,
    /// Network hop delays (hashed per edge) and threshold agents' delays (per agent).
    CascadeDelay = 12,
    /// An agent's draws when it activates (its period, home feed, first post, rating).
    Activation = 13,
}

/// SplitMix64 finaliser: a bijective, well-mixing 64-bit hash.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hashes a key of three words into one; used to key streams and per-edge draws.
#[inline]
pub fn key(seed: u64, stream: Stream, index: u64) -> u64 {
    mix64(mix64(mix64(seed) ^ stream as u64) ^ index)
}

/// A generator for `(seed, stream, index)`.
pub fn stream(seed: u64, stream: Stream, index: u64) -> SimRng {
    SimRng::seed_from_u64(key(seed, stream, index))
}

/// The seed of replicate `r` of a run with base seed `seed`.
pub fn replicate_seed(seed: u64, r: u64) -> u64 {
    key(seed, Stream::Replicate, r)
}

/// The seed of replicate `replicate` of point `point` of a sweep with seed `seed`: the
/// point has a base seed, and its replicates' seeds are [`replicate_seed`]s of it, as
/// for `hashflood run --replicates`.
pub fn sweep_seed(seed: u64, point: u64, replicate: u64) -> u64 {
    replicate_seed(key(seed, Stream::Sweep, point), replicate)
}

/// A uniform number in `[0, 1)` from a 64-bit hash (53 random bits).
#[inline]
pub fn unit(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A unit exponential from a 64-bit hash: a stateless draw, like [`unit`].
#[inline]
pub fn exponential(h: u64) -> f64 {
    -(-unit(h)).ln_1p()
}

/// A uniform number in `[0, 1)` for the edge `from -> to` under `key`: a stateless draw,
/// so each edge gets exactly one trial whatever the order edges are visited in.
#[inline]
pub fn edge_uniform(key: u64, from: u32, to: u32) -> f64 {
    unit(mix64(key ^ (((from as u64) << 32) | to as u64)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_differ_by_every_key_part() {
        let a: u64 = stream(1, Stream::Posting, 0).random();
        let b: u64 = stream(2, Stream::Posting, 0).random();
        let c: u64 = stream(1, Stream::Mobilisation, 0).random();
        let d: u64 = stream(1, Stream::Posting, 1).random();
        let all = [a, b, c, d];
        for i in 0..all.len() {
            for j in i + 1..all.len() {
                assert_ne!(all[i], all[j]);
            }
        }
        let again: u64 = stream(1, Stream::Posting, 0).random();
        assert_eq!(a, again);
    }

    /// The hashed exponential of 100,000 keys against Exp(1): its mean (sd 1/sqrt(n) =
    /// 0.0032, 5 sd allowed) and its share above 1 (e^-1, binomial sd 0.0015, 5 sd).
    /// A uniform, a rate other than 1, or `ln(u)` with `u` in [0, 1) (infinite at 0)
    /// fails.
    #[test]
    fn exponential_has_mean_one_and_its_tail() {
        let n = 100_000;
        let draws: Vec<f64> = (0..n).map(|i| exponential(mix64(i))).collect();
        assert!(draws.iter().all(|x| x.is_finite() && *x >= 0.0));
        let mean = draws.iter().sum::<f64>() / n as f64;
        assert!((mean - 1.0).abs() < 0.016, "mean {mean}");
        let above = draws.iter().filter(|&&x| x > 1.0).count() as f64 / n as f64;
        let p = (-1.0f64).exp();
        assert!(
            (above - p).abs() < 0.0076,
            "share above 1: {above}, expected {p}"
        );
    }

    #[test]
    fn unit_is_in_range_and_roughly_uniform() {
        let n = 100_000;
        let mean = (0..n).map(|i| unit(mix64(i))).sum::<f64>() / n as f64;
        // sd of the mean of n uniforms is sqrt(1/12/n) ~ 0.0009; allow 5 sd.
        assert!((mean - 0.5).abs() < 0.0046, "mean {mean}");
        assert!((0..n).all(|i| (0.0..1.0).contains(&unit(mix64(i)))));
    }
}
