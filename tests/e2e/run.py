#!/usr/bin/env python3
"""run.py — gopsy's oracle test harness (see tests/e2e/README.md).

For every Go version x build mode x cell of tests/fixtures/cells.json: build the fixture (cached),
run it with GOTRACEBACK=crash and an unlimited core size, check that it died by the expected signal
and left an ELF core, parse the runtime's stderr with gotrace.py (independent of gopsy's C parser),
check the fixture's //gopsy:expect annotations and, with --against CMD, compare the runtime's dump
with what CMD reconstructs from the core.

    tests/e2e/run.py [--versions 1.19,1.22] [--modes default,pie] [--cells states-nil,deadlock]
                     [--keep] [--against 'build/gopsy goroutines --traceback=crash {core}'] [-j 2]

Builds run in the background (-j parallel `go build` jobs, default 2) while cells run strictly one at
a time. Standard library only (python3 >= 3.9 on a fresh Debian 12).
"""

from __future__ import annotations

import argparse
import fcntl
import concurrent.futures
import glob
import hashlib
import json
import os
import re
import resource
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
import gotrace  # noqa: E402

ALL_VERSIONS = ["1.19", "1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27"]
# mode -> (go build flags, needs cgo, strip after build)
MODES = {
    "default": ([], False, False),
    "stripped": (["-ldflags=-s -w"], False, False),
    "pie": (["-buildmode=pie"], False, False),
    "cgo": (["-ldflags=-linkmode=external"], True, True),
    "noopt": (["-gcflags=all=-N -l"], False, False),
}
ALL_MODES = list(MODES)
# names tests/fixtures/README.md uses for a mode in cells.json "skip_build_modes"
MODE_ALIASES: dict = {}  # none: cells.json uses the mode names of MODES
# What Debian's dh_strip does to an executable (binutils strip, default = --strip-all).
STRIP_CMD = ["strip", "--remove-section=.comment", "--remove-section=.note"]
BUILD_SCHEMA = "gopsy-e2e-build-1"   # bump to invalidate every cached binary
READY_LINE = "gopsy-fixture: ready"
SIGQUIT_SETTLE_S = 0.2
# Concurrent cells: at least this long between two process starts, so that their deaths (the
# runtime's dump, the kernel writing the core) are spread out too.
CONCURRENT_STAGGER_S = 0.5
SIGNALS = {s.name: s for s in signal.Signals}
MIN_CORE_BYTES = 64 * 1024


_HARNESS_LOCK = None


def cache_root() -> Path:
    c = os.environ.get("GOPSY_CACHE")
    return Path(c) if c else Path.home() / ".cache" / "gopsy"


def log(msg: str = ""):
    print(msg, flush=True)


# ----------------------------------------------------------------------------------------------
# Cells and fixture annotations
# ----------------------------------------------------------------------------------------------


@dataclass
class Cell:
    name: str
    fixture: str
    args: list
    cgo: bool = False
    trigger: str = "self"
    exit_signal: str = "SIGABRT"
    stderr_must_contain: list = field(default_factory=list)
    min_goroutines: int = 1
    expect_goroutines: bool = True
    timeout_s: int = 30
    env: dict = field(default_factory=dict)   # optional extension: extra env for the run
    skip_build_modes: list = field(default_factory=list)  # modes where the cell does not apply
    # The processes of every (version, mode) of this cell run at the same time, from the start of
    # the run (see run_concurrent): for cells that must wait a long time (", N minutes").
    concurrent: bool = False
    # A test binary (`go test -c`), for what only works in tests (testing/synctest); run it with
    # args such as -test.run=^TestX$.
    go_test: bool = False
    min_version: Optional[str] = None   # the cell applies from this Go version on ("1.25")

    def applies_to(self, version: str) -> bool:
        return self.min_version is None or vkey(version) >= vkey(self.min_version)


def vkey(version: str) -> tuple:
    return tuple(int(x) for x in version.split("."))


def load_cells(fixtures: Path) -> list:
    path = fixtures / "cells.json"
    with open(path) as f:
        raw = json.load(f)
    cells = []
    for i, c in enumerate(raw):
        try:
            cell = Cell(name=c["name"], fixture=c["fixture"], args=list(c.get("args", [])),
                        cgo=bool(c.get("cgo", False)), trigger=c.get("trigger", "self"),
                        exit_signal=c.get("exit_signal", "SIGABRT"),
                        stderr_must_contain=list(c.get("stderr_must_contain", [])),
                        min_goroutines=int(c.get("min_goroutines", 1)),
                        expect_goroutines=bool(c.get("expect_goroutines", True)),
                        timeout_s=int(c.get("timeout_s", 30)), env=dict(c.get("env", {})),
                        skip_build_modes=[MODE_ALIASES.get(m, m)
                                          for m in c.get("skip_build_modes", [])],
                        concurrent=bool(c.get("concurrent", False)),
                        go_test=bool(c.get("go_test", False)), min_version=c.get("min_version"))
        except (KeyError, TypeError, ValueError) as e:
            raise SystemExit(f"run.py: {path}: cell #{i}: {e!r}")
        if cell.trigger not in ("self", "sigquit"):
            raise SystemExit(f"run.py: {path}: cell {cell.name}: unknown trigger {cell.trigger!r}")
        if cell.exit_signal not in SIGNALS:
            raise SystemExit(f"run.py: {path}: cell {cell.name}: unknown signal {cell.exit_signal!r}")
        cells.append(cell)
    names = [c.name for c in cells]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise SystemExit(f"run.py: {path}: duplicate cell names {sorted(dup)}")
    return cells


