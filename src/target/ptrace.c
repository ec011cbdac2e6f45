/* ptrace.c — stopping every thread of a live process, one injected system call, letting go (see
 * ptrace.h). */

#include "target/ptrace.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint64_t gp_ptrace_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void nap(void)
{
	struct timespec ts = {0, 20000}; /* 20 us */
	nanosleep(&ts, NULL);
}

static struct gp_ptrace_thread *find(struct gp_ptrace *p, int tid)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->th[i].t.tid == tid)
			return &p->th[i];
	return NULL;
}

static struct gp_ptrace_thread *add(struct gp_ptrace *p, int tid)
{
	if (p->n == p->cap && !gp_arena_grow(p->a, (void **)&p->th, p->n, &p->cap, sizeof(*p->th), 64))
		return NULL;
	struct gp_ptrace_thread *t = &p->th[p->n++];
	memset(t, 0, sizeof(*t));
	t->t.tid = tid;
	return t;
}

static const char *yama_hint(void)
{
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "r");
	int scope = -1;
	if (f) {
		if (fscanf(f, "%d", &scope) != 1)
			scope = -1;
		fclose(f);
	}
	switch (scope) {
	case 1: return " (kernel.yama.ptrace_scope is 1: only a parent may trace; run as root, or set it to 0)";
	case 2: return " (kernel.yama.ptrace_scope is 2: only root (CAP_SYS_PTRACE) may trace)";
	case 3: return " (kernel.yama.ptrace_scope is 3: ptrace is disabled until reboot)";
	default: return " (another user's process needs root or CAP_SYS_PTRACE)";
	}
}

/* Why a thread of the process cannot be seized although the process could: 1 already ours (a new
 * thread auto-attached through a clone event not seen yet), 2 exiting (a zombie thread), 0 other. */
static int seize_refused_why(int pid, int tid)
{
	char path[64], line[128];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 2;
	int why = 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "State:", 6) && (strchr(line + 6, 'Z') || strchr(line + 6, 'X')))
			why = 2;
		else if (!strncmp(line, "TracerPid:", 10) && strtol(line + 10, NULL, 10) == getpid())
			why = 1;
	}
	fclose(f);
	return why;
}

/* Seize and interrupt tid; 0, or -1 when it has exited meanwhile. */
static struct gp_err *seize(struct gp_ptrace *p, struct gp_ptrace_thread *t)
{
	if (ptrace(PTRACE_SEIZE, t->t.tid, 0L, (long)PTRACE_O_TRACECLONE) != 0) {
		if (errno == ESRCH) {
			t->gone = 1;
			return NULL;
		}
		int why = errno == EPERM && t->t.tid != p->pid ? seize_refused_why(p->pid, t->t.tid) : 0;
		if (why == 1) { /* ours already: it reports its first stop like any other */
			t->seized = 1;
			return NULL;
		}
		if (why == 2) {
			t->gone = 1;
			return NULL;
		}
		if (errno == EPERM)
			return gp_errorf(GP_ERR_DENIED, "ptrace of process %d (thread %d) not permitted%s", p->pid, t->t.tid,
					 yama_hint());
		return gp_errorf(GP_ERR_IO, "ptrace(PTRACE_SEIZE) of thread %d of process %d: %s", t->t.tid, p->pid,
				 strerror(errno));
	}
	t->seized = 1;
	if (ptrace(PTRACE_INTERRUPT, t->t.tid, 0L, 0L) != 0 && errno == ESRCH)
		t->gone = 1;
	return NULL;
}

/* Seize every thread in /proc/PID/task not seen yet; *fresh = how many were new. */
static struct gp_err *seize_new(struct gp_ptrace *p, size_t *fresh)
{
	*fresh = 0;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", p->pid);
	DIR *d = opendir(path);
	if (!d)
		return gp_errorf(errno == ENOENT ? GP_ERR_GONE : GP_ERR_IO, "process %d: %s: %s", p->pid, path,
				 errno == ENOENT ? "no such process" : strerror(errno));
	struct dirent *e;
	struct gp_err *err = NULL;
	while (!err && (e = readdir(d))) {
		char *end;
		long tid = strtol(e->d_name, &end, 10);
		if (*end || tid <= 0 || find(p, (int)tid))
			continue;
		struct gp_ptrace_thread *t = add(p, (int)tid);
		if (!t) {
			err = &gp_err_nomem;
			break;
		}
		(*fresh)++;
		err = seize(p, t);
	}
	closedir(d);
	return err;
}

