//! A fixed block of agents with its own calendar and random stream.
//!
//! Blocks are the unit of parallel work: during a step every block runs its own posting
//! process independently, so the split is a property of the agents (fixed size), never of
//! the thread count.

use rand::RngExt;
use rand_distr::Exp1;

use super::calendar::{Calendar, Candidate, Posting};
use super::clock::DiurnalClock;
use super::feed::latest_k;
use super::kinds;
use super::moderate::{BlockModeration, Flagged};
use crate::metrics::FeedPop;
use crate::rng::SimRng;
use crate::scenario::Moderation;

/// Agents per block; part of the determinism contract (changing it changes results).
/// At most 16: calendar entries store the block-local index in a `u16`.
pub const BLOCK_BITS: u32 = 16;
pub const BLOCK_SIZE: u32 = 1 << BLOCK_BITS;

/// Where an agent is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum AgentState {
    Dormant,
    /// Reached by the network, will activate at `activated_at`.
    Pending,
    /// Posting (until its active period ends, see `end_at`).
    Active,
    /// Left after discouragement (at `end_at`).
    Quit,
    /// Suspended by moderation after repeated removals.
    Suspended,
}

/// One post, as the block reports it to the feeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Post {
    /// Time in steps since the start.
    pub t: f64,
    pub author: u32,
    /// Unique per run: the block number and the block's post count.
    pub id: u64,
    pub feed: u8,
    pub pop: u8,
    pub kind: u8,
    /// Flagged by moderation (to be removed).
    pub flagged: bool,
}

impl Post {
    /// A test post at `t` by `author` (also its id) of population `pop`, unflagged, in
    /// feed 0, of kind 0.
    #[cfg(test)]
    pub fn at(t: f64, author: u32, pop: u8) -> Post {
        Post {
            t,
            author,
            id: author as u64,
            feed: 0,
            pop,
            kind: 0,
            flagged: false,
        }
    }

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
    /// Diurnal clock by population, then time-zone index (`None`: flat profile).
    pub clocks: Vec<Vec<Option<DiurnalClock>>>,
    /// Half-life in steps by population, if activity decays.
    pub half_life: Vec<Option<f64>>,
    /// By population, whether the posting loop reads an agent's [`Posting`] record
    /// (its activity decays or its active period ends); else a candidate's bound is its
    /// process's rate.
    pub reads_record: Vec<bool>,
    /// By population, whether its agents' [`Posting`] records are kept: the loop reads
    /// them (see `reads_record`), or its agents can quit, which discouragement that
    /// quits or moves does (a quitter's candidates are checked against the end of its
    /// period, which its quit sets).
    pub keeps_record: Vec<bool>,
    /// By population, the rate of an escalated agent's second posting process as a
    /// multiple of its own rate (`factor - 1`; 0 if the population does not escalate).
    pub escalation: Vec<f32>,
    /// Feed every post of the population goes to this step (least-dominated targeting,
    /// or weights on one feed).
    pub forced_feed: Vec<Option<u8>>,
    /// Content-kind bounds by population (see [`kinds::kind_bounds`]).
    pub kind_bounds: Vec<Vec<f64>>,
    pub n_pops: usize,
    pub n_kinds: usize,
    pub moderation: Option<Moderation>,
}

impl StepContext {
    /// Activity multiplier `2^(-age / half_life)` of an agent activated at `since`.
    #[inline]
    pub fn decay(&self, pop: usize, since: f64, t: f64) -> f32 {
        match self.half_life[pop] {
            None => 1.0,
            Some(h) => (-(t - since) / h).exp2() as f32,
        }
    }
}

/// Counts and posts a block produced in one step.
#[derive(Debug, Default)]
pub struct BlockOutput {
    /// Posts per feed x population, one per content kind.
    pub counts: FeedPop<u32>,
    /// Posts dropped by the rate limit.
    pub rate_limited: FeedPop<u32>,
    /// Posts flagged (flagged posts are in `counts` too).
    pub flagged: FeedPop<u32>,
    /// Flagged posts removed this step.
    pub removed: Vec<Flagged>,
    /// Agents suspended this step (global ids).
    pub suspended: Vec<u32>,
    /// Per feed, the block's newest posts of the step (at most what the feed takes in,
    /// oldest first): all the feed's Latest window can take from this block.
    pub latest: Vec<Vec<Post>>,
}

/// An agent's drawn attributes and activation record (the cold part of its state).
#[derive(Debug, Clone, Copy)]
pub struct Agent {
    /// Posts per step at diurnal factor 1.
    pub rate: f32,
    pub activated_at: f64,
    /// Time (in steps) the active period ends; infinite if it does not.
    pub end_at: f64,
    pub pop: u8,
    /// Index into the population's time zones.
    pub tz: u8,
    /// Has escalated (discouragement), which it does at most once.
    pub escalated: bool,
}

