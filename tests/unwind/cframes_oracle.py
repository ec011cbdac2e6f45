#!/usr/bin/env python3
"""cframes_oracle.py — check the C frames of a cgo crash (src/session/cgocrash.h, unwind/cframes.h)
against facts the cgocrash fixture establishes itself, for every Go version x build mode.

For each (version, mode) the e2e harness (tests/e2e/run.py --cells cgocrash --keep) builds and runs
the fixture; it dies of a SIGSEGV in gopsy_crash_null, called by gopsy_crash_mid, called by
gopsy_crash_outer, called from Go. The harness's own checks must pass (the runtime's dump, the
core). Then tests/unwind/cframes_dump (the test-only driver) is run on the core and its answer is
compared with:

  - the fixture's stdout: `gopsy-fixture: fact cfunc NAME addr=0xADDR`, each C function's run-time
    address as C took it; a function ends at the next higher fact address (or after 4 KiB when it
    is the last; nm's size when the binary has one, whichever is smaller);
  - the fixture's source: the lines of `*p = 42;` and of the two calls;
  - the runtime's dump on stderr (tests/e2e/gotrace.py): which crash path it took (Go 1.21+:
    "signal arrived during cgo execution", the signal context; Go 1.19: "unexpected signal during
    runtime execution", runtime.sigpanic's frame), the faulting pc it printed (PC= / pc=), and the
    goroutine that called C: its id and every physical frame's function, pc and sp;
  - binutils (nm, nm -D, readelf): which symbol, if any, names each C function (.symtab, else
    .dynsym: Go 1.19's external linking exports every C function), and whether there is DWARF;
  - go tool addr2line of the binary's toolchain: the function of the first Go pc (the stop), which
    must be runtime.asmcgocall (for a binary without a symbol table the tool is asked at pc minus
    runtime.text - .text, as tests/gobin/addr2line_oracle.py does; Go 1.19's tool cannot read a
    Go 1.19 PIE: the newest toolchain's is used);
  - gdb, an unwinder that shares nothing with libdwfl, where it can reach the C frames: with
    -batch on the core it unwinds the crashing thread from its own registers, through the Go
    runtime's frames (Go's .debug_frame) and both signal frames, into the C code. The pcs of its
    frames must contain ours and the stop pc, consecutively. Go code without CFI (the stripped and
    cgo modes: no .debug_frame) stops gdb at the first frame: there the check is not applicable
    (said on the line).

Checks per cell: the innermost frame's pc is exact and inside gopsy_crash_null; the next two are
return addresses into gopsy_crash_mid and gopsy_crash_outer (pc-1 inside them); then either the
walk stops at Go code or one frame in the cgo wrapper _cgo_<hash>_Cfunc_gopsy_crash_outer comes
first (gcc compiles the wrapper to a tail call, so usually it has no frame); the stop is in
runtime.asmcgocall; module, module offset, symbol, symbol offset, file and line of each frame; no
module problems (every file is on this machine); the Go frames equal the runtime's. A version
whose toolchain is missing fails (the harness fails its cells), never skips.

    tests/unwind/cframes_oracle.py --dump build/tests/cframes_dump [--versions 1.19,1.22]
        [--modes default,stripped,pie,cgo,noopt] [--repeat 5] [--keep-cores]

Output: one line per (version, mode), PASS or FAIL with what was found and the unwinding time
(best of --repeat runs of the whole C unwinding: libdwfl session, module reporting, walk,
symbolization), then `N passed, N failed`; exit 1 if anything failed. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ALL_VERSIONS = ["1.19", "1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27"]
ALL_MODES = ["default", "stripped", "pie", "cgo", "noopt"]
NEWEST = "1.27"
CHAIN = ["gopsy_crash_null", "gopsy_crash_mid", "gopsy_crash_outer"]
LAST_FUNC_BOUND = 4096
WRAPPER_RE = re.compile(r"^_cgo_[0-9a-f]+_Cfunc_gopsy_crash_outer$")
FIXTURE_SRC = REPO / "tests" / "fixtures" / "cgocrash" / "main.go"

sys.dont_write_bytecode = True   # leave no __pycache__ in tests/
sys.path.insert(0, str(REPO / "tests" / "e2e"))
import facts as e2e_facts  # noqa: E402
import gotrace  # noqa: E402
import run as e2e_run  # noqa: E402
sys.path.pop(0)
sys.path.insert(0, str(REPO / "tests" / "gobin"))
import addr2line_oracle as a2l  # noqa: E402
sys.path.pop(0)


def log(msg: str = ""):
    print(msg, flush=True)


def source_lines() -> dict:
    """{function: the line its frame must be at}: the store in gopsy_crash_null, the call in each
    caller (a return address's line is the call's)."""
    want = {"gopsy_crash_null": "*p = 42;", "gopsy_crash_mid": "gopsy_crash_null();",
            "gopsy_crash_outer": "gopsy_crash_mid();"}
    out = {}
    for i, line in enumerate(FIXTURE_SRC.read_text().splitlines(), 1):
        for fn, text in want.items():
            if fn not in out and line.strip() == text:
                out[fn] = i
    if len(out) != len(want):
        raise RuntimeError(f"{FIXTURE_SRC}: cannot find the lines of {sorted(set(want) - set(out))}")
    return out


def nm_syms(binary: Path, dynamic: bool) -> dict:
    """{name: (link-time address, size)} of the defined function symbols (binutils nm)."""
    r = subprocess.run(["nm", "--defined-only", "-S", *(["-D"] if dynamic else []), str(binary)],
                       capture_output=True, text=True)
    out = {}
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "TtWw":
            out.setdefault(parts[3], (int(parts[0], 16), int(parts[1], 16)))
    return out


def sections(binary: Path) -> set:
    r = subprocess.run(["readelf", "-SW", str(binary)], capture_output=True, text=True)
    return set(re.findall(r"\]\s+(\.\S+)", r.stdout))


def run_harness(version: str, modes: list) -> dict:
    """{mode: (ok, reason, {binary, stderr, core})} from one harness run over the modes."""
    cmd = [sys.executable, str(REPO / "tests" / "e2e" / "run.py"), "--versions", version, "--modes",
           ",".join(modes), "--cells", "cgocrash", "--keep"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    out = {}
    cur = None
    for line in r.stdout.splitlines():
        m = re.match(r"^(PASS|FAIL) (\S+) (\S+) cgocrash \([0-9.]+s\)(.*)$", line)
        if m:
            cur = m.group(3)
            out[cur] = [m.group(1) == "PASS", m.group(4).strip(), {}]
            continue
        m = re.match(r"^\s+(binary|stderr|core):\s+(.*)$", line)
        if m and cur in out:
            out[cur][2][m.group(1)] = m.group(2).strip()
    for mode in modes:
        if mode not in out:
            tail = (r.stdout + r.stderr).strip().splitlines()[-3:]
            out[mode] = [False, f"the harness printed no line for it (exit {r.returncode}): "
                                f"{' / '.join(tail)}", {}]
    return out


def go_tool_func(version: str, roots: dict, binary: Path, pc: int, pie: bool) -> str:
    """go tool addr2line's function for link-time pc."""
    shift = 0
    elf = a2l.read_elf(binary)
    if ".symtab" not in elf.sections and not pie:
        ts = a2l.moduledata_text(elf)
        text = elf.sections.get(".text")
        if ts is not None and text is not None:
            shift = ts - text.addr
    res = a2l.go_addr2line(roots[version], binary, [pc], shift)
    fn = res[pc][0]
    if fn == "?" and version == "1.19" and NEWEST in roots:
        fn = a2l.go_addr2line(roots[NEWEST], binary, [pc], shift)[pc][0]
    return fn


