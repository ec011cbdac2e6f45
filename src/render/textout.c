/* textout.c — flushing the text output buffer (see textout.h). */
#include "render/textout.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

void gp_tout_init(struct gp_tout *o, int fd)
{
	o->fd = fd;
	o->error = 0;
	o->len = 0;
	o->mem = NULL;
	o->mem_len = o->mem_cap = 0;
}

void gp_tout_init_mem(struct gp_tout *o)
{
	gp_tout_init(o, -1);
}

/* A memory output: the buffer is appended to a malloc'd string (texts of a few KiB). */
static void flush_mem(struct gp_tout *o)
{
	if (o->mem_len + o->len + 1 > o->mem_cap) {
		size_t cap = (o->mem_len + o->len + 1) * 2;
		char *p = realloc(o->mem, cap);
		if (!p) {
			o->error = ENOMEM;
			o->len = 0;
			return;
		}
		o->mem = p;
		o->mem_cap = cap;
	}
	memcpy(o->mem + o->mem_len, o->buf, o->len);
	o->mem_len += o->len;
	o->mem[o->mem_len] = 0;
	o->len = 0;
}

char *gp_tout_take(struct gp_tout *o, size_t *len)
{
	gp_tout_flush(o);
	char *p = o->mem ? o->mem : calloc(1, 1);
	*len = o->mem_len;
	o->mem = NULL;
	o->mem_len = o->mem_cap = 0;
	return p;
}

void gp_tout_flush(struct gp_tout *o)
{
	if (o->fd < 0) {
		flush_mem(o);
		return;
	}
	size_t off = 0;
	while (off < o->len && !o->error) {
		ssize_t n = write(o->fd, o->buf + off, o->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			o->error = errno;
			break;
		}
		off += (size_t)n;
	}
	o->len = 0;
}

void gp_tout_mem_slow(struct gp_tout *o, const char *s, size_t n)
{
	while (n) {
		if (o->len == GP_TOUT_SIZE)
			gp_tout_flush(o);
		size_t k = GP_TOUT_SIZE - o->len < n ? GP_TOUT_SIZE - o->len : n;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}
