//! The engine: a world of agents, feeds and a follower network, advanced step by step.
//!
//! Each step has three phases:
//! 1. **mobilise** (parallel over blocks, merged in block order): network activations
//!    from earlier steps, call to action, broadcast while trending, spreading from the
//!    newly active, discouragement;
//! 2. **post** (parallel over fixed-size blocks): each block runs its agents' posting
//!    process from its calendar, with its own random stream;
//! 3. **publish** (sequential, block order): each feed takes in its newest posts, its tabs
//!    rank them ([`tabs`]), readers browse, trending meters update, and the metrics
//!    recorder observes the step.
//!
//! Architecture invariant: the engine does no I/O and never reads the clock; results
//! depend only on (scenario, network, seed), never on the thread count.

mod app;
mod block;
mod calendar;
mod clock;
mod feed;
pub mod footprint;
mod kinds;
mod mobilise;
mod moderate;
mod publish;
mod rates;
mod reach;
mod read;
mod setup;
pub mod tabs;

use rayon::prelude::*;

use crate::metrics::{FeedCounts, FeedPop, PopulationCounts, Recorder, RunOutput};
use crate::network::FollowerGraph;
use crate::scenario::{LATEST, Scenario};
pub use block::Post;
use block::{BLOCK_BITS, Block, StepContext};
use feed::TrendingMeter;
use read::ReaderPop;
use tabs::{ExtraTab, Ranker};

/// The phases of a step, in order (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Mobilise,
    Post,
    Publish,
}

/// A running simulation. Build with [`World::new`], advance with [`World::step`] or run
/// to the end with [`run`].
pub struct World<'a> {
    scenario: &'a Scenario,
    graph: &'a FollowerGraph,
    seed: u64,
    blocks: Vec<Block>,
    ctx: StepContext,
    /// Per feed, its tabs' rankers (indexed like the scenario's tabs, then extra tabs).
    tabs: Vec<Vec<Box<dyn Ranker>>>,
    trending: Vec<Option<TrendingMeter>>,
    readers: Vec<ReaderPop>,
    app: Option<app::AppState>,
    /// This step's counts per tab and feed x population.
    feed_counts: FeedCounts,
    /// Per block, the network's part of mobilisation and its hops for later steps.
    reach: Vec<reach::Reach>,
    /// The messages of a round of the network's work (reused).
    mail: reach::Mail,
    /// Agents activated in the previous step (to decide whether the next is worth
    /// working on in parallel).
    activated_last: usize,
    /// Ends of active periods of agents that read or use the app, by step: the time and
    /// the agent (their counted rates stop then).
    period_ends: std::collections::BTreeMap<u32, Vec<(f64, u32)>>,
    counts: Vec<PopulationCounts>,
    /// Fatigue ends by population and sample interval (see `population_counts`).
    fatigue_ends: Vec<Vec<u64>>,
    recorder: Recorder,
    /// Per feed, the newest posts of the step (at most its Latest window's size).
    feed_posts: Vec<Vec<Post>>,
    /// Posts of the step per feed x population, one per content kind.
    step_counts: FeedPop<u64>,
    /// Per tab, each population's share of it at the end of the step.
    shares: Vec<FeedPop<f64>>,
    /// Per feed, how many of a step's newest posts it takes in: its Latest window, or all
    /// of them when readers see each post for its residence time.
    arrivals: Vec<usize>,
    /// Per tab, what it showed during the step (reused from step to step).
    exposure: Vec<tabs::Exposure>,
    /// Room for sorting a step's posts (reused).
    sort_scratch: feed::SortScratch,
    /// The ids shown in a feed's other tabs at a ranking (kept to reuse its allocation).
    visible_ids: Vec<u64>,
    /// The step's trending flags and counts per population (reused).
    step_flags: publish::StepFlags,
    /// The step's mobilisation plan and each block's discouragement (reused).
    plan: mobilise::Plan,
    changes: Vec<mobilise::Changes>,
    /// Room for a feed's engaged posts and their readers (reused).
    engaged: (Vec<(Post, u64)>, Vec<usize>),
    next_step: u32,
    /// Posting-rate draws truncated at the cap, by population.
    rate_truncations: Vec<u64>,
}

/// Runs a scenario to the end. `progress` is called with the number of steps done.
pub fn run(
    scenario: &Scenario,
    graph: &FollowerGraph,
    seed: u64,
    progress: &mut dyn FnMut(u32),
) -> RunOutput {
    run_with_tabs(scenario, graph, seed, &[], progress)
}

