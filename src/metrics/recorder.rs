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
    n_kinds: usize,
    steps: u32,
    sample_every: u32,
    hours_per_step: f64,
    levels: Vec<f64>,
    hold: u32,
    posts_by_kind: Vec<u64>,
    /// Counts since the previous sample, and over the run.
    since_sample: FeedCounts,
    posts_since_sample: Vec<u64>,
    totals: FeedCounts,
    latest: Vec<ShareTracker>,
    top: Vec<ShareTracker>,
    trending_steps: Vec<u64>,
    detrended_steps: Vec<u64>,
    first_trending: Vec<Option<u32>>,
    first_category: Vec<Option<u32>>,
    last_counts: Vec<PopulationCounts>,
    rows: Vec<SeriesRow>,
    windows: Vec<WindowRow>,
    app: Option<AppRecorder>,
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
            posts_by_kind: vec![0; nf * np * nk],
            since_sample: FeedCounts::new(nf, np),
            posts_since_sample: vec![0; nf * np],
            totals: FeedCounts::new(nf, np),
            latest: vec![ShareTracker::new(nl); nf * np],
            top: vec![ShareTracker::new(nl); nf * np],
            trending_steps: vec![0; nf],
            detrended_steps: vec![0; nf],
            first_trending: vec![None; nf],
            first_category: vec![None; nf * np],
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
        for (i, &n) in v.posts_by_kind.iter().enumerate() {
            self.posts_by_kind[i] += n;
            self.posts_since_sample[i / self.n_kinds] += n;
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
                self.first_category[f * self.n_pops + pop].get_or_insert(v.step);
            }
            for i in f * self.n_pops..(f + 1) * self.n_pops {
                self.latest[i].observe(v.step, v.latest_share[i], &self.levels, self.hold);
                self.top[i].observe(v.step, v.feeds.top_share[i], &self.levels, self.hold);
            }
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
                    let i = f * self.n_pops + p;
                    self.rows.push(SeriesRow {
                        step: v.step + 1,
                        feed: f,
                        population: p,
                        posts: self.posts_since_sample[i],
                        latest_share: v.latest_share[i],
                        top_share: v.feeds.top_share[i],
                        impressions: c.impressions_latest[i]
                            + c.impressions_top[i]
                            + c.impressions_repost[i],
                        engagement: c.engagement[i],
                        rate_limited: c.rate_limited[i],
                        flagged: c.flagged[i],
                        removed: c.removed[i],
                        trending: v.trending[f],
                        category: v.category[f],
                        active: pc.active,
                        quit: pc.quit,
                    });
                }
            }
            self.since_sample.clear_step();
            self.posts_since_sample.iter_mut().for_each(|n| *n = 0);
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
        let mut feeds = BTreeMap::new();
        let (mut total_posts, mut total_impressions) = (0, 0);
        for (f, feed) in s.feeds.iter().enumerate() {
            let range = f * self.n_pops..(f + 1) * self.n_pops;
            let impressions_of = |i: usize| {
                t.impressions_latest[i]
                    .saturating_add(t.impressions_top[i])
                    .saturating_add(t.impressions_repost[i])
            };
            let feed_impressions: u64 = range
                .clone()
                .map(impressions_of)
                .fold(0, u64::saturating_add);
            total_impressions = u64::saturating_add(total_impressions, feed_impressions);
            let mut pops = BTreeMap::new();
            let mut feed_posts = 0;
            for (p, pop) in s.populations.iter().enumerate() {
                let i = f * self.n_pops + p;
                let by_kind: BTreeMap<String, u64> = s
                    .kinds
                    .iter()
                    .enumerate()
                    .map(|(k, name)| (name.clone(), self.posts_by_kind[i * self.n_kinds + k]))
                    // Every kind the population can post (0 included), so that
                    // aggregates across runs count a run without such posts as 0.
                    .filter(|(k, n)| {
                        *n > 0
                            || pop.content[s.kinds.iter().position(|x| x == k).unwrap_or(0)] > 0.0
                    })
                    .collect();
                let posts: u64 = by_kind.values().sum();
                feed_posts += posts;
                pops.insert(
                    pop.name.clone(),
                    FeedPopulationSummary {
                        posts,
                        posts_by_kind: by_kind,
                        latest: self.latest[i].summary(&self.levels, hours),
                        top: self.top[i].summary(&self.levels, hours),
                        first_trending_category_hours: self.hours(self.first_category[i]),
                        impressions: Impressions {
                            latest: t.impressions_latest[i],
                            top: t.impressions_top[i],
                            reposts: t.impressions_repost[i],
                            total: impressions_of(i),
                            share: ratio(impressions_of(i), feed_impressions),
                        },
                        browse_reach: Reach {
                            latest: ratio(t.reach_latest[i], t.browses_latest[f]),
                            top: ratio(t.reach_top[i], t.browses_top[f]),
                        },
                        engagement: t.engagement[i],
                        moderation: ModerationCounts {
                            rate_limited: t.rate_limited[i],
                            flagged: t.flagged[i],
                            removed: t.removed[i],
                        },
                    },
                );
            }
            total_posts += feed_posts;
            feeds.insert(
                feed.name.clone(),
                FeedSummary {
                    posts: feed_posts,
                    browses_latest: t.browses_latest[f],
                    browses_top: t.browses_top[f],
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
                    browses: t.browses_latest.iter().chain(&t.browses_top).sum(),
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
