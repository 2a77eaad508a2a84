//! Evaluating a parsed query on one record: values, paths into CSV and JSON records, the
//! comparison rule (numbers when one side is a number and the other is a number or a string that
//! reads as one; strings byte-wise; NULL is unknown, SQL three-valued logic), CAST and LIKE
//! (aggregates are in `agg.rs`). Errors here happen while the answer streams, so they are `DataError`s.

use super::input::DataError;
use super::output::{format_float, json_text};
use super::sql::{BinOp, Expr, Query, Step, Type};
use crate::operations::json;
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// NULL, a JSON null, and a column or member that is not there (MISSING).
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A JSON object or array, kept whole.
    Json(json::Value),
}

impl Val {
    pub fn from_json(v: &json::Value) -> Val {
        match v {
            json::Value::Null => Val::Null,
            json::Value::Bool(b) => Val::Bool(*b),
            json::Value::Number(n) => match n.parse::<i64>() {
                Ok(i) => Val::Int(i),
                Err(_) => Val::Float(n.parse().unwrap_or(f64::NAN)),
            },
            json::Value::String(s) => Val::Str(s.clone()),
            other => Val::Json(other.clone()),
        }
    }

    /// The text of a value in CSV output and in `||`.
    pub fn text(&self) -> String {
        match self {
            Val::Null => String::new(),
            Val::Bool(b) => b.to_string(),
            Val::Int(i) => i.to_string(),
            Val::Float(f) => format_float(*f),
            Val::Str(s) => s.clone(),
            Val::Json(v) => json_text(v),
        }
    }
}

/// One input record as the evaluator sees it.
pub enum Rec<'a> {
    Csv { fields: &'a [String], names: Option<&'a [String]> },
    Json(&'a json::Value),
}

#[derive(Clone, Copy)]
pub(super) enum Num {
    I(i64),
    F(f64),
}

impl Num {
    pub(super) fn f(self) -> f64 {
        match self {
            Num::I(i) => i as f64,
            Num::F(f) => f,
        }
    }

    pub(super) fn val(self) -> Val {
        match self {
            Num::I(i) => Val::Int(i),
            Num::F(f) => Val::Float(f),
        }
    }
}

fn parse_num(s: &str) -> Option<Num> {
    let t = s.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(Num::I(i));
    }
    // Only decimal notation: "inf" / "NaN" are words, not numbers.
    let numeric =
        !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    t.parse::<f64>().ok().filter(|f| numeric && f.is_finite()).map(Num::F)
}

pub(super) fn num(v: &Val) -> Option<Num> {
    match v {
        Val::Int(i) => Some(Num::I(*i)),
        Val::Float(f) => Some(Num::F(*f)),
        Val::Str(s) => parse_num(s),
        _ => None,
    }
}

fn is_number(v: &Val) -> bool {
    matches!(v, Val::Int(_) | Val::Float(_))
}

fn cmp_num(a: Num, b: Num) -> Option<Ordering> {
    match (a, b) {
        (Num::I(x), Num::I(y)) => Some(x.cmp(&y)),
        _ => a.f().partial_cmp(&b.f()),
    }
}

