//! Spreading independent work over the machine's cores (rendering and writing thousands of
//! files), with results that do not depend on how the work was split.

use std::thread;

/// Splits `items` into one contiguous chunk per available core, runs `work` on each chunk on
/// its own thread, and returns the results in chunk order. Small inputs stay on the calling
/// thread.
pub(crate) fn map_chunks<T, R>(items: &[T], work: impl Fn(&[T]) -> R + Sync) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    // Below this, starting a thread costs more than it saves.
    const MIN_CHUNK: usize = 64;
    let cores = thread::available_parallelism().map_or(1, usize::from);
    let chunks = cores.min(items.len() / MIN_CHUNK).max(1);
    if chunks == 1 {
        return vec![work(items)];
    }
    let chunk_len = items.len().div_ceil(chunks);
    let work = &work;
    thread::scope(|scope| {
        let mut parts = items.chunks(chunk_len);
        let first = parts.next().unwrap_or_default();
        let others: Vec<_> = parts.map(|part| scope.spawn(move || work(part))).collect();
        let mut results = vec![work(first)];
        // A panic on a worker is a bug in `work`: carry it to the caller.
        results.extend(
            others
                .into_iter()
                .map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))),
        );
        results
    })
}

#[cfg(test)]
mod tests {
    use super::map_chunks;

    #[test]
    fn results_come_back_in_order_and_cover_every_item() {
        let items: Vec<usize> = (0..1000).collect();
        let sums = map_chunks(&items, |chunk| chunk.to_vec());
        assert_eq!(sums.concat(), items);
    }

    #[test]
    fn small_inputs_are_one_chunk() {
        let items = [1, 2, 3];
        assert_eq!(map_chunks(&items, <[i32]>::len), vec![3]);
    }
}
