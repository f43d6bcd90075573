//! The engine benchmark: `benches/flood-1m.toml` (1.1M agents, BA m = 10, 48 h at
//! 1-minute steps) and the same with 1M readers.
//!
//! `cargo bench --bench engine` runs both scenarios, each in its own process (so its peak
//! memory is its own): the network, then the simulation with all threads and with one,
//! printing for each phase the wall time and the CPU time the OS counted for the process
//! (`getrusage`: user + system, all threads; the machine is shared, so wall time is not
//! CPU time), the 1-to-N-thread speed-up, and the issues' targets. It alternates the two
//! scenarios for a few rounds (issue 11's readers' cost, a median of ratios).
//! `cargo bench --bench engine -- --scaling` runs the flood at 0.1M, 1M, 3M and 10M
//! agents and prints ns per post and bytes per agent for each.
//! `cargo bench --bench engine -- path/to/scenario.toml` benchmarks one scenario.
//! Not part of the test suite.

#[path = "cpu.rs"]
mod cpu;
use cpu::cpu_seconds;

use std::path::PathBuf;
use std::time::Instant;

use hashflood::network::FollowerGraph;
use hashflood::scenario::Scenario;
use hashflood::sim::{Phase, World};
use hashflood::{graph_source, metrics::RunOutput};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Peak resident memory of this process so far, in MB (Linux `VmHWM`).
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Wall and CPU seconds spent.
#[derive(Default, Clone, Copy)]
struct Spent {
    wall: f64,
    cpu: f64,
}

/// A point in time on both clocks.
#[derive(Clone, Copy)]
struct Clock {
    wall: Instant,
    cpu: f64,
}

impl Clock {
    fn now() -> Clock {
        Clock {
            wall: Instant::now(),
            cpu: cpu_seconds(),
        }
    }

    /// What was spent since `self`.
    fn since(self) -> Spent {
        Spent {
            wall: self.wall.elapsed().as_secs_f64(),
            cpu: cpu_seconds() - self.cpu,
        }
    }
}

impl std::ops::AddAssign for Spent {
    fn add_assign(&mut self, o: Spent) {
        self.wall += o.wall;
        self.cpu += o.cpu;
    }
}

/// Time per phase over a whole run.
#[derive(Default)]
struct Timing {
    setup: Spent,
    phases: [Spent; 3],
    total: Spent,
}

/// The phases' names, in the order of [`Timing::rows`].
const PHASES: [&str; 5] = ["setup", "mobilise", "post", "publish and read", "whole run"];

impl Timing {
    fn rows(&self) -> [Spent; 5] {
        [
            self.setup,
            self.phases[0],
            self.phases[1],
            self.phases[2],
            self.total,
        ]
    }
}

fn run(scenario: &Scenario, graph: &FollowerGraph, seed: u64) -> (RunOutput, Timing) {
    let mut timing = Timing::default();
    let started = Clock::now();
    let mut world = World::new(scenario, graph, seed);
    timing.setup = started.since();
    let mut current: Option<(Phase, Clock)> = None;
    while world.steps_left() > 0 {
        world.step_observed(&mut |next| {
            let now = Clock::now();
            if let Some((phase, since)) = current.take() {
                timing.phases[phase as usize] += Spent {
                    wall: (now.wall - since.wall).as_secs_f64(),
                    cpu: now.cpu - since.cpu,
                };
            }
            current = next.map(|p| (p, now));
        });
    }
    let out = world.finish();
    timing.total = started.since();
    (out, timing)
}

fn mark(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISSED" }
}

/// Figures of one benchmarked scenario.
struct Figures {
    wall: f64,
    /// CPU seconds of the one-thread run of the simulation.
    cpu: f64,
    /// CPU seconds of building the network (all threads).
    net_cpu: f64,
    impressions: u64,
    /// CPU ns per post of the one-thread run.
    post_ns: f64,
    bytes_per_agent: f64,
}

/// The scenario's text with every population's size multiplied by `scale`.
fn scaled(text: &str, scale: f64) -> String {
    let mut doc: toml::Table = toml::from_str(text).expect("benchmark scenario");
    if let Some(toml::Value::Table(pops)) = doc.get_mut("populations") {
        for (_, pop) in pops.iter_mut() {
            let size = pop.get("size").and_then(toml::Value::as_integer);
            if let (Some(size), toml::Value::Table(pop)) = (size, pop) {
                let size = (size as f64 * scale).round().max(1.0) as i64;
                pop.insert("size".into(), toml::Value::Integer(size));
            }
        }
    }
    toml::to_string(&doc).expect("a table")
}

