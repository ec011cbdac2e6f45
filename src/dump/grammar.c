/* grammar.c — recognisers for the lines of Go traceback text (see grammar.h). */
#include "dump/grammar.h"

#include <stdint.h>
#include <string.h>

int gp_dg_hex(struct gp_sv s, uint64_t *v)
{
	if (s.n < 3 || s.n > 18 || s.p[0] != '0' || s.p[1] != 'x')
		return 0;
	if (s.p[2] == '0' && s.n != 3)
		return 0;
	uint64_t x = 0;
	for (size_t i = 2; i < s.n; i++) {
		char c = s.p[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return 0;
		x = x << 4 | d;
	}
	*v = x;
	return 1;
}

int gp_dg_dec(struct gp_sv s, uint64_t *v)
{
	if (s.n == 0 || s.n > 19 || (s.p[0] == '0' && s.n != 1))
		return 0;
	uint64_t x = 0;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return 0;
		x = x * 10 + (uint64_t)(s.p[i] - '0');
	}
	if (x > (uint64_t)INT64_MAX) /* printed back as int64 */
		return 0;
	*v = x;
	return 1;
}

/* Length of the run of decimal digits at p[0..n). */
static size_t digits(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && p[i] >= '0' && p[i] <= '9')
		i++;
	return i;
}

/* First occurrence of needle (at least 2 bytes) in h: memchr for its first byte, then a compare
 * (glibc's memmem costs more to set up than these short header searches take). */
static const char *find(struct gp_sv h, const char *needle)
{
	size_t n = strlen(needle);
	const char *p = h.p, *end = h.p + h.n;
	while (p && (size_t)(end - p) >= n) {
		p = memchr(p, needle[0], (size_t)(end - p) - n + 1);
		if (!p)
			return NULL;
		if (!memcmp(p + 1, needle + 1, n - 1))
			return p;
		p++;
	}
	return NULL;
}

/* status_raw → status, flags, minutes, locked, labels (Go 1.26 puts labels inside the brackets). */
static void parse_status(struct gp_mg *g)
{
	struct gp_sv s = g->status_raw;
	const char *lab = find(s, " labels:{");
	if (lab && s.n && s.p[s.n - 1] == '}') {
		g->labels = gp_sv_make(lab + 1, (size_t)(s.p + s.n - lab - 1));
		s.n = (size_t)(lab - s.p);
	}
	const char *comma = find(s, ", ");
	struct gp_sv st = comma ? gp_sv_make(s.p, (size_t)(comma - s.p)) : s;
	for (;;) {
		static const char *const flags[] = {" (scan)", " (leaked)", " (durable)"};
		int hit = -1;
		for (int i = 0; i < 3; i++)
			if (st.n > strlen(flags[i]) && gp_sv_ends(st, flags[i])) {
				hit = i;
				break;
			}
		if (hit < 0)
			break;
		st.n -= strlen(flags[hit]);
		if (hit == 0)
			g->scan = 1;
		else if (hit == 1)
			g->leaked = 1;
		else
			g->durable = 1;
	}
	g->status = st;
	while (comma) {
		const char *p = comma + 2, *end = s.p + s.n;
		comma = find(gp_sv_make(p, (size_t)(end - p)), ", ");
		struct gp_sv part = gp_sv_make(p, (size_t)((comma ? comma : end) - p));
		uint64_t m;
		size_t d = digits(part.p, part.n);
		if (d && gp_sv_eqs(gp_sv_sub(part, d, part.n), " minutes") && gp_dg_dec(gp_sv_make(part.p, d), &m))
			g->minutes = (int64_t)m;
		else if (gp_sv_eqs(part, "locked to thread"))
			g->locked = 1;
		/* other parts (", synctest bubble N", ...) stay in status_raw */
	}
}

int gp_dg_header(struct gp_sv line, struct gp_mg *g)
{
	if (!gp_sv_starts(line, "goroutine ") || line.n < 15 || line.p[line.n - 1] != ':')
		return 0;
	size_t i = 10, d = digits(line.p + i, line.n - i);
	uint64_t goid;
	if (!gp_dg_dec(gp_sv_make(line.p + i, d), &goid))
		return 0;
	i += d;
	struct gp_sv rest = gp_sv_sub(line, i, line.n - 1); /* without the final ':' */
	const char *open = find(rest, " [");
	if (!open)
		return 0;
	struct gp_sv mid = gp_sv_make(rest.p, (size_t)(open - rest.p));
	if (mid.n && !gp_sv_starts(mid, " gp="))
		return 0;
	const char *b = open + 2, *end = rest.p + rest.n;
	struct gp_sv status_raw, after;
	if (end > b && end[-1] == ']') {
		status_raw = gp_sv_make(b, (size_t)(end - 1 - b));
		after = gp_sv_make(end, 0);
	} else {
		const char *close = find(gp_sv_make(b, (size_t)(end - b)), "] {");
		if (!close || end[-1] != '}')
			return 0;
		status_raw = gp_sv_make(b, (size_t)(close - b));
		after = gp_sv_make(close + 1, (size_t)(end - close - 1));
	}
	memset(g, 0, sizeof(*g));
	g->kind = goid ? GP_MG_GOROUTINE : GP_MG_G0;
	g->goid = goid;
	g->count = 1;
	g->mid = mid;
	g->status_raw = status_raw;
	g->after = after;
	g->labels = gp_sv_make(after.p, 0);
	g->minutes = -1;
	parse_status(g);
	if (after.n > 1)
		g->labels = gp_sv_sub(after, 1, after.n);
	return 1;
}

