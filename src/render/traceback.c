/* traceback.c — the runtime's traceback printing rules (see traceback.h). References:
 * runtime/traceback.go of Go 1.22 (traceback1, traceback2, printArgs, printFuncName,
 * funcNamePiecesForPrint, showframe, showfuncinfo, isExportedRuntime, elideWrapperCalling,
 * printcreatedby1) and of Go 1.19 (gentraceback's printing branch, traceback1). */
#include "render/traceback.h"

#include <string.h>

enum { INNER_FRAMES = 50, OUTER_FRAMES = 50, MAX_FRAMES_119 = 100, MAX_INLINE = 128 };

/* gp_tb_funcname for a name of known length; *out_len gets the result's length. */
static const char *funcname_n(const struct gp_tb_ctx *c, const char *name, size_t len, char *buf, size_t n,
			      size_t *out_len)
{
	if (len == 15 && !memcmp(name, "runtime.gopanic", 15)) {
		*out_len = 5;
		return "panic";
	}
	const char *i = c->b->bi.v.minor >= 21 ? memchr(name, '[', len) : NULL;
	const char *j = i ? strrchr(name, ']') : NULL;
	if (!i || !j || j <= i) {
		*out_len = len;
		return name;
	}
	int k = snprintf(buf, n, "%.*s[...]%s", (int)(i - name), name, j + 1);
	*out_len = k < 0 ? 0 : (size_t)k >= n ? n - 1 : (size_t)k;
	return buf;
}

const char *gp_tb_funcname(const struct gp_tb_ctx *c, const char *name, char *buf, size_t n)
{
	size_t len;
	return funcname_n(c, name, strlen(name), buf, n, &len);
}

/* isExportedRuntime: Go 1.24 also counts exported methods of exported runtime types. */
static int is_exported_runtime(int minor, const char *name)
{
	const char *r = name + 8; /* after "runtime." */
	if (strncmp(name, "runtime.", 8) != 0 || !*r)
		return 0;
	if (*r >= 'A' && *r <= 'Z')
		return 1;
	if (minor < 24)
		return 0;
	/* runtime.(*Func).Name / runtime.Frames.Next style: receiver and method exported. */
	const char *p = r;
	if (*p == '(') {
		p++;
		if (*p == '*')
			p++;
	}
	if (!(*p >= 'A' && *p <= 'Z'))
		return 0;
	const char *dot = strrchr(p, '.');
	return dot && dot[1] >= 'A' && dot[1] <= 'Z';
}

static int elide_wrapper_calling(const struct gp_funcids *ids, int callee)
{
	return !(callee == ids->gopanic || callee == ids->sigpanic || callee == ids->panicwrap);
}

/* showfuncinfo, for a frame that the printing M does not force. */
static int show_func(const struct gp_tb_ctx *c, const char *name, int funcid, int first, int callee)
{
	if (c->level > 1)
		return 1;
	if (funcid == c->ids->wrapper && elide_wrapper_calling(c->ids, callee))
		return 0;
	int minor = c->b->bi.v.minor;
	if (minor >= 26 && (funcid == c->ids->runfinalizers || funcid == c->ids->runcleanups))
		return 1;
	if (!strcmp(name, "runtime.gopanic") && !first)
		return 1;
	return strchr(name, '.') && (strncmp(name, "runtime.", 8) != 0 || is_exported_runtime(minor, name));
}

/* A bounded string builder for the argument text. */
struct sbuf {
	char *p;
	size_t n, len;
};

static void sb_mem(struct sbuf *b, const char *s, size_t k)
{
	if (b->len + k >= b->n)
		k = b->n - 1 - b->len;
	memcpy(b->p + b->len, s, k);
	b->len += k;
	b->p[b->len] = '\0';
}

#define sb_lit(b, s) sb_mem((b), (s), sizeof(s) - 1)

static void sb_hex(struct sbuf *b, uint64_t x)
{
	char t[18];
	int i = 18;
	do {
		t[--i] = "0123456789abcdef"[x & 15];
		x >>= 4;
	} while (x);
	t[--i] = 'x';
	t[--i] = '0';
	sb_mem(b, t + i, (size_t)(18 - i));
}

