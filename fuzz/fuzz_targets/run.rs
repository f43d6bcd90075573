//! Fuzz target `run`: bytes -> scenario -> if it validates and is small, network and run.
//!
//! Proves, for every input the fuzzer tries that validates and fits `bounds::FUZZ` (at
//! most 2,000 agents and 2,000 steps, about 1e5 expected posts; skipped otherwise, never
//! edited): building the follower network and running the engine end without a panic.
//! Hangs and memory blow-ups are reported by libFuzzer's `-timeout` and `-rss_limit_mb`
//! (set by `fuzz/run.sh`).
#![no_main]

use hashflood::{graph_source, sim};
use hashflood_fuzz::{Outcome, Tally, bounds, validate};
use libfuzzer_sys::fuzz_target;

static TALLY: Tally = Tally::new();

fuzz_target!(|data: &[u8]| {
    let Outcome::Valid(s) = validate(data) else {
        TALLY.count("run", false, false);
        return;
    };
    let ran = run(&s);
    TALLY.count("run", true, ran);
});

/// Runs `s` if it is small enough; whether it ran.
fn run(s: &hashflood::scenario::Scenario) -> bool {
    if bounds::too_large(s, &bounds::FUZZ).is_some() {
        return false;
    }
    // An edge-list file that does not match the scenario is an error, not a crash.
    let Ok(graph) = graph_source::follower_graph(s, s.seed) else {
        return false;
    };
    let out = sim::run(s, &graph, s.seed, &mut |_| {});
    assert_eq!(out.summary.feeds.len(), s.feeds.len());
    true
}
