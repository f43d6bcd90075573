//! Who becomes active, quits or moves: call to action, broadcast while trending,
//! discouragement, and spreading through the follower network.
//!
//! Everything happens at continuous times: a call to action at its time, a broadcast
//! activation or a discouraged agent's decision at a time drawn within the step from its
//! hazard, a network activation after an exponential delay from the activation that
//! caused it (several hops can fall within one step). Each agent activates at the
//! earliest time anything reaches it, so the step's length only sets when the feeds'
//! state that drives broadcast and discouragement is observed.
//!
//! Runs at the start of each step, in parallel over the blocks of agents (see
//! [`super::reach`] for the network's part), then merges what each block changed into
//! the world's counts in block order. Every draw comes from a stream keyed by what it is
//! about (the step and block, the agent, the edge), so results do not depend on the
//! thread count.

use rand::RngExt;
use rand_distr::{Distribution as _, Geometric};
use rayon::prelude::*;

use super::World;
use super::block::{AgentState, Block, StepContext};
use super::reach::{Net, Reach};
use super::setup::pick;
use crate::metrics::FeedPop;
use crate::rng::{self, SimRng, Stream};
use crate::scenario::{DiscouragementAction, LATEST, Scenario, Targeting, chance_in_step};

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

/// When a chance to activate puts the agents it draws.
#[derive(Debug, Clone, Copy)]
enum When {
    /// At the step's start.
    Start,
    /// At this time (a call to action).
    At(f64),
    /// At the first event of this hazard within the step (a broadcast).
    Hazard(f64),
}

/// The step's chances and levels, the same for every block (kept between steps to
/// reuse its room: a classroom run's steps are a few microseconds each).
#[derive(Debug, Default)]
pub(super) struct Plan {
    /// Per population, its chances to activate: the probability and when.
    chances: Vec<Vec<(f64, When)>>,
    /// Per population, per feed: whether its share there is below its level (all false
    /// for a population that is not discouraged).
    below: Vec<Vec<bool>>,
    /// Per population, whether it is discouraged this step (below in some feed).
    discouraging: Vec<bool>,
    /// The agents the chances to activate draw, in expectation.
    expected: f64,
    /// The agents discouragement draws, in expectation.
    discouraged: f64,
}

/// Work (agents drawn or settled, messages) in a phase of a step below which its blocks
/// are done one after the other: waking a second thread costs more than it saves.
const PARALLEL_WORK: f64 = 1024.0;

/// Runs `f` on every block and its network work, in parallel or not.
fn each_block<F>(blocks: &mut [Block], reach: &mut [Reach], parallel: bool, f: F)
where
    F: Fn(usize, &mut Block, &mut Reach) + Sync + Send,
{
    if parallel {
        blocks
            .par_iter_mut()
            .zip(reach.par_iter_mut())
            .enumerate()
            .for_each(|(i, (b, r))| f(i, b, r));
    } else {
        for (i, (b, r)) in blocks.iter_mut().zip(reach.iter_mut()).enumerate() {
            f(i, b, r);
        }
    }
}

/// What a block's discouragement changed that the world counts (kept between steps
/// to reuse its room).
#[derive(Debug, Default)]
pub(super) struct Changes {
    /// The agent, its activation, when it quit and the end its period had.
    quits: Vec<(u32, f64, f64, f64)>,
    /// Per population.
    moved: Vec<u64>,
    escalated: Vec<u64>,
    /// Positions in a population's list of discourageable agents that leave it.
    gone: Vec<u32>,
}

/// A block's stream for step `step`: `0` for its calls and broadcasts, `1` for its
/// discouragement.
fn block_stream(seed: u64, step: u32, block: usize, which: u64) -> SimRng {
    let index = ((step as u64) << 17) | ((block as u64) << 1) | which;
    rng::stream(seed, Stream::Mobilisation, index)
}