/* printArgs: the ArgInfo byte program of f, values read at argp, liveness at pc (link-time). */
static void format_args(const struct gp_tb_ctx *c, const struct gp_func *f, uint64_t argp, int32_t live_idx,
			struct sbuf *out)
{
	const struct gp_pclntab *t = &c->b->pcln;
	uint64_t ai = gp_pclntab_funcdata(t, f, GP_FUNCDATA_ARGINFO);
	enum { END_SEQ = 0xff, START_AGG = 0xfe, END_AGG = 0xfd, DOTDOTDOT = 0xfc, OFFSET_TOO_LARGE = 0xfb,
	       MAX_LEN = (5 * 3 + 2) * 10 + 1 };
	size_t avail;
	const unsigned char *p = ai ? gp_exe_ptr_avail(c->b->exe, ai, &avail) : NULL;
	if (!p)
		return;
	if (avail > MAX_LEN)
		avail = MAX_LEN;
	uint64_t li = gp_pclntab_funcdata(t, f, GP_FUNCDATA_ARGLIVEINFO);
	size_t live_avail = 0;
	const unsigned char *live = li ? gp_exe_ptr_avail(c->b->exe, li, &live_avail) : NULL;
	unsigned start_off = live && live_avail ? live[0] : 0xff;
	int start = 1;
	unsigned slot = 0;
	/* Offsets are one byte: one lookup for the whole argument area, per-value lookups only when
	 * the area runs past the end of what the core holds. */
	const unsigned char *area = NULL;
	int area_tried = 0;
	unsigned char copy[256 + 8]; /* the area, copied out of a target that is not zero-copy */
	for (size_t pi = 0; pi < avail;) {
		unsigned o = p[pi++];
		if (o == END_SEQ)
			break;
		if (o == START_AGG) {
			if (!start)
				sb_lit(out, ", ");
			sb_lit(out, "{");
			start = 1;
			continue;
		}
		if (o == END_AGG) {
			sb_lit(out, "}");
		} else if (o == DOTDOTDOT) {
			if (!start)
				sb_lit(out, ", ");
			sb_lit(out, "...");
		} else if (o == OFFSET_TOO_LARGE) {
			if (!start)
				sb_lit(out, ", ");
			sb_lit(out, "_");
		} else {
			if (!start)
				sb_lit(out, ", ");
			if (pi >= avail)
				break;
			unsigned sz = p[pi++];
			uint64_t x = 0;
			if (!area_tried) {
				if (c->t->zero_copy)
					area = gp_target_ptr(c->t, argp, sizeof(copy));
				else if (!gp_target_read_ok(c->t, argp, copy, sizeof(copy)))
					area = copy;
				area_tried = 1;
			}
			const void *v = area ? area + o : NULL;
			if (v || !gp_target_read_ok(c->t, argp + o, &x, 8)) {
				if (v)
					memcpy(&x, v, 8);
				if (sz < 8)
					x = sz ? x << (64 - sz * 8) >> (64 - sz * 8) : 0;
				sb_hex(out, x);
			} else {
				sb_lit(out, "<unreadable>");
			}
			int is_live = 1;
			if (live && live_idx > 0 && o >= start_off) {
				size_t k = (size_t)live_idx + slot / 8;
				is_live = k < live_avail && (live[k] & (1u << (slot % 8)));
			}
			if (!is_live)
				sb_lit(out, "?");
			if (o >= start_off)
				slot++;
		}
		start = 0;
	}
}

/* The inline chain at pc (link-time) in f, and the argument-liveness index at pc and at the
 * outermost call site; through the cache when there is one. Returns the frames (lf or cached). */
static const struct gp_inline_frame *sym_at(const struct gp_tb_ctx *c, const struct gp_func *f, uint64_t pc,
					    struct gp_inline_frame *lf, size_t *n, int32_t *live, int32_t *live_outer)
{
	const struct gp_pcsym *e = c->cache ? gp_pccache_sym(c->cache, f, pc) : NULL;
	if (e) {
		*n = e->n;
		*live = e->liveidx;
		*live_outer = e->liveidx_outer;
		return e->lf;
	}
	const struct gp_pclntab *t = &c->b->pcln;
	*n = gp_pclntab_inline_frames(t, f, pc, lf, MAX_INLINE);
	*live = gp_pclntab_pcdata(t, f, GP_PCDATA_ARGLIVEINDEX, pc);
	*live_outer = gp_pclntab_pcdata(t, f, GP_PCDATA_ARGLIVEINDEX, lf[*n - 1].pc);
	return lf;
}

