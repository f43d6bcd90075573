//! Raw scenario -> validated [`Scenario`]: ranges, cross references, units, memory.
//!
//! Every check names the key path, the value and what was expected. Errors raised here
//! come after deserialisation, so they carry paths rather than line numbers.

mod app_table;
mod checks;
mod network_table;
mod population_table;

use std::collections::BTreeSet;

use super::error::{ScenarioError, invalid};
use super::limits::{MAX_EXPECTED_BROWSES, MAX_EXPECTED_WORK};
use super::names;
use super::raw::*;
use super::*;
use checks::{duration, quoted, utc_second_of_day};

/// Most steps a run may have.
pub(super) const MAX_STEPS: f64 = 50_000_000.0;

pub(super) fn validate(raw: RawScenario, files: &Inputs) -> Result<Scenario, ScenarioError> {
    names::check_scenario(&raw.name)?;
    let dt = duration("time.dt", &raw.time.dt)?.as_secs_f64();
    if dt <= 0.0 {
        return Err(invalid("time.dt", quoted(&raw.time.dt), "a duration > 0"));
    }
    let mut units = Units {
        dt,
        dt_text: raw.time.dt.clone(),
        run_steps: 0,
    };
    let steps = units.steps("time.duration", &raw.time.duration)?;
    units.run_steps = steps;
    let to_steps = |path: &str, text: &str| units.steps(path, text);
    if steps == 0 {
        return Err(invalid(
            "time.duration",
            quoted(&raw.time.duration),
            "a duration >= time.dt",
        ));
    }
    let time = Time {
        dt_seconds: dt,
        steps,
        start_utc_second_of_day: utc_second_of_day(&raw.time.start)?,
    };

    let sample_every_steps = to_steps("metrics.sample_every", &raw.metrics.sample_every)?;
    if sample_every_steps == 0 {
        return Err(invalid(
            "metrics.sample_every",
            quoted(&raw.metrics.sample_every),
            "a duration >= time.dt",
        ));
    }
    for (i, &level) in raw.metrics.domination_levels.iter().enumerate() {
        if !(level > 0.0 && level <= 1.0) {
            return Err(invalid(
                format!("metrics.domination_levels[{i}]"),
                level,
                "a share in (0, 1]",
            ));
        }
        if raw.metrics.domination_levels[..i].contains(&level) {
            return Err(invalid(
                format!("metrics.domination_levels[{i}]"),
                level,
                "each level listed once",
            ));
        }
    }
    let metrics = MetricsConfig {
        sample_every_steps,
        levels: raw.metrics.domination_levels.clone(),
        hold_steps: to_steps("metrics.domination_hold", &raw.metrics.domination_hold)?,
    };

    if raw.feeds.is_empty() {
        return Err(invalid(
            "feeds",
            "{}",
            "at least one feed, e.g. [feeds.MyHashtag]",
        ));
    }
    if raw.feeds.len() > 255 {
        return Err(invalid("feeds", raw.feeds.len(), "at most 255 feeds"));
    }
    names::check_feed_files(raw.feeds.keys())?;
    let mut feeds = Vec::new();
    for (name, f) in &raw.feeds {
        let path = format!("feeds.{name}");
        names::check_label(&path, name, false)?;
        if !(1..=1_000_000).contains(&f.latest_window) {
            return Err(invalid(
                format!("{path}.latest_window"),
                f.latest_window,
                "a whole number from 1 to 1000000",
            ));
        }
        let trending = match &f.trending {
            None => None,
            Some(t) => {
                let window_steps = to_steps(&format!("{path}.trending.window"), &t.window)?;
                if window_steps == 0 {
                    return Err(invalid(
                        format!("{path}.trending.window"),
                        quoted(&t.window),
                        "a duration >= time.dt",
                    ));
                }
                if t.threshold < 1 {
                    return Err(invalid(
                        format!("{path}.trending.threshold"),
                        t.threshold,
                        "a post count >= 1",
                    ));
                }
                Some(Trending {
                    window_steps,
                    threshold: t.threshold as u64,
                })
            }
        };
        if !(1..=1_000_000).contains(&f.top.window) {
            return Err(invalid(
                format!("{path}.top.window"),
                f.top.window,
                "a whole number from 1 to 1000000",
            ));
        }
        if !(f.top.gravity.is_finite() && (0.0..=10.0).contains(&f.top.gravity)) {
            return Err(invalid(
                format!("{path}.top.gravity"),
                f.top.gravity,
                "a number from 0 to 10",
            ));
        }
        let rerank = {
            let key = format!("{path}.top.every");
            let every = duration(&key, &f.top.every)?.as_secs_f64();
            let ratio = every / units.dt;
            let whole = |x: f64| (x - x.round()).abs() < 1e-6;
            if every > 0.0 && ratio >= 1.0 && whole(ratio) && ratio <= MAX_STEPS {
                Rerank {
                    per_step: 1,
                    every_steps: ratio.round() as u32,
                }
            } else if every > 0.0 && ratio < 1.0 && whole(1.0 / ratio) && 1.0 / ratio <= 64.0 {
                Rerank {
                    per_step: (1.0 / ratio).round() as u32,
                    every_steps: 1,
                }
            } else {
                return Err(invalid(
                    key,
                    quoted(&f.top.every),
                    &format!(
                        "a whole multiple of time.dt (= {}) or a whole fraction of it (at most 64 per step)",
                        units.dt_text
                    ),
                ));
            }
        };
        feeds.push(Feed {
            name: name.clone(),
            tabs: vec![
                Tab {
                    name: "latest".into(),
                    size: f.latest_window as usize,
                    ranking: Ranking::Latest,
                },
                Tab {
                    name: "top".into(),
                    size: f.top.window as usize,
                    ranking: Ranking::Top {
                        gravity: f.top.gravity,
                    },
                },
            ],
            trending,
            rerank,
        });
    }

    if raw.populations.is_empty() {
        return Err(invalid(
            "populations",
            "{}",
            "at least one population, e.g. [populations.fans]",
        ));
    }
    if raw.populations.len() > 255 {
        return Err(invalid(
            "populations",
            raw.populations.len(),
            "at most 255 populations",
        ));
    }
    let names = Names {
        feeds: raw.feeds.keys().cloned().collect(),
        trending: raw.feeds.values().map(|f| f.trending.is_some()).collect(),
        kinds: raw
            .populations
            .values()
            .flat_map(|p| p.content.keys().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
    };
    let mut populations = Vec::new();
    let mut first_agent: u64 = 0;
    for (name, p) in &raw.populations {
        names::check_label(&format!("populations.{name}"), name, true)?;
        let pop = population_table::population(name, p, first_agent, &units, &names)?;
        first_agent += pop.size as u64;
        if first_agent >= u32::MAX as u64 {
            return Err(invalid(
                format!("populations.{name}.size"),
                p.size,
                &format!(
                    "a total of fewer than 4294967295 agents over all populations (this one brings it to {first_agent})"
                ),
            ));
        }
        populations.push(pop);
    }

    let network = match &raw.network {
        None => None,
        Some(n) => Some(network_table::network_config(n, &raw.populations, files)?),
    };

    let moderation = match &raw.moderation {
        None => None,
        Some(m) => Some(moderation(m, &units, &names)?),
    };
    let app = match &raw.app {
        None => {
            if let Some((name, _)) = raw.populations.iter().find(|(_, p)| p.app.is_some()) {
                return Err(invalid(
                    format!("populations.{name}.app"),
                    "a table",
                    "an [app] table describing the app it submits to",
                ));
            }
            None
        }
        Some(a) => Some(app_table::app(a, &units)?),
    };
    let mut scenario = Scenario {
        name: raw.name.clone(),
        seed: raw.seed,
        time,
        metrics,
        feeds,
        kinds: names.kinds,
        populations,
        network,
        moderation,
        app,
        memory_limit_mb: raw.limits.memory_mb,
        resolved: raw,
        hash: String::new(),
    };
    check_size(&scenario)?;
    scenario.hash = scenario_hash(&scenario.resolved, &scenario.network);
    Ok(scenario)
}

/// Durations in the scenario's time step.
pub(super) struct Units {
    /// Seconds per step.
    pub dt: f64,
    /// `time.dt` as written, for messages.
    pub dt_text: String,
    /// Steps in the run.
    pub run_steps: u32,
}

impl Units {
    /// A duration as a whole number of steps (at most [`MAX_STEPS`]).
    pub fn steps(&self, path: &str, text: &str) -> Result<u32, ScenarioError> {
        let secs = duration(path, text)?.as_secs_f64();
        let steps = secs / self.dt;
        if (steps - steps.round()).abs() > 1e-6 || steps > MAX_STEPS {
            return Err(invalid(
                path,
                quoted(text),
                &format!(
                    "a whole number of time steps (time.dt = {}), at most {MAX_STEPS}",
                    self.dt_text
                ),
            ));
        }
        Ok(steps.round() as u32)
    }
}

/// Names that keys refer to.
pub(super) struct Names {
    pub feeds: Vec<String>,
    /// Whether each feed has a trending rule.
    pub trending: Vec<bool>,
    pub kinds: Vec<String>,
}

impl Names {
    /// Feed weights by name -> probabilities by feed index.
    pub fn feed_weights(
        &self,
        path: &str,
        weights: &std::collections::BTreeMap<String, f64>,
    ) -> Result<Vec<f64>, ScenarioError> {
        if weights.is_empty() {
            return Err(invalid(path, "{}", "at least one feed with a weight"));
        }
        let mut w = vec![0.0; self.feeds.len()];
        for (feed, &weight) in weights {
            let f = self.feed_index(&format!("{path}.{feed}"), feed)?;
            if !(weight.is_finite() && weight >= 0.0) {
                return Err(invalid(format!("{path}.{feed}"), weight, "a weight >= 0"));
            }
            w[f] = weight;
        }
        checks::normalised(path, w, "weight")
    }

    /// Probabilities by content kind name -> by kind index (unlisted kinds: 0).
    pub fn kind_probabilities(
        &self,
        path: &str,
        by_kind: &std::collections::BTreeMap<String, f64>,
    ) -> Result<Vec<f64>, ScenarioError> {
        let mut out = vec![0.0; self.kinds.len()];
        for (kind, &p) in by_kind {
            let key = format!("{path}.{kind}");
            let k = self.kinds.iter().position(|k| k == kind).ok_or_else(|| {
                invalid(
                    &key,
                    quoted(kind),
                    &format!(
                        "a content kind some population posts: {}",
                        self.kinds.join(", ")
                    ),
                )
            })?;
            checks::probability(&key, p)?;
            out[k] = p;
        }
        Ok(out)
    }

    /// Index of the feed `name`, referred to at `path`.
    pub fn feed_index(&self, path: &str, name: &str) -> Result<usize, ScenarioError> {
        self.feeds.iter().position(|f| f == name).ok_or_else(|| {
            invalid(
                path,
                quoted(name),
                &format!("one of the feeds: {}", self.feeds.join(", ")),
            )
        })
    }
}

fn moderation(
    m: &RawModeration,
    units: &Units,
    names: &Names,
) -> Result<Moderation, ScenarioError> {
    let rate_limit = match &m.rate_limit {
        None => None,
        Some(r) => {
            if !(1..=u32::MAX as i64).contains(&r.posts) {
                return Err(invalid(
                    "moderation.rate_limit.posts",
                    r.posts,
                    "a post count >= 1",
                ));
            }
            let per_steps = units.steps("moderation.rate_limit.per", &r.per)?;
            if per_steps == 0 {
                return Err(invalid(
                    "moderation.rate_limit.per",
                    quoted(&r.per),
                    "a duration >= time.dt",
                ));
            }
            Some(RateLimit {
                posts: r.posts as u32,
                per_steps,
            })
        }
    };
    if !(0..=65_535).contains(&m.suspend_after) {
        return Err(invalid(
            "moderation.suspend_after",
            m.suspend_after,
            "a number of removals from 0 (never suspend) to 65535",
        ));
    }
    checks::probability("moderation.detrend_above", m.detrend_above)?;
    Ok(Moderation {
        rate_limit,
        flag: names.kind_probabilities("moderation.flag", &m.flag)?,
        removal_delay_steps: units.steps("moderation.removal_delay", &m.removal_delay)?,
        suspend_after: (m.suspend_after > 0).then_some(m.suspend_after as u32),
        detrend_above: m.detrend_above,
    })
}

/// Refuses a scenario whose estimated memory (one run) is over `limits.memory_mb`, or
/// whose expected work is over the caps of [`crate::scenario::limits`]. (The loader has
/// refused edge-list files too large to hold before reading them.)
fn check_size(s: &Scenario) -> Result<(), ScenarioError> {
    let e = crate::memory::estimate(s);
    if e.work > MAX_EXPECTED_WORK {
        return Err(ScenarioError::TooMuchWork {
            what: "operations",
            expected: e.work,
            max: MAX_EXPECTED_WORK,
            detail: e.work_detail(),
        });
    }
    if e.browses > MAX_EXPECTED_BROWSES {
        return Err(ScenarioError::TooMuchWork {
            what: "browses",
            expected: e.browses,
            max: MAX_EXPECTED_BROWSES,
            detail: "reading populations' sizes x browse rates x duration".into(),
        });
    }
    e.check(s.memory_limit_mb, 1, 1)
}

/// SHA-256 of the resolved scenario with seed 0 and edge-list paths replaced by the hash
/// of the files' contents: the same scenario has the same hash under any seed and from
/// any folder, and a changed edge list changes it.
fn scenario_hash(raw: &RawScenario, network: &Option<Network>) -> String {
    let mut identity = RawScenario {
        seed: 0,
        ..raw.clone()
    };
    if let (
        Some(RawNetwork::EdgeList { edges, nodes, .. }),
        Some(Network {
            source:
                NetworkSource::EdgeList {
                    edges: edges_file,
                    nodes: nodes_file,
                    ..
                },
            ..
        }),
    ) = (&mut identity.network, network)
    {
        *edges = format!("sha256:{}", edges_file.sha256());
        *nodes = format!("sha256:{}", nodes_file.sha256());
    }
    let text = toml::to_string(&identity).expect("scenario serialises");
    crate::digest::sha256_hex(text.as_bytes())
}
