//! Metrics records -> bytes (CSV, JSON). No I/O here, so every format is testable in memory.

use serde::Serialize;

use std::collections::BTreeMap;

use crate::aggregate::{BandRow, MetricStats};
use crate::metrics::{Program, RunOutput, ScenarioId, Summary, round6};
use crate::scenario::Scenario;

#[derive(Serialize)]
struct CsvRow<'a> {
    hours: f64,
    step: u32,
    feed: &'a str,
    population: &'a str,
    posts: u64,
    latest_share: f64,
    top_share: f64,
    impressions: u64,
    engagement: u64,
    rate_limited: u64,
    flagged: u64,
    removed: u64,
    trending: u8,
    trending_category: &'a str,
    active: u64,
    quit: u64,
    seed: u64,
    scenario_sha256: &'a str,
    version: &'a str,
}

/// The tidy time series: one row per sample time x feed x population. Every row carries
/// the seed, scenario hash and program version, so concatenated files stay traceable.
pub fn timeseries_csv(out: &RunOutput, s: &Scenario) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let version = Program::this().version;
    let hours_per_step = s.time.dt_seconds / 3600.0;
    for r in &out.series {
        w.serialize(CsvRow {
            hours: round6(r.step as f64 * hours_per_step),
            step: r.step,
            feed: &s.feeds[r.feed].name,
            population: &s.populations[r.population].name,
            posts: r.posts,
            latest_share: r.latest_share,
            top_share: r.top_share,
            impressions: r.impressions,
            engagement: r.engagement,
            rate_limited: r.rate_limited,
            flagged: r.flagged,
            removed: r.removed,
            trending: r.trending as u8,
            trending_category: r.category.map_or("", |c| &s.populations[c].name),
            active: r.active,
            quit: r.quit,
            seed: out.summary.seed,
            scenario_sha256: &s.hash,
            version,
        })
        .expect("writing CSV to memory cannot fail");
    }
    w.into_inner().expect("in-memory writer")
}

#[derive(Serialize)]
struct AppCsvRow<'a> {
    hours: f64,
    step: u32,
    up: u8,
    arrivals_legitimate: u64,
    arrivals_junk: u64,
    lost_legitimate: u64,
    lost_junk: u64,
    reviewed_legitimate: u64,
    reviewed_junk: u64,
    queue_length: u64,
    rating: f64,
    rating_shown: f64,
    rating_count: u64,
    seed: u64,
    scenario_sha256: &'a str,
    version: &'a str,
}

/// The app time series: one row per sample time (counts since the previous sample,
/// queue length and rating at the sample time). `None` when the scenario has no app.
pub fn app_csv(out: &RunOutput, s: &Scenario) -> Option<Vec<u8>> {
    s.app.as_ref()?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let version = Program::this().version;
    let hours_per_step = s.time.dt_seconds / 3600.0;
    for r in &out.app_series {
        w.serialize(AppCsvRow {
            hours: round6(r.step as f64 * hours_per_step),
            step: r.step,
            up: r.up as u8,
            arrivals_legitimate: r.arrivals[1],
            arrivals_junk: r.arrivals[0],
            lost_legitimate: r.lost[1],
            lost_junk: r.lost[0],
            reviewed_legitimate: r.reviewed[1],
            reviewed_junk: r.reviewed[0],
            queue_length: r.queue_length,
            rating: round6(r.rating),
            rating_shown: (r.rating * 10.0).round() / 10.0,
            rating_count: r.rating_count,
            seed: out.summary.seed,
            scenario_sha256: &s.hash,
            version,
        })
        .expect("writing CSV to memory cannot fail");
    }
    Some(w.into_inner().expect("in-memory writer"))
}

#[derive(Serialize)]
struct WindowCsvRow<'a> {
    hours: f64,
    step: u32,
    feed: &'a str,
    /// Populations of the posts shown, oldest first, separated by `;`.
    latest: String,
}

