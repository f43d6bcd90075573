//! Scenario sweeps: a base scenario, parameters given by their key paths, a design
//! (grid, random, Latin hypercube), replicates per point. Every point is built and
//! validated before anything runs, so a bad path or an out-of-range value anywhere is
//! reported first, with the point's values. Sizes are bounded before anything is built:
//! at most [`MAX_RUNS`] runs in all (points x replicates), counted with checked
//! arithmetic, so an oversized grid is an error, not an overflow or an allocation abort.

pub mod command;
pub mod design;
pub mod exec;
pub mod files;
pub mod record;
mod shard;
pub mod slurm;
pub mod tables;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::rng::{self, Stream};
use crate::scenario::raw::{RawNetwork, RawScenario};
use crate::scenario::{Inputs, Scenario, ScenarioError};
use design::{Design, Values};

pub use command::SweepOptions;
pub use shard::{Shard, ShardError};

/// The most runs (points x replicates) one sweep may have, so a sweep's bookkeeping
/// (points, run list, one file per run) stays within memory and file-system limits.
pub const MAX_RUNS: usize = 1_000_000;
/// The most replicates per point.
pub const MAX_REPLICATES: usize = 100_000;
/// The most points (`samples` of `random` and `lhs`, or the grid's product of steps).
pub const MAX_POINTS: usize = MAX_RUNS;

/// The `[sweep]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweep {
    /// The base scenario, relative to the sweep file (absent: the file itself is the base).
    #[serde(default)]
    scenario: Option<String>,
    #[serde(default = "default_design")]
    design: String,
    #[serde(default)]
    samples: Option<i64>,
    #[serde(default = "one")]
    replicates: i64,
    #[serde(default = "one_u64")]
    seed: u64,
    parameters: BTreeMap<String, toml::Value>,
    /// Metrics (summary paths) to chart against the parameters.
    #[serde(default)]
    plot: Vec<String>,
}

fn default_design() -> String {
    "grid".into()
}
fn one() -> i64 {
    1
}
fn one_u64() -> u64 {
    1
}

/// Why a sweep was rejected.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("sweep point {index} ({values})")]
    Point {
        index: usize,
        values: String,
        source: ScenarioError,
    },
}

fn invalid(path: impl Into<String>, value: impl std::fmt::Display, expected: &str) -> SweepError {
    SweepError::Scenario(crate::scenario::error::invalid(path, value, expected))
}

/// One point of a sweep: its parameter values. Its scenario is rebuilt when needed
/// ([`Sweep::scenario`]), so a sweep of [`MAX_POINTS`] points holds that many lists of
/// values, not that many scenarios (about 14 kB each for the classroom).
#[derive(Debug, Clone)]
pub struct Point {
    pub values: Vec<toml::Value>,
}

/// A validated sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    pub name: String,
    /// Parameter key paths, in order.
    pub parameters: Vec<String>,
    pub points: Vec<Point>,
    pub replicates: usize,
    pub seed: u64,
    pub plot: Vec<String>,
    /// Identifies the sweep (definition and base scenario): a folder holds one sweep.
    pub hash: String,
    /// The sweep file (absolute) and the overrides it was loaded with.
    pub source: PathBuf,
    pub sets: Vec<String>,
    /// The base scenario after `--set`, every default filled in, and its name if it has
    /// none.
    base: toml::Value,
    default_name: String,
    /// The files the points name (edge lists), read once by the loader for them all.
    inputs: Inputs,
}

/// A run of a sweep: a point and a replicate, with its seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub index: usize,
    pub point: usize,
    pub replicate: usize,
    pub seed: u64,
}

impl Run {
    /// The run's name, stable across machines: `p0003-r01`.
    pub fn id(&self) -> String {
        format!("p{:04}-r{:03}", self.point, self.replicate)
    }
}

fn read(path: &Path) -> Result<String, SweepError> {
    std::fs::read_to_string(path).map_err(|source| SweepError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Sets `path` (dotted) in a TOML table; the key must exist (defaults are filled in).
fn set(
    root: &mut toml::Value,
    path: &str,
    value: toml::Value,
    what: &str,
) -> Result<(), SweepError> {
    let mut node = root;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let table = node
            .as_table_mut()
            .ok_or_else(|| invalid(what, path, "a path to a scenario key"))?;
        let known: Vec<String> = table.keys().cloned().collect();
        let Some(next) = table.get_mut(*part) else {
            let at = if i == 0 {
                "the top level".to_string()
            } else {
                parts[..i].join(".")
            };
            return Err(invalid(
                what,
                format!("\"{path}\""),
                &format!("an existing scenario key; {at} has: {}", known.join(", ")),
            ));
        };
        if i + 1 == parts.len() {
            *next = match (&*next, value) {
                // Keep the key's type: whole floats for integer keys, integers for floats.
                (toml::Value::Integer(_), toml::Value::Float(f)) if f.fract() == 0.0 => {
                    toml::Value::Integer(f as i64)
                }
                (toml::Value::Float(_), toml::Value::Integer(n)) => toml::Value::Float(n as f64),
                (_, v) => v,
            };
            return Ok(());
        }
        node = next;
    }
    Ok(())
}

fn get<'a>(root: &'a toml::Value, path: &str) -> Option<&'a toml::Value> {
    path.split('.').try_fold(root, |v, k| v.get(k))
}

