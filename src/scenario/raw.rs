//! The scenario file's shape, as serde reads and writes it.
//!
//! Every table rejects unknown keys, and every optional key has its default filled in on
//! reading, so serialising a [`RawScenario`] back gives the *resolved* scenario: the same
//! run, with nothing left implicit. Values are not checked here; see `validate.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::distribution::Distribution;

/// A whole scenario file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Name used for the output folder; defaults to the file's stem.
    #[serde(default)]
    pub name: String,
    /// Seed used when the command line gives none.
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default)]
    pub time: RawTime,
    #[serde(default)]
    pub metrics: RawMetrics,
    #[serde(default)]
    pub limits: RawLimits,
    pub feeds: BTreeMap<String, RawFeed>,
    pub populations: BTreeMap<String, RawPopulation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<RawNetwork>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moderation: Option<RawModeration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<RawApp>,
}

/// An app's report queue and store rating (optional).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawApp {
    /// Ingest capacity: submissions (count) or megabytes per minute.
    pub capacity: RawCapacity,
    pub outage: RawOutage,
    pub reviewers: i64,
    /// Minutes to review one submission.
    pub service_minutes: Distribution,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triage: Option<RawTriage>,
    /// Target time from submission to the start of review.
    #[serde(default = "default_sla")]
    pub sla: String,
    pub rating: RawRating,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<RawVisibility>,
}

fn default_sla() -> String {
    "24h".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCapacity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_per_minute: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mb_per_minute: Option<f64>,
}

/// When arrivals over the last `window` exceed capacity x `window`, the app is down for
/// `recovery`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutage {
    pub window: String,
    pub recovery: String,
}

/// Flags junk with probability `accuracy` (and legitimate items with 1 - accuracy);
/// flagged items are reviewed last.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTriage {
    pub accuracy: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRating {
    /// Ratings before the run, and their mean.
    pub count: i64,
    pub mean: f64,
    /// The summary reports when the displayed rating first falls below this.
    #[serde(default = "default_alert")]
    pub alert_below: f64,
}

fn default_alert() -> f64 {
    2.0
}

/// Below `below` stars the app loses search visibility: legitimate arrivals are
/// multiplied by `factor`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVisibility {
    pub below: f64,
    pub factor: f64,
}

/// How a population uses the app.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAppUse {
    /// Submissions per hour of an active agent, drawn once per agent.
    #[serde(default = "default_rate")]
    pub submit: Distribution,
    /// Probability that a submission is junk.
    #[serde(default)]
    pub junk: f64,
    /// Megabytes per submission.
    #[serde(default = "default_size")]
    pub size_mb: Distribution,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<RawRatingUse>,
}

fn default_size() -> Distribution {
    Distribution::Constant { value: 1.0 }
}

/// Each active agent that has not rated yet rates at `rate` per hour (a hazard).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRatingUse {
    /// Ratings per hour of an agent that has not rated yet (required; optional here only
    /// so that a file with the old `p` gets the message about `p`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// The old per-step probability: always refused, with the `rate` to write instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<f64>,
    /// Stars given (rounded to a whole star from 1 to 5).
    pub stars: Distribution,
}

fn default_seed() -> u64 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTime {
    /// Wall-clock start of the run, for diurnal activity (TOML date-time).
    #[serde(default = "default_start")]
    pub start: toml::value::Datetime,
    #[serde(default = "default_duration")]
    pub duration: String,
    #[serde(default = "default_dt")]
    pub dt: String,
}

impl Default for RawTime {
    fn default() -> Self {
        Self {
            start: default_start(),
            duration: default_duration(),
            dt: default_dt(),
        }
    }
}

