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

/// Scratch space of [`sort_step`], kept between steps to reuse its allocations.
#[derive(Debug, Default, Clone)]
pub struct SortScratch {
    /// Each post's slice of the step, in input order.
    slice: Vec<u32>,
    /// Posts in each slice, then where its next post goes in the output.
    next: Vec<u32>,
}

/// Sorts the posts of one step (times in `[from, from + 1)`), given in `parts` (the
/// blocks' outputs), into `out` oldest first, by time then author, in linear time on
/// average: a counting sort into `n` equal slices of the step leaves each post at most
/// a few places from where it belongs (a slice holds a post or two), and
/// one insertion pass finishes. Should the posts crowd into a few slices (the pass then
/// moves posts far), a comparison sort finishes instead, so the worst case stays
/// `O(n log n)`. Returns whether the linear-time pass did the work (false: fewer than 64
/// posts, or they crowded).
pub fn sort_step<'a, I>(
    parts: impl Fn() -> I,
    from: f64,
    out: &mut Vec<Post>,
    scratch: &mut SortScratch,
) -> bool
where
    I: Iterator<Item = &'a [Post]>,
{
    out.clear();
    let n: usize = parts().map(<[Post]>::len).sum();
    if n < 64 {
        for part in parts() {
            out.extend_from_slice(part);
        }
        out.sort_unstable_by(Post::order);
        return false;
    }
    let slices = n;
    let scale = slices as f64;
    let last = (slices - 1) as u32;
    let SortScratch { slice, next } = scratch;
    slice.clear();
    next.clear();
    next.resize(slices, 0);
    for p in parts().flatten() {
        let s = (((p.t - from) * scale) as u32).min(last);
        slice.push(s);
        next[s as usize] += 1;
    }
    // Counts to where each slice starts.
    let mut start = 0;
    for at in next.iter_mut() {
        let count = *at;
        *at = start;
        start += count;
    }
    let first = parts().find_map(|p| p.first()).copied();
    out.resize(n, first.expect("n > 0"));
    for (p, &s) in parts().flatten().zip(slice.iter()) {
        let at = &mut next[s as usize];
        out[*at as usize] = *p;
        *at += 1;
    }
    let linear = insertion_sort(out, 8 * n);
    if !linear {
        out.sort_unstable_by(Post::order);
    }
    linear
}

/// Sorts `posts` by [`Post::order`] by insertion, unless that takes more than `budget`
/// moves (then returns false, the posts in some order).
fn insertion_sort(posts: &mut [Post], budget: usize) -> bool {
    let mut moves = 0;
    for i in 1..posts.len() {
        if Post::order(&posts[i - 1], &posts[i]).is_gt() {
            let x = posts[i];
            let mut j = i;
            while j > 0 && Post::order(&posts[j - 1], &x).is_gt() {
                posts[j] = posts[j - 1];
                j -= 1;
            }
            posts[j] = x;
            moves += i - j;
            if moves > budget {
                return false;
            }
        }
    }
    true
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
        // Split in uneven parts, as the blocks' outputs are.
        let (a, rest) = posts.split_at_mut(10);
        let (b, c) = rest.split_at_mut(600);
        let mut sorted = Vec::new();
        let mut scratch = SortScratch::default();
        // Posts spread over the step: the counting pass leaves them near their places and
        // the insertion pass finishes (slices computed wrongly would crowd them into a
        // few and fall back to the comparison sort).
        assert!(sort_step(
            || [&*a, &*b, &*c].into_iter(),
            5.0,
            &mut sorted,
            &mut scratch
        ));
        assert_eq!(sorted, want);
        // Reusing the scratch space gives the same.
        assert!(sort_step(
            || [&*c, &*a, &*b].into_iter(),
            5.0,
            &mut sorted,
            &mut scratch
        ));
        assert_eq!(sorted, want);
    }

    #[test]
    fn sort_step_sorts_crowded_posts() {
        // Every post in the same slice of the step, in reverse order: the insertion
        // pass gives up and a comparison sort finishes.
        let mut posts: Vec<Post> = (0..500)
            .map(|i| post(3.0 + (500 - i) as f64 * 1e-9, i, 0))
            .collect();
        let mut want = posts.clone();
        want.sort_by(Post::order);
        let mut sorted = Vec::new();
        let linear = sort_step(
            || std::iter::once(&posts[..]),
            3.0,
            &mut sorted,
            &mut SortScratch::default(),
        );
        assert!(!linear, "crowded posts fall back");
        assert_eq!(sorted, want);
        assert!(!insertion_sort(&mut posts, 100), "over budget");
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
