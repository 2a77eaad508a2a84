//! Reading the object for Select: GZIP / BZIP2 decompression, then records out of CSV (quotes,
//! escapes, comments, any 1–2 byte delimiters) or JSON (DOCUMENT or LINES). Problems in the data
//! are `DataError`s: they are found while the answer streams, so they become error events.

use super::request::{Compression, CsvInput, JsonType};
use crate::operations::json;
use std::io::Read;

/// An error in the object's data, sent as an `:message-type error` event.
#[derive(Debug, Clone, PartialEq)]
pub struct DataError {
    pub code: &'static str,
    pub message: String,
}

impl DataError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        DataError { code, message: message.into() }
    }
}

/// COS Select's limit on one record (input or output).
pub const MAX_RECORD: usize = 1 << 20;

/// The object's bytes as Select reads them. Concatenated GZIP members / BZIP2 streams are read
/// one after another, as `gzip -d` does.
pub fn decompress(raw: Vec<u8>, compression: Compression) -> Result<Vec<u8>, DataError> {
    let mut out = Vec::new();
    let result = match compression {
        Compression::None => return Ok(raw),
        Compression::Gzip => flate2::read::MultiGzDecoder::new(raw.as_slice()).read_to_end(&mut out),
        Compression::Bzip2 => bzip2::read::MultiBzDecoder::new(raw.as_slice()).read_to_end(&mut out),
    };
    result.map_err(|e| {
        DataError::new(
            "InvalidCompressionFormat",
            format!("The object is not valid {compression:?} data ({e}); set CompressionType to match it."),
        )
    })?;
    Ok(out)
}

/// CSV records of `data`, each a list of fields. Empty records (two delimiters in a row) are
/// skipped, as are records starting with the Comments character.
pub struct Csv<'a> {
    data: &'a [u8],
    pos: usize,
    o: &'a CsvInput,
    failed: bool,
}

impl<'a> Csv<'a> {
    pub fn new(data: &'a [u8], o: &'a CsvInput) -> Self {
        Csv { data, pos: 0, o, failed: false }
    }

    fn at(&self, i: usize, what: &[u8]) -> bool {
        self.data[i..].starts_with(what)
    }

    /// One record from `self.pos`: its fields, and where the next one starts.
    fn record(&self) -> Result<(Vec<Vec<u8>>, usize), DataError> {
        let (o, d, start) = (self.o, self.data, self.pos);
        let (rd, fd) = (o.record_delimiter.as_slice(), o.field_delimiter.as_slice());
        let (mut fields, mut field) = (Vec::new(), Vec::new());
        let (mut i, mut quoted, mut field_start) = (start, false, true);
        loop {
            if i - start > MAX_RECORD {
                return Err(DataError::new(
                    "OverMaxRecordSize",
                    format!("A CSV record is longer than {MAX_RECORD} bytes, the most COS Select reads."),
                ));
            }
            if i >= d.len() {
                if quoted {
                    return Err(unterminated());
                }
                fields.push(field);
                return Ok((fields, d.len()));
            }
            let b = d[i];
            if quoted {
                let next = d.get(i + 1).copied();
                if o.escape != o.quote && Some(b) == o.escape && (next == o.quote || next == o.escape) && next.is_some()
                {
                    field.push(next.unwrap_or(b));
                    i += 2;
                } else if Some(b) == o.quote {
                    if o.escape == o.quote && next == o.quote {
                        field.push(b);
                        i += 2;
                    } else {
                        quoted = false;
                        i += 1;
                    }
                } else if !o.allow_quoted_record_delimiter && self.at(i, rd) {
                    return Err(unterminated());
                } else {
                    field.push(b);
                    i += 1;
                }
            } else if self.at(i, rd) {
                fields.push(field);
                return Ok((fields, i + rd.len()));
            } else if self.at(i, fd) {
                fields.push(std::mem::take(&mut field));
                i += fd.len();
                field_start = true;
            } else if field_start && Some(b) == o.quote {
                quoted = true;
                field_start = false;
                i += 1;
            } else {
                field.push(b);
                field_start = false;
                i += 1;
            }
        }
    }
}

fn unterminated() -> DataError {
    DataError::new(
        "CSVUnescapedQuote",
        "A quoted CSV field is not closed before the end of its record (a quoted record delimiter needs \
         AllowQuotedRecordDelimiter TRUE).",
    )
}

impl Iterator for Csv<'_> {
    type Item = Result<Vec<String>, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.failed && self.pos < self.data.len() {
            let rd = self.o.record_delimiter.as_slice();
            if self.at(self.pos, rd) {
                self.pos += rd.len();
                continue;
            }
            if self.o.comments.is_some_and(|c| self.data[self.pos] == c) {
                let rest = &self.data[self.pos..];
                self.pos += rest.windows(rd.len()).position(|w| w == rd).map_or(rest.len(), |p| p + rd.len());
                continue;
            }
            let result = self.record().and_then(|(fields, next)| {
                self.pos = next;
                fields
                    .into_iter()
                    .map(|f| {
                        String::from_utf8(f)
                            .map_err(|_| DataError::new("InvalidTextEncoding", "The object is not UTF-8 text."))
                    })
                    .collect()
            });
            self.failed = result.is_err();
            return Some(result);
        }
        None
    }
}

