//! Diurnal activity as a change of clock.
//!
//! An agent posting at rate `r * d(t)`, with `d` the hourly profile of its time zone, is a
//! unit-rate Poisson process in "activity time" `Λ(t) = ∫ d`. Sampling the next post as
//! `Λ⁻¹(Λ(t) + E / r)` is exact and never rejects a candidate, unlike thinning against the
//! profile's peak (which wasted a third of the candidates with the `social` profile).

use crate::scenario::Scenario;

/// `Λ` and its inverse for one population and time zone, over the whole run.
#[derive(Debug, Clone)]
pub struct DiurnalClock {
    /// Segment `i` covers real time `[start[i], start[i + 1])` (in steps) at `factor[i]`.
    start: Vec<f64>,
    /// `Λ(start[i])`.
    cum: Vec<f64>,
    factor: Vec<f64>,
    /// `1 / factor[i]` (infinite for an hour without activity): the posting loop
    /// multiplies: divisions on its critical path (this, the hour and the gap) cost
    /// about 8% of it (issue 13).
    per_factor: Vec<f64>,
    hours_per_step: f64,
}

impl DiurnalClock {
    /// The clock for `profile` (mean 1, by local hour) at `utc_offset` hours, or `None`
    /// when the profile is flat (activity time is real time).
    pub fn new(s: &Scenario, profile: &[f64; 24], utc_offset: f64) -> Option<Self> {
        if profile.iter().all(|&d| d == profile[0]) && profile[0] == 1.0 {
            return None;
        }
        let steps_per_hour = 3600.0 / s.time.dt_seconds;
        let local_start = (s.time.start_utc_second_of_day / 3600.0 + utc_offset).rem_euclid(24.0);
        let mut hour = local_start.floor();
        let mut t = 0.0;
        let mut next = (hour + 1.0 - local_start) * steps_per_hour;
        let (mut start, mut cum, mut factor) = (vec![0.0], vec![0.0], Vec::new());
        // One segment past the end, so every time before the horizon has a segment.
        let horizon = s.time.steps as f64 + steps_per_hour;
        while t < horizon {
            let d = profile[hour.rem_euclid(24.0) as usize];
            factor.push(d);
            cum.push(cum.last().unwrap() + d * (next - t));
            start.push(next);
            t = next;
            next += steps_per_hour;
            hour += 1.0;
        }
        // Past the last boundary activity continues at the last factor (never reached
        // before the horizon, but keeps the inverse total).
        Some(DiurnalClock {
            start,
            cum,
            per_factor: factor.iter().map(|f| 1.0 / f).collect(),
            factor,
            hours_per_step: 1.0 / steps_per_hour,
        })
    }

    /// The segment containing real time `t`: segments after the first are whole hours,
    /// so this is arithmetic, not a search.
    #[inline]
    fn segment(&self, t: f64) -> usize {
        let last = self.factor.len() - 1;
        if t < self.start[1] {
            return 0;
        }
        let hours = (t - self.start[1]) * self.hours_per_step;
        (1 + hours as usize).min(last)
    }

    /// `Λ(t)`.
    pub fn forward(&self, t: f64) -> f64 {
        let i = self.segment(t);
        self.cum[i] + self.factor[i] * (t - self.start[i])
    }

    /// `Λ⁻¹(a)` for `a >= Λ(t)`: the first real time at which activity time reaches `a`,
    /// searching forward from the segment of `t` (gaps are mostly a few hours).
    /// Always inlined into the posting loop, its one hot caller: as a call, its cost
    /// swung by 10-15% of the loop with where the linker placed it (issue 10 bench).
    #[inline(always)]
    fn inverse_from(&self, t: f64, a: f64) -> f64 {
        let last = self.factor.len() - 1;
        let mut i = self.segment(t);
        let mut walked = 0;
        // Advance while the segment ends at or before the target; zero-activity hours
        // end where they start and are skipped the same way.
        while i < last && self.cum[i + 1] <= a {
            i += 1;
            walked += 1;
            if walked == 8 {
                // A long gap (a rare poster): finish with a binary search.
                i += self.cum[i..=last]
                    .partition_point(|&c| c <= a)
                    .saturating_sub(1);
                break;
            }
        }
        // The walk and the search stop on the last segment starting at or before `a`: a
        // zero-activity one only if it is the last (ends where it starts, so any other is
        // passed), and then `a` is never reached.
        if self.factor[i] == 0.0 {
            return f64::INFINITY;
        }
        self.start[i] + (a - self.cum[i]) * self.per_factor[i]
    }

