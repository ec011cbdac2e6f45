/* waitsdump — test driver for src/rt/waits.h: opens a core (gp_session_open_core) and prints
 * gp_waits_read's result as one JSON document, for tests/rt/waits_oracle.py.
 *
 *   waitsdump [--exe BIN] [--force] [--time N] CORE
 *
 * --force goes on with a core whose copy of the Go build ID does not match (GP_SESSION_FORCE: the
 * corrupted cores of waits_corrupt.py).
 * --time N reads the waits N times more and reports on stderr the wall and CPU time of the first
 * read and the medians of the others (the open, allgs and layouts are not counted; the first read
 * also pays the page faults of the core's mapping). Exit 0, or 1 when the core cannot be opened.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render/json.h"
#include "rt/waits.h"
#include "session/session.h"

static void warn(void *ctx, const char *w)
{
	(void)ctx;
	fprintf(stderr, "waitsdump: warning: %s\n", w);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the process (user + system): what a read costs on a machine other work shares. */
static double cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void print(const struct gp_rt *rt, const struct gp_waits *w)
{
	struct gp_json j;
	gp_json_init(&j, stdout, 0);
	gp_json_obj_begin(&j);
	gp_json_kint(&j, "go_minor", rt->b->bi.v.minor);
	if (w->semtable)
		gp_json_khex(&j, "semtable", w->semtable);
	else
		gp_json_kstr(&j, "semtable", NULL);
	gp_json_kstr(&j, "semtable_how", w->semtable_how);
	gp_json_kstr(&j, "problem", w->problem);
	gp_json_key(&j, "objects");
	gp_json_arr_begin(&j);
	for (size_t i = 0; i < w->nobjs; i++) {
		const struct gp_wobj *o = &w->objs[i];
		gp_json_obj_begin(&j);
		gp_json_kstr(&j, "kind", gp_wobj_kind_name(o->kind));
		gp_json_khex(&j, "addr", o->addr);
		switch (o->kind) {
		case GP_WOBJ_CHAN:
			gp_json_key(&j, "elem");
			gp_json_strn(&j, o->elem.name, o->elem.name_len);
			gp_json_kint(&j, "cap", (int64_t)o->cap);
			gp_json_kint(&j, "len", (int64_t)o->len);
			gp_json_kbool(&j, "closed", o->closed);
			gp_json_kbool(&j, "timer", o->timer);
			break;
		case GP_WOBJ_COND:
			gp_json_khex(&j, "notify_list", o->notify_list);
			gp_json_kint(&j, "ticket_wait", o->ticket_wait);
			gp_json_kint(&j, "ticket_notify", o->ticket_notify);
			break;
		case GP_WOBJ_POLLDESC:
			gp_json_kint(&j, "fd", o->fd);
			gp_json_kbool(&j, "closing", o->closing);
			break;
		default:
			gp_json_key(&j, "sema");
			gp_json_arr_begin(&j);
			for (int d = 0; d < GP_WDIRS; d++)
				if (o->sema[d])
					gp_json_hex(&j, o->sema[d]);
			gp_json_arr_end(&j);
			gp_json_kstr(&j, "acquirer", o->acquirer);
			break;
		}
		gp_json_key(&j, "waiters");
		gp_json_obj_begin(&j);
		for (uint32_t d = 0; d < GP_WDIRS; d++) {
			const char *name = gp_wobj_dir_name(o->kind, d);
			if (!name)
				continue;
			gp_json_key(&j, name);
			gp_json_arr_begin(&j);
			for (size_t k = 0; k < o->q[d].n; k++)
				gp_json_uint(&j, o->q[d].goids[k]);
			gp_json_arr_end(&j);
		}
		gp_json_obj_end(&j);
		gp_json_kstr(&j, "problem", o->problem);
		gp_json_obj_end(&j);
	}
	gp_json_arr_end(&j);
	gp_json_key(&j, "goroutines");
	gp_json_arr_begin(&j);
	for (size_t i = 0; i < w->ngs; i++) {
		const struct gp_wg *g = &w->gs[i];
		gp_json_obj_begin(&j);
		gp_json_key(&j, "goid");
		gp_json_uint(&j, g->goid);
		gp_json_khex(&j, "g", g->g);
		const char *wr = gp_layout_string(rt->l, GP_S_WAITREASON, g->waitreason);
		gp_json_kstr(&j, "waitreason", wr ? wr : "?");
		gp_json_kstr(&j, "class", gp_wait_class_name(g->cls));
		gp_json_key(&j, "objects");
		gp_json_arr_begin(&j);
		for (uint32_t k = 0; k < g->nlinks; k++) {
			const struct gp_wlink *lk = &w->links[g->link0 + k];
			gp_json_obj_begin(&j);
			gp_json_kint(&j, "obj", lk->obj);
			gp_json_kstr(&j, "dir", gp_wobj_dir_name(w->objs[lk->obj].kind, lk->dir));
			gp_json_obj_end(&j);
		}
		gp_json_arr_end(&j);
		gp_json_kstr(&j, "problem", g->problem);
		gp_json_obj_end(&j);
	}
	gp_json_arr_end(&j);
	gp_json_obj_end(&j);
	fputc('\n', stdout);
}

