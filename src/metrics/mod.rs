//! What a run measures: the sampled time series and the end-of-run summary.
//!
//! The engine hands a [`StepView`] to the [`Recorder`] after every step; the recorder
//! samples, tracks domination and peaks, and finally builds serialisable records. It does
//! no I/O: `export` turns the records into bytes.

mod app;
mod recorder;
mod share;
mod summary;

use serde::{Serialize, Serializer};

pub use recorder::Recorder;
pub use summary::*;

/// Agent counts of one population at the end of a step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PopulationCounts {
    /// Ever activated (dormant -> active), including the initially active.
    pub ever_active: u64,
    /// Activated through the follower network (cascade or threshold).
    pub by_network: u64,
    /// Currently active (activated, not quit, active period not over).
    pub active: u64,
    /// Stopped because the active period ended.
    pub fatigued: u64,
    pub quit: u64,
    pub moved: u64,
    /// Suspended by moderation.
    pub suspended: u64,
}

/// What happened in the feeds in one step, by `feed * n_pops + pop` (browses by feed).
/// The shares are the state at the end of the step; the rest are counts of the step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedCounts {
    pub top_share: Vec<f64>,
    pub impressions_latest: Vec<u64>,
    pub impressions_top: Vec<u64>,
    /// Impressions in reposters' followers' timelines.
    pub impressions_repost: Vec<u64>,
    /// Browses of Latest (Top) that showed at least one post of the population.
    pub reach_latest: Vec<u64>,
    pub reach_top: Vec<u64>,
    pub engagement: Vec<u64>,
    pub rate_limited: Vec<u64>,
    pub flagged: Vec<u64>,
    pub removed: Vec<u64>,
    /// Browses of each feed's Latest and Top tabs.
    pub browses_latest: Vec<u64>,
    pub browses_top: Vec<u64>,
}

impl FeedCounts {
    pub fn new(n_feeds: usize, n_pops: usize) -> Self {
        let fp = vec![0; n_feeds * n_pops];
        FeedCounts {
            top_share: vec![0.0; n_feeds * n_pops],
            impressions_latest: fp.clone(),
            impressions_top: fp.clone(),
            impressions_repost: fp.clone(),
            reach_latest: fp.clone(),
            reach_top: fp.clone(),
            engagement: fp.clone(),
            rate_limited: fp.clone(),
            flagged: fp.clone(),
            removed: fp,
            browses_latest: vec![0; n_feeds],
            browses_top: vec![0; n_feeds],
        }
    }

    fn counts(&self) -> [&Vec<u64>; 11] {
        [
            &self.impressions_latest,
            &self.impressions_top,
            &self.impressions_repost,
            &self.reach_latest,
            &self.reach_top,
            &self.engagement,
            &self.rate_limited,
            &self.flagged,
            &self.removed,
            &self.browses_latest,
            &self.browses_top,
        ]
    }

    fn counts_mut(&mut self) -> [&mut Vec<u64>; 11] {
        [
            &mut self.impressions_latest,
            &mut self.impressions_top,
            &mut self.impressions_repost,
            &mut self.reach_latest,
            &mut self.reach_top,
            &mut self.engagement,
            &mut self.rate_limited,
            &mut self.flagged,
            &mut self.removed,
            &mut self.browses_latest,
            &mut self.browses_top,
        ]
    }

    /// Adds another step's counts (not the shares).
    pub fn add(&mut self, other: &FeedCounts) {
        for (mine, theirs) in self.counts_mut().into_iter().zip(other.counts()) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                // Saturating: repost reach can exceed any counter (see `sim::read`).
                *a = a.saturating_add(*b);
            }
        }
    }

    /// Zeroes the step counts (not the shares).
    pub fn clear_step(&mut self) {
        for v in self.counts_mut() {
            v.iter_mut().for_each(|x| *x = 0);
        }
    }
}

/// The state the engine reports after one step. Slices are indexed
/// `feed * n_pops + pop` (and `* n_kinds + kind` for kinds), or by feed.
pub struct StepView<'a> {
    pub step: u32,
    pub posts_by_kind: &'a [u64],
    pub latest_share: &'a [f64],
    pub feeds: &'a FeedCounts,
    pub trending: &'a [bool],
    /// Over the trending threshold but held off by moderation.
    pub detrended: &'a [bool],
    pub category: &'a [Option<usize>],
    /// Per population; present on sample steps and the last step.
    pub populations: Option<&'a [PopulationCounts]>,
    /// Per feed, the population of each post in the Latest tab, oldest first; present
    /// on sample steps.
    pub windows: Option<&'a [Vec<u8>]>,
    pub app: Option<&'a AppStep>,
}

/// A feed's Latest tab at a sample time: the population of each post, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowRow {
    pub step: u32,
    pub feed: usize,
    pub populations: Vec<u8>,
}

/// What happened in the app in one step. Pairs are `[junk, legitimate]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppStep {
    pub up: bool,
    /// The app goes down at the end of this step.
    pub outage_starts: bool,
    pub arrivals: [u64; 2],
    /// Arrivals while down.
    pub lost: [u64; 2],
    /// Reviews started.
    pub reviewed: [u64; 2],
    /// Waiting at the end of the step.
    pub waiting: [u64; 2],
    /// Waits (steps) of the legitimate submissions whose review started.
    pub legit_waits: Vec<f64>,
    pub rating: f64,
    pub rating_count: u64,
    pub new_ratings: u64,
    pub new_rating_sum: f64,
}

/// One row of the app time series (`app.csv`), at a sample time.
#[derive(Debug, Clone, PartialEq)]
pub struct AppRow {
    pub step: u32,
    pub up: bool,
    /// Since the previous sample, `[junk, legitimate]`.
    pub arrivals: [u64; 2],
    pub lost: [u64; 2],
    pub reviewed: [u64; 2],
    /// At the sample time.
    pub queue_length: u64,
    pub rating: f64,
    pub rating_count: u64,
}

/// One row of the tidy time series: a sample time x feed x population. Counts are since
/// the previous sample; shares and agent counts are at the sample time.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesRow {
    /// Steps completed at the sample time.
    pub step: u32,
    pub feed: usize,
    pub population: usize,
    pub posts: u64,
    pub latest_share: f64,
    pub top_share: f64,
    /// Impressions of the population's posts: Latest, Top and reposts.
    pub impressions: u64,
    pub engagement: u64,
    pub rate_limited: u64,
    pub flagged: u64,
    pub removed: u64,
    pub trending: bool,
    pub category: Option<usize>,
    pub active: u64,
    pub quit: u64,
}

/// A time, in hours since the start, or never.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum When {
    Hours(f64),
    Never,
}

impl Serialize for When {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            When::Hours(h) => s.serialize_f64(*h),
            When::Never => s.serialize_str("never"),
        }
    }
}

/// Everything a run produces.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub series: Vec<SeriesRow>,
    /// Present when the scenario has an app.
    pub app_series: Vec<AppRow>,
    pub windows: Vec<WindowRow>,
    pub summary: Summary,
}

/// Rounds to 6 decimals, so times print as `0.166667` rather than float noise.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
