//! What the charts need, read back from a run folder's files (so `hashflood plot` can
//! re-draw a run without re-running it).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::aggregate::Band;
use crate::export::table::{self, Row};
use crate::export::{AppCsvRow, BandCsvRow, TimeseriesRow, WindowCsvRow};

/// A value over time: one run (`lo == hi == mean`) or a band across replicates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub hours: f64,
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

/// One sample of the app series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AppPoint {
    pub hours: f64,
    pub up: bool,
    pub queue: f64,
    pub rating: f64,
}

/// Per (feed, population, level): times across replicates, and how many never.
pub type Spread = BTreeMap<(String, String, String), (Vec<f64>, usize)>;

/// Everything the charts draw.
#[derive(Debug, Clone, Default)]
pub struct RunData {
    pub scenario: String,
    pub replicates: usize,
    pub feeds: Vec<String>,
    pub populations: Vec<String>,
    pub levels: Vec<f64>,
    /// The feeds' tabs, in order; the first is Latest.
    pub tabs: Vec<String>,
    /// Per tab, each (feed, population)'s share over time.
    pub shares: Vec<BTreeMap<(String, String), Vec<Point>>>,
    /// By population, as fractions of its size.
    pub active: BTreeMap<String, Vec<Point>>,
    pub quit: BTreeMap<String, Vec<Point>>,
    /// Mean time (hours) each (feed, population, tab, level) was reached, if it was.
    pub reached: BTreeMap<(String, String, String, String), f64>,
    /// Whether readers browsed (so the tabs ranked by engagement mean something).
    pub readers: bool,
    pub app: Vec<AppPoint>,
    pub rating_alert: Option<f64>,
    pub distribution: Spread,
    /// Per feed: the Latest tab at each sample time (hours, populations oldest first).
    pub windows: BTreeMap<String, Vec<(f64, Vec<String>)>>,
}

/// Why a run folder could not be read for plotting.
#[derive(Debug, thiserror::Error)]
pub enum PlotDataError {
    #[error("cannot read {path}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a hashflood output: {message}")]
    Format { path: String, message: String },
}

