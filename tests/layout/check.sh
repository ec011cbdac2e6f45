#!/usr/bin/env bash
# check.sh — do gopsy's built-in layout tables (src/layout/tables_gen.c) agree with the DWARF of
# fresh builds? For every Go version and build mode, build tests/layout/probe (a program unlike the
# generator's reference program) and compare, field by field:
#   1. the C DWARF reader (src/layout/layout_dwarf.c, via LAYOUTCHECK) against the table: every
#      struct offset and size;
#   2. an independent reader (tools/layoutgen extract-bin: Go's debug/dwarf) against the table:
#      offsets and sizes again, plus the constants the binary's DWARF carries (DW_TAG_constant:
#      waitReason, FuncID, status values, ...) and the string tables behind its symbols
#      (runtime.waitReasonStrings, runtime.gStatusStrings).
# Any difference fails the check. --selftest first proves that a wrong table entry (a field, a
# constant, a string) is noticed.
#
# Usage: tests/layout/check.sh LAYOUTCHECK [--versions "1.19 1.22"] [--modes "default pie cgo"]
#                              [--keep DIR] [--selftest]
#   LAYOUTCHECK  the tests/layout/layoutcheck binary (built by CMake)
# Modes: default (go build), pie (-buildmode=pie), cgo (CGO_ENABLED=1 -ldflags=-linkmode=external;
# skipped without gcc). Needs the Go toolchains of scripts/go-toolchains; no network.
# Env: GOPSY_CACHE (default ~/.cache/gopsy).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${GOPSY_CACHE:-$HOME/.cache/gopsy}
versions="1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27"
modes="default pie cgo"
keep=""; selftest=0

[ $# -ge 1 ] || { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
LAYOUTCHECK=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); shift
while [ $# -gt 0 ]; do
  case "$1" in
    --versions) versions=$2; shift ;;
    --modes) modes=$2; shift ;;
    --keep) keep=$2; shift ;;
    --selftest) selftest=1 ;;
    *) echo "check.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$LAYOUTCHECK" ] || { echo "check.sh: $LAYOUTCHECK is not executable" >&2; exit 2; }

if [ -n "$keep" ]; then mkdir -p "$keep"; work=$(cd "$keep" && pwd); else
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi

declare -A goroot
while read -r v root; do goroot[$v]=$root; done < <("$REPO/scripts/go-toolchains" --list)
gorun() { # gorun VERSION CGO CMD...
  local v=$1 cgo=$2; shift 2
  local root=${goroot[$v]:-}
  [ -n "$root" ] || { echo "check.sh: Go $v is not installed (scripts/go-toolchains $v)" >&2; return 1; }
  env GOROOT="$root" PATH="$root/bin:$PATH" GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOENV=off \
      GOWORK=off CGO_ENABLED="$cgo" GOCACHE="$CACHE/gocache/$v" "$@"
}

# The independent reader, built with the newest toolchain available.
newest=""; for v in $versions; do [ -n "${goroot[$v]:-}" ] && newest=$v; done
[ -n "$newest" ] || { echo "check.sh: none of the Go versions $versions is installed" >&2; exit 1; }
(cd "$REPO/tools/layoutgen" && gorun "$newest" 0 go build -o "$work/layoutgen" .)
LAYOUTGEN=$work/layoutgen
SPEC=$REPO/tools/layoutgen/spec.txt

if [ $selftest = 1 ]; then
  # A wrong field, constant or string must each make the comparison fail.
  v=${versions%% *}; minor=${v#1.}
  (cd "$HERE/probe" && gorun "$v" 0 go build -o "$work/selftest-$v" .)
  "$LAYOUTCHECK" dwarf "$work/selftest-$v" "$minor" > "$work/selftest-c.json"
  "$LAYOUTGEN" extract-bin -spec "$SPEC" -bin "$work/selftest-$v" -o "$work/selftest-go.json"
  "$LAYOUTCHECK" table "$minor" > "$work/selftest-table.json"
  "$LAYOUTGEN" diff -want "$work/selftest-table.json" -got "$work/selftest-c.json" -what fields >/dev/null \
    || { echo "check.sh: selftest: the unperturbed table already differs" >&2; exit 1; }
  for wrong in G_GOID SUDOG_ELEM MODULEDATA_GOFUNC WAITREASON_CHAN_RECEIVE FUNCID_WRAPPER WAITREASON; do
    "$LAYOUTCHECK" table "$minor" "$wrong" > "$work/selftest-wrong.json"
    caught=0
    "$LAYOUTGEN" diff -want "$work/selftest-wrong.json" -got "$work/selftest-go.json" > "$work/selftest.out" || caught=1
    case $wrong in G_*|SUDOG_*|MODULEDATA_*)
      "$LAYOUTGEN" diff -want "$work/selftest-wrong.json" -got "$work/selftest-c.json" -what fields >/dev/null \
        && caught=0 ;;
    esac
    if [ $caught = 1 ]; then echo "selftest: a wrong $wrong is caught: $(sed -n 2p "$work/selftest.out" | sed 's/^ *//')"
    else echo "check.sh: selftest: a wrong $wrong in the go$v table was NOT noticed" >&2; exit 1; fi
  done
fi

fail=0; n=0
for v in $versions; do
  minor=${v#1.}
  "$LAYOUTCHECK" table "$minor" > "$work/table-$v.json"
  for mode in $modes; do
    bin=$work/probe-$v-$mode
    case $mode in
      default) (cd "$HERE/probe" && gorun "$v" 0 go build -o "$bin" .) ;;
      pie) (cd "$HERE/probe" && gorun "$v" 0 go build -buildmode=pie -o "$bin" .) ;;
      cgo)
        if ! command -v gcc >/dev/null; then echo "skip  go$v $mode: no gcc"; continue; fi
        (cd "$HERE/probe" && gorun "$v" 1 go build -ldflags=-linkmode=external -o "$bin" .) ;;
      *) echo "check.sh: unknown mode $mode" >&2; exit 2 ;;
    esac
    n=$((n + 1))
    ok=1
    if ! "$LAYOUTCHECK" dwarf "$bin" "$minor" > "$bin.c.json"; then ok=0
    elif ! "$LAYOUTGEN" diff -want "$work/table-$v.json" -got "$bin.c.json" -what fields > "$bin.c.diff"; then
      ok=0; sed 's/^/    /' "$bin.c.diff"
    fi
    if ! "$LAYOUTGEN" extract-bin -spec "$SPEC" -bin "$bin" -o "$bin.go.json"; then ok=0
    elif ! "$LAYOUTGEN" diff -want "$work/table-$v.json" -got "$bin.go.json" > "$bin.go.diff"; then
      ok=0; sed 's/^/    /' "$bin.go.diff"
    fi
    if [ $ok = 1 ]; then
      nf=$(grep -c '^ *"[A-Z_0-9]*": \[' "$bin.c.json" || true)
      echo "ok    go$v $mode ($nf fields from DWARF; constants and strings checked)"
    else
      echo "FAIL  go$v $mode"; fail=1
    fi
  done
done
[ $fail = 0 ] && echo "check.sh: the built-in tables match the DWARF of $n fresh builds" || true
exit $fail
