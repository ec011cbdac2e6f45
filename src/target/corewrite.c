/* corewrite.c — an ELF core file from a process image and its memory (see corewrite.h). The
 * headers are <elf.h>'s own structures, written in the kernel's layout (fs/binfmt_elf.c): ELF
 * header, program headers (the note first), the notes, then the segments page-aligned. */
#include "target/corewrite.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { PAGE = 4096, CHUNK = 1 << 20 };
/* x86-64 struct elf_prstatus (336 bytes) and elf_prpsinfo (136), as core.c reads them. */
enum { PRSTATUS_SIZE = 336, PRSTATUS_CURSIG = 12, PRSTATUS_PID = 32, PRSTATUS_REG = 112,
       PRPSINFO_SIZE = 136, PRPSINFO_STATE = 0, PRPSINFO_SNAME = 1, PRPSINFO_PID = 24, PRPSINFO_FNAME = 40,
       PRPSINFO_PSARGS = 56 };

struct buf {
	unsigned char *p;
	size_t n, cap;
	int oom;
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->n + n)
			cap *= 2;
		unsigned char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	if (data)
		memcpy(b->p + b->n, data, n);
	else
		memset(b->p + b->n, 0, n);
	b->n += n;
}

static void pad4(struct buf *b)
{
	static const unsigned char z[4];
	put(b, z, (4 - b->n % 4) % 4);
}

static void note(struct buf *b, uint32_t type, const void *desc, size_t n)
{
	Elf64_Nhdr h = {.n_namesz = 5, .n_descsz = (Elf64_Word)n, .n_type = type};
	put(b, &h, sizeof(h));
	put(b, "CORE\0\0\0", 8); /* "CORE" NUL, padded to 4 */
	put(b, desc, n);
	pad4(b);
}

static void notes(struct buf *b, const struct gp_image *im)
{
	for (size_t i = 0; i < im->nthreads; i++) {
		unsigned char d[PRSTATUS_SIZE] = {0};
		const struct gp_thread *t = &im->threads[i];
		int16_t sig = (int16_t)t->cursig;
		memcpy(d + PRSTATUS_CURSIG, &sig, 2);
		memcpy(d + PRSTATUS_PID, &t->tid, 4);
		memcpy(d + PRSTATUS_REG, t->regs, sizeof(t->regs));
		note(b, NT_PRSTATUS, d, sizeof(d));
	}
	if (im->siginfo.present) { /* NT_SIGINFO: the siginfo_t the kernel writes (128 bytes) */
		unsigned char si[128] = {0};
		const struct gp_siginfo *g = &im->siginfo;
		memcpy(si, &g->signo, 4);
		memcpy(si + 4, &g->errnum, 4);
		memcpy(si + 8, &g->code, 4);
		int fault = g->code > 0 && (g->signo == SIGSEGV || g->signo == SIGBUS || g->signo == SIGILL || g->signo == SIGFPE ||
					    g->signo == SIGTRAP);
		if (fault)
			memcpy(si + 16, &g->addr, 8);
		else
			memcpy(si + 16, &g->pid, 4);
		note(b, NT_SIGINFO, si, sizeof(si));
	}
	unsigned char ps[PRPSINFO_SIZE] = {0};
	ps[PRPSINFO_STATE] = 1;
	ps[PRPSINFO_SNAME] = 'S';
	memcpy(ps + PRPSINFO_PID, &im->pid, 4);
	memcpy(ps + PRPSINFO_FNAME, im->comm, strnlen(im->comm, 16));
	memcpy(ps + PRPSINFO_PSARGS, im->psargs, strnlen(im->psargs, 80));
	note(b, NT_PRPSINFO, ps, sizeof(ps));
	if (im->nauxv) {
		struct buf a = {0};
		put(&a, im->auxv, im->nauxv * 16);
		if (!im->nauxv || im->auxv[2 * (im->nauxv - 1)] != AT_NULL)
			put(&a, NULL, 16);
		note(b, NT_AUXV, a.p, a.n);
		b->oom |= a.oom;
		free(a.p);
	}
	struct buf f = {0};
	uint64_t hdr[2] = {im->nfiles, PAGE};
	put(&f, hdr, sizeof(hdr));
	for (size_t i = 0; i < im->nfiles; i++) {
		uint64_t e[3] = {im->files[i].start, im->files[i].end, im->files[i].file_offset / PAGE};
		put(&f, e, sizeof(e));
	}
	for (size_t i = 0; i < im->nfiles; i++)
		put(&f, im->files[i].path, strlen(im->files[i].path) + 1);
	note(b, NT_FILE, f.p, f.n);
	b->oom |= f.oom;
	free(f.p);
}

struct load {
	uint64_t vaddr, memsz, filesz;
	uint32_t flags;
};

/* The kernel's default choice for one mapping: how many bytes from its start to dump. */
static uint64_t default_dump(const struct gp_image *im, const struct gp_segment *s, const struct gp_target_mem *mem,
			     void *backend)
{
	if (!s->avail || s->vaddr >= 0xffff800000000000ull) /* [vvar], [vsyscall] */
		return 0;
	const struct gp_mapped_file *f = gp_image_file_at(im, s->vaddr);
	if (!f || (s->flags & PF_W))
		return s->avail;
	const unsigned char *p = f->file_offset == 0 ? mem->ptr(backend, s->vaddr, 4) : NULL;
	return p && !memcmp(p, ELFMAG, SELFMAG) && s->avail >= PAGE ? PAGE : 0; /* the ELF header */
}

