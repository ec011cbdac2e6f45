#!/usr/bin/env python3
"""gotrace — parse and compare Go runtime traceback text (linux/amd64, Go 1.19-1.27).

This is the oracle side of gopsy's end-to-end tests. It is written on purpose without looking at
gopsy's own C parser of dumps (src/dump/): if both read the runtime's text the same wrong way, the
tests would prove nothing. Standard library only.

The text it reads is what the runtime writes to stderr when it dies with GOTRACEBACK=crash
(panics, fatal errors, fatal signals, SIGQUIT), and the same shape as printed by
`gopsy goroutines --traceback=crash`. Layout (runtime/traceback.go, panic.go, signal_unix.go):

    panic: boom [recovered]                      preamble: free-form lines, the known kinds are
    \tpanic: again                               classified (panic, fatal error, [signal ...],
    [signal SIGSEGV: ... code=0x1 addr=0x0 pc=0x4]  SIGQUIT: quit, PC=... m=N sigcode=N, ...)
                                                 every block is preceded by a blank line
    runtime stack:                               a g0 stack (throw on the system stack)
    runtime.throw(...)
    \t/go/src/runtime/panic.go:1023 +0x5c fp=... sp=... pc=...

    goroutine 1 gp=0xc0000061c0 m=0 mp=0x52f500 [running]:        header
    main.f(0x1, {0x4b2a1c, 0x3})                                   frame: name(args)
    \t/src/main.go:12 +0x1d fp=0xc00003cfe0 sp=0xc00003cfc8 pc=0x480bfd   file:line [+off] [fp sp pc]
    main.g(...)                                                    inlined frame: (...), no +0x
    \t/src/main.go:20
    ...7 frames elided...                                          elision (1.21+; 1.19: ...additional frames elided...)
    created by main.main in goroutine 1                            created by (+ " in goroutine N" 1.21+)
    \t/src/main.go:30 +0x25
    [originating from goroutine 1]:                                ancestors (GODEBUG=tracebackancestors=N)
    main.main(...)
    \t/src/main.go:29 +0x20

    goroutine 5 gp=... m=2 mp=... [running]:
    \tgoroutine running on other thread; stack unavailable

    rax    0x0 ... gs     0x0                                    register dump of the signalled thread

    -----                                                        GOTRACEBACK=crash relays SIGQUIT to
                                                                 every other M: one section each,
    SIGQUIT: quit                                                with its own PC= line, the stack of
    PC=0x463d97 m=1 sigcode=0                                    the interrupted g (often g0,
                                                                 "goroutine 0 ... [idle]") and,
    goroutine 0 gp=0xc000006540 m=1 mp=0xc000046008 [idle]:      possibly, its curg again: a
    ...                                                          goroutine can appear twice.

Parsing: `parse(text) -> Dump`. Lines that fit nowhere are never dropped: outside goroutine blocks
they are kept as unknown preamble lines (`Dump.unknown`); inside a block they are parse errors
(`Dump.errors`). Every block keeps its raw lines for display.

Comparing: `compare(expected, actual, ...) -> Report`. Goroutines are matched by id; frames are aligned
by function name. Goroutines that may legitimately differ between the moment the runtime printed and
the moment the core was written (the goroutine that was printing/crashing, goroutines running on other
threads, g0/M stacks) go into a separate "legit" bucket and do not fail the comparison.

CLI:
    gotrace.py parse FILE [--json]
    gotrace.py compare EXPECTED ACTUAL [--ignore-minutes] [--ignore-order] [--ignore-addresses]
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
import sys
from dataclasses import dataclass, field
from typing import Optional, Union

# ----------------------------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------------------------


@dataclass
class Frame:
    """One printed frame: two lines, `name(args)` and `\\tfile:line[ +0x..][ fp=.. sp=.. pc=..]`.

    kind: "go" for a Go frame; "cgo" for `non-Go function at pc=0x..` (one line) or a frame from a
    cgo symbolizer (`name` / `\\t[file:line ]pc=0x..`).
    """
    func: str
    args: Optional[str]          # text inside the parentheses, raw; None for cgo frames
    file: Optional[str]
    line: Optional[int]
    offset: Optional[int] = None  # the +0x.. (pc - entry), None when not printed
    fp: Optional[int] = None
    sp: Optional[int] = None
    pc: Optional[int] = None
    kind: str = "go"
    lineno: int = 0               # 1-based line number of the name line in the parsed text
    raw: list = field(default_factory=list)

    @property
    def inlined(self) -> bool:
        return self.kind == "go" and self.args == "..."


@dataclass
class Elision:
    """`...additional frames elided...` (count None) or `...N frames elided...`."""
    count: Optional[int]
    lineno: int = 0
    raw: list = field(default_factory=list)


Item = Union[Frame, Elision]


@dataclass
class CreatedBy:
    func: str
    goid: Optional[int]           # " in goroutine N" (1.21+), else None
    file: str
    line: int
    offset: Optional[int]
    lineno: int = 0
    raw: list = field(default_factory=list)


@dataclass
class Ancestor:
    """`[originating from goroutine N]:` section (GODEBUG=tracebackancestors)."""
    goid: int
    items: list = field(default_factory=list)       # Frame | Elision
    created_by: Optional[CreatedBy] = None
    lineno: int = 0

    @property
    def frames(self) -> list:
        return [i for i in self.items if isinstance(i, Frame)]


@dataclass
class Block:
    """A goroutine block (`goroutine N ...:` + stack) or a `runtime stack:` block (g0 stack).

    kind: "goroutine" (goid > 0), "g0" (`goroutine 0`, an M's system stack printed by the signal
    handler), "runtime-stack" (`runtime stack:`, goid None).
    """
    kind: str
    goid: Optional[int]
    section: int = 0
    index: int = 0                # position of the block inside its section
    lineno: int = 0
    header: Optional[str] = None
    gp: Optional[int] = None
    m: Optional[str] = None       # "nil", a decimal M id, or None when not printed
    mp: Optional[int] = None
    status_raw: Optional[str] = None   # everything between [ and ]
    status: Optional[str] = None       # wait reason / status without flags and suffixes
    flags: list = field(default_factory=list)       # "scan", "leaked", "durable" in print order
    minutes: Optional[int] = None
    locked: bool = False
    extras: list = field(default_factory=list)      # other ", ..." suffixes (synctest), raw
    labels: Optional[str] = None       # text after "]" and before ":" (labels), raw
    items: list = field(default_factory=list)       # Frame | Elision
    created_by: Optional[CreatedBy] = None
    ancestors: list = field(default_factory=list)
    running_elsewhere: bool = False    # "goroutine running on other thread; stack unavailable"
    diagnostics: list = field(default_factory=list)  # "runtime: ..." lines, hex dumps, raw
    raw: list = field(default_factory=list)

    @property
    def frames(self) -> list:
        return [i for i in self.items if isinstance(i, Frame)]

    @property
    def elisions(self) -> list:
        return [i for i in self.items if isinstance(i, Elision)]

    def text(self) -> str:
        return "\n".join(self.raw)

    def label(self) -> str:
        if self.kind == "runtime-stack":
            return f"runtime stack (section {self.section})"
        if self.kind == "g0":
            return f"goroutine 0 m={self.m} (section {self.section})"
        return f"goroutine {self.goid}"


@dataclass
class PreambleLine:
    kind: str        # panic, signal, fatal, sighdr, pcline, cgo, runtime, fault, separator-text, text
    text: str
    lineno: int
    data: dict = field(default_factory=dict)


@dataclass
class Section:
    """Section 0 is what the crashing M printed; sections 1.. are the other Ms (after `-----`)."""
    index: int
    preamble: list = field(default_factory=list)     # PreambleLine (also lines between blocks)
    blocks: list = field(default_factory=list)
    regs: dict = field(default_factory=dict)
    signal: Optional[str] = None      # "SIGQUIT" from "SIGQUIT: quit"
    pc: Optional[int] = None          # from "PC=0x.. m=N sigcode=N"
    m: Optional[int] = None
    sigcode: Optional[int] = None
    addr: Optional[int] = None


@dataclass
class Dump:
    sections: list = field(default_factory=list)
    unknown: list = field(default_factory=list)   # (lineno, text): unclassified lines outside blocks
    errors: list = field(default_factory=list)    # (lineno, message): unparseable lines inside blocks
    lines: list = field(default_factory=list)

    # --- views -------------------------------------------------------------------------------
    def blocks(self) -> list:
        return [b for s in self.sections for b in s.blocks]

    def goroutine_blocks(self) -> list:
        """Every block with goid > 0, all sections, in text order (duplicates included)."""
        return [b for b in self.blocks() if b.kind == "goroutine"]

    def goroutines(self) -> list:
        """The first appearance of each goroutine id (> 0), in text order."""
        seen, out = set(), []
        for b in self.goroutine_blocks():
            if b.goid not in seen:
                seen.add(b.goid)
                out.append(b)
        return out

    def by_goid(self) -> dict:
        out: dict = {}
        for b in self.goroutine_blocks():
            out.setdefault(b.goid, []).append(b)
        return out

    def duplicates(self) -> dict:
        """goid -> appearances, for goroutines printed more than once (relayed Ms)."""
        return {k: v for k, v in self.by_goid().items() if len(v) > 1}

    def m_stacks(self) -> list:
        return [b for b in self.blocks() if b.kind in ("g0", "runtime-stack")]

    def preamble(self) -> list:
        return [p for s in self.sections for p in s.preamble]

    def first_goroutine(self) -> Optional[Block]:
        """The first goroutine (goid > 0) block of section 0."""
        if not self.sections:
            return None
        for b in self.sections[0].blocks:
            if b.kind == "goroutine":
                return b
        return None

    def printing_goroutine(self) -> Optional[Block]:
        """The goroutine that was panicking / got the signal: the runtime prints it first. When
        section 0 starts with an M stack (`runtime stack:` of a throw on the system stack, or
        `goroutine 0` when the signal hit a g0), the M's curg follows it, status running; an idle
        M has no curg and then no goroutine is the printing one."""
        if not self.sections or not self.sections[0].blocks:
            return None
        blocks = self.sections[0].blocks
        if blocks[0].kind == "goroutine":
            return blocks[0]
        if len(blocks) > 1 and blocks[1].kind == "goroutine" and blocks[1].status == "running":
            return blocks[1]
        return None

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        gs = self.goroutines()
        parts = [f"{len(gs)} goroutines", f"{len(self.sections)} sections",
                 f"{len(self.m_stacks())} M stacks"]
        d = self.duplicates()
        if d:
            parts.append("printed twice: " + ",".join(str(k) for k in sorted(d)))
        if self.unknown:
            parts.append(f"{len(self.unknown)} unknown lines")
        if self.errors:
            parts.append(f"{len(self.errors)} parse errors")
        return ", ".join(parts)


# ----------------------------------------------------------------------------------------------
# Line grammar
# ----------------------------------------------------------------------------------------------

HEX = r"0x[0-9a-f]+"
RE_HEADER = re.compile(
    r"^goroutine (?P<goid>\d+)"
    r"(?: gp=(?P<gp>" + HEX + r") m=(?P<m>nil|\d+)(?: mp=(?P<mp>" + HEX + r"))?)?"
    r" \[(?P<status>.*?)\](?P<labels> .*?)?:$")
RE_FILELINE = re.compile(
    r"^\t(?P<file>.*):(?P<line>-?\d+)(?: \+(?P<off>" + HEX + r"))?"
    r"(?: fp=(?P<fp>" + HEX + r") sp=(?P<sp>" + HEX + r") pc=(?P<pc>" + HEX + r"))?$")
RE_FUNC = re.compile(r"^(?P<func>\S.*?)\((?P<args>[^()]*)\)$")
RE_ELIDED_N = re.compile(r"^\.\.\.(\d+) frames elided\.\.\.$")
ELIDED_OLD = "...additional frames elided..."
RE_CREATED = re.compile(r"^created by (?P<func>\S+)(?: in goroutine (?P<goid>\d+))?$")
RE_ANCESTOR = re.compile(r"^\[originating from goroutine (\d+)\]:$")
RUNNING_ELSEWHERE = "\tgoroutine running on other thread; stack unavailable"
RE_NONGO = re.compile(r"^non-Go function at pc=(" + HEX + r")$")
RE_CGO_PCLINE = re.compile(r"^\t(?:(?P<file>.*):(?P<line>-?\d+) )?pc=(?P<pc>" + HEX + r")$")
REG_NAMES = ("rax", "rbx", "rcx", "rdx", "rdi", "rsi", "rbp", "rsp", "r8", "r9", "r10", "r11",
             "r12", "r13", "r14", "r15", "rip", "rflags", "cs", "fs", "gs")
RE_REG = re.compile(r"^(" + "|".join(REG_NAMES) + r") +(" + HEX + r")$")
# diagnostics the unwinder prints inside a stack when something is wrong (unexpected return pc,
# traceback stuck, ...), including the hex dump of the frame (hexdumpWords)
# (hexdumpWords: 1.19-1.26 rows "0x000000c000040f00:  0x...  0x...", 1.27+ a column header
# "        7 6 5 4  3 2 1 0   f e d c ... 0123456789abcdef", rows "00007fc4f7f9e920: 00000000 ..."
# and marker lines "        ^ SP" / "        ^ <runtime.f+0x2a>")
RE_DIAG = re.compile(r"^(?:runtime: |\tstack=\[|stack: frame=\{|(?:0x)?[0-9a-f]{8,}: |fatal: |"
                     r" +[0-9a-f ]+ 0123456789abcdef$| +\^ )")

RE_SIGNAL_BRACKET = re.compile(
    r"^\[signal (?P<name>.*?) code=(?P<code>" + HEX + r") addr=(?P<addr>" + HEX + r") pc=(?P<pc>" +
    HEX + r")\]$")
RE_SIGHDR = re.compile(r"^(?P<sig>SIG[A-Z0-9]+): (?P<desc>.+)$|^Signal (?P<num>\d+)$")
RE_PCLINE = re.compile(r"^PC=(?P<pc>" + HEX + r") m=(?P<m>\d+) sigcode=(?P<code>-?\d+)"
                       r"(?: addr=(?P<addr>" + HEX + r"))?$")
RE_PANIC = re.compile(r"^\t?panic: (?P<msg>.*?)(?P<rec> \[recovered(?:, repanicked)?\])?$")
RE_FATAL = re.compile(r"^\t?fatal error: (?P<msg>.*)$")
SEPARATOR = "-----"
STATUS_FLAGS = ("scan", "leaked", "durable")
RE_MINUTES = re.compile(r"^(\d+) minutes$")


def _hex(s: Optional[str]) -> Optional[int]:
    return int(s, 16) if s is not None else None


class ParseError(Exception):
    pass


def parse_header(line: str) -> Optional[Block]:
    """Parse a `goroutine N ...:` header line into a Block (without frames)."""
    m = RE_HEADER.match(line)
    if not m:
        return None
    goid = int(m.group("goid"))
    b = Block(kind="goroutine" if goid > 0 else "g0", goid=goid, header=line)
    b.gp = _hex(m.group("gp"))
    b.m = m.group("m")
    b.mp = _hex(m.group("mp"))
    raw = m.group("status")
    b.status_raw = raw
    # Go 1.26 prints pprof labels (GODEBUG=tracebacklabels=1) inside the brackets,
    # "[chan receive labels:{"k": "v"}]"; 1.27 after them, "[chan receive] {k: v}:".
    li = raw.find(" labels:{")
    if li >= 0 and raw.endswith("}"):
        b.labels = raw[li + 1:]
        raw = raw[:li]
    parts = raw.split(", ")
    status = parts[0]
    # flags printed right after the status: " (leaked)", " (scan)", " (durable)"
    flags = []
    while True:
        for fl in STATUS_FLAGS:
            suf = " (" + fl + ")"
            if status.endswith(suf) and len(status) > len(suf):
                status = status[: -len(suf)]
                flags.insert(0, fl)
                break
        else:
            break
    b.status, b.flags = status, flags
    for p in parts[1:]:
        mm = RE_MINUTES.match(p)
        if mm:
            b.minutes = int(mm.group(1))
        elif p == "locked to thread":
            b.locked = True
        else:
            b.extras.append(p)
    lab = m.group("labels")
    if lab:
        b.labels = lab.strip()
    return b


def parse_frame_lines(name_line: str, file_line: str) -> Optional[Frame]:
    """Parse a Go frame from its two lines; None if they are not a Go frame."""
    fm = RE_FUNC.match(name_line)
    lm = RE_FILELINE.match(file_line)
    if not fm or not lm:
        return None
    return Frame(func=fm.group("func"), args=fm.group("args"), file=lm.group("file"),
                 line=int(lm.group("line")), offset=_hex(lm.group("off")), fp=_hex(lm.group("fp")),
                 sp=_hex(lm.group("sp")), pc=_hex(lm.group("pc")), raw=[name_line, file_line])


def classify_preamble(line: str, lineno: int) -> PreambleLine:
    m = RE_PANIC.match(line)
    if m:
        return PreambleLine("panic", line, lineno, {"msg": m.group("msg"),
                                                    "recovered": (m.group("rec") or "").strip(" []"),
                                                    "nested": line.startswith("\t")})
    m = RE_FATAL.match(line)
    if m:
        return PreambleLine("fatal", line, lineno, {"msg": m.group("msg")})
    m = RE_SIGNAL_BRACKET.match(line)
    if m:
        return PreambleLine("signal", line, lineno, {"name": m.group("name"),
                                                     "code": _hex(m.group("code")),
                                                     "addr": _hex(m.group("addr")),
                                                     "pc": _hex(m.group("pc"))})
    m = RE_PCLINE.match(line)
    if m:
        return PreambleLine("pcline", line, lineno, {"pc": _hex(m.group("pc")),
                                                     "m": int(m.group("m")),
                                                     "sigcode": int(m.group("code")),
                                                     "addr": _hex(m.group("addr"))})
    m = RE_SIGHDR.match(line)
    if m:
        return PreambleLine("sighdr", line, lineno, {"sig": m.group("sig") or
                                                     "Signal " + (m.group("num") or "")})
    if line == "signal arrived during cgo execution":
        return PreambleLine("cgo", line, lineno)
    if line.startswith("unexpected fault address ") or line.startswith("accessed data from freed"):
        return PreambleLine("fault", line, lineno)
    if line.startswith("instruction bytes:"):
        return PreambleLine("fault", line, lineno)
    if RE_DIAG.match(line) or line.startswith("runtime:") or line.startswith("preempt off reason:"):
        return PreambleLine("runtime", line, lineno)
    if line.startswith("goroutine ") and line.endswith(":"):
        # looks like a header but did not parse: let the caller decide
        return PreambleLine("text", line, lineno, {"header-like": True})
    return PreambleLine("text", line, lineno)


# ----------------------------------------------------------------------------------------------
# Parser
# ----------------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str):
        if text.endswith("\n"):
            text = text[:-1]
        self.lines = text.split("\n") if text else []
        self.dump = Dump(lines=self.lines)
        self.sec = Section(0)
        self.dump.sections.append(self.sec)
        self.block: Optional[Block] = None
        self.anc: Optional[Ancestor] = None   # current ancestor section inside self.block

    # -- helpers ------------------------------------------------------------------------------
    def end_block(self):
        self.block = None
        self.anc = None

    def start_block(self, b: Block, lineno: int):
        self.end_block()
        b.section = self.sec.index
        b.index = len(self.sec.blocks)
        b.lineno = lineno
        b.raw.append(self.lines[lineno - 1])
        self.sec.blocks.append(b)
        self.block = b

    def error(self, lineno: int, msg: str):
        self.dump.errors.append((lineno, msg))

    def target_items(self) -> list:
        return self.anc.items if self.anc is not None else self.block.items

    # -- main loop ----------------------------------------------------------------------------
    def run(self) -> Dump:
        lines = self.lines
        n = len(lines)
        i = 0
        while i < n:
            line = lines[i]
            lineno = i + 1

            if line == SEPARATOR:
                self.end_block()
                self.sec = Section(len(self.dump.sections))
                self.dump.sections.append(self.sec)
                i += 1
                continue

            hb = parse_header(line)
            if hb is not None:
                self.start_block(hb, lineno)
                i += 1
                continue

            if line == "runtime stack:":
                self.start_block(Block(kind="runtime-stack", goid=None, header=line), lineno)
                i += 1
                continue

            rm = RE_REG.match(line)
            if rm:
                self.end_block()
                self.sec.regs[rm.group(1)] = int(rm.group(2), 16)
                i += 1
                continue

            if line == "":
                self.end_block()
                i += 1
                continue

            if self.block is None:
                self.outside_line(line, lineno)
                i += 1
                continue

            i = self.block_line(i)
        self.end_block()
        return self.dump

    def outside_line(self, line: str, lineno: int):
        p = classify_preamble(line, lineno)
        self.sec.preamble.append(p)
        if p.kind == "sighdr" and self.sec.signal is None:
            self.sec.signal = p.data["sig"]
        elif p.kind == "pcline" and self.sec.pc is None:
            self.sec.pc = p.data["pc"]
            self.sec.m = p.data["m"]
            self.sec.sigcode = p.data["sigcode"]
            self.sec.addr = p.data["addr"]
        elif p.kind == "text":
            self.dump.unknown.append((lineno, line))

    def block_line(self, i: int) -> int:
        """Consume one item of the current block starting at line index i; return the next index."""
        lines = self.lines
        line = lines[i]
        lineno = i + 1
        b = self.block
        nxt = lines[i + 1] if i + 1 < len(lines) else None

        def take(count: int) -> int:
            b.raw.extend(lines[i:i + count])
            return i + count

        if line == RUNNING_ELSEWHERE:
            if self.anc is not None or b.items:
                self.error(lineno, "'running on other thread' after frames")
            b.running_elsewhere = True
            return take(1)

        if line == ELIDED_OLD:
            self.target_items().append(Elision(None, lineno, [line]))
            return take(1)
        m = RE_ELIDED_N.match(line)
        if m:
            self.target_items().append(Elision(int(m.group(1)), lineno, [line]))
            return take(1)

        m = RE_ANCESTOR.match(line)
        if m:
            if b.kind != "goroutine":
                self.error(lineno, "ancestor section in a non-goroutine block")
            self.anc = Ancestor(goid=int(m.group(1)), lineno=lineno)
            b.ancestors.append(self.anc)
            return take(1)

        m = RE_CREATED.match(line)
        if m:
            lm = RE_FILELINE.match(nxt) if nxt is not None else None
            if not lm or lm.group("fp") is not None:
                self.error(lineno, "'created by' without a file:line line")
                return take(1)
            cb = CreatedBy(func=m.group("func"), goid=int(m.group("goid")) if m.group("goid") else None,
                           file=lm.group("file"), line=int(lm.group("line")), offset=_hex(lm.group("off")),
                           lineno=lineno, raw=[line, nxt])
            owner = self.anc if self.anc is not None else b
            if owner.created_by is not None:
                self.error(lineno, "second 'created by' in the same stack")
            owner.created_by = cb
            return take(2)

        m = RE_NONGO.match(line)
        if m:
            self.target_items().append(Frame(func="non-Go function", args=None, file=None, line=None,
                                             pc=int(m.group(1), 16), kind="cgo", lineno=lineno, raw=[line]))
            return take(1)

        if nxt is not None and nxt.startswith("\t"):
            fr = parse_frame_lines(line, nxt)
            if fr is not None:
                fr.lineno = lineno
                owner = self.anc if self.anc is not None else b
                if owner.created_by is not None:
                    self.error(lineno, "frame after 'created by'")
                self.target_items().append(fr)
                return take(2)
            cm = RE_CGO_PCLINE.match(nxt)
            if cm and not line.startswith("\t") and "(" not in line:
                # frame from a cgo symbolizer: "name" / "\t[file:line ]pc=0x.."
                self.target_items().append(Frame(
                    func=line, args=None, file=cm.group("file"),
                    line=int(cm.group("line")) if cm.group("line") else None, pc=_hex(cm.group("pc")),
                    kind="cgo", lineno=lineno, raw=[line, nxt]))
                return take(2)

        if RE_DIAG.match(line):
            b.diagnostics.append(line)
            return take(1)

        self.error(lineno, f"unparseable line in {b.label()}: {line!r}")
        return take(1)


def parse(text: str) -> Dump:
    """Parse runtime traceback text. Never raises on odd input: see Dump.unknown and Dump.errors."""
    return _Parser(text).run()


def parse_file(path: str) -> Dump:
    with open(path, "r", encoding="utf-8", errors="surrogateescape") as f:
        return parse(f.read())


# ----------------------------------------------------------------------------------------------
# Comparison
# ----------------------------------------------------------------------------------------------

STRICT, LEGIT = "strict", "legit"


@dataclass
class Diff:
    where: str          # "header.status", "frame[3].line", "frame: missing", "created_by.offset", ...
    expected: object
    actual: object

    def __str__(self):
        return f"{self.where}: expected {_fmt(self.expected)}, got {_fmt(self.actual)}"


def _fmt(v):
    if isinstance(v, int) and not isinstance(v, bool):
        return hex(v) if v > 4096 else str(v)
    if v is None:
        return "(none)"
    return repr(v) if isinstance(v, str) else str(v)


@dataclass
class GoroutineResult:
    goid: int
    bucket: str                      # STRICT or LEGIT
    reason: str = ""                 # why LEGIT: printing, running, ...
    diffs: list = field(default_factory=list)
    expected: Optional[Block] = None
    actual: Optional[Block] = None

    @property
    def same(self) -> bool:
        return not self.diffs


@dataclass
class Report:
    results: list = field(default_factory=list)      # GoroutineResult for goroutines in both
    missing: list = field(default_factory=list)      # (goid, bucket, reason) in expected only
    extra: list = field(default_factory=list)        # goid in actual only
    order: list = field(default_factory=list)        # Diff about print order
    m_stacks_expected: int = 0
    m_stacks_actual: int = 0
    parse_errors: list = field(default_factory=list)  # ("expected"|"actual", lineno, msg)

    @property
    def failures(self) -> list:
        return [r for r in self.results if r.bucket == STRICT and r.diffs]

    @property
    def legit_differences(self) -> list:
        return [r for r in self.results if r.bucket == LEGIT and r.diffs]

    @property
    def ok(self) -> bool:
        return not (self.failures or self.missing or self.extra or self.order or self.parse_errors)

    def summary(self) -> str:
        same = sum(1 for r in self.results if r.same)
        parts = [f"{len(self.results)} matched", f"{same} identical",
                 f"{len(self.failures)} differ", f"{len(self.legit_differences)} differ legitimately",
                 f"{len(self.missing)} missing", f"{len(self.extra)} extra"]
        if self.order:
            parts.append("order differs")
        if self.parse_errors:
            parts.append(f"{len(self.parse_errors)} parse errors")
        return ", ".join(parts)

    def format(self, verbose_legit: bool = True, context: int = 2) -> str:
        out = [self.summary()]
        for side, ln, msg in self.parse_errors:
            out.append(f"PARSE ERROR ({side} line {ln}): {msg}")
        for goid, bucket, reason in self.missing:
            extra = f" ({bucket}: {reason})" if bucket == LEGIT else ""
            out.append(f"MISSING goroutine {goid}{extra}")
        for goid in self.extra:
            out.append(f"EXTRA goroutine {goid}")
        for d in self.order:
            out.append(f"ORDER {d}")
        for r in self.results:
            if not r.diffs:
                continue
            if r.bucket == LEGIT and not verbose_legit:
                continue
            tag = "DIFF" if r.bucket == STRICT else f"LEGIT-DIFF ({r.reason})"
            out.append(f"{tag} goroutine {r.goid}: {len(r.diffs)} difference(s)")
            for d in r.diffs:
                out.append(f"    {d}")
            if r.expected is not None and r.actual is not None:
                ud = difflib.unified_diff(r.expected.raw, r.actual.raw, "expected (runtime)",
                                          "actual", n=context, lineterm="")
                out.extend("    | " + l for l in ud)
        return "\n".join(out)


def _cmp(diffs: list, where: str, e, a):
    if e != a:
        diffs.append(Diff(where, e, a))


def compare_items(exp_items: list, act_items: list, prefix: str, diffs: list,
                  ignore_addresses: bool = False):
    """Align two frame lists by function name (elisions align as their text) and diff fields."""
    def key(it):
        return ("E", it.raw[0]) if isinstance(it, Elision) else ("F", it.func)

    ek = [key(x) for x in exp_items]
    ak = [key(x) for x in act_items]
    sm = difflib.SequenceMatcher(None, ek, ak, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for k in range(i2 - i1):
                _compare_item(exp_items[i1 + k], act_items[j1 + k], f"{prefix}[{i1 + k}]", diffs,
                              ignore_addresses)
            continue
        for k in range(i1, i2):
            diffs.append(Diff(f"{prefix}[{k}]: missing", _item_text(exp_items[k]), None))
        for k in range(j1, j2):
            diffs.append(Diff(f"{prefix}[~{i1}]: extra", None, _item_text(act_items[k])))


def _item_text(it) -> str:
    return " / ".join(s.strip() for s in it.raw)


def _compare_item(e, a, where: str, diffs: list, ignore_addresses: bool):
    if type(e) is not type(a):
        diffs.append(Diff(where, _item_text(e), _item_text(a)))
        return
    if isinstance(e, Elision):
        _cmp(diffs, where + ".elided", e.raw[0], a.raw[0])
        return
    _cmp(diffs, where + ".func", e.func, a.func)
    _cmp(diffs, where + ".kind", e.kind, a.kind)
    _cmp(diffs, where + ".args", e.args, a.args)
    _cmp(diffs, where + ".file", e.file, a.file)
    _cmp(diffs, where + ".line", e.line, a.line)
    _cmp(diffs, where + ".offset", e.offset, a.offset)
    if not ignore_addresses:
        _cmp(diffs, where + ".fp", e.fp, a.fp)
        _cmp(diffs, where + ".sp", e.sp, a.sp)
        _cmp(diffs, where + ".pc", e.pc, a.pc)


def _compare_created_by(e: Optional[CreatedBy], a: Optional[CreatedBy], where: str, diffs: list):
    if e is None or a is None:
        if e is not a:
            diffs.append(Diff(where, e and " / ".join(e.raw), a and " / ".join(a.raw)))
        return
    for f in ("func", "goid", "file", "line", "offset"):
        _cmp(diffs, f"{where}.{f}", getattr(e, f), getattr(a, f))


def compare_blocks(e: Block, a: Block, ignore_minutes: bool = False,
                   ignore_addresses: bool = False) -> list:
    diffs: list = []
    _cmp(diffs, "header.status", e.status, a.status)
    _cmp(diffs, "header.flags", e.flags, a.flags)
    if not ignore_minutes:
        _cmp(diffs, "header.minutes", e.minutes, a.minutes)
    _cmp(diffs, "header.locked", e.locked, a.locked)
    _cmp(diffs, "header.extras", e.extras, a.extras)
    _cmp(diffs, "header.labels", e.labels, a.labels)
    if not ignore_addresses:
        _cmp(diffs, "header.gp", e.gp, a.gp)
        _cmp(diffs, "header.m", e.m, a.m)
        _cmp(diffs, "header.mp", e.mp, a.mp)
    _cmp(diffs, "running_elsewhere", e.running_elsewhere, a.running_elsewhere)
    compare_items(e.items, a.items, "frame", diffs, ignore_addresses)
    _compare_created_by(e.created_by, a.created_by, "created_by", diffs)
    _cmp(diffs, "ancestors.count", len(e.ancestors), len(a.ancestors))
    for k, (ea, aa) in enumerate(zip(e.ancestors, a.ancestors)):
        _cmp(diffs, f"ancestor[{k}].goid", ea.goid, aa.goid)
        compare_items(ea.items, aa.items, f"ancestor[{k}].frame", diffs, ignore_addresses)
        _compare_created_by(ea.created_by, aa.created_by, f"ancestor[{k}].created_by", diffs)
    _cmp(diffs, "diagnostics", e.diagnostics, a.diagnostics)
    return diffs


def legit_reason(expected: Dump, goid: int) -> Optional[str]:
    """Why goroutine `goid` of the runtime's dump may differ from a reconstruction from the core."""
    first = expected.printing_goroutine()
    reasons = []
    if first is not None and first.goid == goid:
        reasons.append("printing")
    for b in expected.by_goid().get(goid, []):
        if b.status == "running" or b.running_elsewhere:
            reasons.append("running")
            break
        if b.section > 0:
            reasons.append("on a relayed M")
            break
    return ", ".join(reasons) or None


