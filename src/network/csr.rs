//! The two-pass parallel CSR builder shared by every generator and by [`FollowerGraph::from_edges`].
//!
//! A generator describes its edges as an [`EdgeSource`]: a fixed list of chunks, each of which
//! can be replayed and always emits the same edges. The builder replays the source twice
//! (count out-degrees, then fill rows), so no list of all edge pairs is ever held next to the
//! CSR. Rows are filled in whatever order the threads happen to run, then sorted and
//! de-duplicated, which makes the result independent of the thread count.

use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use rayon::prelude::*;

use super::FollowerGraph;

/// Target number of stored entries per sort/compact chunk; any value gives the same graph.
const ENTRIES_PER_SORT_CHUNK: u64 = 1 << 16;

/// A replayable, chunked description of a graph's edges.
pub(crate) trait EdgeSource: Sync {
    /// Number of chunks; chunks are processed in parallel.
    fn num_chunks(&self) -> usize;
    /// Calls `emit(u, v)` for every edge `u -> v` of `chunk`. Must emit the same edges on
    /// every call (the builder replays each chunk twice). Self-loops are allowed and dropped.
    fn chunk_edges(&self, chunk: usize, emit: &mut impl FnMut(u32, u32));
}

/// Builds the CSR graph over `num_nodes` nodes. With `symmetric`, every emitted edge is
/// stored in both directions (undirected generators emit each link once).
///
/// # Panics
/// If an emitted endpoint is `>= num_nodes`, or `num_nodes` does not fit in a `u32`.
pub(crate) fn build<S: EdgeSource>(num_nodes: usize, source: &S, symmetric: bool) -> FollowerGraph {
    if source.num_chunks() <= SMALL_CHUNKS
        && let Some(edges) = collect(source, SMALL_EDGES)
    {
        return build_listed(num_nodes, &edges, symmetric);
    }
    build_replayed(num_nodes, source, symmetric)
}

/// A source of at most this many chunks (thousands of nodes) may be small: its edges
/// are generated once into a list of at most [`SMALL_EDGES`], and the graph built from
/// that list. Replaying a generator costs far more than a list, and a sweep of small
/// scenarios builds a graph per run (the second replay was a tenth of a classroom run).
const SMALL_CHUNKS: usize = 8;

/// The most edges a small source's list holds (2 MB); past it the source is replayed.
const SMALL_EDGES: usize = 1 << 18;

/// The source's edges, in order, if there are at most `limit` (else `None`, having
/// generated no more than a chunk past the limit).
fn collect<S: EdgeSource>(source: &S, limit: usize) -> Option<Vec<(u32, u32)>> {
    let mut edges = Vec::new();
    for chunk in 0..source.num_chunks() {
        source.chunk_edges(chunk, &mut |u, v| {
            if edges.len() <= limit {
                edges.push((u, v));
            }
        });
        if edges.len() > limit {
            return None;
        }
    }
    Some(edges)
}

/// [`build`] from a small list, on one thread with plain counters: for a few thousand
/// edges the replay's atomic counters and its parallel passes cost more than the
/// counting (they were a sixth of a classroom run). The same graph.
fn build_listed(num_nodes: usize, edges: &[(u32, u32)], symmetric: bool) -> FollowerGraph {
    let mut counts = vec![0u32; num_nodes];
    for &(u, v) in edges.iter().filter(|(u, v)| u != v) {
        counts[u as usize] += 1;
        if symmetric {
            counts[v as usize] += 1;
        }
    }
    let mut offsets = Vec::with_capacity(num_nodes + 1);
    let mut total = 0u64;
    offsets.push(0u64);
    for c in &mut counts {
        total += u64::from(std::mem::take(c));
        offsets.push(total);
    }
    // `counts` now serves as per-row cursors.
    let mut targets = vec![0u32; total as usize];
    let mut place = |u: u32, v: u32| {
        let row = u as usize;
        targets[(offsets[row] + u64::from(counts[row])) as usize] = v;
        counts[row] += 1;
    };
    for &(u, v) in edges.iter().filter(|(u, v)| u != v) {
        place(u, v);
        if symmetric {
            place(v, u);
        }
    }
    // Same size and alignment: this collect reuses the allocation.
    let scratch = counts.into_iter().map(AtomicU32::new).collect();
    finish(num_nodes, offsets, targets, symmetric, scratch)
}

