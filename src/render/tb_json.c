/* tb_json.c — JSON rendering of goroutines (see tb_json.h and docs/json.md). */
#include "render/tb_json.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "render/header.h"
#include "rt/clock.h"
#include "rt/synctest.h"
#include "rt/sched.h"

static void json_frame(void *ctx, const struct gp_tb_frame *f)
{
	struct gp_tb_json *s = ctx;
	struct gp_json *j = s->j;
	gp_json_obj_begin(j);
	gp_json_kstr(j, "function", f->name);
	gp_json_kstr(j, "printed_name", f->print_name);
	gp_json_kstr(j, "file", f->file);
	gp_json_kint(j, "line", f->line);
	gp_json_kbool(j, "inlined", f->inlined);
	if (!f->inlined) {
		gp_json_kstr(j, "args", f->args);
		gp_json_khex(j, "pc", f->pc);
		gp_json_khex(j, "entry", f->entry);
		gp_json_khex(j, "offset", f->pc - f->entry);
		gp_json_khex(j, "sp", f->sp);
		gp_json_khex(j, "fp", f->fp);
	} else if (f->print_offset) { /* an ancestor's saved pc: no args, but an offset */
		gp_json_khex(j, "pc", f->pc);
		gp_json_khex(j, "entry", f->entry);
		gp_json_khex(j, "offset", f->pc - f->entry);
	}
	gp_json_obj_end(j);
}

static void json_elided(void *ctx, int n)
{
	struct gp_tb_json *s = ctx;
	gp_json_obj_begin(s->j);
	gp_json_kint(s->j, "elided", n); /* -1: Go 1.19's "...additional frames elided..." */
	gp_json_obj_end(s->j);
}

static void json_error(void *ctx, const char *line)
{
	struct gp_tb_json *s = ctx;
	gp_json_obj_begin(s->j);
	gp_json_kstr(s->j, "error", line);
	gp_json_obj_end(s->j);
}

static void json_created_by(void *ctx, const struct gp_tb_created *c)
{
	struct gp_tb_json *s = ctx;
	if (s->in_frames) {
		gp_json_arr_end(s->j);
		s->in_frames = 0;
	}
	struct gp_json *j = s->j;
	gp_json_key(j, "created_by");
	gp_json_obj_begin(j);
	gp_json_kstr(j, "function", c->name);
	gp_json_kstr(j, "printed_name", c->print_name);
	gp_json_kstr(j, "file", c->file);
	gp_json_kint(j, "line", c->line);
	gp_json_khex(j, "pc", c->pc);
	gp_json_khex(j, "entry", c->entry);
	if (c->goid)
		gp_json_kint(j, "goroutine", (int64_t)c->goid);
	else
		gp_json_kstr(j, "goroutine", NULL);
	gp_json_obj_end(j);
}

static void json_ancestor(void *ctx, uint64_t goid)
{
	struct gp_tb_json *s = ctx;
	if (s->in_frames)
		gp_json_arr_end(s->j);
	if (s->in_ancestor)
		gp_json_obj_end(s->j);
	if (!s->in_ancestors) {
		gp_json_key(s->j, "ancestors");
		gp_json_arr_begin(s->j);
		s->in_ancestors = 1;
	}
	gp_json_obj_begin(s->j);
	s->in_ancestor = 1;
	gp_json_kint(s->j, "goid", (int64_t)goid);
	gp_json_key(s->j, "frames");
	gp_json_arr_begin(s->j);
	s->in_frames = 1;
}

void gp_tb_json_sink(struct gp_tb_sink *sink, struct gp_tb_json *state)
{
	sink->ctx = state;
	sink->frame = json_frame;
	sink->elided = json_elided;
	sink->created_by = json_created_by;
	sink->error = json_error;
	sink->ancestor = json_ancestor;
}

void gp_tb_json_begin_frames(struct gp_tb_json *state)
{
	gp_json_key(state->j, "frames");
	gp_json_arr_begin(state->j);
	state->in_frames = 1;
}

void gp_tb_json_finish(struct gp_tb_json *state)
{
	if (state->in_frames)
		gp_json_arr_end(state->j);
	if (state->in_ancestor)
		gp_json_obj_end(state->j);
	if (state->in_ancestors)
		gp_json_arr_end(state->j);
	state->in_frames = state->in_ancestor = state->in_ancestors = 0;
}

