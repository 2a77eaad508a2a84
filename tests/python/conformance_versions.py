"""Peer conformance of versioning and archive restore: the official COS Python SDK (cos-python-sdk-v5) drives the
emulator through bucket versioning, version ids, reads and deletes by VersionId, delete markers, the version listing
(paging and delimiter), batch deletes with versions, copies from a version, and the restore of ARCHIVE /
DEEP_ARCHIVE objects.

Usage: conformance_versions.py --port PORT [--secret-id ID --secret-key KEY] [--restore-delay-ms MS]
       conformance_versions.py --port PORT --persist write|check --state FILE

With `--persist write` it writes versions, a delete marker, the versioning status and a restored archive object and
saves what it saw in FILE; with `--persist check`, run against an emulator restarted on the same `--data-dir`, it
checks that the SDK sees exactly the same (the listing, the bytes of each version, the status, x-cos-restore).

`--restore-delay-ms` must be the emulator's own setting: with a delay the restore checks also see the restore in
progress (x-cos-restore ongoing-request="true", reads refused, a second restore 409) before it completes.
Every check asserts on the values the SDK returns. One line per check ("ok" / "FAIL"), then a summary line
`conformance: N passed, M failed`; the exit status is 1 when any check failed.

Not covered here, and why: MFA delete and object lock do not exist in COS's
versioning API; the Python SDK has no typed call for `GET /?versions` with `encoding-type` other than url.
"""

import argparse
import json
import os
import sys
import time
import traceback

from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_auth import CosS3Auth

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The shared checks, and the environment conformance.py sets up on import (no proxies, SDK logging quiet).
from conformance import APPID, REGION, Failed, eq, expect, service_error  # noqa: E402


def describe(e):
    if isinstance(e, Failed):
        return str(e)
    here = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == __file__]
    where = " at line %d (%s)" % (here[-1].lineno, here[-1].line) if here else ""
    return "%s: %s%s" % (type(e).__name__, e, where)


def body_of(resp):
    return b"".join(resp["Body"].get_stream(1 << 16))


def version_of(headers):
    return headers.get("x-cos-version-id")