/// [`build`] by replaying the source twice.
fn build_replayed<S: EdgeSource>(num_nodes: usize, source: &S, symmetric: bool) -> FollowerGraph {
    assert!(
        num_nodes <= u32::MAX as usize,
        "a follower graph holds at most 2^32 - 1 nodes, got {num_nodes}"
    );
    let chunks = source.num_chunks();

    // Pass 1: out-degree of every node, self-loops excluded.
    let counts: Vec<AtomicU32> = (0..num_nodes).map(|_| AtomicU32::new(0)).collect();
    (0..chunks).into_par_iter().for_each(|c| {
        source.chunk_edges(c, &mut |u, v| {
            if u != v {
                counts[u as usize].fetch_add(1, Relaxed);
                if symmetric {
                    counts[v as usize].fetch_add(1, Relaxed);
                }
            }
        });
    });
    let mut offsets = Vec::with_capacity(num_nodes + 1);
    let mut total = 0u64;
    offsets.push(0u64);
    for c in &counts {
        total += u64::from(c.swap(0, Relaxed));
        offsets.push(total);
    }

    // Pass 2: scatter targets into their rows; `counts` now serves as per-row cursors.
    let slots: Vec<AtomicU32> = (0..total)
        .into_par_iter()
        .map(|_| AtomicU32::new(0))
        .collect();
    let fill = Fill {
        offsets: &offsets,
        cursors: &counts,
        slots: &slots,
    };
    (0..chunks).into_par_iter().for_each_init(
        || Vec::with_capacity(FILL_BATCH),
        |batch, c| {
            source.chunk_edges(c, &mut |u, v| {
                if u != v {
                    batch.push((u64::from(u), v));
                    if symmetric {
                        batch.push((u64::from(v), u));
                    }
                    if batch.len() >= FILL_BATCH {
                        fill.flush(batch);
                    }
                }
            });
            fill.flush(batch);
        },
    );
    // Same size and alignment: this collect reuses the allocation.
    let targets: Vec<u32> = slots.into_iter().map(AtomicU32::into_inner).collect();
    finish(num_nodes, offsets, targets, symmetric, counts)
}

/// Entries claimed and written together in the fill pass.
const FILL_BATCH: usize = 1024;

/// The fill pass's shared state: rows are claimed with atomic cursors.
struct Fill<'a> {
    offsets: &'a [u64],
    cursors: &'a [AtomicU32],
    slots: &'a [AtomicU32],
}

impl Fill<'_> {
    /// Writes a batch of entries `(row, target)` into their rows and empties the batch.
    /// Each entry's row is replaced by the slot it claims, then the slots are written.
    ///
    /// All cursors are claimed before any slot is written: on x86 an atomic add waits for
    /// earlier stores to drain, so interleaving them would serialise the cache misses of the
    /// scattered writes (measured: 3x slower for a 1M-node graph).
    fn flush(&self, batch: &mut Vec<(u64, u32)>) {
        for entry in batch.iter_mut() {
            let row = entry.0 as usize;
            entry.0 = self.offsets[row] + u64::from(self.cursors[row].fetch_add(1, Relaxed));
        }
        for &(at, v) in batch.iter() {
            self.slots[at as usize].store(v, Relaxed);
        }
        batch.clear();
    }
}

