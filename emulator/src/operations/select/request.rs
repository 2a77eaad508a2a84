//! The `<SelectRequest>` document of `POST /<key>?select&select-type=2`: the expression and how
//! to read the object and write the answer. Everything wrong with it is refused before the 200,
//! as an ordinary XML error, with the code COS gives (see the README's Select section).

use crate::error::CosError;

/// COS refuses expressions longer than 256 KiB.
pub const MAX_EXPRESSION: usize = 256 * 1024;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Compression {
    None,
    Gzip,
    Bzip2,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FileHeader {
    /// The first record is data.
    None,
    /// The first record names the columns.
    Use,
    /// The first record is skipped.
    Ignore,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CsvInput {
    pub header: FileHeader,
    pub record_delimiter: Vec<u8>,
    pub field_delimiter: Vec<u8>,
    /// None: no quoting (an empty QuoteCharacter).
    pub quote: Option<u8>,
    pub escape: Option<u8>,
    /// Records starting with this byte are skipped.
    pub comments: Option<u8>,
    /// TRUE: a quoted field may hold the record delimiter. FALSE (the default): the delimiter
    /// always ends the record.
    pub allow_quoted_record_delimiter: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum JsonType {
    /// One or more JSON values, one after another (each one a record).
    Document,
    /// One JSON value per line.
    Lines,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Csv(CsvInput),
    Json(JsonType),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CsvOutput {
    pub quote_always: bool,
    pub record_delimiter: Vec<u8>,
    pub field_delimiter: Vec<u8>,
    pub quote: u8,
    pub escape: u8,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Csv(CsvOutput),
    Json { record_delimiter: Vec<u8> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SelectRequest {
    pub expression: String,
    pub compression: Compression,
    pub input: Input,
    pub output: Output,
    pub progress: bool,
}

type Node<'a, 'i> = roxmltree::Node<'a, 'i>;

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| c.is_element() && c.tag_name().name() == name)
}

fn text(n: Node) -> String {
    n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect()
}

fn child_text(n: Node, name: &str) -> Option<String> {
    child(n, name).map(text)
}

fn bad_param(message: String) -> CosError {
    CosError::new(400, "InvalidRequestParameter", message)
}

fn missing(what: &str) -> CosError {
    CosError::new(400, "MissingRequiredParameter", format!("The SelectRequest has no {what}."))
}

/// A delimiter as sent: the characters themselves, or the escapes `\n`, `\r`, `\t` (COS's own
/// examples write `\n` that way). Empty, or longer than `max` characters (of any script: a
/// full-width comma is one), is refused.
fn delimiter(n: Node, name: &str, default: &[u8], max: usize) -> Result<Vec<u8>, CosError> {
    let Some(raw) = child_text(n, name) else {
        return Ok(default.to_vec());
    };
    let mut out = Vec::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        let escaped = match (c, chars.peek()) {
            ('\\', Some('n')) => Some(b'\n'),
            ('\\', Some('r')) => Some(b'\r'),
            ('\\', Some('t')) => Some(b'\t'),
            _ => None,
        };
        match escaped {
            Some(b) => {
                chars.next();
                out.push(b);
            }
            None => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    let chars = String::from_utf8_lossy(&out).chars().count();
    if chars == 0 || chars > max {
        return Err(bad_param(format!("{name} must be 1 to {max} characters, got {raw:?}.")));
    }
    Ok(out)
}

/// A one-byte character (QuoteCharacter, QuoteEscapeCharacter, Comments).
fn single(n: Node, name: &str, default: Option<u8>) -> Result<Option<u8>, CosError> {
    match child_text(n, name) {
        None => Ok(default),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) if s.len() == 1 => Ok(Some(s.as_bytes()[0])),
        Some(s) => Err(bad_param(format!("{name} must be a single ASCII character, got {s:?}."))),
    }
}

fn boolean(n: Node, name: &str) -> Result<bool, CosError> {
    match child_text(n, name).map(|s| s.trim().to_ascii_uppercase()) {
        None => Ok(false),
        Some(s) if s == "TRUE" => Ok(true),
        Some(s) if s == "FALSE" => Ok(false),
        Some(s) => Err(bad_param(format!("{name} must be TRUE or FALSE, got {s:?}."))),
    }
}

/// Exactly one of `<CSV>` / `<JSON>` (`<Parquet>` is COS's too, but not the emulator's).
fn format<'a, 'i>(n: Node<'a, 'i>, what: &str) -> Result<(&'static str, Node<'a, 'i>), CosError> {
    if child(n, "Parquet").is_some() {
        return Err(CosError::new(501, "NotImplemented", "The emulator does not implement Parquet input."));
    }
    match (child(n, "CSV"), child(n, "JSON")) {
        (Some(c), None) => Ok(("CSV", c)),
        (None, Some(j)) => Ok(("JSON", j)),
        (Some(_), Some(_)) => {
            Err(CosError::new(400, "ObjectSerializationConflict", format!("{what} must give CSV or JSON, not both.")))
        }
        (None, None) => Err(missing(&format!("CSV or JSON in {what}"))),
    }
}

fn input(n: Node) -> Result<(Compression, Input), CosError> {
    let compression = match child_text(n, "CompressionType").map(|s| s.trim().to_ascii_uppercase()).as_deref() {
        None | Some("NONE") | Some("") => Compression::None,
        Some("GZIP") => Compression::Gzip,
        Some("BZIP2") => Compression::Bzip2,
        Some(other) => {
            return Err(CosError::new(
                400,
                "InvalidCompressionFormat",
                format!("CompressionType must be NONE, GZIP or BZIP2, got {other:?}."),
            ))
        }
    };
    let input = match format(n, "InputSerialization")? {
        ("CSV", c) => {
            let header = match child_text(c, "FileHeaderInfo").map(|s| s.trim().to_ascii_uppercase()).as_deref() {
                None | Some("NONE") => FileHeader::None,
                Some("USE") => FileHeader::Use,
                Some("IGNORE") => FileHeader::Ignore,
                Some(other) => {
                    return Err(CosError::new(
                        400,
                        "InvalidFileHeaderInfo",
                        format!("FileHeaderInfo must be NONE, USE or IGNORE, got {other:?}."),
                    ))
                }
            };
            Input::Csv(CsvInput {
                header,
                record_delimiter: delimiter(c, "RecordDelimiter", b"\n", 2)?,
                field_delimiter: delimiter(c, "FieldDelimiter", b",", 2)?,
                quote: single(c, "QuoteCharacter", Some(b'"'))?,
                escape: single(c, "QuoteEscapeCharacter", Some(b'"'))?,
                comments: single(c, "Comments", None)?,
                allow_quoted_record_delimiter: boolean(c, "AllowQuotedRecordDelimiter")?,
            })
        }
        (_, j) => Input::Json(match child_text(j, "Type").map(|s| s.trim().to_ascii_uppercase()).as_deref() {
            Some("DOCUMENT") => JsonType::Document,
            Some("LINES") => JsonType::Lines,
            other => {
                return Err(CosError::new(
                    400,
                    "InvalidJsonType",
                    format!("JSON Type must be DOCUMENT or LINES, got {other:?}."),
                ))
            }
        }),
    };
    Ok((compression, input))
}

fn output(n: Node) -> Result<Output, CosError> {
    Ok(match format(n, "OutputSerialization")? {
        ("CSV", c) => {
            let quote_always = match child_text(c, "QuoteFields").map(|s| s.trim().to_ascii_uppercase()).as_deref() {
                None | Some("ASNEEDED") => false,
                Some("ALWAYS") => true,
                Some(other) => {
                    return Err(CosError::new(
                        400,
                        "InvalidQuoteFields",
                        format!("QuoteFields must be ALWAYS or ASNEEDED, got {other:?}."),
                    ))
                }
            };
            Output::Csv(CsvOutput {
                quote_always,
                record_delimiter: delimiter(c, "RecordDelimiter", b"\n", 2)?,
                field_delimiter: delimiter(c, "FieldDelimiter", b",", 2)?,
                quote: single(c, "QuoteCharacter", Some(b'"'))?.unwrap_or(b'"'),
                escape: single(c, "QuoteEscapeCharacter", Some(b'"'))?.unwrap_or(b'"'),
            })
        }
        (_, j) => Output::Json { record_delimiter: delimiter(j, "RecordDelimiter", b"\n", 2)? },
    })
}

pub fn parse(body: &[u8]) -> Result<SelectRequest, CosError> {
    if body.is_empty() {
        return Err(CosError::new(400, "EmptyRequestBody", "The SelectRequest body is empty."));
    }
    let text = std::str::from_utf8(body).map_err(|_| CosError::malformed_xml("body is not UTF-8"))?;
    let doc = roxmltree::Document::parse(text).map_err(CosError::malformed_xml)?;
    let root = doc.root_element();
    if root.tag_name().name() != "SelectRequest" {
        return Err(CosError::malformed_xml("root element must be <SelectRequest>"));
    }
    let expression = child_text(root, "Expression").ok_or_else(|| missing("Expression"))?;
    if expression.len() > MAX_EXPRESSION {
        return Err(CosError::new(
            400,
            "ExpressionTooLong",
            format!("The SQL expression is {} bytes; at most {MAX_EXPRESSION} are allowed.", expression.len()),
        ));
    }
    match child_text(root, "ExpressionType").map(|s| s.trim().to_string()) {
        Some(t) if t.eq_ignore_ascii_case("SQL") => {}
        None => return Err(missing("ExpressionType")),
        Some(t) => {
            return Err(CosError::new(400, "InvalidExpressionType", format!("ExpressionType must be SQL, got {t:?}.")))
        }
    }
    let (compression, input) = input(child(root, "InputSerialization").ok_or_else(|| missing("InputSerialization"))?)?;
    let output = output(child(root, "OutputSerialization").ok_or_else(|| missing("OutputSerialization"))?)?;
    let progress = match child(root, "RequestProgress") {
        Some(p) => boolean(p, "Enabled")?,
        None => false,
    };
    Ok(SelectRequest { expression, compression, input, output, progress })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(input: &str, output: &str) -> String {
        format!(
            "<SelectRequest><Expression>SELECT * FROM COSObject</Expression><ExpressionType>SQL</ExpressionType>\
             <InputSerialization>{input}</InputSerialization><OutputSerialization>{output}</OutputSerialization>\
             </SelectRequest>"
        )
    }

    fn code(body: &str) -> &'static str {
        parse(body.as_bytes()).unwrap_err().code
    }

    #[test]
    fn defaults_and_escapes() {
        let r = parse(doc("<CSV/>", "<JSON/>").as_bytes()).unwrap();
        let Input::Csv(c) = &r.input else { panic!() };
        assert_eq!(
            (c.header, c.record_delimiter.as_slice(), c.field_delimiter.as_slice()),
            (FileHeader::None, &b"\n"[..], &b","[..])
        );
        assert_eq!(
            (c.quote, c.escape, c.comments, c.allow_quoted_record_delimiter),
            (Some(b'"'), Some(b'"'), None, false)
        );
        assert_eq!(r.output, Output::Json { record_delimiter: b"\n".to_vec() });
        assert_eq!((r.compression, r.progress), (Compression::None, false));
        let r = parse(
            doc(
                "<CompressionType>bzip2</CompressionType><CSV><FileHeaderInfo>USE</FileHeaderInfo>\
                 <RecordDelimiter>\\r\\n</RecordDelimiter><FieldDelimiter>\t</FieldDelimiter><Comments>#</Comments>\
                 <AllowQuotedRecordDelimiter>TRUE</AllowQuotedRecordDelimiter></CSV>",
                "<CSV><QuoteFields>ALWAYS</QuoteFields><FieldDelimiter>|</FieldDelimiter></CSV>",
            )
            .replace("</SelectRequest>", "<RequestProgress><Enabled>TRUE</Enabled></RequestProgress></SelectRequest>")
            .as_bytes(),
        )
        .unwrap();
        let Input::Csv(c) = &r.input else { panic!() };
        assert_eq!(
            (c.header, c.record_delimiter.as_slice(), c.field_delimiter.as_slice()),
            (FileHeader::Use, &b"\r\n"[..], &b"\t"[..])
        );
        assert_eq!(
            (c.comments, c.allow_quoted_record_delimiter, r.compression, r.progress),
            (Some(b'#'), true, Compression::Bzip2, true)
        );
        let Output::Csv(o) = &r.output else { panic!() };
        assert!(o.quote_always);
        assert_eq!(o.field_delimiter, b"|");
        let r = parse(doc("<CSV><FieldDelimiter>，</FieldDelimiter></CSV>", "<CSV/>").as_bytes()).unwrap();
        let Input::Csv(c) = &r.input else { panic!() };
        assert_eq!(c.field_delimiter, "，".as_bytes(), "one character of three bytes");
        let r = parse(doc("<JSON><Type>LINES</Type></JSON>", "<CSV/>").as_bytes()).unwrap();
        assert_eq!(r.input, Input::Json(JsonType::Lines));
    }

    #[test]
    fn refusals_have_cos_codes() {
        assert_eq!(code(""), "EmptyRequestBody");
        assert_eq!(code("<SelectRequest>"), "MalformedXML");
        assert_eq!(code("<Other/>"), "MalformedXML");
        assert_eq!(code(&doc("<CSV/>", "<CSV/>").replace("SQL<", "XPATH<")), "InvalidExpressionType");
        assert_eq!(
            code(&doc("<CSV/>", "<CSV/>").replace("<ExpressionType>SQL</ExpressionType>", "")),
            "MissingRequiredParameter"
        );
        assert_eq!(code(&doc("<CompressionType>ZIP</CompressionType><CSV/>", "<CSV/>")), "InvalidCompressionFormat");
        assert_eq!(code(&doc("<CSV><FileHeaderInfo>FIRST</FileHeaderInfo></CSV>", "<CSV/>")), "InvalidFileHeaderInfo");
        assert_eq!(code(&doc("<JSON><Type>ARRAY</Type></JSON>", "<CSV/>")), "InvalidJsonType");
        assert_eq!(code(&doc("<JSON/>", "<CSV/>")), "InvalidJsonType");
        assert_eq!(code(&doc("<CSV/>", "<CSV><QuoteFields>NEVER</QuoteFields></CSV>")), "InvalidQuoteFields");
        assert_eq!(code(&doc("<CSV/><JSON><Type>LINES</Type></JSON>", "<CSV/>")), "ObjectSerializationConflict");
        assert_eq!(code(&doc("", "<CSV/>")), "MissingRequiredParameter");
        assert_eq!(code(&doc("<CSV><QuoteCharacter>ab</QuoteCharacter></CSV>", "<CSV/>")), "InvalidRequestParameter");
        assert_eq!(code(&doc("<CSV><FieldDelimiter>abc</FieldDelimiter></CSV>", "<CSV/>")), "InvalidRequestParameter");
        assert_eq!(code(&doc("<Parquet/>", "<CSV/>")), "NotImplemented");
        let long = doc("<CSV/>", "<CSV/>").replace("SELECT * FROM COSObject", &"x".repeat(MAX_EXPRESSION + 1));
        assert_eq!(code(&long), "ExpressionTooLong");
    }
}
