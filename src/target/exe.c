/* exe.c — reading ELF executables with libelf (see exe.h). */
#include "target/exe.h"

#include "target/elffile.h"

#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>

struct exe_priv {
	struct gp_exe pub;
	struct gp_elffile f;
};

static int range_in_file(const struct gp_exe *e, uint64_t off, uint64_t len)
{
	return off <= e->size && len <= e->size - off;
}

/* Walk the notes in [p, p+n) looking for the Go and GNU build IDs. */
static struct gp_err *scan_notes(struct gp_exe *e, struct gp_arena *a, Elf *elf, uint64_t off, uint64_t n)
{
	if (!range_in_file(e, off, n))
		return NULL;
	Elf_Data *d = elf_getdata_rawchunk(elf, (int64_t)off, n, ELF_T_NHDR);
	if (!d)
		return NULL;
	GElf_Nhdr nh;
	size_t pos = 0, name_off, desc_off, next;
	while (pos < d->d_size && (next = gelf_getnote(d, pos, &nh, &name_off, &desc_off)) > 0) {
		const char *name = (const char *)d->d_buf + name_off;
		const unsigned char *desc = (const unsigned char *)d->d_buf + desc_off;
		pos = next;
		if (nh.n_type == 4 && nh.n_namesz == 4 && !memcmp(name, "Go\0\0", 4) && !e->go_buildid) {
			e->go_buildid = gp_arena_strndup(a, (const char *)desc, strnlen((const char *)desc, nh.n_descsz));
			if (!e->go_buildid)
				return &gp_err_nomem;
			e->go_buildid_vaddr = gp_exe_offset_to_vaddr(e, off + desc_off);
		} else if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && !memcmp(name, "GNU", 4) &&
			   !e->gnu_buildid && nh.n_descsz <= 64) {
			char *hex = gp_arena_alloc(a, 2 * nh.n_descsz + 1, 1);
			if (!hex)
				return &gp_err_nomem;
			for (size_t i = 0; i < nh.n_descsz; i++)
				snprintf(hex + 2 * i, 3, "%02x", desc[i]);
			hex[2 * nh.n_descsz] = '\0';
			e->gnu_buildid = hex;
		}
	}
	return NULL;
}

struct gp_err *gp_exe_open(const char *path, struct gp_arena *a, struct gp_exe **out)
{
	*out = NULL;
	struct exe_priv *p = GP_NEW(a, struct exe_priv);
	if (!p)
		return &gp_err_nomem;
	struct gp_exe *e = &p->pub;
	if (!(e->path = gp_arena_strdup(a, path)))
		return &gp_err_nomem;
	struct gp_err *err = gp_elffile_open(&p->f, path, "executable");
	if (err)
		return err;
	GElf_Ehdr eh = p->f.eh;
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		err = gp_errorf(GP_ERR_FORMAT, "%s is not an executable (ELF type %u%s)", path, eh.e_type,
				eh.e_type == ET_CORE ? ": a core dump" : "");
		goto fail;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB) {
		err = gp_errorf(GP_ERR_UNSUPPORTED, "%s: only 64-bit little-endian executables are supported", path);
		goto fail;
	}
	e->type = eh.e_type;
	e->machine = eh.e_machine;
	e->entry = eh.e_entry;
	e->map = p->f.map;
	e->size = p->f.size;
	size_t nph, nsh, shstrndx;
	if (elf_getphdrnum(p->f.elf, &nph) != 0) {
		err = gp_errorf(GP_ERR_FORMAT, "%s: cannot read program headers: %s", path, elf_errmsg(-1));
		goto fail;
	}
	e->segs = GP_NEWN(a, struct gp_exe_segment, nph ? nph : 1);
	if (!e->segs) {
		err = &gp_err_nomem;
		goto fail;
	}
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(p->f.elf, (int)i, &ph))
			continue;
		if (ph.p_type == PT_INTERP)
			e->has_interp = 1;
		else if (ph.p_type == PT_TLS)
			e->has_tls = 1;
		else if (ph.p_type == PT_GNU_EH_FRAME)
			e->has_eh_frame_hdr = 1;
		if (ph.p_type != PT_LOAD)
			continue;
		struct gp_exe_segment *s = &e->segs[e->nsegs++];
		s->vaddr = ph.p_vaddr;
		s->memsz = ph.p_memsz;
		s->offset = ph.p_offset;
		s->filesz = ph.p_filesz;
		if (!range_in_file(e, s->offset, s->filesz)) /* truncated file: keep what is there */
			s->filesz = s->offset < e->size ? e->size - s->offset : 0;
		s->flags = ph.p_flags;
	}
	for (size_t i = 0; i < nph; i++) { /* notes after the segments, to place them in memory */
		GElf_Phdr ph;
		if (gelf_getphdr(p->f.elf, (int)i, &ph) && ph.p_type == PT_NOTE &&
		    (err = scan_notes(e, a, p->f.elf, ph.p_offset, ph.p_filesz)))
			goto fail;
	}
	if (elf_getshdrnum(p->f.elf, &nsh) == 0 && nsh > 0 && elf_getshdrstrndx(p->f.elf, &shstrndx) == 0) {
		e->secs = GP_NEWN(a, struct gp_exe_section, nsh);
		if (!e->secs) {
			err = &gp_err_nomem;
			goto fail;
		}
		Elf_Scn *scn = NULL;
		while ((scn = elf_nextscn(p->f.elf, scn))) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh))
				continue;
			const char *name = elf_strptr(p->f.elf, shstrndx, sh.sh_name);
			struct gp_exe_section *s = &e->secs[e->nsecs++];
			s->name = name ? name : "";
			s->addr = sh.sh_addr;
			s->size = sh.sh_size;
			s->offset = sh.sh_offset;
			s->type = sh.sh_type;
			s->flags = sh.sh_flags;
			if (sh.sh_type == SHT_NOTE && (err = scan_notes(e, a, p->f.elf, sh.sh_offset, sh.sh_size)))
				goto fail;
		}
	}
	*out = e;
	return NULL;
