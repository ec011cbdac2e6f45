/* cmd_run.c — `gopsy run [--dir DIR] -- CMD [ARGS...]`: run CMD (with GOTRACEBACK=crash unless the
 * user set GOTRACEBACK), its stdin and stdout its own and its stderr passed through while a copy
 * is kept; when it dies of a signal whose default is a core dump, gopsy writes the core itself
 * (target/watch.h: whatever ulimit -c, core_pattern or coredump_filter say), the report of it and
 * the copy of stderr into DIR (core.PID, report.PID.txt, stderr.PID.txt). The exit status is the
 * command's: its exit code, or 128 + the signal it died of. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analyze/report.h"
#include "cli/cli.h"
#include "render/report.h"
#include "session/session.h"
#include "target/corewrite.h"
#include "target/watch.h"

static const char usage[] = "usage: gopsy run [--dir DIR] -- CMD [ARGS...]";

enum { KEEP_STDERR = 64 << 20 }; /* the last 64 MiB of the command's stderr */

extern char **environ;

/* The copy of the command's stderr: a ring of its last KEEP_STDERR bytes. */
struct tee {
	int in, out;
	char *ring;
	size_t head, len;
	int done;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void *tee_main(void *arg)
{
	struct tee *t = arg;
	char buf[65536];
	for (;;) {
		ssize_t n = read(t->in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(t->out, buf + off, (size_t)(n - off));
			if (w <= 0)
				break; /* our stderr is gone: keep the copy anyway */
			off += w;
		}
		pthread_mutex_lock(&t->mu);
		for (size_t done = 0; done < (size_t)n;) { /* append, dropping the oldest bytes when full */
			size_t tail = (t->head + t->len) % KEEP_STDERR, room = KEEP_STDERR - tail;
			size_t m = (size_t)n - done < room ? (size_t)n - done : room;
			memcpy(t->ring + tail, buf + done, m);
			done += m;
			t->len += m;
			if (t->len > KEEP_STDERR) {
				t->head = (t->head + t->len - KEEP_STDERR) % KEEP_STDERR;
				t->len = KEEP_STDERR;
			}
		}
		pthread_mutex_unlock(&t->mu);
	}
	pthread_mutex_lock(&t->mu);
	t->done = 1;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

struct run {
	const char *dir;
	char core[4096], report[4096], errcopy[4096], exe[4096];
	struct gp_corewrite_stats st;
	struct gp_err *err;
	int real_stderr;
};

static volatile sig_atomic_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

static void started(void *ctx, int pid)
{
	struct run *r = ctx;
	child_pid = pid;
	dup2(r->real_stderr, STDERR_FILENO); /* the command alone writes into the pipe now */
}

static void on_death(void *ctx, struct gp_live *l, int signo)
{
	(void)signo;
	struct run *r = ctx;
	const struct gp_image *im = gp_live_image(l);
	snprintf(r->core, sizeof(r->core), "%s/core.%d", r->dir, im->pid);
	const char *exe = gp_image_exe_path(im);
	snprintf(r->exe, sizeof(r->exe), "%s", exe ? exe : "");
	r->err = gp_core_write(r->core, im, gp_live_mem(), l, NULL, 0, &r->st);
}

static int write_all(const char *path, const char *a, size_t na, const char *b, size_t nb)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int ok = fwrite(a, 1, na, f) == na && fwrite(b, 1, nb, f) == nb;
	return fclose(f) == 0 && ok ? 0 : -1;
}

int cmd_run(int argc, char **argv)
{
	struct run r = {.dir = "."};
	int i = 1;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			r.dir = argv[++i];
		else if (!strncmp(argv[i], "--dir=", 6))
			r.dir = argv[i] + 6;
		else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else
			break;
	}
	if (i >= argc || (argv[i][0] == '-' && strcmp(argv[i - 1], "--")))
		return cli_fail(gp_errorf(GP_ERR_USAGE, "%s", usage));
	if (mkdir(r.dir, 0755) != 0 && errno != EEXIST)
		return cli_fail(gp_errorf(GP_ERR_IO, "%s: %s", r.dir, strerror(errno)));
	/* The environment, with GOTRACEBACK=crash unless set. */
	size_t ne = 0;
	while (environ[ne])
		ne++;
	char **env = calloc(ne + 2, sizeof(*env));
	if (!env)
		return cli_fail(&gp_err_nomem);
	memcpy(env, environ, ne * sizeof(*env));
	if (!getenv("GOTRACEBACK"))
		env[ne++] = "GOTRACEBACK=crash";
	/* stderr through a pipe and the copy thread */
	struct tee t = {.out = dup(STDERR_FILENO), .ring = malloc(KEEP_STDERR)};
	int p[2];
	if (t.out < 0 || !t.ring || pipe(p) != 0) {
		free(env);
		free(t.ring);
		return cli_fail(gp_errorf(GP_ERR_IO, "setting up the stderr copy: %s", strerror(errno)));
	}
	pthread_mutex_init(&t.mu, NULL);
	pthread_cond_init(&t.cv, NULL);
	t.in = p[0];
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(t.out, F_SETFD, FD_CLOEXEC);
	r.real_stderr = t.out;
	dup2(p[1], STDERR_FILENO);
	close(p[1]);
	pthread_t tid;
	pthread_create(&tid, NULL, tee_main, &t);
	signal(SIGINT, SIG_IGN); /* the terminal's signals reach the command: it decides */
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTERM, forward);
	signal(SIGHUP, forward);
	struct gp_watch w;
	struct gp_err *err = gp_watch_run(argv + i, env, started, on_death, &r, &w);
	dup2(r.real_stderr, STDERR_FILENO);
	/* The copy: until the pipe's end (the command's children may hold it: 2 s at most). */
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	pthread_mutex_lock(&t.mu);
	while (!t.done && pthread_cond_timedwait(&t.cv, &t.mu, &until) == 0)
		;
	int joined = t.done;
	if (w.died_of) {
		snprintf(r.errcopy, sizeof(r.errcopy), "%s/stderr.%d.txt", r.dir, w.pid);
		size_t first = t.len < KEEP_STDERR - t.head ? t.len : KEEP_STDERR - t.head;
		if (write_all(r.errcopy, t.ring + t.head, first, t.ring, t.len - first) != 0)
			fprintf(stderr, "gopsy: %s: %s\n", r.errcopy, strerror(errno));
	}
	pthread_mutex_unlock(&t.mu);
	if (joined)
		pthread_join(tid, NULL);
	else
		pthread_detach(tid);
	if (!err && r.err)
		err = gp_err_wrap(r.err, "writing the core of process %d", w.pid);
	else
		gp_err_free(r.err);
	if (w.died_of && !r.err) {
		snprintf(r.report, sizeof(r.report), "%s/report.%d.txt", r.dir, w.pid);
		struct gp_session *s;
		const char *summary = NULL;
		struct gp_err *e = gp_session_open_core(r.core, r.exe[0] ? r.exe : NULL, 0, NULL, NULL, &s);
		if (!e) {
			struct gp_report *rep = GP_NEW(&s->arena, struct gp_report);
			e = rep ? gp_report_build(s, &s->arena, rep) : &gp_err_nomem;
			FILE *f = e ? NULL : fopen(r.report, "w");
			if (f) {
				gp_report_print_text(f, rep, 0);
				fclose(f);
				summary = gp_arena_strdup(&s->arena, rep->cause.summary ? rep->cause.summary : "");
				fprintf(stderr, "gopsy: %s died of SIG%s: %s\n", argv[i], sigabbrev_np(w.died_of), summary);
			}
			gp_session_close(s);
		}
		if (e) {
			fprintf(stderr, "gopsy: no report of %s: %s\n", r.core, gp_err_msg(e));
			gp_err_free(e);
			r.report[0] = 0;
		}
		fprintf(stderr, "gopsy: written: %s (%.1f MiB on disk)%s%s, %s\n", r.core, r.st.on_disk / 1048576.0,
			r.report[0] ? ", " : "", r.report, r.errcopy);
	}
	free(env);
	if (joined)
		free(t.ring);
	if (err)
		return cli_fail(err);
	if (WIFEXITED(w.status))
		return WEXITSTATUS(w.status);
	return WIFSIGNALED(w.status) ? 128 + WTERMSIG(w.status) : EXIT_ANALYSIS;
}
