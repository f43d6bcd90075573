//! The publish phase: block outputs into the feeds (removals, Latest, Top), readers'
//! browsing, trending, and the step's report to the metrics recorder.

use super::World;
use super::block::AgentState;
use super::feed::latest_k;
use crate::metrics::{AppStep, PopulationCounts, StepView};

impl World<'_> {
    /// Collects the blocks' posts into the feeds and reports the step to the recorder.
    pub(super) fn publish(&mut self, step: u32) {
        let n_pops = self.scenario.populations.len();
        let n_kinds = self.scenario.kinds.len();
        let n_feeds = self.scenario.feeds.len();
        self.step_counts.iter_mut().for_each(|c| *c = 0);
        self.feed_posts.iter_mut().for_each(Vec::clear);
        self.fc.clear_step();
        let mut suspended = Vec::new();
        for block in &self.blocks {
            for (total, &c) in self.step_counts.iter_mut().zip(&block.out.counts) {
                *total += c as u64;
            }
            for (f, posts) in block.out.latest.iter().enumerate() {
                self.feed_posts[f].extend_from_slice(posts);
            }
            for (i, (&limited, &flagged)) in block
                .out
                .rate_limited
                .iter()
                .zip(&block.out.flagged)
                .enumerate()
            {
                self.fc.rate_limited[i] += limited as u64;
                self.fc.flagged[i] += flagged as u64;
            }
            for r in &block.out.removed {
                let f = r.feed as usize;
                self.fc.removed[f * n_pops + r.pop as usize] += 1;
                self.latest[f].remove(r.id);
                self.top[f].remove(r.id);
            }
            suspended.extend_from_slice(&block.out.suspended);
        }
        for agent in suspended {
            self.suspend(agent);
        }
        for f in 0..n_feeds {
            latest_k(
                &mut self.feed_posts[f],
                self.scenario.feeds[f].latest_window,
            );
            self.latest[f].extend(&self.feed_posts[f]);
            for p in &self.feed_posts[f] {
                self.top[f].add(*p);
            }
        }
        // Readers see both tabs as they are after this step's posts; their engagement
        // then re-ranks Top for the end of the step.
        let now = (step + 1) as f64;
        if !self.readers.is_empty() {
            for f in 0..n_feeds {
                let visible: Vec<u64> = self.latest[f].posts().iter().map(|p| p.id).collect();
                self.top[f].refresh(now, &visible);
            }
            self.read(step);
        }
        let mut trending = vec![false; n_feeds];
        let mut detrended = vec![false; n_feeds];
        let mut category = vec![None; n_feeds];
        for f in 0..n_feeds {
            let visible: Vec<u64> = self.latest[f].posts().iter().map(|p| p.id).collect();
            self.top[f].refresh(now, &visible);
            let shown = self.top[f].shown();
            for p in 0..n_pops {
                let i = f * n_pops + p;
                self.shares[i] = self.latest[f].share(p);
                self.fc.top_share[i] = if shown.is_empty() {
                    0.0
                } else {
                    shown.iter().filter(|t| t.post.pop as usize == p).count() as f64
                        / shown.len() as f64
                };
            }
            if let Some(meter) = &mut self.trending[f] {
                let by_pop: Vec<u64> = (0..n_pops)
                    .map(|p| {
                        let i = (f * n_pops + p) * n_kinds;
                        self.step_counts[i..i + n_kinds].iter().sum()
                    })
                    .collect();
                let flagged = self.fc.flagged[f * n_pops..(f + 1) * n_pops].iter().sum();
                meter.record(step, &by_pop, flagged);
                trending[f] = meter.trending;
                detrended[f] = meter.detrended;
                category[f] = meter.category();
            }
        }
        let app = self.app_step(step);
        let sample = self.recorder.is_sample_step(step);
        let populations = sample.then(|| self.population_counts(step));
        let windows: Option<Vec<Vec<u8>>> = sample.then(|| {
            self.latest
                .iter()
                .map(|w| w.posts().iter().map(|p| p.pop).collect())
                .collect()
        });
        self.recorder.observe(&StepView {
            step,
            posts_by_kind: &self.step_counts,
            latest_share: &self.shares,
            feeds: &self.fc,
            trending: &trending,
            detrended: &detrended,
            category: &category,
            populations: populations.as_deref(),
            windows: windows.as_deref(),
            app: app.as_ref(),
        });
    }

    /// The app's step (if the scenario has an app).
    fn app_step(&mut self, step: u32) -> Option<AppStep> {
        let mut app = self.app.take()?;
        let this = &*self;
        let result = app.step(
            self.scenario,
            self.seed,
            step,
            |pop| this.active_fraction(pop),
            |agent| {
                let (s, a) = Self::locate(agent);
                this.blocks[s].state[a] == AgentState::Active
            },
        );
        self.app = Some(app);
        Some(result)
    }

    /// Records a suspension decided in a block.
    fn suspend(&mut self, agent: u32) {
        let (s, a) = Self::locate(agent);
        let p = self.pop_of(agent);
        self.counts[p].suspended += 1;
        self.leave_activity(p, 1);
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