RE_EXPECT = re.compile(r"//gopsy:expect\s+(\S+)\s+(.+?)\s*$")
RE_EXPECT_COUNT = re.compile(r"//gopsy:expect-count\s+(\S+)\s+(\d+)\s*$")


@dataclass
class Expectation:
    kind: str           # "expect" | "count"
    funcs: list         # alternatives ("|" in the function field; normally one)
    statuses: list      # alternatives, "*" = any (expect only)
    count: int = 1
    where: str = ""     # file:line of the annotation

    def describe(self) -> str:
        f = "|".join(self.funcs)
        if self.kind == "count":
            return f"//gopsy:expect-count {f} {self.count} ({self.where})"
        return f"//gopsy:expect {f} {'|'.join(self.statuses)} ({self.where})"


def load_expectations(fixture_dir: Path) -> list:
    out = []
    for p in sorted(fixture_dir.glob("*.go")):
        with open(p, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                if "//gopsy:expect" not in line:
                    continue
                st = line.strip()
                # a directive starts the line, or trails code; "// prose about //gopsy:expect"
                # is not one
                if not st.startswith("//gopsy:expect") and st.startswith("//"):
                    continue
                where = f"{p.relative_to(fixture_dir.parent)}:{n}"
                m = RE_EXPECT_COUNT.search(line)
                if m:
                    out.append(Expectation("count", m.group(1).split("|"), ["*"], int(m.group(2)), where))
                    continue
                m = RE_EXPECT.search(line)
                if m and "//gopsy:expect-count" not in line:
                    sts = [s.strip() for s in m.group(2).split("|")]
                    out.append(Expectation("expect", m.group(1).split("|"), sts, 1, where))
                    continue
                out.append(Expectation("bad", [line.strip()], [], 0, where))
    return out


def check_expectations(dump: gotrace.Dump, exps: list) -> list:
    """Return a list of failure messages."""
    fails = []
    blocks = dump.goroutine_blocks()   # every appearance (relayed Ms print running ones again)
    for e in exps:
        if e.kind == "bad":
            fails.append(f"malformed annotation at {e.where}: {e.funcs[0]!r}")
            continue
        with_frame = [b for b in blocks if any(fr.func in e.funcs for fr in b.frames)]
        if e.kind == "count":
            n = len({b.goid for b in with_frame})
            if n < e.count:
                fails.append(f"{e.describe()}: {n} goroutine(s) have the frame")
            continue
        ok = [b for b in with_frame if "*" in e.statuses or b.status in e.statuses]
        if not ok:
            seen = sorted({f"{b.goid}[{b.status}]" for b in with_frame})
            fails.append(f"{e.describe()}: " +
                         (f"frame found only in goroutines {', '.join(seen)}" if seen
                          else "no goroutine has that frame"))
    return fails


# ----------------------------------------------------------------------------------------------
# Toolchains
# ----------------------------------------------------------------------------------------------


def list_toolchains() -> dict:
    script = REPO / "scripts" / "go-toolchains"
    r = subprocess.run([str(script), "--list"], capture_output=True, text=True)
    out = {}
    for line in r.stdout.splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2:
            out[parts[0]] = parts[1].strip()
    return out


def ensure_toolchains(versions: list) -> tuple:
    """Return ({version: GOROOT}, {version: error message}). Installs missing versions."""
    have = list_toolchains()
    missing = [v for v in versions if v not in have]
    errors = {}
    if missing:
        log(f"installing Go toolchains {' '.join(missing)} with scripts/go-toolchains ...")
        logf = cache_root() / "e2e" / "go-toolchains.log"
        logf.parent.mkdir(parents=True, exist_ok=True)
        with open(logf, "w") as lf:
            r = subprocess.run([str(REPO / "scripts" / "go-toolchains"), *missing], stdout=lf,
                               stderr=subprocess.STDOUT)
        have = list_toolchains()
        for v in missing:
            if v not in have:
                errors[v] = (f"Go {v} toolchain missing and `scripts/go-toolchains {v}` failed "
                             f"(exit {r.returncode}; log {logf})")
    roots = {}
    for v in versions:
        if v in have:
            goroot = Path(have[v])
            if not (goroot / "bin" / "go").exists():
                errors[v] = f"Go {v}: {goroot}/bin/go does not exist"
            else:
                roots[v] = goroot
    return roots, errors


def toolchain_id(goroot: Path) -> str:
    try:
        ver = (goroot / "VERSION").read_text().splitlines()[0]
    except OSError:
        ver = "?"
    return f"{goroot}:{ver}"


# ----------------------------------------------------------------------------------------------
# Builds
# ----------------------------------------------------------------------------------------------


def go_env(version: str, goroot: Path, cgo: bool) -> dict:
    c = cache_root()
    env = {
        "PATH": f"{goroot}/bin:/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", str(c)),
        "GOROOT": str(goroot),
        "GOTOOLCHAIN": "local",
        "GOPROXY": "off",
        "GOFLAGS": "-mod=mod",
        "GOCACHE": str(c / "gocache" / version),
        "GOPATH": str(c / "gopath"),
        "GOENV": "off",
        "GOTELEMETRY": "off",
        "XDG_CONFIG_HOME": str(c / "config"),
        "CGO_ENABLED": "1" if cgo else "0",
        "LANG": "C",
    }
    for k in ("CC", "CXX", "TMPDIR"):
        if k in os.environ:
            env[k] = os.environ[k]
    return env


