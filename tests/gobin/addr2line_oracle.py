#!/usr/bin/env python3
"""addr2line_oracle.py — check `gopsy addr2line` against oracles that do not share its code.

For every Go version x build mode x fixture binary (built from tests/fixtures, or given with --bins):

  1. go tool addr2line of the toolchain that built the binary (the pclntab as the Go team reads
     it): gopsy's LAST frame (the physical function) must carry go's function name and gopsy's
     FIRST frame (the innermost inlined position) go's file:line. Go 1.19's tool cannot read a
     Go 1.19 PIE (it answers `?` for everything): then the newest toolchain's tool is used and
     the line says so. Without a symbol table the tool takes .text's start for runtime.text,
     which is wrong when C code precedes the Go code: it is then asked at pc - the difference
     (see check()).
  2. The whole inline chain against the binary's DWARF, decoded by tests/gobin/inlchain (Go,
     standard library only, built once with the newest toolchain into the cache): frame count,
     every name, every file:line, the inlined marks. Differences that are how DWARF represents
     things rather than what the pclntab says are normalised narrowly, each with the Go source
     that explains it (see NORMALISATIONS below). A binary without DWARF (stripped, cgo) is
     checked through its unstripped twin instead: strip moves no code (the .text bytes are
     compared to prove it), so gopsy must print exactly the same lines for the stripped binary
     as for the twin, and the twin's DWARF chain applies to both. When the .text bytes differ
     (a -ldflags=-s -w build against the default build, from Go 1.21 on: the build info string
     runtime.modinfo.str records the flags, so the .rodata placed after it moves and the code
     that addresses it RIP-relatively, e.g. a jump table's LEA, changes) the line says so and
     only go tool addr2line is compared.

The address sample of a binary: every function entry (`go tool nm -size`, types T/t, of the
unstripped twin), >= 1000 pseudo-random pcs of .text (fixed seed), and the pcs with inlined
frames among a larger random sample (asked of gopsy), at most INLINED_MAX of them.

    tests/gobin/addr2line_oracle.py [--gopsy build/gopsy] [--versions 1.19,1.22]
        [--modes default,stripped,pie,cgo,noopt] [--fixtures tests/fixtures] [--bins DIR...] [-j 2]

--bins DIR takes prebuilt binaries laid out as DIR/<version>/<mode>/<fixture> (the layout of
$GOPSY_CACHE/e2e/bin); the twin of DIR/V/stripped/F is DIR/V/default/F, the twin of DIR/V/cgo/F is
DIR/V/cgo/F.unstripped or DIR/V/cgo-unstripped/F. Without --bins the fixtures are built with
tests/e2e/run.py's build_group (same flags, same cache: $GOPSY_CACHE/e2e/bin/<version>/<mode>)
when it can be imported, else into $GOPSY_CACHE/gobin-test/<version>/<mode>; the unstripped
twins of cgo builds always go to $GOPSY_CACHE/gobin-test/<version>/cgo-unstripped.

Output: one line per binary,
  PASS|FAIL <version> <mode> <fixture>: N pcs (M inlined), go-tool agreement X/N,
      dwarf-chain agreement Y/M[, twin-identical Z/N][; other fields]
(on one line) with up to 10 differing examples under a FAIL, then `N passed, N failed`; exit 1 if
anything failed. M counts the pcs where gopsy or DWARF has inlined frames; the chains of the other
N-M pcs are compared too ("dwarf-chain non-inlined A/B"). Standard library only.
"""

from __future__ import annotations

import argparse
import bisect
import concurrent.futures
import hashlib
import json
import os
import random
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ALL_VERSIONS = ["1.19", "1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27"]
NEWEST = "1.27"
# mode -> (go build flags, needs cgo, strip after build); kept in step with tests/e2e/run.py,
# whose table is used instead whenever it can be imported.
MODES = {
    "default": ([], False, False),
    "stripped": (["-ldflags=-s -w"], False, False),
    "pie": (["-buildmode=pie"], False, False),
    "cgo": (["-ldflags=-linkmode=external"], True, True),
    "noopt": (["-gcflags=all=-N -l"], False, False),
}
ALL_MODES = list(MODES)
STRIP_CMD = ["strip", "--remove-section=.comment", "--remove-section=.note"]
BUILD_SCHEMA = "gopsy-gobin-build-1"
RANDOM_PCS = 1000          # uniform pcs of .text per binary
INLINE_POOL = 12000        # random pcs asked of gopsy to find inlined ones
INLINED_MAX = 600          # inlined pcs kept from that pool
SEED = 0x60B5A2            # fixed: the same sample on every run
EXAMPLES = 10
TIMEOUT = 600

# ----------------------------------------------------------------------------------------------
# NORMALISATIONS — differences between the pclntab (gopsy, go tool addr2line) and DWARF that are
# representational, each accepted only in the narrow shape described where it is implemented
# (Comparer._agree, and inlchain's pos() for implicit-row), and counted per binary in the output:
#   padding         pc in the alignment padding after a function: the functab maps it to the
#                   function, DWARF's subprogram ends at entry+size.
#   linker-symbol   go:textfipsstart/go:textfipsend (Go >= 1.24): linker-made 1-byte text symbols
#                   with a functab entry and no DWARF.
#   implicit-row    the head of a function's line program at the initial state (file 1, line 1),
#                   which Go's encoder leaves without a row (inlchain fills it in and marks it).
#   generic-name    Go <= 1.20 pclntab names print a generic function's type arguments as [...].
#   wrapper-inline  Go <= 1.20 emitted no inlined-subroutine DIEs in method wrappers.
#   cgo-call-line   Go <= 1.20 wrote DW_AT_call_line ignoring //line directives (cgo files).
#   jcc-padding     NOPs the assembler pads before a jump: the pclntab carries a zero-width
#                   Prog's line over them, DWARF the previous row's.
# ----------------------------------------------------------------------------------------------


