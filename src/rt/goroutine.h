/* goroutine.h — the runtime's goroutines as plain C records, read from a target through the struct
 * layouts: the g fields that tracebacks and analyses need, the g's M (id), and the runtime context
 * (allgs, funcIDs, finalizer state) the header and "which goroutines" rules depend on.
 */
#ifndef GOPSY_RT_GOROUTINE_H
#define GOPSY_RT_GOROUTINE_H

#include <stdint.h>

#include "base/err.h"
#include "gobin/gobin.h"
#include "layout/funcids.h"
#include "layout/layout.h"
#include "rt/globals.h"
#include "target/target.h"

struct gp_rt {
	const struct gp_target *t;
	const struct gp_gobin *b;
	const struct gp_layout *l;
	struct gp_funcids ids;
	struct gp_allgs allgs;
	int tracebacklabels;       /* GODEBUG tracebacklabels in effect (Go 1.26+ print pprof labels) */
	int fing_known;            /* fingStatus/fingRunning could be read */
	int fing_running;          /* the finalizer goroutine is running a finalizer */
};

struct gp_g {
	uint64_t addr;
	uint64_t goid;
	uint32_t status;           /* atomicstatus, with the scan bit */
	uint32_t waitreason;
	int64_t waitsince;
	uint64_t m;                /* *m or 0 */
	int64_t m_id;              /* m.id when m != 0 */
	uint64_t lockedm;
	uint64_t sched_pc, sched_sp, syscallpc, syscallsp;
	uint64_t stack_lo, stack_hi;
	uint64_t gopc, startpc, parent_goid;
	uint64_t ancestors, labels, bubble;
	int running_cleanups;
};

/* Find allgs and prepare the funcID table for the layout's Go version. */
struct gp_err *gp_rt_init(struct gp_rt *rt, const struct gp_target *t, const struct gp_gobin *b,
			  const struct gp_layout *l) GP_MUST_USE;

/* The i-th entry of allgs (run-time address of a g), or an error. */
struct gp_err *gp_rt_allg(const struct gp_rt *rt, uint64_t i, uint64_t *gaddr) GP_MUST_USE;

/* Read one g. */
struct gp_err *gp_rt_read_g(const struct gp_rt *rt, uint64_t addr, struct gp_g *g) GP_MUST_USE;

/* The goroutine a thread was running: TLS g at fs_base-8, then g.m.curg (g itself may be the M's
 * g0 or gsignal). 0 in *curg when the thread runs no Go code or its M has no current goroutine. */
struct gp_err *gp_rt_thread_curg(const struct gp_rt *rt, const struct gp_thread *th, uint64_t *curg) GP_MUST_USE;

/* pprof labels of a goroutine (Go 1.26+: g.labels is a *label.Set{List []Label{Key, Value string}}).
 * Strings point into the target's memory and are not NUL-terminated. */
struct gp_label {
	const char *key, *value;
	size_t key_len, value_len;
};
struct gp_labels {
	uint64_t ptr, n;  /* the List slice */
};
/* 0 and *out when g has a non-empty, readable label list (Go 1.26+ only), else -1. */
int gp_g_labels(const struct gp_rt *rt, const struct gp_g *g, struct gp_labels *out);
/* Label i of the list; -1 if unreadable. Strings longer than 64 KiB are cut there. */
int gp_g_label(const struct gp_rt *rt, const struct gp_labels *ls, uint64_t i, struct gp_label *out);

/* Field f of the runtime struct at addr in the target, zero-extended from its size: 0 when addr is
 * 0, the version has no such field, or it is not in the target (for reads where a missing value
 * and a zero one lead to the same decision). */
uint64_t gp_rt_field(const struct gp_rt *rt, uint64_t addr, enum gp_lfield f);

/* Status without the scan bit. */
uint32_t gp_g_status(const struct gp_rt *rt, const struct gp_g *g);
int gp_g_is_dead(const struct gp_rt *rt, const struct gp_g *g);
/* isSystemGoroutine(gp, false) for this Go version. */
int gp_g_is_system(const struct gp_rt *rt, const struct gp_g *g);

#endif