/* Emit a logical frame. fr is the physical frame; for inlined frames only name/file/line matter. */
static void emit_frame(const struct gp_tb_ctx *c, const struct gp_tb_start *s, const struct gp_stkframe *fr,
		       const struct gp_inline_frame *lf, const char *name, const char *print_name,
		       size_t print_name_len, int32_t live_idx)
{
	char args[1024];
	args[0] = '\0';
	struct sbuf ab = {args, sizeof(args), 0};
	if (lf->inlined)
		sb_lit(&ab, "...");
	else
		format_args(c, &fr->fn, fr->argp, live_idx, &ab);
	struct gp_tb_frame f = {
		.name = name, .print_name = print_name, .inlined = lf->inlined, .args = args,
		.file = lf->file, .line = lf->line, .pc = fr->pc, .entry = fr->entry, .sp = fr->sp, .fp = fr->fp,
		.print_offset = !lf->inlined && fr->pc > fr->entry, .print_fpsp = !lf->inlined && s->print_fpsp,
		.print_name_len = print_name_len, .args_len = ab.len, .file_len = lf->file_len,
	};
	c->sink->frame(c->sink->ctx, &f);
}

static void print_unwind_error(const struct gp_tb_ctx *c, const struct gp_tb_start *s, const struct gp_unwinder *u,
			       const char *callee_name)
{
	/* The runtime follows these lines with a hex dump of the stack (tracebackHexdump), which gopsy
	 * does not reproduce. */
	char line[600];
	switch (u->error) {
	case GP_UNWIND_UNKNOWN_PC:
		if (c->b->bi.v.minor >= 21)
			snprintf(line, sizeof(line), "runtime: g %llu gp=0x%llx: unknown pc 0x%llx", (unsigned long long)s->goid,
				 (unsigned long long)s->gp, (unsigned long long)u->error_pc);
		else
			snprintf(line, sizeof(line), "runtime: g %llu: unknown pc 0x%llx", (unsigned long long)s->goid,
				 (unsigned long long)u->error_pc);
		break;
	case GP_UNWIND_UNEXPECTED_RET:
		snprintf(line, sizeof(line), "runtime: g %llu: unexpected return pc for %s called from 0x%llx",
			 (unsigned long long)s->goid, callee_name, (unsigned long long)u->error_pc);
		break;
	case GP_UNWIND_STUCK:
		snprintf(line, sizeof(line), "runtime: traceback stuck. pc=0x%llx", (unsigned long long)u->error_pc);
		break;
	case GP_UNWIND_UNREADABLE:
		snprintf(line, sizeof(line), "gopsy: stack word at 0x%llx is not readable; traceback cut here",
			 (unsigned long long)u->error_pc);
		break;
	case GP_UNWIND_OK:
		return;
	}
	c->sink->error(c->sink->ctx, line);
}

/* --- Go 1.21+: traceback2 --------------------------------------------------------------------- */

struct tb2 {
	int n, last_n, skip, max;
};

/* commitFrame: returns 1 print, 0 skip, -1 stop. */
static int commit(struct tb2 *st)
{
	if (st->skip == 0 && st->max == 0)
		return -1;
	st->n++;
	st->last_n++;
	if (st->skip > 0) {
		st->skip--;
		return 0;
	}
	st->max--;
	return 1;
}

/* next(), printing an unwinding error the way the runtime does as soon as it happens. */
static void advance(const struct gp_tb_ctx *c, const struct gp_tb_start *s, struct gp_unwinder *u)
{
	struct gp_func callee = u->frame.fn; /* named only if the step fails */
	gp_unwind_next(u);
	/* "We can inject sigpanic calls directly into C code, in which case we'll see a C return PC.
	 * Don't complain." (unwinder.next; gentraceback in Go 1.19) */
	if (u->error == GP_UNWIND_UNEXPECTED_RET && s->m_incgo && callee.funcid == c->ids->sigpanic)
		return;
	if (u->error)
		print_unwind_error(c, s, u, callee.name_off ? gp_pclntab_funcname(&c->b->pcln, &callee) : "");
}