/* Record what waitpid said about thread t. */
static void note_status(struct gp_ptrace *p, struct gp_ptrace_thread *t, int st)
{
	if (WIFEXITED(st) || WIFSIGNALED(st)) {
		t->gone = 1;
		return;
	}
	if (!WIFSTOPPED(st))
		return;
	int sig = WSTOPSIG(st), ev = st >> 16;
	t->stopped = 1;
	if (ev == PTRACE_EVENT_CLONE) {
		unsigned long nt = 0;
		if (ptrace(PTRACE_GETEVENTMSG, t->t.tid, 0L, &nt) == 0 && nt && !find(p, (int)nt)) {
			struct gp_ptrace_thread *c = add(p, (int)nt);
			if (c)
				c->seized = 1; /* auto-attached: reports its own first stop */
		}
	} else if (ev == 0) { /* signal-delivery stop: the signal is delivered when the thread goes */
		if (t->keep_sig && t->keep_sig != sig)
			p->late_signals = "a thread got a second signal while stopped; only the first is delivered on release";
		else
			t->keep_sig = sig;
		t->t.cursig = sig;
	}
}

static struct gp_err *wait_all(struct gp_ptrace *p, uint64_t deadline)
{
	for (;;) {
		size_t pending = 0;
		for (size_t i = 0; i < p->n; i++)
			pending += p->th[i].seized && !p->th[i].stopped && !p->th[i].gone;
		if (!pending)
			return NULL;
		int st;
		pid_t w = waitpid(-1, &st, __WALL | WNOHANG);
		if (w > 0) {
			struct gp_ptrace_thread *t = find(p, w);
			if (!t && !(t = add(p, w)))
				return &gp_err_nomem;
			t->seized = 1;
			note_status(p, t, st);
			continue;
		}
		if (w < 0 && errno != EINTR)
			return gp_errorf(GP_ERR_GONE, "process %d: waiting for its threads to stop: %s", p->pid, strerror(errno));
		if (gp_ptrace_now_us() > deadline) {
			for (size_t i = 0; i < p->n; i++)
				if (p->th[i].seized && !p->th[i].stopped && !p->th[i].gone)
					return gp_errorf(GP_ERR_IO, "thread %d of process %d did not stop in time (in uninterruptible sleep?)",
							 p->th[i].t.tid, p->pid);
		}
		nap();
	}
}

/* The address of a `syscall` instruction (0f 05) in the first executable mapping, read through
 * /proc/PID/mem. */
static uint64_t find_syscall_insn(int pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t found = 0;
	char line[512];
	static const size_t chunk = 65536;
	unsigned char *buf = fd >= 0 ? malloc(chunk + 1) : NULL;
	while (buf && !found && fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;
		char perms[8];
		if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r' || perms[2] != 'x')
			continue;
		if (strstr(line, "[vsyscall]"))
			continue;
		for (uint64_t at = lo; at < hi && at - lo < (16u << 20) && !found; at += chunk) {
			size_t n = hi - at < chunk + 1 ? (size_t)(hi - at) : chunk + 1;
			ssize_t got = pread(fd, buf, n, (off_t)at);
			if (got < 2)
				break;
			unsigned char *q = memmem(buf, (size_t)got, "\x0f\x05", 2);
			if (q)
				found = at + (uint64_t)(q - buf);
		}
	}
	free(buf);
	if (fd >= 0)
		close(fd);
	fclose(f);
	return found;
}

static int get_regs(int tid, uint64_t regs[GP_X86_NREGS])
{
	struct iovec iov = {regs, GP_X86_NREGS * sizeof(uint64_t)};
	return (int)ptrace(PTRACE_GETREGSET, tid, (void *)(uintptr_t)NT_PRSTATUS, &iov);
}

static int set_regs(int tid, const uint64_t regs[GP_X86_NREGS])
{
	struct iovec iov = {(void *)regs, GP_X86_NREGS * sizeof(uint64_t)};
	return (int)ptrace(PTRACE_SETREGSET, tid, (void *)(uintptr_t)NT_PRSTATUS, &iov);
}

