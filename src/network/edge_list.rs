//! Loading a follower network from a node map and an edge list (CSV, from any reader).
//!
//! Node ids in the files are arbitrary strings (compared as bytes, after trimming spaces).
//! The node map assigns each node to a population; the i-th node of population P (in file
//! order) becomes agent `range.start + i` of P's global id range. Agents that no node maps
//! to simply have no edges. Every problem in the input is an [`EdgeListError`] that names
//! the file, the line and the value; no input makes the loader panic.

use std::collections::HashMap;
use std::io::Read;
use std::ops::Range;

use super::FollowerGraph;
use super::csv_input::{CsvInput, EdgeListError, InputFile, lossy};

const MAP_HEADER: &str = "node,population";
const EDGE_HEADER: &str = "src,dst";

/// Reads a node -> population map (CSV with header `node,population`) and an edge list
/// (CSV with header `src,dst`; the edge means dst follows src); node ids are arbitrary strings.
/// `populations` gives, in order, each population's name and its global id range; the i-th
/// node mapped to population P (in map file order) becomes agent `range.start + i`.
/// `undirected` adds the reverse of every edge. Self-loops and repeated edges are dropped.
pub fn load_edge_list(
    map: impl Read,
    edges: impl Read,
    populations: &[(String, Range<u32>)],
    num_nodes: usize,
    undirected: bool,
) -> Result<FollowerGraph, EdgeListError> {
    for (name, range) in populations {
        if range.end as usize > num_nodes {
            return Err(EdgeListError::RangeOutOfBounds {
                population: name.clone(),
                start: range.start,
                end: range.end,
                num_nodes,
            });
        }
    }
    let agents = read_map(map, populations)?;
    let pairs = read_edges(edges, &agents, undirected)?;
    drop(agents);
    Ok(FollowerGraph::from_edges(num_nodes, pairs))
}

/// Node id -> global agent id.
fn read_map(
    input: impl Read,
    populations: &[(String, Range<u32>)],
) -> Result<HashMap<Box<[u8]>, u32>, EdgeListError> {
    let mut input = CsvInput::open(input, InputFile::NodeMap, MAP_HEADER)?;
    let mut agents: HashMap<Box<[u8]>, u32> = HashMap::new();
    let mut mapped = vec![0u64; populations.len()];
    // (population, line) of the first node beyond a population's size.
    let mut overflow: Option<(usize, u64)> = None;
    while input.advance()? {
        let line = input.line();
        let (node, population) = (input.field(0, "node")?, input.field(1, "population")?);
        let Some(p) = populations
            .iter()
            .position(|(name, _)| name.as_bytes() == population)
        else {
            let known: Vec<String> = populations
                .iter()
                .map(|(name, _)| format!("`{name}`"))
                .collect();
            return Err(EdgeListError::UnknownPopulation {
                line,
                name: lossy(population),
                known: if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                },
            });
        };
        if agents.contains_key(node) {
            return Err(EdgeListError::DuplicateNode {
                line,
                node: lossy(node),
            });
        }
        let range = &populations[p].1;
        let size = u64::from(range.end.saturating_sub(range.start));
        if mapped[p] < size {
            agents.insert(node.into(), range.start + mapped[p] as u32);
        } else if overflow.is_none() {
            overflow = Some((p, line));
        }
        mapped[p] += 1;
    }
    if let Some((p, line)) = overflow {
        let (name, range) = &populations[p];
        return Err(EdgeListError::TooManyNodes {
            population: name.clone(),
            size: range.end.saturating_sub(range.start),
            mapped: mapped[p],
            line,
        });
    }
    Ok(agents)
}

