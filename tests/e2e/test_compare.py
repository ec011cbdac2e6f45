#!/usr/bin/env python3
"""Unit tests of the dump comparator (gotrace.compare).

"expected" is always a real runtime dump from testdata/; "actual" is the same text with one
deliberate change made here (what a buggy reconstruction would print), or a real variation.
"""

import re
import sys
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import gotrace  # noqa: E402

DATA = HERE / "testdata"


def lines_of(name: str) -> list:
    return (DATA / name).read_text().split("\n")


def block_range(lines: list, goid: int, section: int = 0) -> tuple:
    """[start, end) line indexes of goroutine goid's block in the given section."""
    d = gotrace.parse("\n".join(lines))
    b = next(b for b in d.goroutine_blocks() if b.goid == goid and b.section == section)
    return b.lineno - 1, b.lineno - 1 + len(b.raw)


def goid_with(lines: list, func: str) -> int:
    d = gotrace.parse("\n".join(lines))
    return next(b.goid for b in d.goroutines() if any(f.func == func for f in b.frames))


def cmp(exp_lines: list, act_lines: list, **kw) -> gotrace.Report:
    return gotrace.compare(gotrace.parse("\n".join(exp_lines)), gotrace.parse("\n".join(act_lines)), **kw)


class Identity(unittest.TestCase):
    def test_every_testdata_equals_itself(self):
        for f in sorted(DATA.glob("*.txt")):
            with self.subTest(f.name):
                rep = cmp(lines_of(f.name), lines_of(f.name))
                self.assertTrue(rep.ok, rep.format())
                self.assertTrue(all(r.same for r in rep.results))
                self.assertEqual(len(rep.results), len(gotrace.parse_file(str(f)).goroutines()))

    def test_goroutine_blocks_only(self):
        """A reconstruction prints no preamble, no registers, no relayed sections: still equal."""
        exp = lines_of("sigquit-go1.26.txt")
        d = gotrace.parse("\n".join(exp))
        act = []
        for b in d.sections[0].blocks:
            if b.kind == "goroutine":
                act += b.raw + [""]
        rep = cmp(exp, act)
        self.assertTrue(rep.ok, rep.format())
        self.assertEqual(rep.m_stacks_actual, 0)


