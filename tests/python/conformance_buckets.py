"""Peer conformance of bucket creation and listing options and of symlinks: the official COS Python SDK
(cos-python-sdk-v5) meets what this library made, and makes what the library then reads
(tests/python_conformance_buckets.rs runs it between the two halves).

Usage: conformance_buckets.py --port PORT [--secret-id ID --secret-key KEY]

Expects, made by the library before it runs: rs-gz-1250000000 (tagged team=rust), rs-bj-1250000000 (in
ap-beijing), rs-maz-1250000000 (created with MAZ and OFS), and in rs-gz-1250000000 the symlink "from-rust"
to "dir/target 1.txt". Checks list_buckets with Region, TagKey/TagValue, CreateTime/Range and MaxKeys/Marker
paging, the Owner, HEAD of the MAZ/OFS bucket, get_symlink; then makes py-maz-1250000000 (MAZ, OFS, tagged
team=python) and the symlink "from-python" for the library to read back.

One line per check ("ok" / "FAIL"), then `conformance: N passed, M failed`; exit status 1 when any failed.
"""

import argparse
import os
import sys
import time

from qcloud_cos import CosConfig, CosS3Client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conformance import APPID, REGION, describe, eq, expect  # noqa: E402

MADE = ["rs-bj-%s" % APPID, "rs-gz-%s" % APPID, "rs-maz-%s" % APPID]


class Buckets:
    def __init__(self, args):
        conf = dict(Region=REGION, SecretId=args.secret_id, SecretKey=args.secret_key, Scheme="http", Timeout=20)
        self.client = CosS3Client(CosConfig(IP="127.0.0.1", Port=args.port, **conf), retry=0)
        # list_buckets ignores IP/Port: it goes through the emulator as an HTTP proxy.
        self.service = CosS3Client(CosConfig(Proxies={"http": "http://127.0.0.1:%d" % args.port}, **conf), retry=0)
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

    def names(self, **kwargs):
        data = self.service.list_buckets(**kwargs)
        return [b["Name"] for b in (data["Buckets"] or {}).get("Bucket", [])], data

    def everything(self):
        names, data = self.names()
        eq(names, MADE, "every bucket, by name")
        eq(data["Owner"]["ID"], "qcs::cam::uin/100000000001:uin/100000000001", "Owner/ID")
        eq(data["Owner"]["DisplayName"], "100000000001", "Owner/DisplayName")
        kinds = {b["Name"]: b.get("BucketType") for b in data["Buckets"]["Bucket"]}
        eq(kinds["rs-maz-%s" % APPID], "ofs", "BucketType of the OFS bucket")
        eq(kinds["rs-gz-%s" % APPID], "cos", "BucketType of a plain bucket")

    def by_region(self):
        eq(self.names(Region="ap-beijing")[0], ["rs-bj-%s" % APPID], "Region=ap-beijing")
        eq(self.names(Region="ap-guangzhou")[0], MADE[1:], "Region=ap-guangzhou")

    def by_tag(self):
        eq(self.names(TagKey="team", TagValue="rust")[0], ["rs-gz-%s" % APPID], "TagKey/TagValue")
        eq(self.names(TagKey="team", TagValue="nobody")[0], [], "a tag no bucket has")

    def by_creation_time(self):
        later = int(time.time()) + 3600
        eq(self.names(CreateTime=later, Range="lt")[0], MADE, "created before an hour from now")
        eq(self.names(CreateTime=later, Range="gte")[0], [], "created an hour from now or later")

    def paging(self):
        first, data = self.names(MaxKeys=2)
        eq(first, MADE[:2], "first page")
        eq(data["IsTruncated"], "true", "IsTruncated")
        eq(data["NextMarker"], MADE[1], "NextMarker")
        rest, data = self.names(MaxKeys=2, Marker=data["NextMarker"])
        eq(rest, MADE[2:], "second page")
        eq(data["IsTruncated"], "false", "IsTruncated on the last page")

    def head_maz_ofs(self):
        head = self.client.head_bucket(Bucket="rs-maz-%s" % APPID)
        eq(head.get("x-cos-bucket-az-type"), "MAZ", "x-cos-bucket-az-type")
        eq(head.get("x-cos-bucket-arch"), "OFS", "x-cos-bucket-arch")
        plain = self.client.head_bucket(Bucket="rs-gz-%s" % APPID)
        eq(plain.get("x-cos-bucket-az-type"), "SAZ", "x-cos-bucket-az-type of a plain bucket")

    def get_rust_symlink(self):
        got = self.client.get_symlink(Bucket="rs-gz-%s" % APPID, SymlinkName="from-rust")
        eq(got.get("x-cos-symlink-target"), "dir/target 1.txt", "x-cos-symlink-target")

    def make_for_rust(self):
        bucket = "py-maz-%s" % APPID
        self.client.create_bucket(Bucket=bucket, BucketAZConfig="MAZ", BucketArchConfig="OFS")
        self.client.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": {"Tag": [{"Key": "team", "Value": "python"}]}})
        self.client.put_symlink(Bucket="rs-gz-%s" % APPID, SymlinkName="from-python", SymlinkTarget="dir/py target.txt")
        expect(self.client.get_symlink(Bucket="rs-gz-%s" % APPID, SymlinkName="from-python"), "the link reads back")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--secret-id", default="AKIDcosEmulatorDefault")
    p.add_argument("--secret-key", default="cosEmulatorDefaultSecretKey")
    c = Buckets(p.parse_args())
    for name, fn in [
        ("list_buckets: every bucket, the owner, BucketType", c.everything),
        ("list_buckets: Region", c.by_region),
        ("list_buckets: TagKey/TagValue", c.by_tag),
        ("list_buckets: CreateTime/Range", c.by_creation_time),
        ("list_buckets: MaxKeys/Marker paging", c.paging),
        ("head_bucket: MAZ and OFS", c.head_maz_ofs),
        ("get_symlink of the library's link", c.get_rust_symlink),
        ("create_bucket MAZ/OFS, put_symlink for the library", c.make_for_rust),
    ]:
        c.run(name, fn)
    print("conformance: %d passed, %d failed" % (c.passed, c.failed), flush=True)
    sys.exit(1 if c.failed else 0)


if __name__ == "__main__":
    main()
