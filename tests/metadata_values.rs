//! User metadata values and header injection, from Rust and through the C ABI: a non-ASCII `x-cos-meta-*`
//! value is refused (`COS_INVALID_ARGUMENT`, naming the header) before anything is sent, since COS defines no
//! encoding for it and other clients would read raw UTF-8 as Latin-1; a control character (CR, LF, ...) in
//! any header value is refused the same way. ASCII values, percent-encoded by the caller, round-trip.

mod support;

use cos::ffi::{
    cos_error, cos_error_free, cos_error_message, cos_request_options_free, cos_request_options_new,
    cos_request_options_set_header, cos_request_options_set_metadata, cos_status,
};
use cos::{ErrorKind, RequestOptions};
use std::ffi::{CStr, CString};
use std::ptr;
use support::Emulator;

#[test]
fn non_ascii_metadata_is_refused_before_sending_and_ascii_round_trips() {
    let emu = Emulator::start();
    let client = emu.client();
    let bucket = support::bucket("meta");
    client.create_bucket(&bucket, &RequestOptions::new()).unwrap();

    let mut opts = RequestOptions::new();
    let e = opts.metadata("city", "北京").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("\"x-cos-meta-city\"") && e.message().contains("not ASCII"), "{e:?}");
    assert_eq!(e.attempts(), 0);
    // The refused value was not kept: the upload goes out without it.
    client.put_object(&bucket, "k", b"v", &opts).unwrap();
    let info = client.head_object(&bucket, "k", &RequestOptions::new()).unwrap();
    assert_eq!(info.meta("city"), None);

    // The caller's own encoding of the same text is ASCII and comes back as sent.
    let encoded = cos::encode::component("北京");
    opts.metadata("city", &encoded).unwrap();
    opts.metadata("note", "plain ascii, with spaces\tand a tab").unwrap();
    client.put_object(&bucket, "k", b"v", &opts).unwrap();
    let info = client.head_object(&bucket, "k", &RequestOptions::new()).unwrap();
    assert_eq!(info.meta("city"), Some(encoded.as_str()));
    assert_eq!(cos::encode::decode(info.meta("city").unwrap()).as_deref(), Some("北京"));
    assert_eq!(info.meta("note"), Some("plain ascii, with spaces\tand a tab"));

    // An injected header never reaches the server.
    let mut evil = RequestOptions::new();
    assert_eq!(evil.metadata("a", "1\r\nx-cos-meta-injected: yes").unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(evil.header("X-Custom", "1\nx-cos-meta-injected: yes").unwrap_err().kind(), ErrorKind::InvalidArgument);
    client.put_object(&bucket, "k2", b"v", &evil).unwrap();
    let info = client.head_object(&bucket, "k2", &RequestOptions::new()).unwrap();
    assert_eq!(info.meta("injected"), None);
}

/// Calls a two-string options setter through the C ABI; returns its status and error message.
fn c_set(
    setter: extern "C" fn(
        *mut cos::ffi::cos_request_options,
        *const std::ffi::c_char,
        *const std::ffi::c_char,
        *mut *mut cos_error,
    ) -> cos_status,
    name: &str,
    value: &str,
) -> (cos_status, Option<String>) {
    let opts = cos_request_options_new();
    let (name, value) = (CString::new(name).unwrap(), CString::new(value).unwrap());
    let mut err: *mut cos_error = ptr::null_mut();
    let status = setter(opts, name.as_ptr(), value.as_ptr(), &mut err);
    let message = (!err.is_null()).then(|| {
        // SAFETY: a live error handle; its message is a NUL-terminated string owned by it.
        let m = unsafe { CStr::from_ptr(cos_error_message(err)) }.to_string_lossy().into_owned();
        cos_error_free(err);
        m
    });
    cos_request_options_free(opts);
    (status, message)
}

#[test]
fn the_c_abi_refuses_non_ascii_metadata_and_control_characters() {
    for (name, header) in [("city", "x-cos-meta-city"), ("x-cos-meta-City", "x-cos-meta-City")] {
        let (status, message) = c_set(cos_request_options_set_metadata, name, "北京");
        assert_eq!(status, cos_status::COS_INVALID_ARGUMENT);
        let message = message.expect("an error");
        assert!(message.contains(&format!("\"{header}\"")) && message.contains("not ASCII"), "{message}");
    }
    let (status, message) = c_set(cos_request_options_set_header, "X-Cos-Meta-Note", "caf\u{e9}");
    assert_eq!(status, cos_status::COS_INVALID_ARGUMENT);
    assert!(message.unwrap().contains("\"X-Cos-Meta-Note\""));
    for bad in ["a\r\nx-injected: 1", "a\nb", "a\rb", "bell\u{7}"] {
        for setter in [cos_request_options_set_metadata, cos_request_options_set_header] {
            let (status, message) = c_set(setter, "x-cos-meta-a", bad);
            assert_eq!(status, cos_status::COS_INVALID_ARGUMENT, "{bad:?}");
            assert!(message.unwrap().contains("control character"), "{bad:?}");
        }
    }
    assert_eq!(c_set(cos_request_options_set_metadata, "city", "%E5%8C%97%E4%BA%AC"), (cos_status::COS_OK, None));
    assert_eq!(c_set(cos_request_options_set_header, "Content-Disposition", "inline; 中"), (cos_status::COS_OK, None));
}