def _best(b: Block, all_blocks: dict) -> Block:
    """For a goroutine printed "running on other thread" whose own M printed it again with its
    stack (a relayed section), the appearance with the stack; else b."""
    if b.running_elsewhere:
        for alt in all_blocks.get(b.goid, []):
            if alt.frames:
                return alt
    return b


def compare(expected: Dump, actual: Dump, ignore_minutes: bool = False, ignore_order: bool = False,
            ignore_addresses: bool = False) -> Report:
    """Compare the runtime's dump (expected) with a reconstruction (actual), goroutine by goroutine."""
    rep = Report()
    rep.parse_errors = ([("expected", ln, msg) for ln, msg in expected.errors] +
                        [("actual", ln, msg) for ln, msg in actual.errors])
    rep.m_stacks_expected = len(expected.m_stacks())
    rep.m_stacks_actual = len(actual.m_stacks())
    eg = expected.goroutines()
    ag = {b.goid: b for b in actual.goroutines()}
    e_all, a_all = expected.by_goid(), actual.by_goid()
    for e in eg:
        reason = legit_reason(expected, e.goid)
        bucket = LEGIT if reason else STRICT
        a = ag.get(e.goid)
        if a is None:
            rep.missing.append((e.goid, bucket, reason or ""))
            continue
        be, ba = _best(e, e_all), _best(a, a_all)
        diffs = compare_blocks(be, ba, ignore_minutes, ignore_addresses)
        if (bucket == STRICT and diffs and ba.status in ("runnable", "running") and
                all(d.where in ("header.status", "header.minutes") for d in diffs)):
            # The same stack, now runnable: a background goroutine (the scavenger, a timer's
            # goroutine) woken between the runtime's print and the kernel writing the core.
            bucket, reason = LEGIT, "woken after the print"
        rep.results.append(GoroutineResult(e.goid, bucket, reason or "", diffs, be, ba))
    eids = {b.goid for b in eg}
    rep.extra = [g for g in ag if g not in eids]
    if not ignore_order:
        strict_ids = [r.goid for r in rep.results if r.bucket == STRICT]
        sset = set(strict_ids)
        act_order = [b.goid for b in actual.goroutines() if b.goid in sset]
        if act_order != strict_ids:
            rep.order.append(Diff("goroutine order (strict bucket)", strict_ids, act_order))
    return rep


