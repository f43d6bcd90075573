//! The app report queue and store rating (MODEL.md "App report queue").
//!
//! Each step: the agents of the submitting populations taking part (activated, within
//! their active period, not quit or suspended) send submissions (counted per step like
//! browses: Poisson with the integral of their own rates over the step; each junk or
//! legitimate, with a size); while the app is down they are lost. Arrivals over the last
//! `window` above capacity x `window` take the app down for the recovery time. Reviewers
//! work through the queue. An agent rates once, at a time drawn at its activation from
//! the rating hazard, if it is still taking part then; the displayed rating is the mean
//! of all ratings, and below a level the app loses search visibility, which thins
//! legitimate arrivals.

mod outage;
mod queue;

use rand::RngExt;
use std::collections::BTreeMap;

pub use outage::OutageMeter;
pub use queue::{Item, ReviewQueue};

use super::rates::{ActiveRates, poisson};
use crate::metrics::AppStep;
use crate::rng::{self, SimRng, Stream};
use crate::scenario::{Capacity, Scenario};

/// A population that uses the app.
#[derive(Debug, Clone)]
struct Submitters {
    pop: usize,
    rates: ActiveRates,
    /// Submission sizes truncated at the cap so far.
    sizes_truncated: u64,
}

/// The app's state during a run.
#[derive(Debug)]
pub struct AppState {
    submitters: Vec<Submitters>,
    outage: OutageMeter,
    queue: ReviewQueue,
    rating_sum: f64,
    rating_count: u64,
    /// Ratings to come, by step: their time and the agent.
    ratings: BTreeMap<u32, Vec<(f64, u32)>>,
}

impl AppState {
    /// Draws the submitters' rates (a stream per population) and builds the app.
    pub fn new(s: &Scenario, seed: u64) -> Option<Self> {
        let app = s.app.as_ref()?;
        let submitters = s
            .populations
            .iter()
            .enumerate()
            .filter_map(|(p, pop)| pop.app.as_ref().map(|a| (p, pop, a)))
            .map(|(p, pop, a)| {
                let mut rng = rng::stream(seed, Stream::AppInit, p as u64);
                Submitters {
                    pop: p,
                    rates: ActiveRates::draw(
                        pop,
                        &a.submit_per_step,
                        pop.fatigue.half_life_steps,
                        &mut rng,
                    ),
                    sizes_truncated: 0,
                }
            })
            .collect();
        Some(AppState {
            submitters,
            // The limit is over the whole window; the ring needs no more slots than
            // the run has steps (a longer window never wraps within the run).
            outage: OutageMeter::new(
                app.capacity_per_step * app.outage_window_steps as f64,
                app.outage_window_steps.min(s.time.steps),
            ),
            queue: ReviewQueue::new(app.reviewers),
            rating_sum: app.initial_mean * app.initial_count as f64,
            rating_count: app.initial_count,
            ratings: BTreeMap::new(),
        })
    }

    /// The submission rates of population `pop`, if it uses the app.
    pub fn rates_mut(&mut self, pop: usize) -> Option<&mut ActiveRates> {
        self.submitters
            .iter_mut()
            .find(|sub| sub.pop == pop)
            .map(|sub| &mut sub.rates)
    }

    /// Schedules the rating of `agent` of population `pop`, activated at `from` and taking
    /// part until `until` at the latest: at the time `gap` (a unit exponential drawn for
    /// the agent) gives under the rating hazard, if before `until` (the rating is given
    /// only if the agent still takes part then).
    pub fn schedule_rating(
        &mut self,
        s: &Scenario,
        pop: usize,
        agent: u32,
        from: f64,
        until: f64,
        gap: f64,
    ) {
        let Some(r) = s.populations[pop]
            .app
            .as_ref()
            .and_then(|a| a.rating.as_ref())
        else {
            return;
        };
        if r.rate_per_step <= 0.0 {
            return;
        }
        let t = from + gap / r.rate_per_step;
        if t < until {
            self.ratings.entry(t as u32).or_default().push((t, agent));
        }
    }

