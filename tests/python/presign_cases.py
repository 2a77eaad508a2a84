"""Random presigned URLs, Authorization values and object URLs made by the official COS Python SDK
(cos-python-sdk-v5), for tests/presign_differential.rs.

Usage: presign_cases.py SEED COUNT

Prints COUNT lines, one case each: tab-separated fields, each the hex of its UTF-8 text:
  kind ("presign": get_presigned_url, "auth": get_auth, "url": get_object_url), method, bucket, key,
  params ("k=v" lines, in order), headers ("k: v" lines), T (the SDK's clock, whole seconds), expire,
  secret id, secret key, session token ("" for none), sign host ("1"/"0"), scheme, region, domain ("" for
  none), the SDK's answer.

The SDK signs in `qcloud_cos.cos_auth.CosS3Auth.__call__`, which reads `time.time()` once and signs the window
[int(now) - 60, int(now) + expire]; the clock is patched there. The SDK adds no session token to a presigned
URL by itself: its users pass it in Params, which is what the cases with a token do (as the last parameter,
where this library puts it). Nothing is sent anywhere.
"""

import random
import sys
from unittest import mock

from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos import cos_auth

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sign_cases import ASCII, encoded_name, hexfield, rand_case, rand_key, rand_secret, rand_text  # noqa: E402

METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD"]
REGIONS = ["ap-guangzhou", "ap-beijing", "na-ashburn", "ap-shanghai"]
SIGNATURE_FIELDS = {"q-sign-algorithm", "q-ak", "q-sign-time", "q-key-time", "q-header-list", "q-url-param-list",
                    "q-signature", "x-cos-security-token"}

KNOWN_PARAMS = [
    ("response-content-disposition", lambda r: r.choice(['attachment; filename="a b.txt"',
                                                         "attachment; filename*=UTF-8''%E4%B8%AD.txt", "inline"])),
    ("response-content-type", lambda r: r.choice(["application/octet-stream", "text/plain; charset=utf-8"])),
    ("response-cache-control", lambda r: "max-age=600"),
    ("response-expires", lambda r: "Wed, 21 Oct 2037 07:28:00 GMT"),
    ("response-content-language", lambda r: "zh-CN"),
    ("versionId", lambda r: "MTg0NDUx" + rand_text(r, 4, 12)),
    ("x-cos-traffic-limit", lambda r: str(r.randint(819200, 838860800))),
    ("uploadId", lambda r: rand_text(r, 1, 20)),
    ("partNumber", lambda r: str(r.randint(1, 10000))),
    ("acl", lambda r: ""),
    ("tagging", lambda r: ""),
    ("prefix", lambda r: rand_text(r, 0, 12)),
]

SIGNED_HEADERS = [
    ("Content-Type", lambda r: r.choice(["text/plain", "image/png", "application/octet-stream",
                                         "multipart/form-data; boundary=x+y", "text/plain; charset=utf-8"])),
    ("Content-MD5", lambda r: r.choice(["mQ/fVh815F3k6TAUm8m0eg==", "1B2M2Y8AsgTpgAmY7PhCfg=="])),
    ("Content-Disposition", lambda r: r.choice(['attachment; filename="a b.txt"', "inline"])),
    ("Content-Encoding", lambda r: r.choice(["gzip", "identity"])),
    ("Content-Length", lambda r: str(r.randint(0, 1 << 30))),
    ("Cache-Control", lambda r: r.choice(["no-cache", "max-age=600"])),
    ("Expires", lambda r: "Wed, 21 Oct 2037 07:28:00 GMT"),
    ("If-Match", lambda r: '"%032x"' % r.getrandbits(128)),
    ("If-None-Match", lambda r: "*"),
    ("Range", lambda r: r.choice(["bytes=0-99", "bytes=100-"])),
    ("Origin", lambda r: "https://example.com"),
    ("x-cos-acl", lambda r: r.choice(["private", "public-read"])),
    ("x-cos-storage-class", lambda r: r.choice(["STANDARD", "STANDARD_IA", "ARCHIVE"])),
    ("x-cos-traffic-limit", lambda r: str(r.randint(819200, 838860800))),
    ("x-cos-forbid-overwrite", lambda r: "true"),
    ("x-ci-process", lambda r: "imageInfo"),
]

UNSIGNED_HEADERS = [
    ("User-Agent", lambda r: "curl/8.0"),
    ("Accept", lambda r: "*/*"),
    ("Date", lambda r: "Thu, 16 May 2019 06:45:51 GMT"),
    ("Connection", lambda r: "keep-alive"),
    ("X-Custom", lambda r: (rand_text(r, 1, 12, exclude="\n\r").strip() or "x")),
]


