//! A client used in a child process after fork() does not share pooled connections with its parent: the
//! child's first request opens a connection of its own (two processes writing into one TLS session or one
//! keep-alive stream would interleave requests). Alone in its test binary, so no other test thread runs
//! while it forks.

mod support;

use support::hostile::Hostile;

#[test]
fn a_child_process_opens_its_own_connections() {
    let server = Hostile::each_request(|_, conn| {
        let _ = conn.respond("200 OK", &[], b"shared?");
    });
    let client = server.client();
    let opts = cos::RequestOptions::default();
    assert_eq!(client.get_object("examplebucket-1250000000", "k", &opts).unwrap().0, b"shared?");
    assert_eq!(server.connections(), 1, "the parent's connection is pooled");

    // SAFETY: the child only makes one request with the client and leaves with _exit, running no atexit
    // handlers and no destructors of the parent's state.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let ok = client.get_object("examplebucket-1250000000", "k", &opts).is_ok_and(|(b, _)| b == b"shared?");
        // SAFETY: ends the child at once.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waits for the child just forked.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "the child's request failed: {status}");
    assert_eq!(server.connections(), 2, "the child opened a connection of its own");

    // The parent's pooled connection still works and is still the one it uses.
    assert_eq!(client.get_object("examplebucket-1250000000", "k", &opts).unwrap().0, b"shared?");
    assert_eq!(server.connections(), 2, "the parent kept using its own connection");
}
