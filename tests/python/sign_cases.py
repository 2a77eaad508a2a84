"""Random signing cases signed by the official COS Python SDK (cos-python-sdk-v5), for tests/sign_differential.rs.

Usage: sign_cases.py SEED COUNT

Prints COUNT lines, one case each: tab-separated fields, each the hex of its UTF-8 text:
  method, key, params ("k=v" lines), headers on the prepared request ("k: v" lines, without Authorization),
  T (the SDK's clock, whole seconds), expire, secret id, secret key,
  host (the URL hostname the SDK signs when no Host header is present; empty when host signing is off),
  the SDK's Authorization header.

The SDK computes the signature in `qcloud_cos.cos_auth.CosS3Auth.__call__`, which reads `time.time()` once and
signs the window [int(now) - 60, int(now) + expire]. The clock is patched there, the auth object is applied to a
prepared `requests` request exactly as `CosS3Client.send_request` does (through `auth=`), and the result is
printed. Nothing is sent anywhere.
"""

import random
import sys
from unittest import mock
from urllib.parse import quote

import requests
from qcloud_cos import CosConfig
from qcloud_cos import cos_auth

METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD"]
REGION = "ap-guangzhou"

# Characters keys, parameter names and values are built from, grouped so each kind shows up often.
ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
UNRESERVED = "-_.~"
SYMBOLS = " +%/~*()'\"!#$&;:,@=?[]{}|\\^`<>"
NON_ASCII = ["中", "文", "腾", "讯", "云", "日本", "한", "é", "ß", "Ω", "ü", "😀", "🚀", "𝄞", "\u00a0", "\u200b", "ñ"]


def rand_text(rng, min_len=1, max_len=12, exclude=""):
    """A random string mixing ASCII, unreserved, symbol and non-ASCII characters."""
    n = rng.randint(min_len, max_len)
    out = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.45:
            c = rng.choice(ASCII)
        elif kind < 0.55:
            c = rng.choice(UNRESERVED)
        elif kind < 0.8:
            c = rng.choice(SYMBOLS)
        else:
            c = rng.choice(NON_ASCII)
        if c in exclude or any(ch in exclude for ch in c):
            c = rng.choice(ASCII)
        out.append(c)
    return "".join(out)


def rand_key(rng):
    """An object key: segments joined by '/', possibly with empty segments and a trailing '/'.

    Never empty and never starting with '/' (the SDK strips a leading '/' from the URL but keeps it in the
    signed path, so such keys are a different case)."""
    segments = [rand_text(rng, 0, 10) for _ in range(rng.randint(1, 4))]
    key = "/".join(segments)
    if rng.random() < 0.15:
        key += "/"
    if rng.random() < 0.1:
        key = key.replace("/", "//", 1)
    key = key.lstrip("/")
    if not key:
        key = rand_text(rng, 1, 5, exclude="/")
    if rng.random() < 0.1:
        key = rng.choice(["exampleobject(腾讯云)", "a b/中.txt", "dir/", "x+y%20z", "~tilde*star", "'quoted'\"x\"", "😀/🚀/"])
    return key


KNOWN_PARAMS = [
    ("acl", ""),
    ("uploads", ""),
    ("tagging", ""),
    ("delete", ""),
    ("prefix", None),
    ("delimiter", "/"),
    ("max-keys", "1000"),
    ("marker", None),
    ("encoding-type", "url"),
    ("response-content-type", "application/octet-stream"),
    ("response-cache-control", "max-age=600"),
    ("response-content-disposition", "attachment; filename*=UTF-8''%E4%B8%AD.txt"),
    ("partNumber", "1"),
    ("uploadId", None),
    ("versionId", None),
    ("x-cos-security-token", None),
    ("continuation-token", None),
]


def encoded_name(name):
    """How the SDK turns a parameter or header name into a signed name (used to avoid collisions)."""
    return quote(name.encode("utf-8"), "-_.~").lower()


