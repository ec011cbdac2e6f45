/* open.c — opening the session every analysis command works on, and running an analysis on it:
 * once, or in passes for a write-tracked live process (see cli.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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
	else if (!strcmp(a, "--track"))
		t->track = 1;
	else if (!strcmp(a, "--fork"))
		t->fork = 1;
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
	if (t->no_fork + t->track + t->fork > 1 || ((t->no_fork || t->track || t->fork) && !t->pid))
		return -1;
	return (t->core != NULL) != (t->pid != 0) ? 0 : -1;
}

struct gp_err *cli_open_session(const struct cli_target *t, struct gp_session **out)
{
	unsigned flags = (t->force ? GP_SESSION_FORCE : 0) | (t->no_fork ? GP_SESSION_NO_FORK : 0);
	if (t->pid)
		return gp_session_attach(t->pid, t->exe, flags, print_warning, NULL, out);
	return gp_session_open_core(t->core, t->exe, flags, print_warning, NULL, out);
}

/* --stats: what the live process paid, to stderr. */
static void print_stats(int pid, const struct gp_live_stats *st)
{
	fprintf(stderr, "gopsy: process %d: paused %.3f ms (", pid, st->pause_us / 1e3);
	if (st->tracked)
		fprintf(stderr,
			"write-tracked: a setup stop of %.3f ms, then %u freezes, the last %.3f ms: threads stopped and "
			"registers read in %.3f ms, %.1f KiB read again; %.1f MiB write-protected, %.1f GiB left untracked",
			st->setup_us / 1e3, st->freezes, st->freeze_us / 1e3, st->stop_us / 1e3, st->refreshed_bytes / 1024.0,
			st->protected_bytes / 1048576.0, st->untracked_bytes / 1073741824.0);
	else
		fprintf(stderr, "threads stopped and registers read in %.3f ms", st->stop_us / 1e3);
	if (st->forked)
		fprintf(stderr, ", snapshot forked in %.3f ms; then the main thread alone %.3f ms to reap it",
			st->fork_us / 1e3, st->reap_us / 1e3);
	else if (!st->tracked)
		fprintf(stderr, ", no snapshot: %s: held stopped during the analysis", st->no_fork_reason);
	fprintf(stderr, "), %u threads; read %.1f MiB in %llu reads, %.1f MiB of it kept\n", st->threads,
		st->read_bytes / 1048576.0, (unsigned long long)st->reads, st->kept_bytes / 1048576.0);
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
	if (live && t->stats)
		print_stats(pid, &st);
	return err;
}

/* ---- write-tracked passes ---- */

/* stdout and stderr of one pass: thrown away, or kept aside in memory files. */
struct capture {
	int out, err, saved_out, saved_err;
};

static int capture_begin(struct capture *c, int keep)
{
	fflush(stdout);
	fflush(stderr);
	c->out = keep ? memfd_create("gopsy-stdout", MFD_CLOEXEC) : open("/dev/null", O_WRONLY | O_CLOEXEC);
	c->err = keep ? memfd_create("gopsy-stderr", MFD_CLOEXEC) : open("/dev/null", O_WRONLY | O_CLOEXEC);
	c->saved_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	c->saved_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (c->out < 0 || c->err < 0 || c->saved_out < 0 || c->saved_err < 0 || dup2(c->out, STDOUT_FILENO) < 0 ||
	    dup2(c->err, STDERR_FILENO) < 0) {
		int e = errno;
		int fds[4] = {c->out, c->err, c->saved_out, c->saved_err};
		if (c->saved_out >= 0)
			dup2(c->saved_out, STDOUT_FILENO);
		if (c->saved_err >= 0)
			dup2(c->saved_err, STDERR_FILENO);
		for (int i = 0; i < 4; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		errno = e;
		return -1;
	}
	return 0;
}

static void capture_end(struct capture *c)
{
	fflush(stdout);
	fflush(stderr);
	dup2(c->saved_out, STDOUT_FILENO);
	dup2(c->saved_err, STDERR_FILENO);
	close(c->saved_out);
	close(c->saved_err);
}

/* Copy what fd holds to to; 0, or -1. */
static int copy_out(int fd, int to)
{
	char buf[1 << 16];
	if (lseek(fd, 0, SEEK_SET) != 0)
		return -1;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -1 : 0;
		for (ssize_t w = 0; w < r;) {
			ssize_t n = write(to, buf + w, (size_t)(r - w));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return -1;
			w += n;
		}
	}
}

