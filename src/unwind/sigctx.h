/* sigctx.h — the signal contexts on a thread's stack (linux/amd64). A Go thread handling a signal
 * runs runtime.sigtramp on its M's signal stack; the kernel put the rt_sigframe right above
 * sigtramp's frame: pretcode at fp-8, the ucontext at fp (uc_mcontext at +40: the interrupted
 * registers), the siginfo at fp+304 (sizeof(struct ucontext) on x86-64: flags, link, stack_t,
 * sigcontext, sigset). Walking from the thread's registers with the Go unwinder up to each
 * sigtramp frame, and on from the registers that signal interrupted, gives every nested context,
 * innermost first: what the runtime's own sighandler read as sigctxt (PC=, sigcode=, addr=,
 * dumpregs) and where tracebacktrap started.
 */
#ifndef GOPSY_UNWIND_SIGCTX_H
#define GOPSY_UNWIND_SIGCTX_H

#include <stdint.h>

#include "gobin/pccache.h"
#include "target/core.h"
#include "unwind/gounwind.h"

struct gp_sigctx {
	uint64_t ucontext;             /* run-time address of the kernel's ucontext */
	uint64_t sigtramp_sp;          /* sp of the runtime.sigtramp frame that received it */
	uint64_t regs[GP_X86_NREGS];   /* the interrupted registers (uc_mcontext) in gp_thread order;
	                                * fs_base, gs_base and orig_rax are the thread's (not in it) */
	uint16_t cs, gs, fs;           /* the segment selectors sigcontext holds */
	int32_t signo, errnum, code;   /* siginfo */
	uint64_t addr;                 /* si_addr (meaningful for SIGSEGV, SIGBUS, SIGILL, SIGFPE) */
	int32_t pid, uid;              /* si_pid, si_uid (meaningful for signals sent by a process) */
};

enum { GP_SIGCTX_MAX = 4 }; /* nesting deeper than this is not followed */

/* The contexts on th's stack, innermost first; returns how many (0: the thread is not in a Go
 * signal handler, or its frames are not in the core). */
int gp_sigctx_find(const struct gp_target *t, const struct gp_gobin *b, const struct gp_funcids *ids,
		   struct gp_pccache *cache, const struct gp_thread *th, struct gp_sigctx *out, int max);

#endif
