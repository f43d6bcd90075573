//! hashflood: a parallel agent-based simulator of coordinated hashtag flooding.

pub mod network;
pub mod rng;