/// [`run`], with `extra` tabs in every feed after the scenario's.
pub fn run_with_tabs(
    scenario: &Scenario,
    graph: &FollowerGraph,
    seed: u64,
    extra: &[ExtraTab],
    progress: &mut dyn FnMut(u32),
) -> RunOutput {
    let mut world = World::with_tabs(scenario, graph, seed, extra);
    while world.next_step < scenario.time.steps {
        world.step();
        if world.next_step.is_multiple_of(16) || world.next_step == scenario.time.steps {
            progress(world.next_step);
        }
    }
    world.finish()
}

impl<'a> World<'a> {
    /// Builds the world: agents with their drawn attributes, all dormant, empty feeds.
    pub fn new(scenario: &'a Scenario, graph: &'a FollowerGraph, seed: u64) -> Self {
        Self::with_tabs(scenario, graph, seed, &[])
    }

    /// [`World::new`], with `extra` tabs in every feed after the scenario's.
    pub fn with_tabs(
        scenario: &'a Scenario,
        graph: &'a FollowerGraph,
        seed: u64,
        extra: &[ExtraTab],
    ) -> Self {
        assert_eq!(
            graph.num_nodes() as u64,
            scenario.agent_count(),
            "the follower graph must have one node per agent"
        );
        let n_pops = scenario.populations.len();
        let n_feeds = scenario.feeds.len();
        // One slot per sample interval of the run: only ends before the last step are
        // counted, and `end / every` of those is below `steps.div_ceil(every)`.
        let n_intervals = scenario
            .time
            .steps
            .div_ceil(scenario.metrics.sample_every_steps) as usize;
        let (blocks, rate_truncations) = setup::blocks(scenario, seed);
        let lens: Vec<usize> = blocks.iter().map(|b| b.state.len()).collect();
        let readers = setup::readers(scenario, seed, graph);
        let has_readers = !readers.is_empty();
        let app = app::AppState::new(scenario, seed);
        let mut tab_names = scenario.tab_names();
        tab_names.extend(extra.iter().map(|e| e.name.clone()));
        World {
            scenario,
            graph,
            seed,
            blocks,
            ctx: setup::context(scenario),
            tabs: scenario
                .feeds
                .iter()
                .map(|f| {
                    let hours_per_step = scenario.time.dt_seconds / 3600.0;
                    let own = f
                        .tabs
                        .iter()
                        .map(|t| tabs::build(t, n_pops, hours_per_step));
                    own.chain(extra.iter().map(|e| (e.build)(f))).collect()
                })
                .collect(),
            trending: scenario
                .feeds
                .iter()
                .map(|f| {
                    let detrend = scenario
                        .moderation
                        .as_ref()
                        .map_or(1.0, |m| m.detrend_above);
                    // A window longer than the run counts every post so far, as the
                    // run's length does: its ring needs no more slots than steps.
                    f.trending.clone().map(|mut t| {
                        t.window_steps = t.window_steps.min(scenario.time.steps);
                        TrendingMeter::new(t, n_pops, detrend)
                    })
                })
                .collect(),
            readers,
            app,
            feed_counts: FeedCounts::new(tab_names.len(), n_feeds, n_pops),
            reach: lens.iter().map(|&len| reach::Reach::new(len)).collect(),
            mail: reach::Mail::default(),
            activated_last: 0,
            period_ends: Default::default(),
            counts: vec![PopulationCounts::default(); n_pops],
            fatigue_ends: vec![vec![0; n_intervals]; n_pops],
            feed_posts: vec![Vec::new(); n_feeds],
            step_counts: FeedPop::with_width(n_feeds, n_pops, scenario.kinds.len()),
            shares: vec![FeedPop::new(n_feeds, n_pops); tab_names.len()],
            recorder: Recorder::new(scenario, tab_names),
            arrivals: scenario
                .feeds
                .iter()
                .map(|f| {
                    if has_readers {
                        usize::MAX
                    } else {
                        f.latest_window()
                    }
                })
                .collect(),
            exposure: Vec::new(),
            sort_scratch: Default::default(),
            visible_ids: Vec::new(),
            step_flags: Default::default(),
            plan: Default::default(),
            changes: Vec::new(),
            engaged: Default::default(),
            next_step: 0,
            rate_truncations,
        }
    }

    /// Advances one step.
    pub fn step(&mut self) {
        self.step_observed(&mut |_| {});
    }

