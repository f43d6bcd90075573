//! Who becomes active, quits or moves: call to action, broadcast while trending,
//! discouragement, and spreading through the follower network.
//!
//! Everything happens at continuous times: a call to action at its time, a broadcast
//! activation or a discouraged agent's decision at a time drawn within the step from its
//! hazard, a network activation after an exponential delay from the activation that
//! caused it (several hops can fall within one step). A step's activations are taken in
//! time order, so the step's length only sets when the feeds' state that drives broadcast
//! and discouragement is observed.
//!
//! Runs sequentially at the start of each step with a stream keyed by the step, so its
//! randomness is independent of the posting blocks and of the thread count.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::RngExt;
use rand_distr::{Distribution as _, Exp1, Geometric};

use super::World;
use super::block::AgentState;
use super::calendar::{Candidate, Posting};
use super::clock::DiurnalClock;
use super::setup::pick;
use crate::network::prefetch::prefetch;
use crate::rng::{self, SimRng, Stream};

/// How many activations ahead the mobilisation loop starts loading their follower
/// lists (and twice as far ahead, where those lists begin).
const PREFETCH_DISTANCE: usize = 8;
use crate::scenario::{Cascade, DiscouragementAction, LATEST, Targeting};

/// An activation due at time `t` (in steps): ordered by time, then agent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Due {
    t: f64,
    agent: u32,
    by_network: bool,
}

impl Eq for Due {}

impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.t
            .total_cmp(&other.t)
            .then(self.agent.cmp(&other.agent))
            .then(self.by_network.cmp(&other.by_network))
    }
}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The time within `[0, len)` of the first event of a Poisson process of hazard `h`,
/// given that one falls there.
fn first_event(h: f64, len: f64, rng: &mut SimRng) -> f64 {
    if !h.is_finite() {
        return 0.0;
    }
    let u: f64 = rng.random();
    // Inverse of the truncated exponential CDF (1 - e^(-h x)) / (1 - e^(-h len)).
    let x = -(u * (-h * len).exp_m1()).ln_1p() / h;
    x.clamp(0.0, len * (1.0 - f64::EPSILON))
}

