//! Fuzz target `parse`: arbitrary bytes -> UTF-8 -> scenario parsing and validation.
//!
//! Proves, for every input the fuzzer tries: parsing and validation return a value or an
//! error and never panic; every error message is non-empty and value errors name a key;
//! a scenario that validates has a resolved TOML that validates again to the same
//! scenario hash (what `scenario.resolved.toml` promises).
#![no_main]

use hashflood_fuzz::{Outcome, Tally, check_resolved_round_trip, fixtures_dir, validate};
use libfuzzer_sys::fuzz_target;

static TALLY: Tally = Tally::new();

fuzz_target!(|data: &[u8]| {
    let outcome = validate(data);
    let valid = matches!(outcome, Outcome::Valid(_));
    if let Outcome::Valid(s) = outcome {
        check_resolved_round_trip(&s, &fixtures_dir());
    }
    TALLY.count("parse", valid, false);
});
