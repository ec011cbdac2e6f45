/* sv.h — string views: a pointer and a length into text owned by someone else (a read buffer, a
 * core's memory, an arena), not NUL-terminated. The dump parser hands out views into its input
 * buffer so that nothing is copied on the hot path; whoever keeps one beyond the callback copies it
 * (gp_arena_strndup). */
#ifndef GOPSY_BASE_SV_H
#define GOPSY_BASE_SV_H

#include <stddef.h>
#include <string.h>

struct gp_sv {
	const char *p;
	size_t n;
};

static inline struct gp_sv gp_sv_make(const char *p, size_t n)
{
	struct gp_sv s = {p, n};
	return s;
}

static inline int gp_sv_eq(struct gp_sv a, struct gp_sv b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* a equals the NUL-terminated literal s */
static inline int gp_sv_eqs(struct gp_sv a, const char *s)
{
	size_t n = strlen(s);
	return a.n == n && memcmp(a.p, s, n) == 0;
}

/* a starts with the literal s */
static inline int gp_sv_starts(struct gp_sv a, const char *s)
{
	size_t n = strlen(s);
	return a.n >= n && memcmp(a.p, s, n) == 0;
}

static inline int gp_sv_ends(struct gp_sv a, const char *s)
{
	size_t n = strlen(s);
	return a.n >= n && memcmp(a.p + a.n - n, s, n) == 0;
}

static inline struct gp_sv gp_sv_sub(struct gp_sv a, size_t from, size_t to)
{
	return gp_sv_make(a.p + from, to - from);
}

#endif
