/* elffile.c — opening and closing ELF files with libelf (see elffile.h). */
#include "target/elffile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

struct gp_err *gp_elffile_open(struct gp_elffile *f, const char *path, const char *what)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return gp_errorf(GP_ERR_INTERNAL, "libelf: %s", elf_errmsg(-1));
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return gp_errorf(GP_ERR_IO, "cannot open %s %s: %s", what, path, strerror(errno));
	f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (!f->elf || elf_kind(f->elf) != ELF_K_ELF || !gelf_getehdr(f->elf, &f->eh)) {
		gp_elffile_close(f);
		return gp_errorf(GP_ERR_FORMAT, "%s is not an ELF file", path);
	}
	f->map = (const unsigned char *)elf_rawfile(f->elf, &f->size);
	return NULL;
}

void gp_elffile_close(struct gp_elffile *f)
{
	if (f->elf)
		elf_end(f->elf);
	if (f->fd >= 0)
		close(f->fd);
	f->elf = NULL;
	f->fd = -1;
	f->map = NULL;
}
