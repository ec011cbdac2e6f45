/* core.c — reading ELF core files with libelf (see core.h). Every note is bounds-checked against its
 * descriptor size: a hostile or truncated core yields an error or a partial index, never a crash. */
#include "target/core.h"

#include "target/elffile.h"

#include "base/le.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

struct core_priv {
	struct gp_core pub;
	struct gp_elffile f;
};

/* x86-64 struct elf_prstatus: pr_cursig at 12, pr_pid at 32, pr_reg at 112. */
enum { PRSTATUS_CURSIG = 12, PRSTATUS_PID = 32, PRSTATUS_REG = 112,
       PRSTATUS_MIN = PRSTATUS_REG + GP_X86_NREGS * 8 };
/* x86-64 struct elf_prpsinfo: pr_pid at 24, pr_fname[16] at 40, pr_psargs[80] at 56. */
enum { PRPSINFO_PID = 24, PRPSINFO_FNAME = 40, PRPSINFO_PSARGS = 56, PRPSINFO_MIN = 136 };

static struct gp_err *parse_file_note(struct gp_core *c, struct gp_arena *a, const unsigned char *d,
				      size_t n)
{
	if (n < 16)
		return gp_errorf(GP_ERR_FORMAT, "%s: NT_FILE note too short (%zu bytes)", c->path, n);
	uint64_t count = gp_le64(d), page = gp_le64(d + 8);
	if (count > (n - 16) / 24)
		return gp_errorf(GP_ERR_FORMAT, "%s: NT_FILE note claims %llu files in %zu bytes", c->path,
				 (unsigned long long)count, n);
	c->img.files = GP_NEWN(a, struct gp_mapped_file, count ? count : 1);
	if (!c->img.files)
		return &gp_err_nomem;
	const unsigned char *names = d + 16 + count * 24, *end = d + n;
	for (uint64_t i = 0; i < count; i++) {
		const unsigned char *e = d + 16 + i * 24;
		const unsigned char *nul = names < end ? memchr(names, 0, (size_t)(end - names)) : NULL;
		if (!nul)
			break; /* names truncated: keep what is complete */
		struct gp_mapped_file *f = &c->img.files[c->img.nfiles++];
		f->start = gp_le64(e);
		f->end = gp_le64(e + 8);
		f->file_offset = gp_le64(e + 16) * page;
		f->path = gp_arena_strndup(a, (const char *)names, (size_t)(nul - names));
		if (!f->path)
			return &gp_err_nomem;
		names = nul + 1;
	}
	return NULL;
}

