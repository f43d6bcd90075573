//! The process's CPU time as the OS counts it, shared by the benchmarks (the machine is
//! shared, so wall time is not CPU time).

/// CPU seconds this process has used so far (user + system, all threads), from
/// `getrusage`, to the microsecond.
pub fn cpu_seconds() -> f64 {
    // SAFETY: `getrusage` only writes the struct it is given, zeroed here.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return f64::NAN;
        }
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
