//! Archive objects (x-cos-storage-class ARCHIVE / DEEP_ARCHIVE): GET (and copying from them) is
//! refused until a restore completes, and RestoreObject (`POST /<key>?restore[&versionId=]`) starts
//! one. A restore completes `--restore-delay-ms` after it was asked for (0: at once) and keeps the
//! object readable for its Days; HEAD shows where it stands in `x-cos-restore`.

use crate::error::CosError;
use crate::http::body::BodyReader;
use crate::http::request::Request;
use crate::http::wire::Response;
use crate::operations::object::version_param;
use crate::operations::router::Ctx;
use crate::storage::ingest::{bad_digest, expected_md5};
use crate::storage::store::{ObjectMeta, Restore};
use crate::util::http_date;
use md5::{Digest as _, Md5};
use std::time::{SystemTime, UNIX_EPOCH};

const ARCHIVE_CLASSES: &[&str] = &["ARCHIVE", "DEEP_ARCHIVE", "MAZ_ARCHIVE"];
const TIERS: &[&str] = &["Expedited", "Standard", "Bulk"];
const MAX_DOCUMENT: usize = 64 * 1024;
/// COS keeps a restored copy for 1 to 365 days.
const MAX_DAYS: u32 = 365;
const DAY: u64 = 86_400;

pub fn is_archive(m: &ObjectMeta) -> bool {
    ARCHIVE_CLASSES.contains(&m.storage_class.as_str())
}

/// The emulator's clock in milliseconds (real time shifted by `--clock-skew`, like `ctx.now`).
pub fn now_ms(ctx: &Ctx) -> u64 {
    let real = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    real.saturating_add(ctx.cfg.clock_skew.saturating_mul(1000)).max(0) as u64
}

/// Whether a finished, unexpired restore makes the archived object readable.
fn restored(m: &ObjectMeta, now_ms: u64) -> bool {
    m.restore.as_ref().is_some_and(|r| now_ms >= r.ready_ms && now_ms / 1000 < r.expiry)
}

/// Refuse reading an archived object that is not restored, as COS does (403 InvalidObjectState).
pub fn check_readable(m: &ObjectMeta, now_ms: u64) -> Result<(), CosError> {
    if is_archive(m) && !restored(m, now_ms) {
        return Err(CosError::new(
            403,
            "InvalidObjectState",
            format!(
                "The operation is not valid for the object's storage class {}: restore it first (POST ?restore).",
                m.storage_class
            ),
        ));
    }
    Ok(())
}

/// `x-cos-restore` for HEAD/GET: in progress, or done with its expiry; nothing once expired.
pub fn restore_header(m: &ObjectMeta, now_ms: u64) -> Option<String> {
    let r = m.restore.as_ref()?;
    if now_ms < r.ready_ms {
        Some("ongoing-request=\"true\"".to_string())
    } else if now_ms / 1000 < r.expiry {
        Some(format!("ongoing-request=\"false\", expiry-date=\"{}\"", http_date(r.expiry)))
    } else {
        None
    }
}

/// (Days, Tier) of a `<RestoreRequest>`; Tier defaults to Standard.
pub fn parse_restore(body: &[u8]) -> Result<(u32, String), CosError> {
    let text = std::str::from_utf8(body).map_err(|_| CosError::malformed_xml("body is not UTF-8"))?;
    let doc = roxmltree::Document::parse(text).map_err(CosError::malformed_xml)?;
    let root = doc.root_element();
    if root.tag_name().name() != "RestoreRequest" {
        return Err(CosError::malformed_xml("root element must be <RestoreRequest>"));
    }
    let text_of =
        |n: roxmltree::Node| n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect::<String>();
    let days = root
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == "Days")
        .ok_or_else(|| CosError::malformed_xml("<RestoreRequest> without <Days>"))?;
    let days_text = text_of(days);
    let days = match days_text.trim().parse::<u32>() {
        Ok(d) if (1..=MAX_DAYS).contains(&d) => d,
        _ => {
            return Err(CosError::invalid_argument(format!(
                "Days must be an integer from 1 to {MAX_DAYS}, got {days_text:?}."
            )))
        }
    };
    let tier = root
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "Tier")
        .map(|n| text_of(n).trim().to_string())
        .unwrap_or_else(|| "Standard".to_string());
    if !TIERS.contains(&tier.as_str()) {
        return Err(CosError::malformed_xml(format!("Tier must be Expedited, Standard or Bulk, got {tier:?}")));
    }
    Ok((days, tier))
}

