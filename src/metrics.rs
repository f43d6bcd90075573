//! What a run measures: the sampled time series and the end-of-run summary.
//!
//! The engine hands a [`StepView`] to the [`Recorder`] after every step; the recorder
//! samples, tracks domination and peaks, and finally builds serialisable records. It does
//! no I/O: `export` turns the records into bytes.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use crate::scenario::Scenario;

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
}

/// The state the engine reports after one step. Slices are indexed
/// `feed * n_pops + pop` (and `* n_kinds + kind` for kinds).
pub struct StepView<'a> {
    pub step: u32,
    pub posts_by_kind: &'a [u64],
    pub latest_share: &'a [f64],
    pub trending: &'a [bool],
    pub category: &'a [Option<usize>],
    /// Per population; present on sample steps and the last step.
    pub populations: Option<&'a [PopulationCounts]>,
}

/// One row of the tidy time series: a sample time x feed x population.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesRow {
    /// Steps completed at the sample time.
    pub step: u32,
    pub feed: usize,
    pub population: usize,
    /// Posts since the previous sample.
    pub posts: u64,
    pub latest_share: f64,
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

/// Per run: what, by whom, and the key numbers.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub program: Program,
    pub scenario: ScenarioId,
    pub seed: u64,
    pub time: TimeSummary,
    pub totals: Totals,
    pub feeds: BTreeMap<String, FeedSummary>,
    pub populations: BTreeMap<String, PopulationSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Program {
    pub name: &'static str,
    pub version: &'static str,
}

