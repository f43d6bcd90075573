//! The review queue: `c` reviewers, FIFO, optionally with triage (flagged items last).
//!
//! Items of a step are known at its start (with their arrival times within the step), so
//! each reviewer that frees up picks, at that moment, the best item that has arrived:
//! an exact multi-server queue in continuous time, advanced one step at a time.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::metrics::JunkLegit;

/// A submission in the app.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Item {
    /// Arrival time, in steps.
    pub arrival: f64,
    pub legit: bool,
    /// Flagged as junk by triage: reviewed after every unflagged item.
    pub flagged: bool,
}

/// A review that started: the item and how long it waited (steps).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Started {
    pub item: Item,
    pub wait: f64,
}

/// Reviewers and the waiting items.
#[derive(Debug)]
pub struct ReviewQueue {
    /// When each reviewer is next free (as bits of a non-negative f64, which order like
    /// the numbers), earliest first.
    free_at: BinaryHeap<Reverse<u64>>,
    first: VecDeque<Item>,
    last: VecDeque<Item>,
}

impl ReviewQueue {
    pub fn new(reviewers: u32) -> Self {
        ReviewQueue {
            free_at: (0..reviewers).map(|_| Reverse(0f64.to_bits())).collect(),
            first: VecDeque::new(),
            last: VecDeque::new(),
        }
    }

    /// Items waiting (not yet in review).
    pub fn waiting(&self) -> usize {
        self.first.len() + self.last.len()
    }

    /// Items waiting by kind.
    pub fn waiting_by_kind(&self) -> JunkLegit {
        let mut n = JunkLegit::default();
        for item in self.first.iter().chain(&self.last) {
            *n.of_mut(item.legit) += 1;
        }
        n
    }

    fn enqueue(&mut self, item: Item) {
        if item.flagged {
            self.last.push_back(item);
        } else {
            self.first.push_back(item);
        }
    }

    /// Runs the queue until `until` with this step's arrivals (sorted by time); each
    /// review takes `service()` steps. Returns the reviews that started.
    pub fn advance(
        &mut self,
        arrivals: &[Item],
        until: f64,
        mut service: impl FnMut() -> f64,
    ) -> Vec<Started> {
        let mut started = Vec::new();
        let mut incoming = arrivals.iter().copied().peekable();
        while let Some(&Reverse(bits)) = self.free_at.peek() {
            let free = f64::from_bits(bits);
            while let Some(item) = incoming.next_if(|i| i.arrival <= free) {
                self.enqueue(item);
            }
            let at = if self.waiting() > 0 {
                free
            } else {
                match incoming.next() {
                    Some(item) => {
                        self.enqueue(item);
                        item.arrival
                    }
                    None => break,
                }
            };
            if at >= until {
                break;
            }
            let item = self
                .first
                .pop_front()
                .or_else(|| self.last.pop_front())
                .expect("an item waits");
            self.free_at.pop();
            self.free_at.push(Reverse((at + service()).to_bits()));
            started.push(Started {
                item,
                wait: at - item.arrival,
            });
        }
        for item in incoming {
            self.enqueue(item);
        }
        started
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(arrival: f64, flagged: bool) -> Item {
        Item {
            arrival,
            legit: !flagged,
            flagged,
        }
    }

    #[test]
    fn one_reviewer_serves_in_arrival_order() {
        let mut q = ReviewQueue::new(1);
        let started = q.advance(
            &[item(0.1, false), item(0.2, false), item(0.3, false)],
            1.0,
            || 0.5,
        );
        // 0.1 starts at once, 0.2 at 0.6; 0.3 would start at 1.1, after the step.
        assert_eq!(started.len(), 2);
        assert!((started[1].wait - 0.4).abs() < 1e-12);
        assert_eq!(q.waiting(), 1);
        let next = q.advance(&[], 2.0, || 0.5);
        assert!((next[0].wait - 0.8).abs() < 1e-12);
    }

    #[test]
    fn triage_sends_flagged_items_last() {
        let mut q = ReviewQueue::new(1);
        // The reviewer is busy until 1.0; by then a flagged and an unflagged item wait.
        let s = q.advance(
            &[item(0.0, false), item(0.2, true), item(0.5, false)],
            3.0,
            || 1.0,
        );
        let order: Vec<f64> = s.iter().map(|s| s.item.arrival).collect();
        assert_eq!(
            order,
            [0.0, 0.5, 0.2],
            "the unflagged later arrival goes first"
        );
    }

    #[test]
    fn idle_reviewers_start_at_arrival() {
        let mut q = ReviewQueue::new(3);
        let s = q.advance(&[item(0.25, false), item(0.5, false)], 1.0, || 10.0);
        assert!(s.iter().all(|s| s.wait == 0.0));
    }
}
