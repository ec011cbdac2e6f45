/* traceback.c — the runtime's traceback printing rules (see traceback.h). References:
 * runtime/traceback.go of Go 1.22 (traceback1, traceback2, printArgs, printFuncName,
 * funcNamePiecesForPrint, showframe, showfuncinfo, isExportedRuntime, elideWrapperCalling,
 * printcreatedby1) and of Go 1.19 (gentraceback's printing branch, traceback1). */
#include "render/traceback.h"

#include <string.h>

enum { INNER_FRAMES = 50, OUTER_FRAMES = 50, MAX_FRAMES_119 = 100, MAX_INLINE = 128 };

void gp_tb_print_funcname(const struct gp_tb_ctx *c, const char *name)
{
	if (!strcmp(name, "runtime.gopanic")) {
		fputs("panic", c->out);
		return;
	}
	const char *i = c->b->bi.v.minor >= 21 ? strchr(name, '[') : NULL;
	const char *j = i ? strrchr(name, ']') : NULL;
	if (!i || !j || j <= i) {
		fputs(name, c->out);
		return;
	}
	fprintf(c->out, "%.*s[...]%s", (int)(i - name), name, j + 1);
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

/* printArgs: the ArgInfo byte program of f, values read at argp, liveness at pc (link-time). */
static void print_args(const struct gp_tb_ctx *c, const struct gp_func *f, uint64_t argp, uint64_t sympc_link)
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
	int32_t live_idx = gp_pclntab_pcdata(t, f, GP_PCDATA_ARGLIVEINDEX, sympc_link);
	unsigned start_off = live && live_avail ? live[0] : 0xff;
	int start = 1;
	unsigned slot = 0;
	for (size_t pi = 0; pi < avail;) {
		unsigned o = p[pi++];
		if (o == END_SEQ)
			break;
		if (o == START_AGG) {
			if (!start)
				fputs(", ", c->out);
			fputc('{', c->out);
			start = 1;
			continue;
		}
		if (o == END_AGG) {
			fputc('}', c->out);
		} else if (o == DOTDOTDOT) {
			if (!start)
				fputs(", ", c->out);
			fputs("...", c->out);
		} else if (o == OFFSET_TOO_LARGE) {
			if (!start)
				fputs(", ", c->out);
			fputc('_', c->out);
		} else {
			if (!start)
				fputs(", ", c->out);
			if (pi >= avail)
				break;
			unsigned sz = p[pi++];
			uint64_t x = 0;
			const void *v = gp_target_ptr(c->t, argp + o, 8);
			if (v) {
				memcpy(&x, v, 8);
				if (sz < 8)
					x = sz ? x << (64 - sz * 8) >> (64 - sz * 8) : 0;
				fprintf(c->out, "0x%llx", (unsigned long long)x);
			} else {
				fputs("<unreadable>", c->out);
			}
			int is_live = 1;
			if (live && live_idx > 0 && o >= start_off) {
				size_t k = (size_t)live_idx + slot / 8;
				is_live = k < live_avail && (live[k] & (1u << (slot % 8)));
			}
			if (!is_live)
				fputc('?', c->out);
			if (o >= start_off)
				slot++;
		}
		start = 0;
	}
}

static void print_fileline(const struct gp_tb_ctx *c, const char *file, int32_t line)
{
	fprintf(c->out, "\t%s:%d", file, line);
}

/* Print one physical frame's trailer: " +0x..", " fp= sp= pc=", newline. */
static void print_phys_trailer(const struct gp_tb_ctx *c, const struct gp_tb_start *s, const struct gp_stkframe *fr)
{
	if (fr->pc > fr->entry)
		fprintf(c->out, " +0x%llx", (unsigned long long)(fr->pc - fr->entry));
	if (s->print_fpsp)
		fprintf(c->out, " fp=0x%llx sp=0x%llx pc=0x%llx", (unsigned long long)fr->fp,
			(unsigned long long)fr->sp, (unsigned long long)fr->pc);
	fputc('\n', c->out);
}

