//! Building the agents and the per-step context from a validated scenario.

use rand::RngExt;
use rayon::prelude::*;

use super::calendar::Calendar;
use super::shard::{AgentState, SHARD_SIZE, Shard, ShardOutput, StepContext};
use crate::rng::{self, Stream};
use crate::scenario::{Cascade, Scenario, Targeting};

/// Draws every agent's attributes, shard by shard in parallel; each shard uses its own
/// stream, so the result does not depend on the thread count.
pub fn shards(s: &Scenario, seed: u64) -> Vec<Shard> {
    let n = s.agent_count();
    let n_shards = n.div_ceil(SHARD_SIZE as u64);
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
    (0..n_shards)
        .into_par_iter()
        .map(|i| {
            let first = (i * SHARD_SIZE as u64) as u32;
            let len = (n - first as u64).min(SHARD_SIZE as u64) as usize;
            let mut init = rng::stream(seed, Stream::AgentInit, i);
            let mut pop = Vec::with_capacity(len);
            let mut tz = Vec::with_capacity(len);
            let mut rate = Vec::with_capacity(len);
            let mut threshold = Vec::new();
            for local in 0..len {
                let g = first + local as u32;
                let p = s
                    .populations
                    .iter()
                    .position(|p| p.agents().contains(&g))
                    .expect("populations cover all agents");
                pop.push(p as u8);
                rate.push(samplers[p].sample(&mut init) as f32);
                let zones = &s.populations[p].timezones;
                tz.push(if zones.len() == 1 {
                    0
                } else {
                    pick(&mut init, zones.iter().map(|z| z.1)) as u8
                });
                if any_threshold {
                    threshold.push(
                        thresholds[p]
                            .as_ref()
                            .map_or(f32::INFINITY, |t| t.sample(&mut init) as f32),
                    );
                }
            }
            Shard {
                first,
                pop,
                tz,
                state: vec![AgentState::Dormant; len],
                feed: vec![0; len],
                rate,
                bound: vec![0.0; len],
                activated_at: vec![0.0; len],
                end_at: vec![f32::INFINITY; len],
                active_followees: if any_threshold {
                    vec![0; len]
                } else {
                    Vec::new()
                },
                threshold,
                calendar: Calendar::new(s.time.steps),
                rng: rng::stream(seed, Stream::Posting, i),
                out: ShardOutput::default(),
            }
        })
        .collect()
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
    StepContext {
        step: 0,
        steps: s.time.steps,
        diurnal: s
            .populations
            .iter()
            .map(|p| vec![1.0; p.timezones.len()])
            .collect(),
        diurnal_max: s
            .populations
            .iter()
            .map(|p| p.diurnal.iter().cloned().fold(0.0, f64::max) as f32)
            .collect(),
        half_life: s
            .populations
            .iter()
            .map(|p| p.fatigue.half_life_steps)
            .collect(),
        forced_feed: vec![None; s.populations.len()],
        kind_cdf: s
            .populations
            .iter()
            .map(|p| {
                let mut acc = 0.0;
                p.content
                    .iter()
                    .map(|w| {
                        acc += w;
                        acc
                    })
                    .collect()
            })
            .collect(),
        n_pops: s.populations.len(),
        n_kinds: s.kinds.len(),
    }
}

/// Sets the diurnal factors and the least-dominated feeds for `step`, from the feed
/// shares at the end of the previous step.
pub fn update_context(ctx: &mut StepContext, s: &Scenario, step: u32, shares: &[f64]) {
    let n_pops = s.populations.len();
    let seconds = s.time.start_utc_second_of_day + step as f64 * s.time.dt_seconds;
    for (p, pop) in s.populations.iter().enumerate() {
        for (z, &(offset, _)) in pop.timezones.iter().enumerate() {
            let local = (seconds + offset * 3600.0).rem_euclid(86_400.0);
            let hour = ((local / 3600.0) as usize).min(23);
            ctx.diurnal[p][z] = pop.diurnal[hour] as f32;
        }
        if let Targeting::LeastDominated(feeds) = &pop.targeting {
            let mut best = feeds[0];
            for &f in feeds {
                if shares[f * n_pops + p] < shares[best * n_pops + p] {
                    best = f;
                }
            }
            ctx.forced_feed[p] = Some(best as u8);
        }
    }
}
