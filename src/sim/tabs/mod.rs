//! A feed's tabs: each ranks the posts the feed takes in and shows some of them.
//!
//! The engine knows tabs only through [`Ranker`]: it hands every tab the feed's posts
//! of each step, removals, and readers' engagement, and reads back what the tab shows and
//! for how long ([`Exposure`]). Shares, impressions, reach, domination times, CSV columns, summary keys, charts
//! and the terminal report are all computed per tab from that, by the tab's name; none of
//! them names a tab. The scenario's [`Ranking`]s are built by [`build`]; code can add a
//! tab of its own with an [`ExtraTab`].

mod latest;
mod top;

pub use latest::LatestWindow;
pub use top::{TopTab, Tracked};

use super::block::Post;
use crate::scenario::{Feed, Ranking, Tab};

/// What a tab showed readers during one step: each post with the share of the step it
/// was shown, and per population the share of the step it had at least one post shown.
///
/// Browses happen at continuous times, uniformly over a step in which the browse rate is
/// constant, so a post shown for a share `d` of the step is on the screen of a share `d`
/// of the step's browses: its expected impressions are the browses times `d`, whatever
/// the length of the step.
#[derive(Debug, Clone, Default)]
pub struct Exposure {
    pub seen: Vec<Seen>,
    /// By population: share of the step during which it had a post shown.
    pub present: Vec<f64>,
    /// By population: posts shown for the whole step.
    pub whole: Vec<u64>,
    /// By population: the summed shares of posts shown for part of the step.
    pub partial: Vec<f64>,
}

/// A post shown for a share of a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seen {
    pub post: Post,
    /// Share of the step the post was shown, in (0, 1].
    pub share: f64,
}

impl Exposure {
    /// Empties the record for a step with `n_pops` populations.
    pub fn clear(&mut self, n_pops: usize) {
        self.seen.clear();
        for by_pop in [&mut self.present, &mut self.partial] {
            by_pop.clear();
            by_pop.resize(n_pops, 0.0);
        }
        self.whole.clear();
        self.whole.resize(n_pops, 0);
    }

    /// Records a post shown for a share of the step in (0, 1] (the tab keeps
    /// [`Exposure::present`] itself).
    #[inline]
    pub fn push(&mut self, post: Post, share: f64) {
        let p = post.pop as usize;
        if share >= 1.0 {
            self.whole[p] += 1;
        } else {
            self.partial[p] += share;
        }
        self.seen.push(Seen { post, share });
    }

    /// Records posts shown for the whole step.
    pub fn whole_step<'a>(&mut self, shown: impl Iterator<Item = &'a Post>) {
        for p in shown {
            self.push(*p, 1.0);
            self.present[p.pop as usize] = 1.0;
        }
    }
}

/// What the engine asks of a tab's ranking.
pub trait Ranker: Send + Sync {
    /// Takes in the feed's posts of the step `[from, to)` (in steps), oldest first, and,
    /// when `exposure` is given, records what the tab showed during the step. `newest` is
    /// the feed's Latest window size: posts older than the step's `newest` newest are
    /// never in the Latest window at the step's end.
    ///
    /// The default is a tab ranked at step ends: what it showed at the step's start is
    /// shown for the whole step, and it takes the `newest` newest posts in
    /// ([`Ranker::arrive`]) to rank at the end.
    fn take_in(
        &mut self,
        posts: &[Post],
        _from: f64,
        _to: f64,
        newest: usize,
        exposure: Option<&mut Exposure>,
    ) {
        if let Some(e) = exposure {
            e.whole_step(self.shown());
        }
        self.arrive(&posts[posts.len().saturating_sub(newest)..]);
    }

    /// Takes in the feed's newest posts of a step, oldest first (at most the Latest
    /// window's size).
    fn arrive(&mut self, posts: &[Post]);

    /// Takes out a post removed by moderation, at once.
    fn remove(&mut self, id: u64);

