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
#include <sys/stat.h>
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

struct load {
	uint64_t vaddr, memsz, filesz;
	uint32_t flags;
	uint64_t offset; /* in the file */
};

struct loads {
	struct load *v;
	size_t n, cap;
};

static struct load *push(struct loads *ls)
{
	if (ls->n == ls->cap) {
		size_t cap = ls->cap ? 2 * ls->cap : 64;
		struct load *v = realloc(ls->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		ls->v = v;
		ls->cap = cap;
	}
	struct load *l = &ls->v[ls->n++];
	memset(l, 0, sizeof(*l));
	return l;
}

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

/* A mapping larger than this (an address-space reservation: sanitizer shadows, arenas) is dumped
 * as one segment per populated range, the rest left out; a smaller one is one segment whose
 * unpopulated pages are holes of the file (zeros, as the kernel writes them). */
enum { GAP_MERGE = 1 << 20 };
static const uint64_t huge_mapping = 64ull << 30;

/* The populated ranges of a huge mapping [lo, hi), each a segment; 0, -1 when it cannot be told
 * (then nothing of it is dumped). */
static int split_huge(struct loads *ls, const struct gp_segment *s, uint64_t lo, uint64_t hi,
		      const struct gp_target_mem *mem, void *backend)
{
	struct gp_range r[64];
	for (uint64_t at = lo; at < hi;) {
		uint64_t next;
		ssize_t n = mem->populated ? mem->populated(backend, at, hi, r, 64, &next) : -1;
		if (n < 0)
			return -1;
		for (ssize_t i = 0; i < n; i++) {
			struct load *last = ls->n ? &ls->v[ls->n - 1] : NULL;
			if (last && last->vaddr >= lo && r[i].lo - (last->vaddr + last->memsz) < GAP_MERGE) {
				last->memsz = last->filesz = r[i].hi - last->vaddr;
				continue;
			}
			struct load *l = push(ls);
			if (!l)
				return -1;
			*l = (struct load){.vaddr = r[i].lo, .memsz = r[i].hi - r[i].lo, .filesz = r[i].hi - r[i].lo,
					   .flags = s->flags};
		}
		if (next <= at)
			return -1; /* no progress: left out, and said so */
		at = next;
	}
	return 0;
}

static struct gp_err *copy_range(int fd, const struct load *l, uint64_t lo, uint64_t hi, const struct gp_target_mem *mem,
				 void *backend, unsigned char *chunk, struct gp_corewrite_stats *st)
{
	for (uint64_t at = lo; at < hi;) {
		size_t n = hi - at < CHUNK ? (size_t)(hi - at) : CHUNK;
		struct gp_err *err = mem->read(backend, at, chunk, n);
		if (err) { /* page by page: what cannot be read is written as zeros, and counted */
			gp_err_free(err);
			for (size_t p = 0; p < n; p += PAGE) {
				size_t m = n - p < PAGE ? n - p : PAGE;
				if ((err = mem->read(backend, at + p, chunk + p, m))) {
					gp_err_free(err);
					memset(chunk + p, 0, m);
					st->unreadable += m;
				}
			}
		}
		off_t off = (off_t)(l->offset + (at - l->vaddr));
		for (size_t done = 0; done < n;) {
			ssize_t w = pwrite(fd, chunk + done, n - done, off + (off_t)done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return gp_errorf(GP_ERR_IO, "writing the core: %s", w < 0 ? strerror(errno) : "short write");
			done += (size_t)w;
		}
		at += n;
		st->dumped += n;
	}
	return NULL;
}

/* One segment: its populated pages, the others left as holes; all of it when that cannot be told,
 * or when it is file-backed (a page of a file that was never touched is the file's, not zero: it
 * is read, and so faulted in from the file). */
static struct gp_err *write_segment(int fd, const struct gp_image *im, const struct load *l,
				    const struct gp_target_mem *mem, void *backend, unsigned char *chunk,
				    struct gp_corewrite_stats *st)
{
	uint64_t end = l->vaddr + l->filesz;
	struct gp_range r[64];
	int anon = !gp_image_file_at(im, l->vaddr);
	for (uint64_t at = l->vaddr; at < end;) {
		uint64_t next;
		ssize_t n = anon && mem->populated ? mem->populated(backend, at, end, r, 64, &next) : -1;
		if (n < 0)
			return copy_range(fd, l, at, end, mem, backend, chunk, st);
		for (ssize_t i = 0; i < n; i++) {
			uint64_t lo = r[i].lo < at ? at : r[i].lo, hi = r[i].hi > end ? end : r[i].hi;
			struct gp_err *err = lo < hi ? copy_range(fd, l, lo, hi, mem, backend, chunk, st) : NULL;
			if (err)
				return err;
		}
		if (next <= at) /* the listing made no progress: copy the rest whole rather than leave it out */
			return copy_range(fd, l, at, end, mem, backend, chunk, st);
		at = next;
	}
	return NULL;
}

struct gp_err *gp_core_write(const char *path, const struct gp_image *im, const struct gp_target_mem *mem,
			     void *backend, const struct gp_range *regions, size_t nregions, struct gp_corewrite_stats *st)
{
	memset(st, 0, sizeof(*st));
	struct loads ls = {0};
	struct buf nb = {0};
	struct buf hb = {0};
	unsigned char *chunk = malloc(CHUNK);
	struct gp_err *err = NULL;
	int fd = -1;
	if (!chunk) {
		err = &gp_err_nomem;
		goto out;
	}
	size_t cap = regions ? nregions : im->nsegs;
	for (size_t i = 0; i < cap; i++) {
		if (regions) {
			const struct gp_segment *s = gp_image_segment_at(im, regions[i].lo);
			if (!s || regions[i].hi <= regions[i].lo || regions[i].lo >= s->vaddr + s->avail)
				continue;
			uint64_t end = s->vaddr + s->avail, hi = regions[i].hi < end ? regions[i].hi : end;
			struct load *l = push(&ls);
			if (!l) {
				err = &gp_err_nomem;
				goto out;
			}
			*l = (struct load){.vaddr = regions[i].lo, .memsz = hi - regions[i].lo, .filesz = hi - regions[i].lo,
					   .flags = s->flags};
			continue;
		}
		const struct gp_segment *s = &im->segs[i];
		uint64_t dump = default_dump(im, s, mem, backend);
		if (dump > huge_mapping && !gp_image_file_at(im, s->vaddr)) {
			if (split_huge(&ls, s, s->vaddr, s->vaddr + dump, mem, backend) != 0)
				st->left_out += dump;
			continue;
		}
		struct load *l = push(&ls);
		if (!l) {
			err = &gp_err_nomem;
			goto out;
		}
		*l = (struct load){.vaddr = s->vaddr, .memsz = s->memsz, .filesz = dump, .flags = s->flags};
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
	size_t nph = ls.n + 1;
	if (nph >= PN_XNUM) {
		err = gp_errorf(GP_ERR_UNSUPPORTED, "%zu segments: more than an ELF core's program header count holds", ls.n);
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
	put(&hb, &eh, sizeof(eh));
	Elf64_Phdr np = {.p_type = PT_NOTE, .p_offset = note_off, .p_filesz = nb.n, .p_align = 4};
	put(&hb, &np, sizeof(np));
	uint64_t off = data_off;
	for (size_t i = 0; i < ls.n; i++) {
		struct load *l = &ls.v[i];
		l->offset = off;
		Elf64_Phdr ph = {.p_type = PT_LOAD, .p_flags = l->flags, .p_offset = off, .p_vaddr = l->vaddr,
				 .p_filesz = l->filesz, .p_memsz = l->memsz, .p_align = PAGE};
		put(&hb, &ph, sizeof(ph));
		off += (l->filesz + PAGE - 1) / PAGE * PAGE;
	}
	put(&hb, nb.p, nb.n);
	put(&hb, NULL, data_off - note_off - nb.n);
	if (hb.oom)
		err = &gp_err_nomem;
	else if (full_write(fd, hb.p, hb.n) != 0)
		err = gp_errorf(GP_ERR_IO, "writing %s: %s", path, strerror(errno));
	for (size_t i = 0; i < ls.n && !err; i++)
		err = write_segment(fd, im, &ls.v[i], mem, backend, chunk, st);
	if (!err && ftruncate(fd, (off_t)off) != 0) /* the holes at the end */
		err = gp_errorf(GP_ERR_IO, "%s: %s", path, strerror(errno));
	st->loads = (uint32_t)ls.n;
	st->bytes = off;
	struct stat sb;
	if (!err && fstat(fd, &sb) == 0)
		st->on_disk = (uint64_t)sb.st_blocks * 512;
out:
	if (fd >= 0 && close(fd) != 0 && !err)
		err = gp_errorf(GP_ERR_IO, "%s: %s", path, strerror(errno));
	if (err && fd >= 0)
		unlink(path); /* no half-written core left behind */
	free(ls.v);
	free(nb.p);
	free(hb.p);
	free(chunk);
	return err;
}
