//! CORS: checking a `<CORSConfiguration>` before it is stored, and answering browsers'
//! `OPTIONS` preflight requests from it. A preflight carries no signature (browsers never sign
//! it), so the router sends every OPTIONS here before authentication. As COS does, a bucket
//! without a configuration, or a request no rule allows, gets 403 AccessForbidden.

use crate::error::CosError;
use crate::http::body::BodyReader;
use crate::http::request::Request;
use crate::http::wire::Response;
use crate::operations::config::{child_text, children, parse_xml, text_of};
use crate::operations::router::Ctx;

/// COS accepts at most 100 CORS rules per bucket.
const MAX_RULES: usize = 100;
const METHODS: &[&str] = &["GET", "PUT", "POST", "DELETE", "HEAD"];

pub struct Rule {
    pub origins: Vec<String>,
    pub methods: Vec<String>,
    pub headers: Vec<String>,
    pub expose: Vec<String>,
    pub max_age: Option<String>,
}

fn texts(node: roxmltree::Node, name: &str) -> Vec<String> {
    children(node, name).map(|n| text_of(n).trim().to_string()).filter(|s| !s.is_empty()).collect()
}

fn rules_of(root: roxmltree::Node) -> Vec<Rule> {
    children(root, "CORSRule")
        .map(|r| Rule {
            origins: texts(r, "AllowedOrigin"),
            methods: texts(r, "AllowedMethod"),
            headers: texts(r, "AllowedHeader"),
            expose: texts(r, "ExposeHeader"),
            max_age: child_text(r, "MaxAgeSeconds").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        })
        .collect()
}

/// A configuration COS would store: 1 to 100 rules, each with an origin and known methods.
pub fn validate(root: roxmltree::Node) -> Result<(), CosError> {
    let rules = rules_of(root);
    if rules.is_empty() || rules.len() > MAX_RULES {
        return Err(CosError::malformed_xml(format!("a CORS configuration has 1 to {MAX_RULES} <CORSRule>")));
    }
    for r in &rules {
        if r.origins.is_empty() || r.methods.is_empty() {
            return Err(CosError::malformed_xml("every <CORSRule> needs <AllowedOrigin> and <AllowedMethod>"));
        }
        if let Some(m) = r.methods.iter().find(|m| !METHODS.contains(&m.to_ascii_uppercase().as_str())) {
            return Err(CosError::invalid_argument(format!("Unsupported AllowedMethod {m:?}.")));
        }
        if let Some(age) = &r.max_age {
            if age.parse::<u64>().is_err() {
                return Err(CosError::invalid_argument(format!("MaxAgeSeconds must be a number: {age:?}.")));
            }
        }
    }
    Ok(())
}

/// `pattern` with `*` standing for any run of characters.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(at) => rest = &rest[at + mid.len()..],
            None => return false,
        }
    }
    true
}

/// The first rule allowing `origin` with `method` and every header in `headers`.
pub fn matching<'a>(rules: &'a [Rule], origin: &str, method: &str, headers: &[String]) -> Option<&'a Rule> {
    rules.iter().find(|r| {
        r.origins.iter().any(|o| glob(o, origin))
            && r.methods.iter().any(|m| m.eq_ignore_ascii_case(method))
            && headers.iter().all(|h| {
                let h = h.to_ascii_lowercase();
                r.headers.iter().any(|p| glob(&p.to_ascii_lowercase(), &h))
            })
    })
}

/// The bucket's rules; empty when it has no configuration.
fn bucket_rules(ctx: &Ctx) -> Result<Vec<Rule>, CosError> {
    let Some(doc) = ctx.store.get_config(&ctx.bucket, "cors")? else {
        return Ok(Vec::new());
    };
    Ok(parse_xml(&doc, "CORSConfiguration").map(|d| rules_of(d.root_element())).unwrap_or_default())
}

fn forbidden() -> CosError {
    CosError::new(
        403,
        "AccessForbidden",
        "CORSResponse: This CORS request is not allowed. This is usually because the evaluation of Origin, request \
         method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the \
         resource's CORS spec.",
    )
}

