//! The publish phase: block outputs into the feeds (removals, then each feed's posts of
//! the step into its tabs, which record what they showed and for how long), readers'
//! browsing of that, trending, and the step's report to the metrics recorder.

use super::World;
use super::block::AgentState;
use super::block::Post;
use super::feed::sort_step;
use super::read::Browses;
use crate::metrics::{AppStep, PopulationCounts, StepView};
use crate::rng::{self, SimRng, Stream};
use crate::scenario::LATEST;

impl World<'_> {
    /// Collects the blocks' posts into the feeds and reports the step to the recorder.
    pub(super) fn publish(&mut self, step: u32) {
        let n_pops = self.scenario.populations.len();
        let n_feeds = self.scenario.feeds.len();
        self.step_counts.values_mut().fill(0);
        self.feed_counts.clear();
        let mut suspended = Vec::new();
        for block in &self.blocks {
            self.step_counts.add_counts(&block.out.counts);
            self.feed_counts
                .rate_limited
                .add_counts(&block.out.rate_limited);
            self.feed_counts.flagged.add_counts(&block.out.flagged);
            for r in &block.out.removed {
                let f = r.feed as usize;
                self.feed_counts.removed[(f, r.pop as usize)] += 1;
                for tab in &mut self.tabs[f] {
                    tab.remove(r.id);
                }
            }
            suspended.extend_from_slice(&block.out.suspended);
        }
        // The feeds' posts of the step in time order, and only what each takes in.
        for f in 0..n_feeds {
            let blocks = &self.blocks;
            sort_step(
                || blocks.iter().map(|b| &b.out.latest[f][..]),
                step as f64,
                &mut self.feed_posts[f],
                &mut self.sort_scratch,
            );
            keep_latest(&mut self.feed_posts[f], self.arrivals[f]);
        }
        for agent in suspended {
            self.suspend(agent);
        }
        self.end_periods(step);
        // Browses happen during the step, on what each tab shows while it lasts: Latest
        // changes with every arrival, ranked tabs show their last ranking (they rank again
        // on their feed's grid, within the step if it is finer than the step).
        let mut rng = rng::stream(self.seed, Stream::Reading, step as u64);
        let browses = self.draw_browses(step, &mut rng);
        let mut exposure = std::mem::take(&mut self.exposure);
        exposure.resize_with(self.shares.len(), Default::default);
        let mut flags = std::mem::take(&mut self.step_flags);
        flags.reset(n_feeds, n_pops);
        let StepFlags {
            trending,
            detrended,
            category,
            by_pop,
            counts,
        } = &mut flags;
        for f in 0..n_feeds {
            let newest = self.scenario.feeds[f].latest_window();
            let rerank = self.scenario.feeds[f].rerank;
            let parts = rerank.per_step;
            let mut left = browses.clone();
            let mut start = 0;
            for j in 0..parts {
                let from = step as f64 + j as f64 / parts as f64;
                let to = step as f64 + (j + 1) as f64 / parts as f64;
                // The part's posts (oldest first) and browses (a binomial share of those
                // left, so the parts' browses are a multinomial split of the step's).
                let posts = &self.feed_posts[f];
                let end = if j + 1 == parts {
                    posts.len()
                } else {
                    start + posts[start..].partition_point(|p| p.t < to)
                };
                let part_browses: Browses = if parts == 1 {
                    std::mem::take(&mut left)
                } else {
                    split_off(&mut left, f, 1.0 / (parts - j) as f64, &mut rng)
                };
                let posts = &self.feed_posts[f][start..end];
                for (t, (tab, e)) in self.tabs[f].iter_mut().zip(&mut exposure).enumerate() {
                    let read = part_browses.iter().any(|b| b[f][t] > 0);
                    e.clear(n_pops);
                    tab.take_in(posts, from, to, newest, read.then_some(e));
                }
                start = end;
                if !part_browses.is_empty() {
                    self.read_feed(f, &part_browses, &exposure, &mut rng);
                }
                if parts > 1 || (step + 1).is_multiple_of(rerank.every_steps) {
                    self.refresh_tabs(f, to);
                }
            }
            for (tab, shares) in self.tabs[f].iter().zip(&mut self.shares) {
                tab.count_by_population(counts);
                let shown = tab.len();
                for (p, &n) in counts.iter().enumerate() {
                    shares[(f, p)] = if shown == 0 {
                        0.0
                    } else {
                        n as f64 / shown as f64
                    };
                }
            }
            if let Some(meter) = &mut self.trending[f] {
                for (p, n) in by_pop.iter_mut().enumerate() {
                    *n = self.step_counts.cell(f, p).iter().sum();
                }
                let flagged = self.feed_counts.flagged.feed(f).iter().sum();
                meter.record(step, by_pop, flagged);
                trending[f] = meter.trending;
                detrended[f] = meter.detrended;
                category[f] = meter.category();
            }
        }
        self.exposure = exposure;
        let app = self.app_step(step);
        let sample = self.recorder.is_sample_step(step);
        let populations = sample.then(|| self.population_counts(step));
        let windows: Option<Vec<Vec<u8>>> = sample.then(|| {
            self.tabs
                .iter()
                .map(|tabs| tabs[LATEST].shown().map(|p| p.pop).collect())
                .collect()
        });
        self.recorder.observe(&StepView {
            step,
            posts_by_kind: &self.step_counts,
            shares: &self.shares,
            feeds: &self.feed_counts,
            trending,
            detrended,
            category,
            populations: populations.as_deref(),
            windows: windows.as_deref(),
            app: app.as_ref(),
        });
        self.step_flags = flags;
    }

    /// Ranks feed `f`'s tabs again for time `now`, each knowing what the others show.
    fn refresh_tabs(&mut self, f: usize, now: f64) {
        let tabs = &mut self.tabs[f];
        let visible = &mut self.visible_ids;
        for t in 0..tabs.len() {
            if !tabs[t].reranks() {
                continue;
            }
            visible.clear();
            for (other, tab) in tabs.iter().enumerate() {
                if other != t {
                    tab.shown_ids(visible);
                }
            }
            tabs[t].refresh(now, visible);
        }
    }

    /// The app's step (if the scenario has an app).
    fn app_step(&mut self, step: u32) -> Option<AppStep> {
        let mut app = self.app.take()?;
        let this = &*self;
        let result = app.step(self.scenario, self.seed, step, |agent, t| {
            let (s, a) = Self::locate(agent);
            let state = this.blocks[s].state[a];
            // A quitter's period ends when it quits.
            matches!(state, AgentState::Active | AgentState::Quit)
                && t < this.blocks[s].agents[a].end_at
        });
        self.app = Some(app);
        Some(result)
    }

    /// Records a suspension decided in a block.
    fn suspend(&mut self, agent: u32) {
        let (s, a) = Self::locate(agent);
        let p = self.scenario.population_of(agent);
        self.counts[p].suspended += 1;
        let since = self.blocks[s].agents[a].activated_at;
        self.stop_counted(agent, since, self.next_step as f64, self.next_step);
        let end = self.blocks[s].agents[a].end_at;
        if end < self.scenario.time.steps as f64 {
            self.fatigue_ends[p]
                [end as usize / self.scenario.metrics.sample_every_steps as usize] -= 1;
        }
    }

    /// Population counts at the end of `step`, a sample step or the last one.
    pub(super) fn population_counts(&self, step: u32) -> Vec<PopulationCounts> {
        let every = self.scenario.metrics.sample_every_steps;
        // Ends at step e are in interval e / every; at the end of sample step s all
        // intervals before (s + 1) / every are over; at the last step, all of them.
        let done = if step + 1 == self.scenario.time.steps {
            usize::MAX
        } else {
            ((step + 1) / every) as usize
        };
        self.counts
            .iter()
            .zip(&self.fatigue_ends)
            .map(|(c, ends)| {
                let fatigued: u64 = ends.iter().take(done).sum();
                PopulationCounts {
                    fatigued,
                    active: c.ever_active - c.quit - c.suspended - fatigued,
                    ..*c
                }
            })
            .collect()
    }
}

