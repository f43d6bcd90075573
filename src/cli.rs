//! The command line, as clap sees it. Only parsing lives here; `main.rs` turns it into
//! the library's options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use hashflood::sweep::Shard;

const EXAMPLES: &str = "\
Examples:
  hashflood run scenarios/classroom.toml --gif
  hashflood run scenarios/whitelivesmatter-2020.toml --seed 7 --out /tmp/wlm
  hashflood run scenarios/classroom.toml --replicates 20
  hashflood plot output/classroom/seed-2020 --gif
  hashflood sweep scenarios/sweep-fandom-size.toml
  hashflood validate scenarios/*.toml
";

/// Simulates coordinated hashtag flooding: fandom, opposing and bystander agents
/// posting into hashtag feeds.
#[derive(Debug, Parser)]
#[command(name = "hashflood", version, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and write its time series, summary and resolved scenario.
    #[command(after_help = EXAMPLES)]
    Run(RunArgs),
    /// Re-draw the charts of a run folder from its saved files (into RUN_DIR/charts,
    /// replacing only a charts folder hashflood wrote; animations it held are re-drawn).
    Plot {
        /// A folder written by `hashflood run`.
        run_dir: PathBuf,
        /// Also draw the animation of each feed's Latest tab (latest-<feed>.gif).
        #[arg(long)]
        gif: bool,
    },
    /// Run a scenario sweep (resumable: run it again to finish an interrupted sweep).
    Sweep(SweepArgs),
    /// Combine sweep folders (shards) into one: the same files a single sweep writes.
    Merge {
        /// Sweep folders written by `hashflood sweep --shard`.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write the merged sweep (default: the first folder).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check scenario and sweep files without running them; exits non-zero if any is invalid.
    Validate {
        /// Scenario or sweep TOML files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// A sweep file: a scenario with a [sweep] table, or a [sweep] naming its scenario.
    pub sweep: PathBuf,
    /// Output folder (default: output/<sweep>); an interrupted sweep resumes there.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Change a key of the base scenario, e.g. --set time.duration=\"12h\" (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Run only shard I of N (runs whose index is I mod N), for several machines.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Instead of running, write SLURM scripts into OUT/slurm: an array job of this many
    /// shards (at most 1000) and a merge job after it.
    #[arg(long, value_name = "TASKS")]
    pub slurm: Option<usize>,
    /// With --slurm: submit both jobs with sbatch.
    #[arg(long, requires = "slurm")]
    pub submit: bool,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario TOML file.
    pub scenario: PathBuf,
    /// Random seed (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output folder (default: output/<scenario>/seed-<seed>, never overwriting).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the --out folder if it holds a run hashflood wrote (and nothing else).
    /// Never a file, a folder hashflood did not write, the working folder, its parents
    /// or the home folder.
    #[arg(long)]
    pub force: bool,
    /// Worker threads, 1 to 1024 (default: all cores, or RAYON_NUM_THREADS, checked the
    /// same way). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Run this many replicates in parallel (seeds derived from the base seed) and write
    /// their aggregate too; at most 100000.
    #[arg(long, default_value_t = 1)]
    pub replicates: usize,
    /// Also draw the animation of each feed's Latest tab (charts/latest-<feed>.gif), for
    /// teaching; it takes most of the charts' time.
    #[arg(long)]
    pub gif: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}
