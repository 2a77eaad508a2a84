"""Peer conformance: drives the COS emulator with the official COS Python SDK (cos-python-sdk-v5).

Usage: conformance.py --port PORT [--secret-id ID --secret-key KEY ...]

Every check asserts on the values the SDK returns. One line per check ("ok" / "FAIL"), then a summary line
`conformance: N passed, M failed`; the exit status is 1 when any check failed.

Addressing: `CosConfig(IP='127.0.0.1', Port=PORT)` makes the SDK connect to the emulator and send
`Host: <bucket>.cos.ap-guangzhou.myqcloud.com`. `list_buckets` ignores IP/Port (it always targets
service.cos.myqcloud.com), so that call goes through the emulator as an HTTP proxy (absolute-form request target).
Presigned URLs are made by a client without IP/Port, so they carry the real bucket host, which the fetch sends as
the Host header while connecting to 127.0.0.1:PORT.
"""

import argparse
import email.utils
import hashlib
import logging
import os
import shutil
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from unittest import mock

import crcmod
from qcloud_cos import CosClientError, CosConfig, CosS3Client, CosServiceError, cos_auth

REGION = "ap-guangzhou"
APPID = "1250000000"

# CRC-64/XZ (what COS calls CRC64-ECMA), as the SDK's own resumable downloader computes it.
crc64 = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True)
assert crc64(b"123456789") == 0x995DC9BBDF1939FA

# Talk to loopback directly whatever the environment says about proxies.
for _var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
    os.environ.pop(_var, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
# The SDK logs every error response at ERROR level; expected errors would flood the output.
logging.getLogger("qcloud_cos").addHandler(logging.NullHandler())
logging.getLogger("qcloud_cos").propagate = False


class Failed(AssertionError):
    pass


def expect(cond, what):
    if not cond:
        raise Failed(what)


def eq(actual, expected, what):
    if actual != expected:
        raise Failed("%s: expected %r, got %r" % (what, expected, actual))


def service_error(fn, status, code=None):
    """Runs fn, which must raise CosServiceError with this status (and error code); returns the error."""
    try:
        result = fn()
    except CosServiceError as e:
        eq(e.get_status_code(), status, "HTTP status of %s" % e)
        if code is not None:
            eq(e.get_error_code(), code, "error code (origin message %r)" % e.get_origin_msg())
        return e
    raise Failed("expected CosServiceError %s %s, the call returned %r" % (status, code or "", result))


def describe(e):
    """A failure in a few lines: the assertion, or the exception with where in this script it came from."""
    if isinstance(e, Failed):
        return str(e)
    here = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == __file__]
    where = " (conformance.py:%d %s)" % (here[-1].lineno, here[-1].line) if here else ""
    if isinstance(e, CosServiceError):
        return "unexpected CosServiceError %s %s%s: %s" % (e.get_status_code(), e.get_error_code(), where,
                                                           e.get_origin_msg() or e.get_digest_msg())
    return "%s: %s%s" % (type(e).__name__, e, where)


def http_date_age(value):
    """Seconds between an HTTP date header and now."""
    parsed = email.utils.parsedate_to_datetime(value)
    expect(parsed.tzinfo is not None, "HTTP date %r has no zone (GMT)" % value)
    return abs(time.time() - parsed.timestamp())


