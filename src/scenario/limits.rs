//! Caps that keep every valid scenario finite: bounded draws, bounded work, bounded memory.
//!
//! A scenario that validates must run to completion in bounded time and memory, whatever
//! its distributions. Heavy tails are normal on social media (a Pareto rate with shape
//! 0.5 has no mean), so per-agent rates are drawn from the distribution the scenario
//! names and then *truncated* at a cap per key; each run reports how many draws were
//! truncated (`truncated_draws` in `summary.json`, and a line in the terminal report).
//! Where the cap is certain to bind (a constant or uniform above it), `validate` refuses
//! the scenario instead. Every number here is documented in `scenarios/README.md`.

/// Most posts per hour one agent can make: one a second, faster than any human and
/// than the platforms' own rate limits.
pub const MAX_POSTS_PER_HOUR: f64 = 3600.0;
/// Most feed browses per hour of one reading agent.
pub const MAX_BROWSES_PER_HOUR: f64 = 3600.0;
/// Most app submissions per hour of one agent.
pub const MAX_SUBMISSIONS_PER_HOUR: f64 = 3600.0;
/// Largest posting-rate multiplier of an escalating agent (`discouragement.factor`).
pub const MAX_ESCALATION: f64 = 100.0;
/// Largest app submission, in megabytes (a terabyte).
pub const MAX_SUBMISSION_MB: f64 = 1e6;

/// Largest magnitude of a distribution parameter, and the smallest of a positive one
/// (scale, shape, sd, sigma, mean of an exponential). Keeps every parameter finite and
/// non-zero after conversion into time steps, for any `time.dt`.
pub const MAX_PARAMETER: f64 = 1e12;
/// See [`MAX_PARAMETER`].
pub const MIN_POSITIVE_PARAMETER: f64 = 1e-12;

/// Most operations a run may be expected to take: posts and app submissions (with a
/// margin for heavy tails), agents visited by per-step chances, and the fixed
/// bookkeeping of every step and sample (see `memory::Estimate::work`). About three
/// hours of one core at today's speed; above it a run is refused as too long rather
/// than left to run for days.
pub const MAX_EXPECTED_WORK: f64 = 1e11;
/// Most browses a run may be expected to count. Impressions are browses times items
/// shown (at most 1,000,000 per tab), so this keeps every counter far below `u64::MAX`.
pub const MAX_EXPECTED_BROWSES: f64 = 1e12;