impl World<'_> {
    /// The mobilisation phase of `step`.
    pub(super) fn mobilise(&mut self, step: u32) {
        let mut plan = std::mem::take(&mut self.plan);
        self.plan(step, &mut plan);
        self.mobilise_with(step, &plan);
        self.plan = plan;
    }

    /// [`World::mobilise`] with the step's plan.
    fn mobilise_with(&mut self, step: u32, plan: &Plan) {
        let (scenario, graph, seed) = (self.scenario, self.graph, self.seed);
        let (edge_key, delay_key, tip_key) = Net::keys(seed);
        let net = Net {
            scenario,
            graph,
            to: (step + 1) as f64,
            steps: scenario.time.steps as f64,
            edge_key,
            delay_key,
            tip_key,
        };
        let blocks = &mut self.blocks;
        let reach = &mut self.reach;
        let n_blocks = blocks.len();
        // Work in parallel only when there is enough of it: the results are the same
        // either way, and a step with a few hundred activations is faster on one thread
        // than woken on two. The work expected: the agents the chances draw, and as many
        // activations as the previous step had.
        let expected = plan.expected + self.activated_last as f64;
        each_block(blocks, reach, expected >= PARALLEL_WORK, |i, b, r| {
            r.wake(b, step);
            let mut rng = block_stream(seed, step, i, 0);
            offer_chances(b, r, plan, &net, step, &mut rng);
            r.prefetch(&net);
            r.settle(b, &net);
        });
        // Rounds of messages between blocks until every block is done.
        let mail = &mut self.mail;
        while !reach.iter().all(Reach::is_quiet) {
            mail.collect(reach);
            let work = mail.len() + reach.iter().map(Reach::waiting).sum::<usize>();
            let mail = &*mail;
            each_block(blocks, reach, work as f64 >= PARALLEL_WORK, |i, b, r| {
                for &m in mail.to(i) {
                    r.receive(b, m, &net);
                }
                r.settle(b, &net);
            });
        }
        let ctx = &self.ctx;
        let joined: usize = reach.iter().map(Reach::joined_count).sum();
        each_block(blocks, reach, joined as f64 >= PARALLEL_WORK, |_, b, r| {
            r.finish(b, &net);
            for (a, _) in r.joined() {
                activate(b, a, scenario, ctx, seed);
            }
        });
        self.activated_last = self.reach.iter().map(Reach::joined_count).sum();
        for i in 0..n_blocks {
            self.count_activations(i, step);
        }
        // Discouragement after the step's activations (an agent may quit in the step it
        // activated).
        if plan.discouraged == 0.0 {
            return;
        }
        let (ctx, shares) = (&self.ctx, &self.shares[LATEST]);
        let rule = Discouraging {
            scenario,
            ctx,
            shares,
            below: &plan.below,
            discouraging: &plan.discouraging,
            step,
        };
        let n_pops = scenario.populations.len();
        let mut changes = std::mem::take(&mut self.changes);
        changes.resize_with(n_blocks, Changes::default);
        let discourage = |(i, (b, c)): (usize, (&mut Block, &mut Changes))| {
            c.quits.clear();
            for counts in [&mut c.moved, &mut c.escalated] {
                counts.clear();
                counts.resize(n_pops, 0);
            }
            let mut rng = block_stream(seed, step, i, 1);
            rule.apply(b, &mut rng, c);
        };
        if plan.discouraged >= PARALLEL_WORK {
            (self.blocks.par_iter_mut().zip(changes.par_iter_mut()))
                .enumerate()
                .for_each(discourage);
        } else {
            (self.blocks.iter_mut().zip(changes.iter_mut()))
                .enumerate()
                .for_each(discourage);
        }
        for c in &changes {
            self.count_discouraged(c, step);
        }
        self.changes = changes;
    }

    /// The chances to activate in `step`, and who is discouraged, into `plan`.
    fn plan(&self, step: u32, plan: &mut Plan) {
        let s = self.scenario;
        let n_pops = s.populations.len();
        plan.chances.resize_with(n_pops, Vec::new);
        plan.below.resize_with(n_pops, Vec::new);
        plan.discouraging.resize(n_pops, false);
        for (pop, chances) in s.populations.iter().zip(&mut plan.chances) {
            let m = &pop.mobilisation;
            chances.clear();
            if step == 0 {
                chances.push((m.initial_active, When::Start));
            }
            if let Some(cta) = &m.call_to_action
                && cta.at as u32 == step
            {
                chances.push((cta.fraction, When::At(cta.at)));
            }
            if let Some(b) = &m.broadcast
                && self.trending[b.feed].as_ref().is_some_and(|t| t.trending)
            {
                let h = b.rate_per_step;
                chances.push((chance_in_step(h), When::Hazard(h)));
            }
        }
        for (p, pop) in s.populations.iter().enumerate() {
            let below = &mut plan.below[p];
            below.clear();
            below.resize(s.feeds.len(), false);
            if let Some(d) = &pop.discouragement {
                for (f, b) in below.iter_mut().enumerate() {
                    *b = !self.tabs[f][LATEST].is_empty()
                        && self.shares[LATEST][(f, p)] < d.below_share;
                }
            }
            plan.discouraging[p] = below.iter().any(|&b| b);
        }
        plan.expected = s
            .populations
            .iter()
            .zip(&plan.chances)
            .map(|(pop, c)| c.iter().map(|&(p, _)| p * pop.size as f64).sum::<f64>())
            .sum();
        plan.discouraged = s
            .populations
            .iter()
            .zip(&plan.discouraging)
            .filter(|&(_, &d)| d)
            .map(|(pop, _)| {
                let h = pop.discouragement.as_ref().map_or(0.0, |d| d.rate_per_step);
                chance_in_step(h) * pop.size as f64
            })
            .sum();
    }

    /// Adds block `i`'s activations of `step` to the world's counts and starts their
    /// counted processes (reading, the app), in time order.
    fn count_activations(&mut self, i: usize, step: u32) {
        let scenario = self.scenario;
        let steps = scenario.time.steps as f64;
        let every = scenario.metrics.sample_every_steps as f64;
        let rating_key = rng::key(self.seed, Stream::Activation, u64::MAX);
        for k in 0..self.reach[i].joined_count() {
            let (a, by_network) = self.reach[i].joined_at(k);
            let me = self.blocks[i].agents[a];
            let agent = self.blocks[i].first + a as u32;
            let p = me.pop as usize;
            let pop = &scenario.populations[p];
            self.counts[p].ever_active += 1;
            self.counts[p].by_network += by_network as u64;
            if pop.fatigue.active_steps.is_some() && me.end_at < steps {
                self.fatigue_ends[p][(me.end_at / every) as usize] += 1;
            }
            // The processes counted per step (reading, the app) follow the period.
            let n = (agent - pop.first_agent) as usize;
            let mut counted = false;
            for rates in self.counted_rates(p) {
                rates.start(n, me.tz as usize, me.activated_at - step as f64);
                counted = true;
            }
            if counted && me.end_at < steps {
                self.period_ends
                    .entry(me.end_at as u32)
                    .or_default()
                    .push((me.end_at, agent));
            }
            if let Some(app) = &mut self.app {
                let until = me.end_at.min(steps);
                let gap = rng::exponential(rng::mix64(rating_key ^ agent as u64));
                app.schedule_rating(scenario, p, agent, me.activated_at, until, gap);
            }
        }
        self.reach[i].clear();
    }

    /// Adds what a block's discouragement changed to the world's counts, and stops the
    /// counted processes of those who quit.
    fn count_discouraged(&mut self, changes: &Changes, step: u32) {
        let steps = self.scenario.time.steps as f64;
        let every = self.scenario.metrics.sample_every_steps as f64;
        for (p, (&moved, &escalated)) in changes.moved.iter().zip(&changes.escalated).enumerate() {
            self.counts[p].moved += moved;
            self.counts[p].escalated += escalated;
        }
        for &(agent, since, at, end) in &changes.quits {
            let p = self.scenario.population_of(agent);
            self.counts[p].quit += 1;
            if end < steps {
                self.fatigue_ends[p][(end / every) as usize] -= 1;
            }
            self.stop_counted(agent, since, at, step);
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
}

/// The agents of `pop` in block `b`.
fn in_block(b: &Block, first: u32, size: u32) -> std::ops::Range<u32> {
    let end = b.first + b.state.len() as u32;
    first.max(b.first)..(first + size).min(end)
}

/// Offers the block's agents the step's chances to activate (a call to action, a
/// broadcast, the run's start).
fn offer_chances(
    b: &mut Block,
    r: &mut Reach,
    plan: &Plan,
    net: &Net,
    step: u32,
    rng: &mut SimRng,
) {
    let from = step as f64;
    for (p, pop) in net.scenario.populations.iter().enumerate() {
        let range = in_block(b, pop.first_agent, pop.size);
        if range.is_empty() {
            continue;
        }
        for &(chance, when) in &plan.chances[p] {
            let mut chosen = Sample::new(range.clone(), chance);
            while let Some(agent) = chosen.next(rng) {
                let t = match when {
                    When::Start => from,
                    When::At(t) => t,
                    When::Hazard(h) => from + first_event(h, 1.0, rng),
                };
                r.offer(b, (agent - b.first) as usize, t, false, net);
            }
        }
    }
}

/// Makes local agent `a` of block `b` active at the time it holds: its period, home
/// feed and first post, drawn from its own stream.
fn activate(b: &mut Block, a: usize, s: &Scenario, ctx: &StepContext, seed: u64) {
    let agent = b.first + a as u32;
    let mut rng = rng::stream(seed, Stream::Activation, agent as u64);
    let pop = &s.populations[b.agents[a].pop as usize];
    let t = b.agents[a].activated_at;
    b.state[a] = AgentState::Active;
    if pop.discouragement.is_some() {
        b.discourageable[b.agents[a].pop as usize].push(a as u16);
    }
    if let Some(d) = &pop.fatigue.active_steps {
        b.agents[a].end_at = t + d.sampler().sample(&mut rng);
    }
    if let Targeting::Weights(w) = &pop.targeting {
        b.feed[a] = pick(&mut rng, w.iter().copied()) as u8;
    }
    b.start_posting(a, t, false, ctx, &mut rng);
}

/// Discouragement in one block.
struct Discouraging<'a> {
    scenario: &'a Scenario,
    ctx: &'a StepContext,
    shares: &'a FeedPop<f64>,
    below: &'a [Vec<bool>],
    discouraging: &'a [bool],
    step: u32,
}

