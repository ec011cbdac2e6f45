"""facts.py — the fact lines a fixture prints about itself (tests/fixtures/internal/fx/facts.go):
"gopsy-fixture: fact KIND NAME [KEY=VALUE...]" on its stdout. The report tests compare gopsy's
findings in the core with these, never with gopsy's earlier output."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PREFIX = "gopsy-fixture: fact "


def parse(text: str) -> list:
    """[(kind, name, {key: value})] in the order printed."""
    out = []
    for line in text.splitlines():
        if not line.startswith(PREFIX):
            continue
        rest = line[len(PREFIX):]
        head = rest.split(" ", 2)
        if len(head) < 2:
            continue
        kv = {}
        # key=value, where a value is a Go-quoted string (fx.Quote) or runs to the next space
        for m in re.finditer(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)', head[2] if len(head) > 2 else ""):
            v = m.group(2)
            if v.startswith('"'):
                try:
                    v = ast.literal_eval(v)
                except (ValueError, SyntaxError):
                    pass
            kv[m.group(1)] = v
        out.append((head[0], head[1], kv))
    return out


def load(stdout_path: Path) -> list:
    return parse(Path(stdout_path).read_text(errors="replace"))


def of_kind(facts: list, kind: str) -> list:
    return [f for f in facts if f[0] == kind]
