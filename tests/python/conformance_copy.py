"""Copy sources between the official COS Python SDK (cos-python-sdk-v5) and this library, on the emulator: the SDK
copies what the library wrote, and writes sources the library then copies (tests/python_conformance_copy.rs).

Usage: conformance_copy.py --port PORT --secret-id ID --secret-key KEY --state JSON

JSON names what the library wrote: {"dest", "far", "versioned", "version", "old_body", "far_body", "far_etag",
"secret_body", "key_b64", "key_md5"}. The SDK copies, with CopySource {Bucket, Key, Region, VersionId} and
CopySourceIfMatch / CopySourceSSECustomer*: copy_object and upload_part_copy (not the SDK's managed `copy`: it
HEADs the source through a client it builds from the real domain, ignoring the configured IP and port, so it
cannot reach the emulator); every copy is read back and compared, and refusals (a failing if-match, a missing source key) are checked with COS's codes. Then it
writes its own sources (an object in ap-beijing, two versions, an SSE-C object) and prints what the library needs
to copy them as lines `state NAME VALUE`. One line per check ("ok" / "FAIL"), then `conformance: N passed, M
failed`; the exit status is 1 when any check failed.
"""

import argparse
import json
import os
import sys

from qcloud_cos import CosConfig, CosS3Client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conformance import REGION, Failed, describe, eq, service_error  # noqa: E402

FAR_REGION = "ap-beijing"


class Copies:
    def __init__(self, args):
        self.s = json.loads(args.state)
        self.passed = self.failed = 0

        def client(region):
            conf = CosConfig(Region=region, SecretId=args.secret_id, SecretKey=args.secret_key, Scheme="http",
                             Timeout=20, IP="127.0.0.1", Port=args.port)
            return CosS3Client(conf, retry=0)

        self.client = client(REGION)
        self.far = client(FAR_REGION)
        self.out = {}

    def run(self, name, fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - every failure is reported, the run goes on
            self.failed += 1
            print("FAIL %s: %s" % (name, describe(e).replace("\n", "\n     ")), flush=True)
        else:
            self.passed += 1
            print("ok   %s" % name, flush=True)

    def get(self, key, **kw):
        resp = self.client.get_object(Bucket=self.s["dest"], Key=key, **kw)
        return b"".join(resp["Body"].get_stream(1 << 16))

    def sse(self, prefix=""):
        return {prefix + "SSECustomerAlgorithm": "AES256", prefix + "SSECustomerKey": self.s["key_b64"],
                prefix + "SSECustomerKeyMD5": self.s["key_md5"]}

    # ------------------------------------------------------------------ the SDK copies the library's objects

    def from_another_region(self):
        src = {"Bucket": self.s["far"], "Key": "src", "Region": FAR_REGION}
        self.client.copy_object(Bucket=self.s["dest"], Key="py-far", CopySource=src,
                                CopySourceIfMatch=self.s["far_etag"])
        eq(self.get("py-far"), self.s["far_body"].encode(), "copy_object from ap-beijing")
        wrong = {"Bucket": self.s["far"], "Key": "src", "Region": REGION}
        service_error(lambda: self.client.copy_object(Bucket=self.s["dest"], Key="py-wrong", CopySource=wrong), 404,
                      "NoSuchBucket")

    def failing_if_match(self):
        src = {"Bucket": self.s["far"], "Key": "src", "Region": FAR_REGION}
        service_error(lambda: self.client.copy_object(Bucket=self.s["dest"], Key="py-412", CopySource=src,
                                                      CopySourceIfMatch='"0123456789abcdef0123456789abcdef"'),
                      412, "PreconditionFailed")

    def old_version(self):
        src = {"Bucket": self.s["versioned"], "Key": "src", "Region": REGION, "VersionId": self.s["version"]}
        self.client.copy_object(Bucket=self.s["dest"], Key="py-old", CopySource=src)
        eq(self.get("py-old"), self.s["old_body"].encode(), "copy_object of an old version")
        up = self.client.create_multipart_upload(Bucket=self.s["dest"], Key="py-old-part")
        part = self.client.upload_part_copy(Bucket=self.s["dest"], Key="py-old-part", PartNumber=1,
                                            UploadId=up["UploadId"], CopySource=src, CopySourceRange="bytes=0-4")
        self.client.complete_multipart_upload(Bucket=self.s["dest"], Key="py-old-part", UploadId=up["UploadId"],
                                              MultipartUpload={"Part": [{"PartNumber": 1, "ETag": part["ETag"]}]})
        eq(self.get("py-old-part"), self.s["old_body"].encode()[:5], "upload_part_copy of a range of an old version")

    def ssec_source(self):
        src = {"Bucket": self.s["dest"], "Key": "secret", "Region": REGION}
        service_error(lambda: self.client.copy_object(Bucket=self.s["dest"], Key="py-nokey", CopySource=src), 400,
                      "InvalidRequest")
        self.client.copy_object(Bucket=self.s["dest"], Key="py-secret", CopySource=src, **self.sse("CopySource"))
        eq(self.get("py-secret"), self.s["secret_body"].encode(), "copy_object of an SSE-C source, with its key")
        up = self.client.create_multipart_upload(Bucket=self.s["dest"], Key="py-secret-part")
        part = self.client.upload_part_copy(Bucket=self.s["dest"], Key="py-secret-part", PartNumber=1,
                                            UploadId=up["UploadId"], CopySource=src, **self.sse("CopySource"))
        self.client.complete_multipart_upload(Bucket=self.s["dest"], Key="py-secret-part", UploadId=up["UploadId"],
                                              MultipartUpload={"Part": [{"PartNumber": 1, "ETag": part["ETag"]}]})
        eq(self.get("py-secret-part"), self.s["secret_body"].encode(), "upload_part_copy of it, with its key")

    # ------------------------------------------------------------------ sources for the library to copy

    def write_sources(self):
        far = self.far.put_object(Bucket=self.s["far"], Key="sdk-src", Body=b"sdk far source")
        v1 = self.client.put_object(Bucket=self.s["versioned"], Key="sdk-src", Body=b"sdk version one")
        self.client.put_object(Bucket=self.s["versioned"], Key="sdk-src", Body=b"sdk version two")
        self.client.put_object(Bucket=self.s["dest"], Key="sdk-secret", Body=b"sdk secret", **self.sse())
        if not v1.get("x-cos-version-id"):
            raise Failed("no version id for the SDK's write: %r" % v1)
        self.out = {"far_etag": far["ETag"], "version": v1["x-cos-version-id"]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--secret-id", required=True)
    p.add_argument("--secret-key", required=True)
    p.add_argument("--state", required=True)
    c = Copies(p.parse_args())
    for name in ["from_another_region", "failing_if_match", "old_version", "ssec_source", "write_sources"]:
        c.run(name, getattr(c, name))
    for name, value in sorted(c.out.items()):
        print("state %s %s" % (name, value))
    print("conformance: %d passed, %d failed" % (c.passed, c.failed))
    sys.exit(1 if c.failed else 0)


if __name__ == "__main__":
    main()