GDB_SCRIPT = r"""
import gdb
for t in gdb.selected_inferior().threads():
    if t.ptid[1] == TID:
        t.switch()
f = gdb.newest_frame()
n = 0
while f is not None and n < 96:
    try:
        print("GDBFRAME %#x %d %s" % (f.pc(), f.type(), f.name()))
        f = f.older()
    except gdb.error as e:
        print("GDBERR %s" % e)
        break
    n += 1
"""


def gdb_pcs(binary: Path, core: Path, scratch: Path, tid: int) -> tuple:
    """(pcs of gdb's backtrace of thread tid, error or None)."""
    if not shutil.which("gdb"):
        return [], "gdb is not installed (scripts/install-deps test installs it)"
    script = scratch / "gdbframes.py"
    script.write_text(GDB_SCRIPT)
    try:
        r = subprocess.run(["gdb", "-nx", "-batch", "-ex", "set pagination off", "-ex",
                            "set auto-load no", "-ex", f"python TID = {tid}", "-x", str(script),
                            str(binary), str(core)],
                           capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return [], "gdb timed out"
    pcs = [int(m.group(1), 16) for m in re.finditer(r"^GDBFRAME (0x[0-9a-f]+)", r.stdout, re.M)]
    return pcs, None if pcs else f"gdb printed no frame (exit {r.returncode})"



def core_layout(core: Path) -> tuple:
    """([(offset, filesz)] of PT_NOTE, [(vaddr, offset, filesz)] of PT_LOAD) of an ELF64 core."""
    with open(core, "rb") as f:
        h = f.read(64)
        phoff, = struct.unpack_from("<Q", h, 32)
        phentsize, phnum = struct.unpack_from("<HH", h, 54)
        f.seek(phoff)
        raw = f.read(phentsize * phnum)
    notes, loads = [], []
    for i in range(phnum):
        typ, _flags, off, vaddr, _paddr, filesz = struct.unpack_from("<IIQQQQ", raw, i * phentsize)
        if typ == 4:
            notes.append((off, filesz))
        elif typ == 1:
            loads.append((vaddr, off, filesz))
    return notes, loads


def run_dump(dump_tool: Path, core: Path, exe: Path) -> tuple:
    """(exit status, JSON or None, stderr) of the driver on core; a signal is a negative status."""
    try:
        r = subprocess.run([str(dump_tool), "--exe", str(exe), str(core)], capture_output=True,
                           timeout=60)
    except subprocess.TimeoutExpired:
        return None, None, "timed out after 60 s"
    j = None
    if r.returncode == 0:   # damaged paths are damaged bytes: not necessarily UTF-8
        try:
            j = json.loads(r.stdout.decode(errors="replace"))
        except ValueError:
            pass
    return r.returncode, j, r.stderr.decode(errors="replace").strip()


def damage_checks(core: Path, binary: Path, dump_tool: Path, base: dict, seed: int) -> list:
    """The core edited in a copy: libc's NT_FILE path renamed to a missing file, to another
    library and to a FIFO (same length: the note keeps its layout), then random bytes in the notes
    and in the C frames' stack. Returns the failures."""
    fails = []
    notes, loads = core_layout(core)
    work = core.parent / "core.damaged"
    shutil.copyfile(core, work)
    with open(core, "rb") as f:
        note_bytes = [(off, bytearray(_read_at(f, off, size))) for off, size in notes]
    libc = [(off + i) for off, b in note_bytes for i in _find_all(b, b"/libc.so.6\0")]
    ours = [f["pc"] for f in base["cframes"]]

    def patch(edits: list):
        with open(work, "r+b") as f:
            for off, b in edits:
                f.seek(off)
                f.write(b)

    def restore(edits: list):
        with open(core, "rb") as src, open(work, "r+b") as dst:
            for off, b in edits:
                src.seek(off)
                dst.seek(off)
                dst.write(src.read(len(b)))

    if not libc:
        fails.append("libc.so.6 is not in the core's NT_FILE note")
    for new, want in ((b"/libQ.so.6\0", "missing here"), (b"/libm.so.6\0", "build ID differs")):
        edits = [(off, new) for off in libc]
        patch(edits)
        rc, j, err = run_dump(dump_tool, work, binary)
        restore(edits)
        what = f"libc renamed to {new[1:-1].decode()}"
        if rc != 0 or j is None:
            fails.append(f"{what}: exit {rc}: {err[:200]}")
            continue
        if [f["pc"] for f in j.get("cframes", [])] != ours:
            fails.append(f"{what}: the C frames changed")
        if not any(new[1:-1].decode() in p and want in p for p in j.get("problems", [])):
            fails.append(f"{what}: no problem saying '{want}' ({j.get('problems')})")
    # libc's whole path replaced by a FIFO's of the same length: opened without blocking, refused.
    full = [(off + i, m) for off, b in note_bytes
            for m in set(re.findall(rb"/[\x21-\x7e]*/libc\.so\.6\0", bytes(b))) for i in _find_all(b, m)]
    tmpd = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        for off, m in full[:1]:
            name = len(m) - 1 - len(str(tmpd)) - 1
            if name < 1:
                break
            fifo = tmpd / ("f" * name)
            os.mkfifo(fifo)
            edits = [(o, str(fifo).encode() + b"\0") for o, mm in full if mm == m]
            patch(edits)
            rc, j, err = run_dump(dump_tool, work, binary)
            restore(edits)
            if rc != 0 or j is None:
                fails.append(f"libc's path naming a FIFO: exit {rc}: {err[:200]}")
            elif not any(str(fifo) in p and "not a regular file" in p for p in j.get("problems", [])):
                fails.append(f"libc's path naming a FIFO: no problem saying so ({j.get('problems')})")
    finally:
        shutil.rmtree(tmpd, ignore_errors=True)
    # Random damage, fixed seed: the notes (threads, NT_FILE, ...) and the stack under the fault.
    rng = random.Random(seed)
    rsp = int(base["rsp"], 16)
    stack = [(off + (rsp - va), 512) for va, off, sz in loads if va <= rsp < va + sz - 512]
    areas = [(off, size) for off, size in notes if size] + stack
    for k in range(8):
        edits = []
        for _ in range(48):
            off, size = rng.choice(areas)
            edits.append((off + rng.randrange(size), bytes([rng.randrange(256)])))
        patch(edits)
        rc, j, err = run_dump(dump_tool, work, binary)
        restore(edits)
        if rc not in (0, 1) or "AddressSanitizer" in err or "runtime error:" in err:
            fails.append(f"random damage {k}: exit {rc}: {err[:300]}")
    work.unlink(missing_ok=True)
    return fails


def _read_at(f, off: int, size: int) -> bytes:
    f.seek(off)
    return f.read(size)


def _find_all(b: bytes, pat: bytes) -> list:
    out, i = [], b.find(pat)
    while i >= 0:
        out.append(i)
        i = b.find(pat, i + 1)
    return out


def check_cell(version: str, mode: str, paths: dict, dump_tool: Path, roots: dict, lines: dict,
               repeat: int) -> tuple:
    fails, notes = [], []
    binary, core, stderr_p = Path(paths["binary"]), Path(paths["core"]), Path(paths["stderr"])
    scratch = core.parent
    facts = {name: int(kv["addr"], 16) for _, name, kv in
             e2e_facts.of_kind(e2e_facts.load(scratch / "stdout"), "cfunc") if "addr" in kv}
    missing = [f for f in CHAIN if f not in facts]
    if missing:
        return False, f"the fixture printed no fact line for {', '.join(missing)}"
    symtab, dynsym = nm_syms(binary, False), nm_syms(binary, True)
    secs = sections(binary)
    has_dwarf = ".debug_info" in secs or ".zdebug_info" in secs
    pie = a2l.read_elf(binary).etype == 3
    # Load bias: fact (run-time) minus the symbol's link-time address, when a table has one.
    bias = None
    for table in (symtab, dynsym):
        if "gopsy_crash_null" in table:
            bias = facts["gopsy_crash_null"] - table["gopsy_crash_null"][0]
            break
    if bias is None and not pie:
        bias = 0
    bounds = {}
    for fn in CHAIN:
        later = [a for a in facts.values() if a > facts[fn]]
        end = min(later) if later else facts[fn] + LAST_FUNC_BOUND
        for table in (symtab, dynsym):
            if fn in table and table[fn][1] and bias is not None:
                end = min(end, table[fn][0] + bias + table[fn][1])
        bounds[fn] = (facts[fn], end)

    r = subprocess.run([str(dump_tool), "--repeat", str(repeat), str(core)], capture_output=True,
                       text=True)
    if r.returncode != 0:
        return False, f"cframes_dump failed (exit {r.returncode}): {r.stderr.strip()[:300]}"
    j = json.loads(r.stdout)
    if not j["found"]:
        return False, f"no cgo crash found: {j['problem']}"

    # The crash path and the faulting pc, as the runtime printed them.
    stderr = stderr_p.read_text(errors="replace")
    if "signal arrived during cgo execution" in stderr:
        want_regs = "signal"
        m = re.search(r"^PC=(0x[0-9a-f]+) ", stderr, re.M)
    else:
        want_regs = "sigpanic"
        m = re.search(r"^\[signal SIG\w+: .* pc=(0x[0-9a-f]+)\]", stderr, re.M)
    if j["regs_from"] != want_regs:
        fails.append(f"registers from {j['regs_from']}, want {want_regs} (the runtime's crash path)")
    if not m:
        fails.append("the runtime's dump names no faulting pc")
    elif int(j["rip"], 16) != int(m.group(1), 16):
        fails.append(f"rip {j['rip']} != the pc the runtime printed {m.group(1)}")
    m = re.search(r"^PC=0x[0-9a-f]+ m=(\d+) ", stderr, re.M)
    if m and j["m"] != int(m.group(1)):
        fails.append(f"the fault is on M {j['m']}, the runtime says m={m.group(1)}")
    if j["signo"] != 11:
        fails.append(f"signal {j['signo']}, want SIGSEGV")

    cf = j["cframes"]
    names = []
    if len(cf) < 3:
        fails.append(f"{len(cf)} C frames, want at least 3 ({j['stop_msg']})")
    for i, fn in enumerate(CHAIN[:len(cf)]):
        f = cf[i]
        pc = int(f["pc"], 16)
        at = pc if i == 0 else pc - 1
        lo, hi = bounds[fn]
        what = f"frame {i} pc {f['pc']}"
        if bool(f["initial"]) != (i == 0):
            fails.append(f"{what}: initial={f['initial']}")
        if not lo <= at < hi:
            fails.append(f"{what}: {'pc' if i == 0 else 'pc-1'} not in {fn} [{lo:#x}, {hi:#x})")
        if f["module"] is None or Path(f["module"]).resolve() != binary.resolve():
            fails.append(f"{what}: module {f['module']}, want {binary}")
        if bias is not None and int(f["module_off"], 16) != pc - bias:
            fails.append(f"{what}: module_off {f['module_off']}, want {pc - bias:#x}")
        want_sym = fn if (fn in symtab or fn in dynsym) else None
        if f["symbol"] != want_sym:
            fails.append(f"{what}: symbol {f['symbol']}, want {want_sym} (nm)")
        elif want_sym and int(f["symoff"], 16) != pc - facts[fn]:
            fails.append(f"{what}: symoff {f['symoff']}, want {pc - facts[fn]:#x}")
        if has_dwarf:
            if not (f["file"] or "").endswith("tests/fixtures/cgocrash/main.go") or f["line"] != lines[fn]:
                fails.append(f"{what}: at {f['file']}:{f['line']}, want main.go:{lines[fn]}")
        elif f["file"] is not None:
            fails.append(f"{what}: file {f['file']} from a binary without DWARF")
        names.append(f"{f['symbol'] or '?'}+{int(f['symoff'], 16):#x}" if f["symbol"] else f["pc"])
    if len(cf) == 4:   # the cgo wrapper, if the compiler gave it a frame
        f = cf[3]
        if f["symbol"] is not None and not WRAPPER_RE.match(f["symbol"]):
            fails.append(f"frame 3: {f['symbol']} is not the cgo wrapper")
        if f["module"] is None or Path(f["module"]).resolve() != binary.resolve():
            fails.append(f"frame 3: module {f['module']}, want {binary}")
    elif len(cf) > 4:
        fails.append(f"{len(cf)} C frames, want 3 or 4")
    if j["problems"]:
        fails.append(f"module problems: {j['problems']}")

    # The stop: Go code, runtime.asmcgocall, as go tool addr2line reads the binary.
    if j["stop"] != "go" or j["stop_func"] != "runtime.asmcgocall":
        fails.append(f"stop {j['stop']} ({j['stop_msg']}), want runtime.asmcgocall")
    else:
        fn = go_tool_func(version, roots, binary, int(j["stop_off"], 16) - 1, pie)
        if fn != "runtime.asmcgocall":
            fails.append(f"go tool addr2line puts the stop pc in {fn}")

    # The Go side: the runtime's own traceback of the goroutine that called C.
    dump = gotrace.parse(stderr)
    gb = dump.first_goroutine()
    if gb is None:
        fails.append("the runtime's dump has no goroutine")
    else:
        want = [(fr.func, fr.pc, fr.sp) for fr in gb.frames if not fr.inlined]
        got = [(g["func"], int(g["pc"], 16), int(g["sp"], 16)) for g in j["goframes"]]
        if j["goid"] != gb.goid:
            fails.append(f"goroutine {j['goid']}, the runtime printed {gb.goid} first")
        if got != want:
            fails.append(f"Go frames {got} != the runtime's {want}")

    # gdb, where it reaches the C code.
    ours = [int(f["pc"], 16) for f in cf] + [int(j["stop_pc"], 16)]
    gdb_note = "gdb n/a (no Go CFI: stripped)"
    if ".debug_frame" in secs:
        pcs, err = gdb_pcs(binary, core, scratch, j["tid"])
        if err:
            fails.append(err)
        elif not any(pcs[i:i + len(ours)] == ours for i in range(len(pcs))):
            fails.append(f"gdb's pcs {[hex(p) for p in pcs]} do not contain ours {[hex(p) for p in ours]}")
        else:
            gdb_note = f"gdb agrees ({len(pcs)} frames)"
    if not fails:
        fails.extend(damage_checks(core, binary, dump_tool, j, seed=zlib.crc32(f"{version}/{mode}".encode())))
    if fails:
        return False, "; ".join(fails)
    us = j["us"]
    where = "" if j["dumping_thread"] else ", not the dumping thread"
    return True, (f"{' < '.join(names)} < {j['stop_func']} (regs: {j['regs_from']}{where}); Go: "
                  f"{len(j['goframes'])} frames = the runtime's; {gdb_note}; "
                  f"{'line info, ' if has_dwarf else ''}damaged copies ok; unwound in {us / 1000:.2f} ms")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dump", required=True, help="the cframes_dump driver")
    ap.add_argument("--versions", default=",".join(ALL_VERSIONS))
    ap.add_argument("--modes", default=",".join(ALL_MODES))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep-cores", action="store_true", help="do not delete the cores afterwards")
    a = ap.parse_args()
    versions = a.versions.split(",")
    modes = a.modes.split(",")
    lines = source_lines()
    roots, errors = e2e_run.ensure_toolchains(sorted(set(versions) | {NEWEST}))
    passed = failed = 0
    for v in versions:
        if v in errors:
            for m in modes:
                log(f"FAIL {v} {m}: {errors[v]}")
                failed += 1
            continue
        res = run_harness(v, modes)
        for m in modes:
            ok, reason, paths = res[m]
            if ok and not all(paths.get(k) and paths[k] != "(none)" for k in ("binary", "core", "stderr")):
                ok, reason = False, "the harness kept no core"
            if ok:
                try:
                    ok, reason = check_cell(v, m, paths, Path(a.dump), roots, lines, a.repeat)
                except Exception as e:   # an oracle bug fails the cell, never the matrix
                    ok, reason = False, f"oracle error: {e!r}"
            else:
                reason = f"the e2e cell failed: {reason}"
            log(f"{'PASS' if ok else 'FAIL'} {v} {m}: {reason}")
            passed += ok
            failed += not ok
            core = paths.get("core")
            if core and core != "(none)" and not a.keep_cores:
                Path(core).unlink(missing_ok=True)
    log(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