int gp_dg_funcline(struct gp_sv line, struct gp_mitem *it)
{
	if (line.n < 3 || line.p[line.n - 1] != ')' || line.p[0] == '\t' || line.p[0] == ' ')
		return 0;
	const char *lp = memrchr(line.p, '(', line.n - 1);
	if (!lp || lp == line.p)
		return 0;
	struct gp_sv args = gp_sv_make(lp + 1, (size_t)(line.p + line.n - 1 - (lp + 1)));
	if (memchr(args.p, ')', args.n))
		return 0;
	it->func = gp_sv_make(line.p, (size_t)(lp - line.p));
	it->args = args;
	return 1;
}

/* The canonical hex number "0x.." that ends at e (exclusive), read leftwards, no further left than b.
 * Returns where its "0x" starts, or NULL. (File lines are parsed from their end: one pass, no search.) */
static const char *hex_back(const char *b, const char *e, uint64_t *v)
{
	const char *p = e;
	uint64_t x = 0;
	unsigned sh = 0;
	while (p > b) {
		char c = p[-1];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			break;
		if (sh >= 64)
			return NULL;
		x |= (uint64_t)d << sh;
		sh += 4;
		p--;
	}
	if (p == e || p - b < 2 || p[-1] != 'x' || p[-2] != '0' || (p[0] == '0' && e - p != 1))
		return NULL;
	*v = x;
	return p - 2;
}

/* b..e ends with "<key>0x<hex>" (key of 4 chars, e.g. " pc="): its start, or NULL. */
static const char *keyed_hex_back(const char *b, const char *e, const char key[4], uint64_t *v)
{
	const char *q = hex_back(b, e, v);
	return q && q - b >= 4 && !memcmp(q - 4, key, 4) ? q - 4 : NULL;
}

/* "file:line" → it->file, it->line. */
static int file_colon_line(struct gp_sv s, struct gp_mitem *it)
{
	size_t i = s.n;
	while (i > 0 && s.p[i - 1] >= '0' && s.p[i - 1] <= '9')
		i--;
	if (i == s.n)
		return 0;
	uint64_t ln;
	if (!gp_dg_dec(gp_sv_sub(s, i, s.n), &ln))
		return 0;
	if (ln > INT32_MAX) /* the runtime prints an int32 */
		return 0;
	int neg = i > 0 && s.p[i - 1] == '-';
	if (neg) {
		if (ln == 0)
			return 0;
		i--;
	}
	if (i < 2 || s.p[i - 1] != ':')
		return 0;
	it->file = gp_sv_make(s.p, i - 1);
	it->line = neg ? -(int64_t)ln : (int64_t)ln;
	return 1;
}

int gp_dg_fileline(struct gp_sv line, struct gp_mitem *it)
{
	if (line.n < 4 || line.p[0] != '\t')
		return 0;
	const char *b = line.p + 1, *e = line.p + line.n, *q, *q2, *q3;
	uint64_t fp = 0, sp = 0, pc = 0, off = 0;
	it->has_fpsp = 0;
	it->has_off = 0;
	it->off = it->fp = it->sp = it->pc = 0;
	if ((q = keyed_hex_back(b, e, " pc=", &pc)) && (q2 = keyed_hex_back(b, q, " sp=", &sp)) &&
	    (q3 = keyed_hex_back(b, q2, " fp=", &fp))) {
		it->has_fpsp = 1;
		it->fp = fp, it->sp = sp, it->pc = pc;
		e = q3;
	}
	if ((q = hex_back(b, e, &off)) && off && q - b >= 2 && q[-1] == '+' && q[-2] == ' ') {
		it->has_off = 1;
		it->off = off;
		e = q - 2;
	}
	return file_colon_line(gp_sv_make(b, (size_t)(e - b)), it);
}

