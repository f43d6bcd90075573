//! What a run measures: the sampled time series and the end-of-run summary.
//!
//! The engine hands a [`StepView`] to the [`Recorder`] after every step; the recorder
//! samples, tracks domination and peaks, and finally builds serialisable records. It does
//! no I/O: `export` turns the records into bytes.

mod app;
mod grid;
mod recorder;
mod share;
mod summary;
mod tabbed;

use serde::{Serialize, Serializer};

pub use grid::FeedPop;
pub use recorder::Recorder;
pub use summary::*;
pub use tabbed::Tabbed;

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
    /// Raised their posting rate after discouragement (counter-flood).
    pub escalated: u64,
    /// Suspended by moderation.
    pub suspended: u64,
}

/// What one tab showed in one step, for every feed.
#[derive(Debug, Clone, PartialEq)]
pub struct TabCounts {
    /// Items shown to readers, by the author's population.
    pub impressions: FeedPop<u64>,
    /// Browses that showed at least one post of the population.
    pub reach: FeedPop<u64>,
    /// Browses of the tab, by feed.
    pub browses: Vec<u64>,
}

/// What happened in the feeds in one step: counts per tab and per feed x population.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedCounts {
    /// Indexed like each feed's tabs.
    pub tabs: Vec<TabCounts>,
    /// Impressions in reposters' followers' timelines.
    pub repost_impressions: FeedPop<u64>,
    pub engagement: FeedPop<u64>,
    pub rate_limited: FeedPop<u64>,
    pub flagged: FeedPop<u64>,
    pub removed: FeedPop<u64>,
}

impl FeedCounts {
    /// Zero counts for `n_tabs` tabs in `n_feeds` feeds of `n_pops` populations.
    pub fn new(n_tabs: usize, n_feeds: usize, n_pops: usize) -> Self {
        let fp = FeedPop::new(n_feeds, n_pops);
        FeedCounts {
            tabs: (0..n_tabs)
                .map(|_| TabCounts {
                    impressions: fp.clone(),
                    reach: fp.clone(),
                    browses: vec![0; n_feeds],
                })
                .collect(),
            repost_impressions: fp.clone(),
            engagement: fp.clone(),
            rate_limited: fp.clone(),
            flagged: fp.clone(),
            removed: fp,
        }
    }

    /// Every counter, as slices in a fixed order.
    fn counts(&self) -> impl Iterator<Item = &[u64]> {
        let tabs = self
            .tabs
            .iter()
            .flat_map(|t| [t.impressions.values(), t.reach.values(), &t.browses[..]]);
        let feed_pops = [
            &self.repost_impressions,
            &self.engagement,
            &self.rate_limited,
            &self.flagged,
            &self.removed,
        ];
        tabs.chain(feed_pops.into_iter().map(FeedPop::values))
    }

    /// See [`FeedCounts::counts`].
    fn counts_mut(&mut self) -> impl Iterator<Item = &mut [u64]> {
        let tabs = self.tabs.iter_mut().flat_map(|t| {
            [
                t.impressions.values_mut(),
                t.reach.values_mut(),
                &mut t.browses[..],
            ]
        });
        let feed_pops = [
            &mut self.repost_impressions,
            &mut self.engagement,
            &mut self.rate_limited,
            &mut self.flagged,
            &mut self.removed,
        ];
        tabs.chain(feed_pops.into_iter().map(FeedPop::values_mut))
    }

    /// Adds another step's counts.
    pub fn add(&mut self, other: &FeedCounts) {
        for (mine, theirs) in self.counts_mut().zip(other.counts()) {
            for (a, b) in mine.iter_mut().zip(theirs.iter()) {
                // Saturating: repost reach can exceed any counter (see `sim::read`).
                *a = a.saturating_add(*b);
            }
        }
    }

    /// Zeroes the counts.
    pub fn clear(&mut self) {
        for v in self.counts_mut() {
            v.fill(0);
        }
    }

    /// Impressions of `(feed, pop)`'s posts in every tab and through reposts.
    pub fn impressions(&self, feed: usize, pop: usize) -> u64 {
        self.tabs
            .iter()
            .map(|t| t.impressions[(feed, pop)])
            .fold(self.repost_impressions[(feed, pop)], u64::saturating_add)
    }
}

/// The state the engine reports after one step.
pub struct StepView<'a> {
    pub step: u32,
    /// Posts of the step per feed x population, one per content kind.
    pub posts_by_kind: &'a FeedPop<u64>,
    /// Per tab: each population's share of what the tab shows at the end of the step.
    pub shares: &'a [FeedPop<f64>],
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

/// App submissions counted by kind: junk or legitimate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JunkLegit {
    pub junk: u64,
    pub legitimate: u64,
}

impl JunkLegit {
    /// The count of legitimate submissions if `legitimate`, else of junk.
    pub fn of_mut(&mut self, legitimate: bool) -> &mut u64 {
        if legitimate {
            &mut self.legitimate
        } else {
            &mut self.junk
        }
    }

    /// Junk and legitimate together.
    pub fn total(&self) -> u64 {
        self.junk + self.legitimate
    }
}

impl std::ops::AddAssign for JunkLegit {
    fn add_assign(&mut self, other: JunkLegit) {
        self.junk += other.junk;
        self.legitimate += other.legitimate;
    }
}

/// What happened in the app in one step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppStep {
    pub up: bool,
    /// The app goes down at the end of this step.
    pub outage_starts: bool,
    pub arrivals: JunkLegit,
    /// Arrivals while down.
    pub lost: JunkLegit,
    /// Reviews started.
    pub reviewed: JunkLegit,
    /// Waiting at the end of the step.
    pub waiting: JunkLegit,
    /// Waits (steps) of the legitimate submissions whose review started.
    pub legit_waits: Vec<f64>,
    pub rating: f64,
    pub rating_count: u64,
    pub new_ratings: u64,
}

/// One row of the app time series (`app.csv`), at a sample time.
#[derive(Debug, Clone, PartialEq)]
pub struct AppRow {
    pub step: u32,
    pub up: bool,
    /// Since the previous sample.
    pub arrivals: JunkLegit,
    pub lost: JunkLegit,
    pub reviewed: JunkLegit,
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
    /// The population's share of each tab (indexed like [`RunOutput::tabs`]).
    pub shares: Vec<f64>,
    /// Impressions of the population's posts: in every tab and through reposts.
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
    /// The feeds' tabs, in order: the names of [`SeriesRow::shares`].
    pub tabs: Vec<String>,
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
