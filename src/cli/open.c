/* open.c — opening the session every analysis command works on (see cli.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "session/session.h"

static void print_warning(void *ctx, const char *warning)
{
	(void)ctx;
	fprintf(stderr, "gopsy: warning: %s\n", warning);
}

int cli_target_arg(struct cli_target *t, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v = NULL;
	if ((!strcmp(a, "--exe") || !strcmp(a, "--pid")) && *i + 1 < argc)
		v = argv[++*i];
	else if (!strncmp(a, "--exe=", 6) || !strncmp(a, "--pid=", 6))
		v = a + 6;
	if (v && a[2] == 'e') {
		t->exe = v;
		return 1;
	}
	if (v) {
		char *end;
		long pid = strtol(v, &end, 10);
		if (*end || pid <= 0 || pid > INT_MAX || t->pid)
			return -1;
		t->pid = (int)pid;
		return 1;
	}
	if (!strcmp(a, "--force"))
		t->force = 1;
	else if (!strcmp(a, "--no-fork"))
		t->no_fork = 1;
	else if (!strcmp(a, "--stats"))
		t->stats = 1;
	else if (a[0] == '-')
		return 0;
	else if (t->core)
		return -1;
	else
		t->core = a;
	return 1;
}

int cli_target_ok(const struct cli_target *t)
{
	return (t->core != NULL) != (t->pid != 0) ? 0 : -1;
}

struct gp_err *cli_open_session(const struct cli_target *t, struct gp_session **out)
{
	unsigned flags = (t->force ? GP_SESSION_FORCE : 0) | (t->no_fork ? GP_SESSION_NO_FORK : 0);
	if (t->pid)
		return gp_session_attach(t->pid, t->exe, flags, print_warning, NULL, out);
	return gp_session_open_core(t->core, t->exe, flags, print_warning, NULL, out);
}

struct gp_err *cli_close_session(const struct cli_target *t, struct gp_session *s, struct gp_err *err)
{
	if (!s)
		return err;
	struct gp_live_stats st = {0};
	int live = s->live != NULL;
	if (live) {
		struct gp_err *e = gp_live_close(s->live);
		if (!err)
			err = e;
		else
			gp_err_free(e);
		st = *gp_live_stats(s->live);
	}
	int pid = s->t.img ? s->t.img->pid : 0;
	gp_session_close(s);
	if (live && t->stats) {
		fprintf(stderr, "gopsy: process %d: paused %.3f ms (threads stopped and registers read in %.3f ms", pid,
			st.pause_us / 1e3, st.stop_us / 1e3);
		if (st.forked)
			fprintf(stderr, ", snapshot forked in %.3f ms; then the main thread alone %.3f ms to reap it",
				st.fork_us / 1e3, st.reap_us / 1e3);
		else
			fprintf(stderr, ", no snapshot: %s: held stopped during the analysis", st.no_fork_reason);
		fprintf(stderr, "), %u threads; read %.1f MiB in %llu reads, %.1f MiB of it kept\n", st.threads,
			st.read_bytes / 1048576.0, (unsigned long long)st.reads, st.kept_bytes / 1048576.0);
	}
	return err;
}
