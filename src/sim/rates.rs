//! Per-agent rates of processes counted per step rather than scheduled per agent
//! (browses, app submissions), summed over the agents taking part at each moment.

use crate::rng::SimRng;
use crate::scenario::{Capped, Population};

/// A population's per-agent rates (per step, diurnal factor 1) and, by time zone, the
/// sum over the agents taking part: those activated and not yet stopped (fatigue, quit,
/// suspension), each weighted by its activity decay.
///
/// Agents start and stop at continuous times within a step: each start or stop changes
/// this step's integral of the summed rate by exactly the part of the step it covers, so
/// a step's expected events do not depend on where the step boundaries fall.
#[derive(Debug, Clone)]
pub struct ActiveRates {
    /// By agent (index within the population).
    rates: Vec<f32>,
    /// Activity halves every this many steps after activation.
    half_life: Option<f64>,
    /// By time zone: the decayed rates of the agents taking part at the step's start.
    level: Vec<f64>,
    /// By time zone: this step's starts and stops, as their change to the integral of
    /// the summed rate over the step.
    integral: Vec<f64>,
    /// By time zone: the same, as their change to the level at the step's end.
    change: Vec<f64>,
    /// Draws truncated at the rate's cap.
    pub truncated: u64,
}

impl ActiveRates {
    /// Draws one rate per agent of `pop` from `rate`, nobody taking part yet.
    pub fn draw(pop: &Population, rate: &Capped, half_life: Option<f64>, rng: &mut SimRng) -> Self {
        let sampler = rate.sampler();
        let mut truncated = 0;
        let rates = pop
            .agents()
            .map(|_| {
                let (r, cut) = sampler.draw(rng);
                truncated += cut as u64;
                r as f32
            })
            .collect();
        let zones = pop.timezones.len();
        ActiveRates {
            rates,
            half_life,
            level: vec![0.0; zones],
            integral: vec![0.0; zones],
            change: vec![0.0; zones],
            truncated,
        }
    }

    /// The rate of agent `i` (index within the population).
    pub fn rate(&self, i: usize) -> f64 {
        self.rates[i] as f64
    }

    /// The decayed rates of the agents taking part at the next step's start, summed
    /// over time zones (for tests of the accounting).
    #[cfg(test)]
    pub fn level_total(&self) -> f64 {
        self.level.iter().sum()
    }

    /// The activity decay after `age` steps.
    fn decay(&self, age: f64) -> f64 {
        match self.half_life {
            None => 1.0,
            Some(h) => (-age / h).exp2(),
        }
    }

    /// `∫_0^len decay(x) dx`: the time-weight of a stretch of `len` steps from activation.
    fn weight(&self, len: f64) -> f64 {
        match self.half_life {
            None => len,
            Some(h) => h / std::f64::consts::LN_2 * -(-len * std::f64::consts::LN_2 / h).exp_m1(),
        }
    }

    /// Agent `i` of time zone `tz` starts taking part at `u` (share of the current step,
    /// in [0, 1)), with no decay yet.
    pub fn start(&mut self, i: usize, tz: usize, u: f64) {
        let r = self.rate(i);
        self.integral[tz] += r * self.weight(1.0 - u);
        self.change[tz] += r * self.decay(1.0 - u);
    }

    /// Agent `i` of time zone `tz`, `age` steps after its activation, stops at `u`
    /// (share of the current step, in [0, 1]).
    pub fn stop(&mut self, i: usize, tz: usize, age: f64, u: f64) {
        let r = self.rate(i) * self.decay(age);
        self.integral[tz] -= r * self.weight(1.0 - u);
        self.change[tz] -= r * self.decay(1.0 - u);
    }

    /// Expected events in the current step, which starts `seconds` after UTC midnight:
    /// the integral of the summed rate over the step, by time zone, times the diurnal
    /// factor of the step's local hour.
    pub fn expected(&self, pop: &Population, seconds: f64) -> f64 {
        let whole = self.weight(1.0);
        self.level
            .iter()
            .zip(&self.integral)
            .zip(&pop.timezones)
            .map(|((&level, &integral), &(offset, _))| {
                let local = (seconds + offset * 3600.0).rem_euclid(86_400.0);
                let amount = (level * whole + integral).max(0.0);
                amount * pop.diurnal[((local / 3600.0) as usize).min(23)]
            })
            .sum()
    }

    /// Moves on to the next step.
    pub fn advance(&mut self) {
        let decay = self.decay(1.0);
        for ((level, integral), change) in self
            .level
            .iter_mut()
            .zip(&mut self.integral)
            .zip(&mut self.change)
        {
            *level = (*level * decay + *change).max(0.0);
            *integral = 0.0;
            *change = 0.0;
        }
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
