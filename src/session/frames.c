/* frames.c — a goroutine's frames and its defers against them (see frames.h). */
#include "session/frames.h"

#include <string.h>

#include "unwind/gounwind.h"
#include "unwind/gstart.h"
#include "unwind/threadstack.h"

static const char *unwind_problem(enum gp_unwind_error e)
{
	switch (e) {
	case GP_UNWIND_OK:
		return NULL;
	case GP_UNWIND_UNKNOWN_PC:
		return "unwinding: the first pc is in no Go function";
	case GP_UNWIND_UNEXPECTED_RET:
		return "unwinding: unexpected return pc";
	case GP_UNWIND_STUCK:
		return "unwinding: traceback stuck";
	case GP_UNWIND_UNREADABLE:
		return "unwinding: a return address is not readable";
	}
	return "unwinding failed";
}

int gp_session_dump_start(struct gp_session *s, const struct gp_g *g, struct gp_ustart *out, const char **from)
{
	const struct gp_rt *rt = &s->rt;
	const struct gp_death *d = gp_session_death(s);
	const struct gp_death_m *pm = d->kind != GP_DEATH_UNKNOWN ? &d->printer : NULL;
	const char *how;
	if (gp_g_unwind_start(rt, g, out)) {
		how = "saved state";
	} else if (pm && pm->has_start && pm->gp == g->addr) {
		*out = pm->start;
		gp_g_unwind_start_at(rt, g, out);
		how = "the runtime's crash traceback";
	} else if (pm && pm->m && g->m == pm->m) {
		gp_g_unwind_saved(rt, g, out);
		how = "saved state (running on the M that printed)";
	} else {
		return 0;
	}
	if (from)
		*from = how;
	return 1;
}

struct gp_err *gp_session_frames(struct gp_session *s, const struct gp_g *g, struct gp_arena *a,
				 struct gp_gframes *out)
{
	const struct gp_rt *rt = &s->rt;
	memset(out, 0, sizeof(*out));
	uint64_t pc, sp;
	int is_syscall = 0, trap = 0;
	struct gp_ustart st;
	if (gp_session_dump_start(s, g, &st, &out->from)) {
		pc = st.pc;
		sp = st.sp;
		is_syscall = st.is_syscall;
		trap = st.trap;
	} else {
		struct gp_thread_start ts;
		const char *why = NULL;
		if (gp_running_start(rt, &s->cache, g, &ts, &why) != 0) {
			out->problem = why;
			return NULL;
		}
		pc = ts.pc;
		sp = ts.sp;
		trap = ts.trap;
		out->from = ts.source;
	}
	size_t cap = 0;
	struct gp_unwinder u;
	gp_unwind_init(&u, rt->t, rt->b, &rt->ids, &s->cache, pc, sp, is_syscall, trap);
	for (; u.valid; gp_unwind_next(&u)) {
		if (out->n == GP_GFRAMES_MAX) {
			out->problem = "the stack is deeper than gopsy walks";
			return NULL;
		}
		if (out->n == cap && !gp_arena_grow(a, (void **)&out->f, out->n, &cap, sizeof(*out->f), 32))
			return &gp_err_nomem;
		struct gp_dframe *f = &out->f[out->n++];
		f->pc = u.frame.pc;
		f->sp = u.frame.sp;
		f->fp = u.frame.fp;
		f->fn = u.frame.fn;
	}
	out->problem = unwind_problem(u.error);
	return NULL;
}

struct gp_err *gp_session_defers(struct gp_session *s, const struct gp_g *g, struct gp_arena *a,
				 struct gp_defers *out, struct gp_gframes *frames)
{
	struct gp_gframes local;
	struct gp_gframes *fr = frames ? frames : &local;
	struct gp_err *err = gp_session_frames(s, g, a, fr);
	if (err)
		return err;
	return gp_defers_read(&s->rt, &s->cache, g, fr->f, fr->n, a, out);
}