def fixture_dirs(fixtures: Path) -> set:
    """Every fixture (program) directory of tests/fixtures: all but the shared packages (internal/),
    whether a cell of cells.json runs it or another test does (tests/live, tests/dump)."""
    return {p.name for p in fixtures.iterdir() if p.is_dir() and p.name != "internal"
            and not p.name.startswith(".")}


def fixture_files(fixtures: Path, fixture: str, all_fixture_dirs: set) -> list:
    """Files whose content determines the binary: the fixture's own directory, go.mod/go.sum and
    any directory of tests/fixtures that is not another fixture (shared packages)."""
    files = []
    for name in ("go.mod", "go.sum"):
        if (fixtures / name).exists():
            files.append(fixtures / name)
    for p in sorted(fixtures.rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(fixtures)
        if len(rel.parts) < 2:
            continue
        top = rel.parts[0]
        if top == fixture or (top not in all_fixture_dirs and not top.startswith(".")):
            files.append(p)
    return files


def build_key(version: str, goroot: Path, mode: str, cgo: bool, fixtures: Path, fixture: str,
              all_fixture_dirs: set) -> str:
    flags, _, strip = MODES[mode]
    h = hashlib.sha256()
    # The fixtures' absolute directory is part of the key: Go embeds source paths in the binary, so
    # a clone at another path must not reuse binaries built from this one (DWARF, pclntab files).
    h.update(json.dumps([BUILD_SCHEMA, version, toolchain_id(goroot), mode, flags, cgo,
                         STRIP_CMD if strip else None, str(fixtures.resolve())]).encode())
    for p in fixture_files(fixtures, fixture, all_fixture_dirs):
        h.update(str(p.relative_to(fixtures)).encode() + b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


@dataclass
class BuildResult:
    binaries: dict = field(default_factory=dict)   # fixture -> Path
    errors: dict = field(default_factory=dict)     # fixture -> message
    built: list = field(default_factory=list)      # fixtures rebuilt this time
    seconds: float = 0.0


def build_group(version: str, goroot: Optional[Path], tc_error: Optional[str], mode: str,
                fixtures: Path, wanted: dict, all_fixture_dirs: set,
                go_tests: frozenset = frozenset()) -> BuildResult:
    """Build the fixtures `wanted` ({fixture: cgo}) for one (version, mode); cached by stamp.
    Fixtures in go_tests are test binaries, each built by its own `go test -c`."""
    t0 = time.monotonic()
    res = BuildResult()
    if goroot is None:
        for fx in wanted:
            res.errors[fx] = tc_error or f"no Go {version} toolchain"
        return res
    outdir = cache_root() / "e2e" / "bin" / version / mode
    outdir.mkdir(parents=True, exist_ok=True)
    flags, mode_cgo, strip = MODES[mode]
    groups: dict = {}
    keys = {}
    for fx, fx_cgo in sorted(wanted.items()):
        if not (fixtures / fx).is_dir():
            res.errors[fx] = f"fixture directory {fixtures / fx} does not exist"
            continue
        cgo = mode_cgo or fx_cgo
        key = build_key(version, goroot, mode, cgo, fixtures, fx, all_fixture_dirs)
        keys[fx] = key
        binp, stamp = outdir / fx, outdir / (fx + ".stamp")
        try:
            if binp.is_file() and stamp.read_text().strip() == key:
                res.binaries[fx] = binp
                continue
        except OSError:
            pass
        groups.setdefault((cgo, fx if fx in go_tests else ""), []).append(fx)
    for (cgo, test_fx), fxs in sorted(groups.items()):
        env = go_env(version, goroot, cgo)
        tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=outdir))
        try:
            if test_fx:
                cmd = [str(goroot / "bin" / "go"), "test", "-c", "-o", str(tmp / test_fx), *flags,
                       "./" + test_fx]
                logf = outdir / f"build-test-{test_fx}.log"
            else:
                cmd = [str(goroot / "bin" / "go"), "build", "-o", str(tmp) + "/", *flags,
                       *("./" + fx for fx in fxs)]
                logf = outdir / f"build-{'cgo' if cgo else 'nocgo'}.log"
            r = subprocess.run(cmd, cwd=fixtures, env=env, capture_output=True, text=True)
            with open(logf, "w") as lf:
                lf.write("$ " + " ".join(shlex.quote(a) for a in cmd) + "\n")
                lf.write("# env: " + " ".join(f"{k}={v}" for k, v in sorted(env.items())) + "\n")
                lf.write(r.stdout + r.stderr)
            if r.returncode != 0:
                first = next((l for l in (r.stderr + r.stdout).splitlines() if l.strip()), "")
                for fx in fxs:
                    res.errors[fx] = f"go build failed (exit {r.returncode}): {first} [log: {logf}]"
                continue
            for fx in fxs:
                out = tmp / fx
                if not out.is_file():
                    res.errors[fx] = f"go build produced no {fx} binary [log: {logf}]"
                    continue
                if strip:
                    sr = subprocess.run([*STRIP_CMD, str(out)], capture_output=True, text=True)
                    if sr.returncode != 0:
                        res.errors[fx] = f"strip failed: {sr.stderr.strip()}"
                        continue
                os.replace(out, outdir / fx)
                (outdir / (fx + ".stamp")).write_text(keys[fx] + "\n")
                res.binaries[fx] = outdir / fx
                res.built.append(fx)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    res.seconds = time.monotonic() - t0
    return res