# ----------------------------------------------------------------------------------------------
# The text around the goroutines: preamble, M stacks, register dumps, relayed sections
# ----------------------------------------------------------------------------------------------

# startpanic_m's schedtrace(true) under GODEBUG=schedtrace/scheddetail: "SCHED 12ms: gomaxprocs=..."
# and the detail lines under it. They carry the time since the program started, which a core does
# not record: a reconstruction cannot print them, so they are left out of the comparison.
RE_SCHEDTRACE = re.compile(r"^(SCHED \d+ms: |  [PMG]\d+: )")


@dataclass
class CrashSection:
    """One M's part of the text, as raw lines: what comes before its first block, its blocks,
    and its register dump (lines between blocks, other than blank ones, are kept in `other`)."""
    index: int
    m: Optional[int]
    pre: list = field(default_factory=list)
    blocks: list = field(default_factory=list)     # Block (raw lines in Block.raw)
    regs: list = field(default_factory=list)
    other: list = field(default_factory=list)
    sched_lines: int = 0


def crash_sections(d: Dump) -> list:
    """The sections of d with their raw text parts, SCHED lines removed from the preamble."""
    out = []
    starts = {}
    for s in d.sections:
        cs = CrashSection(s.index, s.m)
        cs.blocks = list(s.blocks)
        out.append(cs)
    # Walk the raw lines once more to cut each section into pre / blocks / regs.
    sec, seen_block = 0, False
    block_lines = {}
    for s in d.sections:
        for b in s.blocks:
            for k in range(len(b.raw)):
                block_lines[b.lineno + k] = True
    for i, line in enumerate(d.lines, 1):
        if line == SEPARATOR:
            sec += 1
            seen_block = False
            continue
        if sec >= len(out):
            break
        cs = out[sec]
        if i in block_lines:
            seen_block = True
            continue
        if RE_REG.match(line):
            cs.regs.append(line)
            continue
        if line == "":
            continue
        if RE_SCHEDTRACE.match(line):
            cs.sched_lines += 1
            continue
        (cs.other if seen_block else cs.pre).append(line)
    return out