def rand_params(rng):
    params = {}
    seen = set()
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 5])):
        if rng.random() < 0.5:
            name, value = rng.choice(KNOWN_PARAMS)
            if value is None:
                value = rand_text(rng, 0, 16)
        else:
            # '=' and newlines cannot appear in names: the output format splits "k=v" at the first '='.
            name = rand_text(rng, 1, 10, exclude="=")
            value = "" if rng.random() < 0.25 else rand_text(rng, 0, 16)
        # Names that differ only in case collapse into one in the SDK (a dict keyed by the lower-cased name);
        # generate none here, that is a separate, documented case.
        if encoded_name(name) in seen:
            continue
        seen.add(encoded_name(name))
        params[name] = value
    return params


def rand_case(rng, name):
    """The header name in a random spelling (lower, Title-Case or upper)."""
    return rng.choice([name.lower(), "-".join(p[:1].upper() + p[1:] for p in name.split("-")), name.upper(), name])


def header_value(rng):
    """A header value: printable, may contain quotes, non-ASCII, inner spaces; no leading whitespace, no newline."""
    v = rand_text(rng, 0, 20, exclude="\n\r")
    return v.lstrip(" \u00a0")


def rand_headers(rng, method, bucket_host):
    signed = [
        ("Content-Type", lambda: rng.choice(["text/plain", "application/octet-stream", "text/plain; charset=utf-8",
                                             "application/xml", "image/jpeg", "multipart/form-data; boundary=x+y"])),
        ("Content-MD5", lambda: rng.choice(["mQ/fVh815F3k6TAUm8m0eg==", "1B2M2Y8AsgTpgAmY7PhCfg==", "XUFAKrxLKna5cZ2REBfFkg=="])),
        ("Range", lambda: rng.choice(["bytes=0-99", "bytes=100-", "bytes=-5", "bytes=0-0,5-9"])),
        ("If-Match", lambda: '"%032x"' % rng.getrandbits(128)),
        ("If-None-Match", lambda: rng.choice(['"abc"', "*", 'W/"weak"'])),
        ("If-Modified-Since", lambda: "Thu, 16 May 2019 06:45:51 GMT"),
        ("Cache-Control", lambda: rng.choice(["no-cache", "max-age=600", "max-age=0, must-revalidate", "private"])),
        ("Content-Disposition", lambda: rng.choice(['attachment; filename="a b.txt"', "inline",
                                                    "attachment; filename*=UTF-8''%E4%B8%AD%E6%96%87.txt"])),
        ("Content-Encoding", lambda: rng.choice(["gzip", "identity"])),
        ("Expires", lambda: "Wed, 21 Oct 2037 07:28:00 GMT"),
        ("Origin", lambda: "https://example.com"),
        ("x-cos-acl", lambda: rng.choice(["private", "public-read", "public-read-write", "default"])),
        ("x-cos-grant-read", lambda: rng.choice(['id="100000000001"', 'uin="100000000011"',
                                                 'id="qcs::cam::uin/100000000001:uin/100000000011",id="qcs::cam::anyone:anyone"'])),
        ("x-cos-storage-class", lambda: rng.choice(["STANDARD", "STANDARD_IA", "ARCHIVE", "MAZ_STANDARD"])),
        ("x-cos-security-token", lambda: "token" + rand_text(rng, 8, 30, exclude=" \n\r")),
        ("x-cos-traffic-limit", lambda: str(rng.randint(819200, 838860800))),
        ("x-ci-process", lambda: rand_text(rng, 1, 10, exclude="\n\r").strip() or "x"),
    ]
    unsigned = [
        ("User-Agent", lambda: "cos-python-sdk-v5.1.9.44"),
        ("Accept", lambda: rng.choice(["*/*", "application/xml"])),
        ("Accept-Encoding", lambda: "gzip, deflate"),
        ("Date", lambda: "Thu, 16 May 2019 06:45:51 GMT"),
        ("Content-Language", lambda: rng.choice(["en", "zh-CN"])),
        ("Referer", lambda: "https://example.com/page"),
        ("Connection", lambda: rng.choice(["keep-alive", "close"])),
        ("X-Custom-Unsigned", lambda: header_value(rng)),
    ]
    headers = {}
    for name, value in rng.sample(signed, rng.randint(0, 6)):
        headers[rand_case(rng, name)] = value()
    for _ in range(rng.choice([0, 0, 1, 2, 3])):
        meta = "x-cos-meta-" + "".join(rng.choice(ASCII + "-_") for _ in range(rng.randint(1, 8)))
        headers[rand_case(rng, meta)] = header_value(rng)
    for name, value in rng.sample(unsigned, rng.randint(0, 4)):
        headers[rand_case(rng, name)] = value()
    if rng.random() < 0.15:
        # An explicit Host header is signed as given (with a port, if any), instead of the URL's hostname.
        headers[rand_case(rng, "Host")] = rng.choice([bucket_host, "127.0.0.1:9000", "Example.COM"])
    if method in ("GET", "HEAD", "DELETE") and rng.random() < 0.1:
        headers[rand_case(rng, "Content-Length")] = "0"
    # requests' CaseInsensitiveDict would merge names that differ only in case; keep the last spelling.
    merged = requests.structures.CaseInsensitiveDict()
    for k, v in headers.items():
        merged[k] = v
    return dict(merged.items())