/// The comparison rule (see the module comment); None is unknown (a NULL, or values that do not
/// compare, such as a number and a word).
pub fn compare(a: &Val, b: &Val) -> Option<Ordering> {
    match (a, b) {
        (Val::Null, _) | (_, Val::Null) => None,
        (Val::Str(x), Val::Str(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        _ if is_number(a) || is_number(b) => cmp_num(num(a)?, num(b)?),
        (Val::Json(x), Val::Json(y)) => (x == y).then_some(Ordering::Equal),
        _ => None,
    }
}

fn truth(v: &Val) -> Option<bool> {
    match v {
        Val::Bool(b) => Some(*b),
        Val::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Val::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn opt_bool(b: Option<bool>) -> Val {
    b.map_or(Val::Null, Val::Bool)
}

pub(super) fn bad_type(what: &str, v: &Val) -> DataError {
    DataError::new("InvalidDataType", format!("{what} needs a number, got {:?}.", v.text()))
}

fn arith(op: BinOp, a: &Val, b: &Val) -> Result<Val, DataError> {
    if matches!(a, Val::Null) || matches!(b, Val::Null) {
        return Ok(Val::Null);
    }
    if op == BinOp::Concat {
        return Ok(Val::Str(a.text() + &b.text()));
    }
    let x = num(a).ok_or_else(|| bad_type("Arithmetic", a))?;
    let y = num(b).ok_or_else(|| bad_type("Arithmetic", b))?;
    let overflow = || DataError::new("IntegerOverflow", "An integer operation overflowed.");
    if matches!(op, BinOp::Div | BinOp::Mod) && y.f() == 0.0 {
        return Err(DataError::new("DivisionByZero", "Division by zero."));
    }
    Ok(match (x, y) {
        (Num::I(x), Num::I(y)) => Val::Int(
            match op {
                BinOp::Add => x.checked_add(y),
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                BinOp::Div => x.checked_div(y),
                _ => x.checked_rem(y),
            }
            .ok_or_else(overflow)?,
        ),
        _ => {
            let (x, y) = (x.f(), y.f());
            Val::Float(match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div => x / y,
                _ => x % y,
            })
        }
    })
}

/// SQL LIKE: `%` any run, `_` one character; case-sensitive.
pub fn like(text: &str, pattern: &str) -> bool {
    let (t, p): (Vec<char>, Vec<char>) = (text.chars().collect(), pattern.chars().collect());
    // matches[j]: pattern[..i] matches text[..j], row by row.
    let mut row = vec![false; t.len() + 1];
    row[0] = true;
    for pc in &p {
        let mut next = vec![false; t.len() + 1];
        if *pc == '%' {
            let mut any = false;
            for j in 0..=t.len() {
                any |= row[j];
                next[j] = any;
            }
        } else {
            for j in 1..=t.len() {
                next[j] = row[j - 1] && (*pc == '_' || *pc == t[j - 1]);
            }
        }
        row = next;
    }
    row[t.len()]
}

fn cast(v: Val, ty: Type) -> Result<Val, DataError> {
    let failed = |v: &Val, to: &str| {
        DataError::new("CastFailed", format!("Attempt to convert {:?} to {to} using CAST failed.", v.text()))
    };
    Ok(match (ty, v) {
        (_, Val::Null) => Val::Null,
        (Type::String, v) => Val::Str(v.text()),
        (Type::Int, Val::Bool(b)) => Val::Int(i64::from(b)),
        (Type::Int, v) => match num(&v) {
            Some(Num::I(i)) => Val::Int(i),
            Some(Num::F(f)) if f.abs() < 9.2e18 => Val::Int(f.trunc() as i64),
            _ => return Err(failed(&v, "INT")),
        },
        (Type::Float | Type::Decimal, v) => match num(&v) {
            Some(n) if !matches!(v, Val::Bool(_)) => Val::Float(n.f()),
            _ => return Err(failed(&v, "FLOAT")),
        },
        (Type::Bool, v) => match (truth(&v), num(&v)) {
            (Some(b), _) => Val::Bool(b),
            (None, Some(n)) => Val::Bool(n.f() != 0.0),
            _ => return Err(failed(&v, "BOOL")),
        },
    })
}

/// A member of a JSON object: quoted names exactly, bare names ignoring case (exact first).
pub(super) fn member<'a>(fields: &'a [(String, json::Value)], name: &str, quoted: bool) -> Option<&'a json::Value> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .or_else(|| (!quoted).then(|| fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(name))).flatten())
        .map(|(_, v)| v)
}

/// `_N` (N from 1) as a column position.
pub fn position(name: &str) -> Option<usize> {
    name.strip_prefix('_')
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse().ok())
}

