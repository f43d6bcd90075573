//! Directed stochastic block model: agent v of block j follows agent u of block i with
//! probability `density[i][j]`, independently for every ordered pair (no self-follows).
//!
//! Source row u visits its candidate followers block by block with geometric skipping, from
//! its own stream, so the cost is proportional to the number of edges.

use super::csr::EdgeSource;
use super::sampling::{Bernoulli, Tag, row_stream};

const ROWS_PER_CHUNK: u32 = 1024;

/// SBM over local ids: the blocks laid end to end in order.
pub(super) struct BlockModel {
    /// Local id of each block's first node, then the total.
    starts: Vec<u32>,
    /// Trial for the ordered block pair (i, j) at `i * blocks + j`.
    trials: Vec<Bernoulli>,
    seed: u64,
}

impl BlockModel {
    /// # Panics
    /// If `density` is not `sizes.len() x sizes.len()`.
    pub(super) fn new(sizes: &[u32], density: &[Vec<f64>], seed: u64) -> Self {
        let blocks = sizes.len();
        assert!(
            density.len() == blocks && density.iter().all(|row| row.len() == blocks),
            "SBM density must be {blocks} x {blocks}, one row and column per network group"
        );
        let mut starts = Vec::with_capacity(blocks + 1);
        let mut at = 0u32;
        starts.push(at);
        for &s in sizes {
            at += s;
            starts.push(at);
        }
        let trials = density
            .iter()
            .flatten()
            .map(|&p| Bernoulli::new(p))
            .collect();
        BlockModel {
            starts,
            trials,
            seed,
        }
    }

    fn blocks(&self) -> usize {
        self.starts.len() - 1
    }

    fn len(&self) -> u32 {
        self.starts[self.blocks()]
    }
}

impl EdgeSource for BlockModel {
    fn num_chunks(&self) -> usize {
        self.len().div_ceil(ROWS_PER_CHUNK) as usize
    }

    fn chunk_edges(&self, chunk: usize, emit: &mut impl FnMut(u32, u32)) {
        let blocks = self.blocks();
        let start = chunk as u32 * ROWS_PER_CHUNK;
        let end = start.saturating_add(ROWS_PER_CHUNK).min(self.len());
        for u in start..end {
            // The block holding u: the last one starting at or before u (empty blocks share
            // their start with the next block and are skipped this way).
            let a = self.starts[..blocks].partition_point(|&s| s <= u) - 1;
            let own = u - self.starts[a];
            let mut rng = row_stream(self.seed, Tag::StochasticBlock, u);
            for b in 0..blocks {
                let (first, size) = (self.starts[b], self.starts[b + 1] - self.starts[b]);
                let trial = &self.trials[a * blocks + b];
                if a == b {
                    // Skip u itself: candidates are the other size - 1 members.
                    trial.for_each_success(&mut rng, u64::from(size - 1), |k| {
                        let k = k as u32;
                        emit(u, first + if k >= own { k + 1 } else { k });
                    });
                } else {
                    trial
                        .for_each_success(&mut rng, u64::from(size), |k| emit(u, first + k as u32));
                }
            }
        }
    }
}

/// Expected directed entries: the sum over ordered block pairs of candidate pairs times
/// density. Entries missing from a malformed matrix count as 0.
pub(super) fn expected_edges(
    sizes: impl Iterator<Item = u64> + Clone,
    density: &[Vec<f64>],
) -> u64 {
    let mut total = 0.0;
    for (i, ni) in sizes.clone().enumerate() {
        for (j, nj) in sizes.clone().enumerate() {
            let p = density
                .get(i)
                .and_then(|row| row.get(j))
                .copied()
                .unwrap_or(0.0);
            let p = if p > 0.0 { p.min(1.0) } else { 0.0 };
            let pairs = ni * if i == j { nj.saturating_sub(1) } else { nj };
            total += pairs as f64 * p;
        }
    }
    total.round() as u64
}

