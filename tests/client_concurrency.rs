//! One `Client` shared by many threads: every operation succeeds and no data is mixed up.

mod support;

use cos::{Client, ErrorKind, RequestOptions};
use std::sync::Arc;
use support::Emulator;

const THREADS: usize = 8;
/// Each round is a put, a get, a head and (every other round) a delete: 4 operations.
const ROUNDS: usize = 50;

fn content(thread: usize, round: usize) -> Vec<u8> {
    let len = 1 + (thread * 7919 + round * 104_729) % 70_000;
    (0..len).map(|i| (i as u64 * 31 + thread as u64 * 131 + round as u64) as u8).collect()
}

/// 200 operations on one thread; returns the keys it left in place.
fn worker(client: &Client, bucket: &str, t: usize) -> Vec<String> {
    let o = RequestOptions::new();
    let mut kept = Vec::new();
    for r in 0..ROUNDS {
        let key = format!("t{t}/r{r:03}");
        let body = content(t, r);
        let put = client.put_object(bucket, &key, &body, &o).unwrap();
        assert_eq!(put.crc64(), Some(cos::crc64::checksum(&body)), "{key}");

        let (got, info) = client.get_object(bucket, &key, &o).unwrap();
        assert!(got == body, "{key}: another thread's data or a torn body");
        assert_eq!(info.etag(), put.etag());

        let head = client.head_object(bucket, &key, &o).unwrap();
        assert_eq!(head.content_length(), Some(body.len() as u64), "{key}");
        assert_eq!(head.etag(), put.etag());

        if r % 2 == 0 {
            client.delete_object(bucket, &key, &o).unwrap();
            let e = client.head_object(bucket, &key, &o).unwrap_err();
            assert_eq!((e.kind(), e.http_status()), (ErrorKind::Service, 404));
        } else {
            // Read a key another thread wrote earlier, if it is still there.
            let other = format!("t{}/r{:03}", (t + 1) % THREADS, r - 1);
            match client.get_object(bucket, &other, &o) {
                Ok((data, _)) => assert!(data == content((t + 1) % THREADS, r - 1), "{other}"),
                Err(e) => assert_eq!(e.code(), Some("NoSuchKey"), "{other}: {e:?}"),
            }
            kept.push(key);
        }
    }
    kept
}

#[test]
fn one_client_shared_by_eight_threads() {
    let emu = Emulator::start();
    let client = Arc::new(emu.client());
    let bucket = support::bucket("shared");
    client.create_bucket(&bucket, &RequestOptions::new()).unwrap();

    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let client = Arc::clone(&client);
            let bucket = bucket.clone();
            std::thread::spawn(move || worker(&client, &bucket, t))
        })
        .collect();
    let mut kept: Vec<String> = handles.into_iter().flat_map(|h| h.join().expect("a worker thread panicked")).collect();
    kept.sort();
    assert_eq!(kept.len(), THREADS * ROUNDS / 2);

    // Exactly the kept objects remain, each with its own content.
    let mut listed = Vec::new();
    for page in client.list_objects_pages(&bucket, cos::ListParams::default()) {
        listed.extend(page.unwrap().objects.into_iter().map(|o| (o.key, o.size)));
    }
    let names: Vec<&String> = listed.iter().map(|(k, _)| k).collect();
    assert_eq!(names, kept.iter().collect::<Vec<_>>());
    for (key, size) in &listed {
        let (t, r) = key[1..].split_once("/r").unwrap();
        let expected = content(t.parse().unwrap(), r.parse().unwrap());
        assert_eq!(*size, expected.len() as u64, "{key}");
    }

    // Threads sharing it also share its keep-alive pool; it still works afterwards.
    let refs: Vec<&str> = kept.iter().map(String::as_str).collect();
    let result = client.delete_objects(&bucket, &refs, true).unwrap();
    assert!(result.errors.is_empty());
    client.delete_bucket(&bucket).unwrap();
}