/// POST /<key>?restore: 202 when a restore starts, 200 when the object is already restored (its
/// expiry moves to now + Days), 409 RestoreAlreadyInProgress while one runs.
pub fn restore_object(ctx: &Ctx, req: &Request, body: &mut BodyReader) -> Result<Response, CosError> {
    let expected = expected_md5(req)?;
    let document = body.read_small(MAX_DOCUMENT)?;
    if expected.is_some_and(|md5| md5 != <[u8; 16]>::from(Md5::digest(&document))) {
        return Err(bad_digest());
    }
    let (days, tier) = parse_restore(&document)?;
    let now = now_ms(ctx);
    let delay = ctx.cfg.restore_delay_ms;
    let status = ctx.store.update_version(&ctx.bucket, &ctx.key, version_param(req), |m| {
        if !is_archive(m) {
            return Err(CosError::new(
                405,
                "RestoreNonArchiveObject",
                format!("Only ARCHIVE and DEEP_ARCHIVE objects can be restored; this one is {}.", m.storage_class),
            ));
        }
        if m.storage_class == "DEEP_ARCHIVE" && tier == "Expedited" {
            return Err(CosError::invalid_argument("DEEP_ARCHIVE objects cannot be restored with the Expedited tier."));
        }
        match &m.restore {
            Some(r) if now < r.ready_ms => {
                Err(CosError::new(409, "RestoreAlreadyInProgress", "Object restore is already in progress."))
            }
            Some(r) if now / 1000 < r.expiry => {
                m.restore = Some(Restore { expiry: now / 1000 + u64::from(days) * DAY, days, ..r.clone() });
                Ok(200)
            }
            _ => {
                let ready_ms = now + delay;
                let expiry = ready_ms / 1000 + u64::from(days) * DAY;
                m.restore = Some(Restore { ready_ms, expiry, days, tier: tier.clone() });
                Ok(202)
            }
        }
    })?;
    Ok(Response::new(status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::object::tests::{call, header, refused, try_call};
    use crate::operations::object::{get_object, head_object, put_object};
    use crate::storage::store::Store;

    fn restore(store: &Store, body: &str) -> Result<Response, CosError> {
        try_call(store, restore_object, &[("restore", "")], &[], body.as_bytes())
    }

    fn request(days: &str, tier: &str) -> String {
        format!("<RestoreRequest><Days>{days}</Days><CASJobParameters><Tier>{tier}</Tier></CASJobParameters></RestoreRequest>")
    }

    #[test]
    fn documents() {
        assert_eq!(parse_restore(request("3", "Bulk").as_bytes()).ok(), Some((3, "Bulk".into())));
        assert_eq!(
            parse_restore(b"<RestoreRequest><Days>1</Days></RestoreRequest>").ok(),
            Some((1, "Standard".into()))
        );
        let code = |b: &str| parse_restore(b.as_bytes()).err().map(|e| (e.status, e.code));
        assert_eq!(code(&request("1", "Fast")), Some((400, "MalformedXML")));
        assert_eq!(code(&request("0", "Bulk")), Some((400, "InvalidArgument")));
        assert_eq!(code(&request("x", "Bulk")), Some((400, "InvalidArgument")));
        assert_eq!(code("<RestoreRequest/>"), Some((400, "MalformedXML")));
        assert_eq!(code("<Other><Days>1</Days></Other>"), Some((400, "MalformedXML")));
        assert_eq!(code("<RestoreRequest>"), Some((400, "MalformedXML")));
    }

    #[test]
    fn a_restore_ends_at_its_expiry() {
        let mut m = crate::storage::store::tests::meta(1);
        m.storage_class = "ARCHIVE".into();
        m.restore = Some(Restore { ready_ms: 1_000, expiry: 100, days: 1, tier: "Bulk".into() });
        assert_eq!(check_readable(&m, 999).unwrap_err().code, "InvalidObjectState", "not yet complete");
        assert!(check_readable(&m, 1_000).is_ok());
        assert_eq!(
            restore_header(&m, 99_999).as_deref(),
            Some(r#"ongoing-request="false", expiry-date="Thu, 01 Jan 1970 00:01:40 GMT""#)
        );
        assert_eq!(check_readable(&m, 100_000).unwrap_err().code, "InvalidObjectState", "expired");
        assert_eq!(restore_header(&m, 100_000), None);
        m.storage_class = "STANDARD".into();
        assert!(check_readable(&m, 0).is_ok(), "only archive classes need a restore");
    }

    #[test]
    fn archive_objects_are_read_only_once_restored() {
        let store = Store::memory();
        store.create_bucket("b-1", "ap-guangzhou", 0).unwrap();
        call(&store, put_object, &[], &[("x-cos-storage-class", "DEEP_ARCHIVE")], b"cold");
        let e = refused(try_call(&store, get_object, &[], &[], b""));
        assert_eq!((e.status, e.code), (403, "InvalidObjectState"));
        assert_eq!(header(&call(&store, head_object, &[], &[], b""), "x-cos-restore"), None);
        let e = refused(restore(&store, &request("2", "Expedited")));
        assert_eq!((e.status, e.code), (400, "InvalidArgument"), "DEEP_ARCHIVE has no Expedited tier");
        assert_eq!(restore(&store, &request("2", "Bulk")).unwrap().status, 202);
        let resp = call(&store, head_object, &[], &[], b"");
        let state = header(&resp, "x-cos-restore").unwrap();
        assert!(state.starts_with("ongoing-request=\"false\", expiry-date=\""), "{state}");
        assert_eq!(call(&store, get_object, &[], &[], b"").status, 200);
        assert_eq!(restore(&store, &request("5", "Bulk")).unwrap().status, 200, "already restored: extended");
        // A normal object cannot be restored.
        call(&store, put_object, &[], &[], b"warm");
        let e = refused(restore(&store, &request("1", "Standard")));
        assert_eq!((e.status, e.code), (405, "RestoreNonArchiveObject"));
    }

    #[test]
    fn a_delayed_restore_is_in_progress_until_it_completes() {
        let store = Store::memory();
        store.create_bucket("b-1", "ap-guangzhou", 0).unwrap();
        call(&store, put_object, &[], &[("x-cos-storage-class", "ARCHIVE")], b"cold");
        let cfg = crate::cli::Config { restore_delay_ms: 60_000, ..Default::default() };
        let ctx = Ctx { cfg: &cfg, store: &store, now: 0, bucket: "b-1".into(), key: "k".into(), host_region: None };
        let req = Request {
            method: String::new(),
            raw_path: "/k".into(),
            path: Some("/k".into()),
            raw_query: String::new(),
            query: vec![("restore".into(), String::new())],
            headers: vec![],
            framing: crate::http::request::Framing::Length(0),
            keep_alive: true,
            expects_continue: false,
        };
        let body = request("1", "Standard");
        let run = || {
            let mut src = std::io::Cursor::new(body.as_bytes().to_vec());
            let framing = crate::http::request::Framing::Length(body.len() as u64);
            restore_object(&ctx, &req, &mut BodyReader::new(&mut src, framing, None))
        };
        assert_eq!(run().unwrap().status, 202);
        let e = refused(run());
        assert_eq!((e.status, e.code), (409, "RestoreAlreadyInProgress"));
        let resp = call(&store, head_object, &[], &[], b"");
        assert_eq!(header(&resp, "x-cos-restore"), Some("ongoing-request=\"true\""));
        let e = refused(try_call(&store, get_object, &[], &[], b""));
        assert_eq!(e.code, "InvalidObjectState");
    }
}
