//! Who a step's activations reach through the follower network, and when: worked out
//! per block of agents, in parallel.
//!
//! Each agent to activate in the step has a time, the earliest of the times it is
//! reached (a call to action, a broadcast, a hop from an active followee, a threshold
//! tipped). A block settles its own agents in time order, as the sequential engine did;
//! a hop to a follower in another block becomes a message, delivered in the next round.
//! A message can lower the time of an agent its block has already settled: the agent
//! then spreads again from the earlier time, and its followers' times can only fall.
//! Rounds go on until no block has anything left to send, and the times are then the
//! least fixed point, whatever the order of the work: the same for any thread count,
//! and the same as settling all agents in one global time order.
//!
//! Every draw is keyed by what it is about, not by when it is made: a hop's chance and
//! delay by its edge, a threshold agent's delay by the agent. Hence the order of the
//! work changes no draw.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use super::block::{AgentState, BLOCK_BITS, Block};
use super::calendar::Calendar;
use crate::network::FollowerGraph;
use crate::rng::{self, Stream};
use crate::scenario::{Cascade, Scenario};

/// Messages a block sends in one round at most before the others take theirs (a spread
/// is cut short and resumed in the next round): a step in which a large part of the
/// population activates then holds a bounded list of them. The times found do not
/// depend on it.
pub const ROUND_BUDGET: usize = 2048;

/// An activation due at time `t` (in steps): ordered by time, then agent, then route
/// (a call or broadcast before a network hop at the same time).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Due {
    pub t: f64,
    pub agent: u32,
    pub by_network: bool,
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

/// From an agent settled in one block to a follower in another.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Message {
    /// Independent cascade: when the hop arrives. Threshold: when the sender activates.
    t: f64,
    to: u32,
    from: u32,
    /// The sender's first message this step (not a correction of an earlier one).
    first: bool,
}

/// A threshold agent's followees that activate in this step: its count of active
/// followees at the step's start, and the earliest of their times, as many as it takes
/// to tip it.
#[derive(Debug)]
struct Tip {
    base: u32,
    earliest: Vec<(f64, u32)>,
}

/// Bytes of an entry in the map of [`Tip`]s: its key and record, and the map's control
/// byte.
pub const TIP_ENTRY: usize = std::mem::size_of::<(u32, Tip)>() + 1;

/// Flags of an agent during a step.
const NETWORK: u8 = 1;
const SPREAD: u8 = 2;
const WAS_DORMANT: u8 = 4;

/// What a step's network work needs to know, the same for every block.
pub(super) struct Net<'a> {
    pub scenario: &'a Scenario,
    pub graph: &'a FollowerGraph,
    /// End of the step and of the run (in steps).
    pub to: f64,
    pub steps: f64,
    pub edge_key: u64,
    pub delay_key: u64,
    pub tip_key: u64,
}

impl Net<'_> {
    /// Keys of a run with `seed`.
    pub fn keys(seed: u64) -> (u64, u64, u64) {
        (
            rng::key(seed, Stream::Cascade, 0),
            rng::key(seed, Stream::CascadeDelay, 0),
            rng::key(seed, Stream::CascadeDelay, 1),
        )
    }
}

/// A block's network work for the step, and its hops waiting for a later step.
#[derive(Debug, Default)]
pub(super) struct Reach {
    /// Hops due in a later step: the time and the agent (whose `activated_at` holds that
    /// time while it is pending).
    pub pending: Calendar<(f64, u32)>,
    heap: BinaryHeap<Reverse<Due>>,
    /// Agents given a time this step (with repeats).
    touched: Vec<u16>,
    flags: Vec<u8>,
    /// Messages for other blocks, at most `budget` a round.
    outbox: Vec<Message>,
    /// [`ROUND_BUDGET`] (smaller in tests, which check that it changes nothing).
    pub budget: usize,
    /// A spread cut short by the budget: the agent, its time, whether its first, and
    /// the next follower to try.
    resume: Option<(u32, f64, bool, usize)>,
    tips: HashMap<u32, Tip>,
}

/// A round's messages from every block, sorted by the block they go to.
#[derive(Debug, Default)]
pub(super) struct Mail {
    messages: Vec<Message>,
    /// Block `d`'s messages are `messages[bounds[d]..bounds[d + 1]]`.
    bounds: Vec<usize>,
}

impl Mail {
    /// Collects the blocks' outboxes (emptied), sorted by the block each message goes
    /// to (their order within a block changes nothing: each agent keeps its earliest
    /// time).
    pub fn collect(&mut self, reach: &mut [Reach]) {
        self.messages.clear();
        for r in reach.iter_mut() {
            self.messages.append(&mut r.outbox);
        }
        let to = |m: &Message| (m.to >> BLOCK_BITS) as usize;
        self.messages.sort_unstable_by_key(to);
        self.bounds.clear();
        let mut next = 0;
        for d in 0..=reach.len() {
            while next < self.messages.len() && to(&self.messages[next]) < d {
                next += 1;
            }
            self.bounds.push(next);
        }
    }

