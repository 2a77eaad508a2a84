//! The typed `<SelectRequest>` of SELECT object content: what to read (CSV or JSON, compressed or not),
//! the SQL expression, and how to write the result (CSV or JSON). Checked before anything is sent, so a
//! caller mistake is `InvalidArgument` naming the field rather than a 400 from COS.

use crate::error::{Error, Result};
use crate::xml::escape;

/// The longest expression COS accepts (256 KiB).
pub const MAX_EXPRESSION: usize = 256 * 1024;

/// How the object's bytes are compressed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SelectCompression {
    #[default]
    None,
    Gzip,
    Bzip2,
}

/// Whether the first CSV line names the columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FileHeaderInfo {
    /// No header line: columns are `_1`, `_2`, ...
    #[default]
    None,
    /// The first line names the columns, which the expression may use.
    Use,
    /// The first line is skipped.
    Ignore,
}

/// CSV input. `None` fields are left out of the request, so COS applies its defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CsvInput {
    pub file_header_info: FileHeaderInfo,
    pub record_delimiter: Option<String>,
    pub field_delimiter: Option<String>,
    pub quote_character: Option<String>,
    pub quote_escape_character: Option<String>,
    pub comments: Option<String>,
    pub allow_quoted_record_delimiter: bool,
}

/// JSON input: one document, or one document per line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum JsonType {
    #[default]
    Document,
    Lines,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SelectInput {
    Csv(CsvInput),
    Json(JsonType),
}

/// CSV output. `quote_all` is COS's `QuoteFields` ALWAYS (false: ASNEEDED).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CsvOutput {
    pub quote_all: bool,
    pub record_delimiter: Option<String>,
    pub field_delimiter: Option<String>,
    pub quote_character: Option<String>,
    pub quote_escape_character: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SelectOutput {
    Csv(CsvOutput),
    /// JSON records, each followed by the record delimiter (None: COS's `\n`).
    Json {
        record_delimiter: Option<String>,
    },
}

/// A SELECT request. [`SelectRequest::new`] gives CSV in and out, uncompressed, no progress events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectRequest {
    pub expression: String,
    pub input: SelectInput,
    pub compression: SelectCompression,
    pub output: SelectOutput,
    /// Ask for `Progress` events while the object is scanned.
    pub progress: bool,
}

impl SelectRequest {
    pub fn new(expression: &str) -> SelectRequest {
        SelectRequest {
            expression: expression.to_string(),
            input: SelectInput::Csv(CsvInput::default()),
            compression: SelectCompression::None,
            output: SelectOutput::Csv(CsvOutput::default()),
            progress: false,
        }
    }

    /// Checks every field; the error names the one that is wrong.
    pub fn validate(&self) -> Result<()> {
        if self.expression.trim().is_empty() {
            return Err(Error::invalid("expression is empty"));
        }
        if self.expression.len() > MAX_EXPRESSION {
            return Err(Error::invalid(format!(
                "expression is {} bytes, over COS's limit of {MAX_EXPRESSION}",
                self.expression.len()
            )));
        }
        if self.expression.contains('\0') {
            return Err(Error::invalid("expression contains a NUL character, which XML cannot carry"));
        }
        if let SelectInput::Csv(c) = &self.input {
            delimiter("input record_delimiter", &c.record_delimiter)?;
            delimiter("input field_delimiter", &c.field_delimiter)?;
            character("input quote_character", &c.quote_character)?;
            character("input quote_escape_character", &c.quote_escape_character)?;
            character("input comments", &c.comments)?;
        }
        match &self.output {
            SelectOutput::Csv(c) => {
                delimiter("output record_delimiter", &c.record_delimiter)?;
                delimiter("output field_delimiter", &c.field_delimiter)?;
                character("output quote_character", &c.quote_character)?;
                character("output quote_escape_character", &c.quote_escape_character)?;
            }
            SelectOutput::Json { record_delimiter } => delimiter("output record_delimiter", record_delimiter)?,
        }
        Ok(())
    }

