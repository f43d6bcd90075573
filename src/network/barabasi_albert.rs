//! Barabási-Albert preferential attachment, generated edge by edge in parallel.
//!
//! The idea follows Sanders & Schulz ("Scalable generation of scale-free graphs", 2016).
//! Lay out all links in creation order: the seed clique first, then m links per new node.
//! Conceptually, endpoint slot `2e` holds link e's source (the node that created it) and slot
//! `2e + 1` its target. Link e of node v picks its target by drawing a uniform slot among
//! the links created before v: a node's chance is proportional to its degree at that time.
//! A source slot names its node in closed form; a target slot repeats the draw of that
//! earlier link (same hash, so the same answer), on average about two steps.
//!
//! Each draw is a hash of (seed, link index), so every link is independent of the others and
//! of the thread that computes it: no shared endpoint list is built. A node may draw the
//! same target twice; the builder stores that link once.

use super::csr::EdgeSource;
use super::sampling::Tag;
use crate::rng::{self, Stream};

const LINKS_PER_CHUNK: u64 = 1 << 14;

/// Preferential attachment over local ids `0..n`; emits each link once.
pub(super) struct BarabasiAlbert {
    /// Links per new node.
    m: u64,
    /// Nodes in the seed clique: `min(n, m + 1)`, or 0 when m is 0.
    clique: u64,
    /// Links in the seed clique.
    clique_links: u64,
    /// All links.
    links: u64,
    /// Hash key of this graph's draws.
    key: u64,
}

impl BarabasiAlbert {
    pub(super) fn new(n: u32, m: u32, seed: u64) -> Self {
        let (n, m) = (u64::from(n), u64::from(m));
        let clique = if m == 0 { 0 } else { n.min(m + 1) };
        let clique_links = clique * clique.saturating_sub(1) / 2;
        let links = clique_links + (n - clique) * m;
        let key = rng::key(
            seed,
            Stream::Network,
            rng::mix64((Tag::BarabasiAlbert as u64) << 56),
        );
        BarabasiAlbert {
            m,
            clique,
            clique_links,
            links,
            key,
        }
    }

    /// The node that created link `e`.
    #[inline]
    fn source(&self, e: u64) -> u64 {
        if e < self.clique_links {
            clique_link(e).0
        } else {
            self.clique + (e - self.clique_links) / self.m
        }
    }

    /// The node that link `e` attaches to.
    #[inline]
    fn target(&self, mut e: u64) -> u64 {
        loop {
            if e < self.clique_links {
                return clique_link(e).1;
            }
            let rank = (e - self.clique_links) / self.m;
            // Slots of the links that existed before this link's node was added.
            let slots = 2 * (self.clique_links + rank * self.m);
            let slot = mul_high(rng::mix64(self.key ^ e), slots);
            if slot.is_multiple_of(2) {
                return self.source(slot / 2);
            }
            e = slot / 2;
        }
    }
}

/// Link `c` of a clique listed as (1,0), (2,0), (2,1), (3,0), ...: returns (j, i) with i < j.
#[inline]
fn clique_link(c: u64) -> (u64, u64) {
    // j is the largest integer with j (j - 1) / 2 <= c; the float guess is then corrected.
    let mut j = ((1.0 + (1.0 + 8.0 * c as f64).sqrt()) / 2.0) as u64;
    while j * (j - 1) / 2 > c {
        j -= 1;
    }
    while (j + 1) * j / 2 <= c {
        j += 1;
    }
    (j, c - j * (j - 1) / 2)
}

/// A uniform value in `0..range` from a uniform 64-bit hash (bias below range / 2^64).
#[inline]
fn mul_high(hash: u64, range: u64) -> u64 {
    ((u128::from(hash) * u128::from(range)) >> 64) as u64
}

impl EdgeSource for BarabasiAlbert {
    fn num_chunks(&self) -> usize {
        self.links.div_ceil(LINKS_PER_CHUNK) as usize
    }

    fn chunk_edges(&self, chunk: usize, emit: &mut impl FnMut(u32, u32)) {
        let start = chunk as u64 * LINKS_PER_CHUNK;
        let end = (start + LINKS_PER_CHUNK).min(self.links);
        for e in start..end {
            emit(self.source(e) as u32, self.target(e) as u32);
        }
    }
}

