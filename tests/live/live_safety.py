#!/usr/bin/env python3
"""live_safety.py — a live target is never left stopped, traced, or changed, whatever happens to
gopsy, and gets precise errors when it cannot be traced.

Against the `live` fixture (tests/fixtures/live: parked goroutines, a 1 ms ticker that records the
longest pause, SIGCHLD and SIGUSR1 counted through signal.Notify, answers "ping" on stdin):
  - gopsy killed with SIGKILL after 0..400 ms, with a snapshot, without (--no-fork: the target
    is held stopped while gopsy reads it) and write-tracked (--track: its memory registered with a
    userfaultfd, stopped at each freeze); Ctrl-C and SIGTERM to gopsy's process group; SIGPIPE
    (output closed early). Afterwards: no thread traced or stopped, no new child, the same file
    descriptors, no mapping left registered, no snapshot helper left, the target answers and got no
    SIGCHLD;
  - the default mode: write-tracked for a large process, the snapshot for a small one or --fork;
  - errors: no such process, a process that is not Go (left running), ptrace refused (gopsy run as
    another user), a process already traced (the tracer is named);
  - stress: the target under a SIGUSR1 storm, GC pressure and loopback TCP traffic ("churn"), OS
    threads started and ended all the time ("threads": new threads while gopsy stops them),
    snapshotted COUNT times (every other one with --track); every snapshot must unwind every goroutine (exit 0, no gopsy
    complaint in the dump), the target must survive, answer and never see SIGCHLD, and never stall
    beyond the longest pause gopsy measured (or its own stalls without gopsy) by more than 30 ms.

usage: live_safety.py GOPSY [--version 1.26] [--count 100] [--goroutines 20000]
"""
import argparse
import ctypes
import os
import random
import signal
import subprocess
import sys
import threading
import time

import livefx

SLACK_MS = 30  # a stall may exceed the pause by this much (the ticker's wake-up, GC under churn, this VM)


def check_after(t, before, label, probs):
    for p in livefx.left_alone(t.pid, before):
        probs.append(f"{label}: {p}")
    pong = t.ping()
    if pong is None:
        probs.append(f"{label}: the target does not answer")
    elif pong[1]:
        probs.append(f"{label}: the target got {pong[1]} SIGCHLD")
    return pong


def killed(tool, t, probs, extra):
    """gopsy killed at random moments of a run (SIGKILL to gopsy alone, SIGINT/SIGTERM to its group)."""
    rnd = random.Random(7)
    delays = [0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4] + [rnd.uniform(0, 0.3) for _ in range(6)]
    for i, d in enumerate(delays):
        sig = (signal.SIGKILL, signal.SIGINT, signal.SIGTERM)[i % 3]
        before = livefx.state(t.pid)
        g = subprocess.Popen([tool, "goroutines", "--pid", str(t.pid), *extra], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(d)
        if sig == signal.SIGKILL:
            g.kill()
        else:
            os.killpg(g.pid, sig)
        g.wait()
        check_after(t, before, f"{sig.name} after {d * 1000:.0f} ms{' ' + extra[0] if extra else ''}", probs)


def sigpipe(tool, t, probs):
    before = livefx.state(t.pid)
    r = subprocess.run(f"{tool} goroutines --pid {t.pid} | head -c 100 >/dev/null", shell=True)
    check_after(t, before, f"SIGPIPE (exit {r.returncode})", probs)


def errors(tool, t, probs):
    def expect(label, args, pattern):
        r = livefx.gopsy(tool, *args)
        if r.returncode != 1 or pattern not in r.stderr:
            probs.append(f"{label}: exit {r.returncode}, stderr {r.stderr.strip()!r}, want {pattern!r}")
    dead = subprocess.Popen(["true"])
    dead.wait()
    expect("no such process", ["goroutines", "--pid", str(dead.pid)], "no process")
    slp = subprocess.Popen(["sleep", "60"])
    try:
        time.sleep(0.05)
        before = livefx.state(slp.pid)
        expect("not a Go process", ["report", "--pid", str(slp.pid)], "Go")
        for p in livefx.left_alone(slp.pid, before):
            probs.append(f"not a Go process: {p}")
    finally:
        slp.kill()
        slp.wait()
    # ptrace refused: gopsy as another user (nobody) against a root process.
    if os.geteuid() == 0:
        before = livefx.state(t.pid)
        r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", tool, "goroutines",
                            "--pid", str(t.pid)], capture_output=True, text=True, timeout=60)
        if r.returncode != 1 or "not permitted" not in r.stderr:
            probs.append(f"ptrace refused: exit {r.returncode}, stderr {r.stderr.strip()!r}, want 'not permitted'")
        for p in livefx.left_alone(t.pid, before):
            probs.append(f"ptrace refused: {p}")
    # Another tracer: a child of ours seizes the target and holds it.
    r, w = os.pipe()
    tracer = os.fork()
    if tracer == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        ok = libc.ptrace(0x4206, t.pid, None, None) == 0  # PTRACE_SEIZE
        os.write(w, b"1" if ok else b"0")
        time.sleep(30)
        os._exit(0)
    try:
        if os.read(r, 1) != b"1":
            probs.append("could not seize the target from a second tracer (test setup)")
        else:
            expect("already traced", ["goroutines", "--pid", str(t.pid)], f"already traced by process {tracer}")
    finally:
        os.kill(tracer, signal.SIGKILL)
        os.waitpid(tracer, 0)
        os.close(r)
        os.close(w)
    time.sleep(0.1)


