/* report.c — building the report (see report.h). */
#include "analyze/report.h"

#include <stdio.h>
#include <string.h>

#include "render/header.h"
#include "render/tb_model.h"
#include "render/traceback.h"
#include "rt/prefetch.h"
#include "session/frames.h"
#include "unwind/threadstack.h"
#include "unwind/gstart.h"

/* The goroutine's pending defers, kept when it has any. */
static struct gp_err *defers_of(struct gp_report *r, const struct gp_g *g, struct gp_arena *scratch)
{
	struct gp_defers d;
	gp_arena_reset(scratch); /* the goroutine's frames are needed only for the matching */
	struct gp_err *err = gp_session_defers(r->s, g, scratch, &d, NULL);
	if (err)
		return err;
	if (d.n) {
		struct gp_defer *keep = gp_arena_calloc(r->a, d.n, sizeof(*keep));
		if (!keep)
			return &gp_err_nomem;
		memcpy(keep, d.d, d.n * sizeof(*keep));
		d.d = keep;
	}
	if (d.problem)
		d.problem = gp_arena_strdup(r->a, d.problem);
	if (d.problem && !r->defers_problem)
		r->defers_problem = d.problem;
	if (!d.n)
		return NULL;
	void *v = r->defers;
	if (!gp_arena_grow(r->a, &v, r->ndefers, &r->cap_defers, sizeof(*r->defers), 16))
		return &gp_err_nomem;
	r->defers = v;
	r->defers[r->ndefers].goid = g->goid;
	r->defers[r->ndefers++].d = d;
	r->defer_count += d.n;
	return NULL;
}

/* Whether g can have pending defers: a _defer record, or one of its shown frames is a function
 * with open-coded defers (FUNCDATA_OpenCodedDeferInfo). The runtime's own frames, hidden at
 * GOTRACEBACK=all, are not looked at: their defers are the runtime's business. */
static int may_have_defers(const struct gp_report *r, const struct gp_g *g, const struct gp_mg *mg)
{
	struct gp_session *s = r->s;
	uint64_t first = 0;
	gp_err_free(gp_target_u64(&s->t, g->addr + (uint64_t)gp_loff(s->l, GP_L_G__DEFER), &first));
	if (first)
		return 1;
	for (size_t i = 0; i < mg->n_items; i++) {
		const struct gp_mitem *it = &mg->items[i];
		if (it->kind != GP_MI_FRAME || !it->pc)
			continue;
		const struct gp_pcframe *pf = gp_pccache_frame(&s->cache, it->pc - s->t.bias);
		if (pf && gp_pclntab_funcdata(&s->bin->pcln, &pf->fn, GP_FUNCDATA_OPENCODEDDEFERINFO))
			return 1;
	}
	return 0;
}

/* One pass over allgs: stack use, stack buckets (GOTRACEBACK=all view: user goroutines, user
 * frames), what could not be read. */
static struct gp_err *goroutine_pass(struct gp_report *r)
{
	struct gp_session *s = r->s;
	const struct gp_rt *rt = &s->rt;
	struct gp_arena scratch, dscratch;
	gp_arena_init(&scratch);
	gp_arena_init(&dscratch);
	struct gp_tb_model m = {.scratch = &scratch};
	struct gp_tb_sink sink;
	gp_tb_model_sink(&sink, &m);
	struct gp_tb_ctx tb = {&s->t, s->bin, &rt->ids, &s->cache, s->l, 1, &sink};
	struct gp_prefetch pf;
	gp_prefetch_init(&pf, rt);
	struct gp_err *err = NULL;
	for (uint64_t i = 0; i < rt->allgs.s.len && !err; i++) {
		uint64_t ga;
		struct gp_g g;
		gp_prefetch_allg(&pf, i);
		struct gp_err *e = gp_rt_allg(rt, i, &ga);
		if (!e)
			e = gp_rt_read_g(rt, ga, &g);
		if (e) {
			gp_err_free(e);
			r->unreadable++;
			continue;
		}
		if (gp_g_is_dead(rt, &g))
			continue;
		gp_target_release_every(&s->t, i);
		r->goroutines++;
		const char *status = gp_goroutine_status_text(rt, &g);
		gp_stackuse_add(&r->stacks, rt, &g, status);
		struct gp_ustart at;
		int has_stack = gp_g_unwind_start(rt, &g, &at);
		if (has_stack && !gp_completeness_stack_present(s, at.sp))
			r->completeness.stacks_missing++;
		if (gp_g_is_system(rt, &g))
			continue;
		r->user_goroutines++;

		gp_arena_reset(&scratch);
		int64_t now = gp_g_has_wait_time(rt, &g) ? gp_session_now(s)->ns : 0;
		/* Each goroutine from where the runtime's own dump started it (session/frames.h); one it
		 * printed as running on another thread from that thread (threadstack.h), beyond the
		 * runtime's dump. */
		struct gp_tb_start st;
		memset(&st, 0, sizeof(st));
		gp_tb_start_for_g(&st, &g, 1);
		struct gp_thread_start ts;
		const char *why;
		int from_dump = gp_session_dump_start(s, &g, &st.at, NULL);
		int from_thread = !from_dump && gp_running_start(rt, &s->cache, &g, &ts, &why) == 0;
		gp_tb_model_begin(&m, rt, &g, now, !from_dump && !from_thread);
		if (from_thread)
			st.at = (struct gp_ustart){ts.pc, ts.sp, 0, ts.trap};
		if (from_dump || from_thread)
			gp_tb_print_frames(&tb, &st);
		else
			gp_tb_print_created_by(&tb, &st);
		if (m.oom)
			err = &gp_err_nomem;
		else
			err = gp_buckets_add(&r->buckets, &m.g);
		if (!err && may_have_defers(r, &g, &m.g))
			err = defers_of(r, &g, &dscratch);
	}
	gp_arena_deinit(&scratch);
	gp_arena_deinit(&dscratch);
	return err;
}

