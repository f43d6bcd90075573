//! The end-of-run summary (`summary.json`), as serialisable records.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{PopulationCounts, Tabbed, When};

/// Per run: what, by whom, and the key numbers.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub program: Program,
    pub scenario: ScenarioId,
    pub seed: u64,
    pub time: TimeSummary,
    pub totals: Totals,
    pub feeds: BTreeMap<String, FeedSummary>,
    pub populations: BTreeMap<String, PopulationSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<AppSummary>,
    /// Draws truncated at the cap of their key, by key path (see `scenario::limits`);
    /// absent when none was.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub truncated_draws: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Program {
    pub name: &'static str,
    pub version: &'static str,
}

impl Program {
    pub fn this() -> Self {
        Program {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioId {
    pub name: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimeSummary {
    pub steps: u32,
    pub dt_seconds: f64,
    pub hours: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub agents: u64,
    pub follower_edges: u64,
    pub posts: u64,
    pub browses: u64,
    pub impressions: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedSummary {
    pub posts: u64,
    /// Browses of each tab (keys `browses_TAB`).
    #[serde(flatten)]
    pub browses: Tabbed<u64>,
    pub trending_hours: f64,
    pub first_trending_hours: When,
    /// Time over the trending threshold but held off by moderation (de-trended).
    pub detrended_hours: f64,
    pub populations: BTreeMap<String, FeedPopulationSummary>,
}

/// A population's share of one tab over the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShareSummary {
    pub peak: f64,
    pub peak_at_hours: When,
    /// At the end of the run.
    #[serde(rename = "final")]
    pub last: f64,
    /// First time the share reached each level (keys) and held it for the hold time.
    pub domination_hours: BTreeMap<String, When>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedPopulationSummary {
    pub posts: u64,
    pub posts_by_kind: BTreeMap<String, u64>,
    /// The population's share of each tab (keyed by tab name).
    #[serde(flatten)]
    pub shares: Tabbed<ShareSummary>,
    /// First time the trending category was this population.
    pub first_trending_category_hours: When,
    pub impressions: Impressions,
    /// Per tab, the probability that a browse showed at least one of the population's
    /// posts.
    pub browse_reach: Tabbed<f64>,
    /// Likes and reposts of the population's posts.
    pub engagement: u64,
    pub moderation: ModerationCounts,
}

#[derive(Debug, Clone, Serialize)]
pub struct Impressions {
    /// In each tab (keyed by tab name).
    #[serde(flatten)]
    pub tabs: Tabbed<u64>,
    pub reposts: u64,
    pub total: u64,
    /// Share of all impressions in the feed.
    pub share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModerationCounts {
    /// Posts dropped by the rate limit (not in `posts`).
    pub rate_limited: u64,
    pub flagged: u64,
    pub removed: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PopulationSummary {
    pub size: u32,
    #[serde(flatten)]
    pub counts: PopulationCounts,
    /// `by_network / size`: the share of the population reached by the cascade.
    pub cascade_fraction: f64,
    pub ever_active_fraction: f64,
}

/// The app: outages, review, rating.
#[derive(Debug, Clone, Serialize)]
pub struct AppSummary {
    pub first_outage_hours: When,
    pub outages: u64,
    pub downtime_hours: f64,
    pub legitimate: KindCounts,
    pub junk: KindCounts,
    /// Waits of legitimate submissions until their review started.
    pub legitimate_wait_hours: WaitSummary,
    /// Share of legitimate submissions whose review started within the SLA (those lost
    /// or still waiting at the end count as not).
    pub legitimate_within_sla: f64,
    /// Share of legitimate submissions lost to outages.
    pub legitimate_lost_share: f64,
    pub rating: RatingSummary,
}

/// Submissions of one kind: submitted = reviewed + waiting + lost.
#[derive(Debug, Clone, Serialize)]
pub struct KindCounts {
    pub submitted: u64,
    /// Review started.
    pub reviewed: u64,
    /// Still waiting at the end.
    pub waiting: u64,
    /// Arrived while the app was down.
    pub lost: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct WaitSummary {
    pub count: u64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RatingSummary {
    pub initial: f64,
    #[serde(rename = "final")]
    pub last: f64,
    /// As a store shows it: one decimal.
    pub final_shown: f64,
    pub count: u64,
    pub new_ratings: u64,
    pub alert_below: f64,
    /// First time the displayed rating fell below `alert_below`.
    pub below_alert_hours: When,
}
