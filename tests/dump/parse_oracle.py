#!/usr/bin/env python3
"""parse_oracle.py — `gopsy parse` against real dumps of each Go version, checked by an independent reader.

Inputs, per Go version:
  - the runtime's own dumps that the e2e harness produced (every cell's stderr: panics, fatal
    errors, signals, SIGQUIT, GOTRACEBACK=crash with its M sections, tracebackancestors, labels,
    schedtrace lines around them); at least MIN_E2E_DUMPS of them must be there, so run the e2e
    tests of that version first (CTest orders them so);
  - the committed real dumps of tests/e2e/testdata for that version;
  - what the fixture tests/fixtures/textdump writes about itself: pprof goroutine debug=1 and
    debug=2 and runtime.Stack(all).
Checks, each against tests/e2e/gotrace.py (a parser written apart from gopsy's) or against the
runtime's own totals — never against gopsy's earlier output:
  1. round trip: `gopsy parse --emit` gives back every goroutine block byte for byte, and the whole
     input when the input holds nothing but the dump;
  2. the summary (`--json`): goroutine count, printed-twice count, M stacks, and goroutines per
     status equal what gotrace reads; the panic chain / fatal error / signal equal the preamble;
     a debug=1 profile's count equals the runtime's "total N";
  3. the same dump embedded in logs — a timestamp and stream prefix on every line, JSON log lines
     around it, two dumps in one file — gives the same summaries and the same --emit.
Usage: parse_oracle.py --gopsy BUILD/gopsy [--versions 1.19,1.21,...]"""
import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.dont_write_bytecode = True
sys.path.insert(0, str(REPO / "tests" / "e2e"))
import gotrace  # noqa: E402
import run as e2e  # noqa: E402

MIN_E2E_DUMPS = 10
VOLATILE = ("first_line", "last_line", "log_prefix", "index")


def gopsy(args, data: bytes, tool: str) -> subprocess.CompletedProcess:
    return subprocess.run([tool, "parse", *args, "-"], input=data, capture_output=True, timeout=300)


def summaries(tool: str, data: bytes) -> list:
    r = gopsy(["--json"], data, tool)
    if r.returncode != 0:
        raise AssertionError(f"gopsy parse --json exited {r.returncode}: {r.stderr.decode(errors='replace')}")
    dumps = json.loads(r.stdout)["dumps"]
    for d in dumps:
        for k in VOLATILE:
            d.pop(k, None)
        for s in d["stacks"]:
            s.pop("first_line", None)
    return dumps


def emit(tool: str, data: bytes) -> bytes:
    r = gopsy(["--emit"], data, tool)
    if r.returncode != 0:
        raise AssertionError(f"gopsy parse --emit exited {r.returncode}: {r.stderr.decode(errors='replace')}")
    return r.stdout


def blocks(text: str) -> list:
    return ["\n".join(b.raw) for b in gotrace.parse(text).blocks()]


def check_traceback(tool: str, data: bytes) -> list:
    """Checks 1 and 2 for a runtime traceback dump; returns problems."""
    text = data.decode("utf-8", errors="surrogateescape")
    want = gotrace.parse(text)
    out = emit(tool, data)
    probs = []
    got_blocks = blocks(out.decode("utf-8", errors="surrogateescape"))
    want_blocks = ["\n".join(b.raw) for b in want.blocks()]
    if got_blocks != want_blocks:
        n = next((i for i, (a, b) in enumerate(zip(want_blocks, got_blocks)) if a != b),
                 min(len(want_blocks), len(got_blocks)))
        probs.append(f"--emit: blocks differ from block {n} ({len(want_blocks)} expected, {len(got_blocks)} emitted)")
    if not want.unknown and out.rstrip(b"\n") != data.rstrip(b"\n"):
        probs.append("--emit: the input is all dump, but the output is not the input")
    s = summaries(tool, data)
    if len(s) != 1:
        return probs + [f"--json: {len(s)} dumps, expected 1"]
    s = s[0]
    gs = want.goroutines()
    if s["goroutines"] != len(gs):
        probs.append(f"--json: {s['goroutines']} goroutines, gotrace reads {len(gs)}")
    twice = len(want.goroutine_blocks()) - len(gs)
    if s["printed_twice"] != twice:
        probs.append(f"--json: printed_twice {s['printed_twice']}, gotrace {twice}")
    if s["m_stacks"] != len(want.m_stacks()):
        probs.append(f"--json: m_stacks {s['m_stacks']}, gotrace {len(want.m_stacks())}")
    states = {t["status"]: t["count"] for t in s["states"]}
    if states != dict(Counter(b.status for b in gs)):
        probs.append(f"--json: states {states} != gotrace {dict(Counter(b.status for b in gs))}")
    if sum(st["count"] for st in s["stacks"]) != len(gs):
        probs.append("--json: stack counts do not add up to the goroutines")
    pre = want.preamble()
    panics = [(p.data["msg"], bool(p.data["recovered"]), p.data["nested"]) for p in pre if p.kind == "panic"]
    got_p = [(p["message"], p["recovered"], p["nested"]) for p in s["crash"]["panics"]]
    if got_p != panics:
        probs.append(f"--json: panics {got_p} != preamble {panics}")
    fatal = next((p.data["msg"] for p in pre if p.kind == "fatal"), None)
    if s["crash"]["fatal_error"] != fatal:
        probs.append(f"--json: fatal_error {s['crash']['fatal_error']!r} != {fatal!r}")
    sig = next((p.text[len("[signal "):-1] for p in pre if p.kind == "signal"), None)
    if s["crash"]["signal"] != sig:
        probs.append(f"--json: signal {s['crash']['signal']!r} != {sig!r}")
    return probs


