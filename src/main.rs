//! The `hashflood` binary: a thin layer of files and terminal output over the library.

mod cli;
mod progress;
mod report;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;

use cli::{Cli, Command, RunArgs};
use hashflood::scenario::{Network, NetworkSource, Scenario};
use hashflood::{export, graph_source, output, sim};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    if let Err(e) = run() {
        eprintln!("Error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    match Cli::parse().command {
        Command::Run(args) => run_scenario(args),
        Command::Validate { scenarios } => validate(&scenarios),
    }
}

fn load(path: &Path) -> Result<(Scenario, String)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read scenario {}", path.display()))?;
    let stem = path
        .file_stem()
        .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
    let base = path.parent().unwrap_or(Path::new("."));
    let scenario = Scenario::from_toml(&text, &stem, base)
        .with_context(|| format!("invalid scenario {}", path.display()))?;
    Ok((scenario, text))
}

/// Loads a scenario and, for edge-list networks, reads the files too: their errors
/// (a bad line, an unknown node) are the scenario's errors. Generated networks are not
/// built here; their parameters are already checked.
fn check(path: &Path) -> Result<(Scenario, String)> {
    let (scenario, text) = load(path)?;
    if let Some(Network {
        source: NetworkSource::EdgeList { .. },
        ..
    }) = &scenario.network
    {
        graph_source::follower_graph(&scenario, scenario.seed)
            .with_context(|| format!("invalid network of {}", path.display()))?;
    }
    Ok((scenario, text))
}

fn validate(paths: &[PathBuf]) -> Result<()> {
    let mut failed = 0;
    for path in paths {
        match check(path) {
            Ok((s, _)) => println!(
                "ok   {}: {} agents in {} populations, {} feeds, {} steps",
                path.display(),
                s.agent_count(),
                s.populations.len(),
                s.feeds.len(),
                s.time.steps
            ),
            Err(e) => {
                failed += 1;
                eprintln!("FAIL {}: {e:#}", path.display());
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} scenarios are invalid", paths.len());
    }
    Ok(())
}

fn run_scenario(args: RunArgs) -> Result<()> {
    if let Some(n) = args.threads {
        if n == 0 {
            bail!("--threads must be at least 1");
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("cannot start the thread pool")?;
    }
    let (scenario, original) = load(&args.scenario)?;
    let seed = args.seed.unwrap_or(scenario.seed);
    let dest = match &args.out {
        Some(dir) => dir.clone(),
        None => output::default_run_dir(Path::new("output"), &scenario.name, seed),
    };
    output::RunDir::check(&dest, args.force)?;

    let started = Instant::now();
    let graph = graph_source::follower_graph(&scenario, seed)
        .context("cannot build the follower network")?;
    let mut bar = progress::StepProgress::new(scenario.time.steps, !args.quiet);
    let out = sim::run(&scenario, &graph, seed, &mut |done| bar.set(done));
    bar.finish();
    let elapsed = started.elapsed();

    let run_dir = output::RunDir::create(&dest, args.force)?;
    run_dir.write("timeseries.csv", &export::timeseries_csv(&out, &scenario))?;
    run_dir.write("summary.json", &export::summary_json(&out.summary))?;
    if let Some(app) = export::app_csv(&out, &scenario) {
        run_dir.write("app.csv", &app)?;
    }
    run_dir.write("scenario.toml", original.as_bytes())?;
    let resolved = format!(
        "# Resolved scenario: every default filled in. hashflood {}, sha256 {}\n{}",
        env!("CARGO_PKG_VERSION"),
        scenario.hash,
        scenario.resolved_toml(seed)
    );
    run_dir.write("scenario.resolved.toml", resolved.as_bytes())?;
    let dir = run_dir.commit()?;
    if !args.quiet {
        print!("{}", report::summary(&out.summary, elapsed, &dir));
    }
    Ok(())
}
