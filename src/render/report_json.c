/* report_json.c — the report as JSON, "gopsy.report/1" (docs/report.md). */
#include "render/report.h"

#include <string.h>

#include "render/json.h"
#include "render/source_json.h"
#include "render/sched_json.h"

static void kaddr(struct gp_json *j, const char *key, uint64_t v, int valid)
{
	if (valid)
		gp_json_khex(j, key, v);
	else
		gp_json_kstr(j, key, NULL);
}

static void cause_json(struct gp_json *j, const struct gp_cause *c)
{
	gp_json_key(j, "cause");
	gp_json_obj_begin(j);
	gp_json_kstr(j, "kind", c->kind_name);
	gp_json_kstr(j, "summary", c->summary);
	gp_json_key(j, "runtime_text");
	gp_json_strn(j, c->runtime_text ? c->runtime_text : "", c->runtime_text_len);
	gp_json_key(j, "signal");
	if (c->has_signal) {
		gp_json_obj_begin(j);
		gp_json_kint(j, "number", c->signo);
		gp_json_kstr(j, "name", c->signame);
		gp_json_kint(j, "code", c->code);
		gp_json_kstr(j, "code_name", c->code_name);
		kaddr(j, "fault_addr", c->fault_addr, c->fault_addr_valid);
		kaddr(j, "pc", c->signal_pc, c->signal_pc != 0);
		gp_json_kbool(j, "sent_by_process", c->sent_by_process);
		if (c->sent_by_process)
			gp_json_kint(j, "sender_pid", c->sender_pid);
		else
			gp_json_kstr(j, "sender_pid", NULL);
		gp_json_obj_end(j);
	} else {
		gp_json_null(j);
	}
	if (c->tid >= 0)
		gp_json_kint(j, "thread", c->tid);
	else
		gp_json_kstr(j, "thread", NULL);
	gp_json_kint(j, "m", c->m_id);
	gp_json_kint(j, "goroutine", (int64_t)c->goid);
	gp_json_kbool(j, "on_g0", c->on_g0);
	gp_json_kbool(j, "on_gsignal", c->on_gsignal);
	gp_json_kbool(j, "in_cgo", c->in_cgo);
	gp_json_key(j, "frames");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < c->nframes; i++) {
		gp_json_obj_begin(j);
		gp_json_kstr(j, "func", c->frames[i].func);
		gp_json_kstr(j, "file", c->frames[i].file);
		gp_json_kint(j, "line", c->frames[i].line);
		gp_json_kbool(j, "inlined", c->frames[i].inlined);
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
	gp_json_key(j, "panics");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < c->npanics; i++) {
		gp_json_obj_begin(j);
		gp_json_kstr(j, "value", c->panics[i].value);
		gp_json_kbool(j, "recovered", c->panics[i].recovered);
		gp_json_kbool(j, "repanicked", c->panics[i].repanicked);
		gp_json_kbool(j, "goexit", c->panics[i].goexit);
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
	gp_json_kstr(j, "message", c->message);
	if (c->kind == GP_CAUSE_STACK_OVERFLOW) {
		gp_json_key(j, "stack_overflow");
		gp_json_obj_begin(j);
		gp_json_kint(j, "frames", (int64_t)c->stack_frames);
		gp_json_kint(j, "stack_size", (int64_t)c->stack_size);
		gp_json_kint(j, "limit", (int64_t)c->stack_limit);
		gp_json_key(j, "recursion");
		gp_json_arr_begin(j);
		for (size_t i = 0; i < c->nruns; i++) {
			gp_json_obj_begin(j);
			gp_json_kstr(j, "func", c->runs[i].func);
			gp_json_kint(j, "count", (int64_t)c->runs[i].count);
			gp_json_kint(j, "depth", (int64_t)c->runs[i].depth);
			gp_json_obj_end(j);
		}
		gp_json_arr_end(j);
		gp_json_obj_end(j);
	}
	gp_json_kstr(j, "problem", c->problem);
	gp_json_obj_end(j);
}

static void bframe_json(struct gp_json *j, const struct gp_bframe *f)
{
	gp_json_obj_begin(j);
	gp_json_key(j, "func");
	gp_json_strn(j, f->func, f->func_n);
	gp_json_key(j, "file");
	gp_json_strn(j, f->file, f->file_n);
	gp_json_kint(j, "line", f->line);
	gp_json_obj_end(j);
}

