//! Erdős-Rényi G(n, p): every unordered pair linked independently with probability p.
//!
//! Row i visits the pairs (i, j), j > i, by geometric skipping with its own stream, so the
//! cost is proportional to the number of links and rows are independent of each other.

use super::csr::EdgeSource;
use super::sampling::{Bernoulli, Tag, row_stream};

const ROWS_PER_CHUNK: u32 = 1024;

/// G(n, p) over local ids `0..n`; emits each link once (i < j).
pub(super) struct ErdosRenyi {
    n: u32,
    trial: Bernoulli,
    seed: u64,
}

/// `p = mean_degree / (n - 1)`, clamped to `[0, 1]`; 0 when there are no pairs.
fn link_probability(n: u64, mean_degree: f64) -> f64 {
    if n >= 2 && mean_degree > 0.0 {
        (mean_degree / (n - 1) as f64).min(1.0)
    } else {
        0.0
    }
}

impl ErdosRenyi {
    pub(super) fn new(n: u32, mean_degree: f64, seed: u64) -> Self {
        let trial = Bernoulli::new(link_probability(u64::from(n), mean_degree));
        ErdosRenyi { n, trial, seed }
    }
}

impl EdgeSource for ErdosRenyi {
    fn num_chunks(&self) -> usize {
        self.n.div_ceil(ROWS_PER_CHUNK) as usize
    }

    fn chunk_edges(&self, chunk: usize, emit: &mut impl FnMut(u32, u32)) {
        let start = chunk as u32 * ROWS_PER_CHUNK;
        let end = start.saturating_add(ROWS_PER_CHUNK).min(self.n);
        for i in start..end {
            let mut rng = row_stream(self.seed, Tag::ErdosRenyi, i);
            let later = u64::from(self.n - 1 - i);
            self.trial
                .for_each_success(&mut rng, later, |k| emit(i, i + 1 + k as u32));
        }
    }
}

/// Expected directed entries: n (n - 1) p.
pub(super) fn expected_edges(n: u64, mean_degree: f64) -> u64 {
    // In floating point: n * (n - 1) overflows u64 for the largest populations.
    let pairs = n as f64 * n.saturating_sub(1) as f64;
    (pairs * link_probability(n, mean_degree)).round() as u64
}

#[cfg(test)]
mod tests {
    use crate::network::{FollowerGraph, Generator, expected_edges, generate, whole};

    fn er(n: u32, mean_degree: f64, seed: u64) -> FollowerGraph {
        generate(
            &Generator::ErdosRenyi { mean_degree },
            n as usize,
            &whole(n),
            seed,
        )
    }

    #[test]
    fn mean_degree_matches_binomial_prediction() {
        let (n, d) = (20_000u32, 8.0);
        let g = er(n, d, 7);
        // Links ~ Binomial(n(n-1)/2, p): mean n d / 2, sd ~ sqrt(n d / 2) ~ 283; allow 5 sd.
        let links = g.num_edges() as f64 / 2.0;
        let mean = f64::from(n) * d / 2.0;
        assert!(
            (links - mean).abs() < 5.0 * mean.sqrt(),
            "links {links}, expected {mean}"
        );
        let predicted = expected_edges(&Generator::ErdosRenyi { mean_degree: d }, &whole(n)) as f64;
        assert!((predicted - 2.0 * mean).abs() < 1.0);
    }

    #[test]
    fn graph_is_symmetric_and_simple() {
        let g = er(2_000, 5.0, 3);
        for v in 0..2_000u32 {
            let row = g.followers(v);
            assert!(
                row.windows(2).all(|w| w[0] < w[1]),
                "row {v} not strictly sorted"
            );
            assert!(!row.contains(&v), "self-loop at {v}");
            assert_eq!(g.followee_count(v) as usize, row.len());
            for &u in row {
                assert!(
                    g.followers(u).binary_search(&v).is_ok(),
                    "{v}->{u} without {u}->{v}"
                );
            }
        }
    }

    #[test]
    fn degree_variance_is_binomial() {
        // Degree ~ Binomial(n - 1, p): variance (n - 1) p (1 - p) ~ 10. The sample variance
        // over 10k nodes has relative sd ~ sqrt(2 / n) ~ 1.4%; allow 10% (links correlate
        // degrees weakly).
        let (n, d) = (10_000u32, 10.0);
        let g = er(n, d, 11);
        let degs: Vec<f64> = (0..n).map(|v| g.followers(v).len() as f64).collect();
        let mean = degs.iter().sum::<f64>() / f64::from(n);
        let var = degs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / f64::from(n - 1);
        let p = d / f64::from(n - 1);
        let expected = f64::from(n - 1) * p * (1.0 - p);
        assert!(
            (var / expected - 1.0).abs() < 0.1,
            "variance {var}, expected {expected}"
        );
    }

    #[test]
    fn oversized_mean_degree_gives_complete_graph() {
        let g = er(30, 1_000.0, 1);
        assert_eq!(g.num_edges(), 30 * 29);
        assert_eq!(
            expected_edges(&Generator::ErdosRenyi { mean_degree: 1e9 }, &whole(30)),
            30 * 29
        );
    }

    #[test]
    fn tiny_and_zero_cases_have_no_edges() {
        assert_eq!(er(0, 5.0, 1).num_edges(), 0);
        assert_eq!(er(1, 5.0, 1).num_edges(), 0);
        assert_eq!(er(100, 0.0, 1).num_edges(), 0);
        assert_eq!(er(100, f64::NAN, 1).num_edges(), 0);
    }

    #[test]
    fn seeds_change_the_graph() {
        assert_ne!(er(1_000, 4.0, 1), er(1_000, 4.0, 2));
        assert_eq!(er(1_000, 4.0, 1), er(1_000, 4.0, 1));
    }
}