# The e2e harness owns the build environment and cache location; this oracle reuses them.
sys.dont_write_bytecode = True   # leave no __pycache__ in tests/e2e
sys.path.insert(0, str(REPO / "tests" / "e2e"))
import run as e2e_run  # noqa: E402
sys.path.pop(0)
cache_root = e2e_run.cache_root
go_env = e2e_run.go_env


def log(msg: str = ""):
    print(msg, flush=True)


# ----------------------------------------------------------------------------------------------
# ELF (just enough: type, sections)
# ----------------------------------------------------------------------------------------------


@dataclass
class Section:
    name: str
    type: int
    addr: int
    offset: int
    size: int


@dataclass
class Elf:
    path: Path
    etype: int
    sections: dict

    def data(self, name: str) -> Optional[bytes]:
        s = self.sections.get(name)
        if s is None or s.type == 8:   # SHT_NOBITS
            return None
        with open(self.path, "rb") as f:
            f.seek(s.offset)
            return f.read(s.size)

    def has_dwarf(self) -> bool:
        return ".debug_info" in self.sections or ".zdebug_info" in self.sections


def moduledata_text(elf: Elf) -> Optional[int]:
    """runtime.firstmoduledata.text of a non-PIE binary: in .go.module (Go >= 1.26) or
    .noptrdata, the aligned words that start with the pclntab's address (moduledata.pcHeader)
    followed by funcnametab's address (pcHeader + funcnameOffset, the header's 4th word); text is
    word 22 (runtime/symtab.go moduledata, the same from Go 1.18 through 1.27: pcHeader, six
    slices, findfunctab, minpc, maxpc, text)."""
    pcl = elf.sections.get(".gopclntab")
    nd = elf.data(".go.module") or elf.data(".noptrdata")   # Go >= 1.26 has a .go.module section
    if pcl is None or nd is None:
        return None
    with open(elf.path, "rb") as f:
        f.seek(pcl.offset)
        h = f.read(64)
    if h[7] != 8:
        return None
    fno, = struct.unpack_from("<Q", h, 8 + 3 * 8)   # funcnameOffset
    want = struct.pack("<QQ", pcl.addr, pcl.addr + fno)
    i = nd.find(want)
    while i >= 0 and i % 8:
        i = nd.find(want, i + 1)
    if i < 0 or i + 23 * 8 > len(nd):
        return None
    return struct.unpack_from("<Q", nd, i + 22 * 8)[0]


def read_elf(path: Path) -> Elf:
    with open(path, "rb") as f:
        hdr = f.read(64)
        if hdr[:4] != b"\x7fELF":
            raise ValueError(f"{path}: not an ELF file")
        if hdr[4] != 2 or hdr[5] != 1:
            raise ValueError(f"{path}: only little-endian ELF64 is supported")
        etype, = struct.unpack_from("<H", hdr, 16)
        shoff, = struct.unpack_from("<Q", hdr, 40)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", hdr, 58)
        f.seek(shoff)
        raw = f.read(shentsize * shnum)
        shdrs = []
        for i in range(shnum):
            name, typ, _flags, addr, off, size = struct.unpack_from("<IIQQQQ", raw, i * shentsize)
            shdrs.append((name, typ, addr, off, size))
        _, _, _, stroff, strsize = shdrs[shstrndx]
        f.seek(stroff)
        strtab = f.read(strsize)
    secs = {}
    for name, typ, addr, off, size in shdrs:
        end = strtab.find(b"\0", name)
        n = strtab[name:end].decode(errors="replace")
        if n and n not in secs:
            secs[n] = Section(n, typ, addr, off, size)
    return Elf(path, etype, secs)


# ----------------------------------------------------------------------------------------------
# Toolchains and builds
# ----------------------------------------------------------------------------------------------


def list_toolchains() -> dict:
    r = subprocess.run([str(REPO / "scripts" / "go-toolchains"), "--list"], capture_output=True,
                       text=True)
    out = {}
    for line in r.stdout.splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2 and (Path(parts[1].strip()) / "bin" / "go").exists():
            out[parts[0]] = Path(parts[1].strip())
    return out


def load_e2e():
    """tests/e2e/run.py as a module when it offers what we reuse, else (None, why)."""
    try:
        sys.dont_write_bytecode = True   # leave no __pycache__ in tests/e2e
        sys.path.insert(0, str(REPO / "tests" / "e2e"))
        import run as e2e  # noqa: E402
    except Exception as e:   # not there yet, or broken while being written
        return None, f"tests/e2e/run.py not importable ({e!r})"
    finally:
        if sys.path and sys.path[0] == str(REPO / "tests" / "e2e"):
            sys.path.pop(0)
    need = ("build_group", "go_env", "MODES", "STRIP_CMD", "cache_root", "load_cells")
    missing = [n for n in need if not hasattr(e2e, n)]
    if missing:
        return None, f"tests/e2e/run.py lacks {', '.join(missing)}"
    if not set(ALL_MODES) <= set(e2e.MODES):
        return None, "tests/e2e/run.py's MODES lack some of " + ", ".join(ALL_MODES)
    return e2e, ""


