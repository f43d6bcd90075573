//! Follower networks: the graph type, seeded random generators and an edge-list loader.
//!
//! An edge `u -> v` means "v follows u": what u posts or activates reaches v. The graph is
//! stored in CSR form ([`FollowerGraph`]), built in parallel by replaying a generator's edges
//! twice (count, then fill), so no list of all edge pairs sits next to the finished graph.
//!
//! Every random draw is keyed by the seed and by what it is about (a row, a node, an edge),
//! never by which thread makes it, and every row is sorted: the same seed gives a
//! byte-identical graph for any rayon thread count.
//!
//! This module does no file I/O: [`load_edge_list`] takes readers, the caller opens files.
//! It does not validate scenario parameters either: [`Generator`] values arrive checked.

mod barabasi_albert;
mod block_model;
mod csr;
mod csv_input;
mod edge_list;
mod erdos_renyi;
pub mod prefetch;
mod sampling;
mod watts_strogatz;

use std::ops::Range;

use sampling::{Mapped, Pool};

pub use csv_input::{EdgeListError, InputFile};
pub use edge_list::load_edge_list;

/// Directed follower graph in CSR form. An edge `u -> v` means v follows u: u's posts and
/// activations reach v. Undirected generators store both directions.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowerGraph {
    /// `offsets[v]..offsets[v + 1]` is v's slice of `targets`; length `num_nodes + 1`.
    offsets: Vec<u64>,
    /// Followers of every node, each row sorted ascending without duplicates.
    targets: Vec<u32>,
    /// How many nodes each node follows.
    in_degree: Vec<u32>,
}

/// Bytes per stored directed edge entry, for a memory estimate made before building. With
/// [`BYTES_PER_NODE`] it covers both the peak while building and the finished graph (the
/// builder works in place). [`FollowerGraph::from_edges`] needs the caller's edge list on top.
pub const BYTES_PER_EDGE: u64 = 4;
/// Bytes per node: offsets (8) and in-degrees (4); while building, a counter per node takes
/// the place of the in-degrees.
pub const BYTES_PER_NODE: u64 = 12;

impl FollowerGraph {
    /// A graph with `num_nodes` nodes and no edges.
    pub fn empty(num_nodes: usize) -> Self {
        FollowerGraph {
            offsets: vec![0; num_nodes + 1],
            targets: Vec::new(),
            in_degree: vec![0; num_nodes],
        }
    }

    /// Builds from directed edges `(u, v)` = "v follows u"; drops self-loops and duplicate
    /// edges; each node's follower list is sorted ascending, so the result does not depend
    /// on the order of `edges`.
    ///
    /// # Panics
    /// If an endpoint is `>= num_nodes`.
    pub fn from_edges(num_nodes: usize, edges: Vec<(u32, u32)>) -> Self {
        csr::build(num_nodes, &csr::SliceSource(&edges), false)
    }

    /// Number of nodes (agents), including those without edges.
    pub fn num_nodes(&self) -> usize {
        self.in_degree.len()
    }

    /// Number of directed entries stored (an undirected link counts twice).
    pub fn num_edges(&self) -> u64 {
        self.targets.len() as u64
    }

    /// The followers of `v` (its out-neighbours: who sees what v posts), sorted ascending.
    pub fn followers(&self, v: u32) -> &[u32] {
        let v = v as usize;
        &self.targets[self.offsets[v] as usize..self.offsets[v + 1] as usize]
    }

    /// Starts loading where `v`'s follower list begins (see [`prefetch`]): call a few
    /// steps ahead of [`FollowerGraph::prefetch_followers`].
    #[inline]
    pub fn prefetch_row(&self, v: u32) {
        prefetch::prefetch(&self.offsets[v as usize]);
    }

    /// Starts loading the start of `v`'s follower list, so that a walk over it a little
    /// later does not wait for memory (the walks of a step's activations visit rows
    /// scattered over the whole list).
    #[inline]
    pub fn prefetch_followers(&self, v: u32) {
        if let Some(first) = self.targets.get(self.offsets[v as usize] as usize) {
            prefetch::prefetch(first);
        }
    }

    /// How many nodes `v` follows (its in-degree).
    pub fn followee_count(&self, v: u32) -> u32 {
        self.in_degree[v as usize]
    }

    /// Heap bytes held by the graph (plus the struct itself).
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.offsets.capacity() * std::mem::size_of::<u64>()
            + self.targets.capacity() * std::mem::size_of::<u32>()
            + self.in_degree.capacity() * std::mem::size_of::<u32>()
    }
}

