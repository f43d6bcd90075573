//! Readers: populations that browse feeds. Each browse opens one tab of one feed (Latest,
//! Top, ...) and shows its items: every item shown is an impression for its author's
//! population, and a reader engages with it with the appeal of its content kind, which
//! raises the post's Top score. Some engagements are reposts, shown to the reposter's
//! followers.
//!
//! Readers are the population's agents taking part, each at its own browse rate and in
//! its own time zone: from its activation (a population without a mobilisation table
//! reads from the start, a fandom only as it mobilises) until its active period ends,
//! it quits or it is suspended, whenever within a step that happens.
//!
//! Browses happen at continuous times and are counted, not simulated one by one. A
//! step's browses of each feed and tab are Poisson with the readers' total rate (split
//! over feeds and tabs by their weights), spread uniformly over the step. Each tab reports
//! what it showed and for how long ([`Exposure`]): a post shown for a share `d` of the step
//! is on the screen of each browse with probability `d`, so with `n` browses its
//! impressions are `n` when `d = 1` and Poisson(`n d`) otherwise (the browses that fall in
//! its residence time), and its engagements are Poisson(`n d appeal`). A population's
//! reach (browses showing it at least once) is Binomial(`n`, share of the step it was
//! shown). None of this depends on the step's length, and it costs O(posts + engagements)
//! per step, whatever the number of readers.

use rand::RngExt;
use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Binomial, Distribution as _, Exp1, Normal};

use super::World;
use super::block::Post;
use super::rates::{ActiveRates, poisson};
use super::tabs::{Exposure, Seen};
use crate::rng::SimRng;

/// A reading population's browse rates, summed where the engine needs them.
#[derive(Debug, Clone)]
pub struct ReaderPop {
    pub pop: usize,
    /// The agents' browse rates, summed over the agents reading.
    pub rates: ActiveRates,
    /// Who reposts: a reader picked in proportion to browse rate, and that reader's
    /// follower count (absent when nobody reposts or the readers have no followers).
    pub reposters: Option<Reposters>,
}

/// Reposters picked in O(1) by an alias table, with their follower counts at hand.
#[derive(Debug, Clone)]
pub struct Reposters {
    pick: WeightedAliasIndex<f64>,
    followers: Vec<u32>,
    /// Mean and variance of one repost's reach (the follower count of a reader picked
    /// in proportion to browse rate), for large batches.
    mean: f64,
    variance: f64,
}

/// Above this many reposts in one batch, their total reach is drawn from its normal
/// approximation (the sum of that many independent follower counts) instead of one
/// draw per repost, so the cost of a step stays bounded however many readers engage.
const REPOSTS_SUMMED_ABOVE: u64 = 100_000;

impl Reposters {
    /// Reposters picked in proportion to `weights` (browse rates), reader `i` having
    /// `followers[i]` followers; `None` when no reader has a positive weight.
    pub fn new(weights: Vec<f64>, followers: Vec<u32>) -> Option<Reposters> {
        let total: f64 = weights.iter().sum();
        let mean = weights
            .iter()
            .zip(&followers)
            .map(|(w, &f)| w * f as f64)
            .sum::<f64>()
            / total;
        let variance = weights
            .iter()
            .zip(&followers)
            .map(|(w, &f)| w * (f as f64 - mean).powi(2))
            .sum::<f64>()
            / total;
        let pick = WeightedAliasIndex::new(weights).ok()?;
        Some(Reposters {
            pick,
            followers,
            mean,
            variance,
        })
    }

    /// The followers reached by `n` reposts, each by a reader picked in proportion to
    /// browse rate.
    fn reach(&self, n: u64, rng: &mut SimRng) -> u64 {
        if n <= REPOSTS_SUMMED_ABOVE {
            return (0..n)
                .map(|_| self.followers[self.pick.sample(rng)] as u64)
                .fold(0u64, u64::saturating_add);
        }
        // The sum of `n` independent reaches: normal with `n` times one reach's moments
        // (exact moments, so the approximation adds no noise of its own).
        let total = n as f64 * self.mean;
        let sd = (n as f64 * self.variance).sqrt();
        let x = Normal::new(total, sd).expect("finite").sample(rng);
        x.round().clamp(0.0, u64::MAX as f64) as u64
    }
}