/// Expected directed entries before repeated draws are dropped: twice the link count.
pub(super) fn expected_edges(n: u64, m: u32) -> u64 {
    let m = u64::from(m);
    let clique = if m == 0 { 0 } else { n.min(m + 1) };
    // Saturating: an estimate beyond u64 is refused as too large, never wrapped.
    (clique * clique.saturating_sub(1) / 2)
        .saturating_add((n - clique).saturating_mul(m))
        .saturating_mul(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{FollowerGraph, Generator, generate, whole};
    use std::collections::BTreeSet;

    fn ba(n: u32, m: u32, seed: u64) -> FollowerGraph {
        generate(
            &Generator::BarabasiAlbert { m },
            n as usize,
            &whole(n),
            seed,
        )
    }

    #[test]
    fn clique_links_enumerate_every_pair_once() {
        let pairs: Vec<(u64, u64)> = (0..45).map(clique_link).collect();
        let expected: Vec<(u64, u64)> = (1..10).flat_map(|j| (0..j).map(move |i| (j, i))).collect();
        assert_eq!(pairs, expected);
        // Large indices, where the float guess alone could be off by one.
        for j in [1u64 << 20, (1 << 31) + 7, 3_037_000_000] {
            let first = j * (j - 1) / 2;
            assert_eq!(clique_link(first), (j, 0));
            assert_eq!(clique_link(first + j - 1), (j, j - 1));
        }
    }

    #[test]
    fn edge_count_is_links_minus_repeated_draws() {
        let (n, m) = (10_000u32, 5u32);
        let g = ba(n, m, 42);
        let source = BarabasiAlbert::new(n, m, 42);
        let links: Vec<(u64, u64)> = (0..source.links)
            .map(|e| (source.source(e), source.target(e)))
            .collect();
        assert_eq!(links.len() as u64 * 2, expected_edges(u64::from(n), m));
        assert!(
            links.iter().all(|&(s, t)| t < s),
            "a link must point to an older node"
        );
        let distinct: BTreeSet<(u64, u64)> = links.iter().copied().collect();
        assert_eq!(g.num_edges(), 2 * distinct.len() as u64);
        // A node's m draws repeat with probability ~ C(m, 2) sum_t p_t^2, where for BA
        // sum_t p_t^2 ~ ln(v) / (4 v) at node v; summed over v that is ~ C(m, 2) ln(n)^2 / 8
        // ~ 100 of the 50k links here. Allow 1%.
        let dropped = links.len() - distinct.len();
        assert!(
            dropped * 100 < links.len(),
            "{dropped} repeated draws of {}",
            links.len()
        );
    }

    #[test]
    fn degrees_have_a_heavy_tail() {
        let (n, m) = (20_000u32, 4u32);
        let g = ba(n, m, 9);
        let degs: Vec<usize> = (0..n).map(|v| g.followers(v).len()).collect();
        let mean = degs.iter().sum::<usize>() as f64 / f64::from(n);
        assert!(
            mean <= 2.0 * f64::from(m) && mean > 2.0 * f64::from(m) * 0.98,
            "mean {mean}"
        );
        // The oldest node's expected degree is ~ m sqrt(n) ~ 570; an ER graph of the same
        // mean would top out near 25.
        let max = *degs.iter().max().unwrap_or(&0);
        assert!(max as f64 > 20.0 * mean, "max {max}, mean {mean}");
        // Every node makes m draws; a repeat among them leaves m - 1 distinct at worst
        // for all but a handful of nodes, and repeats are rare.
        let below_m = degs.iter().filter(|&&d| d < m as usize).count();
        assert!(below_m * 100 < n as usize, "{below_m} nodes below degree m");
        // P(degree >= k) ~ (m / k)^2 for BA: at k = 4m that is ~6%; ER would give ~0.
        let tail = degs.iter().filter(|&&d| d >= 4 * m as usize).count() as f64 / f64::from(n);
        assert!((0.03..0.12).contains(&tail), "tail fraction {tail}");
    }

    #[test]
    fn older_nodes_collect_more_links() {
        // Expected degree of node i is ~ m sqrt(n / i): early nodes far above late ones.
        let n = 20_000u32;
        let g = ba(n, 3, 5);
        let mean_deg = |r: std::ops::Range<u32>| {
            let len = r.len() as f64;
            r.map(|v| g.followers(v).len()).sum::<usize>() as f64 / len
        };
        assert!(mean_deg(4..104) > 3.0 * mean_deg(10_000..20_000));
    }

    #[test]
    fn small_groups_become_a_clique() {
        for n in 0..=6u32 {
            let g = ba(n, 5, 1);
            assert_eq!(g.num_edges(), u64::from(n) * u64::from(n.saturating_sub(1)));
        }
        assert_eq!(ba(100, 0, 1).num_edges(), 0);
        // m = 1 gives a tree: n - 1 links, none repeated.
        assert_eq!(ba(1_000, 1, 3).num_edges(), 2 * 999);
    }
}
