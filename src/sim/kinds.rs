//! Drawing a post's content kind from its population's content shares.

/// The upper bounds of the kinds' intervals in [0, 1): kind `k` is drawn for a uniform
/// `u` in `[bounds[k - 1], bounds[k])`, so a kind with no share has an empty interval.
/// From the last kind with a share on, the bounds are exactly 1: the running sum can
/// round to just below 1, and the sliver above it must not go to a kind the population
/// does not post.
pub fn kind_bounds(shares: &[f64]) -> Vec<f64> {
    let last = shares.iter().rposition(|&w| w > 0.0).unwrap_or(0);
    let mut sum = 0.0;
    shares
        .iter()
        .enumerate()
        .map(|(k, &w)| {
            sum += w;
            if k < last { sum } else { 1.0 }
        })
        .collect()
}

/// The kind drawn by a uniform `u` in [0, 1), for the bounds of [`kind_bounds`].
#[inline]
pub fn draw_kind(bounds: &[f64], u: f64) -> usize {
    // Branch-free: the number of bounds at or below u (kinds are random, so a searching
    // loop would mispredict on most posts).
    bounds.iter().map(|&x| (x <= u) as usize).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest f64 below 1, the largest value a uniform draw in [0, 1) takes.
    const TOP: f64 = 1.0 - f64::EPSILON / 2.0;

    #[test]
    fn each_kind_is_drawn_over_its_share_of_the_unit_interval() {
        let b = kind_bounds(&[0.25, 0.0, 0.75]);
        assert_eq!(draw_kind(&b, 0.0), 0);
        assert_eq!(draw_kind(&b, 0.2), 0);
        assert_eq!(
            draw_kind(&b, 0.25),
            2,
            "a bound belongs to the kind above it"
        );
        assert_eq!(draw_kind(&b, 0.6), 2);
        assert_eq!(draw_kind(&b, TOP), 2);
        let b = kind_bounds(&[0.5, 0.3, 0.2]);
        assert_eq!(draw_kind(&b, 0.79), 1);
        assert_eq!(draw_kind(&b, 0.81), 2);
    }

    #[test]
    fn a_kind_without_a_share_is_never_drawn_whatever_the_rounding() {
        // Ten shares of 0.1 sum to 0.9999999999999999 in f64: a draw above the sum
        // must still go to the tenth kind, not to the eleventh with no share.
        let shares: Vec<f64> = [vec![0.1; 10], vec![0.0]].concat();
        assert!(shares.iter().sum::<f64>() < 1.0);
        let b = kind_bounds(&shares);
        assert_eq!(draw_kind(&b, TOP), 9);
        assert_eq!(draw_kind(&b, 0.95), 9);
        assert_eq!(draw_kind(&b, 0.05), 0);
        assert_eq!(draw_kind(&kind_bounds(&[0.0, 1.0, 0.0]), TOP), 1);
        assert_eq!(draw_kind(&kind_bounds(&[0.0, 1.0, 0.0]), 0.0), 1);
    }
}
