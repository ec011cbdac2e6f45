#!/usr/bin/env python3
"""Unit tests of the harness (run.py): core patterns, ELF core checks, annotations, and one
small end-to-end self test (skipped only when no Go toolchain is installed at all; the real
matrix never skips)."""

import contextlib
import io
import json
import os
import struct
import sys
import tempfile
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import gotrace  # noqa: E402
import run  # noqa: E402

DATA = HERE / "testdata"


def make_core(path: Path, threads: int = 2, truncate: int = 0, e_type: int = 4):
    """A minimal ELF64 core: PT_NOTE with `threads` NT_PRSTATUS notes, one PT_LOAD."""
    notes = b""
    for _ in range(threads):
        desc = b"\0" * 336
        notes += struct.pack("<III", 5, len(desc), 1) + b"CORE\0\0\0\0" + desc
    phoff, phnum = 64, 2
    note_off = phoff + phnum * 56
    load_off = note_off + len(notes)
    load_size = 128 * 1024
    eh = bytearray(64)
    eh[:16] = b"\x7fELF\x02\x01\x01" + b"\0" * 9
    struct.pack_into("<HHIQQQIHHHHHH", eh, 16, e_type, 62, 1, 0, phoff, 0, 0, 64, 56, phnum, 0, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 4, 0, note_off, 0, 0, len(notes), 0, 4)
    ph += struct.pack("<IIQQQQQQ", 1, 5, load_off, 0x400000, 0, load_size, load_size, 4096)
    data = bytes(eh) + ph + notes + b"\0" * load_size
    path.write_bytes(data[:len(data) - truncate])


class CorePattern(unittest.TestCase):
    def test_pipe_is_an_error_with_the_fix(self):
        msg = run.core_pattern_problem("|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h")
        self.assertIn("piped to /usr/lib/systemd/systemd-coredump", msg)
        self.assertIn("sysctl -w kernel.core_pattern=core", msg)
        self.assertIsNotNone(run.core_pattern_problem(""))
        self.assertIsNone(run.core_pattern_problem("core"))
        self.assertIsNone(run.core_pattern_problem("/var/crash/core.%e.%p"))

    def test_globs(self):
        cwd = Path("/s")
        self.assertEqual(run.core_glob("core", False, cwd), "/s/core")
        self.assertEqual(run.core_glob("core", True, cwd), "/s/core.*")
        self.assertEqual(run.core_glob("core.%p", True, cwd), "/s/core.*")
        self.assertEqual(run.core_glob("/var/crash/%e-%p-%t.core", False, cwd), "/var/crash/*-*-*.core")
        self.assertEqual(run.core_glob("cores/c%%%p", False, cwd), "/s/cores/c%*")

    def test_find_core(self):
        with tempfile.TemporaryDirectory() as d:
            d = Path(d)
            t = time.time()
            (d / "core.111").write_bytes(b"x")
            (d / "core.222").write_bytes(b"x")
            self.assertEqual(run.find_core("core.%p", False, d, 222, t), d / "core.222")
            self.assertIsNone(run.find_core("core", False, d, 222, t))
            old = d / "core"
            old.write_bytes(b"x")
            os.utime(old, (t - 100, t - 100))
            self.assertIsNone(run.find_core("core", False, d, 1, t))   # stale: not this run's


