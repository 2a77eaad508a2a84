//! Aggregates (COUNT, SUM, MIN, MAX, AVG): each one's running state over the records that pass
//! WHERE, and the order they are found in, which is the order `eval` meets them in at the end.

use super::eval::{bad_type, compare, eval, num, Env, Num, Rec, Val};
use super::input::DataError;
use super::sql::{Agg, Expr};
use std::cmp::Ordering;

/// The aggregates of a select list, in evaluation order.
pub fn aggregates(e: &Expr, out: &mut Vec<(Agg, Option<Expr>)>) {
    match e {
        Expr::Agg(kind, arg) => out.push((*kind, arg.as_deref().cloned())),
        Expr::Lit(_) | Expr::Path(_) => {}
        Expr::Not(a) | Expr::Neg(a) | Expr::IsNull(a, _) | Expr::Cast(a, _) => aggregates(a, out),
        Expr::Bin(_, a, b) | Expr::Like(a, b, _) => {
            aggregates(a, out);
            aggregates(b, out);
        }
        Expr::Between(a, b, c, _) => {
            aggregates(a, out);
            aggregates(b, out);
            aggregates(c, out);
        }
        Expr::In(a, l, _) => {
            aggregates(a, out);
            l.iter().for_each(|x| aggregates(x, out));
        }
        Expr::Func(_, args) => args.iter().for_each(|x| aggregates(x, out)),
    }
}

/// One aggregate's running state.
pub struct Acc {
    kind: Agg,
    arg: Option<Expr>,
    count: u64,
    sum: Option<Num>,
    best: Option<Val>,
}

impl Acc {
    pub fn new(kind: Agg, arg: Option<Expr>) -> Acc {
        Acc { kind, arg, count: 0, sum: None, best: None }
    }

    pub fn add(&mut self, rec: &Rec) -> Result<(), DataError> {
        let Some(arg) = &self.arg else {
            self.count += 1;
            return Ok(());
        };
        let v = eval(arg, rec, &mut Env { aggs: None, next_agg: 0 })?;
        if matches!(v, Val::Null) {
            return Ok(());
        }
        self.count += 1;
        match self.kind {
            Agg::Count => {}
            Agg::Sum | Agg::Avg => {
                let n = num(&v).ok_or_else(|| bad_type("SUM and AVG", &v))?;
                self.sum = Some(match (self.sum, n) {
                    (None, n) => n,
                    (Some(Num::I(a)), Num::I(b)) => match a.checked_add(b) {
                        Some(s) => Num::I(s),
                        None => Num::F(a as f64 + b as f64),
                    },
                    (Some(a), b) => Num::F(a.f() + b.f()),
                });
            }
            Agg::Min | Agg::Max => {
                let want = if self.kind == Agg::Min { Ordering::Less } else { Ordering::Greater };
                let v = num(&v).map_or(v, Num::val);
                if self.best.as_ref().is_none_or(|b| compare(&v, b) == Some(want)) {
                    self.best = Some(v);
                }
            }
        }
        Ok(())
    }

    pub fn result(&self) -> Val {
        match self.kind {
            Agg::Count => Val::Int(self.count as i64),
            Agg::Sum => self.sum.map_or(Val::Null, Num::val),
            Agg::Avg => self.sum.map_or(Val::Null, |s| Val::Float(s.f() / self.count as f64)),
            Agg::Min | Agg::Max => self.best.clone().unwrap_or(Val::Null),
        }
    }
}
