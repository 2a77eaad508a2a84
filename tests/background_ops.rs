//! The background pool (`cos::background`) against the emulator: 1,000 operations on 4 workers complete
//! through callbacks, `wait` and their descriptors; queued operations cancelled never run; a running
//! download cancelled while its GET stalls ends `Cancelled`; dropping the pool with operations in flight
//! completes every one of them; results equal the blocking calls'.

mod support;

use cos::background::{OpState, Operation, Pool};
use cos::{Error, ErrorKind, RequestOptions, TransferOptions};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{data, Fixture, TempDir, MIB};

/// A callback that counts its calls and records the states it was given.
fn counting(calls: &Arc<AtomicUsize>, states: &Arc<Mutex<Vec<OpState>>>) -> Option<cos::background::Completion> {
    let (calls, states) = (calls.clone(), states.clone());
    Some(Box::new(move |state, _error: Option<&Error>| {
        calls.fetch_add(1, Ordering::SeqCst);
        states.lock().unwrap().push(state);
    }))
}

/// Whether `fd` is readable right now (poll with a zero timeout).
fn readable(fd: i32) -> bool {
    let mut p = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
    // SAFETY: one live pollfd.
    let n = unsafe { libc::poll(&mut p, 1, 0) };
    n == 1 && p.revents & libc::POLLIN != 0
}

#[test]
fn a_thousand_operations_on_four_workers_complete_once_each() {
    let f = Fixture::new("bg-thousand");
    let pool = Pool::new(4).unwrap();
    assert!(!pool.started(), "no thread before the first submit");
    let (calls, states) = (Arc::new(AtomicUsize::new(0)), Arc::new(Mutex::new(Vec::new())));
    let ops: Vec<Operation<cos::ObjectInfo>> = (0..1000)
        .map(|i| {
            let (client, bucket) = (f.client.clone(), f.bucket.clone());
            let body = format!("object {i}").into_bytes();
            pool.submit(
                move |_| client.put_object(&bucket, &format!("k/{i:04}"), &body, &RequestOptions::new()),
                counting(&calls, &states),
            )
            .unwrap()
        })
        .collect();
    assert!(pool.started());
    for (i, op) in ops.iter().enumerate() {
        assert!(op.wait(None), "op {i}");
        assert_eq!(op.state(), OpState::Done, "op {i}");
        assert!(readable(op.fd()), "op {i}: its descriptor is readable once done");
        op.take().unwrap_or_else(|e| panic!("op {i}: {e}"));
        assert!(op.take().is_err(), "a result is taken once");
        op.outcome().unwrap();
    }
    // Every callback ran before its wait returned.
    assert_eq!(calls.load(Ordering::SeqCst), 1000);
    assert!(states.lock().unwrap().iter().all(|s| *s == OpState::Done));
    for i in [0, 499, 999] {
        let (bytes, _) = f.client.get_object(&f.bucket, &format!("k/{i:04}"), &RequestOptions::new()).unwrap();
        assert_eq!(bytes, format!("object {i}").into_bytes());
    }
}

#[test]
fn results_and_errors_equal_the_blocking_calls() {
    let f = Fixture::new("bg-same");
    let body = data(300_000, 7);
    f.client.put_object(&f.bucket, "same", &body, &RequestOptions::new()).unwrap();
    let pool = Pool::new(2).unwrap();
    let (client, bucket) = (f.client.clone(), f.bucket.clone());
    let got = pool.submit(move |_| client.get_object(&bucket, "same", &RequestOptions::new()), None).unwrap();
    let (bytes, info) = got.join().unwrap();
    let (blocking, blocking_info) = f.client.get_object(&f.bucket, "same", &RequestOptions::new()).unwrap();
    assert_eq!(bytes, blocking);
    assert_eq!(info.etag(), blocking_info.etag());
    let (client, bucket) = (f.client.clone(), f.bucket.clone());
    let missing = pool.submit(move |_| client.head_object(&bucket, "missing", &RequestOptions::new()), None).unwrap();
    let e = missing.join().unwrap_err();
    let blocking = f.client.head_object(&f.bucket, "missing", &RequestOptions::new()).unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (blocking.kind(), blocking.http_status()));
    assert_eq!(missing.state(), OpState::Done, "a failure is still Done");
    assert_eq!(missing.outcome().unwrap_err().kind(), blocking.kind());
}