/// The Latest tab of each feed at each sample time (for the teaching animation).
pub fn latest_windows_csv(out: &RunOutput, s: &Scenario) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let hours_per_step = s.time.dt_seconds / 3600.0;
    for r in &out.windows {
        let names: Vec<&str> = r
            .populations
            .iter()
            .map(|&p| s.populations[p as usize].name.as_str())
            .collect();
        w.serialize(WindowCsvRow {
            hours: round6(r.step as f64 * hours_per_step),
            step: r.step,
            feed: &s.feeds[r.feed].name,
            latest: names.join(";"),
        })
        .expect("writing CSV to memory cannot fail");
    }
    w.into_inner().expect("in-memory writer")
}

/// The run summary as pretty JSON with a trailing newline.
pub fn summary_json(summary: &Summary) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(summary).expect("summary serialises");
    bytes.push(b'\n');
    bytes
}

#[derive(Serialize)]
struct BandCsvRow<'a> {
    hours: f64,
    step: u32,
    feed: &'a str,
    population: &'a str,
    latest_share_mean: f64,
    latest_share_lo: f64,
    latest_share_hi: f64,
    top_share_mean: f64,
    top_share_lo: f64,
    top_share_hi: f64,
    posts_mean: f64,
    posts_lo: f64,
    posts_hi: f64,
    active_mean: f64,
    active_lo: f64,
    active_hi: f64,
    quit_mean: f64,
    quit_lo: f64,
    quit_hi: f64,
    replicates: usize,
    scenario_sha256: &'a str,
    version: &'a str,
}

/// The aggregate series across replicates: per sample time x feed x population, the mean
/// and 95% interval (2.5th to 97.5th percentile) of each series.
pub fn aggregate_series_csv(bands: &[BandRow], replicates: usize, s: &Scenario) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let version = Program::this().version;
    let hours_per_step = s.time.dt_seconds / 3600.0;
    let r = |x: f64| round6(x);
    for b in bands {
        w.serialize(BandCsvRow {
            hours: r(b.step as f64 * hours_per_step),
            step: b.step,
            feed: &s.feeds[b.feed].name,
            population: &s.populations[b.population].name,
            latest_share_mean: r(b.latest_share.mean),
            latest_share_lo: r(b.latest_share.lo),
            latest_share_hi: r(b.latest_share.hi),
            top_share_mean: r(b.top_share.mean),
            top_share_lo: r(b.top_share.lo),
            top_share_hi: r(b.top_share.hi),
            posts_mean: r(b.posts.mean),
            posts_lo: r(b.posts.lo),
            posts_hi: r(b.posts.hi),
            active_mean: r(b.active.mean),
            active_lo: r(b.active.lo),
            active_hi: r(b.active.hi),
            quit_mean: r(b.quit.mean),
            quit_lo: r(b.quit.lo),
            quit_hi: r(b.quit.hi),
            replicates,
            scenario_sha256: &s.hash,
            version,
        })
        .expect("writing CSV to memory cannot fail");
    }
    w.into_inner().expect("in-memory writer")
}

/// One replicate's seed.
#[derive(Serialize)]
pub struct ReplicateSeed {
    pub replicate: usize,
    pub seed: u64,
}

#[derive(Serialize)]
struct AggregateSummary<'a> {
    program: Program,
    scenario: ScenarioId,
    base_seed: u64,
    replicates: &'a [ReplicateSeed],
    metrics: &'a BTreeMap<String, MetricStats>,
}

/// The aggregate summary: every summary metric across replicates, with the seeds.
pub fn aggregate_summary_json(
    metrics: &BTreeMap<String, MetricStats>,
    base_seed: u64,
    replicates: &[ReplicateSeed],
    s: &Scenario,
) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(&AggregateSummary {
        program: Program::this(),
        scenario: ScenarioId {
            name: s.name.clone(),
            sha256: s.hash.clone(),
        },
        base_seed,
        replicates,
        metrics,
    })
    .expect("aggregate serialises");
    bytes.push(b'\n');
    bytes
}
