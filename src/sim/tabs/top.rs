//! The Top tab: the `K` posts with the best `engagement / (age_hours + 2)^gravity`.
//!
//! Posts enter the tab when they arrive in the Latest window at a step's end or when
//! readers engage with them (they may have been shown in Latest for a moment only). Only
//! posts that readers can see (in Latest or in Top) gain engagement, so a post that
//! `K` others beat forever can be forgotten: if `K` posts are both younger and at least as
//! engaged as it, its score stays below each of theirs at every later time (the score
//! falls with age, and a younger post with as much engagement is always ahead). Each step
//! the tab keeps only posts beaten by fewer than `K` such posts (plus the Latest window),
//! which is a small set, and ranks that set; no step sorts every post ever made. Flagged
//! posts (to be removed by moderation) never count as the ones ahead.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::Ranker;
use crate::sim::block::Post;

/// A post the tab tracks, with its engagement so far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tracked {
    pub post: Post,
    pub engagement: u64,
}

/// Youngest first: by time, then author, then id, all descending (a total order on
/// posts, so equal means the same post).
fn youngest_first(a: &Tracked, b: &Tracked) -> Ordering {
    Post::order(&b.post, &a.post).then(b.post.id.cmp(&a.post.id))
}

/// One feed's Top tab.
///
/// Engagement and arrivals between two rankings are only noted ([`TopTab::engage`] is
/// a push); the ranking merges them into the tracked posts, which it keeps youngest
/// first, so no step looks a post up by id or sorts every tracked post again.
#[derive(Debug, Clone)]
pub struct TopTab {
    /// `K`: how many posts the tab shows.
    size: usize,
    gravity: f64,
    hours_per_step: f64,
    /// The posts that can still rank, youngest first, as of the last ranking.
    tracked: Vec<Tracked>,
    /// Arrivals (engagement 0) and engagements since the last ranking, in any order.
    pending: Vec<Tracked>,
    /// Ids removed by moderation since the last ranking, forgotten at the next.
    removed: Vec<u64>,
    /// Scratch for the merge, kept to reuse its allocation.
    merged: Vec<Tracked>,
    shown: Vec<Tracked>,
    /// `2^gravity`: a post's score at age 0 is its engagement over this.
    at_age_zero: f64,
    /// The ranking's lists, kept to reuse their allocations (a ranking at every step
    /// would otherwise allocate them each time).
    scratch: Scratch,
}

/// The lists of one ranking (see [`TopTab::refresh`]).
#[derive(Debug, Clone, Default)]
struct Scratch {
    visible: Vec<u64>,
    best: BinaryHeap<Reverse<u64>>,
    bar: Vec<f64>,
    ranked: Vec<(f64, Tracked)>,
}

impl TopTab {
    /// An empty tab showing `size` posts, ranked with this `gravity`.
    pub fn new(size: usize, gravity: f64, hours_per_step: f64) -> Self {
        TopTab {
            size,
            gravity,
            hours_per_step,
            tracked: Vec::new(),
            pending: Vec::new(),
            removed: Vec::new(),
            merged: Vec::new(),
            shown: Vec::new(),
            at_age_zero: 2f64.powf(gravity),
            scratch: Scratch::default(),
        }
    }

    /// The ranking score of a post at time `now` (in steps).
    pub fn score(&self, t: &Tracked, now: f64) -> f64 {
        // Zero over a positive number, without the power (most of a ranking's cost when
        // nobody reads).
        if t.engagement == 0 {
            return 0.0;
        }
        let age_hours = ((now - t.post.t) * self.hours_per_step).max(0.0);
        t.engagement as f64 / (age_hours + 2.0).powf(self.gravity)
    }

    /// Starts tracking a post that became visible (entered the Latest window).
    pub fn add(&mut self, post: Post) {
        self.engage(&post, 0);
    }

    /// Adds `n` engagements to a post readers saw (tracking it if it is not yet).
    pub fn engage(&mut self, post: &Post, n: u64) {
        self.pending.push(Tracked {
            post: *post,
            engagement: n,
        });
    }

    /// Forgets a removed post (moderation); it disappears from the tab at once.
    pub fn remove(&mut self, id: u64) {
        self.removed.push(id);
        self.shown.retain(|t| t.post.id != id);
    }

    /// The posts shown, best first.
    pub fn shown(&self) -> &[Tracked] {
        &self.shown
    }

