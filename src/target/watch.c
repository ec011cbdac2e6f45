/* watch.c — running a command under ptrace to catch its death (see watch.h). */
#include "target/watch.h"

#include "base/arena.h"
#include "target/ptrace.h"

#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_STOP_WAIT_MS = 3000 };

struct thread {
	int tid;
	siginfo_t si;  /* the last signal delivered to it */
	int has_si;
	uint64_t si_seq; /* when it was delivered (a counter over all threads) */
	int at_exit;   /* held at PTRACE_EVENT_EXIT */
	int gone;
};

struct ctx {
	struct gp_arena a;
	struct thread *th;
	size_t n, cap;
	uint64_t seq;
};

static struct thread *thread(struct ctx *c, int tid)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->th[i].tid == tid)
			return &c->th[i];
	if (c->n == c->cap && !gp_arena_grow(&c->a, (void **)&c->th, c->n, &c->cap, sizeof(*c->th), 64))
		return NULL;
	struct thread *t = &c->th[c->n++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	return t;
}

static int dumps_core(int sig)
{
	switch (sig) {
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE: case SIGSEGV:
	case SIGXCPU: case SIGXFSZ: case SIGSYS:
		return 1;
	default:
		return 0;
	}
}

/* Every thread of pid held at its exit stop (they are all dying); then the death callback. */
static void catch_death(struct ctx *c, int pid, int first, int signo, gp_watch_death_fn *on_death, void *cbctx)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	uint64_t deadline = gp_ptrace_now_us() + EXIT_STOP_WAIT_MS * 1000u;
	for (;;) { /* wait for the others to reach their exit stop */
		size_t pending = 0;
		for (size_t i = 0; i < c->n; i++)
			pending += !c->th[i].at_exit && !c->th[i].gone;
		if (!pending || gp_ptrace_now_us() > deadline)
			break;
		int st;
		pid_t w = waitpid(-1, &st, __WALL | WNOHANG);
		if (w <= 0) {
			struct timespec ts = {0, 20000};
			nanosleep(&ts, NULL);
			continue;
		}
		struct thread *t = thread(c, w);
		if (!t)
			break;
		if (WIFEXITED(st) || WIFSIGNALED(st))
			t->gone = 1;
		else if (WIFSTOPPED(st) && (st >> 16) == PTRACE_EVENT_EXIT)
			t->at_exit = 1;
		else if (WIFSTOPPED(st))
			(void)ptrace(PTRACE_CONT, w, 0L, 0L); /* on its way out */
	}
	/* The thread that took the fatal signal: the last one it was delivered to (the kernel dumps
	 * from it and lists it first). */
	uint64_t best = 0;
	for (size_t i = 0; i < c->n; i++)
		if (c->th[i].has_si && c->th[i].si.si_signo == signo && c->th[i].si_seq > best) {
			best = c->th[i].si_seq;
			first = c->th[i].tid;
		}
	struct gp_thread *regs = GP_NEWN(&c->a, struct gp_thread, c->n ? c->n : 1);
	if (!regs)
		return;
	size_t k = 0;
	struct gp_siginfo si = {0};
	for (int pass = 0; pass < 2; pass++) /* the thread that took the signal first, as the kernel's dump */
		for (size_t i = 0; i < c->n; i++) {
			struct thread *t = &c->th[i];
			if (!t->at_exit || (t->tid == first) != (pass == 0))
				continue;
			struct gp_thread *g = &regs[k];
			g->tid = t->tid;
			struct iovec iov = {g->regs, sizeof(g->regs)};
			if (ptrace(PTRACE_GETREGSET, t->tid, (void *)(uintptr_t)NT_PRSTATUS, &iov) != 0)
				continue;
			if (t->tid == first && t->has_si && t->si.si_signo == signo) {
				g->cursig = signo;
				if (!si.present) {
					si.present = 1;
					si.signo = t->si.si_signo;
					si.errnum = t->si.si_errno;
					si.code = t->si.si_code;
					si.addr = (uint64_t)(uintptr_t)t->si.si_addr;
					si.pid = t->si.si_pid;
				}
			}
			k++;
		}
	if (!si.present) { /* no siginfo seen (a signal the kernel raised itself): its number only */
		si.present = 1;
		si.signo = signo;
		si.code = 0x80; /* SI_KERNEL */
	}
	struct gp_live *l;
	struct gp_err *err = gp_live_open_stopped(pid, regs, k, &si, &c->a, &l);
	if (err) {
		fprintf(stderr, "gopsy: cannot read the dying process %d: %s\n", pid, gp_err_msg(err));
		gp_err_free(err);
		return;
	}
	on_death(cbctx, l, signo);
	gp_err_free(gp_live_close(l));
}