/// What to generate, already validated by the caller (the scenario layer converts TOML to this).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Generator {
    /// G(n, p) with p = mean_degree / (n - 1) (clamped to 1), undirected.
    ErdosRenyi { mean_degree: f64 },
    /// Preferential attachment, m links per new node, undirected; seeded by a clique of
    /// m + 1 nodes (the whole group if it has at most m + 1 nodes). A new node may draw the
    /// same target twice; the repeat is dropped, so the mean degree is slightly below 2m.
    BarabasiAlbert { m: u32 },
    /// Ring lattice with k neighbours (k even, k/2 per side), each link rewired with
    /// probability beta to a uniform node other than its source; undirected. Links that end
    /// up duplicated are stored once.
    WattsStrogatz { k: u32, beta: f64 },
    /// Stochastic block model: one block per group in `blocks` order; `density[i][j]` is the
    /// probability that a given agent of block j follows a given agent of block i (directed).
    StochasticBlock { density: Vec<Vec<f64>> },
}

/// Generates a graph over `num_nodes` global agent ids, where only the agents in `groups`
/// take part: `groups[i]` is a contiguous range of global ids (one per population that is in
/// the network, in order); generated nodes are the concatenation of the groups, mapped back to
/// global ids. Agents outside the groups get no edges. For SBM, groups are the blocks
/// (density must be groups.len() x groups.len()); for the others, the groups are simply pooled.
///
/// # Panics
/// If a group reaches past `num_nodes`, or the SBM density matrix has the wrong shape.
/// Groups are expected to be disjoint (overlapping ones would merge nodes). The same inputs
/// give the same graph for any rayon thread count.
pub fn generate(
    generator: &Generator,
    num_nodes: usize,
    groups: &[Range<u32>],
    seed: u64,
) -> FollowerGraph {
    let pool = Pool::new(groups, num_nodes);
    let n = pool.len;
    match generator {
        Generator::ErdosRenyi { mean_degree } => {
            let source = erdos_renyi::ErdosRenyi::new(n, *mean_degree, seed);
            csr::build(num_nodes, &Mapped::new(source, &pool), true)
        }
        Generator::BarabasiAlbert { m } => {
            let source = barabasi_albert::BarabasiAlbert::new(n, *m, seed);
            csr::build(num_nodes, &Mapped::new(source, &pool), true)
        }
        Generator::WattsStrogatz { k, beta } => {
            let source = watts_strogatz::WattsStrogatz::new(n, *k, *beta, seed);
            csr::build(num_nodes, &Mapped::new(source, &pool), true)
        }
        Generator::StochasticBlock { density } => {
            let source = block_model::BlockModel::new(&group_sizes(groups), density, seed);
            csr::build(num_nodes, &Mapped::new(source, &pool), false)
        }
    }
}

/// Expected number of directed entries that [`generate`] will store, for a memory estimate
/// made before allocating: closed form, no allocation. For Barabási-Albert and Watts-Strogatz
/// it counts links before duplicates are dropped, so it is a slight overestimate.
pub fn expected_edges(generator: &Generator, groups: &[Range<u32>]) -> u64 {
    let n: u64 = groups
        .iter()
        .map(|g| u64::from(g.end.saturating_sub(g.start)))
        .sum();
    match generator {
        Generator::ErdosRenyi { mean_degree } => erdos_renyi::expected_edges(n, *mean_degree),
        Generator::BarabasiAlbert { m } => barabasi_albert::expected_edges(n, *m),
        Generator::WattsStrogatz { k, .. } => watts_strogatz::expected_edges(n, *k),
        Generator::StochasticBlock { density } => {
            let sizes = groups
                .iter()
                .map(|g| u64::from(g.end.saturating_sub(g.start)));
            block_model::expected_edges(sizes, density)
        }
    }
}

fn group_sizes(groups: &[Range<u32>]) -> Vec<u32> {
    groups
        .iter()
        .map(|g| g.end.saturating_sub(g.start))
        .collect()
}

/// The single group `0..n`, for tests.
#[cfg(test)]
fn whole(n: u32) -> [Range<u32>; 1] {
    single(0, n)
}

