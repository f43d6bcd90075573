//! A cache hint for loops that know which rows they will read next.

/// Asks the CPU to start loading the cache line holding `item`, so that a read of it a
/// little later does not wait for memory. A hint only: it reads nothing and changes no
/// result (and does nothing off x86-64).
#[inline(always)]
pub fn prefetch<T>(item: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch loads nothing into a register and cannot fault, whatever the
    // address; this one is a valid reference besides. The `sse` feature it needs is part
    // of every x86-64 target.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((item as *const T).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = item;
}