def discover_fixtures(fixtures: Path, e2e) -> tuple:
    """({fixture: needs cgo}, all fixture dirs). cells.json (the e2e harness's list) when present,
    so that the e2e build cache keys agree; else every package-main directory."""
    def uses_cgo(d: Path) -> bool:
        return any('import "C"' in p.read_text(errors="replace") or
                   "\n\t\"C\"\n" in p.read_text(errors="replace") for p in d.glob("*.go"))
    wanted = {}
    if e2e is not None and (fixtures / "cells.json").exists():
        for c in e2e.load_cells(fixtures):
            if c.go_test:  # test binaries (go test -c) are built by the e2e harness only
                continue
            wanted[c.fixture] = wanted.get(c.fixture, False) or bool(c.cgo) or \
                uses_cgo(fixtures / c.fixture)
        return wanted, set(wanted)
    for d in sorted(fixtures.iterdir()):
        if d.is_dir() and not d.name.startswith(".") and any(
                p.read_text(errors="replace").lstrip().startswith("package main") or
                "\npackage main" in p.read_text(errors="replace") for p in d.glob("*.go")):
            wanted[d.name] = uses_cgo(d)
    return wanted, set(wanted)


def own_key(version: str, goroot: Path, flags: list, cgo: bool, strip: bool, fixtures: Path) -> str:
    h = hashlib.sha256()
    try:
        tv = (goroot / "VERSION").read_text().splitlines()[0]
    except OSError:
        tv = "?"
    # Absolute fixtures path included: the binaries embed it (see tests/e2e/run.py build_key).
    h.update(json.dumps([BUILD_SCHEMA, version, str(goroot), tv, flags, cgo,
                         STRIP_CMD if strip else None, str(fixtures.resolve())]).encode())
    for p in sorted(fixtures.rglob("*")):
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(fixtures).parts):
            h.update(str(p.relative_to(fixtures)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def own_build(version: str, goroot: Path, outdir: Path, fixture: str, flags: list, cgo: bool,
              strip: bool, fixtures: Path, env_fn) -> tuple:
    """Build one fixture into outdir/fixture (cached by a stamp). (path or None, error)."""
    outdir.mkdir(parents=True, exist_ok=True)
    key = own_key(version, goroot, flags, cgo, strip, fixtures)
    binp, stamp = outdir / fixture, outdir / (fixture + ".stamp")
    try:
        if binp.is_file() and stamp.read_text().strip() == key:
            return binp, ""
    except OSError:
        pass
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=outdir))
    try:
        cmd = [str(goroot / "bin" / "go"), "build", "-o", str(tmp / fixture), *flags, "./" + fixture]
        for _attempt in range(2):   # once more on failure: a concurrent build may share GOCACHE
            r = subprocess.run(cmd, cwd=fixtures, env=env_fn(version, goroot, cgo),
                               capture_output=True, text=True, timeout=TIMEOUT)
            if r.returncode == 0:
                break
        logf = outdir / f"{fixture}.log"
        logf.write_text("$ " + shlex.join(cmd) + "\n" + r.stdout + r.stderr)
        if r.returncode != 0:
            first = next((l for l in (r.stderr + r.stdout).splitlines() if l.strip()), "")
            return None, f"go build failed (exit {r.returncode}): {first} [log: {logf}]"
        if strip:
            sr = subprocess.run([*STRIP_CMD, str(tmp / fixture)], capture_output=True, text=True)
            if sr.returncode != 0:
                return None, f"strip failed: {sr.stderr.strip()}"
        os.replace(tmp / fixture, binp)
        stamp.write_text(key + "\n")
        return binp, ""
    except subprocess.TimeoutExpired:
        return None, "go build timed out"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def build_inlchain(goroot: Optional[Path]) -> tuple:
    """tests/gobin/inlchain built once with the newest toolchain: (path or None, error)."""
    if goroot is None:
        return None, f"Go {NEWEST} toolchain missing: cannot build tests/gobin/inlchain"
    src = HERE / "inlchain"
    h = hashlib.sha256()
    h.update((goroot / "VERSION").read_bytes() if (goroot / "VERSION").exists() else b"?")
    for p in sorted(src.iterdir()):
        if p.is_file():
            h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    out = cache_root() / "gobin-test" / "inlchain" / h.hexdigest()[:16] / "inlchain"
    if out.is_file():
        return out, ""
    out.parent.mkdir(parents=True, exist_ok=True)
    env = go_env(NEWEST, goroot, False)
    env["GOFLAGS"] = ""
    tmp = out.parent / f".inlchain-{os.getpid()}"
    r = subprocess.run([str(goroot / "bin" / "go"), "build", "-o", str(tmp), "."], cwd=src, env=env,
                       capture_output=True, text=True, timeout=TIMEOUT)
    if r.returncode != 0:
        return None, f"building tests/gobin/inlchain failed: {(r.stderr + r.stdout).strip()}"
    os.replace(tmp, out)
    return out, ""


# ----------------------------------------------------------------------------------------------
# Running the tools
# ----------------------------------------------------------------------------------------------


@dataclass
class Frame:
    name: str
    pos: str
    inlined: bool
    implicit: bool = False   # inlchain: pos is the line program's implicit initial row
    wrapper: bool = False    # inlchain: the subprogram has DW_AT_trampoline
    row: tuple = (0, 0)      # inlchain: [start, end) of the line-table row of the innermost pos


def run_tool(cmd: list, stdin: str = "", env: Optional[dict] = None) -> str:
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env, timeout=TIMEOUT)
    if r.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)}: exit {r.returncode}: {r.stderr.strip()[:400]}")
    return r.stdout