    /// The messages for block `d`.
    pub fn to(&self, d: usize) -> &[Message] {
        &self.messages[self.bounds[d]..self.bounds[d + 1]]
    }

    /// How many messages it holds.
    pub fn len(&self) -> usize {
        self.messages.len()
    }
}

impl Reach {
    /// The network work of a block of `len` agents.
    pub fn new(len: usize) -> Self {
        Reach {
            flags: vec![0; len],
            budget: ROUND_BUDGET,
            ..Default::default()
        }
    }

    /// Activations waiting to be settled.
    pub fn waiting(&self) -> usize {
        self.heap.len()
    }

    /// Whether it has nothing left to settle or send.
    pub fn is_quiet(&self) -> bool {
        self.heap.is_empty() && self.outbox.is_empty() && self.resume.is_none()
    }

    /// Wakes the hops due in `step` that still hold (a later hop may have lowered an
    /// agent's time, leaving its earlier entry stale).
    pub fn wake(&mut self, block: &mut Block, step: u32) {
        let due = self.pending.take(step);
        for &(t, agent) in &due {
            let a = (agent - block.first) as usize;
            if block.state[a] == AgentState::Pending && block.agents[a].activated_at == t {
                self.flags[a] |= NETWORK;
                self.touched.push(a as u16);
                self.heap.push(Reverse(Due {
                    t,
                    agent,
                    by_network: true,
                }));
            }
        }
        self.pending.recycle(step, due);
    }

    /// Gives local agent `a` the time `t` (by the network or not) if it is dormant or
    /// pending at a later time.
    pub fn offer(&mut self, block: &mut Block, a: usize, t: f64, network: bool, net: &Net) {
        let state = block.state[a];
        match state {
            AgentState::Dormant => self.flags[a] |= WAS_DORMANT,
            AgentState::Pending => {
                let now = (block.agents[a].activated_at, self.flags[a] & NETWORK != 0);
                if now.0.total_cmp(&t).then(now.1.cmp(&network)).is_le() {
                    return;
                }
            }
            _ => return,
        }
        block.state[a] = AgentState::Pending;
        block.agents[a].activated_at = t;
        if network {
            self.flags[a] |= NETWORK;
        } else {
            self.flags[a] &= !NETWORK;
        }
        self.touched.push(a as u16);
        let agent = block.first + a as u32;
        if t < net.to {
            self.heap.push(Reverse(Due {
                t,
                agent,
                by_network: network,
            }));
        } else {
            self.pending.push((t, agent));
        }
    }

    /// Starts loading the follower lists of the activations waiting to be settled (a
    /// hint only): each is a cache miss into a list spread over the whole population,
    /// and waiting for them one after the other was most of the network's time.
    pub fn prefetch(&self, net: &Net) {
        for Reverse(d) in self.heap.iter() {
            net.graph.prefetch_row(d.agent);
        }
        for Reverse(d) in self.heap.iter() {
            net.graph.prefetch_followers(d.agent);
        }
    }

    /// Settles the block's agents in time order, each spreading to its followers, until
    /// none is left or the round's messages are sent.
    pub fn settle(&mut self, block: &mut Block, net: &Net) {
        while self.outbox.len() < self.budget {
            if let Some((u, t, first, next)) = self.resume.take() {
                self.spread(block, u, t, first, next, net);
                continue;
            }
            let Some(Reverse(d)) = self.heap.pop() else {
                break;
            };
            let a = (d.agent - block.first) as usize;
            let current = block.state[a] == AgentState::Pending
                && block.agents[a].activated_at == d.t
                && (self.flags[a] & NETWORK != 0) == d.by_network;
            if !current {
                continue;
            }
            let first = self.flags[a] & SPREAD == 0;
            self.flags[a] |= SPREAD;
            self.spread(block, d.agent, d.t, first, 0, net);
        }
    }