static void traceback2(const struct gp_tb_ctx *c, const struct gp_tb_start *s, struct gp_unwinder *u, int show_rt,
		       int skip, int max, int *n_out, int *last_n_out)
{
	struct tb2 st = {0, 0, skip, max};
	for (; u->valid; advance(c, s, u)) {
		st.last_n = 0;
		const struct gp_stkframe *fr = &u->frame;
		uint64_t sympc = gp_unwind_sympc(u) - c->t->bias;
		struct gp_inline_frame buf[MAX_INLINE];
		size_t nl;
		int32_t live, live_outer;
		const struct gp_inline_frame *lf = sym_at(c, &fr->fn, sympc, buf, &nl, &live, &live_outer);
		for (size_t k = 0; k < nl; k++) {
			int callee = u->callee_funcid;
			u->callee_funcid = lf[k].funcid;
			/* runtime.funcname returns "" for nameOff 0 (physical frames only) */
			int noname = !lf[k].inlined && fr->fn.name_off == 0;
			const char *name = noname ? "" : lf[k].name;
			if (!(show_rt || s->force_show || show_func(c, name, lf[k].funcid, st.n == 0, callee)))
				continue;
			int pr = commit(&st);
			if (pr < 0) {
				*n_out = st.n;
				*last_n_out = st.last_n;
				return;
			}
			if (!pr)
				continue;
			char nb[1024];
			size_t pl;
			const char *pn = funcname_n(c, name, noname ? 0 : lf[k].name_len, nb, sizeof(nb), &pl);
			emit_frame(c, s, fr, &lf[k], name, pn, pl, live);
		}
	}
	*n_out = st.n;
	*last_n_out = 0;
}

/* traceback1's tracebackWithRuntime: the first 50 frames, then count the rest and print the last 50
 * with an elision line in between. */
static int traceback_121(const struct gp_tb_ctx *c, const struct gp_tb_start *s, int show_rt)
{
	struct gp_unwinder u, u2;
	gp_unwind_init(&u, c->t, c->b, c->ids, c->cache, s->at.pc, s->at.sp, s->at.is_syscall, s->at.trap);
	if (u.error)
		print_unwind_error(c, s, &u, "");
	int n, last_n, remaining, dummy;
	traceback2(c, s, &u, show_rt, 0, INNER_FRAMES, &n, &last_n);
	if (n < INNER_FRAMES)
		return n;
	u2 = u;
	traceback2(c, s, &u, show_rt, 0x7fffffff, 0, &remaining, &dummy);
	int elide = remaining - last_n - OUTER_FRAMES;
	if (elide > 0) {
		c->sink->elided(c->sink->ctx, elide);
		traceback2(c, s, &u2, show_rt, last_n + elide, OUTER_FRAMES, &dummy, &dummy);
	} else {
		traceback2(c, s, &u2, show_rt, last_n, OUTER_FRAMES, &dummy, &dummy);
	}
	return n;
}

/* --- Go 1.19: gentraceback's printing branch --------------------------------------------------- */

