//! Per-agent rates summed by time zone, for processes counted per step rather than
//! scheduled per agent (browses, app submissions).

use crate::rng::SimRng;
use crate::scenario::{Capped, Population};

use super::block::{BLOCK_BITS, Block};

/// The sum of a population's per-agent rates (per step, diurnal factor 1) by time zone.
#[derive(Debug, Clone, Default)]
pub struct RateSums {
    pub by_tz: Vec<f64>,
    /// Draws truncated at the rate's cap.
    pub truncated: u64,
}

impl RateSums {
    /// Draws one rate per agent of `pop` from `rate` (each agent's time zone is the one
    /// set up in its block) and calls `each` with every rate, in agent order.
    pub fn draw(
        pop: &Population,
        rate: &Capped,
        blocks: &[Block],
        rng: &mut SimRng,
        mut each: impl FnMut(f64),
    ) -> Self {
        let sampler = rate.sampler();
        let mut by_tz = vec![0.0; pop.timezones.len()];
        let mut truncated = 0;
        for agent in pop.agents() {
            let (r, cut) = sampler.draw(rng);
            truncated += cut as u64;
            let block = &blocks[(agent >> BLOCK_BITS) as usize];
            by_tz[block.agents[(agent - block.first) as usize].tz as usize] += r;
            each(r);
        }
        RateSums { by_tz, truncated }
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

/// Above this mean a Poisson count is drawn from its normal approximation (relative
/// error below 1e-6; `rand_distr`'s Poisson refuses means above about 1.8e19).
const POISSON_NORMAL_ABOVE: f64 = 1e12;

/// A Poisson count with any finite mean >= 0 (a non-finite or negative mean gives 0).
pub fn poisson(rng: &mut SimRng, mean: f64) -> u64 {
    use rand_distr::{Distribution as _, Normal, Poisson};
    if !(mean > 0.0 && mean.is_finite()) {
        0
    } else if mean <= POISSON_NORMAL_ABOVE {
        Poisson::new(mean).expect("0 < mean <= 1e12").sample(rng) as u64
    } else {
        let x = Normal::new(mean, mean.sqrt())
            .expect("finite mean and sd")
            .sample(rng);
        x.round().max(0.0) as u64
    }
}