fn lookup(rec: &Rec, steps: &[Step]) -> Val {
    match rec {
        Rec::Csv { fields, names } => {
            let Some(Step::Key { name, quoted }) = steps.first() else {
                return Val::Null;
            };
            let index = match position(name) {
                Some(n) => n.checked_sub(1),
                None => names.and_then(|names| {
                    names.iter().position(|h| h == name).or_else(|| {
                        (!quoted).then(|| names.iter().position(|h| h.eq_ignore_ascii_case(name))).flatten()
                    })
                }),
            };
            index.and_then(|i| fields.get(i)).map_or(Val::Null, |f| Val::Str(f.clone()))
        }
        Rec::Json(v) => {
            let mut cur: &json::Value = v;
            for step in steps {
                let next = match (step, cur) {
                    (Step::Key { name, quoted }, json::Value::Object(fields)) => member(fields, name, *quoted),
                    (Step::Index(i), json::Value::Array(items)) => items.get(*i),
                    _ => None,
                };
                match next {
                    Some(n) => cur = n,
                    None => return Val::Null,
                }
            }
            Val::from_json(cur)
        }
    }
}

/// Evaluation state: `aggs` holds the final aggregate values, in the order they appear, once a
/// query with aggregates has seen every record.
pub struct Env<'a> {
    pub aggs: Option<&'a [Val]>,
    pub next_agg: usize,
}

pub fn eval(e: &Expr, rec: &Rec, env: &mut Env) -> Result<Val, DataError> {
    Ok(match e {
        Expr::Lit(v) => v.clone(),
        Expr::Path(steps) => lookup(rec, steps),
        Expr::Not(a) => opt_bool(truth(&eval(a, rec, env)?).map(|b| !b)),
        Expr::Neg(a) => arith(BinOp::Sub, &Val::Int(0), &eval(a, rec, env)?)?,
        Expr::Bin(BinOp::And, a, b) => {
            let x = truth(&eval(a, rec, env)?);
            let y = truth(&eval(b, rec, env)?);
            opt_bool(match (x, y) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            })
        }
        Expr::Bin(BinOp::Or, a, b) => {
            let x = truth(&eval(a, rec, env)?);
            let y = truth(&eval(b, rec, env)?);
            opt_bool(match (x, y) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            })
        }
        Expr::Bin(op @ (BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge), a, b) => {
            let ord = compare(&eval(a, rec, env)?, &eval(b, rec, env)?);
            opt_bool(ord.map(|o| match op {
                BinOp::Eq => o == Ordering::Equal,
                BinOp::Ne => o != Ordering::Equal,
                BinOp::Lt => o == Ordering::Less,
                BinOp::Le => o != Ordering::Greater,
                BinOp::Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            }))
        }
        Expr::Bin(op, a, b) => arith(*op, &eval(a, rec, env)?, &eval(b, rec, env)?)?,
        Expr::IsNull(a, negated) => Val::Bool(matches!(eval(a, rec, env)?, Val::Null) != *negated),
        Expr::Like(a, p, negated) => match (eval(a, rec, env)?, eval(p, rec, env)?) {
            (Val::Null, _) | (_, Val::Null) => Val::Null,
            (t, p) => Val::Bool(like(&t.text(), &p.text()) != *negated),
        },
        Expr::Between(a, lo, hi, negated) => {
            // `v >= lo AND v <= hi` in three-valued logic: one side false makes it false even
            // when the other is unknown.
            let v = eval(a, rec, env)?;
            let (lo, hi) = (eval(lo, rec, env)?, eval(hi, rec, env)?);
            let above = compare(&v, &lo).map(|o| o != Ordering::Less);
            let below = compare(&v, &hi).map(|o| o != Ordering::Greater);
            let within = match (above, below) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            };
            opt_bool(within.map(|w| w != *negated))
        }
        Expr::In(a, list, negated) => {
            let v = eval(a, rec, env)?;
            let mut found = Some(false);
            for item in list {
                match compare(&v, &eval(item, rec, env)?) {
                    Some(Ordering::Equal) => {
                        found = Some(true);
                        break;
                    }
                    None => found = None,
                    _ => {}
                }
            }
            opt_bool(found.map(|f| f != *negated))
        }
        Expr::Cast(a, ty) => cast(eval(a, rec, env)?, *ty)?,
        Expr::Func(name, args) => {
            let v = eval(&args[0], rec, env)?;
            if matches!(v, Val::Null) {
                return Ok(Val::Null);
            }
            let t = v.text();
            match name.as_str() {
                "LOWER" => Val::Str(t.to_lowercase()),
                "UPPER" => Val::Str(t.to_uppercase()),
                "TRIM" => Val::Str(t.trim().to_string()),
                _ => Val::Int(t.chars().count() as i64),
            }
        }
        Expr::Agg(..) => {
            let i = env.next_agg;
            env.next_agg += 1;
            env.aggs.and_then(|a| a.get(i).cloned()).unwrap_or(Val::Null)
        }
    })
}