/// `OPTIONS /<anything>` with `Origin` and `Access-Control-Request-Method` (and optionally
/// `Access-Control-Request-Headers`, comma-separated).
pub fn preflight(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let rules = bucket_rules(ctx)?;
    let (Some(origin), Some(method)) = (req.header("origin"), req.header("access-control-request-method")) else {
        return Err(CosError::invalid_argument(
            "A preflight request needs the Origin and Access-Control-Request-Method headers.",
        ));
    };
    let requested: Vec<String> = req
        .header("access-control-request-headers")
        .unwrap_or("")
        .split(',')
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .collect();
    let rule = matching(&rules, origin, method, &requested).ok_or_else(forbidden)?;
    let allow_origin = if rule.origins.iter().any(|o| o == "*") { "*" } else { origin };
    let mut resp = Response::new(200)
        .header("Access-Control-Allow-Origin", allow_origin)
        .header("Access-Control-Allow-Methods", rule.methods.join(","));
    if !requested.is_empty() {
        resp.push_header("Access-Control-Allow-Headers", requested.join(","));
    }
    if !rule.expose.is_empty() {
        resp.push_header("Access-Control-Expose-Headers", rule.expose.join(","));
    }
    if let Some(age) = &rule.max_age {
        resp.push_header("Access-Control-Max-Age", age.clone());
    }
    resp.push_header("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
    Ok(resp)
}

/// A signed request carrying `Origin` gets the CORS headers of the rule that allows it, as a
/// browser's actual (non-preflight) request does on COS.
pub fn decorate(ctx: &Ctx, req: &Request, resp: &mut Response) {
    let Some(origin) = req.header("origin") else {
        return;
    };
    let Ok(rules) = bucket_rules(ctx) else {
        return;
    };
    if let Some(rule) = matching(&rules, origin, &req.method, &[]) {
        let allow_origin = if rule.origins.iter().any(|o| o == "*") { "*" } else { origin };
        resp.push_header("Access-Control-Allow-Origin", allow_origin);
        resp.push_header("Access-Control-Allow-Methods", rule.methods.join(","));
        if !rule.expose.is_empty() {
            resp.push_header("Access-Control-Expose-Headers", rule.expose.join(","));
        }
        if let Some(age) = &rule.max_age {
            resp.push_header("Access-Control-Max-Age", age.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("*", "http://a"));
        assert!(glob("http://*.qq.com", "http://www.qq.com"));
        assert!(!glob("http://*.qq.com", "http://qq.com"));
        assert!(glob("x-cos-*", "x-cos-meta-a"));
        assert!(glob("a*b*c", "aXXbYYc"));
        assert!(!glob("a*b*c", "aXXcYYb"));
        assert!(glob("exact", "exact"));
        assert!(!glob("exact", "exactly"));
        assert!(!glob("ab*ba", "aba"), "prefix and suffix may not overlap");
    }

    fn rules(xml: &str) -> Vec<Rule> {
        let d = roxmltree::Document::parse(xml).unwrap();
        rules_of(d.root_element())
    }

    #[test]
    fn matching_needs_origin_method_and_every_header() {
        let r = rules(
            "<CORSConfiguration><CORSRule><AllowedOrigin>http://*.qq.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod>\
             <AllowedHeader>x-cos-*</AllowedHeader><AllowedHeader>Content-Type</AllowedHeader></CORSRule>\
             <CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>",
        );
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(matching(&r, "http://www.qq.com", "PUT", &h(&["content-type", "X-Cos-Meta-A"])).is_some());
        assert!(matching(&r, "http://www.qq.com", "PUT", &h(&["authorization"])).is_none());
        assert!(matching(&r, "http://evil.com", "PUT", &[]).is_none());
        assert_eq!(matching(&r, "http://evil.com", "GET", &[]).map(|r| r.origins[0].as_str()), Some("*"));
        assert!(matching(&r, "http://evil.com", "GET", &h(&["x-a"])).is_none());
    }

    #[test]
    fn validation() {
        let check = |xml: &str| {
            let d = roxmltree::Document::parse(xml).unwrap();
            validate(d.root_element()).err().map(|e| e.code)
        };
        assert_eq!(check("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>get</AllowedMethod></CORSRule></CORSConfiguration>"), None);
        assert_eq!(check("<CORSConfiguration/>"), Some("MalformedXML"));
        assert_eq!(
            check("<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"),
            Some("MalformedXML")
        );
        assert_eq!(check("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>"), Some("InvalidArgument"));
        let many = format!(
            "<CORSConfiguration>{}</CORSConfiguration>",
            "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>".repeat(101)
        );
        assert_eq!(check(&many), Some("MalformedXML"));
    }
}