/// Prints each phase's wall and CPU seconds with all threads and with one.
fn print_phases(all: &Timing, one: &Timing, threads: usize) {
    println!(
        "  {:<18} {:>22} {:>22}",
        "phase",
        format!("{threads} threads: wall, CPU"),
        "1 thread: wall, CPU"
    );
    for ((name, a), o) in PHASES.iter().zip(all.rows()).zip(one.rows()) {
        println!(
            "  {name:<18} {:>10.2} s {:>7.2} s {:>10.2} s {:>7.2} s",
            a.wall, a.cpu, o.wall, o.cpu
        );
    }
}

fn bench(path: &std::path::Path, scale: f64) -> Figures {
    let text = std::fs::read_to_string(path).expect("benchmark scenario");
    let text = if scale == 1.0 {
        text
    } else {
        scaled(&text, scale)
    };
    let scenario = hashflood::load::scenario(&text, "bench", path.parent().unwrap())
        .unwrap_or_else(|e| panic!("{e}"));
    let seed = scenario.seed;
    let agents = scenario.agent_count();
    let steps = scenario.time.steps;
    let threads = rayon::current_num_threads();
    println!(
        "\n== {} ({agents} agents, {steps} steps, seed {seed})",
        path.display()
    );

    let started = Instant::now();
    let t = Clock::now();
    let graph = graph_source::follower_graph(&scenario, seed).expect("network");
    let net = t.since();
    let links = graph.num_edges() / 2;
    let per_10m = net.wall / (links.max(1) as f64 / 1e7);
    let (out, all) = run(&scenario, &graph, seed);
    let wall = started.elapsed().as_secs_f64();
    let peak = peak_mb();
    let posts = out.summary.totals.posts as f64;
    let impressions = out.summary.totals.impressions;
    let agent_steps = agents as f64 * steps as f64;
    println!(
        "  network      {links} links ({} follower entries): {:.2} s wall, {:.2} CPU-s ({threads} threads) = {per_10m:.2} s per 10M links",
        graph.num_edges(),
        net.wall,
        net.cpu
    );

    let (one_out, one) = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| run(&scenario, &graph, seed));
    assert_eq!(
        one_out.summary.totals.posts, out.summary.totals.posts,
        "same result on one thread"
    );
    print_phases(&all, &one, threads);
    let cpu = one.total.cpu;
    let post_ns = one.phases[1].cpu / posts * 1e9;
    println!(
        "  posts        {posts} = {:.0} ns of CPU per post in the posting phase, {:.0} ns per post in the whole run (1 thread); {:.2e} agent-steps per CPU-second",
        post_ns,
        cpu / posts * 1e9,
        agent_steps / cpu
    );
    if impressions > 0 {
        println!(
            "  readers      {} browses, {impressions} impressions = {:.2e} impressions per CPU-second",
            out.summary.totals.browses,
            impressions as f64 / cpu
        );
    }
    let speed_up = one.total.wall / all.total.wall;
    println!("  speed-up     {speed_up:.2}x wall from 1 to {threads} threads");
    println!(
        "  total        {wall:.2} s wall (network + agents + run); peak memory {peak:.0} MB (VmHWM) = {:.0} bytes per agent",
        peak * 1048576.0 / agents as f64
    );
    if scale == 1.0 {
        println!(
            "targets (issue 13): engine <= 1.6 CPU-s {} ({cpu:.2}); speed-up >= 1.7x {} ({speed_up:.2}); posting <= 30 ns/post {} ({post_ns:.0}); mobilisation <= 0.35 CPU-s {} ({:.2})",
            mark(cpu <= 1.6),
            mark(speed_up >= 1.7),
            mark(post_ns <= 30.0),
            mark(one.phases[0].cpu <= 0.35),
            one.phases[0].cpu
        );
    }
    Figures {
        wall,
        cpu,
        net_cpu: net.cpu,
        impressions,
        post_ns: cpu / posts * 1e9,
        bytes_per_agent: peak * 1048576.0 / agents as f64,
    }
}

