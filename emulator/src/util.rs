//! Small helpers shared by the emulator modules: clock, dates, ids, URL encoding, hex.
//!
//! Everything here is written for the emulator alone; it deliberately shares no code with the
//! client library in `src/`, so that the emulator stays an independent check of that client.

use base64::Engine as _;
use once_cell::sync::Lazy;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// COS `UrlEncode`: only RFC 3986 unreserved characters stay literal; upper-case hex escapes.
const COS_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Set used for `encoding-type=url` listings: like COS_ENCODE_SET but `/` stays literal, so the
/// output decodes identically with `unquote` and `unquote_plus` (space is `%20`, `+` is `%2B`).
const LISTING_ENCODE_SET: &AsciiSet = &COS_ENCODE_SET.remove(b'/');

/// COS signature encoding (cos-protocol.md §1.1).
pub fn cos_encode(s: &str) -> String {
    utf8_percent_encode(s, COS_ENCODE_SET).to_string()
}

/// Encoding of keys and prefixes in `encoding-type=url` list responses.
pub fn listing_encode(s: &str) -> String {
    utf8_percent_encode(s, LISTING_ENCODE_SET).to_string()
}

/// Decode a URL path: `%XX` escapes only (`+` is a literal plus in paths). None if not UTF-8.
pub fn decode_path(s: &str) -> Option<String> {
    percent_decode_str(s).decode_utf8().ok().map(|c| c.into_owned())
}

/// Decode a query-string component. `+` means space here: Python `requests` builds queries with
/// `urlencode` (quote_plus), while signers encode a literal plus as `%2B`.
pub fn decode_query_component(s: &str) -> String {
    let spaced = s.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

pub fn now_unix() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// RFC 1123 date as used in `Date` and `Last-Modified`.
pub fn http_date(secs: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs))
}

/// Parse an HTTP-date (RFC 1123, RFC 850 or asctime); None when malformed.
pub fn parse_http_date(s: &str) -> Option<u64> {
    let t = httpdate::parse_http_date(s.trim()).ok()?;
    t.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

/// ISO 8601 with milliseconds, the form COS uses in XML bodies: `2019-05-16T06:45:51.000Z`.
pub fn iso8601(secs: u64) -> String {
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z", rem / 3600, rem / 60 % 60, rem % 60)
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A fast non-cryptographic generator (splitmix64) seeded from the kernel: ids only need to be
/// unique and unpredictable enough to catch a client that caches them, not secret.
static RNG_STATE: Lazy<AtomicU64> = Lazy::new(|| AtomicU64::new(seed()));
static REQUEST_COUNTER: AtomicU64 = AtomicU64::new(0);
/// Read once: `getpid()` was one of the three system calls of every request.
static PID: Lazy<u32> = Lazy::new(std::process::id);

fn seed() -> u64 {
    let mut buf = [0u8; 8];
    // SAFETY: getrandom writes at most buf.len() bytes into the valid buffer.
    let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    if n == buf.len() as isize {
        u64::from_le_bytes(buf) ^ nanos
    } else {
        nanos ^ (u64::from(std::process::id()) << 32)
    }
}

pub fn random_u64() -> u64 {
    let mut z = RNG_STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A request id shaped like real COS ones: base64 of `<hex time>_<hex random>_<hex pid>_<hex seq>`
/// (e.g. `NjRmN2E2YTlfMzQyYTJmMDlfMjRjY2NfNTFkZGZhMA==`). The sequence number makes it unique.
pub fn new_request_id() -> String {
    let seq = REQUEST_COUNTER.fetch_add(1, Ordering::Relaxed);
    let raw = format!("{:08x}_{:08x}_{:x}_{:x}", now_unix(), random_u64() as u32, *PID & 0xfffff, seq);
    base64::engine::general_purpose::STANDARD.encode(raw)
}

/// A trace id shaped like real COS ones: base64 of a long lower-case hex string.
pub fn new_trace_id() -> String {
    let mut raw = String::with_capacity(128);
    for _ in 0..8 {
        raw.push_str(&format!("{:016x}", random_u64()));
    }
    base64::engine::general_purpose::STANDARD.encode(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cos_encoding_keeps_only_unreserved() {
        assert_eq!(cos_encode("a b+c/d~e_f.g-h"), "a%20b%2Bc%2Fd~e_f.g-h");
        assert_eq!(cos_encode("uin=\"1\""), "uin%3D%221%22");
        assert_eq!(cos_encode("腾"), "%E8%85%BE");
        assert_eq!(listing_encode("a b/c+d"), "a%20b/c%2Bd");
    }

    #[test]
    fn decoding_path_and_query() {
        assert_eq!(decode_path("/a+b%20c/%E4%B8%AD").unwrap(), "/a+b c/中");
        assert!(decode_path("/%FF").is_none());
        assert_eq!(decode_query_component("a+b%2Bc"), "a b+c");
    }

    #[test]
    fn dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_557_989_151), "2019-05-16T06:45:51.000Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00.000Z");
        assert_eq!(http_date(1_557_989_151), "Thu, 16 May 2019 06:45:51 GMT");
        assert_eq!(parse_http_date("Thu, 16 May 2019 06:45:51 GMT"), Some(1_557_989_151));
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn ids_are_unique_base64() {
        let a = new_request_id();
        let b = new_request_id();
        assert_ne!(a, b);
        let decoded = base64::engine::general_purpose::STANDARD.decode(&a).unwrap();
        assert_eq!(decoded.iter().filter(|&&c| c == b'_').count(), 3);
        assert!(new_trace_id().len() > 100);
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(hex(b"\x00\xffa"), "00ff61");
        assert_eq!(unhex("00ff61").unwrap(), b"\x00\xffa");
        assert!(unhex("0").is_none());
        assert!(unhex("zz").is_none());
    }
}