impl Program {
    pub fn this() -> Self {
        Program {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioId {
    pub name: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimeSummary {
    pub steps: u32,
    pub dt_seconds: f64,
    pub hours: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub agents: u64,
    pub follower_edges: u64,
    pub posts: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedSummary {
    pub posts: u64,
    pub trending_hours: f64,
    pub first_trending_hours: When,
    pub populations: BTreeMap<String, FeedPopulationSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedPopulationSummary {
    pub posts: u64,
    pub posts_by_kind: BTreeMap<String, u64>,
    pub peak_latest_share: f64,
    pub peak_latest_share_at_hours: When,
    pub final_latest_share: f64,
    /// First time the share of Latest reached each level and held it (keys are levels).
    pub latest_domination_hours: BTreeMap<String, When>,
    /// First time the trending category was this population.
    pub first_trending_category_hours: When,
}

#[derive(Debug, Clone, Serialize)]
pub struct PopulationSummary {
    pub size: u32,
    #[serde(flatten)]
    pub counts: PopulationCounts,
    /// `by_network / size`: the share of the population reached by the cascade.
    pub cascade_fraction: f64,
    pub ever_active_fraction: f64,
}

/// Everything a run produces.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub series: Vec<SeriesRow>,
    pub summary: Summary,
}

/// Observes steps and accumulates the metrics.
pub struct Recorder {
    n_feeds: usize,
    n_pops: usize,
    n_kinds: usize,
    steps: u32,
    sample_every: u32,
    hours_per_step: f64,
    levels: Vec<f64>,
    hold: u32,
    since_sample: Vec<u64>,
    posts_by_kind: Vec<u64>,
    peak: Vec<(f64, Option<u32>)>,
    last_share: Vec<f64>,
    run_start: Vec<Option<u32>>,
    reached: Vec<Option<u32>>,
    trending_steps: Vec<u64>,
    first_trending: Vec<Option<u32>>,
    first_category: Vec<Option<u32>>,
    last_counts: Vec<PopulationCounts>,
    rows: Vec<SeriesRow>,
}

impl Recorder {
    pub fn new(s: &Scenario) -> Self {
        let (nf, np, nk) = (s.feeds.len(), s.populations.len(), s.kinds.len());
        let nl = s.metrics.levels.len();
        Recorder {
            n_feeds: nf,
            n_pops: np,
            n_kinds: nk,
            steps: s.time.steps,
            sample_every: s.metrics.sample_every_steps,
            hours_per_step: s.time.dt_seconds / 3600.0,
            levels: s.metrics.levels.clone(),
            hold: s.metrics.hold_steps.max(1),
            since_sample: vec![0; nf * np],
            posts_by_kind: vec![0; nf * np * nk],
            peak: vec![(0.0, None); nf * np],
            last_share: vec![0.0; nf * np],
            run_start: vec![None; nf * np * nl],
            reached: vec![None; nf * np * nl],
            trending_steps: vec![0; nf],
            first_trending: vec![None; nf],
            first_category: vec![None; nf * np],
            last_counts: vec![PopulationCounts::default(); np],
            rows: Vec::new(),
        }
    }

    /// Whether the engine must report population counts after `step`.
    pub fn is_sample_step(&self, step: u32) -> bool {
        (step + 1).is_multiple_of(self.sample_every) || step + 1 == self.steps
    }

    pub fn observe(&mut self, v: &StepView) {
        let nl = self.levels.len();
        for (i, &n) in v.posts_by_kind.iter().enumerate() {
            self.posts_by_kind[i] += n;
            self.since_sample[i / self.n_kinds] += n;
        }
        for f in 0..self.n_feeds {
            if v.trending[f] {
                self.trending_steps[f] += 1;
                self.first_trending[f].get_or_insert(v.step);
            }
            if let Some(pop) = v.category[f] {
                self.first_category[f * self.n_pops + pop].get_or_insert(v.step);
            }
            for p in 0..self.n_pops {
                let i = f * self.n_pops + p;
                let share = v.latest_share[i];
                self.last_share[i] = share;
                if share > self.peak[i].0 {
                    self.peak[i] = (share, Some(v.step));
                }
                for (l, &level) in self.levels.iter().enumerate() {
                    let j = i * nl + l;
                    if share >= level {
                        let start = *self.run_start[j].get_or_insert(v.step);
                        if self.reached[j].is_none() && v.step + 1 - start >= self.hold {
                            self.reached[j] = Some(start);
                        }
                    } else {
                        self.run_start[j] = None;
                    }
                }
            }
        }
        if let Some(counts) = v.populations {
            self.last_counts.copy_from_slice(counts);
            for f in 0..self.n_feeds {
                for (p, c) in counts.iter().enumerate() {
                    let i = f * self.n_pops + p;
                    self.rows.push(SeriesRow {
                        step: v.step + 1,
                        feed: f,
                        population: p,
                        posts: std::mem::take(&mut self.since_sample[i]),
                        latest_share: v.latest_share[i],
                        trending: v.trending[f],
                        category: v.category[f],
                        active: c.active,
                        quit: c.quit,
                    });
                }
            }
        }
    }

    /// End-of-step time of `step`, in hours.
    fn hours(&self, step: Option<u32>) -> When {
        match step {
            Some(s) => When::Hours(round6((s + 1) as f64 * self.hours_per_step)),
            None => When::Never,
        }
    }

    pub fn finish(self, s: &Scenario, seed: u64, follower_edges: u64) -> RunOutput {
        let nl = self.levels.len();
        let mut feeds = BTreeMap::new();
        let mut total_posts = 0;
        for (f, feed) in s.feeds.iter().enumerate() {
            let mut pops = BTreeMap::new();
            let mut feed_posts = 0;
            for (p, pop) in s.populations.iter().enumerate() {
                let i = f * self.n_pops + p;
                let by_kind: BTreeMap<String, u64> = s
                    .kinds
                    .iter()
                    .enumerate()
                    .map(|(k, name)| (name.clone(), self.posts_by_kind[i * self.n_kinds + k]))
                    .filter(|(_, n)| *n > 0)
                    .collect();
                let posts: u64 = by_kind.values().sum();
                feed_posts += posts;
                let domination = self
                    .levels
                    .iter()
                    .enumerate()
                    .map(|(l, level)| (format!("{level:?}"), self.hours(self.reached[i * nl + l])))
                    .collect();
                pops.insert(
                    pop.name.clone(),
                    FeedPopulationSummary {
                        posts,
                        posts_by_kind: by_kind,
                        peak_latest_share: self.peak[i].0,
                        peak_latest_share_at_hours: self.hours(self.peak[i].1),
                        final_latest_share: self.last_share[i],
                        latest_domination_hours: domination,
                        first_trending_category_hours: self.hours(self.first_category[i]),
                    },
                );
            }
            total_posts += feed_posts;
            feeds.insert(
                feed.name.clone(),
                FeedSummary {
                    posts: feed_posts,
                    trending_hours: round6(self.trending_steps[f] as f64 * self.hours_per_step),
                    first_trending_hours: self.hours(self.first_trending[f]),
                    populations: pops,
                },
            );
        }
        let populations = s
            .populations
            .iter()
            .zip(&self.last_counts)
            .map(|(pop, c)| {
                (
                    pop.name.clone(),
                    PopulationSummary {
                        size: pop.size,
                        counts: *c,
                        cascade_fraction: c.by_network as f64 / pop.size as f64,
                        ever_active_fraction: c.ever_active as f64 / pop.size as f64,
                    },
                )
            })
            .collect();
        RunOutput {
            series: self.rows,
            summary: Summary {
                program: Program::this(),
                scenario: ScenarioId {
                    name: s.name.clone(),
                    sha256: s.hash.clone(),
                },
                seed,
                time: TimeSummary {
                    steps: self.steps,
                    dt_seconds: s.time.dt_seconds,
                    hours: round6(self.steps as f64 * self.hours_per_step),
                },
                totals: Totals {
                    agents: s.agent_count(),
                    follower_edges,
                    posts: total_posts,
                },
                feeds,
                populations,
            },
        }
    }
}

/// Rounds to 6 decimals, so times print as `0.166667` rather than float noise.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