/// Runs one scenario in a child process (so its peak memory is its own), its
/// populations scaled by `scale`, and returns the figures the child reports on its last
/// line.
fn bench_in_child(path: &std::path::Path, scale: f64, quiet: bool) -> Figures {
    let out = std::process::Command::new(std::env::current_exe().expect("own path"))
        .arg(path)
        .arg(format!("--scale={scale}"))
        .output()
        .expect("benchmark child");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut n = [f64::NAN; 6];
    for line in text.lines() {
        match line.strip_prefix("FIGURES ") {
            Some(rest) => {
                for (slot, word) in n.iter_mut().zip(rest.split_whitespace()) {
                    *slot = word.parse().unwrap_or(f64::NAN);
                }
            }
            None if !quiet => println!("{line}"),
            None => {}
        }
    }
    assert!(
        out.status.success(),
        "benchmark of {} failed: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Figures {
        wall: n[0],
        cpu: n[1],
        net_cpu: n[2],
        impressions: n[3] as u64,
        post_ns: n[4],
        bytes_per_agent: n[5],
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let given: Vec<PathBuf> = args
        .iter()
        .filter(|a| a.ends_with(".toml"))
        .map(PathBuf::from)
        .collect();
    let scale = args
        .iter()
        .find_map(|a| a.strip_prefix("--scale="))
        .map_or(1.0, |s| s.parse().expect("--scale=FACTOR"));
    if !given.is_empty() {
        for path in &given {
            let f = bench(path, scale);
            println!(
                "FIGURES {} {} {} {} {} {}",
                f.wall, f.cpu, f.net_cpu, f.impressions, f.post_ns, f.bytes_per_agent
            );
        }
        return;
    }
    if args.iter().any(|a| a == "--scaling") {
        scaling();
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches");
    println!("hashflood benchmark (issue targets for the foundation and for 1M readers)");
    // Issue 11: readers may not make a run more than 1.2x slower, in CPU time as the
    // OS counts it. A run is what `hashflood run` computes: the network, then the
    // simulation (here on one thread). The simulation alone is reported too. The
    // machine is shared and one run's CPU time moves by up to 30% within minutes, so
    // the two scenarios alternate for a few rounds (only the first is printed in full)
    // and the medians of the rounds' ratios are the figures. Every other round runs the
    // readers first, so a machine that slows or speeds up over the minutes of the
    // benchmark favours neither.
    const ROUNDS: usize = 5;
    let mut whole = Vec::new();
    let mut simulation = Vec::new();
    for round in 0..ROUNDS {
        let quiet = round > 0;
        let (base, readers) = if round % 2 == 0 {
            let base = bench_in_child(&dir.join("flood-1m.toml"), 1.0, quiet);
            (
                base,
                bench_in_child(&dir.join("flood-1m-readers.toml"), 1.0, quiet),
            )
        } else {
            let readers = bench_in_child(&dir.join("flood-1m-readers.toml"), 1.0, quiet);
            (
                bench_in_child(&dir.join("flood-1m.toml"), 1.0, quiet),
                readers,
            )
        };
        let run_ratio = (readers.net_cpu + readers.cpu) / (base.net_cpu + base.cpu);
        let sim_ratio = readers.cpu / base.cpu;
        println!(
            "\nround {}: with 1M readers a run takes {:.2} vs {:.2} CPU-s = {run_ratio:.2}x (network {:.2} vs {:.2}, simulation on one thread {:.2} vs {:.2} = {sim_ratio:.2}x); {:.2e} impressions",
            round + 1,
            readers.net_cpu + readers.cpu,
            base.net_cpu + base.cpu,
            readers.net_cpu,
            base.net_cpu,
            readers.cpu,
            base.cpu,
            readers.impressions as f64
        );
        whole.push(run_ratio);
        simulation.push(sim_ratio);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (run_median, sim_median) = (median(whole), median(simulation));
    println!(
        "readers' CPU cost, median of {ROUNDS} alternating rounds: a run {run_median:.2}x (target: at most 1.2x) {}; the simulation alone {sim_median:.2}x",
        mark(run_median <= 1.2)
    );
}

/// The flood at 0.1M, 1M, 3M and 10M agents (its populations scaled, the network's
/// degree kept): the CPU cost per post should not grow with size, nor the memory per
/// agent.
fn scaling() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/flood-1m.toml");
    println!("hashflood scaling benchmark: {} scaled", path.display());
    let mut rows = Vec::new();
    for scale in [0.1, 1.0, 3.0, 10.0] {
        let f = bench_in_child(&path, scale, false);
        rows.push((scale, f));
    }
    println!(
        "\n{:>10} {:>14} {:>16} {:>12}",
        "agents", "CPU ns/post", "bytes/agent", "wall s"
    );
    for (scale, f) in &rows {
        println!(
            "{:>9.1}M {:>14.0} {:>16.0} {:>12.2}",
            1.1 * scale,
            f.post_ns,
            f.bytes_per_agent,
            f.wall
        );
    }
    let at = |s: f64| rows.iter().find(|(x, _)| *x == s).map(|(_, f)| f.post_ns);
    if let (Some(one), Some(ten)) = (at(1.0), at(10.0)) {
        println!(
            "target (issue 13): ns per post at 10x within 1.2x of 1x: {:.2}x {}",
            ten / one,
            mark(ten / one <= 1.2)
        );
    }
}
