//! Worker threads: the count a command asks for (`--threads`, else `RAYON_NUM_THREADS`)
//! is checked before rayon sees it, and the command's work runs in a pool of its own, so
//! a library caller can run commands one after another with different counts.

/// The most worker threads `--threads` or `RAYON_NUM_THREADS` may ask for: far above any
/// useful count, below what makes starting the pool fail or exhaust the system.
pub const MAX_THREADS: usize = 1024;

const VAR: &str = "RAYON_NUM_THREADS";

/// Why the worker threads could not be started.
#[derive(Debug, thiserror::Error)]
pub enum ThreadsError {
    /// `--threads` out of range.
    #[error("--threads {0}: expected 1 to {MAX_THREADS}")]
    Count(usize),
    /// `RAYON_NUM_THREADS` malformed or out of range (rayon would silently ignore the
    /// first and panic on a count the system cannot start).
    #[error(
        "{VAR}={0:?}: expected a whole number from 1 to {MAX_THREADS} (the number of worker \
         threads)"
    )]
    Env(String),
    /// The system refused the threads.
    #[error("cannot start a pool of {count} threads")]
    Start {
        count: usize,
        source: rayon::ThreadPoolBuildError,
    },
}

/// The number of worker threads: `n` if given, else `RAYON_NUM_THREADS` if set, else
/// one per core; either checked against 1..=[`MAX_THREADS`].
pub fn count(n: Option<usize>) -> Result<usize, ThreadsError> {
    let range = 1..=MAX_THREADS;
    match n {
        Some(n) if range.contains(&n) => Ok(n),
        Some(n) => Err(ThreadsError::Count(n)),
        None => {
            let Some(v) = std::env::var_os(VAR) else {
                return Ok(std::thread::available_parallelism().map_or(1, |n| n.get()));
            };
            let v = v.to_string_lossy();
            match v.trim().parse::<usize>() {
                Ok(n) if range.contains(&n) => Ok(n),
                _ => Err(ThreadsError::Env(v.into_owned())),
            }
        }
    }
}

/// Runs `f` in a pool of [`count`]`(n)` worker threads; results never depend on it.
pub fn install<R: Send>(n: Option<usize>, f: impl FnOnce() -> R + Send) -> Result<R, ThreadsError> {
    let count = count(n)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(count)
        .build()
        .map_err(|source| ThreadsError::Start { count, source })?;
    Ok(pool.install(f))
}
