/* session.h — one analysed Go process: the object every command opens first and asks everything
 * else through (drgn's drgn_program is the model). It owns, for the session's lifetime:
 *   - the target (an ELF core, or a live process's snapshot, plus the executable: target/),
 *   - the Go binary (gobin/), its struct layouts (layout/),
 *   - the runtime model built on them (rt/: allgs, funcIDs, GODEBUG), a pclntab cache,
 *   - an arena from which everything it hands out is allocated,
 * and computes, once and on demand, what several commands share: the Ms/Ps/sched (rt/sched.h),
 * the estimated clock (rt/clock.h) and how the process died (session/death.h: which thread crashed,
 * which runtime path printed, where the printed goroutine's traceback starts).
 *
 * Opening checks what a user can get wrong (a core of another executable, an executable that is
 * not readable, an unsupported Go version) and fails with the reason; what is merely degraded (a
 * truncated core, an executable that cannot be verified, layouts from a nearest version) is kept as
 * warnings for the caller to show. The session never prints.
 *
 * Two constructors, one per target backend: gp_session_open_core and gp_session_attach (a running
 * process, target/live.h); everything above target/ is the same for both.
 */
#ifndef GOPSY_SESSION_SESSION_H
#define GOPSY_SESSION_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "gobin/gobin.h"
#include "gobin/pccache.h"
#include "layout/layout.h"
#include "rt/clock.h"
#include "session/death.h"
#include "rt/goroutine.h"
#include "rt/sched.h"
#include "target/core.h"
#include "target/live.h"
#include "target/target.h"

enum {
	GP_SESSION_FORCE = 1 << 0, /* go on with an executable that does not match the core, or a Go
	                            * version without layout tables (the nearest one is used) */
	GP_SESSION_NO_FORK = 1 << 1, /* attach: no copy-on-write snapshot; the process is held stopped
	                              * while the session is open */
};

enum { GP_SESSION_MAX_WARNINGS = 8 };

/* Called with each warning as it is found (also when opening then fails: a truncated core explains
 * the failure that follows). */
typedef void gp_session_warn_fn(void *ctx, const char *warning);


struct gp_session {
	struct gp_arena arena;
	const char *name;          /* what is analysed, for headers: the core's path, or "process PID" */
	const char *core_path, *exe_path; /* core_path NULL for a live process */
	struct gp_core *core;      /* the backend: a core, or */
	struct gp_live *live;      /* a live process's snapshot */
	int live_borrowed;         /* live belongs to the caller (gp_session_open_live) */
	struct gp_gobin *bin;
	struct gp_target t;
	const struct gp_layout *l;
	struct gp_rt rt;
	struct gp_pccache cache;
	/* Degraded inputs, in the order found (each a full sentence without "warning:"). */
	const char *warnings[GP_SESSION_MAX_WARNINGS];
	size_t nwarnings;
	gp_session_warn_fn *warn;
	void *warn_ctx;
	/* Computed on demand; see the accessors. */
	int sched_done, now_done, death_done;
	struct gp_sched sched;
	struct gp_now now;
	const char *now_problem;
	struct gp_death death;
};

/* Open a core. exe_path NULL: the executable the core names (NT_FILE). flags: GP_SESSION_*. warn
 * may be NULL (the warnings are in the session either way). */
struct gp_err *gp_session_open_core(const char *core_path, const char *exe_path, unsigned flags,
				    gp_session_warn_fn *warn, void *warn_ctx, struct gp_session **out) GP_MUST_USE;
/* Attach to running process pid and snapshot it (target/live.h); exe_path NULL: the executable it
 * runs (/proc/PID/exe). flags: GP_SESSION_*. The process runs on while the session is open, except
 * with GP_SESSION_NO_FORK or when no snapshot can be made (then a warning says so). */
struct gp_err *gp_session_attach(int pid, const char *exe_path, unsigned flags, gp_session_warn_fn *warn,
				 void *warn_ctx, struct gp_session **out) GP_MUST_USE;
/* A session over a live process the caller attached to (gp_live_attach) and keeps: closing the
 * session leaves it attached (write-tracked mode opens one session per pass, target/live.h). */
struct gp_err *gp_session_open_live(struct gp_live *live, const char *exe_path, unsigned flags,
				    gp_session_warn_fn *warn, void *warn_ctx, struct gp_session **out) GP_MUST_USE;
/* How a live process was taken (snapshot or held stopped, the pause), or NULL for a core: what the
 * renderers say about the input, without knowing the backend. */
const struct gp_live_stats *gp_session_snapshot(const struct gp_session *s);
/* Close; for a live process, let it go / drop its snapshot and wait until that is done. */
void gp_session_close(struct gp_session *s);

/* Ms, Ps and runtime.sched (rt/sched.h); partial results carry their reasons. Only out-of-memory is
 * an error. */
struct gp_err *gp_session_sched(struct gp_session *s, const struct gp_sched **out) GP_MUST_USE;

/* The estimate of nanotime() at death (rt/clock.h); out->ns == 0 when there is none, and then
 * s->now_problem says why. */
const struct gp_now *gp_session_now(struct gp_session *s);

/* How the process died (session/death.h). Never fails: what could not be determined is recorded in the
 * result's problem fields. */
const struct gp_death *gp_session_death(struct gp_session *s);

#endif
