/* cmd_goroutines.c — `gopsy goroutines [--traceback=all|system|crash] [--json] [--thread-stacks] [--exe BIN]
 * [--force] (CORE | --pid PID [--no-fork | --track] [--stats])`: every goroutine of a core or a live process in
 * the runtime's own traceback format, in allgs order. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "cli/cli.h"
#include "render/crashtext.h"
#include "render/header.h"
#include "render/json.h"
#include "render/sched_json.h"
#include "render/source_json.h"
#include "render/tb_json.h"
#include "render/textout.h"
#include "render/traceback.h"
#include "rt/prefetch.h"
#include "session/frames.h"
#include "session/session.h"
#include "unwind/gstart.h"
#include "unwind/threadstack.h"

static const char usage[] =
	"usage: gopsy goroutines [--traceback=all|system|crash] [--json] [--thread-stacks] " CLI_TARGET_USAGE;

struct opts {
	struct cli_target t;
	int level, json, thread_stacks;
	const char *level_name;
};

static int parse(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->level = 1;
	o->level_name = "all";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int took = cli_target_arg(&o->t, argc, argv, &i);
		if (took < 0)
			return -1;
		if (took)
			continue;
		if (!strncmp(a, "--traceback=", 12) &&
		    (!strcmp(a + 12, "all") || !strcmp(a + 12, "system") || !strcmp(a + 12, "crash"))) {
			o->level = strcmp(a + 12, "all") ? 2 : 1;
			o->level_name = a + 12;
		} else if (!strcmp(a, "--json"))
			o->json = 1;
		else if (!strcmp(a, "--thread-stacks"))
			o->thread_stacks = 1;
		else
			return -1;
	}
	return cli_target_ok(&o->t);
}

/* Where a goroutine's traceback starts, as in the runtime's dump (session/frames.h); 0 when the dump
 * printed it running on another thread (no stack). */
static int tb_start(struct gp_session *ss, const struct gp_g *g, int level, struct gp_tb_start *s)
{
	memset(s, 0, sizeof(*s));
	gp_tb_start_for_g(s, g, level);
	return gp_session_dump_start(ss, g, &s->at, NULL);
}

/* The frames of a running goroutine from its thread, from the start gp_running_start found, through
 * c's sink. */
static void thread_frames(const struct gp_tb_ctx *c, const struct gp_g *g, const struct gp_thread_start *ts)
{
	struct gp_tb_start s = {.at = {.pc = ts->pc, .sp = ts->sp, .trap = ts->trap}, .print_fpsp = c->level >= 2,
				.goid = g->goid, .gp = g->addr, .no_created_by = 1};
	gp_tb_print_frames(c, &s);
}

/* With --thread-stacks: after the runtime-format dump, the stacks of the goroutines it printed as
 * running on another thread, unwound from their threads, marked as beyond the runtime's dump. */
static void print_thread_stacks(struct gp_session *ss, int level, struct gp_tout *out, const uint64_t *gs, size_t n)
{
	if (!n)
		return;
	const struct gp_rt *rt = &ss->rt;
	struct gp_tb_sink sink;
	gp_tb_text_sink(&sink, out);
	struct gp_tb_ctx c = {&ss->t, ss->bin, &rt->ids, &ss->cache, ss->l, level, &sink};
	tout_str(out, "\ngopsy: stacks of the goroutines that were running, unwound from their threads "
		      "(beyond the runtime's own dump):\n");
	for (size_t i = 0; i < n; i++) {
		struct gp_g g;
		struct gp_err *err = gp_rt_read_g(rt, gs[i], &g);
		if (err) {
			gp_err_free(err);
			continue;
		}
		struct gp_thread_start ts = {0};
		tout_str(out, "\ngoroutine ");
		tout_dec(out, (int64_t)g.goid);
		tout_str(out, " [running");
		const char *why = NULL;
		if (gp_running_start(rt, c.cache, &g, &ts, &why) == 0) {
			tout_str(out, " on thread ");
			tout_dec(out, ts.tid);
			tout_str(out, ", from its ");
			tout_str(out, ts.source);
			tout_str(out, "]:\n");
			thread_frames(&c, &g, &ts);
		} else {
			tout_str(out, "]:\n\tno stack: ");
			tout_str(out, why);
			tout_char(out, '\n');
		}
	}
}

/* One goroutine as a JSON object. */
static void json_one(struct gp_session *ss, const struct gp_rt *rt, const struct gp_tb_ctx *c,
		     struct gp_tb_json *js, const struct gp_g *g, int64_t now_ns)
{
	struct gp_json *j = js->j;
	gp_json_obj_begin(j);
	gp_json_goroutine_header(j, rt, g);
	gp_json_goroutine_wait(j, rt, g, now_ns);
	struct gp_tb_start s;
	int has_stack = tb_start(ss, g, c->level, &s);
	gp_json_kbool(j, "running_elsewhere", !has_stack);
	gp_tb_json_begin_frames(js);
	if (has_stack) {
		gp_tb_print_frames(c, &s);
	} else {
		gp_tb_print_created_by(c, &s);
		if (s.ancestors) /* goroutine data, kept in the JSON even when its stack is not */
			gp_tb_print_ancestors(c, &s);
	}
	gp_tb_json_finish(js);
	if (!has_stack) {
		/* Beyond the runtime's dump: the stack from the goroutine's thread. */
		gp_json_key(j, "thread_stack");
		gp_json_obj_begin(j);
		struct gp_thread_start ts = {0};
		const char *why = NULL;
		if (gp_running_start(rt, c->cache, g, &ts, &why) == 0) {
			gp_json_kint(j, "tid", ts.tid);
			gp_json_kstr(j, "source", ts.source);
			gp_tb_json_begin_frames(js);
			thread_frames(c, g, &ts);
			gp_tb_json_finish(js);
		} else {
			gp_json_kstr(j, "unavailable", why);
		}
		gp_json_obj_end(j);
	}
	gp_json_obj_end(j);
}

