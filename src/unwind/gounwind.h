/* gounwind.h — unwinding a goroutine's stack exactly as the Go runtime's own unwinder does for
 * printing (runtime/traceback.go: unwinder.initAt, resolveInternal, next, symPC, with
 * unwindPrintErrors): frame sizes from pcsp, return addresses at fp-8, TopFrame and SPWrite
 * functions end the walk, injected calls (sigpanic; asyncPreempt and debugCallV2 from Go 1.21) make
 * their caller a trap frame. It does not jump stacks (no unwindJumpStack), like tracebacks.
 *
 * Frames come out one physical frame at a time; inline expansion and what to show is the renderer's
 * business. Run-time addresses throughout; the pclntab is consulted at pc - bias.
 */
#ifndef GOPSY_UNWIND_GOUNWIND_H
#define GOPSY_UNWIND_GOUNWIND_H

#include <stdint.h>

#include "gobin/gobin.h"
#include "gobin/pccache.h"
#include "layout/funcids.h"
#include "target/target.h"

enum gp_unwind_error {
	GP_UNWIND_OK = 0,
	GP_UNWIND_UNKNOWN_PC,     /* the first pc is in no Go function ("unknown pc") */
	GP_UNWIND_UNEXPECTED_RET, /* a return address is in no Go function ("unexpected return pc") */
	GP_UNWIND_STUCK,          /* pc and sp did not move ("traceback stuck") */
	GP_UNWIND_UNREADABLE,     /* a return address could not be read from the stack */
};

struct gp_stkframe {
	uint64_t pc, sp, fp, lr; /* run-time; fp = caller's sp */
	uint64_t argp;
	struct gp_func fn;       /* fn.entry is link-time */
	int32_t spdelta;         /* pcsp at pc */
	uint64_t entry;          /* run-time entry */
};

struct gp_unwinder {
	const struct gp_target *t;
	const struct gp_gobin *b;
	const struct gp_funcids *ids;
	struct gp_pccache *cache; /* NULL: decode every lookup */
	int go_minor;
	struct gp_stkframe frame;
	int valid;
	int trap;               /* unwindTrap: symPC is pc itself */
	int callee_funcid;      /* calleeFuncID */
	enum gp_unwind_error error;
	uint64_t error_pc;      /* the pc that failed (unknown pc / unexpected return pc) */
	int nframes;
};

/* initAt(pc, sp) with unwindPrintErrors; is_syscall: (pc, sp) are the goroutine's syscallpc/sp,
 * which clears SPWrite on the innermost frame; trap: the first frame is a trap frame. */
void gp_unwind_init(struct gp_unwinder *u, const struct gp_target *t, const struct gp_gobin *b,
		    const struct gp_funcids *ids, struct gp_pccache *cache, uint64_t pc, uint64_t sp, int is_syscall,
		    int trap);
void gp_unwind_next(struct gp_unwinder *u);
/* The pc to look up lines and inlining at: pc-1 for a call return address, pc for trap frames and
 * frames at their function's entry. Run-time address. */
uint64_t gp_unwind_sympc(const struct gp_unwinder *u);

#endif
