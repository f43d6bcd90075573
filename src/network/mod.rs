//! Follower networks.
