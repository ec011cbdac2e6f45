#!/usr/bin/env python3
"""bench/goroutines.py — gopsy goroutines vs delve on a core with many goroutines, in one run.

The scale fixture (tests/fixtures/scale) is built with Go 1.26 and started with N goroutines (default
100000; BIG=1 adds 1000000), then killed with SIGQUIT under GOTRACEBACK=crash so that it leaves a
core (cached between runs). Both tools read that core from the page cache:
    gopsy goroutines --traceback=crash CORE
    dlv core BIN CORE  with the commands  goroutines -t / exit
Reported: wall time (gopsy: the median of 5 runs) and peak RSS of each (GNU time), both writing
to /dev/null, and the ratios; `gopsy report` on the same core, its runs interleaved with gopsy
goroutines', and its time as a ratio of theirs (target: at most 2). gopsy's output is also checked
against the runtime's own dump of the same moment: same number of goroutines.
Usage: bench/goroutines.py [--gopsy build/gopsy] [--n 100000] [--no-delve]"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.dont_write_bytecode = True
sys.path.insert(0, str(REPO / "tests" / "e2e"))
import run as e2e  # noqa: E402

VERSION = "1.26"


def measure(cmd, stdin_text=None, stdout=subprocess.DEVNULL):
    """(wall seconds, peak RSS MiB, exit status, stderr) of cmd. Peak RSS from GNU time
    (/usr/bin/time, scripts/install-deps): os.wait4's ru_maxrss of a child spawned from Python
    includes the Python process's own RSS (vfork, then exec)."""
    with tempfile.NamedTemporaryFile("r") as rss:
        t0 = time.monotonic()
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd],
                             stdin=subprocess.PIPE if stdin_text else subprocess.DEVNULL, stdout=stdout,
                             stderr=subprocess.PIPE)
        _, err = p.communicate(stdin_text.encode() if stdin_text else None)
        wall = time.monotonic() - t0
        kib = rss.read().strip().splitlines()
    return wall, int(kib[-1]) / 1024.0 if kib else float("nan"), p.returncode, err.decode(errors="replace")


def make_core(binary: Path, n: int) -> tuple:
    """A core of `scale n sigquit` (cached next to the binary's stamp)."""
    d = e2e.cache_root() / "bench" / f"goroutines-{VERSION}-{n}"
    st = binary.stat()   # the exact binary: a relink changes the Go build ID the core is checked against
    key = f"{st.st_size}:{st.st_mtime_ns}"
    core, dump = d / "core", d / "stderr"
    if core.exists() and (d / "key").exists() and (d / "key").read_text() == key:
        return core, dump
    d.mkdir(parents=True, exist_ok=True)
    for f in d.iterdir():
        f.unlink()
    env = {"PATH": "/usr/bin:/bin", "GOTRACEBACK": "crash"}
    print(f"bench: starting {binary.name} {n} sigquit (building the core, once)", flush=True)
    with open(dump, "wb") as err:
        p = subprocess.Popen([str(binary), str(n), "sigquit"], cwd=d, env=env, stdout=subprocess.PIPE, stderr=err)
        for line in p.stdout:
            if b"gopsy-fixture: ready" in line:
                break
        p.send_signal(signal.SIGQUIT)
        p.wait(timeout=3600)
    cores = [f for f in d.iterdir() if f.name.startswith("core")]
    if not cores:
        sys.exit(f"bench: no core in {d} (core_pattern: {Path('/proc/sys/kernel/core_pattern').read_text().strip()})")
    cores[0].rename(core)
    (d / "key").write_text(key)
    return core, dump


