//! Writing result records: CSV (ALWAYS or ASNEEDED quoting, any delimiters, the escape
//! character before a quote inside a quoted field) or JSON (one object per record).

use super::eval::Val;
use super::request::{CsvOutput, Output};
use crate::operations::json;

/// One result record: named values (a projection, or CSV columns), or a JSON record whole.
pub enum Row {
    Fields(Vec<(String, Val)>),
    Whole(json::Value),
}

/// Floats print in their shortest exact form, with `.0` when whole so they stay floats.
pub fn format_float(f: f64) -> String {
    let s = f.to_string();
    if f.is_finite() && !s.contains(['.', 'e', 'E']) {
        s + ".0"
    } else {
        s
    }
}

fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_json(v: &json::Value, out: &mut String) {
    match v {
        json::Value::Null => out.push_str("null"),
        json::Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        json::Value::Number(n) => out.push_str(n),
        json::Value::String(s) => json_string(s, out),
        json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        json::Value::Object(fields) => {
            out.push('{');
            for (i, (k, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(k, out);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
    }
}

/// Compact JSON text of a value.
pub fn json_text(v: &json::Value) -> String {
    let mut s = String::new();
    write_json(v, &mut s);
    s
}

fn write_val(v: &Val, out: &mut String) {
    match v {
        Val::Null => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Int(i) => out.push_str(&i.to_string()),
        Val::Float(f) if f.is_finite() => out.push_str(&format_float(*f)),
        Val::Float(_) => out.push_str("null"),
        Val::Str(s) => json_string(s, out),
        Val::Json(j) => write_json(j, out),
    }
}

fn csv_field(o: &CsvOutput, text: &str, out: &mut Vec<u8>) {
    let b = text.as_bytes();
    let contains = |what: &[u8]| b.windows(what.len()).any(|w| w == what);
    let needs = o.quote_always
        || contains(&o.field_delimiter)
        || contains(&o.record_delimiter)
        || b.iter().any(|&c| c == o.quote || c == o.escape || c == b'\n' || c == b'\r');
    if !needs {
        out.extend_from_slice(b);
        return;
    }
    out.push(o.quote);
    for &c in b {
        if c == o.quote || (c == o.escape && o.escape != o.quote) {
            out.push(o.escape);
        }
        out.push(c);
    }
    out.push(o.quote);
}

/// The bytes of one record, its delimiter included.
pub fn record(output: &Output, row: &Row) -> Vec<u8> {
    match output {
        Output::Csv(o) => {
            let vals: Vec<Val> = match row {
                Row::Fields(fields) => fields.iter().map(|(_, v)| v.clone()).collect(),
                Row::Whole(json::Value::Object(fields)) => fields.iter().map(|(_, v)| Val::from_json(v)).collect(),
                Row::Whole(json::Value::Array(items)) => items.iter().map(Val::from_json).collect(),
                Row::Whole(v) => vec![Val::from_json(v)],
            };
            let mut out = Vec::new();
            if let [Val::Str(s)] = vals.as_slice() {
                if s.is_empty() {
                    // A lone empty string is written `""`: an empty line would read back as no field
                    // at all (and CSV input skips empty records). A lone NULL stays an empty line.
                    out.extend_from_slice(&[o.quote, o.quote]);
                    out.extend_from_slice(&o.record_delimiter);
                    return out;
                }
            }
            for (i, v) in vals.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(&o.field_delimiter);
                }
                csv_field(o, &v.text(), &mut out);
            }
            out.extend_from_slice(&o.record_delimiter);
            out
        }
        Output::Json { record_delimiter } => {
            let mut s = String::new();
            match row {
                Row::Whole(v @ json::Value::Object(_)) => write_json(v, &mut s),
                Row::Whole(v) => {
                    s.push_str("{\"_1\":");
                    write_json(v, &mut s);
                    s.push('}');
                }
                Row::Fields(fields) => {
                    s.push('{');
                    for (i, (name, v)) in fields.iter().enumerate() {
                        if i > 0 {
                            s.push(',');
                        }
                        json_string(name, &mut s);
                        s.push(':');
                        write_val(v, &mut s);
                    }
                    s.push('}');
                }
            }
            let mut out = s.into_bytes();
            out.extend_from_slice(record_delimiter);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(quote_always: bool) -> Output {
        Output::Csv(CsvOutput {
            quote_always,
            record_delimiter: b"\n".to_vec(),
            field_delimiter: b",".to_vec(),
            quote: b'"',
            escape: b'"',
        })
    }

    fn row(vals: Vec<Val>) -> Row {
        Row::Fields(vals.into_iter().enumerate().map(|(i, v)| (format!("_{}", i + 1), v)).collect())
    }

    #[test]
    fn csv_quoting() {
        let r = row(vec![
            Val::Str("a".into()),
            Val::Str("b,c".into()),
            Val::Str("say \"hi\"".into()),
            Val::Null,
            Val::Int(3),
            Val::Float(2.0),
        ]);
        assert_eq!(record(&csv(false), &r), b"a,\"b,c\",\"say \"\"hi\"\"\",,3,2.0\n");
        assert_eq!(record(&csv(true), &row(vec![Val::Str("a".into()), Val::Int(1)])), b"\"a\",\"1\"\n");
        assert_eq!(record(&csv(false), &row(vec![Val::Str(String::new())])), b"\"\"\n", "a lone empty field");
        assert_eq!(record(&csv(false), &row(vec![Val::Null])), b"\n", "a lone NULL");
        assert_eq!(record(&csv(false), &row(vec![Val::Str(String::new()), Val::Null])), b",\n");
        let custom = Output::Csv(CsvOutput {
            quote_always: false,
            record_delimiter: b"\r\n".to_vec(),
            field_delimiter: b"|".to_vec(),
            quote: b'\'',
            escape: b'\\',
        });
        assert_eq!(
            record(&custom, &row(vec![Val::Str("x|y".into()), Val::Str("it's".into()), Val::Str("a\\b".into())])),
            b"'x|y'|'it\\'s'|'a\\\\b'\r\n"
        );
        let doc = json::parse(r#"{"a":1,"b":{"c":[true,null]},"d":"x"}"#).unwrap();
        assert_eq!(record(&csv(false), &Row::Whole(doc)), b"1,\"{\"\"c\"\":[true,null]}\",x\n");
    }

    #[test]
    fn json_records() {
        let out = Output::Json { record_delimiter: b"\n".to_vec() };
        let r = Row::Fields(vec![
            ("name".into(), Val::Str("a\"b\n".into())),
            ("n".into(), Val::Int(2)),
            ("f".into(), Val::Float(0.5)),
            ("z".into(), Val::Null),
        ]);
        assert_eq!(
            String::from_utf8(record(&out, &r)).unwrap(),
            "{\"name\":\"a\\\"b\\n\",\"n\":2,\"f\":0.5,\"z\":null}\n"
        );
        let doc = json::parse(r#" { "a" : 1.50 , "b" : [ "x" ] } "#).unwrap();
        assert_eq!(record(&out, &Row::Whole(doc)), b"{\"a\":1.50,\"b\":[\"x\"]}\n", "numbers as written");
        assert_eq!(record(&out, &Row::Whole(json::parse("7").unwrap())), b"{\"_1\":7}\n");
        assert_eq!(format_float(1e21), "1000000000000000000000.0");
        assert_eq!(format_float(2.5), "2.5");
    }
}
