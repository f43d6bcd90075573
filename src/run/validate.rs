//! Checking scenario and sweep files without running them (`hashflood validate`).

use std::path::{Path, PathBuf};

use crate::graph_source::{self, GraphError};
use crate::load::{self, LoadError};
use crate::memory;
use crate::scenario::{Network, NetworkSource};
use crate::sweep::{Sweep, SweepError};

/// Why a file did not validate.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error("invalid sweep {path}")]
    Sweep {
        path: PathBuf,
        source: Box<SweepError>,
    },
    #[error(transparent)]
    Scenario(#[from] LoadError),
    #[error("invalid network of {}", path.display())]
    Network { path: PathBuf, source: GraphError },
}

/// Whether a file's text holds a `[sweep]` table (a sweep, not a plain scenario).
fn is_sweep(text: &str) -> bool {
    text.parse::<toml::Table>()
        .is_ok_and(|t| t.contains_key("sweep"))
}

/// Checks one scenario or sweep file (a scenario's edge lists are read too) and
/// describes it in a line: a scenario's size with its memory bound and expected work, a
/// sweep's points and parameters.
pub fn describe(path: &Path) -> Result<String, ValidateError> {
    let text = load::text_file(path)?;
    if is_sweep(&text) {
        let sweep = Sweep::load(path, &[]).map_err(|source| ValidateError::Sweep {
            path: path.to_path_buf(),
            source: Box::new(source),
        })?;
        return Ok(format!(
            "sweep of {} points x {} replicates over {}",
            sweep.points.len(),
            sweep.replicates,
            sweep.parameters.join(", ")
        ));
    }
    let s = load::scenario_text(path, text)?.scenario;
    // An edge-list network is built too: its errors (a bad line, an unknown node) are
    // the scenario's. Generated networks are not; their parameters are already checked.
    if let Some(Network {
        source: NetworkSource::EdgeList { .. },
        ..
    }) = &s.network
    {
        graph_source::follower_graph(&s, s.seed).map_err(|source| ValidateError::Network {
            path: path.to_path_buf(),
            source,
        })?;
    }
    let e = memory::estimate(&s);
    Ok(format!(
        "{} agents in {} populations, {} feeds, {} steps; at most {} MB of {} allowed, {:.1e} operations",
        s.agent_count(),
        s.populations.len(),
        s.feeds.len(),
        s.time.steps,
        memory::mb(e.bytes_for(1, 1)),
        s.memory_limit_mb,
        e.work
    ))
}
