#!/usr/bin/env python3
"""waits_oracle.py — checks gopsy's wait-object reader (src/rt/waits.h, printed as JSON by the test
driver tests/rt/waitsdump) against what is not gopsy: the fixtures' own facts about the objects they
created (tests/fixtures/{states,deadlock}/waits.go: addresses, element types, capacities, lengths,
how many goroutines wait in which direction and in which function) and the Go runtime's dump of
the same process (parsed by tests/e2e/gotrace.py: which goroutine ids have that function as a frame,
and every goroutine's wait reason). See tests/rt/README.md.

Two ways to run it:

    waits_oracle.py --waitsdump W --gopsy G [--versions 1.19,...] [--modes default,...]
        runs tests/e2e/run.py on the cells states-sigquit and deadlock (all 8 versions x 5 modes by
        default; deadlock skips cgo, cells.json) with this script's --check as the --against
        command, and prints per-version results. Exit 1 if any cell failed (a missing toolchain
        fails its cells: run.py never skips one).

    waits_oracle.py --check W G CORE DIR STDERR
        one cell (what run.py calls): prints `gopsy goroutines --traceback=crash CORE` on stdout for
        run.py's usual comparison with the runtime's dump, runs `W CORE`, compares it with the facts
        in DIR/stdout and the dump STDERR; exit 1 (the reasons on stderr, the last line a summary)
        when a check fails.
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

sys.dont_write_bytecode = True
HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "tests" / "e2e"))
import facts as factlib  # noqa: E402
import gotrace  # noqa: E402

CELLS = "states-sigquit,deadlock"

# fact kind -> (gopsy object kind, directions the fact gives)
KINDS = {
    "chan": ("chan", ("recv", "send")),
    "mutex": ("sync.Mutex", ("lock",)),
    "rwmutex": ("sync.RWMutex", ("readers", "writers")),
    "waitgroup": ("sync.WaitGroup", ("wait",)),
    "cond": ("sync.Cond", ("wait",)),
    "pollfd": ("pollDesc", ("read", "write")),
}

# Wait reasons (as the runtime prints them) whose goroutines must have an object, and the class.
WITH_OBJECT = {
    "chan receive": "chan", "chan send": "chan", "select": "select",
    "sync.Mutex.Lock": "semaphore", "sync.RWMutex.RLock": "semaphore", "sync.RWMutex.Lock": "semaphore",
    "sync.WaitGroup.Wait": "semaphore", "semacquire": "semaphore", "sync.Cond.Wait": "cond",
    "IO wait": "io",
}
WITHOUT_OBJECT = {"chan receive (nil chan)": "nil chan", "chan send (nil chan)": "nil chan",
                  "select (no cases)": "select (no cases)", "sleep": "sleep"}


def frame_goids(dump: gotrace.Dump) -> dict:
    """function -> set of goroutine ids that have it as a frame (inlined frames included)."""
    out: dict = {}
    for b in dump.goroutine_blocks():
        for f in b.frames:
            out.setdefault(f.func, set()).add(b.goid)
    return out


def check(doc: dict, facts: list, dump: gotrace.Dump) -> tuple:
    """(failures, number of facts checked, number of goroutines checked)."""
    fails = []
    objs = doc["objects"]
    gs = {g["goid"]: g for g in doc["goroutines"]}
    by_fn = frame_goids(dump)
    nfacts = 0
    for kind, name, kv in facts:
        if kind == "noobject":
            nfacts += 1
            ids = by_fn.get(kv.get("fn"), set())
            if len(ids) != 1:
                fails.append(f"{name}: the runtime's dump has {len(ids)} goroutines in {kv.get('fn')}, the fixture says 1")
                continue
            g = gs.get(next(iter(ids)))
            if g is None:
                fails.append(f"{name}: goroutine {next(iter(ids))} ({kv.get('fn')}) is not among gopsy's blocked goroutines")
            elif g["objects"] or g["problem"]:
                fails.append(f"{name}: goroutine {g['goid']} should wait on no object, gopsy has {g['objects']} / {g['problem']}")
            continue
        if kind not in KINDS:
            continue
        nfacts += 1
        okind, dirs = KINDS[kind]
        if kind == "pollfd":
            found = [o for o in objs if o["kind"] == okind and o["fd"] == int(kv["fd"])]
            what = f"pollfd {name} fd={kv['fd']}"
        else:
            addr = int(kv["addr"], 16)
            found = [o for o in objs if o["kind"] == okind and int(o["addr"], 16) == addr]
            what = f"{kind} {name} {kv['addr']}"
        if len(found) != 1:
            fails.append(f"{what}: gopsy has {len(found)} {okind} objects there (want 1)")
            continue
        o = found[0]
        idx = objs.index(o)
        if o["problem"]:
            fails.append(f"{what}: problem: {o['problem']}")
        if kind == "chan":
            for k in ("cap", "len"):
                if o[k] != int(kv[k]):
                    fails.append(f"{what}: {k} {o[k]}, the fixture says {kv[k]}")
            if o["elem"] != kv["elem"]:
                fails.append(f"{what}: elem {o['elem']!r}, the fixture says {kv['elem']!r}")
            if o["closed"]:
                fails.append(f"{what}: closed, the fixture's channel is open")
        for d in dirs:
            want_n = int(kv.get(d, "0"))
            want = by_fn.get(kv.get(f"{d}_fn"), set()) if want_n else set()
            if len(want) != want_n:
                fails.append(f"{what} {d}: the runtime's dump has {len(want)} goroutines in {kv.get(d + '_fn')}, "
                             f"the fixture says {want_n}")
            got = o["waiters"].get(d)
            if got is None:
                fails.append(f"{what}: no direction {d} in gopsy's object")
                continue
            if len(got) != len(set(got)):
                fails.append(f"{what} {d}: a goroutine is queued twice: {got}")
            if set(got) != want:
                fails.append(f"{what} {d}: gopsy's queue {sorted(got)}, " +
                             (f"the runtime's goroutines in {kv.get(d + '_fn')} {sorted(want)}" if want_n
                              else "the fixture leaves nobody waiting there"))
            for goid in want:
                g = gs.get(goid)
                if g is None or {"obj": idx, "dir": d} not in g["objects"]:
                    fails.append(f"{what} {d}: goroutine {goid} is not linked to it "
                                 f"({g['objects'] if g else 'not among the blocked goroutines'})")
    # Every blocked goroutine of the runtime's dump: gopsy has it, with the same wait reason, and an
    # object exactly when the reason has one.
    checked = 0
    for b in dump.goroutines():
        st = b.status
        if st not in WITH_OBJECT and st not in WITHOUT_OBJECT:
            continue
        checked += 1
        g = gs.get(b.goid)
        if g is None:
            fails.append(f"goroutine {b.goid} [{st}] is not among gopsy's blocked goroutines")
            continue
        if g["waitreason"] != st:
            fails.append(f"goroutine {b.goid}: gopsy's wait reason {g['waitreason']!r}, the runtime printed {st!r}")
        want_class = WITH_OBJECT.get(st) or WITHOUT_OBJECT.get(st)
        if g["class"] != want_class:
            fails.append(f"goroutine {b.goid} [{st}]: class {g['class']!r}, want {want_class!r}")
        if st in WITH_OBJECT and (not g["objects"] or g["problem"]):
            fails.append(f"goroutine {b.goid} [{st}]: no object ({g['problem']})")
        if st in WITHOUT_OBJECT and g["objects"]:
            fails.append(f"goroutine {b.goid} [{st}]: objects {g['objects']} for a wait that has none")
    for i, o in enumerate(objs):
        if o["problem"]:
            fails.append(f"object {i} {o['kind']} {o['addr']}: problem: {o['problem']}")
    if doc.get("problem"):
        fails.append(f"problem: {doc['problem']}")
    if any(g["class"] == "semaphore" for g in doc["goroutines"]) and not doc.get("semtable"):
        fails.append("runtime.semtable was not found")
    return fails, nfacts, checked


def check_main(a) -> int:
    text = subprocess.run([a.gopsy, "goroutines", "--traceback=crash", a.core], capture_output=True)
    sys.stdout.buffer.write(text.stdout)
    sys.stdout.flush()
    sys.stderr.buffer.write(text.stderr)
    if text.returncode != 0:
        return text.returncode
    r = subprocess.run([a.waitsdump, a.core], capture_output=True)
    sys.stderr.buffer.write(r.stderr)
    if r.returncode != 0:
        print(f"waits: waitsdump exited {r.returncode}", file=sys.stderr)
        return 1
    doc = json.loads(r.stdout)
    (Path(a.dir) / "waits.json").write_bytes(r.stdout)
    facts = factlib.load(Path(a.dir) / "stdout")
    if not facts:
        print("waits: the fixture printed no facts", file=sys.stderr)
        return 1
    fails, nfacts, checked = check(doc, facts, gotrace.parse_file(a.stderr))
    for f in fails:
        print(f"waits: {f}", file=sys.stderr)
    if fails:
        print(f"waits: {len(fails)} check(s) failed, first: {fails[0]}", file=sys.stderr)
        return 1
    print(f"waits: ok: {nfacts} facts, {checked} blocked goroutines, {len(doc['objects'])} objects "
          f"(semtable {doc.get('semtable_how')})", file=sys.stderr)
    return 0


def drive(a) -> int:
    me = Path(__file__).resolve()
    q = [shlex.quote(str(x)) for x in (sys.executable, me, Path(a.waitsdump).resolve(), Path(a.gopsy).resolve())]
    against = f"{q[0]} {q[1]} --check {q[2]} {q[3]} {{core}} {{dir}} {{stderr}}"
    cmd = [sys.executable, str(REPO / "tests" / "e2e" / "run.py"), "--cells", CELLS, "--against", against]
    if a.versions:
        cmd += ["--versions", a.versions]
    if a.modes:
        cmd += ["--modes", a.modes]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    cells = []
    for line in p.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        m = re.match(r"^(PASS|FAIL) (\S+) (\S+) (\S+) ", line)
        if m:
            cells.append(m.groups())
    rc = p.wait()
    # Per version: cells passed, and the facts / goroutines the checks covered (against.stderr).
    cache = Path(os.environ.get("GOPSY_CACHE", Path.home() / ".cache" / "gopsy"))
    per: dict = {}
    for res, v, mode, cell in cells:
        t = per.setdefault(v, {"pass": 0, "fail": 0, "facts": 0, "goroutines": 0, "objects": 0})
        t["pass" if res == "PASS" else "fail"] += 1
        try:
            last = (cache / "e2e" / "run" / f"{v}-{mode}-{cell}" / "against.stderr").read_text().splitlines()[-1]
        except (OSError, IndexError):
            continue
        m = re.match(r"waits: ok: (\d+) facts, (\d+) blocked goroutines, (\d+) objects", last)
        if m:
            t["facts"] += int(m.group(1))
            t["goroutines"] += int(m.group(2))
            t["objects"] += int(m.group(3))
    print("\nwaits oracle, per version (cells passed; facts, blocked goroutines and objects checked):")
    for v in sorted(per, key=lambda s: tuple(int(x) for x in s.split("."))):
        t = per[v]
        print(f"  go{v}: {t['pass']} pass / {t['fail']} fail; {t['facts']} facts, {t['goroutines']} goroutines, "
              f"{t['objects']} objects")
    if not cells:
        print("waits oracle: no cell ran")
        return 1
    return rc


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--check":
        ap = argparse.ArgumentParser(prog="waits_oracle.py --check")
        ap.add_argument("--check", action="store_true")
        for k in ("waitsdump", "gopsy", "core", "dir", "stderr"):
            ap.add_argument(k)
        return check_main(ap.parse_args())
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--waitsdump", required=True)
    ap.add_argument("--gopsy", required=True)
    ap.add_argument("--versions")
    ap.add_argument("--modes")
    return drive(ap.parse_args())


if __name__ == "__main__":
    sys.exit(main())