class CoreCheck(unittest.TestCase):
    def test_good_core(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "core"
            make_core(p, threads=3)
            ci = run.check_core(p)
            self.assertTrue(ci.ok, ci.message)
            self.assertEqual((ci.threads, ci.loads), (3, 1))

    def test_bad_cores(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "core"
            make_core(p, truncate=4096)
            self.assertIn("truncated", run.check_core(p).message)
            make_core(p, e_type=2)
            self.assertIn("not ET_CORE", run.check_core(p).message)
            make_core(p, threads=0)
            self.assertFalse(run.check_core(p).ok)
            p.write_bytes(b"#!/bin/sh\n" * 100)
            self.assertIn("not an ELF", run.check_core(p).message)


class Annotations(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.fx = Path(self.tmp.name) / "fx"
        self.fx.mkdir()

    def tearDown(self):
        self.tmp.cleanup()

    def exps(self, src: str) -> list:
        (self.fx / "main.go").write_text(src)
        return run.load_expectations(self.fx)

    def test_parse(self):
        e = self.exps("// The //gopsy:expect lines say what is expected (prose, not a directive)\n"
                      "//gopsy:expect main.locker sync.Mutex.Lock|semacquire\n"
                      "func f() { <-c } //gopsy:expect main.f chan receive (nil chan)\n"
                      "//gopsy:expect-count main.blockChan 2\n"
                      "//gopsy:expect main.x\n")
        self.assertEqual([(x.kind, x.funcs, x.statuses) for x in e[:3]], [
            ("expect", ["main.locker"], ["sync.Mutex.Lock", "semacquire"]),
            ("expect", ["main.f"], ["chan receive (nil chan)"]),
            ("count", ["main.blockChan"], ["*"])])
        self.assertEqual(e[2].count, 2)
        self.assertEqual(e[3].kind, "bad")
        self.assertEqual(e[1].where, "fx/main.go:3")

    def test_check_on_real_dumps(self):
        e = self.exps("//gopsy:expect main.locker sync.Mutex.Lock|semacquire\n"
                      "//gopsy:expect main.sleeper sleep\n"
                      "//gopsy:expect main.main *\n"
                      "//gopsy:expect-count main.blockChan 2\n")
        for name in ("nil-go1.19.txt", "nil-go1.22.txt", "nil-go1.27.txt"):
            with self.subTest(name):
                d = gotrace.parse_file(str(DATA / name))
                self.assertEqual(run.check_expectations(d, e), [])
        e = self.exps("//gopsy:expect main.sleeper chan receive\n"
                      "//gopsy:expect main.nothere *\n"
                      "//gopsy:expect-count main.sleeper 2\n")
        fails = run.check_expectations(gotrace.parse_file(str(DATA / "nil-go1.22.txt")), e)
        self.assertEqual(len(fails), 3)
        self.assertIn("frame found only in goroutines 23[sleep]", fails[0])
        self.assertIn("no goroutine has that frame", fails[1])
        self.assertIn("1 goroutine(s)", fails[2])

    def test_locked_suffix_is_not_part_of_status(self):
        e = self.exps("//gopsy:expect main.common.func2 chan receive\n")
        d = gotrace.parse_file(str(DATA / "nil-go1.22.txt"))
        self.assertEqual(run.check_expectations(d, e), [])


SELFTEST_GO = r'''package main

import (
	"os"
	"time"
)

var c = make(chan int)

//gopsy:expect main.waiter chan receive
func waiter() { <-c }

func main() {
	go waiter()
	time.Sleep(20 * time.Millisecond)
	switch os.Args[1] {
	case "nil":
		var p *int
		println(*p)
	case "ready":
		os.Stdout.WriteString("gopsy-fixture: ready\n")
		time.Sleep(time.Hour) // not select{}: that would be a deadlock, detected
	case "hang":
		time.Sleep(time.Hour)
	case "exit":
		os.Exit(0)
	}
}
'''


def cell(name, args, **kw):
    c = {"name": "selftest-" + name, "fixture": "selftest", "args": args, "cgo": False, "trigger": "self",
         "exit_signal": "SIGABRT", "stderr_must_contain": [], "min_goroutines": 2,
         "expect_goroutines": True, "timeout_s": 30}
    c.update(kw)
    return c


class EndToEnd(unittest.TestCase):
    """The harness on a tiny fixture, with the first installed toolchain, default mode."""

    @classmethod
    def setUpClass(cls):
        tcs = run.list_toolchains()
        if not tcs:
            raise unittest.SkipTest("no Go toolchain installed (scripts/go-toolchains)")
        if run.read_core_pattern()[2]:
            raise unittest.SkipTest("core_pattern does not allow cores: " + run.read_core_pattern()[2])
        cls.version = sorted(tcs)[0]
        cls.tmp = tempfile.TemporaryDirectory()
        fx = Path(cls.tmp.name)
        (fx / "go.mod").write_text("module gopsy/selftest\n\ngo 1.19\n")
        (fx / "selftest").mkdir()
        (fx / "selftest" / "main.go").write_text(SELFTEST_GO)
        cells = [
            cell("nil", ["nil"], stderr_must_contain=[["no such text", "nil pointer dereference"]]),
            cell("sigquit", ["ready"], trigger="sigquit", stderr_must_contain=["SIGQUIT: quit"]),
            cell("timeout", ["hang"], trigger="sigquit", timeout_s=2),
            cell("exit0", ["exit"]),
            cell("lacks", ["nil"], stderr_must_contain=["not in the dump"]),
            cell("toomany", ["nil"], min_goroutines=500),
            cell("conc", ["ready"], trigger="sigquit", stderr_must_contain=["SIGQUIT: quit"],
                 concurrent=True),
            cell("future", ["nil"], min_version="1.99"),
        ]
        (fx / "cells.json").write_text(json.dumps(cells))
        cls.fixtures = fx

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()
        # the failing self-test cells keep their scratch dirs (and cores) by design: drop them
        import shutil
        for d in (run.cache_root() / "e2e" / "run").glob(f"{cls.version}-default-selftest-*"):
            shutil.rmtree(d, ignore_errors=True)

    def run_harness(self, *args):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = run.main(["--fixtures", str(self.fixtures), "--versions", self.version,
                           "--modes", "default", *args])
        return rc, buf.getvalue()

    def test_matrix(self):
        rc, out = self.run_harness()
        lines = {l.split()[3][len("selftest-"):]: l for l in out.splitlines()
                 if l.startswith(("PASS ", "FAIL "))}
        self.assertEqual(rc, 1, out)
        self.assertTrue(lines["nil"].startswith("PASS"), out)
        self.assertTrue(lines["sigquit"].startswith("PASS"), out)
        self.assertIn("timeout after 2s (no 'gopsy-fixture: ready' on stdout); killed with SIGKILL",
                      lines["timeout"])
        self.assertIn("exit: exit status 0, want death by SIGABRT", lines["exit0"])
        self.assertIn("stderr lacks 'not in the dump'", lines["lacks"])
        self.assertIn("want at least 500", lines["toomany"])
        self.assertIn("[kept: ", lines["toomany"])
        self.assertTrue(lines["conc"].startswith("PASS"), out)        # a concurrent cell
        self.assertNotIn("future", lines)                               # min_version: not run
        self.assertIn("# not applicable (cells.json min_version): selftest-future before Go 1.99", out)
        self.assertEqual(out.strip().splitlines()[-1], "3 passed, 4 failed")
        scratch = run.cache_root() / "e2e" / "run" / f"{self.version}-default-selftest-nil"
        self.assertTrue((scratch / "stderr").exists())
        self.assertFalse(list(scratch.glob("core*")))          # deleted on pass

    def test_skip_concurrent(self):
        rc, out = self.run_harness("--cells", "selftest-conc,selftest-nil", "--skip-concurrent")
        self.assertEqual(rc, 0, out)
        self.assertNotIn("selftest-conc", out)
        self.assertEqual(out.strip().splitlines()[-1], "1 passed, 0 failed")

    def test_keep_and_against(self):
        rc, out = self.run_harness("--cells", "selftest-nil", "--keep", "--against", "cat {stderr}")
        self.assertEqual(rc, 0, out)
        self.assertIn("    core:   ", out)
        core = out.split("    core:   ")[1].split("\n")[0]
        self.assertTrue(run.check_core(Path(core)).ok)
        Path(core).unlink()
        rc, out = self.run_harness("--cells", "selftest-nil", "--against",
                                   "sed 's/^main.waiter()/main.other()/' {stderr}")
        self.assertEqual(rc, 1, out)
        self.assertIn("comparison: ", out)

    def test_pipe_core_pattern_fails_every_cell(self):
        orig = run.read_core_pattern
        run.read_core_pattern = lambda: ("|/bin/false %p", False,
                                         run.core_pattern_problem("|/bin/false %p"))
        try:
            rc, out = self.run_harness()
        finally:
            run.read_core_pattern = orig
        self.assertEqual(rc, 1)
        fails = [l for l in out.splitlines() if l.startswith("FAIL ")]
        self.assertEqual(len(fails), 7)   # every applicable cell, the concurrent one too
        self.assertTrue(all("piped to /bin/false" in l for l in fails))
        self.assertEqual(out.strip().splitlines()[-1], "0 passed, 7 failed")


if __name__ == "__main__":
    unittest.main()
