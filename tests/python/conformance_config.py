"""Peer conformance of bucket configuration and object sub-resources: the official COS Python SDK against the emulator.

Usage: conformance_config.py --port PORT [--secret-id ID --secret-key KEY] [--phase all|verify-persisted]

Every bucket-configuration method (cos-api-surface.md section 8) and object sub-resource method (section 6) of the
SDK is called with real values, and the structures it returns are asserted; one line per check, then
`conformance: N passed, M failed`. `--phase all` (the default) also leaves a bucket `pycfg-keep-<appid>` with a
document of each kind; `--phase verify-persisted`, run against an emulator restarted on the same --data-dir,
checks that all of it survived.

Not covered here, and why:
- restore_object, select_object_content, list_objects_versions, put/get_bucket_versioning: the versioning and
  archive work has its own conformance checks (conformance_versions.py); here they only set up versioned tagging/ACL.
- append_object: conformance.py covers it with the data plane.
- CI, live channel and async fetch methods: out of scope (other hosts and products).
"""

import argparse
import base64
import hashlib
import json
import os
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conformance import APPID, REGION, Conformance, eq, expect, read_body, service_error  # noqa: E402

OWNER = "qcs::cam::uin/100000000001:uin/100000000001"
OTHER = "qcs::cam::uin/100000000001:uin/100000000002"
ALL_USERS = "http://cam.qcloud.com/groups/global/AllUsers"


def grants_of(acl):
    """(grantee ID or URI, permission) pairs of a get_*_acl answer."""
    out = []
    for g in acl["AccessControlList"]["Grant"]:
        who = g["Grantee"].get("ID") or g["Grantee"].get("URI")
        out.append((g["Grantee"]["Type"], who, g["Permission"]))
    return sorted(out)


CORS = {"CORSRule": [{"ID": "r1", "AllowedOrigin": ["http://www.qq.com", "http://*.example.com"],
                      "AllowedMethod": ["GET", "PUT"], "AllowedHeader": ["x-cos-meta-*", "content-type"],
                      "ExposeHeader": ["ETag", "x-cos-request-id"], "MaxAgeSeconds": "500"}]}
LIFECYCLE = {"Rule": [{"ID": "logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
                       "Transition": [{"Days": "30", "StorageClass": "STANDARD_IA"},
                                      {"Days": "90", "StorageClass": "ARCHIVE"}],
                       "Expiration": {"Days": "365"},
                       "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": "7"}},
                      {"ID": "tmp", "Status": "Disabled",
                       "Filter": {"And": {"Prefix": "tmp/", "Tag": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}},
                       "NoncurrentVersionExpiration": {"NoncurrentDays": "10"}}]}
REPLICATION = {"Role": "qcs::cam::uin/100000000001:uin/100000000001",
               "Rule": [{"ID": "123", "Status": "Enabled", "Prefix": "replication",
                         "Destination": {"Bucket": "qcs::cos:ap-beijing::dest-%s" % APPID,
                                         "StorageClass": "STANDARD"}}]}
WEBSITE = {"IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"},
           "RedirectAllRequestsTo": {"Protocol": "https"}}
DOMAIN = {"DomainRule": [{"Status": "ENABLED", "Name": "www.example.com", "Type": "REST"},
                         {"Status": "DISABLED", "Name": "static.example.com", "Type": "WEBSITE"}]}
CERT = {"CertificateInfo": {"CertType": "CustomCert",
                            "CustomCert": {"Cert": "-----BEGIN CERTIFICATE-----x", "PrivateKey": "-----BEGIN KEY-----y"}},
        "DomainList": {"DomainName": "www.example.com"}}
ORIGIN = {"OriginRule": [{"RulePriority": "1", "OriginType": "Mirror",
                          "OriginCondition": {"HTTPStatusCode": "404", "Prefix": "img/"},
                          "OriginParameter": {"Protocol": "HTTP", "FollowQueryString": "true",
                                              "HttpHeader": {"FollowHttpHeader": "true"}, "FollowRedirection": "true",
                                              "HttpRedirectCode": "301"},
                          "OriginInfo": {"HostInfo": {"HostName": "origin.example.com"}}}]}
REFERER = {"Status": "Enabled", "RefererType": "White-List", "EmptyReferConfiguration": "Allow",
           "DomainList": {"Domain": ["*.qq.com", "*.qcloud.com"]}}
