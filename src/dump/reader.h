/* reader.h — lines from a file descriptor, streamed through one buffer (pipes, terminals), or, for a
 * regular file, read in place from a read-only mapping whose pages are released behind the reader
 * (no copy; the kernel's copy into a buffer was the largest single cost) — never the whole input
 * resident in memory. Lines are views into the buffer (no copy); the
 * caller may ask to keep the bytes from some line on (a goroutine block being read), and is told by
 * how much they moved when the buffer is refilled. A line longer than the line limit is delivered in
 * pieces (and counted), so that no input can make the reader grow without bound.
 */
#ifndef GOPSY_DUMP_READER_H
#define GOPSY_DUMP_READER_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/sv.h"

enum {
	GP_LR_CHUNK = 4 << 20,     /* read size and initial buffer */
	GP_LR_MAX_LINE = 16 << 20, /* longer lines are cut into pieces of this size */
	GP_LR_MAX_KEEP = 8 << 20,  /* kept bytes beyond this: the caller must let go (gp_lr_kept) */
	GP_LR_RELEASE = 8 << 20,   /* a mapped file's pages are released in steps of this */
};

struct gp_lreader {
	int fd;
	const char *name;  /* for error messages */
	char *buf;
	size_t cap, start, end;
	void *map;         /* a regular file mapped read-only (buf points into it), or NULL */
	size_t map_len, released;
	size_t keep;       /* offset of the first kept byte; SIZE_MAX: nothing kept */
	int eof;
	uint64_t lineno;   /* of the last line returned, 1-based */
	uint64_t bytes;    /* consumed so far */
	uint64_t long_lines; /* lines cut because they exceeded GP_LR_MAX_LINE */
};

/* map: read a regular file through a mapping (else always through the buffer). A mapped file that
 * shrinks while it is read raises SIGBUS: the CLI turns that into an error message. */
struct gp_err *gp_lr_init(struct gp_lreader *r, int fd, const char *name, int map) GP_MUST_USE;
void gp_lr_deinit(struct gp_lreader *r);

/* The next line without its newline (a final line without one is returned too). *more = 0 at the
 * end of the input. When kept bytes moved, *moved is their displacement (new - old) and the caller
 * must shift its views into them; else 0. */
struct gp_err *gp_lr_next(struct gp_lreader *r, struct gp_sv *line, int *more, ptrdiff_t *moved) GP_MUST_USE;

/* Keep the bytes from p (a line previously returned) on, across refills; gp_lr_keep(r, NULL) stops. */
void gp_lr_keep(struct gp_lreader *r, const char *p);
/* How many bytes are kept (the caller lets go when this exceeds GP_LR_MAX_KEEP). */
size_t gp_lr_kept(const struct gp_lreader *r);

#endif
