//! One `Client` shared by 16 threads doing thousands of mixed operations (put, get, head, list, copy, delete,
//! small multipart uploads) against one emulator: no error, no data mixed up, well under a minute. Then the
//! same under a stream of injected 5xx answers and connection resets, which the retries must absorb.

mod support;

use cos::{Body, Client, ErrorKind, ListParams};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::*;

const THREADS: usize = 16;

fn content(t: usize, r: usize) -> Vec<u8> {
    let len = (t * 7919 + r * 104_729) % 40_000;
    data(len, (t * 1000 + r) as u64)
}

/// Counts of what one worker did.
#[derive(Default)]
struct Done {
    ops: u64,
    kept: BTreeMap<String, Vec<u8>>,
}

/// `rounds` rounds of mixed operations under `t/`; returns the objects it left and how many operations it made.
fn worker(c: &Client, b: &str, t: usize, rounds: usize) -> Done {
    let o = opts();
    let mut done = Done::default();
    for r in 0..rounds {
        let key = format!("t{t:02}/r{r:03}");
        let body = content(t, r);
        let put = c.put_object(b, &key, &body, &o).unwrap_or_else(|e| panic!("put {key}: {e:?}"));
        assert_eq!(put.crc64(), Some(cos::crc64::checksum(&body)), "{key}");

        let (got, info) = c.get_object(b, &key, &o).unwrap_or_else(|e| panic!("get {key}: {e:?}"));
        assert!(got == body, "{key}: another thread's bytes or a torn body");
        assert_eq!(info.etag(), put.etag(), "{key}");

        let head = c.head_object(b, &key, &o).unwrap_or_else(|e| panic!("head {key}: {e:?}"));
        assert_eq!(head.content_length(), Some(body.len() as u64), "{key}");

        let copy = format!("{key}.copy");
        let (result, _) = c.copy_object(b, &key, b, &copy, &o).unwrap_or_else(|e| panic!("copy {key}: {e:?}"));
        assert!(!result.etag.is_empty());
        let mut range = opts();
        let n = body.len().min(100) as u64;
        if n > 0 {
            range.range(0, Some(n - 1)).unwrap();
            let (head_bytes, _) = c.get_object(b, &copy, &range).unwrap_or_else(|e| panic!("range {copy}: {e:?}"));
            assert_eq!(head_bytes, body[..n as usize], "{copy}");
        }
        c.delete_object(b, &copy, &o).unwrap_or_else(|e| panic!("delete {copy}: {e:?}"));
        done.ops += 5 + u64::from(n > 0);

        if r % 5 == 4 {
            // This thread's listing: exactly its kept objects so far plus the current one.
            let params = ListParams { prefix: format!("t{t:02}/"), max_keys: 7, ..ListParams::default() };
            let mut listed = Vec::new();
            for page in c.list_objects_pages(b, params) {
                let page = page.unwrap_or_else(|e| panic!("list t{t}: {e:?}"));
                listed.extend(page.objects.into_iter().map(|o| (o.key, o.size)));
                done.ops += 1;
            }
            let mut want: Vec<(String, u64)> = done.kept.iter().map(|(k, v)| (k.clone(), v.len() as u64)).collect();
            want.push((key.clone(), body.len() as u64));
            want.sort();
            assert_eq!(listed, want, "thread {t} round {r}");
        }

        if r % 8 == 7 {
            // A small multipart upload: one 1 MiB part and a short last one.
            let mp = format!("t{t:02}/mp{r:03}");
            let first = data(MIB as usize, (t * 31 + r) as u64);
            let last = content(t, r + 1000);
            let id = c.create_multipart_upload(b, &mp, &o).unwrap_or_else(|e| panic!("initiate {mp}: {e:?}"));
            let p1 = c.upload_part(b, &mp, &id, 1, Body::Bytes(&first), &o).unwrap();
            let p2 = c.upload_part(b, &mp, &id, 2, Body::Bytes(&last), &o).unwrap();
            let (_, info) = c
                .complete_multipart_upload(b, &mp, &id, &[p2, p1], &o)
                .unwrap_or_else(|e| panic!("complete {mp}: {e:?}"));
            let whole = [first, last].concat();
            assert_eq!(info.crc64(), Some(cos::crc64::checksum(&whole)), "{mp}");
            done.kept.insert(mp, whole);
            done.ops += 4;
        }

        if r % 2 == 0 {
            c.delete_object(b, &key, &o).unwrap_or_else(|e| panic!("delete {key}: {e:?}"));
            let e = c.head_object(b, &key, &o).unwrap_err();
            assert_eq!((e.kind(), e.http_status()), (ErrorKind::Service, 404), "{key}");
            done.ops += 2;
        } else {
            done.kept.insert(key, body);
        }
    }
    done
}

