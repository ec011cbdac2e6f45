#!/usr/bin/env python3
"""json2text.py — render `gopsy goroutines --json` back into the Go runtime's traceback text.

Used by the e2e suite as `gopsy goroutines --json … | json2text.py`, compared with the runtime's own
dump: it proves the JSON document carries every field the runtime prints (docs/json.md).
Reads JSON on stdin, writes text on stdout. With --thread-stacks, a running goroutine's
"thread_stack" frames (gopsy's reconstruction from its thread) replace the runtime's "stack
unavailable" line: compared with the runtime's dump, that checks them against the stacks the
runtime printed for the goroutines running on the M that printed."""
import json
import re
import sys


def minor(version: str) -> int:
    m = re.search(r"go1\.(\d+)", version)
    return int(m.group(1)) if m else 0


def frame_lines(frames: list, level2: bool) -> list:
    lines = []
    for f in frames:
        if "elided" in f:
            lines.append("...additional frames elided..." if f["elided"] < 0 else f"...{f['elided']} frames elided...")
        elif "error" in f:
            lines.append(f["error"])
        elif f["inlined"]:
            lines.append(f"{f['printed_name']}(...)")
            lines.append(f"\t{f['file']}:{f['line']}" + (f" +{f['offset']}" if "offset" in f else ""))
        else:
            lines.append(f"{f['printed_name']}({f['args']})")
            pos = f"\t{f['file']}:{f['line']}"
            if int(f["offset"], 16) > 0:
                pos += f" +{f['offset']}"
            if level2:
                pos += f" fp={f['fp']} sp={f['sp']} pc={f['pc']}"
            lines.append(pos)
    return lines


def go_quoted(s: str) -> str:
    """runtime.printquoted"""
    out = ['"']
    for ch in s:
        r = ord(ch)
        if ch in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        elif ch in '\\"':
            out.append("\\" + ch)
        elif " " <= ch <= "~":
            out.append(ch)
        elif r < 127:
            out.append(f"\\x{r:02x}")
        elif r < 0x10000:
            out.append(f"\\u{r:04x}")
        else:
            out.append(f"\\U{r:08x}")
    return "".join(out) + '"'


def needs_quoting(s: str) -> bool:
    """Go 1.27 tracebackStringNeedsQuoting"""
    return any(not (c.isascii() and (c.isalnum() or c in "./_")) for c in s)


def labels_text(labels: list, v127: bool) -> str:
    q = (lambda s: go_quoted(s) if needs_quoting(s) else s) if v127 else go_quoted
    return ", ".join(f"{q(l['key'])}: {q(l['value'])}" for l in labels)


def created_by_lines(cb: dict) -> list:
    line = f"created by {cb['printed_name']}"
    if cb["goroutine"] is not None:
        line += f" in goroutine {cb['goroutine']}"
    pos = f"\t{cb['file']}:{cb['line']}"
    if int(cb["pc"], 16) > int(cb["entry"], 16):
        pos += f" +{hex(int(cb['pc'], 16) - int(cb['entry'], 16))}"
    return [line, pos]


def main() -> int:
    thread_stacks = "--thread-stacks" in sys.argv[1:]
    d = json.load(sys.stdin)
    if d.get("schema") != "gopsy.goroutines/1":
        print(f"json2text: unexpected schema {d.get('schema')!r}", file=sys.stderr)
        return 1
    level2 = d["traceback"] in ("system", "crash")
    gv = minor(d["go_version"])
    out = []
    for g in d["goroutines"]:
        h = f"goroutine {g['goid']}"
        if level2 and gv >= 22:
            h += f" gp={g['gp']}"
            h += f" m={g['m']['id']} mp={g['m']['addr']}" if g["m"] else " m=nil"
        h += f" [{g['status_text']}"
        if g["scan"]:
            h += " (scan)"
        if g.get("durable"):
            h += " (durable)"
        if (g.get("wait_minutes") or 0) >= 1:
            h += f", {g['wait_minutes']} minutes"
        if g["locked_to_thread"]:
            h += ", locked to thread"
        if g.get("synctest_group") is not None:
            h += f", synctest group {g['synctest_group']}"
        if g.get("synctest_bubble") is not None:
            h += f", synctest bubble {g['synctest_bubble']}"
        labels = g.get("labels") if d.get("labels_in_header") else None
        if labels and gv < 27:
            h += f" labels:{{{labels_text(labels, False)}}}"
        h += "]"
        if labels and gv >= 27:
            h += f" {{{labels_text(labels, True)}}}"
        lines = [h + ":"]
        ts = g.get("thread_stack") or {}
        if g["running_elsewhere"] and thread_stacks and "frames" in ts:
            lines += frame_lines(ts["frames"], level2)
        elif g["running_elsewhere"]:
            lines.append("\tgoroutine running on other thread; stack unavailable")
        lines += frame_lines(g["frames"], level2)
        if g.get("created_by"):
            lines += created_by_lines(g["created_by"])
        # The runtime prints no ancestors for a goroutine running on another thread.
        for anc in (g.get("ancestors", []) if not g["running_elsewhere"] or thread_stacks else []):
            lines.append(f"[originating from goroutine {anc['goid']}]:")
            lines += frame_lines(anc["frames"], level2)
            if anc.get("created_by"):
                lines += created_by_lines(anc["created_by"])
        out.append("\n".join(lines) + "\n")
    sys.stdout.write("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
