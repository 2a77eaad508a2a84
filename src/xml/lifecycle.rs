//! Bucket lifecycle rules (`?lifecycle`): the common fields as types, checked against COS's limits before
//! anything is sent, written as COS's `<LifecycleConfiguration>` and parsed back from it. Elements this
//! parser does not know (access-frequency transitions, size filters, ...) are left out of the rules; the
//! raw document stays reachable through the generic call (`Client::bucket_subresource`).

use super::{child_text, escape, first_child, number, read_root, root, Scalars};
use crate::error::{Error, Result};
use roxmltree::Node;

/// COS keeps at most 1000 rules per bucket.
pub const MAX_LIFECYCLE_RULES: usize = 1000;
/// A rule's ID is at most 255 characters.
pub const MAX_RULE_ID: usize = 255;
/// COS's tag limits (the same as for object tags): keys up to 128 characters, values up to 256, at most
/// 10 tags in one filter.
const MAX_TAG_KEY: usize = 128;
const MAX_TAG_VALUE: usize = 256;
const MAX_FILTER_TAGS: usize = 10;

/// When an action applies: a number of days after the object's creation, or a date (ISO 8601, such as
/// `2030-01-01T00:00:00+08:00`; COS applies date rules at midnight).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LifecycleTime {
    Days(u32),
    Date(String),
}

/// A transition of current versions to another storage class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LifecycleTransition {
    pub when: LifecycleTime,
    pub storage_class: String,
}

/// A transition of noncurrent versions, `days` after they became noncurrent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoncurrentTransition {
    pub days: u32,
    pub storage_class: String,
}

/// One lifecycle rule. Build it with [`LifecycleRule::new`] and the setters, which check each value; the
/// whole (at least one action, no contradictory expiration) is checked by [`check_lifecycle`] before a put.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LifecycleRule {
    pub id: Option<String>,
    pub enabled: bool,
    /// Objects whose keys start with it ("" or `None`: the whole bucket).
    pub prefix: Option<String>,
    /// Objects carrying every one of these tags (key, value), with the prefix when there is one.
    pub tags: Vec<(String, String)>,
    /// Current versions expire (are deleted, or get a delete marker in a versioned bucket).
    pub expiration: Option<LifecycleTime>,
    /// Remove delete markers that have no noncurrent version left (versioned buckets; alone in its rule's
    /// expiration).
    pub expired_object_delete_marker: bool,
    pub transitions: Vec<LifecycleTransition>,
    /// Noncurrent versions are deleted this many days after they became noncurrent.
    pub noncurrent_expiration_days: Option<u32>,
    pub noncurrent_transitions: Vec<NoncurrentTransition>,
    /// Multipart uploads still incomplete this many days after they were initiated are aborted.
    pub abort_incomplete_multipart_days: Option<u32>,
}

fn check_days(what: &str, days: u32) -> Result<u32> {
    if days == 0 {
        return Err(Error::invalid(format!("{what} must be at least 1 day, got 0")));
    }
    Ok(days)
}

/// A lifecycle date: `YYYY-MM-DD`, optionally followed by a time (`T00:00:00+08:00`, `T00:00:00Z`, ...),
/// without spaces or controls. COS itself decides what it accepts beyond that shape.
fn check_date(what: &str, date: &str) -> Result<String> {
    let b = date.as_bytes();
    let ymd = b.len() >= 10
        && b[..10].iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
    let rest_ok = ymd
        && (b.len() == 10
            || (b[10] == b'T' && b[11..].iter().all(|c| c.is_ascii_alphanumeric() || b":+-.".contains(c))));
    if !ymd || !rest_ok {
        return Err(Error::invalid(format!(
            "{what} must be an ISO 8601 date such as \"2030-01-01T00:00:00+08:00\", got {date:?}"
        )));
    }
    Ok(date.to_string())
}

/// A storage class name such as `STANDARD_IA`, `ARCHIVE`, `DEEP_ARCHIVE`, `INTELLIGENT_TIERING`.
fn check_storage_class(class: &str) -> Result<String> {
    if class.is_empty() || class.len() > 64 || !class.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
        return Err(Error::invalid(format!(
            "storage_class must be a COS storage class such as \"STANDARD_IA\" or \"ARCHIVE\" (upper case), \
             got {class:?}"
        )));
    }
    Ok(class.to_string())
}