void gp_json_goroutine_header(struct gp_json *j, const struct gp_rt *rt, const struct gp_g *g)
{
	const struct gp_layout *l = rt->l;
	uint32_t st = gp_g_status(rt, g);
	int64_t scan = gp_layout_const(l, GP_K_GSTATUS_SCAN);
	gp_json_kint(j, "goid", (int64_t)g->goid);
	gp_json_khex(j, "gp", g->addr);
	const char *status = gp_layout_string(l, GP_S_GSTATUS, st);
	gp_json_kstr(j, "status", status ? status : "???");
	gp_json_kint(j, "status_code", st);
	gp_json_kstr(j, "status_text", gp_goroutine_status_text(rt, g));
	if (st == (uint32_t)gp_layout_const(l, GP_K_GSTATUS_WAITING) && g->waitreason)
		gp_json_kint(j, "wait_reason_code", g->waitreason);
	gp_json_kbool(j, "scan", scan != GP_K_ABSENT && (g->status & (uint32_t)scan));
	gp_json_kbool(j, "locked_to_thread", g->lockedm != 0);
	gp_json_kbool(j, "system", gp_g_is_system(rt, g));
	if (g->m) {
		gp_json_key(j, "m");
		gp_json_obj_begin(j);
		gp_json_kint(j, "id", g->m_id);
		gp_json_khex(j, "addr", g->m);
		gp_json_obj_end(j);
	} else {
		gp_json_key(j, "m");
		gp_json_null(j);
	}
	gp_json_kint(j, "waitsince_ns", g->waitsince);
	gp_json_kint(j, "parent_goid", (int64_t)g->parent_goid);
	gp_json_khex(j, "gopc", g->gopc);
	gp_json_khex(j, "startpc", g->startpc);
	gp_json_key(j, "stack");
	gp_json_obj_begin(j);
	gp_json_khex(j, "lo", g->stack_lo);
	gp_json_khex(j, "hi", g->stack_hi);
	gp_json_obj_end(j);
	struct gp_labels ls;
	if (gp_g_labels(rt, g, &ls) == 0) {
		gp_json_key(j, "labels");
		gp_json_arr_begin(j);
		struct gp_label lab;
		for (uint64_t i = 0; i < ls.n && gp_g_label(rt, &ls, i, &lab) == 0; i++) {
			gp_json_obj_begin(j);
			gp_json_key(j, "key");
			gp_json_strn(j, lab.key, lab.key_len);
			gp_json_key(j, "value");
			gp_json_strn(j, lab.value, lab.value_len);
			gp_json_obj_end(j);
		}
		gp_json_arr_end(j);
	}
}

void gp_json_goroutine_wait(struct gp_json *j, const struct gp_rt *rt, const struct gp_g *g, int64_t now_ns)
{
	int64_t minutes = gp_g_wait_minutes(rt, g, now_ns);
	if (minutes >= 0)
		gp_json_kint(j, "wait_minutes", minutes);
	else
		gp_json_kstr(j, "wait_minutes", NULL);
	gp_json_kbool(j, "durable", gp_g_durable(rt, g, gp_goroutine_status_text(rt, g)));
	struct gp_bubble b;
	int in = gp_g_bubble(rt, g, &b) == 0;
	if (in && !b.group)
		gp_json_kint(j, "synctest_bubble", (int64_t)b.id);
	else
		gp_json_kstr(j, "synctest_bubble", NULL);
	if (in && b.group)
		gp_json_kint(j, "synctest_group", (int64_t)b.id);
	else
		gp_json_kstr(j, "synctest_group", NULL);
}

static void json_ns(struct gp_json *j, const char *key, int64_t v)
{
	if (v)
		gp_json_kint(j, key, v);
	else
		gp_json_kstr(j, key, NULL);
}

void gp_json_now(struct gp_json *j, const struct gp_now *now)
{
	gp_json_key(j, "now");
	gp_json_obj_begin(j);
	json_ns(j, "estimate_ns", now->ns);
	gp_json_kstr(j, "source", now->source);
	if (now->goid)
		gp_json_kint(j, "source_goroutine", (int64_t)now->goid);
	else
		gp_json_kstr(j, "source_goroutine", NULL);
	gp_json_kbool(j, "approximate", 1);
	json_ns(j, "sched_lastpoll_ns", now->lastpoll);
	json_ns(j, "last_sleep_end_ns", now->sleep_end);
	json_ns(j, "max_waitsince_ns", now->waitsince);
	gp_json_obj_end(j);
}

void gp_json_threads(struct gp_json *j, const struct gp_rt *rt, const struct gp_image *core)
{
	gp_json_key(j, "threads");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < core->nthreads; i++) {
		const struct gp_thread *th = &core->threads[i];
		gp_json_obj_begin(j);
		gp_json_kint(j, "tid", th->tid);
		gp_json_kbool(j, "dumped_core", i == 0);
		char sig[32] = "";
		if (th->cursig)
			snprintf(sig, sizeof(sig), "SIG%s", sigabbrev_np(th->cursig) ? sigabbrev_np(th->cursig) : "?");
		gp_json_kstr(j, "signal", th->cursig ? sig : NULL);
		gp_json_khex(j, "rip", th->regs[GP_X86_RIP]);
		gp_json_khex(j, "rsp", th->regs[GP_X86_RSP]);
		gp_json_khex(j, "rbp", th->regs[GP_X86_RBP]);
		gp_json_khex(j, "fs_base", th->regs[GP_X86_FS_BASE]);
		uint64_t curg = 0;
		struct gp_err *err = gp_rt_thread_curg(rt, th, &curg);
		gp_err_free(err);
		if (curg)
			gp_json_khex(j, "curg", curg);
		else
			gp_json_kstr(j, "curg", NULL);
		/* The M the thread's TLS g belongs to (its record is in "ms"). */
		uint64_t m = gp_thread_m(rt, th), mid = 0;
		struct gp_err *merr = m ? gp_target_u64(rt->t, m + (uint64_t)gp_loff(rt->l, GP_L_M_ID), &mid) : NULL;
		if (m && !merr)
			gp_json_kint(j, "m", (int64_t)mid);
		else
			gp_json_kstr(j, "m", NULL);
		gp_err_free(merr);
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
}
