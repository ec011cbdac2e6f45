/* textout.c — flushing the text output buffer (see textout.h). */
#include "render/textout.h"

#include <errno.h>
#include <unistd.h>

void gp_tout_init(struct gp_tout *o, int fd)
{
	o->fd = fd;
	o->error = 0;
	o->len = 0;
}

void gp_tout_flush(struct gp_tout *o)
{
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