def rand_secret(rng, n):
    alphabet = ASCII if rng.random() < 0.9 else ASCII + "+/=中é😀"
    return "".join(rng.choice(alphabet) for _ in range(n))


def hexfield(s):
    return s.encode("utf-8").hex()


def make_case(rng):
    method = rng.choice(METHODS)
    key = rand_key(rng)
    bucket = "examplebucket-%d" % rng.randint(1250000000, 1259999999)
    secret_id = "AKID" + rand_secret(rng, 32)
    secret_key = rand_secret(rng, 32)
    sign_host = rng.random() < 0.85
    conf = CosConfig(Region=REGION, SecretId=secret_id, SecretKey=secret_key, SignHost=sign_host)
    bucket_host = conf.get_host(Bucket=bucket)
    if rng.random() < 0.2:
        base = "http://127.0.0.1:%d" % rng.randint(1024, 65535)  # CosConfig(IP=..., Port=...) style URL
        url = base + "/" + quote(key.encode("utf-8"), "/-_.~")
    else:
        url = conf.uri(bucket=bucket, path=key)
    params = rand_params(rng)
    headers = rand_headers(rng, method, bucket_host)
    data = None
    if method in ("PUT", "POST") and rng.random() < 0.6:
        data = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))
    expire = rng.choice([300, 3600, 10000, rng.randint(1, 200000)])
    now = rng.randint(1_000_000_000, 2_000_000_000) + rng.random()

    auth = cos_auth.CosS3Auth(conf, key, params, expire)
    with mock.patch.object(cos_auth.time, "time", return_value=now):
        prepared = requests.Request(method, url, headers=headers, params=params, data=data, auth=auth).prepare()

    authorization = prepared.headers["Authorization"]
    present = [(k, v) for k, v in prepared.headers.items() if k.lower() != "authorization"]
    for k, v in present:
        if isinstance(v, bytes):
            raise SystemExit("header %r has a bytes value %r" % (k, v))
        if "\n" in k or "\n" in v:
            raise SystemExit("header %r: %r contains a newline" % (k, v))
    signed_host = ""
    if sign_host:
        signed_host = requests.utils.urlparse(prepared.url).hostname or ""
    fields = [
        method,
        key,
        "\n".join("%s=%s" % (k, v) for k, v in params.items()),
        "\n".join("%s: %s" % (k, v) for k, v in present),
        str(int(now)),
        str(expire),
        secret_id,
        secret_key,
        signed_host,
        authorization,
    ]
    return "\t".join(hexfield(f) for f in fields)


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: sign_cases.py SEED COUNT")
    rng = random.Random(int(sys.argv[1]))
    count = int(sys.argv[2])
    out = [make_case(rng) for _ in range(count)]
    sys.stdout.write("".join(line + "\n" for line in out))


if __name__ == "__main__":
    main()