static void buckets_json(struct gp_json *j, const struct gp_report *r)
{
	const struct gp_buckets *bs = &r->buckets;
	gp_json_key(j, "buckets");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < bs->n; i++) {
		const struct gp_bucket *b = bs->list[i];
		gp_json_obj_begin(j);
		gp_json_kint(j, "count", (int64_t)b->count);
		gp_json_key(j, "state");
		gp_json_strn(j, b->status, b->status_n);
		if (b->with_minutes) {
			gp_json_kint(j, "min_minutes", b->min_minutes);
			gp_json_kint(j, "max_minutes", b->max_minutes);
		}
		gp_json_kint(j, "locked", (int64_t)b->locked);
		gp_json_key(j, "goroutines");
		gp_json_arr_begin(j);
		for (size_t k = 0; k < b->n_ids; k++)
			gp_json_uint(j, b->ids[k]);
		gp_json_arr_end(j);
		gp_json_key(j, "frames");
		gp_json_arr_begin(j);
		for (uint32_t k = 0; k < b->n_frames; k++)
			bframe_json(j, &b->frames[k]);
		gp_json_arr_end(j);
		gp_json_key(j, "created_by");
		if (b->has_created)
			bframe_json(j, &b->created);
		else
			gp_json_null(j);
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
	const struct gp_summary *s = &r->summary;
	gp_json_key(j, "states");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < s->n_states; i++) {
		gp_json_obj_begin(j);
		gp_json_kstr(j, "state", s->states[i].key);
		gp_json_kint(j, "count", (int64_t)s->states[i].count);
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
	gp_json_key(j, "suspects");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < s->n_suspects; i++) {
		gp_json_obj_begin(j);
		gp_json_kint(j, "bucket", (int64_t)s->suspects[i].index);
		gp_json_kstr(j, "why", gp_suspect_why_text(s->suspects[i].why));
		gp_json_kint(j, "count", (int64_t)s->suspects[i].b->count);
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
}

static void stackg_json(struct gp_json *j, const struct gp_stackuse_g *g)
{
	gp_json_obj_begin(j);
	gp_json_kint(j, "goroutine", (int64_t)g->goid);
	gp_json_kint(j, "size", (int64_t)g->size);
	if (g->used)
		gp_json_kint(j, "used", (int64_t)g->used);
	else
		gp_json_kstr(j, "used", NULL);
	gp_json_kstr(j, "state", g->status);
	gp_json_obj_end(j);
}

static void stacks_json(struct gp_json *j, const struct gp_stackuse *u)
{
	gp_json_key(j, "stacks");
	gp_json_obj_begin(j);
	gp_json_kint(j, "goroutines", (int64_t)u->goroutines);
	gp_json_kint(j, "total_size", (int64_t)u->total_size);
	gp_json_kint(j, "total_used", (int64_t)u->total_used);
	if (u->limit)
		gp_json_kint(j, "limit", (int64_t)u->limit);
	else
		gp_json_kstr(j, "limit", NULL);
	gp_json_kstr(j, "limit_found_by", u->limit_how);
	gp_json_key(j, "largest");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < u->ntop; i++)
		stackg_json(j, &u->top[i]);
	gp_json_arr_end(j);
	gp_json_kint(j, "near_limit_count", (int64_t)u->near_count);
	gp_json_key(j, "near_limit");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < u->nnear; i++)
		stackg_json(j, &u->near[i]);
	gp_json_arr_end(j);
	gp_json_obj_end(j);
}

static void core_json(struct gp_json *j, const struct gp_completeness *c)
{
	gp_json_key(j, "completeness");
	gp_json_obj_begin(j);
	gp_json_kint(j, "segments", (int64_t)c->segments);
	gp_json_kint(j, "mapped_bytes", (int64_t)c->mapped_bytes);
	gp_json_kint(j, "dumped_bytes", (int64_t)c->dumped_bytes);
	gp_json_kint(j, "truncated_bytes", (int64_t)c->truncated_bytes);
	gp_json_kint(j, "missing_anonymous_bytes", (int64_t)c->missing_anon_bytes);
	gp_json_kint(j, "missing_file_bytes", (int64_t)c->missing_file_bytes);
	gp_json_key(j, "missing");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < c->nmissing; i++) {
		const struct gp_missing_seg *m = &c->missing[i];
		gp_json_obj_begin(j);
		gp_json_khex(j, "start", m->start);
		gp_json_khex(j, "end", m->end);
		gp_json_kint(j, "missing_bytes", (int64_t)m->missing);
		gp_json_kstr(j, "file", m->file);
		gp_json_kbool(j, "writable", m->writable);
		gp_json_kbool(j, "truncated", m->truncated);
		gp_json_kbool(j, "read_from_executable", m->from_exe);
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
	gp_json_kint(j, "unreadable_goroutines", (int64_t)c->unreadable_goroutines);
	gp_json_kint(j, "stacks_missing", (int64_t)c->stacks_missing);
	gp_json_key(j, "notes");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < c->nnotes; i++)
		gp_json_str(j, c->notes[i]);
	gp_json_arr_end(j);
	gp_json_obj_end(j);
}

