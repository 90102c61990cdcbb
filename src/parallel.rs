//! Work spread over the machine's cores.
//!
//! After the catalog arrives, a run's remaining work is client-side loops
//! over every declared object (probes, memory keys, the diff): half a
//! second for 10,000 tables on one core, while the server and the other
//! cores sit idle. These helpers split such loops into threads when they
//! are long enough to pay for one, and give the same results in the same
//! order as running them in sequence.

use std::thread;

/// Fewer items than this per extra thread are not worth a thread.
const MIN_PER_THREAD: usize = 512;

/// How many threads to use for `len` items.
fn threads_for(len: usize) -> usize {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    cores.min(len / MIN_PER_THREAD).max(1)
}

/// `items.iter().map(f).collect()`, in chunks over the cores when long.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads_for(items.len());
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    thread::scope(|s| {
        let rest: Vec<_> = items
            .chunks(chunk)
            .skip(1)
            .map(|c| s.spawn(move || c.iter().map(f).collect::<Vec<R>>()))
            .collect();
        let mut out: Vec<R> = items[..chunk].iter().map(f).collect();
        for handle in rest {
            out.extend(
                handle
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            );
        }
        out
    })
}

/// `(a(), b())`, `b` on a second thread when `worth_it` and there is a
/// second core.
pub fn join<A: Send, B: Send>(
    worth_it: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if !worth_it || threads_for(2 * MIN_PER_THREAD) < 2 {
        return (a(), b());
    }
    thread::scope(|s| {
        let second = s.spawn(b);
        let first = a();
        let second = second
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (first, second)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_the_order_of_a_sequential_map() {
        for len in [0, 1, 511, 512, 1024, 5000, 5001] {
            let items: Vec<usize> = (0..len).collect();
            let expected: Vec<String> = items.iter().map(|i| format!("<{i}>")).collect();
            assert_eq!(map(&items, |i| format!("<{i}>")), expected, "{len}");
        }
    }

    #[test]
    fn join_returns_both_in_order() {
        for worth_it in [false, true] {
            assert_eq!(join(worth_it, || 1, || "two"), (1, "two"));
        }
    }
}
