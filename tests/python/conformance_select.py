"""Peer conformance of SELECT object content: the official COS Python SDK (cos-python-sdk-v5) sends
`select_object_content` to the emulator and reads the event stream with its own EventStream; every byte the SDK
reads is also decoded here with both CRC-32s of every message checked (the SDK reads the CRCs but does not check
them), so a framing mistake fails even where the SDK would not notice.

Usage: conformance_select.py --port PORT [--secret-id ID --secret-key KEY]
       (SELECT_DIFF_SEED=N picks another seed for the sqlite3 differential check)

Covered: CSV and JSON (DOCUMENT, LINES) input, compression NONE / GZIP / BZIP2, CSV and JSON output with their
options, projection by name and position, WHERE with AND / OR / comparisons / LIKE / CAST, LIMIT, COUNT(*) and
the other aggregates (and 250 random WHERE clauses and aggregates checked against sqlite3), FROM COSObject[*], several Records messages for a big result, Progress when asked for,
Stats and End, versionId, errors before the stream (XML, with COS's codes) and in it (an error event, which the SDK
raises as CosServiceError), archived and missing objects, and the fault kinds on a select answer (corrupt-body is
caught by the CRC-32s, short-body / reset-body cut the stream, stall delays it).

One line per check ("ok" / "FAIL"), then a summary line `conformance: N passed, M failed`; the exit status is 1
when any check failed.
"""

import argparse
import bz2
import csv
import gzip
import io
import json
import os
import random
import sqlite3
import struct
import sys
import traceback
import urllib.request
import zlib

from qcloud_cos import CosConfig, CosS3Client, CosServiceError
from qcloud_cos.cos_auth import CosS3Auth
from qcloud_cos.select_event_stream import EventStream

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The shared checks, and the environment conformance.py sets up on import (no proxies, SDK logging quiet).
from conformance import APPID, REGION, Failed, eq, expect, service_error  # noqa: E402

CSV_DATA = b"name,age,city\nann,30,Paris\nbob,25,\"Rome, IT\"\ncy,41,Oslo\ndee,35,Lima\n"
PEOPLE = [{"name": "ann", "age": 30, "tags": ["a"]}, {"name": "bob", "age": 25, "tags": []},
          {"name": "cy", "age": 41, "tags": ["c", "d"]}]
CHUNK = 64 * 1024


def describe(e):
    if isinstance(e, Failed):
        return str(e)
    here = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == __file__]
    where = " at line %d (%s)" % (here[-1].lineno, here[-1].line) if here else ""
    if isinstance(e, CosServiceError):
        return "unexpected CosServiceError %s %s%s: %s" % (e.get_status_code(), e.get_error_code(), where,
                                                           e.get_origin_msg() or e.get_digest_msg())
    return "%s: %s%s" % (type(e).__name__, e, where)


class Tee:
    """Stands in for the response's raw stream: what the SDK reads is kept for the CRC check."""

    def __init__(self, raw):
        self.raw = raw
        self.seen = bytearray()

    def read(self, n=None):
        data = self.raw.read(n) if n is not None else self.raw.read()
        self.seen.extend(data)
        return data


def decode_frames(data):
    """The messages of an event stream as (headers, payload), checking the prelude and message CRC-32s."""
    out, i = [], 0
    while i < len(data):
        expect(len(data) - i >= 12, "truncated prelude at byte %d" % i)
        total, hlen, pcrc = struct.unpack(">III", data[i:i + 12])
        eq(zlib.crc32(data[i:i + 8]), pcrc, "prelude CRC-32 of the message at byte %d" % i)
        expect(len(data) - i >= total, "truncated message at byte %d" % i)
        eq(zlib.crc32(data[i:i + total - 4]), struct.unpack(">I", data[i + total - 4:i + total])[0],
           "message CRC-32 of the message at byte %d" % i)
        h, j, headers = data[i + 12:i + 12 + hlen], 0, {}
        while j < len(h):
            n = h[j]
            name = h[j + 1:j + 1 + n].decode()
            eq(h[j + 1 + n], 7, "header value type (string)")
            vlen = struct.unpack(">H", h[j + 2 + n:j + 4 + n])[0]
            headers[name] = h[j + 4 + n:j + 4 + n + vlen].decode()
            j += 4 + n + vlen
        out.append((headers, bytes(data[i + 12 + hlen:i + total - 4])))
        i += total
    return out


def csv_in(**kw):
    return {"CompressionType": kw.pop("compression", "NONE"), "CSV": kw}


def json_in(kind, compression="NONE"):
    return {"CompressionType": compression, "JSON": {"Type": kind}}


CSV_OUT = {"CSV": {}}
JSON_OUT = {"JSON": {"RecordDelimiter": "\n"}}


