//! Putting a run's charts in place: drawn into the run folder while it is being written
//! (`hashflood run`), or re-drawn into a staging folder swapped in over the `charts/`
//! of a finished run (`hashflood plot`).

use std::path::{Path, PathBuf};

use super::{ChartOptions, PlotError, draw_all};
use crate::output::{self, OutputError};

/// Why charts could not be put in place.
#[derive(Debug, thiserror::Error)]
pub enum ChartsError {
    #[error("cannot create {path}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot draw the charts")]
    Draw(#[source] PlotError),
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// Draws a run's charts into `dir/charts` (the run's files must be in `dir`, the run
/// folder being written) and seals that folder, so that [`redraw`] may later replace
/// it. Returns the charts drawn.
pub fn into_run(dir: &Path, opts: ChartOptions) -> Result<Vec<&'static str>, ChartsError> {
    let out = dir.join("charts");
    std::fs::create_dir_all(&out).map_err(|source| ChartsError::Create {
        path: out.clone(),
        source,
    })?;
    let drawn = draw_all(dir, &out, opts).map_err(ChartsError::Draw)?;
    output::seal(&out, output::Kind::Charts)?;
    Ok(drawn)
}

/// Re-draws the charts of a finished run: into a staging folder, then swapped in (only
/// over a `charts/` folder hashflood wrote). Checks first that `run_dir` is a run, and
/// creates nothing if it is not. The animations are drawn when `opts` asks for them or
/// when the charts replaced held them, so that a re-draw loses nothing. Returns the
/// charts drawn and the folder they are in.
pub fn redraw(
    run_dir: &Path,
    opts: ChartOptions,
) -> Result<(Vec<&'static str>, PathBuf), ChartsError> {
    output::check_run_folder(run_dir)?;
    let _run = output::lock_folder(run_dir)?;
    let opts = ChartOptions {
        gif: opts.gif || has_animation(&run_dir.join("charts")),
    };
    let charts = output::RunDir::create(&run_dir.join("charts"), output::Kind::Charts, true)?;
    let drawn = draw_all(run_dir, charts.path(), opts).map_err(ChartsError::Draw)?;
    Ok((drawn, charts.commit()?))
}

/// Whether the charts folder `dir` holds an animation (`latest-<feed>.gif`).
fn has_animation(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("latest-") && name.ends_with(".gif")
        })
    })
}