static int traceback_119(const struct gp_tb_ctx *c, const struct gp_tb_start *s, int show_rt)
{
	struct gp_unwinder u;
	gp_unwind_init(&u, c->t, c->b, c->ids, c->cache, s->at.pc, s->at.sp, s->at.is_syscall, s->at.trap);
	int nprint = 0, last_id = c->ids->normal;
	if (u.error)
		print_unwind_error(c, s, &u, "");
	for (int n = 0; u.valid && n < MAX_FRAMES_119; n++, advance(c, s, &u)) {
		const struct gp_stkframe *fr = &u.frame;
		/* tracepc: pc-1 unless (first frame of a trap) or the callee was sigpanic or at entry */
		int waspanic = n > 0 && u.callee_funcid == c->ids->sigpanic;
		uint64_t tracepc = fr->pc;
		if ((n > 0 || !s->at.trap) && fr->pc > fr->entry && !waspanic)
			tracepc--;
		tracepc -= c->t->bias;
		struct gp_inline_frame buf[MAX_INLINE];
		size_t nl;
		int32_t live, live_outer;
		const struct gp_inline_frame *lf = sym_at(c, &fr->fn, tracepc, buf, &nl, &live, &live_outer);
		for (size_t k = 0; k + 1 < nl; k++) {
			if (show_rt || s->force_show || show_func(c, lf[k].name, lf[k].funcid, nprint == 0, last_id)) {
				emit_frame(c, s, fr, &lf[k], lf[k].name, lf[k].name, lf[k].name_len, live); /* 1.19: raw name */
				nprint++;
			}
			last_id = lf[k].funcid;
		}
		const struct gp_inline_frame *ph = &lf[nl - 1];
		const char *name = fr->fn.name_off == 0 ? "" : ph->name;
		if (show_rt || s->force_show || show_func(c, name, fr->fn.funcid, nprint == 0, last_id)) {
			/* Go 1.19's inline loop leaves tracepc at the outermost call site's parentPc, and
			 * printArgs reads the argument liveness there (gentraceback). */
			int panic = !strcmp(name, "runtime.gopanic");
			emit_frame(c, s, fr, ph, name, panic ? "panic" : name, panic ? 5 : strlen(name), live_outer);
			nprint++;
		}
		last_id = fr->fn.funcid;
	}
	return nprint;
}

void gp_tb_print_created_by(const struct gp_tb_ctx *c, const struct gp_tb_start *s)
{
	struct gp_func fbuf;
	const struct gp_func *f = &fbuf;
	uint64_t pc = s->gopc;
	if (s->goid == 1)
		return;
	/* Goroutines share a few creation sites: through the cache when there is one. */
	const struct gp_pcframe *pf = c->cache ? gp_pccache_frame(c->cache, pc - c->t->bias) : NULL;
	if (pf)
		f = &pf->fn;
	else if (c->cache || gp_pclntab_findfunc(&c->b->pcln, pc - c->t->bias, &fbuf) != 0)
		return;
	const char *name = f->name_off == 0 ? "" : gp_pclntab_funcname(&c->b->pcln, f);
	if (!(s->force_show || show_func(c, name, f->funcid, 0, c->ids->normal)))
		return;
	uint64_t entry = f->entry + c->t->bias;
	char nb[1024];
	size_t name_len = strlen(name), pl = name_len;
	struct gp_tb_created cb = {
		.name = name,
		.print_name = c->b->bi.v.minor >= 21 ? funcname_n(c, name, name_len, nb, sizeof(nb), &pl) : name,
		.pc = pc, .entry = entry,
		.goid = c->b->bi.v.minor >= 21 ? s->parent_goid : 0,
	};
	cb.print_name_len = pl;
	uint64_t linepc = (pc > entry ? pc - 1 : pc) - c->t->bias;
	const struct gp_pcsym *e = c->cache ? gp_pccache_sym(c->cache, f, linepc) : NULL;
	if (e) { /* funcline at linepc: the innermost entry of the inline chain at linepc */
		cb.file = e->lf[0].file;
		cb.line = e->lf[0].line;
		cb.file_len = e->lf[0].file_len;
	} else {
		gp_pclntab_funcline(&c->b->pcln, f, linepc, &cb.file, &cb.line);
		cb.file_len = strlen(cb.file);
	}
	c->sink->created_by(c->sink->ctx, &cb);
}

/* printAncestorTraceback for each recorded ancestor (GODEBUG tracebackancestors): its saved pcs as
 * frames "name(...)" at the pc itself (no -1), shown by the physical function's showfuncinfo, named
 * by the innermost inlined function; the elision line when the pcs filled the buffer; created by
 * without " in goroutine". */