    /// Merges what happened since the last ranking into the tracked posts (youngest
    /// first, one entry per post, engagement summed), forgetting removed posts.
    fn merge_pending(&mut self) {
        // Stable sort: it finds the runs the pending posts arrive in (each tab's
        // engaged posts in time order), so it costs little more than a pass.
        self.pending.sort_by(youngest_first);
        self.removed.sort_unstable();
        let removed = std::mem::take(&mut self.removed);
        let mut merged = std::mem::take(&mut self.merged);
        merged.clear();
        merged.reserve(self.tracked.len() + self.pending.len());
        let mut push = |t: Tracked| {
            if removed.binary_search(&t.post.id).is_ok() {
                return;
            }
            match merged.last_mut() {
                Some(last) if last.post.id == t.post.id => last.engagement += t.engagement,
                _ => merged.push(t),
            }
        };
        let (mut a, mut b) = (
            self.tracked.iter().peekable(),
            self.pending.iter().peekable(),
        );
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if youngest_first(x, y) != Ordering::Greater => a.next(),
                (Some(_), Some(_)) | (None, Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, None) => break,
            };
            push(*next.expect("peeked"));
        }
        self.pending.clear();
        self.merged = std::mem::replace(&mut self.tracked, merged);
        self.removed = removed;
        self.removed.clear();
    }

    /// Drops posts that can never rank again and ranks the rest at time `now`.
    /// `visible` are the ids still in the Latest window (they can still gain engagement,
    /// so they are always kept).
    pub fn refresh(&mut self, now: f64, visible: &[u64]) {
        let k = self.size;
        self.merge_pending();
        let Scratch {
            visible: mut sorted,
            mut best,
            mut bar,
            mut ranked,
        } = std::mem::take(&mut self.scratch);
        sorted.clear();
        sorted.extend_from_slice(visible);
        sorted.sort_unstable();
        if self.tracked.iter().all(|t| t.engagement == 0) {
            self.rank_unengaged(&sorted);
            self.scratch = Scratch {
                visible: sorted,
                best,
                bar,
                ranked,
            };
            return;
        }
        // Youngest first; count, for each post, the younger posts with at least its
        // engagement. The `k` largest engagements of the younger posts seen so far (a
        // min-heap): a post is beaten by `k` younger ones with at least its engagement
        // exactly when there are `k` of them and the smallest is at least its own.
        best.clear();
        self.tracked.retain(|t| {
            let beaten = best.len() == k && best.peek().is_some_and(|m| m.0 >= t.engagement);
            // A flagged post will be removed, so it cannot be relied on to stay ahead.
            if !t.post.flagged {
                if best.len() < k {
                    best.push(Reverse(t.engagement));
                } else if best.peek().is_some_and(|m| m.0 < t.engagement) {
                    best.pop();
                    best.push(Reverse(t.engagement));
                }
            }
            !beaten || sorted.binary_search(&t.post.id).is_ok()
        });
        // Only posts that can make the top `k` are scored: the posts shown so far,
        // scored now, set a bar `bar` that `k` posts reach, and no post scores above
        // `engagement / 2^gravity` (its score at age 0), so a post whose bound is below
        // the bar cannot rank (the margin covers rounding).
        bar.clear();
        bar.extend(self.shown.iter().filter_map(|s| {
            let i = self
                .tracked
                .binary_search_by(|t| youngest_first(t, s))
                .ok()?;
            Some(self.score(&self.tracked[i], now))
        }));
        let bar_score = if k > 0 && bar.len() >= k {
            bar.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
            bar[k - 1]
        } else {
            f64::NEG_INFINITY
        };
        ranked.clear();
        ranked.extend(
            self.tracked
                .iter()
                .filter(|t| t.engagement as f64 / self.at_age_zero * (1.0 + 1e-9) >= bar_score)
                .map(|t| (self.score(t, now), *t)),
        );
        let by_rank = |a: &(f64, Tracked), b: &(f64, Tracked)| {
            b.0.total_cmp(&a.0).then(Post::order(&b.1.post, &a.1.post))
        };
        if ranked.len() > k {
            ranked.select_nth_unstable_by(k - 1, by_rank);
            ranked.truncate(k);
        }
        ranked.sort_unstable_by(by_rank);
        self.shown.clear();
        self.shown.extend(ranked.iter().map(|&(_, t)| t));
        self.scratch = Scratch {
            visible: sorted,
            best,
            bar,
            ranked,
        };
    }

    /// The ranking when no tracked post has engagement (nobody reads, as in most
    /// sweeps): every score is 0, so the tab shows its `K` youngest posts, and a post is
    /// beaten once `K` younger unflagged posts are tracked. The same result as the
    /// general ranking, without its heap and scores (which were most of a small run's
    /// time).
    fn rank_unengaged(&mut self, visible: &[u64]) {
        let k = self.size;
        let mut unflagged = 0;
        self.tracked.retain(|t| {
            let beaten = unflagged >= k;
            unflagged += usize::from(!t.post.flagged);
            !beaten || visible.binary_search(&t.post.id).is_ok()
        });
        self.shown.clear();
        self.shown.extend(self.tracked.iter().take(k));
    }

    /// Posts currently tracked.
    #[cfg(test)]
    pub fn tracked_len(&self) -> usize {
        self.tracked.len()
    }
}