    /// Advances one step, calling `phase` as each phase begins (and with `None` at the
    /// end), so a benchmark can time the phases without the engine reading a clock.
    pub fn step_observed(&mut self, phase: &mut dyn FnMut(Option<Phase>)) {
        let step = self.next_step;
        phase(Some(Phase::Mobilise));
        self.ctx.step = step;
        setup::update_context(&mut self.ctx, self.scenario, &self.shares[LATEST]);
        self.mobilise(step);
        phase(Some(Phase::Post));
        let ctx = &self.ctx;
        let arrivals = &self.arrivals;
        self.blocks
            .par_iter_mut()
            .for_each(|s| s.post_step(ctx, arrivals));
        phase(Some(Phase::Publish));
        self.publish(step);
        phase(None);
        self.next_step += 1;
    }

    /// Steps not yet run.
    pub fn steps_left(&self) -> u32 {
        self.scenario.time.steps - self.next_step
    }

    /// Finishes the run and returns its metrics.
    pub fn finish(self) -> RunOutput {
        let truncated = self.truncated_draws();
        self.recorder
            .finish(self.scenario, self.seed, self.graph.num_edges(), truncated)
    }

    /// Draws truncated at their key's cap over the run, by key path (only keys with any).
    fn truncated_draws(&self) -> std::collections::BTreeMap<String, u64> {
        let mut out = std::collections::BTreeMap::new();
        let pops = &self.scenario.populations;
        for (pop, &n) in pops.iter().zip(&self.rate_truncations) {
            out.insert(pop.rate_per_step.key.clone(), n);
        }
        for r in &self.readers {
            let key = &pops[r.pop]
                .reading
                .as_ref()
                .expect("reader")
                .rate_per_step
                .key;
            out.insert(key.clone(), r.rates.truncated);
        }
        if let Some(app) = &self.app {
            out.extend(app.truncated_draws(self.scenario));
        }
        out.retain(|_, n| *n > 0);
        out
    }

    /// The rates counted per step (browsing, app submissions) that population `pop`
    /// takes part in.
    fn counted_rates(&mut self, pop: usize) -> impl Iterator<Item = &mut rates::ActiveRates> {
        let reading = self
            .readers
            .iter_mut()
            .filter(move |r| r.pop == pop)
            .map(|r| &mut r.rates);
        let app = self.app.iter_mut().filter_map(move |a| a.rates_mut(pop));
        reading.chain(app)
    }

    /// Agent `agent` (activated at `since`) stops taking part in the counted processes at
    /// time `t`, in the current step `step`.
    fn stop_counted(&mut self, agent: u32, since: f64, t: f64, step: u32) {
        let pop = self.scenario.population_of(agent);
        let (s, a) = Self::locate(agent);
        let tz = self.blocks[s].agents[a].tz as usize;
        let i = (agent - self.scenario.populations[pop].first_agent) as usize;
        for rates in self.counted_rates(pop) {
            rates.stop(i, tz, t - since, t - step as f64);
        }
    }

