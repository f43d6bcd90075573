//! Checking scenario and sweep files without running them (`hashflood validate`).

use std::path::{Path, PathBuf};

use super::{LoadError, check};
use crate::memory;
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
}

/// Whether a file holds a `[sweep]` table (a sweep, not a plain scenario).
fn is_sweep(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .is_some_and(|t| t.contains_key("sweep"))
}

/// Checks one scenario or sweep file (a scenario's edge lists are read too) and
/// describes it in a line: a scenario's size with its memory bound and expected work, a
/// sweep's points and parameters.
pub fn describe(path: &Path) -> Result<String, ValidateError> {
    if is_sweep(path) {
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
    let (s, _) = check(path)?;
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
