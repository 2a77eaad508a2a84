//! What depends on the input format: the checks made before the answer starts (CSV records are
//! flat), and the records a JSON value gives after the FROM path.

use super::eval::{member, position};
use super::request::Input;
use super::sql::{Expr, Query, Step};
use crate::error::CosError;
use crate::operations::json;

fn paths<'a>(e: &'a Expr, out: &mut Vec<&'a [Step]>) {
    match e {
        Expr::Path(steps) => out.push(steps),
        Expr::Lit(_) | Expr::Agg(_, None) => {}
        Expr::Agg(_, Some(a)) | Expr::Not(a) | Expr::Neg(a) | Expr::IsNull(a, _) | Expr::Cast(a, _) => paths(a, out),
        Expr::Bin(_, a, b) | Expr::Like(a, b, _) => {
            paths(a, out);
            paths(b, out);
        }
        Expr::Between(a, b, c, _) => {
            paths(a, out);
            paths(b, out);
            paths(c, out);
        }
        Expr::In(a, l, _) => {
            paths(a, out);
            l.iter().for_each(|x| paths(x, out));
        }
        Expr::Func(_, args) => args.iter().for_each(|x| paths(x, out)),
    }
}

/// Checks that need the input format, before the answer starts: CSV records are flat (one name
/// or `_N` per path, N from 1; no FROM path), and `[*]` belongs in FROM only.
pub fn check(q: &Query, input: &Input) -> Result<(), CosError> {
    let mut all = Vec::new();
    for item in q.items.iter().flatten() {
        paths(&item.expr, &mut all);
    }
    if let Some(f) = &q.filter {
        paths(f, &mut all);
    }
    let csv = matches!(input, Input::Csv(_));
    if csv && !q.from.is_empty() {
        return Err(CosError::new(400, "InvalidKeyPath", "CSV input has no paths: FROM takes COSObject alone."));
    }
    for steps in all {
        if steps.contains(&Step::Wildcard) {
            return Err(CosError::new(
                400,
                "UnsupportedSqlOperation",
                "[*] is supported only in the FROM clause (COSObject[*]) by the emulator.",
            ));
        }
        if !csv {
            continue;
        }
        match steps {
            [Step::Key { name, .. }] if position(name) == Some(0) || name == "_0" => {
                return Err(CosError::new(400, "InvalidColumnIndex", "Column positions start at _1."));
            }
            [Step::Key { .. }] => {}
            _ => {
                return Err(CosError::new(
                    400,
                    "InvalidKeyPath",
                    "A CSV column is one name or position (s.name, s._1); CSV records have no nested paths.",
                ))
            }
        }
    }
    Ok(())
}

/// The records of one top-level JSON value after the FROM path: `[*]` opens an array (anything
/// else stays one record), names and indexes step in; a step that finds nothing yields nothing.
pub fn from_path<'a>(v: &'a json::Value, steps: &[Step], out: &mut Vec<&'a json::Value>) {
    let Some((first, rest)) = steps.split_first() else {
        out.push(v);
        return;
    };
    match (first, v) {
        (Step::Wildcard, json::Value::Array(items)) => items.iter().for_each(|i| from_path(i, rest, out)),
        (Step::Wildcard, other) => from_path(other, rest, out),
        (Step::Key { name, quoted }, json::Value::Object(fields)) => {
            if let Some(m) = member(fields, name, *quoted) {
                from_path(m, rest, out)
            }
        }
        (Step::Index(i), json::Value::Array(items)) => {
            if let Some(m) = items.get(*i) {
                from_path(m, rest, out)
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::select::sql;

    #[test]
    fn format_checks() {
        let csv = Input::Json(crate::operations::select::request::JsonType::Lines);
        assert!(check(&sql::parse("SELECT s.a.b FROM COSObject[*] s").unwrap(), &csv).is_ok());
        assert_eq!(
            check(&sql::parse("SELECT s.a[*] FROM COSObject s").unwrap(), &csv).unwrap_err().code,
            "UnsupportedSqlOperation"
        );
        let csv = Input::Csv(crate::operations::select::request::CsvInput {
            header: crate::operations::select::request::FileHeader::None,
            record_delimiter: b"\n".to_vec(),
            field_delimiter: b",".to_vec(),
            quote: None,
            escape: None,
            comments: None,
            allow_quoted_record_delimiter: false,
        });
        assert_eq!(
            check(&sql::parse("SELECT _0 FROM COSObject").unwrap(), &csv).unwrap_err().code,
            "InvalidColumnIndex"
        );
        assert_eq!(
            check(&sql::parse("SELECT s.a.b FROM COSObject s").unwrap(), &csv).unwrap_err().code,
            "InvalidKeyPath"
        );
        assert_eq!(check(&sql::parse("SELECT * FROM COSObject[*]").unwrap(), &csv).unwrap_err().code, "InvalidKeyPath");
        assert!(check(&sql::parse("SELECT _1, name FROM COSObject WHERE _2 > 1").unwrap(), &csv).is_ok());
    }
}
