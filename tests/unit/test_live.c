/* test_live.c — the live backend (target/live.h, ptrace.h) and the core writer (corewrite.h) on a
 * child process of the test: a forked copy of this program with three threads, one of which
 * counts in a global without pause. The snapshot must hold the counter still while the child goes
 * on; the child must be left running, untraced and without a child of its own; the core written
 * from the snapshot must read back with the same threads and memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/arena.h"
#include "target/core.h"
#include "target/corewrite.h"
#include "target/live.h"
#include "target/ptrace.h"
#include "target/wtrack.h"

static volatile uint64_t counter;
static volatile uint64_t counter2[65536 / 8] __attribute__((aligned(65536))); /* a whole block of its own */
static char quiet[2 * 4096] __attribute__((aligned(4096))); /* written before the fork only */
static volatile uint64_t marker = 0x6b72616d79737067ull;

static void *spin(void *arg)
{
	(void)arg;
	for (;;) {
		counter++;
		counter2[0]++;
	}
	return NULL;
}

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static pid_t start_child(void)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	quiet[0] = 1;
	pid_t parent = getpid();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* A failed assertion skips stop_child: the child must not outlive the test (spinning, holding
		 * the test's output pipe open, ctest would wait for it forever). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		pthread_t a, b;
		pthread_create(&a, NULL, spin, NULL);
		pthread_create(&b, NULL, idle, NULL);
		while (counter < 1000)
			;
		ssize_t w = write(p[1], "x", 1);
		(void)w;
		for (;;)
			pause();
	}
	char c;
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void stop_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Field "key:" of /proc/pid/status (the first word), or "" */
static void status_field(pid_t pid, const char *key, char *out, size_t n)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	out[0] = 0;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			sscanf(line + strlen(key), " %31s", out);
	if (f)
		fclose(f);
	(void)n;
}

static uint64_t read_now(pid_t pid, uint64_t addr)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	int fd = open(path, O_RDONLY);
	uint64_t v = 0;
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &v, 8, (off_t)addr), 8);
	close(fd);
	return v;
}

static void left_alone(pid_t pid)
{
	char v[32];
	status_field(pid, "TracerPid:", v, sizeof(v));
	assert_string_equal(v, "0");
	char path[64], kids[256] = "";
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(kids, 1, sizeof(kids) - 1, f);
	fclose(f);
	kids[n] = 0;
	assert_string_equal(kids, "");
	uint64_t a = read_now(pid, (uint64_t)(uintptr_t)&counter);
	struct timespec ts = {0, 20 * 1000 * 1000};
	nanosleep(&ts, NULL);
	assert_true(read_now(pid, (uint64_t)(uintptr_t)&counter) > a); /* running */
}

static void snapshot_holds_still(void **state)
{
	(void)state;
	pid_t pid = start_child();
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_live *l;
	assert_null(gp_live_attach(pid, 0, &a, &l));
	const struct gp_image *im = gp_live_image(l);
	assert_int_equal(im->pid, pid);
	assert_int_equal(im->nthreads, 3);
	assert_int_equal(im->threads[0].tid, pid); /* the main thread first */
	assert_true(im->running);
	assert_true(gp_live_stats(l)->forked);
	const struct gp_target_mem *mem = gp_live_mem();
	uint64_t m = 0, c1 = 0, c2 = 0;
	assert_null(mem->read(l, (uint64_t)(uintptr_t)&marker, &m, 8));
	assert_true(m == marker);
	assert_null(mem->read(l, (uint64_t)(uintptr_t)&counter, &c1, 8));
	struct timespec ts = {0, 30 * 1000 * 1000};
	nanosleep(&ts, NULL);
	char v[32];
	status_field(pid, "State:", v, sizeof(v));
	assert_string_not_equal(v, "t"); /* it runs while we read the snapshot */
	uint64_t now = read_now(pid, (uint64_t)(uintptr_t)&counter);
	assert_true(now > c1);
	struct gp_err *err = mem->read(l, (uint64_t)(uintptr_t)&counter + 0x100000000000ull, &c2, 8);
	assert_non_null(err); /* unmapped: a precise error */
	assert_int_equal(gp_err_code(err), GP_ERR_NOT_FOUND);
	gp_err_free(err);
	/* a core of the snapshot reads back the same */
	char path[] = "/tmp/gopsy-test-live-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct gp_corewrite_stats st;
	assert_null(gp_core_write(path, im, mem, l, NULL, 0, &st));
	assert_true(st.loads > 0);
	assert_null(gp_live_close(l));
	left_alone(pid);
	struct gp_core *core;
	assert_null(gp_core_open(path, &a, &core));
	assert_int_equal(core->img.nthreads, 3);
	assert_int_equal(core->img.threads[0].tid, pid);
	assert_int_equal(core->img.pid, pid);
	assert_null(gp_core_read(core, (uint64_t)(uintptr_t)&counter, &c2, 8));
	assert_true(c2 == c1); /* the snapshot's value, not the running one */
	assert_null(gp_core_read(core, (uint64_t)(uintptr_t)&marker, &m, 8));
	assert_true(m == marker);
	assert_non_null(gp_image_exe_path(&core->img));
	gp_core_close(core);
	unlink(path);
	gp_arena_deinit(&a);
	stop_child(pid);
}

