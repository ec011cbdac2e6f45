#!/usr/bin/env python3
"""run_check.py — `gopsy run [--dir DIR] -- CMD`: the command runs as it would (stdio, exit status),
and when it dies of a signal gopsy writes its core, report and stderr copy itself — with ulimit -c 0.

Cells (fixtures of tests/fixtures, run under ulimit -c 0, GOTRACEBACK unset so gopsy run sets it):
`states nil` and `states throw` for every Go version; `states panic`, `states overflow`, the cgo
crash `cgocrash crash` and `states exit` (a clean exit: status 0, nothing written) on the newest;
`states sigquit`, the SIGQUIT sent by this script to the command. Checks per crashing cell:
  - gopsy run's exit status is 128 + the signal the cell dies of (SIGABRT: GOTRACEBACK=crash);
  - no core from the kernel appeared, gopsy's core.PID, report.PID.txt, stderr.PID.txt did;
  - the stderr copy is what gopsy run passed through (byte for byte, before its own lines);
  - gopsy goroutines --traceback=crash on gopsy's core against the runtime's dump in that copy:
    every goroutine (tests/e2e/gotrace.py compare) and the crash text (preamble, M stacks,
    registers) byte for byte — the same oracle as the kernel's cores get;
  - the report's cause names the cell's cause (e.g. "nil pointer dereference").

usage: run_check.py GOPSY [--versions 1.19,1.26]
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import livefx

sys.path.insert(0, str(livefx.REPO / "tests" / "e2e"))
import gotrace  # noqa: E402

CAUSE = {"nil": "nil pointer dereference", "throw": "fatal error", "panic": "panic", "overflow": "stack overflow",
         "crash": "SIGSEGV", "sigquit": "SIGQUIT"}


def one(tool, binary, args, version, expect_sig, probs):
    label = f"Go {version} {binary.name} {' '.join(args)}"
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR", "/var/tmp")) as tmp:
        tmp = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k != "GOTRACEBACK"}
        p = subprocess.Popen([tool, "run", "--dir", str(tmp / "out"), "--", str(binary), *args], cwd=tmp,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, preexec_fn=livefx.no_core)
        if args == ["sigquit"]:  # wait for the ready line, then SIGQUIT the command (gopsy run's child)
            line = p.stdout.readline()
            while line.startswith(b"gopsy-fixture: fact"):
                line = p.stdout.readline()
            time.sleep(0.2)
            kids = Path(f"/proc/{p.pid}/task/{p.pid}/children").read_text().split()
            if kids:
                os.kill(int(kids[0]), signal.SIGQUIT)
        out, err = p.communicate(timeout=300)
        rc = p.returncode
        files = sorted(f.name for f in (tmp / "out").iterdir()) if (tmp / "out").exists() else []
        kernel = [f.name for f in tmp.iterdir() if f.name.startswith("core")]
        if expect_sig is None:
            if rc != 0 or files:
                probs.append(f"{label}: exit {rc}, files {files} (want 0, none)")
            print(f"{label}: exit {rc}, nothing written", flush=True)
            return
        if rc != 128 + expect_sig:
            probs.append(f"{label}: exit {rc}, want {128 + expect_sig}: {err.decode(errors='replace')[-300:]}")
        if kernel:
            probs.append(f"{label}: the kernel wrote {kernel} despite ulimit -c 0")
        core = next((tmp / "out" / f for f in files if f.startswith("core.")), None)
        report = next((tmp / "out" / f for f in files if f.startswith("report.")), None)
        copy = next((tmp / "out" / f for f in files if f.startswith("stderr.")), None)
        if not (core and report and copy):
            probs.append(f"{label}: gopsy run wrote {files}: {err.decode(errors='replace')[-300:]}")
            return
        passed = err[:err.rfind(b"gopsy: ", 0, err.rfind(b"gopsy: written:"))] if b"gopsy: written:" in err else err
        if copy.read_bytes() != passed:
            probs.append(f"{label}: the stderr copy ({copy.stat().st_size} bytes) is not what was passed through "
                         f"({len(passed)} bytes)")
        runtime = copy.read_text(errors="replace")
        g = livefx.gopsy(tool, "goroutines", "--traceback=crash", "--exe", str(binary), str(core))
        if g.returncode != 0:
            probs.append(f"{label}: gopsy goroutines on gopsy's core exited {g.returncode}: {g.stderr.strip()[:300]}")
            return
        exp, act = gotrace.parse(runtime), gotrace.parse(g.stdout)
        rep = gotrace.compare(exp, act)
        ct = gotrace.compare_crash_text(exp, act)
        if rep.failures or rep.missing or rep.extra:
            probs.append(f"{label}: goroutines differ from the runtime's dump:\n{rep.format()[:2000]}")
        if not ct.ok:
            probs.append(f"{label}: crash text differs from the runtime's:\n{ct.format()[:2000]}")
        cause = CAUSE[args[0]]
        if cause not in report.read_text():
            probs.append(f"{label}: the report does not say {cause!r}")
        print(f"{label}: exit {rc}; core {core.stat().st_size / 2**20:.1f} MiB; {len(rep.results)} goroutines "
              f"({sum(1 for x in rep.results if x.same)} identical), crash text {len(ct.checked)} parts identical"
              f"{'' if ct.ok and not rep.failures else ' FAIL'}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("gopsy")
    ap.add_argument("--versions", default=",".join(livefx.e2e.ALL_VERSIONS))
    a = ap.parse_args()
    probs = []
    versions = a.versions.split(",")
    abrt = signal.SIGABRT.value
    for v in versions:
        try:
            states = livefx.build(v, "default", ["states"])["states"]
        except RuntimeError as e:
            probs.append(str(e))
            continue
        cells = [["nil"], ["throw"]] + ([["panic"], ["overflow"], ["sigquit"], ["exit"]] if v == versions[-1] else [])
        for args in cells:
            one(a.gopsy, states, args, v, None if args == ["exit"] else abrt, probs)
        if v == versions[-1]:
            try:
                cgo = livefx.build(v, "cgo", ["cgocrash"], cgo=True)["cgocrash"]
                one(a.gopsy, cgo, ["crash"], v, abrt, probs)
            except RuntimeError as e:
                probs.append(str(e))
    for p in probs:
        print("FAIL:", p)
    print(f"run: {len(probs)} problems")
    return 1 if probs else 0


if __name__ == "__main__":
    sys.exit(main())
