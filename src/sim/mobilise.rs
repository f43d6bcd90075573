//! Who becomes active, quits or moves: call to action, broadcast while trending,
//! discouragement, and spreading through the follower network.
//!
//! Runs sequentially at the start of each step with a stream keyed by the step, so its
//! randomness is independent of the posting blocks and of the thread count.

use rand::RngExt;
use rand_distr::{Distribution as _, Exp1, Geometric};
use rayon::prelude::*;

use super::World;
use super::block::AgentState;
use super::calendar::Candidate;
use super::clock::DiurnalClock;
use super::setup::pick;
use crate::rng::{self, SimRng, Stream};
use crate::scenario::{Cascade, DiscouragementAction, LATEST, Targeting};

/// Newly active agents per parallel task when spreading; fixed, so the order of events
/// (and the results) do not depend on the thread count.
const SPREAD_CHUNK: usize = 4096;

impl World<'_> {
    /// The mobilisation phase of `step`.
    pub(super) fn mobilise(&mut self, step: u32) {
        let mut rng = rng::stream(self.seed, Stream::Mobilisation, step as u64);
        let mut newly = Vec::new();
        for agent in self.pending.remove(&step).unwrap_or_default() {
            self.activate(agent, step, true, &mut rng, &mut newly);
        }
        for p in 0..self.scenario.populations.len() {
            let pop = &self.scenario.populations[p];
            let m = &pop.mobilisation;
            let mut chances = Vec::new();
            if step == 0 {
                chances.push(m.initial_active);
            }
            if let Some(cta) = &m.call_to_action
                && cta.step == step
            {
                chances.push(cta.fraction);
            }
            if let Some(b) = &m.broadcast
                && self.trending[b.feed].as_ref().is_some_and(|t| t.trending)
            {
                chances.push(crate::scenario::chance_in_step(b.rate_per_step));
            }
            for chance in chances {
                for agent in sample(pop.agents(), chance, &mut rng) {
                    let (s, a) = Self::locate(agent);
                    if self.blocks[s].state[a] == AgentState::Dormant {
                        self.activate(agent, step, false, &mut rng, &mut newly);
                    }
                }
            }
            self.discourage(p, step, &mut rng);
        }
        self.update_activity();
        self.spread(&newly, step, &mut rng);
    }

    /// Makes a dormant or pending agent active and schedules its first post.
    fn activate(
        &mut self,
        agent: u32,
        step: u32,
        by_network: bool,
        rng: &mut SimRng,
        newly: &mut Vec<u32>,
    ) {
        let (s, a) = Self::locate(agent);
        let block = &mut self.blocks[s];
        let p = block.agents[a].pop as usize;
        let pop = &self.scenario.populations[p];
        block.state[a] = AgentState::Active;
        block.agents[a].activated_at = step as f64;
        if let Some(d) = &pop.fatigue.active_steps {
            let end = step as f64 + d.sampler().sample(rng);
            block.agents[a].end_at = end;
            if end < self.scenario.time.steps as f64 {
                self.fatigue_ends[p]
                    [end as usize / self.scenario.metrics.sample_every_steps as usize] += 1;
            }
        }
        if let Targeting::Weights(w) = &pop.targeting {
            block.feed[a] = pick(rng, w.iter().copied()) as u8;
        }
        let me = block.agents[a];
        if me.rate > 0.0 {
            let clock = self.ctx.clocks[p][me.tz as usize].as_ref();
            let gap = rng.sample::<f64, _>(Exp1) / me.rate as f64;
            let t = DiurnalClock::advance(clock, step as f64, gap);
            if t < me.end_at && t < self.scenario.time.steps as f64 {
                block.calendar.push(Candidate {
                    agent: a as u16,
                    t,
                    rate: me.rate,
                    bound: me.rate,
                    since: me.activated_at,
                    active: (me.end_at - me.activated_at) as f32,
                    pop: me.pop,
                    tz: me.tz,
                });
            }
        }
        self.counts[p].ever_active += 1;
        if by_network {
            self.counts[p].by_network += 1;
        }
        newly.push(agent);
    }

    /// Gives the followers of each newly active agent their chance to activate next step.
    fn spread(&mut self, newly: &[u32], step: u32, rng: &mut SimRng) {
        let key = rng::key(self.seed, Stream::Cascade, 0);
        let n_pops = self.scenario.populations.len();
        // Pass 1, in parallel over fixed chunks (read-only): the edges that matter, in
        // order. Independent-cascade trials are stateless per edge, so only successes on
        // still-dormant followers are kept; every threshold edge is kept (it counts).
        let world = &*self;
        let events: Vec<Vec<u32>> = newly
            .par_chunks(SPREAD_CHUNK)
            .map(|chunk| {
                let mut out = Vec::new();
                for &u in chunk {
                    for &v in world.graph.followers(u) {
                        let (s, a) = Self::locate(v);
                        let keep = match &world.scenario.populations[world.pop_of(v)]
                            .mobilisation
                            .cascade
                        {
                            None => false,
                            Some(Cascade::Independent { p: chance }) => {
                                world.blocks[s].state[a] == AgentState::Dormant
                                    && rng::edge_uniform(key, u, v) < *chance
                            }
                            Some(Cascade::Threshold { .. }) => true,
                        };
                        if keep {
                            out.push(v);
                        }
                    }
                }
                out
            })
            .collect();
        // Pass 2, sequential in the same order: state changes and threshold counts.
        let mut reached: Vec<Vec<u32>> = vec![Vec::new(); n_pops];
        for v in events.into_iter().flatten() {
            let (s, a) = Self::locate(v);
            let p = self.pop_of(v);
            let block = &mut self.blocks[s];
            let joins = match &self.scenario.populations[p].mobilisation.cascade {
                Some(Cascade::Threshold { .. }) => {
                    block.active_followees[a] += 1;
                    let needed = block.threshold[a] as f64 * self.graph.followee_count(v) as f64;
                    block.state[a] == AgentState::Dormant
                        && block.active_followees[a] as f64 >= needed
                }
                _ => block.state[a] == AgentState::Dormant,
            };
            if joins {
                block.state[a] = AgentState::Pending;
                reached[p].push(v);
            }
        }
        for (p, agents) in reached.into_iter().enumerate() {
            let mean = self.scenario.populations[p]
                .mobilisation
                .cascade_delay_steps;
            for v in agents {
                // At least one step: an activation never propagates within its own step.
                let delay = if mean > 0.0 {
                    (rng.sample::<f64, _>(Exp1) * mean).ceil().max(1.0)
                } else {
                    1.0
                };
                let at = step as f64 + delay;
                if at < self.scenario.time.steps as f64 {
                    self.pending.entry(at as u32).or_default().push(v);
                }
            }
        }
    }

    /// Active agents whose own population's share of their feed is below the level quit
    /// or move with the configured probability.
    fn discourage(&mut self, p: usize, step: u32, rng: &mut SimRng) {
        let pop = &self.scenario.populations[p];
        let Some(d) = &pop.discouragement else { return };
        let share = |f: usize| self.shares[LATEST][(f, p)];
        let below: Vec<bool> = (0..self.scenario.feeds.len())
            .map(|f| !self.tabs[f][LATEST].is_empty() && share(f) < d.below_share)
            .collect();
        if !below.iter().any(|&b| b) {
            return;
        }
        let targets = pop.targeting.feeds();
        let least_dominated = self.least_dominated(p);
        let mut quits = 0;
        for agent in sample(
            pop.agents(),
            crate::scenario::chance_in_step(d.rate_per_step),
            rng,
        ) {
            let (s, a) = Self::locate(agent);
            let block = &mut self.blocks[s];
            if block.state[a] != AgentState::Active || block.agents[a].end_at <= step as f64 {
                continue;
            }
            let feed = match self.ctx.forced_feed[p] {
                Some(f) if least_dominated => f as usize,
                _ => block.feed[a] as usize,
            };
            if !below[feed] {
                continue;
            }
            let destination = match d.action {
                DiscouragementAction::Quit => None,
                DiscouragementAction::Move => targets.iter().copied().filter(|&f| f != feed).fold(
                    None,
                    |best: Option<usize>, f| match best {
                        Some(b) if share(b) >= share(f) => Some(b),
                        _ => Some(f),
                    },
                ),
            };
            match destination {
                Some(f) => {
                    block.feed[a] = f as u8;
                    self.counts[p].moved += 1;
                }
                None => {
                    block.state[a] = AgentState::Quit;
                    self.counts[p].quit += 1;
                    let end = block.agents[a].end_at;
                    if end < self.scenario.time.steps as f64 {
                        self.fatigue_ends[p]
                            [end as usize / self.scenario.metrics.sample_every_steps as usize] -= 1;
                    }
                    quits += 1;
                }
            }
        }
        self.leave_activity(p, quits);
    }
}

/// The agents of `range` each chosen independently with probability `p`, visited in
/// order by geometric skips: cost proportional to the number chosen.
fn sample(range: std::ops::Range<u32>, p: f64, rng: &mut SimRng) -> Vec<u32> {
    if p <= 0.0 {
        return Vec::new();
    }
    if p >= 1.0 {
        return range.collect();
    }
    let skip = Geometric::new(p).expect("p in (0, 1)");
    let mut out = Vec::new();
    // Saturating: a tiny p draws skips near u64::MAX.
    let mut i = (range.start as u64).saturating_add(skip.sample(rng));
    while i < range.end as u64 {
        out.push(i as u32);
        i = i.saturating_add(1).saturating_add(skip.sample(rng));
    }
    out
}
