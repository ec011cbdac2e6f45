/* cmd_demo.c — `gopsy demo`: build a small Go service, let it crash with GOTRACEBACK=crash, capture
 * its core and show what gopsy reads from it. Needs a Go toolchain: $GOPSY_GO, else `go` on PATH.
 * The README's first command (`make demo`) runs this. */
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/arena.h"
#include "cli/cli.h"
#include "cli/core_pattern.h"
#include "cli/spawn.h"
#include "target/core.h"

/* A little order service: workers waiting for jobs, a goroutine stuck on a mutex, a sleeper, a
 * select loop, then a handler that dereferences a nil pointer. Valid Go 1.19+. */
static const char demo_go[] =
	"package main\n"
	"\n"
	"import (\n"
	"\t\"fmt\"\n"
	"\t\"os\"\n"
	"\t\"sync\"\n"
	"\t\"time\"\n"
	")\n"
	"\n"
	"type order struct {\n"
	"\tid       int\n"
	"\tcustomer *customer\n"
	"}\n"
	"\n"
	"type customer struct{ name string }\n"
	"\n"
	"var (\n"
	"\tbooks sync.Mutex\n"
	"\tready sync.WaitGroup\n"
	")\n"
	"\n"
	"func worker(jobs <-chan order) {\n"
	"\tready.Done()\n"
	"\tfor o := range jobs {\n"
	"\t\tfmt.Println(o.id)\n"
	"\t}\n"
	"}\n"
	"\n"
	"func auditor() {\n"
	"\tready.Done()\n"
	"\tbooks.Lock()\n"
	"\tdefer books.Unlock()\n"
	"}\n"
	"\n"
	"func ticker(stop chan struct{}) {\n"
	"\tready.Done()\n"
	"\tselect {\n"
	"\tcase <-stop:\n"
	"\tcase <-time.After(time.Hour):\n"
	"\t}\n"
	"}\n"
	"\n"
	"//go:noinline\n"
	"func (o *order) customerName() string { return o.customer.name }\n"
	"\n"
	"func handle(o *order) {\n"
	"\tfmt.Fprintln(os.Stderr, \"handling order\", o.id, \"for\", o.customerName())\n"
	"}\n"
	"\n"
	"func main() {\n"
	"\tjobs := make(chan order)\n"
	"\tbooks.Lock()\n"
	"\tready.Add(6)\n"
	"\tfor i := 0; i < 4; i++ {\n"
	"\t\tgo worker(jobs)\n"
	"\t}\n"
	"\tgo auditor()\n"
	"\tgo ticker(make(chan struct{}))\n"
	"\tgo func() { time.Sleep(time.Hour) }()\n"
	"\tready.Wait()\n"
	"\ttime.Sleep(100 * time.Millisecond)\n"
	"\tdone := make(chan bool)\n"
	"\tgo func() { handle(&order{id: 42}); done <- true }()\n"
	"\t<-done\n"
	"}\n";

static const char *signame(int sig)
{
	const char *s = sigabbrev_np(sig);
	return s ? s : "?";
}

static struct gp_err *write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return gp_errorf(GP_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	fputs(text, f);
	if (fclose(f) != 0)
		return gp_errorf(GP_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	return NULL;
}

/* Count the goroutine headers ("goroutine N [") the runtime printed. */
static int count_goroutines(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[4096];
	int n = 0;
	unsigned long long id;
	char c;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "goroutine %llu %c", &id, &c) == 2 && (c == '[' || c == 'g'))
			n++;
	fclose(f);
	return n;
}

static void show_core(const struct gp_core *c)
{
	printf("  executable (NT_FILE): %s\n", gp_image_exe_path(&c->img) ? gp_image_exe_path(&c->img) : "(not recorded)");
	printf("  process: pid %d, command \"%s\"\n", c->img.pid, c->img.comm);
	if (c->img.siginfo.present)
		printf("  signal: SIG%s (si_code %d)\n", signame(c->img.siginfo.signo), c->img.siginfo.code);
	uint64_t mem = 0, dumped = 0;
	for (size_t i = 0; i < c->img.nsegs; i++) {
		mem += c->img.segs[i].memsz;
		dumped += c->img.segs[i].avail;
	}
	printf("  memory: %zu segments, %.1f MiB mapped, %.1f MiB dumped%s\n", c->img.nsegs, mem / 1048576.0,
	       dumped / 1048576.0, c->img.truncated_bytes ? " (TRUNCATED)" : "");
	printf("  threads: %zu\n", c->img.nthreads);
	for (size_t i = 0; i < c->img.nthreads; i++) {
		const struct gp_thread *t = &c->img.threads[i];
		printf("    tid %-7d rip=0x%llx rsp=0x%llx fs_base=0x%llx%s%s\n", t->tid,
		       (unsigned long long)t->regs[GP_X86_RIP], (unsigned long long)t->regs[GP_X86_RSP],
		       (unsigned long long)t->regs[GP_X86_FS_BASE], t->cursig ? "  signal SIG" : "",
		       t->cursig ? signame(t->cursig) : "");
	}
}

