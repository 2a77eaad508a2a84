//! What to do after a failed attempt: the retry policy.
//!
//! Retried: connection failures, timeouts and resets; 5xx answers (503 `SlowDown` with a longer wait); 429;
//! 400 `RequestTimeout`. Not retried: every other 4xx (the request itself is wrong) and client-side errors.
//! Waits grow exponentially with full jitter, capped. Clock errors (`RequestTimeTooSkewed`, "Request has
//! expired") are retried once, at once, with the clock offset learned from the server's `Date` header.

use crate::error::{Error, ErrorKind};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The verdict on one failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The request is wrong or cannot be repeated: give up.
    Fail,
    /// Transient: wait and try again.
    Retry,
    /// The server asked to slow down: wait longer and try again.
    SlowDown,
    /// The signature's time window missed the server's clock.
    ClockSkew,
    /// A redirect: worth another try only on the backup domain.
    Redirect,
}

pub(crate) fn verdict(err: &Error) -> Verdict {
    match err.kind() {
        ErrorKind::Network | ErrorKind::Timeout => Verdict::Retry,
        ErrorKind::Service => {
            let code = err.code().unwrap_or("");
            match err.http_status() {
                503 if code == "SlowDown" => Verdict::SlowDown,
                429 => Verdict::SlowDown,
                // The operation does not exist there: asking again cannot help.
                501 => Verdict::Fail,
                500..=599 => Verdict::Retry,
                400 if code == "RequestTimeout" => Verdict::Retry,
                403 if code == "RequestTimeTooSkewed"
                    || err.message().to_ascii_lowercase().contains("request has expired") =>
                {
                    Verdict::ClockSkew
                }
                301 | 302 | 307 | 308 => Verdict::Redirect,
                _ => Verdict::Fail,
            }
        }
        _ => Verdict::Fail,
    }
}

/// How long to wait before attempt `attempt + 1`: a random time in [0, cap), where the cap doubles with each
/// attempt from 100 ms (1 s when slowing down) up to 5 s (20 s).
pub(crate) fn backoff(attempt: u32, slow_down: bool) -> Duration {
    let (base_ms, max_ms) = if slow_down { (1000u64, 20_000u64) } else { (100, 5000) };
    let cap_ms = base_ms.saturating_mul(1 << attempt.saturating_sub(1).min(16)).min(max_ms);
    Duration::from_millis(jitter() % cap_ms.max(1))
}

/// A pseudo-random number from the clock, the thread and a counter: enough to spread retries apart.
fn jitter() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    let mut z = nanos ^ COUNTER.fetch_add(0x9E3779B97F4A7C15, Ordering::Relaxed);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
    z ^ (z >> 31)
}

/// The backup host of a default COS host: `<bucket>.cos.<region>.myqcloud.com` →
/// `<bucket>.cos.<region>.tencentcos.cn`. Other hosts (custom, accelerated, already switched) have none.
pub(crate) fn backup_host(host: &str) -> Option<String> {
    let rest = host.strip_suffix(".myqcloud.com")?;
    let (bucket, region_part) = rest.split_once(".cos.")?;
    let appid_ok = bucket
        .rsplit_once('-')
        .is_some_and(|(name, id)| !name.is_empty() && !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
    let region_ok = !region_part.is_empty()
        && region_part.split('-').count() >= 2
        && region_part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (appid_ok && region_ok && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
        .then(|| format!("{rest}.tencentcos.cn"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ServiceFields;

    fn service(status: u16, code: &str, message: &str) -> Error {
        Error::service(ServiceFields {
            http_status: status,
            code: Some(code.into()),
            message: Some(message.into()),
            ..ServiceFields::default()
        })
    }

    #[test]
    fn verdicts() {
        assert_eq!(verdict(&Error::new(ErrorKind::Network, "reset")), Verdict::Retry);
        assert_eq!(verdict(&Error::new(ErrorKind::Timeout, "slow")), Verdict::Retry);
        assert_eq!(verdict(&service(500, "InternalError", "")), Verdict::Retry);
        assert_eq!(verdict(&service(501, "NotImplemented", "")), Verdict::Fail);
        assert_eq!(verdict(&service(503, "SlowDown", "")), Verdict::SlowDown);
        assert_eq!(verdict(&service(429, "TooManyRequests", "")), Verdict::SlowDown);
        assert_eq!(verdict(&service(400, "RequestTimeout", "")), Verdict::Retry);
        assert_eq!(verdict(&service(400, "InvalidArgument", "")), Verdict::Fail);
        assert_eq!(verdict(&service(404, "NoSuchKey", "")), Verdict::Fail);
        assert_eq!(verdict(&service(403, "AccessDenied", "Request has expired")), Verdict::ClockSkew);
        assert_eq!(verdict(&service(403, "RequestTimeTooSkewed", "")), Verdict::ClockSkew);
        assert_eq!(verdict(&service(403, "SignatureDoesNotMatch", "")), Verdict::Fail);
        assert_eq!(verdict(&service(301, "Redirect", "")), Verdict::Redirect);
        assert_eq!(verdict(&Error::invalid("bad")), Verdict::Fail);
        assert_eq!(verdict(&Error::new(ErrorKind::ChecksumMismatch, "crc")), Verdict::Fail);
    }

    #[test]
    fn backoff_is_bounded_and_grows() {
        for attempt in 1..40 {
            assert!(backoff(attempt, false) < Duration::from_secs(5));
            assert!(backoff(attempt, true) < Duration::from_secs(20));
        }
        assert!(backoff(1, false) < Duration::from_millis(100));
    }

    #[test]
    fn backup_hosts() {
        assert_eq!(
            backup_host("examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com").as_deref(),
            Some("examplebucket-1250000000.cos.ap-guangzhou.tencentcos.cn")
        );
        assert_eq!(
            backup_host("b-1.cos.ap-beijing-1.myqcloud.com").as_deref(),
            Some("b-1.cos.ap-beijing-1.tencentcos.cn")
        );
        for none in [
            "b-1.cos.ap-guangzhou.tencentcos.cn",
            "b-1.cos.accelerate.myqcloud.com",
            "cdn.example.com",
            "nobucketid.cos.ap-guangzhou.myqcloud.com",
            "service.cos.myqcloud.com",
        ] {
            assert_eq!(backup_host(none), None, "{none}");
        }
    }
}