impl World<'_> {
    /// The mobilisation phase of `step`.
    pub(super) fn mobilise(&mut self, step: u32) {
        let mut rng = rng::stream(self.seed, Stream::Mobilisation, step as u64);
        let (from, to) = (step as f64, (step + 1) as f64);
        // The activations known at the step's start, sorted once; those found during the
        // step (network hops within it) go through a heap. Taken together in time order.
        let mut batch: Vec<Due> = self
            .pending
            .take(step)
            .into_iter()
            .map(|(t, agent)| Due {
                t,
                agent,
                by_network: true,
            })
            .collect();
        for pop in &self.scenario.populations {
            let m = &pop.mobilisation;
            let mut chances = Vec::new();
            if step == 0 {
                chances.push((m.initial_active, None, 0.0));
            }
            if let Some(cta) = &m.call_to_action
                && cta.at as u32 == step
            {
                chances.push((cta.fraction, Some(cta.at), 0.0));
            }
            if let Some(b) = &m.broadcast
                && self.trending[b.feed].as_ref().is_some_and(|t| t.trending)
            {
                // At a time drawn for each agent within the step.
                let h = b.rate_per_step;
                chances.push((crate::scenario::chance_in_step(h), Some(f64::NAN), h));
            }
            for (chance, at, h) in chances {
                for agent in sample(pop.agents(), chance, &mut rng) {
                    let t = match at {
                        None => from,
                        Some(t) if t.is_nan() => from + first_event(h, 1.0, &mut rng),
                        Some(t) => t,
                    };
                    batch.push(Due {
                        t,
                        agent,
                        by_network: false,
                    });
                }
            }
        }
        batch.sort_unstable();
        let mut due: BinaryHeap<Reverse<Due>> = BinaryHeap::new();
        let mut next = 0;
        loop {
            let from_batch = match (batch.get(next), due.peek()) {
                (Some(b), Some(Reverse(h))) => b <= h,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let d = if from_batch {
                self.prefetch_ahead(&batch, next);
                next += 1;
                batch[next - 1]
            } else {
                due.pop().expect("peeked").0
            };
            let (s, a) = Self::locate(d.agent);
            let block = &self.blocks[s];
            let ready = match block.state[a] {
                AgentState::Dormant => !d.by_network,
                // A pending agent activates at its earliest scheduled time.
                AgentState::Pending => block.agents[a].activated_at >= d.t,
                _ => false,
            };
            if ready {
                self.activate(d.agent, d.t, step, d.by_network, &mut rng);
                self.spread(d.agent, d.t, to, &mut rng, &mut due);
            }
        }
        // The periods ending in this step are stopped in the publish phase, after this
        // step's quits and suspensions: an agent that quits or is suspended before its
        // period ends stops then, and the period's end finds it no longer active.
        for p in 0..self.scenario.populations.len() {
            self.discourage(p, step, &mut rng);
        }
    }

    /// Starts loading what the activations a few places after `next` in `batch` will
    /// read (their state and record, then their follower list): each is a cache miss
    /// into lists spread over the whole population, and waiting for them one after the
    /// other was most of this phase's time.
    #[inline]
    fn prefetch_ahead(&self, batch: &[Due], next: usize) {
        if let Some(d) = batch.get(next + 2 * PREFETCH_DISTANCE) {
            self.graph.prefetch_row(d.agent);
            let (s, a) = Self::locate(d.agent);
            prefetch(&self.blocks[s].state[a]);
            prefetch(&self.blocks[s].agents[a]);
        }
        if let Some(d) = batch.get(next + PREFETCH_DISTANCE) {
            self.graph.prefetch_followers(d.agent);
        }
    }

    /// Makes a dormant or pending agent active at time `t` (in step `step`), schedules its
    /// first post, its period's end and its app rating.
    fn activate(&mut self, agent: u32, t: f64, step: u32, by_network: bool, rng: &mut SimRng) {
        let (s, a) = Self::locate(agent);
        let scenario = self.scenario;
        let steps = scenario.time.steps as f64;
        let block = &mut self.blocks[s];
        let p = block.agents[a].pop as usize;
        let pop = &scenario.populations[p];
        block.state[a] = AgentState::Active;
        block.agents[a].activated_at = t;
        if let Some(d) = &pop.fatigue.active_steps {
            let end = t + d.sampler().sample(rng);
            block.agents[a].end_at = end;
            if end < steps {
                self.fatigue_ends[p]
                    [end as usize / scenario.metrics.sample_every_steps as usize] += 1;
            }
        }
        if let Targeting::Weights(w) = &pop.targeting {
            block.feed[a] = pick(rng, w.iter().copied()) as u8;
        }
        let me = block.agents[a];
        self.start_posting(s, a, t, false, rng);
        self.counts[p].ever_active += 1;
        if by_network {
            self.counts[p].by_network += 1;
        }
        // The processes counted per step (reading, the app) follow the agent's period.
        let i = (agent - pop.first_agent) as usize;
        let mut counted = false;
        for rates in self.counted_rates(p) {
            rates.start(i, me.tz as usize, t - step as f64);
            counted = true;
        }
        let until = me.end_at.min(steps);
        if counted && me.end_at < steps {
            self.period_ends
                .entry(me.end_at as u32)
                .or_default()
                .push((me.end_at, agent));
        }
        if let Some(app) = &mut self.app {
            app.schedule_rating(scenario, p, agent, t, until, rng);
        }
    }

    /// Stops the counted rates of the agents whose active period ends in `step`, after
    /// the step's activations, quits and suspensions (an agent that quit or was suspended
    /// stopped then, so its period's end finds it no longer active).
    pub(super) fn end_periods(&mut self, step: u32) {
        for (t, agent) in self.period_ends.remove(&step).unwrap_or_default() {
            let (s, a) = Self::locate(agent);
            let me = self.blocks[s].agents[a];
            if self.blocks[s].state[a] == AgentState::Active && me.end_at == t {
                self.stop_counted(agent, me.activated_at, t, step);
            }
        }
    }

    /// Gives the followers of `u`, activated at `t`, their chance to activate after the
    /// population's delay: within this step (before `to`) through `due`, later through
    /// `pending`.
    fn spread(
        &mut self,
        u: u32,
        t: f64,
        to: f64,
        rng: &mut SimRng,
        due: &mut BinaryHeap<Reverse<Due>>,
    ) {
        let key = rng::key(self.seed, Stream::Cascade, 0);
        let (scenario, graph) = (self.scenario, self.graph);
        let steps = scenario.time.steps as f64;
        for &v in graph.followers(u) {
            // The follower's population from its id (populations hold consecutive ids),
            // so that an edge that fails its chance never touches the follower's record:
            // that random access was most of the spreading's cost.
            let p = scenario
                .populations
                .iter()
                .position(|pop| v < pop.first_agent + pop.size)
                .expect("agent ids are below the total");
            let mobilisation = &scenario.populations[p].mobilisation;
            let (s, a) = Self::locate(v);
            let joins = match &mobilisation.cascade {
                None => false,
                // Each edge is tried once: its outcome is a hash of the edge.
                Some(Cascade::Independent { p: chance }) => {
                    rng::edge_uniform(key, u, v) < *chance
                        && matches!(
                            self.blocks[s].state[a],
                            AgentState::Dormant | AgentState::Pending
                        )
                }
                Some(Cascade::Threshold { .. }) => {
                    let block = &mut self.blocks[s];
                    block.active_followees[a] += 1;
                    let needed = block.threshold[a] as f64 * graph.followee_count(v) as f64;
                    block.state[a] == AgentState::Dormant
                        && block.active_followees[a] as f64 >= needed
                }
            };
            if !joins {
                continue;
            }
            let mean = mobilisation.cascade_delay_steps;
            let at = if mean > 0.0 {
                t + rng.sample::<f64, _>(Exp1) * mean
            } else {
                t
            };
            let block = &mut self.blocks[s];
            // A pending agent keeps its earliest time.
            if block.state[a] == AgentState::Pending && block.agents[a].activated_at <= at {
                continue;
            }
            if at >= steps {
                continue;
            }
            block.state[a] = AgentState::Pending;
            block.agents[a].activated_at = at;
            if at < to {
                due.push(Reverse(Due {
                    t: at,
                    agent: v,
                    by_network: true,
                }));
            } else {
                self.pending.push((at, v));
            }
        }
    }

    /// Active agents whose own population's share of their feed is below the level quit,
    /// move or escalate at the first event of their hazard in the step (from their
    /// activation if it is in this step, until their period ends).
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
        let from = step as f64;
        let h = d.rate_per_step;
        let mut quits = Vec::new();
        let mut escalations = Vec::new();
        for agent in sample(pop.agents(), crate::scenario::chance_in_step(h), rng) {
            let (s, a) = Self::locate(agent);
            let block = &mut self.blocks[s];
            if block.state[a] != AgentState::Active {
                continue;
            }
            let me = block.agents[a];
            if me.escalated {
                continue;
            }
            // The first event of the hazard in the step; if it falls before the agent's
            // activation, the process restarts then (memoryless).
            let mut at = from + first_event(h, 1.0, rng);
            if at < me.activated_at {
                let left = from + 1.0 - me.activated_at;
                if rng.random::<f64>() >= -(-h * left).exp_m1() {
                    continue;
                }
                at = me.activated_at + first_event(h, left, rng);
            }
            if at >= me.end_at {
                continue;
            }
            // A least-dominated population's agents post where it is forced this step.
            let feed = self.ctx.forced_feed[p].unwrap_or(block.feed[a]) as usize;
            if !below[feed] {
                continue;
            }
            let destination = match d.action {
                DiscouragementAction::Escalate => {
                    block.agents[a].escalated = true;
                    self.counts[p].escalated += 1;
                    escalations.push((s, a, at));
                    continue;
                }
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
                    block.agents[a].end_at = at;
                    // Its candidates end then (see `Block::post_step`).
                    block.posting[a].active = (at - me.activated_at) as f32;
                    self.counts[p].quit += 1;
                    if me.end_at < self.scenario.time.steps as f64 {
                        self.fatigue_ends[p][me.end_at as usize
                            / self.scenario.metrics.sample_every_steps as usize] -= 1;
                    }
                    quits.push((agent, me.activated_at, at));
                }
            }
        }
        for (agent, since, at) in quits {
            self.stop_counted(agent, since, at, step);
        }
        for (s, a, at) in escalations {
            self.escalate(s, a, at, rng);
        }
    }

    /// Agent `a` of block `s` posts `factor` times as often from `t`: a second posting
    /// process at `factor - 1` times its rate (with the same activation, decay and end),
    /// superposed on its own.
    fn escalate(&mut self, s: usize, a: usize, t: f64, rng: &mut SimRng) {
        self.start_posting(s, a, t, true, rng);
    }

    /// Starts a posting process of agent `a` of block `s` from time `t` (its own, or
    /// its second after escalation): its first candidate post, on the agent's diurnal
    /// clock, with the agent's activation (for decay) and the end of its active period.
    fn start_posting(&mut self, s: usize, a: usize, t: f64, escalated: bool, rng: &mut SimRng) {
        let block = &mut self.blocks[s];
        let me = block.agents[a];
        let rate = if escalated {
            me.rate * self.ctx.escalation[me.pop as usize]
        } else {
            me.rate
        };
        if rate <= 0.0 {
            return;
        }
        block.posting[a] = Posting {
            since: me.activated_at,
            rate: me.rate,
            active: (me.end_at - me.activated_at) as f32,
        };
        let clock = self.ctx.clocks[me.pop as usize][me.tz as usize].as_ref();
        let gap = rng.sample::<f64, _>(Exp1) / rate as f64;
        let first = DiurnalClock::advance(clock, t, gap);
        if first < me.end_at && first < self.scenario.time.steps as f64 {
            let c = Candidate::new(a as u16, me.pop, me.tz, first, rate, escalated);
            block.calendar.push(c);
        }
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

#[cfg(test)]
mod tests {
    use rand::SeedableRng as _;

    use super::*;

    /// The first event of a Poisson process of hazard `h` in `[0, len)`, given one falls
    /// there, has CDF (1 - e^(-h x)) / (1 - e^(-h len)) (worked by hand from the
    /// exponential). Over 100,000 draws for a stretch shorter than a step (as after an
    /// activation inside one), the share below each of 4 points is checked against the
    /// CDF within 5 binomial sd. This rules out a stretch scaled the wrong way, the
    /// hazard misapplied, or times outside `[0, len)`.
    #[test]
    fn the_first_event_follows_the_truncated_exponential() {
        let mut rng = SimRng::seed_from_u64(7);
        for (h, len) in [(2.0, 0.3), (0.5, 0.7), (8.0, 1.0)] {
            let n = 100_000;
            let draws: Vec<f64> = (0..n).map(|_| first_event(h, len, &mut rng)).collect();
            assert!(
                draws.iter().all(|&x| (0.0..len).contains(&x)),
                "h {h}, len {len}"
            );
            for q in [0.1, 0.3, 0.6, 0.9] {
                let x = q * len;
                let p = (-(-h * x).exp_m1()) / (-(-h * len).exp_m1());
                let got = draws.iter().filter(|&&d| d < x).count() as f64 / n as f64;
                let sd = (p * (1.0 - p) / n as f64).sqrt();
                assert!(
                    (got - p).abs() < 5.0 * sd,
                    "h {h}, len {len}: share below {x} is {got}, expected {p} ± {}",
                    5.0 * sd
                );
            }
        }
    }
}
