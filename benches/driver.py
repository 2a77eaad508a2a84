"""Speed benchmark of the `cos` library against curl and the official COS Python SDK, on the local emulator.

Run it through `bash benches/run.sh [--quick] [options]`, which builds everything first. This driver:
  * starts `cos-emulator` on a free loopback port in fast mode (`--no-md5` when the emulator has it), and a
    second instance with a per-connection rate cap (`--rate-limit`) for the capped section;
  * measures, side by side in one run and with the same data files (on /dev/shm when present):
      1. single-stream PUT/GET: the library (C API) vs curl with a presigned URL vs the Python SDK;
      2. upload_file/download_file with N parts in flight: the library vs the Python SDK (same part size);
      3. small requests (PUT then GET): requests/s, latency percentiles and CPU per request, the library vs the
         Python SDK vs one curl process fetching presigned URLs from a -K file over keep-alive;
      4. upload_file/download_file against the rate-capped emulator, 1/2/4/8 parts in flight;
      5. peak RSS of a large upload_file/download_file (VmHWM of the C program, read by it just before exit);
      6. many small objects: upload_prefix/download_tree of a directory of small files with N in flight vs
         `curl --parallel --parallel-max N -K` vs the Python SDK on N threads: objects/s, CPU per object;
      7. section 3 again with the emulator and every client pinned to one CPU, which isolates what a wake-up
         across vCPUs costs on a VM from what the client itself spends;
    (--server / --capped-server point the sections at servers started elsewhere instead, e.g. on another
    machine, so that the client's two cores are its own);
  * interleaves the clients within each repetition (a rotating order) and prints a table with the median,
    best and spread of each series, the client's own CPU time per GiB / request / object (the stable figure
    on a shared machine), its ratio to the reference and PASS/MISS per target (speed or CPU),
    and writes every raw repetition plus the machine, date and git commit to benches/results/latest.json.

The library side is benches/cos_bench.c (one process per measurement; only the call itself is timed). curl
is timed by its own `%{time_total}`, the Python SDK in-process around the call. Python stdlib + the SDK only.
"""

import argparse
import contextlib
import datetime
import json
import os
import shutil
import signal
import statistics
import sys
import time
import traceback
from pathlib import Path

from clients import (BENCH_BIN, BUCKET, EMULATOR_BIN, GiB, MiB, RESULTS_DIR, CosS3Client, Emulator, PySdk,
                     RemoteServer, curl, curl_batch, curl_parallel, data_dir, emulator_flags, git_info, lib, log,
                     machine_info, make_file, make_tree)

# --------------------------------------------------------------------------------------------------------------
# Series and targets


class Series:
    """Repetitions of one measurement. `metric` extracts the number compared from each repetition's result;
    `ref` (another Series or a number) is what the median is compared with in the table's ratio column."""

    def __init__(self, section, name, client, unit, metric, note="", ref=None, ref_label=None, cpu=None,
                 cpu_unit=None):
        self.section, self.name, self.client, self.unit, self.metric, self.note = \
            section, name, client, unit, metric, note
        self.ref, self.ref_label = ref, ref_label
        # The client's own CPU per unit of work of each repetition: seconds per GiB for byte series unless
        # `cpu` says otherwise (microseconds per request, per object).
        if cpu is None and unit == "MB/s":
            cpu, cpu_unit = (lambda r: r["cpu_s"] * GiB / r["bytes"]), "s/GiB"
        self.cpu, self.cpu_unit = cpu, cpu_unit
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

    def lower_is_better(self):
        return self.unit in ("us", "MiB")

    def best(self):
        v = self.values()
        return (min(v) if self.lower_is_better() else max(v)) if v else None

    def spread(self):
        """(max - min) / median of the repetitions; None with fewer than two."""
        v, m = self.values(), self.median()
        return (max(v) - min(v)) / m if len(v) >= 2 and m else None

    def noisy(self):
        return (self.spread() or 0) > NOISY_SPREAD

    def cpu_values(self):
        if self.cpu is None:
            return []
        out = []
        for r in self.raw:
            try:
                out.append(self.cpu(r))
            except (KeyError, TypeError, ZeroDivisionError):
                pass
        return [v for v in out if v is not None]

    def cpu_median(self):
        """Median client CPU per unit of work (user + system, all threads), in cpu_unit."""
        v = self.cpu_values()
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
                "best": self.best(), "spread": self.spread(), "noisy": self.noisy(),
                "client_cpu": self.cpu_median(), "client_cpu_unit": self.cpu_unit, "client_cpu_values": self.cpu_values(),
                "errors": sum(1 for r in self.raw if "error" in r), "raw": self.raw}


