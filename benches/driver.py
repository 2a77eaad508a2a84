"""Speed benchmark of the `cos` library against curl and the official COS Python SDK, on the local emulator.

Run it through `bash benches/run.sh [--quick] [options]`, which builds everything first. This driver:
  * starts `cos-emulator` on a free loopback port in fast mode (`--no-md5` when the emulator has it), and a
    second instance with a per-connection rate cap (`--rate-limit`) for the capped section;
  * measures, side by side in one run and with the same data files (on /dev/shm when present):
      1. single-stream PUT/GET: the library (C API) vs curl with a presigned URL vs the Python SDK;
      2. upload_file/download_file with N parts in flight: the library vs the Python SDK (same part size);
      3. small requests (PUT then GET): requests/s and latency percentiles, the library vs the Python SDK;
      4. upload_file/download_file against the rate-capped emulator, 1/2/4/8 parts in flight;
      5. peak RSS of a large upload_file/download_file (VmHWM of the C program, read by it just before exit);
  * prints a table with the median of each series, its ratio to the reference and PASS/MISS per target,
    and writes every raw repetition plus the machine, date and git commit to benches/results/latest.json.

The library side is benches/cos_bench.c (one process per measurement; only the call itself is timed). curl
is timed by its own `%{time_total}`, the Python SDK in-process around the call. Python stdlib + the SDK only.
"""

import argparse
import datetime
import importlib.metadata
import json
import logging
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_BIN = ROOT / "target" / "bench" / "cos_bench"
# The release build of the workspace member cos-emulator (benches/run.sh builds it), or COS_EMULATOR_BIN as in the tests.
EMULATOR_BIN = Path(os.environ.get("COS_EMULATOR_BIN") or ROOT / "target" / "release" / "cos-emulator")
RESULTS_DIR = ROOT / "benches" / "results"

SECRET_ID = "AKIDcosEmulatorDefault"
SECRET_KEY = "cosEmulatorDefaultSecretKey"
REGION = "ap-guangzhou"
BUCKET = "bench-1250000000"
MiB = 1 << 20
GiB = 1 << 30

for _var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
    os.environ.pop(_var, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

try:
    from qcloud_cos import CosConfig, CosS3Client
except ImportError:  # reported per measurement; the library and curl rows still run
    CosConfig = CosS3Client = None
logging.getLogger("qcloud_cos").addHandler(logging.NullHandler())
logging.getLogger("qcloud_cos").propagate = False


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------------------
# Environment


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def machine_info():
    cpu_model = None
    flags = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and cpu_model is None:
                cpu_model = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = line.split(":", 1)[1]
    mem_kib = None
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    try:
        sdk = importlib.metadata.version("cos-python-sdk-v5")
    except importlib.metadata.PackageNotFoundError:
        sdk = None
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model,
        "cpu_has_pclmulqdq": "pclmulqdq" in flags.split(),
        "mem_total_kib": mem_kib,
        "mem_total_gib": round(mem_kib / (1 << 20), 1) if mem_kib else None,
        "kernel": platform.release(),
        "hostname": platform.node(),
        "python": platform.python_version(),
        "cos_python_sdk_v5": sdk,
        "curl": (sh("curl", "--version") or "").splitlines()[0] if sh("curl", "--version") else None,
        "rustc": sh("rustc", "--version"),
        "cc": (sh("cc", "--version") or "").splitlines()[0] if sh("cc", "--version") else None,
    }


def git_info():
    status = sh("git", "status", "--porcelain") or ""
    return {
        "commit": sh("git", "rev-parse", "HEAD"),
        "describe": sh("git", "log", "-1", "--format=%h %s"),
        "dirty": bool(status),
        "dirty_paths": [line[3:] for line in status.splitlines()][:50],
    }


def data_dir():
    base = Path("/dev/shm")
    if not (base.is_dir() and os.access(base, os.W_OK)):
        base = Path(os.environ.get("TMPDIR", "/tmp"))
    d = base / ("cos-bench-%d" % os.getpid())
    d.mkdir(parents=True, exist_ok=True)
    return d


def make_file(path, size):
    """A file of `size` pseudo-random bytes (a 16 MiB random block repeated with a changing first word)."""
    block = bytearray(os.urandom(16 * MiB))
    with open(path, "wb") as f:
        written, n = 0, 0
        while written < size:
            block[0:8] = n.to_bytes(8, "little")
            chunk = memoryview(block)[: min(len(block), size - written)]
            f.write(chunk)
            written += len(chunk)
            n += 1
    return path


# --------------------------------------------------------------------------------------------------------------
# The emulator


class Emulator:
    def __init__(self, extra_args, name):
        self.name = name
        self.args = [str(EMULATOR_BIN), "--listen", "127.0.0.1:0"] + list(extra_args)
        self.stderr = open(data_dir_path / ("emulator-%s.log" % name), "wb")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self.stderr)
        line = self.proc.stdout.readline().decode()
        m = re.search(r"listening on ([0-9.]+):(\d+)", line)
        if not m:
            self.stop()
            raise RuntimeError("%s did not start: %r" % (" ".join(self.args), line))
        self.host, self.port = m.group(1), int(m.group(2))
        self.stopped = False
        self.address = "%s:%d" % (self.host, self.port)

    def stop(self):
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()

    def alive(self):
        return self.proc.poll() is None