def parse_frames(text: str, what: str) -> dict:
    """gopsy's (and inlchain's) format -> {pc: [Frame, ...]} innermost first."""
    out: dict = {}
    for ln in text.splitlines():
        if not ln:
            continue
        f = ln.split("\t")
        if len(f) < 3:
            raise RuntimeError(f"{what}: malformed line {ln!r}")
        pc = int(f[0], 16)
        flags = f[3:]
        fr = Frame(f[1], f[2], "inlined" in flags, "#implicit-row" in flags, "#trampoline" in flags)
        for fl in flags:
            if fl.startswith("#row="):
                a, _, b = fl[5:].partition("-")
                fr.row = (int(a, 16), int(b, 16))
        out.setdefault(pc, []).append(fr)
    return out


def norm_pos(pos: str) -> str:
    """Any unknown file or line is gopsy's `?:0` (go tool addr2line prints `?:0`, `:-1` or
    `file:-1` for a pc without line information)."""
    file, sep, line = pos.rpartition(":")
    if not sep:
        return "?:0"
    try:
        n = int(line)
    except ValueError:
        return "?:0"
    if file in ("", "?") or n <= 0:
        return "?:0"
    return f"{file}:{n}"


def go_addr2line(goroot: Path, binary: Path, pcs: list, shift: int = 0) -> dict:
    """{pc: (function, file:line)}; the tool is asked at pc - shift (see the caller)."""
    out = run_tool([str(goroot / "bin" / "go"), "tool", "addr2line", str(binary)],
                   "".join(f"{pc - shift:#x}\n" for pc in pcs), env=tool_env(goroot))
    lines = out.splitlines()
    if len(lines) != 2 * len(pcs):
        raise RuntimeError(f"go tool addr2line: {len(lines)} lines for {len(pcs)} addresses")
    return {pc: (lines[2 * i], lines[2 * i + 1]) for i, pc in enumerate(pcs)}


def tool_env(goroot: Path) -> dict:
    env = dict(os.environ)
    env.update({"GOROOT": str(goroot), "GOTOOLCHAIN": "local", "GOTELEMETRY": "off",
                "PATH": f"{goroot}/bin:" + env.get("PATH", "/usr/bin:/bin")})
    return env


def go_nm(goroot: Path, binary: Path) -> list:
    """[(addr, size, name)] of the text symbols (T/t), sorted by address."""
    out = run_tool([str(goroot / "bin" / "go"), "tool", "nm", "-size", str(binary)],
                   env=tool_env(goroot))
    syms = []
    for ln in out.splitlines():
        f = ln.split(None, 3)
        if len(f) == 4 and f[2] in ("T", "t"):
            syms.append((int(f[0], 16), int(f[1]), f[3]))
    syms.sort()
    return syms


# ----------------------------------------------------------------------------------------------
# One binary
# ----------------------------------------------------------------------------------------------


@dataclass
class Job:
    version: str
    mode: str
    fixture: str
    binary: Optional[Path]
    twin: Optional[Path] = None        # unstripped twin of a binary without DWARF
    error: str = ""                    # set: the binary could not be had


@dataclass
class Result:
    ok: bool
    line: str
    examples: list = field(default_factory=list)


def fmt_chain(frames: list) -> str:
    return " <- ".join(f"{f.name} {f.pos}{'*' if f.inlined else ''}" for f in frames)


def check_info(job: Job, gopsy: Path, goroot: Path) -> list:
    """`gopsy info`: its first block must be `go version -m` of the same toolchain byte for byte, and
    its flags must say how the binary was built (mode). Returns failure messages."""
    fails = []
    want = subprocess.run([str(goroot / "bin" / "go"), "version", "-m", str(job.binary)], env=tool_env(goroot),
                          capture_output=True, text=True).stdout
    got = subprocess.run([str(gopsy), "info", str(job.binary)], capture_output=True, text=True)
    block = got.stdout.split("\n\ngopsy:\n")[0] + "\n"
    if got.returncode != 0 or block != want:
        fails.append(f"info: exit {got.returncode}; `go version -m` block differs: want {want[:200]!r} got {block[:200]!r}")
    js = subprocess.run([str(gopsy), "info", "--json", str(job.binary)], capture_output=True, text=True)
    try:
        d = json.loads(js.stdout)
    except ValueError:
        return fails + [f"info --json: not JSON (exit {js.returncode}): {js.stdout[:200]!r} {js.stderr[:200]!r}"]
    cgo = job.mode == "cgo" or "CGO_ENABLED=1" in want
    stripped = job.mode in ("stripped", "cgo")
    expect = {
        "go_version": want.split(": ", 1)[1].split("\n")[0] if ": " in want else None,
        "supported": True,
        "pie": job.mode == "pie",
        "cgo": cgo,
        "external_link": job.mode == "cgo" or job.fixture == "cgocrash",
        "stripped": stripped,
        "dwarf": not stripped,
    }
    for k, v in expect.items():
        if d.get(k) != v:
            fails.append(f"info --json: {k} is {d.get(k)!r}, expected {v!r} for mode {job.mode}")
    if not d.get("moduledata", {}).get("found"):
        fails.append(f"info: moduledata not found: {d.get('moduledata')}")
    src = d.get("layouts", {}).get("source")
    if src != ("table" if stripped else "dwarf") or d["layouts"].get("warning"):
        fails.append(f"info: layouts {d.get('layouts')}")
    return fails


