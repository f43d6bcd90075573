//! Replicates: one scenario simulated with seeds derived from a base seed, in parallel,
//! each replicate's files in its own folder (`replicates/rNN/`) and their aggregate at
//! the top of the run folder.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::{Event, Progress, Results, RunError, Simulation, single};
use crate::aggregate::{self, MetricStats};
use crate::export::{self, ReplicateSeed};
use crate::graph_source::GraphError;
use crate::metrics::RunOutput;
use crate::output::{OutputError, RunDir};
use crate::rng;

/// The seeds of `n` replicates of a run with base seed `seed`, in replicate order
/// ([`rng::replicate_seed`], which sweeps use for their points' replicates too).
pub fn seeds(seed: u64, n: usize) -> Vec<u64> {
    (0..n as u64)
        .map(|r| rng::replicate_seed(seed, r))
        .collect()
}

/// The folder replicate `r` of `n` writes its files into, inside the run folder:
/// `replicates/r7/`, or `replicates/r07/` among 10 to 100 replicates (numbers padded to
/// one width, so that names sort in replicate order).
pub fn folder(r: usize, n: usize) -> String {
    let width = (n.max(1) - 1).to_string().len();
    format!("replicates/r{r:0width$}/")
}

/// Simulates one replicate per seed, in parallel; returns them in seed order. `on_done`
/// is called (from worker threads) as each one finishes.
pub fn simulate(
    sim: &Simulation,
    seeds: &[u64],
    on_done: &(dyn Fn() + Sync),
) -> Result<Vec<RunOutput>, GraphError> {
    seeds
        .par_iter()
        .map(|&seed| {
            let out = sim.run(seed, &mut |_| {})?;
            on_done();
            Ok(out)
        })
        .collect()
}

/// Writes each replicate's files (in [`folder`]) and their aggregate (series bands and
/// summary statistics, with the seeds) into `run_dir`; returns the statistics of each
/// summary metric.
pub fn write(
    run_dir: &RunDir,
    sim: &Simulation,
    seed: u64,
    seeds: &[u64],
    outs: &[RunOutput],
) -> Result<BTreeMap<String, MetricStats>, OutputError> {
    let scenario = sim.scenario();
    let n = outs.len();
    for (r, out) in outs.iter().enumerate() {
        single::write(run_dir, &folder(r, n), out, scenario)?;
    }
    let summaries: Vec<serde_json::Value> = outs
        .iter()
        .map(|o| serde_json::to_value(&o.summary).expect("summary serialises"))
        .collect();
    let metrics = aggregate::summary_metrics(&summaries);
    let bands = aggregate::series_bands(outs);
    let index: Vec<ReplicateSeed> = seeds
        .iter()
        .enumerate()
        .map(|(replicate, &seed)| ReplicateSeed { replicate, seed })
        .collect();
    run_dir.write(
        "aggregate_series.csv",
        &export::aggregate_series_csv(&bands, n, scenario),
    )?;
    run_dir.write(
        "aggregate_summary.json",
        &export::aggregate_summary_json(&metrics, seed, &index, scenario),
    )?;
    Ok(metrics)
}

/// Simulates `n` replicates of `sim` from the base seed `seed` and writes them into
/// `run_dir`.
pub(super) fn run(
    sim: &Simulation,
    seed: u64,
    n: usize,
    run_dir: &RunDir,
    on: Progress,
) -> Result<(), RunError> {
    let seeds = seeds(seed, n);
    let outs = simulate(sim, &seeds, &|| on(Event::Replicate)).map_err(RunError::Graph)?;
    on(Event::Simulated);
    let metrics = write(run_dir, sim, seed, &seeds, &outs)?;
    on(Event::Written(Results::Replicates {
        scenario: sim.scenario(),
        metrics: &metrics,
        replicates: n,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Mutex;

    use super::*;
    use crate::run::{RunOptions, run};

    #[test]
    fn folders_are_padded_to_sort_in_replicate_order() {
        assert_eq!(folder(0, 2), "replicates/r0/");
        assert_eq!(folder(9, 10), "replicates/r9/");
        assert_eq!(folder(3, 11), "replicates/r03/");
        assert_eq!(folder(99, 100), "replicates/r99/");
        assert_eq!(folder(7, 101), "replicates/r007/");
    }

    #[test]
    fn replicate_seeds_are_the_sweeps_seeds_of_a_point() {
        let (seed, point) = (11, 4);
        let point_seed = rng::key(seed, rng::Stream::Sweep, point);
        for (r, s) in seeds(point_seed, 3).into_iter().enumerate() {
            assert_eq!(s, rng::sweep_seed(seed, point, r as u64));
        }
    }

    /// Replicates run through the library alone, as the `run` command runs them.
    #[test]
    fn replicates_run_and_write_their_folder_without_the_binary() {
        let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/tiny.toml");
        let tmp = tempfile::tempdir().unwrap();
        let opts = RunOptions {
            out: Some(tmp.path().join("r")),
            replicates: 3,
            threads: Some(2),
            seed: Some(5),
            ..RunOptions::new(&tiny)
        };
        let events = Mutex::new(Vec::new());
        let dir = run(&opts, &|e| {
            let name = match e {
                Event::Started { replicates, .. } => format!("started {replicates}"),
                Event::Step(_) => "step".into(),
                Event::Replicate => "replicate".into(),
                Event::Simulated => "simulated".into(),
                Event::Written(Results::Replicates { replicates, .. }) => {
                    format!("written {replicates}")
                }
                Event::Written(Results::Single(_)) => "written single".into(),
            };
            events.lock().unwrap().push(name);
        })
        .unwrap();
        assert_eq!(
            events.into_inner().unwrap(),
            [
                "started 3",
                "replicate",
                "replicate",
                "replicate",
                "simulated",
                "written 3"
            ]
        );
        // Each replicate's summary is the one seeded simulation of its seed.
        let scenario = crate::load::scenario_file(&tiny).unwrap().scenario;
        let sim = Simulation::new(&scenario).unwrap();
        for (r, seed) in seeds(5, 3).into_iter().enumerate() {
            let written = std::fs::read(dir.join(folder(r, 3)).join("summary.json")).unwrap();
            let out = sim.run(seed, &mut |_| {}).unwrap();
            assert_eq!(written, export::summary_json(&out.summary), "replicate {r}");
        }
        for file in ["aggregate_summary.json", "aggregate_series.csv", "charts"] {
            assert!(dir.join(file).exists(), "{file}");
        }
    }
}
