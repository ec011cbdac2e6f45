#!/usr/bin/env python3
"""live_oracle.py — `gopsy goroutines --pid` and `gopsy report --pid` against the Go runtime itself.

For every Go version and build mode (default, stripped, PIE): the `states` fixture (tests/fixtures)
parks its goroutines and waits; gopsy snapshots it (copy-on-write snapshot, write-tracked with
--track, and for the default mode also --no-fork); then the runtime's own SIGQUIT dump is taken
right after. Every goroutine
that is parked in both (not running or runnable, and not the one the SIGQUIT interrupted) must be
printed by gopsy exactly as the runtime printed it, and gopsy must have printed every goroutine
the runtime did. The process must be left as it was: running, not traced, no new child, the same
descriptors, no mapping left registered with a userfaultfd (livefx.left_alone). `report --pid --json` must say the process was running and count
the goroutines the text dump printed.

usage: live_oracle.py GOPSY [--versions 1.19,1.26] [--modes default,pie]
"""
import argparse
import json
import re
import signal
import sys
import tempfile
import time
from pathlib import Path

import livefx

MIN_COMPARED = 30  # the states fixture parks ~50 goroutines


def blocks(text: str) -> dict:
    out = {}
    for b in re.split(r"\n\n+", text):
        b = b.strip("\n")
        m = re.match(r"goroutine (\d+)[ \[]", b)
        if m:
            out[int(m.group(1))] = b.strip("\n")
    return out


def status(block: str) -> str:
    m = re.search(r"\[([^\]]*)\]:", block.split("\n", 1)[0])
    return m.group(1) if m else ""


def moving(block: str) -> bool:
    st = status(block)
    return st.startswith("running") or st.startswith("runnable")


def compare(label: str, text: str, runtime: str) -> tuple:
    """(problems, how many compared): every goroutine of the runtime's dump is in gopsy's text
    (but goroutine 0: the SIGQUIT interrupted an M on its g0), and every one parked in both (not
    running or runnable, not the one the SIGQUIT interrupted) is byte-identical."""
    probs = []
    rt, gp = blocks(runtime), blocks(text)
    missing = sorted(set(rt) - set(gp) - {0})
    if missing:
        probs.append(f"{label}: goroutines the runtime printed and gopsy did not: {missing}")
    compared = 0
    for gid, want in rt.items():
        have = gp.get(gid)
        if have is None or moving(want) or moving(have) or "\nrip " in want:
            continue
        compared += 1
        if have != want:
            probs.append(f"{label}: goroutine {gid} differs:\n--- runtime\n{want}\n--- gopsy\n{have}")
    if compared < MIN_COMPARED:
        probs.append(f"{label}: only {compared} parked goroutines compared (want >= {MIN_COMPARED})")
    return probs, compared


def one(tool: str, binary: Path, label: str, extra: list) -> list:
    probs = []
    with tempfile.TemporaryDirectory() as tmp:
        errf = open(Path(tmp) / "stderr", "w+")
        t = livefx.Target(binary, ["sigquit"], env={"GOTRACEBACK": "crash"}, stderr=errf)
        try:
            time.sleep(0.2)
            before = livefx.state(t.pid)
            g = livefx.gopsy(tool, "goroutines", "--traceback=crash", "--pid", str(t.pid), *extra)
            r = livefx.gopsy(tool, "report", "--json", "--pid", str(t.pid), *extra)
            probs += [f"{label}: {p}" for p in livefx.left_alone(t.pid, before)]
            t.p.send_signal(signal.SIGQUIT)
            t.p.wait(timeout=30)
        finally:
            t.kill()
        errf.seek(0)
        runtime = errf.read()
    if g.returncode != 0:
        return probs + [f"{label}: gopsy goroutines --pid exited {g.returncode}: {g.stderr.strip()[:400]}"]
    if "SIGQUIT: quit" not in runtime:
        return probs + [f"{label}: the runtime printed no SIGQUIT dump: {runtime[:300]!r}"]
    gp = blocks(g.stdout)
    cmp, compared = compare(label, g.stdout, runtime)
    probs += cmp
    if r.returncode != 0:
        probs.append(f"{label}: gopsy report --pid exited {r.returncode}: {r.stderr.strip()[:400]}")
    else:
        rep = json.loads(r.stdout)
        if rep.get("pid") != t.pid or rep.get("core") is not None:
            probs.append(f"{label}: report names pid {rep.get('pid')} core {rep.get('core')}")
        if rep.get("cause", {}).get("kind") != "running":
            probs.append(f"{label}: report cause {rep.get('cause', {}).get('kind')!r}, want 'running'")
        if rep.get("goroutines") != len(gp):
            probs.append(f"{label}: report counts {rep.get('goroutines')} goroutines, the dump printed {len(gp)}")
        snap = rep.get("snapshot", {})
        if snap.get("forked") != (not extra):
            probs.append(f"{label}: snapshot forked={snap.get('forked')} ({snap.get('no_fork_reason')})")
        if snap.get("tracked") != ("--track" in extra) or ("--track" in extra and not snap.get("freezes")):
            probs.append(f"{label}: snapshot tracked={snap.get('tracked')} freezes={snap.get('freezes')}")
    print(f"{label}: {compared} parked goroutines identical to the runtime's dump" if not probs
          else f"{label}: FAIL", flush=True)
    return probs


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("gopsy")
    ap.add_argument("--versions", default=",".join(livefx.e2e.ALL_VERSIONS))
    ap.add_argument("--modes", default="default,stripped,pie")
    a = ap.parse_args()
    probs = []
    cells = 0
    for v in a.versions.split(","):
        for m in a.modes.split(","):
            try:
                bins = livefx.build(v, m, ["states"])
            except RuntimeError as e:
                probs.append(f"Go {v} {m}: {e}")
                continue
            for extra in ([], ["--no-fork"], ["--track"]) if m == "default" else ([], ["--track"]):
                cells += 1
                label = f"Go {v} {m}{' ' + extra[0] if extra else ''}"
                probs += one(a.gopsy, bins["states"], label, extra)
    for p in probs:
        print("FAIL:", p)
    print(f"live oracle: {cells} cells, {len(probs)} problems")
    return 1 if probs or not cells else 0


if __name__ == "__main__":
    sys.exit(main())