int main(int argc, char **argv)
{
	const char *exe = NULL, *core = NULL;
	int times = 0;
	unsigned flags = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--exe") && i + 1 < argc)
			exe = argv[++i];
		else if (!strcmp(argv[i], "--force"))
			flags |= GP_SESSION_FORCE;
		else if (!strcmp(argv[i], "--time") && i + 1 < argc)
			times = atoi(argv[++i]);
		else if (argv[i][0] != '-' && !core)
			core = argv[i];
		else {
			fprintf(stderr, "usage: waitsdump [--exe BIN] [--force] [--time N] CORE\n");
			return 2;
		}
	}
	if (!core) {
		fprintf(stderr, "usage: waitsdump [--exe BIN] [--force] [--time N] CORE\n");
		return 2;
	}
	struct gp_session *s;
	struct gp_err *err = gp_session_open_core(core, exe, flags, warn, NULL, &s);
	if (err) {
		fprintf(stderr, "waitsdump: %s\n", gp_err_msg(err));
		gp_err_free(err);
		return 1;
	}
	double t0 = now(), c0 = cpu();
	struct gp_waits w;
	err = gp_waits_read(&s->rt, &s->cache, &s->arena, &w);
	double first = now() - t0, first_cpu = cpu() - c0;
	if (err) {
		fprintf(stderr, "waitsdump: %s\n", gp_err_msg(err));
		gp_err_free(err);
		gp_session_close(s);
		return 1;
	}
	print(&s->rt, &w);
	if (times > 0) {
		double *t = calloc((size_t)times * 2, sizeof(double));
		for (int i = 0; t && i < times; i++) {
			struct gp_arena a;
			gp_arena_init(&a);
			struct gp_waits w2;
			double t1 = now(), c1 = cpu();
			err = gp_waits_read(&s->rt, &s->cache, &a, &w2);
			t[i] = now() - t1;
			t[times + i] = cpu() - c1;
			gp_err_free(err);
			gp_arena_deinit(&a);
		}
		if (t) {
			qsort(t, (size_t)times, sizeof(double), cmp_d);
			qsort(t + times, (size_t)times, sizeof(double), cmp_d);
			fprintf(stderr, "waitsdump: %zu goroutines blocked, %zu objects; first read %.3f s (CPU %.3f s), "
				"median of %d more %.3f s (CPU %.3f s)\n",
				w.ngs, w.nobjs, first, first_cpu, times, t[times / 2], t[times + times / 2]);
			free(t);
		}
	}
	gp_session_close(s);
	return 0;
}