def emulator_flags():
    try:
        text = subprocess.run([str(EMULATOR_BIN), "--help"], capture_output=True, text=True, timeout=10)
        text = text.stdout + text.stderr
    except (OSError, subprocess.SubprocessError):
        text = ""
    return {"no_md5": "--no-md5" in text, "rate_limit": "--rate-limit" in text, "help": text}


# --------------------------------------------------------------------------------------------------------------
# The three clients


def c_env(emu):
    env = dict(os.environ)
    env.update(
        COS_SECRET_ID=SECRET_ID,
        COS_SECRET_KEY=SECRET_KEY,
        COS_REGION=REGION,
        COS_SCHEME="http",
        COS_ADDRESS=emu.address,
    )
    env.pop("COS_SESSION_TOKEN", None)
    env.pop("COS_ENDPOINT", None)
    env.pop("COS_DOMAIN", None)
    return env


def run_child(cmd, env=None, timeout=600):
    """Runs cmd, returns (stdout, stderr, exit status, rusage of that child alone, wall seconds)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise RuntimeError("%s timed out after %ds" % (cmd[0], timeout))
    # communicate() already reaped the child; wait4 is what gives its own rusage, so Popen must not reap.
    wall = time.monotonic() - t0
    return out.decode(), err.decode(), proc.returncode, proc_rusage.pop(proc.pid, None), wall


# Popen reaps children with waitpid, which loses their rusage. Hook it so each child's rusage is kept.
proc_rusage = {}
_orig_try_wait = subprocess.Popen._try_wait


def _try_wait_with_rusage(self, wait_flags):
    try:
        pid, sts, ru = os.wait4(self.pid, wait_flags)
    except ChildProcessError:
        pid, sts = self.pid, 0
    else:
        if pid == self.pid:
            proc_rusage[pid] = ru
    return (pid, sts)


subprocess.Popen._try_wait = _try_wait_with_rusage


def rusage_fields(ru):
    """CPU time of the child from wait4. (Its ru_maxrss is not used: Linux carries the high-water mark of the
    forked, pre-exec image over exec, so it reports this Python's size; peak RSS is VmHWM, which the C program
    reads from /proc/self/status just before it exits.)"""
    if ru is None:
        return {}
    return {"child_cpu_s": round(ru.ru_utime + ru.ru_stime, 6)}


def lib(emu, *args, timeout=600):
    """Runs the C benchmark program; returns its JSON result plus the child's rusage."""
    cmd = [str(BENCH_BIN)] + [str(a) for a in args]
    out, err, rc, ru, wall = run_child(cmd, env=c_env(emu), timeout=timeout)
    if rc != 0:
        raise RuntimeError("cos_bench %s failed (exit %d): %s" % (args[0], rc, err.strip()[-2000:]))
    result = json.loads(out.strip().splitlines()[-1])
    result.update(rusage_fields(ru))
    result["process_wall_s"] = round(wall, 6)
    return result


def presign(emu, method, key):
    out, err, rc, _, _ = run_child([str(BENCH_BIN), "presign", BUCKET, key, method, "3600"], env=c_env(emu))
    if rc != 0:
        raise RuntimeError("presign failed: %s" % err.strip())
    return out.strip()


def curl(emu, method, key, path=None, out="/dev/null"):
    """curl with a presigned URL, connecting to the emulator (--connect-to) with the bucket's Host."""
    url = presign(emu, method, key)
    cmd = ["curl", "-sS", "--noproxy", "*", "--connect-to", "::%s" % emu.address, "-o", str(out),
           "-w", "%{http_code} %{time_total} %{size_upload} %{size_download}"]
    if method == "PUT":
        cmd += ["-T", str(path)]
    cmd.append(url)
    out, err, rc, ru, wall = run_child(cmd)
    if rc != 0:
        raise RuntimeError("curl %s failed (exit %d): %s" % (method, rc, err.strip()))
    code, total, up, down = out.split()
    if code != "200":
        raise RuntimeError("curl %s answered HTTP %s" % (method, code))
    r = {"op": "curl_" + method.lower(), "bytes": int(float(up if method == "PUT" else down)),
         "seconds": float(total), "process_wall_s": round(wall, 6)}
    r.update(rusage_fields(ru))
    r["cpu_s"] = r.get("child_cpu_s")
    return r


def curl_parallel(emu, method, keys, path=None, size=None):
    """len(keys) curls at once, the ceiling of that many streams on this machine: PUTs of the file at `path`
    to each key, or GETs of `size` bytes of keys[0] split into that many ranges. Timed from the first start
    to the last exit (process start-up included, a few ms)."""
    n = len(keys)
    cmds = []
    for i, key in enumerate(keys):
        url = presign(emu, method, key)
        cmd = ["curl", "-sS", "--noproxy", "*", "--connect-to", "::%s" % emu.address, "-o", "/dev/null",
               "-w", "%{http_code} %{size_upload} %{size_download}"]
        if method == "PUT":
            cmd += ["-T", str(path)]
        else:
            first, last = i * size // n, (i + 1) * size // n - 1
            cmd += ["-H", "Range: bytes=%d-%d" % (first, last)]
        cmds.append(cmd + [url])
    t0 = time.monotonic()
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for c in cmds]
    outs = [p.communicate(timeout=600) for p in procs]
    wall = time.monotonic() - t0
    total, cpu = 0, 0.0
    for p, (out, err) in zip(procs, outs):
        if p.returncode != 0:
            raise RuntimeError("curl %s failed (exit %d): %s" % (method, p.returncode, err.decode().strip()))
        code, up, down = out.decode().split()
        if code not in ("200", "206"):
            raise RuntimeError("curl %s answered HTTP %s" % (method, code))
        total += int(float(up if method == "PUT" else down))
        cpu += rusage_fields(proc_rusage.pop(p.pid, None)).get("child_cpu_s", 0.0)
    return {"op": "curl_parallel_" + method.lower(), "streams": n, "bytes": total, "seconds": round(wall, 6),
            "cpu_s": round(cpu, 6)}