# ----------------------------------------------------------------------------------------------
# Cores
# ----------------------------------------------------------------------------------------------


def read_core_pattern() -> tuple:
    """Return (pattern, uses_pid, error message or None)."""
    try:
        pattern = Path("/proc/sys/kernel/core_pattern").read_text().rstrip("\n")
    except OSError as e:
        return "", False, f"cannot read /proc/sys/kernel/core_pattern: {e}"
    try:
        uses_pid = Path("/proc/sys/kernel/core_uses_pid").read_text().strip() == "1"
    except OSError:
        uses_pid = False
    return pattern, uses_pid, core_pattern_problem(pattern)


def core_pattern_problem(pattern: str) -> Optional[str]:
    """Why cores written under this kernel.core_pattern cannot be picked up, or None."""
    if pattern.startswith("|"):
        prog = pattern[1:].split()[0] if pattern[1:].split() else pattern[1:]
        return (
            f"kernel.core_pattern is {pattern!r}: cores are piped to {prog}, not written to a file, "
            f"so the harness cannot get them. Fix (as root, on the host if this is a container): "
            f"`sysctl -w kernel.core_pattern=core` (writes ./core in the crashing process's "
            f"directory; add `kernel.core_pattern=core` to /etc/sysctl.d/ to keep it)")
    if not pattern:
        return "kernel.core_pattern is empty: the kernel writes no cores"
    return None


def core_glob(pattern: str, uses_pid: bool, cwd: Path) -> str:
    """Turn a core_pattern into a glob relative to the dumping process's cwd."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "%" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append("%" if nxt == "%" else "*")
            i += 2
            continue
        out.append(glob.escape(ch) if ch in "*?[" else ch)
        i += 1
    g = "".join(out)
    if uses_pid and "%p" not in pattern:
        g += ".*"
    if not g.startswith("/"):
        g = str(cwd / g)
    return g


def find_core(pattern: str, uses_pid: bool, cwd: Path, pid: int, since: float) -> Optional[Path]:
    cands = []
    for p in glob.glob(core_glob(pattern, uses_pid, cwd)):
        try:
            st = os.stat(p)
        except OSError:
            continue
        if not os.path.isfile(p) or st.st_mtime < since - 2:
            continue
        cands.append((str(pid) in os.path.basename(p), st.st_mtime, p))
    if not cands:
        return None
    cands.sort()
    return Path(cands[-1][2])


@dataclass
class CoreInfo:
    ok: bool
    message: str
    size: int = 0
    threads: int = 0
    loads: int = 0


def check_core(path: Path) -> CoreInfo:
    """An ELF64 little-endian ET_CORE file with notes, PT_LOADs and no truncation."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            eh = f.read(64)
            if len(eh) < 64 or eh[:4] != b"\x7fELF":
                return CoreInfo(False, f"{path} is not an ELF file", size)
            if eh[4] != 2 or eh[5] != 1:
                return CoreInfo(False, f"{path}: not ELF64 little-endian", size)
            e_type, e_machine = struct.unpack_from("<HH", eh, 16)
            if e_type != 4:
                return CoreInfo(False, f"{path}: ELF type {e_type}, not ET_CORE (4)", size)
            e_phoff, e_shoff = struct.unpack_from("<QQ", eh, 32)
            e_phentsize, e_phnum = struct.unpack_from("<HH", eh, 54)
            if e_phnum == 0xFFFF:      # PN_XNUM: real count in section header 0's sh_info
                f.seek(e_shoff)
                sh = f.read(64)
                e_phnum = struct.unpack_from("<I", sh, 44)[0]
            if e_phentsize != 56 or e_phoff + e_phnum * 56 > size:
                return CoreInfo(False, f"{path}: program headers truncated or malformed", size)
            f.seek(e_phoff)
            ph = f.read(e_phnum * 56)
            end, loads, notes = 0, 0, []
            for k in range(e_phnum):
                p_type, _flags, p_off, _va, _pa, p_filesz, _memsz, _al = struct.unpack_from(
                    "<IIQQQQQQ", ph, k * 56)
                end = max(end, p_off + p_filesz)
                if p_type == 1:
                    loads += 1
                elif p_type == 4:
                    notes.append((p_off, p_filesz))
            if end > size:
                return CoreInfo(False, f"{path}: truncated: segments end at {end} bytes, file has "
                                f"{size} (disk full? RLIMIT_CORE?)", size)
            if loads == 0 or not notes:
                return CoreInfo(False, f"{path}: no PT_LOAD or no PT_NOTE segment", size)
            threads = 0
            for off, sz in notes:
                f.seek(off)
                data = f.read(sz)
                q = 0
                while q + 12 <= len(data):
                    namesz, descsz, ntype = struct.unpack_from("<III", data, q)
                    q += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
                    if ntype == 1:
                        threads += 1
            if threads == 0:
                return CoreInfo(False, f"{path}: no NT_PRSTATUS note (no threads)", size)
            if size < MIN_CORE_BYTES:
                return CoreInfo(False, f"{path}: only {size} bytes", size)
            return CoreInfo(True, f"{size / 1e6:.1f} MB, {threads} threads, {loads} PT_LOAD",
                            size, threads, loads)
    except OSError as e:
        return CoreInfo(False, f"cannot read core {path}: {e}")


