//! Hashtag feeds: which of a step's posts a feed takes in, and trending. The tabs are in
//! [`super::tabs`].
//!
//! A feed only sees posts; it knows nothing of agents or the network.

use super::block::Post;
use crate::scenario::Trending;

/// Keeps the `k` latest posts of `posts` (by time, then author), sorted oldest first.
pub fn latest_k(posts: &mut Vec<Post>, k: usize) {
    if posts.len() > k {
        let cut = posts.len() - k;
        posts.select_nth_unstable_by(cut, Post::order);
        posts.drain(..cut);
    }
    posts.sort_unstable_by(Post::order);
}

/// Sorts the posts of one step (times in `[from, from + 1)`) oldest first, by time then
/// author, in linear time on average: a counting sort into about `n / 2` equal slices
/// of the step, then each slice (a post or two) sorted on its own. `scratch` is reused.
pub fn sort_step(posts: &mut Vec<Post>, from: f64, scratch: &mut Vec<Post>) {
    let n = posts.len();
    if n < 64 {
        posts.sort_unstable_by(Post::order);
        return;
    }
    let slices = n / 2;
    let slice = |p: &Post| (((p.t - from) * slices as f64) as usize).min(slices - 1);
    let mut start = vec![0usize; slices + 1];
    for p in posts.iter() {
        start[slice(p) + 1] += 1;
    }
    for i in 0..slices {
        start[i + 1] += start[i];
    }
    scratch.clear();
    scratch.resize(n, posts[0]);
    let mut next = start.clone();
    for p in posts.iter() {
        let s = slice(p);
        scratch[next[s]] = *p;
        next[s] += 1;
    }
    for w in start.windows(2) {
        if w[1] - w[0] > 1 {
            scratch[w[0]..w[1]].sort_unstable_by(Post::order);
        }
    }
    std::mem::swap(posts, scratch);
}

/// Post velocity over a sliding window of steps, and which population leads it.
#[derive(Debug, Clone)]
pub struct TrendingMeter {
    rule: Trending,
    /// Posts per population in each of the last `window_steps` steps (ring).
    ring: Vec<Vec<u64>>,
    by_pop: Vec<u64>,
    total: u64,
    /// Flagged posts per step (ring) and in the window.
    flagged_ring: Vec<u64>,
    flagged: u64,
    /// Above this share of flagged posts in the window, the hashtag cannot trend.
    detrend_above: f64,
    pub trending: bool,
    /// Over the threshold but held off by moderation.
    pub detrended: bool,
}

impl TrendingMeter {
    pub fn new(rule: Trending, n_pops: usize, detrend_above: f64) -> Self {
        TrendingMeter {
            ring: vec![vec![0; n_pops]; rule.window_steps as usize],
            flagged_ring: vec![0; rule.window_steps as usize],
            rule,
            by_pop: vec![0; n_pops],
            total: 0,
            flagged: 0,
            detrend_above,
            trending: false,
            detrended: false,
        }
    }

    /// Records one step's posts per population (and how many were flagged) and updates
    /// the trending flag.
    pub fn record(&mut self, step: u32, posts_by_pop: &[u64], flagged: u64) {
        let i = step as usize % self.rule.window_steps as usize;
        let slot = &mut self.ring[i];
        for (pop, (&new, old)) in posts_by_pop.iter().zip(slot.iter_mut()).enumerate() {
            self.by_pop[pop] = self.by_pop[pop] + new - *old;
            self.total = self.total + new - *old;
            *old = new;
        }
        self.flagged = self.flagged + flagged - self.flagged_ring[i];
        self.flagged_ring[i] = flagged;
        let over = self.total > self.rule.threshold;
        self.detrended = over && self.flagged as f64 > self.detrend_above * self.total as f64;
        self.trending = over && !self.detrended;
    }

    /// The trending category: the population with most posts in the window (lowest
    /// index on ties), while trending.
    pub fn category(&self) -> Option<usize> {
        if !self.trending {
            return None;
        }
        let mut best = 0;
        for (pop, &n) in self.by_pop.iter().enumerate() {
            if n > self.by_pop[best] {
                best = pop;
            }
        }
        Some(best)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(t: f64, author: u32, pop: u8) -> Post {
        Post::at(t, author, pop)
    }

    #[test]
    fn latest_k_selects_by_time_then_author() {
        let mut v = vec![
            post(0.5, 9, 0),
            post(0.9, 1, 0),
            post(0.5, 2, 1),
            post(0.1, 3, 0),
        ];
        latest_k(&mut v, 2);
        assert_eq!(v.iter().map(|p| p.author).collect::<Vec<_>>(), vec![9, 1]);
    }

    #[test]
    fn sort_step_sorts_like_a_comparison_sort() {
        // Times in one step, with ties in time broken by author.
        let mut x: u64 = 7;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 11
        };
        let mut posts: Vec<Post> = (0..1000)
            .map(|i| {
                post(
                    5.0 + (next() % 300) as f64 / 300.0,
                    (next() % 50) as u32 + i,
                    0,
                )
            })
            .collect();
        let mut want = posts.clone();
        want.sort_by(Post::order);
        sort_step(&mut posts, 5.0, &mut Vec::new());
        assert_eq!(posts, want);
    }

    #[test]
    fn trending_switches_at_the_threshold() {
        let mut m = TrendingMeter::new(
            Trending {
                window_steps: 2,
                threshold: 10,
            },
            2,
            0.5,
        );
        m.record(0, &[4, 5], 0);
        assert!(!m.trending);
        m.record(1, &[0, 1], 0);
        assert!(!m.trending, "10 posts in the window is not more than 10");
        m.record(2, &[0, 10], 0);
        assert!(
            m.trending,
            "the first step left the window: 11 is more than 10"
        );
        assert_eq!(m.category(), Some(1));
        m.record(3, &[0, 0], 0);
        assert!(!m.trending, "the second step left the window: 10 again");
        m.record(4, &[12, 0], 12);
        assert!(!m.trending && m.detrended, "12 of 12 flagged is above half");
        m.record(5, &[12, 0], 0);
        assert!(m.trending, "12 of 24 flagged is not above half");
    }
}