def check(job: Job, gopsy: Path, roots: dict, inlchain: Optional[Path], inl_err: str) -> Result:
    head = f"{job.version} {job.mode} {job.fixture}"
    if job.error:
        return Result(False, f"FAIL {head}: {job.error}")
    goroot = roots.get(job.version)
    if goroot is None:
        return Result(False, f"FAIL {head}: Go {job.version} toolchain missing "
                             f"(scripts/go-toolchains {job.version})")
    notes, fails = [], []
    binp = job.binary
    elf = read_elf(binp)
    twin_elf = read_elf(job.twin) if job.twin else None
    if elf.has_dwarf():
        dwarf_src = binp
    elif twin_elf is not None:
        a, b = elf.sections.get(".text"), twin_elf.sections.get(".text")
        if a and b and a.addr == b.addr and a.size == b.size and elf.data(".text") == twin_elf.data(".text"):
            dwarf_src = job.twin
        else:
            dwarf_src = None
            notes.append(f"NOTE: .text differs from the twin {job.twin} (not the same code): "
                         f"no DWARF to check the chain, go tool addr2line only")
    else:
        dwarf_src = None
        notes.append("NOTE: no DWARF and no unstripped twin: go tool addr2line only")
    sym_src = dwarf_src or (job.twin if twin_elf is not None else binp)
    text = elf.sections.get(".text")
    if text is None:
        return Result(False, f"FAIL {head}: no .text section in {binp}")

    # --- address sample
    if ".symtab" in read_elf(sym_src).sections:
        syms = go_nm(goroot, sym_src)
    else:
        syms = []
        notes.append("NOTE: no symbol table anywhere: function entries not sampled")
    entries = {a for a, _, _ in syms}
    rnd = random.Random(SEED)
    rand_pcs: set = set()
    while len(rand_pcs) < min(RANDOM_PCS, text.size):
        rand_pcs.add(rnd.randrange(text.addr, text.addr + text.size))
    pool = sorted({rnd.randrange(text.addr, text.addr + text.size) for _ in range(INLINE_POOL)}
                  - rand_pcs - entries)
    gp = parse_frames(run_tool([str(gopsy), "addr2line", str(binp)],
                               "".join(f"{pc:#x}\n" for pc in pool)), "gopsy")
    inl_pool = [pc for pc in pool if any(f.inlined for f in gp.get(pc, []))]
    inl_pcs = set(random.Random(SEED + 1).sample(inl_pool, min(INLINED_MAX, len(inl_pool))))
    pcs = sorted(entries | rand_pcs | inl_pcs)
    n = len(pcs)

    # --- gopsy
    g = parse_frames(run_tool([str(gopsy), "addr2line", str(binp)],
                              "".join(f"{pc:#x}\n" for pc in pcs)), "gopsy")
    missing = [pc for pc in pcs if pc not in g]
    if missing:
        return Result(False, f"FAIL {head}: gopsy printed nothing for {len(missing)} pcs, "
                             f"e.g. {missing[0]:#x}")

    # --- oracle 1: go tool addr2line
    # cmd/internal/objfile (objfile.go, PCLineTable) hands debug/gosym the start of .text as the
    # pclntab's text base unless the symbol table has runtime.text, and Go >= 1.18 pclntabs hold
    # function entries as offsets from that base (debug/gosym/pclntab.go: "use the start PC
    # instead of reading from the table, which may be unrelocated"). A cgo binary whose symbol
    # table is stripped begins .text with C code, so the tool sees every function shifted down by
    # runtime.text - .text. It is then asked at pc - shift, which is exactly its answer for pc
    # with the right base; runtime.text is the twin's symbol when there is a byte-identical twin,
    # else the runtime's own moduledata.text (see moduledata_text).
    shift = 0
    if ".symtab" not in elf.sections:
        rt = [a for a, _, nm in syms if nm == "runtime.text"]
        if dwarf_src is not None and dwarf_src != binp and rt:
            ts, src = rt[0], "the twin's runtime.text"
        else:
            ts, src = moduledata_text(elf), "moduledata.text"
        if ts is None:
            fails.append("no symbol table and no moduledata found: go tool addr2line's text base "
                         "cannot be corrected")
        elif ts != text.addr:
            shift = ts - text.addr
            notes.append(f"go tool addr2line asked at pc-{shift:#x} (no symbol table; {src} "
                         f"{ts:#x} != .text {text.addr:#x})")
    go = go_addr2line(goroot, binp, pcs, shift)
    if all(fn == "?" for fn, _ in go.values()) and job.version == "1.19" and NEWEST in roots:
        go = go_addr2line(roots[NEWEST], binp, pcs, shift)
        notes.append(f"go tool addr2line of {NEWEST} (go1.19's answers ? for every address of "
                     f"this binary)")
    x = 0
    go_bad = []
    for pc in pcs:
        fn, pos = go[pc]
        fr = g[pc]
        if fr[-1].name == fn and norm_pos(fr[0].pos) == norm_pos(pos):
            x += 1
        else:
            go_bad.append(f"{pc:#x} [go-tool] gopsy: {fmt_chain(fr)} | go: {fn} {pos}")

    # --- oracle 2: the DWARF inline chain (of the binary or its twin)
    y = m = a_ok = a_n = 0
    dw_bad, cmp = [], None
    twin_same = None
    if dwarf_src is not None:
        if inlchain is None:
            fails.append(inl_err)
        else:
            d = parse_frames(run_tool([str(inlchain), str(dwarf_src)],
                                      "".join(f"{pc:#x}\n" for pc in pcs)), "inlchain")
            cmp = Comparer(job.version, syms, text.addr, elf.data(".text") or b"")
            for pc in pcs:
                gf, df = g[pc], d.get(pc, [Frame("?", "?:0", False)])
                inl = len(gf) > 1 or len(df) > 1
                m += inl
                if cmp.agree(pc, gf, df):
                    if inl:
                        y += 1
                    else:
                        a_ok += 1
                else:
                    dw_bad.append(f"{pc:#x} [dwarf-chain] gopsy: {fmt_chain(gf)} | dwarf: "
                                  f"{fmt_chain(df)}")
                a_n += not inl
            if dwarf_src != binp:
                gt = run_tool([str(gopsy), "addr2line", str(dwarf_src)],
                              "".join(f"{pc:#x}\n" for pc in pcs))
                gt = parse_frames(gt, "gopsy twin")
                twin_same = 0
                for pc in pcs:
                    if [vars(f) for f in gt.get(pc, [])] == [vars(f) for f in g[pc]]:
                        twin_same += 1
                    else:
                        dw_bad.append(f"{pc:#x} [twin] gopsy: {fmt_chain(g[pc])} | gopsy on twin: "
                                      f"{fmt_chain(gt.get(pc, []))}")
    else:
        m = sum(1 for pc in pcs if len(g[pc]) > 1)

    info_fails = check_info(job, gopsy, goroot)
    fails += info_fails
    ok = not go_bad and not dw_bad and not fails
    line = (f"{'PASS' if ok else 'FAIL'} {head}: info {'ok' if not info_fails else 'FAILED'}, "
            f"{n} pcs ({m} inlined), go-tool agreement {x}/{n}, "
            f"dwarf-chain agreement " + (f"{y}/{m}" if dwarf_src is not None and inlchain else "n/a"))
    if twin_same is not None:
        line += f", twin-identical {twin_same}/{n}"
    extra = []
    if dwarf_src is not None and inlchain:
        extra.append(f"dwarf-chain non-inlined {a_ok}/{a_n}")
        extra.append("normalised " + (" ".join(f"{k}={v}" for k, v in cmp.counts.items() if v)
                                      or "none"))
        if dwarf_src != binp:
            extra.append(f"DWARF of twin {dwarf_src}")
    extra += notes + fails
    if extra:
        line += "; " + "; ".join(extra)
    examples = (go_bad + dw_bad)[:EXAMPLES] if not ok else []
    return Result(ok, line, examples)


