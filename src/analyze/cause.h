/* cause.h — why the process died, in words and as data, from the death model (session/death.h):
 * the runtime's own lines (the panic chain, "fatal error: ...", "[signal ...]", "SIGxxx: ...",
 * "PC=..."), and what they mean: a panic and its values (with the recovered / re-panicked ones), a
 * runtime error such as a nil pointer dereference (the fault address and the instruction), a fatal
 * error, a stack overflow with the recursion folded (main.rec ×81,211), a deadlock, a fatal signal
 * (its code, who sent it, whether it hit C code); and where: the goroutine, its thread and M, and
 * its user frames, innermost first.
 */
#ifndef GOPSY_ANALYZE_CAUSE_H
#define GOPSY_ANALYZE_CAUSE_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "session/session.h"

enum gp_cause_kind {
	GP_CAUSE_UNKNOWN,        /* no crash path found (a core taken by gcore, or unknown) */
	GP_CAUSE_PANIC,          /* an unrecovered panic */
	GP_CAUSE_RUNTIME_ERROR,  /* a panic with a runtime.Error ("runtime error: ...") */
	GP_CAUSE_FATAL,          /* a fatal error (throw / fatal) */
	GP_CAUSE_STACK_OVERFLOW, /* fatal error: stack overflow */
	GP_CAUSE_DEADLOCK,       /* fatal error: all goroutines are asleep - deadlock! (or no goroutines) */
	GP_CAUSE_SIGNAL,         /* a fatal signal the runtime did not turn into a panic */
};

struct gp_cause_panic {
	char *value;             /* printpanicval's text */
	int recovered, repanicked, goexit;
};

struct gp_cause_frame {
	const char *func, *file;
	int64_t line;
	int inlined;
};

struct gp_recursion {
	const char *func;        /* physical frames of one function in a row */
	uint64_t count;
	uint64_t depth;          /* frames above the run's innermost frame */
};

struct gp_cause {
	enum gp_cause_kind kind;
	const char *kind_name;   /* "panic", "runtime error", "fatal error", "stack overflow", ... */
	const char *summary;     /* one sentence */
	char *runtime_text;      /* the runtime's own lines before the first goroutine block */
	size_t runtime_text_len;
	/* the signal: the fatal one (GP_CAUSE_SIGNAL) or the fault a panic came from (g.sig) */
	int has_signal;
	int32_t signo, code, sender_pid;
	const char *signame;     /* "SIGSEGV: segmentation violation" */
	const char *code_name;   /* "SEGV_MAPERR (address not mapped)", "SI_USER (kill)", ... */
	uint64_t fault_addr, signal_pc;
	int fault_addr_valid;    /* si_addr is an address (SIGSEGV, SIGBUS, SIGILL, SIGFPE from the kernel) */
	int sent_by_process;     /* si_code <= 0: kill/tgkill/sigqueue; sender_pid is meaningful */
	/* where */
	int32_t tid;             /* the thread that printed, -1 unknown */
	int64_t m_id;
	uint64_t goid;           /* the goroutine at fault (0: none, or an M's g0) */
	int on_g0, on_gsignal, in_cgo;
	struct gp_cause_frame *frames; /* its user frames, innermost first */
	size_t nframes;
	/* panics, oldest first (as printed) */
	struct gp_cause_panic *panics;
	size_t npanics;
	/* fatal error */
	const char *message;     /* NUL-terminated copy, NULL when not found */
	/* stack overflow */
	uint64_t stack_size, stack_limit, stack_frames;
	struct gp_recursion *runs; /* runs of at least 2 frames, innermost first, at most GP_CAUSE_MAX_RUNS */
	size_t nruns;
	const char *problem;     /* what could not be read, or NULL */
};

enum { GP_CAUSE_MAX_FRAMES = 16, GP_CAUSE_MAX_RUNS = 8 };

struct gp_err *gp_cause_read(struct gp_session *s, struct gp_arena *a, struct gp_cause *out) GP_MUST_USE;

/* "SEGV_MAPERR (address not mapped)" for a signal's si_code, or NULL. */
const char *gp_sigcode_name(int32_t signo, int32_t code);

#endif
