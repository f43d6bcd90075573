//! The post calendar: each active agent's next candidate post time, by step (and, with
//! the same structure, the network's hops waiting for a later step).
//!
//! A hierarchy of windows of lists and a far list (see [`Calendar`]), so memory does not
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
    /// A process at `rate` that neither decays nor ends (what a candidate's bound says
    /// when its agent's record need not be read).
    #[inline]
    pub fn at_rate(rate: f32) -> Self {
        Posting {
            since: 0.0,
            rate,
            active: f32::INFINITY,
        }
    }

    /// Whether time `t` is past the end of the active period.
    #[inline]
    pub fn ended(&self, t: f64) -> bool {
        t - self.since >= self.active as f64
    }
}

/// An entry a [`Calendar`] files by its time.
pub trait Timed: Copy {
    /// Its time, in steps.
    fn time(&self) -> f64;
}

impl Timed for Candidate {
    #[inline]
    fn time(&self) -> f64 {
        self.t
    }
}

/// A time and an agent: a network hop due then.
impl Timed for (f64, u32) {
    #[inline]
    fn time(&self) -> f64 {
        self.0
    }
}

/// Lists per level of the calendar: each level's window is this many of its lists.
const FAN: u64 = 16;
/// log2 of [`FAN`].
const FAN_BITS: u32 = 4;
/// Levels with a window: single steps, then spans of 16 and of 256 steps.
const LEVELS: usize = 3;

/// Candidates per chunk of a chunked list (4 KB).
pub const CHUNK: usize = 256;

/// The calendar's lists: a list per step of the first window and per span of each
/// coarser level, and the far list.
pub const LISTS: usize = LEVELS * FAN as usize + 1;

/// Chunked lists per calendar (all but the first window's per-step lists).
pub const CHUNKED_LISTS: usize = LISTS - FAN as usize;

/// Candidates by step, in a hierarchy of windows (a timing wheel).
///
/// Level 0 is a window of 16 steps with a list per step; level 1 a window of 256 steps
/// with a list per 16-step span; level 2 a window of 4,096 steps with a list per
/// 256-step span; the far list holds the rest. Each window starts at a multiple of its
/// length, so each lies within the next. A candidate goes to the finest level whose
/// window holds its step. When the step to take leaves a window, the window moves on
/// and the list of the next level that covers its new range is read, in order, into it
/// (a move of level 2 reads the far list).
///
/// So every push appends to one of a few dozen lists, whose ends stay in cache (a list
/// per step over a window of 256 steps took a cache miss per push), and a candidate is
/// copied once per level at most. Each step's list still holds its candidates in the
/// order they were pushed, as a list per step would, and the posting loop, which draws
/// in that order, gives the same results: a coarse list's candidates of a step were all
/// pushed before the finer window reached that step (later pushes go to the finer
/// list), and the coarse list is read into the finer ones while those are still empty.
///
/// The coarser lists are held in chunks of [`CHUNK`] candidates, each freed as soon as
/// it has been read, so moving a window never holds much more room than candidates.
#[derive(Debug)]
pub struct Calendar<T: Timed = Candidate> {
    /// Level 0: a list per step.
    steps: Vec<Vec<T>>,
    /// Levels 1 and 2: a chunked list per span.
    spans: [Vec<Chunked<T>>; LEVELS - 1],
    far: Chunked<T>,
    /// First step of each level's window (a multiple of its length).
    start: [u64; LEVELS],
}

impl<T: Timed> Calendar<T> {
    /// An empty calendar (its first window starts at step 0).
    pub fn new() -> Self {
        let lists = || (0..FAN).map(|_| Chunked::default()).collect::<Vec<_>>();
        Calendar {
            steps: vec![Vec::new(); FAN as usize],
            spans: [lists(), lists()],
            far: Chunked::default(),
            start: [0; LEVELS],
        }
    }

    /// Steps in level `level`'s window.
    #[inline]
    fn window(level: usize) -> u64 {
        FAN << (FAN_BITS * level as u32)
    }

    /// Schedules an entry for step `floor(t)` (never before the window's start).
    #[inline]
    pub fn push(&mut self, c: T) {
        let step = c.time() as u64;
        if step < self.start[0] + FAN {
            self.steps[(step % FAN) as usize].push(c);
        } else if step < self.start[1] + Self::window(1) {
            self.spans[0][((step >> FAN_BITS) % FAN) as usize].push(c);
        } else if step < self.start[2] + Self::window(2) {
            self.spans[1][((step >> (2 * FAN_BITS)) % FAN) as usize].push(c);
        } else {
            self.far.push(c);
        }
    }

    /// Removes and returns the entries of `step`, in the order they were pushed.
    /// Steps are taken in increasing order.
    pub fn take(&mut self, step: u32) -> Vec<T> {
        let step = step as u64;
        if step >= self.start[0] + FAN {
            // The coarsest window left decides which list is read into the finer ones.
            let left = (1..LEVELS)
                .find(|&l| step < self.start[l] + Self::window(l))
                .unwrap_or(LEVELS);
            for l in 0..left {
                self.start[l] = step & !(Self::window(l) - 1);
            }
            let list = if left == LEVELS {
                std::mem::take(&mut self.far)
            } else {
                let span = (step >> (FAN_BITS * left as u32)) % FAN;
                std::mem::take(&mut self.spans[left - 1][span as usize])
            };
            for chunk in list.chunks {
                for c in chunk {
                    self.push(c);
                }
            }
        }
        std::mem::take(&mut self.steps[(step % FAN) as usize])
    }

