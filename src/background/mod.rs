//! Non-blocking calls: a bounded pool of worker threads per client that runs blocking calls in the
//! background, and an [`Operation`] handle to wait for, poll, cancel or be called back by each.
//!
//! - The pool starts its threads on the first submit, so a client that never uses it costs nothing.
//! - Submitting more operations than there are workers queues them (FIFO); nothing is refused.
//! - An operation cancelled while queued never runs. One cancelled while running has its
//!   [`CancelToken`] tripped: the transfers stop promptly (they watch the token), other calls stop their
//!   uploads mid-body or end after their current request, which the client's timeouts bound.
//! - Dropping the pool (freeing the client) cancels every queued and running operation and waits for the
//!   running ones, so no operation outlives the client; the handles stay valid and report `Cancelled` (or
//!   `Done` when the call finished anyway).

mod operation;
mod signal;

pub use operation::{Completion, OpState, Operation};

use crate::error::{Error, Result};
use crate::CancelToken;
use operation::Core;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{JoinHandle, ThreadId};

/// Workers of a pool unless configured otherwise.
pub const DEFAULT_WORKERS: usize = 4;
/// The most workers a pool may have.
pub const MAX_WORKERS: usize = 256;

/// What the pool needs of an operation, whatever its result type.
trait Job: Send + Sync {
    fn run(&self);
    fn cancel(&self);
}

impl<T: Send + 'static> Job for Core<T> {
    fn run(&self) {
        Core::run(self)
    }
    fn cancel(&self) {
        Core::cancel(self)
    }
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Arc<dyn Job>>,
    /// What each worker is running, to cancel at shutdown.
    running: Vec<Option<Arc<dyn Job>>>,
    shutdown: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

/// A bounded pool of worker threads with a FIFO queue.
pub struct Pool {
    size: usize,
    shared: Arc<Shared>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Pool {
    /// A pool of `size` workers (1..=[`MAX_WORKERS`]); no thread starts before the first submit.
    pub fn new(size: usize) -> Result<Pool> {
        if !(1..=MAX_WORKERS).contains(&size) {
            return Err(Error::invalid(format!("background workers must be 1..={MAX_WORKERS}, got {size}")));
        }
        Ok(Pool { size, shared: Arc::default(), workers: Mutex::default() })
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether the workers were started (by a first submit).
    pub fn started(&self) -> bool {
        !lock(&self.workers).is_empty()
    }

    /// Queues `work` and returns its handle. `work` gets the operation's cancel token: hand it to the call
    /// (e.g. as `TransferOptions::cancel`) so that cancelling a running operation stops it. `completion`,
    /// if any, is called exactly once when the operation completes, with its final state: on the worker
    /// thread that ran it, or, for an operation cancelled while queued, on the thread that cancelled it
    /// (the caller of [`Operation::cancel`] or the one dropping the pool). It runs before `wait` returns and
    /// before the descriptor becomes readable; it must not wait for its own operation.
    pub fn submit<T: Send + 'static>(
        &self,
        work: impl FnOnce(&CancelToken) -> Result<T> + Send + 'static,
        completion: Option<Completion>,
    ) -> Result<Operation<T>> {
        self.start_workers()?;
        let core = Core::new(Box::new(work), completion)?;
        let job: Arc<dyn Job> = core.clone();
        lock(&self.shared.queue).jobs.push_back(job);
        self.shared.ready.notify_one();
        Ok(Operation { core })
    }

    fn start_workers(&self) -> Result<()> {
        let mut workers = lock(&self.workers);
        if !workers.is_empty() {
            return Ok(());
        }
        lock(&self.shared.queue).running = vec![None; self.size];
        for index in 0..self.size {
            let shared = self.shared.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("cos-bg-{index}"))
                .spawn(move || work_loop(&shared, index))
                .map_err(|e| Error::io("starting a background worker", &e));
            match spawned {
                Ok(handle) => workers.push(handle),
                // The workers already started serve the queue; fail only when there are none.
                Err(e) if workers.is_empty() => return Err(e),
                Err(_) => break,
            }
        }
        Ok(())
    }

    fn worker_ids(&self) -> Vec<ThreadId> {
        lock(&self.workers).iter().map(|h| h.thread().id()).collect()
    }
}

fn work_loop(shared: &Shared, index: usize) {
    loop {
        let job = {
            let mut queue = lock(&shared.queue);
            loop {
                if let Some(job) = queue.jobs.pop_front() {
                    queue.running[index] = Some(job.clone());
                    break job;
                }
                if queue.shutdown {
                    return;
                }
                queue = shared.ready.wait(queue).unwrap_or_else(|p| p.into_inner());
            }
        };
        job.run();
        lock(&shared.queue).running[index] = None;
    }
}

impl Drop for Pool {
    /// Cancels queued operations (they complete as `Cancelled` here), cancels running ones and waits for
    /// them. Dropped on one of its own workers (from a completion callback), it cannot wait for itself: the
    /// workers then finish on their own, each holding what its operation needs.
    fn drop(&mut self) {
        let (queued, running) = {
            let mut queue = lock(&self.shared.queue);
            queue.shutdown = true;
            let queued: Vec<_> = queue.jobs.drain(..).collect();
            let running: Vec<_> = queue.running.iter().flatten().cloned().collect();
            (queued, running)
        };
        self.shared.ready.notify_all();
        for job in queued.iter().chain(&running) {
            job.cancel();
        }
        if self.worker_ids().contains(&std::thread::current().id()) {
            return;
        }
        for handle in lock(&self.workers).drain(..) {
            let _ = handle.join();
        }
    }
}
