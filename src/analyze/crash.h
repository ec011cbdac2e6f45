/* crash.h — why a dump was printed, from its own lines: the panic chain ("panic: v [recovered]",
 * nested "\tpanic: "), the fatal error, the signal ("[signal ...]", "SIGSEGV: ...", "PC=... m=N"),
 * the number of M sections, and which goroutine the runtime printed first — the one that panicked,
 * threw or took the signal (runtime/panic.go printpanics, fatalthrow; signal_unix.go sighandler).
 */
#ifndef GOPSY_ANALYZE_CRASH_H
#define GOPSY_ANALYZE_CRASH_H

#include <stdint.h>

#include "model/model.h"
#include "base/arena.h"
#include "base/err.h"

struct gp_panic {
	const char *msg;        /* the printed value */
	int recovered;          /* " [recovered]" */
	int repanicked;         /* " [recovered, repanicked]" (Go 1.23+) */
	int nested;             /* printed with a leading tab (a panic during a deferred call) */
};

struct gp_crash {
	struct gp_panic *panics;
	size_t n_panics, cap_panics;
	const char *fatal;      /* first "fatal error: " message */
	const char *signal;     /* "[signal X]": X ("SIGSEGV: segmentation violation code=.. addr=.. pc=..") */
	const char *sighdr;     /* first "SIGxxx: description" line */
	const char *pcline;     /* first "PC=0x.. m=N sigcode=N" line */
	const char *first_text; /* first other preamble line (a message that is not a panic) */
	uint64_t sections;      /* M sections: 1 + "-----" separators */
	uint64_t runtime_lines; /* "runtime: ..." and other diagnostics */
	/* the goroutine printed first: the one that crashed or took the signal */
	int have_first;         /* 0: none yet; 1: found; -1: section 0 starts with an M stack, look on;
	                         * 2: that M ran no goroutine (an idle M took the signal) */
	uint64_t first_goid;
	const char *first_status;
	struct gp_arena *a;
};

void gp_crash_init(struct gp_crash *c, struct gp_arena *a);
struct gp_err *gp_crash_line(struct gp_crash *c, enum gp_dline_kind kind, struct gp_sv text) GP_MUST_USE;
struct gp_err *gp_crash_goroutine(struct gp_crash *c, const struct gp_mg *g) GP_MUST_USE;

#endif
