//! The convergence cases: each bundled event scenario, shrunk by editing its TOML (so the
//! test follows the bundled file as it changes), the headline metrics compared across dt
//! (summary paths, as in a sweep's runs.csv), and the story it must still tell at the
//! finest dt.
//!
//! Shrinking keeps the story: every population size and every feed's windows and
//! trending threshold are divided by the same factor, so the flows per post slot (posts
//! per hour / window) and the trending rule scale together; what else changes is listed
//! per case. Keys holding per-step probabilities are left alone.

use std::collections::BTreeMap;

use toml::{Table, Value};

/// One headline metric.
pub struct Metric {
    /// Its path in the run summary (a column of a sweep's runs.csv).
    pub path: String,
    /// A short name for the table.
    pub label: String,
    /// A time recorded at the end of a step (quantised by dt).
    pub time: bool,
}

/// A bundled scenario, how it is shrunk, what is compared and what must hold.
pub struct Case {
    pub name: &'static str,
    pub file: &'static str,
    /// Population sizes, windows and trending thresholds are divided by this.
    factor: i64,
    /// Further edits: dotted key path and new value.
    sets: Vec<(&'static str, Value)>,
    pub metrics: Vec<Metric>,
    /// Given the finest dt's samples (metric path -> values), what is wrong with the
    /// story (empty: it holds).
    pub story: fn(&BTreeMap<String, Vec<f64>>) -> Vec<String>,
}

impl Case {
    /// The shrunk scenario at time step `dt`, as TOML text.
    pub fn toml(&self, dt: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(self.file);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut t: Table = toml::from_str(&text).unwrap();
        shrink(&mut t, self.factor);
        for (key, value) in &self.sets {
            set(&mut t, key, value.clone());
        }
        set(&mut t, "time.dt", Value::from(dt));
        toml::to_string(&t).unwrap()
    }
}

/// Sets an existing key (panics on a path the scenario does not have: the bundled file
/// changed, and the case must follow).
fn set(t: &mut Table, path: &str, value: Value) {
    let (parents, last) = path.rsplit_once('.').unwrap_or(("", path));
    let mut node = t;
    for k in parents.split('.').filter(|k| !k.is_empty()) {
        node = node[k]
            .as_table_mut()
            .unwrap_or_else(|| panic!("{path}: {k} is not a table"));
    }
    assert!(node.contains_key(last), "{path}: no such key to change");
    node.insert(last.to_string(), value);
}

fn divide(v: &mut Value, factor: i64) {
    if let Some(n) = v.as_integer() {
        *v = Value::Integer(((n + factor / 2) / factor).max(1));
    }
}

/// Divides population sizes, feed windows and trending thresholds by `factor`.
fn shrink(t: &mut Table, factor: i64) {
    if factor == 1 {
        return;
    }
    for pop in t["populations"]
        .as_table_mut()
        .unwrap()
        .iter_mut()
        .map(|(_, v)| v)
    {
        divide(pop.get_mut("size").unwrap(), factor);
    }
    for feed in t["feeds"]
        .as_table_mut()
        .unwrap()
        .iter_mut()
        .map(|(_, v)| v)
    {
        let feed = feed.as_table_mut().unwrap();
        if let Some(w) = feed.get_mut("latest_window") {
            divide(w, factor);
        }
        if let Some(w) = feed.get_mut("top").and_then(|top| top.get_mut("window")) {
            divide(w, factor);
        }
        if let Some(th) = feed
            .get_mut("trending")
            .and_then(|tr| tr.get_mut("threshold"))
        {
            divide(th, factor);
        }
    }
}

fn metric(path: String, label: String, time: bool) -> Metric {
    Metric { path, label, time }
}

/// Domination times of `population` in `feed`: both tabs, each level.
fn domination(feed: &str, population: &str, levels: &[&str]) -> Vec<Metric> {
    let mut out = Vec::new();
    for tab in ["latest", "top"] {
        for level in levels {
            out.push(metric(
                format!("feeds.{feed}.populations.{population}.{tab}.domination_hours.{level}"),
                format!("{feed} {tab} {level} (h)"),
                true,
            ));
        }
    }
    out
}

const FLOOD_FEEDS: [&str; 3] = ["WhiteLivesMatter", "AllLivesMatter", "BlueLivesMatter"];

/// The flood scenarios' metrics: the fandom's domination times and impression share in
/// each feed, and the cascade's reach.
fn flood_metrics() -> Vec<Metric> {
    let mut out = Vec::new();
    for feed in FLOOD_FEEDS {
        out.extend(domination(feed, "fandom", &["0.5", "0.9"]));
        out.push(metric(
            format!("feeds.{feed}.populations.fandom.impressions.share"),
            format!("{feed} impression share"),
            false,
        ));
    }
    out.push(metric(
        "populations.fandom.cascade_fraction".into(),
        "fandom cascade fraction".into(),
        false,
    ));
    out
}

/// How many replicates never reached the time at `path`, and the mean of `path`.
fn never(s: &BTreeMap<String, Vec<f64>>, path: &str) -> usize {
    s[path].iter().filter(|v| v.is_infinite()).count()
}

fn mean(s: &BTreeMap<String, Vec<f64>>, path: &str) -> f64 {
    let v = &s[path];
    v.iter().sum::<f64>() / v.len() as f64
}

/// "At least all but two replicates": the story must hold in nearly every run, and a
/// rare seed that tells it differently does not fail the test.
fn most(s: &BTreeMap<String, Vec<f64>>, path: &str) -> usize {
    s[path].len().saturating_sub(2)
}

/// The four cases.
pub fn all() -> Vec<Case> {
    vec![
        Case {
            name: "whitelivesmatter-2020",
            file: "whitelivesmatter-2020.toml",
            factor: 4,
            sets: vec![],
            metrics: flood_metrics(),
            story: |s| {
                let mut bad = Vec::new();
                let latest =
                    "feeds.WhiteLivesMatter.populations.fandom.latest.domination_hours.0.9";
                let top = "feeds.WhiteLivesMatter.populations.fandom.top.domination_hours.0.5";
                if s[latest].len() - never(s, latest) < most(s, latest) {
                    bad.push(format!(
                        "the fandom held 90% of #WhiteLivesMatter's Latest tab in only {} runs",
                        s[latest].len() - never(s, latest)
                    ));
                }
                if s[top].len() - never(s, top) < most(s, top) {
                    bad.push(format!(
                        "the fandom held half of #WhiteLivesMatter's Top tab in only {} runs",
                        s[top].len() - never(s, top)
                    ));
                }
                let share = "feeds.WhiteLivesMatter.populations.fandom.impressions.share";
                if mean(s, share) <= 0.5 {
                    bad.push(format!(
                        "the fandom's mean share of #WhiteLivesMatter impressions is {:.3} <= 0.5",
                        mean(s, share)
                    ));
                }
                bad
            },
        },
        Case {
            name: "moderated-platform",
            file: "moderated-platform.toml",
            factor: 4,
            // The story (the flood never takes the Latest tabs, fans' engagement lifts a
            // few posts into Top around 26 h) is over by 48 h.
            sets: vec![("time.duration", Value::from("48h"))],
            metrics: flood_metrics(),
            story: |s| {
                let mut bad = Vec::new();
                for feed in FLOOD_FEEDS {
                    let p = format!("feeds.{feed}.populations.fandom.latest.domination_hours.0.9");
                    // Unmoderated, in every run within two hours of the call. Moderated,
                    // at times for half an hour (more often with windows of 5 than of 20:
                    // 90% of 5 posts is all 5): on #WhiteLivesMatter in 51 of 120 runs
                    // (20 at each of the three steps, before and after the parallel
                    // mobilisation of issue 13), p = 0.43. The story is that moderation
                    // stops it in a good share of runs: holding in 16 or more of 20 has
                    // a chance of 7e-4 at p = 0.43 (binomial), and is certain if it
                    // never stops it. (Fewer than half, the check before, failed by
                    // chance in a third of seeds: P(X >= 10) = 0.32 at p = 0.43.)
                    let held = s[&p].len() - never(s, &p);
                    if 4 * held > 3 * s[&p].len() {
                        bad.push(format!(
                            "the fandom held 90% of #{feed}'s Latest tab in {held} of {} runs \
                             (moderation should stop it)",
                            s[&p].len()
                        ));
                    }
                    let share = format!("feeds.{feed}.populations.fandom.impressions.share");
                    if mean(s, &share) >= 0.5 {
                        bad.push(format!(
                            "the fandom's mean share of #{feed} impressions is {:.3} >= 0.5",
                            mean(s, &share)
                        ));
                    }
                }
                bad
            },
        },
        Case {
            name: "iwatch-dallas-2020",
            file: "iwatch-dallas-2020.toml",
            // Small and fast at full size (70,000 agents): not shrunk. A quarter of the
            // fans cascades less far on the smaller Barabasi-Albert graph (cascade
            // fraction 0.035 instead of 0.06) and the app then goes down in only half of
            // the runs: another story.
            factor: 1,
            sets: vec![],
            metrics: {
                let mut m = domination("iWatchDallas", "fandom", &["0.5"]);
                m.extend([
                    metric(
                        "app.first_outage_hours".into(),
                        "app first outage (h)".into(),
                        true,
                    ),
                    metric("app.downtime_hours".into(), "app downtime (h)".into(), true),
                    metric(
                        "app.rating.below_alert_hours".into(),
                        "rating below 2 stars (h)".into(),
                        true,
                    ),
                    metric("app.rating.final".into(), "final rating".into(), false),
                    metric(
                        "populations.fandom.cascade_fraction".into(),
                        "fandom cascade fraction".into(),
                        false,
                    ),
                ]);
                m
            },
            story: |s| {
                let mut bad = Vec::new();
                let down = "app.first_outage_hours";
                if s[down].len() - never(s, down) < most(s, down) {
                    bad.push(format!(
                        "the app went down in only {} runs",
                        s[down].len() - never(s, down)
                    ));
                }
                if mean(s, "app.rating.final") >= 2.0 {
                    bad.push(format!(
                        "mean final rating {:.2} >= 2 stars",
                        mean(s, "app.rating.final")
                    ));
                }
                bad
            },
        },
        Case {
            name: "classroom",
            file: "classroom.toml",
            // Already small (3,300 agents, 6 hours). Samples every 10 minutes instead of 5:
            // a whole number of steps at every dt compared.
            factor: 1,
            sets: vec![("metrics.sample_every", Value::from("10m"))],
            metrics: {
                let mut m = domination("ClassTag", "fans", &["0.5", "0.9"]);
                m.push(metric(
                    "populations.fans.cascade_fraction".into(),
                    "fans cascade fraction".into(),
                    false,
                ));
                m
            },
            story: |s| {
                let mut bad = Vec::new();
                let half = "feeds.ClassTag.populations.fans.latest.domination_hours.0.5";
                if s[half].len() - never(s, half) < most(s, half) {
                    bad.push(format!(
                        "the fans held half of the Latest tab in only {} runs",
                        s[half].len() - never(s, half)
                    ));
                }
                let cascade = "populations.fans.cascade_fraction";
                if mean(s, cascade) <= 0.5 {
                    bad.push(format!(
                        "p = 0.25 on mean degree 6 is supercritical, but the mean cascade \
                         reached {:.3} of the fans",
                        mean(s, cascade)
                    ));
                }
                bad
            },
        },
    ]
}
