/* globals.h — locating the runtime's global variables in a target: from .symtab when the binary has
 * one, else by the stripped-binary recipes (reference notes §7): the machine code of the runtime
 * function that writes the variable names its address in RIP-relative operands, and the core's
 * contents validate the candidate. Never trusted blindly: a candidate that does not look like the
 * variable in the core is rejected with the reason.
 */
#ifndef GOPSY_RT_GLOBALS_H
#define GOPSY_RT_GLOBALS_H

#include <stdint.h>

#include "base/err.h"
#include "gobin/gobin.h"
#include "target/target.h"

struct gp_slice {
	uint64_t ptr, len, cap;
};

/* runtime.allgs ([]*g): its run-time address, current header, and how it was found
 * ("symbol runtime.allgs" or "code of runtime.allgadd"). */
struct gp_allgs {
	uint64_t addr;
	struct gp_slice s;
	const char *how;
};

struct gp_err *gp_find_allgs(const struct gp_target *t, const struct gp_gobin *b, struct gp_allgs *out) GP_MUST_USE;

/* The machine code of function name (link-time entry, length up to the next function), from the
 * executable's file; NULL when the function is not found. */
const unsigned char *gp_func_code(const struct gp_gobin *b, const char *name, uint64_t *entry, size_t *n);

/* One RIP-relative operand of a REX.W MOV (0x8b load, 0x89 store), LEA (0x8d), CMP (0x39, 0x3b) or
 * XCHG (0x87): its link-time target. */
struct gp_rip_op {
	uint64_t target;
	unsigned char opcode;
};
/* Those of function name, in code order, at most max; -1 if the function is not found. */
int gp_rip_operands(const struct gp_gobin *b, const char *name, struct gp_rip_op *out, int max);

/* The link-time addresses that RIP-relative operands of function `name` refer to (REX.W MOV/LEA/
 * CMP/XCHG forms), deduplicated, at most max. Returns how many; -1 if the function is not found. */
int gp_rip_targets(const struct gp_gobin *b, const char *name, uint64_t *out, int max);
/* Of the targets tg[0..n), those t with t+8 and t+16 among them too: the ptr/len/cap words of a slice
 * variable the code appends to (runtime.allgs in allgadd, runtime.allp in procresize). Written to out
 * (room for n); returns how many. */
int gp_rip_slices(const uint64_t *tg, int n, uint64_t *out);

#endif