RESPONSE_CONTROL = {"ControlParamList": {"Param": ["response-content-type", "response-expires"]}}
TIERING = {"Status": "Enabled", "Transition": {"Days": "30", "RequestFrequent": "1"}}
OBJECT_LOCK = {"ObjectLockEnabled": "Enabled"}
ENCRYPTION = {"Rule": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
POLICY = {"Statement": [{"Principal": {"qcs": ["qcs::cam::uin/100000000001:uin/100000000002"]},
                         "Effect": "allow", "Action": ["name/cos:GetObject"],
                         "Resource": ["qcs::cos:%s:uid/%s:pycfg-%s/*" % (REGION, APPID, APPID)]}],
          "version": "2.0"}


def inventory(prefix):
    return {"Destination": {"COSBucketDestination": {"AccountId": "100000000001",
                                                     "Bucket": "qcs::cos:%s::dest-%s" % (REGION, APPID),
                                                     "Format": "CSV", "Prefix": "inv"}},
            "IsEnabled": "true", "Filter": {"Prefix": prefix}, "IncludedObjectVersions": "All",
            "OptionalFields": {"Field": ["Size", "ETag", "StorageClass"]}, "Schedule": {"Frequency": "Daily"}}


def without_id(cfg):
    return {k: v for k, v in cfg.items() if k != "Id"}


class ConfigConformance(Conformance):
    def __init__(self, args):
        super().__init__(args)
        self.bucket = "pycfg-%s" % APPID
        self.keep = "pycfg-keep-%s" % APPID
        self.key = "cfg/object 1+中.txt"

    def raw(self, method, path, headers, bucket=None):
        """An unsigned request (a browser's preflight) to the emulator; (status, headers, body)."""
        host = "%s.cos.%s.myqcloud.com" % (bucket or self.bucket, REGION)
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), method=method,
                                     headers=dict(headers, Host=host))
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(req, timeout=20) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    # ------------------------------------------------------------------------------------ setup, location

    def setup(self):
        self.client.create_bucket(Bucket=self.bucket)
        self.client.put_object(Bucket=self.bucket, Key=self.key, Body=b"data")

    def location(self):
        eq(self.client.get_bucket_location(Bucket=self.bucket), {"LocationConstraint": REGION}, "location")
        service_error(lambda: self.client.get_bucket_location(Bucket="nope-%s" % APPID), 404, "NoSuchBucket")

    def create_with_acl_and_tags(self):
        c, b = self.client, "pycfg-made-%s" % APPID
        service_error(lambda: c.create_bucket(Bucket=b, ACL="everyone"), 400, "InvalidArgument")
        service_error(lambda: c.head_bucket(Bucket=b), 404)
        c.create_bucket(Bucket=b, ACL="public-read", Tagging="team=storage&env=ci")
        eq(c.get_bucket_acl(Bucket=b)["CannedACL"], "public-read", "ACL at creation")
        eq(c.get_bucket_tagging(Bucket=b)["TagSet"]["Tag"],
           [{"Key": "team", "Value": "storage"}, {"Key": "env", "Value": "ci"}], "tags at creation")
        c.delete_bucket(Bucket=b)

    # ------------------------------------------------------------------------------------------------ ACL

    def bucket_acl(self):
        c, b = self.client, self.bucket
        acl = c.get_bucket_acl(Bucket=b)
        eq(acl["Owner"]["ID"], OWNER, "owner")
        eq(acl["CannedACL"], "private", "a new bucket is private")
        eq(grants_of(acl), [("CanonicalUser", OWNER, "FULL_CONTROL")], "private grants")
        c.put_bucket_acl(Bucket=b, ACL="public-read")
        acl = c.get_bucket_acl(Bucket=b)
        eq(acl["CannedACL"], "public-read", "canned")
        c.put_bucket_acl(Bucket=b, ACL="public-read-write")
        eq(c.get_bucket_acl(Bucket=b)["CannedACL"], "public-read-write", "canned")
        c.put_bucket_acl(Bucket=b, GrantRead='id="%s"' % OTHER, GrantFullControl='id="%s"' % OWNER)
        eq(grants_of(c.get_bucket_acl(Bucket=b)),
           sorted([("CanonicalUser", OTHER, "READ"), ("CanonicalUser", OWNER, "FULL_CONTROL")]), "grant headers")
        service_error(lambda: c.put_bucket_acl(Bucket=b, ACL="everyone"), 400, "InvalidArgument")
        service_error(lambda: c.put_bucket_acl(Bucket=b, GrantRead="uin/1"), 400, "InvalidArgument")
        c.put_bucket_acl(Bucket=b, ACL="private")
        eq(c.get_bucket_acl(Bucket=b)["CannedACL"], "private", "back to private")

    def bucket_acl_body(self):
        c, b = self.client, self.bucket
        policy = {"Owner": {"ID": OWNER},
                  "AccessControlList": {"Grant": [
                      {"Grantee": {"@xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                                   "@xsi:type": "CanonicalUser", "ID": OTHER}, "Permission": "WRITE"},
                      {"Grantee": {"@xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                                   "@xsi:type": "Group", "URI": ALL_USERS}, "Permission": "READ"}]}}
        c.put_bucket_acl(Bucket=b, AccessControlPolicy=policy)
        acl = c.get_bucket_acl(Bucket=b)
        eq(grants_of(acl), [("CanonicalUser", OTHER, "WRITE"), ("Group", ALL_USERS, "READ")], "body grants")
        eq(acl["CannedACL"], "public-read", "AllUsers READ reads as public-read")
        # A Content-MD5 that does not match the body is refused.
        wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
        service_error(lambda: c.put_bucket_acl(Bucket=b, AccessControlPolicy=policy, ContentMD5=wrong), 400, "BadDigest")
        c.put_bucket_acl(Bucket=b, ACL="private")

    def object_acl(self):
        c, b, k = self.client, self.bucket, self.key
        acl = c.get_object_acl(Bucket=b, Key=k)
        eq(acl["CannedACL"], "default", "an object inherits (default)")
        eq(acl["Owner"]["ID"], OWNER, "owner")
        c.put_object_acl(Bucket=b, Key=k, ACL="public-read")
        acl = c.get_object_acl(Bucket=b, Key=k)
        eq(acl["CannedACL"], "public-read", "canned")
        eq(grants_of(acl), [("CanonicalUser", OWNER, "FULL_CONTROL"), ("Group", ALL_USERS, "READ")], "grants")
        c.put_object_acl(Bucket=b, Key=k, ACL="private", GrantRead='id="%s"' % OTHER)
        eq(grants_of(c.get_object_acl(Bucket=b, Key=k)),
           sorted([("CanonicalUser", OTHER, "READ"), ("CanonicalUser", OWNER, "FULL_CONTROL")]), "canned plus grants")
        c.put_object_acl(Bucket=b, Key=k, ACL="default")
        eq(c.get_object_acl(Bucket=b, Key=k)["CannedACL"], "default", "default again")
        service_error(lambda: c.put_object_acl(Bucket=b, Key=k, ACL="public"), 400, "InvalidArgument")
        service_error(lambda: c.get_object_acl(Bucket=b, Key="missing"), 404, "NoSuchKey")
        # The ACL given at upload is the object's initial ACL.
        c.put_object(Bucket=b, Key="cfg/public", Body=b"x", ACL="public-read")
        eq(c.get_object_acl(Bucket=b, Key="cfg/public")["CannedACL"], "public-read", "upload ACL")
        c.put_object(Bucket=b, Key="cfg/granted", Body=b"g", GrantRead='id="%s"' % OTHER)
        eq(grants_of(c.get_object_acl(Bucket=b, Key="cfg/granted")), [("CanonicalUser", OTHER, "READ")], "upload grants")
        service_error(lambda: c.put_object(Bucket=b, Key="cfg/bad", Body=b"b", ACL="nope"), 400, "InvalidArgument")
        c.put_object(Bucket=b, Key="cfg/public", Body=b"y")
        eq(c.get_object_acl(Bucket=b, Key="cfg/public")["CannedACL"], "default", "an overwrite resets the ACL")

    # -------------------------------------------------------------------------------------------- tagging

    def object_tagging(self):
        c, b, k = self.client, self.bucket, self.key
        eq(c.get_object_tagging(Bucket=b, Key=k).get("TagSet"), None, "no tags: an empty TagSet")
        tags = {"TagSet": {"Tag": [{"Key": "project", "Value": "cos 中"}, {"Key": "a&b", "Value": "x=y"},
                                   {"Key": "empty", "Value": ""}]}}
        c.put_object_tagging(Bucket=b, Key=k, Tagging=tags)
        got = c.get_object_tagging(Bucket=b, Key=k)["TagSet"]["Tag"]
        eq([(t["Key"], t["Value"] or "") for t in got], [("project", "cos 中"), ("a&b", "x=y"), ("empty", "")], "tags")
        eq(c.head_object(Bucket=b, Key=k).get("x-cos-tagging-count"), "3", "HEAD tag count")
        eq(len(c.get_object_tagging(Bucket=b, Key=k, VersionId="null")["TagSet"]["Tag"]), 3, "versionId=null")
        service_error(lambda: c.get_object_tagging(Bucket=b, Key=k, VersionId="MTg0NDUxNTc1NjIzMTQ1MDAwODg"),
                      404, "NoSuchVersion")
        c.delete_object_tagging(Bucket=b, Key=k)
        eq(c.get_object_tagging(Bucket=b, Key=k).get("TagSet"), None, "deleted")
        expect("x-cos-tagging-count" not in c.head_object(Bucket=b, Key=k), "no count after delete")
        service_error(lambda: c.get_object_tagging(Bucket=b, Key="missing"), 404, "NoSuchKey")

    def versioned_subresources(self):
        """Tags of one version leave the others alone. (put/get_object_acl cannot address a version: the SDK
        sends its VersionId as a request header, not as the versionId parameter, so they act on the current one.)"""
        c, b = self.client, "pycfg-ver-%s" % APPID
        c.create_bucket(Bucket=b)
        c.put_bucket_versioning(Bucket=b, Status="Enabled")
        old = c.put_object(Bucket=b, Key="v", Body=b"1")["x-cos-version-id"]
        new = c.put_object(Bucket=b, Key="v", Body=b"2")["x-cos-version-id"]
        expect(old != new, "two versions")
        c.put_object_tagging(Bucket=b, Key="v", VersionId=old,
                             Tagging={"TagSet": {"Tag": [{"Key": "old", "Value": "yes"}]}})
        eq(c.get_object_tagging(Bucket=b, Key="v", VersionId=old)["TagSet"]["Tag"], [{"Key": "old", "Value": "yes"}],
           "tags of the old version")
        eq(c.get_object_tagging(Bucket=b, Key="v").get("TagSet"), None, "the current version has none")
        eq(read_body(c.get_object(Bucket=b, Key="v")), b"2", "the current version is still current")
        c.delete_object(Bucket=b, Key="v")
        service_error(lambda: c.get_object_tagging(Bucket=b, Key="v"), 404)
        eq(len(c.get_object_tagging(Bucket=b, Key="v", VersionId=old)["TagSet"]["Tag"]), 1, "behind a delete marker")
        for v in c.list_objects_versions(Bucket=b).get("Version", []) + \
                c.list_objects_versions(Bucket=b).get("DeleteMarker", []):
            c.delete_object(Bucket=b, Key=v["Key"], VersionId=v["VersionId"])
        c.delete_bucket(Bucket=b)

    def object_tagging_limits(self):
        c, b, k = self.client, self.bucket, self.key
        eleven = {"TagSet": {"Tag": [{"Key": "k%d" % i, "Value": "v"} for i in range(11)]}}
        service_error(lambda: c.put_object_tagging(Bucket=b, Key=k, Tagging=eleven), 400, "InvalidTag")
        for tag in ({"Key": "k" * 129, "Value": "v"}, {"Key": "k", "Value": "v" * 257}):
            service_error(lambda: c.put_object_tagging(Bucket=b, Key=k, Tagging={"TagSet": {"Tag": [tag]}}),
                          400, "InvalidTag")
        dup = {"TagSet": {"Tag": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]}}
        service_error(lambda: c.put_object_tagging(Bucket=b, Key=k, Tagging=dup), 400, "InvalidTag")
        ten = {"TagSet": {"Tag": [{"Key": "k" * 128, "Value": "v" * 256}] +
                          [{"Key": "k%d" % i, "Value": "v"} for i in range(9)]}}
        c.put_object_tagging(Bucket=b, Key=k, Tagging=ten)
        eq(len(c.get_object_tagging(Bucket=b, Key=k)["TagSet"]["Tag"]), 10, "ten tags at the limits")

    def upload_tags(self):
        c, b = self.client, self.bucket
        c.put_object(Bucket=b, Key="cfg/tagged", Body=b"t", Tagging="a=1&b=two%20words")
        got = c.get_object_tagging(Bucket=b, Key="cfg/tagged")["TagSet"]["Tag"]
        eq([(t["Key"], t["Value"]) for t in got], [("a", "1"), ("b", "two words")], "x-cos-tagging tags")
        eq(c.head_object(Bucket=b, Key="cfg/tagged")["x-cos-tagging-count"], "2", "count")

    def bucket_tagging(self):
        c, b = self.client, self.bucket
        service_error(lambda: c.get_bucket_tagging(Bucket=b), 404, "NoSuchTagSet")
        tags = {"TagSet": {"Tag": [{"Key": "team", "Value": "storage"}, {"Key": "env", "Value": "test"}]}}
        c.put_bucket_tagging(Bucket=b, Tagging=tags)
        eq(c.get_bucket_tagging(Bucket=b)["TagSet"]["Tag"], tags["TagSet"]["Tag"], "bucket tags")
        fifty = {"TagSet": {"Tag": [{"Key": "k%d" % i, "Value": "v"} for i in range(50)]}}
        c.put_bucket_tagging(Bucket=b, Tagging=fifty)
        eq(len(c.get_bucket_tagging(Bucket=b)["TagSet"]["Tag"]), 50, "fifty bucket tags")
        fifty["TagSet"]["Tag"].append({"Key": "k50", "Value": "v"})
        service_error(lambda: c.put_bucket_tagging(Bucket=b, Tagging=fifty), 400, "InvalidTag")
        c.delete_bucket_tagging(Bucket=b)
        service_error(lambda: c.get_bucket_tagging(Bucket=b), 404, "NoSuchTagSet")

    # ------------------------------------------------------------------------------------------------ CORS

    def cors(self):
        c, b = self.client, self.bucket
        service_error(lambda: c.get_bucket_cors(Bucket=b), 404, "NoSuchCORSConfiguration")
        c.put_bucket_cors(Bucket=b, CORSConfiguration=CORS)
        eq(c.get_bucket_cors(Bucket=b)["CORSRule"], CORS["CORSRule"], "CORS rules")
        service_error(lambda: c.put_bucket_cors(Bucket=b, CORSConfiguration={}), 400, "MalformedXML")
        bad = {"CORSRule": [{"AllowedOrigin": "*", "AllowedMethod": "PATCH"}]}
        service_error(lambda: c.put_bucket_cors(Bucket=b, CORSConfiguration=bad), 400, "InvalidArgument")

    def cors_preflight(self):
        ok = {"Origin": "http://a.example.com", "Access-Control-Request-Method": "PUT",
              "Access-Control-Request-Headers": "Content-Type, x-cos-meta-color"}
        status, headers, _ = self.raw("OPTIONS", "/some/key.txt", ok)
        eq(status, 200, "allowed preflight")
        eq(headers.get("Access-Control-Allow-Origin"), "http://a.example.com", "allow origin")
        eq(headers.get("Access-Control-Allow-Methods"), "GET,PUT", "allow methods")
        eq(headers.get("Access-Control-Allow-Headers"), "Content-Type,x-cos-meta-color", "allow headers")
        eq(headers.get("Access-Control-Expose-Headers"), "ETag,x-cos-request-id", "expose headers")
        eq(headers.get("Access-Control-Max-Age"), "500", "max age")
        for refused in (dict(ok, Origin="http://evil.com"), dict(ok, **{"Access-Control-Request-Method": "DELETE"}),
                        dict(ok, **{"Access-Control-Request-Headers": "authorization"})):
            status, _, body = self.raw("OPTIONS", "/", refused)
            eq(status, 403, "refused preflight %r" % refused)
            expect(b"<Code>AccessForbidden</Code>" in body, "AccessForbidden body: %r" % body)
        # A signed request with an Origin a rule allows gets the CORS headers too.
        resp = self.client.head_object(Bucket=self.bucket, Key=self.key, **{})
        expect("Access-Control-Allow-Origin" not in resp, "no Origin, no CORS headers")

    def cors_delete(self):
        c, b = self.client, self.bucket
        c.delete_bucket_cors(Bucket=b)
        service_error(lambda: c.get_bucket_cors(Bucket=b), 404, "NoSuchCORSConfiguration")
        status, _, _ = self.raw("OPTIONS", "/k", {"Origin": "http://www.qq.com", "Access-Control-Request-Method": "GET"})
        eq(status, 403, "no configuration: the preflight is refused")

    # ------------------------------------------------------------------------------ documents stored whole

    def document(self, name, put, get, delete, cfg, missing, expected=None, **ids):
        """PUT, GET (the SDK's structure equals what was put) and, if there is a delete, DELETE then 404."""
        c, b = self.client, self.bucket
        if missing:
            service_error(lambda: get(Bucket=b, **ids), 404, missing)
        put(Bucket=b, **dict(ids, **{name: cfg}))
        got = get(Bucket=b, **ids)
        for field, want in (expected or cfg).items():
            eq(got.get(field), want, "%s %s" % (name, field))
        if delete:
            delete(Bucket=b, **ids)
            if missing:
                service_error(lambda: get(Bucket=b, **ids), 404, missing)
        return got

    def lifecycle(self):
        c = self.client
        self.document("LifecycleConfiguration", c.put_bucket_lifecycle, c.get_bucket_lifecycle,
                      c.delete_bucket_lifecycle, LIFECYCLE, "NoSuchLifecycleConfiguration")

    def replication(self):
        c = self.client
        self.document("ReplicationConfiguration", c.put_bucket_replication, c.get_bucket_replication,
                      c.delete_bucket_replication, REPLICATION, "ReplicationConfigurationNotFoundError")

    def website(self):
        c = self.client
        self.document("WebsiteConfiguration", c.put_bucket_website, c.get_bucket_website, c.delete_bucket_website,
                      WEBSITE, "NoSuchWebsiteConfiguration")

    def logging_(self):
        c, b = self.client, self.bucket
        eq(c.get_bucket_logging(Bucket=b), {"BucketLoggingStatus": None}, "no logging: an empty status")
        cfg = {"LoggingEnabled": {"TargetBucket": b, "TargetPrefix": "logs/"}}
        self.document("BucketLoggingStatus", c.put_bucket_logging, c.get_bucket_logging, None, cfg, None)

    def policy(self):
        c, b = self.client, self.bucket
        service_error(lambda: c.get_bucket_policy(Bucket=b), 404, "NoSuchBucketPolicy")
        c.put_bucket_policy(Bucket=b, Policy=POLICY)
        eq(json.loads(c.get_bucket_policy(Bucket=b)["Policy"]), POLICY, "policy")
        service_error(lambda: c.put_bucket_policy(Bucket=b, Policy="{not json"), 400, "MalformedPolicy")
        service_error(lambda: c.put_bucket_policy(Bucket=b, Policy={"version": "2.0"}), 400, "MalformedPolicy")
        big = dict(POLICY, pad="x" * (21 * 1024))
        service_error(lambda: c.put_bucket_policy(Bucket=b, Policy=big), 400, "EntityTooLarge")
        c.delete_bucket_policy(Bucket=b)
        service_error(lambda: c.get_bucket_policy(Bucket=b), 404, "NoSuchBucketPolicy")

    def domain(self):
        c = self.client
        self.document("DomainConfiguration", c.put_bucket_domain, c.get_bucket_domain, c.delete_bucket_domain,
                      DOMAIN, "NoSuchDomainConfiguration")

    def domain_certificate(self):
        c, b = self.client, self.bucket
        get = c.get_bucket_domain_certificate
        service_error(lambda: get(Bucket=b, DomainName="www.example.com"), 404, "NoSuchDomainCertificate")
        c.put_bucket_domain_certificate(Bucket=b, DomainCertificateConfiguration=CERT)
        got = get(Bucket=b, DomainName="www.example.com")
        eq(got["CertificateInfo"], CERT["CertificateInfo"], "certificate")
        service_error(lambda: get(Bucket=b, DomainName="other.example.com"), 404, "NoSuchDomainCertificate")
        c.delete_bucket_domain_certificate(Bucket=b, DomainName="www.example.com")
        service_error(lambda: get(Bucket=b, DomainName="www.example.com"), 404, "NoSuchDomainCertificate")

    def origin(self):
        c = self.client
        self.document("OriginConfiguration", c.put_bucket_origin, c.get_bucket_origin, c.delete_bucket_origin,
                      ORIGIN, "OriginConfigurationNotFoundError")

    def referer(self):
        c = self.client
        self.document("RefererConfiguration", c.put_bucket_referer, c.get_bucket_referer, c.delete_bucket_referer,
                      REFERER, "NoSuchRefererConfiguration")

    def response_control(self):
        c = self.client
        self.document("ResponseControlConfiguration", c.put_bucket_response_control,
                      c.get_bucket_response_control, c.delete_bucket_response_control, RESPONSE_CONTROL,
                      "NoSuchResponseControlConfiguration")

    def intelligenttiering(self):
        c = self.client
        self.document("IntelligentTieringConfiguration", c.put_bucket_intelligenttiering,
                      c.get_bucket_intelligenttiering, None, TIERING, "NoSuchIntelligentTieringConfiguration")

    def intelligenttiering_v2(self):
        c, b = self.client, self.bucket
        for i in ("default", "archive"):
            cfg = dict(TIERING, Id=i)
            c.put_bucket_intelligenttiering_v2(Bucket=b, IntelligentTieringConfiguration=cfg, Id=i)
            eq(c.get_bucket_intelligenttiering_v2(Bucket=b, Id=i), cfg, "v2 %s" % i)
        listed = c.list_bucket_intelligenttiering_configurations(Bucket=b)["IntelligentTieringConfiguration"]
        eq(sorted(x["Id"] for x in listed), ["archive", "default"], "v2 list")
        service_error(lambda: c.get_bucket_intelligenttiering_v2(Bucket=b, Id="none"), 404,
                      "NoSuchIntelligentTieringConfiguration")

    def object_lock(self):
        c = self.client
        self.document("ObjectLockConfiguration", c.put_bucket_object_lock, c.get_bucket_object_lock, None,
                      OBJECT_LOCK, "NoSuchObjectLockConfiguration")

    def encryption(self):
        c = self.client
        self.document("ServerSideEncryptionConfiguration", c.put_bucket_encryption, c.get_bucket_encryption,
                      c.delete_bucket_encryption, ENCRYPTION, "NoSuchEncryptionConfiguration")

    def inventory(self):
        c, b = self.client, self.bucket
        service_error(lambda: c.get_bucket_inventory(Bucket=b, Id="list1"), 404, "InventoryConfigurationNotFoundError")
        c.put_bucket_inventory(Bucket=b, Id="list1", InventoryConfiguration=inventory("a/"))
        got = c.get_bucket_inventory(Bucket=b, Id="list1")
        eq(got["Id"], "list1", "Id")
        eq(without_id(got), inventory("a/"), "inventory")
        c.post_bucket_inventory(Bucket=b, Id="once", InventoryConfiguration=inventory("b/"))
        service_error(lambda: c.get_bucket_inventory(Bucket=b, Id="once"), 404, "InventoryConfigurationNotFoundError")
        c.delete_bucket_inventory(Bucket=b, Id="list1")
        service_error(lambda: c.get_bucket_inventory(Bucket=b, Id="list1"), 404, "InventoryConfigurationNotFoundError")

    def inventory_list(self):
        c, b = self.client, self.bucket
        ids = ["inv%03d" % i for i in range(105)]
        for i in ids:
            c.put_bucket_inventory(Bucket=b, Id=i, InventoryConfiguration=inventory(i + "/"))
        first = c.list_bucket_inventory_configurations(Bucket=b)
        eq(first["IsTruncated"], "true", "first page truncated")
        eq([x["Id"] for x in first["InventoryConfiguration"]], ids[:100], "first page")
        rest = c.list_bucket_inventory_configurations(Bucket=b, ContinuationToken=first["NextContinuationToken"])
        eq(rest["IsTruncated"], "false", "last page")
        eq([x["Id"] for x in rest["InventoryConfiguration"]], ids[100:], "second page")
        eq(rest["InventoryConfiguration"][0]["Filter"], {"Prefix": "inv100/"}, "listed document")
        for i in ids:
            c.delete_bucket_inventory(Bucket=b, Id=i)
        eq(c.list_bucket_inventory_configurations(Bucket=b).get("InventoryConfiguration"), None, "empty list")

    def bucket_meta(self):
        c, b = self.client, self.bucket
        c.put_bucket_lifecycle(Bucket=b, LifecycleConfiguration=LIFECYCLE)
        c.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration=ENCRYPTION)
        meta = c.get_bucket_meta(Bucket=b)
        eq(meta["Location"], REGION, "meta location")
        eq(meta["Lifecycle"]["Rule"], LIFECYCLE["Rule"], "meta lifecycle")
        eq(meta["Encryption"]["Rule"], ENCRYPTION["Rule"], "meta encryption")
        eq(meta["ACL"]["CannedACL"], "private", "meta ACL")
        eq(meta["CORS"], None, "no CORS")
        eq(meta["Website"], None, "no website")

    # --------------------------------------------------------------------------------------------- symlink

    def symlink(self):
        c, b = self.client, self.bucket
        # An ASCII target: how COS carries a non-ASCII one in the header is not documented.
        c.put_symlink(Bucket=b, SymlinkName="cfg/link", SymlinkTarget="cfg/target.txt")
        eq(c.get_symlink(Bucket=b, SymlinkName="cfg/link")["x-cos-symlink-target"], "cfg/target.txt", "target")
        head = c.head_object(Bucket=b, Key="cfg/link")
        eq((head["Content-Length"], head.get("x-cos-symlink-target")), ("0", "cfg/target.txt"), "HEAD of the link")
        service_error(lambda: c.get_symlink(Bucket=b, SymlinkName="cfg/missing"), 404, "NoSuchKey")
        service_error(lambda: c.get_symlink(Bucket=b, SymlinkName=self.key), 400, "InvalidArgument")

    # ------------------------------------------------------------------------------------- bucket deletion

    def delete_bucket_drops_documents(self):
        c, b = self.client, self.bucket
        c.put_bucket_cors(Bucket=b, CORSConfiguration=CORS)
        c.put_bucket_tagging(Bucket=b, Tagging={"TagSet": {"Tag": [{"Key": "a", "Value": "b"}]}})
        for o in c.list_objects(Bucket=b).get("Contents", []):
            c.delete_object(Bucket=b, Key=o["Key"])
        c.delete_bucket(Bucket=b)
        c.create_bucket(Bucket=b)
        service_error(lambda: c.get_bucket_cors(Bucket=b), 404, "NoSuchCORSConfiguration")
        service_error(lambda: c.get_bucket_tagging(Bucket=b), 404, "NoSuchTagSet")
        service_error(lambda: c.get_bucket_lifecycle(Bucket=b), 404, "NoSuchLifecycleConfiguration")
        c.delete_bucket(Bucket=b)

    # ------------------------------------------------------------------------------------------ persistence

    def persist_write(self):
        c, k = self.client, self.keep
        c.create_bucket(Bucket=k)
        c.put_object(Bucket=k, Key="obj", Body=b"kept")
        c.put_object_tagging(Bucket=k, Key="obj", Tagging={"TagSet": {"Tag": [{"Key": "t", "Value": "1"}]}})
        c.put_object_acl(Bucket=k, Key="obj", ACL="public-read")
        c.put_symlink(Bucket=k, SymlinkName="link", SymlinkTarget="obj")
        c.put_bucket_acl(Bucket=k, GrantRead='id="%s"' % OTHER)
        c.put_bucket_tagging(Bucket=k, Tagging={"TagSet": {"Tag": [{"Key": "b", "Value": "2"}]}})
        c.put_bucket_cors(Bucket=k, CORSConfiguration=CORS)
        c.put_bucket_lifecycle(Bucket=k, LifecycleConfiguration=LIFECYCLE)
        c.put_bucket_policy(Bucket=k, Policy=POLICY)
        c.put_bucket_inventory(Bucket=k, Id="kept", InventoryConfiguration=inventory("k/"))
        c.put_bucket_referer(Bucket=k, RefererConfiguration=REFERER)
        self.persist_verify()

    def persist_verify(self):
        c, k = self.client, self.keep
        eq(c.get_object_tagging(Bucket=k, Key="obj")["TagSet"]["Tag"], [{"Key": "t", "Value": "1"}], "object tags")
        eq(c.get_object_acl(Bucket=k, Key="obj")["CannedACL"], "public-read", "object ACL")
        eq(c.get_symlink(Bucket=k, SymlinkName="link")["x-cos-symlink-target"], "obj", "symlink")
        eq(grants_of(c.get_bucket_acl(Bucket=k)), [("CanonicalUser", OTHER, "READ")], "bucket ACL")
        eq(c.get_bucket_tagging(Bucket=k)["TagSet"]["Tag"], [{"Key": "b", "Value": "2"}], "bucket tags")
        eq(c.get_bucket_cors(Bucket=k)["CORSRule"], CORS["CORSRule"], "CORS")
        eq(c.get_bucket_lifecycle(Bucket=k)["Rule"], LIFECYCLE["Rule"], "lifecycle")
        eq(json.loads(c.get_bucket_policy(Bucket=k)["Policy"]), POLICY, "policy")
        eq(without_id(c.get_bucket_inventory(Bucket=k, Id="kept")), inventory("k/"), "inventory")
        eq(c.get_bucket_referer(Bucket=k)["DomainList"], REFERER["DomainList"], "referer")
        status, headers, _ = self.raw("OPTIONS", "/obj", {"Origin": "http://www.qq.com",
                                                          "Access-Control-Request-Method": "GET"}, bucket=k)
        eq((status, headers.get("Access-Control-Allow-Origin")), (200, "http://www.qq.com"), "preflight")

    def main(self, phase="all"):
        if phase == "verify-persisted":
            checks = [("documents, tags, ACLs and symlinks survive a restart", self.persist_verify)]
        else:
            checks = [
                ("setup: bucket and object", self.setup),
                ("get_bucket_location; missing bucket -> 404", self.location),
                ("create_bucket with ACL and Tagging", self.create_with_acl_and_tags),
                ("put/get_bucket_acl: canned, grant headers, bad ACL -> 400", self.bucket_acl),
                ("put_bucket_acl AccessControlPolicy body; bad Content-MD5 -> 400 BadDigest", self.bucket_acl_body),
                ("put/get_object_acl: default, canned, grants, at upload", self.object_acl),
                ("put/get/delete_object_tagging, HEAD tag count, versionId", self.object_tagging),
                ("object tagging limits -> 400 InvalidTag", self.object_tagging_limits),
                ("tagging of one version (VersionId) in a versioned bucket", self.versioned_subresources),
                ("x-cos-tagging at upload = get_object_tagging", self.upload_tags),
                ("put/get/delete_bucket_tagging, 50 tags, NoSuchTagSet", self.bucket_tagging),
                ("put/get_bucket_cors, NoSuchCORSConfiguration, bad rules", self.cors),
                ("OPTIONS preflight from the CORS configuration, 403 AccessForbidden", self.cors_preflight),
                ("delete_bucket_cors, then preflight -> 403", self.cors_delete),
                ("put/get/delete_bucket_lifecycle", self.lifecycle),
                ("put/get/delete_bucket_replication", self.replication),
                ("put/get/delete_bucket_website", self.website),
                ("put/get_bucket_logging", self.logging_),
                ("put/get/delete_bucket_policy, MalformedPolicy, EntityTooLarge", self.policy),
                ("put/get/delete_bucket_domain", self.domain),
                ("put/get/delete_bucket_domain_certificate", self.domain_certificate),
                ("put/get/delete_bucket_origin", self.origin),
                ("put/get/delete_bucket_referer (delete = empty PUT)", self.referer),
                ("put/get/delete_bucket_response_control", self.response_control),
                ("put/get_bucket_intelligenttiering", self.intelligenttiering),
                ("put/get_bucket_intelligenttiering_v2, list_bucket_intelligenttiering_configurations",
                 self.intelligenttiering_v2),
                ("put/get_bucket_object_lock", self.object_lock),
                ("put/get/delete_bucket_encryption", self.encryption),
                ("put/get/delete/post_bucket_inventory", self.inventory),
                ("list_bucket_inventory_configurations paging (105)", self.inventory_list),
                ("get_bucket_meta", self.bucket_meta),
                ("put_symlink / get_symlink", self.symlink),
                ("delete_bucket drops its documents", self.delete_bucket_drops_documents),
                ("documents in a kept bucket (for the restart check)", self.persist_write),
            ]
        for name, fn in checks:
            self.run(name, fn)
        print("conformance: %d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 1 if self.failed else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--secret-id", default="AKIDcosEmulatorDefault")
    p.add_argument("--secret-key", default="cosEmulatorDefaultSecretKey")
    p.add_argument("--temp-secret-id", default="AKIDcosEmulatorTemp")
    p.add_argument("--temp-secret-key", default="cosEmulatorTempSecretKey")
    p.add_argument("--session-token", default="cosEmulatorSessionToken")
    p.add_argument("--phase", choices=["all", "verify-persisted"], default="all")
    args = p.parse_args()
    sys.exit(ConfigConformance(args).main(args.phase))


if __name__ == "__main__":
    main()