/// A binomial count (`n` trials of chance `p`, which may be 0 or 1).
pub(super) fn binomial(rng: &mut SimRng, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        0
    } else if p >= 1.0 {
        n
    } else {
        Binomial::new(n, p).expect("p in (0, 1)").sample(rng)
    }
}

/// Above this many expected engagements, a post's count is drawn directly (Poisson)
/// rather than by walking exponential gaps, which costs one draw per engagement.
const DRAWN_DIRECTLY_ABOVE: f64 = 32.0;

/// Engagements of the posts `seen`, each Poisson with mean `weight(post)`, as
/// `(post, count)` for the posts with any. The events of a Poisson process on
/// the axis of cumulative weights: one exponential gap per engagement, plus one step per
/// post.
fn engagements(
    seen: &[Seen],
    weight: impl Fn(&Seen) -> f64,
    rng: &mut SimRng,
    out: &mut Vec<(Post, u64)>,
) {
    let mut next: f64 = rng.sample(Exp1);
    let mut cum = 0.0;
    for s in seen {
        let w = weight(s);
        if w <= 0.0 {
            continue;
        }
        let k = if w > DRAWN_DIRECTLY_ABOVE {
            // The process restarts after this post (memoryless): a fresh gap.
            cum += w;
            next = cum + rng.sample::<f64, _>(Exp1);
            poisson(rng, w)
        } else {
            cum += w;
            let mut k = 0;
            while next < cum {
                k += 1;
                next += rng.sample::<f64, _>(Exp1);
            }
            k
        };
        if k > 0 {
            out.push((s.post, k));
        }
    }
}

/// This step's browses, by reader population, feed and tab (`[r][f][t]`).
pub type Browses = Vec<Vec<Vec<u64>>>;