def iso_age(value):
    """Seconds between an ISO-8601 timestamp (ListBucketResult / ListAllMyBuckets) and now."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return abs(time.time() - parsed.timestamp())


def read_body(resp):
    body = b"".join(resp["Body"].get_stream(1 << 16))
    eq(len(body), int(resp["Content-Length"]), "body length vs Content-Length")
    return body


def md5_etag(data):
    return '"%s"' % hashlib.md5(data).hexdigest()


class Conformance:
    def __init__(self, args):
        self.port = args.port
        self.secret_id = args.secret_id
        self.secret_key = args.secret_key
        self.temp = (args.temp_secret_id, args.temp_secret_key, args.session_token)
        self.client = self.make_client()
        self.bucket = "pyconf-%s" % APPID
        self.body = ("hello, COS emulator 你好 \x00\xff" * 50).encode("utf-8")
        self.key = "conformance/object 1+中.txt"
        self.passed = 0
        self.failed = 0

    def conf(self, secret_id=None, secret_key=None, token=None, **extra):
        options = dict(Region=REGION, SecretId=secret_id or self.secret_id, SecretKey=secret_key or self.secret_key,
                       Token=token, Scheme="http", Timeout=20)
        if "Proxies" not in extra and not extra.pop("no_ip", False):
            options.update(IP="127.0.0.1", Port=self.port)
        options.update(extra)
        return CosConfig(**options)

    def make_client(self, **kwargs):
        return CosS3Client(self.conf(**kwargs), retry=0)

    def run(self, name, fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - every failure is reported, the run goes on
            self.failed += 1
            detail = describe(e)
            print("FAIL %s: %s" % (name, detail.replace("\n", "\n     ")), flush=True)
        else:
            self.passed += 1
            print("ok   %s" % name, flush=True)

    # ---------------------------------------------------------------------------------------- buckets

    def create_bucket(self):
        eq(self.client.create_bucket(Bucket=self.bucket), None, "create_bucket result")

    def create_bucket_twice(self):
        e = service_error(lambda: self.client.create_bucket(Bucket=self.bucket), 409, "BucketAlreadyOwnedByYou")
        expect(self.bucket in e.get_resource_location(), "Resource %r names the bucket" % e.get_resource_location())

    def head_bucket(self):
        resp = self.client.head_bucket(Bucket=self.bucket)
        expect(resp.get("x-cos-request-id"), "x-cos-request-id in %r" % resp)

    def head_missing_bucket(self):
        e = service_error(lambda: self.client.head_bucket(Bucket="pyconf-missing-%s" % APPID), 404)
        expect(e.get_digest_msg().get("requestid"), "x-cos-request-id on the 404 HEAD (%r)" % e.get_digest_msg())

    def list_buckets(self):
        client = self.make_client(Proxies={"http": "http://127.0.0.1:%d" % self.port})
        data = client.list_buckets()
        buckets = data["Buckets"]["Bucket"]
        mine = [b for b in buckets if b["Name"] == self.bucket]
        eq(len(mine), 1, "buckets named %s in %r" % (self.bucket, buckets))
        eq(mine[0].get("Location"), REGION, "Location")
        expect(iso_age(mine[0]["CreationDate"]) < 600, "CreationDate %r is recent" % mine[0]["CreationDate"])
        expect(data.get("Owner", {}).get("ID"), "Owner/ID in %r" % data.get("Owner"))

    # ---------------------------------------------------------------------------------------- objects

    def put_object(self):
        resp = self.client.put_object(Bucket=self.bucket, Body=self.body, Key=self.key, ContentType="text/x-conformance",
                                      Metadata={"x-cos-meta-a": "1"}, StorageClass="STANDARD_IA")
        eq(resp.get("ETag"), md5_etag(self.body), "ETag")
        eq(resp.get("x-cos-hash-crc64ecma"), str(crc64(self.body)), "x-cos-hash-crc64ecma")
        expect(resp.get("x-cos-request-id"), "x-cos-request-id in %r" % resp)

    def put_object_md5(self):
        data = b"checked by Content-MD5"
        resp = self.client.put_object(Bucket=self.bucket, Body=data, Key="conformance/md5", EnableMD5=True)
        eq(resp.get("ETag"), md5_etag(data), "ETag")

    def put_object_bad_md5(self):
        wrong = "1B2M2Y8AsgTpgAmY7PhCfg=="  # MD5 of the empty string
        service_error(lambda: self.client.put_object(Bucket=self.bucket, Body=b"not empty", Key="conformance/bad-md5",
                                                     ContentMD5=wrong), 400, "BadDigest")
        service_error(lambda: self.client.head_object(Bucket=self.bucket, Key="conformance/bad-md5"), 404)

    def get_object(self):
        resp = self.client.get_object(Bucket=self.bucket, Key=self.key)
        eq(read_body(resp), self.body, "body")
        eq(resp.get("ETag"), md5_etag(self.body), "ETag")
        eq(resp.get("Content-Type"), "text/x-conformance", "Content-Type")
        eq(resp.get("x-cos-meta-a"), "1", "x-cos-meta-a")
        eq(resp.get("x-cos-hash-crc64ecma"), str(crc64(self.body)), "x-cos-hash-crc64ecma")

    def get_object_range(self):
        resp = self.client.get_object(Bucket=self.bucket, Key=self.key, Range="bytes=2-5")
        eq(read_body(resp), self.body[2:6], "ranged body")
        eq(resp.get("Content-Range"), "bytes 2-5/%d" % len(self.body), "Content-Range")
        eq(resp.get("Content-Length"), "4", "Content-Length")
        resp = self.client.get_object(Bucket=self.bucket, Key=self.key, Range="bytes=-3")
        eq(read_body(resp), self.body[-3:], "suffix-ranged body")

    def get_object_response_params(self):
        resp = self.client.get_object(Bucket=self.bucket, Key=self.key, ResponseContentType="application/x-override",
                                      ResponseContentDisposition='attachment; filename="x.txt"')
        eq(resp.get("Content-Type"), "application/x-override", "Content-Type from response-content-type")
        eq(resp.get("Content-Disposition"), 'attachment; filename="x.txt"', "Content-Disposition")
        eq(read_body(resp), self.body, "body")

    def head_object(self):
        resp = self.client.head_object(Bucket=self.bucket, Key=self.key)
        # The SDK returns the server's header spelling in a plain dict, so these names are case-sensitive.
        eq(resp.get("ETag"), md5_etag(self.body), "ETag")
        eq(resp.get("Content-Length"), str(len(self.body)), "Content-Length")
        expect("Last-Modified" in resp, "Last-Modified in %r" % sorted(resp))
        expect(http_date_age(resp["Last-Modified"]) < 600, "Last-Modified %r is recent" % resp["Last-Modified"])
        eq(resp.get("x-cos-meta-a"), "1", "x-cos-meta-a")
        eq(resp.get("Content-Type"), "text/x-conformance", "Content-Type")
        eq(resp.get("x-cos-hash-crc64ecma"), str(crc64(self.body)), "x-cos-hash-crc64ecma")
        eq(resp.get("x-cos-storage-class"), "STANDARD_IA", "x-cos-storage-class")
        expect(resp.get("x-cos-request-id"), "x-cos-request-id")

    def get_missing_key(self):
        e = service_error(lambda: self.client.get_object(Bucket=self.bucket, Key="conformance/missing"), 404, "NoSuchKey")
        expect(e.get_request_id() not in ("", "Unknown"), "RequestId %r" % e.get_request_id())
        expect(e.get_trace_id() not in ("", "Unknown"), "TraceId %r" % e.get_trace_id())
        expect(e.get_resource_location() not in ("", "Unknown"), "Resource %r" % e.get_resource_location())
        expect(e.get_error_msg() not in ("", "Unknown"), "Message %r" % e.get_error_msg())
        origin = e.get_origin_msg()
        expect("<Error>" in origin and "<Code>NoSuchKey</Code>" in origin, "origin message is the XML: %r" % origin)
        expect(e.get_request_id() in origin, "origin XML carries the RequestId")

    def head_missing_key(self):
        e = service_error(lambda: self.client.head_object(Bucket=self.bucket, Key="conformance/missing"), 404,
                          "NoSuchResource")  # the SDK's own code for body-less 404 HEADs
        # The SDK copies these from the x-cos-request-id / x-cos-trace-id headers, when present.
        digest = e.get_digest_msg()
        expect(digest.get("requestid"), "x-cos-request-id on the 404 HEAD (%r)" % digest)
        expect(digest.get("traceid"), "x-cos-trace-id on the 404 HEAD (%r)" % digest)

    def missing_bucket(self):
        e = service_error(lambda: self.client.get_object(Bucket="pyconf-missing-%s" % APPID, Key="k"), 404, "NoSuchBucket")
        expect(e.get_request_id() not in ("", "Unknown"), "RequestId %r" % e.get_request_id())

    # ---------------------------------------------------------------------------------------- listing

    LIST_KEYS = [
        "list/a b.txt",
        "list/dir/one",
        "list/dir/two+2",
        "list/dir/sub/deep",
        "list/plus+sign",
        "list/percent%20literal",
        "list/中文.txt",
        "list/émoji😀",
        "list/~tilde",
        "list/z",
    ]

    def list_setup(self):
        for k in self.LIST_KEYS:
            self.client.put_object(Bucket=self.bucket, Body=k.encode("utf-8"), Key=k)

    def list_all(self):
        data = self.client.list_objects(Bucket=self.bucket, Prefix="list/")
        keys = [c["Key"] for c in data.get("Contents", [])]
        # COS lists in UTF-8 byte order, which for str is code-point order.
        eq(keys, sorted(self.LIST_KEYS, key=lambda k: k.encode("utf-8")), "keys")
        eq(data.get("IsTruncated"), "false", "IsTruncated")
        eq(data.get("Name"), self.bucket, "Name")
        first = data["Contents"][0]
        eq(first.get("Size"), str(len(first["Key"].encode("utf-8"))), "Size of %s" % first["Key"])
        eq(first.get("ETag"), md5_etag(first["Key"].encode("utf-8")), "ETag of %s" % first["Key"])
        expect(iso_age(first["LastModified"]) < 600, "LastModified %r is recent" % first["LastModified"])
        expect(first.get("StorageClass"), "StorageClass in %r" % first)

    def list_delimiter(self):
        data = self.client.list_objects(Bucket=self.bucket, Prefix="list/dir/", Delimiter="/")
        eq([c["Key"] for c in data.get("Contents", [])], ["list/dir/one", "list/dir/two+2"], "keys")
        eq([p["Prefix"] for p in data.get("CommonPrefixes", [])], ["list/dir/sub/"], "CommonPrefixes")
        data = self.client.list_objects(Bucket=self.bucket, Prefix="list/", Delimiter="/")
        eq([p["Prefix"] for p in data.get("CommonPrefixes", [])], ["list/dir/"], "CommonPrefixes at list/")
        eq(len(data.get("Contents", [])), len(self.LIST_KEYS) - 3, "Contents at list/")

    def list_paging(self):
        keys, marker, pages = [], "", 0
        while True:
            data = self.client.list_objects(Bucket=self.bucket, Prefix="list/", Marker=marker, MaxKeys=3)
            pages += 1
            page = [c["Key"] for c in data.get("Contents", [])]
            expect(len(page) <= 3, "page of %d > MaxKeys" % len(page))
            eq(data.get("MaxKeys"), "3", "MaxKeys echoed")
            keys += page
            if data.get("IsTruncated") != "true":
                eq(data.get("IsTruncated"), "false", "IsTruncated")
                break
            expect(data.get("NextMarker"), "NextMarker on a truncated page: %r" % data)
            eq(data["NextMarker"], page[-1], "NextMarker")
            marker = data["NextMarker"]
            expect(pages < 20, "paging does not end")
        eq(keys, sorted(self.LIST_KEYS, key=lambda k: k.encode("utf-8")), "keys over %d pages" % pages)
        eq(pages, 4, "pages")

    def list_paging_delimiter(self):
        # With a delimiter a page holds keys and common prefixes; the marker may be a prefix.
        seen, marker = [], ""
        for _ in range(20):
            data = self.client.list_objects(Bucket=self.bucket, Prefix="list/", Delimiter="/", Marker=marker, MaxKeys=2)
            seen += [c["Key"] for c in data.get("Contents", [])] + [p["Prefix"] for p in data.get("CommonPrefixes", [])]
            if data.get("IsTruncated") != "true":
                break
            marker = data["NextMarker"]
        want = sorted([k for k in self.LIST_KEYS if "/" not in k[len("list/"):]] + ["list/dir/"],
                      key=lambda k: k.encode("utf-8"))
        eq(sorted(seen, key=lambda k: k.encode("utf-8")), want, "keys and prefixes")
        eq(len(seen), len(set(seen)), "no entry twice")

    def list_encoding_url(self):
        data = self.client.list_objects(Bucket=self.bucket, Prefix="list/", EncodingType="url")
        raw = [c["Key"] for c in data.get("Contents", [])]
        for k in raw:
            expect(all(ord(ch) < 128 and ch not in " +" for ch in k), "key %r is not URL-encoded" % k)
        eq([urllib.parse.unquote(k) for k in raw], sorted(self.LIST_KEYS, key=lambda k: k.encode("utf-8")),
           "decoded keys")
        eq(data.get("EncodingType"), "url", "EncodingType")
        eq(urllib.parse.unquote(data.get("Prefix") or ""), "list/", "Prefix")

    def list_empty(self):
        data = self.client.list_objects(Bucket=self.bucket, Prefix="no-such-prefix/")
        eq(data.get("Contents", []), [], "Contents")
        eq(data.get("IsTruncated"), "false", "IsTruncated")

    # ---------------------------------------------------------------------------------------- copy / delete

    def copy_source(self, key):
        return {"Bucket": self.bucket, "Key": key, "Region": REGION}

    def copy_object_copy(self):
        dest = "copy/dest copy 中"
        resp = self.client.copy_object(Bucket=self.bucket, Key=dest, CopySource=self.copy_source(self.key))
        eq(resp.get("ETag"), md5_etag(self.body), "ETag in CopyObjectResult")
        expect(resp.get("LastModified"), "LastModified in CopyObjectResult %r" % resp)
        head = self.client.head_object(Bucket=self.bucket, Key=dest)
        eq(head.get("x-cos-meta-a"), "1", "copied x-cos-meta-a")
        eq(head.get("Content-Type"), "text/x-conformance", "copied Content-Type")
        eq(head.get("Content-Length"), str(len(self.body)), "copied Content-Length")
        eq(read_body(self.client.get_object(Bucket=self.bucket, Key=dest)), self.body, "copied body")

    def copy_object_replaced(self):
        dest = "copy/dest replaced"
        self.client.copy_object(Bucket=self.bucket, Key=dest, CopySource=self.copy_source(self.key),
                                CopyStatus="Replaced", ContentType="text/x-replaced", Metadata={"x-cos-meta-b": "2"})
        head = self.client.head_object(Bucket=self.bucket, Key=dest)
        eq(head.get("x-cos-meta-b"), "2", "new x-cos-meta-b")
        expect("x-cos-meta-a" not in head, "x-cos-meta-a dropped: %r" % head)
        eq(head.get("Content-Type"), "text/x-replaced", "new Content-Type")
        eq(read_body(self.client.get_object(Bucket=self.bucket, Key=dest)), self.body, "copied body")

    def copy_missing_source(self):
        service_error(lambda: self.client.copy_object(Bucket=self.bucket, Key="copy/never",
                                                      CopySource=self.copy_source("conformance/missing")), 404)

    def delete_objects(self):
        for k in ("del/1", "del/2 x"):
            self.client.put_object(Bucket=self.bucket, Body=b"x", Key=k)
        data = self.client.delete_objects(Bucket=self.bucket, Delete={
            "Quiet": "false", "Object": [{"Key": "del/1"}, {"Key": "del/2 x"}, {"Key": "del/never-existed"}]})
        eq(sorted(d["Key"] for d in data.get("Deleted", [])), ["del/1", "del/2 x", "del/never-existed"], "Deleted")
        eq(data.get("Error", []), [], "Error")
        listed = self.client.list_objects(Bucket=self.bucket, Prefix="del/")
        eq(listed.get("Contents", []), [], "objects left under del/")

    def delete_objects_quiet(self):
        for k in ("delq/1", "delq/2"):
            self.client.put_object(Bucket=self.bucket, Body=b"x", Key=k)
        data = self.client.delete_objects(Bucket=self.bucket, Delete={
            "Quiet": "true", "Object": [{"Key": "delq/1"}, {"Key": "delq/2"}]})
        eq(data.get("Deleted", []), [], "Deleted in quiet mode")
        eq(data.get("Error", []), [], "Error")
        listed = self.client.list_objects(Bucket=self.bucket, Prefix="delq/")
        eq(listed.get("Contents", []), [], "objects left under delq/")

    def delete_object(self):
        self.client.put_object(Bucket=self.bucket, Body=b"x", Key="del/single")
        self.client.delete_object(Bucket=self.bucket, Key="del/single")
        service_error(lambda: self.client.head_object(Bucket=self.bucket, Key="del/single"), 404)
        # Deleting a key that does not exist succeeds (204), as on COS.
        self.client.delete_object(Bucket=self.bucket, Key="del/single")

    # ---------------------------------------------------------------------------------------- edge cases

    ODD_KEYS = [
        "odd/dots/./x",  # the SDK sends ".%2F" so no dot segment reaches the path
        "odd/dots/../y",
        "odd/q?hash#semi;eq=amp&pct%25 end",
        "odd/quote'\"star*paren()",
        "odd/trailing/",
        "odd//double",
        "odd/tab\tcontrol",
    ]

    def odd_keys(self):
        for k in self.ODD_KEYS:
            self.client.put_object(Bucket=self.bucket, Body=k.encode("utf-8"), Key=k)
        for k in self.ODD_KEYS:
            eq(read_body(self.client.get_object(Bucket=self.bucket, Key=k)), k.encode("utf-8"), "body of %r" % k)
        listed = self.client.list_objects(Bucket=self.bucket, Prefix="odd/")
        eq([c["Key"] for c in listed.get("Contents", [])], sorted(self.ODD_KEYS, key=lambda k: k.encode("utf-8")),
           "listed keys")

    def empty_object(self):
        resp = self.client.put_object(Bucket=self.bucket, Body=b"", Key="edge/empty")
        eq(resp.get("ETag"), md5_etag(b""), "ETag")
        eq(resp.get("x-cos-hash-crc64ecma"), "0", "x-cos-hash-crc64ecma")
        got = self.client.get_object(Bucket=self.bucket, Key="edge/empty")
        eq(got.get("Content-Length"), "0", "Content-Length")
        eq(read_body(got), b"", "body")

    def overwrite(self):
        self.client.put_object(Bucket=self.bucket, Body=b"first", Key="edge/overwrite")
        resp = self.client.put_object(Bucket=self.bucket, Body=b"second", Key="edge/overwrite")
        eq(resp.get("ETag"), md5_etag(b"second"), "ETag")
        eq(read_body(self.client.get_object(Bucket=self.bucket, Key="edge/overwrite")), b"second", "body")

    def conditional_get(self):
        service_error(lambda: self.client.get_object(Bucket=self.bucket, Key=self.key, IfMatch='"0123"'), 412,
                      "PreconditionFailed")
        resp = self.client.get_object(Bucket=self.bucket, Key=self.key, IfMatch=md5_etag(self.body))
        eq(read_body(resp), self.body, "body with a matching If-Match")

    def range_not_satisfiable(self):
        service_error(lambda: self.client.get_object(Bucket=self.bucket, Key=self.key,
                                                     Range="bytes=%d-" % (len(self.body) + 10)), 416, "InvalidRange")

    def error_content_type(self):
        url = self.presigner().get_presigned_download_url(Bucket=self.bucket, Key="conformance/missing")
        status, body, headers = self.fetch(url)
        eq(status, 404, "status")
        eq((headers.get("Content-Type") or "").split(";")[0], "application/xml", "Content-Type of an error")
        expect(headers.get("x-cos-request-id"), "x-cos-request-id on an error")
        expect(body.startswith(b"<?xml"), "XML declaration in %r" % body[:100])

    def delete_bucket_not_empty(self):
        service_error(lambda: self.client.delete_bucket(Bucket=self.bucket), 409, "BucketNotEmpty")

    # ---------------------------------------------------------------------------------------- credentials

    def wrong_secret_key(self):
        client = self.make_client(secret_key=self.secret_key + "x")
        e = service_error(lambda: client.get_object(Bucket=self.bucket, Key=self.key), 403, "SignatureDoesNotMatch")
        expect(e.get_request_id() not in ("", "Unknown"), "RequestId %r" % e.get_request_id())
        service_error(lambda: client.put_object(Bucket=self.bucket, Body=b"x", Key="cred/never"), 403,
                      "SignatureDoesNotMatch")

    def unknown_secret_id(self):
        client = self.make_client(secret_id="AKIDnobodyKnowsThisOne")
        service_error(lambda: client.get_object(Bucket=self.bucket, Key=self.key), 403, "InvalidAccessKeyId")

    def expired_signature(self):
        # Sign as if it were 20000 s ago: the window [then-60, then+10000] has passed.
        with mock.patch.object(cos_auth.time, "time", return_value=time.time() - 20000):
            service_error(lambda: self.client.get_object(Bucket=self.bucket, Key=self.key), 403)

    def temporary_credentials(self):
        tid, tkey, token = self.temp
        client = self.make_client(secret_id=tid, secret_key=tkey, token=token)
        resp = client.put_object(Bucket=self.bucket, Body=b"temp", Key="cred/temp")
        eq(resp.get("ETag"), md5_etag(b"temp"), "ETag")
        eq(read_body(client.get_object(Bucket=self.bucket, Key="cred/temp")), b"temp", "body")
        client.delete_object(Bucket=self.bucket, Key="cred/temp")

    def temporary_wrong_token(self):
        tid, tkey, token = self.temp
        client = self.make_client(secret_id=tid, secret_key=tkey, token=token + "x")
        e = service_error(lambda: client.get_object(Bucket=self.bucket, Key=self.key), 403)
        expect(e.get_error_code() not in ("", "Unknown"), "error code %r" % e.get_error_code())
        no_token = self.make_client(secret_id=tid, secret_key=tkey)
        service_error(lambda: no_token.get_object(Bucket=self.bucket, Key=self.key), 403)

    # ---------------------------------------------------------------------------------------- presigned URLs

    def fetch(self, url, method="GET", data=None, headers=None):
        """Fetches a URL made for the real bucket host by connecting to the emulator with that Host header."""
        parts = urllib.parse.urlsplit(url)
        local = urllib.parse.urlunsplit(("http", "127.0.0.1:%d" % self.port, parts.path, parts.query, ""))
        all_headers = {"Host": parts.netloc}
        all_headers.update(headers or {})
        req = urllib.request.Request(local, data=data, method=method, headers=all_headers)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(req, timeout=20) as resp:
                return resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read(), e.headers

    def presigner(self, **kwargs):
        return self.make_client(no_ip=True, **kwargs)

    def presigned_download(self):
        url = self.presigner().get_presigned_download_url(Bucket=self.bucket, Key=self.key)
        eq(urllib.parse.urlsplit(url).netloc, "%s.cos.%s.myqcloud.com" % (self.bucket, REGION), "URL host")
        status, body, headers = self.fetch(url)
        eq(status, 200, "status (body %r)" % body[:300])
        eq(body, self.body, "body")

    def presigned_url_get_with_params(self):
        url = self.presigner().get_presigned_url(Bucket=self.bucket, Key=self.key, Method="GET", Expired=120,
                                                 Params={"response-content-type": "text/x-presigned"})
        eq(urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get("q-url-param-list"), ["response-content-type"],
           "signed parameters")
        status, body, headers = self.fetch(url)
        eq(status, 200, "status (body %r)" % body[:300])
        eq(body, self.body, "body")
        eq(headers.get("Content-Type"), "text/x-presigned", "Content-Type from response-content-type")
        # The signed parameter cannot be changed.
        status, body, headers = self.fetch(url.replace("x-presigned", "x-changed"))
        eq(status, 403, "status with a changed signed parameter (body %r)" % body[:300])

    def presigned_put(self):
        key = "presigned/put 中 +.bin"
        url = self.presigner().get_presigned_url(Bucket=self.bucket, Key=key, Method="PUT")
        status, body, headers = self.fetch(url, method="PUT", data=b"uploaded via URL")
        eq(status, 200, "PUT status (body %r)" % body[:300])
        eq(read_body(self.client.get_object(Bucket=self.bucket, Key=key)), b"uploaded via URL", "stored body")

    def presigned_temporary(self):
        tid, tkey, token = self.temp
        url = self.presigner(secret_id=tid, secret_key=tkey, token=token).get_presigned_download_url(
            Bucket=self.bucket, Key=self.key, Params={"x-cos-security-token": token})
        status, body, headers = self.fetch(url)
        eq(status, 200, "status (body %r)" % body[:300])
        eq(body, self.body, "body")

    def presigned_tampered(self):
        url = self.presigner().get_presigned_download_url(Bucket=self.bucket, Key=self.key)
        status, body, headers = self.fetch(url.replace(urllib.parse.quote("conformance/"), "conformance/x"))
        eq(status, 403, "status for another key (body %r)" % body[:300])
        expect(b"<Code>SignatureDoesNotMatch</Code>" in body, "SignatureDoesNotMatch in %r" % body[:300])

    def presigned_wrong_host_header(self):
        # host is signed: the same URL sent to another (existing) bucket's host must not pass.
        url = self.presigner().get_presigned_download_url(Bucket=self.bucket, Key=self.key)
        other = "pyconf-other-%s" % APPID
        self.client.create_bucket(Bucket=other)
        try:
            status, body, headers = self.fetch(url, headers={"Host": "%s.cos.%s.myqcloud.com" % (other, REGION)})
            eq(status, 403, "status (body %r)" % body[:300])
        finally:
            self.client.delete_bucket(Bucket=other)

    # ---------------------------------------------------------------------------------------- teardown

    def delete_bucket(self):
        listed = self.client.list_objects(Bucket=self.bucket)
        keys = [{"Key": c["Key"]} for c in listed.get("Contents", [])]
        if keys:
            self.client.delete_objects(Bucket=self.bucket, Delete={"Quiet": "true", "Object": keys})
        eq(self.client.delete_bucket(Bucket=self.bucket), None, "delete_bucket result")
        service_error(lambda: self.client.head_bucket(Bucket=self.bucket), 404)

    def main(self):
        checks = [
            ("create_bucket", self.create_bucket),
            ("create_bucket twice -> 409 BucketAlreadyOwnedByYou", self.create_bucket_twice),
            ("head_bucket", self.head_bucket),
            ("head_bucket missing -> 404", self.head_missing_bucket),
            ("list_buckets contains the bucket", self.list_buckets),
            ("put_object: ETag, x-cos-hash-crc64ecma", self.put_object),
            ("put_object EnableMD5", self.put_object_md5),
            ("put_object wrong Content-MD5 -> 400 BadDigest", self.put_object_bad_md5),
            ("get_object: body and headers", self.get_object),
            ("get_object Range", self.get_object_range),
            ("get_object response-* parameters", self.get_object_response_params),
            ("head_object headers", self.head_object),
            ("get_object missing key -> 404 NoSuchKey, error fields", self.get_missing_key),
            ("head_object missing key -> 404", self.head_missing_key),
            ("get_object missing bucket -> 404 NoSuchBucket", self.missing_bucket),
            ("put listing keys", self.list_setup),
            ("list_objects all", self.list_all),
            ("list_objects Prefix + Delimiter", self.list_delimiter),
            ("list_objects Marker/MaxKeys paging", self.list_paging),
            ("list_objects paging with Delimiter", self.list_paging_delimiter),
            ("list_objects EncodingType=url", self.list_encoding_url),
            ("list_objects empty prefix", self.list_empty),
            ("copy_object MetadataDirective Copy", self.copy_object_copy),
            ("copy_object MetadataDirective Replaced", self.copy_object_replaced),
            ("copy_object missing source -> 404", self.copy_missing_source),
            ("delete_objects", self.delete_objects),
            ("delete_objects quiet", self.delete_objects_quiet),
            ("delete_object", self.delete_object),
            ("keys with dot segments, reserved characters, double and trailing slashes", self.odd_keys),
            ("empty object", self.empty_object),
            ("put_object overwrites", self.overwrite),
            ("get_object If-Match -> 412 PreconditionFailed", self.conditional_get),
            ("get_object Range beyond the end -> 416 InvalidRange", self.range_not_satisfiable),
            ("error responses: application/xml, x-cos-request-id", self.error_content_type),
            ("delete_bucket non-empty -> 409 BucketNotEmpty", self.delete_bucket_not_empty),
            ("wrong SecretKey -> 403 SignatureDoesNotMatch", self.wrong_secret_key),
            ("unknown SecretId -> 403 InvalidAccessKeyId", self.unknown_secret_id),
            ("expired signature -> 403", self.expired_signature),
            ("temporary credentials", self.temporary_credentials),
            ("temporary credentials, wrong or no token -> 403", self.temporary_wrong_token),
            ("get_presigned_download_url", self.presigned_download),
            ("get_presigned_url GET with signed params", self.presigned_url_get_with_params),
            ("get_presigned_url PUT", self.presigned_put),
            ("presigned URL with temporary credentials", self.presigned_temporary),
            ("presigned URL tampered -> 403", self.presigned_tampered),
            ("presigned URL on another bucket's host -> 403", self.presigned_wrong_host_header),
            ("delete_bucket", self.delete_bucket),
        ]
        checks[-1:-1] = multipart_checks(self)
        for name, fn in checks:
            self.run(name, fn)
        print("conformance: %d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 0 if self.failed == 0 and self.passed == len(checks) else 1


def multipart_checks(c):
    """Multipart uploads and the SDK's transfer helpers, as (name, check) pairs for Conformance.main; `c` is the
    Conformance run (client, bucket, port). Uses the emulator's control API (/__emulator/) to break one part."""
    key = "multipart/object 中 +.bin"
    state = {}
    mib = 1024 * 1024

    def ctl(method, path):
        req = urllib.request.Request("http://127.0.0.1:%d/__emulator/%s" % (c.port, path), method=method)
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=20) as resp:
            return resp.read().decode()

    def stats():
        return dict(line.split(" ", 1) for line in ctl("GET", "stats").splitlines())

    def uploads(**kwargs):
        return c.client.list_multipart_uploads(Bucket=c.bucket, **kwargs)

    def initiate():
        resp = c.client.create_multipart_upload(Bucket=c.bucket, Key=key, ContentType="text/x-multipart",
                                                Metadata={"x-cos-meta-mp": "yes"}, StorageClass="STANDARD_IA")
        eq(resp.get("Bucket"), c.bucket, "Bucket")
        eq(resp.get("Key"), key, "Key")
        expect(resp.get("UploadId"), "UploadId in %r" % resp)
        state["id"] = resp["UploadId"]

    def upload_parts():
        parts = [os.urandom(mib + 17), os.urandom(mib), b"the last part may be small"]
        first = c.client.upload_part(Bucket=c.bucket, Key=key, Body=b"replaced", PartNumber=1, UploadId=state["id"])
        eq(first.get("ETag"), md5_etag(b"replaced"), "ETag of a part")
        for n, data in enumerate(parts, 1):
            resp = c.client.upload_part(Bucket=c.bucket, Key=key, Body=data, PartNumber=n, UploadId=state["id"],
                                        EnableMD5=(n == 2))
            eq(resp.get("ETag"), md5_etag(data), "ETag of part %d" % n)
            eq(resp.get("x-cos-hash-crc64ecma"), str(crc64(data)), "x-cos-hash-crc64ecma of part %d" % n)
        state["parts"] = parts

    def part_errors():
        for n in (0, 10001):
            service_error(lambda: c.client.upload_part(Bucket=c.bucket, Key=key, Body=b"x", PartNumber=n,
                                                       UploadId=state["id"]), 400, "InvalidArgument")
        service_error(lambda: c.client.upload_part(Bucket=c.bucket, Key=key, Body=b"x", PartNumber=1,
                                                   UploadId="no-such-upload"), 404, "NoSuchUpload")
        service_error(lambda: c.client.upload_part(Bucket=c.bucket, Key=key + "-other", Body=b"x", PartNumber=1,
                                                   UploadId=state["id"]), 404, "NoSuchUpload")

    def list_parts():
        data = c.client.list_parts(Bucket=c.bucket, Key=key, UploadId=state["id"])
        eq(data.get("Key"), key, "Key (decoded by the SDK)")
        eq(data.get("IsTruncated"), "false", "IsTruncated")
        eq([p["PartNumber"] for p in data["Part"]], ["1", "2", "3"], "PartNumber")
        eq([p["Size"] for p in data["Part"]], [str(len(p)) for p in state["parts"]], "Size")
        eq([p["ETag"] for p in data["Part"]], [md5_etag(p) for p in state["parts"]], "ETag")
        eq(data.get("StorageClass"), "STANDARD_IA", "StorageClass")
        expect(data.get("Initiator", {}).get("ID") and data.get("Owner", {}).get("ID"), "Initiator/Owner in %r" % data)
        expect(iso_age(data["Part"][0]["LastModified"]) < 600, "LastModified %r" % data["Part"][0]["LastModified"])
        seen, marker = [], 0
        for _ in range(5):
            page = c.client.list_parts(Bucket=c.bucket, Key=key, UploadId=state["id"], MaxParts=2,
                                       PartNumberMarker=marker)
            seen += [p["PartNumber"] for p in page.get("Part", [])]
            if page["IsTruncated"] == "false":
                break
            marker = int(page["NextPartNumberMarker"])
        eq(seen, ["1", "2", "3"], "parts over pages of 2")

    def list_uploads():
        others = [c.client.create_multipart_upload(Bucket=c.bucket, Key=k)["UploadId"]
                  for k in ("multipart/a", "multipart/a", "multipart/sub/b", "other")]
        state["others"] = list(zip(("multipart/a", "multipart/a", "multipart/sub/b", "other"), others))
        data = uploads(Prefix="multipart/")
        got = [(u["Key"], u["UploadId"]) for u in data.get("Upload", [])]
        want = sorted([(k, i) for k, i in state["others"] if k.startswith("multipart/")] + [(key, state["id"])],
                      key=lambda ki: ki[0].encode("utf-8"))
        eq(got, want, "uploads ordered by key, then initiation")
        eq(data["Upload"][0].get("StorageClass"), "STANDARD", "StorageClass")
        expect(iso_age(data["Upload"][0]["Initiated"]) < 600, "Initiated %r" % data["Upload"][0]["Initiated"])
        data = uploads(Prefix="multipart/", Delimiter="/")
        eq([p["Prefix"] for p in data.get("CommonPrefixes", [])], ["multipart/sub/"], "CommonPrefixes")
        eq(len(data.get("Upload", [])), 3, "uploads beside the common prefix")
        seen, km, um = [], "", ""
        for _ in range(10):
            page = uploads(Prefix="multipart/", KeyMarker=km, UploadIdMarker=um, MaxUploads=2)
            seen += [(u["Key"], u["UploadId"]) for u in page.get("Upload", [])]
            if page["IsTruncated"] == "false":
                break
            km, um = page["NextKeyMarker"], page["NextUploadIdMarker"]
        eq(seen, want, "uploads over pages of 2")

    def complete_errors():
        etags = [md5_etag(p) for p in state["parts"]]
        done = lambda parts: c.client.complete_multipart_upload(  # noqa: E731
            Bucket=c.bucket, Key=key, UploadId=state["id"],
            MultipartUpload={"Part": [{"PartNumber": n, "ETag": e} for n, e in parts]})
        service_error(lambda: done([(2, etags[1]), (1, etags[0])]), 400, "InvalidPartOrder")
        service_error(lambda: done([(1, etags[0]), (4, etags[1])]), 400, "InvalidPart")
        service_error(lambda: done([(1, etags[1]), (2, etags[1])]), 400, "InvalidPart")
        service_error(lambda: done([(1, etags[0]), (3, etags[2]), (2, etags[1])]), 400, "InvalidPartOrder")
        # Part 3 is small: fine as the last part, not before part 5. (Part 5 is dropped by the real complete.)
        tail = os.urandom(1000)
        c.client.upload_part(Bucket=c.bucket, Key=key, Body=tail, PartNumber=5, UploadId=state["id"])
        service_error(lambda: done([(1, etags[0]), (3, etags[2]), (5, md5_etag(tail))]), 400, "EntityTooSmall")

    def complete():
        parts = state["parts"]
        resp = c.client.complete_multipart_upload(
            Bucket=c.bucket, Key=key, UploadId=state["id"],
            MultipartUpload={"Part": [{"PartNumber": n, "ETag": md5_etag(p)} for n, p in enumerate(parts, 1)]})
        whole = b"".join(parts)
        digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
        eq(resp.get("ETag"), '"%s-3"' % digest, "ETag = MD5 of the part MD5s, dash, part count")
        eq(resp.get("x-cos-hash-crc64ecma"), str(crc64(whole)), "x-cos-hash-crc64ecma of the whole object")
        eq(resp.get("Bucket"), c.bucket, "Bucket")
        expect(c.bucket in (resp.get("Location") or ""), "Location %r" % resp.get("Location"))
        head = c.client.head_object(Bucket=c.bucket, Key=key)
        eq(head.get("Content-Length"), str(len(whole)), "Content-Length")
        eq(head.get("ETag"), resp["ETag"], "ETag")
        eq(head.get("Content-Type"), "text/x-multipart", "Content-Type kept from create_multipart_upload")
        eq(head.get("x-cos-meta-mp"), "yes", "metadata kept from create_multipart_upload")
        eq(head.get("x-cos-storage-class"), "STANDARD_IA", "storage class kept from create_multipart_upload")
        eq(read_body(c.client.get_object(Bucket=c.bucket, Key=key)), whole, "body")
        eq(read_body(c.client.get_object(Bucket=c.bucket, Key=key, Range="bytes=1048570-1048600")),
           whole[1048570:1048601], "a range across two parts")
        expect(all(u["UploadId"] != state["id"] for u in uploads().get("Upload", [])), "upload gone after complete")
        service_error(lambda: c.client.list_parts(Bucket=c.bucket, Key=key, UploadId=state["id"]), 404,
                      "NoSuchUpload")

    def part_copy():
        dst, src = "multipart/copied", {"Bucket": c.bucket, "Key": key, "Region": REGION}
        whole = b"".join(state["parts"])
        upload_id = c.client.create_multipart_upload(Bucket=c.bucket, Key=dst)["UploadId"]
        first = c.client.upload_part_copy(Bucket=c.bucket, Key=dst, PartNumber=1, UploadId=upload_id, CopySource=src,
                                          CopySourceRange="bytes=10-%d" % (10 + mib))
        eq(first.get("ETag"), md5_etag(whole[10:11 + mib]), "ETag of a ranged part copy")
        eq(first.get("CRC64"), str(crc64(whole[10:11 + mib])), "CRC64 of a ranged part copy")
        second = c.client.upload_part_copy(Bucket=c.bucket, Key=dst, PartNumber=2, UploadId=upload_id, CopySource=src)
        eq(second.get("ETag"), md5_etag(whole), "ETag of a whole-object part copy")
        service_error(lambda: c.client.upload_part_copy(Bucket=c.bucket, Key=dst, PartNumber=3, UploadId=upload_id,
                                                        CopySource=src, CopySourceRange="bytes=0-%d" % len(whole)),
                      400, "InvalidRange")
        c.client.complete_multipart_upload(Bucket=c.bucket, Key=dst, UploadId=upload_id, MultipartUpload={
            "Part": [{"PartNumber": 1, "ETag": first["ETag"]}, {"PartNumber": 2, "ETag": second["ETag"]}]})
        eq(read_body(c.client.get_object(Bucket=c.bucket, Key=dst)), whole[10:11 + mib] + whole, "copied object")

    def abort():
        for k, upload_id in state["others"]:
            eq(c.client.abort_multipart_upload(Bucket=c.bucket, Key=k, UploadId=upload_id), None, "abort result")
        k, upload_id = state["others"][0]
        service_error(lambda: c.client.abort_multipart_upload(Bucket=c.bucket, Key=k, UploadId=upload_id), 404,
                      "NoSuchUpload")
        eq(uploads().get("Upload"), None, "no upload left")

    def transfer_files():
        work = tempfile.mkdtemp(prefix="cos-conformance-")
        try:
            src, dst = os.path.join(work, "src.bin"), os.path.join(work, "dst.bin")
            data = os.urandom(30 * mib + 4321)
            with open(src, "wb") as f:
                f.write(data)
            resp = c.client.upload_file(Bucket=c.bucket, Key="multipart/file.bin", LocalFilePath=src, PartSize=5,
                                        MAXThread=4, EnableMD5=True)
            expect((resp.get("ETag") or "").endswith('-7"'), "ETag of a 7-part upload: %r" % resp.get("ETag"))
            head = c.client.head_object(Bucket=c.bucket, Key="multipart/file.bin")
            eq(head.get("x-cos-hash-crc64ecma"), str(crc64(data)), "x-cos-hash-crc64ecma")
            c.client.download_file(Bucket=c.bucket, Key="multipart/file.bin", DestFilePath=dst, PartSize=5,
                                   MAXThread=4, EnableCRC=True)
            with open(dst, "rb") as f:
                eq(f.read() == data, True, "downloaded file equals the uploaded one")
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def transfer_resume():
        # One part fails (an injected 500; the client does not retry): upload_file gives up and leaves the upload.
        # The next upload_file finds it with list_multipart_uploads/list_parts and sends the missing part only.
        work = tempfile.mkdtemp(prefix="cos-conformance-")
        try:
            src = os.path.join(work, "src.bin")
            data = os.urandom(12 * mib)
            with open(src, "wb") as f:
                f.write(data)
            k = "multipart/resumed.bin"
            ctl("POST", "faults?kind=status&status=500&method=PUT&sub=partNumber&key=%s" % urllib.parse.quote(k))
            try:
                c.client.upload_file(Bucket=c.bucket, Key=k, LocalFilePath=src, PartSize=5, MAXThread=4)
                raise Failed("upload_file succeeded despite a failing part")
            except CosClientError:
                pass
            eq(ctl("GET", "faults"), "", "the fault fired")
            before = stats()
            c.client.upload_file(Bucket=c.bucket, Key=k, LocalFilePath=src, PartSize=5, MAXThread=4)
            after = stats()
            eq(int(after.get("PUT", 0)) - int(before.get("PUT", 0)), 1, "parts sent by the resumed upload_file")
            eq(read_body(c.client.get_object(Bucket=c.bucket, Key=k)), data, "resumed object")
        finally:
            shutil.rmtree(work, ignore_errors=True)

    return [
        ("create_multipart_upload", initiate),
        ("upload_part: ETag, x-cos-hash-crc64ecma, re-upload replaces", upload_parts),
        ("upload_part bad part number -> 400, unknown upload -> 404 NoSuchUpload", part_errors),
        ("list_parts, and paging", list_parts),
        ("list_multipart_uploads: order, Delimiter, paging", list_uploads),
        ("complete_multipart_upload InvalidPartOrder, InvalidPart, EntityTooSmall", complete_errors),
        ("complete_multipart_upload: ETag, CRC-64, metadata, body", complete),
        ("upload_part_copy with and without CopySourceRange, bad range -> 400", part_copy),
        ("abort_multipart_upload, then 404 NoSuchUpload", abort),
        ("upload_file / download_file 30 MB, PartSize=5, MAXThread=4", transfer_files),
        ("upload_file resumes after a failed part", transfer_resume),
    ]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--secret-id", default="AKIDcosEmulatorDefault")
    p.add_argument("--secret-key", default="cosEmulatorDefaultSecretKey")
    p.add_argument("--temp-secret-id", default="AKIDcosEmulatorTemp")
    p.add_argument("--temp-secret-key", default="cosEmulatorTempSecretKey")
    p.add_argument("--session-token", default="cosEmulatorSessionToken")
    sys.exit(Conformance(p.parse_args()).main())


if __name__ == "__main__":
    main()
