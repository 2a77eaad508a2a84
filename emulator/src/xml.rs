//! Hand-written XML output (no XML library for writing: the shapes are small and fixed) and the
//! COS error body.

use std::fmt::Write as _;

/// The declaration COS puts in front of its XML bodies.
pub const DECLARATION: &str = "<?xml version='1.0' encoding='utf-8' ?>\n";

/// Escape text for element content and attribute values: `& < > " '`. Characters that XML 1.0
/// cannot carry at all (C0 controls other than tab/newline/CR) become numeric references so the
/// document stays well-formed for lenient parsers; clients should use `encoding-type=url` for
/// such keys, exactly as with real COS.
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    let needs = s.bytes().any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'') || is_bad_control(b));
    if !needs {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x80 && is_bad_control(c as u8) => {
                let _ = write!(out, "&#x{:X};", c as u32);
            }
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

fn is_bad_control(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')
}

/// A tiny streaming builder: `open`/`close` for containers, `elem` for leaves.
pub struct XmlWriter {
    buf: String,
}

impl XmlWriter {
    pub fn new() -> Self {
        let mut buf = String::with_capacity(1024);
        buf.push_str(DECLARATION);
        XmlWriter { buf }
    }

    pub fn open(&mut self, tag: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    pub fn close(&mut self, tag: &str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    /// A leaf element with escaped text content.
    pub fn elem(&mut self, tag: &str, text: &str) -> &mut Self {
        self.open(tag);
        self.buf.push_str(&escape(text));
        self.close(tag)
    }

    pub fn finish(self) -> Vec<u8> {
        self.buf.into_bytes()
    }
}

/// The COS error document, byte for byte in COS's layout (newlines and tabs included).
pub fn error_body(code: &str, message: &str, resource: &str, request_id: &str, trace_id: &str) -> Vec<u8> {
    format!(
        "{DECLARATION}<Error>\n\t<Code>{}</Code>\n\t<Message>{}</Message>\n\t<Resource>{}</Resource>\n\t<RequestId>{}</RequestId>\n\t<TraceId>{}</TraceId>\n</Error>",
        escape(code),
        escape(message),
        escape(resource),
        escape(request_id),
        escape(trace_id)
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_specials() {
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape(r#"a&b<c>d"e'f"#), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
        assert_eq!(escape("tab\there\u{1}"), "tab\there&#x1;");
        assert_eq!(escape("中文&"), "中文&amp;");
    }

    #[test]
    fn writer_builds_nested_elements() {
        let mut w = XmlWriter::new();
        w.open("A").elem("B", "x<y").close("A");
        let s = String::from_utf8(w.finish()).unwrap();
        assert_eq!(s, format!("{DECLARATION}<A><B>x&lt;y</B></A>"));
        assert!(roxmltree::Document::parse(&s).is_ok());
    }

    #[test]
    fn error_body_layout() {
        let body = String::from_utf8(error_body("NoSuchKey", "m", "h/k&", "r", "t")).unwrap();
        assert_eq!(
            body,
            "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>NoSuchKey</Code>\n\t<Message>m</Message>\n\t<Resource>h/k&amp;</Resource>\n\t<RequestId>r</RequestId>\n\t<TraceId>t</TraceId>\n</Error>"
        );
        let doc = roxmltree::Document::parse(&body).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "Error");
    }
}
