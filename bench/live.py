#!/usr/bin/env python3
"""bench/live.py — what a snapshot of a running process costs the process, side by side with the
anchors, in one run.

The live fixture (tests/fixtures/live, Go 1.26) runs N goroutines (10,000 and 100,000) and a 1 ms
ticker goroutine that records the longest gap between two ticks: the longest stall the process
suffered, as the process itself saw it. Each tool takes the process's goroutines R times,
interleaved, the gap being reset before each run and read after it:
    gopsy goroutines --pid PID --fork    (copy-on-write snapshot; --stats gives gopsy's own pause)
    gopsy goroutines --pid PID --no-fork (held stopped while gopsy reads)
    gopsy goroutines --pid PID --track   (write-tracked: a setup stop, then freezes of what changed)
    GET /debug/pprof/goroutine?debug=2   (the runtime's own dump, net/http/pprof)
    gdb -p PID -batch -ex gcore          (once per N: slow; also gives the core for the core path)
and, with no tool running, the idle gap (the ticker's own jitter). Reported: medians of the
target's longest stall and of the wall time, gopsy's reported pause, peak RSS (GNU time), the
ratios against debug=2 and gcore, gcore's core size, and the time of `gopsy goroutines` on that
core (the snapshot's full dump against the core path). Then the stress run of tests/live at full size
(1,000 snapshots of the churn fixture under a SIGUSR1 storm). --deep D parks every goroutine under D
more frames (deep stacks: more resident memory per goroutine, more to unwind). Usage: bench/live.py
[--gopsy build/gopsy] [--n 10000,100000] [--runs 5] [--no-gdb] [--stress 1000] [--deep D]"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.dont_write_bytecode = True
sys.path.insert(0, str(REPO / "tests" / "live"))
import livefx  # noqa: E402

sys.path.insert(0, str(HERE))
from goroutines import measure  # noqa: E402


def stall(t, fn):
    """Run fn with the target's gap reset just before; (longest stall ms, fn's result)."""
    t.ping()
    res = fn()
    time.sleep(0.05)  # a tick after the tool is done
    pong = t.ping()
    return (pong[0] / 1000 if pong else float("nan")), res


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gopsy", default=str(REPO / "build" / "gopsy"))
    ap.add_argument("--n", default="10000,100000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-gdb", action="store_true")
    ap.add_argument("--stress", type=int, default=1000,
                    help="then snapshot the churn fixture under a SIGUSR1 storm this many times (0: not)")
    ap.add_argument("--deep", type=int, default=0, help="park every goroutine under this many more frames")
    a = ap.parse_args()
    binary = livefx.build("1.26", "default", ["live"])["live"]
    rows = []
    for n in (int(x) for x in a.n.split(",")):
        t = livefx.Target(binary, [str(n), "http"] + ([f"deep={a.deep}"] if a.deep else []), timeout=300)
        addr = next(f.split("addr=")[1] for f in t.facts if f.startswith("http"))
        url = f"http://{addr}/debug/pprof/goroutine?debug=2"
        res = {k: [] for k in ("idle", "fork", "nofork", "track", "debug2")}
        pauses = {"fork": [], "nofork": [], "track": []}
        freezes = []
        try:
            time.sleep(1)
            with open(f"/proc/{t.pid}/status") as f:
                target_rss = next(int(l.split()[1]) // 1024 for l in f if l.startswith("VmRSS:"))
            t.ping()
            for _ in range(a.runs):
                res["idle"].append(stall(t, lambda: (time.sleep(0.3), (0.3, 0, 0, ""))[1]))
                for k, extra in (("fork", ["--fork"]), ("nofork", ["--no-fork"]), ("track", ["--track"])):
                    g, m = stall(t, lambda: measure([a.gopsy, "goroutines", "--pid", str(t.pid), "--stats", *extra]))
                    res[k].append((g, m))
                    for l in m[3].splitlines():
                        if " paused " in l:
                            pauses[k].append(float(l.split(" paused ")[1].split()[0]))
                        if "freezes, the last " in l:
                            freezes.append(float(l.split("freezes, the last ")[1].split()[0]))
                def debug2():
                    t0 = time.monotonic()
                    body = urllib.request.urlopen(url, timeout=600).read()
                    return (time.monotonic() - t0, 0, 0, f"{len(body)} bytes")
                res["debug2"].append(stall(t, debug2))
            gc = None
            if not a.no_gdb:
                with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR", "/var/tmp")) as tmp:
                    core = Path(tmp) / "core"
                    g, m = stall(t, lambda: measure(["gdb", "-p", str(t.pid), "-batch", "-nx", "-ex", f"gcore {core}"]))
                    size = core.stat().st_size if core.exists() else 0
                    cp = [measure([a.gopsy, "goroutines", "--exe", str(binary), str(core)]) for _ in range(3)] if size else []
                    gc = (g, m, size, statistics.median(c[0] for c in cp) if cp else float("nan"))
        finally:
            t.kill()
        med = lambda xs: statistics.median(xs) if xs else float("nan")
        row = {"n": n}
        for k in res:
            row[k] = (med([g for g, _ in res[k]]), med([m[0] for _, m in res[k]]), max((m[1] for _, m in res[k]), default=0))
        row["pause"] = {k: med(v) for k, v in pauses.items()}
        row["gcore"] = gc
        rows.append(row)
        print(f"\nN = {n:,} goroutines (Go 1.26{f', each under {a.deep} more frames' if a.deep else ''}), "
              f"resident {target_rss} MiB, medians of {a.runs} runs; stall = the target's longest tick gap")
        print(f"  {'':34s} {'stall ms':>10s} {'wall s':>9s} {'peak RSS MiB':>13s}")
        names = {"idle": "no tool (ticker jitter)", "fork": "gopsy --pid --fork (snapshot)", "nofork": "gopsy --pid --no-fork",
                 "track": "gopsy --pid --track", "debug2": "debug=2 endpoint"}
        for k in ("idle", "fork", "nofork", "track", "debug2"):
            s, w, r = row[k]
            print(f"  {names[k]:34s} {s:10.1f} {w:9.3f} {r:13.0f}")
        if gc:
            print(f"  {'gdb gcore':34s} {gc[0]:10.1f} {gc[1][0]:9.3f} {gc[1][1]:13.0f}   core {gc[2] / 2**20:.0f} MiB")
        print(f"  gopsy's own pause (--stats): snapshot {row['pause']['fork']:.2f} ms, --no-fork {row['pause']['nofork']:.1f} ms, "
              f"--track {row['pause']['track']:.2f} ms in all (its freeze {med(freezes):.2f} ms)")
        s, st = row["fork"][0], row["track"][0]
        print(f"  stall ratio: debug=2 / gopsy {row['debug2'][0] / s:.0f}x, with --track {row['debug2'][0] / st:.0f}x"
              + (f"; gcore / gopsy {gc[0] / s:.0f}x" if gc else ""))
        if gc:
            print(f"  full dump: gopsy --pid {row['fork'][1]:.3f} s vs the core path on gcore's core {gc[3]:.3f} s "
                  f"({row['fork'][1] / gc[3]:.2f}x); --track {row['track'][1]:.3f} s ({row['track'][1] / gc[3]:.2f}x)")
    if a.stress:
        import live_safety
        probs = []
        live_safety.stress(a.gopsy, binary, a.stress, probs)
        for p in probs:
            print("stress FAIL:", p)
        if probs:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
