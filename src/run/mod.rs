//! Running a scenario (`hashflood run`): one run, or replicates, written into a run
//! folder with the scenario and its charts.
//!
//! The command line fills a [`RunOptions`] and calls [`run`]; the library prints
//! nothing, and reports progress and results through [`Event`]s for the caller to show.
//! [`Simulation`] is the one way to simulate a scenario with a seed (sweeps use it too).

pub mod replicates;
mod simulation;
pub mod single;
pub mod threads;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::aggregate::MetricStats;
use crate::graph_source::GraphError;
use crate::load::{self as input, LoadError};
use crate::memory;
use crate::metrics::Summary;
use crate::output::{self, OutputError, RunDir};
use crate::plot::ChartOptions;
use crate::plot::stage::{self, ChartsError};
use crate::scenario::{Scenario, ScenarioError};

pub use simulation::Simulation;
pub use threads::ThreadsError;
pub use validate::{ValidateError, describe};

/// The most replicates one run may ask for (checked before anything is allocated).
pub const MAX_REPLICATES: usize = 100_000;

/// What to run and where: the options of `hashflood run`. (No `quiet`: the library
/// prints nothing, so what to show is the caller's choice.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    /// The scenario file.
    pub scenario: PathBuf,
    /// The seed (default: the scenario's `seed`).
    pub seed: Option<u64>,
    /// The run folder (default: `output/<scenario>/seed-<seed>[-x<replicates>]`, or with
    /// a suffix `-2`, `-3`, ... when taken, never replacing a run).
    pub out: Option<PathBuf>,
    /// Replace `out` if it holds a run hashflood wrote (and nothing else).
    pub force: bool,
    /// Worker threads (default: `RAYON_NUM_THREADS`, else one per core; see
    /// [`threads::count`]). Results do not depend on it.
    pub threads: Option<usize>,
    /// How many replicates, 1 to [`MAX_REPLICATES`]: more than one runs them in parallel
    /// with seeds derived from the base seed and writes their aggregate too.
    pub replicates: usize,
    /// Which charts to draw beyond the static ones (the animations).
    pub charts: ChartOptions,
}

impl RunOptions {
    /// One run of the scenario at `scenario`, with every other option at its default.
    pub fn new(scenario: impl Into<PathBuf>) -> Self {
        RunOptions {
            scenario: scenario.into(),
            seed: None,
            out: None,
            force: false,
            threads: None,
            replicates: 1,
            charts: ChartOptions::default(),
        }
    }
}

/// What a run reports as it goes, in this order (the library prints nothing; the caller
/// shows progress and the results from these).
#[derive(Debug)]
pub enum Event<'a> {
    /// The run folder is locked and checked; simulating starts.
    Started { steps: u32, replicates: usize },
    /// A single run has simulated this many steps.
    Step(u32),
    /// One more replicate is simulated (reported from worker threads).
    Replicate,
    /// Everything is simulated; writing starts.
    Simulated,
    /// The run's files are written (the scenario, the charts and the commit follow).
    Written(Results<'a>),
}

/// What a run found, for a report.
#[derive(Debug)]
pub enum Results<'a> {
    /// One run's summary.
    Single(&'a Summary),
    /// Replicates: statistics of each summary metric across them.
    Replicates {
        scenario: &'a Scenario,
        metrics: &'a BTreeMap<String, MetricStats>,
        replicates: usize,
    },
}

/// The callback [`run`] reports its [`Event`]s to (from several threads).
pub type Progress<'a> = &'a (dyn Fn(Event<'_>) + Sync);

/// Why a run failed. Nothing is left at the destination when it does.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("--replicates {0}: expected 1 to {MAX_REPLICATES}")]
    Replicates(usize),
    #[error(transparent)]
    Threads(#[from] ThreadsError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("cannot run {replicates} replicates of {path} ({parallel} at once)")]
    Memory {
        replicates: usize,
        path: PathBuf,
        parallel: u64,
        source: Box<ScenarioError>,
    },
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("cannot build the follower network")]
    Graph(#[source] GraphError),
    #[error(transparent)]
    Charts(#[from] ChartsError),
}

/// Runs the scenario of `opts` and writes its run folder: the run's files (or each
/// replicate's and their aggregate), the scenario as given and resolved, and the
/// charts. Everything that can be refused (options, scenario, memory, destination) is
/// refused before the simulation; the folder appears whole on success and nothing is
/// left on failure. Returns the folder written.
pub fn run(opts: &RunOptions, on: Progress) -> Result<PathBuf, RunError> {
    let n = opts.replicates;
    if !(1..=MAX_REPLICATES).contains(&n) {
        return Err(RunError::Replicates(n));
    }
    threads::install(opts.threads, || run_in_pool(opts, on))?
}

fn run_in_pool(opts: &RunOptions, on: Progress) -> Result<PathBuf, RunError> {
    let n = opts.replicates;
    let input::Loaded {
        scenario,
        text: original,
    } = input::scenario_file(&opts.scenario)?;
    // Replicates run in parallel and their outputs are held until written: the
    // estimate for one run (checked by validation) times what runs at once, with a
    // follower graph that does not depend on the seed counted once.
    let parallel = (n as u64).min(rayon::current_num_threads() as u64);
    let shared = Simulation::shares_graph(&scenario);
    memory::check_runs(&scenario, parallel, n as u64, shared).map_err(|source| {
        RunError::Memory {
            replicates: n,
            path: opts.scenario.clone(),
            parallel,
            source: Box::new(source),
        }
    })?;
    let seed = opts.seed.unwrap_or(scenario.seed);
    // Locked and checked before the run, so that a refusal comes first and no other
    // process can take the folder meanwhile.
    let run_dir = create_folder(opts, &scenario.name, seed)?;
    on(Event::Started {
        steps: scenario.time.steps,
        replicates: n,
    });
    let sim = Simulation::new(&scenario).map_err(RunError::Graph)?;
    if n == 1 {
        single::run(&sim, seed, &run_dir, on)?;
    } else {
        replicates::run(&sim, seed, n, &run_dir, on)?;
    }
    run_dir.write("scenario.toml", original.as_bytes())?;
    let resolved = format!(
        "# Resolved scenario: every default filled in. hashflood {}, sha256 {}\n{}",
        env!("CARGO_PKG_VERSION"),
        scenario.hash,
        scenario.resolved_toml(seed)
    );
    run_dir.write("scenario.resolved.toml", resolved.as_bytes())?;
    stage::into_run(run_dir.path(), opts.charts)?;
    Ok(run_dir.commit()?)
}

/// Starts writing the run folder: `opts.out`, or the default name under
/// `output/<scenario>`.
fn create_folder(opts: &RunOptions, scenario: &str, seed: u64) -> Result<RunDir, OutputError> {
    let n = opts.replicates;
    let kind = if n == 1 {
        output::Kind::Run
    } else {
        output::Kind::Replicates
    };
    match &opts.out {
        Some(dir) => RunDir::create(dir, kind, opts.force),
        None => {
            let name = if n == 1 {
                format!("seed-{seed}")
            } else {
                format!("seed-{seed}-x{n}")
            };
            RunDir::create_default(&Path::new("output").join(scenario), &name, kind)
        }
    }
}
