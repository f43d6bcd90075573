//! The post calendar: each active agent's next candidate post time, by step.
//!
//! A near window of per-step lists and a far list (see [`Calendar`]), so memory does not
//! grow with the run's length. Cost is proportional to candidates, not to agents x steps.

/// A candidate post of the agent with this block-local index (blocks hold 2^16 agents)
/// at time `t` (in steps). 16 bytes: the posting loop streams through these, and each
/// byte of the entry is a byte it reads and writes per candidate.
///
/// Times are `f64`: exact to a few nanoseconds of a step over the longest allowed run
/// (`f32` stopped advancing past 2^24 steps, which stalled or skewed long runs).
///
/// The agent's posting parameters (its rate, activation and active period) are in its
/// block's [`Posting`] record, 16 bytes per agent (a block's fit in a core's cache);
/// the entry keeps what belongs to this candidate: its time, the rate it was drawn with
/// and which of the agent's posting processes it is, and the population and time zone
/// the loop needs before it reads the record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub t: f64,
    /// The rate (x decay) this candidate was drawn with, the thinning bound; negative
    /// for the agent's second process after escalation (see [`Candidate::bound`]).
    signed_bound: f32,
    pub agent: u16,
    pub pop: u8,
    pub tz: u8,
}

// The posting loop's speed depends on this size; keep it.
const _: () = assert!(std::mem::size_of::<Candidate>() == 16);

impl Candidate {
    /// A candidate of `agent`'s own posting process (`escalated`: its second process,
    /// after escalation) at `t`, drawn at rate `bound`.
    #[inline]
    pub fn new(agent: u16, pop: u8, tz: u8, t: f64, bound: f32, escalated: bool) -> Self {
        Candidate {
            t,
            signed_bound: if escalated { -bound } else { bound },
            agent,
            pop,
            tz,
        }
    }

    /// The rate this candidate was drawn with.
    #[inline]
    pub fn bound(&self) -> f32 {
        self.signed_bound.abs()
    }

    /// Whether this is the agent's second posting process (after escalation).
    #[inline]
    pub fn escalated(&self) -> bool {
        self.signed_bound.is_sign_negative()
    }

    /// Sets the rate the next candidate is drawn with.
    #[inline]
    pub fn set_bound(&mut self, bound: f32) {
        self.signed_bound = if self.escalated() { -bound } else { bound };
    }
}

/// An active agent's posting parameters, read by the posting loop for each of its
/// candidates. 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Posting {
    /// Activation time, for activity decay and the end of the active period.
    pub since: f64,
    /// Posts per step at diurnal factor 1 (of the agent's own process).
    pub rate: f32,
    /// Length of the active period from `since` (kept in `f32`: a relative error of
    /// 6e-8 of the period, never of a time); infinite if it does not end.
    pub active: f32,
}

const _: () = assert!(std::mem::size_of::<Posting>() == 16);

impl Posting {
    /// Whether time `t` is past the end of the active period.
    #[inline]
    pub fn ended(&self, t: f64) -> bool {
        t - self.since >= self.active as f64
    }
}

/// Steps in the calendar's near window, at most: candidates due in it go straight to
/// their step's list, later ones to the far list.
pub const NEAR_STEPS: usize = 256;

/// Candidates per chunk of the far list (32 KB).
pub const FAR_CHUNK: usize = 1024;

/// Candidates by step: a near window of per-step lists, and one far list for the rest.
///
/// A push into the window appends to one of a few lists whose ends stay in cache; a
/// push beyond it appends to the far list, in sequence. Every `NEAR_STEPS` steps the
/// far list is read once, in order, and the candidates due in the new window move to
/// its lists (the rest stay, in order). So each step's list holds its candidates in the
/// order they were pushed, as a list per step would: the posting loop, which draws in
/// that order, gives the same results. (A ring of 4,096 per-step lists cost a cache
/// miss per push, the calendar's largest cost on a million agents.)
///
/// The far list is held in chunks of [`FAR_CHUNK`] candidates, each freed as soon as
/// it has been read when the window moves, so the far list never holds much more room
/// than candidates, even while its candidates fill the near lists.
#[derive(Debug)]
pub struct Calendar {
    near: Vec<Vec<Candidate>>,
    mask: usize,
    /// First step of the near window: it covers `start .. start + near.len()`.
    start: u32,
    /// Candidates due at or after the window's end, in push order, in full chunks but
    /// the last.
    far: Vec<Vec<Candidate>>,
}

