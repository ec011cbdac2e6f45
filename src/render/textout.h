/* textout.h — the output buffer of the traceback text: appends without printf's format parsing or
 * stdio's per-call overhead (the text path writes ~1.4 KB per goroutine, so at 100k+ goroutines
 * formatting was the largest cost), flushed with write(2) when full. One writer. */
#ifndef GOPSY_RENDER_TEXTOUT_H
#define GOPSY_RENDER_TEXTOUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum { GP_TOUT_SIZE = 1 << 20 };

struct gp_tout {
	int fd;
	int error;      /* a write failed (errno value); later output is dropped */
	size_t len;
	char buf[GP_TOUT_SIZE];
};

void gp_tout_init(struct gp_tout *o, int fd);
void gp_tout_flush(struct gp_tout *o);

static inline void tout_mem(struct gp_tout *o, const char *s, size_t n)
{
	if (o->len + n > GP_TOUT_SIZE) {
		gp_tout_flush(o);
		if (n > GP_TOUT_SIZE)
			n = GP_TOUT_SIZE; /* a single string longer than 1 MiB is cut */
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static inline void tout_str(struct gp_tout *o, const char *s)
{
	tout_mem(o, s, strlen(s));
}

static inline void tout_char(struct gp_tout *o, char c)
{
	if (o->len == GP_TOUT_SIZE)
		gp_tout_flush(o);
	o->buf[o->len++] = c;
}

/* "0x" + lowercase hex, no leading zeros (the runtime's hex()). */
static inline void tout_hex(struct gp_tout *o, uint64_t v)
{
	char b[18];
	int i = 18;
	do {
		b[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	b[--i] = 'x';
	b[--i] = '0';
	tout_mem(o, b + i, (size_t)(18 - i));
}

static inline void tout_dec(struct gp_tout *o, int64_t v)
{
	char b[21];
	int i = 21;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		b[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		b[--i] = '-';
	tout_mem(o, b + i, (size_t)(21 - i));
}

#endif