# Repetitions spread wider than this (max - min over the median) are flagged in the table.
NOISY_SPREAD = 0.25


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

    def target(self, name, value_series, reference, ref_label, ratio_min=None, ratio_max=None, cpu=False):
        """A target: median / reference >= ratio_min (or <= ratio_max). reference: a Series or a number.
        With `cpu`, the two series' median CPU per unit of work are compared instead."""
        if cpu:
            v, ref, unit = value_series.cpu_median(), reference.cpu_median(), value_series.cpu_unit
        else:
            v, unit = value_series.median(), value_series.unit
            ref = reference.median() if isinstance(reference, Series) else reference
        if v is None or ref is None or ref == 0:
            status, ratio = "ERROR", None
        else:
            ratio = v / ref
            ok = ratio >= ratio_min if ratio_min is not None else ratio <= ratio_max
            status = "PASS" if ok else "MISS"
        self.targets.append({
            "name": name, "value": v, "unit": unit, "reference": ref, "reference_label": ref_label,
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

    b.target("1 PUT: library >= 1.0 x curl", put_lib, put_curl, "curl PUT", 1.0)
    b.target("1 PUT: library CPU per GiB <= 1.2 x curl's", put_lib, put_curl, "curl PUT", ratio_max=1.2, cpu=True)
    b.target("1 GET: library >= 0.95 x curl", get_lib, get_curl, "curl GET", 0.95)
    b.target("1 GET: library >= 1.0 x python", get_lib, get_py, "python GET", 1.0)
    b.target("1 GET: library CPU per GiB <= 1.2 x curl's", get_lib, get_curl, "curl GET", ratio_max=1.2, cpu=True)
    return {"put_curl": put_curl, "get_curl": get_curl, "get_file": get_file}


def section_transfer(b, emu, py, f_big, single):
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

    if single:
        b.target("2 upload_file: library >= 0.9 x curl single PUT", up_lib, single["put_curl"], "curl PUT", 0.9)
    b.target("2 upload_file: library >= 2 x python upload_file", up_lib, up_py, "python", 2)
    if single:
        b.target("2 download_file: library >= 0.9 x curl single GET", dn_lib, single["get_curl"], "curl GET", 0.9)
        b.target("2 download_file: CPU per GiB <= 1.3 x get_object_to_file's", dn_lib, single["get_file"],
                 "get_object_to_file", ratio_max=1.3, cpu=True)
    b.target("2 download_file: library >= 2 x python download_file", dn_lib, dn_py, "python", 2)


def per_request_cpu(phase):
    return lambda r: r[phase]["cpu_s"] / r[phase]["count"] * 1e6


@contextlib.contextmanager
def on_one_cpu(emu):
    """The emulator's threads and this process (so every client it runs, and the threads those start) on one
    CPU for the block, then back on all of them."""
    everything = os.sched_getaffinity(0)
    cpu = min(everything)

    def pin_emulator(cpus):
        for tid in os.listdir("/proc/%d/task" % emu.proc.pid):
            try:
                os.sched_setaffinity(int(tid), cpus)
            except OSError:  # a connection thread that just ended
                pass

    pin_emulator({cpu})
    os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, everything)
        pin_emulator(everything)


def section_small(b, emu, py, one_cpu=False):
    """Section 3; with `one_cpu`, section 7: the same requests with the client and the server on one CPU, where
    a request wakes its peer on its own core instead of across the VM's vCPUs (see docs/speed.md)."""
    a = b.args
    n, size = a.small_count, a.small_size
    tag, S = ("7", "7 small requests, client and server on one CPU") if one_cpu else ("3", "3 small requests")
    log("== %s. %d small (%d B) PUTs then GETs, one thread%s" % (tag, n, size, ", on one CPU" if one_cpu else ""))
    clients = (("py", "python SDK"), ("curl", "curl -K, %d URLs, keep-alive" % n),
               ("lib", "library (1 thread, keep-alive)"))
    series = {}
    for phase in ("put", "get"):
        for who, client in clients:
            kinds = [("rps", "req/s", "rps")] + ([] if who == "curl" else [("p50", "us", "p50_us"),
                                                                           ("p99", "us", "p99_us")])
            for kind, unit, field in kinds:
                ref = series.get(("py", phase, kind)) if who != "py" else None
                name = "%d x %s %d B: %s" % (n, phase.upper(), size, "req/s" if kind == "rps" else kind + " latency")
                cpu = per_request_cpu(phase) if kind == "rps" else None
                series[(who, phase, kind)] = b.new(
                    S, name, client, unit, lambda r, ph=phase, f=field: r[ph][f],
                    "lower is better" if unit == "us" else "", ref=ref, ref_label="python" if ref else None,
                    cpu=cpu, cpu_unit="us/req" if cpu else None)
    body = make_file(data_dir_path / "small-body.bin", size)

    def curl_small(rep):
        prefix = "small/curl%d/" % rep
        out = {}
        for phase, method in (("put", "PUT"), ("get", "GET")):
            r = curl_batch(emu, method, prefix, n, data_dir_path, upload=body if method == "PUT" else None)
            r["rps"] = round(n / r["seconds"], 1)
            out[phase] = r
        return out

    jobs = [
        ("lib", lambda rep: lib(emu, "small", BUCKET, "small/lib%d/" % rep, n, size)),
        ("py", lambda rep: py.small("small/py%d/" % rep, n, size)),
        ("curl", curl_small),
    ]
    pin = (lambda: on_one_cpu(emu)) if one_cpu else contextlib.nullcontext
    for rep in range(a.reps):
        for who, fn in rotate(jobs, rep):
            try:
                with pin():
                    r = fn(rep)
            except Exception as e:  # noqa: BLE001
                log("  ! small / %s: %s" % (who, e))
                r = {"error": str(e)[-2000:]}
            for (w, phase, kind), s in series.items():
                if w == who:
                    s.add_result(r)
            py.delete_prefix("small/%s%d/" % (who, rep))
    body.unlink()
    for phase in ("put", "get"):
        lib_rps = series[("lib", phase, "rps")]
        b.target("%s small %s: library >= 10 x python req/s" % (tag, phase.upper()), lib_rps,
                 series[("py", phase, "rps")], "python", 10)
        b.target("%s small %s: library CPU per request <= 0.3 x curl -K's" % (tag, phase.upper()), lib_rps,
                 series[("curl", phase, "rps")], "curl -K", ratio_max=0.3, cpu=True)


def section_many(b, emu, py):
    a = b.args
    n, size, jobs = a.many_count, a.many_size, a.many_jobs
    log("== 6. many small objects: %d files of %d B, %d in flight" % (n, size, jobs))
    S = "6 many small objects, %d x %d B, %d in flight" % (n, size, jobs)
    per_object = lambda r: r["cpu_s"] / r["count"] * 1e6  # noqa: E731
    ops = lambda r: r["count"] / r["seconds"]  # noqa: E731
    tree = make_tree(data_dir_path / "many-src", n, size)
    out = data_dir_path / "many-out"
    made = {}
    for what, method in (("upload", "PUT"), ("download", "GET")):
        curl_s = b.new(S, what, "curl --parallel-max %d -K" % jobs, "obj/s", ops, cpu=per_object, cpu_unit="us/obj")
        py_s = b.new(S, what, "python, %d threads" % jobs, "obj/s", ops, cpu=per_object, cpu_unit="us/obj")
        lib_s = b.new(S, what, "library " + ("upload_prefix" if method == "PUT" else "download_tree"), "obj/s", ops,
                      ref=curl_s, ref_label="curl", cpu=per_object, cpu_unit="us/obj")
        rss = b.new(S, what + " peak RSS", "library", "MiB", lambda r: r["vmhwm_kib"] / 1024, "lower is better")
        made[method] = (lib_s, curl_s, py_s, rss)

    def fresh_out():
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()

    for rep in range(a.reps):
        # Each client uploads its own copy, downloads it back, and deletes it.
        runs = [
            ("lib", lambda p: lib(emu, "tree-up", tree, BUCKET, p, jobs),
             lambda p: lib(emu, "tree-down", BUCKET, p, out, jobs)),
            ("curl", lambda p: curl_batch(emu, "PUT", p, n, data_dir_path, upload=tree, parallel=jobs),
             lambda p: curl_batch(emu, "GET", p, n, data_dir_path, out_dir=out, parallel=jobs)),
            ("py", lambda p: py.many("PUT", p, n, tree, jobs), lambda p: py.many("GET", p, n, out, jobs)),
        ]
        for who, up, down in rotate(runs, rep):
            prefix = "many/%s%d/" % (who, rep)
            index = {"lib": 0, "curl": 1, "py": 2}[who]
            for method, fn in (("PUT", up), ("GET", down)):
                fresh_out()
                r = made[method][index].add(lambda: fn(prefix))
                if who == "lib":
                    made[method][3].add_result(r)
            py.delete_prefix(prefix)
    shutil.rmtree(tree, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    for method, what in (("PUT", "upload_prefix"), ("GET", "download_tree")):
        lib_s, curl_s, py_s, _ = made[method]
        b.target("6 %s: library >= 1.0 x curl --parallel objects/s" % what, lib_s, curl_s, "curl", 1.0)
        b.target("6 %s: library >= 5 x python (%d threads) objects/s" % (what, jobs), lib_s, py_s, "python", 5)


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
    # What writing a slowly arriving file costs anyone here: curl on one capped connection, to the same file.
    curl_dn = b.new(S, "GET to a file, 1 connection", "curl -o file", "MB/s", mbps, "reference for CPU per GiB")

    def clean():
        for leftover in dst.parent.glob(dst.name + "*"):
            leftover.unlink()

    for rep in range(a.capped_reps):
        for conc in rotate(list(a.capped_concurrency), rep):
            up, dn = result[conc]
            up.add(lambda: lib(cap_emu, "upload", BUCKET, "capped/up-%d" % conc, f_cap, part * MiB, conc))
            dn.add(lambda: lib(cap_emu, "download", BUCKET, key, dst, part * MiB, conc))
            clean()
        curl_dn.add(lambda: curl(cap_emu, "GET", key, out=dst))
        clean()
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
    print("machine: %s (%s), %d CPUs, %s GiB RAM, kernel %s" % (
        m["cpu_model"], " ".join(m.get("cpu_flags", [])), m["nproc"], m["mem_total_gib"], m["kernel"]))
    server = ("server %s, started elsewhere" % b.args.server if b.args.server else
              "emulator %s" % (" ".join(meta["emulator"]["fast_args"]) or "(no fast flags)"))
    print("data on %s; %s; medians of %d repetitions (capped %d, RSS %d)%s" % (
        meta["data_dir_fs"], server, b.args.reps,
        b.args.capped_reps, b.args.rss_reps, "  [--quick]" if b.args.quick else ""))
    print("median and best of the repetitions; spread: (max - min) / median, '!' above %d %%; ratio: median / the"
          " reference named; cpu: the client's own CPU time (user + system, all threads) per GiB, request or object,"
          " median" % (NOISY_SPREAD * 100))
    loads = [r["loadavg_1min"] for s in b.series for r in s.raw if "loadavg_1min" in r]
    if loads:
        busy = max(loads) > 0.5 * m["nproc"] + 1
        print("load average during the run: %.1f to %.1f%s" % (min(loads), max(loads),
              "  WARNING: other work was running; the numbers are noisy" if busy else ""))
    section = None
    w_name = max([len(s.name) for s in b.series] + [11])
    w_client = max([len(s.client) for s in b.series] + [6])
    row = "  %-*s  %-*s  %9s %9s %-6s %7s  %-16s  %14s  %s"
    for s in b.series:
        if s.section != section:
            section = s.section
            print("\n[%s]" % section)
            print(row % (w_name, "measurement", w_client, "client", "median", "best", "", "spread", "ratio", "cpu",
                         "repetitions"))
        vals = ", ".join(fmt(v, s.unit) for v in s.values())
        errs = sum(1 for r in s.raw if "error" in r)
        if errs:
            vals += " (%d failed)" % errs
        ratio = s.ratio()
        ratio = "%.2f x %s" % (ratio, s.ref_label) if ratio is not None else ""
        spread = s.spread()
        spread = "%.0f%%%s" % (spread * 100, "!" if s.noisy() else " ") if spread is not None else ""
        cpu = s.cpu_median()
        cpu = "%s %s" % (fmt(cpu, "us" if s.cpu_unit != "s/GiB" else ""), s.cpu_unit) if cpu is not None else ""
        print(row % (w_name, s.name, w_client, s.client, fmt(s.median(), s.unit), fmt(s.best(), s.unit), s.unit,
                     spread, ratio, cpu, vals) + (("  [" + s.note + "]") if s.note else ""))
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
    p.add_argument("--reps", type=int, help="repetitions of sections 1-3 and 6 (default 5, quick 1)")
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
    p.add_argument("--capped-concurrency", default="1,2,4,8,16", help="parts in flight in section 4")
    p.add_argument("--rss-mib", type=int, help="object size of section 5 (default 4096, quick 512)")
    p.add_argument("--many-count", type=int, help="files in section 6 (default 10000, quick 1000)")
    p.add_argument("--many-size", type=int, default=4096, help="file size in section 6, bytes (default 4096)")
    p.add_argument("--many-jobs", type=int, default=16, help="files in flight in section 6 (default 16)")
    p.add_argument("--only", default="1,2,3,4,5,6,7", help="sections to run, e.g. 1,3")
    p.add_argument("--max-load", type=float,
                   help="first wait (up to 10 minutes) until the 1-minute load average is below this")
    p.add_argument("--server", metavar="HOST:PORT",
                   help="use this running server (an emulator started with --no-md5, e.g. on another machine) "
                        "instead of starting one here; section 7 needs a local one and is skipped")
    p.add_argument("--capped-server", metavar="HOST:PORT",
                   help="the same for section 4: a server started with --rate-limit (and --no-md5)")
    p.add_argument("--output", default=str(RESULTS_DIR / "latest.json"), help="where to write the JSON")
    a = p.parse_args(argv)
    q = a.quick
    a.reps = a.reps or (1 if q else 5)
    a.many_count = a.many_count or (1000 if q else 10000)
    a.capped_reps = a.capped_reps or (1 if q else 3)
    a.rss_reps = a.rss_reps or (1 if q else 3)
    a.size_mib = a.size_mib or (256 if q else 1024)
    a.small_count = a.small_count or (300 if q else 2000)
    a.capped_mib = a.capped_mib or (64 if q else 512)
    a.capped_part_mib = a.capped_part_mib or (4 if q else 16)
    a.rss_mib = a.rss_mib or (512 if q else 4096)
    a.capped_concurrency = [int(x) for x in a.capped_concurrency.split(",")]
    a.only = {int(x) for x in a.only.split(",")}
    if a.server and 7 in a.only:
        log("section 7 skipped: it pins a local emulator, and --server names another")
        a.only.discard(7)
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
                     "has_rate_limit": flags["rate_limit"], "server": a.server, "capped_server": a.capped_server},
    }
    b = Bench(a)
    emus = []
    try:
        if a.server:
            emu = RemoteServer(a.server, "server")
        else:
            emu = Emulator(fast_args, "fast", data_dir_path)
            emus.append(emu)
        lib(emu, "mkbucket", BUCKET)
        py = PySdk(emu) if CosS3Client else None
        if py is None:
            log("warning: the Python SDK is not importable; its rows fail (run tests/setup.sh)")
        f_big = None
        if a.only & {1, 2}:
            f_big = make_file(data_dir_path / "object-big.bin", a.size_mib * MiB)
        single = None
        if 1 in a.only:
            single = section_single(b, emu, py, f_big)
        if 2 in a.only:
            section_transfer(b, emu, py, f_big, single)
        if f_big:
            f_big.unlink()
        if 3 in a.only:
            section_small(b, emu, py)
        if 7 in a.only:
            section_small(b, emu, py, one_cpu=True)
        if 6 in a.only:
            section_many(b, emu, py)
        if 4 in a.only:
            if not flags["rate_limit"] and not a.capped_server:
                log("== 4. skipped: this cos-emulator has no --rate-limit")
                meta["emulator"]["capped_skipped"] = "no --rate-limit flag"
                for what in ("upload_file", "download_file"):
                    b.targets.append({"name": "4 capped %s 8 in flight >= 0.9 x 8 x cap" % what, "value": None,
                                      "unit": "MB/s", "reference": None, "reference_label": "no --rate-limit",
                                      "ratio": None, "requirement": ">= 0.9", "status": "SKIP"})
            else:
                cap_args = fast_args + ["--rate-limit", str(a.rate_limit)]
                if a.capped_server:
                    cap_emu = RemoteServer(a.capped_server, "capped-server")
                else:
                    cap_emu = Emulator(cap_args, "capped", data_dir_path)
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
