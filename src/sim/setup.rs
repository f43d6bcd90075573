//! Building the agents and the per-step context from a validated scenario.

use rand::RngExt;
use rayon::prelude::*;

use super::block::{Agent, AgentState, BLOCK_SIZE, Block, BlockOutput, StepContext};
use super::calendar::Calendar;
use super::clock::DiurnalClock;
use super::kinds;
use super::moderate::BlockModeration;
use super::rates::ActiveRates;
use super::read::{ReaderPop, Reposters};
use crate::metrics::FeedPop;
use crate::network::FollowerGraph;
use crate::rng::{self, Stream};
use crate::scenario::{Cascade, DiscouragementAction, Scenario, Targeting};

/// Draws every agent's attributes, block by block in parallel; each block uses its own
/// stream, so the result does not depend on the thread count.
/// Also returns, per population, how many rate draws were truncated at the cap.
pub fn blocks(s: &Scenario, seed: u64) -> (Vec<Block>, Vec<u64>) {
    let n = s.agent_count();
    let n_blocks = n.div_ceil(BLOCK_SIZE as u64);
    let samplers: Vec<_> = s
        .populations
        .iter()
        .map(|p| p.rate_per_step.sampler())
        .collect();
    let thresholds: Vec<_> = s
        .populations
        .iter()
        .map(|p| match &p.mobilisation.cascade {
            Some(Cascade::Threshold { threshold }) => Some(threshold.sampler()),
            _ => None,
        })
        .collect();
    let any_threshold = thresholds.iter().any(Option::is_some);
    let built: Vec<(Block, Vec<u64>)> = (0..n_blocks)
        .into_par_iter()
        .map(|i| {
            let first = (i * BLOCK_SIZE as u64) as u32;
            let len = (n - first as u64).min(BLOCK_SIZE as u64) as usize;
            let mut init = rng::stream(seed, Stream::AgentInit, i);
            let mut agents = Vec::with_capacity(len);
            let mut threshold = Vec::new();
            let mut truncated = vec![0; s.populations.len()];
            for local in 0..len {
                let g = first + local as u32;
                let p = s.population_of(g);
                let (rate, cut) = samplers[p].draw(&mut init);
                truncated[p] += cut as u64;
                let rate = rate as f32;
                let zones = &s.populations[p].timezones;
                let tz = if zones.len() == 1 {
                    0
                } else {
                    pick(&mut init, zones.iter().map(|z| z.1)) as u8
                };
                agents.push(Agent {
                    rate,
                    activated_at: 0.0,
                    end_at: f64::INFINITY,
                    pop: p as u8,
                    tz,
                    escalated: false,
                });
                if any_threshold {
                    threshold.push(
                        thresholds[p]
                            .as_ref()
                            .map_or(f32::INFINITY, |t| t.sample(&mut init) as f32),
                    );
                }
            }
            let block = Block {
                first,
                state: vec![AgentState::Dormant; len],
                feed: vec![0; len],
                agents,
                posting: Vec::new(),
                params: Vec::new(),
                active_followees: if any_threshold {
                    vec![0; len]
                } else {
                    Vec::new()
                },
                threshold,
                calendar: Calendar::new(),
                posted: 0,
                stopped: 0,
                discourageable: vec![Vec::new(); s.populations.len()],
                moderation: s.moderation.as_ref().map(|m| BlockModeration::new(len, m)),
                rng: rng::stream(seed, Stream::Posting, i),
                out: BlockOutput::default(),
            };
            (block, truncated)
        })
        .collect();
    let mut truncated = vec![0; s.populations.len()];
    let mut blocks = Vec::with_capacity(built.len());
    for (block, cut) in built {
        blocks.push(block);
        for (t, c) in truncated.iter_mut().zip(cut) {
            *t += c;
        }
    }
    (blocks, truncated)
}

/// Index drawn with probability proportional to `weights` (which sum to 1).
pub fn pick(rng: &mut crate::rng::SimRng, weights: impl Iterator<Item = f64>) -> usize {
    let u: f64 = rng.random();
    let mut acc = 0.0;
    let mut last = 0;
    for (i, w) in weights.enumerate() {
        acc += w;
        if w > 0.0 {
            last = i;
            if u < acc {
                return i;
            }
        }
    }
    last
}

