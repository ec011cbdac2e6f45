/* cmd_gcore.c — `gopsy gcore [-o FILE] [--go-only] [--no-fork] [--stats] [--exe BIN] PID`: an ELF
 * core of a running process (target/corewrite.h) from its snapshot (target/live.h), which gdb,
 * delve and gopsy load; the process runs on while the core is written.
 *
 * --go-only writes only what a Go analysis needs: what gopsy's own analyses (the goroutine dump
 * and the report) read from the snapshot, the executable's writable mappings (the runtime's
 * globals) and the top of every thread's stack. */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze/report.h"
#include "cli/cli.h"
#include "render/crashtext.h"
#include "render/report.h"
#include "render/textout.h"
#include "session/session.h"
#include "target/corewrite.h"
#include "target/live.h"

static const char usage[] = "usage: gopsy gcore [-o FILE] [--go-only] [--no-fork] [--stats] [--exe BIN] PID";

enum { THREAD_STACK_ABOVE = 256 * 1024, RED_ZONE = 4096 };

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run the analyses on the snapshot, output thrown away: what they read is what a Go analysis
 * needs. */
static struct gp_err *analyse(struct gp_session *s)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0)
		return gp_errorf(GP_ERR_IO, "/dev/null: cannot open");
	struct gp_tout *o = GP_NEW(&s->arena, struct gp_tout);
	struct gp_crashtext *ct = GP_NEW(&s->arena, struct gp_crashtext);
	struct gp_report *r = GP_NEW(&s->arena, struct gp_report);
	struct gp_err *err = !o || !ct || !r ? &gp_err_nomem : NULL;
	if (!err) {
		gp_tout_init(o, null);
		ct->level = 2;
		err = gp_crashtext_print(s, o, ct);
		gp_tout_flush(o);
	}
	if (!err)
		err = gp_report_build(s, &s->arena, r);
	FILE *f = err ? NULL : fdopen(dup(null), "w");
	if (f) {
		gp_report_print_text(f, r, 0);
		fclose(f);
	}
	close(null);
	return err;
}

static int add(struct gp_range *r, size_t *n, size_t cap, uint64_t lo, uint64_t hi)
{
	if (*n == cap || hi <= lo)
		return *n < cap;
	r[(*n)++] = (struct gp_range){lo, hi};
	return 1;
}

/* What --go-only dumps: the ranges the analyses read, the executable's writable segments, the top
 * of each thread's stack. */
static struct gp_err *go_ranges(struct gp_session *s, struct gp_range **out, size_t *n)
{
	struct gp_range *read;
	size_t nread;
	struct gp_err *err = gp_live_read_ranges(s->live, &s->arena, &read, &nread);
	if (err)
		return err;
	const struct gp_image *im = s->t.img;
	const struct gp_exe *exe = s->bin->exe;
	size_t cap = nread + exe->nsegs + 2 * im->nsegs + im->nthreads + 1;
	struct gp_range *r = GP_NEWN(&s->arena, struct gp_range, cap);
	if (!r)
		return &gp_err_nomem;
	size_t k = 0;
	for (size_t i = 0; i < nread; i++)
		add(r, &k, cap, read[i].lo, read[i].hi);
	for (size_t i = 0; i < exe->nsegs; i++)
		if (exe->segs[i].flags & PF_W)
			add(r, &k, cap, exe->segs[i].vaddr + s->t.bias, exe->segs[i].vaddr + exe->segs[i].memsz + s->t.bias);
	/* The data and bss of every mapped file (the dynamic loader's list of shared objects, which
	 * gdb reads, lives there). */
	for (size_t i = 0; i < im->nsegs; i++) {
		const struct gp_segment *g = &im->segs[i];
		if (!(g->flags & PF_W) || !g->avail || !gp_image_file_at(im, g->vaddr))
			continue;
		add(r, &k, cap, g->vaddr, g->vaddr + g->avail);
		if (i + 1 < im->nsegs && im->segs[i + 1].vaddr == g->vaddr + g->memsz && (im->segs[i + 1].flags & PF_W) &&
		    !gp_image_file_at(im, im->segs[i + 1].vaddr))
			add(r, &k, cap, im->segs[i + 1].vaddr, im->segs[i + 1].vaddr + im->segs[i + 1].avail);
	}
	for (size_t i = 0; i < im->nthreads; i++) {
		uint64_t sp = im->threads[i].regs[GP_X86_RSP];
		const struct gp_segment *seg = gp_image_segment_at(im, sp);
		if (!seg)
			continue;
		uint64_t lo = sp - RED_ZONE < seg->vaddr ? seg->vaddr : (sp - RED_ZONE) & ~(uint64_t)4095;
		uint64_t end = seg->vaddr + seg->memsz;
		uint64_t hi = end - sp > THREAD_STACK_ABOVE ? (sp + THREAD_STACK_ABOVE + 4095) & ~(uint64_t)4095 : end;
		add(r, &k, cap, lo, hi);
	}
	/* Sorted and merged, then split at the mappings' ends (one piece per mapping). */
	k = gp_ranges_normalize(r, k);
	size_t ocap = k + im->nsegs, m = 0;
	struct gp_range *o = GP_NEWN(&s->arena, struct gp_range, ocap ? ocap : 1);
	if (!o)
		return &gp_err_nomem;
	for (size_t i = 0; i < k; i++) {
		for (uint64_t lo = r[i].lo; lo < r[i].hi;) {
			const struct gp_segment *seg = gp_image_segment_at(im, lo);
			if (!seg) {
				lo = (lo | 4095) + 1;
				continue;
			}
			uint64_t end = seg->vaddr + seg->memsz, hi = r[i].hi < end ? r[i].hi : end;
			if (m < ocap)
				o[m++] = (struct gp_range){lo, hi};
			lo = hi;
		}
	}
	r = o;
	*out = r;
	*n = m;
	return NULL;
}

