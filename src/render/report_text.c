/* report_text.c — the report as text (see report.h). Every table row fits 80 columns; long names
 * are cut in the middle with "…" in tables (the JSON has them whole). */
#include "render/report.h"
#include "base/sort.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rt/sched.h"

enum { WIDTH = 80, MAX_BUCKETS = 12, MAX_MS = 16 };

struct out {
	FILE *f;
	int color;
};

static void heading(struct out *o, const char *title, const char *detail)
{
	fprintf(o->f, "\n%s%s%s", o->color ? "\033[1m" : "", title, o->color ? "\033[0m" : "");
	if (detail && *detail)
		fprintf(o->f, "  %s", detail);
	fputc('\n', o->f);
}

/* "dir/file.go" of a path */
static const char *short_path(const char *p)
{
	const char *last = strrchr(p, '/');
	if (!last)
		return p;
	const char *prev = last;
	while (prev > p && prev[-1] != '/')
		prev--;
	return prev > p ? prev : last + 1;
}

/* s cut to at most w columns (bytes; names are ASCII) with "..." in the middle. */
static void cut(char *buf, size_t cap, const char *s, size_t w)
{
	size_t n = strlen(s);
	if (n <= w || w < 8) {
		snprintf(buf, cap, "%s", s);
		return;
	}
	size_t head = (w - 3) / 2, tail = w - 3 - head;
	snprintf(buf, cap, "%.*s...%s", (int)head, s, s + n - tail);
}

static void bytes_text(char *buf, size_t cap, uint64_t b)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int u = 0;
	double v = (double)b;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0 || v >= 100 || v == (double)(uint64_t)v)
		snprintf(buf, cap, "%.0f %s", v, unit[u]);
	else
		snprintf(buf, cap, "%.1f %s", v, unit[u]);
}

/* A paragraph wrapped at WIDTH: lead before the first line, indent before the others. */
static void para2(struct out *o, const char *lead, const char *indent, const char *text)
{
	size_t col = 0;
	int first = 1;
	const char *p = text;
	while (*p) {
		const char *sp = strchr(p, ' ');
		size_t wl = sp ? (size_t)(sp - p) : strlen(p);
		if (col && col + 1 + wl > WIDTH) {
			fputc('\n', o->f);
			col = 0;
		}
		if (!col) {
			const char *pre = first ? lead : indent;
			fputs(pre, o->f);
			col = strlen(pre);
			first = 0;
		} else {
			fputc(' ', o->f);
			col++;
		}
		fwrite(p, 1, wl, o->f);
		col += wl;
		p += wl;
		while (*p == ' ')
			p++;
	}
	if (col)
		fputc('\n', o->f);
}

static void para(struct out *o, const char *indent, const char *text)
{
	para2(o, indent, indent, text);
}