impl Discouraging<'_> {
    /// Active agents whose own population's share of their feed is below the level
    /// quit, move or escalate at the first event of their hazard in the step (from their
    /// activation if it is in this step, until their period ends). Events are drawn
    /// among the block's discourageable agents only (see [`Block::discourageable`]).
    fn apply(&self, b: &mut Block, rng: &mut SimRng, changes: &mut Changes) {
        let from = self.step as f64;
        for (p, pop) in self.scenario.populations.iter().enumerate() {
            let (Some(d), true) = (&pop.discouragement, self.discouraging[p]) else {
                continue;
            };
            let below = &self.below[p];
            let mut list = std::mem::take(&mut b.discourageable[p]);
            if list.is_empty() {
                continue;
            }
            changes.gone.clear();
            let share = |f: usize| self.shares[(f, p)];
            // Only a move needs them (a list, made per step and block).
            let targets = match d.action {
                DiscouragementAction::Move => pop.targeting.feeds(),
                _ => Vec::new(),
            };
            let h = d.rate_per_step;
            let mut escalations = Vec::new();
            let mut chosen = Sample::new(0..list.len() as u32, chance_in_step(h));
            while let Some(k) = chosen.next(rng) {
                let a = list[k as usize] as usize;
                let agent = b.first + a as u32;
                let me = b.agents[a];
                // Stopped, escalated (which it does once) or past its period: never
                // discouraged again.
                if b.state[a] != AgentState::Active || me.escalated || me.end_at <= from {
                    changes.gone.push(k);
                    continue;
                }
                // The first event of the hazard in the step; if it falls before the
                // agent's activation, the process restarts then (memoryless).
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
                let feed = self.ctx.forced_feed[p].unwrap_or(b.feed[a]) as usize;
                if !below[feed] {
                    continue;
                }
                let destination = match d.action {
                    DiscouragementAction::Escalate => {
                        b.agents[a].escalated = true;
                        changes.escalated[p] += 1;
                        escalations.push((a, at));
                        continue;
                    }
                    DiscouragementAction::Quit => None,
                    DiscouragementAction::Move => targets
                        .iter()
                        .copied()
                        .filter(|&f| f != feed)
                        .fold(None, |best: Option<usize>, f| match best {
                            Some(b) if share(b) >= share(f) => Some(b),
                            _ => Some(f),
                        }),
                };
                match destination {
                    Some(f) => {
                        b.feed[a] = f as u8;
                        changes.moved[p] += 1;
                    }
                    None => {
                        b.state[a] = AgentState::Quit;
                        b.stopped += 1;
                        b.agents[a].end_at = at;
                        // Its candidates end then (see `Block::post_step`); an agent
                        // that never posted may have no record.
                        if let Some(record) = b.posting.get_mut(a) {
                            record.active = (at - me.activated_at) as f32;
                        }
                        changes.quits.push((agent, me.activated_at, at, me.end_at));
                        changes.gone.push(k);
                    }
                }
            }
            // Last first: each position is still where it was drawn when it goes.
            for &k in changes.gone.iter().rev() {
                list.swap_remove(k as usize);
            }
            b.discourageable[p] = list;
            // A second posting process at `factor - 1` times the agent's rate (with the
            // same activation, decay and end), superposed on its own.
            for (a, at) in escalations {
                b.start_posting(a, at, true, self.ctx, rng);
            }
        }
    }
}

