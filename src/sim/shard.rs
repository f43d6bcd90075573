//! A fixed block of agents with its own calendar and random stream.
//!
//! Shards are the unit of parallel work: during a step every shard runs its own posting
//! process independently, so the split is a property of the agents (fixed size), never of
//! the thread count. State is stored column-wise for cache-friendly scans.

use rand::RngExt;
use rand_distr::Exp1;

use super::calendar::{Calendar, Candidate};
use crate::rng::SimRng;

/// Agents per shard; part of the determinism contract (changing it changes results).
pub const SHARD_BITS: u32 = 16;
pub const SHARD_SIZE: u32 = 1 << SHARD_BITS;

/// Where an agent is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum AgentState {
    Dormant,
    /// Will activate at the start of the next step (reached by the network).
    Pending,
    /// Posting (until its active period ends, see `end_at`).
    Active,
    /// Left after discouragement.
    Quit,
}

/// One post, as the shard reports it to the feeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Post {
    /// Time in steps since the start.
    pub t: f32,
    pub author: u32,
    pub feed: u8,
    pub pop: u8,
    pub kind: u8,
}

impl Post {
    /// Total order by time, ties broken by author (deterministic Latest windows).
    #[inline]
    pub fn order(a: &Post, b: &Post) -> std::cmp::Ordering {
        a.t.total_cmp(&b.t).then(a.author.cmp(&b.author))
    }
}

/// Read-only facts of the current step that posting needs, per population.
#[derive(Debug, Default)]
pub struct StepContext {
    pub step: u32,
    pub steps: u32,
    /// Diurnal factor by population, then time-zone index.
    pub diurnal: Vec<Vec<f32>>,
    /// Largest diurnal factor by population (the thinning bound).
    pub diurnal_max: Vec<f32>,
    /// Half-life in steps by population, if activity decays.
    pub half_life: Vec<Option<f64>>,
    /// Feed every post of the population goes to this step (least-dominated targeting).
    pub forced_feed: Vec<Option<u8>>,
    /// Cumulative content-kind probabilities by population.
    pub kind_cdf: Vec<Vec<f64>>,
    pub n_pops: usize,
    pub n_kinds: usize,
}

impl StepContext {
    /// Activity multiplier `2^(-age / half_life)` of an agent activated at `since`.
    #[inline]
    pub fn decay(&self, pop: usize, since: f32, t: f32) -> f32 {
        match self.half_life[pop] {
            None => 1.0,
            Some(h) => (-((t - since) as f64) / h).exp2() as f32,
        }
    }
}

/// Counts and posts a shard produced in one step.
#[derive(Debug, Default)]
pub struct ShardOutput {
    /// Posts by `(feed * n_pops + pop) * n_kinds + kind`.
    pub counts: Vec<u32>,
    pub posts: Vec<Post>,
}

/// A block of agents `first..first + len`.
#[derive(Debug)]
pub struct Shard {
    pub first: u32,
    pub pop: Vec<u8>,
    pub tz: Vec<u8>,
    pub state: Vec<AgentState>,
    /// Home feed (weights targeting).
    pub feed: Vec<u8>,
    /// Posts per step at diurnal factor 1.
    pub rate: Vec<f32>,
    /// Current thinning bound: the candidate rate the next candidate was drawn with.
    pub bound: Vec<f32>,
    pub activated_at: Vec<f32>,
    /// Time (in steps) the active period ends; infinite if it does not.
    pub end_at: Vec<f32>,
    /// Activation threshold (fraction of followees), if the model is used.
    pub threshold: Vec<f32>,
    /// Active followees counted so far (threshold model).
    pub active_followees: Vec<u32>,
    pub calendar: Calendar,
    pub rng: SimRng,
    pub out: ShardOutput,
}

impl Shard {
    /// Runs this step's posting: thinning of each due candidate against the agent's
    /// current intensity (rate x diurnal x decay), then the next candidate.
    pub fn post_step(&mut self, ctx: &StepContext, n_feeds: usize) {
        let step = ctx.step;
        let n_counts = n_feeds * ctx.n_pops * ctx.n_kinds;
        self.out.counts.clear();
        self.out.counts.resize(n_counts, 0);
        self.out.posts.clear();
        let due = self.calendar.take(step);
        let end_of_step = (step + 1) as f32;
        for &Candidate { agent, t } in &due {
            let a = agent as usize;
            let mut t = t;
            loop {
                if self.state[a] != AgentState::Active || t >= self.end_at[a] {
                    break;
                }
                let pop = self.pop[a] as usize;
                let decay = ctx.decay(pop, self.activated_at[a], t);
                let intensity = self.rate[a] * ctx.diurnal[pop][self.tz[a] as usize] * decay;
                let accept = intensity / self.bound[a];
                if accept >= 1.0 || self.rng.random::<f32>() < accept {
                    self.emit(a, pop, t, ctx);
                }
                let bound = self.rate[a] * ctx.diurnal_max[pop] * decay;
                if bound <= 1e-12 {
                    break;
                }
                self.bound[a] = bound;
                t += (self.rng.sample::<f64, _>(Exp1) / bound as f64) as f32;
                if t >= self.end_at[a] || t >= ctx.steps as f32 {
                    break;
                }
                if t >= end_of_step {
                    self.calendar.push(Candidate { agent, t });
                    break;
                }
            }
        }
        self.calendar.recycle(step, due);
    }

    #[inline]
    fn emit(&mut self, a: usize, pop: usize, t: f32, ctx: &StepContext) {
        let feed = match ctx.forced_feed[pop] {
            Some(f) => f,
            None => self.feed[a],
        };
        let cdf = &ctx.kind_cdf[pop];
        let kind = if cdf.len() == 1 {
            0
        } else {
            let u: f64 = self.rng.random();
            cdf.iter().position(|&c| u < c).unwrap_or(cdf.len() - 1)
        };
        self.out.counts[(feed as usize * ctx.n_pops + pop) * ctx.n_kinds + kind] += 1;
        self.out.posts.push(Post {
            t,
            author: self.first + a as u32,
            feed,
            pop: pop as u8,
            kind: kind as u8,
        });
    }
}
