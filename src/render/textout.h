/* textout.h — the output buffer of the traceback text: appends without printf's format parsing or
 * stdio's per-call overhead (the text path writes ~1.4 KB per goroutine, so at 100k+ goroutines
 * formatting was the largest cost), flushed with write(2) when full. One writer. */
#ifndef GOPSY_RENDER_TEXTOUT_H
#define GOPSY_RENDER_TEXTOUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Small enough to stay in the L2 cache with the data being printed (a 1 MiB buffer was written
 * back to memory before each flush); strings of any length still go out whole. */
enum { GP_TOUT_SIZE = 1 << 17 };

struct gp_tout {
	int fd;         /* -1: a memory output (gp_tout_init_mem) */
	char *mem;      /* memory output: what was flushed so far, NUL-terminated */
	size_t mem_len, mem_cap;
	int error;      /* a write failed (errno value); later output is dropped */
	size_t len;
	char buf[GP_TOUT_SIZE];
};

void gp_tout_init(struct gp_tout *o, int fd);
/* Into memory instead of a file descriptor; gp_tout_take returns the text (malloc'd, NUL-terminated,
 * the caller frees it; NULL only when out of memory, then o->error is ENOMEM). */
void gp_tout_init_mem(struct gp_tout *o);
char *gp_tout_take(struct gp_tout *o, size_t *len);
void gp_tout_flush(struct gp_tout *o);

/* tout_mem when the buffer is full: flush, and copy in buffer-sized pieces. */
void gp_tout_mem_slow(struct gp_tout *o, const char *s, size_t n);

static inline void tout_mem(struct gp_tout *o, const char *s, size_t n)
{
	if (o->len + n > GP_TOUT_SIZE) {
		gp_tout_mem_slow(o, s, n);
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static inline void tout_str(struct gp_tout *o, const char *s)
{
	tout_mem(o, s, strlen(s));
}

/* A string literal, its length known at compile time. */
#define tout_lit(o, s) tout_mem((o), (s), sizeof(s) - 1)

static inline void tout_char(struct gp_tout *o, char c)
{
	if (o->len == GP_TOUT_SIZE)
		gp_tout_flush(o);
	o->buf[o->len++] = c;
}

/* Room for n more bytes (n <= GP_TOUT_SIZE). */
static inline char *tout_room(struct gp_tout *o, size_t n)
{
	if (o->len + n > GP_TOUT_SIZE)
		gp_tout_flush(o);
	return o->buf + o->len;
}

/* "0x" + lowercase hex, no leading zeros (the runtime's hex()); written in place. */
static inline void tout_hex(struct gp_tout *o, uint64_t v)
{
	int digits = v ? (67 - __builtin_clzll(v)) / 4 : 1;
	char *p = tout_room(o, 18);
	p[0] = '0';
	p[1] = 'x';
	for (int i = digits + 1; i >= 2; i--) {
		p[i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	}
	o->len += (size_t)digits + 2;
}

/* An unsigned decimal (print(uint64)). */
static inline void tout_udec(struct gp_tout *o, uint64_t u)
{
	char b[20];
	int i = 20;
	do {
		b[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	tout_mem(o, b + i, (size_t)(20 - i));
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
	char *p = tout_room(o, 21);
	for (int k = i; k < 21; k++)
		*p++ = b[k];
	o->len += (size_t)(21 - i);
}

#endif
