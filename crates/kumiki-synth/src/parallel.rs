//! Spreading independent work over the machine's cores (building many services' apps,
//! rendering and writing thousands of files), with results that do not depend on how the work
//! was split.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread;

/// Items handed out at a time: small enough to balance the cores, large enough that taking
/// the next chunk costs nothing.
const CHUNK: usize = 64;

/// Runs `work` on every item of `items` on every core and returns the results in item order.
pub fn map<T, R>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    map_while(items, work, || ()).0
}

/// [`map`], while the calling thread first runs `meanwhile` (see [`map_chunks_while`]).
pub fn map_while<T, R, M>(items: &[T], work: impl Fn(&T) -> R + Sync, meanwhile: impl FnOnce() -> M) -> (Vec<R>, M)
where
    T: Sync,
    R: Send,
{
    let (chunks, meanwhile) = map_chunks_while(items, |chunk| chunk.iter().map(&work).collect::<Vec<_>>(), meanwhile);
    (chunks.into_iter().flatten().collect(), meanwhile)
}

/// [`map`] over items it owns: each is moved into `work` on the core that takes it (and, if
/// `work` does not keep it, freed there).
pub fn map_into<T, R>(items: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R>
where
    T: Send,
    R: Send,
{
    let slots: Vec<Mutex<Option<T>>> = items.into_iter().map(|item| Mutex::new(Some(item))).collect();
    map(&slots, |slot| {
        let item = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
        work(item.expect("every slot is taken once"))
    })
}

/// Runs `work` on consecutive chunks of `items` on every core and returns the results in
/// chunk order.
pub fn map_chunks<T, R>(items: &[T], work: impl Fn(&[T]) -> R + Sync) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    map_chunks_while(items, work, || ()).0
}

/// [`map_chunks`], while the calling thread first runs `meanwhile` (and then takes chunks
/// too): work that needs the same data and cannot be split, done beside the split work.
pub fn map_chunks_while<T, R, M>(
    items: &[T],
    work: impl Fn(&[T]) -> R + Sync,
    meanwhile: impl FnOnce() -> M,
) -> (Vec<R>, M)
where
    T: Sync,
    R: Send,
{
    let chunks: Vec<&[T]> = items.chunks(CHUNK).collect();
    let next = AtomicUsize::new(0);
    let cores = thread::available_parallelism().map_or(1, usize::from);
    // One chunk is not worth a thread.
    let helpers = if chunks.len() > 1 { cores - 1 } else { 0 };
    let take_chunks = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(chunk) = chunks.get(index) else {
                return done;
            };
            done.push((index, work(chunk)));
        }
    };
    thread::scope(|scope| {
        let handles: Vec<_> = (0..helpers).map(|_| scope.spawn(take_chunks)).collect();
        let meanwhile = meanwhile();
        let mut done = take_chunks();
        for handle in handles {
            // A panic on a helper is a bug in `work`: carry it to the caller.
            done.extend(handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        done.sort_unstable_by_key(|(index, _)| *index);
        (done.into_iter().map(|(_, result)| result).collect(), meanwhile)
    })
}

/// Drops `items` on every core: freeing a large model (many small allocations) takes a while
/// on one.
pub fn dispose<T: Send>(mut items: Vec<T>) {
    let cores = thread::available_parallelism().map_or(1, usize::from);
    if cores < 2 || items.len() < 2 * CHUNK {
        return;
    }
    let share = items.len().div_ceil(cores);
    let mut shares = Vec::with_capacity(cores);
    while items.len() > share {
        shares.push(items.split_off(items.len() - share));
    }
    thread::scope(|scope| {
        for share in shares {
            scope.spawn(move || drop(share));
        }
        drop(items);
    });
}

#[cfg(test)]
mod tests {
    use super::{map, map_chunks, map_chunks_while};

    #[test]
    fn results_come_back_in_order_and_cover_every_item() {
        let items: Vec<usize> = (0..1000).collect();
        let chunks = map_chunks(&items, <[usize]>::to_vec);
        assert_eq!(chunks.concat(), items);
    }

    #[test]
    fn items_map_in_order() {
        let items: Vec<usize> = (0..1000).collect();
        assert_eq!(
            map(&items, |item| item * 2),
            items.iter().map(|item| item * 2).collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_calling_thread_runs_its_own_work_too() {
        let items: Vec<usize> = (0..300).collect();
        let (sums, total) = map_chunks_while(
            &items,
            |chunk| chunk.iter().sum::<usize>(),
            || items.iter().sum::<usize>(),
        );
        assert_eq!(sums.iter().sum::<usize>(), total);
    }

    #[test]
    fn disposing_drops_every_item() {
        use std::sync::Arc;
        let counted = Arc::new(());
        super::dispose(vec![Arc::clone(&counted); 1000]);
        assert_eq!(Arc::strong_count(&counted), 1);
    }

    #[test]
    fn owned_items_map_in_order() {
        let items: Vec<String> = (0..1000).map(|item| item.to_string()).collect();
        let expected: Vec<usize> = items.iter().map(String::len).collect();
        assert_eq!(super::map_into(items, |item| item.len()), expected);
    }

    #[test]
    fn no_items_no_chunks() {
        let items: [u8; 0] = [];
        assert!(map_chunks(&items, <[u8]>::len).is_empty());
    }
}