static void waits_json(struct gp_json *j, const struct gp_waits *w)
{
	gp_json_key(j, "waits");
	gp_json_obj_begin(j);
	gp_json_kstr(j, "semtable_found_by", w->semtable_how);
	gp_json_kstr(j, "problem", w->problem);
	gp_json_key(j, "objects");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < w->nobjs; i++) {
		const struct gp_wobj *o = &w->objs[i];
		gp_json_obj_begin(j);
		gp_json_kstr(j, "kind", gp_wobj_kind_name(o->kind));
		gp_json_khex(j, "addr", o->addr);
		if (o->kind == GP_WOBJ_CHAN) {
			gp_json_key(j, "elem");
			gp_json_strn(j, o->elem.name, o->elem.name_len);
			gp_json_kint(j, "cap", (int64_t)o->cap);
			gp_json_kint(j, "len", (int64_t)o->len);
			gp_json_kbool(j, "closed", o->closed);
			gp_json_kbool(j, "timer", o->timer);
		} else if (o->kind == GP_WOBJ_POLLDESC) {
			gp_json_kint(j, "fd", o->fd);
		} else if (o->kind == GP_WOBJ_SEMA) {
			gp_json_kstr(j, "acquirer", o->acquirer);
		}
		gp_json_key(j, "waiting");
		gp_json_obj_begin(j);
		for (int d = 0; d < GP_WDIRS; d++) {
			const char *dir = gp_wobj_dir_name(o->kind, (uint32_t)d);
			if (!dir)
				continue;
			gp_json_key(j, dir);
			gp_json_arr_begin(j);
			for (size_t k = 0; k < o->q[d].n; k++)
				gp_json_uint(j, o->q[d].goids[k]);
			gp_json_arr_end(j);
		}
		gp_json_obj_end(j);
		gp_json_kstr(j, "problem", o->problem);
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
	gp_json_key(j, "goroutines");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < w->ngs; i++) {
		const struct gp_wg *g = &w->gs[i];
		gp_json_obj_begin(j);
		gp_json_kint(j, "goroutine", (int64_t)g->goid);
		gp_json_kstr(j, "waits_for", gp_wait_class_name(g->cls));
		gp_json_key(j, "objects");
		gp_json_arr_begin(j);
		for (uint32_t k = 0; k < g->nlinks; k++)
			gp_json_uint(j, w->links[g->link0 + k].obj);
		gp_json_arr_end(j);
		gp_json_kstr(j, "problem", g->problem);
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
	gp_json_obj_end(j);
}

static void cgo_json(struct gp_json *j, const struct gp_report *r)
{
	gp_json_key(j, "cgo_crash");
	if (!r->has_cgo) {
		gp_json_null(j);
		return;
	}
	const struct gp_cgocrash *g = &r->cgo;
	gp_json_obj_begin(j);
	gp_json_kint(j, "thread", g->thread ? g->thread->tid : -1);
	gp_json_kint(j, "m", g->m_id);
	gp_json_kstr(j, "registers_from", g->regs_source);
	gp_json_key(j, "c_frames");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < g->c.n; i++) {
		const struct gp_cframe *f = &g->c.frames[i];
		gp_json_obj_begin(j);
		gp_json_khex(j, "pc", f->pc);
		gp_json_kbool(j, "exact_pc", f->initial);
		gp_json_kstr(j, "module", f->module);
		gp_json_khex(j, "module_offset", f->module_off);
		gp_json_kstr(j, "symbol", f->symbol);
		if (f->symbol)
			gp_json_khex(j, "symbol_offset", f->symoff);
		gp_json_kstr(j, "file", f->file);
		gp_json_kint(j, "line", f->line);
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
	gp_json_kstr(j, "c_stop", g->c.stop_msg);
	gp_json_kstr(j, "go_function_at_stop", g->c.stop_func);
	gp_json_kint(j, "goroutine", (int64_t)g->goid);
	gp_json_key(j, "go_frames");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < g->ngo; i++) {
		gp_json_obj_begin(j);
		gp_json_khex(j, "pc", g->go[i].pc);
		gp_json_kstr(j, "func", g->go[i].func);
		gp_json_kstr(j, "file", g->go[i].file);
		gp_json_kint(j, "line", g->go[i].line);
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
	gp_json_key(j, "problems");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < g->c.nproblems; i++)
		gp_json_str(j, g->c.problems[i]);
	gp_json_arr_end(j);
	gp_json_obj_end(j);
}