class Select:
    def __init__(self, args):
        conf = CosConfig(Region=REGION, SecretId=args.secret_id, SecretKey=args.secret_key, Scheme="http",
                         Timeout=20, IP="127.0.0.1", Port=args.port)
        self.client = CosS3Client(conf, retry=0)
        self.bucket = "pyselect-%s" % APPID
        self.port = args.port
        self.passed = 0
        self.failed = 0

    def run(self, name, fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - every failure is reported, the run goes on
            self.failed += 1
            print("FAIL %s: %s" % (name, describe(e).replace("\n", "\n     ")), flush=True)
        else:
            self.passed += 1
            print("ok   %s" % name, flush=True)

    def put(self, key, data, **kw):
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, **kw)

    def events(self, stream):
        """Every event the SDK's EventStream yields, then the CRC check of the bytes it read."""
        self.last_headers = stream._rt.headers
        tee = Tee(stream._raw)
        stream._raw = tee
        events = list(stream)
        frames = decode_frames(bytes(tee.seen))
        eq(len(frames), len(events), "messages decoded here vs events the SDK returned")
        return events, frames

    def select(self, key, sql, input_ser, output_ser=None, progress=None):
        """(records as bytes, event names, frames) of a select the SDK sends."""
        kw = {"RequestProgress": {"Enabled": progress}} if progress else {}
        resp = self.client.select_object_content(Bucket=self.bucket, Key=key, Expression=sql, ExpressionType="SQL",
                                                 InputSerialization=input_ser,
                                                 OutputSerialization=output_ser or CSV_OUT, **kw)
        events, frames = self.events(resp["Payload"])
        records = b"".join(e["Records"]["Payload"] for e in events if "Records" in e)
        names = [next(iter(e)) for e in events]
        return records, names, frames, events

    def records(self, key, sql, input_ser, output_ser=None):
        records, names, _, _ = self.select(key, sql, input_ser, output_ser)
        eq(names[-2:], ["Stats", "End"], "the stream ends with Stats, End")
        return records.decode()

    # ------------------------------------------------------------------------------------------ checks

    def setup(self):
        self.client.create_bucket(Bucket=self.bucket)
        self.put("people.csv", CSV_DATA)
        self.put("people.json", "\n".join(json.dumps(p) for p in PEOPLE).encode())
        self.put("people-array.json", json.dumps(PEOPLE).encode())

    def csv_star(self):
        records, names, frames, events = self.select("people.csv", "SELECT * FROM COSObject", csv_in())
        eq(records, CSV_DATA, "SELECT * of CSV to CSV gives the object back")
        eq(names, ["Records", "Stats", "End"], "events")
        stats = events[1]["Stats"]["Details"]
        eq(stats.get("BytesScanned"), str(len(CSV_DATA)), "Stats BytesScanned (%r)" % stats)
        eq(stats.get("BytesProcessed"), str(len(CSV_DATA)), "Stats BytesProcessed")
        eq(stats.get("BytesReturned"), str(len(records)), "Stats BytesReturned")
        eq(frames[0][0].get(":content-type"), "application/octet-stream", "Records :content-type")
        eq(frames[1][0].get(":content-type"), "text/xml", "Stats :content-type")
        eq(frames[0][0].get(":message-type"), "event", ":message-type")
        eq(self.last_headers.get("Transfer-Encoding"), "chunked", "the stream is sent chunked, as COS sends it")
        expect("Content-Length" not in self.last_headers, "a chunked answer has no Content-Length")

    def projection(self):
        use = csv_in(FileHeaderInfo="USE")
        eq(self.records("people.csv", "SELECT s.name, s.city FROM COSObject s", use),
           'ann,Paris\nbob,"Rome, IT"\ncy,Oslo\ndee,Lima\n', "columns by name (quoted on output as needed)")
        eq(self.records("people.csv", "SELECT _3, _1 FROM COSObject", csv_in(FileHeaderInfo="IGNORE")),
           'Paris,ann\n"Rome, IT",bob\nOslo,cy\nLima,dee\n', "columns by position, header ignored")
        eq(self.records("people.csv", "SELECT s._2 FROM COSObject s LIMIT 2", csv_in()),
           "age\n30\n", "header NONE: the first line is data")
        eq(self.records("people.csv", 'SELECT "name", AGE FROM COSObject', use),
           "ann,30\nbob,25\ncy,41\ndee,35\n", "quoted name, bare name in any case")

    def where(self):
        use = csv_in(FileHeaderInfo="USE")
        eq(self.records("people.csv", "SELECT name FROM COSObject WHERE CAST(age AS INT) > 30", use),
           "cy\ndee\n", "CAST and >")
        eq(self.records("people.csv", "SELECT name FROM COSObject s WHERE s.age >= 30 AND s.city <> 'Oslo'", use),
           "ann\ndee\n", "AND, a number against a CSV string compares numerically")
        eq(self.records("people.csv", "SELECT name FROM COSObject WHERE name = 'bob' OR city LIKE 'L%'", use),
           "bob\ndee\n", "OR and LIKE")
        eq(self.records("people.csv", "SELECT name FROM COSObject WHERE NOT (age < 35 OR name IN ('cy'))", use),
           "dee\n", "NOT, parentheses, IN")
        eq(self.records("people.csv", "SELECT name FROM COSObject WHERE age BETWEEN 26 AND 36 LIMIT 1", use),
           "ann\n", "BETWEEN and LIMIT")

    def aggregates(self):
        use = csv_in(FileHeaderInfo="USE")
        eq(self.records("people.csv", "SELECT COUNT(*) FROM COSObject", use), "4\n", "COUNT(*)")
        eq(self.records("people.csv", "SELECT COUNT(*) FROM COSObject WHERE age > 30", use), "2\n", "COUNT(*) WHERE")
        eq(self.records("people.csv", "SELECT SUM(CAST(age AS INT)), MIN(age), MAX(age), AVG(age) FROM COSObject",
                        use, JSON_OUT),
           '{"_1":131,"_2":25,"_3":41,"_4":32.75}\n', "SUM, MIN, MAX, AVG to JSON")
        eq(self.records("people.json", "SELECT COUNT(*) AS n FROM COSObject s WHERE s.age < 40",
                        json_in("LINES"), JSON_OUT), '{"n":2}\n', "COUNT(*) of JSON lines, with an alias")

    def json_input(self):
        eq(self.records("people.json", "SELECT s.name, s.tags[0] AS first FROM COSObject s WHERE s.age > 26",
                        json_in("LINES"), JSON_OUT),
           '{"name":"ann","first":"a"}\n{"name":"cy","first":"c"}\n', "JSON LINES: paths, index, JSON output")
        eq(self.records("people-array.json", "SELECT * FROM COSObject[*] s WHERE s.name = 'bob'",
                        json_in("DOCUMENT"), JSON_OUT),
           '{"name":"bob","age":25,"tags":[]}\n', "JSON DOCUMENT with COSObject[*]: the record whole")
        eq(self.records("people-array.json", "SELECT s.name, s.age FROM COSObject[*] s", json_in("DOCUMENT")),
           "ann,30\nbob,25\ncy,41\n", "JSON to CSV")

    def compression(self):
        self.put("people.csv.gz", gzip.compress(CSV_DATA))
        self.put("people.csv.bz2", bz2.compress(CSV_DATA))
        self.put("people.json.gz", gzip.compress(b"\n".join(json.dumps(p).encode() for p in PEOPLE)))
        sql = "SELECT name FROM COSObject WHERE age > 30"
        eq(self.records("people.csv.gz", sql, csv_in(FileHeaderInfo="USE", compression="GZIP")), "cy\ndee\n", "GZIP")
        records, _, _, events = self.select("people.csv.bz2", sql, csv_in(FileHeaderInfo="USE", compression="BZIP2"))
        eq(records, b"cy\ndee\n", "BZIP2")
        stats = events[-2]["Stats"]["Details"]
        eq(stats.get("BytesScanned"), str(len(bz2.compress(CSV_DATA))), "BytesScanned counts stored bytes")
        eq(stats.get("BytesProcessed"), str(len(CSV_DATA)), "BytesProcessed counts decompressed bytes")
        eq(self.records("people.json.gz", "SELECT COUNT(*) FROM COSObject", json_in("LINES", "GZIP")), "3\n",
           "GZIP JSON")
        e = self.stream_error("people.csv", sql, csv_in(FileHeaderInfo="USE", compression="GZIP"))
        eq(e.get_error_code(), "InvalidCompressionFormat", "plain text read as GZIP")

    def csv_options(self):
        self.put("odd.csv", b"# a comment\r\nid|note\r\n1|'it''s'\r\n2|'two\r\nlines'\r\n")
        opts = {"FileHeaderInfo": "USE", "RecordDelimiter": "\\r\\n", "FieldDelimiter": "|", "QuoteCharacter": "'",
                "QuoteEscapeCharacter": "'", "Comments": "#", "AllowQuotedRecordDelimiter": "TRUE"}
        out = {"CSV": {"QuoteFields": "ALWAYS", "FieldDelimiter": ";", "RecordDelimiter": "\n"}}
        eq(self.records("odd.csv", "SELECT id, note FROM COSObject", csv_in(**opts), out),
           '"1";"it\'s"\n"2";"two\r\nlines"\n', "delimiters, quote, comments, quoted record delimiter, ALWAYS")
        opts["AllowQuotedRecordDelimiter"] = "FALSE"
        e = self.stream_error("odd.csv", "SELECT id FROM COSObject", csv_in(**opts))
        eq(e.get_error_code(), "CSVUnescapedQuote", "a quoted record delimiter without AllowQuotedRecordDelimiter")

    def big_result(self):
        row = b"0123456789,abcdefghij,0123456789,abcdefghij,0123456789,abcdefghij\n"
        data = row * 4000
        self.put("big.csv", data)
        records, names, frames, events = self.select("big.csv", "SELECT * FROM COSObject", csv_in(), progress="TRUE")
        eq(records, data, "a big result reassembled")
        chunks = [f for f in frames if f[0].get(":event-type") == "Records"]
        eq(len(chunks), -(-len(data) // CHUNK), "Records messages of at most 64 KiB")
        expect(all(len(f[1]) <= CHUNK for f in chunks), "a Records payload over 64 KiB")
        expect("Progress" in names, "Progress events when RequestProgress is enabled: %r" % names[:5])
        progress = [e["Progress"]["Details"] for e in events if "Progress" in e]
        eq(progress[0].get("BytesScanned"), str(len(data)), "Progress BytesScanned")
        eq(names[-2:], ["Stats", "End"], "the stream ends with Stats, End")
        _, names, _, _ = self.select("big.csv", "SELECT * FROM COSObject LIMIT 1", csv_in(), progress="FALSE")
        eq(names, ["Records", "Stats", "End"], "no Progress unless asked for")

    def stream_error(self, key, sql, input_ser, output_ser=None):
        """The CosServiceError the SDK raises on an error event (after a 200)."""
        resp = self.client.select_object_content(Bucket=self.bucket, Key=key, Expression=sql, ExpressionType="SQL",
                                                 InputSerialization=input_ser,
                                                 OutputSerialization=output_ser or CSV_OUT)
        stream = resp["Payload"]
        tee = Tee(stream._raw)
        stream._raw = tee
        got = []
        try:
            for event in stream:
                got.append(event)
        except CosServiceError as e:
            eq(e.get_status_code(), 200, "an error event comes after the 200")
            frames = decode_frames(bytes(tee.seen))
            eq(frames[-1][0].get(":message-type"), "error", "the last message is an error message")
            self.errored_after = got
            return e
        raise Failed("no error event; events: %r" % [next(iter(e)) for e in got])

    def errors_in_the_stream(self):
        self.put("mixed.csv", b"1\n2\nthree\n4\n")
        e = self.stream_error("mixed.csv", "SELECT CAST(_1 AS INT) FROM COSObject", csv_in())
        eq(e.get_error_code(), "CastFailed", "a CAST that fails while streaming")
        expect(e.get_error_msg(), "the error event has a message")
        records = b"".join(ev["Records"]["Payload"] for ev in self.errored_after if "Records" in ev)
        eq(records, b"1\n2\n", "the records before the bad row")
        self.put("bad.json", b'{"a":1}\n{"a":\n')
        e = self.stream_error("bad.json", "SELECT * FROM COSObject", json_in("LINES"))
        eq(e.get_error_code(), "JSONParsingError", "malformed JSON")

    def refused_sql(self):
        cases = [
            ("SELECT * FROM COSObject WHERE", "ParseExpectedExpression"),
            ("SELECT name FROM COSObject WHERE age = = 1", "ParseUnexpectedToken"),
            ("SELECT *", "ParseSelectMissingFrom"),
            ("SELECT name FROM COSObject ORDER BY name", "UnsupportedSqlOperation"),
            ("SELECT name, COUNT(*) FROM COSObject", "UnsupportedSqlStructure"),
            ("SELECT _0 FROM COSObject", "InvalidColumnIndex"),
            ("SELECT s.a.b FROM COSObject s", "InvalidKeyPath"),
            ("SELECT s.1 FROM COSObject s", "ParseInvalidPathComponent"),
            ("SELECT nosuch(name) FROM COSObject", "UnsupportedFunction"),
            ("SELECT * FROM elsewhere", "InvalidDataSource"),
            ("SELECT 'open FROM COSObject", "LexerInvalidLiteral"),
            ("SELECT * FROM COSObject LIMIT x", "ParseExpectedNumber"),
        ]
        for sql, code in cases:
            service_error(lambda: self.select("people.csv", sql, csv_in(FileHeaderInfo="USE")), 400, code)

    def refused_requests(self):
        service_error(lambda: self.select("people.csv", "SELECT * FROM COSObject", csv_in(compression="ZIP")), 400,
                      "InvalidCompressionFormat")
        service_error(lambda: self.select("people.csv", "SELECT * FROM COSObject", csv_in(FileHeaderInfo="FIRST")),
                      400, "InvalidFileHeaderInfo")
        service_error(lambda: self.select("people.json", "SELECT * FROM COSObject", json_in("ARRAY")), 400,
                      "InvalidJsonType")
        service_error(lambda: self.select("people.csv", "SELECT * FROM COSObject", csv_in(),
                                          {"CSV": {"QuoteFields": "NEVER"}}), 400, "InvalidQuoteFields")
        service_error(lambda: self.client.select_object_content(
            Bucket=self.bucket, Key="people.csv", Expression="SELECT * FROM COSObject", ExpressionType="XPATH",
            InputSerialization=csv_in(), OutputSerialization=CSV_OUT), 400, "InvalidExpressionType")
        service_error(lambda: self.select("people.csv", "x" * (256 * 1024 + 1), csv_in()), 400, "ExpressionTooLong")
        service_error(lambda: self.select("nobody.csv", "SELECT * FROM COSObject", csv_in()), 404, "NoSuchKey")
        self.put("cold.csv", CSV_DATA, StorageClass="ARCHIVE")
        service_error(lambda: self.select("cold.csv", "SELECT * FROM COSObject", csv_in()), 403,
                      "InvalidObjectState")
        service_error(lambda: self.raw_select("people.csv", {"select": "", "select-type": "1"}, b"<SelectRequest/>"),
                      400, "InvalidArgument")
        service_error(lambda: self.raw_select("people.csv", {"select": "", "select-type": "2"}, b"<SelectRequest>"),
                      400, "MalformedXML")

    def raw_select(self, key, params, body):
        """POST ?select as the SDK's typed call would not send it (another select-type, a versionId)."""
        url = self.client._conf.uri(bucket=self.bucket, path=key)
        rt = self.client.send_request(method="POST", url=url, bucket=self.bucket, data=body, params=params,
                                      headers={}, stream=True, auth=CosS3Auth(self.client._conf, key, params=params))
        return EventStream(rt)

    def version_id(self):
        self.client.put_bucket_versioning(Bucket=self.bucket, Status="Enabled")
        first = self.client.put_object(Bucket=self.bucket, Key="v.csv", Body=b"old\n")["x-cos-version-id"]
        self.put("v.csv", b"new\n")
        body = (b"<SelectRequest><Expression>SELECT * FROM COSObject</Expression><ExpressionType>SQL</ExpressionType>"
                b"<InputSerialization><CSV/></InputSerialization><OutputSerialization><CSV/></OutputSerialization>"
                b"</SelectRequest>")
        for version, want in ((first, b"old\n"), (None, b"new\n")):
            params = {"select": "", "select-type": "2"}
            if version:
                params["versionId"] = version
            events, _ = self.events(self.raw_select("v.csv", params, body))
            eq(b"".join(e["Records"]["Payload"] for e in events if "Records" in e), want, "select of %s" % version)

    def sdk_helpers(self):
        resp = self.client.select_object_content(Bucket=self.bucket, Key="people.csv",
                                                 Expression="SELECT * FROM COSObject", ExpressionType="SQL",
                                                 InputSerialization=csv_in(), OutputSerialization=CSV_OUT)
        eq(resp["Payload"].get_select_result(), CSV_DATA, "EventStream.get_select_result")
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "conformance-select-%d.csv" % os.getpid())
        try:
            resp = self.client.select_object_content(Bucket=self.bucket, Key="people.csv",
                                                     Expression="SELECT name FROM COSObject WHERE age > 30",
                                                     ExpressionType="SQL",
                                                     InputSerialization=csv_in(FileHeaderInfo="USE"),
                                                     OutputSerialization=CSV_OUT)
            resp["Payload"].get_select_result_to_file(path)
            with open(path, "rb") as f:
                eq(f.read(), b"cy\ndee\n", "EventStream.get_select_result_to_file")
        finally:
            if os.path.exists(path):
                os.remove(path)

    def differential(self):
        """Random WHERE clauses and aggregates on a table of small integers (CSV, then JSON with nulls), answered by
        the emulator and by sqlite3 (standard SQL: three-valued logic, integer arithmetic truncating toward zero):
        the same rows."""
        rng = random.Random(int(os.environ.get("SELECT_DIFF_SEED", "20261202")))
        rows = [[rng.randint(-5, 5) for _ in range(3)] for _ in range(40)]
        self.put("ints.csv", "".join("%d,%d,%d\n" % tuple(r) for r in rows).encode())
        db = sqlite3.connect(":memory:")
        db.execute("CREATE TABLE t (a INTEGER, b INTEGER, c INTEGER)")
        db.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
        cols = [("CAST(_1 AS INT)", "a"), ("CAST(s._2 AS INT)", "b"), ("CAST(_3 AS INT)", "c")]

        def value(depth):
            r = rng.random()
            if depth == 0 or r < 0.35:
                if rng.random() < 0.6:
                    return rng.choice(cols)
                n = str(rng.randint(-6, 6))
                return n, n
            (x, y), (u, v) = value(depth - 1), value(depth - 1)
            op = rng.choice(["+", "-", "*"])
            if rng.random() < 0.2:
                d, op = str(rng.choice([-3, -2, 2, 3])), rng.choice(["/", "%"])
                return "(%s %s %s)" % (x, op, d), "(%s %s %s)" % (y, op, d)
            return "(%s %s %s)" % (x, op, u), "(%s %s %s)" % (y, op, v)

        def cond(depth):
            r = rng.random()
            if depth == 0 or r < 0.3:
                (x, y), (u, v) = value(2), value(2)
                kind = rng.random()
                if kind < 0.6:
                    op = rng.choice(["=", "<>", "!=", "<", "<=", ">", ">="])
                    return "%s %s %s" % (x, op, u), "%s %s %s" % (y, op if op != "!=" else "<>", v)
                if kind < 0.8:
                    (p, q) = value(1)
                    neg = rng.choice(["", "NOT "])
                    return "%s %sBETWEEN %s AND %s" % (x, neg, u, p), "%s %sBETWEEN %s AND %s" % (y, neg, v, q)
                items = [str(rng.randint(-5, 5)) for _ in range(rng.randint(1, 4))]
                neg = rng.choice(["", "NOT "])
                return "%s %sIN (%s)" % (x, neg, ", ".join(items)), "%s %sIN (%s)" % (y, neg, ", ".join(items))
            if r < 0.45:
                x, y = cond(depth - 1)
                return "NOT (%s)" % x, "NOT (%s)" % y
            (x, y), (u, v) = cond(depth - 1), cond(depth - 1)
            op = rng.choice(["AND", "OR"])
            return "(%s %s %s)" % (x, op, u), "(%s %s %s)" % (y, op, v)

        for case in range(120):
            ours, theirs = cond(3)
            got = self.records("ints.csv", "SELECT _1, _2, _3 FROM COSObject s WHERE %s" % ours, csv_in())
            want = "".join("%d,%d,%d\n" % r for r in db.execute("SELECT a, b, c FROM t WHERE %s" % theirs))
            eq(got, want, "case %d: WHERE %s" % (case, ours))
        for case in range(50):
            ours, theirs = cond(2)
            (x, y) = value(1)
            agg = rng.choice(["COUNT", "SUM", "MIN", "MAX"])
            got = self.records("ints.csv", "SELECT COUNT(*), %s(%s) FROM COSObject s WHERE %s" % (agg, x, ours),
                               csv_in())
            n, v = db.execute("SELECT COUNT(*), %s(%s) FROM t WHERE %s" % (agg, y, theirs)).fetchone()
            eq(got, "%d,%s\n" % (n, "" if v is None else v), "aggregate case %d: %s(%s) WHERE %s" % (case, agg, x, ours))

        # JSON with nulls: NULL in arithmetic, comparisons, NOT, AND / OR, BETWEEN, IN, IS [NOT] NULL, aggregates.
        rows = [[None if rng.random() < 0.2 else rng.randint(-5, 5) for _ in range(3)] for _ in range(40)]
        self.put("ints.json", "".join(json.dumps(dict(zip("abc", r))) + "\n" for r in rows).encode())
        db.execute("DELETE FROM t")
        db.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
        cols[:] = [("s.a", "a"), ("s.b", "b"), ("s.c", "c")]
        plain = cond

        def cond(depth):  # noqa: F811 - the same generator, with IS [NOT] NULL added
            if rng.random() < 0.15:
                x, y = value(1)
                neg = rng.choice(["", "NOT "])
                return "%s IS %sNULL" % (x, neg), "%s IS %sNULL" % (y, neg)
            return plain(depth)

        for case in range(60):
            ours, theirs = cond(3)
            got = self.records("ints.json", "SELECT * FROM COSObject s WHERE %s" % ours, json_in("LINES"), JSON_OUT)
            want = "".join(json.dumps(dict(zip("abc", r)), separators=(",", ":")) + "\n"
                           for r in db.execute("SELECT a, b, c FROM t WHERE %s" % theirs))
            eq(got, want, "JSON case %d: WHERE %s" % (case, ours))
        for case in range(20):
            ours, theirs = cond(2)
            (x, y) = value(1)
            agg = rng.choice(["COUNT", "SUM", "MIN", "MAX"])
            got = self.records("ints.json", "SELECT COUNT(*), %s(%s) FROM COSObject s WHERE %s" % (agg, x, ours),
                               json_in("LINES"))
            n, v = db.execute("SELECT COUNT(*), %s(%s) FROM t WHERE %s" % (agg, y, theirs)).fetchone()
            eq(got, "%d,%s\n" % (n, "" if v is None else v), "JSON aggregate case %d: %s(%s) WHERE %s"
               % (case, agg, x, ours))

    def differential_strings(self):
        """Strings against sqlite3 with case-sensitive LIKE: byte-order comparisons, LIKE with % and _, ||, LOWER,
        UPPER, CHAR_LENGTH (sqlite's length), NULLs."""
        rng = random.Random(int(os.environ.get("SELECT_DIFF_SEED", "20261202")) + 1)
        word = lambda: "".join(rng.choice("abAB_%") for _ in range(rng.randint(0, 3)))  # noqa: E731
        rows = [[None if rng.random() < 0.15 else word() for _ in range(2)] for _ in range(40)]
        self.put("words.json", "".join(json.dumps(dict(zip("xy", r))) + "\n" for r in rows).encode())
        db = sqlite3.connect(":memory:")
        db.execute("PRAGMA case_sensitive_like = ON")
        db.execute("CREATE TABLE t (x TEXT, y TEXT)")
        db.executemany("INSERT INTO t VALUES (?, ?)", rows)

        def text():
            r = rng.random()
            if r < 0.4:
                return rng.choice([("s.x", "x"), ("s.y", "y")])
            if r < 0.6:
                w = "'%s'" % word()
                return w, w
            (a, b), (c, d) = text(), text()
            if r < 0.75:
                return "(%s || %s)" % (a, c), "(%s || %s)" % (b, d)
            f = rng.choice(["LOWER", "UPPER"])
            return "%s(%s)" % (f, a), "%s(%s)" % (f, b)

        def cond(depth):
            r = rng.random()
            if depth == 0 or r < 0.4:
                (a, b), (c, d) = text(), text()
                kind = rng.random()
                if kind < 0.4:
                    op = rng.choice(["=", "<>", "<", "<=", ">", ">="])
                    return "%s %s %s" % (a, op, c), "%s %s %s" % (b, op, d)
                if kind < 0.7:
                    pat = "'%s'" % "".join(rng.choice("ab%_") for _ in range(rng.randint(0, 3)))
                    neg = rng.choice(["", "NOT "])
                    return "%s %sLIKE %s" % (a, neg, pat), "%s %sLIKE %s" % (b, neg, pat)
                if kind < 0.85:
                    n = rng.randint(0, 4)
                    return "CHAR_LENGTH(%s) > %d" % (a, n), "length(%s) > %d" % (b, n)
                neg = rng.choice(["", "NOT "])
                return "%s IS %sNULL" % (a, neg), "%s IS %sNULL" % (b, neg)
            (a, b), (c, d) = cond(depth - 1), cond(depth - 1)
            if r < 0.55:
                return "NOT (%s)" % a, "NOT (%s)" % b
            op = rng.choice(["AND", "OR"])
            return "(%s %s %s)" % (a, op, c), "(%s %s %s)" % (b, op, d)

        for case in range(80):
            ours, theirs = cond(2)
            got = self.records("words.json", "SELECT * FROM COSObject s WHERE %s" % ours, json_in("LINES"), JSON_OUT)
            want = "".join(json.dumps(dict(zip("xy", r)), separators=(",", ":")) + "\n"
                           for r in db.execute("SELECT x, y FROM t WHERE %s" % theirs))
            eq(got, want, "string case %d: WHERE %s" % (case, ours))
        for case in range(20):
            ours, theirs = cond(1)
            agg = rng.choice(["MIN", "MAX", "COUNT"])
            col = rng.choice(["x", "y"])
            got = self.records("words.json", "SELECT %s(s.%s) FROM COSObject s WHERE %s" % (agg, col, ours),
                               json_in("LINES"), JSON_OUT)
            v = db.execute("SELECT %s(%s) FROM t WHERE %s" % (agg, col, theirs)).fetchone()[0]
            eq(got, json.dumps({"_1": v}, separators=(",", ":")) + "\n",
               "string aggregate case %d: %s(%s) WHERE %s" % (case, agg, col, ours))

    def differential_csv(self):
        """Random CSV (quotes, doubled quotes, quoted delimiters and newlines, empty fields) read by the emulator and by
        Python's csv module; and the emulator's CSV output read back by the csv module: the same fields."""
        rng = random.Random(int(os.environ.get("SELECT_DIFF_SEED", "20261202")) + 2)
        inp = csv_in(AllowQuotedRecordDelimiter="TRUE", FieldDelimiter=";")
        for case in range(150):
            data = "".join(rng.choice(['a', 'b', ' ', ';', '"', '"', '\n', '中']) for _ in range(rng.randint(0, 30)))
            try:
                want = [r for r in csv.reader(io.StringIO(data, newline=""), delimiter=";", strict=True) if r]
            except csv.Error:
                continue  # an unterminated or misplaced quote: the two readers need not agree on the repair
            self.put("random.csv", data.encode())
            got = self.records("random.csv", "SELECT * FROM COSObject", inp, JSON_OUT)
            rows = [list(json.loads(line).values()) for line in got.splitlines()]
            eq(rows, want, "case %d: %r read as JSON" % (case, data))
            out = self.records("random.csv", "SELECT * FROM COSObject", inp,
                               {"CSV": {"FieldDelimiter": ",", "QuoteFields": rng.choice(["ASNEEDED", "ALWAYS"])}})
            eq([r for r in csv.reader(io.StringIO(out, newline=""))], want, "case %d: %r written as CSV" % (case, data))

    def differential_json(self):
        """Random JSON records (nesting, escapes, astral characters as surrogate pairs, numbers in every notation)
        through SELECT * and back: Python's json module reads the same values."""
        rng = random.Random(int(os.environ.get("SELECT_DIFF_SEED", "20261202")) + 3)

        def value(depth):
            r = rng.random()
            if depth == 0 or r < 0.4:
                return rng.choice([None, True, False, rng.randint(-10**12, 10**12), rng.uniform(-1e6, 1e6), 1e-7,
                                   "".join(rng.choice('ab "\\\n\t/中😀\u0001') for _ in range(rng.randint(0, 6)))])
            if r < 0.7:
                return [value(depth - 1) for _ in range(rng.randint(0, 3))]
            return {"k%d%s" % (i, rng.choice(["", "😀", "\"", "中"])): value(depth - 1) for i in range(rng.randint(0, 3))}

        for case in range(40):
            records = [{"r": value(3), "n": i} for i in range(rng.randint(1, 4))]
            ascii_only = rng.random() < 0.5
            text = "\n".join(json.dumps(r, ensure_ascii=ascii_only) for r in records)
            self.put("random.json", text.encode())
            kind = rng.choice(["LINES", "DOCUMENT"])
            got = self.records("random.json", "SELECT * FROM COSObject", json_in(kind), JSON_OUT)
            eq([json.loads(line) for line in got.splitlines()], records, "case %d (%s): %r" % (case, kind, text))
            got = self.records("random.json", "SELECT s.r AS r FROM COSObject s", json_in(kind), JSON_OUT)
            eq([json.loads(line)["r"] for line in got.splitlines()], [r["r"] for r in records],
               "case %d: s.r of %r" % (case, text))

    def fault(self, query):
        """Adds a fault on the next select through the control API."""
        url = "http://127.0.0.1:%d/__emulator/faults?method=POST&sub=select&%s" % (self.port, query)
        with urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=10) as r:
            eq(r.status, 200, "adding fault %s" % query)

    def faulted_bytes(self, query):
        """The bytes the SDK read of a select under this fault, and what the SDK raised (or None)."""
        self.fault(query)
        resp = self.client.select_object_content(Bucket=self.bucket, Key="people.csv",
                                                 Expression="SELECT * FROM COSObject", ExpressionType="SQL",
                                                 InputSerialization=csv_in(), OutputSerialization=CSV_OUT)
        stream = resp["Payload"]
        tee = Tee(stream._raw)
        stream._raw = tee
        try:
            list(stream)
        except Exception as e:  # noqa: BLE001 - what the SDK raises on a broken stream varies
            return bytes(tee.seen), e
        return bytes(tee.seen), None

    def faults_on_the_stream(self):
        # Records headers are 85 bytes, so byte 100 is in the first Records payload: the SDK reads on, unaware.
        # (Offsets count the stream's bytes, not the chunked framing around them.)
        seen, raised = self.faulted_bytes("kind=corrupt-body&after_bytes=100")
        eq(raised, None, "the SDK does not check CRCs")
        try:
            decode_frames(seen)
        except Failed as e:
            expect("message CRC-32" in str(e), "a flipped payload byte fails the message CRC: %s" % e)
        else:
            raise Failed("a corrupted payload passed both CRC checks")
        seen, _ = self.faulted_bytes("kind=corrupt-body&after_bytes=9")
        try:
            decode_frames(seen)
        except Failed as e:
            expect("prelude CRC-32" in str(e), "a flipped prelude CRC byte fails the prelude CRC: %s" % e)
        else:
            raise Failed("a corrupted prelude passed the CRC check")
        for kind in ("short-body", "reset-body"):
            seen, raised = self.faulted_bytes("kind=%s&after_bytes=120" % kind)
            expect(raised is not None, "%s: the SDK noticed nothing" % kind)
            expect(len(seen) <= 120, "%s: read %d bytes of a cut stream" % (kind, len(seen)))
        seen, raised = self.faulted_bytes("kind=stall&at=body&after_bytes=120&ms=300")
        eq(raised, None, "a stalled stream completes")
        eq(b"".join(p for h, p in decode_frames(seen) if h.get(":event-type") == "Records"), CSV_DATA,
           "records after a stall")

    def main(self):
        checks = [
            ("setup: bucket and objects", self.setup),
            ("SELECT * CSV -> CSV: chunked; Records, Stats (scanned/processed/returned), End, CRCs", self.csv_star),
            ("projection by name, position, quoted name; FileHeaderInfo USE/IGNORE/NONE", self.projection),
            ("WHERE: comparisons, AND, OR, NOT, LIKE, IN, BETWEEN, CAST; LIMIT", self.where),
            ("COUNT(*), SUM, MIN, MAX, AVG", self.aggregates),
            ("JSON LINES and DOCUMENT input, COSObject[*], JSON and CSV output", self.json_input),
            ("GZIP and BZIP2 input; not-GZIP data -> InvalidCompressionFormat event", self.compression),
            ("CSV options in and out (delimiters, quotes, comments, AllowQuotedRecordDelimiter)", self.csv_options),
            ("a big result: 64 KiB Records messages, Progress", self.big_result),
            ("errors while streaming: CastFailed after the good rows, JSONParsingError", self.errors_in_the_stream),
            ("refused SQL: 400 with COS's codes", self.refused_sql),
            ("refused requests: bad serialization, ExpressionType, too long, NoSuchKey, archived, select-type",
             self.refused_requests),
            ("versionId selects a version", self.version_id),
            ("the SDK's get_select_result and get_select_result_to_file", self.sdk_helpers),
            ("differential: 250 random WHERE clauses and aggregates (CSV, JSON with nulls), the emulator vs sqlite3",
             self.differential),
            ("differential: random CSV read by the emulator and by Python's csv module, and written back",
             self.differential_csv),
            ("differential: random JSON through SELECT * and a path, read back by Python's json module",
             self.differential_json),
            ("differential: 100 random string conditions (LIKE, ||, LOWER/UPPER, CHAR_LENGTH) vs sqlite3",
             self.differential_strings),
            ("faults on the stream: corrupt-body caught by the CRCs, short/reset-body, stall", self.faults_on_the_stream),
        ]
        for name, fn in checks:
            self.run(name, fn)
        print("conformance: %d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 0 if self.failed == 0 and self.passed == len(checks) else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--secret-id", default="AKIDcosEmulatorDefault")
    p.add_argument("--secret-key", default="cosEmulatorDefaultSecretKey")
    args = p.parse_args()
    sys.exit(Select(args).main())


if __name__ == "__main__":
    main()
