//! Per-agent rates summed by time zone, for processes counted per step rather than
//! scheduled per agent (browses, app submissions).

use crate::rng::SimRng;
use crate::scenario::{Distribution, Population};

use super::shard::{SHARD_BITS, Shard};

/// The sum of a population's per-agent rates (per step, diurnal factor 1) by time zone.
#[derive(Debug, Clone, Default)]
pub struct RateSums {
    pub by_tz: Vec<f64>,
}

impl RateSums {
    /// Draws one rate per agent of `pop` from `rate` (each agent's time zone is the one
    /// set up in its shard) and calls `each` with every rate, in agent order.
    pub fn draw(
        pop: &Population,
        rate: &Distribution,
        shards: &[Shard],
        rng: &mut SimRng,
        mut each: impl FnMut(f64),
    ) -> Self {
        let sampler = rate.sampler();
        let mut by_tz = vec![0.0; pop.timezones.len()];
        for agent in pop.agents() {
            let r = sampler.sample(rng);
            let shard = &shards[(agent >> SHARD_BITS) as usize];
            by_tz[shard.agents[(agent - shard.first) as usize].tz as usize] += r;
            each(r);
        }
        RateSums { by_tz }
    }

    /// Expected events in the step starting `seconds` after UTC midnight, when a fraction
    /// `active` of the agents takes part (rates were drawn independently of activity).
    pub fn expected(&self, pop: &Population, seconds: f64, active: f64) -> f64 {
        active
            * self
                .by_tz
                .iter()
                .zip(&pop.timezones)
                .map(|(&rate, &(offset, _))| {
                    let local = (seconds + offset * 3600.0).rem_euclid(86_400.0);
                    rate * pop.diurnal[((local / 3600.0) as usize).min(23)]
                })
                .sum::<f64>()
    }
}