    #[inline]
    fn locate(agent: u32) -> (usize, usize) {
        (
            (agent >> BLOCK_BITS) as usize,
            (agent & ((1 << BLOCK_BITS) - 1)) as usize,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::FollowerGraph;
    use crate::sim::block::AgentState;

    /// `steps` one-minute steps of one agent posting once an hour.
    fn one_poster(steps: u32) -> Scenario {
        let toml = format!(
            "[time]\nduration = \"{steps}m\"\ndt = \"1m\"\n[feeds.f]\nlatest_window = 10\n\
             [populations.p]\nsize = 1\nrate = {{ dist = \"constant\", value = 1.0 }}\n"
        );
        Scenario::from_toml(&toml, "one", &crate::scenario::Inputs::default()).unwrap()
    }

    /// The summed reading rate that browses are drawn from is the sum of the rates of
    /// the agents taking part, whatever started or stopped them: activations at the start,
    /// by a call in the middle of a step, periods that end (inside steps), quits and
    /// suspensions. After every step of a run with all of these, the engine's running
    /// sum must equal the sum over the agents that are active with their period not
    /// over (rates drawn from an exponential, so each agent counts with its own).
    /// A stop counted twice, a stop missed, or a start not counted, makes them differ by
    /// a whole agent's rate. (This test found two double stops: an agent that quit, or
    /// was suspended, before its period's end inside the same step was stopped at both.)
    #[test]
    fn the_reading_rate_is_the_sum_over_the_agents_taking_part() {
        let toml = r#"
[time]
duration = "3h"
dt = "2m"
[feeds.f]
latest_window = 20
[populations.a]
size = 3000
rate = { dist = "constant", value = 6.0 }
mobilisation = { initial_active = 0.5, call_to_action = { at = "31m", fraction = 0.5 } }
[populations.a.fatigue]
active_hours = { dist = "uniform", min = 0.2, max = 2.0 }
[populations.a.reading]
rate = { dist = "exponential", mean = 6.0 }
feeds = { f = 1.0 }
[populations.a.discouragement]
below_share = 0.5
rate = 1.0
[populations.b]
size = 1000
rate = { dist = "constant", value = 60.0 }
[moderation]
flag = { text = 0.1 }
removal_delay = "6m"
suspend_after = 1
"#;
        let s = Scenario::from_toml(toml, "rates", &crate::scenario::Inputs::default()).unwrap();
        let graph = FollowerGraph::empty(4000);
        let mut world = World::new(&s, &graph, 3);
        let mut stopped = [0u64; 3];
        for step in 0..s.time.steps {
            world.step();
            let end = (step + 1) as f64;
            let r = &world.readers[0];
            let mut expected = 0.0;
            for agent in 0..3000u32 {
                let (b, a) = World::locate(agent);
                let (state, me) = (world.blocks[b].state[a], world.blocks[b].agents[a]);
                match state {
                    AgentState::Active if me.end_at >= end => {
                        expected += r.rates.rate(agent as usize)
                    }
                    AgentState::Active => stopped[0] += 1,
                    AgentState::Quit => stopped[1] += 1,
                    AgentState::Suspended => stopped[2] += 1,
                    _ => {}
                }
            }
            let got = r.rates.level_total();
            assert!(
                (got - expected).abs() <= 1e-9 * expected.max(1.0),
                "after step {step}: summed rate {got}, agents taking part {expected}"
            );
        }
        // Every way of stopping happened (summed over the steps).
        assert!(stopped.iter().all(|&n| n > 0), "{stopped:?}");
    }

    /// A scenario of 10 one-minute steps: `steps_left` counts down from 10 to 0 as the
    /// world steps (the benchmark's loop stops on it).
    #[test]
    fn steps_left_counts_down_to_zero() {
        let s = one_poster(10);
        let graph = FollowerGraph::empty(1);
        let mut world = World::new(&s, &graph, 1);
        assert_eq!(world.steps_left(), 10);
        for _ in 0..3 {
            world.step();
        }
        assert_eq!(world.steps_left(), 7);
        for _ in 0..7 {
            world.step();
        }
        assert_eq!(world.steps_left(), 0);
    }

    /// `run` reports progress every 16 steps and once at the end, which the CLI's progress
    /// bar needs to finish: 40 steps report 16, 32 and 40 (a report at every step, none at
    /// the end, or none at all fails).
    #[test]
    fn progress_is_reported_every_16_steps_and_at_the_end() {
        let s = one_poster(40);
        let mut reported = Vec::new();
        run(&s, &FollowerGraph::empty(1), 1, &mut |done| {
            reported.push(done)
        });
        assert_eq!(reported, [16, 32, 40]);
    }

    /// A block hands the publish only the posts a feed takes in: without readers the
    /// newest `latest_window` of the step, oldest first. One agent posting 60 times a
    /// step into a window of 10 leaves 10 in its block (the publish would still keep the
    /// right ones from all 60, so only this sees a block that skips the selection).
    #[test]
    fn a_block_keeps_only_the_posts_its_feeds_take_in() {
        let toml = "[time]\nduration = \"5m\"\ndt = \"1m\"\n[feeds.f]\nlatest_window = 10\n\
                    [populations.p]\nsize = 1\nrate = { dist = \"constant\", value = 3600.0 }\n";
        let s = Scenario::from_toml(toml, "busy", &crate::scenario::Inputs::default()).unwrap();
        let graph = FollowerGraph::empty(1);
        let mut world = World::new(&s, &graph, 3);
        for _ in 0..5 {
            world.step();
            let kept = &world.blocks[0].out.latest[0];
            assert_eq!(kept.len(), 10);
            assert!(kept.is_sorted_by(|a, b| a.t <= b.t), "{kept:?}");
            assert_eq!(world.feed_posts[0], *kept);
        }
    }

    /// Post ids are unique across blocks: removal and the Top tab find posts by id, so
    /// two blocks' posts sharing ids would have a removal take the wrong post. Two
    /// blocks of agents post about 550 each in the first minute, every one of them kept
    /// by a window of 5000 (ids made from each block's post count alone collide at once).
    #[test]
    fn post_ids_are_unique_across_blocks() {
        let toml = format!(
            "[time]\nduration = \"1m\"\ndt = \"1m\"\n[feeds.f]\nlatest_window = 5000\n\
             [populations.p]\nsize = {}\nrate = {{ dist = \"constant\", value = 0.5 }}\n",
            2 * block::BLOCK_SIZE
        );
        let s = Scenario::from_toml(&toml, "two", &crate::scenario::Inputs::default()).unwrap();
        let graph = FollowerGraph::empty(2 * block::BLOCK_SIZE as usize);
        let mut world = World::new(&s, &graph, 4);
        world.step();
        let posts = &world.feed_posts[0];
        assert!(posts.len() > 900, "{} posts", posts.len());
        let ids: std::collections::BTreeSet<u64> = posts.iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), posts.len());
    }