def scale_fixture() -> tuple:
    """({tool: path} from scripts/go-toolchains --anchors: the Go VERSION GOROOT, dlv, panicparse),
    the scale fixture built with Go VERSION (cached by the e2e harness)."""
    out = subprocess.run([str(REPO / "scripts" / "go-toolchains"), "--anchors", VERSION], capture_output=True,
                         text=True, check=True).stdout.split("\n")
    tools = dict(l.split(None, 1) for l in out if l.strip())
    fixtures = REPO / "tests" / "fixtures"
    res = e2e.build_group(VERSION, Path(tools[VERSION]), None, "default", fixtures, {"scale": False},
                          {p.name for p in fixtures.iterdir() if p.is_dir()})
    if "scale" not in res.binaries:
        sys.exit(f"bench: cannot build the scale fixture: {res.errors}")
    return tools, res.binaries["scale"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gopsy", default=str(REPO / "build" / "gopsy"))
    ap.add_argument("--n", type=int, action="append")
    ap.add_argument("--no-delve", action="store_true")
    a = ap.parse_args()
    sizes = a.n or ([100000, 1000000] if os.environ.get("BIG") == "1" else [100000])
    e2e.raise_core_limit()
    tools, binary = scale_fixture()
    dlv = tools["dlv"]
    rows = []
    for n in sizes:
        core, dump = make_core(binary, n)
        subprocess.run(["cat", str(core), str(binary)], stdout=subprocess.DEVNULL)  # page cache
        want = sum(1 for l in open(dump, errors="replace") if re.match(r"goroutine [1-9]\d* .*\]:$", l.rstrip()))
        # Timed with output to /dev/null, like delve's: the median of 5 runs (a run is short
        # enough for a busy machine to move it by 50%); then once more into a file for the check.
        # gopsy report is timed paired with gopsy goroutines (interleaved runs: the target is a ratio)
        runs, rruns = [], []
        for _ in range(5):
            gw, gm, grc, gerr = measure([a.gopsy, "goroutines", "--traceback=crash", str(core)])
            if grc != 0:
                print(f"bench: gopsy failed ({grc}): {gerr}")
                return 1
            runs.append((gw, gm))
            rw, rm, rrc, rerr = measure([a.gopsy, "report", str(core)])
            if rrc != 0:
                print(f"bench: gopsy report failed ({rrc}): {rerr}")
                return 1
            rruns.append((rw, rm))
        gw, gm = sorted(runs)[len(runs) // 2][0], max(m for _, m in runs)
        rw, rm = sorted(rruns)[len(rruns) // 2][0], max(m for _, m in rruns)
        print(f"bench: N={n}: gopsy goroutines runs {', '.join(f'{w:.3f}' for w, _ in runs)} s", flush=True)
        print(f"bench: N={n}: gopsy report runs {', '.join(f'{w:.3f}' for w, _ in rruns)} s "
              f"(median {rw:.3f} s, {rw / gw:.2f}x goroutines, peak RSS {rm:.0f} MiB)", flush=True)
        outp = core.parent / "gopsy.txt"
        with open(outp, "wb") as f:
            measure([a.gopsy, "goroutines", "--traceback=crash", str(core)], stdout=f)
        got = sum(1 for l in open(outp, errors="replace") if l.startswith("goroutine "))
        outp.unlink()
        print(f"bench: N={n}: gopsy {gw:.3f}s {gm:.0f} MiB, {got} goroutines (runtime's dump: {want} blocks, "
              f"with goroutines printed twice by other Ms)", flush=True)
        row = {"n": n, "gopsy_s": gw, "gopsy_mib": gm, "core_mib": core.stat().st_size / 2**20,
               "report_s": rw, "report_mib": rm}
        if not a.no_delve:
            dw, dm, drc, derr = measure([dlv, "core", "--allow-non-terminal-interactive", str(binary), str(core)],
                                        stdin_text="goroutines -t\nexit\n")
            if drc != 0:
                print(f"bench: delve exited {drc}: {derr[-300:]}")
            row.update(dlv_s=dw, dlv_mib=dm)
            print(f"bench: N={n}: delve {dw:.2f}s {dm:.0f} MiB", flush=True)
        rows.append(row)
    print("\n| goroutines | core MiB | gopsy s | gopsy peak RSS MiB | delve s | delve peak RSS MiB | speed-up |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        d = f"{r['dlv_s']:.2f} | {r['dlv_mib']:.0f} | {r['dlv_s'] / r['gopsy_s']:.0f}×" if "dlv_s" in r else "– | – | –"
        print(f"| {r['n']} | {r['core_mib']:.0f} | {r['gopsy_s']:.3f} | {r['gopsy_mib']:.0f} | {d} |")
    print("\n| goroutines | gopsy goroutines s | gopsy report s | report / goroutines | report peak RSS MiB |")
    print("|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['n']} | {r['gopsy_s']:.3f} | {r['report_s']:.3f} | {r['report_s'] / r['gopsy_s']:.2f} | "
              f"{r['report_mib']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
