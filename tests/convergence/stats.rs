//! Two-sample statistics for the convergence test: the Mann–Whitney U test (normal
//! approximation, tie-corrected variance, continuity correction), a version that allows
//! one sample a shift of up to a tolerance, and the Bonferroni level of a family of tests.
//! No simulation here: the unit tests below pin these helpers against values worked out
//! by hand.

use statrs::function::erf::erfc;

/// A Mann–Whitney test of `x` against `y`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// Pairs (i, j) with `x[i] > y[j]`, ties counting one half.
    pub u: f64,
    /// The standardised statistic (continuity-corrected; 0 when every value is tied).
    pub z: f64,
    /// Two-sided p-value of the normal approximation.
    pub p: f64,
}

/// The Mann–Whitney U test of `x` against `y` (neither empty). Values may be `+inf`
/// ("never reached"): infinities tie with each other and exceed every number. NaN is
/// refused.
///
/// U = R_x - n_x (n_x + 1) / 2, where R_x is the sum of x's ranks in the pooled sample
/// (tied values get their average rank). Under H0 (one distribution), E[U] = n_x n_y / 2
/// and Var[U] = n_x n_y / 12 * ((N + 1) - sum(t^3 - t) / (N (N - 1))), N = n_x + n_y,
/// with t the size of each group of tied values. z = (|U - E[U]| - 1/2) / sd, signed
/// like U - E[U]; p = 2 (1 - Phi(|z|)) = erfc(|z| / sqrt 2).
pub fn mann_whitney(x: &[f64], y: &[f64]) -> MannWhitney {
    assert!(!x.is_empty() && !y.is_empty(), "two non-empty samples");
    assert!(
        x.iter().chain(y).all(|v| !v.is_nan()),
        "NaN in a sample: {x:?} {y:?}"
    );
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    let n = nx + ny;
    let mut pooled: Vec<(f64, bool)> = x
        .iter()
        .map(|&v| (v, true))
        .chain(y.iter().map(|&v| (v, false)))
        .collect();
    pooled.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_x = 0.0;
    let mut ties = 0.0;
    let mut i = 0;
    while i < pooled.len() {
        let mut j = i;
        while j < pooled.len() && pooled[j].0 == pooled[i].0 {
            j += 1;
        }
        // Ranks i+1 ..= j (1-based) share their average.
        let t = (j - i) as f64;
        let rank = (i + 1 + j) as f64 / 2.0;
        rank_x += rank * pooled[i..j].iter().filter(|p| p.1).count() as f64;
        ties += t * t * t - t;
        i = j;
    }
    let u = rank_x - nx * (nx + 1.0) / 2.0;
    let mean = nx * ny / 2.0;
    let var = nx * ny / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
    if var <= 0.0 {
        return MannWhitney { u, z: 0.0, p: 1.0 };
    }
    let d = u - mean;
    let z = d.signum() * (d.abs() - 0.5).max(0.0) / var.sqrt();
    MannWhitney {
        u,
        z,
        p: erfc(z.abs() / std::f64::consts::SQRT_2),
    }
}

/// The Mann–Whitney test of `x - s` against `y` for the shift `s` in
/// `[-max_shift, max_shift]` that agrees best (largest p), with that shift. U(s) is a
/// step function of s that changes only where some `x[i] - s` crosses some `y[j]`, so
/// the endpoints and the midpoints between consecutive crossings inside the range cover
/// every value it takes (the crossings themselves, where a pair ties, are skipped: that
/// can only make the result a little stricter). Infinite values do not move.
pub fn mann_whitney_shifted(x: &[f64], y: &[f64], max_shift: f64) -> (f64, MannWhitney) {
    assert!(max_shift >= 0.0);
    let mut cuts: Vec<f64> = x
        .iter()
        .flat_map(|a| y.iter().map(move |b| a - b))
        .filter(|d| d.is_finite() && d.abs() < max_shift)
        .collect();
    cuts.push(-max_shift);
    cuts.push(max_shift);
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    let mut candidates = vec![0.0, -max_shift, max_shift];
    candidates.extend(cuts.windows(2).map(|w| (w[0] + w[1]) / 2.0));
    let test = |s: f64| {
        let shifted: Vec<f64> = x.iter().map(|v| v - s).collect();
        (s, mann_whitney(&shifted, y))
    };
    candidates
        .into_iter()
        .map(test)
        .max_by(|a, b| {
            a.1.p
                .total_cmp(&b.1.p)
                .then(b.0.abs().total_cmp(&a.0.abs()))
        })
        .expect("at least the endpoints")
}

/// The per-comparison level that keeps the chance of any false rejection among
/// `comparisons` tests at most `family` (Bonferroni: P(any) <= sum of P(each)).
pub fn bonferroni(family: f64, comparisons: usize) -> f64 {
    family / comparisons as f64
}