    /// Gives the followers of `u`, activating at `t`, from its `next`-th on, their
    /// chance; stops (to resume later) when the round's budget of messages is spent.
    fn spread(&mut self, block: &mut Block, u: u32, t: f64, first: bool, next: usize, net: &Net) {
        let me = (u >> BLOCK_BITS) as usize;
        let followers = net.graph.followers(u);
        for (i, &v) in followers.iter().enumerate().skip(next) {
            let mobilisation =
                &net.scenario.populations[net.scenario.population_of(v)].mobilisation;
            let message = match &mobilisation.cascade {
                None => continue,
                // Each edge is tried once: its outcome and delay are hashes of the edge.
                Some(Cascade::Independent { p }) => {
                    if rng::edge_uniform(net.edge_key, u, v) >= *p {
                        continue;
                    }
                    let delay = rng::mix64(net.delay_key ^ (((u as u64) << 32) | v as u64));
                    let at = t + rng::exponential(delay) * mobilisation.cascade_delay_steps;
                    if at >= net.steps {
                        continue;
                    }
                    Message {
                        t: at,
                        to: v,
                        from: u,
                        first,
                    }
                }
                Some(Cascade::Threshold { .. }) => Message {
                    t,
                    to: v,
                    from: u,
                    first,
                },
            };
            if (v >> BLOCK_BITS) as usize == me {
                self.receive(block, message, net);
            } else if self.outbox.len() < self.budget {
                self.outbox.push(message);
            } else {
                self.resume = Some((u, t, first, i));
                return;
            }
        }
    }

    /// Takes a message for one of the block's agents.
    pub fn receive(&mut self, block: &mut Block, m: Message, net: &Net) {
        let a = (m.to - block.first) as usize;
        let mobilisation = &net.scenario.populations[net.scenario.population_of(m.to)].mobilisation;
        if !matches!(mobilisation.cascade, Some(Cascade::Threshold { .. })) {
            self.offer(block, a, m.t, true, net);
            return;
        }
        let before = block.active_followees[a];
        if m.first {
            block.active_followees[a] += 1;
        }
        // Only an agent dormant at the step's start tips (a pending one keeps its time).
        let tippable = block.state[a] == AgentState::Dormant || self.flags[a] & WAS_DORMANT != 0;
        if !tippable {
            return;
        }
        let needed = block.threshold[a] as f64 * net.graph.followee_count(m.to) as f64;
        let tip = self.tips.entry(m.to).or_insert(Tip {
            base: before,
            earliest: Vec::new(),
        });
        // It tips at the arrival that brings its count to `needed`, and at least one.
        let k = (needed - tip.base as f64).ceil().max(1.0);
        if k > net.graph.followee_count(m.to) as f64 {
            return;
        }
        let k = k as usize;
        match tip.earliest.iter_mut().find(|e| e.1 == m.from) {
            Some(e) if e.0 <= m.t => return,
            Some(e) => e.0 = m.t,
            None => tip.earliest.push((m.t, m.from)),
        }
        tip.earliest
            .sort_unstable_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        tip.earliest.truncate(k);
        if tip.earliest.len() < k {
            return;
        }
        let delay = rng::exponential(rng::mix64(net.tip_key ^ m.to as u64));
        let at = tip.earliest[k - 1].0 + delay * mobilisation.cascade_delay_steps;
        if at < net.steps {
            self.offer(block, a, at, true, net);
        }
    }

    /// Ends the step's network work: leaves in [`Reach::joined`] the block's agents
    /// that activate in the step, in time order (then by id).
    pub fn finish(&mut self, block: &Block, net: &Net) {
        debug_assert!(self.is_quiet());
        self.touched.sort_unstable();
        self.touched.dedup();
        let flags = &mut self.flags;
        self.touched.retain(|&a| {
            let a = a as usize;
            let pending = block.state[a] == AgentState::Pending;
            let now = pending && block.agents[a].activated_at < net.to;
            if !now {
                // An agent pending for a later step was brought by the network.
                flags[a] = if pending { NETWORK } else { 0 };
            }
            now
        });
        let at = |a: u16| block.agents[a as usize].activated_at;
        self.touched
            .sort_unstable_by(|&x, &y| at(x).total_cmp(&at(y)).then(x.cmp(&y)));
        self.tips.clear();
    }

    /// The block's agents that activate in the step (see [`Reach::finish`]), with
    /// whether the network brought each; until [`Reach::clear`].
    pub fn joined(&self) -> impl Iterator<Item = (usize, bool)> + '_ {
        (0..self.touched.len()).map(|k| self.joined_at(k))
    }

    /// The `k`-th of [`Reach::joined`].
    pub fn joined_at(&self, k: usize) -> (usize, bool) {
        let a = self.touched[k] as usize;
        (a, self.flags[a] & NETWORK != 0)
    }

    /// How many agents activate in the step (see [`Reach::joined`]).
    pub fn joined_count(&self) -> usize {
        self.touched.len()
    }

    /// Forgets the step's activations.
    pub fn clear(&mut self) {
        for &a in &self.touched {
            self.flags[a as usize] = 0;
        }
        // Not kept: a step that draws many agents would hold its room for the run.
        self.touched = Vec::new();
    }
}