# ----------------------------------------------------------------------------------------------
# Running one cell
# ----------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    ok: bool
    reason: str = ""
    notes: list = field(default_factory=list)
    dir: Optional[Path] = None
    core: Optional[Path] = None


def run_env(cell: Cell, scratch: Path) -> dict:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(scratch), "LANG": "C",
           "GOTRACEBACK": "crash"}
    env.update({k: str(v) for k, v in cell.env.items()})
    return env


def run_cell(cell: Cell, binary: Path, scratch: Path, core_cfg: tuple, exps: list,
             against: Optional[str], cmp_opts: dict, keep: bool,
             post_lock: Optional[threading.Lock] = None) -> Outcome:
    """Run one cell. With post_lock, everything after the process's death (core checks, parsing,
    --against) is done holding it: concurrent cells take turns for the heavy part."""
    pattern, uses_pid, _ = core_cfg
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)
    out = Outcome(False, dir=scratch)
    stdout_p, stderr_p = scratch / "stdout", scratch / "stderr"
    (scratch / "cmd").write_text(" ".join(shlex.quote(a) for a in [str(binary), *cell.args]) + "\n")
    start = time.time()
    ready = threading.Event()
    with open(stderr_p, "wb") as ferr, open(stdout_p, "wb") as fout:
        proc = subprocess.Popen([str(binary), *cell.args], cwd=scratch, env=run_env(cell, scratch),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=ferr,
                                start_new_session=True)

        def pump():
            for line in proc.stdout:
                fout.write(line)
                fout.flush()
                if line.rstrip(b"\n") == READY_LINE.encode():
                    ready.set()
        th = threading.Thread(target=pump, daemon=True)
        th.start()
        deadline = time.monotonic() + cell.timeout_s
        timed_out = False
        if cell.trigger == "sigquit":
            while not ready.is_set() and proc.poll() is None and time.monotonic() < deadline:
                ready.wait(0.02)
            if ready.is_set() and proc.poll() is None:
                # The ready line is read while the fixture's write(2) of it may not have returned:
                # let main reach its final blocking point, or the runtime may print it "[syscall]"
                # and the core show it "runnable" (a difference of moments, not of tools).
                time.sleep(SIGQUIT_SETTLE_S)
                os.kill(proc.pid, signal.SIGQUIT)
            elif proc.poll() is None:
                timed_out = True
        if not timed_out:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                timed_out = True
        if timed_out:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        th.join(5)
        if not th.is_alive():
            proc.stdout.close()
    if post_lock is None:
        return _check_cell(cell, scratch, core_cfg, exps, against, cmp_opts, keep, binary, proc, start,
                           ready, timed_out, out, stderr_p)
    with post_lock:
        return _check_cell(cell, scratch, core_cfg, exps, against, cmp_opts, keep, binary, proc, start,
                           ready, timed_out, out, stderr_p)


def _check_cell(cell: Cell, scratch: Path, core_cfg: tuple, exps: list, against: Optional[str],
                cmp_opts: dict, keep: bool, binary: Path, proc, start: float, ready, timed_out: bool,
                out: Outcome, stderr_p: Path) -> Outcome:
    """The checks of a cell whose process has died (or was killed)."""
    pattern, uses_pid, _ = core_cfg
    if timed_out:
        what = (f"no '{READY_LINE}' on stdout" if cell.trigger == "sigquit" and not ready.is_set()
                else "did not exit")
        out.reason = f"timeout after {cell.timeout_s}s ({what}); killed with SIGKILL"
        return out
    if cell.trigger == "sigquit" and not ready.is_set():
        out.reason = (f"exited ({_status(proc.returncode)}) before printing '{READY_LINE}'"
                      f"{_last_line(stderr_p)}")
        return out
    want = SIGNALS[cell.exit_signal]
    core = find_core(pattern, uses_pid, scratch, proc.pid, start)
    if core is not None and core.parent != scratch:
        dest = scratch / core.name
        shutil.move(str(core), dest)
        core = dest
    out.core = core
    if proc.returncode != -want:
        out.reason = (f"exit: {_status(proc.returncode)}, want death by {cell.exit_signal}"
                      f"{_last_line(stderr_p)}")
        return out
    if core is None:
        out.reason = (f"no core file (core_pattern {pattern!r}, looked for "
                      f"{core_glob(pattern, uses_pid, scratch)})")
        return out
    ci = check_core(core)
    if not ci.ok:
        out.reason = ci.message
        return out
    out.notes.append(f"core: {ci.message}")
    stderr = stderr_p.read_text(errors="replace")
    missing = []
    for item in cell.stderr_must_contain:
        alts = item if isinstance(item, list) else [item]
        if not any(a in stderr for a in alts):
            missing.append(" | ".join(repr(a) for a in alts))
    if missing:
        out.reason = "stderr lacks " + "; ".join(missing)
        return out
    dump = gotrace.parse(stderr)
    with open(scratch / "parse.txt", "w") as f:
        f.write(dump.summary() + "\n")
        for ln, t in dump.unknown:
            f.write(f"unknown line {ln}: {t!r}\n")
        for ln, msg in dump.errors:
            f.write(f"PARSE ERROR line {ln}: {msg}\n")
    if dump.errors:
        ln, msg = dump.errors[0]
        out.reason = (f"runtime dump does not parse ({len(dump.errors)} errors), first at stderr "
                      f"line {ln}: {msg}")
        return out
    for ln, t in dump.unknown[:3]:
        out.notes.append(f"unknown line outside goroutine blocks, stderr:{ln}: {t[:100]!r}")
    if len(dump.unknown) > 3:
        out.notes.append(f"... {len(dump.unknown) - 3} more unknown lines (see parse.txt)")
    ngor = len(dump.goroutines())
    if ngor < cell.min_goroutines:
        out.reason = f"{ngor} goroutines in the dump, want at least {cell.min_goroutines}"
        return out
    if cell.expect_goroutines:
        fails = check_expectations(dump, exps)
        if fails:
            out.reason = fails[0] + (f" (+{len(fails) - 1} more)" if len(fails) > 1 else "")
            out.notes.extend(fails[1:])
            return out
    if against:
        r = run_against(against, core, binary, scratch, dump, cmp_opts)
        if r:
            out.reason = r
            return out
    out.ok = True
    if not keep:
        try:
            core.unlink()
        except OSError:
            pass
        out.core = None
    return out


