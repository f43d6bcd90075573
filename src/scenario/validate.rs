//! Raw scenario -> validated [`Scenario`]: ranges, cross references, units, memory.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::error::{ScenarioError, invalid};
use super::raw::*;
use super::*;
use crate::network::{self, Generator};

/// Relative activity by local hour for `diurnal = "social"`: quiet before dawn, peaking in
/// the evening, the usual shape of social-media activity curves.
const SOCIAL_PROFILE: [f64; 24] = [
    0.90, 0.60, 0.40, 0.30, 0.25, 0.30, 0.45, 0.65, 0.80, 0.90, 0.95, 1.00, 1.05, 1.05, 1.05, 1.10,
    1.15, 1.20, 1.30, 1.40, 1.50, 1.55, 1.45, 1.20,
];

/// Per-agent bytes of simulation state, used for the memory estimate (see `sim::shard`).
pub const BYTES_PER_AGENT: u64 = 40;
/// Extra per-agent bytes when a population uses the threshold model.
pub const BYTES_PER_THRESHOLD_AGENT: u64 = 8;
/// Most steps a run may have.
const MAX_STEPS: f64 = 50_000_000.0;

pub(super) fn validate(raw: RawScenario, base_dir: &Path) -> Result<Scenario, ScenarioError> {
    let resolved_toml = toml::to_string(&raw).expect("scenario serialises");
    let hash = hex(&Sha256::digest(resolved_toml.as_bytes()));

    let dt = duration("time.dt", &raw.time.dt)?.as_secs_f64();
    if dt <= 0.0 {
        return Err(invalid("time.dt", quoted(&raw.time.dt), "a duration > 0"));
    }
    let to_steps = |path: &str, text: &str| -> Result<u32, ScenarioError> {
        let secs = duration(path, text)?.as_secs_f64();
        let steps = secs / dt;
        if (steps - steps.round()).abs() > 1e-6 || steps > MAX_STEPS {
            return Err(invalid(
                path,
                quoted(text),
                &format!(
                    "a whole number of time steps (time.dt = {}), at most {MAX_STEPS}",
                    raw.time.dt
                ),
            ));
        }
        Ok(steps.round() as u32)
    };
    let steps = to_steps("time.duration", &raw.time.duration)?;
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
    let feed_names: Vec<String> = raw.feeds.keys().cloned().collect();
    let feed_index = |path: &str, name: &str| -> Result<usize, ScenarioError> {
        feed_names.iter().position(|f| f == name).ok_or_else(|| {
            invalid(
                path,
                quoted(name),
                &format!("one of the feeds: {}", feed_names.join(", ")),
            )
        })
    };
    let mut feeds = Vec::new();
    for (name, f) in &raw.feeds {
        let path = format!("feeds.{name}");
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
        feeds.push(Feed {
            name: name.clone(),
            latest_window: f.latest_window as usize,
            trending,
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
    let kinds: Vec<String> = raw
        .populations
        .values()
        .flat_map(|p| p.content.keys().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut populations = Vec::new();
    let mut first_agent: u64 = 0;
    for (name, p) in &raw.populations {
        let pop = population(
            name,
            p,
            first_agent,
            dt,
            feed_names.len(),
            &kinds,
            &feed_index,
            &to_steps,
        )?;
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
        Some(n) => Some(network_config(n, &raw.populations, base_dir)?),
    };

    let scenario = Scenario {
        name: raw.name.clone(),
        seed: raw.seed,
        time,
        metrics,
        feeds,
        kinds,
        populations,
        network,
        memory_limit_mb: raw.limits.memory_mb,
        resolved_toml,
        hash,
    };
    check_memory(&scenario)?;
    Ok(scenario)
}

#[allow(clippy::too_many_arguments)]
fn population(
    name: &str,
    p: &RawPopulation,
    first_agent: u64,
    dt: f64,
    n_feeds: usize,
    kinds: &[String],
    feed_index: &dyn Fn(&str, &str) -> Result<usize, ScenarioError>,
    to_steps: &dyn Fn(&str, &str) -> Result<u32, ScenarioError>,
) -> Result<Population, ScenarioError> {
    let path = format!("populations.{name}");
    if p.size < 1 || p.size >= u32::MAX as i64 {
        return Err(invalid(
            format!("{path}.size"),
            p.size,
            "a whole number > 0",
        ));
    }
    p.rate.check(&format!("{path}.rate"), true)?;
    let rate_per_step = p.rate.scaled(dt / 3600.0);

    let diurnal = diurnal_profile(&format!("{path}.diurnal"), &p.diurnal)?;
    if p.timezones.is_empty() {
        return Err(invalid(
            format!("{path}.timezones"),
            "[]",
            "at least one { utc_offset, share }",
        ));
    }
    let mut timezones = Vec::new();
    for (i, tz) in p.timezones.iter().enumerate() {
        if !(tz.utc_offset.is_finite() && (-12.0..=14.0).contains(&tz.utc_offset)) {
            return Err(invalid(
                format!("{path}.timezones[{i}].utc_offset"),
                tz.utc_offset,
                "hours from -12 to 14",
            ));
        }
        timezones.push((tz.utc_offset, tz.share));
    }
    let shares = normalised(
        &format!("{path}.timezones"),
        timezones.iter().map(|t| t.1).collect(),
        "share",
    )?;
    for (tz, s) in timezones.iter_mut().zip(shares) {
        tz.1 = s;
    }

    let targeting = match &p.targeting {
        RawTargeting::Weights { weights } => {
            let tpath = format!("{path}.targeting.weights");
            if weights.is_empty() {
                return Err(invalid(tpath, "{}", "at least one feed with a weight"));
            }
            let mut w = vec![0.0; n_feeds];
            for (feed, &weight) in weights {
                let f = feed_index(&format!("{tpath}.{feed}"), feed)?;
                if !(weight.is_finite() && weight >= 0.0) {
                    return Err(invalid(format!("{tpath}.{feed}"), weight, "a weight >= 0"));
                }
                w[f] = weight;
            }
            Targeting::Weights(normalised(&tpath, w, "weight")?)
        }
        RawTargeting::LeastDominated { feeds } => {
            let tpath = format!("{path}.targeting.feeds");
            if feeds.is_empty() {
                return Err(invalid(tpath, "[]", "at least one feed name"));
            }
            let mut idx = Vec::new();
            for (i, f) in feeds.iter().enumerate() {
                let fi = feed_index(&format!("{tpath}[{i}]"), f)?;
                if idx.contains(&fi) {
                    return Err(invalid(
                        format!("{tpath}[{i}]"),
                        quoted(f),
                        "each feed listed once",
                    ));
                }
                idx.push(fi);
            }
            Targeting::LeastDominated(idx)
        }
    };

    let cpath = format!("{path}.content");
    let mut content = vec![0.0; kinds.len()];
    for (kind, &w) in &p.content {
        if !(w.is_finite() && w >= 0.0) {
            return Err(invalid(format!("{cpath}.{kind}"), w, "a weight >= 0"));
        }
        content[kinds
            .iter()
            .position(|k| k == kind)
            .expect("kinds collected from all populations")] = w;
    }
    let content = normalised(&cpath, content, "weight")?;

    let mobilisation = match &p.mobilisation {
        None => Mobilisation {
            initial_active: 1.0,
            call_to_action: None,
            cascade: None,
            cascade_delay_steps: 0.0,
            broadcast: None,
        },
        Some(m) => {
            let mpath = format!("{path}.mobilisation");
            probability(&format!("{mpath}.initial_active"), m.initial_active)?;
            let call_to_action = match &m.call_to_action {
                None => None,
                Some(c) => {
                    probability(&format!("{mpath}.call_to_action.fraction"), c.fraction)?;
                    Some(CallToAction {
                        step: to_steps(&format!("{mpath}.call_to_action.at"), &c.at)?,
                        fraction: c.fraction,
                    })
                }
            };
            let delay = |text: &str| -> Result<f64, ScenarioError> {
                Ok(duration(&format!("{mpath}.cascade.delay"), text)?.as_secs_f64() / dt)
            };
            let (cascade, cascade_delay_steps) = match &m.cascade {
                None => (None, 0.0),
                Some(RawCascade::Independent { p, delay: d }) => {
                    probability(&format!("{mpath}.cascade.p"), *p)?;
                    (Some(Cascade::Independent { p: *p }), delay(d)?)
                }
                Some(RawCascade::Threshold {
                    threshold,
                    delay: d,
                }) => {
                    threshold.check(&format!("{mpath}.cascade.threshold"), false)?;
                    (
                        Some(Cascade::Threshold {
                            threshold: threshold.clone(),
                        }),
                        delay(d)?,
                    )
                }
            };
            let broadcast = match &m.broadcast {
                None => None,
                Some(b) => {
                    let feed = feed_index(&format!("{mpath}.broadcast.feed"), &b.feed)?;
                    probability(&format!("{mpath}.broadcast.p"), b.p)?;
                    Some(Broadcast { feed, p: b.p })
                }
            };
            Mobilisation {
                initial_active: m.initial_active,
                call_to_action,
                cascade,
                cascade_delay_steps,
                broadcast,
            }
        }
    };

    let fatigue = match &p.fatigue {
        None => Fatigue::default(),
        Some(f) => {
            let fpath = format!("{path}.fatigue");
            let half_life_steps = match &f.half_life {
                None => None,
                Some(h) => {
                    let secs = duration(&format!("{fpath}.half_life"), h)?.as_secs_f64();
                    if secs <= 0.0 {
                        return Err(invalid(
                            format!("{fpath}.half_life"),
                            quoted(h),
                            "a duration > 0",
                        ));
                    }
                    Some(secs / dt)
                }
            };
            let active_steps = match &f.active_hours {
                None => None,
                Some(d) => {
                    d.check(&format!("{fpath}.active_hours"), true)?;
                    Some(d.scaled(3600.0 / dt))
                }
            };
            Fatigue {
                half_life_steps,
                active_steps,
            }
        }
    };

    let discouragement = match &p.discouragement {
        None => None,
        Some(d) => {
            let dpath = format!("{path}.discouragement");
            probability(&format!("{dpath}.below_share"), d.below_share)?;
            probability(&format!("{dpath}.p"), d.p)?;
            if d.action == DiscouragementAction::Move
                && matches!(targeting, Targeting::LeastDominated(_))
            {
                return Err(invalid(
                    format!("{dpath}.action"),
                    "\"move\"",
                    "\"quit\" for a population with targeting.mode = \"least_dominated\" (it already posts where its share is lowest)",
                ));
            }
            Some(Discouragement {
                below_share: d.below_share,
                p: d.p,
                action: d.action,
            })
        }
    };

    Ok(Population {
        name: name.to_string(),
        size: p.size as u32,
        first_agent: first_agent as u32,
        rate_per_step,
        diurnal,
        timezones,
        targeting,
        content,
        mobilisation,
        fatigue,
        discouragement,
    })
}

fn network_config(
    n: &RawNetwork,
    pops: &std::collections::BTreeMap<String, RawPopulation>,
    base_dir: &Path,
) -> Result<Network, ScenarioError> {
    let names: Vec<&String> = pops.keys().collect();
    let members = |list: &Option<Vec<String>>| -> Result<Vec<usize>, ScenarioError> {
        match list {
            None => Ok((0..names.len()).collect()),
            Some(list) => resolve_populations("network.populations", list, &names),
        }
    };
    let (source, populations) = match n {
        RawNetwork::ErdosRenyi {
            mean_degree,
            populations,
        } => {
            if !(mean_degree.is_finite() && *mean_degree >= 0.0) {
                return Err(invalid("network.mean_degree", mean_degree, "a number >= 0"));
            }
            (
                NetworkSource::Generated(Generator::ErdosRenyi {
                    mean_degree: *mean_degree,
                }),
                members(populations)?,
            )
        }
        RawNetwork::BarabasiAlbert { m, populations } => {
            if !(1..=10_000).contains(m) {
                return Err(invalid("network.m", m, "a whole number from 1 to 10000"));
            }
            (
                NetworkSource::Generated(Generator::BarabasiAlbert { m: *m as u32 }),
                members(populations)?,
            )
        }
        RawNetwork::WattsStrogatz {
            k,
            beta,
            populations,
        } => {
            if !(2..=10_000).contains(k) || k % 2 != 0 {
                return Err(invalid(
                    "network.k",
                    k,
                    "an even whole number from 2 to 10000",
                ));
            }
            probability("network.beta", *beta)?;
            (
                NetworkSource::Generated(Generator::WattsStrogatz {
                    k: *k as u32,
                    beta: *beta,
                }),
                members(populations)?,
            )
        }
        RawNetwork::BlockModel {
            populations,
            density,
        } => {
            let members = resolve_populations("network.populations", populations, &names)?;
            if density.len() != members.len() {
                return Err(invalid(
                    "network.density",
                    format!("{} rows", density.len()),
                    &format!(
                        "one row per entry of network.populations ({})",
                        members.len()
                    ),
                ));
            }
            for (i, row) in density.iter().enumerate() {
                if row.len() != members.len() {
                    return Err(invalid(
                        format!("network.density[{i}]"),
                        format!("{} entries", row.len()),
                        &format!(
                            "{} entries, one per entry of network.populations",
                            members.len()
                        ),
                    ));
                }
                for (j, &d) in row.iter().enumerate() {
                    probability(&format!("network.density[{i}][{j}]"), d)?;
                }
            }
            (
                NetworkSource::Generated(Generator::StochasticBlock {
                    density: density.clone(),
                }),
                members,
            )
        }
        RawNetwork::EdgeList {
            edges,
            nodes,
            undirected,
        } => {
            let edges_path = base_dir.join(edges);
            let nodes_path = base_dir.join(nodes);
            for (key, p) in [
                ("network.edges", &edges_path),
                ("network.nodes", &nodes_path),
            ] {
                if !p.is_file() {
                    return Err(invalid(
                        key,
                        quoted(&p.display().to_string()),
                        "an existing CSV file (relative paths start at the scenario's folder)",
                    ));
                }
            }
            (
                NetworkSource::EdgeList {
                    edges: edges_path,
                    nodes: nodes_path,
                    undirected: *undirected,
                },
                (0..names.len()).collect(),
            )
        }
    };
    Ok(Network {
        source,
        populations,
    })
}

fn resolve_populations(
    path: &str,
    list: &[String],
    names: &[&String],
) -> Result<Vec<usize>, ScenarioError> {
    if list.is_empty() {
        return Err(invalid(path, "[]", "at least one population name"));
    }
    let mut out = Vec::new();
    for (i, name) in list.iter().enumerate() {
        let idx = names.iter().position(|n| *n == name).ok_or_else(|| {
            let known: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
            invalid(
                format!("{path}[{i}]"),
                quoted(name),
                &format!("one of the populations: {}", known.join(", ")),
            )
        })?;
        if out.contains(&idx) {
            return Err(invalid(
                format!("{path}[{i}]"),
                quoted(name),
                "each population listed once",
            ));
        }
        out.push(idx);
    }
    Ok(out)
}

/// Estimates memory before anything is allocated and refuses scenarios over the limit.
fn check_memory(s: &Scenario) -> Result<(), ScenarioError> {
    let agents = s.agent_count();
    let threshold_agents: u64 = s
        .populations
        .iter()
        .filter(|p| matches!(p.mobilisation.cascade, Some(Cascade::Threshold { .. })))
        .map(|p| p.size as u64)
        .sum();
    let agent_bytes = agents * BYTES_PER_AGENT + threshold_agents * BYTES_PER_THRESHOLD_AGENT;
    let edge_bytes = match &s.network {
        Some(Network {
            source: NetworkSource::Generated(g),
            populations,
        }) => {
            let groups: Vec<_> = populations
                .iter()
                .map(|&i| s.populations[i].agents())
                .collect();
            network::expected_edges(g, &groups) * network::BYTES_PER_EDGE
                + agents * network::BYTES_PER_NODE
        }
        _ => 0,
    };
    let window_bytes: u64 = s.feeds.iter().map(|f| f.latest_window as u64 * 16).sum();
    let needed = agent_bytes + edge_bytes + window_bytes;
    let needed_mb = needed.div_ceil(1 << 20);
    if needed_mb > s.memory_limit_mb {
        return Err(ScenarioError::TooLarge {
            needed_mb,
            limit_mb: s.memory_limit_mb,
            detail: format!(
                "agents {} MB for {agents} agents, network {} MB",
                agent_bytes.div_ceil(1 << 20),
                edge_bytes.div_ceil(1 << 20)
            ),
        });
    }
    Ok(())
}

fn diurnal_profile(path: &str, d: &RawDiurnal) -> Result<[f64; 24], ScenarioError> {
    let values: Vec<f64> = match d {
        RawDiurnal::Named(n) if n == "flat" => vec![1.0; 24],
        RawDiurnal::Named(n) if n == "social" => SOCIAL_PROFILE.to_vec(),
        RawDiurnal::Named(n) => {
            return Err(invalid(
                path,
                quoted(n),
                "\"flat\", \"social\" or a list of 24 hourly weights",
            ));
        }
        RawDiurnal::Hourly(v) => {
            if v.len() != 24 {
                return Err(invalid(
                    path,
                    format!("a list of {}", v.len()),
                    "24 hourly weights (local hours 0 to 23)",
                ));
            }
            v.clone()
        }
    };
    // Shares summing to 1, times 24: mean 1, so the profile moves activity within the day
    // without changing the daily total.
    let shares = normalised(path, values, "weight")?;
    let mut out = [0.0; 24];
    for (o, s) in out.iter_mut().zip(&shares) {
        *o = s * 24.0;
    }
    Ok(out)
}

/// Checks weights are finite, non-negative and not all zero; returns them summing to 1.
fn normalised(path: &str, w: Vec<f64>, what: &str) -> Result<Vec<f64>, ScenarioError> {
    for (i, &x) in w.iter().enumerate() {
        if !(x.is_finite() && x >= 0.0) {
            return Err(invalid(
                format!("{path}[{i}]"),
                x,
                &format!("a {what} >= 0"),
            ));
        }
    }
    let total: f64 = w.iter().sum();
    if total <= 0.0 {
        return Err(invalid(
            path,
            format!("{w:?}"),
            &format!("at least one {what} > 0"),
        ));
    }
    Ok(w.into_iter().map(|x| x / total).collect())
}

fn probability(path: &str, p: f64) -> Result<(), ScenarioError> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(invalid(path, p, "a probability in [0, 1]"))
    }
}

fn duration(path: &str, text: &str) -> Result<Duration, ScenarioError> {
    humantime::parse_duration(text).map_err(|e| {
        invalid(
            path,
            quoted(text),
            &format!("a duration such as \"90s\", \"1m\", \"6h\" or \"2days\" ({e})"),
        )
    })
}

fn utc_second_of_day(start: &toml::value::Datetime) -> Result<f64, ScenarioError> {
    let expected =
        "a date-time with a time zone, e.g. 2020-06-03T00:00:00Z or 2020-06-02T19:00:00-05:00";
    let (Some(_), Some(t), Some(offset)) = (start.date, start.time, start.offset) else {
        return Err(invalid("time.start", start, expected));
    };
    let offset_minutes = match offset {
        toml::value::Offset::Z => 0,
        toml::value::Offset::Custom { minutes } => minutes as i64,
    };
    let local = t.hour as i64 * 3600 + t.minute as i64 * 60 + t.second.unwrap_or(0) as i64;
    Ok((local - offset_minutes * 60).rem_euclid(86_400) as f64)
}

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