def sym_func_name(sym: str) -> str:
    """The pclntab's name of a function from its ELF symbol: the linker suffixes the ELF symbol of
    an ABI0 (assembly) function with ".abi0" (cmd/link/internal/ld/symtab.go, mangleABIName),
    never its pclntab name."""
    return sym[:-len(".abi0")] if sym.endswith(".abi0") else sym


def runtime_name(name: str) -> str:
    """Go <= 1.20's pclntab name of a function: cmd/link/internal/ld/pcln.go (generateFuncnametab,
    nameParts) prints everything within the outermost [] of a generic function's name as "..."."""
    i = name.find("[")
    j = name.rfind("]")
    if i < 0 or j <= i:
        return name
    return name[:i] + "[...]" + name[j + 1:]


# Go's x86 NOP encodings (cmd/internal/obj/x86/asm6.go, `nop` and fillnop: the longest first).
X86_NOPS = [bytes.fromhex(h) for h in (
    "90", "6690", "0f1f00", "0f1f4000", "0f1f440000", "660f1f440000", "0f1f8000000000",
    "0f1f840000000000", "660f1f840000000000")]


def fillnop(n: int) -> bytes:
    out = b""
    while n > 0:
        m = min(n, len(X86_NOPS))
        out += X86_NOPS[m - 1]
        n -= m
    return out


# Go versions whose compiler emits no DW_TAG_inlined_subroutine for method wrappers: before 1.21
# cmd/compile/internal/gc/main.go finalized the DWARF inlining fixups and then set
# base.Flag.GenDwarfInl = 0 "so as to avoid problems with generated method wrappers", which are
# compiled afterwards (in dumpdata); from 1.21 on the wrappers are compiled before the fixups run.
NO_WRAPPER_INLINE_DWARF = {"1.19"}
OLD_CALL_LINE_DWARF = {"1.19"}      # see cgo-call-line in Comparer._agree
_cgo_sources: dict = {}


def is_cgo_source(path: str) -> bool:
    """Whether the Go source file at path (as recorded in the binary) imports "C"."""
    if path not in _cgo_sources:
        try:
            src = Path(path).read_text(errors="replace")
            _cgo_sources[path] = 'import "C"' in src or bool(
                __import__("re").search(r'(?m)^import \([^)]*^\s*"C"\s*$', src))
        except OSError:
            _cgo_sources[path] = False
    return _cgo_sources[path]
LINKER_TEXT_SYMS = {"go:textfipsstart", "go:textfipsend"}