def run_against(template: str, core: Path, binary: Path, scratch: Path, expected: gotrace.Dump,
                opts: dict) -> Optional[str]:
    """Run the reconstruction command and compare; return a failure reason or None."""
    cmd = template.format(core=shlex.quote(str(core)), exe=shlex.quote(str(binary)),
                          dir=shlex.quote(str(scratch)), stderr=shlex.quote(str(scratch / "stderr")))
    (scratch / "against.cmd").write_text(cmd + "\n")
    try:
        # The harness sent the cell's SIGQUIT itself: its pid is the sender the core records.
        env = dict(os.environ, GOPSY_E2E_HARNESS_PID=str(os.getpid()))
        r = subprocess.run(cmd, shell=True, cwd=scratch, capture_output=True, env=env,
                           timeout=opts.get("timeout", 300))
    except subprocess.TimeoutExpired:
        return f"--against command timed out: {cmd}"
    (scratch / "actual.txt").write_bytes(r.stdout)
    (scratch / "against.stderr").write_bytes(r.stderr)
    if r.returncode != 0:
        last = r.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        return f"--against command exited {r.returncode}: {last[0][:200]} (see against.stderr)"
    actual = gotrace.parse(r.stdout.decode(errors="replace"))
    rep = gotrace.compare(expected, actual, ignore_minutes=opts.get("ignore_minutes", False),
                          ignore_order=opts.get("ignore_order", False))
    (scratch / "compare.txt").write_text(rep.format() + "\n")
    # Per-version goroutine tallies for the summary (scratch is "<version>-<mode>-<cell>").
    t = opts.setdefault("goroutines", {}).setdefault(scratch.name.split("-", 1)[0], {})
    for k, v in (("compared", len(rep.results)), ("identical", sum(1 for x in rep.results if x.same)),
                 ("differ", len(rep.failures)), ("legit", len(rep.legit_differences)),
                 ("missing", len(rep.missing)), ("extra", len(rep.extra))):
        t[k] = t.get(k, 0) + v
    ct_fail = None
    if opts.get("crash_text"):
        ct = gotrace.compare_crash_text(expected, actual)
        (scratch / "crashtext.txt").write_text(ct.format() + "\n")
        c = opts.setdefault("crash_text_tally", {}).setdefault(scratch.name.split("-", 1)[0], {})
        for k, v in (("cells", 1), ("parts", len(ct.checked) + len(ct.diffs)), ("identical", len(ct.checked)),
                     ("differ", len(ct.diffs)), ("legit", len(ct.legit)), ("sched", ct.sched_lines)):
            c[k] = c.get(k, 0) + v
        if not ct.ok:
            ct_fail = f"crash text: {ct.summary()} (see crashtext.txt)"
    if rep.ok:
        return ct_fail
    return f"comparison: {rep.summary()} (see compare.txt)" + (f"; {ct_fail}" if ct_fail else "")


def _last_line(path: Path) -> str:
    """'; stderr: <last non-empty line>' to make a failure message self-explanatory."""
    try:
        lines = [l for l in path.read_text(errors="replace").splitlines() if l.strip()]
    except OSError:
        return ""
    return f"; stderr: {lines[-1][:160]!r}" if lines else ""


def _status(rc: int) -> str:
    if rc is None:
        return "still running"
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit status {rc}"


# ----------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------


def csv(s: Optional[str], allowed: Optional[list], what: str) -> Optional[list]:
    if s is None:
        return None
    items = [x.strip() for x in s.split(",") if x.strip()]
    if allowed is not None:
        bad = [x for x in items if x not in allowed]
        if bad:
            raise SystemExit(f"run.py: unknown {what}: {', '.join(bad)} (known: {', '.join(allowed)})")
    return items


