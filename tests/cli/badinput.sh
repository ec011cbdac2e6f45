#!/usr/bin/env bash
# badinput.sh GOPSY — hostile and broken inputs to `gopsy goroutines` and `gopsy report`: a real core (one e2e cell, kept)
# truncated at many points, the wrong executable (with and without --force), garbage. Each must end
# in exit 0 (partial output allowed) or 1 with a message naming what is wrong — never a crash (signal,
# sanitizer report) or a usage exit. Run from the ASan+UBSan build too (label "unit").
set -u
g=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
pass=0 fail=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

# The deadlock cell is run too so that its binary (another program of the same build) exists, even
# on a cold cache: it is the "wrong executable" below.
cell=$(python3 "$repo/tests/e2e/run.py" --versions 1.26 --modes default --cells states-nil,deadlock --keep 2>&1)
core=$(sed -n 's/^ *core: *\(\/.*states-nil\/core\)$/\1/p' <<<"$cell" | tail -n 1)
exe=$(sed -n 's/^ *binary: *\(\/.*\/states\)$/\1/p' <<<"$cell" | tail -n 1)
other=$(dirname "$exe")/deadlock
if [ ! -f "$core" ] || [ ! -f "$exe" ] || [ ! -f "$other" ]; then
	echo "$cell"; echo "FAIL: could not get a core from the e2e harness"; echo "0 passed, 1 failed"; exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run NAME EXPECT_RE ARGS... : `gopsy goroutines ARGS` and `gopsy report ARGS`: exit must be 0 or 1;
# with exit 1, stderr must match EXPECT_RE. The goroutines run's stderr stays in $tmp/err.
run() {
	local name=$1 re=$2; shift 2
	local cmd
	for cmd in report goroutines; do
		"$g" $cmd "$@" >"$tmp/out" 2>"$tmp/err"
		local rc=$? what="$name" counted
		[ $cmd = report ] && what="$name, report"
		if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
			bad "$what: exit $rc: $(tail -n 3 "$tmp/err")"
		elif grep -q "ERROR: AddressSanitizer\|runtime error:" "$tmp/err"; then
			bad "$what: sanitizer: $(grep -m1 "ERROR\|runtime error" "$tmp/err")"
		elif [ $rc -eq 1 ] && ! grep -qE "$re" "$tmp/err"; then
			bad "$what: exit 1 without the expected reason /$re/: $(tail -n 2 "$tmp/err")"
		else
			if [ $cmd = report ]; then counted="$(grep -c '^CAUSE OF DEATH\|"schema":"gopsy.report' "$tmp/out") reports"
			else counted="$(grep -c '^goroutine ' "$tmp/out") goroutines"; fi
			ok "$what (exit $rc, $counted)"
		fi
	done
}

run "intact core" "." --exe "$exe" "$core"
size=$(stat -c %s "$core")
for cut in 99 90 75 50 25 10 5 3 2 1; do
	head -c $((size * cut / 100)) "$core" >"$tmp/core"
	run "core cut to ${cut}%" "truncated|not in the core|not dumped|past the end" --exe "$exe" "$tmp/core"
	grep -q "is truncated" "$tmp/err" || bad "core cut to ${cut}%: no truncation warning"
done
for bytes in 64 200 1000 4096; do
	head -c $bytes "$core" >"$tmp/core"
	run "core cut to $bytes bytes" "truncated|not an ELF|note|thread|program header" --exe "$exe" "$tmp/core"
done
run "wrong executable" "was not produced by" --exe "$other" "$core"
grep -q "was not produced by" "$tmp/err" || bad "wrong executable accepted silently"
run "wrong executable, --force" "." --force --exe "$other" "$core"
head -c 300000 /dev/urandom >"$tmp/core"
run "garbage core" "not an ELF file" --exe "$exe" "$tmp/core"
run "executable as core" "not a core dump" --exe "$exe" "$exe"
run "core as executable" "not an executable|core dump" --exe "$core" "$core"
# Flip bytes all over a copy of the core: still no crash.
cp "$core" "$tmp/core"
python3 - "$tmp/core" <<'PY'
import random, sys
p = sys.argv[1]; random.seed(7)
with open(p, "r+b") as f:
    f.seek(0, 2); n = f.tell()
    for _ in range(2000):
        f.seek(random.randrange(4096, n)); f.write(bytes([random.randrange(256)]))
PY
run "core with 2000 random bytes changed" "." --exe "$exe" "$tmp/core"
run "core with 2000 random bytes changed, --json" "." --json --exe "$exe" "$tmp/core"
# Ms and Ps (--json "ms"/"ps"): a wrong runtime.allm, an allm that is no m, an m.alllink loop. Each
# must give a partial list (the threads' Ms) with the reason in sched.ms_problem, exit 0.
for how in unmapped notanm loop; do
	cp "$core" "$tmp/core"
	python3 - "$tmp/core" "$exe" "$how" <<'PY' || bad "allm $how: could not patch the core"
import struct, subprocess, sys
core, exe, how = sys.argv[1:]
syms = dict((l.split()[2], int(l.split()[0], 16)) for l in
            subprocess.run(["nm", exe], capture_output=True, text=True).stdout.splitlines() if len(l.split()) == 3)
allm = syms["runtime.allm"]
with open(core, "r+b") as f:
    hdr = f.read(64)
    phoff, = struct.unpack_from("<Q", hdr, 0x20); phentsize, phnum = struct.unpack_from("<HH", hdr, 0x36)
    f.seek(phoff); phs = f.read(phentsize * phnum)
    loads = [struct.unpack_from("<IIQQQQ", phs, i * phentsize) for i in range(phnum)]
    def off(va):
        for t, _, o, v, _, fsz in loads:
            if t == 1 and v <= va < v + fsz:
                return o + va - v
        sys.exit(f"0x{va:x} not in the core")
    def rd(va):
        f.seek(off(va)); return struct.unpack("<Q", f.read(8))[0]
    def wr(va, x):
        f.seek(off(va)); f.write(struct.pack("<Q", x))
    if how == "unmapped":
        wr(allm, 0xdead0000)
    elif how == "notanm":
        wr(allm, allm)
    else:  # the newest M's alllink (0x160 in Go 1.26's runtime.m) back to itself
        head = rd(allm); wr(head + 0x160, head)
PY
	run "allm $how, --json" "." --json --exe "$exe" "$tmp/core"
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["sched"]["ms_problem"], "no ms_problem"
assert d["ms"], "no Ms at all"
assert d["ps"], "no Ps"
print(d["sched"]["ms_problem"])' "$tmp/out" >"$tmp/why" 2>&1 && ok "allm $how: $(cat "$tmp/why")" || bad "allm $how: $(tail -n 1 "$tmp/why")"
done
rm -rf "$(dirname "$core")" "$(dirname "$(dirname "$core")")/1.26-default-deadlock"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
