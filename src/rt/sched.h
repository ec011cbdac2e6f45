/* sched.h — the runtime's threads (Ms), processors (Ps) and scheduler summary (runtime.sched) as
 * plain C records, and how they were found.
 *
 * Ms come from runtime.allm, walked through m.alllink (newest first, m0 last), bounded and
 * cycle-safe; every thread of the core is cross-checked: its TLS g (fs_base-8) names a g whose m
 * must be one of them, and an M whose procid is a thread id is linked to that thread. When allm
 * cannot be found or its chain breaks, the Ms the threads name are added (with their own alllink
 * chains), so the result is partial but never empty for no reason. Ps come from runtime.allp
 * ([]*p); without it, from the Ms' p/nextp/oldp and the sched.pidle list.
 *
 * Globals: from .symtab when present; in a stripped binary by recipes in the style of
 * globals.c (RIP-relative operands of the runtime function that writes the variable), each
 * candidate validated against the core before it is believed:
 *   allm   — operands of runtime.mcommoninit (`mp.alllink = allm; atomicstorep(&allm, mp)`): the
 *            word must hold an m whose g0's m points back to it;
 *   allp   — operands of runtime.procresize: a {ptr, len, cap} accessed at +0/+8/+16 whose
 *            entries are Ps with p.id == index and a valid status;
 *   sched  — runtime.mcommoninit's `lock(&sched.lock)`: LEA target minus the layout's offset of
 *            schedt.lock, validated by mnext/nmfreed/nmidle/npidle/pidle being consistent with
 *            the Ms and Ps found.
 * Nothing here prints; a problem is recorded as a reason string (the *_problem fields), and only
 * out-of-memory is an error.
 */
#ifndef GOPSY_RT_SCHED_H
#define GOPSY_RT_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "rt/goroutine.h"

/* Bounds on what is walked: the runtime's own limits are GOMAXPROCS <= 1024 (_MaxGomaxprocs) and
 * 10000 Ms by default (sched.maxmcount, raisable by debug.SetMaxThreads). */
enum { GP_SCHED_MAX_MS = 100000, GP_SCHED_MAX_PS = 1 << 16 };

/* Where a record came from (bits). */
enum {
	GP_FROM_ALLM = 1 << 0,    /* reached from runtime.allm through m.alllink */
	GP_FROM_THREAD = 1 << 1,  /* a thread's TLS g named it (g.m) */
	GP_FROM_ALLP = 1 << 2,    /* an entry of runtime.allp */
	GP_FROM_M = 1 << 3,       /* an M's p, nextp or oldp */
	GP_FROM_PIDLE = 1 << 4,   /* sched.pidle list */
};

struct gp_m {
	uint64_t addr;
	int64_t id;
	uint64_t procid;          /* the thread id (gettid) once the thread ran minit; 0 before */
	uint64_t g0, gsignal, curg, p, nextp, oldp, lockedg;
	int64_t curg_goid, lockedg_goid;   /* -1: none or unreadable */
	int32_t p_id, nextp_id, oldp_id;   /* -1: none or unreadable */
	int32_t mallocing, throwing, locks, dying;
	int spinning, blocked, incgo, isextra;  /* -1 where the version has no such field */
	int32_t tid;              /* the core thread whose tid == procid, -1 if none */
	int32_t tls_tid;          /* the core thread whose TLS g belongs to this M, -1 if none */
	unsigned from;            /* GP_FROM_* */
};

struct gp_p {
	uint64_t addr;
	int32_t id;
	uint32_t status;          /* _Pidle 0, _Prunning 1, _Psyscall 2, _Pgcstop 3, _Pdead 4 */
	uint64_t m;               /* *m or 0 */
	int64_t m_id;             /* m.id, -1 when m == 0 or unreadable */
	uint32_t runqhead, runqtail;
	uint64_t runnext;         /* *g or 0 */
	int64_t runnext_goid;     /* -1 when none */
	int64_t schedtick, syscalltick;  /* -1 where absent */
	uint64_t link;            /* next P on sched.pidle */
	unsigned from;            /* GP_FROM_* */
};

/* runtime.sched (schedt), the fields a summary needs; -1 where the version lacks one. */
struct gp_schedt {
	int present;              /* sched was found and read */
	int64_t mnext, nmfreed;   /* Ms created so far / freed: mcount() = mnext - nmfreed */
	int64_t nmidle, nmidlelocked, nmsys, maxmcount;
	int64_t npidle, nmspinning, runqsize;
	uint64_t pidle, midle;
	int64_t gcwaiting, stopwait, sysmonwait;
	uint64_t lastpoll, goidgen;
};

struct gp_sched {
	struct gp_m *ms;
	size_t nms;
	struct gp_p *ps;
	size_t nps;
	/* How each global was found ("symbol runtime.allm", "code of runtime.mcommoninit", ...), or
	 * NULL when it was not; its run-time address. */
	const char *allm_how, *allp_how, *sched_how, *gomaxprocs_how;
	uint64_t allm_addr, allp_addr, sched_addr;
	/* NULL when complete; else why the list may lack entries (a broken chain, a missing global). */
	const char *ms_problem, *ps_problem, *sched_problem;
	struct gp_schedt s;
	int64_t gomaxprocs;       /* runtime.gomaxprocs, or len(allp) without the symbol; -1 unknown */
};

/* Read Ms, Ps and sched from rt's target into arena a. Only out-of-memory is an error; every
 * other problem leaves a partial result with a reason in *_problem. */
struct gp_err *gp_sched_read(const struct gp_rt *rt, struct gp_arena *a, struct gp_sched *out) GP_MUST_USE;

/* The M a thread runs (TLS g at fs_base-8, then g.m); 0 when it runs no Go code. */
uint64_t gp_thread_m(const struct gp_rt *rt, const struct gp_thread *th);

/* The record of the M at addr, or NULL. */
const struct gp_m *gp_sched_m_at(const struct gp_sched *s, uint64_t addr);

/* "idle", "running", "syscall", "gcstop", "dead" or "???" for a P status of this version. */
const char *gp_p_status_name(const struct gp_layout *l, uint32_t status);

#endif