fn read_edges(
    input: impl Read,
    agents: &HashMap<Box<[u8]>, u32>,
    undirected: bool,
) -> Result<Vec<(u32, u32)>, EdgeListError> {
    let mut input = CsvInput::open(input, InputFile::EdgeList, EDGE_HEADER)?;
    let mut pairs = Vec::new();
    while input.advance()? {
        let line = input.line();
        let lookup = |index: usize, column: &'static str| {
            let node = input.field(index, column)?;
            agents
                .get(node)
                .copied()
                .ok_or_else(|| EdgeListError::UnknownNode {
                    line,
                    column,
                    node: lossy(node),
                })
        };
        let (src, dst) = (lookup(0, "src")?, lookup(1, "dst")?);
        pairs.push((src, dst));
        if undirected {
            pairs.push((dst, src));
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pops() -> Vec<(String, Range<u32>)> {
        vec![("fans".to_owned(), 10..13), ("bots".to_owned(), 20..22)]
    }

    fn load(map: &str, edges: &str, undirected: bool) -> Result<FollowerGraph, EdgeListError> {
        load_edge_list(map.as_bytes(), edges.as_bytes(), &pops(), 30, undirected)
    }

    fn error(map: &str, edges: &str) -> String {
        match load(map, edges, false) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    const MAP: &str = r#"node,population
@alice,fans
bot 1,bots
"quoted, id",fans
@bob,fans
"#;

    #[test]
    fn maps_nodes_in_file_order_per_population() {
        let edges = "src,dst\n@alice,bot 1\n\"quoted, id\",@alice\n@bob , @alice\n@alice,@alice\n@alice,bot 1\n";
        let g = load(MAP, edges, false).unwrap();
        // @alice=10, "quoted, id"=11, @bob=12, bot 1=20.
        assert_eq!(g.num_nodes(), 30);
        assert_eq!(g.followers(10), &[20]);
        assert_eq!(g.followers(11), &[10]);
        assert_eq!(g.followers(12), &[10]);
        assert_eq!(g.followee_count(10), 2);
        assert_eq!(g.num_edges(), 3, "self-loop and repeated edge dropped");
        for v in (0..30).filter(|v| ![10, 11, 12, 20].contains(v)) {
            assert!(g.followers(v).is_empty() && g.followee_count(v) == 0);
        }
        // A byte-order mark (as spreadsheet exports write) does not spoil the header.
        assert_eq!(load(&format!("\u{feff}{MAP}"), edges, false), Ok(g));
        let g = load(MAP, edges, true).unwrap();
        assert_eq!(g.followers(10), &[11, 12, 20]);
        assert_eq!(g.followers(20), &[10]);
        assert_eq!(g.num_edges(), 6);
    }

    #[test]
    fn ragged_line_is_a_syntax_error_with_its_line() {
        // Blank lines are skipped but still counted.
        let msg = error(MAP, "src,dst\n@alice,bot 1\n\n@bob\n");
        assert!(
            msg.contains("edge list, line 4")
                && msg.contains("2 comma-separated fields like the header, found 1"),
            "{msg}"
        );
    }

    #[test]
    fn wrong_or_missing_header_is_reported() {
        let msg = error("id,population\n@alice,fans\n", "src,dst\n");
        assert!(
            msg.contains("node map")
                && msg.contains("`node,population`")
                && msg.contains("`id,population`"),
            "{msg}"
        );
        let msg = error(MAP, "");
        assert!(
            msg.contains("edge list") && msg.contains("`src,dst`") && msg.contains("empty file"),
            "{msg}"
        );
    }

    #[test]
    fn unknown_population_lists_the_known_ones() {
        let msg = error("node,population\n@alice,fans\n@carol,trolls\n", "src,dst\n");
        assert!(
            msg.contains("line 3") && msg.contains("`trolls`") && msg.contains("`fans`, `bots`"),
            "{msg}"
        );
    }

    #[test]
    fn too_many_nodes_gives_both_numbers() {
        let map = "node,population\na,bots\nb,bots\nc,bots\nd,fans\ne,bots\n";
        let msg = error(map, "src,dst\n");
        assert!(
            msg.contains("`bots` has 2 agents")
                && msg.contains("assigns 4 nodes")
                && msg.contains("line 4"),
            "{msg}"
        );
    }

    #[test]
    fn duplicate_node_names_line_and_id() {
        let msg = error("node,population\na,fans\nb,bots\na,bots\n", "src,dst\n");
        assert!(msg.contains("line 4") && msg.contains("`a`"), "{msg}");
    }

    #[test]
    fn unknown_endpoint_names_line_column_and_id() {
        let msg = error(MAP, "src,dst\n@alice,@bob\n@bob,@zed\n");
        assert!(
            msg.contains("edge list, line 3") && msg.contains("dst node `@zed`"),
            "{msg}"
        );
    }

    #[test]
    fn empty_field_is_reported() {
        let msg = error("node,population\n,fans\n", "src,dst\n");
        assert!(
            msg.contains("node map, line 2") && msg.contains("node column"),
            "{msg}"
        );
    }

    #[test]
    fn range_past_the_agents_is_an_error_not_a_panic() {
        let pops = vec![("fans".to_owned(), 0..50)];
        let err =
            load_edge_list(MAP.as_bytes(), "src,dst\n".as_bytes(), &pops, 30, false).unwrap_err();
        assert!(err.to_string().contains("past the 30 agents"), "{err}");
    }

    #[test]
    fn read_failure_and_odd_bytes_do_not_panic() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk on fire"))
            }
        }
        let err = load_edge_list(Broken, "src,dst\n".as_bytes(), &pops(), 30, false).unwrap_err();
        assert!(
            err.to_string()
                .contains("node map: cannot read: disk on fire"),
            "{err}"
        );
        let bytes: &[u8] = b"node,population\n\xff\xfe,fans\n\"unterminated,bots\n";
        let edges: &[u8] = b"src,dst\n\xff\xfe,\xff\xfe\n";
        assert!(load_edge_list(bytes, edges, &pops(), 30, false).is_err());
        assert!(load_edge_list(&b"\x00\x01"[..], edges, &pops(), 30, false).is_err());
    }
}