class DetectsDifferences(unittest.TestCase):
    def setUp(self):
        self.exp = lines_of("nil-go1.22.txt")
        self.sleeper = goid_with(self.exp, "main.sleeper")

    def test_changed_line_number(self):
        act = list(self.exp)
        s, e = block_range(act, self.sleeper)
        i = next(k for k in range(s, e) if act[k - 1] == "main.sleeper()")
        act[i] = re.sub(r":(\d+) ", lambda m: f":{int(m.group(1)) + 1} ", act[i])
        rep = cmp(self.exp, act)
        self.assertFalse(rep.ok)
        self.assertEqual(len(rep.failures), 1)
        r = rep.failures[0]
        self.assertEqual(r.goid, self.sleeper)
        self.assertEqual([d.where for d in r.diffs], ["frame[2].line"])
        self.assertEqual(r.diffs[0].actual, r.diffs[0].expected + 1)
        self.assertIn(f"DIFF goroutine {self.sleeper}", rep.format())
        self.assertIn("frame[2].line", rep.format())

    def test_changed_args_offset_and_pc(self):
        act = list(self.exp)
        s, e = block_range(act, self.sleeper)
        i = next(k for k in range(s, e) if act[k].startswith("time.Sleep("))
        act[i] = "time.Sleep(0x1)"
        act[i + 1] = act[i + 1].replace(" +0x", " +0x1").replace(" pc=0x", " pc=0x1")
        rep = cmp(self.exp, act)
        where = sorted(d.where for d in rep.failures[0].diffs)
        self.assertEqual(where, ["frame[1].args", "frame[1].offset", "frame[1].pc"])
        rep = cmp(self.exp, act, ignore_addresses=True)
        self.assertEqual(sorted(d.where for d in rep.failures[0].diffs),
                         ["frame[1].args", "frame[1].offset"])

    def test_missing_frame(self):
        act = list(self.exp)
        locker = goid_with(act, "main.locker")
        s, e = block_range(act, locker)
        i = next(k for k in range(s, e) if act[k].startswith("sync.(*Mutex).lockSlow("))
        del act[i:i + 2]
        rep = cmp(self.exp, act)
        self.assertFalse(rep.ok)
        self.assertEqual(len(rep.failures), 1)
        diffs = rep.failures[0].diffs
        self.assertEqual(len(diffs), 1, [str(d) for d in diffs])   # aligned: only the one frame
        self.assertIn("missing", diffs[0].where)
        self.assertIn("sync.(*Mutex).lockSlow", diffs[0].expected)

    def test_extra_frame(self):
        act = list(self.exp)
        s, e = block_range(act, self.sleeper)
        i = next(k for k in range(s, e) if act[k] == "main.sleeper()")
        act[i:i] = ["main.notThere(...)", "\t/x.go:1"]
        rep = cmp(self.exp, act)
        diffs = rep.failures[0].diffs
        self.assertEqual(len(diffs), 1)
        self.assertIn("extra", diffs[0].where)

    def test_missing_goroutine(self):
        act = list(self.exp)
        s, e = block_range(act, self.sleeper)
        del act[s:e + 1]
        rep = cmp(self.exp, act)
        self.assertFalse(rep.ok)
        self.assertEqual(rep.missing, [(self.sleeper, gotrace.STRICT, "")])
        self.assertEqual(rep.failures, [])
        self.assertIn(f"MISSING goroutine {self.sleeper}", rep.format())

    def test_extra_goroutine(self):
        act = list(self.exp)
        s, e = block_range(act, self.sleeper)
        act += [""] + [act[s].replace(f"goroutine {self.sleeper} ", "goroutine 999 ")] + act[s + 1:e]
        rep = cmp(self.exp, act)
        self.assertFalse(rep.ok)
        self.assertEqual(rep.extra, [999])

    def test_status_and_created_by(self):
        act = list(self.exp)
        s, e = block_range(act, self.sleeper)
        act[s] = act[s].replace("[sleep]", "[chan receive]")
        i = next(k for k in range(s, e) if act[k].startswith("created by "))
        act[i] = "created by main.main in goroutine 1"
        rep = cmp(self.exp, act)
        self.assertEqual(sorted(d.where for d in rep.failures[0].diffs),
                         ["created_by.func", "header.status"])

    def test_elision_line(self):
        exp = lines_of("deep-go1.24.txt")
        act = [l.replace("...27 frames elided...", "...26 frames elided...") for l in exp]
        rep = cmp(exp, act)
        self.assertEqual(len(rep.failures), 0)      # goroutine 1 panicked: legit bucket
        r = rep.legit_differences[0]
        self.assertEqual(r.reason, "printing, running")
        self.assertTrue(any("elided" in d.where or "missing" in d.where for d in r.diffs))

    def test_order(self):
        act = list(self.exp)
        s, e = block_range(act, self.sleeper)
        blk = act[s:e + 1]
        del act[s:e + 1]
        act += [""] + blk[:-1]
        rep = cmp(self.exp, act)
        self.assertFalse(rep.ok)
        self.assertEqual(len(rep.order), 1)
        self.assertTrue(cmp(self.exp, act, ignore_order=True).ok)


