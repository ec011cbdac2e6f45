/* core.h — an ELF core file as a target: its threads (NT_PRSTATUS registers, TLS base), the signal
 * that killed it (NT_SIGINFO), the files it had mapped (NT_FILE), its auxiliary vector (NT_AUXV) and
 * its memory (PT_LOAD segments, mmap'd, never copied).
 *
 * Knows nothing about Go. linux/amd64 cores only for now (the machine type is checked and anything
 * else is refused with GP_ERR_UNSUPPORTED). A truncated core (a segment that ends past the end of the
 * file) is accepted: the missing ranges are reported by gp_core_read as GP_ERR_TRUNCATED with the
 * address, and gp_core_truncated_bytes says how much is missing in all.
 */
#ifndef GOPSY_TARGET_CORE_H
#define GOPSY_TARGET_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"

/* Indices into gp_thread.regs (struct user_regs_struct on x86-64). */
enum {
	GP_X86_R15, GP_X86_R14, GP_X86_R13, GP_X86_R12, GP_X86_RBP, GP_X86_RBX, GP_X86_R11,
	GP_X86_R10, GP_X86_R9, GP_X86_R8, GP_X86_RAX, GP_X86_RCX, GP_X86_RDX, GP_X86_RSI,
	GP_X86_RDI, GP_X86_ORIG_RAX, GP_X86_RIP, GP_X86_CS, GP_X86_EFLAGS, GP_X86_RSP, GP_X86_SS,
	GP_X86_FS_BASE, GP_X86_GS_BASE, GP_X86_DS, GP_X86_ES, GP_X86_FS, GP_X86_GS,
	GP_X86_NREGS
};

struct gp_thread {
	int32_t tid;
	int32_t cursig;  /* pr_cursig: the signal this thread was handling, 0 if none */
	uint64_t regs[GP_X86_NREGS];
};

struct gp_siginfo {
	int present;
	int32_t signo, errnum, code;
	uint64_t addr; /* si_addr for SIGSEGV/SIGBUS/SIGILL/SIGFPE */
	int32_t pid;   /* si_pid for signals sent by a process (si_code <= 0) */
};

struct gp_mapped_file {
	uint64_t start, end, file_offset; /* file_offset in bytes */
	const char *path;
};

struct gp_core_segment {
	uint64_t vaddr, memsz;      /* the mapping */
	uint64_t offset, filesz;    /* bytes present in the core file, as the header claims */
	uint64_t avail;             /* bytes actually in the file (< filesz if truncated) */
	uint32_t flags;             /* PF_R/PF_W/PF_X */
};

struct gp_core {
	const char *path;
	const unsigned char *map; /* the whole file, read-only */
	size_t size;
	struct gp_core_segment *segs; /* sorted by vaddr */
	size_t nsegs;
	struct gp_thread *threads; /* in note order: the first is the thread that dumped */
	size_t nthreads;
	struct gp_siginfo siginfo;
	struct gp_mapped_file *files;
	size_t nfiles;
	uint64_t *auxv; /* pairs (type, value) */
	size_t nauxv;
	int32_t pid;
	char comm[17];   /* NT_PRPSINFO pr_fname */
	char psargs[81]; /* NT_PRPSINFO pr_psargs */
	uint64_t truncated_bytes; /* sum over segments of filesz - avail */
};

/* Open and index a core. Everything is allocated from arena a, which must outlive the core; the
 * mapping is released by gp_core_close. */
struct gp_err *gp_core_open(const char *path, struct gp_arena *a, struct gp_core **out) GP_MUST_USE;
void gp_core_close(struct gp_core *core);

/* Read len bytes at addr. GP_ERR_NOT_FOUND if addr is not mapped in the core, GP_ERR_TRUNCATED if it
 * is mapped but not dumped (file-backed read-only segments, truncated files). */
struct gp_err *gp_core_read(const struct gp_core *core, uint64_t addr, void *buf, size_t len) GP_MUST_USE;

/* Pointer into the mapping for [addr, addr+len), or NULL if not wholly present. */
const void *gp_core_ptr(const struct gp_core *core, uint64_t addr, size_t len);

/* Drop the core's pages from this process's mapping (madvise MADV_DONTNEED): they stay in the page
 * cache and come back on the next access, so pointers stay valid; this only bounds the resident
 * set while walking a core much larger than what is needed at any moment. */
void gp_core_release_pages(const struct gp_core *core);

/* The segment containing addr (by its memory size, dumped or not), or NULL. */
const struct gp_core_segment *gp_core_segment_at(const struct gp_core *c, uint64_t addr);

/* Value of auxv entry type (AT_*), or 0 if absent. */
uint64_t gp_core_auxv(const struct gp_core *core, uint64_t type);

/* The mapped file that contains addr, or NULL. */
const struct gp_mapped_file *gp_core_file_at(const struct gp_core *core, uint64_t addr);

/* The executable's path as the kernel recorded it (NT_FILE entry containing AT_PHDR), or NULL. */
const char *gp_core_exe_path(const struct gp_core *core);

#endif
