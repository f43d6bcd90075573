//! The recorder: observes each step, samples the series, accumulates the summary.

use std::collections::BTreeMap;

use super::app::AppRecorder;
use super::share::ShareTracker;
use super::*;
use crate::scenario::Scenario;

/// Observes steps and accumulates the metrics.
pub struct Recorder {
    n_feeds: usize,
    n_pops: usize,
    steps: u32,
    sample_every: u32,
    /// The end (in steps) of the last sample taken.
    last_sample_end: u32,
    hours_per_step: f64,
    levels: Vec<f64>,
    hold: u32,
    /// The feeds' tabs, in order.
    tabs: Vec<String>,
    posts_by_kind: FeedPop<u64>,
    /// Counts since the previous sample, and over the run.
    since_sample: FeedCounts,
    posts_since_sample: FeedPop<u64>,
    totals: FeedCounts,
    /// Per tab: each feed x population's share over time.
    shares: Vec<FeedPop<ShareTracker>>,
    trending_steps: Vec<u64>,
    detrended_steps: Vec<u64>,
    first_trending: Vec<Option<u32>>,
    first_category: FeedPop<Option<u32>>,
    last_counts: Vec<PopulationCounts>,
    rows: Vec<SeriesRow>,
    windows: Vec<WindowRow>,
    app: Option<AppRecorder>,
}

impl Recorder {
    /// A recorder for a run of `s` whose feeds have the tabs `tabs` (in order).
    pub fn new(s: &Scenario, tabs: Vec<String>) -> Self {
        let (nf, np, nk) = (s.feeds.len(), s.populations.len(), s.kinds.len());
        let nl = s.metrics.levels.len();
        let trackers = FeedPop::filled(nf, np, ShareTracker::new(nl));
        Recorder {
            n_feeds: nf,
            n_pops: np,
            steps: s.time.steps,
            sample_every: s.metrics.sample_every_steps,
            last_sample_end: 0,
            hours_per_step: s.time.dt_seconds / 3600.0,
            levels: s.metrics.levels.clone(),
            hold: s.metrics.hold_steps.max(1),
            posts_by_kind: FeedPop::with_width(nf, np, nk),
            since_sample: FeedCounts::new(tabs.len(), nf, np),
            posts_since_sample: FeedPop::new(nf, np),
            totals: FeedCounts::new(tabs.len(), nf, np),
            shares: vec![trackers; tabs.len()],
            tabs,
            trending_steps: vec![0; nf],
            detrended_steps: vec![0; nf],
            first_trending: vec![None; nf],
            first_category: FeedPop::new(nf, np),
            last_counts: vec![PopulationCounts::default(); np],
            rows: Vec::new(),
            windows: Vec::new(),
            app: s
                .app
                .as_ref()
                .map(|a| AppRecorder::new(a, s.time.dt_seconds / 3600.0)),
        }
    }

    /// Whether the engine must report population counts after `step`.
    pub fn is_sample_step(&self, step: u32) -> bool {
        (step + 1).is_multiple_of(self.sample_every) || step + 1 == self.steps
    }

    pub fn observe(&mut self, v: &StepView) {
        if let (Some(rec), Some(a)) = (&mut self.app, v.app) {
            rec.observe(v.step, a, v.populations.is_some());
        }
        for f in 0..self.n_feeds {
            for p in 0..self.n_pops {
                let step_posts = v.posts_by_kind.cell(f, p);
                for (total, &n) in self.posts_by_kind.cell_mut(f, p).iter_mut().zip(step_posts) {
                    *total += n;
                }
                self.posts_since_sample[(f, p)] += step_posts.iter().sum::<u64>();
            }
        }
        self.since_sample.add(v.feeds);
        self.totals.add(v.feeds);
        for f in 0..self.n_feeds {
            if v.trending[f] {
                self.trending_steps[f] += 1;
                self.first_trending[f].get_or_insert(v.step);
            }
            if v.detrended[f] {
                self.detrended_steps[f] += 1;
            }
            if let Some(pop) = v.category[f] {
                self.first_category[(f, pop)].get_or_insert(v.step);
            }
            // Shares are judged at the samples (see `share`).
            if self.is_sample_step(v.step) {
                let span = v.step + 1 - self.last_sample_end;
                for p in 0..self.n_pops {
                    for (trackers, shares) in self.shares.iter_mut().zip(v.shares) {
                        let share = shares[(f, p)];
                        trackers[(f, p)].observe(v.step, span, share, &self.levels, self.hold);
                    }
                }
            }
        }
        if self.is_sample_step(v.step) {
            self.last_sample_end = v.step + 1;
        }
        if let Some(windows) = v.windows {
            for (feed, pops) in windows.iter().enumerate() {
                self.windows.push(WindowRow {
                    step: v.step + 1,
                    feed,
                    populations: pops.clone(),
                });
            }
        }
        if let Some(counts) = v.populations {
            self.last_counts.copy_from_slice(counts);
            let c = &self.since_sample;
            for f in 0..self.n_feeds {
                for (p, pc) in counts.iter().enumerate() {
                    self.rows.push(SeriesRow {
                        step: v.step + 1,
                        feed: f,
                        population: p,
                        posts: self.posts_since_sample[(f, p)],
                        shares: v.shares.iter().map(|s| s[(f, p)]).collect(),
                        impressions: c.impressions(f, p),
                        engagement: c.engagement[(f, p)],
                        rate_limited: c.rate_limited[(f, p)],
                        flagged: c.flagged[(f, p)],
                        removed: c.removed[(f, p)],
                        trending: v.trending[f],
                        category: v.category[f],
                        active: pc.active,
                        quit: pc.quit,
                    });
                }
            }
            self.since_sample.clear();
            self.posts_since_sample.values_mut().fill(0);
        }
    }

