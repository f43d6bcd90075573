//! Sizes of the engine's per-item state, for the memory estimate made before a run
//! (see `crate::memory`). Taken from the types themselves, so they follow any change.

use std::mem::size_of;

use super::block::{Agent, AgentState, Post};
use super::calendar::Candidate;
use super::moderate::Flagged;

/// Bytes per agent: life-cycle state, home feed, drawn attributes, one calendar entry
/// (every active agent has one; counted twice for the slack of growing buckets), and
/// a timed entry in the mobilisation phase's lists (pending activations).
pub const PER_AGENT: u64 = (size_of::<AgentState>()
    + size_of::<u8>()
    + size_of::<Agent>()
    + 2 * size_of::<Candidate>()
    + 2 * size_of::<(f64, u32)>()) as u64;
/// Extra bytes per agent per process counted per step that it takes part in (reading,
/// app submissions): its rate and the scheduled end of its period.
pub const PER_COUNTED_AGENT: u64 = (size_of::<f32>() + size_of::<(f64, u32)>()) as u64;
/// Extra bytes per agent of a population that rates the app: its scheduled rating.
pub const PER_RATING_AGENT: u64 = size_of::<(f64, u32)>() as u64;
/// Bytes per post of a step when readers see each post for its residence time: the
/// block's buffer and the feed's copy, its record in the Latest tab's exposure, its
/// slice in the step's sort, an engagement entry (post, count and reader) and the Top
/// tab's note of it until its next ranking (and the merge's copy).
pub const PER_READ_POST: u64 = (2 * size_of::<Post>()
    + size_of::<super::tabs::Seen>()
    + 2 * size_of::<u32>()
    + size_of::<(Post, u64)>()
    + size_of::<usize>()
    + 2 * size_of::<super::tabs::Tracked>()) as u64;
/// Extra bytes per agent of a population using the threshold model (threshold, count).
pub const PER_THRESHOLD_AGENT: u64 = (size_of::<f32>() + size_of::<u32>()) as u64;
/// Extra bytes per agent under moderation (rate-limit window and count, removals).
pub const PER_MODERATED_AGENT: u64 = (2 * size_of::<u32>() + size_of::<u16>()) as u64;
/// Extra bytes per reading agent that can repost: its rate while drawing, the alias
/// table (an index and odds) and its follower count.
pub const PER_REPOSTING_READER: u64 =
    (size_of::<f64>() + size_of::<u32>() + size_of::<f64>() + size_of::<u32>()) as u64;
/// Bytes per post held in a buffer or window.
pub const PER_POST: u64 = size_of::<Post>() as u64;
/// Bytes per post tracked by a Top tab (the post and its engagement, kept twice while
/// the tab merges what is new, and its score while it ranks).
pub const PER_TOP_POST: u64 = (3 * size_of::<super::tabs::Tracked>() + 8) as u64;
/// Bytes per flagged post waiting for removal (with the map's overhead).
pub const PER_FLAGGED: u64 = (size_of::<Flagged>() + 8) as u64;
/// Bytes per app submission held (queue item and its recorded wait).
pub const PER_SUBMISSION: u64 = 48;
/// Buckets in each block's post calendar, at most.
pub const CALENDAR_BUCKETS: u64 = 4096;
/// Agents per block.
pub const BLOCK_AGENTS: u64 = super::block::BLOCK_SIZE as u64;
