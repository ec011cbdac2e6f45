/* cmd_parse.c — `gopsy parse [--json] [--emit] [--top N] [--ids N] [FILE|-]`: goroutine dumps in text
 * (panics, SIGQUIT / GOTRACEBACK dumps, runtime.Stack, pprof debug=1/2), anywhere in a log, to a
 * summary per dump (why, states, leak suspects, creation sites, stacks largest first), its JSON,
 * or the goroutines re-printed in the runtime's format (--emit). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/buckets.h"
#include "analyze/crash.h"
#include "analyze/summary.h"
#include "base/arena.h"
#include "cli/cli.h"
#include "dump/parser.h"
#include "render/json.h"
#include "render/mg_text.h"
#include "render/parse_report.h"
#include "render/textout.h"

enum mode { M_REPORT, M_JSON, M_EMIT };

struct pctx {
	enum mode mode;
	size_t top, ids;
	struct gp_tout *out;   /* --emit */
	struct gp_json j;      /* --json */
	struct gp_err *err;    /* first analysis error (out of memory) */
	/* the dump being read */
	struct gp_arena a;
	struct gp_buckets bs;
	struct gp_crash crash;
};

static void keep_err(struct pctx *c, struct gp_err *err)
{
	if (err && !c->err)
		c->err = err;
	else if (err)
		gp_err_free(err);
}

static void on_begin(void *ctx, const struct gp_dump_info *d)
{
	(void)d;
	struct pctx *c = ctx;
	if (c->mode == M_EMIT)
		return;
	gp_arena_init(&c->a);
	keep_err(c, gp_buckets_init(&c->bs, &c->a));
	gp_crash_init(&c->crash, &c->a);
}

static void on_line(void *ctx, enum gp_dline_kind kind, struct gp_sv text, uint64_t lineno)
{
	(void)lineno;
	struct pctx *c = ctx;
	if (c->mode == M_EMIT) {
		tout_mem(c->out, text.p, text.n);
		tout_char(c->out, '\n');
		return;
	}
	if (!c->err)
		keep_err(c, gp_crash_line(&c->crash, kind, text));
}

static void on_goroutine(void *ctx, const struct gp_mg *g)
{
	struct pctx *c = ctx;
	if (c->mode == M_EMIT) {
		gp_mg_text(c->out, g);
		return;
	}
	if (c->err)
		return;
	keep_err(c, gp_buckets_add(&c->bs, g));
	keep_err(c, gp_crash_goroutine(&c->crash, g));
}

static void on_end(void *ctx, const struct gp_dump_info *d)
{
	struct pctx *c = ctx;
	if (c->mode == M_EMIT)
		return;
	struct gp_summary sum;
	if (!c->err) {
		gp_buckets_sort(&c->bs);
		keep_err(c, gp_summarize(&c->bs, &c->a, &sum));
	}
	if (!c->err) {
		struct gp_dump_report r = {d, &c->crash, &c->bs, &sum, c->top, c->ids};
		if (c->mode == M_JSON) {
			gp_report_json(&c->j, &r);
		} else {
			if (d->index)
				fputc('\n', stdout);
			gp_report_text(stdout, &r);
		}
	}
	gp_arena_deinit(&c->a);
}

/* The input is read through a mapping when it is a regular file: if the file shrinks meanwhile
 * (a log rotated by truncation), the next read of a vanished page raises SIGBUS. Say so and stop. */
static void on_sigbus(int sig)
{
	static const char msg[] = "gopsy: the input file shrank while it was being read (truncated by log rotation?)\n";
	(void)sig;
	ssize_t w = write(2, msg, sizeof(msg) - 1);
	(void)w;
	_exit(EXIT_ANALYSIS);
}

