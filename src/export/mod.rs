//! Metrics records -> bytes (CSV, JSON). No I/O here, so every format is testable in memory.

pub mod table;

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::aggregate::{Band, Bands, MetricStats};
use crate::metrics::{Program, RunOutput, ScenarioId, Summary, round6};
use crate::scenario::Scenario;
use table::{Cell, Fields, Row, SampleKey};

/// One row of `timeseries.csv`: a sample time x feed x population, with one share
/// column per tab (`TAB_share`).
#[derive(Debug, Clone, PartialEq)]
pub struct TimeseriesRow {
    pub key: SampleKey,
    pub posts: u64,
    /// The population's share of each tab at the sample time.
    pub shares: Vec<f64>,
    pub impressions: u64,
    pub engagement: u64,
    pub rate_limited: u64,
    pub flagged: u64,
    pub removed: u64,
    pub trending: bool,
    /// The trending category's population, or empty.
    pub trending_category: String,
    pub active: u64,
    pub quit: u64,
    pub seed: u64,
    pub scenario_sha256: String,
    pub version: String,
}

impl Row for TimeseriesRow {
    fn header(tabs: &[String]) -> Vec<String> {
        let mut h = SampleKey::header();
        h.push("posts".into());
        h.extend(tabs.iter().map(|t| format!("{t}_share")));
        h.extend(
            [
                "impressions",
                "engagement",
                "rate_limited",
                "flagged",
                "removed",
                "trending",
                "trending_category",
                "active",
                "quit",
                "seed",
                "scenario_sha256",
                "version",
            ]
            .map(String::from),
        );
        h
    }

    fn cells(&self) -> Vec<Cell<'_>> {
        let mut c = self.key.cells();
        c.push(Cell::Count(self.posts));
        c.extend(self.shares.iter().map(|&x| Cell::Float(x)));
        c.extend([
            Cell::Count(self.impressions),
            Cell::Count(self.engagement),
            Cell::Count(self.rate_limited),
            Cell::Count(self.flagged),
            Cell::Count(self.removed),
            Cell::Count(self.trending as u64),
            Cell::Text(&self.trending_category),
            Cell::Count(self.active),
            Cell::Count(self.quit),
            Cell::Count(self.seed),
            Cell::Text(&self.scenario_sha256),
            Cell::Text(&self.version),
        ]);
        c
    }

    fn parse(r: &Fields, tabs: &[String]) -> Result<Self, String> {
        Ok(TimeseriesRow {
            key: SampleKey::parse(r)?,
            posts: r.number("posts")?,
            shares: tabs
                .iter()
                .map(|t| r.number(&format!("{t}_share")))
                .collect::<Result<_, _>>()?,
            impressions: r.number("impressions")?,
            engagement: r.number("engagement")?,
            rate_limited: r.number("rate_limited")?,
            flagged: r.number("flagged")?,
            removed: r.number("removed")?,
            trending: r.number::<u8>("trending")? == 1,
            trending_category: r.text("trending_category")?.into(),
            active: r.number("active")?,
            quit: r.number("quit")?,
            seed: r.number("seed")?,
            scenario_sha256: r.text("scenario_sha256")?.into(),
            version: r.text("version")?.into(),
        })
    }

    fn tabs(header: &[String]) -> Vec<String> {
        table::tabs_with_suffix(header, "_share")
    }
}

/// The tidy time series: one row per sample time x feed x population. Every row carries
/// the seed, scenario hash and program version, so concatenated files stay traceable.
pub fn timeseries_csv(out: &RunOutput, s: &Scenario) -> Vec<u8> {
    let version = Program::this().version;
    let rows: Vec<TimeseriesRow> = out
        .series
        .iter()
        .map(|r| TimeseriesRow {
            key: SampleKey::of(s, r.step, r.feed, r.population),
            posts: r.posts,
            shares: r.shares.clone(),
            impressions: r.impressions,
            engagement: r.engagement,
            rate_limited: r.rate_limited,
            flagged: r.flagged,
            removed: r.removed,
            trending: r.trending,
            trending_category: r
                .category
                .map_or(String::new(), |c| s.populations[c].name.clone()),
            active: r.active,
            quit: r.quit,
            seed: out.summary.seed,
            scenario_sha256: s.hash.clone(),
            version: version.into(),
        })
        .collect();
    table::write(&out.tabs, &rows)
}

