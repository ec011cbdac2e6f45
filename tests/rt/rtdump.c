/* rtdump.c — test driver: what the timers (rt/timers.h) and defers (rt/defers.h) readers find in a
 * core, as JSON on stdout, for tests/rt/timers_defers_oracle.py to compare with the facts the
 * fixture printed about itself. Not installed; the format is the test's, not a public one.
 *
 *     rtdump [--exe BIN] CORE
 *
 * {"go": minor, "now": ns, "now_source": s, "ps": [{id, addr}],
 *  "p_timers_heap_off": the offset of the heap slice in a p,
 *  "timers": {"impl", "lazy_chan", "nheaps", "n", "npending", "problem", "note",
 *             "bubbles": [{addr, id, now, ntimers}],
 *             "list": [{addr, p, bubble, is_fake, index, pending, status, when, heap_when, period, seq,
 *                       is_chan, blocked, func, kind, goid, user_func, ctx, deadline, chan, pd, problem}],
 *             "groups": [{kind, func, user_func, count, when_min, when_max, period, ndeadlines,
 *                         deadline_min, deadline_max}]},
 *  "goroutines": [{goid, status, frames_from, frames_problem, frames: [function...], nrecords, problem,
 *                  defers: [{kind, func, frame, frame_func, sp, pc, record, slot, started, rangefunc}]}]}
 * Exit 0 with whatever could be read (problems are in the JSON), 1 when the core cannot be opened.
 * Deadlines are Unix "SEC.NNNNNNNNN" strings.
 */
#include <stdio.h>
#include <string.h>

#include "render/json.h"
#include "rt/defers.h"
#include "rt/timers.h"
#include "session/frames.h"
#include "session/session.h"

static void warn(void *ctx, const char *w)
{
	(void)ctx;
	fprintf(stderr, "rtdump: warning: %s\n", w);
}

static void kdeadline(struct gp_json *j, const char *key, int64_t sec, int32_t nsec)
{
	char buf[48];
	snprintf(buf, sizeof(buf), "%lld.%09d", (long long)sec, (int)nsec);
	gp_json_kstr(j, key, buf);
}

static int fail(struct gp_err *err)
{
	fprintf(stderr, "rtdump: %s\n", gp_err_msg(err));
	gp_err_free(err);
	return 1;
}

static void put_timers(struct gp_json *j, const struct gp_timers *ts, const struct gp_timer_group *gs, size_t ng)
{
	gp_json_kint(j, "impl", ts->impl);
	gp_json_kbool(j, "lazy_chan", ts->lazy_chan);
	gp_json_kint(j, "nheaps", (int64_t)ts->nheaps);
	gp_json_kint(j, "n", (int64_t)ts->n);
	gp_json_kint(j, "npending", (int64_t)ts->npending);
	gp_json_kstr(j, "problem", ts->problem);
	gp_json_kstr(j, "note", ts->note);
	gp_json_key(j, "bubbles");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < ts->nbubbles; i++) {
		gp_json_obj_begin(j);
		gp_json_khex(j, "addr", ts->bubbles[i].addr);
		gp_json_kint(j, "id", (int64_t)ts->bubbles[i].id);
		gp_json_kint(j, "now", ts->bubbles[i].now);
		gp_json_kint(j, "ntimers", (int64_t)ts->bubbles[i].ntimers);
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
	gp_json_key(j, "list");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < ts->n; i++) {
		const struct gp_timer *t = &ts->t[i];
		gp_json_obj_begin(j);
		gp_json_khex(j, "addr", t->addr);
		gp_json_kint(j, "p", t->p_id);
		gp_json_kint(j, "bubble", t->bubble);
		gp_json_kbool(j, "is_fake", t->is_fake);
		gp_json_kint(j, "index", t->index);
		gp_json_kbool(j, "pending", t->pending);
		gp_json_kint(j, "status", t->status);
		gp_json_kint(j, "when", t->when);
		gp_json_kint(j, "heap_when", t->heap_when);
		gp_json_kint(j, "period", t->period);
		gp_json_kint(j, "seq", (int64_t)t->seq);
		gp_json_kbool(j, "is_chan", t->is_chan);
		gp_json_kint(j, "blocked", t->blocked);
		gp_json_kstr(j, "func", t->func);
		gp_json_kstr(j, "kind", gp_timer_kind_name(t->kind));
		if (t->kind == GP_TIMER_SLEEP)
			gp_json_kint(j, "goid", (int64_t)t->goid);
		if (t->user_func)
			gp_json_kstr(j, "user_func", t->user_func);
		if (t->kind == GP_TIMER_CONTEXT)
			gp_json_khex(j, "ctx", t->ctx);
		if (t->has_deadline)
			kdeadline(j, "deadline", t->deadline_sec, t->deadline_nsec);
		if (t->kind == GP_TIMER_CHAN || t->kind == GP_TIMER_TICKER)
			gp_json_khex(j, "chan", t->chan);
		if (t->kind == GP_TIMER_NETPOLL)
			gp_json_khex(j, "pd", t->pd);
		if (t->problem)
			gp_json_kstr(j, "problem", t->problem);
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
	gp_json_key(j, "groups");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < ng; i++) {
		const struct gp_timer_group *g = &gs[i];
		gp_json_obj_begin(j);
		gp_json_kstr(j, "kind", gp_timer_kind_name(g->kind));
		gp_json_kstr(j, "func", g->func);
		gp_json_kstr(j, "user_func", g->user_func);
		gp_json_kint(j, "count", (int64_t)g->count);
		gp_json_kint(j, "when_min", g->when_min);
		gp_json_kint(j, "when_max", g->when_max);
		gp_json_kint(j, "period", g->period);
		gp_json_kint(j, "ndeadlines", (int64_t)g->ndeadlines);
		if (g->ndeadlines) {
			kdeadline(j, "deadline_min", g->dl_min_sec, g->dl_min_nsec);
			kdeadline(j, "deadline_max", g->dl_max_sec, g->dl_max_nsec);
		}
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
}

