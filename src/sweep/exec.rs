//! Running a sweep into a folder: resumable, shardable, mergeable.
//!
//! Each finished run is one small JSON file, written atomically (`runs/<id>.json`), so the
//! folder is its own manifest: after a kill at any moment, running again skips the runs
//! whose file exists and redoes the rest. The tables (`runs.csv`, `points.csv`) are built
//! from those files in run order once all are there, so they are byte-identical however
//! the runs were split across threads, processes or machines.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Run, Sweep};
use crate::aggregate::MetricStats;
use crate::{graph_source, sim};

/// Why a sweep folder could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("cannot read or write {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} holds a different sweep (sweep hash {found}, this one is {expected}); choose another --out"
    )]
    Mismatch {
        path: PathBuf,
        found: String,
        expected: String,
    },
    #[error("run {run} failed: {message}")]
    Run { run: String, message: String },
    #[error("{path} is not a sweep folder: {message}")]
    Format { path: PathBuf, message: String },
    #[error("cannot chart {metric}: {message}")]
    Chart { metric: String, message: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExecError + '_ {
    move |source| ExecError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes a file atomically: a temporary file in the same folder, then a rename. A killed
/// process leaves either the whole file or none. (No fsync: it would guard only against
/// the machine itself crashing, at milliseconds per run.)
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ExecError> {
    let tmp = path.with_file_name(format!(
        ".{}.tmp",
        path.file_name()
            .map_or("file".into(), |n| n.to_string_lossy())
    ));
    let mut f = fs::File::create(&tmp).map_err(io(&tmp))?;
    f.write_all(bytes).map_err(io(&tmp))?;
    drop(f);
    fs::rename(&tmp, path).map_err(io(path))
}

/// What the folder records about the sweep.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    sweep: String,
    /// The sweep file and the `--set` overrides, to rebuild the sweep when merging.
    source: PathBuf,
    sets: Vec<String>,
    hash: String,
    parameters: Vec<String>,
    points: usize,
    replicates: usize,
    runs: usize,
    seed: u64,
}

/// One finished run, as stored.
#[derive(Debug, Serialize, Deserialize)]
pub struct RunRecord {
    pub run: String,
    pub point: usize,
    pub replicate: usize,
    pub seed: u64,
    pub values: Vec<Value>,
    /// Every number of the run's summary by path; `"never"` where a time never came.
    pub metrics: BTreeMap<String, Value>,
}

