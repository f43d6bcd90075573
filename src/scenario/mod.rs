//! Scenario files: TOML in, a validated [`Scenario`] out.
//!
//! Two stages, as in ripgrep's low/high args: [`raw`] keeps what the user wrote (serde
//! shape, unknown keys rejected, defaults filled in) and `validate` turns it into typed,
//! range-checked values in simulation units (steps, per-step rates, indices instead of
//! names). Nothing downstream re-checks or sees a name lookup fail. Both stages are pure:
//! the files a scenario names arrive as bytes ([`inputs`]), read by [`crate::load`].

pub mod distribution;
pub mod error;
pub mod inputs;
pub mod limits;
pub mod names;
pub mod raw;
mod validate;

pub use distribution::{Capped, CappedSampler, Distribution, Sampler};
pub use error::ScenarioError;
pub use inputs::{Inputs, LoadedFile, Unread};
pub use raw::DiscouragementAction;

use crate::network::Generator;

/// A validated scenario, in simulation units.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    /// Seed used when the caller gives none.
    pub seed: u64,
    pub time: Time,
    pub metrics: MetricsConfig,
    pub feeds: Vec<Feed>,
    /// Content kinds across all populations, sorted; posts carry an index into this.
    pub kinds: Vec<String>,
    /// Populations in name order; agents are numbered population by population.
    pub populations: Vec<Population>,
    pub network: Option<Network>,
    pub moderation: Option<Moderation>,
    pub app: Option<App>,
    pub memory_limit_mb: u64,
    /// The scenario as read, with every default filled in.
    pub resolved: raw::RawScenario,
    /// SHA-256 (hex) of the resolved scenario with its seed set to 0: identifies the
    /// scenario in every output; the seed is recorded beside it.
    pub hash: String,
}

/// The clock of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Time {
    pub dt_seconds: f64,
    pub steps: u32,
    /// Seconds after UTC midnight at which the run starts (for diurnal activity).
    pub start_utc_second_of_day: f64,
}

/// What is measured and how often.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsConfig {
    pub sample_every_steps: u32,
    pub levels: Vec<f64>,
    pub hold_steps: u32,
}

/// One hashtag feed: the tabs a reader can open, and its trending rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    pub name: String,
    /// The feed's tabs, in order (the same names in every feed). The first is always the
    /// reverse-chronological Latest tab ([`LATEST`]): its size is how many of a step's
    /// newest posts the feed takes in, and the other tabs rank what it took in.
    pub tabs: Vec<Tab>,
    pub trending: Option<Trending>,
    /// When the ranked tabs rank again: on a grid fixed in time (`top.every`), so what
    /// they show does not depend on `time.dt`.
    pub rerank: Rerank,
}

/// The re-ranking grid of a feed's ranked tabs: `per_step` times within each step (at
/// equal intervals, the last at its end), or at the end of every `every_steps`-th step.
/// One of the two is 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rerank {
    pub per_step: u32,
    pub every_steps: u32,
}

impl Feed {
    /// `K`: how many of the most recent posts the Latest tab shows.
    pub fn latest_window(&self) -> usize {
        self.tabs[LATEST].size
    }
}

/// Index of the Latest tab in [`Feed::tabs`]: the tab that discouragement and
/// least-dominated targeting look at, and that the teaching animation shows.
pub const LATEST: usize = 0;

/// One tab of a feed: its name (a column of the time series and a key of the summary),
/// how many posts it shows, and how it ranks them.
#[derive(Debug, Clone, PartialEq)]
pub struct Tab {
    pub name: String,
    pub size: usize,
    pub ranking: Ranking,
}

/// How a tab chooses the posts it shows (the engine's rankers implement these).
#[derive(Debug, Clone, PartialEq)]
pub enum Ranking {
    /// Reverse-chronological: the `size` most recent posts.
    Latest,
    /// The `size` posts with the best `engagement / (age_hours + 2)^gravity`.
    Top { gravity: f64 },
}

/// A hashtag trends while its post count over the last `window_steps` is more than
/// `threshold`.
#[derive(Debug, Clone, PartialEq)]
pub struct Trending {
    pub window_steps: u32,
    pub threshold: u64,
}

/// One named population of agents.
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    pub name: String,
    pub size: u32,
    /// Global id of the population's first agent; its agents are `first..first + size`.
    pub first_agent: u32,
    /// Posts per step of an active agent at diurnal factor 1 (draws capped).
    pub rate_per_step: Capped,
    /// Relative activity by local hour, mean 1.
    pub diurnal: [f64; 24],
    /// `(utc_offset_hours, share)`, shares summing to 1.
    pub timezones: Vec<(f64, f64)>,
    pub targeting: Targeting,
    /// Probability of each kind in [`Scenario::kinds`] order, summing to 1.
    pub content: Vec<f64>,
    pub mobilisation: Mobilisation,
    pub fatigue: Fatigue,
    pub discouragement: Option<Discouragement>,
    pub reading: Option<Reading>,
    pub app: Option<AppUse>,
}