def ascii_value(rng, lo=0, hi=16):
    """A header value without controls, non-ASCII or surrounding spaces (which this library refuses)."""
    alphabet = ASCII + "-_.~ +%/*()'\"!#$&;:,@=?"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi))).strip()


def rand_params(rng):
    params = {}
    seen = set()
    for _ in range(rng.choice([0, 1, 1, 2, 3, 4])):
        if rng.random() < 0.6:
            name, value = rng.choice(KNOWN_PARAMS)
            value = value(rng)
        else:
            name = rand_text(rng, 1, 10, exclude="=")
            value = "" if rng.random() < 0.25 else rand_text(rng, 0, 16)
        if encoded_name(name) in seen or name.lower() in SIGNATURE_FIELDS:
            continue
        seen.add(encoded_name(name))
        params[name] = value
    return params


def rand_headers(rng, kind, host):
    headers = {}
    for name, value in rng.sample(SIGNED_HEADERS, rng.randint(0, 4)):
        headers[rand_case(rng, name)] = value(rng)
    for _ in range(rng.choice([0, 0, 1, 2])):
        meta = "x-cos-meta-" + "".join(rng.choice(ASCII + "-_") for _ in range(rng.randint(1, 8)))
        headers[rand_case(rng, meta)] = ascii_value(rng)
    if rng.random() < 0.1:
        headers[rand_case(rng, "Host")] = rng.choice([host, "Example.COM"])
    if kind == "auth":
        for name, value in rng.sample(UNSIGNED_HEADERS, rng.randint(0, 3)):
            headers[rand_case(rng, name)] = value(rng)
    merged = {}
    for k, v in headers.items():  # names differing only in case are one header: keep the last spelling
        for old in [o for o in merged if o.lower() == k.lower()]:
            del merged[old]
        merged[k] = v
    return merged


def addresses_bucket(key):
    depth = 0
    for seg in key.split("/"):
        if seg in ("", "."):
            continue
        depth = max(depth - 1, 0) if seg == ".." else depth + 1
    return depth == 0


def make_case(rng):
    kind = rng.choice(["presign"] * 5 + ["auth"] * 4 + ["url"])
    method = rng.choice(METHODS)
    region = rng.choice(REGIONS)
    bucket = "examplebucket-%d" % rng.randint(1250000000, 1259999999)
    key = rand_key(rng)
    while addresses_bucket(key):
        key = rand_key(rng)
    secret_id = "AKID" + rand_secret(rng, 32)
    secret_key = rand_secret(rng, 32)
    token = ("token" + "".join(rng.choice(ASCII + "-_.~+/=") for _ in range(rng.randint(8, 60)))
             if rng.random() < 0.3 else "")
    sign_host = rng.random() < 0.7
    scheme = rng.choice(["https", "https", "http"])
    domain = "cdn%d.example.com" % rng.randint(0, 99) if rng.random() < 0.1 else ""
    conf_args = dict(Region=region, SecretId=secret_id, SecretKey=secret_key, Scheme=scheme)
    if token:
        conf_args["Token"] = token
    if domain:
        conf_args["Domain"] = domain
    client = CosS3Client(CosConfig(**conf_args))
    host = domain or "%s.cos.%s.myqcloud.com" % (bucket, region)
    params = rand_params(rng)
    headers = rand_headers(rng, kind, host)
    expire = rng.choice([300, 3600, 10000, rng.randint(1, 200000)])
    now = rng.randint(1_000_000_000, 2_000_000_000) + rng.random()

    with mock.patch.object(cos_auth.time, "time", return_value=now):
        if kind == "presign":
            sdk_params = dict(params)
            if token:
                sdk_params["x-cos-security-token"] = token
            answer = client.get_presigned_url(Bucket=bucket, Key=key, Method=method, Expired=expire,
                                              Params=sdk_params, Headers=dict(headers), SignHost=sign_host)
        elif kind == "auth":
            answer = client.get_auth(Method=method, Bucket=bucket, Key=key, Expired=expire, Headers=dict(headers),
                                     Params=dict(params), SignHost=sign_host)
        else:
            answer = client.get_object_url(Bucket=bucket, Key=key)
    fields = [
        kind, method, bucket, key,
        "\n".join("%s=%s" % (k, v) for k, v in params.items()),
        "\n".join("%s: %s" % (k, v) for k, v in headers.items()),
        str(int(now)), str(expire), secret_id, secret_key, token, "1" if sign_host else "0", scheme, region,
        domain, answer,
    ]
    return "\t".join(hexfield(f) for f in fields)


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: presign_cases.py SEED COUNT")
    rng = random.Random(int(sys.argv[1]))
    count = int(sys.argv[2])
    sys.stdout.write("".join(make_case(rng) + "\n" for _ in range(count)))


if __name__ == "__main__":
    main()
