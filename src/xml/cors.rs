//! Bucket CORS rules (`?cors`): checked against COS's limits before sending, written as COS's
//! `<CORSConfiguration>` and parsed back; and the answer of a CORS preflight (`OPTIONS`).

use super::{child_text, escape, number, read_root, root, Scalars};
use crate::error::{Error, Result};
use crate::headers::ObjectInfo;

/// COS keeps at most 100 CORS rules per bucket.
pub const MAX_CORS_RULES: usize = 100;
/// The methods a CORS rule may allow.
pub const CORS_METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "HEAD"];

/// One CORS rule: which origins may send which methods with which headers, and what they may read back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CorsRule {
    pub id: Option<String>,
    /// `https://example.com`, `http://*.example.com` or `*`.
    pub allowed_origins: Vec<String>,
    /// From [`CORS_METHODS`].
    pub allowed_methods: Vec<String>,
    /// Request headers a preflight may ask for (`*` for any).
    pub allowed_headers: Vec<String>,
    /// Response headers the browser may show the page.
    pub expose_headers: Vec<String>,
    /// How long a browser may keep the preflight's answer.
    pub max_age_seconds: Option<u32>,
}

/// An origin or header: printable, without spaces or commas (COS lists them one per element; a comma would
/// make two in a preflight's answer).
fn check_item(what: &str, s: &str) -> Result<String> {
    if s.is_empty() || s.len() > 1024 || s.chars().any(|c| c.is_control() || c.is_whitespace() || c == ',') {
        return Err(Error::invalid(format!(
            "{what} must be non-empty, without spaces, commas or control characters, got {s:?}"
        )));
    }
    Ok(s.to_string())
}

pub(crate) fn check_method(method: &str) -> Result<&str> {
    if CORS_METHODS.contains(&method) {
        Ok(method)
    } else {
        Err(Error::invalid(format!("method must be one of {} (upper case), got {method:?}", CORS_METHODS.join(", "))))
    }
}

impl CorsRule {
    /// A rule with an optional ID (at most 255 characters) and nothing allowed yet.
    pub fn new(id: Option<&str>) -> Result<CorsRule> {
        if let Some(id) = id {
            if id.chars().count() > 255 || id.chars().any(char::is_control) {
                return Err(Error::invalid(format!("rule id must be at most 255 characters, no controls: {id:?}")));
            }
        }
        Ok(CorsRule { id: id.map(str::to_string), ..CorsRule::default() })
    }

    pub fn allow_origin(&mut self, origin: &str) -> Result<&mut Self> {
        if origin.matches('*').count() > 1 {
            return Err(Error::invalid(format!("origin may contain at most one '*' wildcard, got {origin:?}")));
        }
        self.allowed_origins.push(check_item("origin", origin)?);
        Ok(self)
    }

    pub fn allow_method(&mut self, method: &str) -> Result<&mut Self> {
        let m = check_method(method)?.to_string();
        if !self.allowed_methods.contains(&m) {
            self.allowed_methods.push(m);
        }
        Ok(self)
    }

    pub fn allow_header(&mut self, header: &str) -> Result<&mut Self> {
        self.allowed_headers.push(check_item("header", header)?);
        Ok(self)
    }

    pub fn expose_header(&mut self, header: &str) -> Result<&mut Self> {
        self.expose_headers.push(check_item("header", header)?);
        Ok(self)
    }

    pub fn max_age(&mut self, seconds: u32) -> &mut Self {
        self.max_age_seconds = Some(seconds);
        self
    }

    /// Every field again (they are public) and the whole: at least one origin and one method.
    fn check(&self, n: usize) -> Result<()> {
        let name = |what: &str| {
            format!("CORS rule {n}{}: {what}", self.id.as_ref().map_or(String::new(), |i| format!(" ({i:?})")))
        };
        let wrap = |e: Error| Error::invalid(name(e.message()));
        let mut copy = CorsRule::new(self.id.as_deref()).map_err(wrap)?;
        for o in &self.allowed_origins {
            copy.allow_origin(o).map_err(wrap)?;
        }
        for m in &self.allowed_methods {
            copy.allow_method(m).map_err(wrap)?;
        }
        for h in self.allowed_headers.iter().chain(&self.expose_headers) {
            copy.allow_header(h).map_err(wrap)?;
        }
        if self.allowed_origins.is_empty() || self.allowed_methods.is_empty() {
            return Err(Error::invalid(name("needs at least one allowed origin and one allowed method")));
        }
        Ok(())
    }
}