    /// Gives back the list [`Calendar::take`] returned for `step`, emptied, so its
    /// room serves the step 16 later (a list grown from nothing each time was
    /// reallocated a few times per step).
    pub fn recycle(&mut self, step: u32, mut list: Vec<T>) {
        let slot = &mut self.steps[(step as u64 % FAN) as usize];
        if slot.is_empty() && slot.capacity() < list.capacity() {
            list.clear();
            *slot = list;
        }
    }
}

impl<T: Timed> Default for Calendar<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// A list in chunks: the first grows by doubling up to [`CHUNK`] entries, the others
/// are allocated full size, so its room is at most twice its length or one chunk more.
#[derive(Debug)]
struct Chunked<T> {
    chunks: Vec<Vec<T>>,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked { chunks: Vec::new() }
    }
}

impl<T> Chunked<T> {
    #[inline]
    fn push(&mut self, c: T) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(c),
            Some(_) => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(c);
                self.chunks.push(chunk);
            }
            None => self.chunks.push(vec![c]),
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
        let mut cal = Calendar::new();
        cal.push(at(1, 5.5));
        cal.push(at(2, 5.0 + 4096.0));
        cal.push(at(3, 6.1));
        assert_eq!(cal.take(5), vec![at(1, 5.5)]);
        assert_eq!(cal.take(6)[0].agent, 3);
        assert!(cal.take(4100).is_empty());
        assert_eq!(cal.take(4101)[0].agent, 2);
    }

    /// A coarser list holds its candidates in full chunks of [`CHUNK`] but the last, with
    /// room for no more (the memory estimate counts one chunk of slack per list): 1,000
    /// candidates for steps 300 to 399 (level 2) and as many past the last window (the
    /// far list) make 3 full chunks and one of 232 each, the first grown by doubling.
    /// A chunk closed one candidate late, or a new chunk's room left to grow, fails.
    #[test]
    fn coarse_lists_are_held_in_full_chunks() {
        let mut cal = Calendar::new();
        for i in 0..1000u16 {
            cal.push(at(i, 300.0 + f64::from(i) / 10.0));
            cal.push(at(i, 5000.0 + f64::from(i) / 10.0));
        }
        for list in [&cal.spans[1][1], &cal.far] {
            let lens: Vec<usize> = list.chunks.iter().map(Vec::len).collect();
            assert_eq!(lens, [CHUNK, CHUNK, CHUNK, 1000 - 3 * CHUNK]);
            let room: Vec<usize> = list.chunks.iter().map(Vec::capacity).collect();
            assert_eq!(room, [CHUNK; 4]);
        }
        // Taken in order, every candidate comes back on its step.
        let taken: usize = (0..6000).map(|step| cal.take(step).len()).sum();
        assert_eq!(taken, 2000);
    }

    /// A list given back keeps its room for its step 16 later, and is never put in
    /// place of candidates already filed there (a list given back late, after the
    /// window moved on, must not drop them). Fails if the room is not kept, or if a
    /// bigger list replaces a slot that is not empty.
    #[test]
    fn a_list_given_back_keeps_its_room_and_drops_nothing() {
        let mut cal = Calendar::new();
        (0..100).for_each(|i| cal.push(at(i, 5.5)));
        let list = cal.take(5);
        let room = list.capacity();
        cal.recycle(5, list);
        assert_eq!(cal.steps[5].capacity(), room, "room kept");
        cal.push(at(7, 21.5));
        assert_eq!(
            cal.steps[5].capacity(),
            room,
            "a later step is filed further up"
        );
        (6..21).for_each(|step| assert!(cal.take(step).is_empty()));
        assert_eq!(cal.take(21), vec![at(7, 21.5)]);

        let mut cal = Calendar::new();
        (0..100).for_each(|i| cal.push(at(i, 5.5)));
        cal.push(at(7, 21.5));
        let late = cal.take(5);
        (6..17).for_each(|step| assert!(cal.take(step).is_empty()));
        cal.recycle(5, late);
        (17..21).for_each(|step| assert!(cal.take(step).is_empty()));
        assert_eq!(cal.take(21), vec![at(7, 21.5)], "nothing dropped");
    }

    /// Against a list per step (the simplest calendar there is): random pushes at or
    /// after the current step, to every level (within a step, up to 300 steps ahead
    /// and up to 6,000, past the last window) over 10,000 steps, taken step by step,
    /// must come back on their step and in push order, which the posting loop's draws
    /// depend on. Fails if a coarser list's candidates are moved out of order, to the
    /// wrong step, or behind candidates pushed after them.
    #[test]
    fn each_step_returns_its_candidates_in_push_order() {
        use rand::{RngExt, SeedableRng};
        let mut rng = crate::rng::SimRng::seed_from_u64(3);
        let steps = 10_000u32;
        let mut cal = Calendar::new();
        let mut reference: Vec<Vec<Candidate>> = vec![Vec::new(); steps as usize];
        let mut next = 0u16;
        for step in 0..steps {
            for _ in 0..rng.random_range(0..12) {
                let reach = [3.0, 300.0, 6000.0][rng.random_range(0..3)];
                let t = step as f64 + rng.random::<f64>() * reach;
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
