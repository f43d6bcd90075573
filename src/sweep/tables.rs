//! The tables and charts of a finished sweep, built from its run records in run order:
//! bytes in, bytes (or chart files in a given folder) out, so they are the same however
//! the runs were split. Which files exist and when they are replaced is `exec`'s business.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use super::Sweep;
use super::exec::ExecError;
use super::record::{RunRecord, values_json};
use crate::aggregate::MetricStats;

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
        row.extend(values_json(sweep, *point).iter().map(cell));
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

/// Draws the charts of the metrics listed in `sweep.plot` against the parameters into
/// `out` (an empty folder); the caller swaps it in as `charts/`. Nothing to draw (no
/// `plot`, or not one or two parameters) draws nothing.
pub fn draw_charts(
    sweep: &Sweep,
    out: &Path,
    stats: &BTreeMap<(usize, String), MetricStats>,
) -> Result<(), ExecError> {
    let titles = axis_titles(sweep);
    for metric in &sweep.plot {
        let points = (0..sweep.points.len())
            .filter_map(|i| {
                Some((
                    axis_values(sweep, i)?,
                    stats.get(&(i, metric.clone()))?.clone(),
                ))
            })
            .collect::<Vec<_>>();
        if points.is_empty() {
            return Err(ExecError::Chart {
                metric: metric.clone(),
                message: "no run reported it with numeric or duration parameter values \
                          (sweep.plot takes metric names from the columns of runs.csv, which \
                          is written)"
                    .into(),
            });
        }
        let chart = crate::plot::sweep::SweepChart {
            title: format!(
                "{}: {metric} (mean of {} replicates; never: how many never got there)",
                sweep.name, sweep.replicates
            ),
            metric,
            params: &titles,
            points,
        };
        crate::plot::draw_sweep(out, &chart_name(metric), &chart).map_err(|e| {
            ExecError::Chart {
                metric: metric.clone(),
                message: e.to_string(),
            }
        })?;
    }
    Ok(())
}

/// A parameter value as a number on a chart's axis: a number as it is, a duration
/// (`"30s"`, `"2m"`, `"1h"`, as `time.dt` and other time keys are written) in hours, the
/// unit of every time in hashflood's tables and charts. Other strings have no position.
fn axis_value(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Float(x) => Some(*x),
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::String(s) => humantime::parse_duration(s)
            .ok()
            .map(|d| d.as_secs_f64() / 3600.0),
        _ => None,
    }
}

/// The parameter values of point `point` on the charts' axes (see [`axis_value`]);
/// `None` if one of them has no position (such a point is left out of the charts).
pub fn axis_values(sweep: &Sweep, point: usize) -> Option<Vec<f64>> {
    sweep.points[point].values.iter().map(axis_value).collect()
}

/// The charts' axis titles: each parameter's key path, with its unit, hours, when its
/// values are durations.
pub fn axis_titles(sweep: &Sweep) -> Vec<String> {
    sweep
        .parameters
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let durations = sweep
                .points
                .iter()
                .any(|p| p.values[k].is_str() && axis_value(&p.values[k]).is_some());
            if durations {
                format!("{name} (hours)")
            } else {
                name.clone()
            }
        })
        .collect()
}

/// The file names of the sweep's charts (PNG and SVG per metric in `plot`).
pub fn chart_files(sweep: &Sweep) -> Vec<String> {
    sweep
        .plot
        .iter()
        .flat_map(|m| ["png", "svg"].map(|ext| format!("{}.{ext}", chart_name(m))))
        .collect()
}

/// Whether the sweep draws charts at all.
pub fn has_charts(sweep: &Sweep) -> bool {
    !sweep.plot.is_empty() && (1..=2).contains(&sweep.parameters.len())
}

/// A chart's file name (without extension): the metric path with every character other
/// than a letter, a digit or `-` replaced by `_`.
fn chart_name(metric: &str) -> String {
    metric
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