static void print_unwind_error(const struct gp_tb_ctx *c, const struct gp_tb_start *s, const struct gp_unwinder *u,
			       const char *callee_name)
{
	/* The runtime follows these lines with a hex dump of the stack (tracebackHexdump), which gopsy
	 * does not reproduce. */
	switch (u->error) {
	case GP_UNWIND_UNKNOWN_PC:
		if (c->b->bi.v.minor >= 21)
			fprintf(c->out, "runtime: g %llu gp=0x%llx: unknown pc 0x%llx\n", (unsigned long long)s->goid,
				(unsigned long long)s->gp, (unsigned long long)u->error_pc);
		else
			fprintf(c->out, "runtime: g %llu: unknown pc 0x%llx\n", (unsigned long long)s->goid,
				(unsigned long long)u->error_pc);
		break;
	case GP_UNWIND_UNEXPECTED_RET:
		fprintf(c->out, "runtime: g %llu: unexpected return pc for %s called from 0x%llx\n",
			(unsigned long long)s->goid, callee_name, (unsigned long long)u->error_pc);
		break;
	case GP_UNWIND_STUCK:
		fprintf(c->out, "runtime: traceback stuck. pc=0x%llx\n", (unsigned long long)u->error_pc);
		break;
	case GP_UNWIND_UNREADABLE:
		fprintf(c->out, "gopsy: stack word at 0x%llx is not in the core; traceback cut here\n",
			(unsigned long long)u->error_pc);
		break;
	case GP_UNWIND_OK:
		break;
	}
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
	char callee[512];
	snprintf(callee, sizeof(callee), "%s", u->frame.fn.name_off ? gp_pclntab_funcname(&c->b->pcln, &u->frame.fn) : "");
	gp_unwind_next(u);
	if (u->error)
		print_unwind_error(c, s, u, callee);
}

