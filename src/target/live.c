/* live.c — a running process's snapshot as a target backend: the helper process that takes and
 * drops it, the image from /proc, reads through /proc/PID/mem (see live.h). */

#include "target/live.h"

#include "base/addrmap.h"
#include "base/sort.h"
#include "target/pagemap_scan.h"
#include "target/ptrace.h"
#include "target/wtrack.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum { BLOCK = 64 * 1024, NSCRATCH = 512, STOP_DEADLINE_MS = 3000 };

/* What the helper tells gopsy once the snapshot is taken (or failed), then the threads. */
struct hello {
	int32_t ok, code;      /* code: gp_errcode when !ok */
	int32_t snap_pid;      /* the snapshot child, 0 when none */
	int32_t nfds;          /* descriptors passed: mem, pagemap (+ userfaultfd when tracked) */
	uint32_t nthreads;
	struct gp_live_stats stats;
	char msg[512];
};

struct block {
	unsigned char *data;
	uint32_t lo, hi; /* readable bytes [lo, hi) of the block */
	uint32_t dirty;  /* tracked, read after a freeze: its pages (bits) changed since that freeze */
};

struct span {
	uint64_t addr;
	const unsigned char *data;
	size_t len;
};

/* The helper's answer to a freeze ('S'), then the threads. */
struct freeze_reply {
	int32_t ok, code;
	uint32_t nthreads;
	uint64_t stop_us;
	char msg[256];
};

struct gp_live {
	struct gp_arena *a;
	int pid, snap_pid;
	int tracked, frozen;    /* GP_LIVE_TRACK; a freeze happened (reads of new blocks are checked) */
	struct gp_wtrack wt;
	int memfd, pmfd, sock;  /* /proc/N/mem, /proc/N/pagemap of the snapshot (or the process) */
	pid_t helper;
	uint64_t attached_us;
	struct gp_image img;
	char exe_file[64];
	struct gp_live_stats stats;
	struct gp_addrmap blocks; /* block number + 1 -> index into blk */
	struct block *blk;
	size_t nblk, blkcap;
	struct gp_addrmap spans;  /* address -> index into sp: reads across blocks */
	/* Copies (read, u64) go through a ring of recycled blocks instead, so that walking every
	 * goroutine's stack does not make fresh memory of all of it (the kernel zeroes each new page). */
	struct block *scratch;    /* NSCRATCH of them, data allocated on first use */
	uint64_t *scratch_tag;    /* block number + 1 held by each, 0: empty */
	struct gp_addrmap touched; /* block number + 1 -> readable pages (lo << 8 | hi, in pages) of every
	                            * block read either way: what the analyses needed (gcore --go-only) */
	struct span *sp;
	size_t nsp, spcap;
};

/* ---- the helper (the tracer) ---- */

static void send_all(int sock, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = send(sock, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		len -= (size_t)w;
	}
}

enum { MAXFDS = 3 };

static void send_hello(int sock, const struct hello *h, const int *fds, const struct gp_thread *th, uint32_t n)
{
	struct iovec iov = {(void *)h, sizeof(*h)};
	union {
		char buf[CMSG_SPACE(MAXFDS * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fds && h->nfds > 0 && h->nfds <= MAXFDS) {
		m.msg_control = u.buf;
		m.msg_controllen = CMSG_SPACE((size_t)h->nfds * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)h->nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)h->nfds * sizeof(int));
	}
	if (sendmsg(sock, &m, MSG_NOSIGNAL) != (ssize_t)sizeof(*h))
		return;
	send_all(sock, th, (size_t)n * sizeof(*th));
}

/* The threads of p that are still there, main thread first. */
static struct gp_thread *order_threads(const struct gp_ptrace *p, int pid, struct gp_arena *a, uint32_t *n)
{
	struct gp_thread *th = GP_NEWN(a, struct gp_thread, p->n ? p->n : 1);
	*n = 0;
	for (int pass = 0; th && pass < 2; pass++)
		for (size_t i = 0; i < p->n; i++)
			if (!p->th[i].gone && (p->th[i].t.tid == pid) == (pass == 0))
				th[(*n)++] = p->th[i].t;
	return th;
}

/* Tracked mode, after the hello: stop every thread on 'S' (answering with the registers), let them
 * go on 'G' (answering with the pause), until gopsy's end closes — then let them go if stopped. */