class PySdk:
    """The official Python SDK, in this process, timed around each call."""

    def __init__(self, emu):
        if CosS3Client is None:
            raise RuntimeError("qcloud_cos (cos-python-sdk-v5) is not installed in this Python")
        conf = CosConfig(Region=REGION, SecretId=SECRET_ID, SecretKey=SECRET_KEY, Scheme="http",
                         IP=emu.host, Port=emu.port)
        self.client = CosS3Client(conf, retry=1)

    @staticmethod
    def _timed(op, nbytes, fn):
        t0, c0 = time.monotonic(), time.process_time()
        fn()
        return {"op": op, "bytes": nbytes, "seconds": round(time.monotonic() - t0, 6),
                "cpu_s": round(time.process_time() - c0, 6)}

    def put(self, key, path):
        def go():
            with open(path, "rb") as f:
                self.client.put_object(Bucket=BUCKET, Body=f, Key=key)
        return self._timed("py_put_object", os.path.getsize(path), go)

    def get(self, key):
        got = [0]

        def go():
            resp = self.client.get_object(Bucket=BUCKET, Key=key)
            with open(os.devnull, "wb") as sink:
                for chunk in resp["Body"].get_stream(chunk_size=MiB):
                    sink.write(chunk)
                    got[0] += len(chunk)
        r = self._timed("py_get_object", 0, go)
        r["bytes"] = got[0]
        return r

    def upload_file(self, key, path, part_mib, threads):
        return self._timed("py_upload_file", os.path.getsize(path), lambda: self.client.upload_file(
            Bucket=BUCKET, Key=key, LocalFilePath=str(path), PartSize=part_mib, MAXThread=threads))

    def download_file(self, key, path, part_mib, threads):
        r = self._timed("py_download_file", 0, lambda: self.client.download_file(
            Bucket=BUCKET, Key=key, DestFilePath=str(path), PartSize=part_mib, MAXThread=threads))
        r["bytes"] = os.path.getsize(path)
        return r

    def small(self, prefix, count, size):
        body = bytes((i * 131 + 7) & 0xFF for i in range(size))
        out = {"op": "py_small", "bytes": 2 * count * size}
        for phase in ("put", "get"):
            lat = []
            t0, c0 = time.monotonic(), time.process_time()
            for i in range(count):
                key = "%s%06d" % (prefix, i)
                s = time.monotonic()
                if phase == "put":
                    self.client.put_object(Bucket=BUCKET, Body=body, Key=key)
                else:
                    data = self.client.get_object(Bucket=BUCKET, Key=key)["Body"].get_raw_stream().read()
                    if len(data) != size:
                        raise RuntimeError("%s: %d bytes, expected %d" % (key, len(data), size))
                lat.append(time.monotonic() - s)
            total, cpu = time.monotonic() - t0, time.process_time() - c0
            lat.sort()
            out[phase] = {"count": count, "seconds": round(total, 6), "cpu_s": round(cpu, 6),
                          "rps": round(count / total, 1), "p50_us": round(pct(lat, 50) * 1e6, 1),
                          "p99_us": round(pct(lat, 99) * 1e6, 1), "max_us": round(lat[-1] * 1e6, 1)}
        return out

    def delete(self, *keys):
        for k in keys:
            try:
                self.client.delete_object(Bucket=BUCKET, Key=k)
            except Exception:  # noqa: BLE001 - cleanup only
                pass

    def delete_prefix(self, prefix):
        marker = ""
        while True:
            resp = self.client.list_objects(Bucket=BUCKET, Prefix=prefix, Marker=marker, MaxKeys=1000)
            keys = [o["Key"] for o in resp.get("Contents", [])]
            if keys:
                self.client.delete_objects(Bucket=BUCKET, Delete={"Object": [{"Key": k} for k in keys],
                                                                  "Quiet": "true"})
            if resp.get("IsTruncated") != "true":
                break
            marker = resp.get("NextMarker") or keys[-1]