struct gp_err *gp_watch_run(char *const argv[], char *const envp[], void (*on_started)(void *ctx, int pid),
			    gp_watch_death_fn *on_death, void *cbctx, struct gp_watch *w)
{
	memset(w, 0, sizeof(*w));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return gp_errorf(GP_ERR_IO, "fork: %s", strerror(errno));
	if (pid == 0) {
		raise(SIGSTOP); /* until seized */
		execvpe(argv[0], argv, envp);
		fprintf(stderr, "gopsy: run: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	w->pid = pid;
	int st;
	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st))
		return gp_errorf(GP_ERR_INTERNAL, "%s: the child did not stop before exec", argv[0]);
	unsigned opts = PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXIT;
	if (ptrace(PTRACE_SEIZE, pid, 0L, (long)opts) != 0) {
		int e = errno;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return gp_errorf(e == EPERM ? GP_ERR_DENIED : GP_ERR_IO, "ptrace of the command refused: %s", strerror(e));
	}
	if (on_started)
		on_started(cbctx, pid);
	kill(pid, SIGCONT);
	struct ctx c = {0};
	gp_arena_init(&c.a);
	struct gp_err *err = NULL;
	for (;;) {
		pid_t t = waitpid(-1, &st, __WALL);
		if (t < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: all gone */
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (t == pid) {
				w->status = st;
				break;
			}
			struct thread *th = thread(&c, t);
			if (th)
				th->gone = 1;
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		int sig = WSTOPSIG(st), ev = st >> 16;
		struct thread *th = thread(&c, t);
		if (ev == PTRACE_EVENT_EXIT) {
			unsigned long msg = 0;
			(void)ptrace(PTRACE_GETEVENTMSG, t, 0L, &msg);
			int dying = WIFSIGNALED((int)msg) ? WTERMSIG((int)msg) : 0;
			if (th)
				th->at_exit = 1;
			if (dying && dumps_core(dying) && !w->died_of && on_death) {
				w->died_of = dying;
				catch_death(&c, pid, t, dying, on_death, cbctx);
				for (size_t i = 0; i < c.n; i++)
					if (c.th[i].at_exit && !c.th[i].gone)
						(void)ptrace(PTRACE_CONT, c.th[i].tid, 0L, 0L);
				continue;
			}
			(void)ptrace(PTRACE_CONT, t, 0L, 0L);
		} else if (ev == PTRACE_EVENT_STOP) {
			if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
				(void)ptrace(PTRACE_LISTEN, t, 0L, 0L); /* a job-control stop stays one */
			else
				(void)ptrace(PTRACE_CONT, t, 0L, 0L);
		} else if (ev) {
			(void)ptrace(PTRACE_CONT, t, 0L, 0L);
		} else {
			if (th && ptrace(PTRACE_GETSIGINFO, t, 0L, &th->si) == 0) {
				th->has_si = 1;
				th->si_seq = ++c.seq;
			}
			(void)ptrace(PTRACE_CONT, t, 0L, (long)sig); /* passed on unchanged */
		}
	}
	gp_arena_deinit(&c.a);
	return err;
}
