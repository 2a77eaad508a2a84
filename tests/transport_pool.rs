//! Pool settings seen from outside: the emulator counts the connections that carried a COS request
//! (`connections` in /__emulator/stats), so reuse, the idle limit and the idle timeout show as counts. TCP
//! keep-alive is read back from the client's own socket with getsockopt, and a connect address list whose
//! first entry refuses still reaches the server through the next.

mod support;

use cos::{Client, ErrorKind};
use std::net::TcpListener;
use std::os::fd::RawFd;
use std::time::Duration;
use support::{opts, Emulator};

/// Three requests in a row after a first one, then how many new connections the emulator saw carry them.
fn connections_for_three_requests(emu: &Emulator, client: &Client, bucket: &str) -> u64 {
    client.create_bucket(bucket, &opts()).unwrap();
    emu.reset_stats();
    client.put_object(bucket, "k", b"pooled", &opts()).unwrap();
    assert_eq!(client.get_object(bucket, "k", &opts()).unwrap().0, b"pooled");
    client.head_object(bucket, "k", &opts()).unwrap();
    emu.stats().connections
}

#[test]
fn idle_connections_are_reused_unless_the_limit_is_zero() {
    let emu = Emulator::start();
    let pooled = emu.client_with(0, |_| {});
    assert_eq!(
        connections_for_three_requests(&emu, &pooled, "pool-a-1250000000"),
        0,
        "the first request's connection kept"
    );

    let unpooled = emu.client_with(0, |b| {
        b.max_idle_per_host(0);
    });
    assert_eq!(connections_for_three_requests(&emu, &unpooled, "pool-b-1250000000"), 3, "none kept");
}

#[test]
fn an_idle_connection_past_the_idle_timeout_is_not_reused() {
    let emu = Emulator::start();
    let bucket = "pool-idle-1250000000";
    let short = emu.client_with(0, |b| {
        b.idle_timeout(Duration::from_millis(300));
    });
    let long = emu.client();
    short.create_bucket(bucket, &opts()).unwrap();
    emu.reset_stats();
    // Each client has one pooled connection, both wait past the short timeout, each makes a request.
    long.head_bucket(bucket).unwrap();
    short.head_bucket(bucket).unwrap();
    assert_eq!(emu.stats().connections, 1, "only the second client's first connection is new");
    std::thread::sleep(Duration::from_millis(800));
    short.head_bucket(bucket).unwrap();
    assert_eq!(emu.stats().connections, 2, "the short-timeout client opened a second connection");
    long.head_bucket(bucket).unwrap();
    assert_eq!(emu.stats().connections, 2, "the default-timeout client reused its connection");
}

/// The client's sockets connected to `port`, found among this process's descriptors.
fn sockets_to(port: u16) -> Vec<RawFd> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Some(fd) = entry.file_name().to_str().and_then(|s| s.parse::<RawFd>().ok()) else { continue };
        // SAFETY: a zeroed sockaddr_storage is a valid out-buffer of the length passed.
        let mut addr: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        // SAFETY: getpeername writes at most `len` bytes into `addr`; a non-socket fd just fails.
        let r = unsafe { libc::getpeername(fd, (&mut addr as *mut libc::sockaddr_storage).cast(), &mut len) };
        if r == 0 && addr.ss_family as i32 == libc::AF_INET {
            // SAFETY: the family says it is a sockaddr_in.
            let sin: &libc::sockaddr_in = unsafe { &*(&addr as *const libc::sockaddr_storage).cast() };
            if u16::from_be(sin.sin_port) == port {
                found.push(fd);
            }
        }
    }
    found
}

fn sockopt(fd: RawFd, level: i32, name: i32) -> i32 {
    let mut value: libc::c_int = -1;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: one c_int out-value of the length passed, on a socket this process holds open.
    let r = unsafe { libc::getsockopt(fd, level, name, (&mut value as *mut libc::c_int).cast(), &mut len) };
    assert_eq!(r, 0, "getsockopt({level}, {name}) on fd {fd}");
    value
}

#[test]
fn tcp_keep_alive_is_set_on_the_socket() {
    let emu = Emulator::start();
    let bucket = "pool-ka-1250000000";
    for (idle, expect) in [(Some(Duration::from_secs(17)), (1, 17)), (None, (0, -1))] {
        let client = emu.client_with(0, |b| {
            b.tcp_keepalive(idle);
        });
        let before = sockets_to(emu.port());
        let _ = client.create_bucket(bucket, &opts());
        client.head_bucket(bucket).unwrap();
        let new: Vec<RawFd> = sockets_to(emu.port()).into_iter().filter(|fd| !before.contains(fd)).collect();
        assert_eq!(new.len(), 1, "the client's one pooled connection: {new:?}");
        let on = sockopt(new[0], libc::SOL_SOCKET, libc::SO_KEEPALIVE);
        assert_eq!(on, expect.0, "SO_KEEPALIVE with {idle:?}");
        if expect.0 == 1 {
            assert_eq!(sockopt(new[0], libc::IPPROTO_TCP, libc::TCP_KEEPIDLE), expect.1);
            assert_eq!(sockopt(new[0], libc::IPPROTO_TCP, libc::TCP_KEEPINTVL), expect.1);
        }
        drop(client);
    }
}

#[test]
fn the_default_turns_keep_alive_on_and_a_sub_second_idle_time_is_refused() {
    let mut b = cos::Config::builder();
    b.region("ap-guangzhou").credentials("id", "key");
    assert_eq!(b.build().unwrap().tcp_keepalive, Some(Duration::from_secs(60)));
    b.tcp_keepalive(Some(Duration::from_millis(500)));
    let e = b.build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.to_string().contains("keep-alive"), "{e}");
}

/// A loopback port nothing listens on (bound, then closed).
fn dead_address() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap().to_string();
    drop(l);
    a
}

#[test]
fn an_address_that_refuses_is_skipped_for_the_next() {
    let emu = Emulator::start();
    let dead = dead_address();
    let bucket = "pool-addr-1250000000";
    let client = emu.client_with(0, |b| {
        b.address(&format!("{dead},{}", emu.address));
    });
    client.create_bucket(bucket, &opts()).unwrap();
    client.put_object(bucket, "k", b"second address", &opts()).unwrap();
    assert_eq!(client.get_object(bucket, "k", &opts()).unwrap().0, b"second address");

    // With only dead addresses the error names each one tried.
    let other = dead_address();
    let client = emu.client_with(0, |b| {
        b.address(&format!("{dead},{other}"));
    });
    let e = client.head_bucket(bucket).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    assert!(e.to_string().contains(&dead) && e.to_string().contains(&other), "{e}");
}
