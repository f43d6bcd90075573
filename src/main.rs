//! The `hashflood` binary: a thin layer of files and terminal output over the library.

/// `print!` and `println!` in this binary never panic: std's do when stdout is a closed
/// pipe (`hashflood validate *.toml | head -1`). Once the reader has gone, output is
/// dropped and the command carries on, so a run still commits its folder and its exit
/// status still says whether it succeeded. Defined before the modules so all of them
/// use it.
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::stdout(format_args!($($arg)*))
    };
}

/// See [`print!`].
macro_rules! println {
    () => {
        $crate::stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

mod cli;
mod progress;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;

use cli::{Cli, Command, RunArgs, SweepArgs};
use hashflood::metrics::RunOutput;
use hashflood::scenario::{Network, NetworkSource, Scenario};
use hashflood::sweep::{Sweep, exec};
use hashflood::{aggregate, export, graph_source, output, report, rng, sim};
use rayon::prelude::*;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    if let Err(e) = run() {
        eprintln!("Error: {e:#}");
        std::process::exit(1);
    }
}

/// Writes to stdout for [`print!`]/[`println!`]: a closed pipe drops the output silently,
/// any other failure is reported once on stderr.
fn stdout(args: std::fmt::Arguments) {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, Ordering};
    static WARNED: AtomicBool = AtomicBool::new(false);
    if let Err(e) = std::io::stdout().lock().write_fmt(args)
        && e.kind() != std::io::ErrorKind::BrokenPipe
        && !WARNED.swap(true, Ordering::Relaxed)
    {
        eprintln!("warning: cannot write to standard output: {e}");
    }
}

fn run() -> Result<()> {
    match Cli::parse().command {
        Command::Run(args) => run_scenario(args),
        Command::Validate { scenarios } => {
            threads(None)?; // edge-list networks are read in parallel
            validate(&scenarios)
        }
        Command::Plot { run_dir } => plot(&run_dir),
        Command::Sweep(args) => sweep(args),
        Command::Merge { dirs, out } => merge(&dirs, out.as_deref()),
    }
}

fn load(path: &Path) -> Result<(Scenario, String)> {
    let loaded = hashflood::load::scenario_file(path)?;
    Ok((loaded.scenario, loaded.text))
}

/// Loads a scenario and, for edge-list networks, builds the network from the files the
/// loader read: their errors (a bad line, an unknown node) are the scenario's errors.
/// Generated networks are not built here; their parameters are already checked.
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

/// Starts the thread pool with `--threads`, else with `RAYON_NUM_THREADS` if it is set,
/// after checking either against 1..=[`cli::MAX_THREADS`] (rayon would panic on a value
/// the system cannot start, and silently ignore a malformed one).
fn threads(n: Option<usize>) -> Result<()> {
    const VAR: &str = "RAYON_NUM_THREADS";
    let range = 1..=cli::MAX_THREADS;
    let n = match n {
        Some(n) if range.contains(&n) => n,
        Some(n) => bail!("--threads {n}: expected 1 to {}", cli::MAX_THREADS),
        None => {
            let Some(v) = std::env::var_os(VAR) else {
                return Ok(());
            };
            let v = v.to_string_lossy();
            match v.trim().parse::<usize>() {
                Ok(n) if range.contains(&n) => n,
                _ => bail!(
                    "{VAR}={v:?}: expected a whole number from 1 to {} (the number of worker \
                     threads)",
                    cli::MAX_THREADS
                ),
            }
        }
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global()
        .with_context(|| format!("cannot start a pool of {n} threads"))
}

fn sweep(args: SweepArgs) -> Result<()> {
    threads(args.threads)?;
    let shard = match &args.shard {
        None => None,
        Some(text) => {
            let parsed = text
                .split_once('/')
                .and_then(|(i, n)| Some((i.parse::<usize>().ok()?, n.parse::<usize>().ok()?)))
                .filter(|&(i, n)| n >= 1 && i < n);
            Some(parsed.with_context(|| {
                format!("--shard {text}: expected I/N with 0 <= I < N, e.g. 0/4")
            })?)
        }
    };
    // Everything that can be checked is checked before anything is created.
    if let Some(tasks) = args.slurm {
        let max = hashflood::sweep::slurm::MAX_TASKS;
        if !(1..=max).contains(&tasks) {
            bail!("--slurm {tasks}: expected 1 to {max} array tasks");
        }
        if args.shard.is_some() {
            bail!("--slurm makes its own shards: leave out --shard");
        }
    }
    let sweep = Sweep::load(&args.sweep, &args.sets)
        .with_context(|| format!("invalid sweep {}", args.sweep.display()))?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&sweep.name));
    if let Some(tasks) = args.slurm {
        return slurm(&sweep, &dir, tasks, args.submit);
    }
    let opened = exec::open(&sweep, &dir, shard)?;
    let status = exec::status(&sweep, &dir, shard);
    print_refused(
        &status.refused,
        "warning",
        "it is renamed *.corrupt and the run is redone",
    );
    let pending = status.pending;
    let total = sweep.run_count();
    if !args.quiet {
        println!(
            "{}: {} points x {} replicates = {total} runs; {} to run{}",
            sweep.name,
            sweep.points.len(),
            sweep.replicates,
            pending.len(),
            shard.map_or(String::new(), |(i, n)| format!(" in shard {i}/{n}"))
        );
    }
    let started = Instant::now();
    let bar = progress::count_bar(pending.len() as u64, "runs", !args.quiet);
    let written = std::sync::atomic::AtomicUsize::new(0);
    let ran = exec::run(&sweep, &dir, &pending, &|| {
        written.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        bar.inc(1);
    });
    bar.finish_and_clear();
    if let Err(e) = ran {
        if written.into_inner() == 0 {
            // Nothing of value was written: leave nothing this command created.
            opened.rollback(&dir);
        }
        return Err(e.into());
    }
    let complete = exec::finish(&sweep, &dir)?;
    drop(opened);
    if !args.quiet {
        let secs = started.elapsed().as_secs_f64();
        println!(
            "ran {} runs in {secs:.2} s ({:.1} runs/s)",
            pending.len(),
            pending.len() as f64 / secs.max(1e-9)
        );
        if complete {
            println!("complete: wrote {}/runs.csv and points.csv", dir.display());
        } else {
            println!(
                "this shard is done; merge the shards with `hashflood merge` to build the tables"
            );
        }
    }
    Ok(())
}

