/* watch.h — running a command under watch, to catch it as it dies of a fatal signal (gopsy run).
 *
 * The command is started stopped and seized (PTRACE_SEIZE with PTRACE_O_TRACECLONE and
 * PTRACE_O_TRACEEXIT: every thread it creates is followed, none of its children is). Every signal
 * is passed on unchanged (its siginfo kept, per thread); job-control stops are kept as such
 * (PTRACE_LISTEN). When a thread reaches its exit while the process dies of a signal whose
 * default action is a core dump, every thread is held at its exit stop — registers and memory
 * still there, whatever ulimit -c, core_pattern or coredump_filter say — and on_death is called
 * with the process as a live backend (target/live.h); then the process finishes dying.
 * Knows nothing about Go.
 */
#ifndef GOPSY_TARGET_WATCH_H
#define GOPSY_TARGET_WATCH_H

#include "base/err.h"
#include "target/live.h"

/* Called once, with every thread held at its exit; the backend is valid during the call only. */
typedef void gp_watch_death_fn(void *ctx, struct gp_live *process, int signo);

struct gp_watch {
	int pid;         /* the command's, once started */
	int status;      /* its wait status once it has ended */
	int died_of;     /* the fatal signal on_death was called for, 0 if none */
};

/* Run argv (PATH searched) with envp, wait until it ends. on_started (may be NULL) is called with
 * its pid before it runs its first instruction. */
struct gp_err *gp_watch_run(char *const argv[], char *const envp[], void (*on_started)(void *ctx, int pid),
			    gp_watch_death_fn *on_death, void *ctx, struct gp_watch *w) GP_MUST_USE;

#endif