/// How a population uses the app. Its active agents submit and rate.
#[derive(Debug, Clone, PartialEq)]
pub struct AppUse {
    /// Submissions per step per agent (draws capped).
    pub submit_per_step: Capped,
    pub junk: f64,
    /// Megabytes per submission (draws capped).
    pub size_mb: Capped,
    pub rating: Option<RatingUse>,
}

/// Each active agent that has not rated yet rates at a constant hazard.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingUse {
    /// Hazard per step: `rating.rate` (per hour) times dt in hours. The chance of rating
    /// within one step is [`chance_in_step`] of it.
    pub rate_per_step: f64,
    pub stars: Distribution,
}

/// The app: ingest, outages, review, store rating.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub capacity: Capacity,
    /// Per step (count or megabytes).
    pub capacity_per_step: f64,
    pub outage_window_steps: u32,
    pub recovery_steps: u32,
    pub reviewers: u32,
    /// Steps per review.
    pub service_steps: Distribution,
    pub triage_accuracy: Option<f64>,
    pub sla_steps: u32,
    pub initial_count: u64,
    pub initial_mean: f64,
    pub alert_below: f64,
    pub visibility: Option<(f64, f64)>,
}

/// What ingest capacity counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capacity {
    Count,
    Megabytes,
}

/// How a population browses feeds. Its active agents read (mobilised, not quit, not
/// suspended); without a mobilisation table that is every agent from the start.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Browses per step per agent at diurnal factor 1 (draws capped).
    pub rate_per_step: Capped,
    /// Probability per feed (indexed like [`Scenario::feeds`]) that a browse opens it.
    pub feeds: Vec<f64>,
    /// Probability per tab (indexed like [`Feed::tabs`]) that a browse opens it.
    pub tabs: Vec<f64>,
    /// Engagement probability per item shown, by kind (indexed like [`Scenario::kinds`]).
    pub appeal: Vec<f64>,
    pub repost_share: f64,
}

impl Population {
    /// The population's global agent id range.
    pub fn agents(&self) -> std::ops::Range<u32> {
        self.first_agent..self.first_agent + self.size
    }
}

/// Where an agent's posts go.
#[derive(Debug, Clone, PartialEq)]
pub enum Targeting {
    /// Probability per feed (indexed like [`Scenario::feeds`]) of an agent's home feed.
    Weights(Vec<f64>),
    /// Every post goes to the listed feed where the population's Latest share is lowest.
    LeastDominated(Vec<usize>),
}

impl Targeting {
    /// Feeds this population may post into.
    pub fn feeds(&self) -> Vec<usize> {
        match self {
            Targeting::Weights(w) => (0..w.len()).filter(|&f| w[f] > 0.0).collect(),
            Targeting::LeastDominated(f) => f.clone(),
        }
    }
}

/// How dormant agents become active.
#[derive(Debug, Clone, PartialEq)]
pub struct Mobilisation {
    /// Fraction active at the start.
    pub initial_active: f64,
    pub call_to_action: Option<CallToAction>,
    pub cascade: Option<Cascade>,
    /// Mean of the exponential delay, in steps (not rounded), between being reached
    /// through the network and activating.
    pub cascade_delay_steps: f64,
    pub broadcast: Option<Broadcast>,
}

/// At time `at` (in steps, not necessarily whole), each still-dormant agent activates
/// with probability `fraction`.
#[derive(Debug, Clone, PartialEq)]
pub struct CallToAction {
    pub at: f64,
    pub fraction: f64,
}

/// Activation through the follower network; the model of the *receiving* agent applies.
#[derive(Debug, Clone, PartialEq)]
pub enum Cascade {
    /// Each newly active followee gives one activation chance `p` (independent cascade).
    Independent { p: f64 },
    /// Activate once the active fraction of followees reaches the agent's threshold (Watts 2002).
    Threshold { threshold: Distribution },
}

/// While `feed` trends, each dormant agent activates at a constant hazard.
#[derive(Debug, Clone, PartialEq)]
pub struct Broadcast {
    pub feed: usize,
    /// Hazard per step: `broadcast.rate` (per hour) times dt in hours. The chance of
    /// activating within one step is [`chance_in_step`] of it.
    pub rate_per_step: f64,
}

/// How activity wanes after activation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fatigue {
    /// Activity halves every this many steps after activation.
    pub half_life_steps: Option<f64>,
    /// Steps an agent stays active before stopping (drawn per activation).
    pub active_steps: Option<Distribution>,
}