class Versions:
    def __init__(self, args):
        self.port = args.port
        self.delay_ms = args.restore_delay_ms
        conf = CosConfig(Region=REGION, SecretId=args.secret_id, SecretKey=args.secret_key, Scheme="http",
                         Timeout=20, IP="127.0.0.1", Port=args.port)
        self.client = CosS3Client(conf, retry=0)
        self.bucket = "pyversions-%s" % APPID
        self.archive = "pyarchive-%s" % APPID
        self.key = "versioned/object 1+中.txt"
        self.ids = {}
        self.statuses = []
        self.passed = 0
        self.failed = 0
        # Record the HTTP status of every response: restore_object returns None, and 202 vs 200 matters.
        original = self.client.send_request

        def recording(*a, **k):
            rt = original(*a, **k)
            self.statuses.append(rt.status_code)
            return rt

        self.client.send_request = recording

    def run(self, name, fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - every failure is reported, the run goes on
            self.failed += 1
            print("FAIL %s: %s" % (name, describe(e).replace("\n", "\n     ")), flush=True)
        else:
            self.passed += 1
            print("ok   %s" % name, flush=True)

    def put(self, key, data, bucket=None, **kw):
        return self.client.put_object(Bucket=bucket or self.bucket, Key=key, Body=data, **kw)

    def get(self, key, bucket=None, **kw):
        return body_of(self.client.get_object(Bucket=bucket or self.bucket, Key=key, **kw))

    def all_versions(self, **kw):
        """Every Version and DeleteMarker of the listing, in order, as (key, id, is marker, is latest) rows,
        walking pages of `MaxKeys` with the Next* markers."""
        rows, prefixes = [], []
        km = vm = ""
        pages = 0
        while True:
            page = self.client.list_objects_versions(Bucket=self.bucket, KeyMarker=km, VersionIdMarker=vm, **kw)
            pages += 1
            expect(pages < 200, "listing does not end")
            # The SDK keeps Version and DeleteMarker apart; COS orders them by key, then newest first.
            entries = [(v["Key"], v["VersionId"], False, v["IsLatest"] == "true", v["LastModified"])
                       for v in page.get("Version", [])]
            entries += [(m["Key"], m["VersionId"], True, m["IsLatest"] == "true", m["LastModified"])
                        for m in page.get("DeleteMarker", [])]
            rows.extend(entries)
            prefixes.extend(p["Prefix"] for p in page.get("CommonPrefixes", []))
            if page["IsTruncated"] != "true":
                return rows, prefixes, pages
            km, vm = page["NextKeyMarker"], page.get("NextVersionIdMarker") or ""

    def raw(self, method, params, data=b"", key=""):
        """A request the SDK's typed calls will not send (they validate their input first)."""
        url = self.client._conf.uri(bucket=self.bucket, path=key or None)
        return self.client.send_request(method=method, url=url, bucket=self.bucket, data=data, params=params,
                                        headers={}, auth=CosS3Auth(self.client._conf, key or None, params=params))

    # ----------------------------------------------------------------------------------- versioning

    def never_versioned(self):
        self.client.create_bucket(Bucket=self.bucket)
        # `<VersioningConfiguration/>`: the SDK's xml_to_dict makes it {'VersioningConfiguration': None}.
        got = self.client.get_bucket_versioning(Bucket=self.bucket)
        expect("Status" not in got and list(got.values()) in ([], [None]), "no Status for a new bucket: %r" % got)
        resp = self.put(self.key, b"before versioning")
        eq(version_of(resp), None, "x-cos-version-id of an unversioned write")

    def enable(self):
        eq(self.client.put_bucket_versioning(Bucket=self.bucket, Status="Enabled"), None, "put_bucket_versioning")
        eq(self.client.get_bucket_versioning(Bucket=self.bucket), {"Status": "Enabled"}, "get_bucket_versioning")

    def bad_status(self):
        body = b"<VersioningConfiguration><Status>On</Status></VersioningConfiguration>"
        service_error(lambda: self.raw("PUT", {"versioning": ""}, body), 400, "MalformedXML")
        eq(self.client.get_bucket_versioning(Bucket=self.bucket)["Status"], "Enabled", "status after a bad PUT")

    def version_ids(self):
        v1 = version_of(self.put(self.key, b"version one"))
        v2 = version_of(self.put(self.key, b"version two"))
        expect(v1 and v2 and v1 != v2, "two writes, two version ids: %r %r" % (v1, v2))
        self.ids.update(v1=v1, v2=v2)
        eq(self.get(self.key), b"version two", "GET without VersionId reads the latest")

    def read_by_version(self):
        eq(self.get(self.key, VersionId=self.ids["v1"]), b"version one", "GET ?versionId=v1")
        eq(self.get(self.key, VersionId="null"), b"before versioning", "GET ?versionId=null (the pre-versioning object)")
        head = self.client.head_object(Bucket=self.bucket, Key=self.key, VersionId=self.ids["v1"])
        eq(head["Content-Length"], str(len(b"version one")), "HEAD ?versionId=v1 Content-Length")
        eq(version_of(head), self.ids["v1"], "HEAD x-cos-version-id")
        resp = self.client.get_object(Bucket=self.bucket, Key=self.key)
        eq(version_of(resp), self.ids["v2"], "GET x-cos-version-id of the latest")
        service_error(lambda: self.get(self.key, VersionId="MTg0NDY3NDQwNzM3MDk1NTE2MTU"), 404, "NoSuchVersion")

    def delete_marker(self):
        resp = self.client.delete_object(Bucket=self.bucket, Key=self.key)
        eq(resp.get("x-cos-delete-marker"), "true", "x-cos-delete-marker of a versioned DELETE")
        marker = version_of(resp)
        expect(marker and marker not in self.ids.values(), "the marker has its own version id: %r" % marker)
        self.ids["marker"] = marker
        service_error(lambda: self.get(self.key), 404, "NoSuchKey")
        service_error(lambda: self.client.head_object(Bucket=self.bucket, Key=self.key), 404)
        service_error(lambda: self.get(self.key, VersionId=marker), 405, "MethodNotAllowed")
        eq(self.get(self.key, VersionId=self.ids["v2"]), b"version two", "older versions stay readable")
        listed = self.client.list_objects(Bucket=self.bucket).get("Contents", [])
        eq([c["Key"] for c in listed], [], "ListObjects hides a key whose latest is a marker")

    def list_versions(self):
        rows, _, _ = self.all_versions()
        got = [(k, i, m, latest) for k, i, m, latest, _ in rows]
        ids = self.ids
        # The SDK separates Version from DeleteMarker: versions newest first, then the marker.
        eq(sorted(got), sorted([(self.key, ids["marker"], True, True), (self.key, ids["v2"], False, False),
                                (self.key, ids["v1"], False, False), (self.key, "null", False, False)]),
           "versions and markers of the key, url-decoded")
        versions = [i for k, i, m, _ in got if not m]
        eq(versions, [ids["v2"], ids["v1"], "null"], "versions newest first")

    def undelete(self):
        resp = self.client.delete_object(Bucket=self.bucket, Key=self.key, VersionId=self.ids["marker"])
        eq(resp.get("x-cos-delete-marker"), "true", "deleting a marker says so")
        eq(version_of(resp), self.ids["marker"], "x-cos-version-id of the removed marker")
        eq(self.get(self.key), b"version two", "removing the marker brings the key back")

    def delete_a_version(self):
        resp = self.client.delete_object(Bucket=self.bucket, Key=self.key, VersionId=self.ids["v2"])
        eq(version_of(resp), self.ids["v2"], "x-cos-version-id of the removed version")
        eq(resp.get("x-cos-delete-marker"), None, "no marker for a version removed for good")
        eq(self.get(self.key), b"version one", "the previous version is current again")
        service_error(lambda: self.get(self.key, VersionId=self.ids["v2"]), 404, "NoSuchVersion")

    def paging(self):
        for key in ["page/a", "page/b", "page/c"]:
            for n in range(3):
                self.put(key, ("%s %d" % (key, n)).encode())
        self.client.delete_object(Bucket=self.bucket, Key="page/b")
        full, _, pages = self.all_versions(Prefix="page/")
        eq(pages, 1, "one page of 1000")
        eq(len(full), 10, "3 keys x 3 versions + 1 marker")
        eq([k for k, _, _, latest, _ in full if latest], ["page/a", "page/c", "page/b"], "one latest per key")
        for size in (1, 2, 3):
            paged, _, pages = self.all_versions(Prefix="page/", MaxKeys=size)
            eq(sorted(paged), sorted(full), "pages of %d list the same versions" % size)
            expect(pages >= len(full) // size, "pages of %d: %d pages" % (size, pages))

    def delimiter(self):
        rows, prefixes, _ = self.all_versions(Delimiter="/")
        eq(prefixes, ["page/", "versioned/"], "CommonPrefixes")
        eq(rows, [], "no versions outside the common prefixes")
        rows, prefixes, _ = self.all_versions(Prefix="page/", Delimiter="/", MaxKeys=4)
        eq((len(rows), prefixes), (10, []), "a prefix below the delimiter lists its versions")

    def delete_objects_with_versions(self):
        versions = [i for k, i, m, _, _ in self.all_versions(Prefix="page/a")[0]]
        resp = self.client.delete_objects(Bucket=self.bucket, Delete={
            "Quiet": "false",
            "Object": [{"Key": "page/a", "VersionId": versions[-1]}, {"Key": "page/c"}],
        })
        deleted = {d["Key"]: d for d in resp.get("Deleted", [])}
        eq(resp.get("Error", []), [], "no errors")
        eq(deleted["page/a"].get("VersionId"), versions[-1], "Deleted.VersionId of a version removed")
        expect("DeleteMarker" not in deleted["page/a"], "no DeleteMarker for a version removed: %r" % deleted)
        eq(deleted["page/c"].get("DeleteMarker"), "true", "Deleted.DeleteMarker for a key deleted without version")
        marker = deleted["page/c"].get("DeleteMarkerVersionId")
        latest = [i for k, i, m, l, _ in self.all_versions(Prefix="page/c")[0] if l and m]
        eq(latest, [marker], "DeleteMarkerVersionId is the new latest marker")
        remaining = [i for k, i, _, _, _ in self.all_versions(Prefix="page/a")[0]]
        eq(remaining, versions[:-1], "the oldest version of page/a is gone")

    def copy_from_version(self):
        src = {"Bucket": self.bucket, "Key": self.key, "Region": REGION, "VersionId": "null"}
        resp = self.client.copy_object(Bucket=self.bucket, Key="copies/from-null", CopySource=src)
        expect(version_of(resp), "the copy gets a version id: %r" % resp)
        eq(resp.get("VersionId"), version_of(resp), "CopyObjectResult.VersionId")
        eq(resp.get("x-cos-copy-source-version-id"), "null", "x-cos-copy-source-version-id")
        eq(self.get("copies/from-null"), b"before versioning", "copy of the null version")
        src["VersionId"] = self.ids["v1"]
        self.client.copy_object(Bucket=self.bucket, Key="copies/from-v1", CopySource=src)
        eq(self.get("copies/from-v1"), b"version one", "copy of version v1")
        src["VersionId"] = self.ids["v2"]
        service_error(lambda: self.client.copy_object(Bucket=self.bucket, Key="copies/x", CopySource=src), 404,
                      "NoSuchVersion")

    def upload_part_copy_from_version(self):
        key = "copies/multipart"
        upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        src = {"Bucket": self.bucket, "Key": self.key, "Region": REGION, "VersionId": "null"}
        part = self.client.upload_part_copy(Bucket=self.bucket, Key=key, PartNumber=1, UploadId=upload,
                                            CopySource=src)
        done = self.client.complete_multipart_upload(
            Bucket=self.bucket, Key=key, UploadId=upload,
            MultipartUpload={"Part": [{"PartNumber": 1, "ETag": part["ETag"]}]})
        expect(done.get("ETag"), "complete result %r" % done)
        eq(self.get(key), b"before versioning", "UploadPartCopy of the null version")
        head = self.client.head_object(Bucket=self.bucket, Key=key)
        expect(version_of(head), "a completed upload is a new version: %r" % head)

    def append_is_not_versioned(self):
        # COS: appendable objects do not take part in versioning; they are the null version, changed in place.
        for position, data in ((0, b"ab"), (2, b"cd")):
            resp = self.client.append_object(Bucket=self.bucket, Key="appended", Position=position, Data=data)
            eq(version_of(resp), None, "x-cos-version-id of an append")
        eq(self.get("appended"), b"abcd", "the appended object")
        rows = [(i, m, latest) for k, i, m, latest, _ in self.all_versions(Prefix="appended")[0]]
        eq(rows, [("null", False, True)], "one null version for the appendable object")

    def not_empty(self):
        service_error(lambda: self.client.delete_bucket(Bucket=self.bucket), 409, "BucketNotEmpty")

    def suspended(self):
        self.client.put_bucket_versioning(Bucket=self.bucket, Status="Suspended")
        eq(self.client.get_bucket_versioning(Bucket=self.bucket), {"Status": "Suspended"}, "status")
        key = "suspended/k"
        self.put(key, b"real version")
        self.client.put_bucket_versioning(Bucket=self.bucket, Status="Enabled")
        real = version_of(self.client.head_object(Bucket=self.bucket, Key=key))
        eq(real, None, "a Suspended write is the null version")
        v = version_of(self.put(key, b"enabled version"))
        self.client.put_bucket_versioning(Bucket=self.bucket, Status="Suspended")
        self.put(key, b"null one")
        self.put(key, b"null two")
        rows = [(i, m) for k, i, m, _, _ in self.all_versions(Prefix=key)[0]]
        eq(sorted(rows), sorted([("null", False), (v, False)]), "writes replace the null version")
        eq(self.get(key), b"null two", "the latest null write")
        resp = self.client.delete_object(Bucket=self.bucket, Key=key)
        eq((version_of(resp), resp.get("x-cos-delete-marker")), ("null", "true"), "a Suspended DELETE")
        rows = [(i, m) for k, i, m, _, _ in self.all_versions(Prefix=key)[0]]
        eq(sorted(rows), sorted([("null", True), (v, False)]), "the null marker replaced the null version")

    def empty_and_delete(self):
        rows, _, _ = self.all_versions()
        objects = [{"Key": k, "VersionId": i} for k, i, _, _, _ in rows]
        for i in range(0, len(objects), 1000):
            resp = self.client.delete_objects(Bucket=self.bucket, Delete={"Quiet": "true",
                                                                           "Object": objects[i:i + 1000]})
            eq(resp.get("Error", []), [], "errors deleting every version")
        eq(self.all_versions()[0], [], "nothing left")
        self.client.delete_bucket(Bucket=self.bucket)

    # ---------------------------------------------------------------------------------------- archive

    def restore(self, key, days=1, tier="Standard", bucket=None, **kw):
        self.statuses.clear()
        self.client.restore_object(Bucket=bucket or self.archive, Key=key,
                                   RestoreRequest={"Days": days, "CASJobParameters": {"Tier": tier}}, **kw)
        return self.statuses[-1]

    def restore_state(self, key, **kw):
        return self.client.head_object(Bucket=self.archive, Key=key, **kw).get("x-cos-restore")

    def archive_refused(self):
        self.client.create_bucket(Bucket=self.archive)
        self.put("cold", b"archived bytes", bucket=self.archive, StorageClass="ARCHIVE")
        service_error(lambda: self.get("cold", bucket=self.archive), 403, "InvalidObjectState")
        head = self.client.head_object(Bucket=self.archive, Key="cold")
        eq(head.get("x-cos-storage-class"), "ARCHIVE", "HEAD storage class")
        eq(head.get("x-cos-restore"), None, "no x-cos-restore before a restore")

    def archive_restore(self):
        eq(self.restore("cold", days=2), 202, "status of a restore started")
        if self.delay_ms:
            eq(self.restore_state("cold"), 'ongoing-request="true"', "x-cos-restore while in progress")
            service_error(lambda: self.get("cold", bucket=self.archive), 403, "InvalidObjectState")
            service_error(lambda: self.restore("cold"), 409, "RestoreAlreadyInProgress")
            time.sleep(self.delay_ms / 1000 + 0.3)
        state = self.restore_state("cold")
        expect(state and state.startswith('ongoing-request="false", expiry-date="'), "x-cos-restore done: %r" % state)
        eq(self.get("cold", bucket=self.archive), b"archived bytes", "GET once restored")
        eq(self.restore("cold", days=5), 200, "status of a restore of a restored object (extends it)")
        expect(self.restore_state("cold") != state, "the expiry moved: %r" % state)

    def deep_archive(self):
        self.put("deep", b"deep bytes", bucket=self.archive, StorageClass="DEEP_ARCHIVE")
        service_error(lambda: self.restore("deep", tier="Expedited"), 400, "InvalidArgument")
        eq(self.restore("deep", tier="Bulk"), 202, "DEEP_ARCHIVE Bulk restore")
        if self.delay_ms:
            time.sleep(self.delay_ms / 1000 + 0.3)
        eq(self.get("deep", bucket=self.archive), b"deep bytes", "DEEP_ARCHIVE readable once restored")

    def restore_errors(self):
        self.put("warm", b"standard", bucket=self.archive)
        service_error(lambda: self.restore("warm"), 405, "RestoreNonArchiveObject")
        self.put("cold2", b"x", bucket=self.archive, StorageClass="ARCHIVE")
        service_error(lambda: self.restore("cold2", tier="Fastest"), 400, "MalformedXML")
        service_error(lambda: self.restore("cold2", days=0), 400, "InvalidArgument")
        service_error(lambda: self.restore("missing"), 404, "NoSuchKey")
        src = {"Bucket": self.archive, "Key": "cold2", "Region": REGION}
        service_error(lambda: self.client.copy_object(Bucket=self.archive, Key="copy", CopySource=src), 403,
                      "InvalidObjectState")

    def restore_by_version(self):
        self.client.put_bucket_versioning(Bucket=self.archive, Status="Enabled")
        v1 = version_of(self.put("cold-v", b"first", bucket=self.archive, StorageClass="ARCHIVE"))
        self.put("cold-v", b"second", bucket=self.archive, StorageClass="ARCHIVE")
        eq(self.restore("cold-v", VersionId=v1), 202, "restore of one version")
        if self.delay_ms:
            time.sleep(self.delay_ms / 1000 + 0.3)
        eq(self.get("cold-v", bucket=self.archive, VersionId=v1), b"first", "the restored version reads")
        service_error(lambda: self.get("cold-v", bucket=self.archive), 403, "InvalidObjectState")
        eq(self.restore_state("cold-v"), None, "the latest version was not restored")

    def archive_cleanup(self):
        rows = self.client.list_objects_versions(Bucket=self.archive)
        objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in rows.get("Version", [])]
        self.client.delete_objects(Bucket=self.archive, Delete={"Quiet": "true", "Object": objects})
        self.client.delete_bucket(Bucket=self.archive)

    # ------------------------------------------------------------------------------------ persistence

    def persist_write(self, state_file):
        b = "pypersist-%s" % APPID
        self.bucket = self.archive = b
        self.client.create_bucket(Bucket=b)
        self.client.put_bucket_versioning(Bucket=b, Status="Enabled")
        ids = [version_of(self.put("p/k", data)) for data in (b"one", b"two")]
        marker = version_of(self.client.delete_object(Bucket=b, Key="p/k"))
        self.put("cold", b"archived", StorageClass="ARCHIVE")
        eq(self.restore("cold", days=3), 202, "restore started")
        rows, _, _ = self.all_versions()
        state = {"ids": ids, "marker": marker, "rows": rows, "restore": self.restore_state("cold")}
        expect(state["restore"], "x-cos-restore after a restore")
        with open(state_file, "w") as f:
            json.dump(state, f)

    def persist_check(self, state_file):
        with open(state_file) as f:
            state = json.load(f)
        b = "pypersist-%s" % APPID
        self.bucket = self.archive = b
        eq(self.client.get_bucket_versioning(Bucket=b), {"Status": "Enabled"}, "versioning status after a restart")
        rows, _, _ = self.all_versions()
        eq([list(r) for r in rows], state["rows"], "the version listing after a restart")
        for data, vid in zip((b"one", b"two"), state["ids"]):
            eq(self.get("p/k", VersionId=vid), data, "version %s after a restart" % vid)
        service_error(lambda: self.get("p/k"), 404, "NoSuchKey")
        service_error(lambda: self.get("p/k", VersionId=state["marker"]), 405, "MethodNotAllowed")
        eq(self.restore_state("cold"), state["restore"], "x-cos-restore after a restart")
        eq(self.get("cold"), b"archived", "the restored archive object reads after a restart")
        self.empty_and_delete()

    def persistence(self, phase, state_file):
        fn = self.persist_write if phase == "write" else self.persist_check
        self.run("persistence: %s" % phase, lambda: fn(state_file))
        print("conformance: %d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 0 if self.failed == 0 and self.passed == 1 else 1

    def main(self):
        checks = [
            ("get_bucket_versioning of a new bucket: no Status", self.never_versioned),
            ("put/get_bucket_versioning Enabled", self.enable),
            ("put_bucket_versioning with a bad Status -> 400 MalformedXML", self.bad_status),
            ("put_object returns x-cos-version-id", self.version_ids),
            ("get/head_object by VersionId (null too), unknown -> 404 NoSuchVersion", self.read_by_version),
            ("delete_object adds a delete marker; GET 404, GET of the marker 405", self.delete_marker),
            ("list_objects_versions: versions and markers, IsLatest", self.list_versions),
            ("delete_object of the marker undeletes", self.undelete),
            ("delete_object by VersionId removes that version", self.delete_a_version),
            ("list_objects_versions paging (KeyMarker/VersionIdMarker, MaxKeys 1..3)", self.paging),
            ("list_objects_versions Delimiter -> CommonPrefixes", self.delimiter),
            ("delete_objects with VersionId: Deleted VersionId/DeleteMarker/DeleteMarkerVersionId",
             self.delete_objects_with_versions),
            ("copy_object from a version (CopySource VersionId)", self.copy_from_version),
            ("upload_part_copy from a version, completion makes a version", self.upload_part_copy_from_version),
            ("append_object in a versioned bucket: the null version, no version id", self.append_is_not_versioned),
            ("delete_bucket with versions left -> 409 BucketNotEmpty", self.not_empty),
            ("Suspended: null version replaced, null delete marker", self.suspended),
            ("delete every version (delete_objects), then delete_bucket", self.empty_and_delete),
            ("ARCHIVE object: get_object -> 403 InvalidObjectState, head works", self.archive_refused),
            ("restore_object ARCHIVE: 202, x-cos-restore, GET works, again -> 200", self.archive_restore),
            ("restore_object DEEP_ARCHIVE: Expedited -> 400, Bulk works", self.deep_archive),
            ("restore_object errors: non-archive 405, bad Tier/Days 400, copy of an archive 403",
             self.restore_errors),
            ("restore_object with VersionId", self.restore_by_version),
            ("archive bucket cleanup", self.archive_cleanup),
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
    p.add_argument("--restore-delay-ms", type=int, default=0)
    p.add_argument("--persist", choices=["write", "check"])
    p.add_argument("--state")
    args = p.parse_args()
    if args.persist:
        if not args.state:
            p.error("--persist needs --state FILE")
        sys.exit(Versions(args).persistence(args.persist, args.state))
    sys.exit(Versions(args).main())


if __name__ == "__main__":
    main()
