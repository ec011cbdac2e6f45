/* session.c — opening a core, or attaching to a live process, with its executable, into one session
 * (see session.h). */
#include "session/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void add_warning(struct gp_session *s, const char *text)
{
	if (!text)
		return;
	if (s->nwarnings < GP_SESSION_MAX_WARNINGS)
		s->warnings[s->nwarnings++] = text;
	if (s->warn)
		s->warn(s->warn_ctx, text);
}

static void warnf(struct gp_session *s, const char *fmt, ...) GP_PRINTF(2, 3);
static void warnf(struct gp_session *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	add_warning(s, gp_arena_strdup(&s->arena, buf));
}

/* The executable: the one given, else the one the core names, which must be readable here. */
static struct gp_err *find_exe(struct gp_session *s, const char *exe_path)
{
	if (exe_path) {
		s->exe_path = exe_path;
		return NULL;
	}
	s->exe_path = gp_image_exe_path(&s->core->img);
	if (!s->exe_path)
		return gp_errorf(GP_ERR_NOT_FOUND, "core %s does not name its executable (no NT_FILE note): pass --exe BIN",
				 s->core_path);
	if (access(s->exe_path, R_OK) != 0)
		return gp_errorf(GP_ERR_NOT_FOUND, "core %s was produced by %s, which is not readable here: pass --exe BIN",
				 s->core_path, s->exe_path);
	return NULL;
}

static struct gp_session *session_new(gp_session_warn_fn *warn_fn, void *warn_ctx)
{
	struct gp_session *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	gp_arena_init(&s->arena);
	s->warn = warn_fn;
	s->warn_ctx = warn_ctx;
	return s;
}

/* What every backend shares once the image and memory are there: the Go binary (opened from
 * exe_file, named exe_path), its layouts, the runtime model. */
static struct gp_err *session_finish(struct gp_session *s, const struct gp_image *img, const struct gp_target_mem *mem,
				     void *backend, const char *exe_file, unsigned flags)
{
	int force = (flags & GP_SESSION_FORCE) != 0;
	struct gp_err *err;
	if ((err = gp_gobin_open(exe_file, &s->arena, &s->bin)))
		return err;
	if ((err = mem ? gp_target_init(&s->t, img, mem, backend, s->bin->exe, force)
		       : gp_target_init_core(&s->t, s->core, s->bin->exe, force)))
		return err;
	if (s->t.buildid_note)
		warnf(s, "executable not verified against %s: %s", img->source, s->t.buildid_note);
	unsigned lflags = (force ? GP_LAYOUT_NEAREST : 0) | (s->bin->bi.v.experiments ? GP_LAYOUT_EXPERIMENTS : 0);
	if ((err = gp_layout_for_binary(exe_file, s->bin->bi.v.minor, s->bin->has_dwarf, lflags, &s->arena, &s->l)))
		return err;
	add_warning(s, s->l->warning);
	if ((err = gp_rt_init(&s->rt, &s->t, s->bin, s->l)))
		return err;
	return gp_pccache_init(&s->cache, &s->bin->pcln, 12, &s->arena);
}

struct gp_err *gp_session_open_core(const char *core_path, const char *exe_path, unsigned flags,
				    gp_session_warn_fn *warn_fn, void *warn_ctx, struct gp_session **out)
{
	*out = NULL;
	struct gp_session *s = session_new(warn_fn, warn_ctx);
	if (!s)
		return &gp_err_nomem;
	s->core_path = core_path;
	s->name = core_path;
	struct gp_err *err = gp_core_open(core_path, &s->arena, &s->core);
	if (!err)
		err = find_exe(s, exe_path);
	if (err)
		goto fail;
	if (s->core->img.truncated_bytes)
		warnf(s, "core %s is truncated: %llu bytes of its memory are missing from the file; whatever lay there "
			 "is reported where it is needed",
		      core_path, (unsigned long long)s->core->img.truncated_bytes);
	if ((err = session_finish(s, &s->core->img, NULL, s->core, s->exe_path, flags)))
		goto fail;
	*out = s;
	return NULL;
fail:
	gp_session_close(s);
	return err;
}

