//! Tags of objects and buckets: the `TagSet` shared by put, get and delete (and by uploads, as the
//! `x-cos-tagging` header), its COS limits checked before anything is sent, and the `<Tagging>` document.

use super::split::Unread;
use super::{child_text, escape, root, too_many, MAX_ENTRIES};
use crate::encode;
use crate::error::{Error, Result};

/// The most tags COS keeps on one object.
pub const MAX_OBJECT_TAGS: usize = 10;
/// The most tags COS keeps on one bucket.
pub const MAX_BUCKET_TAGS: usize = 50;
/// The longest tag key, in characters.
pub const MAX_TAG_KEY: usize = 128;
/// The longest tag value, in characters.
pub const MAX_TAG_VALUE: usize = 256;

/// The symbols COS allows in tag keys and values besides letters, digits and the space.
const TAG_SYMBOLS: &str = "+-=._:/@";

/// What a tag set is for: COS keeps at most 10 tags on an object and 50 on a bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagTarget {
    Object,
    Bucket,
}

impl TagTarget {
    fn limit(self) -> usize {
        match self {
            TagTarget::Object => MAX_OBJECT_TAGS,
            TagTarget::Bucket => MAX_BUCKET_TAGS,
        }
    }
}

/// Tags as ordered key/value pairs with unique keys. Every tag is checked against COS's rules when it is
/// added (so a bad one is refused with its name, before any request), and the count against the object or
/// bucket limit when the set is sent. A set read back from COS is taken as COS sent it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagSet {
    tags: Vec<(String, String)>,
}

/// Why `text` cannot be a tag key or value (`what`), if it cannot.
fn check_text(what: &str, text: &str, min: usize, max: usize) -> Result<()> {
    let chars = text.chars().count();
    if chars < min || chars > max {
        return Err(Error::invalid(format!("{what} {text:?} has {chars} characters; COS allows {min} to {max}")));
    }
    if let Some(c) = text.chars().find(|c| !(c.is_alphanumeric() || *c == ' ' || TAG_SYMBOLS.contains(*c))) {
        return Err(Error::invalid(format!(
            "{what} {text:?} contains {c:?}; COS allows only letters, digits, spaces and {TAG_SYMBOLS}"
        )));
    }
    Ok(())
}

impl TagSet {
    pub fn new() -> TagSet {
        TagSet::default()
    }

    /// Adds a tag: a key of 1 to 128 characters and a value of 0 to 256, each made of letters, digits,
    /// spaces and `+ - = . _ : / @`; the key must not be in the set already, and the set holds at most 50
    /// (a bucket's limit; an object's, 10, is checked when the set is sent).
    pub fn add(&mut self, key: &str, value: &str) -> Result<&mut Self> {
        check_text("tag key", key, 1, MAX_TAG_KEY)?;
        check_text(&format!("the value of tag {key:?}"), value, 0, MAX_TAG_VALUE)?;
        if self.get(key).is_some() {
            return Err(Error::invalid(format!("tag key {key:?} is already in the tag set; COS keys are unique")));
        }
        if self.tags.len() == MAX_BUCKET_TAGS {
            return Err(Error::invalid(format!(
                "cannot add tag {key:?}: a tag set holds at most {MAX_BUCKET_TAGS} tags (a bucket's limit)"
            )));
        }
        self.tags.push((key.to_string(), value.to_string()));
        Ok(self)
    }

    pub fn len(&self) -> usize {
        self.tags.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// The value of tag `key` (case-sensitive, as COS compares keys).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The tags in order, as (key, value).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Fails unless the set fits `target`'s limit.
    pub(crate) fn check_for(&self, target: TagTarget) -> Result<()> {
        let limit = target.limit();
        if self.tags.len() > limit {
            let what = if target == TagTarget::Object { "an object" } else { "a bucket" };
            return Err(Error::invalid(format!(
                "the tag set has {} tags; COS keeps at most {limit} on {what} (the first over the limit is {:?})",
                self.tags.len(),
                self.tags[limit].0
            )));
        }
        Ok(())
    }

    /// The `<Tagging>` document of a put.
    pub(crate) fn to_xml(&self) -> String {
        let mut s = String::from("<Tagging><TagSet>");
        for (k, v) in &self.tags {
            s += &format!("<Tag><Key>{}</Key><Value>{}</Value></Tag>", escape(k), escape(v));
        }
        s + "</TagSet></Tagging>"
    }

    /// The `x-cos-tagging` header of an upload: `k1=v1&k2=v2`, each key and value URL-encoded.
    pub(crate) fn header_value(&self) -> String {
        let pairs: Vec<String> =
            self.tags.iter().map(|(k, v)| format!("{}={}", encode::component(k), encode::component(v))).collect();
        pairs.join("&")
    }
}

/// A `<Tagging>` answer. Tags come as COS stored them (no limit is applied but the entry cap); a key that
/// comes twice is a parse error, since a tag set that COS kept cannot have one.
pub(crate) fn parse_tagging(text: &str) -> Result<TagSet> {
    let split = root(text, "Tagging", &[])?;
    let mut set = TagSet::default();
    let mut unread = Unread::default();
    let mut seen = false;
    for child in split.children() {
        let child = child?;
        if child.name != "TagSet" || seen {
            unread.add(&split, &child)?;
            continue;
        }
        seen = true;
        let tags = split.nested(&child)?;
        let mut unread_tags = Unread::default();
        for tag in tags.children() {
            let tag = tag?;
            if tag.name != "Tag" {
                unread_tags.add(&tags, &tag)?;
                continue;
            }
            if set.tags.len() == MAX_ENTRIES {
                return Err(too_many("TagSet"));
            }
            let (k, v) = tags.parse(&tag, |t| {
                let key = child_text(t, "Key").ok_or_else(|| Error::parse("a <Tag> of the <TagSet> has no <Key>"))?;
                Ok((key.to_string(), child_text(t, "Value").unwrap_or("").to_string()))
            })?;
            if set.get(&k).is_some() {
                return Err(Error::parse(format!("the <TagSet> COS returned has tag key {k:?} twice")));
            }
            set.tags.push((k, v));
        }
        unread_tags.flush(&tags)?;
    }
    unread.flush(&split)?;
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pairs: &[(&str, &str)]) -> TagSet {
        let mut s = TagSet::new();
        for (k, v) in pairs {
            s.add(k, v).unwrap();
        }
        s
    }

