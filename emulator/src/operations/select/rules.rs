//! The rules checked once a query is parsed: the table alias (or `COSObject`) is dropped from the
//! head of every path, and aggregates may appear only in the select list, not nested, and not
//! beside bare columns (there is no GROUP BY).

use super::sql::{err, Expr, Query, Step};
use crate::error::CosError;

fn contains_agg(e: &Expr) -> bool {
    match e {
        Expr::Agg(..) => true,
        Expr::Lit(_) | Expr::Path(_) => false,
        Expr::Not(a) | Expr::Neg(a) | Expr::IsNull(a, _) | Expr::Cast(a, _) => contains_agg(a),
        Expr::Bin(_, a, b) | Expr::Like(a, b, _) => contains_agg(a) || contains_agg(b),
        Expr::Between(a, b, c, _) => contains_agg(a) || contains_agg(b) || contains_agg(c),
        Expr::In(a, l, _) => contains_agg(a) || l.iter().any(contains_agg),
        Expr::Func(_, args) => args.iter().any(contains_agg),
    }
}

/// True if `e` reads the record outside any aggregate.
fn bare_path(e: &Expr) -> bool {
    match e {
        Expr::Agg(..) | Expr::Lit(_) => false,
        Expr::Path(_) => true,
        Expr::Not(a) | Expr::Neg(a) | Expr::IsNull(a, _) | Expr::Cast(a, _) => bare_path(a),
        Expr::Bin(_, a, b) | Expr::Like(a, b, _) => bare_path(a) || bare_path(b),
        Expr::Between(a, b, c, _) => bare_path(a) || bare_path(b) || bare_path(c),
        Expr::In(a, l, _) => bare_path(a) || l.iter().any(bare_path),
        Expr::Func(_, args) => args.iter().any(bare_path),
    }
}

fn nested_agg(e: &Expr) -> bool {
    match e {
        Expr::Agg(_, Some(inner)) => contains_agg(inner),
        Expr::Agg(_, None) | Expr::Lit(_) | Expr::Path(_) => false,
        Expr::Not(a) | Expr::Neg(a) | Expr::IsNull(a, _) | Expr::Cast(a, _) => nested_agg(a),
        Expr::Bin(_, a, b) | Expr::Like(a, b, _) => nested_agg(a) || nested_agg(b),
        Expr::Between(a, b, c, _) => nested_agg(a) || nested_agg(b) || nested_agg(c),
        Expr::In(a, l, _) => nested_agg(a) || l.iter().any(nested_agg),
        Expr::Func(_, args) => args.iter().any(nested_agg),
    }
}

/// Drop the table alias (or `COSObject`) from the head of every path, and check the aggregate
/// rules: aggregates only in the select list, not nested, not mixed with bare columns.
pub fn resolve(q: &mut Query, alias: Option<&str>) -> Result<(), CosError> {
    fn strip(e: &mut Expr, alias: Option<&str>) {
        match e {
            Expr::Path(steps) => {
                if let Some(Step::Key { name, .. }) = steps.first() {
                    let is_alias = alias.is_some_and(|a| name.eq_ignore_ascii_case(a))
                        || (alias.is_none() && name.eq_ignore_ascii_case("COSObject"));
                    if is_alias {
                        steps.remove(0);
                    }
                }
            }
            Expr::Lit(_) => {}
            Expr::Not(a) | Expr::Neg(a) | Expr::IsNull(a, _) | Expr::Cast(a, _) => strip(a, alias),
            Expr::Agg(_, a) => {
                if let Some(a) = a {
                    strip(a, alias)
                }
            }
            Expr::Bin(_, a, b) | Expr::Like(a, b, _) => {
                strip(a, alias);
                strip(b, alias);
            }
            Expr::Between(a, b, c, _) => {
                strip(a, alias);
                strip(b, alias);
                strip(c, alias);
            }
            Expr::In(a, l, _) => {
                strip(a, alias);
                l.iter_mut().for_each(|x| strip(x, alias));
            }
            Expr::Func(_, args) => args.iter_mut().for_each(|x| strip(x, alias)),
        }
    }
    if let Some(f) = &mut q.filter {
        if contains_agg(f) {
            return Err(err("UnsupportedSqlOperation", "Aggregate functions are not allowed in WHERE."));
        }
        strip(f, alias);
    }
    if let Some(items) = &mut q.items {
        for item in items.iter_mut() {
            strip(&mut item.expr, alias);
            if nested_agg(&item.expr) {
                return Err(err("UnsupportedSqlStructure", "Aggregate functions cannot be nested."));
            }
        }
        q.aggregate = items.iter().any(|i| contains_agg(&i.expr));
        if q.aggregate && items.iter().any(|i| bare_path(&i.expr)) {
            return Err(err(
                "UnsupportedSqlStructure",
                "A select list with an aggregate function can only hold aggregates and literals (there is no GROUP BY).",
            ));
        }
    }
    Ok(())
}