/// Checks a whole configuration before it is sent: 1 to 100 rules, each with an origin and a method.
pub fn check_cors(rules: &[CorsRule]) -> Result<()> {
    if rules.is_empty() {
        return Err(Error::invalid(
            "a CORS configuration needs at least one rule (delete_bucket_cors removes the configuration)",
        ));
    }
    if rules.len() > MAX_CORS_RULES {
        return Err(Error::invalid(format!("a bucket takes at most {MAX_CORS_RULES} CORS rules, got {}", rules.len())));
    }
    rules.iter().enumerate().try_for_each(|(n, r)| r.check(n))
}

/// The `<CORSConfiguration>` body of a put (the rules checked with [`check_cors`] first).
pub(crate) fn cors_body(rules: &[CorsRule]) -> String {
    let mut s = String::from("<CORSConfiguration>");
    for r in rules {
        s += "<CORSRule>";
        if let Some(id) = &r.id {
            s += &format!("<ID>{}</ID>", escape(id));
        }
        let lists = [
            ("AllowedOrigin", &r.allowed_origins),
            ("AllowedMethod", &r.allowed_methods),
            ("AllowedHeader", &r.allowed_headers),
            ("ExposeHeader", &r.expose_headers),
        ];
        for (tag, items) in lists {
            for item in items {
                s += &format!("<{tag}>{}</{tag}>", escape(item));
            }
        }
        if let Some(age) = r.max_age_seconds {
            s += &format!("<MaxAgeSeconds>{age}</MaxAgeSeconds>");
        }
        s += "</CORSRule>";
    }
    s + "</CORSConfiguration>"
}

/// The rules of a `<CORSConfiguration>` answer, in document order.
pub(crate) fn parse_cors(text: &str) -> Result<Vec<CorsRule>> {
    let split = root(text, "CORSConfiguration", &[])?;
    let counts = read_root(&split, &mut Scalars::new(&["ResponseVary"]), &["CORSRule"])?;
    let mut rules = Vec::with_capacity(counts[0]);
    for child in split.children() {
        let child = child?;
        if child.name != "CORSRule" {
            continue;
        }
        rules.push(split.parse(&child, |r| {
            let all = |name: &str| {
                r.children()
                    .filter(|n| n.is_element() && n.tag_name().name() == name)
                    .map(|n| n.text().unwrap_or("").trim().to_string())
                    .collect::<Vec<_>>()
            };
            let age = child_text(r, "MaxAgeSeconds").map(str::trim).filter(|t| !t.is_empty());
            Ok(CorsRule {
                id: child_text(r, "ID").map(str::to_string),
                allowed_origins: all("AllowedOrigin"),
                allowed_methods: all("AllowedMethod"),
                allowed_headers: all("AllowedHeader"),
                expose_headers: all("ExposeHeader"),
                max_age_seconds: age.map(|a| number("MaxAgeSeconds", Some(a))).transpose()?,
            })
        })?);
    }
    Ok(rules)
}

/// What a CORS preflight was answered: the `Access-Control-*` headers, lists split at commas.
#[derive(Clone, Debug, Default)]
pub struct CorsPreflight {
    pub allow_origin: Option<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age: Option<u64>,
    /// Every header of the answer.
    pub info: ObjectInfo,
}

