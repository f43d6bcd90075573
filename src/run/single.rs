//! One run: simulated with progress by step, its files written at the top of the run
//! folder.

use super::{Event, Progress, Results, RunError, Simulation};
use crate::export;
use crate::metrics::RunOutput;
use crate::output::{OutputError, RunDir};
use crate::scenario::Scenario;

/// Simulates `sim` once with `seed` and writes its files into `run_dir`.
pub(super) fn run(
    sim: &Simulation,
    seed: u64,
    run_dir: &RunDir,
    on: Progress,
) -> Result<(), RunError> {
    let out = sim
        .run(seed, &mut |done| on(Event::Step(done)))
        .map_err(RunError::Graph)?;
    on(Event::Simulated);
    write(run_dir, "", &out, sim.scenario())?;
    on(Event::Written(Results::Single(&out.summary)));
    Ok(())
}

/// Writes one run's files into `run_dir` under `prefix` (empty, or a replicate's
/// folder): its time series, summary, app series (if it has an app) and Latest windows.
pub fn write(
    run_dir: &RunDir,
    prefix: &str,
    out: &RunOutput,
    scenario: &Scenario,
) -> Result<(), OutputError> {
    run_dir.write(
        &format!("{prefix}timeseries.csv"),
        &export::timeseries_csv(out, scenario),
    )?;
    run_dir.write(
        &format!("{prefix}summary.json"),
        &export::summary_json(&out.summary),
    )?;
    if let Some(app) = export::app_csv(out, scenario) {
        run_dir.write(&format!("{prefix}app.csv"), &app)?;
    }
    run_dir.write(
        &format!("{prefix}latest_windows.csv"),
        &export::latest_windows_csv(out, scenario),
    )
}