static void cause_text(struct out *o, const struct gp_report *r)
{
	const struct gp_cause *c = &r->cause;
	heading(o, "CAUSE OF DEATH", c->kind_name);
	para(o, "  ", c->summary);
	if (c->runtime_text_len) {
		fputs("\n  The runtime printed:\n", o->f);
		const char *p = c->runtime_text, *end = p + c->runtime_text_len;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			fprintf(o->f, "    %.*s\n", (int)n, p);
			p += n + 1;
		}
	}
	if (c->has_signal) {
		char line[256];
		if (c->code_name)
			snprintf(line, sizeof(line), "%s (%d), %s", c->signame ? c->signame : "?", c->signo, c->code_name);
		else
			snprintf(line, sizeof(line), "%s (%d), code %d", c->signame ? c->signame : "?", c->signo, c->code);
		fputc('\n', o->f);
		para2(o, "  signal    ", "            ", line);
		if (c->fault_addr_valid)
			fprintf(o->f, "  address   0x%" PRIx64 "%s\n", c->fault_addr,
				c->fault_addr < 4096 ? " (nil, or a small offset from nil)" : "");
		if (c->signal_pc)
			fprintf(o->f, "  pc        0x%" PRIx64 "\n", c->signal_pc);
		if (c->sent_by_process)
			fprintf(o->f, "  sender    process %d\n", c->sender_pid);
	}
	if (c->tid >= 0) {
		fprintf(o->f, "  thread    %d (M%" PRId64 ")", c->tid, c->m_id);
		if (c->in_cgo)
			fputs(", in a cgo call (C code)", o->f);
		else if (c->on_gsignal)
			fputs(", on its signal stack", o->f);
		else if (c->on_g0)
			fputs(", on the M's system stack (g0)", o->f);
		fputc('\n', o->f);
	}
	if (c->goid)
		fprintf(o->f, "  goroutine %" PRIu64 "\n", c->goid);
	if (c->kind == GP_CAUSE_STACK_OVERFLOW && c->nruns) {
		fputs("\n  recursion (innermost first):\n", o->f);
		for (size_t i = 0; i < c->nruns; i++) {
			char name[64];
			cut(name, sizeof(name), c->runs[i].func, 50);
			fprintf(o->f, "    %-50s x%" PRIu64 "\n", name, c->runs[i].count);
		}
	}
	if (c->npanics > 1) {
		fputs("\n  panics (oldest first):\n", o->f);
		for (size_t i = 0; i < c->npanics; i++) {
			const struct gp_cause_panic *p = &c->panics[i];
			if (p->goexit)
				continue;
			fprintf(o->f, "    %zu. %s%s\n", i + 1, p->value,
				p->recovered && p->repanicked ? "  [recovered, repanicked]" : p->recovered ? "  [recovered]" : "");
		}
	}
}

static void where_text(struct out *o, const struct gp_report *r)
{
	const struct gp_cause *c = &r->cause;
	if (!c->nframes)
		return;
	char det[96];
	snprintf(det, sizeof(det), "goroutine %" PRIu64 "%s, innermost first", c->goid,
		 c->kind == GP_CAUSE_SIGNAL && c->signo == 3 ? " (running when SIGQUIT arrived)" : "");
	heading(o, "WHERE", det);
	for (size_t i = 0; i < c->nframes;) {
		const struct gp_cause_frame *f = &c->frames[i];
		size_t same = 1; /* recursion: the same frame again and again */
		while (i + same < c->nframes && c->frames[i + same].line == f->line &&
		       !strcmp(c->frames[i + same].func, f->func) && !strcmp(c->frames[i + same].file, f->file))
			same++;
		char name[64], full[512], loc[64];
		cut(name, sizeof(name), f->func, 44);
		snprintf(full, sizeof(full), "%s:%" PRId64, short_path(f->file), f->line);
		cut(loc, sizeof(loc), full, same > 1 ? 24 : 33 - (f->inlined ? 10 : 0));
		if (same > 1)
			fprintf(o->f, "  %-44s %s  x%zu%s\n", name, loc, same, i + same == c->nframes ? "+" : "");
		else
			fprintf(o->f, "  %-44s %s%s\n", name, loc, f->inlined ? " (inlined)" : "");
		i += same;
	}
}

static const struct gp_bframe *bucket_where(const struct gp_bucket *b)
{
	for (uint32_t i = 0; i < b->n_frames; i++)
		if (strncmp(b->frames[i].func, "runtime.", 8) && strncmp(b->frames[i].func, "internal/", 9) &&
		    strncmp(b->frames[i].func, "sync.", 5))
			return &b->frames[i];
	return b->n_frames ? &b->frames[0] : NULL;
}