    /// The `<SelectRequest>` document. Line feeds, carriage returns and tabs in delimiters are sent as the
    /// escapes `\n`, `\r`, `\t`, as COS's own examples write them: XML would turn a literal CR LF into LF.
    pub fn to_xml(&self) -> String {
        let mut s = String::from("<SelectRequest><Expression>");
        s += &escape(&self.expression);
        s += "</Expression><ExpressionType>SQL</ExpressionType><InputSerialization><CompressionType>";
        s += match self.compression {
            SelectCompression::None => "NONE",
            SelectCompression::Gzip => "GZIP",
            SelectCompression::Bzip2 => "BZIP2",
        };
        s += "</CompressionType>";
        match &self.input {
            SelectInput::Csv(c) => {
                s += "<CSV><FileHeaderInfo>";
                s += match c.file_header_info {
                    FileHeaderInfo::None => "NONE",
                    FileHeaderInfo::Use => "USE",
                    FileHeaderInfo::Ignore => "IGNORE",
                };
                s += "</FileHeaderInfo>";
                element(&mut s, "RecordDelimiter", &c.record_delimiter);
                element(&mut s, "FieldDelimiter", &c.field_delimiter);
                element(&mut s, "QuoteCharacter", &c.quote_character);
                element(&mut s, "QuoteEscapeCharacter", &c.quote_escape_character);
                element(&mut s, "Comments", &c.comments);
                s += "<AllowQuotedRecordDelimiter>";
                s += if c.allow_quoted_record_delimiter { "TRUE" } else { "FALSE" };
                s += "</AllowQuotedRecordDelimiter></CSV>";
            }
            SelectInput::Json(t) => {
                s += "<JSON><Type>";
                s += if *t == JsonType::Lines { "LINES" } else { "DOCUMENT" };
                s += "</Type></JSON>";
            }
        }
        s += "</InputSerialization><OutputSerialization>";
        match &self.output {
            SelectOutput::Csv(c) => {
                s += "<CSV><QuoteFields>";
                s += if c.quote_all { "ALWAYS" } else { "ASNEEDED" };
                s += "</QuoteFields>";
                element(&mut s, "RecordDelimiter", &c.record_delimiter);
                element(&mut s, "FieldDelimiter", &c.field_delimiter);
                element(&mut s, "QuoteCharacter", &c.quote_character);
                element(&mut s, "QuoteEscapeCharacter", &c.quote_escape_character);
                s += "</CSV>";
            }
            SelectOutput::Json { record_delimiter } => {
                s += "<JSON>";
                element(&mut s, "RecordDelimiter", record_delimiter);
                s += "</JSON>";
            }
        }
        s += "</OutputSerialization><RequestProgress><Enabled>";
        s += if self.progress { "TRUE" } else { "FALSE" };
        s + "</Enabled></RequestProgress></SelectRequest>"
    }
}

fn element(s: &mut String, name: &str, value: &Option<String>) {
    if let Some(v) = value {
        let v = v.replace('\n', "\\n").replace('\r', "\\r").replace('\t', "\\t");
        *s += &format!("<{name}>{}</{name}>", escape(&v));
    }
}

/// A record or field delimiter: one or two characters (COS's limit), no NUL.
fn delimiter(name: &str, value: &Option<String>) -> Result<()> {
    match value {
        Some(v) if v.is_empty() || v.chars().count() > 2 || v.contains('\0') => {
            Err(Error::invalid(format!("{name} must be 1 or 2 characters (not NUL), got {v:?}")))
        }
        _ => Ok(()),
    }
}

/// A quote, escape or comment character: one character, or empty (quoting off), no NUL.
fn character(name: &str, value: &Option<String>) -> Result<()> {
    match value {
        Some(v) if v.chars().count() > 1 || v.contains('\0') => {
            Err(Error::invalid(format!("{name} must be one character (or empty), got {v:?}")))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_and_checks() {
        let mut r = SelectRequest::new("select * from COSObject s where s._1 < '<&>'");
        r.input = SelectInput::Csv(CsvInput {
            record_delimiter: Some("\r\n".into()),
            file_header_info: FileHeaderInfo::Use,
            ..Default::default()
        });
        r.compression = SelectCompression::Gzip;
        r.output = SelectOutput::Json { record_delimiter: Some("\n".into()) };
        r.validate().unwrap();
        let xml = r.to_xml();
        assert!(xml
            .contains("<Expression>select * from COSObject s where s._1 &lt; &apos;&lt;&amp;&gt;&apos;</Expression>"));
        assert!(xml.contains("<RecordDelimiter>\\r\\n</RecordDelimiter>"), "{xml}");
        assert!(xml.contains("<CompressionType>GZIP</CompressionType>") && xml.contains("<FileHeaderInfo>USE<"));
        assert!(xml.contains("<JSON><RecordDelimiter>\\n</RecordDelimiter></JSON>"));
        roxmltree::Document::parse(&xml).unwrap();
        for bad in ["", ",,,", "\0"] {
            r.output = SelectOutput::Json { record_delimiter: Some(bad.into()) };
            let e = r.validate().unwrap_err();
            assert!(e.message().contains("output record_delimiter"), "{e}");
        }
        r.output = SelectOutput::Csv(CsvOutput { quote_character: Some("ab".into()), ..Default::default() });
        assert!(r.validate().unwrap_err().message().contains("output quote_character"));
        assert!(SelectRequest::new("  ").validate().unwrap_err().message().contains("expression"));
    }
}