static struct gp_err *parse_notes(struct gp_core *c, struct gp_arena *a, Elf *elf, const GElf_Phdr *ph,
				  size_t *thread_cap)
{
	Elf_Data *data = elf_getdata_rawchunk(elf, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_NHDR);
	if (!data)
		return gp_errorf(GP_ERR_TRUNCATED, "%s: note segment at file offset 0x%llx (+0x%llx) is not in the file: %s",
				 c->path, (unsigned long long)ph->p_offset, (unsigned long long)ph->p_filesz,
				 elf_errmsg(-1));
	GElf_Nhdr nh;
	size_t off = 0, name_off, desc_off, next;
	while (off < data->d_size && (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		const unsigned char *name = (const unsigned char *)data->d_buf + name_off;
		const unsigned char *desc = (const unsigned char *)data->d_buf + desc_off;
		size_t n = nh.n_descsz;
		off = next;
		if (nh.n_namesz != 5 || memcmp(name, "CORE", 5) != 0)
			continue;
		switch (nh.n_type) {
		case NT_PRSTATUS: {
			if (n < PRSTATUS_MIN)
				return gp_errorf(GP_ERR_FORMAT, "%s: NT_PRSTATUS note of %zu bytes (need %d): not an x86-64 core?",
						 c->path, n, PRSTATUS_MIN);
			if (c->img.nthreads == *thread_cap) {
				size_t cap = *thread_cap ? *thread_cap * 2 : 16;
				struct gp_thread *t = GP_NEWN(a, struct gp_thread, cap);
				if (!t)
					return &gp_err_nomem;
				if (c->img.nthreads)
					memcpy(t, c->img.threads, c->img.nthreads * sizeof(*t));
				c->img.threads = t;
				*thread_cap = cap;
			}
			struct gp_thread *t = &c->img.threads[c->img.nthreads++];
			t->tid = (int32_t)gp_le32(desc + PRSTATUS_PID);
			t->cursig = (int16_t)gp_le16(desc + PRSTATUS_CURSIG);
			for (int r = 0; r < GP_X86_NREGS; r++)
				t->regs[r] = gp_le64(desc + PRSTATUS_REG + 8 * r);
			break;
		}
		case NT_PRPSINFO:
			if (n >= PRPSINFO_MIN) {
				c->img.pid = (int32_t)gp_le32(desc + PRPSINFO_PID);
				memcpy(c->img.comm, desc + PRPSINFO_FNAME, 16);
				memcpy(c->img.psargs, desc + PRPSINFO_PSARGS, 80);
			}
			break;
		case NT_SIGINFO:
			if (n >= 24) {
				c->img.siginfo.present = 1;
				c->img.siginfo.signo = (int32_t)gp_le32(desc);
				c->img.siginfo.errnum = (int32_t)gp_le32(desc + 4);
				c->img.siginfo.code = (int32_t)gp_le32(desc + 8);
				c->img.siginfo.addr = gp_le64(desc + 16);
				c->img.siginfo.pid = (int32_t)gp_le32(desc + 16);
			}
			break;
		case NT_AUXV:
			c->img.nauxv = n / 16;
			c->img.auxv = GP_NEWN(a, uint64_t, 2 * c->img.nauxv + 2);
			if (!c->img.auxv)
				return &gp_err_nomem;
			memcpy(c->img.auxv, desc, c->img.nauxv * 16);
			break;
		case NT_FILE: {
			struct gp_err *err = parse_file_note(c, a, desc, n);
			if (err)
				return err;
			break;
		}
		default:
			break;
		}
	}
	return NULL;
}


struct gp_err *gp_core_open(const char *path, struct gp_arena *a, struct gp_core **out)
{
	*out = NULL;
	struct core_priv *p = GP_NEW(a, struct core_priv);
	if (!p)
		return &gp_err_nomem;
	struct gp_core *c = &p->pub;
	c->path = gp_arena_strdup(a, path);
	c->img.source = gp_arena_printf(a, "core %s", path);
	c->img.where = "the core";
	if (!c->path || !c->img.source)
		return &gp_err_nomem;
	struct gp_err *err = gp_elffile_open(&p->f, path, "core");
	if (err)
		return err;
	const GElf_Ehdr *eh = &p->f.eh;
	if (eh->e_type != ET_CORE) {
		err = gp_errorf(GP_ERR_FORMAT, "%s is an ELF file but not a core dump (e_type %u)", path, eh->e_type);
		goto fail;
	}
	if (eh->e_machine != EM_X86_64 || eh->e_ident[EI_CLASS] != ELFCLASS64) {
		err = gp_errorf(GP_ERR_UNSUPPORTED, "%s: only x86-64 cores are supported (e_machine %u)", path,
				eh->e_machine);
		goto fail;
	}
	c->map = p->f.map;
	c->size = p->f.size;
	size_t nph;
	if (elf_getphdrnum(p->f.elf, &nph) != 0) {
		err = gp_errorf(GP_ERR_FORMAT, "%s: cannot read program headers: %s", path, elf_errmsg(-1));
		goto fail;
	}
	c->img.segs = GP_NEWN(a, struct gp_segment, nph ? nph : 1);
	if (!c->img.segs) {
		err = &gp_err_nomem;
		goto fail;
	}
	size_t thread_cap = 0;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(p->f.elf, (int)i, &ph)) {
			err = gp_errorf(GP_ERR_FORMAT, "%s: program header %zu unreadable: %s", path, i, elf_errmsg(-1));
			goto fail;
		}
		if (ph.p_type == PT_NOTE) {
			if ((err = parse_notes(c, a, p->f.elf, &ph, &thread_cap)))
				goto fail;
		} else if (ph.p_type == PT_LOAD) {
			struct gp_segment *s = &c->img.segs[c->img.nsegs++];
			s->vaddr = ph.p_vaddr;
			s->memsz = ph.p_memsz;
			s->offset = ph.p_offset;
			s->filesz = ph.p_filesz < ph.p_memsz ? ph.p_filesz : ph.p_memsz;
			s->flags = ph.p_flags;
			s->avail = s->offset >= c->size ? 0
				 : (c->size - s->offset < s->filesz ? c->size - s->offset : s->filesz);
			c->img.truncated_bytes += s->filesz - s->avail;
		}
	}
	gp_image_sort_segments(&c->img);
	if (c->img.nthreads == 0) {
		err = gp_errorf(GP_ERR_TRUNCATED, "%s: core has no thread (NT_PRSTATUS) notes", path);
		goto fail;
	}
	*out = c;
	return NULL;
fail:
	gp_core_close(c);
	return err;
}

void gp_core_close(struct gp_core *core)
{
	if (!core)
		return;
	gp_elffile_close(&((struct core_priv *)core)->f);
	core->map = NULL;
}


const void *gp_core_ptr(const struct gp_core *core, uint64_t addr, size_t len)
{
	const struct gp_segment *s = gp_image_segment_at(&core->img, addr);
	if (!s)
		return NULL;
	uint64_t off = addr - s->vaddr;
	if (off > s->avail || len > s->avail - off)
		return NULL;
	return core->map + s->offset + off;
}

struct gp_err *gp_core_read(const struct gp_core *core, uint64_t addr, void *buf, size_t len)
{
	unsigned char *dst = buf;
	while (len) {
		const struct gp_segment *s = gp_image_segment_at(&core->img, addr);
		if (!s)
			return gp_errorf(GP_ERR_NOT_FOUND, "address 0x%llx is not mapped in core %s",
					 (unsigned long long)addr, core->path);
		uint64_t off = addr - s->vaddr;
		if (off >= s->avail)
			return gp_errorf(GP_ERR_TRUNCATED,
					 off < s->filesz ? "address 0x%llx is past the end of truncated core %s"
							 : "address 0x%llx was not dumped into core %s (file-backed or excluded mapping)",
					 (unsigned long long)addr, core->path);
		size_t n = s->avail - off < len ? (size_t)(s->avail - off) : len;
		memcpy(dst, core->map + s->offset + off, n);
		dst += n;
		addr += n;
		len -= n;
	}
	return NULL;
}

void gp_core_release_pages(const struct gp_core *core)
{
	uintptr_t start = (uintptr_t)core->map & ~(uintptr_t)4095;
	if (core->map)
		madvise((void *)start, core->size + ((uintptr_t)core->map - start), MADV_DONTNEED);
}