/// A `--set key=value` override: the value is TOML (a bare word is a string).
fn parse_set(text: &str) -> Result<(String, toml::Value), SweepError> {
    let (key, value) = text.split_once('=').ok_or_else(|| {
        invalid(
            "--set",
            format!("\"{text}\""),
            "key=value, e.g. populations.fans.size=5000",
        )
    })?;
    let value = toml::from_str::<toml::Table>(&format!("v = {value}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_string()));
    Ok((key.trim().to_string(), value))
}

fn show(v: &toml::Value) -> String {
    v.to_string()
}

/// Checks, before any point is built, that the design has at most [`MAX_POINTS`] points
/// and [`MAX_RUNS`] runs (checked arithmetic: a product that overflows is too big too).
fn check_size(
    design: Design,
    parameters: &[String],
    values: &[Values],
    replicates: usize,
) -> Result<(), SweepError> {
    let points = match design {
        Design::Random { samples } | Design::LatinHypercube { samples } => samples,
        Design::Grid => {
            let counts: Vec<usize> = values
                .iter()
                .map(|v| match v {
                    Values::List(l) => l.len(),
                    Values::Range { steps, .. } => *steps,
                })
                .collect();
            let product = counts
                .iter()
                .try_fold(1u128, |acc, &c| acc.checked_mul(c as u128));
            match product {
                Some(p) if p <= MAX_POINTS as u128 => p as usize,
                _ => {
                    let sizes = parameters
                        .iter()
                        .zip(&counts)
                        .map(|(k, c)| format!("{c} ({k})"))
                        .collect::<Vec<_>>()
                        .join(" x ");
                    let total = product.map_or("more than 2^128".into(), |p| p.to_string());
                    return Err(invalid(
                        "sweep.parameters",
                        format!("a grid of {sizes} = {total} points"),
                        &format!(
                            "at most {MAX_POINTS} grid points (the product of every parameter's number of values)"
                        ),
                    ));
                }
            }
        }
    };
    if points
        .checked_mul(replicates)
        .is_none_or(|runs| runs > MAX_RUNS)
    {
        return Err(invalid(
            "sweep.replicates",
            format!(
                "{replicates} (x {points} points = {} runs)",
                points as u128 * replicates as u128
            ),
            &format!("at most {MAX_RUNS} runs in all (points x replicates)"),
        ));
    }
    Ok(())
}

/// The scenario of one point: `base` with `values` set at `parameters`, validated.
fn build(
    base: &toml::Value,
    parameters: &[String],
    values: &[toml::Value],
    index: usize,
    default_name: &str,
    inputs: &Inputs,
) -> Result<Scenario, SweepError> {
    let mut value = base.clone();
    for (key, v) in parameters.iter().zip(values) {
        set(&mut value, key, v.clone(), key)?;
    }
    let point_error = |source: ScenarioError| SweepError::Point {
        index,
        values: parameters
            .iter()
            .zip(values)
            .map(|(k, v)| format!("{k} = {}", show(v)))
            .collect::<Vec<_>>()
            .join(", "),
        source,
    };
    let raw: RawScenario = value
        .try_into()
        .map_err(|e: toml::de::Error| point_error(ScenarioError::from(e)))?;
    Scenario::from_raw(raw, default_name, inputs).map_err(point_error)
}

/// Reads, once each, the files that the points' networks name (edge lists), relative to
/// `base_dir`: the base scenario's, and those of points whose values change `network`
/// keys. Files too large for the base's `limits.memory_mb` are refused unread.
fn read_inputs(
    base: &toml::Value,
    parameters: &[String],
    combos: &[Vec<toml::Value>],
    base_dir: &Path,
) -> Result<Inputs, SweepError> {
    let Some(network) = base.get("network") else {
        return Ok(Inputs::default());
    };
    let swept: Vec<usize> = (0..parameters.len())
        .filter(|&i| parameters[i] == "network" || parameters[i].starts_with("network."))
        .collect();
    // Each point's network alone (a point whose network does not parse names no file;
    // its validation reports it).
    let network_of = |values: &[toml::Value]| -> Option<RawNetwork> {
        let mut root = toml::Value::Table(toml::Table::from_iter([(
            "network".to_string(),
            network.clone(),
        )]));
        for &i in &swept {
            set(&mut root, &parameters[i], values[i].clone(), &parameters[i]).ok()?;
        }
        root.get("network")?.clone().try_into().ok()
    };
    let limit_mb = get(base, "limits.memory_mb")
        .and_then(toml::Value::as_integer)
        .and_then(|mb| u64::try_from(mb).ok())
        .unwrap_or(u64::MAX);
    let base_only = [Vec::new()];
    let points = if swept.is_empty() {
        &base_only[..]
    } else {
        combos
    };
    let mut inputs = Inputs::default();
    for values in points {
        if let Some(n) = network_of(values) {
            // Files already read are not read again.
            crate::load::network_files(&n, limit_mb, base_dir, &mut inputs)?;
        }
    }
    Ok(inputs)
}

impl Sweep {
    /// Reads a sweep file (a scenario with a `[sweep]` table, or a sweep naming its base
    /// scenario), applies `--set` overrides to the base, and builds and validates every
    /// point.
    pub fn load(path: &Path, sets: &[String]) -> Result<Sweep, SweepError> {
        let text = read(path)?;
        let mut file: toml::Table = toml::from_str(&text).map_err(ScenarioError::from)?;
        let raw_sweep: RawSweep = file
            .remove("sweep")
            .ok_or_else(|| invalid("sweep", "(missing)", "a [sweep] table"))?
            .try_into()
            .map_err(ScenarioError::from)?;
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let (base_text, base_dir, default_name) = match &raw_sweep.scenario {
            Some(rel) => {
                if !file.is_empty() {
                    let keys: Vec<String> = file.keys().cloned().collect();
                    return Err(invalid(
                        keys[0].clone(),
                        "a table",
                        "only [sweep] in a sweep file that names its scenario",
                    ));
                }
                let base = dir.join(rel);
                let stem = base
                    .file_stem()
                    .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
                (
                    read(&base)?,
                    base.parent().unwrap_or(Path::new(".")).to_path_buf(),
                    stem,
                )
            }
            None => (
                toml::to_string(&file).expect("table serialises"),
                dir.clone(),
                "scenario".to_string(),
            ),
        };
        let base: RawScenario = toml::from_str(&base_text).map_err(ScenarioError::from)?;
        let mut resolved = toml::Value::try_from(&base).expect("scenario serialises");
        for s in sets {
            let (key, value) = parse_set(s)?;
            set(&mut resolved, &key, value, &format!("--set {key}"))?;
        }
        // A name, not a path: it names the default output folder.
        let name = crate::scenario::names::sanitised(
            &path
                .file_stem()
                .map_or("sweep".into(), |s| s.to_string_lossy().into_owned()),
        );

        let replicates = usize::try_from(raw_sweep.replicates)
            .ok()
            .filter(|&r| (1..=MAX_REPLICATES).contains(&r))
            .ok_or_else(|| {
                invalid(
                    "sweep.replicates",
                    raw_sweep.replicates,
                    &format!("a whole number from 1 to {MAX_REPLICATES}"),
                )
            })?;
        let samples = || -> Result<usize, SweepError> {
            match raw_sweep.samples {
                Some(n) if usize::try_from(n).is_ok_and(|n| (1..=MAX_POINTS).contains(&n)) => {
                    Ok(n as usize)
                }
                Some(n) => Err(invalid(
                    "sweep.samples",
                    n,
                    &format!("a whole number from 1 to {MAX_POINTS}"),
                )),
                None => Err(invalid(
                    "sweep.samples",
                    "(missing)",
                    "a number of points for this design",
                )),
            }
        };
        let design = match raw_sweep.design.as_str() {
            "grid" => Design::Grid,
            "random" => Design::Random {
                samples: samples()?,
            },
            "lhs" | "latin_hypercube" => Design::LatinHypercube {
                samples: samples()?,
            },
            other => {
                return Err(invalid(
                    "sweep.design",
                    format!("\"{other}\""),
                    "\"grid\", \"random\" or \"lhs\"",
                ));
            }
        };
        let mut parameters = Vec::new();
        let mut values = Vec::new();
        if raw_sweep.parameters.is_empty() {
            return Err(invalid(
                "sweep.parameters",
                "{}",
                "at least one scenario key to sweep",
            ));
        }
        for (key, spec) in &raw_sweep.parameters {
            let what = format!("sweep.parameters.\"{key}\"");
            if key == "seed" {
                return Err(invalid(
                    &what,
                    "\"seed\"",
                    "a scenario key other than seed (each run's seed comes from the sweep's seed; use replicates)",
                ));
            }
            let existing = get(&resolved, key).cloned();
            // Checks the path now (set it to itself).
            set(
                &mut resolved.clone(),
                key,
                existing.clone().unwrap_or(toml::Value::Integer(0)),
                &what,
            )?;
            let existing = existing.expect("checked above");
            let v = match spec {
                toml::Value::Array(list) if !list.is_empty() => Values::List(list.clone()),
                toml::Value::Table(t) => {
                    let num = |k: &str| {
                        t.get(k)
                            .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
                    };
                    let (Some(from), Some(to)) = (num("from"), num("to")) else {
                        return Err(invalid(
                            &what,
                            spec,
                            "a list of values or { from, to, steps }",
                        ));
                    };
                    if !from.is_finite() || !to.is_finite() {
                        return Err(invalid(&what, spec, "finite numbers from and to"));
                    }
                    let steps = t.get("steps").and_then(|s| s.as_integer()).unwrap_or(0);
                    if design == Design::Grid
                        && !usize::try_from(steps).is_ok_and(|s| (1..=MAX_POINTS).contains(&s))
                    {
                        return Err(invalid(
                            format!("{what}.steps"),
                            steps,
                            &format!("a number of grid values from 1 to {MAX_POINTS}"),
                        ));
                    }
                    if !existing.is_integer() && !existing.is_float() {
                        return Err(invalid(
                            &what,
                            spec,
                            &format!("a list: the key holds {}", show(&existing)),
                        ));
                    }
                    Values::Range {
                        from,
                        to,
                        steps: steps.max(0) as usize,
                        integer: existing.is_integer(),
                    }
                }
                _ => {
                    return Err(invalid(
                        &what,
                        spec,
                        "a non-empty list of values or { from, to, steps }",
                    ));
                }
            };
            parameters.push(key.clone());
            values.push(v);
        }
        check_size(design, &parameters, &values, replicates)?;
        let mut design_rng = rng::stream(raw_sweep.seed, Stream::Sweep, u64::MAX);
        let combos = design::points(design, &values, &mut design_rng);
        let inputs = read_inputs(&resolved, &parameters, &combos, &base_dir)?;
        // Every point is built and validated now (in parallel), then dropped; the first
        // invalid one, in point order, is reported.
        let checked: Vec<Result<(), SweepError>> = combos
            .par_iter()
            .enumerate()
            .map(|(index, combo)| {
                build(&resolved, &parameters, combo, index, &default_name, &inputs).map(|_| ())
            })
            .collect();
        if let Some(e) = checked.into_iter().find_map(Result::err) {
            return Err(e);
        }
        let points = combos.into_iter().map(|values| Point { values }).collect();
        let mut h = Sha256::new();
        h.update(toml::to_string(&resolved).expect("serialises"));
        h.update(format!(
            "{parameters:?}{:?}{design:?}{replicates}{}",
            raw_sweep.parameters, raw_sweep.seed
        ));
        let hash = crate::digest::hex(&h.finalize());
        let source = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        Ok(Sweep {
            name,
            parameters,
            points,
            replicates,
            seed: raw_sweep.seed,
            plot: raw_sweep.plot,
            hash,
            source,
            sets: sets.to_vec(),
            base: resolved,
            default_name,
            inputs,
        })
    }

    /// The scenario of point `index`: the base with the point's values, and the files it
    /// names as `load` read them (no file is read again). `load` has built and validated
    /// every point, so this does not fail for a sweep it returned.
    pub fn scenario(&self, index: usize) -> Result<Scenario, SweepError> {
        build(
            &self.base,
            &self.parameters,
            &self.points[index].values,
            index,
            &self.default_name,
            &self.inputs,
        )
    }

    /// The number of runs: points x replicates (at most [`MAX_RUNS`], checked by `load`).
    pub fn run_count(&self) -> usize {
        self.points.len() * self.replicates
    }

    /// Every run, in a fixed order (point, then replicate).
    pub fn runs(&self) -> Vec<Run> {
        let mut runs = Vec::with_capacity(self.run_count());
        for point in 0..self.points.len() {
            for replicate in 0..self.replicates {
                runs.push(Run {
                    index: runs.len(),
                    point,
                    replicate,
                    seed: rng::sweep_seed(self.seed, point as u64, replicate as u64),
                });
            }
        }
        runs
    }
}