/// One row of `app.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppCsvRow {
    pub hours: f64,
    pub step: u32,
    pub up: u8,
    pub arrivals_legitimate: u64,
    pub arrivals_junk: u64,
    pub lost_legitimate: u64,
    pub lost_junk: u64,
    pub reviewed_legitimate: u64,
    pub reviewed_junk: u64,
    pub queue_length: u64,
    pub rating: f64,
    pub rating_shown: f64,
    pub rating_count: u64,
    pub seed: u64,
    pub scenario_sha256: String,
    pub version: String,
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
            arrivals_legitimate: r.arrivals.legitimate,
            arrivals_junk: r.arrivals.junk,
            lost_legitimate: r.lost.legitimate,
            lost_junk: r.lost.junk,
            reviewed_legitimate: r.reviewed.legitimate,
            reviewed_junk: r.reviewed.junk,
            queue_length: r.queue_length,
            rating: round6(r.rating),
            rating_shown: (r.rating * 10.0).round() / 10.0,
            rating_count: r.rating_count,
            seed: out.summary.seed,
            scenario_sha256: s.hash.clone(),
            version: version.into(),
        })
        .expect("writing CSV to memory cannot fail");
    }
    Some(w.into_inner().expect("in-memory writer"))
}

/// One row of `latest_windows.csv`: a feed's Latest tab at a sample time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowCsvRow {
    pub hours: f64,
    pub step: u32,
    pub feed: String,
    /// Populations of the posts shown, oldest first, separated by `;`.
    pub latest: String,
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
            feed: s.feeds[r.feed].name.clone(),
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

/// One row of `aggregate_series.csv`: a sample time x feed x population across
/// replicates, with the mean and 95% interval of each tab's share (`TAB_share_mean`,
/// `_lo`, `_hi`) and of posts and agent counts.
#[derive(Debug, Clone, PartialEq)]
pub struct BandCsvRow {
    pub key: SampleKey,
    /// Per tab.
    pub shares: Vec<Band>,
    pub posts: Band,
    pub active: Band,
    pub quit: Band,
    pub replicates: usize,
    pub scenario_sha256: String,
    pub version: String,
}

const BAND_PARTS: [&str; 3] = ["mean", "lo", "hi"];

impl Row for BandCsvRow {
    fn header(tabs: &[String]) -> Vec<String> {
        let mut h = SampleKey::header();
        let banded = tabs
            .iter()
            .map(|t| format!("{t}_share"))
            .chain(["posts", "active", "quit"].map(String::from));
        for name in banded {
            h.extend(BAND_PARTS.map(|part| format!("{name}_{part}")));
        }
        h.extend(["replicates", "scenario_sha256", "version"].map(String::from));
        h
    }

    fn cells(&self) -> Vec<Cell<'_>> {
        let mut c = self.key.cells();
        let bands = self
            .shares
            .iter()
            .chain([&self.posts, &self.active, &self.quit]);
        for b in bands {
            c.extend([b.mean, b.lo, b.hi].map(|x| Cell::Float(round6(x))));
        }
        c.extend([
            Cell::Count(self.replicates as u64),
            Cell::Text(&self.scenario_sha256),
            Cell::Text(&self.version),
        ]);
        c
    }

    fn parse(r: &Fields, tabs: &[String]) -> Result<Self, String> {
        let band = |name: &str| -> Result<Band, String> {
            Ok(Band {
                mean: r.number(&format!("{name}_mean"))?,
                lo: r.number(&format!("{name}_lo"))?,
                hi: r.number(&format!("{name}_hi"))?,
            })
        };
        Ok(BandCsvRow {
            key: SampleKey::parse(r)?,
            shares: tabs
                .iter()
                .map(|t| band(&format!("{t}_share")))
                .collect::<Result<_, _>>()?,
            posts: band("posts")?,
            active: band("active")?,
            quit: band("quit")?,
            replicates: r.number("replicates")?,
            scenario_sha256: r.text("scenario_sha256")?.into(),
            version: r.text("version")?.into(),
        })
    }

    fn tabs(header: &[String]) -> Vec<String> {
        table::tabs_with_suffix(header, "_share_mean")
    }
}

/// The aggregate series across replicates: per sample time x feed x population, the mean
/// and 95% interval (2.5th to 97.5th percentile) of each series.
pub fn aggregate_series_csv(bands: &Bands, replicates: usize, s: &Scenario) -> Vec<u8> {
    let version = Program::this().version;
    let rows: Vec<BandCsvRow> = bands
        .rows
        .iter()
        .map(|b| BandCsvRow {
            key: SampleKey::of(s, b.step, b.feed, b.population),
            shares: b.shares.clone(),
            posts: b.posts,
            active: b.active,
            quit: b.quit,
            replicates,
            scenario_sha256: s.hash.clone(),
            version: version.into(),
        })
        .collect();
    table::write(&bands.tabs, &rows)
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
