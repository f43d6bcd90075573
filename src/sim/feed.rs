//! Hashtag feeds: the Latest tab (the most recent `K` posts) and trending.
//!
//! A feed only sees posts; it knows nothing of agents or the network. Later tabs (Top)
//! and moderation hang off the same per-step post stream.

use std::collections::VecDeque;

use super::block::Post;
use crate::scenario::Trending;

/// The Latest tab: a window of the `K` most recent posts with per-population counts.
#[derive(Debug, Clone)]
pub struct LatestWindow {
    capacity: usize,
    posts: VecDeque<Post>,
    by_pop: Vec<u32>,
}

impl LatestWindow {
    pub fn new(capacity: usize, n_pops: usize) -> Self {
        LatestWindow {
            capacity,
            posts: VecDeque::with_capacity(capacity),
            by_pop: vec![0; n_pops],
        }
    }

    /// Appends posts given in time order, evicting the oldest beyond capacity.
    pub fn extend(&mut self, posts: &[Post]) {
        let skip = posts.len().saturating_sub(self.capacity);
        for p in &posts[skip..] {
            if self.posts.len() == self.capacity {
                let old = self.posts.pop_front().expect("window is full");
                self.by_pop[old.pop as usize] -= 1;
            }
            self.by_pop[p.pop as usize] += 1;
            self.posts.push_back(*p);
        }
    }

    /// Share of the window held by population `pop` (0 while the window is empty).
    pub fn share(&self, pop: usize) -> f64 {
        if self.posts.is_empty() {
            0.0
        } else {
            self.by_pop[pop] as f64 / self.posts.len() as f64
        }
    }

    pub fn is_empty(&self) -> bool {
        self.posts.is_empty()
    }

    /// The posts shown, oldest first.
    pub fn posts(&self) -> &VecDeque<Post> {
        &self.posts
    }

    /// Takes a removed post out of the window (the window is one post shorter until the
    /// next post arrives).
    pub fn remove(&mut self, id: u64) {
        if let Some(i) = self.posts.iter().position(|p| p.id == id) {
            let p = self.posts.remove(i).expect("index found");
            self.by_pop[p.pop as usize] -= 1;
        }
    }
}

/// Keeps the `k` latest posts of `posts` (by time, then author), sorted oldest first.
pub fn latest_k(posts: &mut Vec<Post>, k: usize) {
    if posts.len() > k {
        let cut = posts.len() - k;
        posts.select_nth_unstable_by(cut, Post::order);
        posts.drain(..cut);
    }
    posts.sort_unstable_by(Post::order);
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
        let over = self.total >= self.rule.threshold;
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
        Post {
            t,
            author,
            id: author as u64,
            feed: 0,
            pop,
            kind: 0,
            flagged: false,
        }
    }

    #[test]
    fn window_keeps_the_latest_and_counts_them() {
        let mut w = LatestWindow::new(3, 2);
        w.extend(&[post(0.1, 1, 0), post(0.2, 2, 0)]);
        assert_eq!(w.share(0), 1.0);
        w.extend(&[post(1.1, 3, 1), post(1.2, 4, 1), post(1.3, 5, 1)]);
        assert_eq!(w.posts.len(), 3);
        assert_eq!(w.share(1), 1.0);
        w.extend(&[post(2.0, 6, 0)]);
        assert!((w.share(0) - 1.0 / 3.0).abs() < 1e-12);
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
        assert!(m.trending);
        assert_eq!(m.category(), Some(1));
        m.record(2, &[0, 0], 0);
        assert!(!m.trending, "the first step left the window");
        m.record(3, &[12, 0], 12);
        assert!(!m.trending && m.detrended, "12 of 12 flagged is above half");
        m.record(4, &[12, 0], 0);
        assert!(m.trending, "12 of 24 flagged is not above half");
    }
}