/// The two-sided critical |z| of level `alpha` (for messages): Phi^-1(1 - alpha / 2).
pub fn critical_z(alpha: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(1.0 - alpha / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn separated_samples() {
        // x all below y: U = 0. E[U] = 8, Var = 4*4*9/12 = 12, z = -(8 - 0.5)/sqrt 12 =
        // -2.16506, p = 2 (1 - Phi(2.16506)) = 0.030383 (scipy's mannwhitneyu
        // [1,2,3,4] vs [5,6,7,8], method "asymptotic", gives the same).
        let r = mann_whitney(&[1.0, 2.0, 3.0, 4.0], &[5.0, 6.0, 7.0, 8.0]);
        assert_eq!(r.u, 0.0);
        assert!(close(r.z, -2.165064, 1e-6), "{r:?}");
        assert!(close(r.p, 0.030383, 1e-6), "{r:?}");
        // Swapped: U = 16, z and p mirror.
        let s = mann_whitney(&[5.0, 6.0, 7.0, 8.0], &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(s.u, 16.0);
        assert!(close(s.z, 2.165064, 1e-6) && close(s.p, r.p, 1e-12));
    }

    #[test]
    fn ties_take_average_ranks_and_shrink_the_variance() {
        // x = [1, 2, 2, 3], y = [2, 3, 3, 4]. Pooled sorted: 1 | 2 2 2 | 3 3 3 | 4, ranks
        // 1 | 3 3 3 | 6 6 6 | 8. R_x = 1 + 3 + 3 + 6 = 13, U = 13 - 10 = 3 (by pairs:
        // 1 beats none, each 2 ties one 2 (0.5 + 0.5), 3 beats the 2 and ties two 3s
        // (1 + 1) = 3). Ties: two groups of 3 -> sum(t^3 - t) = 48; Var = 16/12 *
        // (9 - 48/56) = 10.857143; z = -(8 - 3 - 0.5)/sqrt(10.857143) = -1.365698,
        // p = 0.172034.
        let r = mann_whitney(&[1.0, 2.0, 2.0, 3.0], &[2.0, 3.0, 3.0, 4.0]);
        assert_eq!(r.u, 3.0);
        assert!(close(r.z, -1.365698, 1e-6), "{r:?}");
        assert!(close(r.p, 0.172034, 1e-6), "{r:?}");
    }

    #[test]
    fn never_is_larger_than_every_time_and_ties_with_never() {
        let inf = f64::INFINITY;
        // x = [1, inf, inf], y = [2, 3, inf]: pairs x > y: 1 -> 0; each inf beats 2 and 3
        // and ties the inf: 2.5 each -> U = 5. Pooled ranks: 1, 2, 3, (5, 5, 5);
        // R_x = 1 + 5 + 5 = 11, U = 11 - 6 = 5.
        let r = mann_whitney(&[1.0, inf, inf], &[2.0, 3.0, inf]);
        assert_eq!(r.u, 5.0);
        // All never on both sides: no evidence at all.
        let all = mann_whitney(&[inf; 5], &[inf; 5]);
        assert_eq!((all.z, all.p), (0.0, 1.0));
    }

    #[test]
    fn a_shift_within_the_tolerance_is_forgiven_and_one_beyond_it_is_not() {
        // 20 values 0.1 apart against the same values plus 0.05 (a coarser clock rounds
        // up by half a step): without a shift, x sits below y in most pairs.
        let y: Vec<f64> = (0..20).map(|i| i as f64 * 0.1).collect();
        let x: Vec<f64> = y.iter().map(|v| v + 0.05).collect();
        let (s, r) = mann_whitney_shifted(&x, &y, 0.1);
        assert!(r.p > 0.9, "a shift of 0.05 is within 0.1: {s} {r:?}");
        assert!(s.abs() <= 0.1);
        // A difference of 3 (far beyond the tolerance) is still rejected.
        let far: Vec<f64> = y.iter().map(|v| v + 3.0).collect();
        let (_, r) = mann_whitney_shifted(&far, &y, 0.1);
        assert!(r.p < 1e-7, "{r:?}");
        // With no tolerance the shifted test is the plain one.
        let (s, r) = mann_whitney_shifted(&far, &y, 0.0);
        assert_eq!((s, r), (0.0, mann_whitney(&far, &y)));
    }

    #[test]
    fn bonferroni_level_and_its_critical_value() {
        assert!(close(bonferroni(0.01, 100), 1e-4, 1e-15));
        // Phi^-1(1 - 0.025) = 1.959964.
        assert!(close(critical_z(0.05), 1.959964, 1e-6));
    }
}