fn default_start() -> toml::value::Datetime {
    "2020-06-01T00:00:00Z".parse().expect("valid literal")
}
fn default_duration() -> String {
    "24h".into()
}
fn default_dt() -> String {
    "1m".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMetrics {
    #[serde(default = "default_sample_every")]
    pub sample_every: String,
    #[serde(default = "default_levels")]
    pub domination_levels: Vec<f64>,
    #[serde(default = "default_hold")]
    pub domination_hold: String,
}

impl Default for RawMetrics {
    fn default() -> Self {
        Self {
            sample_every: default_sample_every(),
            domination_levels: default_levels(),
            domination_hold: default_hold(),
        }
    }
}

fn default_sample_every() -> String {
    "10m".into()
}
fn default_levels() -> Vec<f64> {
    vec![0.5, 0.9]
}
fn default_hold() -> String {
    "0s".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    #[serde(default = "default_memory_mb")]
    pub memory_mb: u64,
}

impl Default for RawLimits {
    fn default() -> Self {
        Self {
            memory_mb: default_memory_mb(),
        }
    }
}

fn default_memory_mb() -> u64 {
    8192
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeed {
    #[serde(default = "default_latest_window")]
    pub latest_window: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trending: Option<RawTrending>,
    #[serde(default)]
    pub top: RawTop,
}

/// The Top tab: the `window` posts with the best `engagement / (age_hours + 2)^gravity`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTop {
    #[serde(default = "default_latest_window")]
    pub window: i64,
    #[serde(default = "default_gravity")]
    pub gravity: f64,
    /// How often the ranking is computed again (a duration).
    #[serde(default = "default_rerank")]
    pub every: String,
}

impl Default for RawTop {
    fn default() -> Self {
        RawTop {
            window: default_latest_window(),
            gravity: default_gravity(),
            every: default_rerank(),
        }
    }
}

fn default_rerank() -> String {
    "1m".into()
}

fn default_gravity() -> f64 {
    1.8
}

fn default_latest_window() -> i64 {
    20
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrending {
    pub window: String,
    /// The hashtag trends while the window holds more than this many posts.
    pub threshold: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPopulation {
    pub size: i64,
    /// Posts per hour of an active agent, drawn once per agent (default: never posts).
    #[serde(default = "default_rate")]
    pub rate: Distribution,
    #[serde(default)]
    pub diurnal: RawDiurnal,
    #[serde(default = "default_timezones")]
    pub timezones: Vec<RawTimezone>,
    /// Default: every feed with weight 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targeting: Option<RawTargeting>,
    #[serde(default = "default_content")]
    pub content: BTreeMap<String, f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobilisation: Option<RawMobilisation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fatigue: Option<RawFatigue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discouragement: Option<RawDiscouragement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<RawReading>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<RawAppUse>,
}

/// How a population browses feeds (readers).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReading {
    /// Browses per hour, drawn once per agent.
    pub rate: Distribution,
    /// Which feed a browse opens, by weight.
    pub feeds: BTreeMap<String, f64>,
    /// Probability that a browse opens the Top tab rather than Latest.
    #[serde(default = "default_top_share")]
    pub top_share: f64,
    /// Probability of engaging with an item shown, by content kind (others: 0).
    #[serde(default)]
    pub appeal: BTreeMap<String, f64>,
    /// Share of engagements that are reposts (shown to the reader's followers).
    #[serde(default)]
    pub repost_share: f64,
}

fn default_top_share() -> f64 {
    0.5
}

/// Platform moderation (optional).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModeration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RawRateLimit>,
    /// Probability that a post of each kind is flagged (others: 0).
    #[serde(default)]
    pub flag: BTreeMap<String, f64>,
    /// Flagged posts are removed this long after they were posted.
    #[serde(default = "default_removal_delay")]
    pub removal_delay: String,
    /// Removals after which an account is suspended (0: never).
    #[serde(default)]
    pub suspend_after: i64,
    /// A hashtag cannot trend while flagged posts are more than this share of its
    /// trending window (1: never de-trended).
    #[serde(default = "default_detrend")]
    pub detrend_above: f64,
}

fn default_removal_delay() -> String {
    "30m".into()
}

fn default_detrend() -> f64 {
    1.0
}

/// At most `posts` posts per account in each `per` window (aligned to the start).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRateLimit {
    pub posts: i64,
    pub per: String,
}

fn default_rate() -> Distribution {
    Distribution::Constant { value: 0.0 }
}

fn default_timezones() -> Vec<RawTimezone> {
    vec![RawTimezone {
        utc_offset: 0.0,
        share: 1.0,
    }]
}

fn default_content() -> BTreeMap<String, f64> {
    BTreeMap::from([("text".to_string(), 1.0)])
}

/// Activity by local hour: a named profile or 24 relative weights.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum RawDiurnal {
    Named(String),
    Hourly(Vec<f64>),
}

impl Default for RawDiurnal {
    fn default() -> Self {
        RawDiurnal::Named("flat".into())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTimezone {
    /// Hours ahead of UTC (e.g. 9 for Seoul, -5 for Dallas in summer).
    pub utc_offset: f64,
    pub share: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawTargeting {
    /// Each agent posts into one feed, drawn by these weights when it activates.
    Weights { weights: BTreeMap<String, f64> },
    /// Every post goes where the population's own share of Latest is lowest.
    LeastDominated { feeds: Vec<String> },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMobilisation {
    #[serde(default)]
    pub initial_active: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_to_action: Option<RawCallToAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cascade: Option<RawCascade>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broadcast: Option<RawBroadcast>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCallToAction {
    pub at: String,
    pub fraction: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawCascade {
    Independent {
        p: f64,
        #[serde(default = "default_delay")]
        delay: String,
    },
    Threshold {
        threshold: Distribution,
        #[serde(default = "default_delay")]
        delay: String,
    },
}

fn default_delay() -> String {
    "0s".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBroadcast {
    pub feed: String,
    /// Activations per hour of a dormant agent while `feed` trends (required; see
    /// [`RawRatingUse::rate`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// The old per-step probability: always refused, with the `rate` to write instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFatigue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub half_life: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_hours: Option<Distribution>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDiscouragement {
    pub below_share: f64,
    /// Quits (or moves) per hour of an agent while its share is below `below_share`
    /// (required; see [`RawRatingUse::rate`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// The old per-step probability: always refused, with the `rate` to write instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<f64>,
    #[serde(default)]
    pub action: DiscouragementAction,
    /// Posting-rate multiplier of `action = "escalate"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
}

/// What a discouraged agent does.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DiscouragementAction {
    #[default]
    Quit,
    /// Move to the population's other target feed where its own share is highest (even
    /// if that is below the level too); with no other target feed, quit.
    Move,
    /// Stay and counter-flood: post `factor` times as often from then on (once).
    Escalate,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "generator", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawNetwork {
    ErdosRenyi {
        mean_degree: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        populations: Option<Vec<String>>,
    },
    BarabasiAlbert {
        m: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        populations: Option<Vec<String>>,
    },
    WattsStrogatz {
        k: i64,
        beta: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        populations: Option<Vec<String>>,
    },
    BlockModel {
        populations: Vec<String>,
        density: Vec<Vec<f64>>,
    },
    EdgeList {
        edges: String,
        nodes: String,
        #[serde(default)]
        undirected: bool,
    },
}
