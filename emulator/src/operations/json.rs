//! A small strict JSON parser (RFC 8259), enough to check a bucket policy the way COS does
//! before storing it, and to read Select's JSON input (`parse_many`): the emulator has no JSON
//! dependency. Numbers keep their text so Select can return them as they were written.

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number's text, as written (valid JSON number syntax).
    Number(String),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

impl Value {
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Nesting deeper than this is refused (a policy is a few levels deep; this bounds recursion).
const MAX_DEPTH: usize = 64;

pub fn parse(text: &str) -> Result<Value, String> {
    let mut p = Parser { s: text.as_bytes(), i: 0 };
    let v = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("unexpected text at byte {}", p.i));
    }
    Ok(v)
}

/// The values of a text holding any number of them one after another, separated by optional
/// whitespace (Select's JSON DOCUMENT input). Stops after the first error.
pub fn parse_many(text: &str) -> impl Iterator<Item = Result<Value, String>> + '_ {
    let mut p = Parser { s: text.as_bytes(), i: 0 };
    let mut failed = false;
    std::iter::from_fn(move || {
        p.ws();
        if failed || p.i == p.s.len() {
            return None;
        }
        let v = p.value(0);
        failed = v.is_err();
        Some(v)
    })
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at byte {}", self.i))
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, String> {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            self.err("invalid literal")
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return self.err("nesting too deep");
        }
        self.ws();
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.err("expected a value"),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, String> {
        self.i += 1;
        let mut fields = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Value::Object(fields));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return self.err("expected a member name");
            }
            let key = self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return self.err("expected ':'");
            }
            self.i += 1;
            fields.push((key, self.value(depth + 1)?));
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Object(fields));
                }
                _ => return self.err("expected ',' or '}'"),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, String> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                _ => return self.err("expected ',' or ']'"),
            }
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return self.err("unterminated string"),
                Some(b'"') => {
                    self.i += 1;
                    return String::from_utf8(out).map_err(|_| "string is not UTF-8".to_string());
                }
                Some(b'\\') => {
                    let esc = self.s.get(self.i + 1).copied();
                    self.i += 2;
                    match esc {
                        Some(b'"') => out.push(b'"'),
                        Some(b'\\') => out.push(b'\\'),
                        Some(b'/') => out.push(b'/'),
                        Some(b'b') => out.push(8),
                        Some(b'f') => out.push(12),
                        Some(b'n') => out.push(b'\n'),
                        Some(b'r') => out.push(b'\r'),
                        Some(b't') => out.push(b'\t'),
                        Some(b'u') => {
                            let Some(code) = self.hex4(self.i) else {
                                return self.err("bad \\u escape");
                            };
                            self.i += 4;
                            // A high surrogate followed by an escaped low one is one character
                            // (how JSON writes characters beyond U+FFFF); a lone surrogate is U+FFFD.
                            let mut scalar = code;
                            if (0xD800..0xDC00).contains(&code) && self.s[self.i..].starts_with(b"\\u") {
                                if let Some(low @ 0xDC00..=0xDFFF) = self.hex4(self.i + 2) {
                                    scalar = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                                    self.i += 6;
                                }
                            }
                            let c = char::from_u32(scalar).unwrap_or('\u{FFFD}');
                            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                        }
                        _ => return self.err("bad escape"),
                    }
                }
                Some(b) if b < 0x20 => return self.err("control character in string"),
                Some(b) => {
                    out.push(b);
                    self.i += 1;
                }
            }
        }
    }

    /// The value of four hex digits at `at`, if there are four.
    fn hex4(&self, at: usize) -> Option<u32> {
        let hex = self.s.get(at..at + 4).and_then(|h| std::str::from_utf8(h).ok())?;
        u32::from_str_radix(hex, 16).ok().filter(|_| hex.bytes().all(|b| b.is_ascii_hexdigit()))
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let s = p.i;
            while p.peek().is_some_and(|b| b.is_ascii_digit()) {
                p.i += 1;
            }
            p.i - s
        };
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        if self.peek() == Some(b'0') {
            self.i += 1;
        } else if digits(self) == 0 {
            return self.err("bad number");
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return self.err("bad fraction");
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return self.err("bad exponent");
            }
        }
        Ok(Value::Number(String::from_utf8_lossy(&self.s[start..self.i]).into_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_json_and_refuses_the_rest() {
        let v =
            parse(r#" {"Statement": [{"Effect": "Allow", "n": -1.5e3, "u": "\u4e2d\n", "x": [true, false, null]}]} "#)
                .unwrap();
        assert!(v.is_object());
        assert!(matches!(v.get("Statement"), Some(Value::Array(a)) if a.len() == 1));
        for bad in ["", "{", "{\"a\":}", "{\"a\" 1}", "[1,]", "{'a':1}", "01", "1.", "\"\u{1}\"", "{} x", "tru"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert!(parse(&"[".repeat(100)).is_err());
    }

    #[test]
    fn numbers_keep_their_text_and_values_can_follow_each_other() {
        assert_eq!(parse(" -1.50e3 ").unwrap(), Value::Number("-1.50e3".into()));
        let all: Vec<_> = parse_many("{\"a\":1} [2]\n3 \"x\"").collect();
        assert_eq!(all.len(), 4);
        assert_eq!(all[2], Ok(Value::Number("3".into())));
        let bad: Vec<_> = parse_many("1 {x} 2").collect();
        assert_eq!(bad.len(), 2, "stops at the first error");
        assert!(bad[1].is_err());
        assert_eq!(parse_many("  ").count(), 0);
    }

    #[test]
    fn random_text_is_parsed_or_refused_never_a_panic() {
        let alphabet: Vec<char> = "{}[]:,\"\\u0123456789abcdefEe+-.ntrl \n中😀".chars().collect();
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let mut text = String::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for i in 0..(x % 24) {
                text.push(alphabet[((x >> (i % 48)) as usize + i as usize * 7) % alphabet.len()]);
            }
            let _ = parse(&text);
            assert!(parse_many(&text).count() <= text.len() + 1);
        }
    }

    #[test]
    fn surrogate_pairs_are_one_character() {
        let s = |text: &str| match parse(text).unwrap() {
            Value::String(s) => s,
            other => panic!("{other:?}"),
        };
        assert_eq!(s(r#""\ud83d\ude00!""#), "😀!");
        assert_eq!(s(r#""\u4e2d\u6587""#), "中文");
        assert_eq!(s(r#""\ud83d x""#), "\u{FFFD} x", "a lone high surrogate");
        assert_eq!(s(r#""\ude00""#), "\u{FFFD}", "a lone low surrogate");
        assert_eq!(s(r#""\ud83d\u0041""#), "\u{FFFD}A", "a high surrogate before a non-surrogate");
        assert!(parse(r#""\u+123""#).is_err(), "from_str_radix alone would take a sign");
    }
}
