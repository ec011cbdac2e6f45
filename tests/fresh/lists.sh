#!/usr/bin/env bash
# lists.sh — scripts/go-toolchains keeps its private package lists usable: refreshed when one suite's
# list is missing (as after an `apt-get update` that failed for that suite), when the last update
# failed, or when they are older than a day; a package missing from a present list makes one more
# update of its suite; failures name the suite and the mirror; and with every list present and
# fresh, no update at all (at most once a day).
#
# Each case runs `go-toolchains --anchors 1.19` on a scratch GOPSY_CACHE in which Go 1.19 is marked
# installed, so that the only download is delve and panicparse (sid, ~6 MB); the anchors are
# removed before each case so that something must be fetched. Needs the network to the machine's
# Debian mirror. Env: GO_TOOLCHAINS (default: this repository's scripts/go-toolchains).
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
GT=${GO_TOOLCHAINS:-$REPO/scripts/go-toolchains}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GOPSY_CACHE="$tmp/cache"
mkdir -p "$GOPSY_CACHE/go/1.19" && touch "$GOPSY_CACHE/go/1.19/.gopsy-ok"
LISTS="$GOPSY_CACHE/apt/lists"
STAMP="$LISTS/.gopsy-updated"
read -r MIRROR _ < <("$REPO/scripts/go-toolchains" --mirror) || { echo "FAIL: no Debian mirror"; echo "0 passed, 1 failed"; exit 1; }
pass=0 fail=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; sed 's/^/    | /' "$tmp/err" | tail -n 15; fail=$((fail + 1)); }

# run [ENV=...]: go-toolchains --anchors 1.19 after removing the anchors; rc in $rc, stderr in $tmp/err
run() {
  rm -rf "$GOPSY_CACHE/anchors"
  env "$@" "$GT" --anchors 1.19 >"$tmp/out" 2>"$tmp/err"; rc=$?
}
updated() { grep -q 'updating private package lists' "$tmp/err"; }
fetched() { [ $rc = 0 ] && [ -x "$GOPSY_CACHE/anchors/usr/bin/dlv" ] && grep -q '^dlv ' "$tmp/out"; }
sid_lists() { find "$LISTS" -maxdepth 1 -name '*_dists_sid_*'; }

# 1. cold cache: one update, then the fetch; the stamp records the mirror
run
if fetched && updated && [ "$(cat "$STAMP" 2>/dev/null)" = "$MIRROR" ]; then ok "cold: updated, fetched, stamp"
else bad "cold cache (rc $rc)"; echo "$pass passed, $fail failed"; exit 1; fi

# 2. everything present and fresh: no update
run
if fetched && ! updated; then ok "fresh lists: no update"; else bad "fresh lists: expected no update (rc $rc)"; fi

# 3. the update failed for one suite (sid): its lists are gone, the other suites' are fresh
sid_lists | xargs rm -f; rm -f "$STAMP"
run
if fetched && updated; then ok "sid list missing after a failed update: updated again"; else bad "sid list missing, no stamp (rc $rc)"; fi

# 4. sid's list missing although the stamp is fresh
sid_lists | xargs rm -f
run
if fetched && updated; then ok "sid list missing, fresh stamp: updated"; else bad "sid list missing, fresh stamp (rc $rc)"; fi

# 5. a fresh, present sid list that lacks the package: one more update of sid, then found
for f in $(sid_lists | grep '_Packages'); do rm -f "$f"; : > "${f%_Packages*}_Packages"; done
run
if fetched && grep -q 'not in the sid list; updating it once more' "$tmp/err"; then ok "package missing from a fresh list: one more update, found"
else bad "package missing from a fresh list (rc $rc)"; fi

# 6. lists older than a day: updated
touch -d '2 days ago' "$STAMP"
run
if fetched && updated; then ok "lists older than a day: updated"; else bad "stale lists (rc $rc)"; fi

# 7. an update that fails (the mirror unreachable: a proxy on a closed loopback port) for a missing
#    sid list: the fetch fails naming the suite and the mirror, and no stamp is left behind ...
sid_lists | xargs rm -f
printf 'Acquire::http::Proxy "http://127.0.0.1:9/";\nAcquire::https::Proxy "http://127.0.0.1:9/";\n' > "$tmp/proxy.conf"
run APT_CONFIG="$tmp/proxy.conf"
if [ $rc != 0 ] && grep -q "suite sid from $MIRROR" "$tmp/err" && [ ! -e "$STAMP" ]; then ok "failed update: fails naming suite sid and $MIRROR, no stamp"
else bad "failed update (rc $rc; stamp: $(cat "$STAMP" 2>/dev/null))"; fi
# ... and the next run (mirror reachable again) updates instead of trusting the other fresh lists.
run
if fetched && updated; then ok "after a failed update: the next run updates and fetches"; else bad "after a failed update (rc $rc)"; fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
