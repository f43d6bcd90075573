//! Sizes of the engine's per-item state, for the memory estimate made before a run
//! (see `crate::memory`). Taken from the types themselves, so they follow any change.

use std::mem::size_of;

use super::block::{Agent, AgentState, Post};
use super::calendar::{Candidate, Posting};
use super::moderate::Flagged;
use super::reach::Due;

/// How many times its entries' size a list that grows by doubling may hold: a list of
/// `n` entries has room for at most `2n`. The one slack factor of the estimate's lists
/// (each size below is exact).
pub const GROWTH: u64 = 2;
/// Bytes per agent held for the whole run, whatever the agent does: life-cycle state,
/// home feed, drawn attributes and mobilisation flags (allocated once, at their exact
/// size).
pub const PER_AGENT: u64 =
    (size_of::<AgentState>() + size_of::<u8>() + size_of::<Agent>() + size_of::<u8>()) as u64;
/// Bytes per agent of a block in which a posting process starts: its posting parameters
/// (a block of agents that only read or stay dormant holds none; the estimate counts
/// them for every agent).
pub const PER_POSTING_RECORD: u64 = size_of::<Posting>() as u64;
/// Bytes per entry of the post calendar: a posting process's next candidate post.
pub const PER_CANDIDATE: u64 = size_of::<Candidate>() as u64;
/// Bytes per candidate due in a step, besides the candidate: its agent's posting
/// parameters, gathered next to it by the posting loop.
pub const PER_DUE_POSTING: u64 = size_of::<Posting>() as u64;
/// Bytes per activation drawn in a step: its entry in its block's heap of the step's
/// activations (which keeps its room from step to step) and in the block's list of the
/// agents given a time in the step.
pub const PER_ACTIVATION: u64 = (size_of::<Due>() + size_of::<u16>()) as u64;
/// Bytes per message between blocks in the network's work of a step.
pub const PER_MESSAGE: u64 = size_of::<super::reach::Message>() as u64;
/// Messages a block sends per round of the network's work, at most.
pub const ROUND_BUDGET: u64 = super::reach::ROUND_BUDGET as u64;
/// Bytes per threshold agent that followees reach in a step: its record (a map entry,
/// with the map's control byte).
pub const PER_TIPPING_AGENT: u64 = super::reach::TIP_ENTRY as u64;
/// Bytes per followee in a threshold agent's record: its time and id.
pub const PER_TIPPING_FOLLOWEE: u64 = size_of::<(f64, u32)>() as u64;
/// Bytes per timed entry (time and agent) in the lists kept by step: a network hop
/// waiting for a later step, the end of an active period, a scheduled app rating.
pub const PER_TIMED: u64 = size_of::<(f64, u32)>() as u64;
/// Extra bytes per agent per process counted per step that it takes part in (reading,
/// app submissions): its rate.
pub const PER_COUNTED_AGENT: u64 = size_of::<f32>() as u64;
/// Bytes per post of a step when readers see each post for its residence time: the
/// block's buffer and the feed's sorted copy, its slice and the slice's count in the
/// step's sort, and its record in the Latest tab's exposure.
pub const PER_READ_POST: u64 =
    (2 * size_of::<Post>() + 2 * size_of::<u32>() + size_of::<super::tabs::Seen>()) as u64;
/// Bytes per entry of the list of a part's engaged posts: the post, its engagements and
/// which reading population engaged it.
pub const PER_ENGAGEMENT: u64 = (size_of::<(Post, u64)>() + size_of::<usize>()) as u64;
/// Bytes per post a ranked tab notes or tracks: the post and its engagement.
pub const PER_TRACKED: u64 = size_of::<super::tabs::Tracked>() as u64;
/// Bytes per candidate of a ranked tab's ranking: its score and the tracked post.
pub const PER_RANKED: u64 = size_of::<(f64, super::tabs::Tracked)>() as u64;
/// Extra bytes per agent of a population using the threshold model (threshold, count).
pub const PER_THRESHOLD_AGENT: u64 = (size_of::<f32>() + size_of::<u32>()) as u64;
/// Extra bytes per active agent of a population with discouragement: its block-local
/// index in its block's list of discourageable agents.
pub const PER_DISCOURAGEABLE: u64 = size_of::<u16>() as u64;
/// Extra bytes per agent under moderation: its removals so far.
pub const PER_MODERATED_AGENT: u64 = size_of::<u16>() as u64;
/// Extra bytes per agent under a rate limit: its window and its count in the window.
pub const PER_RATE_LIMITED_AGENT: u64 = (2 * size_of::<u32>()) as u64;
/// Extra bytes per reading agent that can repost: its entry in the alias table that
/// picks reposters (an index and odds) and its follower count. (Its browse rate as an
/// `f64` while the table is built is freed before the first step, and is less than the
/// step's activation lists, counted for every agent.)
pub const PER_REPOSTING_READER: u64 =
    (size_of::<u32>() + size_of::<f64>() + size_of::<u32>()) as u64;
/// Bytes per post held in a buffer or window.
pub const PER_POST: u64 = size_of::<Post>() as u64;
/// Bytes per flagged post in the lists of posts waiting for removal, kept by the step
/// they are removed at.
pub const PER_FLAGGED: u64 = size_of::<Flagged>() as u64;
/// Bytes per post id in a list of ids: a removed post noted by each ranked tab of its
/// feed until its next ranking, a post shown in another tab at a ranking.
pub const PER_POST_ID: u64 = size_of::<u64>() as u64;
/// Bytes per app submission held (queue item and its recorded wait).
pub const PER_SUBMISSION: u64 = 48;
/// Lists in each block's post calendar (each a 24-byte header).
pub const CALENDAR_LISTS: u64 = super::calendar::LISTS as u64;
/// Lists in each block's post calendar held in chunks.
pub const CHUNKED_LISTS: u64 = super::calendar::CHUNKED_LISTS as u64;
/// Candidates per chunk of a chunked list of the calendar.
pub const CHUNK: u64 = super::calendar::CHUNK as u64;
/// Agents per block.
pub const BLOCK_AGENTS: u64 = super::block::BLOCK_SIZE as u64;
