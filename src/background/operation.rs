//! One operation started on a [`super::Pool`]: its state, its result, the waiters, the completion
//! callback and the completion descriptor.

use super::signal::Signal;
use crate::error::{Error, ErrorKind, Result};
use crate::CancelToken;
use std::os::fd::RawFd;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Where an operation is in its life. `Done` and `Cancelled` are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpState {
    /// Waiting in the pool's queue for a worker.
    Queued,
    /// A worker is running it.
    Running,
    /// It ran to the end; its result (success or failure) is ready.
    Done,
    /// It never ran (cancelled while queued, or its pool shut down), or it stopped because it was
    /// cancelled while running (its result is then a `Cancelled` error).
    Cancelled,
}

/// Called once when the operation completes, with its final state and its error (`None` on success); see
/// [`super::Pool::submit`].
pub type Completion = Box<dyn FnOnce(OpState, Option<&Error>) + Send>;

type Work<T> = Box<dyn FnOnce(&CancelToken) -> Result<T> + Send>;

struct Slot<T> {
    state: OpState,
    work: Option<Work<T>>,
    result: Option<Result<T>>,
    /// Whether the result was handed out already (so a second take says so instead of "not finished").
    taken: bool,
    completion: Option<Completion>,
    /// True once the completion callback returned, the moment waiters are released.
    finished: bool,
}

pub(crate) struct Core<T> {
    slot: Mutex<Slot<T>>,
    changed: Condvar,
    cancel: CancelToken,
    signal: Signal,
}

/// The handle of an operation started on a pool. Cheap to clone; the operation keeps running (or stays
/// queued) when every handle is dropped, and its result is then dropped.
pub struct Operation<T> {
    pub(crate) core: Arc<Core<T>>,
}

impl<T> Clone for Operation<T> {
    fn clone(&self) -> Self {
        Operation { core: self.core.clone() }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic never happens while the lock is held (the work and callback run outside it), but a poisoned
    // lock must not turn into a panic across the C ABI either.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn cancelled() -> Error {
    Error::new(ErrorKind::Cancelled, "the operation was cancelled before it started")
}

impl<T: Send + 'static> Core<T> {
    pub(crate) fn new(work: Work<T>, completion: Option<Completion>) -> Result<Arc<Core<T>>> {
        let signal = Signal::new().ok_or_else(|| {
            Error::io("creating the completion descriptor of an operation", &std::io::Error::last_os_error())
        })?;
        let slot =
            Slot { state: OpState::Queued, work: Some(work), result: None, taken: false, completion, finished: false };
        Ok(Arc::new(Core { slot: Mutex::new(slot), changed: Condvar::new(), cancel: CancelToken::new(), signal }))
    }

    /// Runs the work on this (worker) thread, unless it was cancelled while queued.
    pub(crate) fn run(&self) {
        let work = {
            let mut slot = lock(&self.slot);
            match slot.work.take() {
                Some(work) if slot.state == OpState::Queued => {
                    slot.state = OpState::Running;
                    work
                }
                _ => return,
            }
        };
        let result = catch_unwind(AssertUnwindSafe(|| work(&self.cancel))).unwrap_or_else(|_| {
            Err(Error::new(ErrorKind::Internal, "internal error (caught panic) in a background operation"))
        });
        let state = match &result {
            Err(e) if e.kind() == ErrorKind::Cancelled && self.cancel.is_cancelled() => OpState::Cancelled,
            _ => OpState::Done,
        };
        self.finish(state, result);
    }

    /// Cancels the operation: a queued one completes at once as `Cancelled` (its completion callback runs
    /// on this thread) and never runs; a running one has its cancel token tripped; a finished one is left.
    pub(crate) fn cancel(&self) {
        self.cancel.cancel();
        let never_ran = {
            let mut slot = lock(&self.slot);
            if slot.state == OpState::Queued {
                slot.work = None;
                true
            } else {
                false
            }
        };
        if never_ran {
            self.finish(OpState::Cancelled, Err(cancelled()));
        }
    }

    /// Stores the result, calls the completion callback, then releases waiters and raises the descriptor,
    /// so that whoever is woken sees the callback's effects.
    fn finish(&self, state: OpState, result: Result<T>) {
        let error = result.as_ref().err().cloned();
        let completion = {
            let mut slot = lock(&self.slot);
            slot.state = state;
            slot.result = Some(result);
            slot.completion.take()
        };
        if let Some(callback) = completion {
            // The callback is the caller's; a panic in it must not take the worker down.
            let _ = catch_unwind(AssertUnwindSafe(|| callback(state, error.as_ref())));
        }
        // Under the lock, so that whoever sees one of the two (a waiter, a poller of the descriptor) sees
        // both: the descriptor is readable when `wait` returns, and the result is there when it is.
        let mut slot = lock(&self.slot);
        slot.finished = true;
        self.signal.raise();
        drop(slot);
        self.changed.notify_all();
    }
}

impl<T: Send + 'static> Operation<T> {
    pub fn state(&self) -> OpState {
        let slot = lock(&self.core.slot);
        match slot.state {
            // Final only once the callback returned, as `wait` and the descriptor promise.
            OpState::Done | OpState::Cancelled if !slot.finished => OpState::Running,
            s => s,
        }
    }

    /// Whether the operation completed (its callback returned).
    pub fn is_finished(&self) -> bool {
        lock(&self.core.slot).finished
    }

    /// Waits until the operation completes or `timeout` passes (`None`: no limit); true when it completed.
    pub fn wait(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut slot = lock(&self.core.slot);
        while !slot.finished {
            slot = match deadline {
                None => self.core.changed.wait(slot).unwrap_or_else(|p| p.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return false;
                    }
                    self.core.changed.wait_timeout(slot, d - now).unwrap_or_else(|p| p.into_inner()).0
                }
            };
        }
        true
    }

    /// See [`Core::cancel`].
    pub fn cancel(&self) {
        self.core.cancel();
    }

    /// A descriptor that becomes readable when the operation completes and stays so; valid while any
    /// handle of this operation lives. Poll it for reading; never read or close it.
    pub fn fd(&self) -> RawFd {
        self.core.signal.fd()
    }

    /// The outcome without taking the result: `Ok(())` or the error (a copy). Fails with `InvalidArgument`
    /// while the operation is not finished.
    pub fn outcome(&self) -> Result<()> {
        let slot = lock(&self.core.slot);
        match (&slot.result, slot.finished, slot.taken) {
            (Some(Err(e)), true, _) => Err(e.clone()),
            (Some(Ok(_)), true, _) | (None, true, true) => Ok(()),
            _ => Err(Error::invalid("the operation has not finished")),
        }
    }

    /// Takes the result of a finished operation (its value moves out; the outcome stays readable). Fails
    /// with `InvalidArgument` while it is not finished or once the value was taken.
    pub fn take(&self) -> Result<T> {
        let mut slot = lock(&self.core.slot);
        if !slot.finished {
            return Err(Error::invalid("the operation has not finished"));
        }
        match slot.result.take() {
            Some(Ok(value)) => {
                slot.taken = true;
                Ok(value)
            }
            Some(Err(e)) => {
                slot.result = Some(Err(e.clone()));
                Err(e)
            }
            None => Err(Error::invalid("the result of the operation was taken already")),
        }
    }

    /// Takes the result, waiting for it first (the blocking form of [`Operation::take`]).
    pub fn join(&self) -> Result<T> {
        self.wait(None);
        self.take()
    }
}