/// The step's trending state per feed and counts per population, kept between steps
/// to reuse their room.
#[derive(Debug, Default)]
pub(super) struct StepFlags {
    trending: Vec<bool>,
    detrended: Vec<bool>,
    category: Vec<Option<usize>>,
    by_pop: Vec<u64>,
    counts: Vec<u32>,
}

impl StepFlags {
    /// Clears it for `n_feeds` feeds and `n_pops` populations.
    fn reset(&mut self, n_feeds: usize, n_pops: usize) {
        refill(&mut self.trending, n_feeds, false);
        refill(&mut self.detrended, n_feeds, false);
        refill(&mut self.category, n_feeds, None);
        refill(&mut self.by_pop, n_pops, 0);
        refill(&mut self.counts, n_pops, 0);
    }
}

/// Makes `v` hold `n` copies of `x`, keeping its room.
fn refill<T: Clone>(v: &mut Vec<T>, n: usize, x: T) {
    v.clear();
    v.resize(n, x);
}

/// Takes from `left` (browses by reader, feed and tab) feed `f`'s browses that fall in a
/// part of the rest of the step holding `share` of it: each count a binomial draw.
fn split_off(left: &mut Browses, f: usize, share: f64, rng: &mut SimRng) -> Browses {
    left.iter_mut()
        .map(|by_feed| {
            by_feed
                .iter_mut()
                .enumerate()
                .map(|(g, by_tab)| {
                    by_tab
                        .iter_mut()
                        .map(|n| {
                            if g != f {
                                return 0;
                            }
                            let k = super::read::binomial(rng, *n, share);
                            *n -= k;
                            k
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Keeps the `k` latest of `posts`, which are sorted oldest first.
fn keep_latest(posts: &mut Vec<Post>, k: usize) {
    if posts.len() > k {
        posts.drain(..posts.len() - k);
    }
}