/// Writes the SLURM scripts of a sweep and, with `submit`, submits them. Checks what it
/// can first; if it fails before the array job is submitted, it removes what it created.
fn slurm(sweep: &Sweep, dir: &Path, tasks: usize, submit: bool) -> Result<()> {
    use hashflood::sweep::files;
    let exe = std::env::current_exe().context("cannot find the hashflood binary")?;
    let dir = hashflood::sweep::slurm::resolve(dir)
        .with_context(|| format!("cannot resolve {}", dir.display()))?;
    if dir.display().to_string().contains(char::is_whitespace) {
        bail!(
            "{}: SLURM's #SBATCH lines cannot hold a path with spaces; choose another --out",
            dir.display()
        );
    }
    exec::check(sweep, &dir)?;
    let (array, merge) =
        hashflood::sweep::slurm::scripts(&exe, &sweep.source, &sweep.sets, &dir, tasks);
    let mut created = exec::prepare(sweep, &dir)?;
    let scripts = dir.join("slurm");
    let (array_path, merge_path) = (scripts.join("sweep.sbatch"), scripts.join("merge.sbatch"));
    let write = |created: &mut files::Created| -> Result<()> {
        created.dir_all(&scripts)?;
        for (path, text) in [(&array_path, &array), (&merge_path, &merge)] {
            let new = !path.exists();
            files::write_atomic(path, text.as_bytes())?;
            if new {
                created.file(path);
            }
        }
        Ok(())
    };
    if let Err(e) = write(&mut created) {
        created.rollback();
        return Err(e);
    }
    if !submit {
        println!(
            "wrote {} and {}",
            array_path.display(),
            merge_path.display()
        );
        println!(
            "submit: id=$(sbatch --parsable {}) && sbatch --dependency=afterok:$id {}",
            array_path.display(),
            merge_path.display()
        );
        return Ok(());
    }
    let sbatch = |args: &[&str]| -> Result<String> {
        let out = std::process::Command::new("sbatch")
            .args(args)
            .output()
            .context("cannot run sbatch (is SLURM installed?)")?;
        if !out.status.success() {
            bail!(
                "sbatch {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .trim()
            .split(';')
            .next()
            .unwrap_or("")
            .to_string())
    };
    let array_job = match sbatch(&["--parsable", &array_path.display().to_string()]) {
        Ok(id) => id,
        Err(e) => {
            // Nothing was submitted: leave nothing this command created.
            created.rollback();
            return Err(e);
        }
    };
    let merge_job = sbatch(&[
        "--parsable",
        &format!("--dependency=afterok:{array_job}"),
        &merge_path.display().to_string(),
    ])
    .with_context(|| {
        format!(
            "array job {array_job} was submitted and will write into {}; submit the merge job yourself: sbatch --dependency=afterok:{array_job} {}",
            dir.display(),
            merge_path.display()
        )
    })?;
    println!(
        "submitted array job {array_job} and merge job {merge_job} (results in {})",
        dir.display()
    );
    Ok(())
}

/// Lists run files that do not verify on stderr: the first ten, then how many more.
fn print_refused(refused: &[impl std::fmt::Display], label: &str, action: &str) {
    for r in refused.iter().take(10) {
        eprintln!("{label}: {r}; {action}");
    }
    if refused.len() > 10 {
        eprintln!(
            "{label}: and {} more run files that do not verify ({action})",
            refused.len() - 10
        );
    }
}

fn merge(dirs: &[PathBuf], out: Option<&Path>) -> Result<()> {
    let (source, sets) = exec::source(&dirs[0])?;
    let sweep = Sweep::load(&source, &sets)
        .with_context(|| format!("cannot reload the sweep {}", source.display()))?;
    let out = out.unwrap_or(&dirs[0]);
    let merged = exec::merge(&sweep, dirs, out)?;
    print_refused(&merged.refused, "refused", "not copied");
    if merged.complete {
        println!(
            "merged {} folders into {}: runs.csv and points.csv written",
            dirs.len(),
            out.display()
        );
        Ok(())
    } else {
        bail!(
            "{} runs are still missing in {}{}; run the missing shards and merge again",
            merged.missing,
            out.display(),
            if merged.refused.is_empty() {
                String::new()
            } else {
                format!(
                    " ({} run files refused, listed above)",
                    merged.refused.len()
                )
            }
        )
    }
}

/// Draws a run's charts into `dir/charts` (the run's files must be in `dir`) and seals
/// that folder, so that `plot` may later replace it.
fn charts(dir: &Path) -> Result<Vec<&'static str>> {
    let out = dir.join("charts");
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let drawn = hashflood::plot::draw_all(dir, &out).context("cannot draw the charts")?;
    output::seal(&out, output::Kind::Charts)?;
    Ok(drawn)
}

