//! The follower network of a scenario: generated in memory, or read from edge-list files.
//!
//! This is the one place besides `output` where the library reads files.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use crate::network::{self, EdgeListError, FollowerGraph};
use crate::scenario::{NetworkSource, Scenario};

/// Why the follower network could not be built.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    EdgeList(#[from] EdgeListError),
}

/// Builds the scenario's follower network (empty when it has none). Generation is
/// seeded by `seed`, so it is part of the reproducible run.
pub fn follower_graph(s: &Scenario, seed: u64) -> Result<FollowerGraph, GraphError> {
    let n = s.agent_count() as usize;
    let Some(net) = &s.network else {
        return Ok(FollowerGraph::empty(n));
    };
    let groups: Vec<_> = net
        .populations
        .iter()
        .map(|&i| s.populations[i].agents())
        .collect();
    match &net.source {
        NetworkSource::Generated(generator) => Ok(network::generate(generator, n, &groups, seed)),
        NetworkSource::EdgeList {
            edges,
            nodes,
            undirected,
        } => {
            let pops: Vec<_> = s
                .populations
                .iter()
                .map(|p| (p.name.clone(), p.agents()))
                .collect();
            Ok(network::load_edge_list(
                open(nodes)?,
                open(edges)?,
                &pops,
                n,
                *undirected,
            )?)
        }
    }
}

fn open(path: &Path) -> Result<BufReader<File>, GraphError> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|source| GraphError::Io {
            path: path.to_path_buf(),
            source,
        })
}
