#!/usr/bin/env python3
"""reportcheck.py — checks `gopsy report` on one e2e cell against facts that are not gopsy's:

  * what the fixture says about itself (tests/fixtures/internal/fx/facts.go, its stdout): the
    goroutine that crashes and how (the function a nil dereference happens in, the address, the
    values it panics with and which were recovered, the throw's message, the recursing function and
    the stack limit it set, the deadlock), and its //gopsy:expect annotations (the states its
    goroutines are in);
  * the runtime's own dump of the same process (gotrace.py): which goroutine it printed first,
    which goroutines exist (the user ones: their outermost frame is not the runtime's);
  * the harness: the pid that sent a cell's SIGQUIT (GOPSY_E2E_HARNESS_PID);
  * rules of the runtime (a goroutine stack is a power of two of at least 2 KiB).
The text report must have the cause of death first and fit 80 columns (the runtime's own lines
and long paths excepted).

    reportcheck.py GOPSY CORE DIR        (DIR: the cell's scratch directory, <version>-<mode>-<cell>)

Exit 1 with the reasons on stderr when a check fails; prints nothing on stdout (it runs after
schedcheck.py in the e2e --against command, whose stdout the harness compares).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

sys.dont_write_bytecode = True
HERE = Path(__file__).resolve().parent
E2E = HERE.parent / "e2e"
sys.path.insert(0, str(E2E))
import facts  # noqa: E402
import gotrace  # noqa: E402
import run  # noqa: E402

NIL_DEREF = "runtime error: invalid memory address or nil pointer dereference"


def cell_of(scratch: Path):
    version, mode, name = scratch.name.split("-", 2)
    cells = {c.name: c for c in run.load_cells(run.REPO / "tests" / "fixtures")}
    return version, mode, cells[name]


def vkey(v: str) -> tuple:
    return tuple(int(x) for x in v.split("."))


def user_goroutines(dump: gotrace.Dump) -> set:
    """Goroutine ids of the dump that isSystemGoroutine would not call system: the function a
    goroutine started in (its outermost frame below runtime.goexit) is not the runtime's, or is
    runtime.main. Goroutines printed without frames count as user ones."""
    out = set()
    by = dump.by_goid()
    for b in dump.goroutines():
        best = next((x for x in by[b.goid] if x.frames), b)
        fr = [f for f in best.frames if f.func != "runtime.goexit"]
        start = fr[-1].func if fr else ""
        elided = bool(best.elisions) and vkey_of(dump) < (1, 21)
        if not fr or elided or start == "runtime.main" or not start.startswith("runtime."):
            out.add(b.goid)
    return out


def vkey_of(dump) -> tuple:
    return getattr(dump, "_version", (1, 99))


def printpanics(panics: list, v: tuple) -> str:
    """runtime.printpanics over the report's chain (oldest first): a tab before every panic after
    the first unless the one before was a Goexit; Go 1.25+ stop at one re-raised with its own
    value; the recovered / repanicked marks of each version."""
    out = ""
    for i, p in enumerate(panics):
        if i:
            prev = panics[i - 1]
            if v >= (1, 25) and prev["repanicked"]:
                break
            if not prev["goexit"]:
                out += "\t"
        if p["goexit"]:
            continue
        rep = p["repanicked"] if v == (1, 25) else (p["recovered"] and p["repanicked"])
        mark = " [recovered, repanicked]" if v >= (1, 25) and rep else " [recovered]" if p["recovered"] else ""
        out += "panic: " + p["value"] + mark + "\n"
    return out


def runtime_panic_text(text: str) -> str:
    """The runtime's printpanics output: its stderr up to the "[signal" line or the blank line
    before the first goroutine, schedtrace lines left out."""
    end = len(text)
    for marker in ("\n[signal ", "\n\ngoroutine "):
        k = text.find(marker)
        if k >= 0:
            end = min(end, k + 1)
    return "".join(l for l in text[:end].splitlines(keepends=True) if not gotrace.RE_SCHEDTRACE.match(l))


def check(doc: dict, text: str, version: str, cell, fx: list, dump: gotrace.Dump, exps: list,
          dump_text: str = "") -> list:
    fails = []
    c = doc["cause"]
    crash = {f[1]: f[2] for f in facts.of_kind(fx, "crash")}
    mode = "panicvals" if cell.fixture == "panicvals" else cell.args[0] if cell.args and cell.fixture in ("states", "cgocrash") else (
        cell.args[1] if cell.fixture == "scale" and len(cell.args) > 1 else "deadlock" if cell.fixture == "deadlock"
        else "sigquit")
    if cell.trigger == "sigquit":
        mode = "sigquit"

    def want(what, expected, actual):
        if expected != actual:
            fails.append(f"{what}: expected {expected!r}, report says {actual!r}")

    first = dump.printing_goroutine()
    if mode == "nil":
        f = crash.get("nil", {})
        want("cause.kind", "runtime error", c["kind"])
        want("last panic value", NIL_DEREF, c["panics"][-1]["value"] if c["panics"] else None)
        sig = c.get("signal") or {}
        want("signal number", 11, sig.get("number"))
        want("signal code (SEGV_MAPERR)", 1, sig.get("code"))
        want("fault address", f.get("addr"), sig.get("fault_addr"))
        want("innermost user frame", f.get("func"), c["frames"][0]["func"] if c["frames"] else None)
        want("faulting goroutine", int(f.get("goroutine", -1)), c["goroutine"])
    elif mode == "panic":
        f = crash.get("panic", {})
        want("cause.kind", "panic", c["kind"])
        exp = [(p[2]["value"], p[2]["recovered"] == "true") for p in facts.of_kind(fx, "panic")]
        got = [(p["value"], p["recovered"]) for p in c["panics"] if not p["goexit"]]
        want("panic chain (value, recovered), oldest first", exp, got)
        want("panicking goroutine", int(f.get("goroutine", -1)), c["goroutine"])
    elif mode == "panicvals":
        want("cause.kind", "panic", c["kind"])
        f = crash.get("panic", {})
        want("panicking goroutine", int(f.get("goroutine", -1)), c["goroutine"])
        want("values in the chain", int(f.get("values", -1)), sum(1 for p in c["panics"] if not p["goexit"]))
    elif mode == "throw":
        f = crash.get("throw", {})
        want("cause.kind", "fatal error", c["kind"])
        want("fatal error message", f.get("message"), c["message"])
        want("throwing goroutine", int(f.get("goroutine", -1)), c["goroutine"])
    elif mode == "overflow":
        f = crash.get("overflow", {})
        want("cause.kind", "stack overflow", c["kind"])
        so = c.get("stack_overflow") or {}
        rec = so.get("recursion") or [{}]
        want("recursing function", f.get("func"), rec[0].get("func"))
        if rec[0].get("count", 0) < 100:
            fails.append(f"recursion count {rec[0].get('count')} is implausibly low for a 1 MiB stack")
        want("stack limit", int(f.get("limit", -1)), so.get("limit"))
        want("overflowing goroutine's stack size (= the limit)", int(f.get("limit", -1)), so.get("stack_size"))
        want("overflowing goroutine", int(f.get("goroutine", -1)), c["goroutine"])
    elif mode == "deadlock":
        f = crash.get("deadlock", {})
        want("cause.kind", "deadlock", c["kind"])
        want("fatal error message", f.get("message"), c["message"])
    elif mode == "sigquit":
        want("cause.kind", "fatal signal", c["kind"])
        sig = c.get("signal") or {}
        want("signal number", 3, sig.get("number"))
        hp = os.environ.get("GOPSY_E2E_HARNESS_PID")
        if hp:
            want("SIGQUIT sender (the harness)", int(hp), sig.get("sender_pid"))
    elif mode == "crash" and cell.fixture == "cgocrash":
        sig = c.get("signal") or {}
        want("signal number", 11, sig.get("number"))
        want("fault address", "0x0", sig.get("fault_addr"))
        want("in a cgo call", True, c["in_cgo"])
        if vkey(version) >= (1, 21):
            want("cause.kind", "fatal signal", c["kind"])
        else:
            want("cause.kind", "fatal error", c["kind"])
            want("fatal error message", "unexpected signal during runtime execution", c["message"])
    if mode in ("nil", "panic", "panicvals"):
        # the chain printpanics would print from the report's values, against the runtime's own
        want("the panic chain as printpanics prints it", runtime_panic_text(dump_text),
             printpanics(c["panics"], vkey(version)))
    if first is not None and mode in ("nil", "panic", "throw", "panicvals"):
        want("goroutine the runtime printed first", first.goid, c["goroutine"])
    # the objects goroutines wait on: every one the fixture names is in the report, of its kind
    kinds = {"chan": "chan", "mutex": "sync.Mutex", "rwmutex": "sync.RWMutex", "waitgroup": "sync.WaitGroup",
             "cond": "sync.Cond"}
    objs = {(o["kind"], int(o["addr"], 16)) for o in doc["waits"]["objects"]}
    for kind, name, kv in fx:
        if kind in kinds and "addr" in kv and (kinds[kind], int(kv["addr"], 16)) not in objs:
            fails.append(f"{kind} {name} at {kv['addr']}: not among the report's wait objects")
    # timers: the context deadlines the fixture started (WithTimeout, never cancelled) and its
    # sleep and AfterFunc, in the report's groups
    tf = {name: kv for kind, name, kv in fx if kind == "timers"} if cell.fixture == "states" else {}
    groups = doc["timers"]["groups"]
    for name, kind in (("context", "context"), ("sleep", "sleep"), ("afterfunc", "afterfunc")):
        if name in tf:
            got = sum(g["count"] for g in groups if g["kind"] == kind)
            want(f"pending {kind} timers", int(tf[name]["n"]), got)
    if "context" in tf and tf["context"].get("deadline_min"):
        dl = [g for g in groups if g["kind"] == "context" and "deadline_min_unix" in g]
        if dl:
            lo, hi = float(tf["context"]["deadline_min"]), float(tf["context"]["deadline_max"])
            if not (int(lo) <= dl[0]["deadline_min_unix"] <= dl[0]["deadline_max_unix"] <= int(hi) + 1):
                fails.append(f"context deadlines {dl[0]['deadline_min_unix']}..{dl[0]['deadline_max_unix']} "
                             f"outside the fixture's {lo}..{hi}")
        else:
            fails.append("the context timers have no decoded deadline")
    # a crash in C: the C frames start in the C function the fixture crashed in
    cf = {name: int(kv["addr"], 16) for kind, name, kv in fx if kind == "cfunc" and "addr" in kv}
    if mode == "crash" and cell.fixture == "cgocrash":
        cg = doc.get("cgo_crash")
        if not cg or not cg["c_frames"]:
            fails.append("a crash in C code, but the report has no C frames")
        elif "gopsy_crash_null" in cf:
            pc = int(cg["c_frames"][0]["pc"], 16)
            nxt = min([a for a in cf.values() if a > cf["gopsy_crash_null"]] or [cf["gopsy_crash_null"] + 64])
            if not cf["gopsy_crash_null"] <= pc < nxt:
                fails.append(f"innermost C frame 0x{pc:x} is not in gopsy_crash_null "
                             f"[0x{cf['gopsy_crash_null']:x}, 0x{nxt:x})")
    # what is stuck: every goroutine is in one bucket, the user ones of the runtime's dump
    ids = [g for b in doc["buckets"] for g in b["goroutines"]]
    if len(ids) != len(set(ids)):
        fails.append("a goroutine is in two buckets")
    want("goroutines in buckets", doc["user_goroutines"], sum(b["count"] for b in doc["buckets"]))
    dump._version = vkey(version)
    users = user_goroutines(dump)
    # After a SIGQUIT the world is not frozen while the other Ms wait for their relay: a goroutine
    # may still be started between the runtime's print and the core (seen: 1.27 pie
    # states-ancestors). A panic or a throw freezes the world first (freezetheworld).
    extra, missing = set(ids) - users, users - set(ids)
    if missing or (extra and (cell.trigger != "sigquit" or len(extra) > 3)):
        fails.append(f"bucketed goroutines differ from the user goroutines of the runtime's dump: "
                     f"only in the report {sorted(extra)[:10]}, only in the dump {sorted(missing)[:10]}")
    # the fixture's annotations: the function is a frame of some bucket in one of the states
    for e in exps:
        if e.kind != "expect" or any(fn.startswith("runtime.") for fn in e.funcs):
            continue
        ok = any(any(fr["func"] in e.funcs for fr in b["frames"]) and ("*" in e.statuses or b["state"] in e.statuses)
                 for b in doc["buckets"])
        if not ok:
            fails.append(f"{e.where}: no bucket has a frame {'|'.join(e.funcs)} in state {'|'.join(e.statuses)}")
    # stacks: powers of two, at least 2 KiB
    for g in doc["stacks"]["largest"]:
        if g["size"] < 2048 or g["size"] & (g["size"] - 1):
            fails.append(f"goroutine {g['goroutine']}: stack size {g['size']} is not a power of two >= 2 KiB")
    # the text: the cause first, 80 columns
    lines = text.split("\n")
    if len(lines) < 4 or not lines[3].startswith("CAUSE OF DEATH"):
        fails.append("the text report does not start with the cause of death")
    for n, l in enumerate(lines[2:], 3):
        if len(l) > 80 and not l.startswith("    ") and not l.startswith("  | "):
            fails.append(f"text line {n} is {len(l)} columns wide: {l[:60]!r}...")
            break
    return fails


def main(argv: list) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    gopsy, core, scratch = argv[1], argv[2], Path(argv[3])
    version, _, cell = cell_of(scratch)
    js = subprocess.run([gopsy, "report", "--json", core], capture_output=True)
    tx = subprocess.run([gopsy, "report", "--color=never", core], capture_output=True)
    for name, r in (("--json", js), ("text", tx)):
        if r.returncode != 0:
            sys.stderr.buffer.write(r.stderr)
            print(f"reportcheck: gopsy report {name} exited {r.returncode}", file=sys.stderr)
            return 1
    doc = json.loads(js.stdout)
    fx = facts.load(scratch / "stdout")
    dump_text = (scratch / "stderr").read_text(errors="replace")
    dump = gotrace.parse(dump_text)
    exps = run.load_expectations(run.REPO / "tests" / "fixtures" / cell.fixture) if cell.expect_goroutines else []
    fails = check(doc, tx.stdout.decode(errors="replace"), version, cell, fx, dump, exps, dump_text)
    for f in fails:
        print(f"reportcheck: {f}", file=sys.stderr)
    if fails:
        print(f"reportcheck: {len(fails)} check(s) failed, first: {fails[0]}", file=sys.stderr)
        return 1
    print(f"reportcheck: ok: {doc['cause']['kind']}, {len(doc['buckets'])} buckets, "
          f"{doc['user_goroutines']} user goroutines", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
