//! The shape every error must have, whatever failed.

use cos::ErrorKind;

/// The `cos_status` a C caller sees for each kind (include/cos.h; the numbers never change).
pub fn c_status(kind: ErrorKind) -> u32 {
    match kind {
        ErrorKind::InvalidArgument => 1,
        ErrorKind::Network => 2,
        ErrorKind::Timeout => 3,
        ErrorKind::Io => 4,
        ErrorKind::ChecksumMismatch => 5,
        ErrorKind::Cancelled => 6,
        ErrorKind::Parse => 7,
        ErrorKind::Internal => 8,
        ErrorKind::Service => 9,
        ErrorKind::Tls => 10,
        ErrorKind::Proxy => 11,
    }
}

/// Checks the shape every error must have: the kind (and so the C status), a message, Display and digest
/// consistent with the fields.
pub fn check_error(e: &cos::Error, kind: ErrorKind) {
    assert_eq!(e.kind(), kind, "{e:?}");
    assert_eq!(cos::ffi::cos_status::from(e.kind()) as u32, c_status(kind), "{e:?}");
    assert!(!e.message().is_empty(), "{e:?}");
    let (display, digest) = (e.to_string(), e.digest());
    assert!(display.contains(e.message()), "Display {display:?} holds the message");
    assert!(digest.starts_with(&format!("{kind:?}")), "{digest}");
    if let Some(id) = e.request_id() {
        assert!(display.contains(id), "Display names the request id: {display}");
    }
    if e.http_status() != 0 {
        assert!(display.contains(&e.http_status().to_string()), "{display}");
    }
}
