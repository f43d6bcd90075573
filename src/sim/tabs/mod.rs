//! A feed's tabs: each ranks the posts the feed takes in and shows some of them.
//!
//! The engine knows tabs only through [`Ranker`]: it hands every tab the feed's newest
//! posts of each step, removals, and readers' engagement, and reads back what the tab
//! shows. Shares, impressions, reach, domination times, CSV columns, summary keys, charts
//! and the terminal report are all computed per tab from that, by the tab's name; none of
//! them names a tab. The scenario's [`Ranking`]s are built by [`build`]; code can add a
//! tab of its own with an [`ExtraTab`].

mod latest;
mod top;

pub use latest::LatestWindow;
pub use top::TopTab;

use super::block::Post;
use crate::scenario::{Feed, Ranking, Tab};

/// What the engine asks of a tab's ranking.
pub trait Ranker: Send + Sync {
    /// Takes in the feed's newest posts of a step, oldest first (at most the Latest
    /// window's size: older posts of the step are never seen by any tab).
    fn arrive(&mut self, posts: &[Post]);

    /// Takes out a post removed by moderation, at once.
    fn remove(&mut self, id: u64);

    /// Adds `n` engagements (likes, reposts) to a post the tab may hold.
    fn engage(&mut self, _id: u64, _n: u64) {}

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