RX_TOTAL = re.compile(rb"^goroutine profile: total (\d+)$", re.M)
RX_RECORD = re.compile(rb"^(\d+) @( 0x[0-9a-f]+)+$", re.M)


def check_pprof1(tool: str, data: bytes) -> list:
    probs = []
    total = int(RX_TOTAL.search(data).group(1))
    counts = [int(m.group(1)) for m in RX_RECORD.finditer(data)]
    if sum(counts) != total:
        probs.append(f"(fixture) records add up to {sum(counts)}, the runtime says total {total}")
    if emit(tool, data) != data:
        probs.append("--emit: not the input")
    s = summaries(tool, data)
    if len(s) != 1 or s[0]["goroutines"] != total or len(s[0]["stacks"]) > len(counts):
        probs.append(f"--json: {[(d['goroutines'], len(d['stacks'])) for d in s]}, runtime total {total} "
                     f"in {len(counts)} records")
    return probs


def in_logs(data: bytes) -> dict:
    """The dump as log pipelines write it."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the final newline; blank lines before it stay
    stamped = b"".join(b"2026-11-22T03:%02d:%02d.%dZ stderr F %s\n" % (i // 60 % 60, i % 60, 1000 + i * 7919 % 999999,
                                                                       l) for i, l in enumerate(lines))
    jlog = (b'{"level":"info","ts":"2026-11-22T03:04:05Z","msg":"serving","goroutine 7":"not a dump"}\n'
            b'{"level":"error","msg":"about to die"}\n')
    return {
        "timestamped": (stamped, 1),
        "after-json-logs": (jlog + data + b'{"level":"info","msg":"supervisor: restarting"}\n', 1),
        "two-dumps": (jlog + data + b"exit status 2\n" + jlog + data, 2),
    }


def check_variants(tool: str, data: bytes) -> list:
    probs = []
    base_s, base_e = summaries(tool, data), emit(tool, data)
    for name, (text, copies) in in_logs(data).items():
        s = summaries(tool, text)
        if s != base_s * copies:
            probs.append(f"{name}: summaries differ from the plain dump's")
        if emit(tool, text) != base_e * copies:
            probs.append(f"{name}: --emit differs from the plain dump's")
    return probs


def textdump_files(version: str, goroot: Path) -> dict:
    fixtures = REPO / "tests" / "fixtures"
    res = e2e.build_group(version, goroot, None, "default", fixtures, {"textdump": False},
                          e2e.fixture_dirs(fixtures))
    if "textdump" not in res.binaries:
        raise AssertionError(f"cannot build the textdump fixture: {res.errors}")
    out = e2e.cache_root() / "dump" / version
    out.mkdir(parents=True, exist_ok=True)
    r = subprocess.run([str(res.binaries["textdump"])], cwd=out, capture_output=True, timeout=120)
    if r.returncode != 0:
        raise AssertionError(f"textdump exited {r.returncode}: {r.stderr.decode(errors='replace')}")
    return {n: (out / n).read_bytes() for n in ("pprof1.txt", "pprof2.txt", "stack.txt")}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gopsy", required=True)
    ap.add_argument("--versions", default=",".join(e2e.ALL_VERSIONS))
    a = ap.parse_args()
    versions = a.versions.split(",")
    roots, errors = e2e.ensure_toolchains(versions)
    failed = 0
    for v in versions:
        if v in errors:
            print(f"FAIL go{v}: {errors[v]}")
            failed += 1
            continue
        inputs = {}
        try:
            for n, d in textdump_files(v, roots[v]).items():
                inputs[f"textdump/{n}"] = d
        except AssertionError as e:
            print(f"FAIL go{v}: {e}")
            failed += 1
        runs = sorted((e2e.cache_root() / "e2e" / "run").glob(f"{v}-*/stderr"))
        for p in runs:
            inputs[f"e2e/{p.parent.name}"] = p.read_bytes()
        for p in sorted((REPO / "tests" / "e2e" / "testdata").glob(f"*-go{v}.txt")):
            inputs[f"testdata/{p.name}"] = p.read_bytes()
        if len(runs) < MIN_E2E_DUMPS:
            print(f"FAIL go{v}: only {len(runs)} e2e dumps in {e2e.cache_root() / 'e2e' / 'run'} "
                  f"(run the e2e tests of Go {v} first)")
            failed += 1
        ok = goroutines = 0
        for name, data in inputs.items():
            try:
                if name.endswith("pprof1.txt"):
                    probs = check_pprof1(a.gopsy, data)
                else:
                    probs = check_traceback(a.gopsy, data)
                    goroutines += len(gotrace.parse(data.decode("utf-8", errors="surrogateescape")).goroutines())
                probs += check_variants(a.gopsy, data)
            except (AssertionError, subprocess.TimeoutExpired, ValueError) as e:
                probs = [str(e)]
            if probs:
                failed += 1
                print(f"FAIL go{v} {name}:\n  " + "\n  ".join(probs))
            else:
                ok += 1
        print(f"go{v}: {ok}/{len(inputs)} dumps parse, round-trip and summarise as gotrace reads them "
              f"({goroutines} goroutines; also timestamped, in JSON logs, twice in one file)", flush=True)
    print("parse oracle: " + ("all passed" if not failed else f"{failed} failures"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