static void no_fork_holds_the_process(void **state)
{
	(void)state;
	pid_t pid = start_child();
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_live *l;
	assert_null(gp_live_attach(pid, GP_LIVE_NO_FORK, &a, &l));
	assert_false(gp_live_stats(l)->forked);
	char v[32];
	status_field(pid, "State:", v, sizeof(v));
	assert_string_equal(v, "t"); /* held in a tracing stop */
	uint64_t c1 = 0;
	assert_null(gp_live_mem()->read(l, (uint64_t)(uintptr_t)&counter, &c1, 8));
	assert_true(read_now(pid, (uint64_t)(uintptr_t)&counter) == c1);
	assert_null(gp_live_close(l));
	assert_true(gp_live_stats(l)->pause_us > 0);
	left_alone(pid);
	gp_arena_deinit(&a);
	stop_child(pid);
}

static void refusals(void **state)
{
	(void)state;
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_live *l;
	struct gp_err *err = gp_live_attach(getpid(), 0, &a, &l);
	assert_int_equal(gp_err_code(err), GP_ERR_USAGE);
	gp_err_free(err);
	pid_t z = fork();
	if (z == 0)
		_exit(0);
	struct timespec ts = {0, 50 * 1000 * 1000};
	nanosleep(&ts, NULL); /* a zombie until reaped */
	err = gp_live_attach(z, 0, &a, &l);
	assert_int_equal(gp_err_code(err), GP_ERR_GONE);
	gp_err_free(err);
	waitpid(z, NULL, 0);
	err = gp_live_attach(z, 0, &a, &l); /* gone */
	assert_int_equal(gp_err_code(err), GP_ERR_NOT_FOUND);
	gp_err_free(err);
	gp_arena_deinit(&a);
}

static int count_fds(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	DIR *d = opendir(path);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static int uffd_registered(pid_t pid)
{
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "grep -qE '^VmFlags:.* (uw|um|ui)( |$)' /proc/%d/smaps", pid);
	return system(cmd) == 0;
}

struct hits {
	uint64_t lo, hi;
	int n;
};

static int hit(void *ctx, uint64_t lo, uint64_t hi)
{
	struct hits *h = ctx;
	h->n += lo < h->hi && hi > h->lo;
	return 0;
}

static int page_changed(const struct gp_wtrack *w, const volatile void *at)
{
	uint64_t pg = (uintptr_t)at & ~(uint64_t)4095;
	struct hits h = {pg, pg + 4096, 0};
	assert_int_equal(gp_wtrack_changed(w, pg, pg + 4096, hit, &h), 0);
	return h.n;
}

/* Write tracking of another process (target/wtrack.h) with a userfaultfd taken from it: the page
 * its spinning thread writes is seen written, a page it never writes is not; the process is left
 * running, untraced, with the descriptors it had and no registration. */