static void timers_json(struct gp_json *j, const struct gp_report *r)
{
	const struct gp_timers *t = &r->timers;
	gp_json_key(j, "timers");
	gp_json_obj_begin(j);
	gp_json_kint(j, "pending", (int64_t)t->npending);
	gp_json_kint(j, "heaps", (int64_t)t->nheaps);
	gp_json_kstr(j, "problem", t->problem);
	gp_json_kstr(j, "note", t->note);
	gp_json_key(j, "groups");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < r->ntimer_groups; i++) {
		const struct gp_timer_group *g = &r->timer_groups[i];
		gp_json_obj_begin(j);
		gp_json_kstr(j, "kind", gp_timer_kind_name(g->kind));
		gp_json_kstr(j, "callback", g->func);
		gp_json_kstr(j, "user_func", g->user_func);
		gp_json_kint(j, "count", (int64_t)g->count);
		gp_json_kint(j, "when_min", g->when_min);
		gp_json_kint(j, "when_max", g->when_max);
		if (g->period >= 0)
			gp_json_kint(j, "period", g->period);
		else
			gp_json_kstr(j, "period", NULL);
		if (g->ndeadlines) {
			gp_json_kint(j, "deadline_min_unix", g->dl_min_sec);
			gp_json_kint(j, "deadline_max_unix", g->dl_max_sec);
		}
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
	gp_json_key(j, "list");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < t->n; i++) {
		const struct gp_timer *tm = &t->t[i];
		if (!tm->pending)
			continue;
		gp_json_obj_begin(j);
		gp_json_khex(j, "addr", tm->addr);
		gp_json_kint(j, "p", tm->p_id);
		gp_json_kstr(j, "kind", gp_timer_kind_name(tm->kind));
		gp_json_kstr(j, "callback", tm->func);
		gp_json_kint(j, "when", tm->when);
		gp_json_kint(j, "period", tm->period);
		if (tm->kind == GP_TIMER_SLEEP)
			gp_json_kint(j, "goroutine", (int64_t)tm->goid);
		if (tm->user_func)
			gp_json_kstr(j, "user_func", tm->user_func);
		if (tm->has_deadline)
			gp_json_kint(j, "deadline_unix", tm->deadline_sec);
		gp_json_kstr(j, "problem", tm->problem);
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
	gp_json_obj_end(j);
}

static void defers_json(struct gp_json *j, const struct gp_report *r)
{
	gp_json_key(j, "defers");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < r->ndefers; i++) {
		const struct gp_report_defers *rd = &r->defers[i];
		gp_json_obj_begin(j);
		gp_json_kint(j, "goroutine", (int64_t)rd->goid);
		gp_json_key(j, "pending");
		gp_json_arr_begin(j);
		for (size_t k = 0; k < rd->d.n; k++) {
			const struct gp_defer *d = &rd->d.d[k];
			gp_json_obj_begin(j);
			gp_json_kstr(j, "func", d->func);
			gp_json_kstr(j, "kind", gp_defer_kind_name(d->kind));
			gp_json_kstr(j, "frame_func", d->frame_func);
			gp_json_kint(j, "frame", d->frame);
			gp_json_kbool(j, "started", d->started);
			gp_json_obj_end(j);
		}
		gp_json_arr_end(j);
		gp_json_kstr(j, "problem", rd->d.problem);
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
}

void gp_report_print_json(FILE *out, const struct gp_report *r)
{
	const struct gp_session *s = r->s;
	struct gp_json j;
	gp_json_init(&j, out, 0);
	gp_json_obj_begin(&j);
	gp_json_kstr(&j, "schema", "gopsy.report/1");
	gp_json_source(&j, s);
	gp_json_kstr(&j, "exe", s->exe_path);
	gp_json_kstr(&j, "go_version", s->bin->bi.version);
	gp_json_kbool(&j, "exe_verified", s->t.buildid_checked);
	gp_json_kbool(&j, "stripped", !s->bin->has_symtab);
	gp_json_kint(&j, "threads", (int64_t)s->t.img->nthreads);
	gp_json_kint(&j, "goroutines", (int64_t)r->goroutines);
	gp_json_kint(&j, "user_goroutines", (int64_t)r->user_goroutines);
	cause_json(&j, &r->cause);
	cgo_json(&j, r);
	buckets_json(&j, r);
	waits_json(&j, &r->waits);
	timers_json(&j, r);
	defers_json(&j, r);
	gp_json_sched(&j, &s->rt, r->sched);
	if (r->gcphase >= 0)
		gp_json_kint(&j, "gcphase", r->gcphase);
	else
		gp_json_kstr(&j, "gcphase", NULL);
	stacks_json(&j, &r->stacks);
	core_json(&j, &r->completeness);
	gp_json_key(&j, "backlog");
	if (r->backlog.present)
		gp_json_strn(&j, r->backlog.text, r->backlog.len);
	else
		gp_json_null(&j);
	gp_json_kstr(&j, "backlog_found_by", r->backlog.how);
	gp_json_obj_end(&j);
	fputc('\n', out);
}