/// The parts of the step context that do not change during a run.
pub fn context(s: &Scenario) -> StepContext {
    let reads_record: Vec<bool> = s
        .populations
        .iter()
        .map(|p| p.fatigue.half_life_steps.is_some() || p.fatigue.active_steps.is_some())
        .collect();
    let keeps_record = s
        .populations
        .iter()
        .zip(&reads_record)
        .map(|(p, &reads)| {
            // A discouraged agent quits, or moves and quits when it has nowhere to go.
            reads
                || p.discouragement
                    .as_ref()
                    .is_some_and(|d| d.action != DiscouragementAction::Escalate)
        })
        .collect();
    StepContext {
        step: 0,
        steps: s.time.steps,
        clocks: s
            .populations
            .iter()
            .map(|p| {
                p.timezones
                    .iter()
                    .map(|&(offset, _)| DiurnalClock::new(s, &p.diurnal, offset))
                    .collect()
            })
            .collect(),
        half_life: s
            .populations
            .iter()
            .map(|p| p.fatigue.half_life_steps)
            .collect(),
        reads_record,
        keeps_record,
        escalation: s
            .populations
            .iter()
            .map(|p| {
                p.discouragement
                    .as_ref()
                    .map_or(0.0, |d| (d.factor - 1.0) as f32)
            })
            .collect(),
        // A population that targets one feed posts there: the posting loop need not
        // read each agent's home feed (a cache miss per post on large populations).
        forced_feed: s
            .populations
            .iter()
            .map(|p| match (&p.targeting, p.targeting.feeds().as_slice()) {
                (Targeting::Weights(_), &[only]) => Some(only as u8),
                _ => None,
            })
            .collect(),
        kind_bounds: s
            .populations
            .iter()
            .map(|p| kinds::kind_bounds(&p.content))
            .collect(),
        n_pops: s.populations.len(),
        n_kinds: s.kinds.len(),
        moderation: s.moderation.clone(),
    }
}

/// Sets the least-dominated feeds for `step`, from the feed shares at the end of the
/// previous step.
pub fn update_context(ctx: &mut StepContext, s: &Scenario, shares: &FeedPop<f64>) {
    for (p, pop) in s.populations.iter().enumerate() {
        if let Targeting::LeastDominated(feeds) = &pop.targeting {
            let mut best = feeds[0];
            for &f in feeds {
                if shares[(f, p)] < shares[(best, p)] {
                    best = f;
                }
            }
            ctx.forced_feed[p] = Some(best as u8);
        }
    }
}

/// Draws the reading populations' browse rates (one stream per population) and sums them
/// by time zone; when the readers repost and are in the network, also builds the table
/// that picks reposters in proportion to their browse rates.
pub fn readers(s: &Scenario, seed: u64, graph: &FollowerGraph) -> Vec<ReaderPop> {
    s.populations
        .iter()
        .enumerate()
        .filter_map(|(p, pop)| pop.reading.as_ref().map(|r| (p, pop, r)))
        .map(|(p, pop, r)| {
            let mut rng = rng::stream(seed, Stream::ReaderInit, p as u64);
            // Reposts reach followers: only readers in the network can have any.
            let in_network = s
                .network
                .as_ref()
                .is_some_and(|n| n.populations.contains(&p));
            let reposting = r.repost_share > 0.0 && in_network && graph.num_edges() > 0;
            let rates =
                ActiveRates::draw(pop, &r.rate_per_step, pop.fatigue.half_life_steps, &mut rng);
            let reposters = if reposting {
                let weights = (0..pop.size as usize).map(|i| rates.rate(i)).collect();
                let followers = pop
                    .agents()
                    .map(|a| graph.followers(a).len() as u32)
                    .collect();
                Reposters::new(weights, followers)
            } else {
                None
            };
            ReaderPop {
                pop: p,
                rates,
                reposters,
            }
        })
        .collect()
}
