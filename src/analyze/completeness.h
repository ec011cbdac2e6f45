/* completeness.h — what a core lacks and what that cost. The kernel writes the contents of a
 * mapping only when /proc/PID/coredump_filter selects its kind (by default: private and shared
 * anonymous memory, ELF headers, private huge pages) — file-backed mappings are left out, and the
 * executable's own file stands in for its read-only parts; a core cut short (disk full, a size
 * limit, a copy interrupted) loses the end of its last segments. Per segment that has no bytes
 * in the file: its range, the file it maps (or anonymous memory, which the Go heap and goroutine
 * stacks are), whether gopsy can read it elsewhere (the executable's file); then the cost: the
 * goroutines that could not be read, the stacks that are not in the core, and each runtime
 * structure the analyses found incomplete (with their own reasons).
 */
#ifndef GOPSY_ANALYZE_COMPLETENESS_H
#define GOPSY_ANALYZE_COMPLETENESS_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "session/session.h"

struct gp_missing_seg {
	uint64_t start, end;     /* the mapping */
	uint64_t missing;        /* bytes not in the core file */
	const char *file;        /* mapped file (NT_FILE), NULL for anonymous memory */
	int writable;
	int truncated;           /* the core was cut inside this segment (else it was not dumped) */
	int from_exe;            /* readable from the executable's file instead */
};

enum { GP_COMPLETENESS_MAX_NOTES = 16 };

struct gp_completeness {
	uint64_t segments, dumped_bytes, mapped_bytes;
	uint64_t truncated_bytes;
	struct gp_missing_seg *missing;   /* segments with bytes missing */
	size_t nmissing;
	uint64_t missing_anon_bytes;      /* anonymous memory not in the core: heap, stacks */
	uint64_t missing_file_bytes;      /* file-backed, not readable from the executable */
	/* the cost, filled by the report's pass */
	uint64_t unreadable_goroutines;
	uint64_t stacks_missing;          /* goroutines whose stack (at their saved sp) is not in the core */
	const char *notes[GP_COMPLETENESS_MAX_NOTES];  /* structures found incomplete, with the reason */
	size_t nnotes;
};

struct gp_err *gp_completeness_read(struct gp_session *s, struct gp_arena *a, struct gp_completeness *out) GP_MUST_USE;
void gp_completeness_note(struct gp_completeness *c, const char *what);

/* Whether the stack page at sp is in the core. */
int gp_completeness_stack_present(const struct gp_session *s, uint64_t sp);

#endif
