//! Replicates -> aggregates: per sample time the mean and 95% interval of each series
//! across replicates, and per summary metric the mean, median, 95% confidence interval of
//! the mean and how many replicates never reached a level.
//!
//! Summary metrics are found generically: every number in the summary JSON is a metric
//! named by its path (`feeds.X.populations.fans.latest.domination_hours.0.5`), and the
//! string `"never"` where a time would be counts as a replicate that never got there (it
//! is not dropped silently). No I/O here.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::metrics::{RunOutput, SeriesRow};

/// Statistics of one metric across replicates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricStats {
    /// Replicates with a value.
    pub n: usize,
    /// Replicates where the metric was "never".
    pub never: usize,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    /// 95% confidence interval of the mean (Student t); `None` with fewer than 2 values.
    pub ci95: Option<[f64; 2]>,
}

impl MetricStats {
    /// Statistics of `values` and a count of "never".
    pub fn of(values: &[f64], never: usize) -> Self {
        let n = values.len();
        let mean = (n > 0).then(|| values.iter().sum::<f64>() / n as f64);
        let median = (n > 0).then(|| {
            let mut v = values.to_vec();
            v.sort_by(f64::total_cmp);
            if n % 2 == 1 {
                v[n / 2]
            } else {
                (v[n / 2 - 1] + v[n / 2]) / 2.0
            }
        });
        let ci95 = match mean {
            Some(m) if n >= 2 => {
                let var = values.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
                let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
                    .expect("n >= 2")
                    .inverse_cdf(0.975);
                let half = t * (var / n as f64).sqrt();
                Some([m - half, m + half])
            }
            _ => None,
        };
        MetricStats {
            n,
            never,
            mean,
            median,
            ci95,
        }
    }
}

/// Every metric of the summaries, by path, across replicates.
pub fn summary_metrics(summaries: &[Value]) -> BTreeMap<String, MetricStats> {
    let mut values: BTreeMap<String, (Vec<f64>, usize)> = BTreeMap::new();
    for s in summaries {
        for (path, v) in metric_paths(s) {
            let (numbers, never) = values.entry(path).or_default();
            match v.as_f64() {
                Some(x) => numbers.push(x),
                None => *never += 1,
            }
        }
    }
    values
        .into_iter()
        .map(|(k, (v, never))| (k, MetricStats::of(&v, never)))
        .collect()
}

