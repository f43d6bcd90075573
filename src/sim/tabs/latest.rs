//! The Latest tab: the `K` most recent posts, with per-population counts.
//!
//! A post is shown from its arrival until `K` later posts have arrived (or moderation
//! removes it): its residence time, which under a flood is a small part of a step. The
//! tab replays a step's arrivals in time order to record for how long each post and each
//! population was shown ([`Exposure`]), so what readers see does not depend on the step.

use std::collections::VecDeque;

use super::{Exposure, Ranker, Seen};
use crate::sim::block::Post;

/// The Latest tab: a window of the `K` most recent posts with per-population counts.
#[derive(Debug, Clone)]
pub struct LatestWindow {
    capacity: usize,
    posts: VecDeque<Post>,
    by_pop: Vec<u32>,
}

impl LatestWindow {
    /// An empty window of `capacity` posts, counting `n_pops` populations.
    pub fn new(capacity: usize, n_pops: usize) -> Self {
        LatestWindow {
            capacity,
            posts: VecDeque::with_capacity(capacity),
            by_pop: vec![0; n_pops],
        }
    }

    /// Appends posts given in time order, evicting the oldest beyond capacity.
    fn extend(&mut self, posts: &[Post]) {
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

    /// [`LatestWindow::extend`], recording what was shown during `[from, to)`: the posts
    /// it held at `from` and every arrival, each until it left or until `to`.
    fn replay(&mut self, posts: &[Post], from: f64, to: f64, e: &mut Exposure) {
        let span = to - from;
        let mut last = from;
        let mut pass = |by_pop: &[u32], until: f64, present: &mut [f64]| {
            let share = (until - last) / span;
            if share > 0.0 {
                for (x, &n) in present.iter_mut().zip(by_pop) {
                    if n > 0 {
                        *x += share;
                    }
                }
            }
            last = until;
        };
        for p in posts {
            pass(&self.by_pop, p.t, &mut e.present);
            if self.posts.len() == self.capacity {
                let old = self.posts.pop_front().expect("window is full");
                self.by_pop[old.pop as usize] -= 1;
                let share = (p.t - old.t.max(from)) / span;
                if share > 0.0 {
                    e.seen.push(Seen { post: old, share });
                }
            }
            self.by_pop[p.pop as usize] += 1;
            self.posts.push_back(*p);
        }
        pass(&self.by_pop, to, &mut e.present);
        for p in &self.posts {
            let share = (to - p.t.max(from)) / span;
            if share > 0.0 {
                e.seen.push(Seen { post: *p, share });
            }
        }
    }

    /// Takes a removed post out of the window (the window is one post shorter until the
    /// next post arrives).
    fn take_out(&mut self, id: u64) {
        if let Some(i) = self.posts.iter().position(|p| p.id == id) {
            let p = self.posts.remove(i).expect("index found");
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
