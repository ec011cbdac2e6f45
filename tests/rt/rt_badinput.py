#!/usr/bin/env python3
"""rt_badinput.py RTDUMP — the timers and defers readers on corrupted cores: a real core of the states
fixture (one e2e cell, Go 1.26, kept), patched where the readers look — a _defer chain that loops or
leaves the core, a timer whose callback is unreadable, a P heap that claims 2^31 entries or lies
outside the core — and with random bytes changed. Each run must exit 0 within a time limit, with no
sanitizer report, and the patched structure must come out as a reason string (the problem fields),
not as a crash, a hang or silence. Run from the ASan+UBSan build too (label "unit", like
tests/cli/badinput.sh).
"""
import json
import random
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
TIME_LIMIT_S = 120


class Core:
    """Patch 8-byte words of an ELF core at run-time addresses (PT_LOAD segments in the file)."""

    def __init__(self, path: Path):
        self.f = open(path, "r+b")
        hdr = self.f.read(64)
        phoff, = struct.unpack_from("<Q", hdr, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", hdr, 0x36)
        self.f.seek(phoff)
        phs = self.f.read(phentsize * phnum)
        self.loads = [struct.unpack_from("<IIQQQQ", phs, i * phentsize) for i in range(phnum)]

    def off(self, va: int) -> int:
        for t, _, o, v, _, fsz in self.loads:
            if t == 1 and v <= va < v + fsz:
                return o + va - v
        raise KeyError(f"0x{va:x} not in the core")

    def rd(self, va: int) -> int:
        self.f.seek(self.off(va))
        return struct.unpack("<Q", self.f.read(8))[0]

    def wr(self, va: int, x: int):
        self.f.seek(self.off(va))
        self.f.write(struct.pack("<Q", x))

    def close(self):
        self.f.close()


def rtdump(tool: str, core: Path, exe: str):
    """(exit status, JSON or None, stderr); a timeout or a crash is a status that is not 0."""
    try:
        r = subprocess.run([tool, "--exe", exe, str(core)], capture_output=True, timeout=TIME_LIMIT_S)
    except subprocess.TimeoutExpired:
        return -999, None, f"no answer in {TIME_LIMIT_S} s"
    err = r.stderr.decode(errors="replace")
    if "ERROR: AddressSanitizer" in err or "runtime error:" in err:
        return -998, None, err
    try:
        doc = json.loads(r.stdout) if r.returncode == 0 else None
    except ValueError:
        return -997, None, "not JSON"
    return r.returncode, doc, err


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tool = str(Path(sys.argv[1]).resolve())
    out = subprocess.run([sys.executable, str(REPO / "tests/e2e/run.py"), "--versions", "1.26", "--modes", "default",
                          "--cells", "states-sigquit", "--keep"], capture_output=True, text=True).stdout
    core = exe = None
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("core:") and line.endswith("/core"):
            core = Path(line.split(None, 1)[1])
        if line.startswith("binary:"):
            exe = line.split(None, 1)[1]
    if not core or not core.exists() or not exe:
        print(out)
        print("FAIL: could not get a core from the e2e harness\n0 passed, 1 failed")
        return 1
    npass = nfail = 0

    def ok(msg):
        nonlocal npass
        print(f"ok: {msg}")
        npass += 1

    def bad(msg):
        nonlocal nfail
        print(f"FAIL: {msg}")
        nfail += 1

    tmp = Path(tempfile.mkdtemp())
    try:
        rc, base, err = rtdump(tool, core, exe)
        if rc != 0 or base is None:
            bad(f"intact core: exit {rc}: {err[-300:]}")
            return 1
        ok(f"intact core ({base['timers']['n']} timers, {len(base['goroutines'])} goroutines)")
        heap_def = next(d for g in base["goroutines"] for d in g["defers"]
                        if d["kind"] == "heap" and d["frame_func"] == "main.blockWithDefers")
        goid = next(g["goid"] for g in base["goroutines"] if heap_def in g["defers"])
        timer = next(t for t in base["timers"]["list"] if t["kind"] == "afterfunc")
        heap_p = next(p for p in base["ps"] if any(t["p"] == p["id"] for t in base["timers"]["list"]))
        slice_at = int(heap_p["addr"], 16) + base["p_timers_heap_off"]
        rec = int(heap_def["record"], 16)
        link_off = 0x20  # _defer.link in Go 1.22+ (runtime2.go; tables_gen.c DEFER_LINK)

        def patched(name, patch, check):
            c = tmp / "core"
            shutil.copyfile(core, c)
            cc = Core(c)
            patch(cc)
            cc.close()
            rc, doc, err = rtdump(tool, c, exe)
            if rc != 0 or doc is None:
                bad(f"{name}: exit {rc}: {err[-300:]}")
                return
            why = check(doc)
            if why:
                ok(f"{name}: {why}")
            else:
                bad(f"{name}: no reason given")

        def g_problem(doc):
            g = next((g for g in doc["goroutines"] if g["goid"] == goid), None)
            return g and g["problem"]

        patched("a _defer chain that loops", lambda c: c.wr(rec + link_off, rec), g_problem)
        patched("a _defer chain leaving the core", lambda c: c.wr(rec + link_off, 0xdead0000), g_problem)
        patched("an unreadable timer callback",
                lambda c: c.wr(int(timer["addr"], 16) + 0x28, 0xdead0000),  # timer.f, Go 1.25+
                lambda d: next((t["problem"] for t in d["timers"]["list"] if t["addr"] == timer["addr"]), None))
        patched("a P heap of 2^31 entries", lambda c: (c.wr(slice_at + 8, 1 << 31), c.wr(slice_at + 16, 1 << 31)),
                lambda d: d["timers"]["problem"])
        patched("a P heap outside the core", lambda c: c.wr(slice_at, 0xdead0000), lambda d: d["timers"]["problem"])
        patched("a P heap of itself",  # the slice's array is the P: every entry a pointer into the P
                lambda c: c.wr(slice_at, int(heap_p["addr"], 16)), lambda d: f"{d['timers']['n']} entries read, "
                f"{d['timers']['npending']} pending, problem: {d['timers']['problem']}")
        size = core.stat().st_size
        for seed in range(4):
            c = tmp / "core"
            shutil.copyfile(core, c)
            rnd = random.Random(seed)
            with open(c, "r+b") as f:
                for _ in range(3000):
                    f.seek(rnd.randrange(4096, size))
                    f.write(bytes([rnd.randrange(256)]))
            rc, doc, err = rtdump(tool, c, exe)
            if rc in (0, 1) and (rc == 1 or doc is not None):
                ok(f"3000 random bytes changed (seed {seed}): exit {rc}")
            else:
                bad(f"3000 random bytes changed (seed {seed}): exit {rc}: {err[-300:]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(core.parent, ignore_errors=True)
    print(f"{npass} passed, {nfail} failed")
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
