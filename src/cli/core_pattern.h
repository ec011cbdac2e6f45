/* core_pattern.h — where the kernel will put a core dump (/proc/sys/kernel/core_pattern): plain file
 * in the working directory, elsewhere, or piped to a program (systemd-coredump, apport), in which
 * case no file appears and gopsy must say so instead of waiting for one. */
#ifndef GOPSY_CLI_CORE_PATTERN_H
#define GOPSY_CLI_CORE_PATTERN_H

#include <stddef.h>

#include "base/err.h"

struct core_pattern {
	char pattern[512];
	int piped;     /* starts with '|' */
	int in_cwd;    /* a relative file name: the core lands in the crashing process's cwd */
};

struct gp_err *core_pattern_read(struct core_pattern *cp) GP_MUST_USE;

/* After a crash in dir: the newest regular file in dir that is an ELF core, written into path. */
struct gp_err *core_pattern_find(const char *dir, char *path, size_t n) GP_MUST_USE;

#endif