static int full_write(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static struct gp_err *write_segment(int fd, const struct load *l, const struct gp_target_mem *mem, void *backend,
				    unsigned char *chunk, struct gp_corewrite_stats *st)
{
	for (uint64_t off = 0; off < l->filesz;) {
		size_t n = l->filesz - off < CHUNK ? (size_t)(l->filesz - off) : CHUNK;
		struct gp_err *err = mem->read(backend, l->vaddr + off, chunk, n);
		if (err) { /* page by page: what cannot be read is written as zeros, and counted */
			gp_err_free(err);
			for (size_t p = 0; p < n; p += PAGE) {
				size_t m = n - p < PAGE ? n - p : PAGE;
				if ((err = mem->read(backend, l->vaddr + off + p, chunk + p, m))) {
					gp_err_free(err);
					memset(chunk + p, 0, m);
					st->unreadable += m;
				}
			}
		}
		if (full_write(fd, chunk, n) != 0)
			return gp_errorf(GP_ERR_IO, "writing the core: %s", strerror(errno));
		off += n;
		st->dumped += n;
	}
	return NULL;
}

struct gp_err *gp_core_write(const char *path, const struct gp_image *im, const struct gp_target_mem *mem,
			     void *backend, const struct gp_range *regions, size_t nregions, struct gp_corewrite_stats *st)
{
	memset(st, 0, sizeof(*st));
	size_t cap = regions ? nregions : im->nsegs;
	struct load *loads = calloc(cap ? cap : 1, sizeof(*loads));
	struct buf nb = {0};
	unsigned char *chunk = malloc(CHUNK);
	struct gp_err *err = NULL;
	int fd = -1;
	if (!loads || !chunk) {
		err = &gp_err_nomem;
		goto out;
	}
	size_t n = 0;
	for (size_t i = 0; i < cap; i++) {
		struct load *l = &loads[n];
		if (regions) {
			const struct gp_segment *s = gp_image_segment_at(im, regions[i].lo);
			if (!s || regions[i].hi <= regions[i].lo)
				continue;
			uint64_t end = s->vaddr + s->avail;
			if (regions[i].lo >= end)
				continue;
			l->vaddr = regions[i].lo;
			l->memsz = l->filesz = (regions[i].hi < end ? regions[i].hi : end) - regions[i].lo;
			l->flags = s->flags;
		} else {
			const struct gp_segment *s = &im->segs[i];
			l->vaddr = s->vaddr;
			l->memsz = s->memsz;
			l->filesz = default_dump(im, s, mem, backend);
			l->flags = s->flags;
		}
		n++;
	}
	notes(&nb, im);
	if (nb.oom) {
		err = &gp_err_nomem;
		goto out;
	}
	Elf64_Ehdr eh = {0};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	size_t nph = n + 1;
	if (nph >= PN_XNUM) {
		err = gp_errorf(GP_ERR_UNSUPPORTED, "%zu segments: more than an ELF core's program header count holds", n);
		goto out;
	}
	eh.e_phnum = (Elf64_Half)nph;
	uint64_t note_off = sizeof(eh) + nph * sizeof(Elf64_Phdr);
	uint64_t data_off = (note_off + nb.n + PAGE - 1) / PAGE * PAGE;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = gp_errorf(GP_ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	struct buf hb = {0};
	put(&hb, &eh, sizeof(eh));
	Elf64_Phdr np = {.p_type = PT_NOTE, .p_offset = note_off, .p_filesz = nb.n, .p_align = 4};
	put(&hb, &np, sizeof(np));
	uint64_t off = data_off;
	for (size_t i = 0; i < n; i++) {
		Elf64_Phdr ph = {.p_type = PT_LOAD, .p_flags = loads[i].flags, .p_offset = off, .p_vaddr = loads[i].vaddr,
				 .p_filesz = loads[i].filesz, .p_memsz = loads[i].memsz, .p_align = PAGE};
		put(&hb, &ph, sizeof(ph));
		off += loads[i].filesz;
	}
	put(&hb, nb.p, nb.n);
	put(&hb, NULL, data_off - note_off - nb.n);
	if (hb.oom)
		err = &gp_err_nomem;
	else if (full_write(fd, hb.p, hb.n) != 0)
		err = gp_errorf(GP_ERR_IO, "writing %s: %s", path, strerror(errno));
	free(hb.p);
	for (size_t i = 0; i < n && !err; i++)
		err = write_segment(fd, &loads[i], mem, backend, chunk, st);
	st->loads = (uint32_t)n;
	st->bytes = off;
out:
	if (fd >= 0 && close(fd) != 0 && !err)
		err = gp_errorf(GP_ERR_IO, "%s: %s", path, strerror(errno));
	free(loads);
	free(nb.p);
	free(chunk);
	return err;
}
