//! Request metrics through the observer, checked against the emulator's own counters: one observation per
//! request, attempts and the request id of each (retries of injected 503s), bytes sent (a multipart upload's
//! parts add up to the file), the connection time only when a new connection was opened, and the timings
//! in order. From C in `tests/c/log.c`.

mod support;

use cos::observe::{Observer, RequestMetrics};
use cos::{Client, RequestOptions, TransferOptions};
use std::sync::{Arc, Mutex};
use support::{data, Emulator, TempDir, MIB};

const BUCKET: &str = "metered-1250000000";

fn observed_client(emu: &Emulator) -> (Client, Arc<Mutex<Vec<RequestMetrics>>>) {
    let seen: Arc<Mutex<Vec<RequestMetrics>>> = Arc::default();
    let sink = seen.clone();
    let mut b = emu.config();
    b.observer(Some(Observer(Arc::new(move |m: &RequestMetrics| sink.lock().unwrap().push(m.clone())))));
    (Client::new(b.build().unwrap()).unwrap(), seen)
}

#[test]
fn one_observation_per_request_with_its_attempts_ids_and_timings() {
    let emu = Emulator::start();
    let (client, seen) = observed_client(&emu);
    let o = RequestOptions::new();
    client.create_bucket(BUCKET, &o).unwrap();
    let info = client.put_object(BUCKET, "k", b"twelve bytes", &o).unwrap();
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        let first = &seen[0];
        assert!(first.connect.is_some(), "the first request opened a connection");
        let put = &seen[1];
        assert_eq!((put.method.as_str(), put.path.as_str(), put.status), ("PUT", "/k", Some(200)));
        assert_eq!((put.attempts, put.bytes_sent), (1, 12));
        assert_eq!(put.request_ids, [info.headers.request_id().unwrap()]);
        assert!(put.connect.is_none(), "the second one went on the pooled connection");
        assert!(put.first_byte <= put.total);
    }
    seen.lock().unwrap().clear();

    // Two 503s, then the answer: three attempts, three request ids, as many requests as the emulator saw.
    emu.reset_stats();
    emu.fault("kind=status&status=503&code=InternalError&count=2&method=GET");
    let (body, info) = client.get_object(BUCKET, "k", &o).unwrap();
    assert_eq!(body, b"twelve bytes");
    let seen = seen.lock().unwrap();
    let get = &seen[0];
    assert_eq!((get.attempts, get.status, get.bytes_received), (3, Some(200), 12));
    assert_eq!(get.request_ids.len(), 3);
    assert_eq!(get.request_ids[2], info.headers.request_id().unwrap());
    let stats = emu.stats();
    assert_eq!((stats.requests, stats.retries), (u64::from(get.attempts), 2));
}

#[test]
fn a_multipart_upload_is_every_one_of_its_requests() {
    let emu = Emulator::start();
    let (client, seen) = observed_client(&emu);
    client.create_bucket(BUCKET, &RequestOptions::new()).unwrap();
    let dir = TempDir::new("metrics");
    let file = dir.file("big.bin", &data(5 * MIB as usize + 100, 3));
    emu.reset_stats();
    seen.lock().unwrap().clear();
    let opts = TransferOptions { part_size: MIB, concurrency: 3, ..TransferOptions::default() };
    client.upload_file(BUCKET, "big.bin", &file, &opts, None).unwrap();
    let seen = seen.lock().unwrap();
    let stats = emu.stats();
    assert_eq!(seen.iter().map(|m| u64::from(m.attempts)).sum::<u64>(), stats.requests, "{stats:?}");
    let parts: Vec<&RequestMetrics> = seen.iter().filter(|m| m.method == "PUT").collect();
    assert_eq!(parts.len(), 6);
    assert_eq!(parts.iter().map(|m| m.bytes_sent).sum::<u64>(), 5 * MIB + 100);
    assert!(seen.iter().all(|m| m.request_ids.len() == m.attempts as usize && m.first_byte <= m.total));
}

#[test]
fn a_transfer_sums_its_requests_into_its_metrics() {
    let emu = Emulator::start();
    let client = emu.client();
    client.create_bucket(BUCKET, &RequestOptions::new()).unwrap();
    let dir = TempDir::new("transfer-metrics");
    let size = 4 * MIB + 10;
    let file = dir.file("up.bin", &data(size as usize, 8));
    let metrics = Arc::new(cos::observe::TransferMetrics::default());
    let opts = TransferOptions {
        part_size: MIB,
        concurrency: 2,
        metrics: Some(metrics.clone()),
        ..TransferOptions::default()
    };
    emu.reset_stats();
    // One part answered 503 once: it is sent again, and the figures show it.
    emu.fault("kind=status&status=503&code=InternalError&count=1&method=PUT&sub=partNumber");
    client.upload_file(BUCKET, "up.bin", &file, &opts, None).unwrap();
    let stats = emu.stats();
    assert_eq!(metrics.attempts(), stats.requests, "{stats:?}");
    assert_eq!(metrics.request_ids().len() as u64, stats.requests);
    assert!(metrics.request_ids().iter().all(|id| !id.is_empty()));
    // The parts, one part again, and the small XML of the completion.
    assert!(metrics.bytes_sent() > size + MIB && metrics.bytes_sent() <= size + MIB + 4096, "{}", metrics.bytes_sent());

    let down = Arc::new(cos::observe::TransferMetrics::default());
    let opts = TransferOptions { part_size: MIB, metrics: Some(down.clone()), ..TransferOptions::default() };
    emu.reset_stats();
    client.download_file(BUCKET, "up.bin", &dir.path("down.bin"), &opts, None).unwrap();
    assert_eq!(down.attempts(), emu.stats().requests);
    assert_eq!(down.bytes_received(), size, "the ranges add up to the object; the HEAD has no body");
    assert_eq!(down.bytes_sent(), 0);
}