class Comparer:
    """Compares gopsy's chain at a pc with the DWARF chain, applying the NORMALISATIONS."""

    def __init__(self, version: str, syms: list, text_addr: int, text: bytes):
        self.version = version
        self.syms = syms
        self.starts = [a for a, _, _ in syms]
        self.text_addr = text_addr
        self.text = text
        self.counts = {k: 0 for k in ("padding", "linker-symbol", "implicit-row", "generic-name",
                                      "wrapper-inline", "jcc-padding", "cgo-call-line")}

    def name_eq(self, g: str, d: str, used: set) -> bool:
        if g == d:
            return True
        if "[...]" in g and runtime_name(d) == g:
            used.add("generic-name")
            return True
        return False

    def agree(self, pc: int, gf: list, df: list) -> bool:
        used: set = set()
        ok = self._agree(pc, gf, df, used)
        if ok:
            for c in used:
                self.counts[c] += 1
        return ok

    def _agree(self, pc: int, gf: list, df: list, used: set) -> bool:
        if len(gf) == len(df) and all(self.name_eq(a.name, b.name, used) and a.inlined == b.inlined
                                      for a, b in zip(gf, df)):
            if all(norm_pos(a.pos) == norm_pos(b.pos) for a, b in zip(gf, df)):
                if df[0].implicit:
                    used.add("implicit-row")
                return True
            # cgo-call-line: Go <= 1.20 wrote DW_AT_call_line as the call's line in the file
            # actually compiled (cmd/compile/internal/dwarfgen/dwinl.go insertInlCall:
            # `CallLine: uint32(callXPos.Line())`) but DW_AT_call_file as the //line-directive
            # file (pb.SymFilename()); Go 1.21 switched to callPos.RelLine(). Only cgo rewrites
            # sources with //line directives here (x.go -> x.cgo1.go), so an outer frame whose
            # file imports "C" may carry a DWARF call line offset from the source line. The
            # innermost position, every name and the frame count must still agree.
            if (self.version in OLD_CALL_LINE_DWARF and norm_pos(gf[0].pos) == norm_pos(df[0].pos)
                    and any(norm_pos(a.pos) != norm_pos(b.pos) for a, b in zip(gf[1:], df[1:]))
                    and all(norm_pos(a.pos) == norm_pos(b.pos) or
                            (a.pos.rpartition(":")[0] == b.pos.rpartition(":")[0]
                             and is_cgo_source(a.pos.rpartition(":")[0]))
                            for a, b in zip(gf[1:], df[1:]))):
                used.add("cgo-call-line")
                return True
            # jcc-padding: only the innermost line differs, and pc lies in NOPs the assembler put
            # before a jump (cmd/internal/obj/x86/asm6.go padJump: the Intel JCC-erratum padding,
            # or loop-head padding) that end exactly where DWARF's next row begins. The padding
            # belongs to no Prog: the zero-width Progs before the jump (PCDATA, NOPs without a
            # line) keep their Pc from before the padding. obj/pcln.go funcpctab lets such a Prog
            # carry its line across the padding (pctofileline keeps it through the following ANOP
            # and line-0 Progs), while obj/dwarf.go generateDebugLinesSymbol skips Progs that
            # share their Pc with the next one (`p.Link.Pc == p.Pc`), so DWARF's previous row
            # runs on over the padding.
            if all(norm_pos(a.pos) == norm_pos(b.pos) for a, b in zip(gf[1:], df[1:])):
                s0, e = df[0].row
                for ln in range(1, 32):
                    st = e - ln
                    if st <= pc < e and st > s0 and st >= self.text_addr and \
                            self.text[st - self.text_addr:e - self.text_addr] == fillnop(ln):
                        used.add("jcc-padding")
                        return True
            return False
        # wrapper-inline: the DWARF subprogram is a wrapper without inlined-subroutine DIEs (see
        # NO_WRAPPER_INLINE_DWARF); gopsy's physical frame and innermost position must still match.
        if (self.version in NO_WRAPPER_INLINE_DWARF and len(df) == 1 and df[0].wrapper
                and len(gf) > 1 and self.name_eq(gf[-1].name, df[0].name, used)
                and norm_pos(gf[0].pos) == norm_pos(df[0].pos)):
            used.add("wrapper-inline")
            return True
        # DWARF knows no function at pc; gopsy names the function whose functab entry precedes pc,
        # without a line: either the alignment padding after a function ("padding"), or a 1-byte
        # linker-made text symbol that has a functab entry but no DWARF ("linker-symbol":
        # cmd/link/internal/ld/fips140.go adds go:textfipsstart/go:textfipsend to ctxt.Textp, and
        # dwarf.go calcCompUnitRanges: "Skip linker-created functions ... since they don't have
        # DWARF to begin with"). Padding: cmd/link/internal/ld/pcln.go writes only function
        # entries to the functab, which runtime.findfunc and debug/gosym search for the last entry
        # <= pc, while cmd/internal/dwarf's subprogram DW_AT_high_pc is entry + the symbol size.
        if (len(df) == 1 and df[0].name == "?" and len(gf) == 1 and not gf[0].inlined
                and norm_pos(gf[0].pos) == "?:0"):
            i = bisect.bisect_right(self.starts, pc) - 1
            # ELF symbol names spell "·" as "." (cmd/link/internal/ld/symtab.go putelfsym:
            # "Rewrite · to . for ASCII-only tools like DTrace")
            if i < 0 or not self.name_eq(gf[0].name.replace("·", "."),
                                         sym_func_name(self.syms[i][2]), used):
                return False
            if gf[0].name in LINKER_TEXT_SYMS:
                used.add("linker-symbol")
                return True
            if not any(a <= pc < a + sz for a, sz, _ in self.syms[max(0, i - 8):i + 1]):
                used.add("padding")
                return True
        return False


# ----------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------


def csv(s: Optional[str], allowed: list, what: str) -> list:
    if not s:
        return list(allowed)
    items = [x.strip() for x in s.split(",") if x.strip()]
    bad = [x for x in items if x not in allowed]
    if bad:
        raise SystemExit(f"addr2line_oracle.py: unknown {what} {', '.join(bad)} "
                         f"(known: {', '.join(allowed)})")
    return items


def jobs_from_bins(dirs: list, versions: list, modes: list) -> list:
    jobs = []
    for d in dirs:
        d = Path(d)
        for v in versions:
            for m in modes:
                md = d / v / m
                found = []
                if md.is_dir():
                    for p in sorted(md.iterdir()):
                        if p.is_file() and os.access(p, os.X_OK) and "." not in p.name:
                            found.append(p)
                if not found:
                    jobs.append(Job(v, m, str(d), None, error=f"no binaries in {md}"))
                for p in found:
                    twin = None
                    if m == "stripped":
                        twin = d / v / "default" / p.name
                    elif m == "cgo":
                        for t in (md / (p.name + ".unstripped"), d / v / "cgo-unstripped" / p.name):
                            if t.is_file():
                                twin = t
                                break
                    jobs.append(Job(v, m, p.name, p, twin if twin and twin.is_file() else None))
    return jobs