/// Sorts and de-duplicates every row, compacts the target array and computes in-degrees.
/// `scratch` holds one counter per node (values are overwritten). Works in place: apart from
/// the targets, the peak is the offsets and the counters, 12 bytes per node.
fn finish(
    num_nodes: usize,
    mut offsets: Vec<u64>,
    mut targets: Vec<u32>,
    symmetric: bool,
    scratch: Vec<AtomicU32>,
) -> FollowerGraph {
    // Split rows into pieces of roughly equal size, each sorted and compacted in place; each
    // row's new length goes to its counter in `scratch`.
    let mut bounds = vec![0usize];
    let mut last = 0u64;
    for (v, &at) in offsets.iter().enumerate().take(num_nodes).skip(1) {
        if at - last >= ENTRIES_PER_SORT_CHUNK {
            bounds.push(v);
            last = at;
        }
    }
    bounds.push(num_nodes);
    let mut pieces = Vec::with_capacity(bounds.len() - 1);
    let mut rest: &mut [u32] = &mut targets;
    for w in bounds.windows(2) {
        let len = (offsets[w[1]] - offsets[w[0]]) as usize;
        let (piece, tail) = rest.split_at_mut(len);
        pieces.push((w[0]..w[1], piece));
        rest = tail;
    }
    let kept_per_piece: Vec<usize> = pieces
        .into_par_iter()
        .map(|(rows, piece)| {
            let base = offsets[rows.start];
            let mut write = 0usize;
            for v in rows {
                let start = (offsets[v] - base) as usize;
                let row = &mut piece[start..(offsets[v + 1] - base) as usize];
                row.sort_unstable();
                let mut kept = 0usize;
                for i in 0..row.len() {
                    if i == 0 || row[i] != row[kept - 1] {
                        row[kept] = row[i];
                        kept += 1;
                    }
                }
                piece.copy_within(start..start + kept, write);
                write += kept;
                scratch[v].store(kept as u32, Relaxed);
            }
            write
        })
        .collect();

    // Move each compacted piece down to its final place, in ascending order so nothing is
    // overwritten before it moves, and rewrite the offsets in place.
    let piece_starts: Vec<u64> = bounds.iter().map(|&b| offsets[b]).collect();
    let mut write = 0u64;
    for (i, w) in bounds.windows(2).enumerate() {
        let from = piece_starts[i] as usize;
        targets.copy_within(from..from + kept_per_piece[i], write as usize);
        let mut at = write;
        for v in w[0]..w[1] {
            at += u64::from(scratch[v].load(Relaxed));
            offsets[v + 1] = at;
        }
        write = at;
    }
    targets.truncate(write as usize);
    targets.shrink_to_fit();

    let in_degree: Vec<u32> = if symmetric {
        // Symmetric rows: a node follows exactly its followers.
        scratch.into_iter().map(AtomicU32::into_inner).collect()
    } else {
        scratch.par_iter().for_each(|c| c.store(0, Relaxed));
        targets.par_chunks(1 << 16).for_each(|chunk| {
            for &t in chunk {
                scratch[t as usize].fetch_add(1, Relaxed);
            }
        });
        scratch.into_iter().map(AtomicU32::into_inner).collect()
    };
    FollowerGraph {
        offsets,
        targets,
        in_degree,
    }
}

/// An in-memory edge list as a source, for [`FollowerGraph::from_edges`].
pub(crate) struct SliceSource<'a>(pub(crate) &'a [(u32, u32)]);

const EDGES_PER_SLICE_CHUNK: usize = 1 << 16;

