//! ListObjects (v1) paging semantics, kept free of HTTP and XML so they can be unit-tested:
//! prefix, delimiter (common prefixes), marker and max-keys, where every common prefix counts
//! against max-keys like one key (as in S3/COS).

use std::collections::BTreeMap;
use std::ops::Bound;

pub struct ListParams<'a> {
    pub prefix: &'a str,
    /// Empty means no delimiter.
    pub delimiter: &'a str,
    pub marker: &'a str,
    pub max_keys: usize,
}

pub struct ListPage<'a, T> {
    pub contents: Vec<(&'a str, &'a T)>,
    pub common_prefixes: Vec<String>,
    pub truncated: bool,
    /// The last key or common prefix returned, when truncated.
    pub next_marker: Option<String>,
}

pub fn list<'a, T>(map: &'a BTreeMap<String, T>, p: &ListParams) -> ListPage<'a, T> {
    let mut page = ListPage { contents: Vec::new(), common_prefixes: Vec::new(), truncated: false, next_marker: None };
    if p.max_keys == 0 {
        return page;
    }
    // Keys sharing the prefix are contiguous in byte order: start at the later of the marker and
    // the prefix, stop at the first key without the prefix.
    let start = if p.marker >= p.prefix { Bound::Excluded(p.marker) } else { Bound::Included(p.prefix) };
    let mut count = 0usize;
    let mut last_returned: Option<String> = None;
    for (key, value) in map.range::<str, _>((start, Bound::Unbounded)) {
        let Some(rest) = key.strip_prefix(p.prefix) else {
            break;
        };
        let common = if p.delimiter.is_empty() {
            None
        } else {
            rest.find(p.delimiter).map(|i| &key[..p.prefix.len() + i + p.delimiter.len()])
        };
        match common {
            Some(cp) => {
                // Already returned on this page, or on an earlier page (cp <= marker: the
                // marker was this common prefix or lies inside it).
                if page.common_prefixes.last().is_some_and(|l| l == cp) || cp <= p.marker {
                    continue;
                }
                if count == p.max_keys {
                    page.truncated = true;
                    break;
                }
                page.common_prefixes.push(cp.to_string());
                last_returned = Some(cp.to_string());
            }
            None => {
                if count == p.max_keys {
                    page.truncated = true;
                    break;
                }
                page.contents.push((key.as_str(), value));
                last_returned = Some(key.clone());
            }
        }
        count += 1;
    }
    if page.truncated {
        page.next_marker = last_returned;
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(keys: &[&str]) -> BTreeMap<String, ()> {
        keys.iter().map(|k| (k.to_string(), ())).collect()
    }

    fn run(
        m: &BTreeMap<String, ()>,
        prefix: &str,
        delimiter: &str,
        marker: &str,
        max: usize,
    ) -> (Vec<String>, Vec<String>, bool, Option<String>) {
        let page = list(m, &ListParams { prefix, delimiter, marker, max_keys: max });
        (
            page.contents.iter().map(|(k, _)| k.to_string()).collect(),
            page.common_prefixes,
            page.truncated,
            page.next_marker,
        )
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn byte_order_and_prefix() {
        let m = map(&["b", "a/1", "a/2", "A", "ab", "a", "中"]);
        assert_eq!(run(&m, "", "", "", 1000).0, s(&["A", "a", "a/1", "a/2", "ab", "b", "中"]));
        assert_eq!(run(&m, "a/", "", "", 1000).0, s(&["a/1", "a/2"]));
        assert_eq!(run(&m, "zz", "", "", 1000).0, s(&[]));
    }

    #[test]
    fn delimiter_groups_common_prefixes() {
        let m = map(&["a/1", "a/2", "a/b/3", "b/1", "c", "d/"]);
        let (keys, cps, truncated, _) = run(&m, "", "/", "", 1000);
        assert_eq!(keys, s(&["c"]));
        assert_eq!(cps, s(&["a/", "b/", "d/"]));
        assert!(!truncated);
        let (keys, cps, _, _) = run(&m, "a/", "/", "", 1000);
        assert_eq!(keys, s(&["a/1", "a/2"]));
        assert_eq!(cps, s(&["a/b/"]));
        // Multi-character delimiter.
        let m2 = map(&["x--y", "x--z", "xy"]);
        let (keys, cps, _, _) = run(&m2, "", "--", "", 1000);
        assert_eq!((keys, cps), (s(&["xy"]), s(&["x--"])));
    }

    #[test]
    fn paging_with_marker_and_max_keys() {
        let m = map(&["k1", "k2", "k3", "k4", "k5"]);
        let (keys, _, truncated, next) = run(&m, "", "", "", 2);
        assert_eq!(keys, s(&["k1", "k2"]));
        assert!(truncated);
        assert_eq!(next.as_deref(), Some("k2"));
        let (keys, _, truncated, next) = run(&m, "", "", "k2", 2);
        assert_eq!(keys, s(&["k3", "k4"]));
        assert!(truncated && next.as_deref() == Some("k4"));
        let (keys, _, truncated, next) = run(&m, "", "", "k4", 2);
        assert_eq!(keys, s(&["k5"]));
        assert!(!truncated && next.is_none());
        // Exactly max-keys entries left: not truncated.
        let (keys, _, truncated, _) = run(&m, "", "", "k3", 2);
        assert_eq!(keys, s(&["k4", "k5"]));
        assert!(!truncated);
        // max-keys=0 returns nothing.
        let (keys, _, truncated, _) = run(&m, "", "", "", 0);
        assert!(keys.is_empty() && !truncated);
    }

    #[test]
    fn common_prefixes_count_against_max_keys_and_are_not_repeated() {
        let m = map(&["a/1", "a/2", "b/1", "c", "d/1"]);
        let (keys, cps, truncated, next) = run(&m, "", "/", "", 2);
        assert_eq!((keys, cps.clone()), (s(&[]), s(&["a/", "b/"])));
        assert!(truncated);
        assert_eq!(next.as_deref(), Some("b/"));
        // Continuing from a common prefix skips every key inside it.
        let (keys, cps, truncated, next) = run(&m, "", "/", "b/", 2);
        assert_eq!((keys, cps), (s(&["c"]), s(&["d/"])));
        assert!(!truncated && next.is_none());
        // A marker inside a common prefix does not return that prefix again.
        let (keys, cps, _, _) = run(&m, "", "/", "a/1", 10);
        assert_eq!((keys, cps), (s(&["c"]), s(&["b/", "d/"])));
    }

    #[test]
    fn marker_before_prefix_and_after_it() {
        let m = map(&["a", "p/1", "p/2", "q"]);
        assert_eq!(run(&m, "p/", "", "a", 10).0, s(&["p/1", "p/2"]));
        assert_eq!(run(&m, "p/", "", "p/1", 10).0, s(&["p/2"]));
        assert_eq!(run(&m, "p/", "", "z", 10).0, s(&[]));
    }
}
