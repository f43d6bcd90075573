//! Fuzz target `generated`: the fuzzer's bytes drive the scenario generator
//! (`fuzz/src/generate.rs`), whose text is then validated and, if small, run.
//!
//! Raw bytes rarely make a scenario that validates (about 1 input in 250 in the `run`
//! target), so the engine is seldom reached. Here every input is well-formed TOML with
//! every table and hostile values, and libFuzzer's coverage feedback steers the choices.
//! Proves the same as `parse` and `run` together, for the generated texts: validation
//! never panics and names the key of what it refuses, the resolved scenario validates
//! again, and a small valid scenario builds its network and runs without a panic.
#![no_main]

use hashflood::{graph_source, sim};
use hashflood_fuzz::generate::{Bytes, Gen};
use hashflood_fuzz::{Outcome, Tally, bounds, check_resolved_round_trip, fixtures_dir, validate};
use libfuzzer_sys::fuzz_target;

static TALLY: Tally = Tally::new();

fuzz_target!(|data: &[u8]| {
    let text = Gen::new(Bytes::new(data)).scenario();
    let Outcome::Valid(s) = validate(text.as_bytes()) else {
        TALLY.count("generated", false, false);
        return;
    };
    check_resolved_round_trip(&s, &fixtures_dir());
    let ran = bounds::too_large(&s, &bounds::FUZZ).is_none()
        && graph_source::follower_graph(&s, s.seed).is_ok_and(|graph| {
            let out = sim::run(&s, &graph, s.seed, &mut |_| {});
            assert_eq!(out.summary.feeds.len(), s.feeds.len());
            true
        });
    TALLY.count("generated", true, ran);
});
