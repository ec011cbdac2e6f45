#!/usr/bin/env python3
"""schedcheck.py — checks gopsy's Ms and Ps (`gopsy goroutines --json`: "sched", "ms", "ps",
"threads[].m") against sources that are not gopsy, for one e2e cell:

  * the core's own NT_PRSTATUS notes (parsed here): every M's procid is a thread of the core, and
    (in a pure Go process) every thread is an M;
  * the runtime's dump of the same process (parsed by gotrace.py): every goroutine printed
    "locked to thread" is an M's lockedg and every M's lockedg was printed locked; every
    `m=N mp=0x…` of a header (Go 1.21+) and every `m=N` of a signal section names an M at that id
    and address;
  * when the process ran with GODEBUG=schedtrace=…,scheddetail=1: the SCHED block the runtime
    printed when it started to die (startpanic_m), for the fields that cannot change between that
    print and the core: gomaxprocs = the number of Ps, the P ids, the M ids and `threads=` (Ms
    started after the print, with higher ids, excepted), each M's lockedg and each goroutine's
    lockedm.

Used as the e2e --against command (tests/CMakeLists.txt): it prints `gopsy goroutines
--traceback=crash CORE` on stdout for the harness's usual comparison, and exits 1 (the reasons on
stderr, the last line a summary) when a check fails.

    schedcheck.py GOPSY CORE STDERR
"""
import json
import re
import struct
import subprocess
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import gotrace  # noqa: E402