int gp_dg_createdby(struct gp_sv line, struct gp_mitem *it)
{
	if (!gp_sv_starts(line, "created by ") || line.n == 11)
		return 0;
	struct gp_sv f = gp_sv_sub(line, 11, line.n);
	it->n = 0;
	const char *in = find(f, " in goroutine ");
	if (in) {
		struct gp_sv num = gp_sv_make(in + 14, (size_t)(f.p + f.n - in - 14));
		uint64_t id;
		if (!gp_dg_dec(num, &id) || id == 0)
			return 0;
		it->n = id;
		f.n = (size_t)(in - f.p);
	}
	if (f.n == 0 || memchr(f.p, ' ', f.n))
		return 0;
	it->func = f;
	return 1;
}

int gp_dg_elided(struct gp_sv line, struct gp_mitem *it)
{
	if (line.n < 20 || line.p[0] != '.' || line.p[1] != '.' || line.p[2] != '.')
		return 0;
	if (gp_sv_eqs(line, "...additional frames elided...")) {
		it->n = 0;
		return 1;
	}
	size_t d = digits(line.p + 3, line.n - 3);
	uint64_t n;
	if (!gp_dg_dec(gp_sv_make(line.p + 3, d), &n) || n == 0 || n > INT32_MAX ||
	    !gp_sv_eqs(gp_sv_sub(line, 3 + d, line.n), " frames elided..."))
		return 0;
	it->n = n;
	return 1;
}

int gp_dg_ancestor(struct gp_sv line, struct gp_mitem *it)
{
	if (!gp_sv_starts(line, "[originating from goroutine ") || !gp_sv_ends(line, "]:"))
		return 0;
	return gp_dg_dec(gp_sv_sub(line, 28, line.n - 2), &it->n);
}

int gp_dg_profile(struct gp_sv line, uint64_t *total)
{
	return gp_sv_starts(line, "goroutine profile: total ") && gp_dg_dec(gp_sv_sub(line, 25, line.n), total);
}

int gp_dg_pprof_record(struct gp_sv line, struct gp_mg *g)
{
	size_t d = digits(line.p, line.n);
	uint64_t count;
	if (!d || !gp_dg_dec(gp_sv_make(line.p, d), &count) || !gp_sv_starts(gp_sv_sub(line, d, line.n), " @"))
		return 0;
	struct gp_sv pcs = gp_sv_sub(line, d + 2, line.n);
	for (size_t i = 0; i < pcs.n;) { /* " 0x.." repeated */
		if (pcs.p[i] != ' ')
			return 0;
		const char *sp = memchr(pcs.p + i + 1, ' ', pcs.n - i - 1);
		size_t e = sp ? (size_t)(sp - pcs.p) : pcs.n;
		uint64_t pc;
		if (!gp_dg_hex(gp_sv_sub(pcs, i + 1, e), &pc))
			return 0;
		i = e;
	}
	memset(g, 0, sizeof(*g));
	g->kind = GP_MG_PPROF;
	g->count = count;
	g->minutes = -1;
	g->pcs = pcs;
	return 1;
}

int gp_dg_pprof_frame(struct gp_sv line, struct gp_mitem *it)
{
	if (!gp_sv_starts(line, "#\t"))
		return 0;
	struct gp_sv s = gp_sv_sub(line, 2, line.n);
	const char *t1 = memchr(s.p, '\t', s.n);
	if (!t1)
		return 0;
	uint64_t pc, off;
	if (!gp_dg_hex(gp_sv_make(s.p, (size_t)(t1 - s.p)), &pc))
		return 0;
	struct gp_sv r = gp_sv_make(t1 + 1, (size_t)(s.p + s.n - t1 - 1));
	const char *t2 = memchr(r.p, '\t', r.n);
	if (!t2)
		return 0;
	struct gp_sv fo = gp_sv_make(r.p, (size_t)(t2 - r.p));
	const char *plus = memrchr(fo.p, '+', fo.n);
	if (!plus || plus == fo.p || !gp_dg_hex(gp_sv_make(plus + 1, (size_t)(fo.p + fo.n - plus - 1)), &off))
		return 0;
	memset(it, 0, sizeof(*it));
	it->kind = GP_MI_FRAME;
	it->func = gp_sv_make(fo.p, (size_t)(plus - fo.p));
	it->pc = pc;
	it->off = off;
	it->has_off = 1;
	return file_colon_line(gp_sv_make(t2 + 1, (size_t)(r.p + r.n - t2 - 1)), it);
}

