/* elffile.h — an ELF file opened with libelf: the descriptor, the Elf handle, the file's bytes
 * (mapped by libelf, never copied) and its header. The open/close life cycle that the core and
 * executable readers share. */
#ifndef GOPSY_TARGET_ELFFILE_H
#define GOPSY_TARGET_ELFFILE_H

#include <gelf.h>
#include <libelf.h>
#include <stddef.h>

#include "base/err.h"

struct gp_elffile {
	int fd;
	Elf *elf;
	const unsigned char *map;
	size_t size;
	GElf_Ehdr eh;
};

/* Open path; `what` names the file in messages ("core", "executable"). GP_ERR_IO if it cannot be
 * opened, GP_ERR_FORMAT if it is not ELF. On error nothing is left open. */
struct gp_err *gp_elffile_open(struct gp_elffile *f, const char *path, const char *what) GP_MUST_USE;
void gp_elffile_close(struct gp_elffile *f);

#endif