/// Reaction to losing a feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Discouragement {
    pub below_share: f64,
    /// Hazard per step of quitting (or moving), while the agent's own population's share
    /// of its feed's Latest is below `below_share`: `discouragement.rate` (per hour) times
    /// dt in hours. The chance within one step is [`chance_in_step`] of it.
    pub rate_per_step: f64,
    pub action: DiscouragementAction,
    /// Posting-rate multiplier of an agent that escalates (1 for the other actions).
    pub factor: f64,
}

/// Platform moderation.
#[derive(Debug, Clone, PartialEq)]
pub struct Moderation {
    pub rate_limit: Option<RateLimit>,
    /// Probability that a post is flagged, by kind (indexed like [`Scenario::kinds`]).
    pub flag: Vec<f64>,
    pub removal_delay_steps: u32,
    /// Removals before suspension; `None`: never suspended.
    pub suspend_after: Option<u32>,
    pub detrend_above: f64,
}

/// At most `posts` posts per account per window of `per_steps` steps.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimit {
    pub posts: u32,
    pub per_steps: u32,
}

/// The follower network and which populations it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    pub source: NetworkSource,
    /// Indices of the populations whose agents are nodes of the network.
    pub populations: Vec<usize>,
}

/// Where the follower network comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum NetworkSource {
    Generated(Generator),
    /// CSV files (named relative to the scenario file's folder), as the loader read them.
    EdgeList {
        edges: LoadedFile,
        nodes: LoadedFile,
        undirected: bool,
    },
}

/// The chance that an event of constant hazard `h` (expected events in the time
/// considered, e.g. a `rate_per_step`) happens at least once in that time: 1 - exp(-h).
/// Exact for a constant hazard, so a rate means the same whatever `time.dt` is.
pub fn chance_in_step(h: f64) -> f64 {
    -(-h).exp_m1()
}

impl Scenario {
    /// Parses and validates TOML text, without touching the disk. `default_name` names
    /// the scenario when the text does not; the files it names (edge lists) are looked up
    /// in `files`, which [`crate::load`] reads beforehand (`Inputs::default()` gives none).
    pub fn from_toml(
        text: &str,
        default_name: &str,
        files: &Inputs,
    ) -> Result<Scenario, ScenarioError> {
        Self::from_raw(toml::from_str(text)?, default_name, files)
    }

    /// Validates an already parsed scenario (sweeps build these by changing keys); pure,
    /// like [`Scenario::from_toml`].
    pub fn from_raw(
        mut raw: raw::RawScenario,
        default_name: &str,
        files: &Inputs,
    ) -> Result<Scenario, ScenarioError> {
        if raw.name.is_empty() {
            raw.name = names::sanitised(default_name);
        }
        validate::validate(raw, files)
    }

    /// The resolved scenario as TOML for a run with `seed`: every default filled in and
    /// edge-list paths made absolute, so running it reproduces the run.
    pub fn resolved_toml(&self, seed: u64) -> String {
        let mut raw = self.resolved.clone();
        raw.seed = seed;
        if let (
            Some(raw::RawNetwork::EdgeList { edges, nodes, .. }),
            Some(Network {
                source:
                    NetworkSource::EdgeList {
                        edges: abs_edges,
                        nodes: abs_nodes,
                        ..
                    },
                ..
            }),
        ) = (&mut raw.network, &self.network)
        {
            *edges = abs_edges.path().display().to_string();
            *nodes = abs_nodes.path().display().to_string();
        }
        toml::to_string(&raw).expect("scenario serialises")
    }

    /// The population of agent `agent` (populations hold consecutive ids, in order).
    ///
    /// # Panics
    /// If `agent` is not below [`Scenario::agent_count`].
    #[inline]
    pub fn population_of(&self, agent: u32) -> usize {
        self.populations
            .iter()
            .position(|p| agent < p.first_agent + p.size)
            .expect("agent ids are below the total")
    }

    /// Total number of agents.
    pub fn agent_count(&self) -> u64 {
        self.populations.iter().map(|p| p.size as u64).sum()
    }

    /// The names of the feeds' tabs, in order (every feed has the same tabs).
    pub fn tab_names(&self) -> Vec<String> {
        self.feeds
            .first()
            .map(|f| f.tabs.iter().map(|t| t.name.clone()).collect())
            .unwrap_or_default()
    }

    /// Index of the feed called `name`.
    pub fn feed_index(&self, name: &str) -> Option<usize> {
        self.feeds.iter().position(|f| f.name == name)
    }

    /// Index of the population called `name`.
    pub fn population_index(&self, name: &str) -> Option<usize> {
        self.populations.iter().position(|p| p.name == name)
    }
}
