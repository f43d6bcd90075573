//! Sweep designs: which parameter values each point of a sweep gets.

use rand::RngExt;

use crate::rng::SimRng;

/// The values one swept parameter can take.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Exactly these (numbers or strings, as TOML values).
    List(Vec<toml::Value>),
    /// Numbers from `from` to `to`: `steps` evenly spaced ones in a grid, uniform draws
    /// otherwise. `integer` rounds them (for integer keys).
    Range {
        from: f64,
        to: f64,
        steps: usize,
        integer: bool,
    },
}

impl Values {
    /// The grid values.
    fn grid(&self) -> Vec<toml::Value> {
        match self {
            Values::List(v) => v.clone(),
            Values::Range {
                from,
                to,
                steps,
                integer,
            } => (0..*steps)
                .map(|i| {
                    let x = if *steps == 1 {
                        *from
                    } else {
                        from + (to - from) * i as f64 / (*steps - 1) as f64
                    };
                    number(x, *integer)
                })
                .collect(),
        }
    }

    /// The value at a position `u` in [0, 1) of the parameter's range.
    fn at(&self, u: f64) -> toml::Value {
        match self {
            Values::List(v) => v[((u * v.len() as f64) as usize).min(v.len() - 1)].clone(),
            Values::Range {
                from, to, integer, ..
            } => number(from + (to - from) * u, *integer),
        }
    }
}

fn number(x: f64, integer: bool) -> toml::Value {
    if integer {
        toml::Value::Integer(x.round() as i64)
    } else {
        toml::Value::Float(x)
    }
}

/// How points are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Design {
    /// Every combination of the parameters' values.
    Grid,
    /// `samples` points, each parameter drawn independently.
    Random { samples: usize },
    /// `samples` points, each parameter's range cut into `samples` strata, one point per
    /// stratum (Latin hypercube).
    LatinHypercube { samples: usize },
}

/// The points of a design: for each point, one value per parameter (in parameter order).
pub fn points(design: Design, params: &[Values], rng: &mut SimRng) -> Vec<Vec<toml::Value>> {
    match design {
        Design::Grid => {
            let axes: Vec<Vec<toml::Value>> = params.iter().map(Values::grid).collect();
            let mut out = vec![Vec::new()];
            for axis in &axes {
                out = out
                    .into_iter()
                    .flat_map(|prefix| {
                        axis.iter().map(move |v| {
                            let mut p = prefix.clone();
                            p.push(v.clone());
                            p
                        })
                    })
                    .collect();
            }
            out
        }
        Design::Random { samples } => (0..samples)
            .map(|_| params.iter().map(|p| p.at(rng.random::<f64>())).collect())
            .collect(),
        Design::LatinHypercube { samples } => {
            // For each parameter, a random permutation of the strata.
            let strata: Vec<Vec<usize>> = params
                .iter()
                .map(|_| {
                    let mut s: Vec<usize> = (0..samples).collect();
                    for i in (1..samples).rev() {
                        let j = rng.random_range(0..=i);
                        s.swap(i, j);
                    }
                    s
                })
                .collect();
            (0..samples)
                .map(|i| {
                    params
                        .iter()
                        .zip(&strata)
                        .map(|(p, s)| p.at((s[i] as f64 + rng.random::<f64>()) / samples as f64))
                        .collect()
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stream, stream};

    fn range(from: f64, to: f64, steps: usize) -> Values {
        Values::Range {
            from,
            to,
            steps,
            integer: false,
        }
    }

    #[test]
    fn a_grid_has_every_combination() {
        let params = [
            range(0.0, 1.0, 3),
            Values::List(vec![toml::Value::Integer(1), toml::Value::Integer(2)]),
        ];
        let pts = points(Design::Grid, &params, &mut stream(1, Stream::Network, 0));
        assert_eq!(pts.len(), 6);
        assert_eq!(
            pts[0],
            vec![toml::Value::Float(0.0), toml::Value::Integer(1)]
        );
        assert_eq!(
            pts[5],
            vec![toml::Value::Float(1.0), toml::Value::Integer(2)]
        );
    }

    #[test]
    fn latin_hypercube_puts_one_point_in_each_stratum_of_each_parameter() {
        let n = 50;
        let params = [range(0.0, 10.0, 0), range(-1.0, 1.0, 0)];
        let pts = points(
            Design::LatinHypercube { samples: n },
            &params,
            &mut stream(2, Stream::Network, 0),
        );
        assert_eq!(pts.len(), n);
        for (k, p) in params.iter().enumerate() {
            let Values::Range { from, to, .. } = p else {
                unreachable!()
            };
            let mut seen = vec![0; n];
            for pt in &pts {
                let x = pt[k].as_float().unwrap();
                seen[(((x - from) / (to - from)) * n as f64) as usize] += 1;
            }
            assert!(seen.iter().all(|&c| c == 1), "parameter {k}: {seen:?}");
        }
    }

    #[test]
    fn random_points_stay_in_range_and_integers_round() {
        let params = [Values::Range {
            from: 10.0,
            to: 20.0,
            steps: 0,
            integer: true,
        }];
        let pts = points(
            Design::Random { samples: 100 },
            &params,
            &mut stream(3, Stream::Network, 0),
        );
        assert!(
            pts.iter()
                .all(|p| matches!(p[0], toml::Value::Integer(x) if (10..=20).contains(&x)))
        );
    }
}