static void stuck_text(struct out *o, const struct gp_report *r)
{
	const struct gp_buckets *bs = &r->buckets;
	char det[96];
	snprintf(det, sizeof(det), "%" PRIu64 " user goroutines in %zu groups by stack and state", r->user_goroutines,
		 bs->n);
	heading(o, "WHAT IS STUCK", det);
	fputs("  count  state                     min  where\n", o->f);
	for (size_t i = 0; i < bs->n && i < MAX_BUCKETS; i++) {
		const struct gp_bucket *b = bs->list[i];
		const struct gp_bframe *w = bucket_where(b);
		char st[32], where[64], mins[8] = "";
		cut(st, sizeof(st), b->status, 24);
		if (w) {
			char name[48];
			cut(name, sizeof(name), w->func, 40 - 1);
			snprintf(where, sizeof(where), "%s", name);
		} else {
			snprintf(where, sizeof(where), "-");
		}
		if (b->with_minutes)
			snprintf(mins, sizeof(mins), "%" PRId64, b->max_minutes);
		fprintf(o->f, "  %5" PRIu64 "  %-24s %4s  %s\n", b->count, st, mins, where);
	}
	if (bs->n > MAX_BUCKETS)
		fprintf(o->f, "  ... %zu more groups (gopsy report --json lists them all)\n", bs->n - MAX_BUCKETS);
	const struct gp_summary *sm = &r->summary;
	if (sm->n_suspects) {
		fputs("\n  leak suspects:\n", o->f);
		for (size_t i = 0; i < sm->n_suspects; i++) {
			const struct gp_suspect *su = &sm->suspects[i];
			const struct gp_bframe *w = bucket_where(su->b);
			char name[56];
			cut(name, sizeof(name), w ? w->func : "-", 44);
			fprintf(o->f, "    %5" PRIu64 "  %-44s %s\n", su->b->count, name, gp_suspect_why_text(su->why));
		}
	}
}

static size_t waiters(const struct gp_wobj *w)
{
	size_t n = 0;
	for (int d = 0; d < GP_WDIRS; d++)
		n += w->q[d].n;
	return n;
}

static int by_waiters(const void *a, const void *b)
{
	size_t x = waiters(*(const struct gp_wobj *const *)a), y = waiters(*(const struct gp_wobj *const *)b);
	return x < y ? 1 : x > y ? -1 : 0;
}

static void objects_text(struct out *o, const struct gp_report *r)
{
	const struct gp_waits *w = &r->waits;
	if (!w->nobjs)
		return;
	const struct gp_wobj **v = gp_arena_calloc(r->a, w->nobjs, sizeof(*v));
	if (!v)
		return;
	for (size_t i = 0; i < w->nobjs; i++)
		v[i] = &w->objs[i];
	gp_sort(v, w->nobjs, sizeof(*v), by_waiters);
	char det[96];
	snprintf(det, sizeof(det), "%zu objects with goroutines queued on them, most waiters first", w->nobjs);
	heading(o, "BLOCKED ON", det);
	for (size_t i = 0; i < w->nobjs && i < MAX_BUCKETS; i++) {
		const struct gp_wobj *ob = v[i];
		char line[512];
		size_t n = (size_t)snprintf(line, sizeof(line), "%s 0x%" PRIx64, gp_wobj_kind_name(ob->kind), ob->addr);
		if (ob->kind == GP_WOBJ_CHAN)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " (chan %.*s, cap %" PRIu64 ", len %" PRIu64 "%s)",
					      (int)ob->elem.name_len, ob->elem.name, ob->cap, ob->len, ob->closed ? ", closed" : "");
		else if (ob->kind == GP_WOBJ_POLLDESC)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " (fd %" PRId64 ")", ob->fd);
		else if (ob->kind == GP_WOBJ_SEMA && ob->acquirer && *ob->acquirer)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " (acquired in %s)", ob->acquirer);
		n += (size_t)snprintf(line + n, sizeof(line) - n, ":");
		for (int d = 0; d < GP_WDIRS && n < sizeof(line); d++) {
			if (!ob->q[d].n)
				continue;
			const char *dir = gp_wobj_dir_name(ob->kind, (uint32_t)d);
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %zu %s", ob->q[d].n, dir ? dir : "waiting");
			for (size_t k = 0; k < ob->q[d].n && k < 4 && n < sizeof(line); k++)
				n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%" PRIu64, k ? ", g" : " (g", ob->q[d].goids[k]);
			if (n < sizeof(line))
				n += (size_t)snprintf(line + n, sizeof(line) - n, "%s", ob->q[d].n > 4 ? ", ...)" : ")");
		}
		para2(o, "  ", "      ", line);
	}
	if (w->nobjs > MAX_BUCKETS)
		fprintf(o->f, "  ... %zu more objects (gopsy report --json lists them all)\n", w->nobjs - MAX_BUCKETS);
}