static void capture_close(struct capture *c)
{
	close(c->out);
	close(c->err);
}

/* One pass over the live process: a session opened on it, the body, the session closed. */
static struct gp_err *pass(const struct cli_target *t, struct gp_live *live, cli_body_fn *body, void *ctx)
{
	struct gp_session *s = NULL;
	struct gp_err *err = gp_session_open_live(live, t->exe, t->force ? GP_SESSION_FORCE : 0, print_warning, NULL, &s);
	if (!err)
		err = body(s, ctx);
	gp_session_close(s);
	return err;
}

static struct gp_err *once(const struct cli_target *t, cli_body_fn *body, void *ctx)
{
	struct gp_session *s;
	struct gp_err *err = cli_open_session(t, &s);
	if (err)
		return err;
	return cli_close_session(t, s, body(s, ctx));
}

/* RssAnon of process pid in bytes, 0 when it cannot be read. */
static uint64_t rss_anon(int pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	uint64_t kib = 0;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "RssAnon:", 8))
			kib = strtoull(line + 8, NULL, 10);
	if (f)
		fclose(f);
	return kib << 10;
}

struct gp_err *cli_analyse(const struct cli_target *t, cli_body_fn *body, void *ctx)
{
	if (!t->track && (!t->pid || t->no_fork || t->fork || rss_anon(t->pid) < CLI_TRACK_AUTO_RSS))
		return once(t, body, ctx);
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_live *live;
	struct gp_err *err = gp_live_attach(t->pid, GP_LIVE_TRACK, &a, &live);
	if (err) {
		gp_arena_deinit(&a);
		if (gp_err_code(err) != GP_ERR_UNSUPPORTED && gp_err_code(err) != GP_ERR_DENIED)
			return err;
		fprintf(stderr, "gopsy: warning: no write tracking of process %d (%s): a copy-on-write snapshot instead\n",
			t->pid, gp_err_msg(err));
		gp_err_free(err);
		return once(t, body, ctx);
	}
	struct capture c;
	if (capture_begin(&c, 0) == 0) { /* the first pass: what the analysis reads */
		gp_err_free(pass(t, live, body, ctx));
		capture_end(&c);
		capture_close(&c);
	}
	struct gp_err *result = NULL;
	int done = 0;
	for (int round = 0; round < CLI_TRACK_ROUNDS && !done && !gp_live_stats(live)->over_budget; round++) {
		if ((result = gp_live_freeze(live)))
			break;
		if (capture_begin(&c, 1) != 0) {
			result = gp_errorf(GP_ERR_IO, "keeping a pass's output aside (memfd_create): %s", strerror(errno));
			break;
		}
		struct gp_err *e = pass(t, live, body, ctx);
		capture_end(&c);
		if (gp_live_torn(live) || gp_live_stats(live)->over_budget) { /* not the process as of one moment */
			gp_err_free(e);
		} else {
			done = 1;
			result = e;
			if ((copy_out(c.out, STDOUT_FILENO) != 0 || copy_out(c.err, STDERR_FILENO) != 0) && !result)
				result = gp_errorf(GP_ERR_IO, "writing the output: %s", strerror(errno));
		}
		capture_close(&c);
	}
	struct gp_err *e = gp_live_close(live);
	struct gp_live_stats st = *gp_live_stats(live);
	gp_arena_deinit(&a);
	if (!result)
		result = e;
	else
		gp_err_free(e);
	if (t->stats)
		print_stats(t->pid, &st);
	if (done || result)
		return result;
	if (st.over_budget)
		fprintf(stderr,
			"gopsy: warning: process %d: the analysis reads more than the write-tracked mode keeps (%llu MiB): "
			"a copy-on-write snapshot instead\n",
			t->pid, (unsigned long long)(GP_LIVE_TRACK_MAX_KEPT >> 20));
	else
		fprintf(stderr,
			"gopsy: warning: process %d kept changing what the analysis reads (%u freezes): a copy-on-write "
			"snapshot instead\n",
			t->pid, st.freezes);
	return once(t, body, ctx);
}
