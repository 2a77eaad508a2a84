//! One public call that makes several requests (a transfer, a resumed read, a paged listing): the deadline
//! made once at its start from the operation timeout and handed to every request it sends (attempts,
//! backoff waits, resumes and HEADs included), the tighter deadline of one part of a transfer (the part
//! timeout), the stop flag of a transfer, and the tally of requests sent, for the attempts of its errors.

use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};
use crate::transport::{Request, Response, Transport};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Which configured bound a deadline comes from, for the message of the error it causes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Bound {
    Operation(Duration),
    Part(Duration),
}

impl Bound {
    fn describe(self) -> String {
        match self {
            Bound::Operation(t) => format!("the operation timeout of {} ms", t.as_millis()),
            Bound::Part(t) => format!("the part timeout of {} ms", t.as_millis()),
        }
    }
}

/// The most a cleanup after a failed call may take when an operation timeout is configured.
pub(crate) const CLEANUP: Duration = Duration::from_secs(1);

pub(crate) struct Call<'a> {
    deadline: Option<Instant>,
    bound: Option<Bound>,
    /// True stops the call's uploads mid-body (a cancelled transfer).
    pub stop: Option<&'a (dyn Fn() -> bool + Sync)>,
    sent: AtomicU32,
    /// The call a part belongs to: its requests count there too.
    parent: Option<&'a Call<'a>>,
    /// Where a transfer sums the figures of its requests (parts inherit it).
    pub metrics: Option<std::sync::Arc<crate::observe::TransferMetrics>>,
}

impl Call<'static> {
    /// A call starting now: its deadline is the configured operation timeout from now.
    pub fn new(config: &Config) -> Call<'static> {
        Call::at(config.deadline(), config.operation_timeout)
    }

    /// For the cleanup after a failed call (aborting the multipart upload it leaves in the bucket): a
    /// deadline of its own, at most [`CLEANUP`] long, so that a call that ran out of time still cleans up
    /// and overruns its timeout by little.
    pub fn cleanup(config: &Config) -> Call<'static> {
        let t = config.operation_timeout.map(|t| t.min(CLEANUP));
        Call::at(t.map(|t| Instant::now() + t), t)
    }

    /// A call with a deadline fixed earlier (an [`crate::ObjectReader`] resuming within the call that opened it).
    pub fn at(deadline: Option<Instant>, timeout: Option<Duration>) -> Call<'static> {
        Call {
            deadline,
            bound: timeout.map(Bound::Operation),
            stop: None,
            sent: AtomicU32::new(0),
            parent: None,
            metrics: None,
        }
    }
}

impl<'a> Call<'a> {
    /// One part of this call, starting now: bounded by this call's deadline and by `timeout` from now,
    /// whichever comes first. `stop` stops its uploads mid-body.
    pub fn part(&'a self, timeout: Option<Duration>, stop: Option<&'a (dyn Fn() -> bool + Sync)>) -> Call<'a> {
        let own = timeout.map(|t| (Instant::now() + t, Bound::Part(t)));
        let (deadline, bound) = match (self.deadline, own) {
            (Some(d), Some((p, b))) if p < d => (Some(p), Some(b)),
            (None, Some((p, b))) => (Some(p), Some(b)),
            _ => (self.deadline, self.bound),
        };
        Call {
            deadline,
            bound,
            stop: stop.or(self.stop),
            sent: AtomicU32::new(0),
            parent: Some(self),
            metrics: self.metrics.clone(),
        }
    }

    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The timeout behind the deadline (for a reader that resumes later).
    pub fn operation_timeout(&self) -> Option<Duration> {
        match self.bound {
            Some(Bound::Operation(t)) => Some(t),
            _ => None,
        }
    }

    /// Requests sent so far by this call (a part: by the part).
    pub fn sent(&self) -> u32 {
        self.sent.load(Ordering::Relaxed)
    }

    pub fn count(&self, requests: u32) {
        self.sent.fetch_add(requests, Ordering::Relaxed);
        if let Some(parent) = self.parent {
            parent.count(requests);
        }
    }

    /// Fails with `Timeout` once the deadline has passed, so that nothing more is sent.
    pub fn check(&self) -> Result<()> {
        match (self.deadline, self.bound) {
            (Some(d), Some(bound)) if Instant::now() >= d => Err(Error::new(
                ErrorKind::Timeout,
                format!("{} ran out after {} requests", bound.describe(), self.root().sent()),
            )
            .with_attempts(self.sent())),
            _ => Ok(()),
        }
    }

    fn root(&self) -> &Call<'a> {
        self.parent.map_or(self, |p| p.root())
    }

    /// Says which bound a timeout hit, when the deadline is what ended it.
    pub fn explain(&self, e: Error) -> Error {
        match (e.kind(), self.deadline, self.bound) {
            (ErrorKind::Timeout, Some(d), Some(bound)) if Instant::now() + Duration::from_millis(20) >= d => {
                e.note(&format!("{} ran out", bound.describe()))
            }
            _ => e,
        }
    }

    /// Gives an error that carries no attempts (it happened between requests: a CRC mismatch of the whole,
    /// a local file) the number of requests this call sent; errors of a request keep their own. A cancel
    /// stops the whole call, so it carries every request the call sent.
    pub fn stamp(&self, e: Error) -> Error {
        let whole_call = e.attempts() == 0 || e.kind() == ErrorKind::Cancelled;
        if whole_call && self.sent() > 0 {
            e.with_attempts(self.sent())
        } else {
            e
        }
    }

    /// `e` with every request this call sent: for a call that sends several requests (pages, batches), an
    /// error counts those that succeeded before it too.
    pub fn total(&self, e: Error) -> Error {
        let sent = self.sent().max(e.attempts());
        e.with_attempts(sent)
    }

    /// Sends `req` within this call: its deadline, its tally. Nothing is sent once the deadline has passed.
    pub fn send(&self, transport: &Transport, req: Request<'_>) -> Result<Response> {
        let compare = req.verify_crc;
        self.send_with(transport, req, compare)
    }

    /// Sends `req` and parses its XML answer with `parse`.
    pub fn xml<T>(&self, transport: &Transport, req: Request<'_>, parse: impl FnOnce(&str) -> Result<T>) -> Result<T> {
        self.send(transport, req)?.parse(|_, text| parse(text)).map(|(_, value)| value)
    }

    /// [`Transport::send_with`] within this call.
    pub fn send_with(&self, transport: &Transport, mut req: Request<'_>, compare_crc: bool) -> Result<Response> {
        self.check()?;
        req.deadline = self.deadline;
        if req.metrics.is_none() {
            req.metrics = self.metrics.clone();
        }
        let result = transport.send_with(req, compare_crc);
        self.count(match &result {
            Ok(resp) => resp.attempts,
            Err(e) => e.attempts(),
        });
        result.map_err(|e| self.explain(e))
    }
}
