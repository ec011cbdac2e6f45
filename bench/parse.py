#!/usr/bin/env python3
"""bench/parse.py — gopsy parse vs panicparse on a 100k-goroutine dump, in one run.

The scale fixture (tests/fixtures/scale) is built with Go 1.26, started with N goroutines (default
100000) and made to panic under GOTRACEBACK=all: the runtime's own dump (level all: no fp/sp/pc) is
kept (cached between runs). Both tools read it from the page cache, output to /dev/null:
    gopsy parse DUMP                 (the summary: buckets, states, suspects)
    panicparse < DUMP                (its default bucketed output)
Two dumps: the panic's (level all) and the SIGQUIT dump (fp/sp/pc, every M).
Reported: wall time and peak RSS of each (GNU time) and the ratio; targets: gopsy <= 0.2 s per
86 MB, >= 70x faster than panicparse, <= 100 MB peak RSS. gopsy's result is also checked: the goroutine
count of its JSON equals the number of goroutine headers in the dump (counted here), and
`gopsy parse --emit` gives the dump back byte for byte.
Usage: bench/parse.py [--gopsy build/gopsy] [--n 100000] [--runs 5] [--no-panicparse]"""
import argparse
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.dont_write_bytecode = True
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(HERE))
import run as e2e  # noqa: E402
from goroutines import VERSION, scale_fixture  # noqa: E402

TARGET_S, TARGET_RATIO, TARGET_MIB = 0.2, 70, 100


def measure(cmd, stdin_file):
    """(wall seconds, peak RSS MiB, exit status, stderr) of cmd reading stdin_file, output to /dev/null.
    Peak RSS comes from GNU time (/usr/bin/time, scripts/install-deps): os.wait4's ru_maxrss of a
    child spawned from Python includes the Python process's own RSS (vfork, then exec)."""
    with tempfile.NamedTemporaryFile("r") as rss:
        t0 = time.monotonic()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd], stdin=stdin_file,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.monotonic() - t0
        kib = rss.read().strip().splitlines()
    return wall, int(kib[-1]) / 1024.0 if kib else float("nan"), p.returncode, p.stderr.decode(errors="replace")


def make_dump(binary: Path, n: int, mode: str) -> Path:
    """The runtime's GOTRACEBACK=all dump of `scale n MODE` (cached next to the binary's stamp): mode
    "panic" dies by a panic (level all: no fp/sp/pc); "sigquit" is killed by SIGQUIT (the signal
    dump: fp/sp/pc, register dumps, every M's section)."""
    d = e2e.cache_root() / "bench" / f"parse-{VERSION}-{n}-{mode}"
    st = binary.stat()
    key = f"{st.st_size}:{st.st_mtime_ns}"
    dump = d / "stderr"
    if dump.exists() and (d / "key").exists() and (d / "key").read_text() == key:
        return dump
    d.mkdir(parents=True, exist_ok=True)
    for f in d.iterdir():
        f.unlink()
    env = {"PATH": "/usr/bin:/bin", "GOTRACEBACK": "all"}
    print(f"bench: starting {binary.name} {n} {mode} (writing the dump, once)", flush=True)
    with open(dump, "wb") as err:
        p = subprocess.Popen([str(binary), str(n), mode], cwd=d, env=env, stdout=subprocess.PIPE, stderr=err,
                             preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)))
        for line in p.stdout:
            if b"gopsy-fixture: ready" in line:
                break
        if mode == "sigquit":
            p.send_signal(signal.SIGQUIT)
        p.stdout.close()
        p.wait(timeout=3600)
    if p.returncode != 2:
        sys.exit(f"bench: scale {n} {mode} exited {p.returncode}, expected 2")
    (d / "key").write_text(key)
    return dump


def headers(dump: Path) -> int:
    """Goroutine headers in the dump, counted here (not by gopsy)."""
    rx = re.compile(rb"goroutine [1-9][0-9]* .*\]:$")
    with open(dump, "rb") as f:
        return sum(1 for line in f if rx.match(line.rstrip(b"\n")))


def bench_one(a, gopsy, panicparse, dump: Path, label: str):
    """One dump: checks, then the timings. Returns (table row, ok)."""
    want = headers(dump)
    mib = dump.stat().st_size / 2**20
    j = json.loads(subprocess.run([gopsy, "parse", "--json", str(dump)], capture_output=True, check=True).stdout)
    got = sum(d["goroutines"] + d["printed_twice"] for d in j["dumps"])
    del j
    emitted = dump.parent / "emit.txt"
    with open(emitted, "wb") as f:
        subprocess.run([gopsy, "parse", "--emit", str(dump)], stdout=f, check=True)
    same = subprocess.run(["cmp", "-s", str(dump), str(emitted)]).returncode == 0
    emitted.unlink()
    print(f"bench: {label}: {mib:.0f} MiB, {want} goroutine headers; gopsy counted {got}; --emit round trip "
          f"{'identical' if same else 'DIFFERENT'}", flush=True)
    ok = got == want and same
    subprocess.run(["cat", str(dump)], stdout=subprocess.DEVNULL)  # page cache
    gs, gm = [], 0.0
    for _ in range(a.runs):
        with open(dump, "rb") as f:
            w, m, rc, err = measure([gopsy, "parse", "-"], f)
        if rc != 0:
            print(f"bench: gopsy failed ({rc}): {err}")
            return "", False
        gs.append(w)
        gm = max(gm, m)
    g = statistics.median(gs)
    print(f"bench: {label}: gopsy parse median {g:.3f}s of {a.runs} (min {min(gs):.3f}s), peak RSS {gm:.0f} MiB",
          flush=True)
    row = f"| {label} | {mib:.0f} | {g:.3f} | {gm:.0f} |"
    if not a.no_panicparse:
        with open(dump, "rb") as f:
            pw, pm, prc, perr = measure([panicparse], f)
        if prc != 0:
            print(f"bench: panicparse exited {prc}: {perr[-300:]}")
        print(f"bench: {label}: panicparse {pw:.2f}s, peak RSS {pm:.0f} MiB", flush=True)
        row += f" {pw:.2f} | {pm:.0f} | {pw / g:.0f}× |"
        ok = ok and pw / g >= TARGET_RATIO
    else:
        row += " – | – | – |"
    return row, ok and g <= TARGET_S * max(1.0, mib / 86) and gm <= TARGET_MIB


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gopsy", default=str(REPO / "build" / "gopsy"))
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-panicparse", action="store_true")
    a = ap.parse_args()
    tools, binary = scale_fixture()
    panicparse = tools["panicparse"]
    rows, ok = [], True
    for mode in ("panic", "sigquit"):
        dump = make_dump(binary, a.n, mode)
        row, good = bench_one(a, a.gopsy, panicparse, dump, f"{a.n} {mode}")
        rows.append(row)
        ok = ok and good
    print("\n| dump | MiB | gopsy s | gopsy peak RSS MiB | panicparse s | panicparse peak RSS MiB | speed-up |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    print(f"\nbench: targets (<= {TARGET_S} s per 86 MB, >= {TARGET_RATIO}x, <= {TARGET_MIB} MiB, count and round trip): "
          f"{'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