    /// Adds engagements (likes, reposts), as `(post, count)`, to posts readers saw in
    /// any of the feed's tabs during the step (the tab may start tracking them).
    fn engage(&mut self, _engaged: &[(Post, u64)]) {}

    /// Ranks again for time `now` (in steps). `visible` are the ids the feed's other
    /// tabs show: those posts can still gain engagement.
    fn refresh(&mut self, _now: f64, _visible: &[u64]) {}

    /// Whether [`Ranker::refresh`] does anything (if not, the engine skips gathering
    /// `visible` for it).
    fn reranks(&self) -> bool {
        true
    }

    /// The posts shown, in display order.
    fn shown(&self) -> Box<dyn Iterator<Item = &Post> + '_>;

    /// Appends the ids of the posts shown to `ids` (without the allocation of
    /// [`Ranker::shown`]: it runs for every tab at every ranking).
    fn shown_ids(&self, ids: &mut Vec<u64>) {
        ids.extend(self.shown().map(|p| p.id));
    }

    /// How many posts are shown.
    fn len(&self) -> usize;

    /// Whether the tab shows nothing.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Posts shown by population, into `counts` (one slot per population).
    fn count_by_population(&self, counts: &mut [u32]) {
        counts.fill(0);
        for p in self.shown() {
            counts[p.pop as usize] += 1;
        }
    }
}

/// Builds a tab's ranker for one feed.
pub type BuildRanker = Box<dyn Fn(&Feed) -> Box<dyn Ranker> + Sync>;

/// A tab added to every feed by code rather than by the scenario, e.g. a ranking under
/// study. It is measured like the scenario's tabs (shares, domination times, columns,
/// charts); readers do not open it, so it has no impressions or engagement of its own.
pub struct ExtraTab {
    /// The tab's name: its column (`NAME_share`) and summary key.
    pub name: String,
    /// Builds the tab's ranker for one feed.
    pub build: BuildRanker,
}

/// The ranker of a scenario tab.
pub fn build(tab: &Tab, n_pops: usize, hours_per_step: f64) -> Box<dyn Ranker> {
    match tab.ranking {
        Ranking::Latest => Box::new(LatestWindow::new(tab.size, n_pops)),
        Ranking::Top { gravity } => Box::new(TopTab::new(tab.size, gravity, hours_per_step)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ranking that shows every post it took in, with the trait's own `shown_ids`.
    struct Everything(Vec<Post>);

    impl Ranker for Everything {
        fn arrive(&mut self, posts: &[Post]) {
            self.0.extend_from_slice(posts);
        }

        fn remove(&mut self, id: u64) {
            self.0.retain(|p| p.id != id);
        }

        fn shown(&self) -> Box<dyn Iterator<Item = &Post> + '_> {
            Box::new(self.0.iter())
        }

        fn len(&self) -> usize {
            self.0.len()
        }
    }

    /// `shown_ids` appends the ids of `shown`, in order, to what the list holds: before
    /// each ranking the engine gathers with it what a feed's other tabs show, which Top
    /// keeps tracking (readers can still engage with it). Checked for Latest, Top and a
    /// ranking that keeps the trait's own version; ids left out or a list cleared fail.
    #[test]
    fn shown_ids_appends_the_ids_shown() {
        let posts: Vec<Post> = (0..6).map(|i| Post::at(i as f64 * 0.1, i, 0)).collect();
        let mut tabs: Vec<Box<dyn Ranker>> = vec![
            Box::new(LatestWindow::new(4, 1)),
            Box::new(TopTab::new(3, 1.8, 1.0 / 60.0)),
            Box::new(Everything(Vec::new())),
        ];
        for (tab, len) in tabs.iter_mut().zip([4, 3, 6]) {
            tab.arrive(&posts);
            tab.refresh(1.0, &[]);
            let mut ids = vec![99];
            tab.shown_ids(&mut ids);
            let shown = tab.shown().map(|p| p.id);
            assert_eq!(ids, std::iter::once(99).chain(shown).collect::<Vec<_>>());
            assert_eq!(ids.len(), 1 + len);
        }
    }
}