static void cframes_text(struct out *o, const struct gp_report *r)
{
	if (!r->has_cgo)
		return;
	const struct gp_cgocrash *g = &r->cgo;
	char det[128];
	snprintf(det, sizeof(det), "thread %d (M%" PRId64 "), %s", g->thread ? g->thread->tid : -1, g->m_id,
		 g->regs_source ? g->regs_source : "");
	heading(o, "C FRAMES", "");
	para(o, "  ", det);
	for (size_t i = 0; i < g->c.n; i++) {
		const struct gp_cframe *f = &g->c.frames[i];
		char name[128], loc[96] = "";
		if (f->symbol)
			snprintf(name, sizeof(name), "%s+0x%" PRIx64, f->symbol, f->symoff);
		else
			snprintf(name, sizeof(name), "%s+0x%" PRIx64, f->module ? short_path(f->module) : "?", f->module_off);
		if (f->file)
			snprintf(loc, sizeof(loc), "%s:%d", short_path(f->file), f->line);
		char cname[64], cloc[40];
		cut(cname, sizeof(cname), name, 44);
		cut(cloc, sizeof(cloc), loc, 30);
		fprintf(o->f, "  #%-2zu %-44s %s\n", i, cname, cloc);
	}
	if (g->c.stop_msg)
		para(o, "      ", g->c.stop_msg);
	if (g->ngo) {
		fprintf(o->f, "  called from goroutine %" PRIu64 ":\n", g->goid);
		for (size_t i = 0; i < g->ngo; i++) {
			char name[64], loc[64], full[512];
			cut(name, sizeof(name), g->go[i].func, 44);
			snprintf(full, sizeof(full), "%s:%d", short_path(g->go[i].file), g->go[i].line);
			cut(loc, sizeof(loc), full, 30);
			fprintf(o->f, "      %-44s %s\n", name, loc);
		}
	}
	for (size_t i = 0; i < g->c.nproblems; i++)
		para(o, "  - ", g->c.problems[i]);
}

/* A duration in seconds as "59m58s", "2h3m", "850ms". */
static void dur_text(char *buf, size_t cap, int64_t ns)
{
	const char *sign = ns < 0 ? "-" : "";
	uint64_t a = ns < 0 ? (uint64_t)-ns : (uint64_t)ns, s = a / 1000000000;
	if (s == 0)
		snprintf(buf, cap, "%s%" PRIu64 "ms", sign, a / 1000000);
	else if (s < 60)
		snprintf(buf, cap, "%s%" PRIu64 "s", sign, s);
	else if (s < 3600)
		snprintf(buf, cap, "%s%" PRIu64 "m%" PRIu64 "s", sign, s / 60, s % 60);
	else
		snprintf(buf, cap, "%s%" PRIu64 "h%" PRIu64 "m", sign, s / 3600, s % 3600 / 60);
}

static void utc_text(char *buf, size_t cap, int64_t sec)
{
	time_t t = (time_t)sec;
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
	else
		snprintf(buf, cap, "%" PRId64, sec);
}

static void timers_text(struct out *o, const struct gp_report *r)
{
	const struct gp_timers *t = &r->timers;
	char det[128];
	snprintf(det, sizeof(det), "%zu pending in %zu heaps%s", t->npending, t->nheaps,
		 t->nbubbles ? " (and synctest bubbles)" : "");
	heading(o, "TIMERS", det);
	if (!t->npending && !t->problem && !t->note)
		return;
	int64_t now = r->now->ns;
	fputs("  count  kind       fires in         callback\n", o->f);
	for (size_t i = 0; i < r->ntimer_groups && i < MAX_BUCKETS; i++) {
		const struct gp_timer_group *g = &r->timer_groups[i];
		char fires[64] = "?", a[24], b[24], what[256];
		if (now) {
			dur_text(a, sizeof(a), g->when_min - now);
			dur_text(b, sizeof(b), g->when_max - now);
			if (!strcmp(a, b))
				snprintf(fires, sizeof(fires), "%s", a);
			else
				snprintf(fires, sizeof(fires), "%s..%s", a, b);
		}
		size_t n = (size_t)snprintf(what, sizeof(what), "%s", g->user_func && *g->user_func ? g->user_func : g->func);
		if (g->period > 0 && n < sizeof(what)) {
			char p[24];
			dur_text(p, sizeof(p), g->period);
			n += (size_t)snprintf(what + n, sizeof(what) - n, ", every %s", p);
		}
		char cw[128];
		cut(cw, sizeof(cw), what, 80 - 34);
		fprintf(o->f, "  %5zu  %-10s %-16s %s\n", g->count, gp_timer_kind_name(g->kind), fires, cw);
		if (g->ndeadlines) {
			utc_text(a, sizeof(a), g->dl_min_sec);
			utc_text(b, sizeof(b), g->dl_max_sec);
			fprintf(o->f, "%37sdeadline%s %s%s%s\n", "", strcmp(a, b) ? "s" : "", a, strcmp(a, b) ? ".." : "",
				strcmp(a, b) ? b : "");
		}
	}
	if (r->ntimer_groups > MAX_BUCKETS)
		fprintf(o->f, "  ... %zu more groups (gopsy report --json lists them all)\n", r->ntimer_groups - MAX_BUCKETS);
	if (t->note)
		para(o, "  note: ", t->note);
	if (!now)
		fputs("  (no clock estimate in the process's memory: \"fires in\" is unknown)\n", o->f);
}