impl Ranker for TopTab {
    fn arrive(&mut self, posts: &[Post]) {
        for p in posts {
            self.add(*p);
        }
    }

    fn remove(&mut self, id: u64) {
        TopTab::remove(self, id);
    }

    fn engage(&mut self, engaged: &[(Post, u64)]) {
        self.pending.extend(
            engaged
                .iter()
                .map(|&(post, engagement)| Tracked { post, engagement }),
        );
    }

    fn refresh(&mut self, now: f64, visible: &[u64]) {
        TopTab::refresh(self, now, visible);
    }

    fn shown(&self) -> Box<dyn Iterator<Item = &Post> + '_> {
        Box::new(self.shown.iter().map(|t| &t.post))
    }

    fn shown_ids(&self, ids: &mut Vec<u64>) {
        ids.extend(self.shown.iter().map(|t| t.post.id));
    }

    fn count_by_population(&self, counts: &mut [u32]) {
        counts.fill(0);
        for t in &self.shown {
            counts[t.post.pop as usize] += 1;
        }
    }

    fn len(&self) -> usize {
        self.shown.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stream, stream};
    use rand::RngExt;

    fn post(id: u64, t: f64) -> Post {
        Post::at(t, id as u32, 0)
    }

    /// Nobody reads: the tab shows its K youngest posts (a flagged one too, until it is
    /// removed) and keeps only the posts fewer than K younger unflagged ones beat, and
    /// the visible. K = 3, Latest shows the youngest post only, and the second youngest
    /// is flagged: post 36 has two younger unflagged posts and stays; 35 goes.
    #[test]
    fn without_engagement_the_youngest_show_and_the_beaten_are_forgotten() {
        let mut tab = TopTab::new(3, 1.8, 1.0 / 60.0);
        for id in 0..40u64 {
            let mut p = post(id, id as f64);
            p.flagged = id == 38;
            tab.add(p);
            tab.refresh(id as f64 + 0.5, &[id]);
        }
        let shown: Vec<u64> = tab.shown().iter().map(|t| t.post.id).collect();
        assert_eq!(shown, [39, 38, 37]);
        assert_eq!(tab.tracked_len(), 4);
    }

    /// Property: after random posting and engagement of visible posts only, the pruned
    /// tab shows exactly what a brute-force ranking of every post ever made shows.
    #[test]
    fn pruned_ranking_equals_brute_force() {
        for case in 0..40u64 {
            let mut rng = stream(case, Stream::Mobilisation, 0);
            let k = rng.random_range(1..8usize);
            let latest_k = rng.random_range(1..8usize);
            let gravity = rng.random_range(0.0..3.0);
            let mut tab = TopTab::new(k, gravity, 1.0 / 60.0);
            let mut all: Vec<Tracked> = Vec::new();
            let mut latest: Vec<u64> = Vec::new();
            let mut next_id = 0u64;
            for step in 0..300u32 {
                for _ in 0..rng.random_range(0..3) {
                    let p = post(next_id, step as f64 + rng.random::<f64>() * 0.99);
                    next_id += 1;
                    tab.add(p);
                    all.push(Tracked {
                        post: p,
                        engagement: 0,
                    });
                    latest.push(p.id);
                    if latest.len() > latest_k {
                        latest.remove(0);
                    }
                }
                // Readers engage with what they can see: Latest and the current Top.
                let mut visible: Vec<u64> = latest.clone();
                visible.extend(tab.shown().iter().map(|t| t.post.id));
                for id in visible {
                    if rng.random_bool(0.3) {
                        let n = rng.random_range(1..20u64);
                        let t = all.iter_mut().find(|t| t.post.id == id).unwrap();
                        t.engagement += n;
                        tab.engage(&t.post, n);
                    }
                }
                let now = step as f64 + 1.0;
                tab.refresh(now, &latest);
                let brute = {
                    let reference = TopTab::new(k, gravity, 1.0 / 60.0);
                    let mut r: Vec<(f64, Tracked)> =
                        all.iter().map(|t| (reference.score(t, now), *t)).collect();
                    r.sort_by(|a, b| b.0.total_cmp(&a.0).then(Post::order(&b.1.post, &a.1.post)));
                    r.truncate(k);
                    r.into_iter().map(|(_, t)| t).collect::<Vec<_>>()
                };
                assert_eq!(tab.shown(), brute.as_slice(), "case {case}, step {step}");
            }
            assert!(
                tab.tracked_len() < all.len() || all.len() < 60,
                "pruning keeps the set small"
            );
        }
    }

    /// The Top score against rankings worked out by hand: at hour 10, posts A (hour 0,
    /// 100 engagements), B (8, 10), C (9.5, 3), D (5, 30) and E (9.9, 1) score
    /// `e / (age + 2)^g`:
    /// - g = 1.8: A 100/12^1.8 = 1.141, D 30/7^1.8 = 0.904, B 10/4^1.8 = 0.825,
    ///   C 3/2.5^1.8 = 0.577, E 1/2.1^1.8 = 0.263;
    /// - g = 2.5: B 0.3125, C 0.3036, D 0.2314, A 0.2005, E 0.1565;
    /// - g = 4: C 0.0768, E 0.0514, B 0.0391, D 0.0125, A 0.0048.
    ///
    /// A score without the `+ 2`, with age in steps of the wrong length, with gravity
    /// ignored or applied to engagement ranks differently in at least one of them.
    #[test]
    fn ranks_as_worked_out_by_hand() {
        let posts = [
            ('A', 0.0, 100),
            ('B', 8.0, 10),
            ('C', 9.5, 3),
            ('D', 5.0, 30),
            ('E', 9.9, 1),
        ];
        for (gravity, want) in [(1.8, "ADB"), (2.5, "BCD"), (4.0, "CEB")] {
            // Steps of 30 minutes: hour h is step 2h.
            let mut tab = TopTab::new(3, gravity, 0.5);
            for (i, &(_, hour, e)) in posts.iter().enumerate() {
                let p = post(i as u64, 2.0 * hour);
                tab.add(p);
                tab.engage(&p, e);
            }
            tab.refresh(20.0, &[]);
            let got: String = tab
                .shown()
                .iter()
                .map(|t| posts[t.post.id as usize].0)
                .collect();
            assert_eq!(got, want, "gravity {gravity}");
        }
    }

    /// The pruning forgets exactly the posts that `K` younger ones with at least their
    /// engagement beat, worked by hand for K = 2 and engagements 1, 1, 5, 5, 2 from the
    /// youngest: the two 5s have only the 1s ahead (kept), and the last post, with 2,
    /// has the two 5s ahead (forgotten): 4 tracked. A pruning that kept the `K` largest
    /// engagements seen so far wrong (never replacing the smallest, or replacing it with
    /// a smaller one) keeps all 5; the ranking would not show it, only the cost.
    #[test]
    fn a_post_beaten_by_k_younger_ones_is_forgotten() {
        let mut tab = TopTab::new(2, 1.0, 1.0);
        for (i, e) in [2, 5, 5, 1, 1].into_iter().enumerate() {
            // Oldest first: times 0 to 4.
            let p = post(i as u64, i as f64);
            tab.add(p);
            tab.engage(&p, e);
        }
        tab.refresh(5.0, &[]);
        assert_eq!(tab.tracked_len(), 4);
        assert!(
            tab.tracked.iter().all(|t| t.post.id != 0),
            "the oldest is forgotten"
        );
    }

    #[test]
    fn removed_posts_leave_at_once() {
        let mut tab = TopTab::new(2, 1.0, 1.0);
        for id in 0..3 {
            tab.add(post(id, id as f64));
            tab.engage(&post(id, id as f64), 10 - id);
        }
        tab.refresh(3.0, &[]);
        assert_eq!(tab.shown().len(), 2);
        let first = tab.shown()[0].post.id;
        tab.remove(first);
        assert!(tab.shown().iter().all(|t| t.post.id != first));
        tab.refresh(3.0, &[]);
        assert_eq!(tab.shown().len(), 2, "the next best fills the tab");
    }
}