/// The metrics of one run's summary (as JSON) by dotted path
/// (`feeds.X.populations.fans.latest.domination_hours.0.5`): every number under
/// `totals`, `feeds`, `populations` and `app`, and the string `"never"` where a time
/// never came. The one flattening that replicates ([`summary_metrics`]) and sweep run
/// files share, so both name a metric the same way.
pub fn metric_paths(summary: &Value) -> BTreeMap<String, Value> {
    fn collect(v: &Value, path: String, out: &mut BTreeMap<String, Value>) {
        match v {
            Value::Number(_) => {
                out.insert(path, v.clone());
            }
            Value::String(s) if s == "never" => {
                out.insert(path, v.clone());
            }
            Value::Object(map) => {
                for (k, child) in map {
                    collect(child, format!("{path}.{k}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    for key in ["totals", "feeds", "populations", "app"] {
        if let Some(v) = summary.get(key) {
            collect(v, key.to_string(), &mut out);
        }
    }
    out
}

/// Mean and 95% interval (2.5th and 97.5th percentiles) of a value across replicates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

impl Band {
    /// The band of `values` (not empty); percentiles by linear interpolation.
    pub fn of(values: &[f64]) -> Self {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let at = |q: f64| {
            let x = q * (v.len() - 1) as f64;
            let (i, f) = (x.floor() as usize, x - x.floor());
            if i + 1 < v.len() {
                v[i] + f * (v[i + 1] - v[i])
            } else {
                v[i]
            }
        };
        Band {
            mean: v.iter().sum::<f64>() / v.len() as f64,
            lo: at(0.025),
            hi: at(0.975),
        }
    }
}

/// The aggregate series: its tabs and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Bands {
    /// The feeds' tabs, in order (the names of [`BandRow::shares`]).
    pub tabs: Vec<String>,
    pub rows: Vec<BandRow>,
}

/// One row of the aggregate series: a sample time x feed x population across replicates.
#[derive(Debug, Clone, PartialEq)]
pub struct BandRow {
    pub step: u32,
    pub feed: usize,
    pub population: usize,
    /// Each tab's share.
    pub shares: Vec<Band>,
    pub posts: Band,
    pub active: Band,
    pub quit: Band,
}

/// The aggregate series; all replicates have the same rows (same scenario).
pub fn series_bands(runs: &[RunOutput]) -> Bands {
    let Some(first) = runs.first() else {
        return Bands {
            tabs: Vec::new(),
            rows: Vec::new(),
        };
    };
    let rows = (0..first.series.len())
        .map(|i| {
            let rows: Vec<&SeriesRow> = runs.iter().map(|r| &r.series[i]).collect();
            let band =
                |f: fn(&SeriesRow) -> f64| Band::of(&rows.iter().map(|r| f(r)).collect::<Vec<_>>());
            BandRow {
                step: rows[0].step,
                feed: rows[0].feed,
                population: rows[0].population,
                shares: (0..first.tabs.len())
                    .map(|t| Band::of(&rows.iter().map(|r| r.shares[t]).collect::<Vec<_>>()))
                    .collect(),
                posts: band(|r| r.posts as f64),
                active: band(|r| r.active as f64),
                quit: band(|r| r.quit as f64),
            }
        })
        .collect();
    Bands {
        tabs: first.tabs.clone(),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_match_hand_computed_values() {
        // 1, 2, 3, 4: mean 2.5, median 2.5, s^2 = 5/3, se = sqrt(5/12) = 0.645497,
        // t(0.975, 3) = 3.182446 -> half width 2.054252.
        let s = MetricStats::of(&[4.0, 1.0, 3.0, 2.0], 2);
        assert_eq!(
            (s.n, s.never, s.mean, s.median),
            (4, 2, Some(2.5), Some(2.5))
        );
        let [lo, hi] = s.ci95.unwrap();
        assert!(
            (lo - (2.5 - 2.054252)).abs() < 1e-5 && (hi - (2.5 + 2.054252)).abs() < 1e-5,
            "{lo} {hi}"
        );
        let odd = MetricStats::of(&[5.0, 1.0, 3.0], 0);
        assert_eq!(odd.median, Some(3.0));
        let one = MetricStats::of(&[7.0], 3);
        assert_eq!((one.mean, one.ci95), (Some(7.0), None));
        let none = MetricStats::of(&[], 5);
        assert_eq!((none.n, none.never, none.mean), (0, 5, None));
    }

    #[test]
    fn bands_interpolate_percentiles() {
        // 0..=10: 2.5th percentile at 0.25, 97.5th at 9.75.
        let b = Band::of(&(0..=10).rev().map(|x| x as f64).collect::<Vec<_>>());
        assert_eq!(
            b,
            Band {
                mean: 5.0,
                lo: 0.25,
                hi: 9.75
            }
        );
        assert_eq!(
            Band::of(&[3.0]),
            Band {
                mean: 3.0,
                lo: 3.0,
                hi: 3.0
            }
        );
    }

    #[test]
    fn never_is_counted_not_dropped() {
        let a: Value = serde_json::json!({"feeds": {"f": {"t": 1.5, "u": "never"}}, "seed": 4});
        let b: Value = serde_json::json!({"feeds": {"f": {"t": "never", "u": "never"}}, "seed": 5});
        let m = summary_metrics(&[a, b]);
        assert_eq!(m["feeds.f.t"].n, 1);
        assert_eq!(m["feeds.f.t"].never, 1);
        assert_eq!(m["feeds.f.u"].never, 2);
        assert!(!m.contains_key("seed"), "the seed is not a metric");
    }
}
