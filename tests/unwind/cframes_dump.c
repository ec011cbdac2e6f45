/* cframes_dump.c — test-only driver of session/cgocrash.h: the C frames of a core's cgo crash, where
 * they stop, and the Go frames of the goroutine that called C, as one JSON object on stdout (read by
 * tests/unwind/cframes_oracle.py). Also the time the C unwinding takes (libdwfl session, module
 * reporting, walk, symbolization; the session's own opening excluded), best of --repeat runs.
 *
 *   cframes_dump [--exe BIN] [--repeat N] CORE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render/json.h"
#include "session/cgocrash.h"
#include "unwind/cframes.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *stop_name(enum gp_cframes_stop s)
{
	switch (s) {
	case GP_CFRAMES_GO: return "go";
	case GP_CFRAMES_END: return "end";
	case GP_CFRAMES_MAX: return "max";
	case GP_CFRAMES_FAILED: return "failed";
	}
	return "?";
}

static const char *regs_name(enum gp_cgoregs r)
{
	switch (r) {
	case GP_CGOREGS_NONE: return "none";
	case GP_CGOREGS_SIGNAL: return "signal";
	case GP_CGOREGS_SIGPANIC: return "sigpanic";
	}
	return "?";
}

int main(int argc, char **argv)
{
	const char *exe = NULL, *core = NULL;
	int repeat = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--exe") && i + 1 < argc)
			exe = argv[++i];
		else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
			repeat = atoi(argv[++i]);
		else if (argv[i][0] != '-' && !core)
			core = argv[i];
		else {
			fprintf(stderr, "usage: cframes_dump [--exe BIN] [--repeat N] CORE\n");
			return 2;
		}
	}
	if (!core || repeat < 1) {
		fprintf(stderr, "usage: cframes_dump [--exe BIN] [--repeat N] CORE\n");
		return 2;
	}
	struct gp_session *s;
	struct gp_err *err = gp_session_open_core(core, exe, 0, NULL, NULL, &s);
	if (err) {
		fprintf(stderr, "cframes_dump: %s\n", gp_err_msg(err));
		gp_err_free(err);
		return 1;
	}
	(void)gp_session_death(s); /* computed once, outside the timing */
	struct gp_cgocrash cc;
	double best = 0;
	for (int r = 0; r < repeat; r++) {
		double t0 = now_ms();
		err = gp_cgocrash_read(s, 64, 64, &cc);
		double dt = now_ms() - t0;
		if (err) {
			fprintf(stderr, "cframes_dump: %s\n", gp_err_msg(err));
			gp_err_free(err);
			gp_session_close(s);
			return 1;
		}
		if (r == 0 || dt < best)
			best = dt;
	}
	struct gp_json j;
	gp_json_init(&j, stdout, 1);
	gp_json_obj_begin(&j);
	gp_json_kbool(&j, "found", cc.found);
	gp_json_kstr(&j, "problem", cc.problem);
	gp_json_kint(&j, "us", (int64_t)(best * 1000));
	if (cc.found) {
		gp_json_kint(&j, "tid", cc.thread->tid);
		gp_json_kbool(&j, "dumping_thread", cc.thread == &s->t.img->threads[0]);
		gp_json_kint(&j, "m", cc.m_id);
		gp_json_kstr(&j, "regs_from", regs_name(cc.regs_from));
		gp_json_kstr(&j, "regs_source", cc.regs_source);
		gp_json_khex(&j, "rip", cc.regs[GP_X86_RIP]);
		gp_json_khex(&j, "rsp", cc.regs[GP_X86_RSP]);
		gp_json_kint(&j, "signo", cc.signo);
		gp_json_kint(&j, "sigcode", cc.sigcode);
		gp_json_khex(&j, "sigaddr", cc.sigaddr);
		gp_json_key(&j, "cframes");
		gp_json_arr_begin(&j);
		for (size_t i = 0; i < cc.c.n; i++) {
			const struct gp_cframe *f = &cc.c.frames[i];
			gp_json_obj_begin(&j);
			gp_json_khex(&j, "pc", f->pc);
			gp_json_kbool(&j, "initial", f->initial);
			gp_json_kstr(&j, "module", f->module);
			gp_json_khex(&j, "module_off", f->module_off);
			gp_json_kstr(&j, "symbol", f->symbol);
			gp_json_khex(&j, "symoff", f->symoff);
			gp_json_kstr(&j, "file", f->file);
			gp_json_kint(&j, "line", f->line);
			gp_json_obj_end(&j);
		}
		gp_json_arr_end(&j);
		gp_json_kstr(&j, "stop", stop_name(cc.c.stop));
		gp_json_kstr(&j, "stop_msg", cc.c.stop_msg);
		gp_json_khex(&j, "stop_pc", cc.c.stop_pc);
		gp_json_khex(&j, "stop_off", cc.c.stop_pc ? cc.c.stop_pc - s->t.bias : 0);
		gp_json_kstr(&j, "stop_func", cc.c.stop_func);
		gp_json_key(&j, "problems");
		gp_json_arr_begin(&j);
		for (size_t i = 0; i < cc.c.nproblems; i++)
			gp_json_str(&j, cc.c.problems[i]);
		gp_json_arr_end(&j);
		gp_json_khex(&j, "g", cc.g);
		gp_json_kint(&j, "goid", (int64_t)cc.goid);
		gp_json_kstr(&j, "go_problem", cc.go_problem);
		if (cc.has_go_start) {
			gp_json_khex(&j, "go_start_pc", cc.go_start.pc);
			gp_json_khex(&j, "go_start_sp", cc.go_start.sp);
		}
		gp_json_key(&j, "goframes");
		gp_json_arr_begin(&j);
		for (size_t i = 0; i < cc.ngo; i++) {
			const struct gp_cgo_goframe *f = &cc.go[i];
			gp_json_obj_begin(&j);
			gp_json_khex(&j, "pc", f->pc);
			gp_json_khex(&j, "sp", f->sp);
			gp_json_kstr(&j, "func", f->func);
			gp_json_kstr(&j, "file", f->file);
			gp_json_kint(&j, "line", f->line);
			gp_json_obj_end(&j);
		}
		gp_json_arr_end(&j);
	}
	gp_json_obj_end(&j);
	fputc('\n', stdout);
	gp_session_close(s);
	return 0;
}
