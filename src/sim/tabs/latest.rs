//! The Latest tab: the `K` most recent posts, with per-population counts.
//!
//! A post is shown from its arrival until `K` later posts have arrived (or moderation
//! removes it): its residence time, which under a flood is a small part of a step. The
//! tab replays a step's arrivals in time order to record for how long each post and each
//! population was shown ([`Exposure`]), so what readers see does not depend on the step.

use super::{Exposure, Ranker};
use crate::sim::block::Post;

/// The Latest tab: a window of the `K` most recent posts with per-population counts.
#[derive(Debug, Clone)]
pub struct LatestWindow {
    capacity: usize,
    /// Oldest first.
    posts: Vec<Post>,
    by_pop: Vec<u32>,
    /// Scratch of [`LatestWindow::replay`]: by population, until when it was shown.
    covered: Vec<f64>,
}

impl LatestWindow {
    /// An empty window of `capacity` posts, counting `n_pops` populations.
    pub fn new(capacity: usize, n_pops: usize) -> Self {
        LatestWindow {
            capacity,
            posts: Vec::with_capacity(capacity),
            by_pop: vec![0; n_pops],
            covered: vec![0.0; n_pops],
        }
    }

    /// Appends posts given in time order, evicting the oldest beyond capacity.
    fn extend(&mut self, posts: &[Post]) {
        let arrivals = &posts[posts.len().saturating_sub(self.capacity)..];
        let evicted = (self.posts.len() + arrivals.len()).saturating_sub(self.capacity);
        for old in self.posts.drain(..evicted) {
            self.by_pop[old.pop as usize] -= 1;
        }
        for p in arrivals {
            self.by_pop[p.pop as usize] += 1;
        }
        self.posts.extend_from_slice(arrivals);
    }

    /// [`LatestWindow::extend`], recording what was shown during `[from, to)`: the posts
    /// it held at `from` and every arrival, each until it left or until `to`.
    ///
    /// In the sequence of the window's posts followed by the arrivals, the post at
    /// index `i` leaves when the arrival `K` places after it comes, so its residence
    /// ends at that arrival's time (or at `to`). Starts and ends both grow along the
    /// sequence, so the time a population was shown is the union of its posts'
    /// residences, summed in one pass.
    fn replay(&mut self, posts: &[Post], from: f64, to: f64, e: &mut Exposure) {
        let span = to - from;
        // The post `K` places later in the sequence is always an arrival (the window
        // holds at most `K`): `posts[i + K - w]` for the post at index `i`.
        let later = self.capacity - self.posts.len();
        let covered = &mut self.covered;
        covered.fill(from);
        let mut show = |i: usize, p: &Post| {
            let end = posts.get(i + later).map_or(to, |q| q.t);
            let start = p.t.max(from);
            let pop = p.pop as usize;
            let shown_from = start.max(covered[pop]);
            if end > shown_from {
                e.present[pop] += (end - shown_from) / span;
                covered[pop] = end;
            }
            let share = (end - start) / span;
            if share > 0.0 {
                e.push(*p, share);
            }
        };
        for (i, p) in self.posts.iter().chain(posts).enumerate() {
            show(i, p);
        }
        self.extend(posts);
    }

    /// Takes a removed post out of the window (the window is one post shorter until the
    /// next post arrives).
    fn take_out(&mut self, id: u64) {
        if let Some(i) = self.posts.iter().position(|p| p.id == id) {
            let p = self.posts.remove(i);
            self.by_pop[p.pop as usize] -= 1;
        }
    }
}

impl Ranker for LatestWindow {
    fn take_in(
        &mut self,
        posts: &[Post],
        from: f64,
        to: f64,
        _newest: usize,
        exposure: Option<&mut Exposure>,
    ) {
        match exposure {
            Some(e) => self.replay(posts, from, to, e),
            None => self.extend(posts),
        }
    }

    fn arrive(&mut self, posts: &[Post]) {
        self.extend(posts);
    }

    fn remove(&mut self, id: u64) {
        self.take_out(id);
    }

    fn reranks(&self) -> bool {
        false
    }

    fn shown(&self) -> Box<dyn Iterator<Item = &Post> + '_> {
        Box::new(self.posts.iter())
    }

    fn shown_ids(&self, ids: &mut Vec<u64>) {
        ids.extend(self.posts.iter().map(|p| p.id));
    }

    fn len(&self) -> usize {
        self.posts.len()
    }

    fn count_by_population(&self, counts: &mut [u32]) {
        counts.copy_from_slice(&self.by_pop);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(t: f64, author: u32, pop: u8) -> Post {
        Post::at(t, author, pop)
    }

    fn share(w: &LatestWindow, pop: usize) -> f64 {
        let mut counts = [0; 2];
        w.count_by_population(&mut counts);
        counts[pop] as f64 / w.len() as f64
    }

    #[test]
    fn window_keeps_the_latest_and_counts_them() {
        let mut w = LatestWindow::new(3, 2);
        w.extend(&[post(0.1, 1, 0), post(0.2, 2, 0)]);
        assert_eq!(share(&w, 0), 1.0);
        w.extend(&[post(1.1, 3, 1), post(1.2, 4, 1), post(1.3, 5, 1)]);
        assert_eq!(w.posts.len(), 3);
        assert_eq!(share(&w, 1), 1.0);
        w.extend(&[post(2.0, 6, 0)]);
        assert!((share(&w, 0) - 1.0 / 3.0).abs() < 1e-12);
    }
}