impl Calendar {
    /// A calendar for a run of `steps` steps.
    pub fn new(steps: u32) -> Self {
        let len = (steps as usize).clamp(1, NEAR_STEPS).next_power_of_two();
        Calendar {
            near: vec![Vec::new(); len],
            mask: len - 1,
            start: 0,
            far: Vec::new(),
        }
    }

    /// Schedules a candidate for step `floor(t)` (never before the window's start).
    #[inline]
    pub fn push(&mut self, c: Candidate) {
        let step = c.t as usize;
        if step < self.start as usize + self.near.len() {
            self.near[step & self.mask].push(c);
        } else {
            push_far(&mut self.far, c);
        }
    }

    /// Removes and returns the candidates of `step`, in the order they were pushed.
    /// Steps are taken in increasing order.
    pub fn take(&mut self, step: u32) -> Vec<Candidate> {
        if step as usize >= self.start as usize + self.near.len() {
            self.open_window(step);
        }
        std::mem::take(&mut self.near[step as usize & self.mask])
    }

    /// Moves the window to start at `step` (every earlier step's list has been taken),
    /// moving the far candidates due in it to their lists in order.
    fn open_window(&mut self, step: u32) {
        self.start = step;
        let end = step as usize + self.near.len();
        let old = std::mem::take(&mut self.far);
        for chunk in old {
            for c in chunk {
                let due = c.t as usize;
                if due < end {
                    self.near[due & self.mask].push(c);
                } else {
                    push_far(&mut self.far, c);
                }
            }
        }
    }
}

/// Appends to the far list, starting a chunk when the last is full.
#[inline]
fn push_far(far: &mut Vec<Vec<Candidate>>, c: Candidate) {
    match far.last_mut() {
        Some(chunk) if chunk.len() < FAR_CHUNK => chunk.push(c),
        _ => {
            let mut chunk = Vec::with_capacity(FAR_CHUNK);
            chunk.push(c);
            far.push(chunk);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(agent: u16, t: f64) -> Candidate {
        Candidate::new(agent, 0, 0, t, 1.0, false)
    }

    #[test]
    fn entries_come_back_on_their_own_step_only() {
        let mut cal = Calendar::new(10_000);
        cal.push(at(1, 5.5));
        cal.push(at(2, 5.0 + 4096.0));
        cal.push(at(3, 6.1));
        assert_eq!(cal.take(5), vec![at(1, 5.5)]);
        assert_eq!(cal.take(6)[0].agent, 3);
        assert!(cal.take(4100).is_empty());
        assert_eq!(cal.take(4101)[0].agent, 2);
    }

    /// Against a list per step (the simplest calendar there is): random pushes at or
    /// after the current step, near and far (up to 300 steps ahead, several windows),
    /// taken step by step, must come back on their step and in push order, which the
    /// posting loop's draws depend on. Fails if the far list's candidates are moved
    /// out of order, to the wrong step, or behind candidates pushed after them.
    #[test]
    fn each_step_returns_its_candidates_in_push_order() {
        use rand::{RngExt, SeedableRng};
        let mut rng = crate::rng::SimRng::seed_from_u64(3);
        let steps = 1000u32;
        let mut cal = Calendar::new(steps);
        let mut reference: Vec<Vec<Candidate>> = vec![Vec::new(); steps as usize];
        let mut next = 0u16;
        for step in 0..steps {
            for _ in 0..rng.random_range(0..20) {
                let ahead = if rng.random_bool(0.5) {
                    rng.random::<f64>() * 3.0
                } else {
                    rng.random::<f64>() * 300.0
                };
                let t = step as f64 + ahead;
                if t < steps as f64 {
                    let c = at(next, t);
                    next = next.wrapping_add(1);
                    cal.push(c);
                    reference[t as usize].push(c);
                }
            }
            assert_eq!(cal.take(step), reference[step as usize], "step {step}");
        }
    }
}