#[test]
fn queued_operations_cancelled_never_run() {
    let f = Fixture::new("bg-queued");
    f.client.put_object(&f.bucket, "slow", b"x", &RequestOptions::new()).unwrap();
    f.emu.fault("kind=stall&ms=3000&count=1&method=GET&key=slow");
    let pool = Pool::new(1).unwrap();
    let (client, bucket) = (f.client.clone(), f.bucket.clone());
    let blocker = pool.submit(move |_| client.get_object(&bucket, "slow", &RequestOptions::new()), None).unwrap();
    support::wait_for("running", Duration::from_secs(20), || blocker.state() == OpState::Running);
    let (calls, states) = (Arc::new(AtomicUsize::new(0)), Arc::new(Mutex::new(Vec::new())));
    let queued: Vec<_> = (0..5)
        .map(|i| {
            let (client, bucket) = (f.client.clone(), f.bucket.clone());
            pool.submit(
                move |_| client.put_object(&bucket, &format!("never/{i}"), b"no", &RequestOptions::new()),
                counting(&calls, &states),
            )
            .unwrap()
        })
        .collect();
    for op in &queued {
        assert_eq!(op.state(), OpState::Queued);
        op.cancel();
        // Complete at once, without a worker: the only one is busy.
        assert!(op.wait(Some(Duration::ZERO)));
        assert_eq!(op.state(), OpState::Cancelled);
        assert!(readable(op.fd()));
        assert_eq!(op.take().unwrap_err().kind(), ErrorKind::Cancelled);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 5);
    blocker.join().unwrap();
    // The worker went past the cancelled ones: a new operation runs, and none of them did.
    let (client, bucket) = (f.client.clone(), f.bucket.clone());
    let list = pool.submit(move |_| client.list_objects(&bucket, &Default::default()), None).unwrap();
    let keys: Vec<String> = list.join().unwrap().objects.into_iter().map(|o| o.key).collect();
    assert_eq!(keys, vec!["slow".to_string()]);
    assert_eq!(calls.load(Ordering::SeqCst), 5, "each callback once");
}

#[test]
fn a_running_download_cancelled_through_its_token_ends_cancelled() {
    let f = Fixture::new("bg-running");
    let body = data(4 * MIB as usize, 3);
    f.client.put_object(&f.bucket, "big", &body, &RequestOptions::new()).unwrap();
    // Every ranged GET stalls mid-body for 3 s, so the download is running when it is cancelled.
    f.emu.fault("kind=stall&ms=3000&at=body&after_bytes=1000&count=100&method=GET&key=big");
    let dir = TempDir::new("bg-running");
    let path = dir.path("big.bin");
    let pool = Pool::new(2).unwrap();
    let (client, bucket, dest) = (f.client.clone(), f.bucket.clone(), path.clone());
    let op = pool
        .submit(
            move |cancel| {
                let opts =
                    TransferOptions { part_size: MIB, cancel: Some(cancel.clone()), ..TransferOptions::default() };
                client.download_file(&bucket, "big", &dest, &opts, None)
            },
            None,
        )
        .unwrap();
    support::wait_for("running", Duration::from_secs(20), || op.state() == OpState::Running);
    op.cancel();
    assert!(op.wait(None));
    assert_eq!(op.state(), OpState::Cancelled);
    assert_eq!(op.take().unwrap_err().kind(), ErrorKind::Cancelled);
    assert!(!path.exists(), "a cancelled download leaves no file");
}

#[test]
fn dropping_the_pool_completes_every_operation_in_flight() {
    let f = Fixture::new("bg-drop");
    f.client.put_object(&f.bucket, "slow", b"x", &RequestOptions::new()).unwrap();
    f.emu.fault("kind=stall&ms=2000&count=2&method=GET&key=slow");
    let pool = Pool::new(2).unwrap();
    let (calls, states) = (Arc::new(AtomicUsize::new(0)), Arc::new(Mutex::new(Vec::new())));
    let ops: Vec<_> = (0..20)
        .map(|_| {
            let (client, bucket) = (f.client.clone(), f.bucket.clone());
            pool.submit(move |_| client.get_object(&bucket, "slow", &RequestOptions::new()), counting(&calls, &states))
                .unwrap()
        })
        .collect();
    support::wait_for("running", Duration::from_secs(20), || ops[0].state() == OpState::Running);
    drop(pool);
    // Dropping waited for the running ones and cancelled the rest: all complete, each called back once.
    for op in &ops {
        assert!(op.wait(Some(Duration::ZERO)));
        assert!(readable(op.fd()));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 20);
    let cancelled = ops.iter().filter(|o| o.state() == OpState::Cancelled).count();
    assert!(cancelled >= 18, "at most the two running ones ran: {cancelled} cancelled");
}

#[test]
fn a_pool_size_out_of_range_is_refused() {
    assert_eq!(Pool::new(0).err().map(|e| e.kind()), Some(ErrorKind::InvalidArgument));
    assert!(Pool::new(cos::background::MAX_WORKERS + 1).is_err());
    let mut b = cos::Config::builder();
    b.region("ap-guangzhou").credentials("id", "key");
    assert_eq!(b.build().unwrap().background_workers, cos::background::DEFAULT_WORKERS);
    b.background_workers(100_000);
    assert!(b.build().is_err());
}