    /// The time after `t` when `amount` of activity time has passed.
    #[inline]
    pub fn advance(clock: Option<&Self>, t: f64, amount: f64) -> f64 {
        match clock {
            None => t + amount,
            Some(c) => c.inverse_from(t, c.forward(t) + amount),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(start: &str) -> Scenario {
        scenario_of(start, "3h")
    }

    fn scenario_of(start: &str, duration: &str) -> Scenario {
        let toml = format!(
            "[time]\nstart = {start}\nduration = \"{duration}\"\ndt = \"10m\"\n[feeds.f]\n\
             [populations.p]\nsize = 1\nrate = {{ dist = \"constant\", value = 1.0 }}\n\
             targeting = {{ mode = \"weights\", weights = {{ f = 1.0 }} }}\n"
        );
        Scenario::from_toml(&toml, "t", &crate::scenario::Inputs::default()).unwrap()
    }

    #[test]
    fn integrates_the_profile_across_hour_boundaries() {
        // Start at 00:30 UTC, offset +1: local 01:30. Hours 1, 2, ... have factors 1, 2, ...
        let s = scenario("2020-01-01T00:30:00Z");
        let mut profile = [0.0; 24];
        for (h, p) in profile.iter_mut().enumerate() {
            *p = h as f64;
        }
        let c = DiurnalClock::new(&s, &profile, 1.0).unwrap();
        // 6 steps per hour; the first 3 steps (to 02:00 local) run at factor 1.
        assert!((c.forward(3.0) - 3.0).abs() < 1e-12);
        assert!((c.forward(9.0) - (3.0 + 2.0 * 6.0)).abs() < 1e-12);
        for t in [0.0, 1.5, 3.0, 7.25, 11.0, 17.9] {
            assert!(
                (c.inverse_from(0.0, c.forward(t)) - t).abs() < 1e-9,
                "t = {t}"
            );
        }
    }

    /// Past the last hour boundary activity goes on at the last hour's factor. Local
    /// 01:30 start, factor = local hour, 6 steps an hour, 3 hours: segments [0, 3) at 1,
    /// then whole hours at 2, 3, 4 and 5 from step 3 (the one at 5 covers the hour past
    /// the end, from step 21). By step 30: 3 + 12 + 18 + 24 + 9 x 5 = 102.
    #[test]
    fn activity_past_the_end_goes_on_at_the_last_factor() {
        let s = scenario("2020-01-01T00:30:00Z");
        let mut profile = [0.0; 24];
        for (h, p) in profile.iter_mut().enumerate() {
            *p = h as f64;
        }
        let c = DiurnalClock::new(&s, &profile, 1.0).unwrap();
        assert!(
            (c.forward(30.0) - 102.0).abs() < 1e-9,
            "{}",
            c.forward(30.0)
        );
        assert!((c.inverse_from(0.0, 102.0) - 30.0).abs() < 1e-9);
    }

    #[test]
    fn zero_activity_hours_are_skipped() {
        let s = scenario("2020-01-01T00:00:00Z");
        let mut profile = [1.0; 24];
        profile[1] = 0.0;
        let c = DiurnalClock::new(&s, &profile, 0.0).unwrap();
        // Hour 0 covers steps 0-6 (activity 6); hour 1 adds nothing; hour 2 resumes at 12.
        assert!((c.inverse_from(0.0, 6.5) - 12.5).abs() < 1e-12);
        assert!(
            DiurnalClock::new(&s, &[1.0; 24], 0.0).is_none(),
            "flat is the identity"
        );
    }

    /// The inverse walks forward at most 8 hours, then finishes with a binary search;
    /// both must find the segment a full search finds. Over 3 days, targets from 0 to
    /// 60 hours ahead take the walk, the search and the segments' ends.
    #[test]
    fn forward_walk_agrees_with_a_full_search() {
        let s = scenario_of("2020-01-01T05:17:00Z", "72h");
        let mut profile = [0.0; 24];
        for (h, p) in profile.iter_mut().enumerate() {
            *p = 0.25 + (h % 7) as f64 * 0.3;
        }
        let c = DiurnalClock::new(&s, &profile, -5.0).unwrap();
        let mut t = 0.3;
        for k in 0..2000 {
            // Targets within the covered segments (the last one extends past the horizon),
            // some on a segment's end.
            let top = c.cum[c.factor.len() - 1];
            let a = if k % 10 == 0 {
                c.cum[(c.segment(t) + k % 61).min(c.factor.len() - 1)]
            } else {
                (c.forward(t) + (k % 397) as f64 * 0.9).min(top - 1e-6)
            };
            let i = c.cum.partition_point(|&x| x <= a).saturating_sub(1);
            let expected = c.start[i] + (a - c.cum[i]) / c.factor[i];
            assert!(
                (c.inverse_from(t, a) - expected).abs() < 1e-9,
                "t {t}, a {a}"
            );
            t = (t + 0.7) % 100.0;
        }
    }
}
