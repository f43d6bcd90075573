//! Distributions by name with parameters, as scenario files write them.
//!
//! `{ dist = "lognormal", mu = 0.0, sigma = 1.0 }`. The same type is read from TOML,
//! checked by [`Distribution::check`], rescaled into simulation units by
//! [`Distribution::scaled`] and sampled through [`Sampler`].

use rand::Rng;
use rand_distr::{Distribution as _, Exp, Gamma, LogNormal, Normal, Pareto, Uniform};
use serde::{Deserialize, Serialize};

use super::error::{ScenarioError, invalid, number};
use super::limits::{MAX_PARAMETER, MIN_POSITIVE_PARAMETER};

/// A named probability distribution over real numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum Distribution {
    Constant {
        value: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    Exponential {
        mean: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    /// `ln X ~ Normal(mu, sigma)`; mean `exp(mu + sigma^2 / 2)`.
    Lognormal {
        mu: f64,
        sigma: f64,
    },
    /// Mean `shape * scale`.
    Gamma {
        shape: f64,
        scale: f64,
    },
    /// `P(X > x) = (scale / x)^shape` for `x >= scale`.
    Pareto {
        scale: f64,
        shape: f64,
    },
}

impl Distribution {
    /// Checks the parameters; `path` is the key path for messages. With `non_negative`,
    /// distributions that can produce negative values are rejected too. Parameters are
    /// finite and within [`MAX_PARAMETER`] in magnitude (positive ones at least
    /// [`MIN_POSITIVE_PARAMETER`]), so no conversion of units can overflow them.
    pub fn check(&self, path: &str, non_negative: bool) -> Result<(), ScenarioError> {
        let range = format!("a number from -{MAX_PARAMETER:e} to {MAX_PARAMETER:e}");
        let finite = |key: &str, v: f64| {
            if v.is_finite() && v.abs() <= MAX_PARAMETER {
                Ok(())
            } else {
                Err(invalid(format!("{path}.{key}"), number(v), &range))
            }
        };
        let positive = |key: &str, v: f64| {
            if v.is_finite() && (MIN_POSITIVE_PARAMETER..=MAX_PARAMETER).contains(&v) {
                Ok(())
            } else {
                Err(invalid(
                    format!("{path}.{key}"),
                    number(v),
                    &format!("a number from {MIN_POSITIVE_PARAMETER:e} to {MAX_PARAMETER:e}"),
                ))
            }
        };
        match *self {
            Distribution::Constant { value } => {
                finite("value", value)?;
                if non_negative && value < 0.0 {
                    return Err(invalid(
                        format!("{path}.value"),
                        number(value),
                        "a number >= 0",
                    ));
                }
            }
            Distribution::Uniform { min, max } => {
                finite("min", min)?;
                finite("max", max)?;
                if non_negative && min < 0.0 {
                    return Err(invalid(format!("{path}.min"), number(min), "a number >= 0"));
                }
                if max <= min {
                    return Err(invalid(
                        format!("{path}.max"),
                        number(max),
                        &format!("a number > min ({min})"),
                    ));
                }
            }
            Distribution::Exponential { mean } => positive("mean", mean)?,
            Distribution::Normal { mean, sd } => {
                if non_negative {
                    return Err(invalid(
                        format!("{path}.dist"),
                        "\"normal\"",
                        "a distribution of non-negative values (constant, uniform, exponential, lognormal, gamma, pareto)",
                    ));
                }
                finite("mean", mean)?;
                positive("sd", sd)?;
            }
            Distribution::Lognormal { mu, sigma } => {
                finite("mu", mu)?;
                positive("sigma", sigma)?;
            }
            Distribution::Gamma { shape, scale } => {
                positive("shape", shape)?;
                positive("scale", scale)?;
            }
            Distribution::Pareto { scale, shape } => {
                positive("scale", scale)?;
                positive("shape", shape)?;
            }
        }
        Ok(())
    }

    /// Checks a distribution of values capped at `cap` (in the units written): a
    /// constant or uniform above the cap is refused, as every (or some certain share
    /// of) draws would be truncated; a Pareto whose scale is above it too. Other draws
    /// above the cap are truncated at run time and counted.
    pub fn check_capped(&self, path: &str, cap: f64, unit: &str) -> Result<(), ScenarioError> {
        let over = |key: &str, v: f64| {
            if v > cap {
                Err(invalid(
                    format!("{path}.{key}"),
                    v,
                    &format!(
                        "at most {cap} {unit} (the cap of this key; see scenarios/README.md, \"Limits\")"
                    ),
                ))
            } else {
                Ok(())
            }
        };
        match *self {
            Distribution::Constant { value } => over("value", value)?,
            Distribution::Uniform { max, .. } => over("max", max)?,
            Distribution::Pareto { scale, .. } => over("scale", scale)?,
            _ => {}
        }
        self.check(path, true)
    }

    /// The distribution after a change of units by `c` (see [`Distribution::scaled`]),
    /// checked to still give a sampler; `path` names the key for the message.
    pub fn checked_scaled(&self, path: &str, c: f64) -> Result<Distribution, ScenarioError> {
        let scaled = self.scaled(c);
        scaled.try_sampler().map_err(|why| {
            invalid(
                path,
                format!("{self:?}"),
                &format!("parameters that stay valid in time steps (scaled by {c:e}: {why})"),
            )
        })?;
        Ok(scaled)
    }

    /// The distribution of `c * X`, for converting units (per hour to per step).
    pub fn scaled(&self, c: f64) -> Distribution {
        use Distribution::*;
        match *self {
            Constant { value } => Constant { value: value * c },
            Uniform { min, max } => Uniform {
                min: min * c,
                max: max * c,
            },
            Exponential { mean } => Exponential { mean: mean * c },
            Normal { mean, sd } => Normal {
                mean: mean * c,
                sd: sd * c,
            },
            Lognormal { mu, sigma } => Lognormal {
                mu: mu + c.ln(),
                sigma,
            },
            Gamma { shape, scale } => Gamma {
                shape,
                scale: scale * c,
            },
            Pareto { scale, shape } => Pareto {
                scale: scale * c,
                shape,
            },
        }
    }

    /// The mean, or `None` when it is infinite (Pareto with shape <= 1).
    pub fn mean(&self) -> Option<f64> {
        use Distribution::*;
        match *self {
            Constant { value } => Some(value),
            Uniform { min, max } => Some((min + max) / 2.0),
            Exponential { mean } | Normal { mean, .. } => Some(mean),
            Lognormal { mu, sigma } => Some((mu + sigma * sigma / 2.0).exp()),
            Gamma { shape, scale } => Some(shape * scale),
            Pareto { scale, shape } => (shape > 1.0).then(|| shape * scale / (shape - 1.0)),
        }
    }

    /// An upper bound on `E[min(X, cap)]`: the mean if finite, never above `cap`.
    pub fn capped_mean_bound(&self, cap: f64) -> f64 {
        match self.mean() {
            Some(m) if m.is_finite() => m.clamp(0.0, cap),
            _ => cap,
        }
    }

    /// A sampler; the distribution must have passed [`Distribution::check`] (and, in
    /// simulation units, [`Distribution::checked_scaled`]).
    pub fn sampler(&self) -> Sampler {
        self.try_sampler()
            .expect("validated: the parameters give a sampler")
    }

    /// A sampler, or why the parameters give none.
    fn try_sampler(&self) -> Result<Sampler, String> {
        use Distribution as D;
        let e = |e: rand_distr::uniform::Error| e.to_string();
        let inner = match *self {
            D::Constant { value } if value.is_finite() => Inner::Constant(value),
            D::Constant { value } => return Err(format!("value {value} is not finite")),
            D::Uniform { min, max } => Inner::Uniform(Uniform::new(min, max).map_err(e)?),
            D::Exponential { mean } => Inner::Exp(Exp::new(1.0 / mean).map_err(|e| e.to_string())?),
            D::Normal { mean, sd } => {
                Inner::Normal(Normal::new(mean, sd).map_err(|e| e.to_string())?)
            }
            D::Lognormal { mu, sigma } => {
                Inner::LogNormal(LogNormal::new(mu, sigma).map_err(|e| e.to_string())?)
            }
            D::Gamma { shape, scale } => {
                Inner::Gamma(Gamma::new(shape, scale).map_err(|e| e.to_string())?)
            }
            D::Pareto { scale, shape } => {
                Inner::Pareto(Pareto::new(scale, shape).map_err(|e| e.to_string())?)
            }
        };
        Ok(Sampler(inner))
    }
}

/// A distribution of non-negative values whose draws are truncated at `cap`: per-agent
/// rates and sizes, whose keys have a cap (see [`super::limits`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Capped {
    /// In simulation units (per step for rates).
    pub dist: Distribution,
    /// In the same units.
    pub cap: f64,
    /// The key path, for reporting truncated draws.
    pub key: String,
}