/// The agents of a range each chosen independently with probability `p`, visited in
/// order by geometric skips: cost proportional to the number chosen, and no list of
/// them (the caller draws from the same stream between them).
struct Sample {
    next: u64,
    end: u64,
    skip: Option<Geometric>,
}

impl Sample {
    fn new(range: std::ops::Range<u32>, p: f64) -> Sample {
        let skip = (p > 0.0 && p < 1.0).then(|| Geometric::new(p).expect("p in (0, 1)"));
        let end = if p > 0.0 { range.end as u64 } else { 0 };
        Sample {
            next: range.start as u64,
            end,
            skip,
        }
    }

    /// The next agent chosen, if any.
    fn next(&mut self, rng: &mut SimRng) -> Option<u32> {
        if let Some(skip) = &self.skip {
            // Saturating: a tiny p draws skips near u64::MAX.
            self.next = self.next.saturating_add(skip.sample(rng));
        }
        let agent = (self.next < self.end).then_some(self.next as u32);
        self.next = self.next.saturating_add(1);
        agent
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng as _;

    use super::*;

    /// Each block's streams of a step are its own: the calls of blocks 0 to 3 and their
    /// discouragement, at steps 0 to 3, all start differently (two keys that collide,
    /// as with the block shifted the wrong way, fail).
    #[test]
    fn every_block_step_and_use_has_its_own_stream() {
        let mut firsts = std::collections::BTreeSet::new();
        for step in 0..4 {
            for block in 0..4 {
                for which in 0..2 {
                    let first: u64 = block_stream(9, step, block, which).random();
                    assert!(
                        firsts.insert(first),
                        "step {step}, block {block}, use {which}"
                    );
                }
            }
        }
    }

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
