/* godebug.c — resolving GODEBUG settings from a core (see godebug.h). */
#include "rt/godebug.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

/* Apply every "name=value" of a comma-separated GODEBUG string, left to right. */
static void apply(const char *s, size_t n, const char *name, int *val)
{
	size_t nl = strlen(name);
	const char *end = s + n;
	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *fe = comma ? comma : end;
		if ((size_t)(fe - s) > nl && !memcmp(s, name, nl) && s[nl] == '=') {
			char buf[32];
			size_t vl = (size_t)(fe - s) - nl - 1;
			if (vl < sizeof(buf)) {
				memcpy(buf, s + nl + 1, vl);
				buf[vl] = '\0';
				*val = atoi(buf);
			}
		}
		s = fe + (comma != NULL);
	}
}

int gp_godebug_int(const struct gp_target *t, const struct gp_image *core, const struct gp_gobin *b,
		   const char *name, int dflt)
{
	int val = dflt;
	const char *d = gp_buildinfo_setting(&b->bi, "DefaultGODEBUG");
	if (d)
		apply(d, strlen(d), name, &val);
	/* The environment block ends right before the executable's name (AT_EXECFN) at the top of the
	 * main stack; look at most 256 KiB below it for "GODEBUG=" at the start of a string. */
	uint64_t execfn = gp_image_auxv(core, AT_EXECFN);
	if (!execfn)
		return val;
	enum { WINDOW = 256 * 1024 };
	uint64_t lo = execfn > WINDOW ? execfn - WINDOW : 0;
	const char *p = NULL;
	while (lo < execfn && !(p = gp_target_ptr(t, lo, (size_t)(execfn - lo))))
		lo = (lo + 4096) & ~(uint64_t)4095;
	if (!p)
		return val;
	size_t n = (size_t)(execfn - lo);
	const char *last = NULL;
	for (size_t i = 0; i + 8 <= n; i++)
		if ((i == 0 || p[i - 1] == '\0') && !memcmp(p + i, "GODEBUG=", 8))
			last = p + i + 8;
	if (last)
		apply(last, strnlen(last, (size_t)(p + n - last)), name, &val);
	return val;
}