static int is_reg(struct gp_sv l)
{
	static const char *const regs[] = {"rax", "rbx", "rcx", "rdx", "rdi", "rsi", "rbp", "rsp", "r8", "r9",
					   "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags", "cs", "fs", "gs"};
	if (l.n < 7 || (l.p[0] != 'r' && l.p[0] != 'c' && l.p[0] != 'f' && l.p[0] != 'g'))
		return 0;
	const char *sp = memchr(l.p, ' ', l.n);
	if (!sp)
		return 0;
	struct gp_sv name = gp_sv_make(l.p, (size_t)(sp - l.p));
	size_t i = (size_t)(sp - l.p);
	while (i < l.n && l.p[i] == ' ')
		i++;
	uint64_t v;
	if (!gp_dg_hex(gp_sv_sub(l, i, l.n), &v))
		return 0;
	for (size_t k = 0; k < sizeof(regs) / sizeof(regs[0]); k++)
		if (gp_sv_eqs(name, regs[k]))
			return 1;
	return 0;
}

static int is_sighdr(struct gp_sv l)
{
	if (gp_sv_starts(l, "Signal ")) {
		uint64_t n;
		return gp_dg_dec(gp_sv_sub(l, 7, l.n), &n);
	}
	if (!gp_sv_starts(l, "SIG"))
		return 0;
	size_t i = 3;
	while (i < l.n && ((l.p[i] >= 'A' && l.p[i] <= 'Z') || (l.p[i] >= '0' && l.p[i] <= '9')))
		i++;
	return i > 3 && i + 2 < l.n && l.p[i] == ':' && l.p[i + 1] == ' ';
}

/* hexdumpWords rows and markers (1.19–1.26 "0x000000c000040f00:  0x..."; 1.27 "00007fc4f7f9e920: ...",
 * a column header ending in "0123456789abcdef", marker lines "        ^ SP"). */
static int is_hexdump(struct gp_sv l)
{
	size_t i = gp_sv_starts(l, "0x") ? 2 : 0, h = i;
	while (h < l.n && ((l.p[h] >= '0' && l.p[h] <= '9') || (l.p[h] >= 'a' && l.p[h] <= 'f')))
		h++;
	if (h - i >= 8 && h + 1 < l.n && l.p[h] == ':' && l.p[h + 1] == ' ')
		return 1;
	if (l.n && l.p[0] == ' ') {
		size_t k = 0;
		while (k < l.n && l.p[k] == ' ')
			k++;
		if (k + 1 < l.n && l.p[k] == '^' && l.p[k + 1] == ' ')
			return 1;
		return gp_sv_ends(l, " 0123456789abcdef");
	}
	return 0;
}

enum gp_dline_kind gp_dg_classify(struct gp_sv l)
{
	if (l.n == 0)
		return GP_DL_BLANK;
	uint64_t v;
	switch (l.p[0]) {
	case 'p':
		if (gp_sv_starts(l, "panic: "))
			return GP_DL_PANIC;
		if (gp_sv_starts(l, "preempt off reason:"))
			return GP_DL_RUNTIME;
		break;
	case '\t':
		if (gp_sv_starts(l, "\tpanic: "))
			return GP_DL_PANIC;
		if (gp_sv_starts(l, "\tfatal error: "))
			return GP_DL_FATAL;
		if (gp_sv_starts(l, "\tstack=["))
			return GP_DL_RUNTIME;
		break;
	case 'f':
		if (gp_sv_starts(l, "fatal error: "))
			return GP_DL_FATAL;
		if (gp_sv_starts(l, "fatal: "))
			return GP_DL_RUNTIME;
		break;
	case '[':
		if (gp_sv_starts(l, "[signal ") && l.p[l.n - 1] == ']')
			return GP_DL_SIGNAL;
		break;
	case 'P':
		if (gp_sv_starts(l, "PC=0x"))
			return GP_DL_PCLINE;
		break;
	case 'S':
		if (is_sighdr(l))
			return GP_DL_SIGHDR;
		break;
	case '-':
		if (gp_sv_eqs(l, "-----"))
			return GP_DL_SEPARATOR;
		break;
	case 'r':
		if (gp_sv_starts(l, "runtime: "))
			return GP_DL_RUNTIME;
		break;
	case 'g':
		if (gp_dg_profile(l, &v))
			return GP_DL_PROFILE;
		break;
	case 's':
		if (gp_sv_eqs(l, "signal arrived during cgo execution") || gp_sv_starts(l, "stack: frame={"))
			return GP_DL_RUNTIME;
		break;
	case 'u':
		if (gp_sv_starts(l, "unexpected fault address ") || gp_sv_starts(l, "unexpected signal"))
			return GP_DL_RUNTIME;
		break;
	case 'a':
		if (gp_sv_starts(l, "accessed data from freed"))
			return GP_DL_RUNTIME;
		break;
	case 'i':
		if (gp_sv_starts(l, "instruction bytes:"))
			return GP_DL_RUNTIME;
		break;
	default:
		break;
	}
	if (is_reg(l))
		return GP_DL_REG;
	if (is_hexdump(l))
		return GP_DL_RUNTIME;
	return GP_DL_TEXT;
}