fn flatten(v: &Value, path: String, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Number(_) => {
            out.insert(path, v.clone());
        }
        Value::String(s) if s == "never" => {
            out.insert(path, v.clone());
        }
        Value::Object(map) => {
            for (k, child) in map {
                flatten(child, format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}

fn to_json(v: &toml::Value) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The sweep file and overrides recorded in a sweep folder.
pub fn source(dir: &Path) -> Result<(PathBuf, Vec<String>), ExecError> {
    let path = dir.join("manifest.json");
    let m: Manifest =
        serde_json::from_slice(&fs::read(&path).map_err(io(&path))?).map_err(|e| {
            ExecError::Format {
                path: path.clone(),
                message: e.to_string(),
            }
        })?;
    Ok((m.source, m.sets))
}

/// Creates the folder (or checks it holds this sweep) and records the manifest.
pub fn prepare(sweep: &Sweep, dir: &Path) -> Result<(), ExecError> {
    fs::create_dir_all(dir.join("runs")).map_err(io(dir))?;
    let path = dir.join("manifest.json");
    if path.is_file() {
        let found: Manifest = serde_json::from_slice(&fs::read(&path).map_err(io(&path))?)
            .map_err(|e| ExecError::Format {
                path: path.clone(),
                message: e.to_string(),
            })?;
        if found.hash != sweep.hash {
            return Err(ExecError::Mismatch {
                path,
                found: found.hash,
                expected: sweep.hash.clone(),
            });
        }
        return Ok(());
    }
    let m = Manifest {
        sweep: sweep.name.clone(),
        source: sweep.source.clone(),
        sets: sweep.sets.clone(),
        hash: sweep.hash.clone(),
        parameters: sweep.parameters.clone(),
        points: sweep.points.len(),
        replicates: sweep.replicates,
        runs: sweep.points.len() * sweep.replicates,
        seed: sweep.seed,
    };
    write_atomic(
        &path,
        &serde_json::to_vec_pretty(&m).expect("manifest serialises"),
    )
}

/// The runs of `shard` (`(i, n)`: runs whose index is `i` mod `n`) not finished yet.
pub fn pending(sweep: &Sweep, dir: &Path, shard: Option<(usize, usize)>) -> Vec<Run> {
    sweep
        .runs()
        .into_iter()
        .filter(|r| shard.is_none_or(|(i, n)| r.index % n == i))
        .filter(|r| !dir.join("runs").join(format!("{}.json", r.id())).is_file())
        .collect()
}

/// Runs `runs` in parallel, writing each result as it finishes; `done` is called after
/// each one.
pub fn run(
    sweep: &Sweep,
    dir: &Path,
    runs: &[Run],
    done: &(dyn Fn() + Sync),
) -> Result<(), ExecError> {
    runs.par_iter().try_for_each(|r| {
        let point = &sweep.points[r.point];
        let graph =
            graph_source::follower_graph(&point.scenario, r.seed).map_err(|e| ExecError::Run {
                run: r.id(),
                message: e.to_string(),
            })?;
        let out = sim::run(&point.scenario, &graph, r.seed, &mut |_| {});
        let mut metrics = BTreeMap::new();
        let summary = serde_json::to_value(&out.summary).expect("summary serialises");
        for key in ["totals", "feeds", "populations", "app"] {
            if let Some(v) = summary.get(key) {
                flatten(v, key.to_string(), &mut metrics);
            }
        }
        let record = RunRecord {
            run: r.id(),
            point: r.point,
            replicate: r.replicate,
            seed: r.seed,
            values: point.values.iter().map(to_json).collect(),
            metrics,
        };
        let path = dir.join("runs").join(format!("{}.json", r.id()));
        write_atomic(
            &path,
            &serde_json::to_vec(&record).expect("record serialises"),
        )?;
        done();
        Ok(())
    })
}

/// Reads every finished run of the sweep, in run order; `None` if some are missing.
pub fn records(sweep: &Sweep, dir: &Path) -> Result<Option<Vec<RunRecord>>, ExecError> {
    let mut out = Vec::new();
    for r in sweep.runs() {
        let path = dir.join("runs").join(format!("{}.json", r.id()));
        if !path.is_file() {
            return Ok(None);
        }
        let bytes = fs::read(&path).map_err(io(&path))?;
        out.push(
            serde_json::from_slice(&bytes).map_err(|e| ExecError::Format {
                path,
                message: e.to_string(),
            })?,
        );
    }
    Ok(Some(out))
}

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `runs.csv`: one row per run, the swept values, the seed, every summary metric.
pub fn runs_csv(sweep: &Sweep, records: &[RunRecord]) -> Vec<u8> {
    let metrics: BTreeSet<&String> = records.iter().flat_map(|r| r.metrics.keys()).collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "run".to_string(),
        "point".into(),
        "replicate".into(),
        "seed".into(),
    ];
    header.extend(sweep.parameters.iter().cloned());
    header.extend(metrics.iter().map(|m| m.to_string()));
    w.write_record(&header).expect("in memory");
    for r in records {
        let mut row = vec![
            r.run.clone(),
            r.point.to_string(),
            r.replicate.to_string(),
            r.seed.to_string(),
        ];
        row.extend(r.values.iter().map(cell));
        row.extend(
            metrics
                .iter()
                .map(|m| r.metrics.get(*m).map_or(String::new(), cell)),
        );
        w.write_record(&row).expect("in memory");
    }
    w.into_inner().expect("in memory")
}

/// Per point and metric: replicates with a value, never, mean, median, 95% CI of the mean.
pub fn point_stats(records: &[RunRecord]) -> BTreeMap<(usize, String), MetricStats> {
    let mut values: BTreeMap<(usize, String), (Vec<f64>, usize)> = BTreeMap::new();
    for r in records {
        for (k, v) in &r.metrics {
            let e = values.entry((r.point, k.clone())).or_default();
            match v.as_f64() {
                Some(x) => e.0.push(x),
                None => e.1 += 1,
            }
        }
    }
    values
        .into_iter()
        .map(|(k, (v, never))| (k, MetricStats::of(&v, never)))
        .collect()
}

/// `points.csv` (tidy, long): one row per point and metric.
pub fn points_csv(sweep: &Sweep, stats: &BTreeMap<(usize, String), MetricStats>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["point".to_string()];
    header.extend(sweep.parameters.iter().cloned());
    header.extend(
        [
            "metric", "n", "never", "mean", "median", "ci95_lo", "ci95_hi",
        ]
        .map(String::from),
    );
    w.write_record(&header).expect("in memory");
    let num = |x: Option<f64>| x.map_or(String::new(), |v| v.to_string());
    for ((point, metric), s) in stats {
        let mut row = vec![point.to_string()];
        row.extend(
            sweep.points[*point]
                .values
                .iter()
                .map(|v| cell(&to_json(v))),
        );
        row.extend([
            metric.clone(),
            s.n.to_string(),
            s.never.to_string(),
            num(s.mean),
            num(s.median),
            num(s.ci95.map(|c| c[0])),
            num(s.ci95.map(|c| c[1])),
        ]);
        w.write_record(&row).expect("in memory");
    }
    w.into_inner().expect("in memory")
}

/// Builds the tables once every run is there; returns whether the sweep is complete.
pub fn finish(sweep: &Sweep, dir: &Path) -> Result<bool, ExecError> {
    let Some(records) = records(sweep, dir)? else {
        return Ok(false);
    };
    write_atomic(&dir.join("runs.csv"), &runs_csv(sweep, &records))?;
    let stats = point_stats(&records);
    write_atomic(&dir.join("points.csv"), &points_csv(sweep, &stats))?;
    charts(sweep, dir, &stats)?;
    Ok(true)
}

/// Charts of the metrics listed in `sweep.plot` against the parameters (into a staging
/// folder, then swapped in as `charts/`).
fn charts(
    sweep: &Sweep,
    dir: &Path,
    stats: &BTreeMap<(usize, String), MetricStats>,
) -> Result<(), ExecError> {
    if sweep.plot.is_empty() || !(1..=2).contains(&sweep.parameters.len()) {
        return Ok(());
    }
    let staging = dir.join(".charts.partial");
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(io(&staging))?;
    }
    fs::create_dir_all(&staging).map_err(io(&staging))?;
    let number = |v: &toml::Value| v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
    for metric in &sweep.plot {
        let points = sweep
            .points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let values: Option<Vec<f64>> = p.values.iter().map(number).collect();
                Some((values?, stats.get(&(i, metric.clone()))?.clone()))
            })
            .collect::<Vec<_>>();
        if points.is_empty() {
            let _ = fs::remove_dir_all(&staging);
            return Err(ExecError::Chart {
                metric: metric.clone(),
                message: "no run reported it with numeric parameter values (sweep.plot takes \
                          metric names from the columns of runs.csv, which is written)"
                    .into(),
            });
        }
        let chart = crate::plot::sweep::SweepChart {
            title: format!(
                "{}: {metric} (mean of {} replicates; never: how many never got there)",
                sweep.name, sweep.replicates
            ),
            metric,
            params: &sweep.parameters,
            points,
        };
        let name: String = metric
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        crate::plot::draw_sweep(&staging, &name, &chart).map_err(|e| ExecError::Chart {
            metric: metric.clone(),
            message: e.to_string(),
        })?;
    }
    let dest = dir.join("charts");
    if dest.exists() {
        fs::remove_dir_all(&dest).map_err(io(&dest))?;
    }
    fs::rename(&staging, &dest).map_err(io(&dest))
}

/// Copies the finished runs of shard folders into `out` (which must hold, or gets, the
/// same sweep) and builds the tables; returns whether the sweep is complete.
pub fn merge(sweep: &Sweep, shards: &[PathBuf], out: &Path) -> Result<bool, ExecError> {
    prepare(sweep, out)?;
    for dir in shards {
        let manifest = dir.join("manifest.json");
        let found: Manifest = serde_json::from_slice(&fs::read(&manifest).map_err(io(&manifest))?)
            .map_err(|e| ExecError::Format {
                path: manifest.clone(),
                message: e.to_string(),
            })?;
        if found.hash != sweep.hash {
            return Err(ExecError::Mismatch {
                path: manifest,
                found: found.hash,
                expected: sweep.hash.clone(),
            });
        }
        for r in sweep.runs() {
            let name = format!("{}.json", r.id());
            let from = dir.join("runs").join(&name);
            let to = out.join("runs").join(&name);
            if from.is_file() && !to.is_file() && from != to {
                let bytes = fs::read(&from).map_err(io(&from))?;
                write_atomic(&to, &bytes)?;
            }
        }
    }
    finish(sweep, out)
}
