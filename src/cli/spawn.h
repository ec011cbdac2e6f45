/* spawn.h — running a child process for the CLI (demo, run): fork/exec with a chosen working
 * directory, extra environment, stdout/stderr redirected to files and an unlimited core size. */
#ifndef GOPSY_CLI_SPAWN_H
#define GOPSY_CLI_SPAWN_H

#include <stddef.h>

#include "base/err.h"

struct spawn_opts {
	const char *cwd;          /* NULL: inherit */
	char *const *env_extra;   /* NULL-terminated "K=V" added to (overriding) the environment */
	const char *stdout_path;  /* NULL: inherit */
	const char *stderr_path;  /* NULL: inherit */
	int core_unlimited;       /* set RLIMIT_CORE to infinity in the child */
};

/* Run argv[0] (looked up in PATH) and wait. *wstatus is the waitpid status. */
struct gp_err *spawn_wait(char *const argv[], const struct spawn_opts *o, int *wstatus) GP_MUST_USE;

/* Describe a wait status: "exited with status 2", "killed by SIGABRT (core dumped)". */
const char *spawn_status_str(int wstatus, char *buf, size_t n);

#endif
