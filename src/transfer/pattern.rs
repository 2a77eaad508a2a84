//! Include/exclude patterns of directory transfers, matched against a file's path relative to the tree
//! (`/`-separated). A pattern without `/` matches the file name at any depth (`*.log`); one with `/` matches
//! the whole relative path (`logs/**/*.gz`). `*` matches within one path segment, `**` across segments, `?` one
//! character other than `/`; everything else matches itself.

/// Whether `pattern` selects the file at `relative` path.
pub fn selects(pattern: &str, relative: &str) -> bool {
    if pattern.contains('/') {
        matches(pattern.trim_start_matches('/').as_bytes(), relative.as_bytes())
    } else {
        let name = relative.rsplit('/').next().unwrap_or(relative);
        matches(pattern.as_bytes(), name.as_bytes())
    }
}

/// Whether a file passes the filters: selected by some `include` pattern (or `include` is empty) and by no
/// `exclude` pattern.
pub fn passes(include: &[String], exclude: &[String], relative: &str) -> bool {
    (include.is_empty() || include.iter().any(|p| selects(p, relative)))
        && !exclude.iter().any(|p| selects(p, relative))
}

fn matches(pattern: &[u8], text: &[u8]) -> bool {
    match pattern {
        [] => text.is_empty(),
        [b'*', b'*', rest @ ..] => {
            // `**/` also matches no directory at all: `a/**/b` selects `a/b`.
            let rest_after_slash = rest.strip_prefix(b"/").unwrap_or(rest);
            (0..=text.len()).any(|i| matches(rest, &text[i..]) || matches(rest_after_slash, &text[i..]))
        }
        [b'*', rest @ ..] => {
            let segment = text.iter().position(|&c| c == b'/').unwrap_or(text.len());
            (0..=segment).any(|i| matches(rest, &text[i..]))
        }
        [b'?', rest @ ..] => matches!(text, [c, tail @ ..] if *c != b'/' && matches(rest, tail)),
        [p, rest @ ..] => matches!(text, [c, tail @ ..] if c == p && matches(rest, tail)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_patterns_match_at_any_depth() {
        assert!(selects("*.log", "a.log"));
        assert!(selects("*.log", "x/y/a.log"));
        assert!(!selects("*.log", "a.log.gz"));
        assert!(selects("a?c", "dir/abc"));
        assert!(!selects("a?c", "a/c"));
        assert!(selects("*", "any/thing"));
    }

    #[test]
    fn path_patterns_match_the_whole_relative_path() {
        assert!(selects("logs/*.gz", "logs/a.gz"));
        assert!(!selects("logs/*.gz", "logs/2024/a.gz"));
        assert!(selects("logs/**/*.gz", "logs/2024/01/a.gz"));
        assert!(selects("logs/**/*.gz", "logs/a.gz"));
        assert!(selects("/logs/**", "logs/x/y"));
        assert!(!selects("logs/**", "other/logs/x"));
        assert!(selects("**/cache/*", "a/b/cache/x"));
    }

    #[test]
    fn include_then_exclude() {
        let inc = vec!["*.jpg".to_string(), "*.png".to_string()];
        let exc = vec!["thumbs/**".to_string()];
        assert!(passes(&inc, &exc, "photos/a.jpg"));
        assert!(!passes(&inc, &exc, "thumbs/a.jpg"));
        assert!(!passes(&inc, &exc, "notes.txt"));
        assert!(passes(&[], &exc, "notes.txt"));
        assert!(passes(&[], &[], "anything"));
    }
}
