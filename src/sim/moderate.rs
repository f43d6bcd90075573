//! Platform moderation inside a block: per-account rate limits, flagging posts by kind,
//! removing flagged posts after a delay, suspending accounts after repeated removals.
//!
//! All of it runs in the parallel posting phase on the block's own agents and stream;
//! the publish then takes removed posts out of the feeds.

use std::collections::BTreeMap;

use crate::scenario::{Moderation, RateLimit};

/// A flagged post waiting for removal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flagged {
    pub id: u64,
    /// Block-local author.
    pub agent: u16,
    pub feed: u8,
    pub pop: u8,
}

/// Moderation state of one block's agents.
#[derive(Debug, Default)]
pub struct BlockModeration {
    /// Rate-limit window each agent's count refers to, and the count.
    window: Vec<u32>,
    posted: Vec<u32>,
    /// Removals so far, per agent.
    removals: Vec<u16>,
    /// Flagged posts by the step at which they are removed.
    queue: BTreeMap<u32, Vec<Flagged>>,
}

impl BlockModeration {
    pub fn new(agents: usize, m: &Moderation) -> Self {
        let limited = m.rate_limit.is_some();
        BlockModeration {
            window: if limited {
                vec![u32::MAX; agents]
            } else {
                Vec::new()
            },
            posted: if limited { vec![0; agents] } else { Vec::new() },
            removals: vec![0; agents],
            queue: BTreeMap::new(),
        }
    }

    /// Whether the agent may post at time `t` under the rate limit (and counts the post).
    #[inline]
    pub fn admit(&mut self, agent: usize, t: f64, rule: &RateLimit) -> bool {
        let window = (t / rule.per_steps as f64) as u32;
        if self.window[agent] != window {
            self.window[agent] = window;
            self.posted[agent] = 0;
        }
        if self.posted[agent] >= rule.posts {
            return false;
        }
        self.posted[agent] += 1;
        true
    }

    /// Queues a flagged post for removal at `step`.
    pub fn schedule(&mut self, step: u32, post: Flagged) {
        self.queue.entry(step).or_default().push(post);
    }

    /// The posts removed at `step`; each one counts against its author, and the authors
    /// reaching `suspend_after` removals are returned as well (once).
    pub fn remove_due(
        &mut self,
        step: u32,
        suspend_after: Option<u32>,
    ) -> (Vec<Flagged>, Vec<u16>) {
        let due = self.queue.remove(&step).unwrap_or_default();
        let mut suspended = Vec::new();
        for f in &due {
            let n = &mut self.removals[f.agent as usize];
            *n = n.saturating_add(1);
            if suspend_after == Some(*n as u32) {
                suspended.push(f.agent);
            }
        }
        (due, suspended)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_counts_per_window() {
        let m = Moderation {
            rate_limit: Some(RateLimit {
                posts: 2,
                per_steps: 10,
            }),
            flag: vec![],
            removal_delay_steps: 0,
            suspend_after: None,
            detrend_above: 1.0,
        };
        let mut s = BlockModeration::new(1, &m);
        let rule = m.rate_limit.as_ref().unwrap();
        let admitted: Vec<bool> = [0.5, 1.0, 9.9, 10.0, 10.1, 19.0]
            .iter()
            .map(|&t| s.admit(0, t, rule))
            .collect();
        assert_eq!(admitted, [true, true, false, true, true, false]);
    }

    #[test]
    fn suspension_comes_with_the_kth_removal() {
        let m = Moderation {
            rate_limit: None,
            flag: vec![],
            removal_delay_steps: 0,
            suspend_after: Some(2),
            detrend_above: 1.0,
        };
        let mut s = BlockModeration::new(2, &m);
        for id in 0..3 {
            s.schedule(
                5 + id as u32,
                Flagged {
                    id,
                    agent: 1,
                    feed: 0,
                    pop: 0,
                },
            );
        }
        assert_eq!(s.remove_due(5, m.suspend_after).1, Vec::<u16>::new());
        assert_eq!(s.remove_due(6, m.suspend_after).1, vec![1]);
        assert_eq!(
            s.remove_due(7, m.suspend_after).1,
            Vec::<u16>::new(),
            "suspended once"
        );
    }
}