/// A block of agents `first..first + agents.len()`.
#[derive(Debug)]
pub struct Block {
    pub first: u32,
    /// Life-cycle state, one byte per agent: small enough to stay in cache.
    pub state: Vec<AgentState>,
    /// Home feed (weights targeting), one byte per agent.
    pub feed: Vec<u8>,
    pub agents: Vec<Agent>,
    /// Posting parameters, set at activation (the part of each agent's state the
    /// posting loop reads per candidate), for the populations that keep them (see
    /// [`StepContext::keeps_record`]). Allocated when the block's first such process
    /// starts: a block of agents that only read, or whose records would never be read,
    /// holds none (a million readers' records were 16 MB written and never read).
    pub posting: Vec<Posting>,
    /// The posting parameters of a step's candidates, in order (reused).
    pub params: Vec<Posting>,
    /// Activation threshold (fraction of followees), if the model is used.
    pub threshold: Vec<f32>,
    /// Active followees counted so far (threshold model).
    pub active_followees: Vec<u32>,
    pub calendar: Calendar,
    pub rng: SimRng,
    pub out: BlockOutput,
    /// Posts emitted so far (the low bits of post ids).
    pub posted: u64,
    /// Agents that stopped posting early (quit or suspended). While there are none,
    /// every candidate's agent is active, and the posting loop does not read states
    /// (on a million agents that read was a cache miss per candidate).
    pub stopped: u32,
    /// Per population with discouragement, its agents of the block that became active
    /// (block-local indices, in the order they did). Discouragement draws its events
    /// among these, so a step costs in proportion to the agents it can discourage; those
    /// that quit, escalate, end their period or are suspended leave the list when next
    /// drawn.
    pub discourageable: Vec<Vec<u16>>,
    pub moderation: Option<BlockModeration>,
}

impl Block {
    /// Runs this step's posting: each due candidate becomes a post (after thinning for
    /// activity decay), and the agent's next candidate is drawn on its diurnal clock. Ends with
    /// each feed's latest posts selected, so the sequential publish only sees a few.
    /// `arrivals` is, per feed, how many of the step's newest posts it takes in.
    pub fn post_step(&mut self, ctx: &StepContext, arrivals: &[usize]) {
        let step = ctx.step;
        let n_feeds = arrivals.len();
        self.out.counts.reset(n_feeds, ctx.n_pops, ctx.n_kinds);
        self.out.rate_limited.reset(n_feeds, ctx.n_pops, 1);
        self.out.flagged.reset(n_feeds, ctx.n_pops, 1);
        self.out.suspended.clear();
        self.out.removed.clear();
        if let (Some(m), Some(rule)) = (&mut self.moderation, &ctx.moderation) {
            let (removed, suspended) = m.remove_due(step, rule.suspend_after);
            self.out.removed = removed;
            for agent in suspended {
                // Only agents still posting: a fatigued agent is already counted as such.
                if self.state[agent as usize] == AgentState::Active
                    && self.agents[agent as usize].end_at > step as f64
                {
                    self.state[agent as usize] = AgentState::Suspended;
                    self.stopped += 1;
                    self.out.suspended.push(self.first + agent as u32);
                }
            }
        }
        self.out.latest.resize_with(n_feeds, Vec::new);
        self.out.latest.iter_mut().for_each(Vec::clear);
        let mut due = self.calendar.take(step);
        // Without decay, with no end but a quit and no agent stopped, a process only
        // needs its rate, which is its candidate's bound, and nothing per agent is read.
        let gather = self.stopped > 0 || ctx.reads_record.iter().any(|&r| r);
        if gather {
            self.gather(&mut due, ctx);
        }
        let end_of_step = (step + 1) as f64;
        let horizon = ctx.steps as f64;
        for (i, &c) in due.iter().enumerate() {
            let mut c = c;
            let pop = c.pop as usize;
            let clock = ctx.clocks[pop][c.tz as usize].as_ref();
            // This process's parameters (its rate: the agent's, or its second's).
            let me = if gather {
                self.params[i]
            } else {
                Posting::at_rate(c.bound())
            };
            let rate = me.rate;
            loop {
                // The diurnal profile is exact in the clock; only decay is thinned, against
                // its value when the candidate was drawn (it only decreases).
                let decay = ctx.decay(pop, me.since, c.t);
                let accept = rate * decay / c.bound();
                if accept >= 1.0 || self.rng.random::<f32>() < accept {
                    self.emit(&c, ctx, arrivals);
                }
                let bound = rate * decay;
                c.set_bound(bound);
                if bound <= 1e-12 {
                    break;
                }
                // Times a reciprocal computed off the critical path, not a division
                // after the draw (see `DiurnalClock`'s `per_factor`).
                let per_bound = 1.0 / bound as f64;
                let gap = self.rng.sample::<f64, _>(Exp1) * per_bound;
                // Never stand still: rates are capped (see `scenario::limits`) so gaps
                // are far above the resolution of `t`, and this guard keeps the loop
                // finite even if a gap rounds away.
                c.t = DiurnalClock::advance(clock, c.t, gap).max(c.t.next_up());
                if me.ended(c.t) || c.t >= horizon {
                    break;
                }
                if c.t >= end_of_step {
                    self.calendar.push(c);
                    break;
                }
            }
        }
        self.calendar.recycle(step, due);
        // More than a feed takes in: keep its latest (the publish sorts what is left).
        for (posts, &k) in self.out.latest.iter_mut().zip(arrivals) {
            if posts.len() > k {
                latest_k(posts, k);
            }
        }
    }