@dataclass
class CrashTextReport:
    diffs: list = field(default_factory=list)      # strings: failures
    legit: list = field(default_factory=list)      # strings: differences that are not failures
    checked: list = field(default_factory=list)    # what was compared and found identical
    sched_lines: int = 0

    @property
    def ok(self) -> bool:
        return not self.diffs

    def summary(self) -> str:
        s = f"{len(self.checked)} parts identical, {len(self.diffs)} differ"
        if self.legit:
            s += f", {len(self.legit)} legit"
        if self.sched_lines:
            s += f", {self.sched_lines} schedtrace lines not compared"
        return s

    def format(self) -> str:
        return "\n".join([self.summary()] + [f"DIFF {x}" for x in self.diffs] +
                          [f"LEGIT {x}" for x in self.legit] + [f"same {x}" for x in self.checked])


def _lines_diff(what: str, e: list, a: list, rep: CrashTextReport):
    if e == a:
        rep.checked.append(what)
        return
    ud = list(difflib.unified_diff(e, a, "runtime", "actual", n=1, lineterm=""))
    rep.diffs.append(f"{what}:\n" + "\n".join("    | " + l for l in ud[:40]))


def compare_crash_text(expected: Dump, actual: Dump) -> CrashTextReport:
    """Everything the runtime printed besides the goroutines that tracebackothers lists, byte for
    byte: section 0's preamble (panic chain, fatal error, [signal], SIGxxx/PC= lines, runtime:
    diagnostics), its first block (the goroutine that crashed with its stack, or the "runtime
    stack:" / "goroutine 0" M stack) and the block the runtime printed right after an M stack (the
    M's curg), its register dump; and each relayed section (matched by m=N; the order they were
    printed in is not in a core, so a different order is legit) whole. The goroutines of
    tracebackothers are compare()'s business (they can change between the print and the core)."""
    rep = CrashTextReport()
    es, as_ = crash_sections(expected), crash_sections(actual)
    rep.sched_lines = sum(s.sched_lines for s in es)
    if not es:
        return rep
    if not as_:
        rep.diffs.append("no output")
        return rep
    e0, a0 = es[0], as_[0]
    _lines_diff("section 0 preamble", e0.pre, a0.pre, rep)
    def first_blocks(sec):
        bl = sec.blocks[:1]
        if bl and bl[0].kind in ("g0", "runtime-stack") and len(sec.blocks) > 1 and sec.index == 0:
            nxt = sec.blocks[1]
            if nxt.kind == "goroutine" and nxt.status == "running":
                bl.append(nxt)
        return bl
    eb, ab = first_blocks(e0), first_blocks(a0)
    for k, b in enumerate(eb):
        if k >= len(ab):
            rep.diffs.append(f"section 0 block {k} ({b.label()}): missing")
            continue
        _lines_diff(f"section 0 block {k} ({b.label()})", b.raw, ab[k].raw, rep)
    _lines_diff("section 0 registers", e0.regs, a0.regs, rep)
    _lines_diff("section 0 lines between blocks", e0.other, a0.other, rep)
    erel = [s for s in es[1:]]
    arel = {s.m: s for s in as_[1:]}
    if [s.m for s in erel] != [s.m for s in as_[1:]] and sorted(str(s.m) for s in erel) == sorted(str(m) for m in arel):
        rep.legit.append(f"relayed sections printed in another order: runtime m={[s.m for s in erel]}, "
                         f"actual m={[s.m for s in as_[1:]]}")
    for s in erel:
        a = arel.pop(s.m, None)
        if a is None:
            rep.diffs.append(f"relayed section m={s.m}: missing")
            continue
        _lines_diff(f"relayed section m={s.m} preamble", s.pre, a.pre, rep)
        eraw = [l for b in s.blocks for l in b.raw]
        araw = [l for b in a.blocks for l in b.raw]
        _lines_diff(f"relayed section m={s.m} blocks", eraw, araw, rep)
        _lines_diff(f"relayed section m={s.m} registers", s.regs, a.regs, rep)
    for m in arel:
        rep.diffs.append(f"relayed section m={m}: extra")
    return rep