/// The single group `start..end`, for tests (clippy flags `&[a..b]` as a likely typo).
#[cfg(test)]
fn single(start: u32, end: u32) -> [Range<u32>; 1] {
    [Range { start, end }]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_generators() -> Vec<Generator> {
        vec![
            Generator::ErdosRenyi { mean_degree: 6.0 },
            Generator::BarabasiAlbert { m: 3 },
            Generator::WattsStrogatz { k: 6, beta: 0.3 },
            Generator::StochasticBlock {
                density: vec![
                    vec![0.002, 0.001, 0.0],
                    vec![0.0005, 0.003, 0.01],
                    vec![0.0, 0.02, 1.0],
                ],
            },
        ]
    }

    /// Three groups with gaps between them, one of a single agent.
    const GROUPS: [Range<u32>; 3] = [100..3_100, 3_500..6_000, 7_000..7_001];
    const NUM_NODES: usize = 8_000;

    fn in_group(v: u32) -> bool {
        GROUPS.iter().any(|g| g.contains(&v))
    }

    #[test]
    fn same_seed_gives_the_same_graph_for_any_thread_count() {
        for g in all_generators() {
            let run = |threads: usize| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                pool.install(|| generate(&g, NUM_NODES, &GROUPS, 99))
            };
            let one = run(1);
            assert!(one.num_edges() > 0, "{g:?} generated nothing");
            assert_eq!(one, run(2), "{g:?}");
            assert_eq!(one, run(3), "{g:?}");
            assert_ne!(
                one,
                generate(&g, NUM_NODES, &GROUPS, 100),
                "{g:?} ignores the seed"
            );
        }
    }

    #[test]
    fn only_agents_in_groups_get_edges() {
        for g in all_generators() {
            let graph = generate(&g, NUM_NODES, &GROUPS, 5);
            assert_eq!(graph.num_nodes(), NUM_NODES);
            let mut in_sum = 0u64;
            for v in 0..NUM_NODES as u32 {
                if !in_group(v) {
                    assert!(
                        graph.followers(v).is_empty(),
                        "{g:?}: outsider {v} has followers"
                    );
                    assert_eq!(
                        graph.followee_count(v),
                        0,
                        "{g:?}: outsider {v} follows someone"
                    );
                }
                for &u in graph.followers(v) {
                    assert!(in_group(u) && u != v, "{g:?}: bad edge {v}->{u}");
                }
                in_sum += u64::from(graph.followee_count(v));
            }
            assert_eq!(in_sum, graph.num_edges(), "{g:?}");
        }
    }

    #[test]
    fn expected_edges_tracks_generated_count() {
        for g in all_generators() {
            let graph = generate(&g, NUM_NODES, &GROUPS, 6);
            let (got, want) = (graph.num_edges() as f64, expected_edges(&g, &GROUPS) as f64);
            // Counts are binomial (sd <= sqrt(want)) or, for BA/WS, a few percent below.
            assert!(
                got <= want + 5.0 * want.sqrt() && got >= 0.95 * want - 5.0 * want.sqrt(),
                "{g:?}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn empty_groups_give_an_empty_graph() {
        for g in &all_generators()[..3] {
            assert_eq!(generate(g, 10, &[], 1), FollowerGraph::empty(10));
            assert_eq!(generate(g, 10, &single(4, 4), 1), FollowerGraph::empty(10));
            assert_eq!(generate(g, 10, &single(4, 5), 1), FollowerGraph::empty(10));
            assert_eq!(expected_edges(g, &[]), 0);
        }
        let sbm = Generator::StochasticBlock {
            density: vec![vec![1.0]],
        };
        assert_eq!(
            generate(&sbm, 10, &single(3, 4), 1),
            FollowerGraph::empty(10)
        );
    }

    #[test]
    fn memory_bytes_counts_the_arrays() {
        let g = generate(
            &Generator::WattsStrogatz { k: 4, beta: 0.0 },
            1_000,
            &whole(1_000),
            1,
        );
        assert_eq!(g.num_edges(), 4_000);
        // Offsets (n + 1 of 8 bytes), targets and in-degrees, allocated to the exact size.
        let arrays = 1_001 * 8 + 4_000 * 4 + 1_000 * 4;
        assert_eq!(
            g.memory_bytes(),
            arrays + std::mem::size_of::<FollowerGraph>()
        );
        // The per-element estimate misses only the last offset and the struct itself.
        let estimate = BYTES_PER_EDGE * 4_000 + BYTES_PER_NODE * 1_000;
        assert_eq!(estimate as usize + 8, arrays);
    }

    /// Timing check, not a test: `cargo test --release --lib network -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn time_barabasi_albert_one_million() {
        let n = 1_000_000u32;
        let generator = Generator::BarabasiAlbert { m: 10 };
        let start = std::time::Instant::now();
        let g = generate(&generator, n as usize, &whole(n), 1);
        let secs = start.elapsed().as_secs_f64();
        println!(
            "BA m=10 n=1M: {secs:.3} s, {} entries (expected {}), graph {:.1} MB, max degree {}",
            g.num_edges(),
            expected_edges(&generator, &whole(n)),
            g.memory_bytes() as f64 / 1e6,
            (0..n).map(|v| g.followers(v).len()).max().unwrap_or(0)
        );
        let start = std::time::Instant::now();
        let er = generate(
            &Generator::ErdosRenyi { mean_degree: 20.0 },
            n as usize,
            &whole(n),
            1,
        );
        println!(
            "ER d=20 n=1M: {:.3} s, {} entries",
            start.elapsed().as_secs_f64(),
            er.num_edges()
        );
    }
}
