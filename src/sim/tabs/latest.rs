//! The Latest tab: the `K` most recent posts, with per-population counts.

use std::collections::VecDeque;

use super::Ranker;
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
