//! SelectObjectContent: `POST /<key>?select&select-type=2` with a `<SelectRequest>`. Everything
//! that can be refused up front (the document, the SQL, the object) is an ordinary XML error;
//! then the answer is 200 with an event stream (`eventstream.rs`): Records in chunks of at most
//! 64 KiB, Progress when asked for, Stats, End, or an error message where the data goes wrong.
//! The object is read and decompressed whole before the stream is built (the emulator's objects
//! are test data); the stream is sent chunked, one message per HTTP chunk, as COS sends it, and
//! every fault kind applies to it.

mod agg;
mod eval;
mod eventstream;
mod input;
mod lexer;
mod output;
mod request;
mod rules;
mod shape;
mod sql;

use crate::error::CosError;
use crate::http::body::BodyReader;
use crate::http::request::Request;
use crate::http::wire::{Body, Response};
use crate::operations::object::version_param;
use crate::operations::restore::{check_readable, now_ms};
use crate::operations::router::Ctx;
use crate::storage::ingest::{bad_digest, expected_md5};
use crate::storage::store::{disk_error, read_pieces};
use agg::Acc;
use eval::{Env, Rec, Val};
use eventstream as es;
use input::DataError;
use md5::{Digest as _, Md5};
use output::Row;
use request::{FileHeader, Input, SelectRequest};
use sql::{Expr, Query, Step};

/// The request document: an expression of up to 256 KiB plus the serialization settings.
const MAX_DOCUMENT: usize = 512 * 1024;
/// The most Records payload in one message.
pub const RECORDS_CHUNK: usize = 64 * 1024;
/// A Cont (keep-alive) message goes out after this many records read without a result record
/// or a message in between, as COS keeps a long scan that returns nothing alive.
pub const CONT_EVERY: u64 = 10_000;

pub fn select_object(ctx: &Ctx, req: &Request, body: &mut BodyReader) -> Result<Response, CosError> {
    match req.query_param("select-type") {
        Some("2") => {}
        other => {
            return Err(CosError::invalid_argument(format!(
                "select-type must be 2 (the version of this API), got {:?}.",
                other.unwrap_or("")
            )))
        }
    }
    let expected = expected_md5(req)?;
    let document = body.read_small(MAX_DOCUMENT)?;
    if expected.is_some_and(|md5| md5 != <[u8; 16]>::from(Md5::digest(&document))) {
        return Err(bad_digest());
    }
    let sel = request::parse(&document)?;
    on_big_stack(|| {
        let query = sql::parse(&sel.expression)?;
        shape::check(&query, &sel.input)?;
        let (obj, pieces) = ctx.store.open_version(&ctx.bucket, &ctx.key, version_param(req))?;
        check_readable(&obj.meta, now_ms(ctx))?;
        let raw = read_pieces(&pieces).map_err(disk_error)?;
        let mut resp = Response::new(200).header("Content-Type", "application/octet-stream");
        resp.body = Body::Chunked(answer(&sel, &query, raw));
        Ok(resp)
    })
}

/// The parser and the evaluator recurse once per level of the expression (up to
/// `sql::MAX_DEPTH`), more than a connection thread's 2 MiB stack holds in a debug build: they
/// run on a thread of their own with room to spare (address space; pages are touched as used).
fn on_big_stack<T: Send>(f: impl FnOnce() -> Result<T, CosError> + Send) -> Result<T, CosError> {
    const STACK: usize = 64 << 20;
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new().name("cos-select".into()).stack_size(STACK).spawn_scoped(scope, f);
        match worker {
            Ok(handle) => handle.join().unwrap_or_else(|_| Err(CosError::internal("the select worker panicked"))),
            Err(e) => Err(CosError::internal(format!("cannot start the select worker: {e}"))),
        }
    })
}

/// The event stream being built.
struct Stream {
    /// The messages so far, each one HTTP chunk.
    out: Vec<Vec<u8>>,
    pending: Vec<u8>,
    scanned: u64,
    processed: u64,
    returned: u64,
    progress: bool,
    /// Records read since the last result record or message.
    idle: u64,
}

impl Stream {
    fn record(&mut self, bytes: &[u8]) -> Result<(), DataError> {
        if bytes.len() > input::MAX_RECORD {
            return Err(DataError::new(
                "OverMaxRecordSize",
                format!("A result record is longer than {} bytes.", input::MAX_RECORD),
            ));
        }
        self.pending.extend_from_slice(bytes);
        self.returned += bytes.len() as u64;
        self.idle = 0;
        while self.pending.len() >= RECORDS_CHUNK {
            let rest = self.pending.split_off(RECORDS_CHUNK);
            let chunk = std::mem::replace(&mut self.pending, rest);
            self.emit(&chunk);
        }
        Ok(())
    }

    /// One more input record read.
    fn tick(&mut self) {
        self.idle += 1;
        if self.idle >= CONT_EVERY {
            self.out.push(es::event(es::CONT, b""));
            self.idle = 0;
        }
    }

    fn emit(&mut self, chunk: &[u8]) {
        self.idle = 0;
        self.out.push(es::event(es::RECORDS, chunk));
        if self.progress {
            let returned = self.returned - self.pending.len() as u64;
            let doc = es::counters("Progress", self.scanned, self.processed, returned);
            self.out.push(es::event(es::PROGRESS, &doc));
        }
    }

