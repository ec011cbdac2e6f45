/* backlog.c — reading printBacklog (see backlog.h). */
#include "rt/backlog.h"

#include <string.h>

enum { BACKLOG = 512, MAX_TARGETS = 64 };

static int find_by_code(const struct gp_rt *rt, uint64_t *buf, uint64_t *idx)
{
	struct gp_rip_op ops[MAX_TARGETS];
	uint64_t pl[MAX_TARGETS];
	int n = gp_rip_operands(rt->b, "runtime.recordForPanic", ops, MAX_TARGETS);
	int np = gp_rip_targets(rt->b, "runtime.printlock", pl, MAX_TARGETS);
	int nbuf = 0, nidx = 0;
	for (int i = 0; i < n; i++) {
		int in_printlock = 0, load = 0, store = 0, lea = 0, dup = 0;
		for (int j = 0; j < np; j++)
			in_printlock |= pl[j] == ops[i].target;
		for (int j = 0; j < n; j++) {
			dup |= j < i && ops[j].target == ops[i].target;
			load |= ops[j].target == ops[i].target && ops[j].opcode == 0x8b;
			store |= ops[j].target == ops[i].target && ops[j].opcode == 0x89;
			lea |= ops[j].target == ops[i].target && ops[j].opcode == 0x8d;
		}
		if (dup)
			continue;
		if (lea && !in_printlock) {
			*buf = ops[i].target;
			nbuf++;
		}
		if (load && store) {
			*idx = ops[i].target;
			nidx++;
		}
	}
	return nbuf == 1 && nidx == 1 ? 0 : -1;
}

void gp_backlog_read(const struct gp_rt *rt, struct gp_backlog *out)
{
	memset(out, 0, sizeof(*out));
	uint64_t buf = 0, idx = 0;
	struct gp_err *e1 = gp_exe_symbol(rt->b->exe, "runtime.printBacklog", &buf, NULL);
	struct gp_err *e2 = e1 ? NULL : gp_exe_symbol(rt->b->exe, "runtime.printBacklogIndex", &idx, NULL);
	out->how = "symbols";
	if (e1 || e2) {
		out->how = "code of runtime.recordForPanic";
		if (find_by_code(rt, &buf, &idx) != 0) {
			out->how = "not found (no symbols, and runtime.recordForPanic's code did not name it)";
			gp_err_free(e1);
			gp_err_free(e2);
			return;
		}
	}
	gp_err_free(e1);
	gp_err_free(e2);
	char ring[BACKLOG];
	uint64_t index;
	buf += rt->t->bias;
	idx += rt->t->bias;
	struct gp_err *err = gp_target_read(rt->t, buf, ring, sizeof(ring));
	if (!err)
		err = gp_target_u64(rt->t, idx, &index);
	if (err || index >= BACKLOG) {
		out->how = err ? "not readable" : "printBacklogIndex out of range";
		gp_err_free(err);
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < BACKLOG; i++) {
		char c = ring[(index + i) % BACKLOG];
		if (c || n)
			out->text[n++] = c;
	}
	out->len = n;
	out->present = 1;
}

int gp_backlog_fatal_diagnostics(const struct gp_backlog *b, const char **start, size_t *n)
{
	const char *t = b->text, *end = t + b->len, *fatal = NULL;
	for (const char *p = t; p < end; p++)
		if ((p == t || p[-1] == '\n') && end - p >= 13 && !memcmp(p, "fatal error: ", 13))
			fatal = p;
	if (!fatal)
		return 0;
	const char *s = fatal;
	while (s > t) {
		const char *prev = s - 1; /* the '\n' ending the previous line */
		const char *ls = prev;
		while (ls > t && ls[-1] != '\n')
			ls--;
		if (prev - ls < 9 || memcmp(ls, "runtime: ", 9))
			break;
		s = ls;
	}
	*start = s;
	*n = (size_t)(fatal - s);
	return 1;
}