int cmd_gcore(int argc, char **argv)
{
	struct cli_target t = {0};
	const char *outp = NULL;
	int go_only = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-o") && i + 1 < argc) {
			outp = argv[++i];
		} else if (!strcmp(a, "--go-only")) {
			go_only = 1;
		} else if (a[0] != '-' && !t.pid && !t.core) {
			char *end;
			long pid = strtol(a, &end, 10);
			if (*end || pid <= 0 || pid > 0x7fffffff)
				return cli_fail(gp_errorf(GP_ERR_USAGE, "%s", usage));
			t.pid = (int)pid;
		} else if (cli_target_arg(&t, argc, argv, &i) != 1 || t.core) {
			return cli_fail(gp_errorf(GP_ERR_USAGE, "%s", usage));
		}
	}
	if (!t.pid || t.track) /* a core is one moment: the snapshot's, not a tracked process's */
		return cli_fail(gp_errorf(GP_ERR_USAGE, "%s", usage));
	char defpath[64];
	if (!outp) {
		snprintf(defpath, sizeof(defpath), "core.%d", t.pid);
		outp = defpath;
	}
	double t0 = now_s();
	struct gp_session *s = NULL;
	struct gp_arena arena;
	gp_arena_init(&arena);
	struct gp_live *live = NULL;
	struct gp_err *err;
	const struct gp_image *im;
	struct gp_range *ranges = NULL;
	size_t nranges = 0;
	if (go_only) { /* the Go analyses first, on the session's own snapshot */
		if ((err = cli_open_session(&t, &s)))
			goto out;
		live = s->live;
		if (!(err = analyse(s)))
			err = go_ranges(s, &ranges, &nranges);
		if (err)
			goto out;
	} else if ((err = gp_live_attach(t.pid, t.no_fork ? GP_LIVE_NO_FORK : 0, &arena, &live))) {
		goto out;
	}
	im = gp_live_image(live);
	struct gp_corewrite_stats st;
	if ((err = gp_core_write(outp, im, gp_live_mem(), live, go_only ? ranges : NULL, nranges, &st)))
		goto out;
	fprintf(stderr, "gopsy: wrote %s: %.1f MiB (%.1f MiB on disk), %u memory segments%s, in %.2f s\n", outp,
		st.bytes / 1048576.0, st.on_disk / 1048576.0, st.loads, go_only ? " (what a Go analysis needs)" : "",
		now_s() - t0);
	if (st.left_out)
		fprintf(stderr, "gopsy: warning: %.1f GiB of huge mappings left out of %s: their populated pages could not be told\n",
			st.left_out / 1073741824.0, outp);
	if (st.unreadable)
		fprintf(stderr, "gopsy: warning: %llu bytes of the process's memory could not be read: they are zeros in %s\n",
			(unsigned long long)st.unreadable, outp);
out:
	if (s) {
		err = cli_close_session(&t, s, err);
	} else if (live) {
		struct gp_err *e = gp_live_close(live);
		if (!err)
			err = e;
		else
			gp_err_free(e);
		const struct gp_live_stats *ls = gp_live_stats(live);
		if (t.stats)
			fprintf(stderr, "gopsy: process %d: paused %.3f ms (%s), %u threads\n", t.pid, ls->pause_us / 1e3,
				ls->forked ? "snapshot" : "held stopped while the core was written", ls->threads);
	}
	gp_arena_deinit(&arena);
	return err ? cli_fail(err) : EXIT_OK;
}
