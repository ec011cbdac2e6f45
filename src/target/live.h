/* live.h — a running process as a target backend: a consistent snapshot taken in a pause of
 * milliseconds, analysed while the process runs on.
 *
 * Attaching forks a helper process that becomes the tracer (target/ptrace.h): it stops every
 * thread, reads the registers, injects one clone(CLONE_FILES, exit signal 0) into a stopped thread
 * — the copy-on-write child is the snapshot: auto-attached, never run, sharing the fd table (no
 * descriptor gains a reference), sending no SIGCHLD — and lets the threads go. The helper hands
 * gopsy the registers and an open /proc/CHILD/mem, then waits for gopsy to be done (its end of a
 * socket closing, also when gopsy is killed): it kills the child, makes the target reap it (one
 * wait4 injected into one briefly stopped thread: no zombie is left) and exits. The helper runs in
 * its own process group and ignores terminal and termination signals, so that gopsy's Ctrl-C,
 * SIGTERM, SIGPIPE or SIGKILL never leave the target stopped, traced, or with a stray child; the
 * snapshot has PTRACE_O_EXITKILL, so it dies with the helper.
 *
 * Without a snapshot (GP_LIVE_NO_FORK, or when clone fails: seccomp, limits), the process is held
 * stopped while gopsy reads /proc/PID/mem, and let go when gopsy is done: the pause is then the
 * analysis time.
 *
 * Memory is read with pread in blocks kept for the backend's lifetime, so that pointers handed out
 * stay valid.
 *
 * With GP_LIVE_TRACK there is no snapshot either: the process is write-tracked and frozen only to
 * read again what changed (gp_live_freeze below).
 */
#ifndef GOPSY_TARGET_LIVE_H
#define GOPSY_TARGET_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "target/corewrite.h"
#include "target/image.h"
#include "target/target.h"

enum { GP_LIVE_NO_FORK = 1, GP_LIVE_TRACK = 2 };

struct gp_live_stats {
	uint64_t stop_us;   /* first thread interrupted -> every thread stopped, registers read */
	uint64_t fork_us;   /* the injected clone (0 without a snapshot) */
	uint64_t pause_us;  /* first thread interrupted -> last thread let go (no snapshot: set at close) */
	uint64_t reap_us;   /* at close: the main thread stopped alone to reap the snapshot (its wait4) */
	uint32_t threads;
	int forked;         /* 1: read from a copy-on-write snapshot; 0: from the process, held stopped */
	char no_fork_reason[200]; /* why there is no snapshot ("" when forked) */
	uint64_t reads, read_bytes; /* pread calls and bytes, while analysing */
	uint64_t kept_bytes;        /* copies kept for the session (memory gp_target_ptr handed out) */
	/* GP_LIVE_TRACK only (tracked: 1): */
	int tracked;
	uint64_t setup_us;          /* the first stop: threads stopped, a userfaultfd taken from the process */
	uint64_t protected_bytes, untracked_bytes; /* write-protected at setup; in mappings left untracked */
	uint32_t freezes;           /* gp_live_freeze calls */
	uint64_t freeze_us;         /* the last freeze's pause (pause_us: setup + every freeze) */
	uint64_t refreshed_bytes;   /* read again inside the last freeze: changed since the one before */
	uint64_t torn;              /* reads since the last freeze of pages changed since it */
	int over_budget;            /* 1: more than GP_LIVE_TRACK_MAX_KEPT would have been kept */
};

/* What the write-tracked mode may keep (it keeps everything it reads, 250 MiB at 100k goroutines);
 * past it reads of new blocks fail and over_budget says why. */
#define GP_LIVE_TRACK_MAX_KEPT (1ull << 30)

struct gp_live;

/* Snapshot process pid. Errors: GP_ERR_NOT_FOUND no such process, GP_ERR_DENIED ptrace refused
 * (with the reason: Yama, another tracer, permissions), GP_ERR_GONE it exited meanwhile. */
struct gp_err *gp_live_attach(int pid, unsigned flags, struct gp_arena *a, struct gp_live **out) GP_MUST_USE;

/* A process whose threads the caller already holds stopped (as its tracer): threads[] their
 * registers, siginfo the signal it is dying of (or NULL). Nothing is forked; gp_live_close only
 * closes what this opened. */
struct gp_err *gp_live_open_stopped(int pid, const struct gp_thread *threads, size_t nthreads,
				    const struct gp_siginfo *siginfo, struct gp_arena *a, struct gp_live **out) GP_MUST_USE;

const struct gp_image *gp_live_image(const struct gp_live *l);
/* The memory operations for gp_target_init (backend: l). */
const struct gp_target_mem *gp_live_mem(void);
/* A path that opens the executable the process runs, even when it was deleted or replaced since. */
const char *gp_live_exe_file(const struct gp_live *l);
const struct gp_live_stats *gp_live_stats(const struct gp_live *l);

/* Write-tracked mode (attached with GP_LIVE_TRACK; docs/live-snapshot.md): the process is not
 * forked; its threads were stopped once, briefly, to take a userfaultfd of its own memory, and every
 * private writable mapping is write-protected (target/wtrack.h) while it runs. Reads go to the
 * running process and every block read is kept. gp_live_freeze stops the threads again, reads
 * their registers and the mappings, reads again what changed in the kept blocks since the last
 * freeze (or since arming), protects it again and lets the threads go: the kept blocks and the
 * registers are then the process as of the freeze. A later read of a block not kept is checked
 * afterwards against the tracking: when its pages changed since the freeze it counts in
 * gp_live_torn, and what was analysed since the freeze is not consistent (freeze again: the block
 * is kept now, so it is refreshed with the rest). */
struct gp_err *gp_live_freeze(struct gp_live *l) GP_MUST_USE;
/* Reads since the last freeze that met pages changed since it (0: consistent as of the freeze). */
uint64_t gp_live_torn(const struct gp_live *l);

/* The address ranges read so far (sorted, merged; in 64 KiB blocks): what the analyses run on this
 * backend needed (gcore --go-only). */
struct gp_err *gp_live_read_ranges(const struct gp_live *l, struct gp_arena *a, struct gp_range **out,
				   size_t *n) GP_MUST_USE;

/* Let the process go (no snapshot) or drop the snapshot, and wait for the helper to be done. NULL
 * is allowed. Returns an error when the helper reports it could not clean up. */
struct gp_err *gp_live_close(struct gp_live *l) GP_MUST_USE;

#endif