    #[test]
    fn cos_limits_are_checked_naming_the_tag() {
        let mut s = TagSet::new();
        // Letters of any script, digits, spaces and the allowed symbols; an empty value is fine.
        s.add("team", "storage").unwrap().add("项目 a+b-c=d._:/@", "").unwrap().add(&"k".repeat(128), "").unwrap();
        s.add("long", &"v".repeat(256)).unwrap();
        let invalid = |r: Result<&mut TagSet>, needle: &str| {
            let e = r.unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument, "{e:?}");
            assert!(e.message().contains(needle), "{needle:?} not in {:?}", e.message());
        };
        invalid(s.clone().add("", "v"), "has 0 characters");
        invalid(s.clone().add(&"k".repeat(129), "v"), "has 129 characters; COS allows 1 to 128");
        invalid(s.clone().add("big", &"v".repeat(257)), "the value of tag \"big\" \"vvv");
        invalid(s.clone().add("a#b", "v"), "tag key \"a#b\" contains '#'");
        invalid(s.clone().add("ok", "x&y"), "the value of tag \"ok\" \"x&y\" contains '&'");
        invalid(s.clone().add("nl", "a\nb"), "contains '\\n'");
        invalid(s.clone().add("team", "again"), "tag key \"team\" is already in the tag set");
        assert_eq!(s.len(), 4, "refused tags are not kept");
        // Case matters: "Team" is another key.
        s.add("Team", "x").unwrap();

        let mut many = TagSet::new();
        for i in 0..MAX_BUCKET_TAGS {
            many.add(&format!("k{i}"), "v").unwrap();
        }
        invalid(many.add("k50", "v"), "at most 50 tags");
        many.check_for(TagTarget::Bucket).unwrap();
        let e = many.check_for(TagTarget::Object).unwrap_err();
        assert!(e.message().contains("50 tags; COS keeps at most 10 on an object") && e.message().contains("\"k10\""));
        TagSet::new().check_for(TagTarget::Object).unwrap();
    }

    #[test]
    fn document_and_header_round_trip() {
        let s = set(&[("a b", "x/y"), ("项目", "1+1=2"), ("empty", "")]);
        assert_eq!(
            s.to_xml(),
            "<Tagging><TagSet><Tag><Key>a b</Key><Value>x/y</Value></Tag><Tag><Key>项目</Key><Value>1+1=2</Value>\
             </Tag><Tag><Key>empty</Key><Value></Value></Tag></TagSet></Tagging>"
        );
        assert_eq!(s.header_value(), "a%20b=x%2Fy&%E9%A1%B9%E7%9B%AE=1%2B1%3D2&empty=");
        assert_eq!(parse_tagging(&s.to_xml()).unwrap(), s);
        assert_eq!(TagSet::new().to_xml(), "<Tagging><TagSet></TagSet></Tagging>");
    }

    #[test]
    fn answers_as_cos_writes_them() {
        // COS's own example, with a prolog, whitespace and a namespace.
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<Tagging xmlns=\"http://www.qcloud.com/\">\n \
            <TagSet>\n  <Tag>\n   <Key>age</Key>\n   <Value>18</Value>\n  </Tag>\n  <Tag><Key>name</Key>\
            <Value>xiaoming</Value></Tag>\n </TagSet>\n</Tagging>";
        let s = parse_tagging(body).unwrap();
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![("age", "18"), ("name", "xiaoming")]);
        // No tags, an empty TagSet, a Value left out, escaped text.
        assert!(parse_tagging("<Tagging/>").unwrap().is_empty());
        assert!(parse_tagging("<Tagging><TagSet/></Tagging>").unwrap().is_empty());
        let s = parse_tagging("<Tagging><TagSet><Tag><Key>a&amp;b</Key></Tag></TagSet></Tagging>").unwrap();
        assert_eq!(s.get("a&b"), Some(""));
        // What no COS answer is.
        for bad in [
            "<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>",
            "<Tagging><TagSet><Tag><Key>a</Key></Tag><Tag><Key>a</Key></Tag></TagSet></Tagging>",
            "<Error><Code>NoSuchTagSet</Code></Error>",
            "<Tagging><TagSet><Tag><Key>a</Key></TagSet></Tagging>",
            "",
        ] {
            assert_eq!(parse_tagging(bad).unwrap_err().kind(), crate::ErrorKind::Parse, "{bad:?}");
        }
    }
}