fn check_text(what: &str, s: &str, max: usize) -> Result<()> {
    if s.chars().count() > max {
        return Err(Error::invalid(format!("{what} is longer than COS's {max} characters ({})", s.chars().count())));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(Error::invalid(format!("{what} contains a control character: {s:?}")));
    }
    Ok(())
}

impl LifecycleRule {
    /// A rule with an optional ID (at most 255 characters) and prefix, enabled or not, with no action yet.
    pub fn new(id: Option<&str>, prefix: Option<&str>, enabled: bool) -> Result<LifecycleRule> {
        if let Some(id) = id {
            check_text("rule id", id, MAX_RULE_ID)?;
        }
        if let Some(p) = prefix {
            check_text("prefix", p, 1024)?;
        }
        Ok(LifecycleRule {
            id: id.map(str::to_string),
            prefix: prefix.map(str::to_string),
            enabled,
            ..LifecycleRule::default()
        })
    }

    /// Adds a tag to the filter (objects must carry all of the rule's tags).
    pub fn add_tag(&mut self, key: &str, value: &str) -> Result<&mut Self> {
        if key.is_empty() {
            return Err(Error::invalid("tag key must not be empty"));
        }
        check_text("tag key", key, MAX_TAG_KEY)?;
        check_text("tag value", value, MAX_TAG_VALUE)?;
        if self.tags.len() == MAX_FILTER_TAGS {
            return Err(Error::invalid(format!("a rule's filter takes at most {MAX_FILTER_TAGS} tags")));
        }
        if self.tags.iter().any(|(k, _)| k == key) {
            return Err(Error::invalid(format!("tag key {key:?} is already in the rule's filter")));
        }
        self.tags.push((key.to_string(), value.to_string()));
        Ok(self)
    }

    /// Current versions expire `days` after creation (replaces an earlier expiration time).
    pub fn expiration_days(&mut self, days: u32) -> Result<&mut Self> {
        self.expiration = Some(LifecycleTime::Days(check_days("expiration days", days)?));
        Ok(self)
    }

    /// Current versions expire on `date` (replaces an earlier expiration time).
    pub fn expiration_date(&mut self, date: &str) -> Result<&mut Self> {
        self.expiration = Some(LifecycleTime::Date(check_date("expiration date", date)?));
        Ok(self)
    }

    pub fn expired_object_delete_marker(&mut self, on: bool) -> &mut Self {
        self.expired_object_delete_marker = on;
        self
    }

    /// Current versions move to `storage_class` `days` after creation.
    pub fn transition_days(&mut self, days: u32, storage_class: &str) -> Result<&mut Self> {
        let when = LifecycleTime::Days(check_days("transition days", days)?);
        self.transitions.push(LifecycleTransition { when, storage_class: check_storage_class(storage_class)? });
        Ok(self)
    }

    /// Current versions move to `storage_class` on `date`.
    pub fn transition_date(&mut self, date: &str, storage_class: &str) -> Result<&mut Self> {
        let when = LifecycleTime::Date(check_date("transition date", date)?);
        self.transitions.push(LifecycleTransition { when, storage_class: check_storage_class(storage_class)? });
        Ok(self)
    }

    pub fn noncurrent_expiration_days(&mut self, days: u32) -> Result<&mut Self> {
        self.noncurrent_expiration_days = Some(check_days("noncurrent expiration days", days)?);
        Ok(self)
    }

    pub fn noncurrent_transition(&mut self, days: u32, storage_class: &str) -> Result<&mut Self> {
        let days = check_days("noncurrent transition days", days)?;
        self.noncurrent_transitions
            .push(NoncurrentTransition { days, storage_class: check_storage_class(storage_class)? });
        Ok(self)
    }

    pub fn abort_incomplete_multipart_days(&mut self, days: u32) -> Result<&mut Self> {
        self.abort_incomplete_multipart_days = Some(check_days("abort incomplete multipart upload days", days)?);
        Ok(self)
    }

    fn has_action(&self) -> bool {
        self.expiration.is_some()
            || self.expired_object_delete_marker
            || !self.transitions.is_empty()
            || self.noncurrent_expiration_days.is_some()
            || !self.noncurrent_transitions.is_empty()
            || self.abort_incomplete_multipart_days.is_some()
    }