static void defers_text(struct out *o, const struct gp_report *r)
{
	if (!r->ndefers)
		return;
	char det[96];
	snprintf(det, sizeof(det), "%" PRIu64 " pending in %zu goroutines", r->defer_count, r->ndefers);
	heading(o, "DEFERS", det);
	/* the goroutine at fault first, then the others (at most a screenful) */
	size_t shown = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->ndefers && shown < MAX_BUCKETS; i++) {
			const struct gp_report_defers *rd = &r->defers[i];
			if ((pass == 0) != (rd->goid == r->cause.goid))
				continue;
			shown++;
			fprintf(o->f, "  goroutine %" PRIu64 "%s:\n", rd->goid, rd->goid == r->cause.goid ? " (at fault)" : "");
			for (size_t k = 0; k < rd->d.n && k < 8; k++) {
				const struct gp_defer *d = &rd->d.d[k];
				char fn[64], in[64];
				cut(fn, sizeof(fn), *d->func ? d->func : "?", 38);
				cut(in, sizeof(in), d->frame_func ? d->frame_func : "?", 26);
				fprintf(o->f, "    %-38s %-5s in %s\n", fn, gp_defer_kind_name(d->kind), in);
			}
			if (rd->d.n > 8)
				fprintf(o->f, "    ... %zu more\n", rd->d.n - 8);
		}
	}
	if (r->ndefers > shown)
		fprintf(o->f, "  ... %zu more goroutines with defers (gopsy report --json lists them all)\n", r->ndefers - shown);
}