def jobs_from_build(versions: list, modes: list, roots: dict, fixtures: Path, jobs_n: int) -> list:
    e2e, why = load_e2e()
    if e2e is not None:
        log(f"# building with tests/e2e/run.py's build_group into {e2e.cache_root() / 'e2e' / 'bin'}")
        modes_tab, env_fn = e2e.MODES, e2e.go_env
    else:
        log(f"# {why}: building into {cache_root() / 'gobin-test'}")
        modes_tab, env_fn = MODES, go_env
    wanted, all_dirs = discover_fixtures(fixtures, e2e)
    if "states" not in wanted:
        wanted["states"] = False   # required: its absence is reported as a build failure
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs_n))
    futs = {}
    for v in versions:
        goroot = roots.get(v)
        for m in modes:
            if goroot is None:
                continue
            flags, mode_cgo, strip = modes_tab[m]
            if e2e is not None:
                futs[(v, m)] = pool.submit(e2e.build_group, v, goroot, None, m, fixtures, wanted,
                                           all_dirs)
            else:
                futs[(v, m)] = {fx: pool.submit(own_build, v, goroot, cache_root() / "gobin-test" / v / m,
                                                fx, flags, mode_cgo or c, strip, fixtures, env_fn)
                                for fx, c in wanted.items()}
            if strip:   # the unstripped twin: same flags, no strip
                futs[(v, m, "twin")] = {
                    fx: pool.submit(own_build, v, goroot, cache_root() / "gobin-test" / v / f"{m}-unstripped",
                                    fx, flags, mode_cgo or c, False, fixtures, env_fn)
                    for fx, c in wanted.items()}
    def built(v: str, m: str, fx: str) -> tuple:
        """(binary or None, error) of one build future."""
        fut = futs[(v, m)]
        if isinstance(fut, dict):
            return fut[fx].result()
        br = fut.result()
        return br.binaries.get(fx), br.errors.get(fx, "not built")

    def job(v: str, m: str, fx: str) -> Job:
        if roots.get(v) is None:
            return Job(v, m, fx, None, error=f"Go {v} toolchain missing (scripts/go-toolchains --list)")
        binp, err = built(v, m, fx)
        if binp is None:
            return Job(v, m, fx, None, error=err)
        twin = None
        if m == "stripped" and "default" in modes:
            twin, _ = built(v, "default", fx)
        elif m == "stripped":
            flags, mc, _ = modes_tab["default"]
            twin, _ = own_build(v, roots[v], cache_root() / "gobin-test" / v / "default", fx, flags,
                                mc or wanted[fx], False, fixtures, env_fn)
        elif (v, m, "twin") in futs:
            twin, terr = futs[(v, m, "twin")][fx].result()
            if twin is None:
                return Job(v, m, fx, None, error=f"unstripped twin: {terr}")
        return Job(v, m, fx, Path(binp), Path(twin) if twin else None)

    jobs = []
    try:
        for v in versions:
            for m in modes:
                for fx in sorted(wanted):
                    try:
                        jobs.append(job(v, m, fx))
                    except Exception as e:   # e.g. tests/e2e/run.py's build_group changed
                        jobs.append(Job(v, m, fx, None, error=f"build error: {e!r}"))
    finally:
        pool.shutdown(wait=True)
    return jobs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="addr2line_oracle.py", description=__doc__.split("\n")[0])
    ap.add_argument("--gopsy", default=str(REPO / "build" / "gopsy"), help="gopsy binary")
    ap.add_argument("--versions", help=f"comma-separated, default all ({','.join(ALL_VERSIONS)})")
    ap.add_argument("--modes", help=f"comma-separated, default all ({','.join(ALL_MODES)})")
    ap.add_argument("--fixtures", default=str(REPO / "tests" / "fixtures"))
    ap.add_argument("--bins", nargs="+", metavar="DIR", help="prebuilt DIR/<version>/<mode>/<fixture>")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="parallel builds and checks (default 2)")
    a = ap.parse_args(argv)
    t0 = time.monotonic()
    versions = csv(a.versions, ALL_VERSIONS, "version")
    modes = csv(a.modes, ALL_MODES, "mode")
    gopsy = Path(a.gopsy).resolve()
    if not os.access(gopsy, os.X_OK):
        log(f"addr2line_oracle.py: {gopsy} is not an executable (build gopsy first)")
        log("0 passed, 1 failed")
        return 1

    roots = list_toolchains()
    inlchain, inl_err = build_inlchain(roots.get(NEWEST))
    if inlchain is None:
        log(f"# {inl_err}")
    if a.bins:
        jobs = jobs_from_bins(a.bins, versions, modes)
    else:
        jobs = jobs_from_build(versions, modes, roots, Path(a.fixtures).resolve(), a.jobs)
    tb = time.monotonic()
    log(f"# {len(jobs)} binaries ready in {tb - t0:.0f}s")

    def one(job):
        try:
            return check(job, gopsy, roots, inlchain, inl_err)
        except Exception as e:   # a harness or tool error fails this binary, not the matrix
            return Result(False, f"FAIL {job.version} {job.mode} {job.fixture}: error: {e}")

    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        for res in pool.map(one, jobs):
            log(res.line)
            for ex in res.examples:
                log(f"    {ex}")
            passed += res.ok
            failed += not res.ok
    log(f"# wall time {time.monotonic() - t0:.0f}s (checks {time.monotonic() - tb:.0f}s)")
    log(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