impl World<'_> {
    /// Draws the step's browses of each feed and tab, by reader population (all zero
    /// for a population with no active reader), and moves the readers' rates on to the
    /// next step.
    pub(super) fn draw_browses(&mut self, step: u32, rng: &mut SimRng) -> Browses {
        let s = self.scenario;
        let n_tabs = self.tabs.first().map_or(0, Vec::len);
        let seconds = s.time.start_utc_second_of_day + step as f64 * s.time.dt_seconds;
        let mut out = Vec::with_capacity(self.readers.len());
        for r in &mut self.readers {
            let mut by_feed = vec![vec![0; n_tabs]; s.feeds.len()];
            let pop = &s.populations[r.pop];
            let reading = pop.reading.as_ref().expect("reader populations read");
            // Only the agents taking part read (mobilised, not stopped by fatigue, quitting
            // or suspension), each at its own rate in its own time zone.
            let expected = r.rates.expected(pop, seconds);
            r.rates.advance();
            let mut left = poisson(rng, expected);
            let mut mass = 1.0;
            for (f, &w) in reading.feeds.iter().enumerate() {
                if left == 0 {
                    break;
                }
                // Multinomial split over feeds, one binomial at a time.
                let n = if w >= mass {
                    left
                } else {
                    binomial(rng, left, w / mass)
                };
                left -= n;
                mass -= w;
                // Multinomial split over tabs, from the last: each tab but the first
                // takes a binomial share of what is left, the first takes the rest.
                let mut left_here = n;
                let mut tab_mass = 1.0;
                for t in (1..reading.tabs.len()).rev() {
                    let k = binomial(rng, left_here, reading.tabs[t] / tab_mass);
                    by_feed[f][t] = k;
                    left_here -= k;
                    tab_mass -= reading.tabs[t];
                }
                by_feed[f][0] = left_here;
            }
            out.push(by_feed);
        }
        out
    }

    /// The step's browses of feed `f`'s tabs, each tab having shown `exposure[t]`:
    /// impressions, reach, engagement (given to every tab of the feed) and reposts.
    pub(super) fn read_feed(
        &mut self,
        f: usize,
        browses: &Browses,
        exposure: &[Exposure],
        rng: &mut SimRng,
    ) {
        let n_pops = self.scenario.populations.len();
        // Every engaged post with its engagements, and which readers engaged (kept from
        // step to step: their allocations are reused).
        let (mut engaged, mut engaged_by) = std::mem::take(&mut self.engaged);
        engaged.clear();
        engaged_by.clear();
        for (t, e) in exposure.iter().enumerate() {
            if browses.iter().all(|b| b[f][t] == 0) {
                continue;
            }
            for (ri, r) in self.readers.iter().enumerate() {
                let n = browses[ri][f][t];
                if n == 0 {
                    continue;
                }
                let counts = &mut self.feed_counts.tabs[t];
                // Counters saturate rather than wrap (browses are capped far below, see
                // `scenario::limits::MAX_EXPECTED_BROWSES`; repost reach is not).
                counts.browses[f] = counts.browses[f].saturating_add(n);
                for p in 0..n_pops {
                    let seen = n
                        .saturating_mul(e.whole[p])
                        .saturating_add(poisson(rng, n as f64 * e.partial[p]));
                    let shown = &mut counts.impressions[(f, p)];
                    *shown = shown.saturating_add(seen);
                    let reach = &mut counts.reach[(f, p)];
                    *reach = reach.saturating_add(binomial(rng, n, e.present[p]));
                }
                let appeal = &self.scenario.populations[r.pop]
                    .reading
                    .as_ref()
                    .expect("reader")
                    .appeal;
                engagements(
                    &e.seen,
                    |s| n as f64 * s.share * appeal[s.post.kind as usize],
                    rng,
                    &mut engaged,
                );
                engaged_by.resize(engaged.len(), ri);
            }
        }
        for tab in &mut self.tabs[f] {
            tab.engage(&engaged);
        }
        for (&(post, k), &ri) in engaged.iter().zip(&engaged_by) {
            let pop = post.pop as usize;
            let engagement = &mut self.feed_counts.engagement[(f, pop)];
            *engagement = engagement.saturating_add(k);
            let r = &self.readers[ri];
            let Some(reposters) = &r.reposters else {
                continue;
            };
            let share = self.scenario.populations[r.pop]
                .reading
                .as_ref()
                .expect("reader")
                .repost_share;
            let reposts = binomial(rng, k, share);
            let reached = reposters.reach(reposts, rng);
            let reposted = &mut self.feed_counts.repost_impressions[(f, pop)];
            *reposted = reposted.saturating_add(reached);
        }
        self.engaged = (engaged, engaged_by);
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng as _;

    use super::*;

    /// Mean and sample variance of `draws`.
    fn moments(draws: &[f64]) -> (f64, f64) {
        let n = draws.len() as f64;
        let m = draws.iter().sum::<f64>() / n;
        let v = draws.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
        (m, v)
    }

    /// Readers of weights 3 and 1 with 0 and 8 followers: one repost reaches 8 with
    /// chance 1/4, so its mean is 2 and its variance 64/4 - 4 = 12 (worked by hand).
    fn three_to_one() -> Reposters {
        Reposters::new(vec![3.0, 1.0], vec![0, 8]).expect("positive weights")
    }

    /// Checks `R` draws of the reach of `n` reposts against the sum of `n` independent
    /// reaches, mean `2n` and variance `12n`. The mean of `R` draws has sd
    /// `sqrt(12n / R)`; the sample variance of `R` near-normal draws has relative sd
    /// `sqrt(2 / (R - 1))`. Both within 5 sd. This rules out a batch whose mean or spread
    /// is wrong (a wrong moment, reaches picked uniformly instead of by weight: mean 4, or
    /// a batch drawn without its spread: variance 0).
    fn check_reach(n: u64, replicates: usize, seed: u64) {
        let reposters = three_to_one();
        let mut rng = SimRng::seed_from_u64(seed);
        let draws: Vec<f64> = (0..replicates)
            .map(|_| reposters.reach(n, &mut rng) as f64)
            .collect();
        let (m, v) = moments(&draws);
        let (mean, variance) = (2.0 * n as f64, 12.0 * n as f64);
        let r = replicates as f64;
        let sd_mean = (variance / r).sqrt();
        assert!(
            (m - mean).abs() < 5.0 * sd_mean,
            "{n} reposts: mean reach {m}, expected {mean} ± {}",
            5.0 * sd_mean
        );
        let sd_var = variance * (2.0 / (r - 1.0)).sqrt();
        assert!(
            (v - variance).abs() < 5.0 * sd_var,
            "{n} reposts: variance {v}, expected {variance} ± {}",
            5.0 * sd_var
        );
    }

    #[test]
    fn a_small_batch_of_reposts_sums_one_reach_per_repost() {
        check_reach(50, 20_000, 1);
    }

    #[test]
    fn a_large_batch_of_reposts_has_the_sums_mean_and_variance() {
        check_reach(4 * REPOSTS_SUMMED_ABOVE, 2_000, 2);
    }

    /// Posts seen with hand-picked weights, some above the direct-draw threshold, one
    /// of weight zero. Each post's count must be Poisson with its weight as mean (and
    /// variance): over `R` replicates the mean count is within 5 sd (`sqrt(w / R)`) of
    /// `w` and the sample variance within 5 sd (about `sqrt((w + 2 w^2) / R)` for a
    /// Poisson sample) of `w`. This rules out counts leaking from one post to the
    /// next (a gap not restarted after a directly drawn post gives the next post
    /// engagements it should not have), a skipped post, or counts that are not Poisson.
    #[test]
    fn each_post_seen_gets_poisson_engagements_with_its_weight() {
        let weights = [0.5, 100.0, 0.5, 3.0, 0.0, 40.0, 2.0, 0.05, 33.0, 1.0];
        let seen: Vec<Seen> = (0..weights.len())
            .map(|i| Seen {
                post: Post::at(0.0, i as u32, 0),
                share: weights[i],
            })
            .collect();
        let replicates = 20_000;
        // counts[replicate][post]
        let mut counts = vec![vec![0.0; weights.len()]; replicates];
        let mut rng = SimRng::seed_from_u64(3);
        let mut out = Vec::new();
        for row in &mut counts {
            out.clear();
            engagements(&seen, |s| s.share, &mut rng, &mut out);
            // Only the posts with any engagement are listed (Top tracks what is listed).
            assert!(out.iter().all(|&(_, k)| k > 0), "a post listed with none");
            for &(post, k) in &out {
                row[post.author as usize] = k as f64;
            }
        }
        let r = replicates as f64;
        for (i, &w) in weights.iter().enumerate() {
            let post: Vec<f64> = counts.iter().map(|row| row[i]).collect();
            let (m, v) = moments(&post);
            if w == 0.0 {
                assert_eq!((m, v), (0.0, 0.0), "post {i} of weight 0 is engaged");
                continue;
            }
            let sd_mean = (w / r).sqrt();
            assert!(
                (m - w).abs() < 5.0 * sd_mean,
                "post {i}: mean {m}, expected {w} ± {}",
                5.0 * sd_mean
            );
            // Var of a Poisson sample variance: (mu4 - sigma^4 (r-3)/(r-1)) / r with
            // mu4 = w + 3 w^2, i.e. about (w + 2 w^2) / r.
            let sd_var = ((w + 2.0 * w * w) / r).sqrt();
            assert!(
                (v - w).abs() < 5.0 * sd_var,
                "post {i}: variance {v}, expected {w} ± {}",
                5.0 * sd_var
            );
        }
    }
}