static void tracks_a_process(void **state)
{
	(void)state;
	pid_t pid = start_child();
	int fds = count_fds(pid);
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_ptrace p;
	assert_null(gp_ptrace_stop(&p, pid, 0, 3000, &a));
	int uffd = -1;
	struct gp_err *err = gp_ptrace_take_uffd(&p, 0, &uffd);
	gp_ptrace_release(&p);
	if (err)
		fail_msg("%s", gp_err_msg(err));
	assert_int_equal(count_fds(pid), fds);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	int pm = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(pm >= 0);
	struct gp_wtrack w;
	assert_null(gp_wtrack_init(&w, uffd, pm, &a));
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	FILE *f = fopen(path, "r");
	char line[512];
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;
		char perms[8];
		if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) == 3 && perms[1] == 'w' && perms[3] == 'p')
			assert_null(gp_wtrack_arm(&w, lo, hi));
	}
	if (f)
		fclose(f);
	assert_true(uffd_registered(pid));
	struct timespec ts = {0, 20 * 1000 * 1000};
	nanosleep(&ts, NULL);
	assert_true(page_changed(&w, &counter));
	assert_false(page_changed(&w, quiet));
	assert_null(gp_wtrack_rearm(&w));
	nanosleep(&ts, NULL);
	assert_true(page_changed(&w, &counter));
	assert_false(page_changed(&w, quiet));
	gp_wtrack_fini(&w);
	assert_false(uffd_registered(pid));
	left_alone(pid);
	assert_int_equal(count_fds(pid), fds);
	stop_child(pid);
	gp_arena_deinit(&a);
}

static uint64_t live_u64(struct gp_live *l, const volatile void *at)
{
	uint64_t v = 0;
	struct gp_err *err = gp_live_mem()->read(l, (uintptr_t)at, &v, sizeof(v));
	if (err)
		fail_msg("%s", gp_err_msg(err));
	return v;
}

/* The write-tracked mode (target/live.h): after a freeze the kept blocks hold the process as of the
 * freeze while it runs on; a block first read after the freeze, written since, counts as torn; the
 * next freeze brings the kept blocks up to date; the process is left as it was. */
static void tracked_freezes(void **state)
{
	(void)state;
	pid_t pid = start_child();
	int fds = count_fds(pid);
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_live *l;
	assert_null(gp_live_attach(pid, GP_LIVE_TRACK, &a, &l));
	assert_true(gp_live_stats(l)->tracked);
	assert_true(gp_live_stats(l)->protected_bytes > 0);
	assert_true(uffd_registered(pid));
	assert_int_equal(count_fds(pid), fds);
	struct timespec ts = {0, 20 * 1000 * 1000};
	uint64_t v0 = live_u64(l, &counter); /* the first pass: the running process */
	while (read_now(pid, (uint64_t)(uintptr_t)&counter) < v0 + 2) /* it ran on since */
		nanosleep(&ts, NULL);
	assert_null(gp_live_freeze(l));
	assert_int_equal(gp_live_image(l)->nthreads, 3);
	uint64_t v1 = live_u64(l, &counter);
	assert_true(v1 > v0); /* refreshed inside the freeze */
	nanosleep(&ts, NULL);
	assert_int_equal(live_u64(l, &counter), v1); /* held as of the freeze */
	assert_int_equal(gp_live_torn(l), 0);
	while (read_now(pid, (uint64_t)(uintptr_t)&counter) < v1 + 2) /* the spinning thread ran again */
		nanosleep(&ts, NULL);
	(void)live_u64(l, &counter2[0]); /* not kept before the freeze, and written since */
	assert_true(gp_live_torn(l) > 0);
	while (read_now(pid, (uint64_t)(uintptr_t)&counter) < v1 + 2)
		nanosleep(&ts, NULL);
	assert_null(gp_live_freeze(l));
	assert_int_equal(gp_live_torn(l), 0);
	uint64_t v2 = live_u64(l, &counter), w2 = live_u64(l, &counter2[0]);
	assert_true(v2 > v1);
	nanosleep(&ts, NULL);
	assert_int_equal(live_u64(l, &counter2[0]), w2); /* kept now: held as of the second freeze */
	assert_int_equal(gp_live_stats(l)->freezes, 2);
	assert_null(gp_live_close(l));
	assert_false(uffd_registered(pid));
	left_alone(pid);
	assert_int_equal(count_fds(pid), fds);
	stop_child(pid);
	gp_arena_deinit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(snapshot_holds_still),
		cmocka_unit_test(no_fork_holds_the_process),
		cmocka_unit_test(refusals),
		cmocka_unit_test(tracks_a_process),
		cmocka_unit_test(tracked_freezes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
