//! Hardening of the transport against misbehaving servers: limits on heads and trailers, stalled streams,
//! secrets echoed back, TLS failures, the operation deadline.

#[path = "hostile/mod.rs"]
mod hostile;

use hostile::{within, Hostile};
use std::time::Duration;

#[test]
fn a_plain_answer_from_the_hostile_server_is_understood() {
    let server = Hostile::each_request(|_, conn| {
        let _ = conn.respond("200 OK", &[("x-cos-request-id", "req-1".into())], b"hello");
    });
    let client = server.client();
    let body = within(Duration::from_secs(20), "get", move || {
        client.get_object("examplebucket-1250000000", "a.txt", &cos::RequestOptions::default()).map(|(b, _)| b)
    });
    assert_eq!(body.unwrap(), b"hello");
    assert_eq!(server.requests()[0].method, "GET");
}