/// Runs the workers on one shared client and checks what is left in the bucket. With `chaos`, a thread keeps
/// one one-shot fault pending (a 500, a 503, a reset before the response) while all workers are busy; it stops
/// adding them when the first worker finishes, so the last ones are not the only targets left.
fn run(emu: &Emulator, client: Client, rounds: usize, chaos: bool) -> u64 {
    let b = bucket("shared");
    client.create_bucket(&b, &opts()).unwrap();
    let client = Arc::new(client);
    let finished = Arc::new(AtomicUsize::new(0));
    let chaos = chaos.then(|| {
        let (finished, address) = (finished.clone(), emu.address.clone());
        std::thread::spawn(move || {
            let kinds = [
                "kind=status&status=500&count=1",
                "kind=status&status=503&code=ServiceUnavailable&count=1",
                "kind=reset&count=1",
                "kind=reset&after_bytes=1000&count=1&method=PUT",
            ];
            let mut added = 0;
            while finished.load(Ordering::SeqCst) == 0 {
                let (status, pending) = control(&address, "GET", "/__emulator/faults");
                assert_eq!(status, 200, "list the faults: {pending}");
                if pending.trim().is_empty() {
                    let query = format!("/__emulator/faults?{}", kinds[added % kinds.len()]);
                    let (status, body) = control(&address, "POST", &query);
                    assert_eq!(status, 200, "the fault is accepted: {body}");
                    added += 1;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            added
        })
    });
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (c, b, finished) = (client.clone(), b.clone(), finished.clone());
            std::thread::spawn(move || {
                let done = worker(&c, &b, t, rounds);
                finished.fetch_add(1, Ordering::SeqCst);
                done
            })
        })
        .collect();
    let mut kept = BTreeMap::new();
    let mut ops = 0;
    let mut panicked = None;
    for h in handles {
        match h.join() {
            Ok(done) => {
                ops += done.ops;
                kept.extend(done.kept);
            }
            Err(p) => panicked = Some(p),
        }
    }
    finished.fetch_add(1, Ordering::SeqCst);
    if let Some(chaos) = chaos {
        let added = chaos.join().expect("the chaos thread");
        eprintln!("{added} faults added");
    }
    if let Some(p) = panicked {
        std::panic::resume_unwind(p);
    }
    emu.clear_faults();

    // Exactly the kept objects remain, each with its own bytes.
    let mut listed = BTreeMap::new();
    for page in client.list_objects_pages(&b, ListParams::default()) {
        for o in page.unwrap().objects {
            listed.insert(o.key, o.size);
        }
    }
    assert_eq!(listed.keys().collect::<Vec<_>>(), kept.keys().collect::<Vec<_>>());
    for (key, body) in &kept {
        assert_eq!(listed[key], body.len() as u64, "{key}");
        let (got, _) = client.get_object(&b, key, &opts()).unwrap();
        assert!(&got == body, "{key}");
    }
    let deleted = client.delete_objects(&b, &kept.keys().map(String::as_str).collect::<Vec<_>>(), true).unwrap();
    assert!(deleted.errors.is_empty(), "{:?}", deleted.errors);
    client.delete_bucket(&b).unwrap();
    ops
}

#[test]
fn sixteen_threads_share_one_client() {
    let emu = Emulator::start_logged();
    let started = Instant::now();
    let ops = run(&emu, emu.short_client(), 40, false);
    let took = started.elapsed();
    assert!(ops >= 3000, "{ops} operations");
    assert!(took < Duration::from_secs(40), "{ops} operations took {took:?}");
    let s = emu.stats();
    assert_eq!(s.retries, 0, "nothing failed, so nothing was retried: {s:?}");
    eprintln!("{ops} operations by {THREADS} threads in {took:?} ({} requests)", s.requests);
}

#[test]
fn sixteen_threads_ride_out_injected_faults() {
    let emu = Emulator::start_logged();
    let started = Instant::now();
    let ops = run(&emu, emu.client_with(6, |_| {}), 12, true);
    let took = started.elapsed();
    let s = emu.stats();
    assert!(s.faults >= 20, "faults fired: {s:?}");
    // Faults are retried by the client (x-cos-sdk-retry); the HTTP layer never resends on its own.
    assert!(s.retries >= s.faults / 2 && s.retries <= s.faults, "the faults were retried: {s:?}");
    assert!(took < Duration::from_secs(40), "{ops} operations took {took:?}");
    eprintln!("{ops} operations in {took:?} under faults ({s:?})");
}
