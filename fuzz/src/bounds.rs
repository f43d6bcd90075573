//! Which validated scenarios are small enough to run under a fuzzer or a property test,
//! and the memory estimate of `scenarios/README.md` that a run's peak is compared with.
//!
//! Shared by the fuzz targets (`fuzz/src/lib.rs`) and the property test
//! (`tests/robustness.rs`, through `#[path]`), so both skip the same classes of scenario.
//! This module only *inspects* a validated [`Scenario`]; it never edits one and never
//! touches the engine. Every figure is computed in `f64`, so an absurd scenario gives
//! `inf` (and is skipped) instead of overflowing here.
//!
//! The skip on expected posts and submissions exists because, before the engine's caps
//! land, a validated scenario with a huge rate (a constant of 1e308, Pareto with shape
//! <= 1, lognormal with a large sigma) runs for ever: the harness must not hang on it.
//! Set `HASHFLOOD_FUZZ_NO_SKIP=1` to turn that skip off once every validated scenario is
//! supposed to run in bounded time and memory (the size, step and network bounds stay).

use hashflood::network;
use hashflood::scenario::{Cascade, NetworkSource, Scenario};

/// Upper bounds on what a run may cost; scenarios above any of them are skipped.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub agents: u64,
    pub steps: u64,
    /// Expected posts over the run, summed over populations (size x mean rate x steps).
    pub posts: f64,
    /// Expected app submissions over the run (size x mean submit rate x steps).
    pub submissions: f64,
    /// Expected follow edges of a generated network.
    pub edges: f64,
    /// Time-series rows: feeds x populations x samples.
    pub series_rows: f64,
    /// Estimated memory (see [`memory_estimate`]).
    pub memory_bytes: f64,
}

/// Bounds for the `run` fuzz target: a run takes well under 100 ms.
pub const FUZZ: Bounds = Bounds {
    agents: 2_000,
    steps: 2_000,
    posts: 1e5,
    submissions: 1e5,
    edges: 2e5,
    series_rows: 2e5,
    memory_bytes: 64e6,
};

/// Whether the expected-posts and expected-submissions skips are turned off
/// (`HASHFLOOD_FUZZ_NO_SKIP=1`).
pub fn no_skip() -> bool {
    static NO_SKIP: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *NO_SKIP.get_or_init(|| std::env::var_os("HASHFLOOD_FUZZ_NO_SKIP").is_some_and(|v| v == "1"))
}

/// Why `s` is too large to run under `b`, or `None` if it may run.
pub fn too_large(s: &Scenario, b: &Bounds) -> Option<String> {
    let agents = s.agent_count();
    if agents > b.agents {
        return Some(format!("{agents} agents"));
    }
    let steps = u64::from(s.time.steps);
    if steps > b.steps {
        return Some(format!("{steps} steps"));
    }
    if !no_skip() {
        let posts = expected_posts(s);
        if over(posts, b.posts) {
            return Some(format!("{posts:e} expected posts"));
        }
        let submissions = expected_submissions(s);
        if over(submissions, b.submissions) {
            return Some(format!("{submissions:e} expected submissions"));
        }
    }
    let edges = expected_edges(s);
    if over(edges, b.edges) {
        return Some(format!("{edges:e} expected edges"));
    }
    let samples = steps / u64::from(s.metrics.sample_every_steps.max(1)) + 2;
    let rows = (s.feeds.len() * s.populations.len()) as f64 * samples as f64;
    if over(rows, b.series_rows) {
        return Some(format!("{rows:e} time-series rows"));
    }
    let memory = memory_estimate(s);
    if over(memory, b.memory_bytes) {
        return Some(format!("{memory:e} bytes estimated"));
    }
    None
}

/// `x` above `limit`, or NaN.
fn over(x: f64, limit: f64) -> bool {
    x.is_nan() || x > limit
}

/// Expected posts over the whole run if every agent were active from the start at its
/// mean rate (`inf` for an infinite mean, e.g. Pareto with shape <= 1).
pub fn expected_posts(s: &Scenario) -> f64 {
    let steps = f64::from(s.time.steps);
    s.populations
        .iter()
        .map(|p| f64::from(p.size) * p.rate_per_step.mean().unwrap_or(f64::INFINITY) * steps)
        .map(|x| if x.is_nan() { f64::INFINITY } else { x })
        .sum()
}

/// Expected app submissions over the run, as for [`expected_posts`].
pub fn expected_submissions(s: &Scenario) -> f64 {
    let steps = f64::from(s.time.steps);
    s.populations
        .iter()
        .filter_map(|p| p.app.as_ref().map(|a| (p.size, a)))
        .map(|(size, a)| {
            f64::from(size) * a.submit_per_step.mean().unwrap_or(f64::INFINITY) * steps
        })
        .map(|x| if x.is_nan() { f64::INFINITY } else { x })
        .sum()
}

/// Expected follow edges of a generated network (0 without one; edge lists are read
/// from small fixture files here).
pub fn expected_edges(s: &Scenario) -> f64 {
    match &s.network {
        Some(hashflood::scenario::Network {
            source: NetworkSource::Generated(g),
            populations,
        }) => {
            let groups: Vec<_> = populations
                .iter()
                .map(|&i| s.populations[i].agents())
                .collect();
            network::expected_edges(g, &groups) as f64
        }
        _ => 0.0,
    }
}

/// The memory estimate documented in `scenarios/README.md` ("Memory estimate"), in bytes:
/// 40 per agent (+8 with the threshold model), 4 per expected edge + 12 per agent with a
/// generated network, 24 per Latest and Top slot. Edge-list files count as 0 here (the
/// fixtures are a few bytes). To be replaced by the library's own estimate once it has an
/// API.
pub fn memory_estimate(s: &Scenario) -> f64 {
    let agents = s.agent_count() as f64;
    let threshold_agents: f64 = s
        .populations
        .iter()
        .filter(|p| matches!(p.mobilisation.cascade, Some(Cascade::Threshold { .. })))
        .map(|p| f64::from(p.size))
        .sum();
    let network = match &s.network {
        Some(_) => expected_edges(s) * 4.0 + agents * 12.0,
        None => 0.0,
    };
    let windows: f64 = s
        .feeds
        .iter()
        .map(|f| (f.latest_window as f64 + f.top.window as f64) * 24.0)
        .sum();
    agents * 40.0 + threshold_agents * 8.0 + network + windows
}