struct gp_err *gp_ptrace_stop(struct gp_ptrace *p, int pid, unsigned flags, int deadline_ms, struct gp_arena *a)
{
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->a = a;
	uint64_t deadline = gp_ptrace_now_us() + (uint64_t)deadline_ms * 1000u;
	struct gp_err *err = NULL;
	if (flags & GP_PTRACE_ONE) {
		struct gp_ptrace_thread *t = add(p, pid);
		err = !t ? &gp_err_nomem : seize(p, t);
		if (!err)
			err = wait_all(p, deadline);
	}
	for (int round = 0; round < 1000 && !err && !(flags & GP_PTRACE_ONE); round++) {
		size_t fresh;
		if ((err = seize_new(p, &fresh)))
			break;
		if ((err = wait_all(p, deadline)))
			break;
		if (!fresh && round)
			break;
	}
	if (!err) {
		struct gp_ptrace_thread *leader = find(p, pid);
		if (!leader || leader->gone)
			err = gp_errorf(GP_ERR_GONE, "process %d exited while being stopped", pid);
	}
	for (size_t i = 0; i < p->n && !err; i++) {
		struct gp_ptrace_thread *t = &p->th[i];
		if (t->gone)
			continue;
		if (get_regs(t->t.tid, t->t.regs) != 0)
			err = gp_errorf(errno == ESRCH ? GP_ERR_GONE : GP_ERR_IO, "registers of thread %d of process %d: %s",
					t->t.tid, pid, strerror(errno));
	}
	if (err) {
		gp_ptrace_release(p);
		return err;
	}
	p->syscall_insn = find_syscall_insn(pid);
	return NULL;
}

struct gp_err *gp_ptrace_syscall(struct gp_ptrace *p, size_t i, long nr, const uint64_t args[6], unsigned options,
				 int64_t *ret, int *child)
{
	struct gp_ptrace_thread *t = &p->th[i];
	int tid = t->t.tid;
	*ret = -ENOSYS;
	if (child)
		*child = 0;
	if (!p->syscall_insn)
		return gp_errorf(GP_ERR_NOT_FOUND, "process %d: no syscall instruction found in its text", p->pid);
	uint64_t regs[GP_X86_NREGS];
	memcpy(regs, t->t.regs, sizeof(regs));
	regs[GP_X86_RAX] = (uint64_t)nr;
	regs[GP_X86_ORIG_RAX] = ~(uint64_t)0; /* not in a system call: nothing to restart */
	regs[GP_X86_RIP] = p->syscall_insn;
	static const int argreg[6] = {GP_X86_RDI, GP_X86_RSI, GP_X86_RDX, GP_X86_R10, GP_X86_R8, GP_X86_R9};
	for (int k = 0; k < 6; k++)
		regs[argreg[k]] = args[k];
	if (options && ptrace(PTRACE_SETOPTIONS, tid, 0L, (long)options) != 0)
		return gp_errorf(GP_ERR_IO, "ptrace(PTRACE_SETOPTIONS) of thread %d: %s", tid, strerror(errno));
	struct gp_err *err = NULL;
	if (set_regs(tid, regs) != 0) {
		err = gp_errorf(GP_ERR_IO, "setting the registers of thread %d: %s", tid, strerror(errno));
		goto restore;
	}
	int done = 0;
	for (int step = 0; step < 64 && !done && !err; step++) {
		if (ptrace(PTRACE_SINGLESTEP, tid, 0L, 0L) != 0) {
			err = gp_errorf(GP_ERR_IO, "single-stepping thread %d: %s", tid, strerror(errno));
			break;
		}
		int st;
		while (waitpid(tid, &st, __WALL) < 0) {
			if (errno != EINTR) {
				err = gp_errorf(GP_ERR_GONE, "thread %d: %s", tid, strerror(errno));
				break;
			}
		}
		if (err)
			break;
		if (!WIFSTOPPED(st)) {
			t->gone = 1;
			err = gp_errorf(GP_ERR_GONE, "thread %d of process %d exited during an injected system call", tid, p->pid);
			break;
		}
		int sig = WSTOPSIG(st), ev = st >> 16;
		if (ev == PTRACE_EVENT_CLONE || ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_VFORK) {
			unsigned long c = 0;
			if (ptrace(PTRACE_GETEVENTMSG, tid, 0L, &c) == 0 && child)
				*child = (int)c;
		} else if (ev == 0 && sig == SIGTRAP) {
			uint64_t now[GP_X86_NREGS];
			if (get_regs(tid, now) == 0 && now[GP_X86_RIP] == p->syscall_insn + 2) {
				*ret = (int64_t)now[GP_X86_RAX];
				done = 1;
			}
		} else if (ev == 0) {
			if (t->keep_sig && t->keep_sig != sig)
				p->late_signals = "a thread got a second signal while stopped; only the first is delivered on release";
			else
				t->keep_sig = sig;
		}
	}
	if (!done && !err)
		err = gp_errorf(GP_ERR_INTERNAL, "thread %d: the injected system call did not complete", tid);
restore:
	if (set_regs(tid, t->t.regs) != 0 && !err)
		err = gp_errorf(GP_ERR_IO, "restoring the registers of thread %d: %s", tid, strerror(errno));
	if (options)
		(void)ptrace(PTRACE_SETOPTIONS, tid, 0L, (long)PTRACE_O_TRACECLONE);
	return err;
}

