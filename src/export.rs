//! Metrics records -> bytes (CSV, JSON). No I/O here, so every format is testable in memory.

use serde::Serialize;

use crate::metrics::{Program, RunOutput, Summary, round6};
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

/// The run summary as pretty JSON with a trailing newline.
pub fn summary_json(summary: &Summary) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(summary).expect("summary serialises");
    bytes.push(b'\n');
    bytes
}