impl EdgeSource for SliceSource<'_> {
    fn num_chunks(&self) -> usize {
        self.0.len().div_ceil(EDGES_PER_SLICE_CHUNK)
    }

    fn chunk_edges(&self, chunk: usize, emit: &mut impl FnMut(u32, u32)) {
        let start = chunk * EDGES_PER_SLICE_CHUNK;
        let end = (start + EDGES_PER_SLICE_CHUNK).min(self.0.len());
        for &(u, v) in &self.0[start..end] {
            emit(u, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::FollowerGraph;

    /// Two chunks of edges between 1,000 nodes, one more than a small source's list
    /// holds in all (with duplicates and self-loops).
    struct Dense;

    impl EdgeSource for Dense {
        fn num_chunks(&self) -> usize {
            2
        }

        fn chunk_edges(&self, chunk: usize, emit: &mut impl FnMut(u32, u32)) {
            let half = (SMALL_EDGES / 2) as u32;
            for i in chunk as u32 * half..(chunk as u32 + 1) * half + chunk as u32 {
                emit(i % 1000, i.wrapping_mul(7919) % 1000);
            }
        }
    }

    /// A source of few chunks is built from its list while that fits, and replayed when
    /// it does not; either way the graph is the one the replay builds.
    #[test]
    fn small_sources_are_listed_once_and_large_ones_replayed() {
        assert!(collect(&Dense, SMALL_EDGES).is_none(), "one edge too many");
        let listed = collect(&Dense, SMALL_EDGES + 1).expect("fits");
        assert_eq!(listed.len(), SMALL_EDGES + 1);
        assert_eq!(
            build(1000, &Dense, true),
            build_replayed(1000, &Dense, true)
        );
        // Listed: the same graph as the replay builds, both ways of storing edges.
        for symmetric in [false, true] {
            let fewer = &listed[..5000];
            assert_eq!(
                build(1000, &SliceSource(fewer), symmetric),
                build_replayed(1000, &SliceSource(fewer), symmetric),
                "symmetric: {symmetric}"
            );
        }
    }

    #[test]
    fn from_edges_drops_self_loops_and_duplicates_and_sorts_rows() {
        let edges = vec![
            (0, 3),
            (0, 1),
            (2, 2),
            (0, 3),
            (3, 0),
            (1, 0),
            (0, 2),
            (1, 0),
        ];
        let g = FollowerGraph::from_edges(5, edges);
        assert_eq!(g.num_nodes(), 5);
        assert_eq!(g.num_edges(), 5);
        assert_eq!(g.followers(0), &[1, 2, 3]);
        assert_eq!(g.followers(1), &[0]);
        assert_eq!(g.followers(2), &[] as &[u32]);
        assert_eq!(g.followers(3), &[0]);
        assert_eq!(g.followers(4), &[] as &[u32]);
        let in_degrees: Vec<u32> = (0..5).map(|v| g.followee_count(v)).collect();
        assert_eq!(in_degrees, [2, 1, 1, 1, 0]);
    }

    #[test]
    fn from_edges_does_not_depend_on_edge_order() {
        // Enough edges for several fill and sort chunks, with heavy duplication.
        let n = 5_000u32;
        let edges: Vec<(u32, u32)> = (0..400_000u64)
            .map(|i| {
                let h = crate::rng::mix64(i % 150_000);
                (
                    (h % u64::from(n)) as u32,
                    ((h >> 32) % u64::from(n / 10)) as u32,
                )
            })
            .collect();
        let mut reversed = edges.clone();
        reversed.reverse();
        let a = FollowerGraph::from_edges(n as usize, edges.clone());
        let b = FollowerGraph::from_edges(n as usize, reversed);
        assert_eq!(a, b);
        let mut expected: Vec<(u32, u32)> = edges.into_iter().filter(|(u, v)| u != v).collect();
        expected.sort_unstable();
        expected.dedup();
        let stored: Vec<(u32, u32)> = (0..n)
            .flat_map(|u| a.followers(u).iter().map(move |&v| (u, v)))
            .collect();
        assert_eq!(stored, expected);
        let total_in: u64 = (0..n).map(|v| u64::from(a.followee_count(v))).sum();
        assert_eq!(total_in, a.num_edges());
    }

    #[test]
    fn empty_graphs_agree() {
        assert_eq!(
            FollowerGraph::from_edges(7, Vec::new()),
            FollowerGraph::empty(7)
        );
        assert_eq!(
            FollowerGraph::from_edges(0, Vec::new()),
            FollowerGraph::empty(0)
        );
        assert_eq!(FollowerGraph::empty(3).num_edges(), 0);
    }
}
