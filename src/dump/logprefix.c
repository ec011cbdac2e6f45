/* logprefix.c — learning and matching log-line prefixes (see logprefix.h). */
#include "dump/logprefix.h"

static int isdig(char c)
{
	return c >= '0' && c <= '9';
}

int gp_logprefix_learn(struct gp_logprefix *lp, const char *p, size_t n)
{
	lp->n = 0;
	if (n > GP_LOGPREFIX_MAX)
		return 0;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		if (isdig(p[i])) {
			while (i < n && isdig(p[i]))
				i++;
			lp->shape[o++] = '\0';
		} else if (p[i] == '\0') {
			lp->n = 0; /* a NUL byte in a prefix: not a log prefix */
			return 0;
		} else {
			lp->shape[o++] = p[i++];
		}
	}
	lp->n = o;
	return 1;
}

size_t gp_logprefix_match(const struct gp_logprefix *lp, struct gp_sv line)
{
	size_t i = 0;
	for (size_t k = 0; k < lp->n; k++) {
		if (lp->shape[k] == '\0') {
			if (i >= line.n || !isdig(line.p[i]))
				return 0;
			while (i < line.n && isdig(line.p[i]))
				i++;
		} else {
			if (i >= line.n || line.p[i] != lp->shape[k])
				return 0;
			i++;
		}
	}
	return i;
}