# ----------------------------------------------------------------------------------------------
# JSON and CLI
# ----------------------------------------------------------------------------------------------


def _jsonable(o):
    if dataclasses.is_dataclass(o):
        d = {}
        for f in dataclasses.fields(o):
            if f.name in ("raw", "lines"):
                continue
            d[f.name] = _jsonable(getattr(o, f.name))
        if isinstance(o, Frame):
            d["inlined"] = o.inlined
        return d
    if isinstance(o, (list, tuple)):
        return [_jsonable(x) for x in o]
    if isinstance(o, dict):
        return {k: _jsonable(v) for k, v in o.items()}
    return o


def dump_to_json(d: Dump) -> dict:
    j = _jsonable(d)
    j["summary"] = d.summary()
    return j


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, "r", encoding="utf-8", errors="surrogateescape") as f:
        return f.read()


def main(argv=None) -> int:
    import argparse
    import signal
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    ap = argparse.ArgumentParser(prog="gotrace.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("parse", help="parse a dump and print a summary (or JSON)")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    c = sub.add_parser("compare", help="compare the runtime's dump with a reconstruction")
    c.add_argument("expected")
    c.add_argument("actual")
    c.add_argument("--ignore-minutes", action="store_true", help="ignore ', N minutes'")
    c.add_argument("--ignore-order", action="store_true", help="ignore goroutine print order")
    c.add_argument("--ignore-addresses", action="store_true",
                   help="ignore gp/m/mp and fp/sp/pc (for dumps of different runs)")
    c.add_argument("--quiet-legit", action="store_true", help="do not detail legit differences")
    a = ap.parse_args(argv)
    if a.cmd == "parse":
        d = parse(_read(a.file))
        if a.json:
            json.dump(dump_to_json(d), sys.stdout, indent=1)
            print()
        else:
            print(d.summary())
            for s in d.sections:
                sig = f" {s.signal} m={s.m}" if s.signal else ""
                print(f"section {s.index}{sig}: {len(s.blocks)} blocks, {len(s.regs)} registers")
                for b in s.blocks:
                    st = f" [{b.status_raw}]" if b.status_raw is not None else ""
                    print(f"  {b.label()}{st}: {len(b.frames)} frames"
                          f"{', running elsewhere' if b.running_elsewhere else ''}")
            for ln, t in d.unknown:
                print(f"unknown line {ln}: {t!r}")
            for ln, msg in d.errors:
                print(f"PARSE ERROR line {ln}: {msg}")
        return 1 if d.errors else 0
    rep = compare(parse(_read(a.expected)), parse(_read(a.actual)), a.ignore_minutes,
                  a.ignore_order, a.ignore_addresses)
    print(rep.format(verbose_legit=not a.quiet_legit))
    return 0 if rep.ok else 1


if __name__ == "__main__":
    sys.exit(main())