    /// The network's work settles each agent at the earliest time anything reaches it,
    /// whatever the order of the work: with each block sending at most 3 messages a
    /// round (so every spread into another block is cut short and resumed, over many
    /// more rounds) a run must give the same bytes as with the usual budget. Three
    /// blocks of agents on a random network, half in an independent cascade with hops
    /// within and across steps, half in a threshold cascade. A time taken from whichever
    /// message came first, a hop lost or sent twice when a spread resumes, or a
    /// threshold counted twice, changes the results.
    #[test]
    fn the_networks_work_does_not_depend_on_its_order() {
        let toml = r#"
[time]
duration = "40m"
dt = "1m"
[feeds.f]
latest_window = 20
[populations.a]
size = 70000
rate = { dist = "constant", value = 6.0 }
mobilisation = { initial_active = 0.0, call_to_action = { at = "2m", fraction = 0.002 }, cascade = { model = "independent", p = 0.4, delay = "3m" } }
[populations.b]
size = 70000
rate = { dist = "constant", value = 6.0 }
mobilisation = { initial_active = 0.0, call_to_action = { at = "1m", fraction = 0.05 }, cascade = { model = "threshold", threshold = { dist = "uniform", min = 0.05, max = 0.3 }, delay = "2m" } }
[network]
generator = "erdos_renyi"
mean_degree = 8.0
"#;
        let s = Scenario::from_toml(toml, "order", &crate::scenario::Inputs::default()).unwrap();
        let graph = crate::graph_source::follower_graph(&s, 5).unwrap();
        let summary = |budget: usize| {
            let mut world = World::new(&s, &graph, 5);
            for r in &mut world.reach {
                r.budget = budget;
            }
            while world.steps_left() > 0 {
                world.step();
            }
            let out = world.finish();
            let c = &out.summary.populations;
            let (a, b) = (c["a"].counts.by_network, c["b"].counts.by_network);
            assert!(a > 1000 && b > 1000, "by the network: {a} and {b}");
            format!("{:?}", out.summary)
        };
        assert_eq!(summary(3), summary(reach::ROUND_BUDGET));
    }

    /// Regression (issue 9): event times were `f32`, which past 2^24 steps could not
    /// advance by a fraction of a step, so one agent posting 10 times a step posted far
    /// too often or too rarely late in a long run (or the loop stood still). An agent
    /// called to action at step 2^24 + 100 must post at its rate: over 2,000 steps at
    /// 10 per step, Poisson with mean 20,000 and sd 141.
    #[test]
    fn posting_keeps_its_rate_past_two_to_the_24_steps() {
        let start = (1u64 << 24) + 100;
        let toml = format!(
            "[time]\nduration = \"{}s\"\ndt = \"10s\"\n[metrics]\nsample_every = \"100000s\"\n\
             [feeds.f]\nlatest_window = 10\n[populations.p]\nsize = 1\n\
             rate = {{ dist = \"constant\", value = 3600.0 }}\n\
             mobilisation = {{ initial_active = 0.0, call_to_action = {{ at = \"{}s\", fraction = 1.0 }} }}\n",
            (start + 3000) * 10,
            start * 10
        );
        let s = Scenario::from_toml(&toml, "long", &crate::scenario::Inputs::default()).unwrap();
        let graph = FollowerGraph::empty(1);
        let mut world = World::new(&s, &graph, 5);
        world.next_step = start as u32;
        for _ in 0..2000 {
            world.step();
        }
        let posts = world.finish().summary.totals.posts as f64;
        assert!(
            (posts - 20_000.0).abs() < 5.0 * 141.4,
            "{posts} posts in 2,000 steps at 10 per step"
        );
    }
}