void gp_tb_print_ancestors(const struct gp_tb_ctx *c, const struct gp_tb_start *s)
{
	const struct gp_layout *l = c->l;
	uint64_t hdr[3];
	struct gp_err *err = gp_target_read(c->t, s->ancestors, hdr, sizeof(hdr));
	int32_t esz = gp_lsize(l, GP_L_SIZEOF_ANCESTORINFO);
	if (err || esz <= 0 || hdr[1] > 1024) {
		gp_err_free(err);
		c->sink->error(c->sink->ctx, "gopsy: g.ancestors is not readable");
		return;
	}
	int minor = c->b->bi.v.minor;
	uint64_t max_pcs = minor >= 21 ? INNER_FRAMES : MAX_FRAMES_119;
	for (uint64_t i = 0; i < hdr[1]; i++) {
		uint64_t a = hdr[0] + i * (uint64_t)esz, pcs[3], goid = 0, gopc = 0;
		err = gp_target_read(c->t, a + (uint64_t)gp_loff(l, GP_L_ANCESTORINFO_PCS), pcs, sizeof(pcs));
		if (!err)
			err = gp_target_u64(c->t, a + (uint64_t)gp_loff(l, GP_L_ANCESTORINFO_GOID), &goid);
		if (!err)
			err = gp_target_u64(c->t, a + (uint64_t)gp_loff(l, GP_L_ANCESTORINFO_GOPC), &gopc);
		if (err) {
			gp_err_free(err);
			c->sink->error(c->sink->ctx, "gopsy: an ancestor record is not readable");
			return;
		}
		c->sink->ancestor(c->sink->ctx, goid);
		for (uint64_t k = 0; k < pcs[1] && k < 4096; k++) {
			uint64_t pc;
			if ((err = gp_target_u64(c->t, pcs[0] + 8 * k, &pc))) {
				gp_err_free(err);
				break;
			}
			struct gp_func f;
			if (gp_pclntab_findfunc(&c->b->pcln, pc - c->t->bias, &f) != 0)
				continue;
			const char *phys = f.name_off ? gp_pclntab_funcname(&c->b->pcln, &f) : "";
			if (!show_func(c, phys, f.funcid, k == 0, c->ids->normal))
				continue;
			struct gp_inline_frame lf[MAX_INLINE];
			gp_pclntab_inline_frames(&c->b->pcln, &f, pc - c->t->bias, lf, MAX_INLINE);
			const char *name = lf[0].inlined ? lf[0].name : phys;
			char nb[1024];
			uint64_t entry = f.entry + c->t->bias;
			struct gp_tb_frame fr = {
				.name = name,
				.print_name = minor >= 21 ? gp_tb_funcname(c, name, nb, sizeof(nb))
							  : (!strcmp(name, "runtime.gopanic") ? "panic" : name),
				.inlined = 1, .args = "...", .file = lf[0].file, .line = lf[0].line,
				.pc = pc, .entry = entry, .print_offset = pc > entry, .args_len = 3, .file_len = lf[0].file_len,
			};
			fr.print_name_len = strlen(fr.print_name);
			c->sink->frame(c->sink->ctx, &fr);
		}
		if (pcs[1] == max_pcs)
			c->sink->elided(c->sink->ctx, -1);
		struct gp_tb_start cs = {.goid = goid, .gopc = gopc, .parent_goid = 0};
		gp_tb_print_created_by(c, &cs);
	}
}

int gp_tb_print_frames(const struct gp_tb_ctx *c, const struct gp_tb_start *s)
{
	int n;
	if (c->b->bi.v.minor >= 21) {
		n = traceback_121(c, s, 0);
		if (n == 0)
			n = traceback_121(c, s, 1);
	} else {
		n = traceback_119(c, s, 0);
		if (n == 0)
			n = traceback_119(c, s, 1);
		if (n == MAX_FRAMES_119)
			c->sink->elided(c->sink->ctx, -1);
	}
	if (!s->no_created_by)
		gp_tb_print_created_by(c, s);
	if (s->ancestors && c->l)
		gp_tb_print_ancestors(c, s);
	return n;
}

void gp_tb_start_for_g(struct gp_tb_start *s, const struct gp_g *g, int level)
{
	s->goid = g->goid;
	s->parent_goid = g->parent_goid;
	s->gopc = g->gopc;
	s->gp = g->addr;
	s->print_fpsp = level >= 2;
	s->ancestors = g->ancestors;
}
