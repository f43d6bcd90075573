//! Values per feed x population, the shape of most of a run's counts.

use std::ops::{Index, IndexMut};

/// One value (or a fixed-width cell of values, e.g. one per content kind) per feed x
/// population, stored feed by feed. Index with `(feed, population)`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeedPop<T> {
    n_pops: usize,
    width: usize,
    values: Vec<T>,
}

impl<T: Clone> FeedPop<T> {
    /// `value` for every feed x population.
    pub fn filled(n_feeds: usize, n_pops: usize, value: T) -> Self {
        FeedPop {
            n_pops,
            width: 1,
            values: vec![value; n_feeds * n_pops],
        }
    }
}

impl<T: Clone + Default> FeedPop<T> {
    /// One default value per feed x population.
    pub fn new(n_feeds: usize, n_pops: usize) -> Self {
        Self::with_width(n_feeds, n_pops, 1)
    }

    /// Makes this a zeroed (default) grid of the given shape, keeping its allocation.
    /// Never inlined: it runs once per step, and kept out of the posting loop it leaves
    /// the loop's code small.
    #[inline(never)]
    pub fn reset(&mut self, n_feeds: usize, n_pops: usize, width: usize) {
        self.n_pops = n_pops;
        self.width = width;
        self.values.clear();
        self.values.resize(n_feeds * n_pops * width, T::default());
    }

    /// A cell of `width` default values per feed x population.
    pub fn with_width(n_feeds: usize, n_pops: usize, width: usize) -> Self {
        FeedPop {
            n_pops,
            width,
            values: vec![T::default(); n_feeds * n_pops * width],
        }
    }
}

impl<T> FeedPop<T> {
    /// The cell of `(feed, pop)` (one value unless built with a width).
    #[inline]
    pub fn cell(&self, feed: usize, pop: usize) -> &[T] {
        let i = (feed * self.n_pops + pop) * self.width;
        &self.values[i..i + self.width]
    }

    /// See [`FeedPop::cell`].
    #[inline]
    pub fn cell_mut(&mut self, feed: usize, pop: usize) -> &mut [T] {
        let i = (feed * self.n_pops + pop) * self.width;
        &mut self.values[i..i + self.width]
    }

    /// Every population's values in `feed`.
    pub fn feed(&self, feed: usize) -> &[T] {
        let row = self.n_pops * self.width;
        &self.values[feed * row..(feed + 1) * row]
    }

    /// All values, feed by feed.
    pub fn values(&self) -> &[T] {
        &self.values
    }

    /// See [`FeedPop::values`].
    pub fn values_mut(&mut self) -> &mut [T] {
        &mut self.values
    }
}

impl FeedPop<u64> {
    /// Adds counts of the same shape (e.g. one block's counts of a step).
    pub fn add_counts(&mut self, part: &FeedPop<u32>) {
        for (total, &n) in self.values.iter_mut().zip(&part.values) {
            *total += n as u64;
        }
    }
}

impl<T> Index<(usize, usize)> for FeedPop<T> {
    type Output = T;

    #[inline]
    fn index(&self, (feed, pop): (usize, usize)) -> &T {
        &self.cell(feed, pop)[0]
    }
}

impl<T> IndexMut<(usize, usize)> for FeedPop<T> {
    #[inline]
    fn index_mut(&mut self, (feed, pop): (usize, usize)) -> &mut T {
        &mut self.cell_mut(feed, pop)[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_feed_by_feed() {
        let mut m: FeedPop<u32> = FeedPop::with_width(2, 3, 2);
        m.cell_mut(1, 2)[1] = 7;
        m[(0, 1)] = 5;
        assert_eq!(m.values()[(3 + 2) * 2 + 1], 7);
        assert_eq!(m.values()[2], 5);
        assert_eq!(m.feed(1), &[0, 0, 0, 0, 0, 7]);
    }
}