static int usage(void)
{
	fprintf(stderr, "usage: gopsy parse [--json | --emit] [--top N] [--ids N] [FILE|-]\n"
			"  Finds goroutine dumps in FILE (default: standard input) and summarises each one.\n"
			"  --json     the summaries as JSON (docs/parse.md)\n"
			"  --emit     print the parsed dumps back in the Go runtime's format\n"
			"  --top N    stacks shown per dump (default 10; 0: all)\n"
			"  --ids N    goroutine ids listed per stack (default 8; 0: all)\n");
	return EXIT_USAGE;
}

static int number(const char *s, size_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || !*s || *end || s[0] == '-')
		return 0;
	*v = (size_t)x;
	return 1;
}

int cmd_parse(int argc, char **argv)
{
	struct pctx c;
	memset(&c, 0, sizeof(c));
	c.top = 10;
	c.ids = 8;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--json"))
			c.mode = M_JSON;
		else if (!strcmp(a, "--emit"))
			c.mode = M_EMIT;
		else if (!strcmp(a, "--top") && i + 1 < argc && number(argv[i + 1], &c.top))
			i++;
		else if (!strcmp(a, "--ids") && i + 1 < argc && number(argv[i + 1], &c.ids))
			i++;
		else if ((a[0] != '-' || !strcmp(a, "-")) && !path)
			path = a;
		else
			return usage();
	}
	int fd = 0;
	const char *name = "standard input";
	if (path && strcmp(path, "-")) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return cli_fail(gp_errorf(GP_ERR_IO, "cannot open %s: %s", path, strerror(errno)));
		name = path;
	}
	struct gp_arena io;
	gp_arena_init(&io);
	if (c.mode == M_EMIT) {
		c.out = GP_NEW(&io, struct gp_tout);
		if (!c.out)
			return cli_fail(&gp_err_nomem);
		gp_tout_init(c.out, 1);
	}
	if (c.mode == M_JSON) {
		gp_json_init(&c.j, stdout, 1);
		gp_json_obj_begin(&c.j);
		gp_json_kstr(&c.j, "schema", "gopsy.parse/1");
		gp_json_kstr(&c.j, "input", name);
		gp_json_key(&c.j, "dumps");
		gp_json_arr_begin(&c.j);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, NULL);
	struct gp_dump_sink sink = {&c, on_begin, on_line, on_goroutine, on_end};
	struct gp_dump_stats st;
	struct gp_err *err = gp_dump_parse_fd(fd, name, &sink, &st);
	if (fd > 0)
		close(fd);
	if (c.mode == M_EMIT)
		gp_tout_flush(c.out);
	if (c.mode == M_JSON) {
		gp_json_arr_end(&c.j);
		gp_json_key(&c.j, "stats");
		gp_json_obj_begin(&c.j);
		gp_json_kint(&c.j, "lines", (int64_t)st.lines);
		gp_json_kint(&c.j, "bytes", (int64_t)st.bytes);
		gp_json_kint(&c.j, "dumps", (int64_t)st.dumps);
		gp_json_kint(&c.j, "lines_outside_dumps", (int64_t)st.outside_lines);
		gp_json_kint(&c.j, "long_lines_cut", (int64_t)st.long_lines);
		gp_json_obj_end(&c.j);
		gp_json_obj_end(&c.j);
		fputc('\n', stdout);
	}
	int werr = c.out && c.out->error;
	gp_arena_deinit(&io);
	fflush(stdout);
	if (!err)
		err = c.err;
	else
		gp_err_free(c.err);
	if (err)
		return cli_fail(err);
	if (werr)
		return cli_fail(gp_errorf(GP_ERR_IO, "writing the output: %s", strerror(werr)));
	if (!st.dumps)
		return cli_fail(gp_errorf(GP_ERR_NOT_FOUND, "no goroutine dump found in %s (%llu lines read)", name,
					  (unsigned long long)st.lines));
	if (c.mode == M_REPORT && (st.outside_lines || st.long_lines))
		fprintf(stderr, "gopsy: %llu line%s outside any dump skipped%s\n", (unsigned long long)st.outside_lines,
			st.outside_lines == 1 ? "" : "s", st.long_lines ? ", some lines longer than 16 MiB cut" : "");
	return EXIT_OK;
}
