//! Which validated scenarios are small enough to run under a fuzzer or a property test,
//! judged by the library's own estimate (`hashflood::memory::estimate`), which a run's
//! peak heap is compared with.
//!
//! Shared by the fuzz targets (`fuzz/src/lib.rs`) and the property test
//! (`tests/robustness.rs`, through `#[path]`), so both skip the same classes of scenario.
//! This module only *inspects* a validated [`Scenario`]; it never edits one and never
//! touches the engine. Every scenario that validates runs in bounded time and memory
//! (rates are capped, work and memory are estimated before a run); these bounds only keep
//! each case quick, so that many cases run.

use hashflood::memory;
use hashflood::scenario::Scenario;

/// Upper bounds on what a run may cost; scenarios above any of them are skipped.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub agents: u64,
    pub steps: u64,
    /// Expected operations (`memory::Estimate::work`): posts, submissions, bookkeeping.
    pub work: f64,
    /// Estimated heap bytes of one run (`memory::Estimate::heap_bytes`).
    pub memory_bytes: f64,
}

/// Bounds for the `run` fuzz target: a run takes well under 100 ms.
pub const FUZZ: Bounds = Bounds {
    agents: 2_000,
    steps: 2_000,
    work: 2e6,
    memory_bytes: 64e6,
};

/// Why `s` is too large to run under `b`, or `None` if it may run. The reason ends with
/// its class ("agents", "steps", "work", "estimate").
pub fn too_large(s: &Scenario, b: &Bounds) -> Option<String> {
    let agents = s.agent_count();
    if agents > b.agents {
        return Some(format!("{agents} agents"));
    }
    let steps = u64::from(s.time.steps);
    if steps > b.steps {
        return Some(format!("{steps} steps"));
    }
    let e = memory::estimate(s);
    if e.work > b.work {
        return Some(format!("{:e} operations of work", e.work));
    }
    let bytes = e.heap_bytes() as f64;
    if bytes > b.memory_bytes {
        return Some(format!("{bytes:e} bytes of memory estimate"));
    }
    None
}

/// The library's estimate of one run's heap, in bytes.
pub fn memory_estimate(s: &Scenario) -> f64 {
    memory::estimate(s).heap_bytes() as f64
}