int cmd_demo(int argc, char **argv)
{
	const char *dir_opt = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir_opt = argv[++i];
		else
			return cli_fail(gp_errorf(GP_ERR_USAGE, "usage: gopsy demo [--dir DIR]"));
	}
	struct core_pattern cp;
	struct gp_err *err = core_pattern_read(&cp);
	if (err)
		return cli_fail(err);
	if (cp.piped)
		return cli_fail(gp_errorf(GP_ERR_UNSUPPORTED,
			"core dumps on this machine are piped to a program (core_pattern \"%s\"), so the demo cannot "
			"capture one; as root: sysctl kernel.core_pattern=core", cp.pattern));

	char dir[4096];
	if (dir_opt) {
		snprintf(dir, sizeof(dir), "%s", dir_opt);
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return cli_fail(gp_errorf(GP_ERR_IO, "cannot create %s: %s", dir, strerror(errno)));
	} else {
		snprintf(dir, sizeof(dir), "%s/gopsy-demo-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(dir))
			return cli_fail(gp_errorf(GP_ERR_IO, "cannot create a directory in /tmp: %s", strerror(errno)));
	}
	char src[4200], bin[4200], out[4200], errp[4200], core[4200];
	snprintf(src, sizeof(src), "%s/main.go", dir);
	snprintf(bin, sizeof(bin), "%s/order-service", dir);
	snprintf(out, sizeof(out), "%s/stdout.txt", dir);
	snprintf(errp, sizeof(errp), "%s/stderr.txt", dir);
	if ((err = write_file(src, demo_go)))
		return cli_fail(err);
	/* Remove cores of earlier runs so the one found afterwards is this run's. */
	while (!(err = core_pattern_find(dir, core, sizeof(core))))
		if (unlink(core) != 0)
			return cli_fail(gp_errorf(GP_ERR_IO, "cannot remove old core %s: %s", core, strerror(errno)));
	gp_err_free(err);

	const char *go = getenv("GOPSY_GO") ? getenv("GOPSY_GO") : "go";
	printf("gopsy demo: building a small Go order service (%s) with %s\n", src, go);
	fflush(stdout);
	char *build_argv[] = {(char *)go, "build", "-o", bin, "main.go", NULL};
	char *build_env[] = {"GOTOOLCHAIN=local", "GOPROXY=off", "GOFLAGS=-mod=mod", "CGO_ENABLED=0", NULL};
	struct spawn_opts bo = {.cwd = dir, .env_extra = build_env};
	int ws;
	char why[128];
	if ((err = spawn_wait(build_argv, &bo, &ws)))
		return cli_fail(gp_err_wrap(err, "the demo needs a Go toolchain (set GOPSY_GO=/path/to/bin/go, or run `make demo`)"));
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		return cli_fail(gp_errorf(GP_ERR_IO, "go build %s", spawn_status_str(ws, why, sizeof(why))));

	printf("gopsy demo: running it with GOTRACEBACK=crash and unlimited core size; it is about to crash\n");
	fflush(stdout);
	char *run_argv[] = {bin, NULL};
	char *run_env[] = {"GOTRACEBACK=crash", NULL};
	struct spawn_opts ro = {.cwd = dir, .env_extra = run_env, .stdout_path = out, .stderr_path = errp,
				.core_unlimited = 1};
	if ((err = spawn_wait(run_argv, &ro, &ws)))
		return cli_fail(err);
	printf("gopsy demo: the service %s\n", spawn_status_str(ws, why, sizeof(why)));
	printf("gopsy demo: the Go runtime printed %d goroutines to stderr: %s\n", count_goroutines(errp), errp);
	if (!cp.in_cwd)
		return cli_fail(gp_errorf(GP_ERR_NOT_FOUND,
			"core_pattern is \"%s\": the core was written there, not in %s; run gopsy on it directly",
			cp.pattern, dir));
	if ((err = core_pattern_find(dir, core, sizeof(core))))
		return cli_fail(gp_err_wrap(err, "no core captured (ulimit -c? core_pattern \"%s\")", cp.pattern));

	struct gp_arena arena;
	gp_arena_init(&arena);
	struct gp_core *c;
	if ((err = gp_core_open(core, &arena, &c))) {
		gp_arena_deinit(&arena);
		return cli_fail(err);
	}
	printf("gopsy demo: core captured: %s\n", core);
	show_core(c);
	gp_core_close(c);
	gp_arena_deinit(&arena);
	printf("\ngopsy demo: the runtime's dump, rebuilt from the core alone (gopsy goroutines %s):\n\n", core);
	fflush(stdout);
	char *gargv[] = {"goroutines", core, NULL};
	int rc = cmd_goroutines(2, gargv);
	fflush(stdout);
	printf("\ngopsy demo: compare with what the runtime printed as it died: %s\n"
	       "            (gopsy goroutines --traceback=crash %s gives it byte for byte, with\n"
	       "            runtime frames and fp/sp/pc like GOTRACEBACK=crash)\n",
	       errp, core);
	printf("\ngopsy demo: and why it died, what was stuck (gopsy report %s):\n\n", core);
	fflush(stdout);
	char *rargv[] = {"report", core, NULL};
	int rc2 = cmd_report(2, rargv);
	fflush(stdout);
	return rc ? rc : rc2;
}
