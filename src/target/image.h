/* image.h — what gopsy knows of a process besides its memory, whichever backend produced it (a
 * core's notes, or /proc and ptrace of a live process): its threads and their registers, the signal
 * that stopped it, its mappings and the files behind them, its auxiliary vector, pid and command.
 * The layers above target/ read only this and the target's memory (target.h), never a backend.
 *
 * Knows nothing about Go. linux/amd64 only.
 */
#ifndef GOPSY_TARGET_IMAGE_H
#define GOPSY_TARGET_IMAGE_H

#include <stddef.h>
#include <stdint.h>

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
	int32_t cursig;  /* the signal this thread was handling (pr_cursig, or the signal it was stopped
	                  * with), 0 if none */
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

/* A mapping of the address space. avail bytes from vaddr can be read (memsz for a live process's
 * readable mappings; a core holds fewer when the kernel left a mapping out or the file is cut). */
struct gp_segment {
	uint64_t vaddr, memsz;      /* the mapping */
	uint64_t offset, filesz;    /* core: where its bytes are in the file, as the header claims */
	uint64_t avail;             /* bytes that can be read */
	uint32_t flags;             /* PF_R/PF_W/PF_X */
};

struct gp_image {
	const char *source;       /* for messages: "core PATH" or "process PID" */
	const char *where;        /* for messages: "the core" or "the process's memory" */
	int running;              /* 1: a snapshot of a process that was running (it did not die) */
	struct gp_segment *segs;  /* sorted by vaddr */
	size_t nsegs;
	struct gp_thread *threads; /* a core: in note order, the first is the thread that dumped;
	                            * a live process: the main thread first */
	size_t nthreads;
	struct gp_siginfo siginfo;
	struct gp_mapped_file *files;
	size_t nfiles;
	uint64_t *auxv; /* pairs (type, value) */
	size_t nauxv;
	int32_t pid;
	char comm[17];   /* the command name (NT_PRPSINFO pr_fname, /proc/PID/comm) */
	char psargs[81]; /* its arguments (NT_PRPSINFO pr_psargs, /proc/PID/cmdline) */
	uint64_t truncated_bytes; /* sum over segments of filesz - avail */
};

/* The segment containing addr (by its memory size, readable or not), or NULL. */
const struct gp_segment *gp_image_segment_at(const struct gp_image *im, uint64_t addr);

/* Value of auxv entry type (AT_*), or 0 if absent. */
uint64_t gp_image_auxv(const struct gp_image *im, uint64_t type);

/* The mapped file that contains addr, or NULL. */
const struct gp_mapped_file *gp_image_file_at(const struct gp_image *im, uint64_t addr);

/* The executable's path as the kernel recorded it (the mapped file containing AT_PHDR), or NULL. */
const char *gp_image_exe_path(const struct gp_image *im);

/* Sort segs by address (backends call it once they have them all). */
void gp_image_sort_segments(struct gp_image *im);

#endif
