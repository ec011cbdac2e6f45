#!/usr/bin/env python3
"""waits_corrupt.py — the wait-object reader on hostile cores: it must never crash, hang or report a
sanitizer error, whatever the lists it follows look like. From real cores of the states fixture
(the states-sigquit cell per version and mode given, kept by run.py), it writes corrupted copies and runs
`WAITSDUMP --force CORE` on each with a time limit:

  * pointer corruption where the reader walks: around every word of the core's memory that holds
    the address of a blocked goroutine's g or of a channel (sudog.g, sudog.c, the sudog lists'
    neighbours) and in runtime.semtable, words are replaced by their own address (self loops),
    the address of another such word (cycles and cross links), 0, or random values;
  * random words anywhere in the core's memory,
leaving runtime.allgs' array alone (else the goroutines, and with them the walks, are simply gone).

Exit 0 when every run ended with status 0 or 1, in time, without a sanitizer report.

    waits_corrupt.py WAITSDUMP [--versions 1.19,1.26] [--modes default,stripped] [--copies 12] [--seed 1]
                     [--timeout 20]
"""
import argparse
import json
import random
import re
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


def load_segments(data: bytes) -> list:
    """[(vaddr, file offset, filesz)] of the PT_LOAD segments of an ELF64 LE core."""
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    out = []
    for i in range(phnum):
        p_type, _, off, va, _, fs = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 1 and fs:
            out.append((va, off, fs))
    return out


def kept_core(version: str, mode: str) -> Path:
    r = subprocess.run([sys.executable, str(REPO / "tests" / "e2e" / "run.py"), "--versions", version, "--modes",
                        mode, "--cells", "states-sigquit", "--keep"], capture_output=True, text=True)
    core = re.search(r"^\s*core:\s*(\S+)$", r.stdout, re.M)
    if not core:
        sys.exit(f"waits_corrupt: no core from run.py for {version} {mode}:\n{r.stdout[-2000:]}")
    return Path(core.group(1))


def run(waitsdump: str, core: Path, timeout: int) -> str:
    """None when fine, else why not."""
    try:
        r = subprocess.run([waitsdump, "--force", str(core)], capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"did not finish in {timeout} s"
    err = r.stderr.decode(errors="replace")
    if "Sanitizer" in err or "runtime error:" in err:
        return "sanitizer: " + next(l for l in err.splitlines() if "Sanitizer" in l or "runtime error:" in l)
    if r.returncode not in (0, 1):
        return f"exit status {r.returncode}: {err.strip()[-300:]}"
    if r.returncode == 0:
        json.loads(r.stdout)  # the document is still well-formed
    return None


def corrupt(data: bytearray, segs: list, doc: dict, rng: random.Random, fraction: float) -> int:
    """Corrupt data in place; returns the number of words changed."""
    interesting = {int(g["g"], 16) for g in doc["goroutines"]}
    interesting |= {int(o["addr"], 16) for o in doc["objects"] if o["kind"] == "chan"}
    gset = {int(g["g"], 16) for g in doc["goroutines"]}
    targets = []  # (file offset, address) of words near a word holding one of those addresses
    protected = set()  # runtime.allgs' array (runs of g pointers): the goroutines must stay findable
    for va, off, fs in segs:
        words = [w for (w,) in struct.iter_unpack("<Q", memoryview(data)[off:off + fs - fs % 8])]
        for i, w in enumerate(words):
            if w in gset and ((i and words[i - 1] in gset) or (i + 1 < len(words) and words[i + 1] in gset)):
                protected.add(off + i * 8)
        for i, w in enumerate(words):
            if w not in interesting or off + i * 8 in protected:
                continue
            for d in range(-13, 14):
                j = off + (i + d) * 8
                if off <= j < off + fs - 8 and j not in protected:
                    targets.append((j, va + (i + d) * 8))
    if doc.get("semtable"):
        st = int(doc["semtable"], 16)
        for va, off, fs in segs:
            if va <= st < va + fs:
                for k in range(0, min(251 * 64, va + fs - st - 8), 8):
                    targets.append((off + st - va + k, st + k))
    n = 0
    for j, va in targets:
        if rng.random() >= fraction:
            continue
        choice = rng.randrange(4)
        v = (va if choice == 0 else rng.choice(targets)[1] if choice == 1 else 0 if choice == 2
             else rng.getrandbits(64))
        struct.pack_into("<Q", data, j, v)
        n += 1
    # and some random words anywhere in memory
    for _ in range(2000):
        va, off, fs = rng.choice(segs)
        j = off + rng.randrange(fs // 8) * 8 if fs >= 8 else None
        if j is not None and j not in protected:
            struct.pack_into("<Q", data, j, rng.getrandbits(64))
            n += 1
    return n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("waitsdump")
    ap.add_argument("--versions", default="1.19,1.26")
    ap.add_argument("--modes", default="default,stripped")
    ap.add_argument("--copies", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=20)
    a = ap.parse_args()
    fails = runs = 0
    with tempfile.TemporaryDirectory() as tmp:
        for v, mode in [(v, m) for v in a.versions.split(",") for m in a.modes.split(",")]:
            core = kept_core(v, mode)
            why = run(a.waitsdump, core, a.timeout)
            if why:
                print(f"FAIL go{v} {mode} intact core: {why}")
                fails += 1
                continue
            doc = json.loads(subprocess.run([a.waitsdump, str(core)], capture_output=True).stdout)
            orig = core.read_bytes()
            segs = load_segments(orig)
            for i in range(a.copies):
                rng = random.Random(a.seed * 1000 + i)
                data = bytearray(orig)
                n = corrupt(data, segs, doc, rng, fraction=(0.02, 0.1, 0.3, 0.6)[i % 4])
                bad = Path(tmp) / "core"
                bad.write_bytes(data)
                why = run(a.waitsdump, bad, a.timeout)
                runs += 1
                if why:
                    keep = core.parent / f"corrupt-{i}.core"
                    keep.write_bytes(data)
                    print(f"FAIL go{v} {mode} copy {i} ({n} words changed): {why} [kept: {keep}]")
                    fails += 1
                else:
                    print(f"ok   go{v} {mode} copy {i} ({n} words changed)")
    print(f"{runs - fails} of {runs} corrupted cores read without a crash or hang" if not fails
          else f"{fails} failure(s) in {runs} runs")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
