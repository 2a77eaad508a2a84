//! The lexer of the Select SQL subset: words, quoted identifiers, strings, numbers, symbols,
//! each with its character offset for error messages.

use super::sql::err;
use crate::error::CosError;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A bare word (keywords too), as written.
    Word(String),
    Quoted(String),
    Str(String),
    Num(String),
    Sym(&'static str),
}

const SYMBOLS: &[&str] =
    &["<=", ">=", "<>", "!=", "||", "=", "<", ">", "(", ")", ",", ".", "*", "[", "]", "+", "-", "/", "%", ";"];

pub fn lex(src: &str) -> Result<Vec<(Tok, usize)>, CosError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push((Tok::Word(src[start..i].to_string()), start));
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
                i += 1;
                if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                    i += 1;
                }
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let text = &src[start..i];
            if text.parse::<f64>().is_err() {
                return Err(err("LexerInvalidLiteral", format!("Invalid number {text:?} at character {start}.")));
            }
            out.push((Tok::Num(text.to_string()), start));
        } else if c == b'\'' || c == b'"' {
            let mut s = String::new();
            i += 1;
            loop {
                let Some(rel) = src[i..].find(c as char) else {
                    let what = if c == b'\'' { "string literal" } else { "quoted identifier" };
                    return Err(err("LexerInvalidLiteral", format!("Unterminated {what} at character {start}.")));
                };
                s.push_str(&src[i..i + rel]);
                i += rel + 1;
                if b.get(i) == Some(&c) {
                    s.push(c as char);
                    i += 1;
                } else {
                    break;
                }
            }
            out.push((if c == b'\'' { Tok::Str(s) } else { Tok::Quoted(s) }, start));
        } else if let Some(sym) = SYMBOLS.iter().find(|s| src[i..].starts_with(**s)) {
            i += sym.len();
            out.push((Tok::Sym(sym), start));
        } else {
            let ch = src[i..].chars().next().unwrap_or('?');
            return Err(err("LexerInvalidChar", format!("Invalid character {ch:?} at character {start}.")));
        }
    }
    Ok(out)
}

pub fn show(t: &Tok) -> String {
    match t {
        Tok::Word(w) => format!("{w:?}"),
        Tok::Quoted(w) => format!("\"{w}\""),
        Tok::Str(s) => format!("'{s}'"),
        Tok::Num(n) => n.clone(),
        Tok::Sym(s) => format!("'{s}'"),
    }
}