    /// Every field again (they are public, so a rule may not have come through the setters) and the whole.
    fn check(&self, n: usize) -> Result<()> {
        let name =
            |what: &str| format!("rule {n}{}: {what}", self.id.as_ref().map_or(String::new(), |i| format!(" ({i:?})")));
        let wrap = |e: Error| Error::invalid(name(e.message()));
        let mut copy = LifecycleRule::new(self.id.as_deref(), self.prefix.as_deref(), self.enabled).map_err(wrap)?;
        for (k, v) in &self.tags {
            copy.add_tag(k, v).map_err(wrap)?;
        }
        match &self.expiration {
            Some(LifecycleTime::Days(d)) => copy.expiration_days(*d).map(|_| ()).map_err(wrap)?,
            Some(LifecycleTime::Date(d)) => copy.expiration_date(d).map(|_| ()).map_err(wrap)?,
            None => {}
        }
        for t in &self.transitions {
            match &t.when {
                LifecycleTime::Days(d) => copy.transition_days(*d, &t.storage_class).map_err(wrap)?,
                LifecycleTime::Date(d) => copy.transition_date(d, &t.storage_class).map_err(wrap)?,
            };
        }
        if let Some(d) = self.noncurrent_expiration_days {
            copy.noncurrent_expiration_days(d).map_err(wrap)?;
        }
        for t in &self.noncurrent_transitions {
            copy.noncurrent_transition(t.days, &t.storage_class).map_err(wrap)?;
        }
        if let Some(d) = self.abort_incomplete_multipart_days {
            copy.abort_incomplete_multipart_days(d).map_err(wrap)?;
        }
        if !self.has_action() {
            return Err(Error::invalid(name(
                "has no action (expiration, transition, noncurrent version expiration or transition, or abort \
                 of incomplete multipart uploads); COS refuses a rule without one",
            )));
        }
        if self.expired_object_delete_marker && self.expiration.is_some() {
            return Err(Error::invalid(name(
                "expired_object_delete_marker cannot be combined with expiration days or a date in one rule",
            )));
        }
        Ok(())
    }
}

/// Checks a whole configuration before it is sent: 1 to 1000 rules, each valid and with an action, IDs
/// unique. COS answers the same mistakes with `MalformedXML` or `InvalidArgument` after a round trip.
pub fn check_lifecycle(rules: &[LifecycleRule]) -> Result<()> {
    if rules.is_empty() {
        return Err(Error::invalid(
            "a lifecycle configuration needs at least one rule (delete_bucket_lifecycle removes the configuration)",
        ));
    }
    if rules.len() > MAX_LIFECYCLE_RULES {
        return Err(Error::invalid(format!(
            "a bucket takes at most {MAX_LIFECYCLE_RULES} lifecycle rules, got {}",
            rules.len()
        )));
    }
    for (n, rule) in rules.iter().enumerate() {
        rule.check(n)?;
        if let Some(id) = &rule.id {
            if rules[..n].iter().any(|r| r.id.as_ref() == Some(id)) {
                return Err(Error::invalid(format!(
                    "rule {n}: id {id:?} is used by an earlier rule; IDs must be unique"
                )));
            }
        }
    }
    Ok(())
}

fn time_xml(when: &LifecycleTime) -> String {
    match when {
        LifecycleTime::Days(d) => format!("<Days>{d}</Days>"),
        LifecycleTime::Date(d) => format!("<Date>{}</Date>", escape(d)),
    }
}

