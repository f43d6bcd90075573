//! Watts-Strogatz small world: a ring lattice whose links are rewired with probability beta.
//!
//! Node i owns the links to its k/2 clockwise neighbours. With probability beta a link keeps
//! i and moves its other end to a uniform node other than i, drawn from i's own stream. A link
//! that ends up duplicated is stored once (classic WS redraws instead; at small k/n the
//! difference is negligible and this keeps every node's draws independent).

use rand::RngExt;

use super::csr::EdgeSource;
use super::sampling::{Tag, row_stream};

const ROWS_PER_CHUNK: u32 = 1024;

/// Watts-Strogatz over local ids `0..n`; emits each link once.
pub(super) struct WattsStrogatz {
    n: u32,
    /// Clockwise neighbours per node.
    half: u32,
    /// Rewiring probability, clamped to `[0, 1]`.
    beta: f64,
    seed: u64,
}

/// Links per side: k/2 (an odd k rounds down), at most n/2 so the ring does not wrap.
fn half_width(n: u64, k: u32) -> u64 {
    u64::from(k / 2).min(n / 2)
}

impl WattsStrogatz {
    pub(super) fn new(n: u32, k: u32, beta: f64, seed: u64) -> Self {
        let half = half_width(u64::from(n), k) as u32;
        let beta = if beta > 0.0 { beta.min(1.0) } else { 0.0 };
        WattsStrogatz {
            n,
            half,
            beta,
            seed,
        }
    }
}

impl EdgeSource for WattsStrogatz {
    fn num_chunks(&self) -> usize {
        self.n.div_ceil(ROWS_PER_CHUNK) as usize
    }

    fn chunk_edges(&self, chunk: usize, emit: &mut impl FnMut(u32, u32)) {
        let start = chunk as u32 * ROWS_PER_CHUNK;
        let end = start.saturating_add(ROWS_PER_CHUNK).min(self.n);
        for i in start..end {
            if self.beta == 0.0 {
                for j in 1..=self.half {
                    emit(
                        i,
                        ((u64::from(i) + u64::from(j)) % u64::from(self.n)) as u32,
                    );
                }
                continue;
            }
            let mut rng = row_stream(self.seed, Tag::WattsStrogatz, i);
            for j in 1..=self.half {
                let target = if rng.random_bool(self.beta) {
                    // Uniform over the n - 1 other nodes.
                    let t = rng.random_range(0..self.n - 1);
                    if t >= i { t + 1 } else { t }
                } else {
                    ((u64::from(i) + u64::from(j)) % u64::from(self.n)) as u32
                };
                emit(i, target);
            }
        }
    }
}

/// Expected directed entries before rewired duplicates are dropped: 2 n k/2, or the complete
/// graph when the lattice already is one.
pub(super) fn expected_edges(n: u64, k: u32) -> u64 {
    // Saturating: an estimate beyond u64 is refused as too large, never wrapped.
    let links = n
        .saturating_mul(half_width(n, k))
        .min(n.saturating_mul(n.saturating_sub(1)) / 2);
    links.saturating_mul(2)
}

#[cfg(test)]
mod tests {
    use crate::network::{FollowerGraph, Generator, expected_edges, generate, whole};

    fn ws(n: u32, k: u32, beta: f64, seed: u64) -> FollowerGraph {
        generate(
            &Generator::WattsStrogatz { k, beta },
            n as usize,
            &whole(n),
            seed,
        )
    }

    fn is_lattice_link(n: u32, half: u32, a: u32, b: u32) -> bool {
        let d = a.abs_diff(b);
        d.min(n - d) <= half
    }

    #[test]
    fn beta_zero_is_the_ring_lattice() {
        let (n, k) = (50u32, 6u32);
        let g = ws(n, k, 0.0, 1);
        for v in 0..n {
            let mut expected: Vec<u32> = (1..=3)
                .flat_map(|j| [(v + j) % n, (v + n - j) % n])
                .collect();
            expected.sort_unstable();
            assert_eq!(g.followers(v), expected.as_slice(), "node {v}");
        }
        assert_eq!(
            g.num_edges(),
            expected_edges(&Generator::WattsStrogatz { k, beta: 0.0 }, &whole(n))
        );
    }

    #[test]
    fn rewired_fraction_matches_beta() {
        let (n, k, beta) = (20_000u32, 10u32, 0.2);
        let g = ws(n, k, beta, 4);
        let links = u64::from(n) * u64::from(k / 2);
        let kept = (0..n)
            .flat_map(|v| g.followers(v).iter().map(move |&u| (v, u)))
            .filter(|&(v, u)| v < u && is_lattice_link(n, k / 2, v, u))
            .count() as f64;
        // Kept lattice links ~ Binomial(links, 1 - beta) (a rewired link lands back on the
        // lattice with probability ~ k / n, ~10 links here): sd ~ sqrt(links beta (1 - beta))
        // ~ 126. Allow 5 sd plus 100 for the re-landing.
        let mean = links as f64 * (1.0 - beta);
        let sd = (links as f64 * beta * (1.0 - beta)).sqrt();
        assert!(
            (kept - mean).abs() < 5.0 * sd + 100.0,
            "kept {kept}, expected {mean}"
        );
        // Duplicates after rewiring are rare (~ k/n per rewired link).
        let stored = g.num_edges() / 2;
        assert!(
            stored <= links && stored + links / 100 > links,
            "stored {stored} of {links}"
        );
    }

    #[test]
    fn full_rewiring_leaves_no_lattice_structure() {
        let (n, k) = (10_000u32, 4u32);
        let g = ws(n, k, 1.0, 8);
        let lattice = (0..n)
            .flat_map(|v| g.followers(v).iter().map(move |&u| (v, u)))
            .filter(|&(v, u)| v < u && is_lattice_link(n, k / 2, v, u))
            .count();
        // Each of the 20k links lands on the lattice with probability ~ 2 k/2 / n ~ 4e-4.
        assert!(lattice < 40, "{lattice} lattice links after full rewiring");
        for v in 0..n {
            assert!(!g.followers(v).contains(&v));
        }
    }

    #[test]
    fn rewired_ends_avoid_the_source_and_cover_the_others() {
        use crate::network::csr::EdgeSource;
        // 50 nodes x 24 draws, all rewired: a draw that could hit its own node would do so
        // ~24 times; every other node is hit with probability ~1 - e^-24 each.
        let source = super::WattsStrogatz::new(50, 48, 1.0, 3);
        let mut hits = vec![0u32; 50];
        for c in 0..source.num_chunks() {
            source.chunk_edges(c, &mut |u, v| {
                assert_ne!(u, v, "rewired link {u}-{v} is a self-loop");
                hits[v as usize] += 1;
            });
        }
        assert_eq!(hits.iter().sum::<u32>(), 50 * 24);
        assert!(hits.iter().all(|&h| h > 0), "{hits:?}");
    }

    #[test]
    fn small_rings_clamp_to_complete_graph() {
        for n in 0..8u32 {
            let g = ws(n, 20, 0.0, 1);
            let complete = u64::from(n) * u64::from(n.saturating_sub(1));
            assert_eq!(g.num_edges(), complete, "n = {n}");
            assert_eq!(
                expected_edges(&Generator::WattsStrogatz { k: 20, beta: 0.0 }, &whole(n)),
                complete
            );
        }
        assert_eq!(ws(100, 0, 0.5, 1).num_edges(), 0);
    }
}
