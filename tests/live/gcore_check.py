#!/usr/bin/env python3
"""gcore_check.py — `gopsy gcore PID` and `gopsy gcore --go-only PID` write cores that gdb, delve
and gopsy load, holding the process as it was.

For each Go version (default mode; stripped and PIE on the newest): the `states` fixture parks its
goroutines; gopsy writes a full core and a --go-only core, gdb's own `gcore` writes one (for the
size); then the runtime's SIGQUIT dump is taken. Checks:
  - gopsy goroutines on each of gopsy's cores: every goroutine the runtime printed is there, every
    parked one byte for byte as the runtime printed it (the live oracle's comparison);
  - gdb loads each: `info threads` lists every thread the process had, `bt` of the first unwinds
    without a memory error;
  - delve (`dlv core`, from scripts/go-toolchains --anchors) loads each and counts the goroutines
    the runtime printed (Go versions delve supports, 1.25+, not stripped: delve lists no goroutines of
    a stripped binary; the others are reported, not required);
  - the target is left alone (no trace, no child, same descriptors).
Prints the three cores' sizes on disk per cell.

usage: gcore_check.py GOPSY [--versions 1.19,1.26]
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import livefx
import live_oracle

DELVE_MIN = (1, 25)


def anchors() -> dict:
    r = subprocess.run([str(livefx.REPO / "scripts" / "go-toolchains"), "--anchors"], capture_output=True, text=True)
    return dict(l.split(None, 1) for l in r.stdout.splitlines() if len(l.split(None, 1)) == 2)


def cell(tool, dlv, version, mode, binary):
    label = f"Go {version} {mode}"
    probs = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR", "/var/tmp")) as tmp:
        tmp = Path(tmp)
        errf = open(tmp / "stderr", "w+")
        t = livefx.Target(binary, ["sigquit"], env={"GOTRACEBACK": "crash"}, stderr=errf)
        try:
            time.sleep(0.2)
            before = livefx.state(t.pid)
            nthreads = len(before["threads"])
            for name, extra in (("full", []), ("go-only", ["--go-only"])):
                r = livefx.gopsy(tool, "gcore", *extra, "-o", str(tmp / name), str(t.pid))
                if r.returncode != 0:
                    probs.append(f"{label}: gopsy gcore {' '.join(extra)} exited {r.returncode}: {r.stderr.strip()}")
            probs += [f"{label}: {p}" for p in livefx.left_alone(t.pid, before)]
            subprocess.run(["gdb", "-p", str(t.pid), "-batch", "-nx", "-ex", f"gcore {tmp / 'gdb'}"],
                           capture_output=True, timeout=300)
            t.p.send_signal(signal.SIGQUIT)
            t.p.wait(timeout=30)
        finally:
            t.kill()
        errf.seek(0)
        runtime = errf.read()
        want_g = len(set(live_oracle.blocks(runtime)) - {0})
        sizes = {}
        for name in ("full", "go-only"):
            core = tmp / name
            if not core.exists():
                continue
            sizes[name] = core.stat().st_blocks * 512  # on disk: cores are sparse
            g = livefx.gopsy(tool, "goroutines", "--traceback=crash", "--exe", str(binary), str(core))
            if g.returncode != 0:
                probs.append(f"{label} {name}: gopsy goroutines on the core exited {g.returncode}: {g.stderr.strip()[:300]}")
            else:
                probs += live_oracle.compare(f"{label} {name} core", g.stdout, runtime)[0]
            gd = subprocess.run(["gdb", "-batch", "-nx", "-ex", "info threads", "-ex", "bt", str(binary), str(core)],
                                capture_output=True, text=True, timeout=300)
            listed = len(re.findall(r"^\*?\s+\d+\s+LWP \d+", gd.stdout, re.M))
            if listed != nthreads or "Cannot access memory" in gd.stdout + gd.stderr:
                probs.append(f"{label} {name}: gdb lists {listed} of {nthreads} threads"
                             f"{' (memory error in bt)' if 'Cannot access memory' in gd.stdout + gd.stderr else ''}")
            d = subprocess.run([dlv, "core", "--check-go-version=false", "--allow-non-terminal-interactive",
                                str(binary), str(core)], input="goroutines\nexit\n", capture_output=True, text=True,
                               timeout=300)
            m = re.search(r"\[(\d+) goroutines\]", d.stdout)
            if not m or int(m.group(1)) != want_g:
                msg = f"{label} {name}: delve counts {m.group(1) if m else 'no'} goroutines, the runtime printed {want_g}"
                if tuple(int(x) for x in version.split(".")) >= DELVE_MIN and mode != "stripped":
                    probs.append(msg)
                else:
                    print(f"  (not required: {msg}; delve supports Go {DELVE_MIN[0]}.{DELVE_MIN[1]}+ and lists no "
                          f"goroutines of a stripped binary)")
        gdbsize = (tmp / "gdb").stat().st_blocks * 512 if (tmp / "gdb").exists() else 0
        if probs:  # keep the evidence (without gdb's large core)
            keep = Path(os.environ.get("TMPDIR", "/var/tmp")) / f"gopsy-gcore-{version}-{mode}"
            shutil.rmtree(keep, ignore_errors=True)
            (tmp / "gdb").unlink(missing_ok=True)
            shutil.copytree(tmp, keep)
            probs.append(f"{label}: cores and the runtime's dump kept in {keep}")
    print(f"{label}: gopsy gcore {sizes.get('full', 0) / 2**20:.1f} MiB, --go-only {sizes.get('go-only', 0) / 2**20:.2f} MiB, "
          f"gdb gcore {gdbsize / 2**20:.1f} MiB{'' if not probs else '  FAIL'}", flush=True)
    return probs


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("gopsy")
    ap.add_argument("--versions", default=",".join(livefx.e2e.ALL_VERSIONS))
    a = ap.parse_args()
    dlv = anchors().get("dlv")
    if not dlv:
        print("FAIL: no delve from scripts/go-toolchains --anchors")
        return 1
    probs, cells = [], 0
    versions = a.versions.split(",")
    for v in versions:
        for m in (["default", "stripped", "pie"] if v == versions[-1] else ["default"]):
            try:
                b = livefx.build(v, m, ["states"])["states"]
            except RuntimeError as e:
                probs.append(str(e))
                continue
            cells += 1
            probs += cell(a.gopsy, dlv, v, m, b)
    for p in probs:
        print("FAIL:", p)
    print(f"gcore: {cells} cells, {len(probs)} problems")
    return 1 if probs or not cells else 0


if __name__ == "__main__":
    sys.exit(main())
