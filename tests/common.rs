//! Helpers shared by the tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hashflood::metrics::RunOutput;
use hashflood::scenario::{Inputs, Scenario};
use hashflood::{graph_source, sim};

/// The repository root (tests run from there, but do not rely on it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Parses a scenario from TOML text (naming no file), panicking with the error message
/// on failure.
pub fn scenario(toml: &str) -> Scenario {
    Scenario::from_toml(toml, "test", &Inputs::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// Loads a bundled scenario file (named `name`, as the golden files were made) with the
/// files it names.
pub fn bundled(name: &str) -> Scenario {
    load(&root().join("scenarios").join(name), name)
}

/// Loads the scenario file at `path` as the binary does, with the files it names,
/// naming it `default_name` if it has no name.
pub fn load(path: &Path, default_name: &str) -> Scenario {
    let text = std::fs::read_to_string(path).unwrap();
    hashflood::load::scenario(&text, default_name, path.parent().unwrap())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Builds the network and runs the scenario with `seed`.
pub fn run(s: &Scenario, seed: u64) -> RunOutput {
    let graph = graph_source::follower_graph(s, seed).unwrap();
    sim::run(s, &graph, seed, &mut |_| {})
}

/// Runs `f` inside a rayon pool of `threads` threads.
pub fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// Asserts that a count is within 5 standard deviations of its expectation (a false
/// alarm below 1e-6 for a Poisson or binomial count of any size that matters here).
pub fn within(got: f64, expected: f64, sd: f64, what: &str) {
    assert!(
        (got - expected).abs() <= 5.0 * sd,
        "{what}: got {got}, expected {expected:.1} +- {:.1} (5 sd)",
        5.0 * sd
    );
}

/// Two-sided 99.9% critical value of Student's t with `df` degrees of freedom (table
/// values; the normal's 3.29 beyond 30).
pub fn t_999(df: u64) -> f64 {
    const TABLE: [f64; 30] = [
        636.6, 31.60, 12.92, 8.610, 6.869, 5.959, 5.408, 5.041, 4.781, 4.587, 4.437, 4.318, 4.221,
        4.140, 4.073, 4.015, 3.965, 3.922, 3.883, 3.850, 3.819, 3.792, 3.768, 3.745, 3.725, 3.707,
        3.690, 3.674, 3.659, 3.646,
    ];
    TABLE.get(df as usize - 1).copied().unwrap_or(3.291)
}

/// Mean and unbiased sample variance.
pub fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

/// Runs the binary in `dir` with `RAYON_NUM_THREADS` set.
pub fn hashflood(dir: &Path, args: &[&str], threads: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hashflood"))
        .args(args)
        .current_dir(dir)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap()
}

/// Writes the sweep file `name` holding `sweep` (its `[sweep]` tables) beside a copy of
/// the classroom scenario in `dir`, and returns its path.
pub fn classroom_sweep(dir: &Path, name: &str, sweep: &str) -> PathBuf {
    std::fs::copy(
        root().join("scenarios/classroom.toml"),
        dir.join("classroom.toml"),
    )
    .unwrap();
    let path = dir.join(name);
    std::fs::write(&path, sweep).unwrap();
    path
}