def pct(sorted_values, p):
    """Nearest-rank percentile (the same definition as cos_bench.c)."""
    n = len(sorted_values)
    rank = max(1, min(n, int(-(-p * n // 100))))
    return sorted_values[rank - 1]


# --------------------------------------------------------------------------------------------------------------
# Series and targets


class Series:
    """Repetitions of one measurement. `metric` extracts the number compared from each repetition's result;
    `ref` (another Series or a number) is what the median is compared with in the table's ratio column."""

    def __init__(self, section, name, client, unit, metric, note="", ref=None, ref_label=None):
        self.section, self.name, self.client, self.unit, self.metric, self.note = \
            section, name, client, unit, metric, note
        self.ref, self.ref_label = ref, ref_label
        self.raw = []

    def add(self, fn):
        """Runs one repetition; a failure is recorded (and printed) and the run goes on."""
        try:
            r = fn()
        except Exception as e:  # noqa: BLE001
            log("  ! %s / %s: %s" % (self.name, self.client, e))
            if os.environ.get("COS_BENCH_DEBUG"):
                traceback.print_exc()
            r = {"error": str(e)[-2000:]}
        return self.add_result(r)

    def add_result(self, r):
        """Records a repetition already run (several series can share one run)."""
        r = dict(r)
        r["loadavg_1min"] = os.getloadavg()[0]  # other work on the machine makes every number noisier
        if "error" not in r:
            try:
                r["value"] = round(self.metric(r), 3)
            except (KeyError, TypeError, ZeroDivisionError) as e:
                r["error"] = "no %s in the result: %r" % (self.unit, e)
        self.raw.append(r)
        if "value" in r:
            log("  %-36s %-32s %10.1f %s" % (self.name, self.client, r["value"], self.unit))
        return r

    def values(self):
        return [r["value"] for r in self.raw if "value" in r]

    def median(self):
        v = self.values()
        return statistics.median(v) if v else None

    def cpu_per_gib(self):
        """Median CPU seconds per GiB moved (client side only), for byte-moving series."""
        v = [r["cpu_s"] * GiB / r["bytes"] for r in self.raw
             if "value" in r and self.unit == "MB/s" and r.get("cpu_s") is not None and r.get("bytes")]
        return statistics.median(v) if v else None

    def ref_value(self):
        return self.ref.median() if isinstance(self.ref, Series) else self.ref

    def ratio(self):
        v, ref = self.median(), self.ref_value()
        return v / ref if v is not None and ref else None

    def to_json(self):
        return {"section": self.section, "name": self.name, "client": self.client, "unit": self.unit,
                "note": self.note, "median": self.median(), "values": self.values(),
                "reference": self.ref_value(), "reference_label": self.ref_label, "ratio": self.ratio(),
                "client_cpu_s_per_gib": self.cpu_per_gib(),
                "errors": sum(1 for r in self.raw if "error" in r), "raw": self.raw}


def mbps(r):
    return r["bytes"] / r["seconds"] / 1e6


class Bench:
    def __init__(self, args):
        self.args = args
        self.series = []
        self.targets = []

    def new(self, *a, **kw):
        s = Series(*a, **kw)
        self.series.append(s)
        return s

    def target(self, name, value_series, reference, ref_label, ratio_min=None, ratio_max=None):
        """A target: median / reference >= ratio_min (or <= ratio_max). reference: a Series or a number."""
        v = value_series.median()
        ref = reference.median() if isinstance(reference, Series) else reference
        if v is None or ref is None or ref == 0:
            status, ratio = "ERROR", None
        else:
            ratio = v / ref
            ok = ratio >= ratio_min if ratio_min is not None else ratio <= ratio_max
            status = "PASS" if ok else "MISS"
        self.targets.append({
            "name": name, "value": v, "unit": value_series.unit, "reference": ref, "reference_label": ref_label,
            "ratio": ratio,
            "requirement": (">= %g" % ratio_min) if ratio_min is not None else ("<= %g" % ratio_max),
            "status": status,
        })


def rotate(items, k):
    k %= len(items)
    return items[k:] + items[:k]


# --------------------------------------------------------------------------------------------------------------
# The sections


def section_single(b, emu, py, f_big):
    a = b.args
    size = os.path.getsize(f_big)
    label = "%d MiB" % (size // MiB)
    log("== 1. single-stream PUT/GET of %s" % label)
    src = "single/get-source"
    lib(emu, "put", BUCKET, src, f_big)  # the object every GET reads; also warms the emulator up
    curl(emu, "GET", src)

    S = "1 single-stream"
    put_curl = b.new(S, "PUT %s" % label, "curl -T (reference)", "MB/s", mbps)
    put_lib = b.new(S, "PUT %s" % label, "library put_object_from_file", "MB/s", mbps, ref=put_curl,
                    ref_label="curl")
    put_py = b.new(S, "PUT %s" % label, "python put_object(file)", "MB/s", mbps, ref=put_curl, ref_label="curl")
    put_buf = b.new(S, "PUT %s" % label, "library put_object_ex(buffer)", "MB/s", mbps, "informational",
                    ref=put_curl, ref_label="curl")
    put_nocrc = b.new(S, "PUT %s" % label, "library from_file, CRC off", "MB/s", mbps, "diagnostic",
                      ref=put_curl, ref_label="curl")
    get_curl = b.new(S, "GET %s" % label, "curl > /dev/null (reference)", "MB/s", mbps)
    get_lib = b.new(S, "GET %s" % label, "library get_object_to_writer", "MB/s", mbps, ref=get_curl,
                    ref_label="curl")
    get_py = b.new(S, "GET %s" % label, "python get_object stream", "MB/s", mbps, ref=get_curl, ref_label="curl")
    get_curl_file = b.new(S, "GET %s" % label, "curl -o file", "MB/s", mbps, "informational, to tmpfs")
    get_file = b.new(S, "GET %s" % label, "library get_object_to_file", "MB/s", mbps, "informational, to tmpfs",
                     ref=get_curl_file, ref_label="curl -o")
    get_nocrc = b.new(S, "GET %s" % label, "library to_writer, CRC off", "MB/s", mbps, "diagnostic",
                      ref=get_curl, ref_label="curl")

    out_file = f_big.with_name("single-get.out")
    puts = [
        (put_lib, lambda: lib(emu, "put", BUCKET, "single/put-lib", f_big), "single/put-lib"),
        (put_curl, lambda: curl(emu, "PUT", "single/put-curl", f_big), "single/put-curl"),
        (put_py, lambda: py.put("single/put-py", f_big), "single/put-py"),
    ]
    extra_puts = [
        (put_buf, lambda: lib(emu, "put", BUCKET, "single/put-buf", f_big, "--buffer"), "single/put-buf"),
        (put_nocrc, lambda: lib(emu, "put", BUCKET, "single/put-nocrc", f_big, "--no-crc"), "single/put-nocrc"),
    ]
    gets = [
        (get_lib, lambda: lib(emu, "get", BUCKET, src)),
        (get_curl, lambda: curl(emu, "GET", src)),
        (get_py, lambda: py.get(src)),
    ]
    extra_gets = [
        (get_curl_file, lambda: curl(emu, "GET", src, out=out_file)),
        (get_file, lambda: lib(emu, "get", BUCKET, src, "--to-file", out_file)),
        (get_nocrc, lambda: lib(emu, "get", BUCKET, src, "--no-crc")),
    ]
    for rep in range(a.reps):
        for series, fn, key in rotate(puts + extra_puts, rep):
            series.add(fn)
            py.delete(key)  # keep the emulator's memory flat
        for series, fn in rotate(gets + extra_gets, rep):
            series.add(fn)
            out_file.unlink(missing_ok=True)
    py.delete(src)

    b.target("1 PUT: library >= 0.95 x curl", put_lib, put_curl, "curl PUT", 0.95)
    b.target("1 GET: library >= 0.95 x curl", get_lib, get_curl, "curl GET", 0.95)
    return put_curl, get_curl


def section_transfer(b, emu, py, f_big, put_curl, get_curl):
    a = b.args
    size = os.path.getsize(f_big)
    part, conc = a.part_mib, a.concurrency
    label = "%d MiB, %d x %d MiB" % (size // MiB, conc, part)
    log("== 2. upload_file/download_file of %s" % label)
    S = "2 transfers"
    up_py = b.new(S, "upload_file %s" % label, "python upload_file", "MB/s", mbps)
    up_cpar = b.new(S, "upload_file %s" % label, "curl x%d parallel PUTs" % conc, "MB/s", mbps,
                    "ceiling of %d streams here: %d PUTs of %d MiB at once" % (conc, conc, size // conc // MiB),
                    ref=up_py, ref_label="python")
    up_lib = b.new(S, "upload_file %s" % label, "library upload_file", "MB/s", mbps, ref=up_py,
                   ref_label="python")
    dn_py = b.new(S, "download_file %s" % label, "python download_file", "MB/s", mbps)
    dn_cpar = b.new(S, "download_file %s" % label, "curl x%d parallel ranges" % conc, "MB/s", mbps,
                    "ceiling of %d streams here: %d ranged GETs at once" % (conc, conc), ref=dn_py,
                    ref_label="python")
    dn_lib = b.new(S, "download_file %s" % label, "library download_file", "MB/s", mbps, ref=dn_py,
                   ref_label="python")
    src = "transfer/get-source"
    lib(emu, "put", BUCKET, src, f_big)
    dst = f_big.with_name("transfer-download.out")
    f_slice = make_file(f_big.with_name("object-slice.bin"), size // conc)
    slice_keys = ["transfer/curl-slice-%d" % i for i in range(conc)]

    ups = [
        (up_lib, lambda: lib(emu, "upload", BUCKET, "transfer/up-lib", f_big, part * MiB, conc), "transfer/up-lib"),
        (up_py, lambda: py.upload_file("transfer/up-py", f_big, part, conc), "transfer/up-py"),
    ]
    dns = [
        (dn_lib, lambda: lib(emu, "download", BUCKET, src, dst, part * MiB, conc)),
        (dn_py, lambda: py.download_file(src, dst, part, conc)),
    ]
    for rep in range(a.reps):
        for series, fn, key in rotate(ups, rep):
            series.add(fn)
            py.delete(key)
        up_cpar.add(lambda: curl_parallel(emu, "PUT", slice_keys, path=f_slice))
        py.delete(*slice_keys)
        for series, fn in rotate(dns, rep):
            series.add(fn)
            for leftover in dst.parent.glob(dst.name + "*"):
                leftover.unlink()
        dn_cpar.add(lambda: curl_parallel(emu, "GET", [src] * conc, size=size))
    py.delete(src)
    f_slice.unlink()

    if put_curl is not None:
        b.target("2 upload_file: library >= 0.9 x curl single PUT", up_lib, put_curl, "curl PUT", 0.9)
    b.target("2 upload_file: library >= 2 x python upload_file", up_lib, up_py, "python", 2)
    if get_curl is not None:
        b.target("2 download_file: library >= 0.9 x curl single GET", dn_lib, get_curl, "curl GET", 0.9)
    b.target("2 download_file: library >= 2 x python download_file", dn_lib, dn_py, "python", 2)


def section_small(b, emu, py):
    a = b.args
    n, size = a.small_count, a.small_size
    log("== 3. %d small (%d B) PUTs then GETs, one thread" % (n, size))
    S = "3 small requests"
    series = {}
    for phase in ("put", "get"):
        for who, client in (("py", "python SDK"), ("lib", "library (1 thread, keep-alive)")):
            for kind, unit, field in (("rps", "req/s", "rps"), ("p50", "us", "p50_us"), ("p99", "us", "p99_us")):
                ref = series.get(("py", phase, kind)) if who == "lib" else None
                name = "%d x %s %d B: %s" % (n, phase.upper(), size, "req/s" if kind == "rps" else kind + " latency")
                series[(who, phase, kind)] = b.new(
                    S, name, client, unit, lambda r, ph=phase, f=field: r[ph][f],
                    "lower is better" if unit == "us" else "", ref=ref, ref_label="python" if ref else None)
    jobs = [
        ("lib", lambda rep: lib(emu, "small", BUCKET, "small/lib%d/" % rep, n, size)),
        ("py", lambda rep: py.small("small/py%d/" % rep, n, size)),
    ]
    for rep in range(a.reps):
        for who, fn in rotate(jobs, rep):
            try:
                r = fn(rep)
            except Exception as e:  # noqa: BLE001
                log("  ! small / %s: %s" % (who, e))
                r = {"error": str(e)[-2000:]}
            for (w, phase, kind), s in series.items():
                if w == who:
                    s.add_result(r)
            py.delete_prefix("small/%s%d/" % (who, rep))
    for phase in ("put", "get"):
        b.target("3 small %s: library >= 10 x python req/s" % phase.upper(), series[("lib", phase, "rps")],
                 series[("py", phase, "rps")], "python", 10)


def section_capped(b, cap_emu, f_cap):
    a = b.args
    size = os.path.getsize(f_cap)
    cap = a.rate_limit
    part = a.capped_part_mib
    log("== 4. rate-capped emulator (%d B/s per connection): %d MiB, part %d MiB" % (cap, size // MiB, part))
    S = "4 capped at %g MB/s per connection, %d MiB, part %d MiB" % (cap / 1e6, size // MiB, part)
    key = "capped/source"
    lib(cap_emu, "upload", BUCKET, key, f_cap, part * MiB, 8)  # the download source (also a warm-up)
    dst = f_cap.with_name("capped-download.out")
    result = {}
    for conc in a.capped_concurrency:
        ideal = conc * cap / 1e6
        up = b.new(S, "upload_file %d in flight" % conc, "library", "MB/s", mbps, ref=ideal,
                   ref_label="%d x cap" % conc)
        dn = b.new(S, "download_file %d in flight" % conc, "library", "MB/s", mbps, ref=ideal,
                   ref_label="%d x cap" % conc)
        result[conc] = (up, dn)
    for rep in range(a.capped_reps):
        for conc in rotate(list(a.capped_concurrency), rep):
            up, dn = result[conc]
            up.add(lambda: lib(cap_emu, "upload", BUCKET, "capped/up-%d" % conc, f_cap, part * MiB, conc))
            dn.add(lambda: lib(cap_emu, "download", BUCKET, key, dst, part * MiB, conc))
            for leftover in dst.parent.glob(dst.name + "*"):
                leftover.unlink()
    top = max(a.capped_concurrency)
    up, dn = result[top]
    label = "%d x %g MB/s" % (top, cap / 1e6)
    b.target("4 capped upload_file %d in flight >= 0.9 x %d x cap" % (top, top), up, top * cap / 1e6, label, 0.9)
    b.target("4 capped download_file %d in flight >= 0.9 x %d x cap" % (top, top), dn, top * cap / 1e6, label,
             0.9)


def section_rss(b, emu, f_rss):
    a = b.args
    size = os.path.getsize(f_rss)
    conc, part = a.concurrency, a.part_mib
    bound_mib = conc * part + 32
    log("== 5. peak RSS of upload_file/download_file of %d MiB (%d x %d MiB)" % (size // MiB, conc, part))
    S = "5 peak RSS, %d MiB, %d x %d MiB" % (size // MiB, conc, part)
    rss = lambda r: r["vmhwm_kib"] / 1024  # noqa: E731  (VmHWM of the C program at exit)
    bound = "%dx%d+32 MiB" % (conc, part)
    up = b.new(S, "upload_file peak RSS", "library", "MiB", rss, "lower is better", ref=bound_mib, ref_label=bound)
    dn = b.new(S, "download_file peak RSS", "library", "MiB", rss, "lower is better", ref=bound_mib,
               ref_label=bound)
    up_speed = b.new(S, "upload_file speed", "library", "MB/s", mbps, "informational")
    dn_speed = b.new(S, "download_file speed", "library", "MB/s", mbps, "informational")
    key = "rss/object"
    dst = f_rss.with_name("rss-download.out")
    for rep in range(a.rss_reps):
        up_speed.add_result(up.add(lambda: lib(emu, "upload", BUCKET, key, f_rss, part * MiB, conc)))
        dn_speed.add_result(dn.add(lambda: lib(emu, "download", BUCKET, key, dst, part * MiB, conc)))
        for leftover in dst.parent.glob(dst.name + "*"):
            leftover.unlink()
    lib(emu, "delete", BUCKET, key)
    b.target("5 upload_file peak RSS <= %d x %d MiB + 32 MiB" % (conc, part), up, bound_mib, bound,
             ratio_max=1)
    b.target("5 download_file peak RSS <= %d x %d MiB + 32 MiB" % (conc, part), dn, bound_mib, bound,
             ratio_max=1)


# --------------------------------------------------------------------------------------------------------------
# Output


def fmt(v, unit=""):
    if v is None:
        return "-"
    if unit == "us" or abs(v) >= 100:
        return "%.0f" % v
    return "%.2f" % v if abs(v) < 10 else "%.1f" % v


def print_table(b, meta):
    m = meta["machine"]
    print()
    print("cos speed benchmark  %s  commit %s%s" % (meta["date"], (meta["git"]["commit"] or "?")[:12],
                                                    " (dirty tree)" if meta["git"]["dirty"] else ""))
    print("machine: %s, %d CPUs, %s GiB RAM, kernel %s" % (m["cpu_model"], m["nproc"], m["mem_total_gib"],
                                                         m["kernel"]))
    print("data on %s; emulator %s; medians of %d repetitions (capped %d, RSS %d)%s" % (
        meta["data_dir_fs"], " ".join(meta["emulator"]["fast_args"]) or "(no fast flags)", b.args.reps,
        b.args.capped_reps, b.args.rss_reps, "  [--quick]" if b.args.quick else ""))
    print("ratio: median / the reference named; cpu/GiB: the client's own CPU seconds per GiB moved (user+sys, all"
          " threads)")
    loads = [r["loadavg_1min"] for s in b.series for r in s.raw if "loadavg_1min" in r]
    if loads:
        busy = max(loads) > 0.5 * m["nproc"] + 1
        print("load average during the run: %.1f to %.1f%s" % (min(loads), max(loads),
              "  WARNING: other work was running; the numbers are noisy" if busy else ""))
    section = None
    w_name = max([len(s.name) for s in b.series] + [11])
    w_client = max([len(s.client) for s in b.series] + [6])
    for s in b.series:
        if s.section != section:
            section = s.section
            print("\n[%s]" % section)
            print("  %-*s  %-*s  %9s %-5s  %-16s  %7s  %s" % (w_name, "measurement", w_client, "client", "median",
                                                              "", "ratio", "cpu/GiB", "repetitions"))
        vals = ", ".join(fmt(v, s.unit) for v in s.values())
        errs = sum(1 for r in s.raw if "error" in r)
        if errs:
            vals += " (%d failed)" % errs
        ratio = s.ratio()
        ratio = "%.2f x %s" % (ratio, s.ref_label) if ratio is not None else ""
        cpu = s.cpu_per_gib()
        cpu = "%.2fs" % cpu if cpu is not None else ""
        print("  %-*s  %-*s  %9s %-5s  %-16s  %7s  %s%s" % (w_name, s.name, w_client, s.client,
                                                           fmt(s.median(), s.unit), s.unit, ratio, cpu, vals,
                                                           ("  [" + s.note + "]") if s.note else ""))
    print("\n[targets]")
    w = max([len(t["name"]) for t in b.targets] + [6])
    for t in b.targets:
        print("  %-5s  %-*s  %8s %-5s  vs %8s %-16s  ratio %5s  (need %s)" % (
            t["status"], w, t["name"], fmt(t["value"], t["unit"]), t["unit"], fmt(t["reference"], t["unit"]),
            t["reference_label"], "-" if t["ratio"] is None else "%.2f" % t["ratio"], t["requirement"]))
    counts = {}
    for t in b.targets:
        counts[t["status"]] = counts.get(t["status"], 0) + 1
    print("\n" + ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items())))


# --------------------------------------------------------------------------------------------------------------


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="smoke check: 256 MiB objects, 1 repetition, fewer small requests, 64 MiB capped object")
    p.add_argument("--reps", type=int, help="repetitions of sections 1-3 (default 3, quick 1)")
    p.add_argument("--capped-reps", type=int, help="repetitions of section 4 (default 3, quick 1)")
    p.add_argument("--rss-reps", type=int, help="repetitions of section 5 (default 3, quick 1)")
    p.add_argument("--size-mib", type=int, help="object size of sections 1-2 (default 1024, quick 256)")
    p.add_argument("--part-mib", type=int, default=16, help="part size of sections 2 and 5 (default 16)")
    p.add_argument("--concurrency", type=int, default=8, help="parts in flight in sections 2 and 5 (default 8)")
    p.add_argument("--small-count", type=int, help="small requests per phase (default 2000, quick 300)")
    p.add_argument("--small-size", type=int, default=1024, help="small object size in bytes (default 1024)")
    p.add_argument("--rate-limit", type=int, default=50_000_000, help="per-connection cap in section 4, B/s")
    p.add_argument("--capped-mib", type=int, help="object size of section 4 (default 512, quick 64)")
    p.add_argument("--capped-part-mib", type=int, help="part size of section 4 (default 16, quick 4)")
    p.add_argument("--capped-concurrency", default="1,2,4,8", help="parts in flight in section 4")
    p.add_argument("--rss-mib", type=int, help="object size of section 5 (default 4096, quick 512)")
    p.add_argument("--only", default="1,2,3,4,5", help="sections to run, e.g. 1,3")
    p.add_argument("--max-load", type=float,
                   help="first wait (up to 10 minutes) until the 1-minute load average is below this")
    p.add_argument("--output", default=str(RESULTS_DIR / "latest.json"), help="where to write the JSON")
    a = p.parse_args(argv)
    q = a.quick
    a.reps = a.reps or (1 if q else 3)
    a.capped_reps = a.capped_reps or (1 if q else 3)
    a.rss_reps = a.rss_reps or (1 if q else 3)
    a.size_mib = a.size_mib or (256 if q else 1024)
    a.small_count = a.small_count or (300 if q else 2000)
    a.capped_mib = a.capped_mib or (64 if q else 512)
    a.capped_part_mib = a.capped_part_mib or (4 if q else 16)
    a.rss_mib = a.rss_mib or (512 if q else 4096)
    a.capped_concurrency = [int(x) for x in a.capped_concurrency.split(",")]
    a.only = {int(x) for x in a.only.split(",")}
    return a


data_dir_path = None


def main(argv):
    global data_dir_path
    a = parse_args(argv)
    for path in (BENCH_BIN, EMULATOR_BIN):
        if not path.exists():
            sys.exit("driver.py: %s is missing; run benches/run.sh, which builds it" % path)
    if a.max_load:
        deadline = time.monotonic() + 600
        while os.getloadavg()[0] >= a.max_load and time.monotonic() < deadline:
            log("waiting for the load average (%.1f) to drop below %g" % (os.getloadavg()[0], a.max_load))
            time.sleep(15)
    started = time.monotonic()
    data_dir_path = data_dir()
    flags = emulator_flags()
    fast_args = ["--no-md5"] if flags["no_md5"] else []
    if not flags["no_md5"]:
        log("warning: this cos-emulator has no --no-md5; PUT speeds are capped by its MD5 (about 0.45 GB/s)")
    meta = {
        "schema": 1,
        "loadavg_start": os.getloadavg(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "git": git_info(),
        "command": ["benches/run.sh"] + list(argv),
        "config": {k: (sorted(v) if isinstance(v, set) else v) for k, v in vars(a).items()},
        "data_dir": str(data_dir_path),
        "data_dir_fs": "tmpfs" if str(data_dir_path).startswith("/dev/shm") else "disk",
        "emulator": {"binary": str(EMULATOR_BIN), "fast_args": fast_args, "has_no_md5": flags["no_md5"],
                     "has_rate_limit": flags["rate_limit"]},
    }
    b = Bench(a)
    emus = []
    try:
        emu = Emulator(fast_args, "fast")
        emus.append(emu)
        lib(emu, "mkbucket", BUCKET)
        py = PySdk(emu) if CosS3Client else None
        if py is None:
            log("warning: the Python SDK is not importable; its rows fail (run tests/setup.sh)")
        f_big = None
        if a.only & {1, 2}:
            f_big = make_file(data_dir_path / "object-big.bin", a.size_mib * MiB)
        put_curl = get_curl = None
        if 1 in a.only:
            put_curl, get_curl = section_single(b, emu, py, f_big)
        if 2 in a.only:
            section_transfer(b, emu, py, f_big, put_curl, get_curl)
        if f_big:
            f_big.unlink()
        if 3 in a.only:
            section_small(b, emu, py)
        if 4 in a.only:
            if not flags["rate_limit"]:
                log("== 4. skipped: this cos-emulator has no --rate-limit")
                meta["emulator"]["capped_skipped"] = "no --rate-limit flag"
                for what in ("upload_file", "download_file"):
                    b.targets.append({"name": "4 capped %s 8 in flight >= 0.9 x 8 x cap" % what, "value": None,
                                      "unit": "MB/s", "reference": None, "reference_label": "no --rate-limit",
                                      "ratio": None, "requirement": ">= 0.9", "status": "SKIP"})
            else:
                cap_args = fast_args + ["--rate-limit", str(a.rate_limit)]
                cap_emu = Emulator(cap_args, "capped")
                emus.append(cap_emu)
                meta["emulator"]["capped_args"] = cap_args
                lib(cap_emu, "mkbucket", BUCKET)
                f_cap = make_file(data_dir_path / "object-capped.bin", a.capped_mib * MiB)
                section_capped(b, cap_emu, f_cap)
                f_cap.unlink()
                cap_emu.stop()
        if 5 in a.only:
            f_rss = make_file(data_dir_path / "object-rss.bin", a.rss_mib * MiB)
            section_rss(b, emu, f_rss)
            f_rss.unlink()
        for e in emus:
            if not e.stopped and not e.alive():
                log("warning: emulator %s exited during the run (see its log)" % e.name)
    finally:
        for e in emus:
            e.stop()
            log_text = (data_dir_path / ("emulator-%s.log" % e.name)).read_bytes()[-4000:].decode(errors="replace")
            meta["emulator"]["log_tail_" + e.name] = log_text
            if e.proc.returncode not in (0, -signal.SIGTERM):
                log("emulator %s exited with %s; its log ends with:\n%s" % (e.name, e.proc.returncode, log_text))
        shutil.rmtree(data_dir_path, ignore_errors=True)

    meta["duration_s"] = round(time.monotonic() - started, 1)
    meta["loadavg_end"] = os.getloadavg()
    meta["series"] = [s.to_json() for s in b.series]
    meta["targets"] = b.targets
    out = Path(a.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(meta, indent=1) + "\n")
    tmp.replace(out)
    print_table(b, meta)
    print("\nwrote %s (%.0f s)" % (out, meta["duration_s"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