static void serve_freezes(int pid, int sock, struct gp_arena *a)
{
	struct gp_ptrace p;
	int stopped = 0;
	uint64_t t0 = 0;
	for (;;) {
		char c;
		ssize_t r = read(sock, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (c == 'S' && !stopped) {
			struct freeze_reply fr = {0};
			t0 = gp_ptrace_now_us();
			struct gp_err *err = gp_ptrace_stop(&p, pid, 0, STOP_DEADLINE_MS, a);
			struct gp_thread *th = NULL;
			if (err) {
				fr.code = (int32_t)gp_err_code(err);
				snprintf(fr.msg, sizeof(fr.msg), "%s", gp_err_msg(err));
				gp_err_free(err);
			} else {
				stopped = 1;
				th = order_threads(&p, pid, a, &fr.nthreads);
				fr.ok = th != NULL;
				fr.stop_us = gp_ptrace_now_us() - t0;
			}
			send_all(sock, &fr, sizeof(fr));
			if (fr.ok)
				send_all(sock, th, fr.nthreads * sizeof(*th));
		} else if (c == 'G' && stopped) {
			gp_ptrace_release(&p);
			stopped = 0;
			uint64_t us = gp_ptrace_now_us() - t0;
			send_all(sock, &us, sizeof(us));
		}
	}
	if (stopped)
		gp_ptrace_release(&p);
}

static void fail_hello(int sock, struct gp_err *err)
{
	struct hello h = {0};
	h.code = (int32_t)gp_err_code(err);
	snprintf(h.msg, sizeof(h.msg), "%s", gp_err_msg(err));
	gp_err_free(err);
	send_hello(sock, &h, NULL, NULL, 0);
}

/* The snapshot child is gone; make the target reap it (a wait4 injected into its main thread,
 * stopped alone for the call), so that no zombie of it stays behind. */
static uint64_t reap_in_target(int pid, int child, struct gp_arena *a)
{
	struct gp_ptrace p;
	uint64_t t0 = gp_ptrace_now_us();
	if (gp_ptrace_stop(&p, pid, GP_PTRACE_ONE, STOP_DEADLINE_MS, a))
		return 0; /* gone, or not stoppable: the zombie stays (the process exited, or it is reaped with it) */
	const uint64_t args[6] = {(uint64_t)child, 0, (uint64_t)__WALL, 0, 0, 0};
	int64_t ret;
	gp_err_free(gp_ptrace_syscall(&p, 0, SYS_wait4, args, 0, &ret, NULL));
	gp_ptrace_release(&p);
	return gp_ptrace_now_us() - t0;
}

/* A snapshot child not needed after all, while the process is still stopped: killed, and reaped
 * by the process itself (wait4 injected into the thread that forked it). */
static void drop_child(struct gp_ptrace *p, size_t forker, int child)
{
	kill(child, SIGKILL);
	int st;
	while (waitpid(child, &st, __WALL) == child && !WIFEXITED(st) && !WIFSIGNALED(st))
		;
	const uint64_t args[6] = {(uint64_t)child, 0, (uint64_t)__WALL, 0, 0, 0};
	int64_t ret;
	gp_err_free(gp_ptrace_syscall(p, forker, SYS_wait4, args, 0, &ret, NULL));
}

static void helper_main(int pid, unsigned flags, int sock)
{
	static const int quiet[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2};
	for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		signal(quiet[i], SIG_IGN);
	setpgid(0, 0);
	prctl(PR_SET_NAME, "gopsy-snapshot");
	/* Hold none of gopsy's descriptors (a pipe gopsy writes to must see its end when gopsy ends):
	 * the socket becomes 3, the standard ones /dev/null. */
	if (sock != 3) {
		dup2(sock, 3);
		sock = 3;
	}
	int null = open("/dev/null", O_RDWR);
	for (int fd = 0; fd < 3 && null >= 0; fd++)
		dup2(null, fd);
	syscall(SYS_close_range, 4u, ~0u, 0u);
	struct gp_arena a;
	gp_arena_init(&a);
	struct hello h = {0};
	uint64_t t0 = gp_ptrace_now_us();
	struct gp_ptrace p;
	struct gp_err *err = gp_ptrace_stop(&p, pid, 0, STOP_DEADLINE_MS, &a);
	if (err) {
		fail_hello(sock, err);
		_exit(1);
	}
	uint64_t t1 = gp_ptrace_now_us();
	h.stats.stop_us = t1 - t0;
	/* The thread that forks: the first one stopped by the interrupt itself (not holding a signal). */
	size_t forker = p.n;
	for (size_t i = 0; i < p.n && forker == p.n; i++)
		if (!p.th[i].gone && !p.th[i].keep_sig)
			forker = i;
	for (size_t i = 0; i < p.n && forker == p.n; i++)
		if (!p.th[i].gone)
			forker = i;
	if (flags & GP_LIVE_TRACK) {
		/* No snapshot: a userfaultfd of the process's memory, and the threads let go again. */
		int uffd = -1;
		uint32_t n = 0;
		struct gp_thread *th = NULL;
		err = forker < p.n ? gp_ptrace_take_uffd(&p, forker, &uffd)
				   : gp_errorf(GP_ERR_GONE, "process %d: no thread left to run a system call in", pid);
		if (!err && !(th = order_threads(&p, pid, &a, &n)))
			err = &gp_err_nomem;
		gp_ptrace_release(&p);
		h.stats.setup_us = h.stats.pause_us = gp_ptrace_now_us() - t0;
		char path[64];
		int fds[MAXFDS] = {-1, -1, uffd};
		snprintf(path, sizeof(path), "/proc/%d/mem", pid);
		if (!err && (fds[0] = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			err = gp_errorf(GP_ERR_IO, "%s: %s", path, strerror(errno));
		snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
		if (!err && (fds[1] = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			err = gp_errorf(GP_ERR_IO, "%s: %s", path, strerror(errno));
		if (err) {
			fail_hello(sock, err);
			_exit(1);
		}
		h.ok = 1;
		h.nfds = MAXFDS;
		h.nthreads = h.stats.threads = n;
		h.stats.tracked = 1;
		snprintf(h.stats.no_fork_reason, sizeof(h.stats.no_fork_reason), "--track");
		send_hello(sock, &h, fds, th, n);
		for (int i = 0; i < MAXFDS; i++)
			close(fds[i]);
		serve_freezes(pid, sock, &a);
		_exit(0);
	}
	int child = 0;
	if (flags & GP_LIVE_NO_FORK) {
		snprintf(h.stats.no_fork_reason, sizeof(h.stats.no_fork_reason), "--no-fork");
	} else {
		/* PTRACE_O_EXITKILL during the call only: the child inherits it (it dies with this helper);
		 * should this helper die while the thread's registers are the injected ones, the process is
		 * killed rather than left running with a corrupted thread. */
		const uint64_t args[6] = {CLONE_FILES, 0, 0, 0, 0, 0};
		int64_t ret;
		err = gp_ptrace_syscall(&p, forker, SYS_clone, args, PTRACE_O_TRACECLONE | PTRACE_O_EXITKILL, &ret, &child);
		if (err) {
			snprintf(h.stats.no_fork_reason, sizeof(h.stats.no_fork_reason), "%s", gp_err_msg(err));
			gp_err_free(err);
			child = 0;
		} else if (ret < 0) {
			snprintf(h.stats.no_fork_reason, sizeof(h.stats.no_fork_reason), "clone in the process failed: %s",
				 strerror((int)-ret));
			child = 0;
		} else if (!child) {
			child = (int)ret;
		}
		if (child && gp_ptrace_wait_stopped(child, 1000) != 0) {
			snprintf(h.stats.no_fork_reason, sizeof(h.stats.no_fork_reason), "the snapshot child %d did not stop", child);
			drop_child(&p, forker, child);
			child = 0;
		}
		h.stats.fork_us = gp_ptrace_now_us() - t1;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", child ? child : pid);
	int memfd = open(path, O_RDONLY | O_CLOEXEC);
	if (memfd < 0) {
		err = gp_errorf(GP_ERR_IO, "%s: %s", path, strerror(errno));
		if (child)
			drop_child(&p, forker, child);
		gp_ptrace_release(&p);
		fail_hello(sock, err);
		_exit(1);
	}
	uint32_t n = 0;
	struct gp_thread *th = order_threads(&p, pid, &a, &n);
	if (child) {
		gp_ptrace_release(&p);
		h.stats.pause_us = gp_ptrace_now_us() - t0;
		h.stats.forked = 1;
	}
	h.ok = 1;
	h.snap_pid = child;
	h.nthreads = n;
	h.stats.threads = n;
	if (p.late_signals)
		snprintf(h.msg, sizeof(h.msg), "%s", p.late_signals);
	snprintf(path, sizeof(path), "/proc/%d/pagemap", child ? child : pid);
	int fds[2] = {memfd, open(path, O_RDONLY | O_CLOEXEC)};
	if (fds[1] < 0)
		fds[1] = open("/dev/null", O_RDONLY | O_CLOEXEC); /* no pagemap: every page counts as there */
	h.nfds = 2;
	send_hello(sock, &h, fds, th, n);
	close(fds[0]);
	close(fds[1]);
	/* Until gopsy is done: its end closes or is shut down (also when it dies). */
	for (;;) {
		char c;
		ssize_t r = read(sock, &c, 1);
		if (r > 0 || (r < 0 && errno == EINTR))
			continue;
		break;
	}
	if (child) {
		kill(child, SIGKILL);
		int st;
		while (waitpid(child, &st, __WALL) == child && !WIFEXITED(st) && !WIFSIGNALED(st))
			;
		uint64_t reap_us = reap_in_target(pid, child, &a);
		(void)!send(sock, &reap_us, sizeof(reap_us), MSG_NOSIGNAL); /* for --stats, if gopsy still listens */
	} else {
		gp_ptrace_release(&p);
	}
	_exit(0);
}

/* ---- gopsy's side ---- */

static int read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Contents of a small /proc file, NUL-terminated; length in *len. */
static char *slurp(struct gp_arena *a, const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (!buf)
		return NULL;
	char *out = gp_arena_strndup(a, buf, n);
	free(buf);
	if (len)
		*len = n;
	return out;
}

/* The image: mappings of the snapshot (the process's own when there is none), auxv, command. */
static struct gp_err *build_image(struct gp_live *l)
{
	struct gp_image *im = &l->img;
	int mpid = l->snap_pid ? l->snap_pid : l->pid;
	im->pid = l->pid;
	im->running = 1;
	im->where = "the process's memory";
	im->source = gp_arena_printf(l->a, "process %d", l->pid);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", mpid);
	char *maps = slurp(l->a, path, NULL);
	if (!maps)
		return gp_errorf(GP_ERR_GONE, "process %d: %s: %s", l->pid, path, strerror(errno));
	size_t lines = 1;
	for (const char *q = maps; *q; q++)
		lines += *q == '\n';
	im->segs = GP_NEWN(l->a, struct gp_segment, lines);
	im->files = GP_NEWN(l->a, struct gp_mapped_file, lines);
	if (!im->segs || !im->files || !im->source)
		return &gp_err_nomem;
	for (char *line = maps, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		unsigned long long lo, hi, off;
		char perms[8];
		int pathat = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &lo, &hi, perms, &off, &pathat) < 4)
			continue;
		const char *name = pathat ? line + pathat : "";
		struct gp_segment *s = &im->segs[im->nsegs++];
		s->vaddr = lo;
		s->memsz = hi - lo;
		s->flags = (perms[0] == 'r' ? PF_R : 0) | (perms[1] == 'w' ? PF_W : 0) | (perms[2] == 'x' ? PF_X : 0);
		/* [vvar] and [vvar_vclock] cannot be read through /proc/PID/mem */
		s->avail = perms[0] == 'r' && strncmp(name, "[vvar", 5) ? s->memsz : 0;
		s->filesz = s->avail;
		if (name[0] == '/') {
			struct gp_mapped_file *f = &im->files[im->nfiles++];
			f->start = lo;
			f->end = hi;
			f->file_offset = off;
			size_t nl = strlen(name);
			if (nl > 10 && !strcmp(name + nl - 10, " (deleted)"))
				nl -= 10;
			f->path = gp_arena_strndup(l->a, name, nl);
			if (!f->path)
				return &gp_err_nomem;
		}
	}
	gp_image_sort_segments(im);
	size_t n = 0;
	snprintf(path, sizeof(path), "/proc/%d/auxv", l->pid);
	char *auxv = slurp(l->a, path, &n);
	if (auxv) {
		im->nauxv = n / 16;
		im->auxv = GP_NEWN(l->a, uint64_t, 2 * im->nauxv + 2);
		if (!im->auxv)
			return &gp_err_nomem;
		memcpy(im->auxv, auxv, im->nauxv * 16);
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", l->pid);
	char *comm = slurp(l->a, path, NULL);
	if (comm) {
		comm[strcspn(comm, "\n")] = 0;
		snprintf(im->comm, sizeof(im->comm), "%s", comm);
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", l->pid);
	char *cmd = slurp(l->a, path, &n);
	if (cmd) {
		for (size_t i = 0; i + 1 < n; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		snprintf(im->psargs, sizeof(im->psargs), "%s", cmd);
	}
	snprintf(l->exe_file, sizeof(l->exe_file), "/proc/%d/exe", mpid);
	return NULL;
}

/* Why process pid cannot be traced before trying: gone, ourselves, another tracer. */
static struct gp_err *precheck(int pid)
{
	if (pid <= 0)
		return gp_errorf(GP_ERR_USAGE, "%d is not a process id", pid);
	if (pid == getpid())
		return gp_errorf(GP_ERR_USAGE, "process %d is gopsy itself", pid);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return gp_errorf(GP_ERR_NOT_FOUND, "no process %d", pid);
	char line[256];
	long tracer = 0;
	int zombie = 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "TracerPid:", 10))
			tracer = strtol(line + 10, NULL, 10);
		else if (!strncmp(line, "State:", 6) && (strchr(line, 'Z') || strchr(line, 'X')))
			zombie = 1;
	}
	fclose(f);
	if (zombie)
		return gp_errorf(GP_ERR_GONE, "process %d has exited (a zombie)", pid);
	if (tracer) {
		char comm[64] = "";
		snprintf(path, sizeof(path), "/proc/%ld/comm", tracer);
		FILE *c = fopen(path, "r");
		if (c) {
			if (fgets(comm, sizeof(comm), c))
				comm[strcspn(comm, "\n")] = 0;
			fclose(c);
		}
		return gp_errorf(GP_ERR_DENIED, "process %d is already traced by process %ld%s%s%s (a debugger?): detach it first",
				 pid, tracer, comm[0] ? " (" : "", comm, comm[0] ? ")" : "");
	}
	return NULL;
}

/* Tracked mode: register and protect every private writable mapping of the process. */
static struct gp_err *arm_all(struct gp_live *l)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", l->pid);
	char *maps = slurp(l->a, path, NULL);
	if (!maps)
		return gp_errorf(GP_ERR_GONE, "process %d: %s: %s", l->pid, path, strerror(errno));
	for (char *line = maps, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		unsigned long long lo, hi;
		char perms[8];
		if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r' || perms[1] != 'w' ||
		    perms[3] != 'p')
			continue;
		struct gp_err *err = gp_wtrack_arm(&l->wt, lo, hi);
		if (err)
			return err;
	}
	l->stats.protected_bytes = l->wt.protected_bytes;
	l->stats.untracked_bytes = l->wt.skipped_bytes;
	return NULL;
}

struct gp_err *gp_live_attach(int pid, unsigned flags, struct gp_arena *a, struct gp_live **out)
{
	*out = NULL;
	struct gp_err *err = precheck(pid);
	if (err)
		return err;
	struct gp_live *l = GP_NEW(a, struct gp_live);
	if (!l)
		return &gp_err_nomem;
	l->a = a;
	l->pid = pid;
	l->memfd = l->pmfd = l->sock = -1;
	l->wt.uffd = l->wt.pmfd = -1;
	l->attached_us = gp_ptrace_now_us();
	gp_addrmap_init(&l->blocks);
	gp_addrmap_init(&l->spans);
	gp_addrmap_init(&l->touched);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return gp_errorf(GP_ERR_IO, "socketpair: %s", strerror(errno));
	fflush(NULL);
	pid_t h = fork();
	if (h < 0) {
		close(sv[0]);
		close(sv[1]);
		return gp_errorf(GP_ERR_IO, "fork: %s", strerror(errno));
	}
	if (h == 0) {
		close(sv[0]);
		helper_main(pid, flags, sv[1]);
		_exit(1);
	}
	close(sv[1]);
	l->helper = h;
	l->sock = sv[0];
	struct hello hi;
	struct iovec iov = {&hi, sizeof(hi)};
	union {
		char buf[CMSG_SPACE(MAXFDS * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	ssize_t r;
	while ((r = recvmsg(l->sock, &m, MSG_WAITALL | MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (r != (ssize_t)sizeof(hi)) {
		err = gp_errorf(GP_ERR_INTERNAL, "process %d: the snapshot helper ended without an answer", pid);
		goto fail;
	}
	int uffd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(2 * sizeof(int))) {
			int fds[MAXFDS] = {-1, -1, -1};
			size_t nf = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			memcpy(fds, CMSG_DATA(c), (nf < MAXFDS ? nf : MAXFDS) * sizeof(int));
			l->memfd = fds[0];
			l->pmfd = fds[1];
			uffd = fds[2];
		}
	hi.msg[sizeof(hi.msg) - 1] = 0;
	if (!hi.ok) {
		err = gp_errorf(hi.code > 0 ? (enum gp_errcode)hi.code : GP_ERR_INTERNAL, "%s", hi.msg);
		goto fail;
	}
	l->stats = hi.stats;
	l->snap_pid = hi.snap_pid;
	l->img.nthreads = hi.nthreads;
	l->img.threads = GP_NEWN(a, struct gp_thread, hi.nthreads ? hi.nthreads : 1);
	if (!l->img.threads) {
		err = &gp_err_nomem;
		goto fail;
	}
	if (read_full(l->sock, l->img.threads, hi.nthreads * sizeof(struct gp_thread)) != 0 || l->memfd < 0) {
		err = gp_errorf(GP_ERR_INTERNAL, "process %d: the snapshot helper's answer is incomplete", pid);
		goto fail;
	}
	if ((err = build_image(l)))
		goto fail;
	if (hi.stats.tracked) {
		l->tracked = 1;
		int pm = uffd >= 0 ? fcntl(l->pmfd, F_DUPFD_CLOEXEC, 0) : -1;
		if (uffd < 0 || pm < 0) {
			if (uffd >= 0)
				close(uffd);
			err = gp_errorf(GP_ERR_INTERNAL, "process %d: the helper passed no userfaultfd", pid);
			goto fail;
		}
		if ((err = gp_wtrack_init(&l->wt, uffd, pm, a)) || (err = arm_all(l)))
			goto fail;
	}
	*out = l;
	return NULL;
fail:
	gp_err_free(gp_live_close(l));
	return err;
}

struct gp_err *gp_live_open_stopped(int pid, const struct gp_thread *threads, size_t nthreads,
				    const struct gp_siginfo *siginfo, struct gp_arena *a, struct gp_live **out)
{
	*out = NULL;
	struct gp_live *l = GP_NEW(a, struct gp_live);
	struct gp_thread *th = GP_NEWN(a, struct gp_thread, nthreads ? nthreads : 1);
	if (!l || !th)
		return &gp_err_nomem;
	l->a = a;
	l->pid = pid;
	l->sock = -1;
	gp_addrmap_init(&l->blocks);
	gp_addrmap_init(&l->spans);
	gp_addrmap_init(&l->touched);
	memcpy(th, threads, nthreads * sizeof(*th));
	l->img.threads = th;
	l->img.nthreads = nthreads;
	l->stats.threads = (uint32_t)nthreads;
	snprintf(l->stats.no_fork_reason, sizeof(l->stats.no_fork_reason), "held by its tracer");
	if (siginfo)
		l->img.siginfo = *siginfo;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	l->memfd = open(path, O_RDONLY | O_CLOEXEC);
	if (l->memfd < 0)
		return gp_errorf(GP_ERR_IO, "%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	l->pmfd = open(path, O_RDONLY | O_CLOEXEC);
	struct gp_err *err = build_image(l);
	if (err) {
		close(l->memfd);
		return err;
	}
	l->img.running = siginfo == NULL; /* dying of a signal: a crash, as a core would show it */
	*out = l;
	return NULL;
}

struct gp_err *gp_live_close(struct gp_live *l)
{
	if (!l)
		return NULL;
	if (l->tracked)
		gp_wtrack_fini(&l->wt); /* unregistered before the threads could be stopped again */
	if (l->memfd >= 0)
		close(l->memfd);
	if (l->pmfd >= 0)
		close(l->pmfd);
	l->memfd = l->pmfd = -1;
	if (l->sock >= 0) {
		shutdown(l->sock, SHUT_WR); /* the helper lets the process go / drops the snapshot */
		uint64_t reap_us;
		if (l->stats.forked && read_full(l->sock, &reap_us, sizeof(reap_us)) == 0)
			l->stats.reap_us = reap_us;
		close(l->sock);
	}
	l->sock = -1;
	struct gp_err *err = NULL;
	if (l->helper > 0) {
		int st;
		while (waitpid(l->helper, &st, 0) < 0 && errno == EINTR)
			;
		l->helper = 0;
		if (!l->stats.forked && !l->tracked)
			l->stats.pause_us = gp_ptrace_now_us() - l->attached_us;
	}
	return err;
}

const struct gp_image *gp_live_image(const struct gp_live *l)
{
	return &l->img;
}

const char *gp_live_exe_file(const struct gp_live *l)
{
	return l->exe_file;
}

const struct gp_live_stats *gp_live_stats(const struct gp_live *l)
{
	return &l->stats;
}

/* ---- memory ---- */

static ssize_t pread_all(struct gp_live *l, void *buf, size_t len, uint64_t addr)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = pread(l->memfd, (char *)buf + got, len - got, (off_t)(addr + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	l->stats.reads++;
	l->stats.read_bytes += got;
	return (ssize_t)got;
}

/* The readable run of adjacent readable segments containing addr: [*lo, *hi), followed back to
 * since and on to until where the segments go on (a block across a binary's data and bss is one
 * read, whichever side it is first read from). 0, or -1 when addr is not readable. */
static int readable_run(const struct gp_image *im, uint64_t addr, uint64_t since, uint64_t until, uint64_t *lo,
			uint64_t *hi)
{
	const struct gp_segment *s = gp_image_segment_at(im, addr);
	if (!s || addr - s->vaddr >= s->avail)
		return -1;
	*lo = s->vaddr;
	*hi = s->vaddr + s->avail;
	for (const struct gp_segment *p; *lo > since && (p = gp_image_segment_at(im, *lo - 1)) && p->avail == p->memsz &&
					 p->vaddr + p->avail == *lo;)
		*lo = p->vaddr;
	for (const struct gp_segment *n; *hi < until && s->avail == s->memsz && (n = gp_image_segment_at(im, *hi)) &&
					 n->vaddr == *hi && n->avail;
	     s = n)
		*hi = n->vaddr + n->avail;
	return 0;
}

/* Note [addr, addr+len) as read (whole pages, per block; a block's range only widens). */
static void touch(struct gp_live *l, uint64_t addr, uint64_t len)
{
	for (uint64_t at = addr & ~(uint64_t)4095; at < addr + len;) {
		uint64_t bn = at / BLOCK, b0 = bn * BLOCK, end = addr + len < b0 + BLOCK ? addr + len : b0 + BLOCK;
		uint32_t lo = (uint32_t)((at - b0) / 4096), hi = (uint32_t)((end - b0 + 4095) / 4096);
		int64_t v = gp_addrmap_get(&l->touched, bn + 1);
		if (v < 0) {
			(void)gp_addrmap_put(&l->touched, l->a, bn + 1, lo << 8 | hi);
		} else {
			uint32_t olo = (uint32_t)v >> 8, ohi = (uint32_t)v & 0xff;
			(void)gp_addrmap_set(&l->touched, bn + 1, (lo < olo ? lo : olo) << 8 | (hi > ohi ? hi : ohi));
		}
		at = b0 + BLOCK;
	}
}

static int any_range(void *ctx, uint64_t lo, uint64_t hi)
{
	(void)ctx;
	(void)lo;
	(void)hi;
	return 1;
}

/* Tracked mode, after a freeze: [addr, addr+len) was just read from the running process; count it
 * torn unless the tracking says it is unchanged since the freeze. */
static void check_read(struct gp_live *l, uint64_t addr, uint64_t len)
{
	if (l->tracked && l->frozen && len && gp_wtrack_changed(&l->wt, addr, addr + len, any_range, NULL) != 0)
		l->stats.torn++;
}

static int mark_dirty(void *ctx, uint64_t lo, uint64_t hi)
{
	uint64_t *m = ctx; /* m[0]: the block's start; m[1]: the mask */
	for (uint64_t at = lo & ~(uint64_t)4095; at < hi; at += 4096)
		if (at >= m[0] && at < m[0] + BLOCK)
			m[1] |= 1ull << ((at - m[0]) / 4096);
	return 0;
}

/* Tracked, after a freeze: the pages of block b (at b0) changed since the freeze, just read. Only
 * a use of one of them is torn: the rest of the block is as of the freeze. */
static void block_dirty(struct gp_live *l, struct block *b, uint64_t b0)
{
	b->dirty = 0;
	if (!l->tracked || !l->frozen || b->hi <= b->lo)
		return;
	uint64_t m[2] = {b0, 0};
	if (gp_wtrack_changed(&l->wt, b0 + b->lo, b0 + b->hi, mark_dirty, m) != 0)
		m[1] = ~0ull; /* no answer from the tracking: every page */
	b->dirty = (uint32_t)m[1];
}

/* A use of [off, off+len) of block b: torn when it touches a page changed since the freeze. */
static void block_use(struct gp_live *l, const struct block *b, uint64_t off, uint64_t len)
{
	if (b->dirty && len) {
		uint32_t p0 = (uint32_t)(off / 4096), p1 = (uint32_t)((off + len - 1) / 4096);
		uint32_t want = (uint32_t)((2ull << p1) - (1ull << p0));
		if (b->dirty & want)
			l->stats.torn++;
	}
}

/* Read block bn (the part of it that is readable, around addr) into data; 0, or -1. */
static int load_block(struct gp_live *l, uint64_t bn, uint64_t addr, unsigned char *data, struct block *b)
{
	uint64_t lo, hi;
	if (readable_run(&l->img, addr, bn * BLOCK, (bn + 1) * BLOCK, &lo, &hi) != 0)
		return -1;
	uint64_t b0 = bn * BLOCK, from = lo > b0 ? lo : b0, to = hi < b0 + BLOCK ? hi : b0 + BLOCK;
	ssize_t got = pread_all(l, data + (from - b0), (size_t)(to - from), from);
	if (got <= 0 || (uint64_t)got <= addr - from)
		return -1;
	b->data = data;
	b->lo = (uint32_t)(from - b0);
	b->hi = (uint32_t)(from - b0 + (uint64_t)got);
	block_dirty(l, b, b0);
	touch(l, b0 + b->lo, b->hi - b->lo); /* the read set, in pages: what a core can hold */
	return 0;
}

/* The recycled copy of block bn holding addr, or NULL. */
static const struct block *scratch_block(struct gp_live *l, uint64_t addr)
{
	uint64_t bn = addr / BLOCK;
	size_t k = (size_t)(bn % NSCRATCH);
	if (!l->scratch) {
		l->scratch = GP_NEWN(l->a, struct block, NSCRATCH);
		l->scratch_tag = GP_NEWN(l->a, uint64_t, NSCRATCH);
		if (!l->scratch || !l->scratch_tag)
			return NULL;
	}
	struct block *b = &l->scratch[k];
	if (l->scratch_tag[k] == bn + 1)
		return b;
	unsigned char *data = b->data ? b->data : gp_arena_alloc(l->a, BLOCK, 64);
	l->scratch_tag[k] = 0;
	if (!data || load_block(l, bn, addr, data, b) != 0) {
		b->data = data;
		return NULL;
	}
	l->scratch_tag[k] = bn + 1;
	return b;
}

static const struct block *get_block(struct gp_live *l, uint64_t addr)
{
	uint64_t bn = addr / BLOCK;
	int64_t i = gp_addrmap_get(&l->blocks, bn + 1);
	if (i >= 0)
		return &l->blk[i];
	if (l->tracked && l->stats.kept_bytes + BLOCK > GP_LIVE_TRACK_MAX_KEPT) {
		l->stats.over_budget = 1;
		return NULL;
	}
	unsigned char *data = gp_arena_alloc(l->a, BLOCK, 64);
	if (!data)
		return NULL;
	struct block nb;
	size_t k = (size_t)(bn % NSCRATCH);
	if (l->scratch && l->scratch_tag[k] == bn + 1) { /* copied already: no second read */
		nb = l->scratch[k];
		memcpy(data + nb.lo, nb.data + nb.lo, nb.hi - nb.lo);
		nb.data = data;
	} else if (load_block(l, bn, addr, data, &nb) != 0) {
		return NULL;
	}
	if (l->nblk == l->blkcap && !gp_arena_grow(l->a, (void **)&l->blk, l->nblk, &l->blkcap, sizeof(*l->blk), 1024))
		return NULL;
	if (gp_addrmap_put(&l->blocks, l->a, bn + 1, (uint32_t)l->nblk) < 0)
		return NULL;
	l->blk[l->nblk] = nb;
	l->stats.kept_bytes += BLOCK;
	return &l->blk[l->nblk++];
}

static const void *live_ptr(void *backend, uint64_t addr, size_t len)
{
	struct gp_live *l = backend;
	if (l->memfd < 0 || addr + len < addr)
		return NULL;
	uint64_t off = addr % BLOCK;
	if (off + len <= BLOCK) {
		const struct block *b = get_block(l, addr);
		if (!b || off < b->lo || off + len > b->hi)
			return NULL;
		block_use(l, b, off, len);
		return b->data + off;
	}
	/* Across blocks: one read of its own, kept by address. */
	int64_t i = gp_addrmap_get(&l->spans, addr);
	if (i >= 0 && l->sp[i].len >= len)
		return l->sp[i].data;
	uint64_t lo, hi;
	if (readable_run(&l->img, addr, addr, addr + len, &lo, &hi) != 0)
		return NULL;
	if (l->tracked && l->stats.kept_bytes + len > GP_LIVE_TRACK_MAX_KEPT) {
		l->stats.over_budget = 1;
		return NULL;
	}
	unsigned char *data = gp_arena_alloc(l->a, len, 64);
	if (!data || pread_all(l, data, len, addr) != (ssize_t)len)
		return NULL;
	check_read(l, addr, len);
	l->stats.kept_bytes += len;
	if (i >= 0) {
		l->sp[i].data = data;
		l->sp[i].len = len;
	} else if (l->nsp < UINT32_MAX &&
		   (l->nsp < l->spcap || gp_arena_grow(l->a, (void **)&l->sp, l->nsp, &l->spcap, sizeof(*l->sp), 256)) &&
		   gp_addrmap_put(&l->spans, l->a, addr, (uint32_t)l->nsp) > 0) {
		l->sp[l->nsp].addr = addr;
		l->sp[l->nsp].data = data;
		l->sp[l->nsp++].len = len;
	}
	return data;
}

static struct gp_err *live_read(void *backend, uint64_t addr, void *buf, size_t len)
{
	struct gp_live *l = backend;
	uint64_t off = addr % BLOCK;
	/* Tracked: everything through the kept blocks (they are what a freeze brings up to date). */
	for (uint64_t at = addr, left = len; l->tracked && l->memfd >= 0 && addr + len >= addr;) {
		uint64_t o = at % BLOCK, n = BLOCK - o < left ? BLOCK - o : left;
		const struct block *b = get_block(l, at);
		if (!b || o < b->lo || o + n > b->hi)
			break;
		block_use(l, b, o, n);
		memcpy((char *)buf + (at - addr), b->data + o, n);
		at += n;
		left -= n;
		if (!left)
			return NULL;
	}
	/* Within one block: the pinned copy, else the ring (not when tracked: a copy the ring holds is
	 * neither brought up to date by a freeze nor checked against it). */
	if (l->memfd >= 0 && !l->tracked && off + len <= BLOCK) {
		int64_t i = gp_addrmap_get(&l->blocks, addr / BLOCK + 1);
		const struct block *b = i >= 0 ? &l->blk[i] : scratch_block(l, addr);
		if (b && off >= b->lo && off + len <= b->hi) {
			memcpy(buf, b->data + off, len);
			return NULL;
		}
	}
	/* Bulk copies (a core being written) and reads across blocks go straight to the caller's buffer. */
	if (l->memfd >= 0 && pread_all(l, buf, len, addr) == (ssize_t)len) {
		check_read(l, addr, len); /* tracked: a read not kept (the rare block split by a hole) */
		touch(l, addr, len);
		return NULL; /* across blocks, or adjacent mappings */
	}
	/* Find the first byte that cannot be read, for a precise error. */
	for (uint64_t at = addr; at - addr < len;) {
		const struct gp_segment *s = gp_image_segment_at(&l->img, at);
		if (!s)
			return gp_errorf(GP_ERR_NOT_FOUND, "address 0x%llx is not mapped in process %d", (unsigned long long)at, l->pid);
		if (!s->avail)
			return gp_errorf(GP_ERR_TRUNCATED, "address 0x%llx of process %d is in a mapping that cannot be read",
					 (unsigned long long)at, l->pid);
		at = s->vaddr + s->memsz;
	}
	return gp_errorf(GP_ERR_IO, "0x%llx+%zu: process %d's memory could not be read: %s", (unsigned long long)addr, len,
			 l->pid, strerror(errno ? errno : EIO));
}

struct gp_err *gp_live_read_ranges(const struct gp_live *l, struct gp_arena *a, struct gp_range **out, size_t *n)
{
	*n = 0;
	struct gp_range *r = GP_NEWN(a, struct gp_range, l->touched.n + l->nsp + 1);
	if (!r)
		return &gp_err_nomem;
	size_t k = 0;
	for (size_t bn = 0; bn < l->touched.cap; bn++) {
		uint64_t key = l->touched.k[bn];
		if (!key)
			continue;
		uint64_t base = (key - 1) * BLOCK, v = l->touched.v[bn];
		r[k++] = (struct gp_range){base + (v >> 8) * 4096, base + (v & 0xff) * 4096};
	}
	for (size_t i = 0; i < l->nsp; i++)
		r[k++] = (struct gp_range){l->sp[i].addr, l->sp[i].addr + l->sp[i].len};
	size_t m = gp_ranges_normalize(r, k);
	*out = r;
	*n = m;
	return NULL;
}

static void live_release(void *backend)
{
	(void)backend; /* the blocks back pointers already handed out */
}

/* PAGEMAP_SCAN (target/pagemap_scan.h): the page tables walked by the kernel, unpopulated ranges
 * skipped without a look at each page. */
enum { PM_PRESENT = GP_PAGE_IS_PRESENT, PM_SWAPPED = GP_PAGE_IS_SWAPPED, PAGEMAP_MAX_SCAN = 64ull << 30 };

static ssize_t live_populated(void *backend, uint64_t lo, uint64_t hi, struct gp_range *out, size_t max,
			      uint64_t *next)
{
	struct gp_live *l = backend;
	*next = hi;
	if (l->pmfd < 0)
		return -1;
	lo &= ~(uint64_t)4095; /* whole pages: an unaligned start makes PAGEMAP_SCAN stop before it */
	hi = (hi + 4095) & ~(uint64_t)4095;
	struct gp_pm_region v[64];
	size_t n = max < 64 ? max : 64;
	struct gp_pm_scan_arg arg = {.size = sizeof(arg), .start = lo, .end = hi, .vec = (uint64_t)(uintptr_t)v,
				  .vec_len = n, .category_anyof_mask = PM_PRESENT | PM_SWAPPED,
				  .return_mask = PM_PRESENT | PM_SWAPPED};
	long r = ioctl(l->pmfd, GP_PAGEMAP_SCAN, &arg);
	if (r >= 0) {
		for (long i = 0; i < r; i++)
			out[i] = (struct gp_range){v[i].start, v[i].end};
		*next = arg.walk_end ? arg.walk_end : hi;
		return r;
	}
	if (hi - lo > PAGEMAP_MAX_SCAN)
		return -1; /* too large to read one entry per page */
	/* The pagemap file: 8 bytes per page, bit 63 present, bit 62 swapped. */
	uint64_t e[512];
	size_t k = 0;
	for (uint64_t at = lo; at < hi && k < max;) {
		size_t pages = (hi - at) / 4096 < 512 ? (size_t)((hi - at) / 4096) : 512;
		if (!pages)
			break;
		ssize_t got = pread(l->pmfd, e, pages * 8, (off_t)(at / 4096 * 8));
		if (got <= 0)
			return k ? (ssize_t)k : -1;
		for (size_t i = 0; i < (size_t)got / 8; i++, at += 4096) {
			if (!(e[i] >> 62))
				continue;
			if (k && out[k - 1].hi == at)
				out[k - 1].hi = at + 4096;
			else if (k < max)
				out[k++] = (struct gp_range){at, at + 4096};
			else {
				*next = at;
				return (ssize_t)k;
			}
		}
	}
	return (ssize_t)k;
}

/* ---- tracked mode: the freeze ---- */

static int u64_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

struct refresh {
	struct gp_live *l;
	unsigned char *data; /* the copy of [base, ...) */
	uint64_t base, lo, hi; /* what of it is held (the scan's ranges are whole pages) */
	uint64_t short_at;   /* the first byte that could not be read again, or UINT64_MAX */
};

static int refresh_range(void *ctx, uint64_t lo, uint64_t hi)
{
	struct refresh *r = ctx;
	lo = lo > r->lo ? lo : r->lo;
	hi = hi < r->hi ? hi : r->hi;
	if (lo >= hi)
		return 0;
	ssize_t got = pread_all(r->l, r->data + (lo - r->base), (size_t)(hi - lo), lo);
	r->l->stats.refreshed_bytes += got > 0 ? (uint64_t)got : 0;
	if ((uint64_t)(got > 0 ? got : 0) < hi - lo && r->short_at == UINT64_MAX)
		r->short_at = lo + (uint64_t)(got > 0 ? got : 0);
	return 0;
}

/* Read again what changed in [lo, hi) of the copy data (of [base, ...)); the first byte that could
 * not be read, or UINT64_MAX. */
static uint64_t refresh(struct gp_live *l, unsigned char *data, uint64_t base, uint64_t lo, uint64_t hi)
{
	struct refresh r = {l, data, base, lo, hi, UINT64_MAX};
	if (gp_wtrack_changed(&l->wt, lo, hi, refresh_range, &r) != 0)
		refresh_range(&r, lo, hi); /* no answer from the tracking: all of it */
	return r.short_at;
}

/* The kept blocks' numbers, sorted. */
static uint64_t *kept_sorted(struct gp_live *l, size_t *n)
{
	uint64_t *bn = GP_NEWN(l->a, uint64_t, l->nblk ? l->nblk : 1);
	*n = 0;
	for (size_t i = 0; bn && i < l->blocks.cap; i++)
		if (l->blocks.k[i])
			bn[(*n)++] = l->blocks.k[i] - 1;
	if (bn)
		gp_sort(bn, *n, sizeof(*bn), u64_cmp);
	return bn;
}

struct run_refresh {
	struct gp_live *l;
	int scan_failed;
};

/* A changed range of a run of kept blocks: read again, block by block, what each holds of it. */
static int refresh_run_range(void *ctx, uint64_t lo, uint64_t hi)
{
	struct run_refresh *rr = ctx;
	struct gp_live *l = rr->l;
	for (uint64_t at = lo; at < hi;) {
		uint64_t bn = at / BLOCK, b0 = bn * BLOCK, end = hi < b0 + BLOCK ? hi : b0 + BLOCK;
		int64_t i = gp_addrmap_get(&l->blocks, bn + 1);
		if (i >= 0) {
			struct block *b = &l->blk[i];
			struct refresh r = {l, b->data, b0, b0 + b->lo, b0 + b->hi, UINT64_MAX};
			refresh_range(&r, at, end);
			if (r.short_at != UINT64_MAX) /* unmapped since: the block holds what is still there before it */
				b->hi = r.short_at - b0 > b->lo ? (uint32_t)(r.short_at - b0) : b->lo;
		}
		at = end;
	}
	return 0;
}

/* Inside a freeze: what changed in the kept blocks, read again — one scan per run of adjacent
 * blocks (at 100k goroutines, ~4,000 blocks in a few dozen runs). */
static void refresh_blocks(struct gp_live *l, const uint64_t *bn, size_t n)
{
	struct run_refresh rr = {l, 0};
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && bn[j] == bn[j - 1] + 1)
			j++;
		uint64_t lo = bn[i] * BLOCK, hi = (bn[j - 1] + 1) * BLOCK;
		if (gp_wtrack_changed(&l->wt, lo, hi, refresh_run_range, &rr) != 0)
			refresh_run_range(&rr, lo, hi); /* no answer from the tracking: all of it */
		i = j;
	}
}

struct gp_err *gp_live_freeze(struct gp_live *l)
{
	if (!l->tracked)
		return gp_errorf(GP_ERR_USAGE, "process %d is not attached in write-tracked mode", l->pid);
	size_t nkept;
	uint64_t *kept = kept_sorted(l, &nkept); /* before the pause */
	if (!kept)
		return &gp_err_nomem;
	if (send(l->sock, "S", 1, MSG_NOSIGNAL) != 1)
		return gp_errorf(GP_ERR_GONE, "process %d: the snapshot helper is gone", l->pid);
	struct freeze_reply fr;
	if (read_full(l->sock, &fr, sizeof(fr)) != 0)
		return gp_errorf(GP_ERR_GONE, "process %d: the snapshot helper ended without an answer", l->pid);
	fr.msg[sizeof(fr.msg) - 1] = 0;
	if (!fr.ok)
		return gp_errorf(fr.code > 0 ? (enum gp_errcode)fr.code : GP_ERR_INTERNAL, "%s", fr.msg);
	struct gp_err *err = NULL;
	struct gp_thread *th = GP_NEWN(l->a, struct gp_thread, fr.nthreads ? fr.nthreads : 1);
	if (read_full(l->sock, th ? (void *)th : (void *)&fr, th ? fr.nthreads * sizeof(*th) : 0) != 0)
		err = gp_errorf(GP_ERR_GONE, "process %d: the snapshot helper's answer is incomplete", l->pid);
	else if (!th)
		err = &gp_err_nomem;
	/* With the threads stopped: the mappings, then what changed in what is kept. */
	if (!err) {
		l->img.nsegs = l->img.nfiles = 0;
		err = build_image(l);
	}
	l->stats.refreshed_bytes = 0;
	if (!err)
		refresh_blocks(l, kept, nkept);
	for (size_t i = 0; !err && i < l->nblk; i++)
		l->blk[i].dirty = 0; /* brought up to date: as of this freeze */
	for (size_t i = 0; !err && i < l->nsp; i++)
		if (l->sp[i].len &&
		    refresh(l, (unsigned char *)l->sp[i].data, l->sp[i].addr, l->sp[i].addr, l->sp[i].addr + l->sp[i].len) !=
			    UINT64_MAX)
			l->sp[i].len = 0; /* read again when asked for */
	if (!err)
		err = gp_wtrack_rearm(&l->wt);
	uint64_t pause_us = 0;
	if (send(l->sock, "G", 1, MSG_NOSIGNAL) != 1 || read_full(l->sock, &pause_us, sizeof(pause_us)) != 0) {
		gp_err_free(err);
		return gp_errorf(GP_ERR_GONE, "process %d: the snapshot helper is gone", l->pid);
	}
	if (err)
		return err;
	l->img.threads = th;
	l->img.nthreads = fr.nthreads;
	l->stats.threads = fr.nthreads;
	l->stats.stop_us = fr.stop_us;
	l->stats.freeze_us = pause_us;
	l->stats.pause_us += pause_us;
	l->stats.freezes++;
	l->stats.torn = 0;
	l->frozen = 1;
	return NULL;
}

uint64_t gp_live_torn(const struct gp_live *l)
{
	return l->stats.torn;
}

static const struct gp_target_mem live_mem = {live_ptr, live_read, live_release, live_populated};

const struct gp_target_mem *gp_live_mem(void)
{
	return &live_mem;
}