    /// Drops the candidates of agents no longer posting, and gathers each remaining
    /// candidate's posting parameters into `params`, in order. A separate pass of
    /// independent loads: the CPU overlaps their cache misses, which it cannot do inside
    /// the dependent posting loop. A quitter posts until it quits (its period now ends
    /// then).
    fn gather(&mut self, due: &mut Vec<Candidate>, ctx: &StepContext) {
        let (state, posting, params) = (&self.state, &self.posting, &mut self.params);
        params.clear();
        due.retain(|c| {
            let quit = match state[c.agent as usize] {
                AgentState::Active => false,
                AgentState::Quit => true,
                _ => return false,
            };
            // Without decay and with no end but a quit, the record is not read: the
            // candidate's bound is its process's rate.
            let pop = c.pop as usize;
            let me = if quit || ctx.reads_record[pop] {
                let mut me = posting[c.agent as usize];
                if c.escalated() {
                    me.rate *= ctx.escalation[pop];
                }
                me
            } else {
                Posting::at_rate(c.bound())
            };
            if quit && me.ended(c.t) {
                return false;
            }
            params.push(me);
            true
        });
    }

    /// Starts a posting process of local agent `a` from time `t` (its own, or its
    /// second after escalation, at `factor - 1` times its rate): its first candidate
    /// post, on the agent's diurnal clock, with the agent's activation (for decay) and
    /// the end of its active period.
    pub fn start_posting(
        &mut self,
        a: usize,
        t: f64,
        escalated: bool,
        ctx: &StepContext,
        rng: &mut SimRng,
    ) {
        let me = self.agents[a];
        let rate = if escalated {
            me.rate * ctx.escalation[me.pop as usize]
        } else {
            me.rate
        };
        if rate <= 0.0 {
            return;
        }
        // Only where the posting loop will read it: a record written for every agent
        // of a large population was a cache miss per activation, and its pages.
        if ctx.keeps_record[me.pop as usize] {
            if self.posting.is_empty() {
                self.posting = vec![Posting::default(); self.agents.len()];
            }
            self.posting[a] = Posting {
                since: me.activated_at,
                rate: me.rate,
                active: (me.end_at - me.activated_at) as f32,
            };
        }
        let clock = ctx.clocks[me.pop as usize][me.tz as usize].as_ref();
        let gap = rng.sample::<f64, _>(Exp1) / rate as f64;
        let first = DiurnalClock::advance(clock, t, gap);
        if first < me.end_at && first < ctx.steps as f64 {
            let c = Candidate::new(a as u16, me.pop, me.tz, first, rate, escalated);
            self.calendar.push(c);
        }
    }

    #[inline]
    fn emit(&mut self, c: &Candidate, ctx: &StepContext, arrivals: &[usize]) {
        let pop = c.pop as usize;
        let feed = ctx.forced_feed[pop].unwrap_or_else(|| self.feed[c.agent as usize]);
        let bounds = &ctx.kind_bounds[pop];
        let kind = if bounds.len() == 1 {
            0
        } else {
            kinds::draw_kind(bounds, self.rng.random())
        };
        let mut flagged = false;
        let id = (((self.first >> BLOCK_BITS) as u64) << 40) | self.posted;
        if let (Some(m), Some(rule)) = (&mut self.moderation, &ctx.moderation) {
            if let Some(limit) = &rule.rate_limit
                && !m.admit(c.agent as usize, c.t, limit)
            {
                self.out.rate_limited[(feed as usize, pop)] += 1;
                return;
            }
            let p = rule.flag[kind];
            if p > 0.0 && self.rng.random::<f64>() < p {
                flagged = true;
                self.out.flagged[(feed as usize, pop)] += 1;
                // Removed at the start of a later step and counted against its author
                // then; with no delay it is blocked at upload and never shown.
                let at = ((c.t + rule.removal_delay_steps as f64) as u32).max(ctx.step + 1);
                m.schedule(
                    at,
                    Flagged {
                        id,
                        agent: c.agent,
                        feed,
                        pop: c.pop,
                    },
                );
            }
            if flagged && rule.removal_delay_steps == 0 {
                self.posted += 1;
                self.out.counts.cell_mut(feed as usize, pop)[kind] += 1;
                return;
            }
        }
        self.posted += 1;
        self.out.counts.cell_mut(feed as usize, pop)[kind] += 1;
        let buffer = &mut self.out.latest[feed as usize];
        // Only the feed's K latest posts of the step can reach its window: keep the
        // buffer within 2K (+ slack) so memory does not grow with posts per step; the
        // amortised cost is O(1) per post, and the K kept are the same.
        let k = arrivals[feed as usize];
        if buffer.len() >= k.saturating_mul(2).saturating_add(1024) {
            latest_k(buffer, k);
        }
        buffer.push(Post {
            t: c.t,
            author: self.first + c.agent as u32,
            id,
            feed,
            pop: c.pop,
            kind: kind as u8,
            flagged,
        });
    }
}
