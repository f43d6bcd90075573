//! The post calendar: each active agent's next candidate post time, bucketed by step.
//!
//! A ring of buckets indexed by `step mod len`, so memory does not grow with the run's
//! length; an entry more than one lap ahead waits in its bucket until its own lap comes.
//! Cost is proportional to candidates, not to agents x steps.

/// A candidate post of the agent with this block-local index (blocks hold 2^16 agents)
/// at time `t` (in steps). 32 bytes.
///
/// Times are `f64`: exact to a few nanoseconds of a step over the longest allowed run
/// (`f32` stopped advancing past 2^24 steps, which stalled or skewed long runs). The
/// active period is kept as a length from `since` in `f32` (a relative error of 6e-8 of
/// the period, never of a time), which keeps the entry at 32 bytes: the posting loop
/// streams through these, and 40 bytes cost a third of its speed.
///
/// It carries the agent's posting parameters, copied at activation, so that the posting
/// loop reads one sequential stream instead of chasing each agent's record in memory
/// (that chase was a third of the run time on a million agents).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub agent: u16,
    pub pop: u8,
    pub tz: u8,
    /// Posts per step at diurnal factor 1.
    pub rate: f32,
    /// The rate (x decay) this candidate was drawn with: the thinning bound.
    pub bound: f32,
    /// Length of the active period from `since`; infinite if it does not end.
    pub active: f32,
    pub t: f64,
    /// Activation time, for activity decay and the end of the active period.
    pub since: f64,
}

// The posting loop's speed depends on this size; keep it.
const _: () = assert!(std::mem::size_of::<Candidate>() == 32);

impl Candidate {
    /// Whether time `t` is past the end of the agent's active period.
    #[inline]
    pub fn ended(&self, t: f64) -> bool {
        t - self.since >= self.active as f64
    }
}

#[derive(Debug)]
pub struct Calendar {
    buckets: Vec<Vec<Candidate>>,
    mask: usize,
}

impl Calendar {
    /// A calendar for a run of `steps` steps (at most 4096 buckets).
    pub fn new(steps: u32) -> Self {
        let len = (steps as usize).clamp(1, 4096).next_power_of_two();
        Calendar {
            buckets: vec![Vec::new(); len],
            mask: len - 1,
        }
    }

    /// Schedules a candidate in the bucket of step `floor(t)`.
    #[inline]
    pub fn push(&mut self, c: Candidate) {
        let step = c.t as usize;
        self.buckets[step & self.mask].push(c);
    }

    /// Removes and returns the candidates of `step`; the ones of later laps stay.
    pub fn take(&mut self, step: u32) -> Vec<Candidate> {
        let bucket = &mut self.buckets[step as usize & self.mask];
        let mut due = std::mem::take(bucket);
        if due.iter().any(|c| c.t as u32 != step) {
            let (now, later): (Vec<_>, Vec<_>) = due.into_iter().partition(|c| c.t as u32 == step);
            *bucket = later;
            due = now;
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(agent: u16, t: f64) -> Candidate {
        Candidate {
            agent,
            t,
            rate: 1.0,
            bound: 1.0,
            since: 0.0,
            active: f32::INFINITY,
            pop: 0,
            tz: 0,
        }
    }

    #[test]
    fn entries_come_back_on_their_own_step_only() {
        let mut cal = Calendar::new(10_000);
        cal.push(at(1, 5.5));
        cal.push(at(2, 5.0 + 4096.0));
        cal.push(at(3, 6.1));
        assert_eq!(cal.take(5), vec![at(1, 5.5)]);
        assert!(cal.take(4100).is_empty());
        assert_eq!(cal.take(4101)[0].agent, 2);
        assert_eq!(cal.take(6)[0].agent, 3);
    }
}
