//! The memory and work a run needs, estimated from the validated scenario before
//! anything is allocated or read, so that a run that would exhaust memory (or run for
//! days) is refused with a clear message instead of being killed.
//!
//! Every part is an upper bound in bytes, computed with saturating arithmetic: an
//! estimate that would overflow is "too large", never a small number after wrapping.
//! Work that grows with posts (buffers, moderation queues, the app's queue) is bounded
//! through the expected number of events with a margin for heavy tails (see
//! [`rate_bound`]); draws are capped per key (`scenario::limits`).

use crate::network::{self, BYTES_PER_EDGE, BYTES_PER_NODE};
use crate::scenario::{
    Capped, Cascade, Network, NetworkSource, Population, Scenario, ScenarioError, chance_in_step,
};
use crate::sim::footprint as fp;

/// Bytes of the program itself, its thread stacks and small tables.
const BASE: u64 = 32 << 20;
/// Bytes of CSV text per time-series row, at most (17 columns of numbers and names).
const CSV_BYTES_PER_ROW: u64 = 512;

/// The estimate for one scenario, by part (bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Held while one run is simulated: agents, network, feeds, queues, recorder.
    pub engine: u64,
    /// Held once however many runs there are: the follower network when the runs share
    /// one ([`Estimate::share_network`]); 0 for runs that each build their own.
    pub shared: u64,
    /// Kept after a run until written: its time series and Latest windows.
    pub outputs: u64,
    /// The named parts, for messages.
    pub parts: Vec<(&'static str, u64)>,
    /// Operations a run is expected to take, at most: posts and app submissions (with
    /// a margin, see [`rate_bound`]), agents visited by per-step chances (broadcast,
    /// discouragement, rating), and each step's and sample's fixed bookkeeping.
    pub work: f64,
    /// The named parts of `work`, for messages.
    pub work_parts: Vec<(&'static str, f64)>,
    /// Expected browses, with the same margin.
    pub browses: f64,
}

impl Estimate {
    /// Bytes needed for `total` runs of which `parallel` are simulated at once, all
    /// outputs held until written (replicates): saturating.
    pub fn bytes_for(&self, parallel: u64, total: u64) -> u64 {
        BASE.saturating_add(self.shared)
            .saturating_add(self.engine.saturating_mul(parallel.max(1)))
            .saturating_add(self.outputs.saturating_mul(total.max(1)))
    }

    /// Refuses `total` runs, `parallel` of them at once, when they need more than
    /// `limit_mb` (`limits.memory_mb`).
    pub fn check(&self, limit_mb: u64, parallel: u64, total: u64) -> Result<(), ScenarioError> {
        let needed_mb = mb(self.bytes_for(parallel, total));
        if needed_mb <= limit_mb {
            return Ok(());
        }
        let detail = if total > 1 {
            format!(
                "{total} runs, {parallel} at once{}; one run: {}",
                if self.shared > 0 {
                    ", sharing one network"
                } else {
                    ""
                },
                self.detail()
            )
        } else {
            self.detail()
        };
        Err(ScenarioError::TooLarge {
            needed_mb,
            limit_mb,
            detail,
        })
    }

    /// Bytes of heap one run needs: every part, without the program's fixed base.
    pub fn heap_bytes(&self) -> u64 {
        self.engine
            .saturating_add(self.shared)
            .saturating_add(self.outputs)
    }

    /// The estimate for runs that share one follower network (it does not depend on the
    /// seed): the network is counted once, not once per run at once.
    pub fn share_network(mut self) -> Estimate {
        let network = self
            .parts
            .iter()
            .find(|p| p.0 == "network")
            .map_or(0, |p| p.1);
        self.engine = self.engine.saturating_sub(network);
        self.shared = self.shared.saturating_add(network);
        self
    }

    /// The largest parts of the work, as "posts 1.2e11, per-step bookkeeping 3.0e10".
    pub fn work_detail(&self) -> String {
        let mut parts = self.work_parts.clone();
        parts.sort_by(|a, b| b.1.total_cmp(&a.1));
        parts
            .iter()
            .filter(|p| p.1 > 0.0)
            .take(3)
            .map(|(name, n)| format!("{name} {n:.1e}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The largest parts, as "agents 12 MB, network 40 MB".
    pub fn detail(&self) -> String {
        let mut parts = self.parts.clone();
        parts.sort_by_key(|p| std::cmp::Reverse(p.1));
        parts
            .iter()
            .filter(|p| p.1 >= 1 << 20)
            .take(4)
            .map(|(name, b)| format!("{name} {} MB", mb(*b)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Refuses `total` runs of `s`, `parallel` of them at once (replicates), when their
/// estimated memory is over `limits.memory_mb`; with `shared_network` the runs share one
/// follower network, counted once ([`Estimate::share_network`]).
pub fn check_runs(
    s: &Scenario,
    parallel: u64,
    total: u64,
    shared_network: bool,
) -> Result<(), ScenarioError> {
    let e = estimate(s);
    let e = if shared_network { e.share_network() } else { e };
    e.check(s.memory_limit_mb, parallel, total)
}

/// Bytes in whole megabytes, rounded up.
pub fn mb(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 20)
}

/// An upper bound on the sum of the capped rates of `size` agents drawn from `rate`
/// (per step): the mean plus six standard deviations of the sum, never above every
/// agent at the cap. The variance of a draw capped at `c` with mean `m` is at most
/// `c * m`, so the bound holds whatever the tail of the distribution.
pub fn rate_bound(size: u64, rate: &Capped) -> f64 {
    let n = size as f64;
    let m = rate.dist.capped_mean_bound(rate.cap);
    (n * m + 6.0 * (n * rate.cap * m).sqrt()).min(n * rate.cap)
}

/// The peak of a population's diurnal profile (activity per step is at most its
/// rate sum times this).
fn peak(pop: &Population) -> f64 {
    pop.diurnal.iter().copied().fold(1.0, f64::max)
}

/// Events per step at most, over the populations with the rate `rate` picks: each
/// population's [`rate_bound`] at its diurnal peak.
fn per_step(s: &Scenario, rate: impl Fn(&Population) -> Option<&Capped>) -> f64 {
    s.populations
        .iter()
        .filter_map(|p| rate(p).map(|r| rate_bound(p.size as u64, r) * peak(p)))
        .sum()
}

/// Saturating product of a float bound and a byte size.
fn bytes(count: f64, each: u64) -> u64 {
    // Float to integer casts saturate (and NaN gives 0, which no bound here produces).
    (count * each as f64).ceil() as u64
}

/// Bytes of the agents' state: what each holds for the whole run, the lists of a step's
/// activations (at the first step every agent may be drawn at once), and what the
/// population's mechanisms keep per agent. Lists that grow are counted at their largest
/// room ([`fp::GROWTH`]).
fn agent_bytes(s: &Scenario, agents: u64) -> u64 {
    let mut bytes = agents
        .saturating_mul(fp::PER_AGENT + fp::PER_POSTING_RECORD + fp::GROWTH * fp::PER_ACTIVATION);
    let mut add = |n: u64, each: u64| bytes = bytes.saturating_add(n.saturating_mul(each));
    if s.populations
        .iter()
        .any(|p| p.mobilisation.cascade.is_some())
    {
        // The hops' calendar (`sim::calendar`): a chunk of room per chunked list and one
        // more while a window moves, and its lists of chunks.
        let hops: u64 = s.populations.iter().map(|p| p.size as u64).sum();
        add(fp::CHUNKED_LISTS + 1, fp::CHUNK * fp::PER_TIMED);
        add(hops / fp::CHUNK + fp::CHUNKED_LISTS + 1, fp::GROWTH * 24);
    }
    for p in &s.populations {
        let size = p.size as u64;
        if p.mobilisation.cascade.is_some() {
            // Hops waiting for a later step.
            add(size, fp::GROWTH * fp::PER_TIMED);
        }
        if matches!(p.mobilisation.cascade, Some(Cascade::Threshold { .. })) {
            add(size, fp::PER_THRESHOLD_AGENT);
        }
        if p.reading.as_ref().is_some_and(|r| r.repost_share > 0.0) {
            add(size, fp::PER_REPOSTING_READER);
        }
        if p.discouragement.is_some() {
            // Its entry in its block's list of discourageable agents.
            add(size, fp::GROWTH * fp::PER_DISCOURAGEABLE);
        }
        let counted = p.reading.is_some() as u64 + p.app.is_some() as u64;
        add(size * counted, fp::PER_COUNTED_AGENT);
        if counted > 0 && p.fatigue.active_steps.is_some() {
            // The scheduled end of the counted period.
            add(size, fp::GROWTH * fp::PER_TIMED);
        }
        if p.app.as_ref().is_some_and(|a| a.rating.is_some()) {
            // The scheduled rating.
            add(size, fp::GROWTH * fp::PER_TIMED);
        }
    }
    if let Some(m) = &s.moderation {
        add(agents, fp::PER_MODERATED_AGENT);
        if m.rate_limit.is_some() {
            add(agents, fp::PER_RATE_LIMITED_AGENT);
        }
    }
    bytes
}

/// Bytes of the post calendar: one candidate per posting process (an escalating agent
/// has two), and while a step is posted the candidates due in it are held as well as
/// their successors. Those due are at most one per process and at most the step's
/// candidates at the bound [`rate_bound`] gives (each due candidate is a post, a thinned
/// one or one a rate limit turns away, at the rate it was drawn with), plus six standard
/// deviations of a Poisson count; the posting loop gathers the posting parameters of
/// those due next to them. Each block's coarser lists (`sim::calendar`) hold
/// their candidates in chunks: besides them, each has room for at most one chunk more
/// (its last, partly filled), and one more is held while a window moves; and a list of
/// its chunks (24 bytes each).
fn calendar_bytes(s: &Scenario, drawn_per_step: f64, blocks: u64) -> u64 {
    let processes: u64 = s
        .populations
        .iter()
        .map(|p| {
            let escalates = p.discouragement.as_ref().is_some_and(|d| d.factor > 1.0);
            p.size as u64 * (1 + escalates as u64)
        })
        .fold(0, u64::saturating_add);
    let due = (drawn_per_step + 6.0 * drawn_per_step.sqrt() + 1.0).min(processes as f64);
    let candidates = processes as f64 + due;
    let lists = blocks.saturating_mul(fp::CHUNKED_LISTS + 1);
    let room = lists.saturating_mul(fp::CHUNK * fp::PER_CANDIDATE);
    let chunks = candidates / fp::CHUNK as f64 + lists as f64;
    bytes(candidates, fp::GROWTH * fp::PER_CANDIDATE)
        .saturating_add(bytes(due, fp::GROWTH * fp::PER_DUE_POSTING))
        .saturating_add(room)
        .saturating_add(bytes(chunks, fp::GROWTH * 24))
}

/// Bytes of the feeds' tabs and of the engagement that feeds the ranked ones.
struct TabBytes {
    /// The Latest windows.
    windows: u64,
    /// The list of a part's engaged posts (one entry per post, tab and reading
    /// population), reused from part to part.
    engagement: u64,
    /// The ranked tabs' lists: notes of arrivals and engagement until the next ranking,
    /// the posts tracked, the merge's copy, the sort's scratch, the ranking's candidates.
    ranked: u64,
}

/// At most `x` plus six standard deviations of a Poisson count of mean `x`.
fn poisson_bound(x: f64) -> f64 {
    x + 6.0 * x.sqrt() + 1.0
}

/// The tabs' bytes (see [`TabBytes`]), with at most `posts_per_step` posts a step and
/// `posts` in the run, of which at most `flagged_held` wait for removal at once, for at
/// most `flagged_steps` steps each.
///
/// A ranked tab of `K` posts notes, between two rankings, each post arriving in the
/// Latest window and each engaged post's entry, and merges the notes into the posts it
/// tracks. An entry is at most one per post seen and reading population in each tab
/// (in Latest: the posts of the part and the window shown at its start; in the ranked
/// tab: the `K` shown), and at most one per engagement (a Poisson count of mean
/// browses x posts shown x appeal). What the tab keeps after a ranking is bounded by
/// its rule (`sim::tabs::top`): besides the posts shown in Latest and the flagged ones,
/// a post is kept only while fewer than `K` younger posts have at least its engagement,
/// so at most `K` kept posts share an engagement count; `d` distinct counts need at
/// least `K d (d - 1) / 2` engagements, and the run has at most `E`, so at most
/// `K d` posts are kept with `K d (d - 1) / 2 <= E`.
fn tab_bytes(
    s: &Scenario,
    posts_per_step: f64,
    posts: f64,
    (flagged_held, flagged_steps): (f64, f64),
) -> TabBytes {
    let steps = s.time.steps as f64;
    let shown_most = s
        .feeds
        .iter()
        .flat_map(|f| &f.tabs)
        .map(|t| t.size as f64)
        .fold(0.0, f64::max);
    // Each reading population's expected engagements in a stretch of `len` steps, at
    // most: its browses (at the rate bound) x the most posts a browse shows x appeal.
    let readers: Vec<f64> = s
        .populations
        .iter()
        .filter_map(|p| {
            let r = p.reading.as_ref()?;
            let appeal = r.appeal.iter().copied().fold(0.0, f64::max);
            Some(rate_bound(p.size as u64, &r.rate_per_step) * peak(p) * shown_most * appeal)
        })
        .collect();
    let engagements = |len: f64| -> f64 { readers.iter().map(|r| poisson_bound(r * len)).sum() };
    let total = engagements(steps);
    let mut windows = 0u64;
    let mut engaged_in_part = 0f64;
    let mut ranked = 0u64;
    for f in &s.feeds {
        let w = f.latest_window() as f64;
        windows = windows.saturating_add(bytes(w, fp::PER_POST));
        let k: f64 = f.tabs[1..].iter().map(|t| t.size as f64).sum();
        // The parts a ranking follows, and their length in steps.
        let (parts, part) = if f.rerank.per_step > 1 {
            (1.0, 1.0 / f.rerank.per_step as f64)
        } else {
            (f.rerank.every_steps as f64, 1.0)
        };
        // Engaged posts' entries in `n` parts: per reading population, the posts seen
        // in Latest and in the ranked tabs, each at most its engagements.
        let entries = |n: f64| -> f64 {
            let seen = (poisson_bound(posts_per_step * part * n)).min(posts) + n * w;
            readers
                .iter()
                .map(|r| {
                    let engaged = poisson_bound(r * part * n);
                    seen.min(engaged) + (n * k).min(engaged)
                })
                .sum()
        };
        engaged_in_part = engaged_in_part.max(entries(1.0));
        // A feed without a ranked tab (none in a scenario file) notes nothing.
        if k == 0.0 {
            continue;
        }
        let noted = parts * w + entries(parts);
        // Kept after a ranking: `K d` with `K d (d - 1) / 2 <= E` (and never more than
        // the run's posts), the window, and the flagged posts noted while they wait.
        let counts = (0.5 + (0.25 + 2.0 * total / k).sqrt()).floor();
        let waiting = flagged_steps / part;
        let flagged = flagged_held.min(waiting * w + entries(waiting));
        let kept = w + flagged + (k * counts).min(posts);
        let merged = kept + noted;
        let tab = [
            // The notes, the tracked posts and the merge's copy (each with room to grow),
            // and the sort's scratch for the notes.
            bytes(noted, fp::GROWTH * fp::PER_TRACKED),
            bytes(merged, 2 * fp::GROWTH * fp::PER_TRACKED),
            bytes(noted, fp::PER_TRACKED),
            // The ranking's candidates, and the posts shown (which may keep the
            // candidates' allocation until the next ranking).
            bytes(kept, 2 * fp::GROWTH * fp::PER_RANKED),
            // The ids shown in the other tabs, and their sorted copy.
            bytes(w, 2 * fp::PER_POST_ID),
        ];
        ranked = tab.into_iter().fold(ranked, u64::saturating_add);
    }
    TabBytes {
        windows,
        engagement: bytes(engaged_in_part, fp::GROWTH * fp::PER_ENGAGEMENT),
        ranked,
    }
}

/// Estimates the memory and work of one run of `s`. Edge-list files are measured by
/// their size on disk, never read.
pub fn estimate(s: &Scenario) -> Estimate {
    let agents = s.agent_count();
    let steps = s.time.steps as u64;
    let nf = s.feeds.len() as u64;
    let np = s.populations.len() as u64;
    let nk = s.kinds.len().max(1) as u64;
    let nl = s.metrics.levels.len() as u64;
    let samples = steps.div_ceil(s.metrics.sample_every_steps as u64) + 1;
    let blocks = agents.div_ceil(fp::BLOCK_AGENTS);

    // Events per step, at most (with the margin), and over the run.
    // An escalating population may post `factor` times its rate: the candidate posts
    // drawn. A rate limit admits at most `posts` of them per account and window, and a
    // window (whole steps) never straddles a step: the posts that are made.
    let limit = s.moderation.as_ref().and_then(|m| m.rate_limit.as_ref());
    let (mut drawn_per_step, mut posts_per_step) = (0.0, 0.0);
    for p in &s.populations {
        let factor = p.discouragement.as_ref().map_or(1.0, |d| d.factor);
        let drawn = rate_bound(p.size as u64, &p.rate_per_step) * peak(p) * factor;
        drawn_per_step += drawn;
        posts_per_step += limit.map_or(drawn, |l| drawn.min(p.size as f64 * l.posts as f64));
    }
    let drawn = drawn_per_step * steps as f64;
    let posts = posts_per_step * steps as f64;
    let submissions = per_step(s, |p| p.app.as_ref().map(|a| &a.submit_per_step)) * steps as f64;
    let browses = per_step(s, |p| p.reading.as_ref().map(|r| &r.rate_per_step)) * steps as f64;

    let mut parts = Vec::new();
    parts.push(("agents", agent_bytes(s, agents)));
    parts.push(("post calendar", calendar_bytes(s, drawn_per_step, blocks)));

    let block_tables = blocks
        .saturating_mul(fp::CALENDAR_LISTS * 24 + nf * np * nk * 4 + nf * np * 8 + nf * 24 + 4096);
    parts.push(("block tables", block_tables));

    parts.push(("network", network_bytes(s, agents)));
    parts.push(("network's work", reach_bytes(s, blocks)));

    // Without readers, each block buffers at most 2K + 1024 posts per feed in a step
    // (and never more than the step's posts) and the publish copies at most K per feed
    // and block. Readers see every post for its residence time: all of a step's posts
    // are kept, with their exposure.
    let reading = s.populations.iter().any(|p| p.reading.is_some());
    let buffers = if reading {
        bytes(posts_per_step, fp::GROWTH * fp::PER_READ_POST)
    } else {
        let buffer_cap: f64 = s
            .feeds
            .iter()
            .map(|f| (2 * f.latest_window() as u64 + 1024) as f64 * blocks as f64)
            .sum();
        bytes(posts_per_step.min(buffer_cap), 2 * fp::PER_POST)
    };
    parts.push(("post buffers", buffers));

    // Moderation: a step's flagged posts wait in a list of their own until their
    // removal step; while a step's due list is taken out, the next step's fills:
    // `delay + 1` lists.
    let flag = s
        .moderation
        .as_ref()
        .map_or(0.0, |m| m.flag.iter().copied().fold(0.0, f64::max));
    let flagged = posts_per_step * flag;
    let flagged_steps = s
        .moderation
        .as_ref()
        .map_or(0.0, |m| m.removal_delay_steps as f64 + 1.0);
    let flagged_held = (flagged * flagged_steps).min(posts * flag);
    let tabs = tab_bytes(s, posts_per_step, posts, (flagged_held, flagged_steps));
    parts.push(("feed windows", tabs.windows));
    parts.push(("engagement", tabs.engagement));
    parts.push(("ranked tabs", tabs.ranked));
    let trending: u64 = s
        .feeds
        .iter()
        .filter_map(|f| f.trending.as_ref())
        // A ring of per-step vectors: their counts, headers and allocations.
        .map(|t| (t.window_steps.min(s.time.steps) as u64) * (np * 8 + 64))
        .fold(0, u64::saturating_add);
    parts.push(("trending windows", trending));

    if s.moderation.is_some() {
        // Each ranked tab notes the ids removed from its feed until it ranks again (at
        // most every removal of the run; the feed that notes most bounds the sum).
        let ids = s
            .feeds
            .iter()
            .map(|f| {
                let between = (flagged * f.rerank.every_steps as f64).min(posts * flag);
                (f.tabs.len() - 1) as f64 * between
            })
            .fold(0.0, f64::max);
        let queue = bytes(flagged_held, fp::GROWTH * fp::PER_FLAGGED)
            .saturating_add(bytes(ids, fp::GROWTH * fp::PER_POST_ID));
        parts.push(("moderation queue", queue));
    }
    // The outage window's ring, and each reviewer's next free time (a heap entry).
    let outage_ring = s.app.as_ref().map_or(0, |a| {
        a.outage_window_steps.min(s.time.steps) as u64 * 8 + a.reviewers as u64 * 16
    });
    parts.push((
        "app queue",
        bytes(submissions, fp::PER_SUBMISSION).saturating_add(outage_ring),
    ));

    let recorder = nf
        .saturating_mul(np)
        .saturating_mul(2 * (nl * 16 + 64) + nk * 16 + 256)
        .saturating_add(np.saturating_mul(samples).saturating_mul(8));
    parts.push(("recorder", recorder));

    // Outputs: series rows, Latest windows at each sample, app rows; and the CSV text
    // of one run while it is written.
    let rows = samples.saturating_mul(nf).saturating_mul(np);
    // Each row holds its tabs' shares on the heap (and the allocator's header).
    let tabs = s.feeds.first().map_or(0, |f| f.tabs.len() as u64);
    let series = rows
        .saturating_mul(std::mem::size_of::<crate::metrics::SeriesRow>() as u64 + 8 * tabs + 16);
    let window_items: u64 = s.feeds.iter().map(|f| f.latest_window() as u64).sum();
    let name_len = s
        .populations
        .iter()
        .map(|p| p.name.len() as u64)
        .max()
        .unwrap_or(1);
    let window_rows = samples.saturating_mul(window_items.saturating_add(nf * 64));
    let app_rows = if s.app.is_some() {
        samples.saturating_mul(128)
    } else {
        0
    };
    let outputs = series.saturating_add(window_rows).saturating_add(app_rows);
    parts.push(("time series", outputs));
    let csv = rows
        .saturating_mul(CSV_BYTES_PER_ROW)
        .saturating_add(
            samples
                .saturating_mul(window_items)
                .saturating_mul(name_len + 1),
        )
        .saturating_add(samples.saturating_mul(nf * 64));
    parts.push(("output files", csv));

    let engine = parts
        .iter()
        .filter(|(name, _)| *name != "time series")
        .map(|p| p.1)
        .fold(0, u64::saturating_add);
    let work_parts = work(s, blocks, samples, drawn, submissions);
    Estimate {
        engine,
        shared: 0,
        outputs,
        parts,
        work: work_parts.iter().map(|p| p.1).sum(),
        work_parts,
        browses,
    }
}

/// The parts of a run's work (see [`Estimate::work`]), in operations.
fn work(
    s: &Scenario,
    blocks: u64,
    samples: u64,
    posts: f64,
    submissions: f64,
) -> Vec<(&'static str, f64)> {
    let steps = s.time.steps as f64;
    let (nf, np, nk) = (
        s.feeds.len() as f64,
        s.populations.len() as f64,
        s.kinds.len().max(1) as f64,
    );
    // Agents visited by chances drawn every step, in the worst case (every step).
    let chances: f64 = s
        .populations
        .iter()
        .map(|p| {
            let m = &p.mobilisation;
            let per_step = m
                .broadcast
                .as_ref()
                .map_or(0.0, |b| chance_in_step(b.rate_per_step))
                + p.discouragement
                    .as_ref()
                    .map_or(0.0, |d| chance_in_step(d.rate_per_step))
                + p.app
                    .as_ref()
                    .and_then(|a| a.rating.as_ref())
                    .map_or(0.0, |r| chance_in_step(r.rate_per_step));
            p.size as f64 * (per_step * steps + 2.0)
        })
        .sum();
    let readers = s.populations.iter().filter(|p| p.reading.is_some()).count() as f64;
    let items: f64 = s
        .feeds
        .iter()
        .map(|f| f.tabs.iter().map(|t| t.size).sum::<usize>() as f64)
        .sum();
    let per_step = blocks as f64 * (2.0 * nf * np * nk + 64.0)
        + items * (1.0 + 2.0 * readers)
        + nf * np * (s.metrics.levels.len() as f64 + 8.0)
        + np * 16.0;
    let window_items: f64 = s.feeds.iter().map(|f| f.latest_window() as f64).sum();
    let per_sample = nf * np * 32.0 + window_items;
    vec![
        ("posts", posts),
        ("app submissions", submissions),
        ("agents visited by per-step chances", chances),
        ("per-step bookkeeping", per_step * steps),
        ("samples", per_sample * samples as f64),
    ]
}

/// The follower network: generated (closed form) or loaded (from the files' sizes).
fn network_bytes(s: &Scenario, agents: u64) -> u64 {
    let nodes = agents.saturating_mul(BYTES_PER_NODE);
    match &s.network {
        Some(Network {
            source: NetworkSource::Generated(g),
            populations,
        }) => {
            let groups: Vec<_> = populations
                .iter()
                .map(|&i| s.populations[i].agents())
                .collect();
            network::expected_edges(g, &groups)
                .saturating_mul(BYTES_PER_EDGE)
                .saturating_add(nodes)
        }
        Some(Network {
            source:
                NetworkSource::EdgeList {
                    edges,
                    nodes: node_map,
                    undirected,
                },
            ..
        }) => edge_list_bytes(edges.len(), node_map.len(), *undirected).saturating_add(nodes),
        None => 0,
    }
}

/// Bytes of the network's part of mobilisation besides what each agent holds: per block,
/// a round's messages twice (its outbox and its part of the round's mail, each at most
/// `ROUND_BUDGET`), and where each block's messages start; with the threshold model,
/// per agent a record of the followees that activate in a step (in a map, room to
/// double) and at most one entry per follow edge in those records.
fn reach_bytes(s: &Scenario, blocks: u64) -> u64 {
    if s.network.is_none() {
        return 0;
    }
    let mut bytes = blocks
        .saturating_mul(2 * fp::ROUND_BUDGET * fp::PER_MESSAGE)
        .saturating_add((blocks + 1) * 8);
    let threshold: u64 = s
        .populations
        .iter()
        .filter(|p| matches!(p.mobilisation.cascade, Some(Cascade::Threshold { .. })))
        .map(|p| p.size as u64)
        .sum();
    if threshold > 0 {
        let edges = network_bytes(s, 0) / BYTES_PER_EDGE.max(1);
        bytes = bytes
            .saturating_add(threshold.saturating_mul(fp::GROWTH * fp::PER_TIPPING_AGENT))
            .saturating_add(edges.saturating_mul(fp::GROWTH * fp::PER_TIPPING_FOLLOWEE));
    }
    bytes
}

/// Bytes an edge-list network needs besides its nodes, from the sizes of its files: the
/// files themselves, held once by the loader; at least 4 bytes ("1,2\n") per edge line,
/// each edge held as a pair (8 bytes) while loading plus its CSR entries; node ids kept
/// as strings while mapping (about 4x the map file).
pub fn edge_list_bytes(edges: u64, node_map: u64, undirected: bool) -> u64 {
    let entries = (edges / 4).saturating_mul(if undirected { 2 } else { 1 });
    entries
        .saturating_mul(8 + BYTES_PER_EDGE)
        .saturating_add(node_map.saturating_mul(4))
        .saturating_add(edges.saturating_add(node_map))
}

/// Refuses edge-list files of these sizes (bytes) before they are read, when they alone
/// need more than `limit_mb` ([`edge_list_bytes`]): the loader checks this first, so a
/// huge file is refused at once instead of after minutes of reading. The whole estimate
/// is checked by validation once they are read.
pub fn check_edge_list(
    edges: u64,
    node_map: u64,
    undirected: bool,
    limit_mb: u64,
) -> Result<(), ScenarioError> {
    let network = edge_list_bytes(edges, node_map, undirected);
    let needed_mb = mb(BASE.saturating_add(network));
    if needed_mb <= limit_mb {
        return Ok(());
    }
    Err(ScenarioError::TooLarge {
        needed_mb,
        limit_mb,
        detail: format!(
            "network {} MB, from edge-list files of {edges} and {node_map} bytes",
            mb(network)
        ),
    })
}
