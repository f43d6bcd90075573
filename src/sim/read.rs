//! Readers: populations that browse feeds. Each browse opens one tab of one feed (Latest,
//! Top, ...) and shows its items: every item shown is an impression for its author's population,
//! and a reader engages with it with the appeal of its content kind, which raises the
//! post's Top score. Some engagements are reposts, shown to the reposter's followers.
//!
//! Readers are the population's agents that are active (mobilised, not quit, not
//! suspended): a population without a mobilisation table reads from the start, a fandom
//! only as it mobilises (browse rates are drawn independently of activity, so the active
//! agents' total rate is the population's times the active fraction, in expectation).
//! Browses are counted, not simulated one by one: within a step every browse of a tab
//! shows the same list, so the step's browses are Poisson with the readers' total rate,
//! split over feeds and tabs, and each item's engagements are Binomial(browses, appeal).
//! This is exact for independent readers and costs O(feeds x items) per step, whatever
//! the number of readers.

use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Binomial, Distribution as _, Normal};

use super::World;
use super::block::Post;
use super::rates::{RateSums, poisson};
use crate::rng::{self, SimRng, Stream};

/// A reading population's browse rates, summed where the engine needs them.
#[derive(Debug, Clone)]
pub struct ReaderPop {
    pub pop: usize,
    /// The agents' browse rates summed by time zone.
    pub rates: RateSums,
    /// Who reposts: a reader picked in proportion to browse rate, and that reader's
    /// follower count (absent when nobody reposts or the readers have no followers).
    pub reposters: Option<Reposters>,
}

/// Reposters picked in O(1) by an alias table, with their follower counts at hand.
#[derive(Debug, Clone)]
pub struct Reposters {
    pub pick: WeightedAliasIndex<f64>,
    pub followers: Vec<u32>,
}

/// Above this many reposts in one batch, their total reach is drawn from its normal
/// approximation (the sum of that many independent follower counts) instead of one
/// draw per repost, so the cost of a step stays bounded however many readers engage.
const REPOSTS_SUMMED_ABOVE: u64 = 100_000;

impl Reposters {
    /// The followers reached by `n` reposts, each by a reader picked in proportion to
    /// browse rate.
    fn reach(&self, n: u64, rng: &mut SimRng) -> u64 {
        if n <= REPOSTS_SUMMED_ABOVE {
            return (0..n)
                .map(|_| self.followers[self.pick.sample(rng)] as u64)
                .fold(0u64, u64::saturating_add);
        }
        // Mean and variance of one repost's reach, estimated from a fixed-size sample
        // (the alias table does not keep the weights at hand).
        let draws: Vec<f64> = (0..REPOSTS_SUMMED_ABOVE)
            .map(|_| self.followers[self.pick.sample(rng)] as f64)
            .collect();
        let m = draws.iter().sum::<f64>() / draws.len() as f64;
        let v = draws.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (draws.len() - 1) as f64;
        let total = n as f64 * m;
        let sd = (n as f64 * v).sqrt();
        let x = if sd > 0.0 {
            Normal::new(total, sd).expect("finite").sample(rng)
        } else {
            total
        };
        x.round().clamp(0.0, u64::MAX as f64) as u64
    }
}

fn binomial(rng: &mut SimRng, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        0
    } else if p >= 1.0 {
        n
    } else {
        Binomial::new(n, p).expect("p in (0, 1)").sample(rng)
    }
}

impl World<'_> {
    /// The readers' browses of this step, on the feeds as they are after its posts.
    pub(super) fn read(&mut self, step: u32) {
        if self.readers.is_empty() {
            return;
        }
        let readers = std::mem::take(&mut self.readers);
        let mut rng = rng::stream(self.seed, Stream::Reading, step as u64);
        let s = self.scenario;
        let seconds = s.time.start_utc_second_of_day + step as f64 * s.time.dt_seconds;
        for r in &readers {
            let pop = &s.populations[r.pop];
            let reading = pop.reading.as_ref().expect("reader populations read");
            // Only mobilised agents that have not quit or been suspended read. Browse rates
            // were drawn independently of everything else, so the active ones browse at
            // the population's rate times their fraction.
            let expected = r.rates.expected(pop, seconds, self.active_fraction(r.pop));
            if expected <= 0.0 {
                continue;
            }
            let mut left = poisson(&mut rng, expected);
            let mut mass = 1.0;
            for (f, &w) in reading.feeds.iter().enumerate() {
                if left == 0 {
                    break;
                }
                // Multinomial split over feeds, one binomial at a time.
                let n = if w >= mass {
                    left
                } else {
                    binomial(&mut rng, left, w / mass)
                };
                left -= n;
                mass -= w;
                // Multinomial split over tabs, from the last: each tab but the first
                // takes a binomial share of what is left, the first takes the rest.
                let mut left_here = n;
                let mut tab_mass = 1.0;
                for t in (1..reading.tabs.len()).rev() {
                    let k = binomial(&mut rng, left_here, reading.tabs[t] / tab_mass);
                    self.browse(f, t, k, r, &mut rng);
                    left_here -= k;
                    tab_mass -= reading.tabs[t];
                }
                self.browse(f, 0, left_here, r, &mut rng);
            }
        }
        self.readers = readers;
    }

    /// `n` browses of tab `t` of feed `f` by readers of `r`.
    fn browse(&mut self, f: usize, t: usize, n: u64, r: &ReaderPop, rng: &mut SimRng) {
        if n == 0 {
            return;
        }
        let n_pops = self.scenario.populations.len();
        let reading = self.scenario.populations[r.pop]
            .reading
            .as_ref()
            .expect("reader");
        let items: Vec<Post> = self.tabs[f][t].shown().copied().collect();
        let counts = &mut self.feed_counts.tabs[t];
        // Counters saturate rather than wrap (browses are capped far below, see
        // `scenario::limits::MAX_EXPECTED_BROWSES`; repost reach is not).
        counts.browses[f] = counts.browses[f].saturating_add(n);
        let mut present = vec![false; n_pops];
        for item in &items {
            let shown = &mut counts.impressions[(f, item.pop as usize)];
            *shown = shown.saturating_add(n);
            present[item.pop as usize] = true;
        }
        for (p, &shown) in present.iter().enumerate() {
            if shown {
                let reach = &mut counts.reach[(f, p)];
                *reach = reach.saturating_add(n);
            }
        }
        for item in &items {
            let engaged = binomial(rng, n, reading.appeal[item.kind as usize]);
            if engaged == 0 {
                continue;
            }
            let pop = item.pop as usize;
            for tab in &mut self.tabs[f] {
                tab.engage(item.id, engaged);
            }
            let engagement = &mut self.feed_counts.engagement[(f, pop)];
            *engagement = engagement.saturating_add(engaged);
            let Some(reposters) = &r.reposters else {
                continue;
            };
            let reposts = binomial(rng, engaged, reading.repost_share);
            let reached = reposters.reach(reposts, rng);
            let reposted = &mut self.feed_counts.repost_impressions[(f, pop)];
            *reposted = reposted.saturating_add(reached);
        }
    }
}
