//! Reading a scenario file for a command: its text (kept, to be written beside the
//! results) and the validated scenario.

use std::path::{Path, PathBuf};

use crate::graph_source::{self, GraphError};
use crate::scenario::{Network, NetworkSource, Scenario, ScenarioError};

/// Why a scenario file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read scenario {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid scenario {path}")]
    Invalid {
        path: PathBuf,
        source: ScenarioError,
    },
    #[error("invalid network of {path}")]
    Network { path: PathBuf, source: GraphError },
}

/// Reads and validates the scenario at `path`; returns it with the file's text. Its
/// name defaults to the file's stem, and its relative paths start from its folder.
pub fn load(path: &Path) -> Result<(Scenario, String), LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let stem = path
        .file_stem()
        .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
    let base = path.parent().unwrap_or(Path::new("."));
    let scenario =
        Scenario::from_toml(&text, &stem, base).map_err(|source| LoadError::Invalid {
            path: path.to_path_buf(),
            source,
        })?;
    Ok((scenario, text))
}

/// Loads a scenario and, for edge-list networks, reads the files too: their errors
/// (a bad line, an unknown node) are the scenario's errors. Generated networks are not
/// built here; their parameters are already checked.
pub fn check(path: &Path) -> Result<(Scenario, String), LoadError> {
    let (scenario, text) = load(path)?;
    if let Some(Network {
        source: NetworkSource::EdgeList { .. },
        ..
    }) = &scenario.network
    {
        graph_source::follower_graph(&scenario, scenario.seed).map_err(|source| {
            LoadError::Network {
                path: path.to_path_buf(),
                source,
            }
        })?;
    }
    Ok((scenario, text))
}