/* The dump of session ss to stdout (cli_body_fn). */
static struct gp_err *goroutines(struct gp_session *ss, void *ctx)
{
	const struct opts o = *(const struct opts *)ctx;
	struct gp_err *err = NULL;
	const struct gp_rt *rt = &ss->rt;
	const struct gp_layout *l = ss->l;
	struct gp_tb_sink sink;
	struct gp_tout *tout = GP_NEW(&ss->arena, struct gp_tout);
	if (!tout) {
		err = &gp_err_nomem;
		goto out;
	}
	struct gp_json j;
	struct gp_tb_json js = {&j, 0};
	if (o.json) {
		gp_json_init(&j, stdout, 0);
		gp_tb_json_sink(&sink, &js);
		gp_json_obj_begin(&j);
		gp_json_kstr(&j, "schema", "gopsy.goroutines/1");
		gp_json_source(&j, ss);
		gp_json_kstr(&j, "exe", ss->exe_path);
		gp_json_kstr(&j, "go_version", ss->bin->bi.version);
		gp_json_kstr(&j, "traceback", o.level_name);
		gp_json_kstr(&j, "layouts", l->source_desc);
		gp_json_kbool(&j, "exe_verified", ss->t.buildid_checked);
		gp_json_kstr(&j, "allgs_found_by", rt->allgs.how);
		gp_json_kbool(&j, "labels_in_header", rt->tracebacklabels);
		gp_json_threads(&j, rt, ss->t.img);
		const struct gp_sched *sched;
		if ((err = gp_session_sched(ss, &sched)))
			goto out;
		gp_json_sched(&j, rt, sched);
		gp_json_now(&j, gp_session_now(ss));
		gp_json_key(&j, "goroutines");
		gp_json_arr_begin(&j);
	} else {
		gp_tout_init(tout, STDOUT_FILENO);
		gp_tb_text_sink(&sink, tout);
	}
	if (!o.json) {
		struct gp_crashtext *ct = GP_NEW(&ss->arena, struct gp_crashtext);
		if (!ct) {
			err = &gp_err_nomem;
			goto out;
		}
		ct->level = o.level;
		if ((err = gp_crashtext_print(ss, tout, ct)))
			goto out;
		if (o.thread_stacks)
			print_thread_stacks(ss, ct->effective_level, tout, ct->running, ct->nrunning);
		gp_tout_flush(tout);
		if (tout->error)
			err = gp_errorf(GP_ERR_IO, "writing the output: %s", strerror(tout->error));
		if (ct->unreadable && !err)
			err = gp_errorf(GP_ERR_TRUNCATED, "%llu of %llu goroutines could not be read from %s",
					(unsigned long long)ct->unreadable, (unsigned long long)rt->allgs.s.len, ss->t.img->where);
		goto out;
	}
	struct gp_tb_ctx c = {&ss->t, ss->bin, &rt->ids, &ss->cache, l, o.level, &sink};
	/* Like the runtime's crash output: first the goroutine of the thread that crashed, then every
	 * other one in allgs order. */
	const struct gp_death *d = gp_session_death(ss);
	uint64_t first = d->printer.curg;
	uint64_t unreadable = 0;
	struct gp_prefetch pf;
	gp_prefetch_init(&pf, rt);
	struct gp_err *e;
	for (uint64_t i = first ? 0 : 1; i <= rt->allgs.s.len; i++) {
		uint64_t ga = first;
		struct gp_g g;
		if (i)
			gp_prefetch_allg(&pf, i - 1);
		e = i ? gp_rt_allg(rt, i - 1, &ga) : NULL;
		if (!e && i && ga == first)
			continue;
		if (!e)
			e = gp_rt_read_g(rt, ga, &g);
		if (e) {
			fprintf(stderr, "gopsy: allgs[%llu]: %s\n", (unsigned long long)(i ? i - 1 : 0), gp_err_msg(e));
			gp_err_free(e);
			unreadable++;
			continue;
		}
		if (gp_g_is_dead(rt, &g) || (o.level < 2 && gp_g_is_system(rt, &g)))
			continue;
		gp_target_release_every(&ss->t, i); /* bounded RSS on cores with many goroutines */
		json_one(ss, rt, &c, &js, &g, gp_session_now(ss)->ns);
	}
	gp_json_arr_end(&j);
	gp_json_kint(&j, "unreadable_goroutines", (int64_t)unreadable);
	gp_json_obj_end(&j);
	fflush(stdout);
	if (unreadable && !err)
		err = gp_errorf(GP_ERR_TRUNCATED, "%llu of %llu goroutines could not be read from %s",
				(unsigned long long)unreadable, (unsigned long long)rt->allgs.s.len, ss->t.img->where);
out:
	return err;
}

int cmd_goroutines(int argc, char **argv)
{
	struct opts o;
	if (parse(argc, argv, &o) != 0)
		return cli_fail(gp_errorf(GP_ERR_USAGE, "%s", usage));
	static char buf[1 << 20];
	setvbuf(stdout, buf, _IOFBF, sizeof(buf));
	struct gp_err *err = cli_analyse(&o.t, goroutines, &o);
	return err ? cli_fail(err) : EXIT_OK;
}
