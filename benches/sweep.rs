//! Sweep throughput (issue 6): the bundled classroom sweep (42 points x 5 replicates),
//! run with 1 and with 2 threads. Prints runs/s, runs/s per core and the speed-up, and
//! checks the targets (>= 30 runs/s per core, >= 1.8x from 1 to 2 threads).
//! Run with `cargo bench --bench sweep`.

use std::path::PathBuf;
use std::time::Instant;

use hashflood::sweep::{Sweep, exec};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn timed(sweep: &Sweep, threads: usize) -> f64 {
    let dir = tempfile::tempdir().expect("temporary folder");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    exec::prepare(sweep, dir.path()).expect("sweep folder");
    let runs = exec::pending(sweep, dir.path(), None);
    let started = Instant::now();
    pool.install(|| exec::run(sweep, dir.path(), &runs, &|| {}))
        .expect("sweep runs");
    assert!(exec::finish(sweep, dir.path()).expect("tables"), "complete");
    runs.len() as f64 / started.elapsed().as_secs_f64()
}

fn mark(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISSED" }
}

fn main() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/sweep-fandom-size.toml");
    let sweep = Sweep::load(&path, &[]).expect("sweep");
    let runs = sweep.points.len() * sweep.replicates;
    println!(
        "hashflood sweep benchmark: {} ({runs} runs of the classroom scenario)",
        path.display()
    );
    // Warm up the allocator and caches once, then take the best of three.
    timed(&sweep, 1);
    let best = |threads| (0..3).map(|_| timed(&sweep, threads)).fold(0.0, f64::max);
    let one = best(1);
    let two = best(2);
    println!("1 thread   {one:.0} runs/s ({one:.0} runs/s per core)");
    println!(
        "2 threads  {two:.0} runs/s ({:.0} runs/s per core)",
        two / 2.0
    );
    println!("speed-up   {:.2}x", two / one);
    println!(
        "targets: >= 30 runs/s per core {}; >= 1.8x from 1 to 2 threads {}",
        mark(two / 2.0 >= 30.0 && one >= 30.0),
        mark(two / one >= 1.8)
    );
}