/// Re-draws the charts of a finished run: into a staging folder, then swapped in (only
/// over a `charts/` folder hashflood wrote). Checks first that `run_dir` is a run, and
/// creates nothing if it is not.
fn plot(run_dir: &Path) -> Result<()> {
    output::check_run_folder(run_dir)?;
    let _run = output::lock_folder(run_dir)?;
    let charts = output::RunDir::create(&run_dir.join("charts"), output::Kind::Charts, true)?;
    let drawn =
        hashflood::plot::draw_all(run_dir, charts.path()).context("cannot draw the charts")?;
    let dest = charts.commit()?;
    println!("drew {} into {}", drawn.join(", "), dest.display());
    Ok(())
}

/// Whether a file holds a `[sweep]` table (a sweep, not a plain scenario).
fn is_sweep(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .is_some_and(|t| t.contains_key("sweep"))
}

/// Checks one scenario or sweep file and describes it in a line.
fn describe(path: &Path) -> Result<String> {
    if is_sweep(path) {
        let sweep =
            Sweep::load(path, &[]).with_context(|| format!("invalid sweep {}", path.display()))?;
        return Ok(format!(
            "sweep of {} points x {} replicates over {}",
            sweep.points.len(),
            sweep.replicates,
            sweep.parameters.join(", ")
        ));
    }
    let (s, _) = check(path)?;
    let e = hashflood::memory::estimate(&s);
    Ok(format!(
        "{} agents in {} populations, {} feeds, {} steps; at most {} MB of {} allowed, {:.1e} operations",
        s.agent_count(),
        s.populations.len(),
        s.feeds.len(),
        s.time.steps,
        hashflood::memory::mb(e.bytes_for(1, 1)),
        s.memory_limit_mb,
        e.work
    ))
}