int gp_ptrace_wait_stopped(int pid, int deadline_ms)
{
	uint64_t deadline = gp_ptrace_now_us() + (uint64_t)deadline_ms * 1000u;
	for (;;) {
		int st;
		pid_t w = waitpid(pid, &st, __WALL | WNOHANG);
		if (w == pid)
			return WIFSTOPPED(st) ? 0 : -1;
		if (w < 0 && errno != EINTR)
			return -1;
		if (gp_ptrace_now_us() > deadline)
			return -1;
		nap();
	}
}

struct gp_err *gp_ptrace_take_uffd(struct gp_ptrace *p, size_t i, int *out)
{
	*out = -1;
	enum { USER_MODE_ONLY = 1 }; /* UFFD_USER_MODE_ONLY (Linux 5.11) */
	uint64_t args[6] = {O_CLOEXEC | O_NONBLOCK, 0, 0, 0, 0, 0};
	int64_t fd;
	struct gp_err *err = gp_ptrace_syscall(p, i, SYS_userfaultfd, args, 0, &fd, NULL);
	if (!err && fd == -EPERM) {
		args[0] |= USER_MODE_ONLY;
		err = gp_ptrace_syscall(p, i, SYS_userfaultfd, args, 0, &fd, NULL);
	}
	if (err)
		return err;
	if (fd < 0)
		return gp_errorf(fd == -EPERM ? GP_ERR_DENIED : fd == -ENOSYS ? GP_ERR_UNSUPPORTED : GP_ERR_IO,
				 "process %d could not create a userfaultfd: %s%s", p->pid, strerror((int)-fd),
				 fd == -EPERM ? " (sysctl vm.unprivileged_userfaultfd)" : "");
	int pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	int mine = pidfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pidfd, (int)fd, 0) : -1;
	int e = errno;
	if (pidfd >= 0)
		close(pidfd);
	const uint64_t cargs[6] = {(uint64_t)fd, 0, 0, 0, 0, 0};
	int64_t cret;
	err = gp_ptrace_syscall(p, i, SYS_close, cargs, 0, &cret, NULL);
	if (err || cret != 0) {
		if (mine >= 0)
			close(mine);
		return err ? err
			   : gp_errorf(GP_ERR_IO, "process %d: closing its userfaultfd %d again: %s", p->pid, (int)fd,
				       strerror((int)-cret));
	}
	if (mine < 0)
		return gp_errorf(GP_ERR_IO, "process %d: taking its userfaultfd (pidfd_getfd): %s", p->pid, strerror(e));
	*out = mine; /* close-on-exec, as pidfd_getfd makes it */
	return NULL;
}

void gp_ptrace_release(struct gp_ptrace *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct gp_ptrace_thread *t = &p->th[i];
		if (!t->seized || t->gone)
			continue;
		if (!t->stopped) { /* PTRACE_DETACH needs a stopped tracee */
			(void)ptrace(PTRACE_INTERRUPT, t->t.tid, 0L, 0L);
			if (gp_ptrace_wait_stopped(t->t.tid, 200) != 0)
				continue; /* left to the kernel: tracees are detached when the tracer exits */
		}
		(void)ptrace(PTRACE_DETACH, t->t.tid, 0L, (long)t->keep_sig);
		t->seized = 0;
	}
}
