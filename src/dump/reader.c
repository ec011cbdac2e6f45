/* reader.c — streamed line reading (see reader.h). */
#include "dump/reader.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct gp_err *gp_lr_init(struct gp_lreader *r, int fd, const char *name, int map)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->name = name;
	r->keep = SIZE_MAX;
	struct stat st;
	off_t pos = lseek(fd, 0, SEEK_CUR);
	if (map && pos >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > pos &&
	    (uint64_t)st.st_size <= SIZE_MAX) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m != MAP_FAILED) {
			madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
			r->map = m;
			r->map_len = (size_t)st.st_size;
			r->buf = m;
			r->cap = r->end = r->map_len;
			r->start = (size_t)pos;
			r->eof = 1;
			return NULL;
		}
	}
	r->cap = GP_LR_CHUNK;
	r->buf = malloc(r->cap);
	return r->buf ? NULL : &gp_err_nomem;
}

void gp_lr_deinit(struct gp_lreader *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	else
		free(r->buf);
	r->buf = NULL;
	r->map = NULL;
}

/* Give back the mapped pages behind the reader (they count as the process's memory while mapped).
 * Views into them stay valid: a read-only file mapping refaults the same bytes. */
static void release(struct gp_lreader *r)
{
	size_t upto = r->start & ~(size_t)(GP_LR_RELEASE - 1);
	if (upto > r->released) {
		madvise(r->buf + r->released, upto - r->released, MADV_DONTNEED);
		r->released = upto;
	}
}

void gp_lr_keep(struct gp_lreader *r, const char *p)
{
	r->keep = p ? (size_t)(p - r->buf) : SIZE_MAX;
}

size_t gp_lr_kept(const struct gp_lreader *r)
{
	return r->keep == SIZE_MAX ? 0 : r->start - r->keep;
}

/* Make room and read more. Returns the displacement of the retained bytes via *moved. */
static struct gp_err *fill(struct gp_lreader *r, ptrdiff_t *moved)
{
	size_t from = r->keep != SIZE_MAX && r->keep < r->start ? r->keep : r->start;
	uintptr_t old = (uintptr_t)r->buf;
	if (from > 0) {
		memmove(r->buf, r->buf + from, r->end - from);
		r->end -= from;
		r->start -= from;
		if (r->keep != SIZE_MAX)
			r->keep = r->keep > from ? r->keep - from : 0;
	}
	if (r->cap - r->end < GP_LR_CHUNK / 2) {
		size_t ncap = r->cap * 2;
		char *nb = realloc(r->buf, ncap);
		if (!nb)
			return &gp_err_nomem;
		r->buf = nb;
		r->cap = ncap;
	}
	*moved = (ptrdiff_t)((uintptr_t)r->buf - old) - (ptrdiff_t)from;
	for (;;) {
		ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return gp_errorf(GP_ERR_IO, "reading %s: %s", r->name, strerror(errno));
		if (n == 0)
			r->eof = 1;
		r->end += (size_t)n;
		return NULL;
	}
}

struct gp_err *gp_lr_next(struct gp_lreader *r, struct gp_sv *line, int *more, ptrdiff_t *moved)
{
	*moved = 0;
	for (;;) {
		size_t avail = r->end - r->start;
		const char *p = r->buf + r->start;
		const char *nl = memchr(p, '\n', avail < GP_LR_MAX_LINE ? avail : GP_LR_MAX_LINE);
		size_t len, skip;
		if (nl) {
			len = (size_t)(nl - p);
			skip = len + 1;
		} else if (avail >= GP_LR_MAX_LINE) {
			len = skip = GP_LR_MAX_LINE;
			r->long_lines++;
		} else if (r->eof) {
			if (avail == 0) {
				*more = 0;
				line->p = p;
				line->n = 0;
				return NULL;
			}
			len = skip = avail;
		} else {
			ptrdiff_t d = 0;
			struct gp_err *err = fill(r, &d);
			if (err)
				return err;
			*moved += d;
			continue;
		}
		line->p = p;
		line->n = len;
		if (r->map && r->start - r->released >= GP_LR_RELEASE)
			release(r);
		r->start += skip;
		r->bytes += skip;
		r->lineno++;
		*more = 1;
		return NULL;
	}
}