/// The `<LifecycleConfiguration>` body of a put (the rules checked with [`check_lifecycle`] first).
pub(crate) fn lifecycle_body(rules: &[LifecycleRule]) -> String {
    let mut s = String::from("<LifecycleConfiguration>");
    for r in rules {
        s += "<Rule>";
        if let Some(id) = &r.id {
            s += &format!("<ID>{}</ID>", escape(id));
        }
        let prefix = format!("<Prefix>{}</Prefix>", escape(r.prefix.as_deref().unwrap_or("")));
        let tags: String = r
            .tags
            .iter()
            .map(|(k, v)| format!("<Tag><Key>{}</Key><Value>{}</Value></Tag>", escape(k), escape(v)))
            .collect();
        s += &match (r.prefix.as_deref().unwrap_or(""), r.tags.len()) {
            (_, 0) => format!("<Filter>{prefix}</Filter>"),
            ("", 1) => format!("<Filter>{tags}</Filter>"),
            _ => format!("<Filter><And>{prefix}{tags}</And></Filter>"),
        };
        s += if r.enabled { "<Status>Enabled</Status>" } else { "<Status>Disabled</Status>" };
        for t in &r.transitions {
            s += &format!(
                "<Transition>{}<StorageClass>{}</StorageClass></Transition>",
                time_xml(&t.when),
                t.storage_class
            );
        }
        if r.expiration.is_some() || r.expired_object_delete_marker {
            s += "<Expiration>";
            if let Some(when) = &r.expiration {
                s += &time_xml(when);
            }
            if r.expired_object_delete_marker {
                s += "<ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker>";
            }
            s += "</Expiration>";
        }
        for t in &r.noncurrent_transitions {
            s += &format!(
                "<NoncurrentVersionTransition><NoncurrentDays>{}</NoncurrentDays><StorageClass>{}</StorageClass>\
                 </NoncurrentVersionTransition>",
                t.days, t.storage_class
            );
        }
        if let Some(d) = r.noncurrent_expiration_days {
            s += &format!(
                "<NoncurrentVersionExpiration><NoncurrentDays>{d}</NoncurrentDays></NoncurrentVersionExpiration>"
            );
        }
        if let Some(d) = r.abort_incomplete_multipart_days {
            s += &format!(
                "<AbortIncompleteMultipartUpload><DaysAfterInitiation>{d}</DaysAfterInitiation>\
                 </AbortIncompleteMultipartUpload>"
            );
        }
        s += "</Rule>";
    }
    s + "</LifecycleConfiguration>"
}

fn elements<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children().filter(move |n| n.is_element() && n.tag_name().name() == name)
}

/// `<Days>` or `<Date>` of an action (`None` when it has neither).
fn parse_time(node: Node<'_, '_>) -> Result<Option<LifecycleTime>> {
    if let Some(d) = child_text(node, "Days") {
        return Ok(Some(LifecycleTime::Days(number("Days", Some(d))?)));
    }
    Ok(child_text(node, "Date").map(|d| LifecycleTime::Date(d.trim().to_string())))
}

fn text(node: Node<'_, '_>, name: &str) -> String {
    child_text(node, name).unwrap_or("").trim().to_string()
}

fn parse_rule(r: Node<'_, '_>) -> Result<LifecycleRule> {
    let enabled = match text(r, "Status").as_str() {
        "Enabled" => true,
        "Disabled" => false,
        other => return Err(Error::parse(format!("lifecycle rule <Status> is {other:?}, not Enabled or Disabled"))),
    };
    let mut rule = LifecycleRule { id: child_text(r, "ID").map(str::to_string), enabled, ..LifecycleRule::default() };
    // The prefix is in <Filter>, in <Filter><And>, or (the older form) directly in the rule.
    let filter = first_child(r, "Filter");
    let and = filter.and_then(|f| first_child(f, "And"));
    let scope = and.or(filter);
    rule.prefix = scope.and_then(|f| child_text(f, "Prefix")).or_else(|| child_text(r, "Prefix")).map(str::to_string);
    for tag in scope.into_iter().flat_map(|f| elements(f, "Tag")) {
        rule.tags.push((text(tag, "Key"), child_text(tag, "Value").unwrap_or("").to_string()));
    }
    if let Some(e) = first_child(r, "Expiration") {
        rule.expiration = parse_time(e)?;
        rule.expired_object_delete_marker = super::is_true(child_text(e, "ExpiredObjectDeleteMarker"));
    }
    for t in elements(r, "Transition") {
        // A transition by access frequency has neither days nor a date: not one of the common fields.
        if let Some(when) = parse_time(t)? {
            rule.transitions.push(LifecycleTransition { when, storage_class: text(t, "StorageClass") });
        }
    }
    if let Some(e) = first_child(r, "NoncurrentVersionExpiration") {
        rule.noncurrent_expiration_days =
            child_text(e, "NoncurrentDays").map(|d| number("NoncurrentDays", Some(d))).transpose()?;
    }
    for t in elements(r, "NoncurrentVersionTransition") {
        if let Some(d) = child_text(t, "NoncurrentDays") {
            let days = number("NoncurrentDays", Some(d))?;
            rule.noncurrent_transitions.push(NoncurrentTransition { days, storage_class: text(t, "StorageClass") });
        }
    }
    if let Some(a) = first_child(r, "AbortIncompleteMultipartUpload") {
        rule.abort_incomplete_multipart_days =
            child_text(a, "DaysAfterInitiation").map(|d| number("DaysAfterInitiation", Some(d))).transpose()?;
    }
    Ok(rule)
}

