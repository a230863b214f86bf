//! One group-commit writer: callers queue items, one task commits whatever has queued up in
//! one go, and each caller hears about its own item. Both writers that batch use it: the
//! check-in desk (`binhdan_app::events::CheckInDesk`, every backend: a busy event day is
//! thousands of check-ins a minute) and SQLite's quiz answer writer (`sqlite.rs`: SQLite has
//! one writer, which would otherwise take answers one statement at a time; PostgreSQL takes
//! concurrent writers and inserts answers directly). What differs between them is only what a
//! [`Batcher`] says: how much room an item takes, which items must not share a batch, and the
//! commit itself.
//!
//! The rules, the same for every writer:
//! - **Nothing unstored is acknowledged.** A caller gets `Ok` only from a commit that
//!   succeeded and returned one result per item. A failed batch is committed again item by
//!   item (so one bad item cannot fail the others); an item whose own commit fails gets that
//!   error. A writer that has stopped refuses with [`StoreError::Stopped`].
//! - **Bounded memory.** The queue holds at most [`Limits::queue`] callers (the next wait
//!   for room), a batch takes items until it holds [`Limits::batch`] worth of them, and the
//!   items held back for a later batch (see [`Batcher::apart`]) stop the draining once there
//!   are more than a batch of them.
//! - **No timer.** A batch is what queued while the previous commit ran: there is no window
//!   to wait out (no hidden clock, ARCHITECTURE.md invariant 9), so a lone item is written at
//!   once and a busy writer batches by itself.

use std::collections::{HashSet, VecDeque};
use std::future::Future;

use tokio::sync::{mpsc, oneshot};

use crate::{Result, StoreError};

/// What a group-commit writer writes, and how.
pub trait Batcher: Send + Sync + 'static {
    /// What a caller queues.
    type Item: Send + Sync + 'static;
    /// What a caller hears back when its item is written.
    type Done: Send + 'static;

    /// How much of a batch's room ([`Limits::batch`]) the item takes: 1 unless said.
    fn weight(&self, _item: &Self::Item) -> usize {
        1
    }

    /// Items with the same key never share a batch: a later one waits for a following batch,
    /// in its order. `None` (the default): the item goes with any other.
    fn apart(&self, _item: &Self::Item) -> Option<i64> {
        None
    }

    /// Writes the items together (all or nothing) and gives one result per item, in their
    /// order.
    ///
    /// # Errors
    /// Nothing of the batch was written.
    fn commit(&self, items: &[Self::Item]) -> impl Future<Output = Result<Vec<Self::Done>>> + Send;
}

/// How large a writer's batches and queue may grow.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// A batch takes items (each of its [`Batcher::weight`]) while it holds less than this.
    pub batch: usize,
    /// At most this many callers wait in the queue.
    pub queue: usize,
}

/// A caller's item and where to answer it.
struct Waiter<T, R> {
    item: T,
    done: oneshot::Sender<Result<R>>,
}

/// The handle to a running writer: clone it freely; the writer stops once every handle is
/// gone and its queue is written.
pub struct GroupCommit<T, R> {
    name: &'static str,
    queue: mpsc::Sender<Waiter<T, R>>,
}

impl<T, R> Clone for GroupCommit<T, R> {
    fn clone(&self) -> Self {
        Self {
            name: self.name,
            queue: self.queue.clone(),
        }
    }
}

impl<T, R> std::fmt::Debug for GroupCommit<T, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit")
            .field("name", &self.name)
            .field("closed", &self.queue.is_closed())
            .finish_non_exhaustive()
    }
}

impl<T: Send + Sync + 'static, R: Send + 'static> GroupCommit<T, R> {
    /// Starts the writer `name` (as errors and logs call it) on the current Tokio runtime.
    #[must_use]
    pub fn start<B: Batcher<Item = T, Done = R>>(
        name: &'static str,
        limits: Limits,
        batcher: B,
    ) -> Self {
        let (queue, rx) = mpsc::channel(limits.queue.max(1));
        tokio::spawn(run(name, limits.batch.max(1), batcher, rx));
        Self { name, queue }
    }

