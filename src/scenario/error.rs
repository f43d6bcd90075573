//! Errors a user can act on: which key, which value, what was expected.

use std::fmt::Display;

/// Why a scenario was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The TOML is malformed or has the wrong shape (keeps line and column).
    #[error(transparent)]
    Parse(#[from] toml::de::Error),
    /// A value is out of range, or refers to something that does not exist.
    #[error("{path} = {value}: expected {expected}")]
    Invalid {
        path: String,
        value: String,
        expected: String,
    },
    /// A required key is absent (one that serde cannot require because an old key
    /// beside it gets its own message: see [`ScenarioError::PerStepProbability`]).
    #[error("{path} is missing: expected {expected}")]
    Missing { path: String, expected: String },
    /// A key that held a probability per time step, whose meaning changed with
    /// `time.dt`; `replacement` is the key of the rate (events per hour) to write instead,
    /// and `equivalent` the rate that means the same at the scenario's dt (empty when the
    /// old value was not a probability below 1).
    #[error(
        "{path}: per-step probabilities are no longer accepted; write {replacement} (events per hour){equivalent}"
    )]
    PerStepProbability {
        path: String,
        replacement: String,
        equivalent: String,
    },
    /// The scenario would need more memory than allowed.
    #[error(
        "the scenario needs an estimated {needed_mb} MB ({detail}), more than limits.memory_mb = {limit_mb}; \
         make populations or the network smaller, or raise limits.memory_mb"
    )]
    TooLarge {
        needed_mb: u64,
        limit_mb: u64,
        detail: String,
    },
    /// The scenario would take too long: more expected events than a run may have.
    #[error(
        "the scenario is expected to take up to {expected:.1e} {what} ({detail}), more than the {max:.0e} \
         a run may have; shorten time.duration, or make populations, rates or windows smaller"
    )]
    TooMuchWork {
        what: &'static str,
        expected: f64,
        max: f64,
        detail: String,
    },
}

/// A number as a message shows it: scientific notation when very large or small, so
/// 1e308 is not printed as 309 digits.
pub fn number(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-6..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

/// Shorthand for [`ScenarioError::Invalid`].
pub fn invalid(path: impl Into<String>, value: impl Display, expected: &str) -> ScenarioError {
    ScenarioError::Invalid {
        path: path.into(),
        value: value.to_string(),
        expected: expected.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::number;

    /// Ordinary numbers print as written; very large or small ones, never zero, in
    /// scientific notation (1e308 would otherwise be 309 digits).
    #[test]
    fn numbers_print_short() {
        let got = [0.0, 2.5, -40.0, 1e308, 1e-7, -3e20].map(number);
        assert_eq!(got, ["0", "2.5", "-40", "1e308", "1e-7", "-3e20"]);
    }
}
