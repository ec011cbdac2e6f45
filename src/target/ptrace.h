/* ptrace.h — holding a live process still with ptrace, and running one system call in one of its
 * threads (as gdb's `checkpoint` does):
 *   - gp_ptrace_stop seizes every thread (PTRACE_SEIZE with PTRACE_O_TRACECLONE, then
 *     PTRACE_INTERRUPT), following threads created meanwhile (clone events, and /proc/PID/task
 *     re-read until no thread is new), waits until each is in a ptrace stop and reads its
 *     registers (PTRACE_GETREGSET NT_PRSTATUS). A signal a thread was stopped with is kept, to be
 *     delivered when it is let go;
 *   - gp_ptrace_syscall makes a stopped thread execute one system call at a `syscall` instruction
 *     of the process's own text, single-stepping over it, then puts its registers back (a system
 *     call the thread was interrupted in restarts as if nothing happened);
 *   - gp_ptrace_release lets every thread go (PTRACE_DETACH), with its kept signal.
 * A thread that does not stop within the deadline (uninterruptible sleep) fails the stop, and
 * every thread seized so far is let go. Knows nothing about Go. linux/amd64.
 *
 * Used by the snapshot helper process (live.c) only: whoever calls these is the tracer, and the
 * kernel detaches its tracees if it dies.
 */
#ifndef GOPSY_TARGET_PTRACE_H
#define GOPSY_TARGET_PTRACE_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "target/image.h"

struct gp_ptrace_thread {
	struct gp_thread t;  /* tid, cursig (the signal it was stopped with), registers */
	int seized, stopped, gone;
	int keep_sig;        /* signal to deliver when let go (0: none) */
};

struct gp_ptrace {
	int pid;
	struct gp_arena *a;
	struct gp_ptrace_thread *th;
	size_t n, cap;
	uint64_t syscall_insn; /* address of a `syscall` instruction in the process's text, 0 if none */
	const char *late_signals; /* non-NULL: a signal arrived twice while stopped (only one is kept) */
};

enum { GP_PTRACE_ONE = 1 }; /* stop the main thread only (to run a system call while the rest runs) */

/* Stop every thread of pid (GP_PTRACE_ONE: its main thread) within deadline_ms and read the
 * registers. On error every thread seized is let go again. Allocations from a. */
struct gp_err *gp_ptrace_stop(struct gp_ptrace *p, int pid, unsigned flags, int deadline_ms,
			      struct gp_arena *a) GP_MUST_USE;

/* Run system call nr(args) in stopped thread p->th[i]; *ret is its return value (a negative errno
 * on failure). When the call creates a process or thread that is auto-attached (a clone with
 * PTRACE_O_TRACECLONE in effect), *child is its pid (else 0): it is left in its first ptrace stop.
 * options: the ptrace options of the thread during the call (PTRACE_O_*), restored to
 * PTRACE_O_TRACECLONE afterwards. */
struct gp_err *gp_ptrace_syscall(struct gp_ptrace *p, size_t i, long nr, const uint64_t args[6], unsigned options,
				 int64_t *ret, int *child) GP_MUST_USE;

/* A descriptor, in this process, of a userfaultfd of process p (whose memory it can then track,
 * target/wtrack.h): userfaultfd(O_CLOEXEC | O_NONBLOCK) run in stopped thread p->th[i] (again
 * with UFFD_USER_MODE_ONLY when refused), taken with pidfd_getfd, and closed in p again — p's
 * descriptor table ends as it began. GP_ERR_DENIED when p may not create one
 * (vm.unprivileged_userfaultfd), GP_ERR_UNSUPPORTED when the kernel has none. */
struct gp_err *gp_ptrace_take_uffd(struct gp_ptrace *p, size_t i, int *out) GP_MUST_USE;

/* Let every seized thread go (PTRACE_DETACH), delivering the signal each was stopped with. */
void gp_ptrace_release(struct gp_ptrace *p);

/* Wait (as the tracer) until pid is in a ptrace stop, at most deadline_ms: 0, or -1 (gone or late). */
int gp_ptrace_wait_stopped(int pid, int deadline_ms);

/* Microseconds of CLOCK_MONOTONIC. */
uint64_t gp_ptrace_now_us(void);

#endif
