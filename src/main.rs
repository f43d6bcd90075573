//! The `hashflood` binary: parses the command line, hands the library its options and
//! shows what it reports. Everything else is in the library.

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

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;

use cli::{Cli, Command, RunArgs, SweepArgs};
use hashflood::run::{self, RunOptions};
use hashflood::sweep::command as sweep;
use hashflood::sweep::slurm::SlurmOptions;
use hashflood::{plot, sweep::SweepOptions};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    if let Err(e) = command() {
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

fn command() -> Result<()> {
    match Cli::parse().command {
        Command::Run(args) => run_scenario(args),
        Command::Validate { scenarios } => run::threads::install(None, || validate(&scenarios))?,
        Command::Plot { run_dir, gif } => {
            let (drawn, dest) = plot::stage::redraw(&run_dir, plot::ChartOptions { gif })?;
            println!("drew {} into {}", drawn.join(", "), dest.display());
            Ok(())
        }
        Command::Sweep(args) => run_sweep(args),
        Command::Merge { dirs, out } => {
            let refused = |r: &[_]| progress::refused(r, "refused", "not copied");
            let (out, _) = sweep::merge(&dirs, out.as_deref(), &refused)?;
            let n = dirs.len();
            println!(
                "merged {n} folders into {}: runs.csv and points.csv written",
                out.display()
            );
            Ok(())
        }
    }
}

fn run_scenario(args: RunArgs) -> Result<()> {
    let opts = RunOptions {
        scenario: args.scenario,
        seed: args.seed,
        out: args.out,
        force: args.force,
        threads: args.threads,
        replicates: args.replicates,
        charts: plot::ChartOptions { gif: args.gif },
    };
    let shown = progress::RunProgress::new(!args.quiet);
    let dir = run::run(&opts, &|event| shown.show(&event))?;
    if !args.quiet {
        println!("\nwrote {}", dir.display());
    }
    Ok(())
}

fn validate(paths: &[PathBuf]) -> Result<()> {
    let mut failed = 0;
    for path in paths {
        match run::describe(path) {
            Ok(line) => println!("ok   {}: {line}", path.display()),
            Err(e) => {
                failed += 1;
                eprintln!("FAIL {}: {:#}", path.display(), anyhow::Error::from(e));
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} files are invalid", paths.len());
    }
    Ok(())
}

fn run_sweep(args: SweepArgs) -> Result<()> {
    let exe = || std::env::current_exe().context("cannot find the hashflood binary");
    let slurm = match args.slurm {
        Some(tasks) => Some(SlurmOptions {
            tasks,
            submit: args.submit,
            exe: exe()?,
        }),
        None => None,
    };
    let opts = SweepOptions {
        sweep: args.sweep,
        sets: args.sets,
        out: args.out,
        shard: args.shard,
        slurm,
        threads: args.threads,
    };
    let shown = progress::SweepProgress::new(!args.quiet);
    let outcome = sweep::sweep(&opts, &|event| shown.show(event));
    shown.finish(outcome.as_ref().ok());
    outcome?;
    Ok(())
}