/// Whether a record passes WHERE (unknown does not).
pub fn matches(q: &Query, rec: &Rec) -> Result<bool, DataError> {
    match &q.filter {
        None => Ok(true),
        Some(f) => Ok(truth(&eval(f, rec, &mut Env { aggs: None, next_agg: 0 })?) == Some(true)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::select::shape::from_path;
    use crate::operations::select::sql;

    fn csv_eval(sql_text: &str, fields: &[&str], names: Option<&[&str]>) -> Vec<Val> {
        let q = sql::parse(sql_text).unwrap();
        let fields: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
        let names: Option<Vec<String>> = names.map(|n| n.iter().map(|s| s.to_string()).collect());
        let rec = Rec::Csv { fields: &fields, names: names.as_deref() };
        q.items.unwrap().iter().map(|i| eval(&i.expr, &rec, &mut Env { aggs: None, next_agg: 0 }).unwrap()).collect()
    }

    fn pass(sql_text: &str, fields: &[&str]) -> bool {
        let q = sql::parse(sql_text).unwrap();
        let fields: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
        matches(&q, &Rec::Csv { fields: &fields, names: None }).unwrap()
    }

    #[test]
    fn columns_by_name_and_position() {
        let names = ["Name", "age"];
        let got = csv_eval(
            "SELECT s.name, s._2, \"Name\", \"name\", s._3, AGE FROM COSObject s",
            &["ann", "30"],
            Some(&names),
        );
        assert_eq!(
            got,
            [
                Val::Str("ann".into()),
                Val::Str("30".into()),
                Val::Str("ann".into()),
                Val::Null,
                Val::Null,
                Val::Str("30".into())
            ]
        );
    }

    #[test]
    fn comparisons_follow_the_documented_rule() {
        assert!(pass("SELECT * FROM COSObject WHERE _1 > 9", &["10"]), "a number makes it numeric");
        assert!(!pass("SELECT * FROM COSObject WHERE _1 > '9'", &["10"]), "two strings compare as text");
        assert!(pass("SELECT * FROM COSObject WHERE _1 = 1.0", &["1"]));
        assert!(!pass("SELECT * FROM COSObject WHERE _1 > 1", &["abc"]), "a word and a number do not compare");
        assert!(!pass("SELECT * FROM COSObject WHERE NOT _1 > 1", &["abc"]), "unknown stays unknown under NOT");
        assert!(pass("SELECT * FROM COSObject WHERE _1 > 1 OR _2 = 'x'", &["abc", "x"]));
        assert!(!pass("SELECT * FROM COSObject WHERE _1 = 'a' AND _3 = 'z'", &["a"]), "missing column is NULL");
        assert!(pass("SELECT * FROM COSObject WHERE _3 IS NULL AND _1 IS NOT NULL", &["a"]));
        assert!(pass(
            "SELECT * FROM COSObject WHERE _1 <> 'b' AND _1 != 'c' AND _1 <= 'a' AND _1 >= 'a' AND _1 < 'b'",
            &["a"]
        ));
        assert!(pass("SELECT * FROM COSObject WHERE _1 LIKE 'a_c%' AND _1 NOT LIKE '%z'", &["abcdef"]));
        assert!(pass("SELECT * FROM COSObject WHERE _1 BETWEEN 1 AND 3 AND _1 IN (2, 5) AND _1 NOT IN (7)", &["2"]));
        assert!(pass("SELECT * FROM COSObject WHERE _1 NOT BETWEEN _9 AND 1", &["2"]), "2 <= 1 is false: known");
        assert!(!pass("SELECT * FROM COSObject WHERE _1 NOT BETWEEN _9 AND 3", &["2"]), "unknown stays unknown");
        assert!(!pass("SELECT * FROM COSObject WHERE _1 IN (_9, 5) OR _1 NOT IN (_9, 5)", &["2"]), "IN with a NULL");
        assert!(pass("SELECT * FROM COSObject WHERE CAST(_1 AS INT) = 3 AND CAST(_2 AS FLOAT) > 2.5", &["3", "2.75"]));
        assert!(pass(
            "SELECT * FROM COSObject WHERE LOWER(_1) = 'ab' AND UPPER(_1) = 'AB' AND CHAR_LENGTH(_1) = 2",
            &["aB"]
        ));
    }

    #[test]
    fn arithmetic_casts_and_their_errors() {
        assert_eq!(
            csv_eval("SELECT _1 + 1, _1 * 2.5, -_1, _1 || 'x', _1 % 2 FROM COSObject", &["3"], None),
            [Val::Int(4), Val::Float(7.5), Val::Int(-3), Val::Str("3x".into()), Val::Int(1)]
        );
        assert_eq!(
            csv_eval(
                "SELECT CAST(_1 AS STRING), CAST(_1 AS INT), CAST(_1 AS DECIMAL), CAST('true' AS BOOL) FROM COSObject",
                &["2.5"],
                None
            ),
            [Val::Str("2.5".into()), Val::Int(2), Val::Float(2.5), Val::Bool(true)]
        );
        let q = sql::parse("SELECT CAST(_1 AS INT) FROM COSObject").unwrap();
        let fields = vec!["x".to_string()];
        let rec = Rec::Csv { fields: &fields, names: None };
        let e = eval(&q.items.unwrap()[0].expr, &rec, &mut Env { aggs: None, next_agg: 0 }).unwrap_err();
        assert_eq!(e.code, "CastFailed");
        let q = sql::parse("SELECT _1 / 0 FROM COSObject").unwrap();
        assert_eq!(
            eval(&q.items.unwrap()[0].expr, &rec, &mut Env { aggs: None, next_agg: 0 }).unwrap_err().code,
            "InvalidDataType"
        );
    }

    #[test]
    fn like_patterns() {
        for (t, p, want) in [
            ("abc", "abc", true),
            ("abc", "a%", true),
            ("abc", "%c", true),
            ("abc", "_b_", true),
            ("abc", "a_", false),
            ("", "%", true),
            ("", "_", false),
            ("a%c", "a%c", true),
            ("中文", "_文", true),
        ] {
            assert_eq!(like(t, p), want, "{t} LIKE {p}");
        }
    }

    #[test]
    fn json_paths_and_from() {
        let doc = json::parse(r#"{"a":{"b":[10,{"c":"x"}]},"Name":"n","items":[{"v":1},{"v":2}]}"#).unwrap();
        let q = sql::parse("SELECT s.a.b[0], s.a.b[1].c, s.name, s.\"name\", s.nope.x FROM COSObject s").unwrap();
        let got: Vec<Val> = q
            .items
            .unwrap()
            .iter()
            .map(|i| eval(&i.expr, &Rec::Json(&doc), &mut Env { aggs: None, next_agg: 0 }).unwrap())
            .collect();
        assert_eq!(got, [Val::Int(10), Val::Str("x".into()), Val::Str("n".into()), Val::Null, Val::Null]);
        let mut out = Vec::new();
        from_path(&doc, &[Step::Key { name: "items".into(), quoted: false }, Step::Wildcard], &mut out);
        assert_eq!(out.len(), 2);
        let arr = json::parse("[1,2,3]").unwrap();
        let mut out = Vec::new();
        from_path(&arr, &[Step::Wildcard], &mut out);
        assert_eq!(out.len(), 3);
    }
}