/// JSON records: every top-level value of a DOCUMENT, or every non-blank line of LINES.
pub fn json_records(text: &str, kind: JsonType) -> Box<dyn Iterator<Item = Result<json::Value, DataError>> + '_> {
    let bad = |e: String| DataError::new("JSONParsingError", format!("The object is not valid JSON: {e}."));
    match kind {
        JsonType::Document => Box::new(json::parse_many(text).map(move |r| r.map_err(bad))),
        JsonType::Lines => {
            Box::new(text.split('\n').filter(|l| !l.trim().is_empty()).map(move |l| json::parse(l).map_err(bad)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::select::request::FileHeader;
    use std::io::Write;

    fn opts() -> CsvInput {
        CsvInput {
            header: FileHeader::None,
            record_delimiter: b"\n".to_vec(),
            field_delimiter: b",".to_vec(),
            quote: Some(b'"'),
            escape: Some(b'"'),
            comments: None,
            allow_quoted_record_delimiter: false,
        }
    }

    fn rows(data: &str, o: &CsvInput) -> Result<Vec<Vec<String>>, DataError> {
        Csv::new(data.as_bytes(), o).collect()
    }

    fn v(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect()
    }

    #[test]
    fn csv_quotes_delimiters_and_comments() {
        let o = opts();
        assert_eq!(
            rows("a,b\n\n1,\"x,y\"\n\"q\"\"q\",\n", &o).unwrap(),
            v(&[&["a", "b"], &["1", "x,y"], &["q\"q", ""]])
        );
        assert_eq!(rows("a,b", &o).unwrap(), v(&[&["a", "b"]]), "no final delimiter");
        assert_eq!(rows("a\"b,c", &o).unwrap(), v(&[&["a\"b", "c"]]), "a quote inside a bare field is data");
        let e = rows("1,\"two\nlines\"\n", &o).unwrap_err();
        assert_eq!(e.code, "CSVUnescapedQuote");
        let allow = CsvInput { allow_quoted_record_delimiter: true, ..opts() };
        assert_eq!(rows("1,\"two\nlines\"\n", &allow).unwrap(), v(&[&["1", "two\nlines"]]));
        assert_eq!(rows("\"open", &allow).unwrap_err().code, "CSVUnescapedQuote");
        let custom = CsvInput {
            record_delimiter: b"\r\n".to_vec(),
            field_delimiter: b"|".to_vec(),
            quote: Some(b'\''),
            escape: Some(b'\\'),
            comments: Some(b'#'),
            ..opts()
        };
        assert_eq!(
            rows("# note\r\na|'b|\\'c'\r\n#x|y\r\nd|e\r\n", &custom).unwrap(),
            v(&[&["a", "b|'c"], &["d", "e"]])
        );
        let no_quotes = CsvInput { quote: None, escape: None, ..opts() };
        assert_eq!(rows("\"a\",b\n", &no_quotes).unwrap(), v(&[&["\"a\"", "b"]]));
        assert_eq!(Csv::new(b"a,\xff\n", &o).next().unwrap().unwrap_err().code, "InvalidTextEncoding");
        let huge = "x".repeat(MAX_RECORD + 2);
        assert_eq!(rows(&huge, &o).unwrap_err().code, "OverMaxRecordSize");
    }

    #[test]
    fn decompression() {
        let text = b"a,b\n1,2\n".to_vec();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&text).unwrap();
        let gz = gz.finish().unwrap();
        let mut twice = gz.clone();
        twice.extend_from_slice(&gz);
        assert_eq!(decompress(gz.clone(), Compression::Gzip).unwrap(), text);
        assert_eq!(decompress(twice, Compression::Gzip).unwrap(), [text.clone(), text.clone()].concat());
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
        bz.write_all(&text).unwrap();
        let bz = bz.finish().unwrap();
        assert_eq!(decompress(bz.clone(), Compression::Bzip2).unwrap(), text);
        assert_eq!(decompress(text.clone(), Compression::Gzip).unwrap_err().code, "InvalidCompressionFormat");
        assert_eq!(decompress(gz, Compression::Bzip2).unwrap_err().code, "InvalidCompressionFormat");
        assert_eq!(
            decompress(bz[..bz.len() / 2].to_vec(), Compression::Bzip2).unwrap_err().code,
            "InvalidCompressionFormat"
        );
    }

    #[test]
    fn json_documents_and_lines() {
        let doc: Vec<_> = json_records("{\"a\":1}\n{\"a\":\n2} [3]", JsonType::Document).collect();
        assert_eq!(doc.len(), 3);
        assert!(doc.iter().all(Result::is_ok));
        let lines: Vec<_> = json_records("{\"a\":1}\n\n{\"a\":2}\n", JsonType::Lines).collect();
        assert_eq!(lines.len(), 2);
        let bad: Vec<_> = json_records("{\"a\":\n2}", JsonType::Lines).collect();
        assert_eq!(bad[0].as_ref().unwrap_err().code, "JSONParsingError");
    }
}