def auto(tool, binary, probs):
    """The default for a large process (RssAnon >= 256 MiB: 100k goroutines) is write-tracking;
    --fork takes the snapshot anyway; a small one gets the snapshot."""
    import json
    for n, extra, want in (("100000", [], "tracked"), ("100000", ["--fork"], "forked"), ("2000", [], "forked")):
        t = livefx.Target(binary, [n], timeout=120)
        try:
            before = livefx.state(t.pid)
            r = livefx.gopsy(tool, "report", "--json", "--pid", str(t.pid), *extra)
            snap = json.loads(r.stdout).get("snapshot", {}) if r.returncode == 0 else {}
            label = f"default mode, {n} goroutines{' ' + extra[0] if extra else ''}"
            if not snap.get(want) or snap.get("forked") == snap.get("tracked"):
                probs.append(f"{label}: exit {r.returncode}, snapshot {snap}, want {want}: {r.stderr.strip()[:300]}")
            check_after(t, before, label, probs)
        finally:
            t.kill()


def stress(tool, binary, count, probs):
    t = livefx.Target(binary, ["2000", "churn", "threads"])
    stop = threading.Event()

    def storm():
        while not stop.is_set():
            try:
                os.kill(t.pid, signal.SIGUSR1)
            except OSError:
                return
            time.sleep(0.0002)
    th = threading.Thread(target=storm)
    th.start()
    pauses, worst_gap = [], 0
    try:
        # The stalls the process has without gopsy (GC, the storm, this 2-core machine): the
        # longest tick gap over 5 idle seconds.
        t.ping()
        idle = 0
        for _ in range(5):
            time.sleep(1)
            pong = t.ping()
            idle = max(idle, pong[0] if pong else 0)
        before = livefx.state(t.pid)
        for i in range(count):
            r = livefx.gopsy(tool, "goroutines", "--pid", str(t.pid), "--stats", *(["--track"] if i % 2 else []))
            bad = [l for l in r.stdout.splitlines() if l.startswith("gopsy:")]
            if r.returncode != 0 or bad:
                probs.append(f"stress snapshot {i}: exit {r.returncode}: {(bad or [r.stderr.strip()])[0][:300]}")
                if len(probs) > 10:
                    break
            for l in r.stderr.splitlines():
                if " paused " in l:
                    pauses.append(float(l.split(" paused ")[1].split()[0]))
            if t.p.poll() is not None:
                probs.append(f"stress: the target died (status {t.p.returncode}) after {i + 1} snapshots")
                break
            pong = t.ping()
            if pong is None:
                probs.append(f"stress: the target stopped answering after {i + 1} snapshots")
                break
            worst_gap = max(worst_gap, pong[0])
            if pauses and pong[0] > (max(pauses) + SLACK_MS) * 1000 and pong[0] > idle + SLACK_MS * 1000:
                probs.append(f"stress snapshot {i}: the process stalled {pong[0] / 1000:.1f} ms, beyond the longest "
                             f"pause gopsy measured ({max(pauses):.1f} ms) and its own idle stalls ({idle / 1000:.1f} ms)"
                             f" by more than {SLACK_MS} ms")
            if pong[1]:
                probs.append(f"stress: the target got SIGCHLD")
                break
        stop.set()
        th.join()
        pong = t.ping()
        if t.p.poll() is None:
            fds_before = {k: v for k, v in before["fds"].items() if not v.startswith("socket:")}
            before["fds"] = fds_before
            now = livefx.state(t.pid)
            if {k: v for k, v in now["fds"].items() if not v.startswith("socket:")} != fds_before:
                probs.append("stress: descriptors changed")
        pauses.sort()
        if pauses and pong:
            print(f"stress: {len(pauses)} snapshots under a SIGUSR1 storm ({pong[2]} delivered), GC and TCP churn: "
                  f"pause median {pauses[len(pauses) // 2]:.2f} ms, max {pauses[-1]:.2f} ms; the target's longest "
                  f"tick gap {worst_gap / 1000:.1f} ms (without gopsy: {idle / 1000:.1f} ms)", flush=True)
        if not pauses:
            probs.append("stress: no pause reported")
    finally:
        stop.set()
        th.join()
        t.kill()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("gopsy")
    ap.add_argument("--version", default="1.26")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--goroutines", type=int, default=20000)
    a = ap.parse_args()
    probs = []
    binary = livefx.build(a.version, "default", ["live"])["live"]
    t = livefx.Target(binary, [str(a.goroutines)])
    try:
        t.ping()
        for extra in ([], ["--no-fork"], ["--track"]):
            killed(a.gopsy, t, probs, extra)
        sigpipe(a.gopsy, t, probs)
        errors(a.gopsy, t, probs)
        if t.ping() is None:
            probs.append("the target does not answer at the end")
    finally:
        t.kill()
    auto(a.gopsy, binary, probs)
    print(f"safety: {len(probs)} problems after kills, SIGPIPE, errors and the default mode", flush=True)
    stress(a.gopsy, binary, a.count, probs)
    for p in probs:
        print("FAIL:", p)
    return 1 if probs else 0


if __name__ == "__main__":
    sys.exit(main())
