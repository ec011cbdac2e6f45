#!/usr/bin/env python3
"""timers_defers_oracle.py — checks gopsy's timers and defers readers (src/rt/timers.h,
src/rt/defers.h) against what the `states` fixture says about itself (its fact lines,
tests/fixtures/internal/fx/facts.go) and against the runtime's own dump of the same process.
See tests/rt/README.md.

    timers_defers_oracle.py --rtdump RTDUMP --gopsy GOPSY [--versions 1.19,...] [--modes ...]
                            [--cells states-nil,...] [--keep]
        runs the states cells of every version and mode through tests/e2e/run.py, with --against
        this script in --check mode (run.py's output, tallies and exit status);

    timers_defers_oracle.py --check RTDUMP GOPSY CORE EXE DIR
        one cell: prints `gopsy goroutines --traceback=crash CORE` on stdout for the harness's usual
        comparison, runs RTDUMP on the core and checks its JSON against DIR/stdout (the facts) and
        DIR/stderr (the runtime's dump); exits 1 with the reasons on stderr (the last line a summary).
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

sys.dont_write_bytecode = True
HERE = Path(__file__).resolve().parent
E2E = HERE.parent / "e2e"
sys.path.insert(0, str(E2E))
import facts as factlib  # noqa: E402
import gotrace  # noqa: E402

STATES_CELLS = ["states-nil", "states-panic", "states-throw", "states-overflow", "states-sigquit",
                "states-ancestors", "states-labels", "states-sched", "states-sched-nil"]
# synctest (Go 1.25+, a test binary): timers in a bubble's own heap, on its fake clock.
CELLS = STATES_CELLS + ["synctest"]
HOUR_NS = 3600 * 10**9
# A timer due in an hour was started at most this long before (or after) the moment gopsy's clock
# estimate stands for: the fixture's whole life (cells time out after 30 s), with margin.
WHEN_SLACK_NS = 60 * 10**9
CONTEXT_FUNC = re.compile(r"^context\.WithDeadline(Cause)?\.func\d+$")


def unix_ns(text: str) -> int:
    """'SEC.NNNNNNNNN' (facts and rtdump) -> integer nanoseconds."""
    sec, _, frac = text.partition(".")
    return int(sec) * 10**9 + (int(frac.ljust(9, "0")[:9]) if frac else 0)


def lazy_chan_expected(version: str, exe: str) -> bool:
    """Whether idle channel timers are in no heap: Go 1.27 always; 1.23–1.26 unless the binary's
    DefaultGODEBUG (its go.mod's go line) sets asynctimerchan=1; never before 1.23. The build
    setting is read with the toolchain's own `go version -m`."""
    minor = int(version.split(".")[1])
    if minor < 23:
        return False
    if minor >= 27:
        return True
    sys.path.insert(0, str(E2E))
    import run  # noqa: E402
    goroot = run.list_toolchains().get(version)
    if not goroot:
        raise RuntimeError(f"no Go {version} toolchain for `go version -m`")
    r = subprocess.run([str(Path(goroot) / "bin" / "go"), "version", "-m", exe], capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin", "GOTOOLCHAIN": "local", "HOME": "/tmp"})
    if r.returncode != 0:
        raise RuntimeError(f"go version -m {exe}: {r.stderr.strip()}")
    m = re.search(r"DefaultGODEBUG=(\S+)", r.stdout)
    settings = dict(kv.partition("=")[::2] for kv in (m.group(1).split(",") if m else []))
    return settings.get("asynctimerchan") != "1"


def wrapper_re(frame_func: str) -> re.Pattern:
    """The closure the compiler wraps `defer f(args)` in: FRAME.funcN (< 1.22), FRAME.deferwrapN."""
    return re.compile("^" + re.escape(frame_func) + r"\.(func|deferwrap)\d+$")


class Checker:
    def __init__(self, doc: dict, facts: list, dump: gotrace.Dump, version: str, mode: str, cell: str, exe: str):
        self.doc, self.facts, self.dump = doc, facts, dump
        self.version, self.mode, self.cell, self.exe = version, mode, cell, exe
        self.fails: list = []
        self.checked = {"timers": 0, "defers": 0}
        self.stopped_seen = 0
        self.stopped_fact = False

    def fail(self, msg: str):
        self.fails.append(msg)

    # --- the runtime's dump: which goroutine has which frames -------------------------------------
    def goids_with(self, func: str) -> set:
        return {b.goid for b in self.dump.goroutine_blocks() if any(f.func == func for f in b.frames)}

    def status_of(self, goid: int) -> set:
        return {b.status for b in self.dump.by_goid().get(goid, [])}

    # --- timers ------------------------------------------------------------------------------------
    def timers(self):
        ts = self.doc["timers"]
        minor = self.doc["go"]
        pending = [t for t in ts["list"] if t["pending"]]
        now = self.doc["now"]
        want_impl = 1 if minor < 23 else 2
        if ts["impl"] != want_impl:
            self.fail(f"timers: impl {ts['impl']}, want {want_impl} for Go 1.{minor}")
        if ts["problem"]:
            self.fail(f"timers: problem: {ts['problem']}")
        if not now and self.cell in STATES_CELLS:  # spinners keep sysmon polling: sched.lastpoll is fresh
            self.fail("timers: no clock estimate (now) to check when against")
        lazy = lazy_chan_expected(self.version, self.exe)
        if bool(ts["lazy_chan"]) != lazy:
            self.fail(f"timers: lazy_chan {ts['lazy_chan']}, want {lazy} (go version -m's DefaultGODEBUG)")
        for t in pending:
            if t["kind"] != "other" and t.get("problem"):
                self.fail(f"timers: {t['kind']} timer {t['addr']}: {t['problem']}")
        by_kind: dict = {}
        for t in pending:
            by_kind.setdefault(t["kind"], []).append(t)

        for kind, name, kv in factlib.of_kind(self.facts, "timers"):
            n = int(kv["n"])
            self.checked["timers"] += 1
            if name == "context":
                got = by_kind.get("context", [])
                if len(got) != n:
                    self.fail(f"timers: {len(got)} pending context timers, the fixture started {n}")
                lo, hi = unix_ns(kv["deadline_min"]), unix_ns(kv["deadline_max"])
                bad = [t for t in got if "deadline" not in t or not lo <= unix_ns(t["deadline"]) <= hi]
                if bad:
                    t = bad[0]
                    self.fail(f"timers: {len(bad)} context deadlines outside the fact range "
                              f"[{kv['deadline_min']}, {kv['deadline_max']}], e.g. {t.get('deadline')} at {t['addr']}")
                s = sum(int(t.get("ctx", "0x0"), 16) for t in got) & (2**64 - 1)
                if s != int(kv["ctx_sum"], 16):
                    self.fail(f"timers: the timerCtx addresses sum to {s:#x}, the fixture's to {kv['ctx_sum']}")
                names = {t.get("user_func") for t in got}
                if any(not CONTEXT_FUNC.match(x or "") for x in names):
                    self.fail(f"timers: context timers' functions {sorted(map(str, names))}")
                groups = [g for g in ts["groups"] if g["kind"] == "context"]
                if len(groups) != 1 or groups[0]["count"] != n or groups[0]["ndeadlines"] != n or \
                        not lo <= unix_ns(groups[0]["deadline_min"]) <= unix_ns(groups[0]["deadline_max"]) <= hi:
                    self.fail(f"timers: the context group {groups} does not match n={n} [{kv['deadline_min']}, "
                              f"{kv['deadline_max']}]")
                self.when_near(got, n, "context")
            elif name == "bubble-sleep":
                # In its bubble's heap, a fake timer due exactly an hour after the bubble's unmoved clock.
                want = self.goids_with(kv["goroutine"])
                got = [t for t in by_kind.get("sleep", []) if t.get("goid") in want]
                fake_now = int(kv["fake_now_ns"])
                bubbles = ts.get("bubbles", [])
                if len(want) != 1 or len(got) != n:
                    self.fail(f"timers: {len(got)} sleep timers of {kv['goroutine']} (goroutines {sorted(want)}), "
                              f"want {n}")
                for t in got:
                    b = bubbles[t["bubble"]] if 0 <= t["bubble"] < len(bubbles) else None
                    if b is None or not t["is_fake"] or t["p"] != -1:
                        self.fail(f"timers: the bubble's sleep timer is not a fake timer of a bubble's heap: {t}")
                    elif b["now"] != fake_now or t["when"] != fake_now + int(kv["duration_ns"]):
                        self.fail(f"timers: bubble now {b['now']}, sleep when {t['when']}; the fixture's fake "
                                  f"now {fake_now} + {kv['duration_ns']}")
            elif name == "sleep":
                want = self.goids_with(kv["goroutine"])
                got = [t for t in by_kind.get("sleep", []) if t.get("goid") in want]
                if any(t.get("bubble", -1) >= 0 for t in got):
                    self.fail(f"timers: the sleep timer of {kv['goroutine']} is in a bubble's heap")
                if len(want) != 1 or len(got) != n:
                    self.fail(f"timers: {len(got)} sleep timers of {kv['goroutine']} (goroutines {sorted(want)} "
                              f"in the runtime's dump), want {n}")
                for t in by_kind.get("sleep", []):   # any other: a goroutine the runtime shows sleeping
                    if t.get("goid") not in want and t.get("bubble", -1) < 0 and \
                            "sleep" not in self.status_of(t.get("goid")):
                        self.fail(f"timers: a sleep timer of goroutine {t.get('goid')}, which the runtime "
                                  f"shows as {sorted(map(str, self.status_of(t.get('goid'))))}")
                self.when_near(got, n, "sleep")
            elif name == "afterfunc":
                got = by_kind.get("afterfunc", [])
                if len(got) != n or any(t.get("user_func") != kv["func"] for t in got):
                    self.fail(f"timers: afterfunc timers {[t.get('user_func') for t in got]}, the fixture "
                              f"started {n} of {kv['func']}")
                self.when_near(got, n, "afterfunc")
            elif name in ("chan", "chan-idle", "ticker"):
                kind = "ticker" if name == "ticker" else "chan"
                chan = int(kv["chan"], 16)
                got = [t for t in by_kind.get(kind, []) if int(t.get("chan", "0"), 16) == chan]
                want = 0 if name == "chan-idle" and lazy else n
                if len(got) != want:
                    self.fail(f"timers: {len(got)} {kind} timers on channel {kv['chan']} ({name}), want {want}"
                              f"{' (idle: in no heap)' if want == 0 else ''}")
                if name == "ticker" and any(t["period"] != int(kv["period_ns"]) for t in got):
                    self.fail(f"timers: ticker periods {[t['period'] for t in got]}, want {kv['period_ns']}")
                if name == "chan" and minor >= 23 and lazy and any(not t["is_chan"] or t["blocked"] < 1 for t in got):
                    self.fail(f"timers: the blocked-on channel timer is not isChan with blocked > 0: {got}")
                self.when_near(got, want, kind)
            elif name == "stopped":
                # Stopped: not pending, but still in its heap (deleted / a zombie; see facts_timers.go):
                # before Go 1.23 certainly; from 1.23 cleanHead may have dropped it.
                mine = [t for t in ts["list"] if t.get("user_func") == kv["func"]]
                self.stopped_seen, self.stopped_fact = len(mine), True
                if any(t["pending"] for t in mine) or len(mine) > n or (minor < 23 and len(mine) != n):
                    self.fail(f"timers: the stopped AfterFunc of {kv['func']}: {len(mine)} heap entries "
                              f"(pending: {[t['pending'] for t in mine]}), want {n} not pending")
            elif name == "chan-unblocked":
                # A zombie once nobody blocks on it (asynctimerchan=0); else an ordinary pending timer.
                chan = int(kv["chan"], 16)
                got = [t for t in by_kind.get("chan", []) if int(t.get("chan", "0"), 16) == chan]
                want = 0 if lazy else n
                if len(got) != want:
                    self.fail(f"timers: {len(got)} pending chan timers on the unblocked channel {kv['chan']}, "
                              f"want {want}")
                self.when_near(got, want, "chan")
            elif name == "netpoll":
                got = by_kind.get("netpoll", [])
                if len(got) != n:
                    self.fail(f"timers: {len(got)} netpoll deadline timers, the fixture set {n}")
                self.when_near(got, n, "netpoll")
            else:
                self.fail(f"timers: unknown fact {name}")
        for k in ("chan", "ticker"):  # every chan/ticker timer must be one the fixture made
            chans = {int(kv["chan"], 16) for _, nm, kv in factlib.of_kind(self.facts, "timers") if "chan" in kv}
            for t in by_kind.get(k, []):
                if int(t.get("chan", "0"), 16) not in chans:
                    self.fail(f"timers: a {k} timer on channel {t.get('chan')} the fixture did not make")

    def when_near(self, got: list, n: int, what: str):
        """Each timer due in an hour: when - now within an hour +- the fixture's life."""
        now = self.doc["now"]
        if not now:
            return
        for t in got[:n]:
            d = t["when"] - now
            if abs(d - HOUR_NS) > WHEN_SLACK_NS:
                self.fail(f"timers: a {what} timer due {d / 1e9:.1f} s after gopsy's now, want ~3600 s")
                return

    # --- defers ------------------------------------------------------------------------------------
    def defers(self):
        gs = self.doc["goroutines"]
        by_goid = {g["goid"]: g for g in gs}
        noopt = self.mode == "noopt"
        for g in gs:
            if g["problem"] and g["frames"]:
                self.fail(f"defers: goroutine {g['goid']}: {g['problem']}")
            for d in g["defers"]:
                if not d["func"]:
                    self.fail(f"defers: goroutine {g['goid']}: a {d['kind']} defer of {d['frame_func']} with no "
                              f"function name")
                if g["frames"] and d["frame"] < 0:
                    self.fail(f"defers: goroutine {g['goid']}: a {d['kind']} defer ({d['func']}) matches no frame")
        for _, func, kv in factlib.of_kind(self.facts, "defers"):
            self.checked["defers"] += 1
            n = int(kv["n"])
            in_dump = self.goids_with(func)
            if kv.get("when") == "panic":
                # All of the panicking goroutine's defers ran before fatalpanic.
                for goid in in_dump:
                    g = by_goid.get(goid)
                    if g is None:
                        self.fail(f"defers: goroutine {goid} ({func}) is not in gopsy's list")
                        continue
                    if func not in g["frames"]:
                        self.fail(f"defers: goroutine {goid}: gopsy's frames {g['frames']} lack {func} "
                                  f"({g['frames_from']}; {g['frames_problem']})")
                    if len(g["defers"]) != n or g["nrecords"]:
                        self.fail(f"defers: goroutine {goid} ({func}, panicking) has {len(g['defers'])} defers "
                                  f"and {g['nrecords']} records, want {n}")
                continue
            holders = [g for g in gs if any(d["frame_func"] == func for d in g["defers"])]
            if len(holders) != 1:
                self.fail(f"defers: {len(holders)} goroutines hold defers of {func}, want 1")
                continue
            g = holders[0]
            if in_dump and g["goid"] not in in_dump:
                self.fail(f"defers: {func}'s defers are on goroutine {g['goid']}, the runtime shows {func} on "
                          f"{sorted(in_dump)}")
            got = [d for d in g["defers"] if d["frame_func"] == func]
            funcs, direct, kinds = kv["funcs"].split(","), kv["direct"].split(","), kv["kinds"].split(",")
            want_kinds = ["stack" if noopt and k == "open" else k for k in kinds]
            desc = ", ".join(f"{d['kind']} {d['func']}" for d in got)
            if len(got) != n:
                self.fail(f"defers: {func} (goroutine {g['goid']}): {len(got)} defers [{desc}], want {n}")
                continue
            for i, d in enumerate(got):
                okf = d["func"] == funcs[i] if direct[i] == "1" else bool(wrapper_re(func).match(d["func"]))
                if not okf or d["kind"] != want_kinds[i]:
                    self.fail(f"defers: {func} (goroutine {g['goid']}) defer #{i}: {d['kind']} {d['func']}, want "
                              f"{want_kinds[i]} "
                              f"{funcs[i] if direct[i] == '1' else func + '.{func,deferwrap}N calling ' + funcs[i]}")


def check_main(argv: list) -> int:
    rtdump, gopsy, core, exe, cell_dir = argv
    text = subprocess.run([gopsy, "goroutines", "--traceback=crash", core], capture_output=True)
    sys.stdout.buffer.write(text.stdout)
    sys.stdout.flush()
    sys.stderr.buffer.write(text.stderr)
    if text.returncode != 0:
        return text.returncode
    r = subprocess.run([rtdump, core], capture_output=True)
    if r.returncode != 0:
        sys.stderr.buffer.write(r.stderr)
        print(f"timers_defers: rtdump exited {r.returncode}", file=sys.stderr)
        return 1
    doc = json.loads(r.stdout)
    d = Path(cell_dir)
    version, mode, cell = d.name.split("-", 2)
    facts = factlib.load(d / "stdout")
    if not facts:
        print("timers_defers: the fixture printed no fact lines", file=sys.stderr)
        return 1
    dump = gotrace.parse((d / "stderr").read_text(errors="replace"))
    c = Checker(doc, facts, dump, version, mode, cell, exe)
    try:
        c.timers()
    except RuntimeError as e:
        c.fail(f"timers: {e}")
    c.defers()
    (d / "rtdump.json").write_bytes(r.stdout)
    for f in c.fails:
        print(f"timers_defers: {f}", file=sys.stderr)
    if c.fails:
        print(f"timers_defers: {len(c.fails)} check(s) failed, first: {c.fails[0]}", file=sys.stderr)
        return 1
    ts = doc["timers"]
    print(f"timers_defers: ok: {ts['npending']} pending timers of {ts['n']} in {ts['nheaps']} heaps "
          f"and {len(ts.get('bubbles', []))} bubbles"
          f"{(' (the stopped one ' + ('in its heap)' if c.stopped_seen else 'gone)')) if c.stopped_fact else ''}, "
          f"{c.checked['timers']} timer facts, {c.checked['defers']} defer facts"
          f"{'' if doc['now'] else '; no clock estimate: when not checked'}", file=sys.stderr)
    return 0


def main(argv: list) -> int:
    if argv[1:2] == ["--check"]:
        if len(argv) != 7:
            print(__doc__, file=sys.stderr)
            return 2
        return check_main(argv[2:])
    ap = argparse.ArgumentParser(prog="timers_defers_oracle.py")
    ap.add_argument("--rtdump", required=True)
    ap.add_argument("--gopsy", required=True)
    ap.add_argument("--versions")
    ap.add_argument("--modes")
    ap.add_argument("--cells", default=",".join(CELLS))
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args(argv[1:])
    import run  # noqa: E402  (tests/e2e/run.py)
    against = (f"{sys.executable} {Path(__file__).resolve()} --check {Path(a.rtdump).resolve()} "
               f"{Path(a.gopsy).resolve()} {{core}} {{exe}} {{dir}}")
    args = ["--cells", a.cells, "--against", against]
    if a.versions:
        args += ["--versions", a.versions]
    if a.modes:
        args += ["--modes", a.modes]
    if a.keep:
        args.append("--keep")
    return run.main(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