static void sched_text(struct out *o, const struct gp_report *r)
{
	const struct gp_sched *s = r->sched;
	size_t running = 0, idle = 0, syscall = 0;
	for (size_t i = 0; i < s->nps; i++) {
		running += s->ps[i].status == 1;
		idle += s->ps[i].status == 0;
		syscall += s->ps[i].status == 2;
	}
	char det[160];
	snprintf(det, sizeof(det), "GOMAXPROCS %" PRId64 ", %zu Ms, %zu Ps (%zu running, %zu idle%s)", s->gomaxprocs,
		 s->nms, s->nps, running, idle, syscall ? ", some in syscall" : "");
	heading(o, "SCHEDULER", det);
	if (s->s.present) {
		char line[256];
		static const char *const phases[] = {"off", "mark", "mark termination"};
		snprintf(line, sizeof(line), "global run queue %" PRId64 ", idle Ps %" PRId64 ", spinning Ms %" PRId64
					     ", idle Ms %" PRId64 ", GC %s%s",
			 s->s.runqsize, s->s.npidle, s->s.nmspinning, s->s.nmidle,
			 r->gcphase >= 0 ? phases[r->gcphase] : "phase unknown (no symbols)",
			 s->s.gcwaiting <= 0                               ? ""
			 : gp_session_death(r->s)->kind != GP_DEATH_UNKNOWN ? ", world frozen by the crash (freezetheworld)"
									     : ", stopping the world (gcwaiting)");
		para(o, "  ", line);
	}
	fputs("  M    thread   goroutine  P    notes\n", o->f);
	const struct gp_death *d = gp_session_death(r->s);
	for (size_t i = 0; i < s->nms && i < MAX_MS; i++) {
		const struct gp_m *m = &s->ms[i];
		char tid[24] = "-", g[24] = "-", p[16] = "-", notes[80] = "";
		if (m->tid >= 0 || m->procid)
			snprintf(tid, sizeof(tid), "%" PRIu64, m->procid);
		if (m->curg_goid >= 0)
			snprintf(g, sizeof(g), "%" PRId64, m->curg_goid);
		if (m->p_id >= 0)
			snprintf(p, sizeof(p), "%d", m->p_id);
		size_t nl = 0;
		if (d->printer.m == m->addr)
			nl += (size_t)snprintf(notes + nl, sizeof(notes) - nl, "printed the crash; ");
		if (m->lockedg_goid >= 0)
			nl += (size_t)snprintf(notes + nl, sizeof(notes) - nl, "locked to g%" PRId64 "; ", m->lockedg_goid);
		if (m->spinning > 0)
			nl += (size_t)snprintf(notes + nl, sizeof(notes) - nl, "spinning; ");
		if (m->incgo > 0)
			nl += (size_t)snprintf(notes + nl, sizeof(notes) - nl, "in cgo; ");
		if (m->blocked > 0)
			nl += (size_t)snprintf(notes + nl, sizeof(notes) - nl, "blocked; ");
		if (m->tid < 0)
			nl += (size_t)snprintf(notes + nl, sizeof(notes) - nl, "no thread in the process image; ");
		if (nl >= 2)
			notes[nl - 2] = 0;
		fprintf(o->f, "  %-4" PRId64 " %-8s %-10s %-4s %s\n", m->id, tid, g, p, notes);
	}
	if (s->nms > MAX_MS)
		fprintf(o->f, "  ... %zu more Ms\n", s->nms - MAX_MS);
	if (s->ms_problem)
		fprintf(o->f, "  (Ms: %s)\n", s->ms_problem);
	fputs("  P    status   M     run queue  runnext  timers\n", o->f);
	for (size_t i = 0; i < s->nps && i < MAX_MS; i++) {
		const struct gp_p *p = &s->ps[i];
		char m[24] = "-", next[24] = "-";
		if (p->m_id >= 0)
			snprintf(m, sizeof(m), "%" PRId64, p->m_id);
		if (p->runnext_goid >= 0)
			snprintf(next, sizeof(next), "g%" PRId64, p->runnext_goid);
		size_t nt = 0;
		for (size_t k = 0; k < r->timers.n; k++)
			nt += r->timers.t[k].pending && r->timers.t[k].p_id == p->id;
		fprintf(o->f, "  %-4d %-8s %-5s %-10u %-8s %zu\n", p->id, gp_p_status_name(r->s->l, p->status), m,
			p->runqtail - p->runqhead, next, nt);
	}
	if (s->nps > MAX_MS)
		fprintf(o->f, "  ... %zu more Ps\n", s->nps - MAX_MS);
}

static void stacks_text(struct out *o, const struct gp_report *r)
{
	const struct gp_stackuse *u = &r->stacks;
	char size[32], used[32], lim[32];
	bytes_text(size, sizeof(size), u->total_size);
	bytes_text(used, sizeof(used), u->total_used);
	char det[160];
	if (u->limit)
		snprintf(lim, sizeof(lim), "%" PRIu64 " bytes", u->limit);
	snprintf(det, sizeof(det), "%" PRIu64 " goroutines, %s of stack, %s in use; limit %s", u->goroutines, size,
		 used, u->limit ? lim : "unknown");
	fputc('\n', o->f);
	para2(o, o->color ? "\033[1mSTACKS\033[0m  " : "STACKS  ", "  ", det);
	fputs("  goroutine     size      used  state\n", o->f);
	for (size_t i = 0; i < u->ntop && i < 5; i++) {
		const struct gp_stackuse_g *g = &u->top[i];
		bytes_text(size, sizeof(size), g->size);
		bytes_text(used, sizeof(used), g->used);
		fprintf(o->f, "  %-9" PRIu64 " %8s  %8s  %s\n", g->goid, size, g->used ? used : "?", g->status);
	}
	if (u->near_count)
		fprintf(o->f, "  %" PRIu64 " goroutine%s within one doubling of the limit (largest: goroutine %" PRIu64 ")\n",
			u->near_count, u->near_count == 1 ? "" : "s", u->near[0].goid);
}