    /// Writes the item with whatever else has queued up, and answers once it is written.
    ///
    /// # Errors
    /// The commit of the item failed (nothing of it was written), or the writer has stopped.
    pub async fn submit(&self, item: T) -> Result<R> {
        let (done, answer) = oneshot::channel();
        let stopped = || StoreError::Stopped(self.name);
        self.queue
            .send(Waiter { item, done })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// The writer's loop: a batch is the item waiting longest, then (in order) those held back
/// before and those queued, as long as there is room and none is kept apart.
async fn run<B: Batcher>(
    name: &'static str,
    room: usize,
    batcher: B,
    mut queue: mpsc::Receiver<Waiter<B::Item, B::Done>>,
) {
    let mut held: VecDeque<Waiter<B::Item, B::Done>> = VecDeque::new();
    loop {
        let first = match held.pop_front() {
            Some(w) => w,
            None => match queue.recv().await {
                Some(w) => w,
                None => return,
            },
        };
        let mut keys = HashSet::new();
        let mut joins = |item: &B::Item| batcher.apart(item).is_none_or(|k| keys.insert(k));
        joins(&first.item);
        let mut weight = batcher.weight(&first.item);
        let mut batch = vec![first];
        // The items held back, looked at once each (in order): those that may join do, the
        // others wait for the next batch. (Taking them back in a loop spun for ever when every
        // held item was kept apart by one in the batch: two answers of one attempt arriving
        // together, as a resent offline queue does.)
        let mut still_held = VecDeque::with_capacity(held.len());
        while let Some(next) = held.pop_front() {
            if weight < room && joins(&next.item) {
                weight += batcher.weight(&next.item);
                batch.push(next);
            } else {
                still_held.push_back(next);
            }
        }
        held = still_held;
        while weight < room && held.len() <= room {
            let Ok(next) = queue.try_recv() else {
                break;
            };
            if joins(&next.item) {
                weight += batcher.weight(&next.item);
                batch.push(next);
            } else {
                held.push_back(next);
            }
        }
        commit(name, &batcher, batch).await;
    }
}

/// Commits a batch and answers each waiter; a failed batch again item by item.
async fn commit<B: Batcher>(name: &'static str, batcher: &B, batch: Vec<Waiter<B::Item, B::Done>>) {
    let (items, answers): (Vec<B::Item>, Vec<_>) =
        batch.into_iter().map(|w| (w.item, w.done)).unzip();
    match one_each(name, items.len(), batcher.commit(&items).await) {
        Ok(done) => {
            for (answer, done) in answers.into_iter().zip(done) {
                // A caller that has gone (its request cancelled) needs no answer.
                let _ = answer.send(Ok(done));
            }
        }
        Err(e) => {
            tracing::warn!(writer = name, error = %e, items = items.len(), "a group commit failed; committing its items one at a time");
            for (item, answer) in items.iter().zip(answers) {
                let alone = one_each(name, 1, batcher.commit(std::slice::from_ref(item)).await)
                    .and_then(|done| done.into_iter().next().ok_or_else(|| miscounted(name)));
                let _ = answer.send(alone);
            }
        }
    }
}

/// A commit's results, if there is one for each of the `n` items.
fn one_each<R>(name: &'static str, n: usize, done: Result<Vec<R>>) -> Result<Vec<R>> {
    done.and_then(|done| {
        if done.len() == n {
            Ok(done)
        } else {
            Err(miscounted(name))
        }
    })
}

/// A commit that did not give one result per item: no caller can tell whether its item was
/// written, so none is acknowledged.
fn miscounted(name: &'static str) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!(
        "{name}: a commit gave a result count unlike its item count"
    )))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use tokio::sync::Semaphore;

    use super::*;

    /// Items are `(key kept apart, value)`; a commit waits at the gate, records its batch,
    /// fails if any value is negative (or always: `fail_all`) and answers `value × 10` (one
    /// result too few: `short`).
    #[derive(Clone)]
    struct Recorder {
        entered: Arc<AtomicUsize>,
        gate: Arc<Semaphore>,
        batches: Arc<Mutex<Vec<Vec<i64>>>>,
        written: Arc<Mutex<Vec<i64>>>,
        fail_all: bool,
        short: bool,
    }

    impl Recorder {
        fn new() -> Self {
            Self {
                entered: Arc::default(),
                gate: Arc::new(Semaphore::new(Semaphore::MAX_PERMITS)),
                batches: Arc::default(),
                written: Arc::default(),
                fail_all: false,
                short: false,
            }
        }

        fn batches(&self) -> Vec<Vec<i64>> {
            self.batches.lock().unwrap().clone()
        }
    }

    impl Batcher for Recorder {
        type Item = (Option<i64>, i64);
        type Done = i64;

        fn apart(&self, item: &Self::Item) -> Option<i64> {
            item.0
        }

        async fn commit(&self, items: &[Self::Item]) -> Result<Vec<i64>> {
            self.entered.fetch_add(1, Ordering::SeqCst);
            drop(self.gate.acquire().await.unwrap());
            let values: Vec<i64> = items.iter().map(|i| i.1).collect();
            self.batches.lock().unwrap().push(values.clone());
            if self.fail_all || values.iter().any(|v| *v < 0) {
                return Err(StoreError::Busy(sqlx::Error::PoolTimedOut));
            }
            self.written.lock().unwrap().extend(&values);
            let n = values.len() - usize::from(self.short);
            Ok(values.into_iter().take(n).map(|v| v * 10).collect())
        }
    }

    const LIMITS: Limits = Limits {
        batch: 4,
        queue: 64,
    };

    /// Submits `(None, 0)`, holds its commit at the gate while `items` queue up behind it (in
    /// order), then lets the writer go: the answers to `items`, in order.
    async fn queued(recorder: &Recorder, items: Vec<(Option<i64>, i64)>) -> Vec<Result<i64>> {
        let closed = recorder.gate.forget_permits(Semaphore::MAX_PERMITS);
        assert_eq!(closed, Semaphore::MAX_PERMITS);
        let writer = GroupCommit::start("test writer", LIMITS, recorder.clone());
        let submit = |item| {
            let writer = writer.clone();
            tokio::spawn(async move { writer.submit(item).await })
        };
        let first = submit((None, 0));
        while recorder.entered.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let mut waiting = Vec::new();
        for item in items {
            let before = writer.queue.capacity();
            waiting.push(submit(item));
            while writer.queue.capacity() == before {
                tokio::task::yield_now().await;
            }
        }
        recorder.gate.add_permits(Semaphore::MAX_PERMITS);
        first.await.unwrap().ok();
        let mut answers = Vec::new();
        for w in waiting {
            answers.push(w.await.unwrap());
        }
        answers
    }

    #[tokio::test]
    async fn what_queued_up_is_one_commit_and_each_caller_hears_its_own_result() {
        let recorder = Recorder::new();
        let answers = queued(&recorder, (1..=6).map(|v| (None, v)).collect()).await;
        let answers: Vec<i64> = answers.into_iter().map(Result::unwrap).collect();
        assert_eq!(answers, vec![10, 20, 30, 40, 50, 60]);
        // The held first alone, then batches of at most four.
        assert_eq!(
            recorder.batches(),
            vec![vec![0], vec![1, 2, 3, 4], vec![5, 6]]
        );
    }

    #[tokio::test]
    async fn a_lone_item_is_written_at_once() {
        let recorder = Recorder::new();
        let writer = GroupCommit::start("test writer", LIMITS, recorder.clone());
        assert_eq!(writer.submit((None, 7)).await.unwrap(), 70);
        assert_eq!(recorder.batches(), vec![vec![7]]);
    }

    #[tokio::test]
    async fn items_kept_apart_never_share_a_batch_and_keep_their_order() {
        let recorder = Recorder::new();
        let items = vec![
            (Some(1), 1),
            (Some(1), 2),
            (Some(2), 3),
            (Some(1), 4),
            (None, 5),
        ];
        let answers = queued(&recorder, items).await;
        assert!(answers.iter().all(Result::is_ok));
        assert_eq!(
            recorder.batches(),
            vec![vec![0], vec![1, 3, 5], vec![2], vec![4]]
        );
    }

    #[tokio::test]
    async fn a_failed_batch_fails_only_the_item_that_cannot_be_written() {
        let recorder = Recorder::new();
        let answers = queued(&recorder, vec![(None, 1), (None, -2), (None, 3)]).await;
        assert_eq!(answers[0].as_ref().unwrap(), &10);
        assert!(matches!(answers[1], Err(StoreError::Busy(_))));
        assert_eq!(answers[2].as_ref().unwrap(), &30);
        assert_eq!(
            recorder.batches(),
            vec![vec![0], vec![1, -2, 3], vec![1], vec![-2], vec![3]]
        );
        assert_eq!(*recorder.written.lock().unwrap(), vec![0, 1, 3]);
    }

    #[tokio::test]
    async fn when_the_commit_fails_every_caller_gets_the_error() {
        let recorder = Recorder {
            fail_all: true,
            ..Recorder::new()
        };
        let answers = queued(&recorder, (1..=3).map(|v| (None, v)).collect()).await;
        assert!(
            answers
                .iter()
                .all(|a| matches!(a, Err(StoreError::Busy(_))))
        );
        assert!(recorder.written.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_commit_without_a_result_for_each_item_acknowledges_none() {
        let recorder = Recorder {
            short: true,
            ..Recorder::new()
        };
        let answers = queued(&recorder, vec![(None, 1), (None, 2)]).await;
        assert!(
            answers
                .iter()
                .all(|a| matches!(a, Err(StoreError::Database(_))))
        );
    }

    #[test]
    fn a_stopped_writer_refuses() {
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
        };
        let first = runtime();
        let writer =
            first.block_on(async { GroupCommit::start("test writer", LIMITS, Recorder::new()) });
        // The runtime that ran the writer is gone (a server shutting down).
        drop(first);
        let answer = runtime().block_on(writer.submit((None, 1)));
        assert!(matches!(answer, Err(StoreError::Stopped("test writer"))));
    }
}
