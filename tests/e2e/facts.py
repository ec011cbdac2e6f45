"""facts.py — the fact lines a fixture prints about itself (tests/fixtures/internal/fx/facts.go):
"gopsy-fixture: fact KIND NAME [KEY=VALUE...]" on its stdout. The report tests compare gopsy's
findings in the core with these, never with gopsy's earlier output."""

from __future__ import annotations

from pathlib import Path

PREFIX = "gopsy-fixture: fact "


def parse(text: str) -> list:
    """[(kind, name, {key: value})] in the order printed."""
    out = []
    for line in text.splitlines():
        if not line.startswith(PREFIX):
            continue
        parts = line[len(PREFIX):].split(" ")
        if len(parts) < 2:
            continue
        kv = {}
        for p in parts[2:]:
            k, _, v = p.partition("=")
            kv[k] = v
        out.append((parts[0], parts[1], kv))
    return out


def load(stdout_path: Path) -> list:
    return parse(Path(stdout_path).read_text(errors="replace"))


def of_kind(facts: list, kind: str) -> list:
    return [f for f in facts if f[0] == kind]
