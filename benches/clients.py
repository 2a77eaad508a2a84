"""The clients the speed benchmark compares, and what runs them: the emulator, the library's C program
(benches/cos_bench.c), curl with presigned URLs, and the official Python SDK in this process. Each call
returns one repetition's result as a dict (bytes, seconds, the client's own CPU seconds, ...). Used by
driver.py; Python stdlib + the SDK only."""

import importlib.metadata
import json
import logging
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Built by benches/run.sh; COS_BENCH_BIN and COS_EMULATOR_BIN (as in the tests) name others (tests/bench_smoke.rs).
BENCH_BIN = Path(os.environ.get("COS_BENCH_BIN") or ROOT / "target" / "bench" / "cos_bench")
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
        # The instructions the CRC-64, memcpy and signing paths can use.
        "cpu_flags": [f for f in ("sse4_2", "pclmulqdq", "avx2", "avx512f", "avx512vl", "vpclmulqdq", "sha_ni")
                      if f in flags.split()],
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


def make_tree(path, count, size):
    """A directory of `count` files of `size` random bytes, named 000000, 000001, ... like the keys."""
    path.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (path / ("%06d" % i)).write_bytes(os.urandom(size))
    return path


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
    def __init__(self, extra_args, name, log_dir):
        self.name = name
        self.args = [str(EMULATOR_BIN), "--listen", "127.0.0.1:0"] + list(extra_args)
        self.stderr = open(log_dir / ("emulator-%s.log" % name), "wb")
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


class RemoteServer:
    """A server started elsewhere (`cos-emulator --listen 0.0.0.0:PORT --no-md5` on another machine, say), given
    as HOST:PORT: the benchmark neither starts nor stops it, and cannot pin it or read its CPU."""

    def __init__(self, address, name):
        self.name = name
        self.host, _, port = address.rpartition(":")
        if not self.host or not port.isdigit():
            raise SystemExit("driver.py: --%s wants HOST:PORT, not %r" % (name, address))
        self.port = int(port)
        self.address = "%s:%d" % (self.host, self.port)
        self.proc = None
        self.stopped = True

    def stop(self):
        pass

    def alive(self):
        return True


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


def presign_list(emu, method, prefix, count):
    """Presigned URLs of the keys prefix000000, prefix000001, ... (the names cos_bench small uses)."""
    out, err, rc, _, _ = run_child([str(BENCH_BIN), "presign-list", BUCKET, prefix, str(count), method],
                                   env=c_env(emu))
    if rc != 0:
        raise RuntimeError("presign-list failed: %s" % err.strip())
    return out.split()


def curl_batch(emu, method, prefix, count, cfg_dir, upload=None, out_dir=None, parallel=None):
    """One curl process for `count` presigned URLs read from a -K config file, over keep-alive: a PUT of
    `upload` (a file, or a directory holding files named like the keys' last part) or a GET to /dev/null
    (or into `out_dir`); with `parallel`, `--parallel --parallel-max N`. Timed by this process around the
    whole curl run (start-up included, about a millisecond); every answer must be a 200."""
    urls = presign_list(emu, method, prefix, count)
    cfg = Path(cfg_dir) / ("curl-%s-%d.cfg" % (method.lower(), os.getpid()))
    with open(cfg, "w") as f:
        for i, url in enumerate(urls):
            f.write('url = "%s"\n' % url)
            if method == "PUT":
                f.write('upload-file = "%s"\n' % (Path(upload) / ("%06d" % i) if Path(upload).is_dir() else upload))
            f.write('output = "%s"\n' % (Path(out_dir) / ("%06d" % i) if out_dir else "/dev/null"))
    cmd = ["curl", "-sS", "--noproxy", "*", "--connect-to", "::%s" % emu.address, "-w", "%{http_code}\n",
           "-K", str(cfg)]
    if parallel:
        cmd[1:1] = ["--parallel", "--parallel-max", str(parallel)]
    out, err, rc, ru, wall = run_child(cmd)
    cfg.unlink()
    codes = out.split()
    if rc != 0 or len(codes) != count or any(c != "200" for c in codes):
        bad = sorted(set(codes) - {"200"})
        raise RuntimeError("curl -K %s: exit %d, %d answers (not 200: %s): %s" % (method, rc, len(codes), bad,
                                                                                   err.strip()[-500:]))
    r = {"op": "curl_batch_" + method.lower(), "count": count, "seconds": round(wall, 6)}
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

    def many(self, method, prefix, count, local_dir, threads):
        """`count` put_object (from the files local_dir/000000...) or get_object into such files, on a pool of
        `threads` threads sharing the one client, as an application would."""
        from concurrent.futures import ThreadPoolExecutor

        def one(i):
            key, path = "%s%06d" % (prefix, i), Path(local_dir) / ("%06d" % i)
            if method == "PUT":
                with open(path, "rb") as f:
                    self.client.put_object(Bucket=BUCKET, Body=f, Key=key)
            else:
                self.client.get_object(Bucket=BUCKET, Key=key)["Body"].get_stream_to_file(str(path))

        def go():
            with ThreadPoolExecutor(max_workers=threads) as pool:
                list(pool.map(one, range(count)))
        r = self._timed("py_many_" + method.lower(), 0, go)
        r["count"] = count
        return r

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