fn validate(paths: &[PathBuf]) -> Result<()> {
    let mut failed = 0;
    for path in paths {
        match describe(path) {
            Ok(line) => println!("ok   {}: {line}", path.display()),
            Err(e) => {
                failed += 1;
                eprintln!("FAIL {}: {e:#}", path.display());
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} files are invalid", paths.len());
    }
    Ok(())
}

fn run_scenario(args: RunArgs) -> Result<()> {
    let n = args.replicates;
    if !(1..=cli::MAX_REPLICATES).contains(&n) {
        bail!("--replicates {n}: expected 1 to {}", cli::MAX_REPLICATES);
    }
    threads(args.threads)?;
    let (scenario, original) = load(&args.scenario)?;
    // Replicates run in parallel and their outputs are held until written: the
    // estimate for one run (checked by validation) times what runs at once.
    let parallel = (n as u64).min(rayon::current_num_threads() as u64);
    hashflood::memory::check_runs(&scenario, parallel, n as u64).with_context(|| {
        format!(
            "cannot run {n} replicates of {} ({parallel} at once)",
            args.scenario.display()
        )
    })?;
    let seed = args.seed.unwrap_or(scenario.seed);
    let kind = if n == 1 {
        output::Kind::Run
    } else {
        output::Kind::Replicates
    };
    // Locked and checked before the run, so that a refusal comes first and no other
    // process can take the folder meanwhile.
    let run_dir = match &args.out {
        Some(dir) => output::RunDir::create(dir, kind, args.force)?,
        None => {
            let name = if n == 1 {
                format!("seed-{seed}")
            } else {
                format!("seed-{seed}-x{n}")
            };
            output::RunDir::create_default(&Path::new("output").join(&scenario.name), &name, kind)?
        }
    };
    let started = Instant::now();
    if n == 1 {
        single(&scenario, seed, &args, &run_dir, started)?;
    } else {
        replicated(&scenario, seed, &args, &run_dir, started)?;
    }
    run_dir.write("scenario.toml", original.as_bytes())?;
    let resolved = format!(
        "# Resolved scenario: every default filled in. hashflood {}, sha256 {}\n{}",
        env!("CARGO_PKG_VERSION"),
        scenario.hash,
        scenario.resolved_toml(seed)
    );
    run_dir.write("scenario.resolved.toml", resolved.as_bytes())?;
    charts(run_dir.path())?;
    let dir = run_dir.commit()?;
    if !args.quiet {
        println!("\nwrote {}", dir.display());
    }
    Ok(())
}

/// Writes one run's files into `run_dir` under `prefix`.
fn write_run(
    run_dir: &output::RunDir,
    prefix: &str,
    out: &RunOutput,
    scenario: &Scenario,
) -> Result<()> {
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
    )?;
    Ok(())
}

fn single(
    scenario: &Scenario,
    seed: u64,
    args: &RunArgs,
    run_dir: &output::RunDir,
    started: Instant,
) -> Result<()> {
    let graph = graph_source::follower_graph(scenario, seed)
        .context("cannot build the follower network")?;
    let mut bar = progress::StepProgress::new(scenario.time.steps, !args.quiet);
    let out = sim::run(scenario, &graph, seed, &mut |done| bar.set(done));
    bar.finish();
    let elapsed = started.elapsed();
    write_run(run_dir, "", &out, scenario)?;
    if !args.quiet {
        print!("{}", report::summary(&out.summary, elapsed));
    }
    Ok(())
}

fn replicated(
    scenario: &Scenario,
    seed: u64,
    args: &RunArgs,
    run_dir: &output::RunDir,
    started: Instant,
) -> Result<()> {
    let n = args.replicates;
    let seeds: Vec<u64> = (0..n as u64)
        .map(|r| rng::replicate_seed(seed, r))
        .collect();
    let bar = progress::count_bar(n as u64, "replicates", !args.quiet);
    let outs = seeds
        .par_iter()
        .map(|&s| {
            let graph = graph_source::follower_graph(scenario, s)
                .context("cannot build the follower network")?;
            let out = sim::run(scenario, &graph, s, &mut |_| {});
            bar.inc(1);
            Ok(out)
        })
        .collect::<Result<Vec<RunOutput>>>()?;
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    let width = (n - 1).to_string().len();
    for (r, out) in outs.iter().enumerate() {
        write_run(run_dir, &format!("replicates/r{r:0width$}/"), out, scenario)?;
    }
    let summaries: Vec<serde_json::Value> = outs
        .iter()
        .map(|o| serde_json::to_value(&o.summary).expect("summary serialises"))
        .collect();
    let metrics = aggregate::summary_metrics(&summaries);
    let bands = aggregate::series_bands(&outs);
    let index: Vec<export::ReplicateSeed> = seeds
        .iter()
        .enumerate()
        .map(|(replicate, &seed)| export::ReplicateSeed { replicate, seed })
        .collect();
    run_dir.write(
        "aggregate_series.csv",
        &export::aggregate_series_csv(&bands, n, scenario),
    )?;
    run_dir.write(
        "aggregate_summary.json",
        &export::aggregate_summary_json(&metrics, seed, &index, scenario),
    )?;
    if !args.quiet {
        print!("{}", report::replicated(scenario, &metrics, n, elapsed));
    }
    Ok(())
}