struct gp_err *gp_report_build(struct gp_session *s, struct gp_arena *a, struct gp_report *r)
{
	memset(r, 0, sizeof(*r));
	r->s = s;
	r->a = a;
	struct gp_err *err = gp_cause_read(s, a, &r->cause);
	if (!err)
		err = gp_session_sched(s, &r->sched);
	if (!err)
		err = gp_completeness_read(s, a, &r->completeness);
	if (!err)
		err = gp_buckets_init(&r->buckets, a);
	if (err)
		return err;
	gp_stackuse_init(&r->stacks, &s->rt);
	if ((err = goroutine_pass(r)))
		return err;
	gp_buckets_sort(&r->buckets);
	if ((err = gp_summarize(&r->buckets, a, &r->summary)))
		return err;
	gp_backlog_read(&s->rt, &r->backlog);
	r->gcphase = -1;
	uint64_t gcp;
	struct gp_err *e = gp_exe_symbol(s->bin->exe, "runtime.gcphase", &gcp, NULL);
	uint32_t phase = 0;
	if (!e)
		e = gp_target_read(&s->t, gcp + s->t.bias, &phase, 4);
	if (!e && phase <= 2)
		r->gcphase = (int)phase;
	gp_err_free(e);
	if ((err = gp_waits_read(&s->rt, &s->cache, a, &r->waits)))
		return err;
	if ((err = gp_timers_read(&s->rt, r->sched, a, &r->timers)) ||
	    (err = gp_timers_group(&r->timers, a, &r->timer_groups, &r->ntimer_groups)))
		return err;
	if (r->cause.in_cgo || (r->cause.has_signal && r->cause.kind == GP_CAUSE_SIGNAL && r->cause.fault_addr_valid)) {
		if ((err = gp_cgocrash_read(s, GP_REPORT_MAX_CFRAMES, GP_REPORT_MAX_GOFRAMES, &r->cgo)))
			return err;
		r->has_cgo = r->cgo.found;
	}
	struct gp_completeness *c = &r->completeness;
	c->unreadable_goroutines = r->unreadable;
	gp_completeness_note(c, r->sched->ms_problem);
	gp_completeness_note(c, r->sched->ps_problem);
	gp_completeness_note(c, r->sched->sched_problem);
	gp_completeness_note(c, gp_session_death(s)->problem);
	gp_completeness_note(c, r->cause.problem);
	gp_completeness_note(c, r->waits.problem);
	gp_completeness_note(c, r->timers.problem);
	gp_completeness_note(c, r->defers_problem);
	if (r->has_cgo)
		gp_completeness_note(c, r->cgo.problem);
	/* The clock estimate is a pass over every goroutine: taken during the goroutine pass only
	 * when one had a wait time (as gopsy goroutines does), else now only if timers need it. */
	if (s->now_done || r->timers.npending)
		r->now = gp_session_now(s);
	else
		r->now = &s->now; /* ns 0: not estimated */
	if (s->now_done && !r->now->ns)
		gp_completeness_note(c, s->now_problem);
	return NULL;
}
