#!/usr/bin/env bash
# smoke.sh — the CLI contract: --help/--version exit 0, unknown commands exit 2 with usage on stderr,
# the live-process options' refusals; gopsy parse on garbage and bad arguments. Usage: smoke.sh path/to/gopsy
set -u
g=$1; fails=0
check() { # check DESCRIPTION EXPECTED_EXIT STREAM PATTERN -- CMD...
  local desc=$1 want=$2 stream=$3 pat=$4; shift 5
  local out err rc
  out=$("$@" 2>/tmp/smoke.$$) ; rc=$?; err=$(cat /tmp/smoke.$$); rm -f /tmp/smoke.$$
  local text=$out; [ "$stream" = err ] && text=$err
  if [ "$rc" != "$want" ] || ! grep -qE -- "$pat" <<<"$text"; then
    echo "FAIL: $desc: exit $rc (want $want); $stream: $text"; fails=$((fails+1))
  else echo "ok: $desc"; fi
}
check "--help" 0 out '^usage: gopsy <command>' -- "$g" --help
check "--version" 0 out '^gopsy [0-9]+\.[0-9]+\.[0-9]+$' -- "$g" --version
check "no arguments" 2 err '^usage: gopsy' -- "$g"
check "unknown command" 2 err "unknown command 'frobnicate'" -- "$g" frobnicate
check "gcore no pid" 2 err 'usage: gopsy gcore' -- "$g" gcore
check "gcore bad pid" 2 err 'usage: gopsy gcore' -- "$g" gcore 12x
check "run no command" 2 err 'usage: gopsy run' -- "$g" run --dir /tmp
check "goroutines core and pid" 2 err 'usage: gopsy goroutines' -- "$g" goroutines --pid 1 core
check "goroutines --track and --fork" 2 err 'usage: gopsy goroutines' -- "$g" goroutines --pid 1 --track --fork
check "goroutines --track on a core" 2 err 'usage: gopsy goroutines' -- "$g" goroutines --track core
check "report --no-fork and --track" 2 err 'usage: gopsy report' -- "$g" report --pid 1 --no-fork --track
check "gcore --track" 2 err 'usage: gopsy gcore' -- "$g" gcore 1 --track
check "goroutines no such process" 1 err '^gopsy: no process 4194304$' -- "$g" goroutines --pid 4194304
check "report pid of gopsy" 2 err 'is gopsy itself' -- bash -c "exec '$g' report --pid \$\$"
check "report missing core" 1 err '^gopsy: cannot open core /nonexistent/core: No such file or directory$' -- "$g" report /nonexistent/core
check "report no core" 2 err 'usage: gopsy report' -- "$g" report
check "report bad option" 2 err 'usage: gopsy report' -- "$g" report --bogus core
check "report garbage core" 1 err '^gopsy: ' -- "$g" report /dev/null
check "demo bad option" 2 err 'usage: gopsy demo' -- "$g" demo --bogus
# gopsy parse: garbage, nothing, a missing file, bad options; a tiny dump from standard input
check "parse garbage" 1 err '^gopsy: no goroutine dump found in standard input \(3 lines read\)$' -- \
  bash -c "printf 'hello\\n\\001\\002\\377\\n{\"level\":\"info\"}\\n' | '$g' parse"
check "parse empty" 1 err 'no goroutine dump found in /dev/null \(0 lines read\)' -- "$g" parse /dev/null
check "parse missing file" 1 err '^gopsy: cannot open /nonexistent/dump: No such file or directory$' -- "$g" parse /nonexistent/dump
check "parse bad option" 2 err '^usage: gopsy parse' -- "$g" parse --bogus
check "parse bad --top" 2 err '^usage: gopsy parse' -- "$g" parse --top x
check "parse a dump" 0 out '^dump 1 \(lines 1-5\): Go traceback, 1 goroutine in 1 stack$' -- \
  bash -c "printf 'panic: x\\n\\ngoroutine 1 [running]:\\nmain.main()\\n\\t/m.go:3 +0x1\\n' | '$g' parse"
exit $((fails > 0))