class LegitDifferences(unittest.TestCase):
    def test_printing_goroutine(self):
        """The panicking goroutine, read from the core, sits in raise/dieFromSignal: allowed."""
        exp = lines_of("nil-go1.22.txt")
        act = list(exp)
        s, e = block_range(act, 1)
        act[s + 1:s + 1] = ["runtime.raise()", "\t/go/src/runtime/sys_linux_amd64.s:154 +0x21",
                            "runtime.dieFromSignal(0x6)", "\t/go/src/runtime/signal_unix.go:942 +0x5"]
        rep = cmp(exp, act)
        self.assertTrue(rep.ok, rep.format())
        self.assertEqual(len(rep.legit_differences), 1)
        self.assertEqual(rep.legit_differences[0].goid, 1)
        self.assertIn("LEGIT-DIFF (printing, running) goroutine 1", rep.format())

    def test_running_on_other_thread(self):
        """The runtime could not print it; a reconstruction from the core can. Compared with the
        stack its own M printed (relayed section), and never a failure."""
        exp = lines_of("sigquit-dup-go1.22.txt")
        d = gotrace.parse("\n".join(exp))
        (first, again), = d.duplicates().values()
        act = []
        for b in d.sections[0].blocks:
            if b.kind == "goroutine":
                act += (again.raw if b is first else b.raw) + [""]
        rep = cmp(exp, act)
        self.assertTrue(rep.ok, rep.format())
        r = next(r for r in rep.results if r.goid == first.goid)
        self.assertEqual(r.bucket, gotrace.LEGIT)
        self.assertTrue(r.same, [str(x) for x in r.diffs])   # matched against the relayed stack
        # and a plainly different stack for it is reported, but only as legit
        act2 = list(act)
        k = act2.index("main.spin()")
        act2[k] = "main.other()"
        rep = cmp(exp, act2)
        self.assertTrue(rep.ok)
        self.assertEqual([r.goid for r in rep.legit_differences], [first.goid])

    def test_printing_goroutine_after_m_stack(self):
        # throw on the system stack: "runtime stack:" then the crashing goroutine
        d = gotrace.parse_file(str(DATA / "overflow-go1.26.txt"))
        self.assertEqual(d.printing_goroutine().goid, 1)
        self.assertEqual(gotrace.legit_reason(d, 1), "printing, running")
        # SIGQUIT on an idle M: "goroutine 0 [idle]" first; goroutine 1 (parked in select) that
        # follows it is not the printing one and is compared strictly
        d = gotrace.parse_file(str(DATA / "sigquit-go1.22.txt"))
        self.assertEqual(d.sections[0].blocks[0].kind, "g0")
        self.assertIsNone(d.printing_goroutine())
        self.assertIsNone(gotrace.legit_reason(d, 1))

    def test_m_stacks_are_not_matched(self):
        exp = lines_of("sigquit-go1.26.txt")
        d = gotrace.parse("\n".join(exp))
        act = []
        for b in d.sections[0].blocks:
            if b.kind == "goroutine":
                act += b.raw + [""]
        act += ["goroutine 0 gp=0x1 m=9 mp=0x2 [idle]:", "runtime.mstart()", "\t/x.s:1 +0x5", ""]
        rep = cmp(exp, act)
        self.assertTrue(rep.ok, rep.format())
        self.assertEqual((rep.m_stacks_expected, rep.m_stacks_actual), (len(d.m_stacks()), 1))

    def test_minutes(self):
        exp = lines_of("nil-go1.22.txt")
        act = [l.replace("[sleep]:", "[sleep, 3 minutes]:") for l in exp]
        rep = cmp(exp, act)
        self.assertFalse(rep.ok)
        self.assertEqual(rep.failures[0].diffs[0].where, "header.minutes")
        self.assertTrue(cmp(exp, act, ignore_minutes=True).ok)

    def test_two_real_runs_differ_only_in_addresses_and_ids(self):
        """1.26 randomizes the heap: nil-go1.26 vs labels-go1.26 (same program, other run)."""
        a = gotrace.parse_file(str(DATA / "nil-go1.26.txt"))
        b = gotrace.parse_file(str(DATA / "labels-go1.26.txt"))
        rep = gotrace.compare(a, b, ignore_addresses=True)
        for r in rep.failures:
            for d in r.diffs:
                # args hold heap pointers; labels differ on purpose (GODEBUG=tracebacklabels=1)
                self.assertTrue(d.where.endswith(".args") or d.where == "header.labels", str(d))


