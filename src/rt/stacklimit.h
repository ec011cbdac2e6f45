/* stacklimit.h — the goroutine stack limit newstack checks (runtime/stack.go maxstacksize, set to
 * 1e9 by runtime.main and by debug.SetMaxStack; maxstackceiling, 2e9): what "runtime: goroutine
 * stack exceeds N-byte limit" prints. Found by symbol, or in a stripped binary from runtime.main's
 * `movq $1000000000, maxstacksize(%rip)` followed by `movq $2000000000, maxstackceiling(%rip)`. */
#ifndef GOPSY_RT_STACKLIMIT_H
#define GOPSY_RT_STACKLIMIT_H

#include <stdint.h>

#include "rt/goroutine.h"

/* 0 and both values, or -1 when not found (*how says why). */
int gp_stacklimit_read(const struct gp_rt *rt, uint64_t *maxstacksize, uint64_t *maxstackceiling, const char **how);

#endif
