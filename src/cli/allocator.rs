//! glibc's malloc, tuned for the e5 encoder's tensors (feature `e5`).
//!
//! Every step of `train-e5` allocates and frees tensors of a few megabytes to a few tens of
//! megabytes. By default glibc serves the larger ones with `mmap`, unmaps them when they are
//! freed and trims the heap's free top, so the kernel faults the same pages in again at the
//! next step: a fifth of a training run's time went to the kernel (21.8 s of system time in a
//! 62 s run on 600 sentences, 7.9 million page faults). Serving every block under 32 MiB from
//! the heap and never trimming it (the settings below, given then as `MALLOC_MMAP_THRESHOLD_`
//! and `MALLOC_TRIM_THRESHOLD_`) took that run to 53.8 s, 3.9 s of it in the kernel. mimalloc,
//! the crate one would reach for, did less here (56.9 s at best, with purging off), so this
//! sets the allocator the binary already has; no crate wraps `mallopt`.

/// Largest block the heap serves rather than `mmap`: glibc's own ceiling for the setting on
/// 64-bit targets (larger values are refused), above every tensor of e5-small at batch 32.
#[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
const MMAP_THRESHOLD: libc::c_int = 32 << 20;

/// Tunes glibc's malloc to keep freed blocks for reuse (see the module's documentation);
/// elsewhere than 64-bit glibc it does nothing. A refused setting (its return value is not
/// checked) only leaves glibc's default: the run is slower, never wrong.
///
/// # Safety
/// `mallopt` is not thread-safe: call this first thing in `main`, before any thread starts.
pub unsafe fn keep_freed_tensors() {
    #[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
    // SAFETY: the caller guarantees no other thread exists yet; mallopt only sets parameters.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, libc::c_int::MAX);
    }
}