class CLI(unittest.TestCase):
    def test_compare_exit_codes(self):
        import io
        import contextlib
        f = str(DATA / "nil-go1.22.txt")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            self.assertEqual(gotrace.main(["compare", f, f]), 0)
            self.assertEqual(gotrace.main(["compare", f, str(DATA / "nil-go1.19.txt")]), 1)
        self.assertIn("DIFF goroutine", buf.getvalue())

    def test_parse_json(self):
        import io
        import json
        import contextlib
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = gotrace.main(["parse", "--json", str(DATA / "nil-go1.22.txt")])
        self.assertEqual(rc, 0)
        j = json.loads(buf.getvalue())
        self.assertEqual(j["sections"][0]["blocks"][0]["goid"], 1)


if __name__ == "__main__":
    unittest.main()


def crash(exp_lines: list, act_lines: list) -> gotrace.CrashTextReport:
    return gotrace.compare_crash_text(gotrace.parse("\n".join(exp_lines)), gotrace.parse("\n".join(act_lines)))


class CrashText(unittest.TestCase):
    """gotrace.compare_crash_text: the text around the goroutines, byte for byte."""

    def test_identical_dumps(self):
        for name in ("nil-go1.26.txt", "overflow-go1.19.txt", "repanic-go1.21.txt", "sigquit-go1.22.txt",
                     "cgo-go1.25.txt"):
            lines = lines_of(name)
            r = crash(lines, lines)
            self.assertTrue(r.ok, f"{name}: {r.format()}")
            self.assertGreater(len(r.checked), 2, name)

    def test_changed_panic_value(self):
        lines = lines_of("nil-go1.26.txt")
        act = list(lines)
        act[0] = act[0].replace("nil pointer", "nil pointr")
        self.assertFalse(crash(lines, act).ok)

    def test_missing_signal_line(self):
        lines = lines_of("nil-go1.26.txt")
        act = [l for l in lines if not l.startswith("[signal ")]
        self.assertFalse(crash(lines, act).ok)

    def test_changed_runtime_stack_frame(self):
        lines = lines_of("overflow-go1.19.txt")
        i = lines.index("runtime stack:")
        act = list(lines)
        act[i + 2] = act[i + 2].replace("+0x5d", "+0x5e")
        r = crash(lines, act)
        self.assertFalse(r.ok)
        self.assertIn("runtime stack", r.format())

    def test_changed_register(self):
        lines = lines_of("sigquit-go1.22.txt")
        i = next(k for k, l in enumerate(lines) if l.startswith("rbx "))
        act = list(lines)
        act[i] = "rbx    0x1234"
        self.assertFalse(crash(lines, act).ok)

    def test_missing_relayed_section(self):
        lines = lines_of("sigquit-go1.22.txt")
        cut = len(lines) - 1 - lines[::-1].index("-----")
        act = lines[:cut - 1]   # drop the last "\n-----\n\n" section
        r = crash(lines, act)
        self.assertFalse(r.ok)
        self.assertIn("missing", r.format())

    def test_relay_order_is_legit(self):
        text = (DATA / "sigquit-go1.22.txt").read_text()
        parts = text.split("\n-----\n\n")
        self.assertGreater(len(parts), 2)
        swapped = "\n-----\n\n".join([parts[0]] + parts[1:][::-1])
        if not swapped.endswith("\n"):
            swapped += "\n"
        r = gotrace.compare_crash_text(gotrace.parse(text), gotrace.parse(swapped))
        self.assertTrue(r.ok, r.format())
        self.assertTrue(r.legit)

    def test_schedtrace_lines_not_compared(self):
        lines = lines_of("nil-go1.26.txt")
        exp = ["SCHED 12ms: gomaxprocs=3 idleprocs=0 threads=5", "  P0: status=1 schedtick=3"] + lines
        r = crash(exp, lines)
        self.assertTrue(r.ok, r.format())
        self.assertEqual(r.sched_lines, 2)
