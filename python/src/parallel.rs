//! The binding's own thread pools, one per thread count, so that predicting from Python never
//! touches rayon's global pool (whose size the host process may have set for other work).

use pyo3::exceptions::PyRuntimeError;
use pyo3::PyResult;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Pools by thread count, with the id of the process that built them: after a fork (Spark's
/// Python daemon forks its workers) the child's copies have no threads, so it builds its own.
static POOLS: Mutex<Option<(u32, Pools)>> = Mutex::new(None);

/// Thread pools by their thread count.
type Pools = HashMap<usize, Arc<rayon::ThreadPool>>;

fn pool(threads: usize) -> PyResult<Arc<rayon::ThreadPool>> {
    let pid = std::process::id();
    let mut guard = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    if guard.as_ref().is_none_or(|(owner, _)| *owner != pid) {
        *guard = Some((pid, HashMap::new()));
    }
    let (_, pools) = guard.as_mut().expect("set just above");
    if let Some(pool) = pools.get(&threads) {
        return Ok(Arc::clone(pool));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("stance-{i}"))
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("starting prediction threads: {e}")))?;
    let pool = Arc::new(pool);
    pools.insert(threads, Arc::clone(&pool));
    Ok(pool)
}

/// Applies `f` to `0..n` on `threads` threads (0: one per core), results in order, with
/// working storage from `init` reused across the calls of one rayon job (`map_init`: a few
/// per thread, not one per item). One thread runs in the calling thread, with no pool at all.
///
/// # Errors
/// A pool that cannot start; the first error of `f` is returned inside the outer `Ok`.
pub fn map_indexed<T, S, I, F>(
    threads: usize,
    n: usize,
    init: I,
    f: F,
) -> PyResult<stance::Result<Vec<T>>>
where
    T: Send,
    I: Fn() -> S + Sync + Send,
    F: Fn(&mut S, usize) -> stance::Result<T> + Sync + Send,
{
    if threads == 1 || n < 2 {
        let mut state = init();
        return Ok((0..n).map(|i| f(&mut state, i)).collect());
    }
    let pool = pool(threads)?;
    Ok(pool.install(|| (0..n).into_par_iter().map_init(init, f).collect()))
}