def raise_core_limit() -> Optional[str]:
    """Unlimited core size for the children. Set on this process (children inherit it) rather than
    in a preexec_fn, which is unsafe while build threads are running."""
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        return None
    except (ValueError, OSError):
        pass
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
    except (ValueError, OSError) as e:
        return f"cannot set RLIMIT_CORE: {e}"
    if hard == 0:
        return "RLIMIT_CORE hard limit is 0 (`ulimit -Hc`): no cores can be written; raise it"
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="run.py", description="gopsy oracle test harness")
    ap.add_argument("--versions", help=f"comma-separated, default all ({','.join(ALL_VERSIONS)})")
    ap.add_argument("--modes", help=f"comma-separated, default all ({','.join(ALL_MODES)})")
    ap.add_argument("--cells", help="comma-separated cell names, default all of cells.json")
    ap.add_argument("--keep", action="store_true",
                    help="keep cores of passing cells too and print where everything is")
    ap.add_argument("--against", metavar="CMD",
                    help="compare with CMD's stdout; {core} {exe} {dir} {stderr} are substituted, "
                         "e.g. 'build/gopsy goroutines --traceback=crash {core}'")
    ap.add_argument("--ignore-minutes", action="store_true", help="with --against: ignore ', N minutes'")
    ap.add_argument("--ignore-order", action="store_true", help="with --against: ignore goroutine order")
    ap.add_argument("--crash-text", action="store_true",
                    help="with --against: also compare the text around the goroutines byte for byte "
                         "(preamble, M stacks, registers, relayed sections: gotrace.compare_crash_text)")
    ap.add_argument("-j", "--jobs", type=int, default=2,
                    help="parallel `go build` jobs (default 2); cells always run one at a time")
    ap.add_argument("--fixtures", default=str(REPO / "tests" / "fixtures"),
                    help="fixtures directory (default tests/fixtures of this repo)")
    ap.add_argument("--list", action="store_true", help="print the matrix and exit")
    ap.add_argument("--skip-concurrent", action="store_true",
                    help="leave out the cells marked \"concurrent\" in cells.json (long waits)")
    a = ap.parse_args(argv)
    # One harness run at a time per cache: runs share its scratch (e2e/run) and binaries (e2e/bin),
    # and a second one (a test calling the harness while a CI run is going) would remove or
    # overwrite the first one's files. Held until this process exits.
    lock_path = cache_root() / "e2e" / "harness.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    global _HARNESS_LOCK
    _HARNESS_LOCK = open(lock_path, "w")
    try:
        fcntl.flock(_HARNESS_LOCK, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log(f"waiting for another run of the harness on {cache_root()} (lock {lock_path}) ...")
        fcntl.flock(_HARNESS_LOCK, fcntl.LOCK_EX)

    t_start = time.monotonic()
    fixtures = Path(a.fixtures).resolve()
    if not (fixtures / "cells.json").exists():
        print(f"run.py: {fixtures / 'cells.json'} not found", file=sys.stderr)
        return 2
    cells = load_cells(fixtures)
    versions = csv(a.versions, ALL_VERSIONS, "version") or ALL_VERSIONS
    modes = csv(a.modes, ALL_MODES, "mode") or ALL_MODES
    wanted = csv(a.cells, [c.name for c in cells], "cell")
    if wanted is not None:
        cells = [c for c in cells if c.name in wanted]
    if a.skip_concurrent:
        cells = [c for c in cells if not c.concurrent]
    skipped = [f"{c.name} in mode {m}" for c in cells for m in modes if m in c.skip_build_modes]
    if skipped:
        log(f"# not applicable (cells.json skip_build_modes), per version: {'; '.join(skipped)}")
    too_old = [f"{c.name} before Go {c.min_version}" for c in cells
               if any(not c.applies_to(v) for v in versions)]
    if too_old:
        log(f"# not applicable (cells.json min_version): {'; '.join(too_old)}")

    def fx_applies(fx, v):   # some selected cell of fixture fx applies to version v
        return any(c.fixture == fx and c.applies_to(v) for c in cells)
    if a.list:
        for v in versions:
            for m in modes:
                for c in cells:
                    if m in c.skip_build_modes or not c.applies_to(v):
                        continue
                    log(f"{v} {m} {c.name}  ({c.fixture} {' '.join(c.args)}; trigger {c.trigger})")
        return 0

    all_fixture_dirs = fixture_dirs(fixtures)
    exps = {c.fixture: load_expectations(fixtures / c.fixture) for c in cells}

    # global preconditions: they fail every cell, never skip
    global_error = None
    core_cfg = read_core_pattern()
    if core_cfg[2]:
        global_error = core_cfg[2]
    else:
        global_error = raise_core_limit()
    if global_error:
        log(f"run.py: {global_error}")

    if global_error:      # nothing can pass: do not spend time on toolchains and builds
        roots, tc_errors = {}, {v: global_error for v in versions}
    else:
        roots, tc_errors = ensure_toolchains(versions)

    fx_wanted = {}    # mode -> {fixture: needs cgo}
    for m in modes:
        fx_wanted[m] = {}
        for c in cells:
            if m not in c.skip_build_modes:
                fx_wanted[m][c.fixture] = fx_wanted[m].get(c.fixture, False) or c.cgo
    # Two `go build`s sharing one GOCACHE concurrently have failed here ("could not import bytes
    # (open : no such file or directory)", Go 1.21), so builds of one version are serialized and
    # the parallel jobs work on different versions: jobs are queued pairing versions mode by mode,
    # (v1,m1) (v2,m1) (v1,m2) (v2,m2) ..., so the first version is ready first while the runs start.
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs))
    vlocks = {v: threading.Lock() for v in versions}

    def build_locked(v, m):
        with vlocks[v]:
            return build_group(v, roots.get(v), tc_errors.get(v), m, fixtures,
                               {fx: cgo for fx, cgo in fx_wanted[m].items() if fx_applies(fx, v)},
                               all_fixture_dirs, frozenset(c.fixture for c in cells if c.go_test))
    futures = {}
    width = max(1, a.jobs)
    for k in range(0, len(versions), width):
        group = versions[k:k + width]
        for m in modes:
            for v in group:
                futures[(v, m)] = pool.submit(build_locked, v, m)

    tally = {v: [0, 0] for v in versions}
    failures = []
    build_secs = 0.0
    run_root = cache_root() / "e2e" / "run"
    cmp_opts = {"ignore_minutes": a.ignore_minutes, "ignore_order": a.ignore_order, "crash_text": a.crash_text}
    # Serial cells run one at a time holding run_lock; concurrent cells (cells.json "concurrent")
    # all start at once, in the background, as soon as their binary is built, and take run_lock
    # only for their checks, between two serial cells: their long wait is spent once per run.
    run_lock, log_lock = threading.Lock(), threading.Lock()
    conc_cells = [c for c in cells if c.concurrent]
    serial_cells = [c for c in cells if not c.concurrent]

    def one_cell(v, m, c, br, post_lock):
        t0 = time.monotonic()
        scratch = run_root / f"{v}-{m}-{c.name}"
        binary = br.binaries.get(c.fixture)
        bad_modes = [x for x in c.skip_build_modes if x not in MODES]
        if global_error:
            oc = Outcome(False, global_error)
        elif bad_modes:
            oc = Outcome(False, f"cells.json: skip_build_modes names unknown mode(s) "
                         f"{', '.join(map(repr, bad_modes))} (modes: {', '.join(MODES)})")
        elif binary is None:
            oc = Outcome(False, br.errors.get(c.fixture, "not built"))
        else:
            try:
                oc = run_cell(c, binary, scratch, core_cfg, exps[c.fixture], a.against,
                              cmp_opts, a.keep, post_lock)
            except Exception as e:   # a harness bug must not stop the matrix
                oc = Outcome(False, f"harness error: {e!r}", dir=scratch)
        secs = time.monotonic() - t0
        word = "PASS" if oc.ok else "FAIL"
        line = f"{word} {v} {m} {c.name} ({secs:.1f}s)"
        if not oc.ok:
            line += f" {oc.reason}"
            if oc.dir is not None:
                line += f" [kept: {oc.dir}]"
        with log_lock:
            log(line)
            for n in oc.notes:
                if not oc.ok or n.startswith("unknown") or n.startswith("..."):
                    log(f"    {n}")
            if a.keep and oc.dir is not None:
                log(f"    binary: {binary}")
                log(f"    stderr: {oc.dir / 'stderr'}")
                log(f"    core:   {oc.core if oc.core else '(none)'}")
            tally[v][0 if oc.ok else 1] += 1
            if not oc.ok:
                failures.append(f"{v} {m} {c.name}")

    conc_jobs = [(v, m, c) for v in versions for m in modes for c in conc_cells
                 if m not in c.skip_build_modes and c.applies_to(v)]
    conc_pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(conc_jobs)))
    starts = {"next": 0.0}
    start_lock = threading.Lock()

    def conc_task(v, m, c):
        br = futures[(v, m)].result()
        with start_lock:   # space the starts out
            wait = starts["next"] - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            starts["next"] = time.monotonic() + CONCURRENT_STAGGER_S
        one_cell(v, m, c, br, run_lock)
    conc_futures = [conc_pool.submit(conc_task, v, m, c) for v, m, c in conc_jobs]
    try:
        for v in versions:
            for m in modes:
                br = futures[(v, m)].result()
                build_secs += br.seconds
                if br.built:
                    with log_lock:
                        log(f"# built {v} {m}: {', '.join(br.built)} ({br.seconds:.1f}s)")
                for c in serial_cells:
                    if m in c.skip_build_modes or not c.applies_to(v):
                        continue
                    with run_lock:
                        one_cell(v, m, c, br, None)
        for f in conc_futures:
            f.result()
    finally:
        conc_pool.shutdown(wait=True, cancel_futures=True)
        pool.shutdown(wait=True, cancel_futures=True)

    passed = sum(t[0] for t in tally.values())
    failed = sum(t[1] for t in tally.values())
    log("")
    for v in versions:
        g = cmp_opts.get("goroutines", {}).get(v)
        extra = ""
        if g:
            extra = (f"; goroutines: {g['compared']} compared, {g['identical']} identical, "
                     f"{g['legit']} differ legitimately, {g['differ']} differ, {g['missing']} missing, "
                     f"{g['extra']} extra")
        c = cmp_opts.get("crash_text_tally", {}).get(v)
        if c:
            extra += (f"; crash text: {c['cells']} cells, {c['identical']}/{c['parts']} parts identical, "
                      f"{c['differ']} differ, {c['legit']} legit (relay order), {c['sched']} schedtrace lines "
                      f"not compared")
        log(f"  go{v}: {tally[v][0]} pass / {tally[v][1]} fail{extra}")
    wall = time.monotonic() - t_start
    log(f"  wall time {wall:.0f}s (builds {build_secs:.0f}s of work on {a.jobs} jobs, overlapped)")
    log(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