static void core_text(struct out *o, const struct gp_report *r)
{
	const struct gp_completeness *c = &r->completeness;
	int complete = !c->nmissing && !c->unreadable_goroutines && !c->stacks_missing && !c->nnotes;
	char dumped[32];
	bytes_text(dumped, sizeof(dumped), c->dumped_bytes);
	char det[128];
	snprintf(det, sizeof(det), "%" PRIu64 " segments, %s dumped%s", c->segments, dumped,
		 complete ? ", nothing missing" : "");
	heading(o, "CORE", det);
	size_t shown = 0;
	for (size_t i = 0; i < c->nmissing; i++) {
		const struct gp_missing_seg *m = &c->missing[i];
		if (m->from_exe && !m->truncated)
			continue; /* the executable's file provides it */
		if (shown++ == 8)
			break;
		char miss[32];
		bytes_text(miss, sizeof(miss), m->missing);
		char file[48];
		cut(file, sizeof(file), m->file ? m->file : "anonymous memory", 36);
		fprintf(o->f, "  0x%012" PRIx64 "  %8s missing  %s%s%s\n", m->start, miss, file,
			m->truncated ? " (core cut short)" : "", m->writable ? " (writable)" : "");
	}
	if (c->missing_anon_bytes) {
		char b[32];
		bytes_text(b, sizeof(b), c->missing_anon_bytes);
		fprintf(o->f, "  %s of anonymous memory (heap, stacks) is not in the core: /proc/PID/coredump_filter "
			      "or a size limit left it out\n", b);
	}
	if (c->unreadable_goroutines)
		fprintf(o->f, "  %" PRIu64 " goroutines could not be read\n", c->unreadable_goroutines);
	if (c->stacks_missing)
		fprintf(o->f, "  %" PRIu64 " goroutine stacks are not in the core (their frames are missing)\n",
			c->stacks_missing);
	for (size_t i = 0; i < c->nnotes; i++)
		para(o, "  - ", c->notes[i]);
}

static void backlog_text(struct out *o, const struct gp_report *r)
{
	const struct gp_backlog *b = &r->backlog;
	if (!b->present || !b->len)
		return;
	heading(o, "THE RUNTIME'S LAST MESSAGES", "print backlog: its last output before the crash");
	/* the last lines only (runtime.Stack output is recorded too); the JSON has all 512 bytes */
	const char *end = b->text + b->len, *p = end;
	int lines = 0;
	if (p > b->text && p[-1] == '\n')
		p--;
	while (p > b->text && lines < 8) {
		p--;
		if (*p == '\n')
			lines++;
	}
	if (*p == '\n')
		p++;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		fprintf(o->f, "  | %.*s\n", (int)n, p);
		p += n + 1;
	}
}

void gp_report_print_text(FILE *f, const struct gp_report *r, int color)
{
	struct out o = {f, color};
	const struct gp_session *s = r->s;
	fprintf(f, "%sgopsy report%s  %s\n", color ? "\033[1m" : "", color ? "\033[0m" : "", s->name);
	fprintf(f, "  %s, %s%s%s, %" PRIu64 " goroutines, %zu threads\n", s->exe_path, s->bin->bi.version,
		s->bin->pie ? ", PIE" : "", s->bin->has_symtab ? "" : ", stripped", r->goroutines, s->t.img->nthreads);
	cause_text(&o, r);
	where_text(&o, r);
	cframes_text(&o, r);
	defers_text(&o, r);
	stuck_text(&o, r);
	objects_text(&o, r);
	timers_text(&o, r);
	sched_text(&o, r);
	stacks_text(&o, r);
	core_text(&o, r);
	backlog_text(&o, r);
}