fn split_list(value: Option<&str>) -> Vec<String> {
    value.into_iter().flat_map(|v| v.split(',')).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

pub(crate) fn parse_preflight(info: ObjectInfo) -> Result<CorsPreflight> {
    let max_age = match info.headers.get("Access-Control-Max-Age").map(str::trim) {
        None | Some("") => None,
        Some(v) => Some(v.parse().map_err(|_| Error::parse(format!("Access-Control-Max-Age is not a number: {v:?}")))?),
    };
    Ok(CorsPreflight {
        allow_origin: info.headers.get("Access-Control-Allow-Origin").map(str::to_string),
        allow_methods: split_list(info.headers.get("Access-Control-Allow-Methods")),
        allow_headers: split_list(info.headers.get("Access-Control-Allow-Headers")),
        expose_headers: split_list(info.headers.get("Access-Control-Expose-Headers")),
        max_age,
        info,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> CorsRule {
        let mut r = CorsRule::new(Some("1234")).unwrap();
        r.allow_origin("http://www.qq.com").unwrap().allow_method("GET").unwrap().allow_method("PUT").unwrap();
        r.allow_header("x-cos-meta-test").unwrap().expose_header("x-cos-meta-test1").unwrap().max_age(500);
        r
    }

    /// The shape of the sample in COS's PUT Bucket cors documentation, and the Python SDK's example.
    #[test]
    fn parses_the_documented_shape() {
        let doc = "<CORSConfiguration><CORSRule><ID>1234</ID><AllowedOrigin>http://www.qq.com</AllowedOrigin>\
            <AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedHeader>x-cos-meta-test</AllowedHeader>\
            <ExposeHeader>x-cos-meta-test1</ExposeHeader><MaxAgeSeconds>500</MaxAgeSeconds></CORSRule>\
            <CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod></CORSRule>\
            <ResponseVary>false</ResponseVary></CORSConfiguration>";
        let rules = parse_cors(doc).unwrap();
        assert_eq!(rules[0], rule());
        assert_eq!(rules[1].id, None);
        assert_eq!(rules[1].max_age_seconds, None);
        assert_eq!(rules[1].allowed_methods, vec!["HEAD"]);
        for bad in [
            "<LifecycleConfiguration/>",
            "<CORSConfiguration><CORSRule><MaxAgeSeconds>x</MaxAgeSeconds></CORSRule></CORSConfiguration>",
        ] {
            assert_eq!(parse_cors(bad).unwrap_err().kind(), crate::ErrorKind::Parse);
        }
    }

    #[test]
    fn body_round_trips() {
        let mut other = CorsRule::new(None).unwrap();
        other.allow_origin("https://*.a&b.com").unwrap().allow_method("DELETE").unwrap();
        let rules = vec![rule(), other];
        check_cors(&rules).unwrap();
        let body = cors_body(&rules);
        assert!(body.contains("<AllowedOrigin>https://*.a&amp;b.com</AllowedOrigin>"), "{body}");
        assert_eq!(parse_cors(&body).unwrap(), rules);
    }

    #[test]
    fn bad_rules_are_refused() {
        let mut r = CorsRule::new(None).unwrap();
        let msg = |e: Result<&mut CorsRule>| e.unwrap_err().message().to_string();
        assert!(msg(r.allow_method("PATCH")).contains("GET, PUT, POST, DELETE, HEAD"));
        assert!(msg(r.allow_method("get")).contains("upper case"));
        assert!(msg(r.allow_origin("")).contains("origin"));
        assert!(msg(r.allow_origin("http://*.*.com")).contains("wildcard"));
        assert!(msg(r.allow_header("a b")).contains("header"));
        assert!(msg(r.expose_header("a,b")).contains("header"));
        assert!(CorsRule::new(Some(&"i".repeat(256))).is_err());
        let check = |rules: &[CorsRule]| check_cors(rules).unwrap_err().message().to_string();
        assert!(check(&[]).contains("at least one rule"));
        assert!(check(&[CorsRule::new(None).unwrap()]).contains("origin"));
        let mut no_method = CorsRule::new(None).unwrap();
        no_method.allow_origin("*").unwrap();
        assert!(check(&[no_method]).contains("method"));
        let mut bad = rule();
        bad.allowed_methods.push("TRACE".into());
        assert!(check(&[bad]).contains("CORS rule 0 (\"1234\")"));
        assert!(check(&vec![rule(); MAX_CORS_RULES + 1]).contains("at most 100"));
        check_cors(&vec![rule(); MAX_CORS_RULES]).unwrap();
    }

    #[test]
    fn preflight_headers() {
        let info = ObjectInfo {
            headers: crate::Headers::new(vec![
                ("Access-Control-Allow-Origin".into(), "https://a.com".into()),
                ("access-control-allow-methods".into(), "GET, PUT".into()),
                ("Access-Control-Allow-Headers".into(), "x-a,x-b".into()),
                ("Access-Control-Max-Age".into(), "600".into()),
            ]),
        };
        let p = parse_preflight(info).unwrap();
        assert_eq!(p.allow_origin.as_deref(), Some("https://a.com"));
        assert_eq!(
            (p.allow_methods, p.allow_headers),
            (vec!["GET".to_string(), "PUT".into()], vec!["x-a".to_string(), "x-b".into()])
        );
        assert_eq!((p.expose_headers.len(), p.max_age), (0, Some(600)));
        let bad = ObjectInfo { headers: crate::Headers::new(vec![("Access-Control-Max-Age".into(), "soon".into())]) };
        assert!(parse_preflight(bad).is_err());
    }
}