fn read(dir: &Path, name: &str) -> Result<Vec<u8>, PlotDataError> {
    let path = dir.join(name);
    std::fs::read(&path).map_err(|source| PlotDataError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// The rows of a table with per-tab columns, and its tabs.
fn table_rows<R: Row>(dir: &Path, name: &str) -> Result<(Vec<String>, Vec<R>), PlotDataError> {
    table::read(&read(dir, name)?).map_err(|message| PlotDataError::Format {
        path: dir.join(name).display().to_string(),
        message,
    })
}

fn csv_rows<T: for<'de> Deserialize<'de>>(dir: &Path, name: &str) -> Result<Vec<T>, PlotDataError> {
    let bytes = read(dir, name)?;
    csv::Reader::from_reader(bytes.as_slice())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| PlotDataError::Format {
            path: dir.join(name).display().to_string(),
            message: e.to_string(),
        })
}

fn json(dir: &Path, name: &str) -> Result<Value, PlotDataError> {
    serde_json::from_slice(&read(dir, name)?).map_err(|e| PlotDataError::Format {
        path: dir.join(name).display().to_string(),
        message: e.to_string(),
    })
}

fn push<K: Ord>(map: &mut BTreeMap<K, Vec<Point>>, key: K, p: Point) {
    map.entry(key).or_default().push(p);
}

impl RunData {
    /// Reads a run folder written by `hashflood run` (with or without replicates).
    pub fn load(dir: &Path) -> Result<RunData, PlotDataError> {
        let replicated = dir.join("aggregate_series.csv").is_file();
        let summary = if replicated {
            json(dir, "aggregate_summary.json")?
        } else {
            json(dir, "summary.json")?
        };
        let mut d = RunData {
            scenario: summary["scenario"]["name"]
                .as_str()
                .unwrap_or("scenario")
                .to_string(),
            ..RunData::default()
        };
        // Sizes (for fractions) and summary numbers, from either summary shape.
        let number = |path: &str| -> Option<f64> {
            if replicated {
                summary["metrics"][path]["mean"].as_f64()
            } else {
                path.split('.').fold(&summary, |v, k| &v[k]).as_f64()
            }
        };
        let size = |pop: &str| {
            number(&format!("populations.{pop}.size"))
                .unwrap_or(1.0)
                .max(1.0)
        };
        let mut add = |feed: String,
                       pop: String,
                       hours,
                       shares: Vec<[f64; 3]>,
                       active: [f64; 3],
                       quit: [f64; 3]| {
            let p = |v: [f64; 3]| Point {
                hours,
                mean: v[0],
                lo: v[1],
                hi: v[2],
            };
            let n = size(&pop);
            let frac = |v: [f64; 3]| p([v[0] / n, v[1] / n, v[2] / n]);
            if !d.feeds.contains(&feed) {
                d.feeds.push(feed.clone());
            }
            if !d.populations.contains(&pop) {
                d.populations.push(pop.clone());
            }
            if d.feeds[0] == feed {
                push(&mut d.active, pop.clone(), frac(active));
                push(&mut d.quit, pop.clone(), frac(quit));
            }
            d.shares.resize_with(shares.len(), BTreeMap::new);
            for (tab, share) in d.shares.iter_mut().zip(shares) {
                push(tab, (feed.clone(), pop.clone()), p(share));
            }
        };
        let band = |b: &Band| [b.mean, b.lo, b.hi];
        let tabs = if replicated {
            let (tabs, rows) = table_rows::<BandCsvRow>(dir, "aggregate_series.csv")?;
            for r in rows {
                let shares = r.shares.iter().map(band).collect();
                add(
                    r.key.feed,
                    r.key.population,
                    r.key.hours,
                    shares,
                    band(&r.active),
                    band(&r.quit),
                );
            }
            tabs
        } else {
            let (tabs, rows) = table_rows::<TimeseriesRow>(dir, "timeseries.csv")?;
            for r in rows {
                let one = |v| [v, v, v];
                let shares = r.shares.iter().map(|&x| one(x)).collect();
                let (active, quit) = (one(r.active as f64), one(r.quit as f64));
                add(
                    r.key.feed,
                    r.key.population,
                    r.key.hours,
                    shares,
                    active,
                    quit,
                );
            }
            tabs
        };
        d.shares.resize_with(tabs.len(), BTreeMap::new);
        d.tabs = tabs;
        d.readers = number("totals.browses").unwrap_or(0.0) > 0.0;
        d.replicates = if replicated {
            summary["replicates"].as_array().map_or(0, Vec::len)
        } else {
            1
        };
        // Levels and the times they were reached.
        for feed in d.feeds.clone() {
            for pop in d.populations.clone() {
                for tab in d.tabs.clone() {
                    let prefix = format!("feeds.{feed}.populations.{pop}.{tab}.domination_hours");
                    let keys: Vec<String> = if replicated {
                        summary["metrics"]
                            .as_object()
                            .map(|m| {
                                m.keys()
                                    .filter_map(|k| {
                                        k.strip_prefix(&format!("{prefix}.")).map(str::to_string)
                                    })
                                    .collect()
                            })
                            .unwrap_or_default()
                    } else {
                        summary["feeds"][&feed]["populations"][&pop][&tab]["domination_hours"]
                            .as_object()
                            .map(|m| m.keys().cloned().collect())
                            .unwrap_or_default()
                    };
                    for level in keys {
                        if let Ok(l) = level.parse::<f64>()
                            && !d.levels.contains(&l)
                        {
                            d.levels.push(l);
                        }
                        let time = if replicated {
                            number(&format!("{prefix}.{level}"))
                        } else {
                            summary["feeds"][&feed]["populations"][&pop][&tab]["domination_hours"]
                                [&level]
                                .as_f64()
                        };
                        if let Some(t) = time {
                            d.reached.insert(
                                (feed.clone(), pop.clone(), tab.to_string(), level.clone()),
                                t,
                            );
                        }
                    }
                }
            }
        }
        d.levels.sort_by(f64::total_cmp);
        // The app: the run's series, or the first replicate's.
        let app_dir = if replicated {
            dir.join("replicates").join(first_replicate(dir)?)
        } else {
            dir.to_path_buf()
        };
        if app_dir.join("app.csv").is_file() {
            d.app = csv_rows::<AppCsvRow>(&app_dir, "app.csv")?
                .into_iter()
                .map(|r| AppPoint {
                    hours: r.hours,
                    up: r.up == 1,
                    queue: r.queue_length as f64,
                    rating: r.rating,
                })
                .collect();
            d.rating_alert = number("app.rating.alert_below");
        }
        if app_dir.join("latest_windows.csv").is_file() {
            for r in csv_rows::<WindowCsvRow>(&app_dir, "latest_windows.csv")? {
                let pops = r
                    .latest
                    .split(';')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                d.windows.entry(r.feed).or_default().push((r.hours, pops));
            }
        }
        if replicated {
            d.distribution = distribution(dir, &d)?;
        }
        Ok(d)
    }
}

/// The replicate folders of a replicated run, sorted (`r0`, `r1`, ... or `r00`, ...).
fn replicate_names(dir: &Path) -> Result<Vec<String>, PlotDataError> {
    let reps = dir.join("replicates");
    let mut names: Vec<String> = std::fs::read_dir(&reps)
        .map_err(|source| PlotDataError::Io {
            path: reps.display().to_string(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    Ok(names)
}

/// The first replicate folder.
fn first_replicate(dir: &Path) -> Result<String, PlotDataError> {
    replicate_names(dir)?
        .into_iter()
        .next()
        .ok_or_else(|| PlotDataError::Format {
            path: dir.join("replicates").display().to_string(),
            message: "no replicate folders".into(),
        })
}

/// Times to each domination level of the first tab (Latest) across replicates.
fn distribution(dir: &Path, d: &RunData) -> Result<Spread, PlotDataError> {
    let reps = dir.join("replicates");
    let names = replicate_names(dir)?;
    let mut out = Spread::new();
    for name in names {
        let s = json(&reps.join(&name), "summary.json")?;
        let Some(latest) = d.tabs.first() else {
            break;
        };
        for feed in &d.feeds {
            for pop in &d.populations {
                if let Some(levels) =
                    s["feeds"][feed]["populations"][pop][latest]["domination_hours"].as_object()
                {
                    for (level, v) in levels {
                        let e = out
                            .entry((feed.clone(), pop.clone(), level.clone()))
                            .or_default();
                        match v.as_f64() {
                            Some(t) => e.0.push(t),
                            None => e.1 += 1,
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}