impl Capped {
    /// A sampler of the truncated draws.
    pub fn sampler(&self) -> CappedSampler {
        CappedSampler {
            inner: self.dist.sampler(),
            cap: self.cap,
        }
    }
}

/// Draws from a [`Capped`] distribution.
#[derive(Debug, Clone)]
pub struct CappedSampler {
    inner: Sampler,
    cap: f64,
}

impl CappedSampler {
    /// A draw and whether it was truncated at the cap.
    #[inline]
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> (f64, bool) {
        let x = self.inner.sample(rng);
        if x > self.cap || x.is_nan() {
            (self.cap, true)
        } else {
            (x.max(0.0), false)
        }
    }
}

/// Draws from a checked [`Distribution`].
#[derive(Debug, Clone)]
pub struct Sampler(Inner);

#[derive(Debug, Clone)]
enum Inner {
    Constant(f64),
    Uniform(Uniform<f64>),
    Exp(Exp<f64>),
    Normal(Normal<f64>),
    LogNormal(LogNormal<f64>),
    Gamma(Gamma<f64>),
    Pareto(Pareto<f64>),
}

impl Sampler {
    /// One draw.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.0 {
            Inner::Constant(v) => *v,
            Inner::Uniform(d) => d.sample(rng),
            Inner::Exp(d) => d.sample(rng),
            Inner::Normal(d) => d.sample(rng),
            Inner::LogNormal(d) => d.sample(rng),
            Inner::Gamma(d) => d.sample(rng),
            Inner::Pareto(d) => d.sample(rng),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stream, stream};

    fn sample_mean(d: &Distribution, n: usize) -> f64 {
        let s = d.sampler();
        let mut rng = stream(7, Stream::AgentInit, 0);
        (0..n).map(|_| s.sample(&mut rng)).sum::<f64>() / n as f64
    }

    /// One of each distribution (all with finite variance).
    fn examples() -> [Distribution; 7] {
        [
            Distribution::Constant { value: 2.0 },
            Distribution::Uniform { min: 1.0, max: 3.0 },
            Distribution::Exponential { mean: 2.0 },
            Distribution::Normal { mean: 2.0, sd: 1.0 },
            Distribution::Lognormal {
                mu: 0.0,
                sigma: 0.5,
            },
            Distribution::Gamma {
                shape: 2.0,
                scale: 1.5,
            },
            Distribution::Pareto {
                scale: 1.0,
                shape: 3.0,
            },
        ]
    }

    #[test]
    fn scaling_scales_the_mean() {
        let all = examples();
        for d in all {
            let m = d.mean().unwrap();
            let scaled = d.scaled(1.0 / 60.0).mean().unwrap();
            assert!((scaled - m / 60.0).abs() < 1e-12, "{d:?}");
        }
    }

    #[test]
    fn samples_match_the_mean() {
        // Each has finite variance; with n = 200k the sd of the mean is below 0.3% of the
        // mean for these parameters, so 1.5% is over 5 sd. Every kind: `mean` is this
        // crate's formula whoever samples (a uniform's mean as (min + max) x 2 fails).
        let n = 200_000;
        for d in examples() {
            let m = d.mean().unwrap();
            let got = sample_mean(&d, n);
            assert!((got - m).abs() < 0.015 * m, "{d:?}: {got} vs {m}");
        }
    }

    #[test]
    fn bad_parameters_name_the_key() {
        let e = Distribution::Lognormal {
            mu: 0.0,
            sigma: -1.0,
        }
        .check("populations.fans.rate", true)
        .unwrap_err()
        .to_string();
        assert!(e.contains("populations.fans.rate.sigma"), "{e}");
        assert!(e.contains("-1"), "{e}");
        let e = Distribution::Normal { mean: 1.0, sd: 1.0 }
            .check("x.rate", true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.rate.dist"), "{e}");
    }
}
