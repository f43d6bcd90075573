//! What the fuzz targets share: turning fuzzer bytes into a scenario without touching
//! files outside `fuzz/fixtures/`, the checks every rejection must pass, and the bounds
//! that keep a `run` input quick.
//!
//! A scenario can name edge-list files, and the loader reads them whole. A fuzzer that
//! writes `edges = "/dev/zero"` would test the machine, not the program, so only plain
//! file names (no `/`, no leading `.`) are let through, resolved in `fuzz/fixtures/`,
//! which holds a few small valid and broken CSV files.

pub mod bounds;
pub mod generate;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use hashflood::scenario::raw::{RawNetwork, RawScenario};
use hashflood::scenario::{Scenario, ScenarioError};

/// The folder that edge-list paths are resolved against.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// What became of one input.
pub enum Outcome {
    /// Not UTF-8, or it names a file outside the fixtures: not tried.
    Ignored,
    /// Refused by the TOML reader or by validation; the message (already checked).
    Rejected(String),
    Valid(Box<Scenario>),
}

/// [`validate_in`] with edge-list files resolved in `fuzz/fixtures/`.
pub fn validate(data: &[u8]) -> Outcome {
    validate_in(data, &fixtures_dir())
}

/// Parses and validates `data` as a scenario, exactly as `hashflood::load::scenario`
/// does (`toml::from_str` into a [`RawScenario`], then `load::raw_scenario`, which reads
/// the edge-list files and validates), with the file gate in between; edge-list files
/// are resolved in `dir`. Panics if an error message is empty or does not name the key.
pub fn validate_in(data: &[u8], dir: &Path) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::Ignored;
    };
    let raw: RawScenario = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let e = ScenarioError::from(e);
            check_error(&e);
            return Outcome::Rejected(e.to_string());
        }
    };
    if !files_are_fixtures(&raw) {
        return Outcome::Ignored;
    }
    match hashflood::load::raw_scenario(raw, "fuzz", dir) {
        Ok(s) => Outcome::Valid(Box::new(s)),
        Err(e) => {
            check_error(&e);
            Outcome::Rejected(e.to_string())
        }
    }
}

/// Edge-list paths, if any, are plain names inside the fixtures folder.
fn files_are_fixtures(raw: &RawScenario) -> bool {
    let plain = |name: &str| {
        !name.starts_with('.')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match &raw.network {
        Some(RawNetwork::EdgeList { edges, nodes, .. }) => plain(edges) && plain(nodes),
        _ => true,
    }
}

/// A rejection says what is wrong: a non-empty message, and a key path for value errors.
pub fn check_error(e: &ScenarioError) {
    let message = e.to_string();
    assert!(!message.trim().is_empty(), "empty error message: {e:?}");
    if let ScenarioError::Invalid { path, .. } = e {
        assert!(
            !path.is_empty(),
            "value error without a key path: {message}"
        );
    }
}

/// `scenario.resolved.toml` reproduces the run: the resolved text validates again (in
/// `dir`, though its edge-list paths are absolute), to a scenario with the same identity.
pub fn check_resolved_round_trip(s: &Scenario, dir: &Path) {
    let text = s.resolved_toml(s.seed);
    let again = hashflood::load::scenario(&text, "fuzz", dir)
        .unwrap_or_else(|e| panic!("the resolved scenario does not validate: {e}\n{text}"));
    assert_eq!(
        again.hash, s.hash,
        "resolved scenario changed identity:\n{text}"
    );
}

/// How far the inputs of a target got: counted, and printed to stderr every 100,000
/// inputs, so a long run shows whether the engine is reached at all.
pub struct Tally {
    inputs: AtomicU64,
    valid: AtomicU64,
    ran: AtomicU64,
}

impl Tally {
    pub const fn new() -> Self {
        Tally {
            inputs: AtomicU64::new(0),
            valid: AtomicU64::new(0),
            ran: AtomicU64::new(0),
        }
    }

    /// Counts one input: whether it validated and whether it was run.
    pub fn count(&self, target: &str, valid: bool, ran: bool) {
        let n = self.inputs.fetch_add(1, Ordering::Relaxed) + 1;
        let valid = self.valid.fetch_add(u64::from(valid), Ordering::Relaxed) + u64::from(valid);
        let ran = self.ran.fetch_add(u64::from(ran), Ordering::Relaxed) + u64::from(ran);
        if n.is_multiple_of(100_000) {
            eprintln!("hashflood {target}: {n} inputs, {valid} valid, {ran} run");
        }
    }
}

impl Default for Tally {
    fn default() -> Self {
        Self::new()
    }
}