/* The session over s->live, attached already. */
static struct gp_err *session_live(struct gp_session *s, const char *exe_path, unsigned flags)
{
	const struct gp_image *img = gp_live_image(s->live);
	int pid = img->pid;
	const struct gp_live_stats *st = gp_live_stats(s->live);
	s->name = img->source;
	if (!st->forked && !st->tracked && !(flags & GP_SESSION_NO_FORK))
		warnf(s, "no snapshot of process %d (%s): it is held stopped until gopsy is done", pid, st->no_fork_reason);
	s->exe_path = exe_path ? exe_path : gp_image_exe_path(img);
	if (!s->exe_path)
		s->exe_path = gp_live_exe_file(s->live);
	struct gp_err *err =
		session_finish(s, img, gp_live_mem(), s->live, exe_path ? exe_path : gp_live_exe_file(s->live), flags);
	return err ? gp_err_wrap(err, "process %d (%s, %s)", pid, img->comm, s->exe_path) : NULL;
}

struct gp_err *gp_session_attach(int pid, const char *exe_path, unsigned flags, gp_session_warn_fn *warn_fn,
				 void *warn_ctx, struct gp_session **out)
{
	*out = NULL;
	struct gp_session *s = session_new(warn_fn, warn_ctx);
	if (!s)
		return &gp_err_nomem;
	struct gp_err *err = gp_live_attach(pid, (flags & GP_SESSION_NO_FORK) ? GP_LIVE_NO_FORK : 0, &s->arena, &s->live);
	if (!err)
		err = session_live(s, exe_path, flags);
	if (err) {
		gp_session_close(s);
		return err;
	}
	*out = s;
	return NULL;
}

struct gp_err *gp_session_open_live(struct gp_live *live, const char *exe_path, unsigned flags,
				    gp_session_warn_fn *warn_fn, void *warn_ctx, struct gp_session **out)
{
	*out = NULL;
	struct gp_session *s = session_new(warn_fn, warn_ctx);
	if (!s)
		return &gp_err_nomem;
	s->live = live;
	s->live_borrowed = 1;
	struct gp_err *err = session_live(s, exe_path, flags);
	if (err) {
		gp_session_close(s);
		return err;
	}
	*out = s;
	return NULL;
}

const struct gp_live_stats *gp_session_snapshot(const struct gp_session *s)
{
	return s->live ? gp_live_stats(s->live) : NULL;
}

void gp_session_close(struct gp_session *s)
{
	if (!s)
		return;
	gp_gobin_close(s->bin);
	gp_core_close(s->core);
	if (!s->live_borrowed)
		gp_err_free(gp_live_close(s->live));
	gp_arena_deinit(&s->arena);
	free(s);
}

struct gp_err *gp_session_sched(struct gp_session *s, const struct gp_sched **out)
{
	if (!s->sched_done) {
		struct gp_err *err = gp_sched_read(&s->rt, &s->arena, &s->sched);
		if (err)
			return err;
		s->sched_done = 1;
	}
	*out = &s->sched;
	return NULL;
}

const struct gp_now *gp_session_now(struct gp_session *s)
{
	if (!s->now_done) {
		s->now_done = 1;
		struct gp_err *err = gp_now_estimate(&s->rt, &s->arena, &s->now);
		if (err) {
			s->now_problem = gp_arena_strdup(&s->arena, gp_err_msg(err));
			gp_err_free(err);
			memset(&s->now, 0, sizeof(s->now));
		} else if (!s->now.ns) {
			s->now_problem = "no monotonic timestamp of the runtime's is readable";
		}
	}
	return &s->now;
}

const struct gp_death *gp_session_death(struct gp_session *s)
{
	if (!s->death_done) {
		s->death_done = 1;
		gp_death_read(&s->rt, &s->cache, &s->arena, &s->death);
	}
	return &s->death;
}