    /// End-of-step time of `step`, in hours.
    fn hours(&self, step: Option<u32>) -> When {
        match step {
            Some(s) => When::Hours(round6((s + 1) as f64 * self.hours_per_step)),
            None => When::Never,
        }
    }

    /// Builds the run's output. `truncated_draws` counts draws truncated at their key's
    /// cap, by key path.
    pub fn finish(
        self,
        s: &Scenario,
        seed: u64,
        follower_edges: u64,
        truncated_draws: BTreeMap<String, u64>,
    ) -> RunOutput {
        let t = &self.totals;
        let hours = |step| self.hours(step);
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let tabbed = |value: &dyn Fn(usize) -> u64| {
            let entries = self.tabs.iter().enumerate();
            entries.map(|(i, name)| (name.clone(), value(i))).collect()
        };
        let mut feeds = BTreeMap::new();
        let (mut total_posts, mut total_impressions) = (0, 0);
        for (f, feed) in s.feeds.iter().enumerate() {
            let feed_impressions: u64 = (0..self.n_pops)
                .map(|p| t.impressions(f, p))
                .fold(0, u64::saturating_add);
            total_impressions = u64::saturating_add(total_impressions, feed_impressions);
            let mut pops = BTreeMap::new();
            let mut feed_posts = 0;
            for (p, pop) in s.populations.iter().enumerate() {
                let posts_by_kind = self.posts_by_kind.cell(f, p);
                let by_kind: BTreeMap<String, u64> = s
                    .kinds
                    .iter()
                    .zip(posts_by_kind)
                    .zip(&pop.content)
                    // Every kind the population posts (0 included), so that aggregates
                    // across runs count a run without such posts as 0; it never posts
                    // a kind without a share (see `sim::kinds`).
                    .filter(|(_, share)| **share > 0.0)
                    .map(|((name, &n), _)| (name.clone(), n))
                    .collect();
                let posts: u64 = by_kind.values().sum();
                feed_posts += posts;
                let impressions = t.impressions(f, p);
                pops.insert(
                    pop.name.clone(),
                    FeedPopulationSummary {
                        posts,
                        posts_by_kind: by_kind,
                        shares: Tabbed::new(
                            self.tabs
                                .iter()
                                .zip(&self.shares)
                                .map(|(name, tr)| {
                                    (name.clone(), tr[(f, p)].summary(&self.levels, hours))
                                })
                                .collect(),
                        ),
                        first_trending_category_hours: self.hours(self.first_category[(f, p)]),
                        impressions: Impressions {
                            tabs: Tabbed::new(tabbed(&|i| t.tabs[i].impressions[(f, p)])),
                            reposts: t.repost_impressions[(f, p)],
                            total: impressions,
                            share: ratio(impressions, feed_impressions),
                        },
                        browse_reach: Tabbed::new(
                            self.tabs
                                .iter()
                                .zip(&t.tabs)
                                .map(|(name, c)| {
                                    (name.clone(), ratio(c.reach[(f, p)], c.browses[f]))
                                })
                                .collect(),
                        ),
                        engagement: t.engagement[(f, p)],
                        moderation: ModerationCounts {
                            rate_limited: t.rate_limited[(f, p)],
                            flagged: t.flagged[(f, p)],
                            removed: t.removed[(f, p)],
                        },
                    },
                );
            }
            total_posts += feed_posts;
            feeds.insert(
                feed.name.clone(),
                FeedSummary {
                    posts: feed_posts,
                    browses: Tabbed::prefixed("browses_", tabbed(&|i| t.tabs[i].browses[f])),
                    trending_hours: round6(self.trending_steps[f] as f64 * self.hours_per_step),
                    first_trending_hours: self.hours(self.first_trending[f]),
                    detrended_hours: round6(self.detrended_steps[f] as f64 * self.hours_per_step),
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
        let (app_series, app) = match self.app {
            Some(rec) => {
                let (rows, summary) = rec.finish();
                (rows, Some(summary))
            }
            None => (Vec::new(), None),
        };
        RunOutput {
            tabs: self.tabs,
            series: self.rows,
            app_series,
            windows: self.windows,
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
                    browses: t.tabs.iter().flat_map(|c| &c.browses).sum(),
                    impressions: total_impressions,
                },
                feeds,
                populations,
                app,
                truncated_draws,
            },
        }
    }
}