def core_threads(path: str) -> list:
    """Thread ids of an ELF64 LE core, from its NT_PRSTATUS notes (pr_pid at desc+32)."""
    with open(path, "rb") as f:
        hdr = f.read(64)
        if hdr[:4] != b"\x7fELF" or hdr[4] != 2 or hdr[5] != 1:
            raise ValueError("not an ELF64 LE file")
        phoff, = struct.unpack_from("<Q", hdr, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", hdr, 0x36)
        f.seek(phoff)
        phs = f.read(phentsize * phnum)
        tids = []
        for i in range(phnum):
            p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", phs, i * phentsize)
            if p_type != 4:  # PT_NOTE
                continue
            f.seek(p_offset)
            notes = f.read(p_filesz)
            off = 0
            while off + 12 <= len(notes):
                namesz, descsz, ntype = struct.unpack_from("<III", notes, off)
                name = notes[off + 12:off + 12 + namesz]
                desc = off + 12 + ((namesz + 3) & ~3)
                if ntype == 1 and name.rstrip(b"\0") == b"CORE":
                    tids.append(struct.unpack_from("<i", notes, desc + 32)[0])
                off = desc + ((descsz + 3) & ~3)
        return tids


SCHED_RE = re.compile(r"^SCHED \d+ms: (.*)$")
KV_RE = re.compile(r"(\w+)=(\S*)")
P_RE = re.compile(r"^  P(\d+): (.*)$")
M_RE = re.compile(r"^  M(\d+): (.*)$")
G_RE = re.compile(r"^  G(\d+): status=.*? m=(\S+) lockedm=(\S+)$")


def last_sched_block(text: str):
    """The last SCHED block (scheddetail=1) of the runtime's stderr: {"head", "ps", "ms", "gs"}."""
    block = None
    for line in text.splitlines():
        m = SCHED_RE.match(line)
        if m:
            block = {"head": dict(KV_RE.findall(m.group(1))), "ps": {}, "ms": {}, "gs": {}}
            continue
        if block is None:
            continue
        if (m := P_RE.match(line)):
            block["ps"][int(m.group(1))] = dict(KV_RE.findall(m.group(2)))
        elif (m := M_RE.match(line)):
            block["ms"][int(m.group(1))] = dict(KV_RE.findall(m.group(2)))
        elif (m := G_RE.match(line)):
            block["gs"][int(m.group(1))] = (m.group(2), m.group(3))
    return block


def check(doc: dict, tids: list, dump: gotrace.Dump, stderr_text: str) -> list:
    fails = []
    sched, ms, ps = doc.get("sched"), doc.get("ms"), doc.get("ps")
    if sched is None or ms is None or ps is None:
        return ["the JSON has no sched/ms/ps"]
    for k in ("allm_found_by", "allp_found_by", "sched_found_by"):
        if not sched.get(k):
            fails.append(f"sched.{k} is null")
    for k in ("ms_problem", "ps_problem", "sched_problem"):
        if sched.get(k):
            fails.append(f"sched.{k}: {sched[k]}")
    by_id = {m["id"]: m for m in ms}
    if len(by_id) != len(ms):
        fails.append(f"duplicate M ids: {sorted(m['id'] for m in ms)}")

    # The core's threads.
    tidset = set(tids)
    procids = {m["procid"] for m in ms if m["procid"]}
    for m in ms:
        if m["procid"] and m["procid"] not in tidset:
            fails.append(f"M{m['id']}: procid {m['procid']} is not a thread of the core {sorted(tidset)}")
        if m["procid"] and m.get("thread") != m["procid"]:
            fails.append(f"M{m['id']}: procid {m['procid']} but linked to thread {m.get('thread')}")
    missing = sorted(tidset - procids)
    # An M whose thread was just created (newosproc, or pthread_create in a cgo binary) has no
    # procid until its thread reaches minit: as many threads may be unclaimed.
    starting = sum(1 for m in ms if not m["procid"])
    if len(missing) > starting:
        fails.append(f"threads {missing} of the core are no M's procid "
                     f"({starting} M{'s' if starting != 1 else ''} not started yet)")
    for t in doc["threads"]:
        if t.get("m") is not None:
            m = by_id.get(t["m"])
            if m is None:
                fails.append(f"thread {t['tid']}: TLS names M{t['m']}, not in ms")
            elif m["procid"] != t["tid"]:
                fails.append(f"thread {t['tid']}: TLS names M{t['m']} whose procid is {m['procid']}")

    # The runtime's dump: locked goroutines, M ids and addresses.
    locked = {b.goid for b in dump.goroutine_blocks() if b.locked}
    lockedg = {m["lockedg_goid"]: m["id"] for m in ms if m.get("lockedg_goid") is not None}
    for g in sorted(locked - set(lockedg)):
        fails.append(f"goroutine {g} was printed 'locked to thread' but is no M's lockedg")
    printed = {b.goid for b in dump.goroutine_blocks()}
    for g, mid in sorted(lockedg.items()):
        if g in printed and g not in locked:
            fails.append(f"M{mid}.lockedg is goroutine {g}, which the runtime did not print as locked")
    for b in dump.blocks():
        if b.m not in (None, "nil") and b.mp is not None:
            m = by_id.get(int(b.m))
            if m is None:
                fails.append(f"{b.label()}: printed m={b.m}, no such M")
            elif int(m["addr"], 16) != b.mp:
                fails.append(f"{b.label()}: printed m={b.m} mp={b.mp:#x}, gopsy's M{b.m} is at {m['addr']}")
    for s in dump.sections:
        if s.m is not None and s.m not in by_id:
            fails.append(f"section {s.index} was printed by m={s.m}, no such M")

    # P ids 0..n-1.
    if [p["id"] for p in ps] != list(range(len(ps))):
        fails.append(f"P ids {[p['id'] for p in ps]}")
    if sched.get("gomaxprocs") != len(ps):
        fails.append(f"gomaxprocs {sched.get('gomaxprocs')} but {len(ps)} Ps")

    # The runtime's own SCHED block printed when it started dying.
    sb = last_sched_block(stderr_text)
    if sb:
        want = int(sb["head"].get("gomaxprocs", -1))
        if want != len(ps):
            fails.append(f"runtime printed gomaxprocs={want}, gopsy has {len(ps)} Ps")
        if sorted(sb["ps"]) != [p["id"] for p in ps]:
            fails.append(f"runtime printed Ps {sorted(sb['ps'])}, gopsy has {[p['id'] for p in ps]}")
        # Ms can still be started between the print and the core (a spinning P's wakep -> newm, seen
        # in 1.23 states-sched-nil): M ids only grow, so any extra M must be newer than every printed
        # one; none may be missing.
        printed, have = set(sb["ms"]), set(by_id)
        newer = sorted(i for i in have - printed if not printed or i > max(printed))
        if printed - have or sorted(have - printed) != newer:
            fails.append(f"runtime printed Ms {sorted(printed)}, gopsy has {sorted(have)}")
        # threads= is mcount() (sched.mnext - nmfreed): an M being created is counted from
        # mReserveID on, before mcommoninit puts it on allm (which the M lines list), so a newer M
        # may already be in threads=.
        if "threads" in sb["head"] and not len(ms) - len(newer) <= int(sb["head"]["threads"]) <= len(ms):
            fails.append(f"runtime printed threads={sb['head']['threads']}, gopsy has {len(ms)} Ms "
                         f"({len(newer)} started after the print)")
        for mid, kv in sb["ms"].items():
            m = by_id.get(mid)
            if m is None or "lockedg" not in kv:
                continue
            got = "nil" if m.get("lockedg_goid") is None else str(m["lockedg_goid"])
            if kv["lockedg"].replace("-1", "nil") != got:   # Go 1.19 prints -1 for none
                fails.append(f"runtime printed M{mid} lockedg={kv['lockedg']}, gopsy has {got}")
        for goid, (_, lockedm) in sb["gs"].items():
            if lockedm not in ("nil", "-1"):
                m = by_id.get(int(lockedm))
                if m is None or m.get("lockedg_goid") != goid:
                    fails.append(f"runtime printed G{goid} lockedm={lockedm}, gopsy's M{lockedm} has lockedg "
                                 f"{None if m is None else m.get('lockedg_goid')}")
    return fails


def main(argv: list) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    gopsy, core, stderr_path = argv[1:]
    text = subprocess.run([gopsy, "goroutines", "--traceback=crash", core], capture_output=True)
    sys.stdout.buffer.write(text.stdout)
    sys.stdout.flush()
    sys.stderr.buffer.write(text.stderr)
    if text.returncode != 0:
        return text.returncode
    js = subprocess.run([gopsy, "goroutines", "--json", "--traceback=crash", core], capture_output=True)
    if js.returncode != 0:
        sys.stderr.buffer.write(js.stderr)
        print(f"schedcheck: gopsy goroutines --json exited {js.returncode}", file=sys.stderr)
        return 1
    doc = json.loads(js.stdout)
    stderr_text = Path(stderr_path).read_text(errors="replace")
    fails = check(doc, core_threads(core), gotrace.parse(stderr_text), stderr_text)
    sb = last_sched_block(stderr_text)
    for f in fails:
        print(f"schedcheck: {f}", file=sys.stderr)
    if fails:
        print(f"schedcheck: {len(fails)} Ms/Ps check(s) failed, first: {fails[0]}", file=sys.stderr)
        return 1
    print(f"schedcheck: ok: {len(doc['ms'])} Ms, {len(doc['ps'])} Ps, {len(doc['threads'])} threads"
          f"{', SCHED block compared' if sb else ''}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