static void put_goroutine(struct gp_json *j, const struct gp_session *s, const struct gp_g *g,
			  const struct gp_gframes *fr, const struct gp_defers *ds)
{
	gp_json_obj_begin(j);
	gp_json_kint(j, "goid", (int64_t)g->goid);
	gp_json_kint(j, "status", gp_g_status(&s->rt, g));
	gp_json_kstr(j, "frames_from", fr->from);
	gp_json_kstr(j, "frames_problem", fr->problem);
	gp_json_key(j, "frames");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < fr->n; i++)
		gp_json_str(j, gp_pclntab_funcname(&s->bin->pcln, &fr->f[i].fn));
	gp_json_arr_end(j);
	gp_json_kint(j, "nrecords", (int64_t)ds->nrecords);
	gp_json_kstr(j, "problem", ds->problem);
	gp_json_key(j, "defers");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < ds->n; i++) {
		const struct gp_defer *d = &ds->d[i];
		gp_json_obj_begin(j);
		gp_json_kstr(j, "kind", gp_defer_kind_name(d->kind));
		gp_json_kstr(j, "func", d->func);
		gp_json_kint(j, "frame", d->frame);
		gp_json_kstr(j, "frame_func", d->frame_func);
		gp_json_khex(j, "sp", d->sp);
		gp_json_khex(j, "pc", d->pc);
		gp_json_khex(j, "record", d->record);
		gp_json_kint(j, "slot", d->slot);
		gp_json_kbool(j, "started", d->started);
		gp_json_kbool(j, "rangefunc", d->rangefunc);
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
	gp_json_obj_end(j);
}

int main(int argc, char **argv)
{
	const char *exe = NULL, *core = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--exe") && i + 1 < argc)
			exe = argv[++i];
		else if (argv[i][0] != '-' && !core)
			core = argv[i];
		else {
			fprintf(stderr, "usage: rtdump [--exe BIN] CORE\n");
			return 2;
		}
	}
	if (!core) {
		fprintf(stderr, "usage: rtdump [--exe BIN] CORE\n");
		return 2;
	}
	struct gp_session *s;
	struct gp_err *err = gp_session_open_core(core, exe, 0, warn, NULL, &s);
	if (err)
		return fail(err);
	const struct gp_sched *sc;
	struct gp_timers ts;
	struct gp_timer_group *gs;
	size_t ng;
	if ((err = gp_session_sched(s, &sc)) || (err = gp_timers_read(&s->rt, sc, &s->arena, &ts)) ||
	    (err = gp_timers_group(&ts, &s->arena, &gs, &ng))) {
		gp_session_close(s);
		return fail(err);
	}
	const struct gp_now *now = gp_session_now(s);
	struct gp_json j;
	gp_json_init(&j, stdout, 0);
	gp_json_obj_begin(&j);
	gp_json_kint(&j, "go", s->bin->bi.v.minor);
	gp_json_kint(&j, "now", now->ns);
	gp_json_kstr(&j, "now_source", now->source);
	gp_json_key(&j, "ps");
	gp_json_arr_begin(&j);
	for (size_t i = 0; i < sc->nps; i++) {
		gp_json_obj_begin(&j);
		gp_json_kint(&j, "id", sc->ps[i].id);
		gp_json_khex(&j, "addr", sc->ps[i].addr);
		gp_json_obj_end(&j);
	}
	gp_json_arr_end(&j);
	gp_json_kint(&j, "p_timers_heap_off", gp_loff(s->l, GP_L_P_TIMERS_HEAP));
	gp_json_key(&j, "timers");
	gp_json_obj_begin(&j);
	put_timers(&j, &ts, gs, ng);
	gp_json_obj_end(&j);
	gp_json_key(&j, "goroutines");
	gp_json_arr_begin(&j);
	for (uint64_t i = 0; i < s->rt.allgs.s.len; i++) {
		uint64_t ga;
		struct gp_g g;
		if ((err = gp_rt_allg(&s->rt, i, &ga)) || (err = gp_rt_read_g(&s->rt, ga, &g))) {
			fprintf(stderr, "rtdump: allgs[%llu]: %s\n", (unsigned long long)i, gp_err_msg(err));
			gp_err_free(err);
			continue;
		}
		if (gp_g_is_dead(&s->rt, &g))
			continue;
		struct gp_arena scratch;
		gp_arena_init(&scratch);
		struct gp_gframes fr;
		struct gp_defers ds;
		if ((err = gp_session_defers(s, &g, &scratch, &ds, &fr))) {
			gp_arena_deinit(&scratch);
			gp_session_close(s);
			return fail(err);
		}
		put_goroutine(&j, s, &g, &fr, &ds);
		gp_arena_deinit(&scratch);
	}
	gp_json_arr_end(&j);
	gp_json_obj_end(&j);
	fputc('\n', stdout);
	gp_session_close(s);
	return 0;
}