/// The rules of a `<LifecycleConfiguration>` answer, in document order.
pub(crate) fn parse_lifecycle(text: &str) -> Result<Vec<LifecycleRule>> {
    let split = root(text, "LifecycleConfiguration", &[])?;
    let counts = read_root(&split, &mut Scalars::new(&[]), &["Rule"])?;
    let mut rules = Vec::with_capacity(counts[0]);
    for child in split.children() {
        let child = child?;
        if child.name == "Rule" {
            rules.push(split.parse(&child, parse_rule)?);
        }
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str) -> LifecycleRule {
        LifecycleRule::new(Some(id), Some("logs/"), true).unwrap()
    }

    /// The shape of the sample in COS's PUT Bucket lifecycle documentation, parsed.
    #[test]
    fn parses_the_documented_shape() {
        let doc = "<LifecycleConfiguration>\
            <Rule><ID>id1</ID><Filter><And><Prefix>logs/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag>\
            <ObjectSizeGreaterThan>10</ObjectSizeGreaterThan></And></Filter><Status>Enabled</Status>\
            <Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition>\
            <NoncurrentVersionExpiration><NoncurrentDays>90</NoncurrentDays></NoncurrentVersionExpiration></Rule>\
            <Rule><ID>id2</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Disabled</Status>\
            <Transition><Date>2030-01-01T00:00:00+08:00</Date><StorageClass>ARCHIVE</StorageClass></Transition>\
            <NoncurrentVersionTransition><NoncurrentDays>10</NoncurrentDays><StorageClass>ARCHIVE</StorageClass>\
            </NoncurrentVersionTransition></Rule>\
            <Rule><ID>id3</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>\
            <Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>\
            <AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload>\
            </Rule>\
            <Rule><ID>id4</ID><Filter><And><Prefix>a/</Prefix></And></Filter><Status>Enabled</Status>\
            <Transition><AccessFrequency><RecentDays>30</RecentDays></AccessFrequency><StorageClass>STANDARD_IA</StorageClass></Transition>\
            </Rule></LifecycleConfiguration>";
        let rules = parse_lifecycle(doc).unwrap();
        assert_eq!(rules.len(), 4);
        let mut want = rule("id1");
        want.add_tag("k", "v").unwrap().transition_days(30, "STANDARD_IA").unwrap();
        want.noncurrent_expiration_days(90).unwrap();
        assert_eq!(rules[0], want);
        assert!(!rules[1].enabled);
        assert_eq!(rules[1].prefix.as_deref(), Some("tmp/"));
        assert_eq!(rules[1].transitions[0].when, LifecycleTime::Date("2030-01-01T00:00:00+08:00".into()));
        assert_eq!(
            rules[1].noncurrent_transitions,
            vec![NoncurrentTransition { days: 10, storage_class: "ARCHIVE".into() }]
        );
        assert!(rules[2].expired_object_delete_marker && rules[2].expiration.is_none());
        assert_eq!((rules[2].prefix.as_deref(), rules[2].abort_incomplete_multipart_days), (Some(""), Some(7)));
        // The access-frequency transition is not one of the common fields: left out.
        assert!(rules[3].transitions.is_empty());
        // The older form, the prefix directly in the rule.
        let old = "<LifecycleConfiguration><Rule><Prefix>p/</Prefix><Status>Enabled</Status>\
            <Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>";
        let r = &parse_lifecycle(old).unwrap()[0];
        assert_eq!(
            (r.id.as_deref(), r.prefix.as_deref(), &r.expiration),
            (None, Some("p/"), &Some(LifecycleTime::Days(3)))
        );
    }

    #[test]
    fn parse_errors() {
        for bad in [
            "<LifecycleConfiguration><Rule><Status>On</Status></Rule></LifecycleConfiguration>",
            "<LifecycleConfiguration><Rule><Status>Enabled</Status><Expiration><Days>-1</Days></Expiration></Rule></LifecycleConfiguration>",
            "<CORSConfiguration/>",
            "",
        ] {
            assert_eq!(parse_lifecycle(bad).unwrap_err().kind(), crate::ErrorKind::Parse, "{bad}");
        }
        assert!(parse_lifecycle("<LifecycleConfiguration/>").unwrap().is_empty());
    }

    #[test]
    fn body_round_trips_and_escapes() {
        let mut a = rule("a&<b>");
        a.add_tag("k<", "v&").unwrap().expiration_date("2030-01-01T00:00:00+08:00").unwrap();
        a.transition_days(30, "STANDARD_IA").unwrap().transition_days(60, "ARCHIVE").unwrap();
        a.noncurrent_transition(5, "ARCHIVE").unwrap().noncurrent_expiration_days(9).unwrap();
        a.abort_incomplete_multipart_days(2).unwrap();
        let mut b = LifecycleRule::new(None, None, false).unwrap();
        b.add_tag("only", "").unwrap().expired_object_delete_marker(true);
        let mut c = LifecycleRule::new(Some("c"), Some(""), true).unwrap();
        c.expiration_days(1).unwrap();
        let rules = vec![a, b, c];
        check_lifecycle(&rules).unwrap();
        let body = lifecycle_body(&rules);
        assert!(body.contains("<ID>a&amp;&lt;b&gt;</ID>"), "{body}");
        assert!(body.contains(
            "<Filter><And><Prefix>logs/</Prefix><Tag><Key>k&lt;</Key><Value>v&amp;</Value></Tag></And></Filter>"
        ));
        assert!(body.contains("<Filter><Tag><Key>only</Key><Value></Value></Tag></Filter><Status>Disabled</Status>"));
        assert!(body.contains("<Filter><Prefix></Prefix></Filter>"));
        assert_eq!(parse_lifecycle(&body).unwrap(), rules);
    }

    #[test]
    fn bad_rules_are_refused() {
        let msg = |r: Result<&mut LifecycleRule>| r.unwrap_err().message().to_string();
        let mut r = rule("x");
        assert!(msg(r.expiration_days(0)).contains("at least 1 day"));
        assert!(msg(r.transition_days(0, "ARCHIVE")).contains("transition days"));
        assert!(msg(r.transition_days(1, "archive")).contains("storage_class"));
        assert!(msg(r.transition_days(1, "")).contains("storage_class"));
        assert!(msg(r.expiration_date("tomorrow")).contains("ISO 8601"));
        assert!(msg(r.expiration_date("2030-01-01 00:00")).contains("ISO 8601"));
        for short in ["", "2030", "2030-01-0", "2030-01-01T00 00"] {
            assert!(msg(r.expiration_date(short)).contains("ISO 8601"), "{short:?}");
        }
        r.expiration_date("2030-01-01").unwrap();
        assert!(msg(r.add_tag("", "v")).contains("tag key"));
        assert!(msg(r.add_tag(&"k".repeat(129), "v")).contains("128"));
        assert!(msg(r.add_tag("k", &"v".repeat(257))).contains("256"));
        r.add_tag("k", "v").unwrap();
        assert!(msg(r.add_tag("k", "w")).contains("already"));
        assert!(LifecycleRule::new(Some(&"i".repeat(256)), None, true).unwrap_err().message().contains("255"));
        LifecycleRule::new(Some(&"i".repeat(255)), None, true).unwrap();
        assert!(LifecycleRule::new(None, Some("a\nb"), true).is_err());

        let check = |rules: &[LifecycleRule]| check_lifecycle(rules).unwrap_err().message().to_string();
        assert!(check(&[]).contains("at least one rule"));
        assert!(check(&[rule("x")]).contains("no action"));
        let mut ok = rule("x");
        ok.expiration_days(1).unwrap();
        assert!(check(&[ok.clone(), ok.clone()]).contains("unique"));
        let mut marker = ok.clone();
        marker.expired_object_delete_marker(true);
        assert!(check(&[marker]).contains("expired_object_delete_marker"));
        let mut zero = ok.clone();
        zero.expiration = Some(LifecycleTime::Days(0));
        assert!(check(&[zero]).contains("rule 0 (\"x\"): expiration days"));
        let many: Vec<LifecycleRule> = (0..=MAX_LIFECYCLE_RULES)
            .map(|i| {
                let mut r = rule(&i.to_string());
                r.expiration_days(1).unwrap();
                r
            })
            .collect();
        assert!(check(&many).contains("at most 1000"));
        check_lifecycle(&many[..MAX_LIFECYCLE_RULES]).unwrap();
    }
}