    /// Draws truncated at their key's cap so far (submission rates and sizes), by key.
    pub fn truncated_draws(&self, s: &Scenario) -> Vec<(String, u64)> {
        self.submitters
            .iter()
            .flat_map(|sub| {
                let uses = s.populations[sub.pop]
                    .app
                    .as_ref()
                    .expect("submitters use it");
                [
                    (uses.submit_per_step.key.clone(), sub.rates.truncated),
                    (uses.size_mb.key.clone(), sub.sizes_truncated),
                ]
            })
            .collect()
    }

    /// The displayed rating: the mean of all ratings (MODEL.md check 5).
    pub fn displayed(&self) -> f64 {
        if self.rating_count == 0 {
            0.0
        } else {
            self.rating_sum / self.rating_count as f64
        }
    }

    /// One step of the app. `takes_part(agent, t)` is whether an agent still takes part
    /// at time `t` (in steps).
    pub fn step(
        &mut self,
        s: &Scenario,
        seed: u64,
        step: u32,
        takes_part: impl Fn(u32, f64) -> bool,
    ) -> AppStep {
        let app = s.app.as_ref().expect("the app exists");
        let mut rng = rng::stream(seed, Stream::App, step as u64);
        let mut out = AppStep {
            up: !self.outage.is_down(step),
            ..AppStep::default()
        };
        let hidden = app
            .visibility
            .is_some_and(|(below, _)| self.displayed() < below);
        let seconds = s.time.start_utc_second_of_day + step as f64 * s.time.dt_seconds;
        let mut arrivals = Vec::new();
        let mut amount = 0.0;
        for sub in &mut self.submitters {
            let pop = &s.populations[sub.pop];
            let uses = pop.app.as_ref().expect("a submitting population");
            let expected = sub.rates.expected(pop, seconds);
            let n = poisson(&mut rng, expected);
            let size = uses.size_mb.sampler();
            for _ in 0..n {
                let legit = !rng.random_bool(uses.junk);
                if legit && hidden && !rng.random_bool(app.visibility.expect("hidden").1) {
                    continue; // a legitimate user who never found the app
                }
                let (mb, cut) = size.draw(&mut rng);
                sub.sizes_truncated += cut as u64;
                amount += match app.capacity {
                    Capacity::Count => 1.0,
                    Capacity::Megabytes => mb,
                };
                let flagged = app
                    .triage_accuracy
                    .is_some_and(|acc| rng.random_bool(if legit { 1.0 - acc } else { acc }));
                arrivals.push(Item {
                    arrival: step as f64 + rng.random::<f64>(),
                    legit,
                    flagged,
                });
            }
        }
        for item in &arrivals {
            *out.arrivals.of_mut(item.legit) += 1;
        }
        if out.up {
            arrivals.sort_by(|a, b| a.arrival.total_cmp(&b.arrival));
            if self.outage.record(step, amount) {
                out.outage_starts = true;
                self.outage.go_down(step + 1, app.recovery_steps);
            }
        } else {
            for item in arrivals.drain(..) {
                *out.lost.of_mut(item.legit) += 1;
            }
        }
        let service = app.service_steps.sampler();
        for started in self
            .queue
            .advance(&arrivals, (step + 1) as f64, || service.sample(&mut rng))
        {
            *out.reviewed.of_mut(started.item.legit) += 1;
            if started.item.legit {
                out.legit_waits.push(started.wait);
            }
        }
        out.waiting = self.queue.waiting_by_kind();
        for sub in &mut self.submitters {
            sub.rates.advance();
        }
        self.rate(s, step, &mut rng, &takes_part, &mut out);
        out.rating = self.displayed();
        out.rating_count = self.rating_count;
        out
    }

    /// The ratings due in `step` of the agents still taking part then.
    fn rate(
        &mut self,
        s: &Scenario,
        step: u32,
        rng: &mut SimRng,
        takes_part: &impl Fn(u32, f64) -> bool,
        out: &mut AppStep,
    ) {
        for (t, agent) in self.ratings.remove(&step).unwrap_or_default() {
            if !takes_part(agent, t) {
                continue;
            }
            let pop = &s.populations[s.population_of(agent)];
            let r = pop
                .app
                .as_ref()
                .and_then(|a| a.rating.as_ref())
                .expect("only raters are scheduled");
            let value = r.stars.sampler().sample(rng).round().clamp(1.0, 5.0);
            self.rating_sum += value;
            self.rating_count += 1;
            out.new_ratings += 1;
        }
    }
}
