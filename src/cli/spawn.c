/* spawn.c — fork/exec/wait for the CLI (see spawn.h). */
#include "cli/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void redirect(const char *path, int fd)
{
	if (!path)
		return;
	int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (f < 0 || dup2(f, fd) < 0)
		_exit(126);
	close(f);
}

struct gp_err *spawn_wait(char *const argv[], const struct spawn_opts *o, int *wstatus)
{
	pid_t pid = fork();
	if (pid < 0)
		return gp_errorf(GP_ERR_IO, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (o->cwd && chdir(o->cwd) != 0)
			_exit(126);
		for (char *const *e = o->env_extra; e && *e; e++)
			putenv(*e);
		redirect(o->stdout_path, 1);
		redirect(o->stderr_path, 2);
		if (o->core_unlimited) {
			struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
			if (setrlimit(RLIMIT_CORE, &rl) != 0) {
				getrlimit(RLIMIT_CORE, &rl);
				rl.rlim_cur = rl.rlim_max;
				setrlimit(RLIMIT_CORE, &rl);
			}
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, wstatus, 0) < 0)
		if (errno != EINTR)
			return gp_errorf(GP_ERR_IO, "waitpid: %s", strerror(errno));
	if (WIFEXITED(*wstatus) && WEXITSTATUS(*wstatus) == 127)
		return gp_errorf(GP_ERR_NOT_FOUND, "cannot run %s (not found or not executable)", argv[0]);
	if (WIFEXITED(*wstatus) && WEXITSTATUS(*wstatus) == 126)
		return gp_errorf(GP_ERR_IO, "cannot set up the child process for %s (directory or output file)", argv[0]);
	return NULL;
}

const char *spawn_status_str(int ws, char *buf, size_t n)
{
	if (WIFEXITED(ws))
		snprintf(buf, n, "exited with status %d", WEXITSTATUS(ws));
	else if (WIFSIGNALED(ws))
		snprintf(buf, n, "killed by SIG%s%s", sigabbrev_np(WTERMSIG(ws)) ? sigabbrev_np(WTERMSIG(ws)) : "?",
			 WCOREDUMP(ws) ? " (core dumped)" : " (no core dumped)");
	else
		snprintf(buf, n, "wait status 0x%x", ws);
	return buf;
}
