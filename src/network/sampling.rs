//! Shared pieces of the generators: the pool of generated nodes, per-row random streams and
//! Bernoulli trials by geometric skipping.

use std::ops::Range;

use rand::RngExt;

use super::csr::EdgeSource;
use crate::rng::{self, SimRng, Stream};

/// The generated ("local") nodes: the concatenation of the groups, mapped to global ids.
pub(super) struct Pool {
    /// Local id of the first node of each group.
    local_starts: Vec<u32>,
    /// Global id of the first node of each group.
    global_starts: Vec<u32>,
    pub(super) len: u32,
}

impl Pool {
    pub(super) fn new(groups: &[Range<u32>], num_nodes: usize) -> Self {
        let mut local_starts = Vec::with_capacity(groups.len());
        let mut len = 0u32;
        for g in groups {
            assert!(
                g.end as usize <= num_nodes,
                "network group {g:?} reaches past the {num_nodes} agents"
            );
            local_starts.push(len);
            len = len
                .checked_add(g.end.saturating_sub(g.start))
                .expect("network groups hold more than 2^32 - 1 agents: do they overlap?");
        }
        let global_starts = groups.iter().map(|g| g.start).collect();
        Pool {
            local_starts,
            global_starts,
            len,
        }
    }

    /// The global id of a local one; empty groups share their start with the next group,
    /// so the last group starting at or before `local` holds it.
    #[inline]
    fn global(&self, local: u32) -> u32 {
        if self.local_starts.len() == 1 {
            return self.global_starts[0] + local;
        }
        let g = self.local_starts.partition_point(|&s| s <= local) - 1;
        self.global_starts[g] + (local - self.local_starts[g])
    }
}

/// A generator's source over local ids, seen through the pool's global ids.
pub(super) struct Mapped<'a, S> {
    inner: S,
    pool: &'a Pool,
}

impl<'a, S> Mapped<'a, S> {
    pub(super) fn new(inner: S, pool: &'a Pool) -> Self {
        Mapped { inner, pool }
    }
}

impl<S: EdgeSource> EdgeSource for Mapped<'_, S> {
    fn num_chunks(&self) -> usize {
        self.inner.num_chunks()
    }

    fn chunk_edges(&self, chunk: usize, emit: &mut impl FnMut(u32, u32)) {
        let pool = self.pool;
        self.inner
            .chunk_edges(chunk, &mut |u, v| emit(pool.global(u), pool.global(v)));
    }
}

/// Which generator a stream belongs to; part of the stream key, so never reuse a value.
#[derive(Clone, Copy)]
#[repr(u64)]
pub(super) enum Tag {
    ErdosRenyi = 1,
    BarabasiAlbert = 2,
    WattsStrogatz = 3,
    StochasticBlock = 4,
}

/// The random stream of one row (node) of one generator.
pub(super) fn row_stream(seed: u64, tag: Tag, row: u32) -> SimRng {
    rng::stream(
        seed,
        Stream::Network,
        rng::mix64(((tag as u64) << 56) ^ u64::from(row)),
    )
}

/// Independent trials with success probability `p`, visited by geometric skipping: the cost
/// is proportional to the number of successes, not of trials.
#[derive(Clone, Copy)]
pub(super) struct Bernoulli {
    p: f64,
    /// `ln(1 - p)`, negative when `0 < p < 1`.
    log_q: f64,
}

impl Bernoulli {
    /// `p` is clamped to `[0, 1]`; NaN counts as 0.
    pub(super) fn new(p: f64) -> Self {
        let p = if p > 0.0 { p.min(1.0) } else { 0.0 };
        Bernoulli {
            p,
            log_q: (-p).ln_1p(),
        }
    }

    /// Calls `hit(i)`, in ascending order, for each `i < len` whose trial succeeds.
    pub(super) fn for_each_success(&self, rng: &mut SimRng, len: u64, mut hit: impl FnMut(u64)) {
        if self.p >= 1.0 {
            (0..len).for_each(hit);
            return;
        }
        if self.p <= 0.0 {
            return;
        }
        let mut i = 0u64;
        while i < len {
            let u: f64 = rng.random();
            // 1 - u is in (0, 1], so the skip is finite and >= 0, and its floor is its
            // cast (and at least a whole number exactly when the skip is): no call to
            // `floor`, which the baseline x86-64 target makes a library call.
            let skip = (1.0 - u).ln() / self.log_q;
            if skip >= (len - i) as f64 {
                return;
            }
            i += skip as u64;
            hit(i);
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_maps_local_ids_across_groups() {
        let pool = Pool::new(&[5..7, 9..9, 20..23], 30);
        assert_eq!(pool.len, 5);
        let globals: Vec<u32> = (0..5).map(|l| pool.global(l)).collect();
        assert_eq!(globals, [5, 6, 20, 21, 22]);
    }

    #[test]
    fn geometric_skipping_gives_binomial_counts_and_uniform_positions() {
        let trial = Bernoulli::new(0.01);
        let (rows, len) = (2_000u32, 1_000u64);
        let mut hits = 0u64;
        let mut first_half = 0u64;
        for row in 0..rows {
            let mut rng = row_stream(1, Tag::ErdosRenyi, row);
            let mut last = None;
            trial.for_each_success(&mut rng, len, |i| {
                assert!(
                    i < len && last.is_none_or(|l| i > l),
                    "positions must ascend within 0..len"
                );
                last = Some(i);
                hits += 1;
                first_half += u64::from(i < len / 2);
            });
        }
        // Hits ~ Binomial(2M, 0.01): mean 20k, sd ~ 141; allow 5 sd. Each hit falls in the
        // first half with probability 1/2: sd ~ 71.
        let trials = f64::from(rows) * len as f64;
        let mean = trials * 0.01;
        assert!(
            (hits as f64 - mean).abs() < 5.0 * (mean * 0.99).sqrt(),
            "hits {hits}"
        );
        let half = hits as f64 / 2.0;
        assert!((first_half as f64 - half).abs() < 5.0 * (hits as f64 / 4.0).sqrt());
    }

    #[test]
    fn degenerate_probabilities() {
        let mut rng = row_stream(1, Tag::ErdosRenyi, 0);
        for (p, expected) in [(0.0, 0), (-1.0, 0), (f64::NAN, 0), (1.0, 50), (7.0, 50)] {
            let mut count = 0;
            Bernoulli::new(p).for_each_success(&mut rng, 50, |_| count += 1);
            assert_eq!(count, expected, "p = {p}");
        }
    }
}
