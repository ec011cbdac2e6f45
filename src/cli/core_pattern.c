/* core_pattern.c — reading the kernel's core_pattern and finding the core it produced (see
 * core_pattern.h). */
#include "cli/core_pattern.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct gp_err *core_pattern_read(struct core_pattern *cp)
{
	memset(cp, 0, sizeof(*cp));
	FILE *f = fopen("/proc/sys/kernel/core_pattern", "r");
	if (!f)
		return gp_errorf(GP_ERR_IO, "cannot read /proc/sys/kernel/core_pattern: %s", strerror(errno));
	if (!fgets(cp->pattern, sizeof(cp->pattern), f))
		cp->pattern[0] = '\0';
	fclose(f);
	cp->pattern[strcspn(cp->pattern, "\n")] = '\0';
	cp->piped = cp->pattern[0] == '|';
	cp->in_cwd = !cp->piped && cp->pattern[0] != '/';
	return NULL;
}

static int is_core(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	Elf64_Ehdr eh;
	ssize_t n = read(fd, &eh, sizeof(eh));
	close(fd);
	return n == (ssize_t)sizeof(eh) && !memcmp(eh.e_ident, ELFMAG, SELFMAG) && eh.e_type == ET_CORE;
}

struct gp_err *core_pattern_find(const char *dir, char *path, size_t n)
{
	DIR *d = opendir(dir);
	if (!d)
		return gp_errorf(GP_ERR_IO, "cannot list %s: %s", dir, strerror(errno));
	struct dirent *e;
	time_t best = 0;
	path[0] = '\0';
	while ((e = readdir(d))) {
		char p[4096];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode) || st.st_mtime < best || !is_core(p))
			continue;
		best = st.st_mtime;
		snprintf(path, n, "%s", p);
	}
	closedir(d);
	if (!path[0])
		return gp_errorf(GP_ERR_NOT_FOUND, "no core file appeared in %s", dir);
	return NULL;
}