fail:
	gp_exe_close(e);
	return err;
}

void gp_exe_close(struct gp_exe *exe)
{
	if (!exe)
		return;
	gp_elffile_close(&((struct exe_priv *)exe)->f);
	exe->map = NULL;
}

const struct gp_exe_section *gp_exe_section(const struct gp_exe *exe, const char *name)
{
	for (size_t i = 0; i < exe->nsecs; i++)
		if (!strcmp(exe->secs[i].name, name))
			return &exe->secs[i];
	return NULL;
}

const unsigned char *gp_exe_section_data(const struct gp_exe *exe, const struct gp_exe_section *s)
{
	if (!s || s->type == SHT_NOBITS || !range_in_file(exe, s->offset, s->size))
		return NULL;
	return exe->map + s->offset;
}

uint64_t gp_exe_offset_to_vaddr(const struct gp_exe *exe, uint64_t off)
{
	for (size_t i = 0; i < exe->nsegs; i++) {
		const struct gp_exe_segment *s = &exe->segs[i];
		if (off >= s->offset && off - s->offset < s->filesz)
			return s->vaddr + (off - s->offset);
	}
	return 0;
}

const struct gp_exe_segment *gp_exe_segment_at(const struct gp_exe *exe, uint64_t vaddr)
{
	for (size_t i = 0; i < exe->nsegs; i++) {
		const struct gp_exe_segment *s = &exe->segs[i];
		if (vaddr >= s->vaddr && vaddr - s->vaddr < s->memsz)
			return s;
	}
	return NULL;
}

const unsigned char *gp_exe_ptr_avail(const struct gp_exe *exe, uint64_t vaddr, size_t *avail)
{
	const struct gp_exe_segment *s = gp_exe_segment_at(exe, vaddr);
	if (!s || vaddr - s->vaddr >= s->filesz) {
		*avail = 0;
		return NULL;
	}
	*avail = (size_t)(s->filesz - (vaddr - s->vaddr));
	return exe->map + s->offset + (vaddr - s->vaddr);
}

const unsigned char *gp_exe_ptr(const struct gp_exe *exe, uint64_t vaddr, size_t len)
{
	size_t avail;
	const unsigned char *p = gp_exe_ptr_avail(exe, vaddr, &avail);
	return p && len <= avail ? p : NULL;
}

static int find_sym(const struct gp_exe *exe, uint32_t type, const char *name, uint64_t *value, uint64_t *size)
{
	Elf *elf = ((const struct exe_priv *)exe)->f.elf;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != type || sh.sh_entsize == 0)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(d, (int)i, &sym))
				break;
			const char *s = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (s && !strcmp(s, name)) {
				*value = sym.st_value;
				if (size)
					*size = sym.st_size;
				return 1;
			}
		}
	}
	return 0;
}

int gp_exe_has_symtab(const struct gp_exe *exe)
{
	for (size_t i = 0; i < exe->nsecs; i++)
		if (exe->secs[i].type == SHT_SYMTAB)
			return 1;
	return 0;
}

struct gp_err *gp_exe_symbol(const struct gp_exe *exe, const char *name, uint64_t *value, uint64_t *size)
{
	if (find_sym(exe, SHT_SYMTAB, name, value, size) || find_sym(exe, SHT_DYNSYM, name, value, size))
		return NULL;
	return gp_errorf(GP_ERR_NOT_FOUND, "symbol %s not found in %s%s", name, exe->path,
			 gp_exe_has_symtab(exe) ? "" : " (no .symtab: stripped)");
}