#[cfg(test)]
mod tests {
    use crate::network::{FollowerGraph, Generator, expected_edges, generate};
    use std::ops::Range;

    fn sbm(
        groups: &[Range<u32>],
        num_nodes: u32,
        density: Vec<Vec<f64>>,
        seed: u64,
    ) -> FollowerGraph {
        generate(
            &Generator::StochasticBlock { density },
            num_nodes as usize,
            groups,
            seed,
        )
    }

    /// Edge counts per ordered (source block, follower block) pair.
    fn pair_counts(g: &FollowerGraph, groups: &[Range<u32>]) -> Vec<Vec<u64>> {
        let block = |v: u32| groups.iter().position(|r| r.contains(&v));
        let mut counts = vec![vec![0u64; groups.len()]; groups.len()];
        for u in 0..g.num_nodes() as u32 {
            for &v in g.followers(u) {
                let (Some(a), Some(b)) = (block(u), block(v)) else {
                    panic!("edge {u}->{v} leaves the groups");
                };
                counts[a][b] += 1;
            }
        }
        counts
    }

    #[test]
    fn block_pair_counts_are_binomial() {
        // Two blocks placed apart, with agents outside every block in between.
        let groups = [0..3_000, 4_000..6_000];
        let density = vec![vec![0.002, 0.01], vec![0.0005, 0.004]];
        let g = sbm(&groups, 7_000, density.clone(), 21);
        let counts = pair_counts(&g, &groups);
        let sizes = [3_000u64, 2_000];
        let mut total_mean = 0.0;
        for a in 0..2 {
            for b in 0..2 {
                let pairs = sizes[a] * if a == b { sizes[b] - 1 } else { sizes[b] };
                let p = density[a][b];
                let mean = pairs as f64 * p;
                total_mean += mean;
                let sd = (mean * (1.0 - p)).sqrt();
                let got = counts[a][b] as f64;
                assert!(
                    (got - mean).abs() < 5.0 * sd,
                    "block {a}->{b}: {got}, expected {mean} +- {sd}"
                );
            }
        }
        let outside = (3_000..4_000).chain(6_000..7_000);
        for v in outside {
            assert!(
                g.followers(v).is_empty() && g.followee_count(v) == 0,
                "agent {v} has edges"
            );
        }
        let predicted = expected_edges(&Generator::StochasticBlock { density }, &groups) as f64;
        assert!(
            (predicted - total_mean).abs() <= 0.5,
            "{predicted} vs {total_mean}"
        );
    }

    #[test]
    fn edges_are_directed_and_in_degree_counts_followees() {
        let groups = [0..500, 500..1_000];
        let g = sbm(&groups, 1_000, vec![vec![0.0, 0.05], vec![0.0, 0.0]], 2);
        let counts = pair_counts(&g, &groups);
        assert_eq!((counts[0][0], counts[1][0], counts[1][1]), (0, 0, 0));
        assert!(counts[0][1] > 0);
        let mut followees = vec![0u32; 1_000];
        for u in 0..1_000 {
            for &v in g.followers(u) {
                followees[v as usize] += 1;
            }
        }
        for v in 0..1_000u32 {
            assert_eq!(g.followee_count(v), followees[v as usize]);
        }
    }

    #[test]
    fn density_one_is_complete_without_self_loops() {
        let groups = [0..1, 1..1, 1..41];
        let ones = vec![vec![1.0; 3]; 3];
        let g = sbm(&groups, 41, ones.clone(), 3);
        assert_eq!(g.num_edges(), 41 * 40);
        assert_eq!(
            expected_edges(&Generator::StochasticBlock { density: ones }, &groups),
            41 * 40
        );
        for v in 0..41u32 {
            assert_eq!(g.followers(v).len(), 40);
            assert!(!g.followers(v).contains(&v));
        }
        assert_eq!(sbm(&groups, 41, vec![vec![0.0; 3]; 3], 3).num_edges(), 0);
    }
}