static void traceback2(const struct gp_tb_ctx *c, const struct gp_tb_start *s, struct gp_unwinder *u, int show_rt,
		       int skip, int max, int *n_out, int *last_n_out)
{
	struct tb2 st = {0, 0, skip, max};
	const struct gp_pclntab *t = &c->b->pcln;
	for (; u->valid; advance(c, s, u)) {
		st.last_n = 0;
		const struct gp_stkframe *fr = &u->frame;
		uint64_t sympc = gp_unwind_sympc(u) - c->t->bias;
		struct gp_inline_frame lf[MAX_INLINE];
		size_t nl = gp_pclntab_inline_frames(t, &fr->fn, sympc, lf, MAX_INLINE);
		for (size_t k = 0; k < nl; k++) {
			int callee = u->callee_funcid;
			u->callee_funcid = lf[k].funcid;
			/* runtime.funcname returns "" for nameOff 0 (physical frames only) */
			const char *name = !lf[k].inlined && fr->fn.name_off == 0 ? "" : lf[k].name;
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
			gp_tb_print_funcname(c, name);
			fputc('(', c->out);
			if (lf[k].inlined)
				fputs("...", c->out);
			else
				print_args(c, &fr->fn, fr->argp, sympc);
			fputs(")\n", c->out);
			print_fileline(c, lf[k].file, lf[k].line);
			if (!lf[k].inlined)
				print_phys_trailer(c, s, fr);
			else
				fputc('\n', c->out);
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
	gp_unwind_init(&u, c->t, c->b, c->ids, s->pc, s->sp, s->is_syscall, s->trap);
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
		fprintf(c->out, "...%d frames elided...\n", elide);
		traceback2(c, s, &u2, show_rt, last_n + elide, OUTER_FRAMES, &dummy, &dummy);
	} else {
		traceback2(c, s, &u2, show_rt, last_n, OUTER_FRAMES, &dummy, &dummy);
	}
	return n;
}

/* --- Go 1.19: gentraceback's printing branch --------------------------------------------------- */

static int traceback_119(const struct gp_tb_ctx *c, const struct gp_tb_start *s, int show_rt)
{
	const struct gp_pclntab *t = &c->b->pcln;
	struct gp_unwinder u;
	gp_unwind_init(&u, c->t, c->b, c->ids, s->pc, s->sp, s->is_syscall, s->trap);
	int nprint = 0, last_id = c->ids->normal;
	if (u.error)
		print_unwind_error(c, s, &u, "");
	for (int n = 0; u.valid && n < MAX_FRAMES_119; n++, advance(c, s, &u)) {
		const struct gp_stkframe *fr = &u.frame;
		/* tracepc: pc-1 unless (first frame of a trap) or the callee was sigpanic or at entry */
		int waspanic = n > 0 && u.callee_funcid == c->ids->sigpanic;
		uint64_t tracepc = fr->pc;
		if ((n > 0 || !s->trap) && fr->pc > fr->entry && !waspanic)
			tracepc--;
		tracepc -= c->t->bias;
		struct gp_inline_frame lf[MAX_INLINE];
		size_t nl = gp_pclntab_inline_frames(t, &fr->fn, tracepc, lf, MAX_INLINE);
		for (size_t k = 0; k + 1 < nl; k++) {
			if (show_rt || s->force_show || show_func(c, lf[k].name, lf[k].funcid, nprint == 0, last_id)) {
				fprintf(c->out, "%s(...)\n", lf[k].name);
				print_fileline(c, lf[k].file, lf[k].line);
				fputc('\n', c->out);
				nprint++;
			}
			last_id = lf[k].funcid;
		}
		const struct gp_inline_frame *ph = &lf[nl - 1];
		const char *name = fr->fn.name_off == 0 ? "" : ph->name;
		if (show_rt || s->force_show || show_func(c, name, fr->fn.funcid, nprint == 0, last_id)) {
			fputs(!strcmp(name, "runtime.gopanic") ? "panic" : name, c->out);
			fputc('(', c->out);
			print_args(c, &fr->fn, fr->argp, tracepc);
			fputs(")\n", c->out);
			print_fileline(c, ph->file, ph->line);
			print_phys_trailer(c, s, fr);
			nprint++;
		}
		last_id = fr->fn.funcid;
	}
	return nprint;
}

void gp_tb_print_created_by(const struct gp_tb_ctx *c, const struct gp_tb_start *s)
{
	struct gp_func f;
	uint64_t pc = s->gopc;
	if (gp_pclntab_findfunc(&c->b->pcln, pc - c->t->bias, &f) != 0 || s->goid == 1)
		return;
	const char *name = f.name_off == 0 ? "" : gp_pclntab_funcname(&c->b->pcln, &f);
	if (!(s->force_show || show_func(c, name, f.funcid, 0, c->ids->normal)))
		return;
	uint64_t entry = f.entry + c->t->bias;
	fputs("created by ", c->out);
	if (c->b->bi.v.minor >= 21)
		gp_tb_print_funcname(c, name);
	else
		fputs(name, c->out);
	if (c->b->bi.v.minor >= 21 && s->parent_goid != 0)
		fprintf(c->out, " in goroutine %llu", (unsigned long long)s->parent_goid);
	fputc('\n', c->out);
	uint64_t tracepc = pc > entry ? pc - 1 : pc;
	const char *file;
	int32_t line;
	gp_pclntab_funcline(&c->b->pcln, &f, tracepc - c->t->bias, &file, &line);
	print_fileline(c, file, line);
	if (pc > entry)
		fprintf(c->out, " +0x%llx", (unsigned long long)(pc - entry));
	fputc('\n', c->out);
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
			fputs("...additional frames elided...\n", c->out);
	}
	gp_tb_print_created_by(c, s);
	return n;
}
