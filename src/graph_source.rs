//! The follower network of a scenario: generated in memory, or built from the edge-list
//! files the loader ([`crate::load`]) read into the scenario. Reads no file itself.

use std::path::PathBuf;

use crate::network::{self, EdgeListError, FollowerGraph, InputFile};
use crate::scenario::{NetworkSource, Scenario};

/// Why the follower network could not be built.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// The edge list or its node map does not fit the scenario: the file's path (where
    /// the error is about one), then which file, the line and the value.
    #[error("{}{error}", path.as_ref().map_or(String::new(), |p| format!("{}: ", p.display())))]
    EdgeList {
        path: Option<PathBuf>,
        error: EdgeListError,
    },
}

/// Builds the scenario's follower network (empty when it has none). Generation is
/// seeded by `seed`, so it is part of the reproducible run; an edge-list network is
/// parsed from the bytes the scenario holds.
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
            network::load_edge_list(nodes.bytes(), edges.bytes(), &pops, n, *undirected).map_err(
                |error| GraphError::EdgeList {
                    path: error.file().map(|file| match file {
                        InputFile::NodeMap => nodes.path().to_path_buf(),
                        InputFile::EdgeList => edges.path().to_path_buf(),
                    }),
                    error,
                },
            )
        }
    }
}
