/* backlog.h — the runtime's print backlog (runtime/print.go: printBacklog [512]byte and
 * printBacklogIndex, filled by recordForPanic from every gwrite until startpanic_m sets panicking):
 * the last 512 bytes the runtime printed before it began to die — for a throw, "fatal error: msg"
 * and the "runtime: ..." diagnostics printed just before it; for a panic or a fatal signal, whatever
 * came before (the crash text itself is printed after recording stopped).
 * Found by symbol, or in a stripped binary from runtime.recordForPanic's RIP-relative operands:
 * the LEA target that is not runtime.printlock's debuglock is printBacklog, the 64-bit word both
 * loaded and stored is printBacklogIndex (validated: < 512).
 */
#ifndef GOPSY_RT_BACKLOG_H
#define GOPSY_RT_BACKLOG_H

#include <stddef.h>

#include "rt/goroutine.h"

struct gp_backlog {
	int present;
	const char *how;       /* "symbols", "code of runtime.recordForPanic", or why not found */
	char text[512];        /* chronological; the never-written start (NULs) dropped */
	size_t len;
};

void gp_backlog_read(const struct gp_rt *rt, struct gp_backlog *out);

/* The "runtime: " lines printed right before the last "fatal error: " line of the backlog
 * (newstack's "goroutine stack exceeds" and "sp=", checkdead's counts, ...): *start and *n, or 0
 * when the backlog holds no fatal error line. */
int gp_backlog_fatal_diagnostics(const struct gp_backlog *b, const char **start, size_t *n);

#endif