    fn flush(&mut self) {
        if !self.pending.is_empty() {
            let chunk = std::mem::take(&mut self.pending);
            self.emit(&chunk);
        }
    }

    fn finish(mut self, result: Result<(), DataError>) -> Vec<Vec<u8>> {
        self.flush();
        match result {
            Ok(()) => {
                let stats = es::counters("Stats", self.scanned, self.processed, self.returned);
                self.out.push(es::event(es::STATS, &stats));
                self.out.push(es::event(es::END, b""));
            }
            Err(e) => self.out.push(es::error(e.code, &e.message)),
        }
        self.out
    }
}

/// The answer's messages for the object's stored bytes `raw`.
fn answer(sel: &SelectRequest, q: &Query, raw: Vec<u8>) -> Vec<Vec<u8>> {
    let mut s = Stream {
        out: Vec::new(),
        pending: Vec::new(),
        scanned: raw.len() as u64,
        processed: 0,
        returned: 0,
        progress: sel.progress,
        idle: 0,
    };
    let result = input::decompress(raw, sel.compression).and_then(|data| {
        s.processed = data.len() as u64;
        run(sel, q, &data, &mut s)
    });
    s.finish(result)
}

/// Where the evaluation stands: the rows written so far, or the aggregates' states.
struct Run<'q> {
    q: &'q Query,
    written: u64,
    accs: Vec<Acc>,
}

impl Run<'_> {
    fn done(&self) -> bool {
        !self.q.aggregate && self.q.limit.is_some_and(|l| self.written >= l)
    }

    fn feed(
        &mut self,
        rec: &Rec,
        row_whole: impl FnOnce() -> Row,
        sel: &SelectRequest,
        s: &mut Stream,
    ) -> Result<(), DataError> {
        s.tick();
        if self.done() || !eval::matches(self.q, rec)? {
            return Ok(());
        }
        if self.q.aggregate {
            return self.accs.iter_mut().try_for_each(|a| a.add(rec));
        }
        let row = match &self.q.items {
            None => row_whole(),
            Some(items) => project(items, rec, None)?,
        };
        self.written += 1;
        s.record(&output::record(&sel.output, &row))
    }

    fn end(&mut self, sel: &SelectRequest, s: &mut Stream) -> Result<(), DataError> {
        if !self.q.aggregate || self.q.limit == Some(0) {
            return Ok(());
        }
        let values: Vec<Val> = self.accs.iter().map(Acc::result).collect();
        let items = self.q.items.as_deref().unwrap_or(&[]);
        let fields: Vec<String> = Vec::new();
        let row = project(items, &Rec::Csv { fields: &fields, names: None }, Some(&values))?;
        s.record(&output::record(&sel.output, &row))
    }
}

/// The output name of a select item: its alias, else the last name of a path, else `_N`.
fn item_name(item: &sql::Item, index: usize) -> String {
    if let Some(a) = &item.alias {
        return a.clone();
    }
    match &item.expr {
        Expr::Path(steps) => match steps.last() {
            Some(Step::Key { name, .. }) => name.clone(),
            _ => format!("_{}", index + 1),
        },
        _ => format!("_{}", index + 1),
    }
}

fn project(items: &[sql::Item], rec: &Rec, aggs: Option<&[Val]>) -> Result<Row, DataError> {
    let mut env = Env { aggs, next_agg: 0 };
    let mut fields = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        fields.push((item_name(item, i), eval::eval(&item.expr, rec, &mut env)?));
    }
    Ok(Row::Fields(fields))
}

fn run(sel: &SelectRequest, q: &Query, data: &[u8], s: &mut Stream) -> Result<(), DataError> {
    let mut agg_list = Vec::new();
    for item in q.items.iter().flatten() {
        agg::aggregates(&item.expr, &mut agg_list);
    }
    let mut r = Run { q, written: 0, accs: agg_list.into_iter().map(|(k, a)| Acc::new(k, a)).collect() };
    match &sel.input {
        Input::Csv(o) => {
            let mut records = input::Csv::new(data, o);
            let names = match o.header {
                FileHeader::None => None,
                FileHeader::Use => records.next().transpose()?,
                FileHeader::Ignore => {
                    records.next().transpose()?;
                    None
                }
            };
            for fields in records {
                let fields = fields?;
                let rec = Rec::Csv { fields: &fields, names: names.as_deref() };
                let whole = || {
                    Row::Fields(
                        fields
                            .iter()
                            .enumerate()
                            .map(|(i, f)| {
                                let name = names.as_ref().and_then(|n| n.get(i)).cloned();
                                (name.unwrap_or_else(|| format!("_{}", i + 1)), Val::Str(f.clone()))
                            })
                            .collect(),
                    )
                };
                r.feed(&rec, whole, sel, s)?;
                if r.done() {
                    break;
                }
            }
        }
        Input::Json(kind) => {
            let text = std::str::from_utf8(data)
                .map_err(|_| DataError::new("InvalidTextEncoding", "The object is not UTF-8 text."))?;
            'docs: for doc in input::json_records(text, *kind) {
                let doc = doc?;
                let mut recs = Vec::new();
                shape::from_path(&doc, &q.from, &mut recs);
                for v in recs {
                    r.feed(&Rec::Json(v), || Row::Whole(v.clone()), sel, s)?;
                    if r.done() {
                        break 'docs;
                    }
                }
            }
        }
    }
    r.end(sel, s)
}

#[cfg(test)]
mod tests;
