/* cframes.h — C frames: unwinding native code (a cgo call's C functions, libc, any shared library)
 * from a register set with elfutils' libdwfl, and naming each frame (module, symbol, file:line).
 * It owns the bridge between gopsy's target and libdwfl: which modules the process had mapped and
 * where, how libdwfl reads memory and gets the first registers, and when the C part of a stack ends.
 *
 *   - Modules: the executable first (the target's gp_exe, at the target's load bias, whatever path
 *     NT_FILE gives for it), then every other file of the core's NT_FILE note that was mapped
 *     executable (a PF_X segment of the core), each reported once with dwfl_report_elf at the load
 *     bias computed from its first mapping and its PT_LOAD headers. A file is opened only if it is a
 *     regular file; its GNU build ID is compared with the copy the kernel dumped (the first page of
 *     each ELF mapping is in the core): a file that differs, is missing, or is not ELF is still
 *     reported, as a module without an ELF (dwfl_report_module over its mapped range), so its frames
 *     carry its path but no symbol and are unwound by libdwfl's frame-pointer fallback only; each
 *     such file is named in gp_cframes.problems. Separate debug info is looked for by build ID in
 *     the default debuginfo path (/usr/lib/debug/.build-id); never through debuginfod.
 *   - Memory: gp_target_read (the core, then the executable's file-backed bytes), one word at a time.
 *     CFI (.eh_frame, .debug_frame) and symbols come from the files on this machine.
 *   - Registers: the caller's (gp_thread.regs order): for a crash they are a signal context's, not
 *     the thread's current ones, which is why libdwfl is attached with our own thread callbacks
 *     (dwfl_attach_state) rather than dwfl_core_file_attach; a live process will plug another
 *     memory backend in the same place.
 *   - The end of the C part: the first frame whose pc is in the executable's Go text (a function of
 *     the pclntab with a pcsp table; looked up at pc-1 for a return address). Those frames are the
 *     Go unwinder's (unwind/gounwind.h): in a cgo call that first pc is in runtime.asmcgocall, on
 *     the M's system stack.
 *
 * Everything returned is allocated from the caller's arena (names and paths are copied); libdwfl's
 * own state is malloc'd and released by gp_cunwind_close. Safe on hostile input: frames, modules
 * and problems are bounded, files are never opened unless regular, nothing is read from the core
 * but through the target's bounds-checked reads.
 */
#ifndef GOPSY_UNWIND_CFRAMES_H
#define GOPSY_UNWIND_CFRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "gobin/gobin.h"
#include "target/core.h"
#include "target/target.h"

struct gp_cframe {
	uint64_t pc;             /* run-time */
	int initial;             /* 1: pc is exact (the first frame, or one a signal interrupted); else
	                          * it is a return address, and symbol and line are those of pc-1 */
	const char *module;      /* path of the mapped file containing pc, or NULL (no file: JIT, vDSO) */
	uint64_t module_off;     /* pc minus the module's load bias: its link-time address (for a module
	                          * without an ELF, pc minus (mapping start - file offset)) */
	const char *symbol;      /* the function, or NULL when unknown (stripped, missing file) */
	uint64_t symoff;         /* pc - the symbol's address */
	const char *file;        /* from DWARF line info when the module has it, else NULL */
	int line;                /* 0 when file is NULL */
};

enum gp_cframes_stop {
	GP_CFRAMES_GO = 1, /* the next frame's pc (stop_pc) is in the Go executable's Go text */
	GP_CFRAMES_END,    /* the unwinder found no caller: the outermost frame (CFI ends the stack) */
	GP_CFRAMES_MAX,    /* max frames were produced */
	GP_CFRAMES_FAILED, /* the caller of the last frame could not be found (stop_msg: libdwfl's reason) */
};

struct gp_cframes {
	struct gp_cframe *frames; /* innermost first */
	size_t n;
	enum gp_cframes_stop stop;
	const char *stop_msg;     /* a sentence: why the walk ended there */
	uint64_t stop_pc;         /* GP_CFRAMES_GO: the first Go pc (a return address unless n == 0) */
	const char *stop_func;    /* GP_CFRAMES_GO: its Go function (pclntab name) */
	const char **problems;    /* modules that could not be used, one sentence each */
	size_t nproblems;
};

/* All registers of the set are known (the `known` mask of the calls below). */
#define GP_CFRAMES_ALL_REGS ((uint64_t)-1)

struct gp_cunwind;

/* Report the target's modules to a new libdwfl session. Fails only when libdwfl cannot start or
 * memory runs out; unusable modules are problems, not errors. a must outlive the unwinder. */
struct gp_err *gp_cunwind_open(const struct gp_target *t, const struct gp_gobin *b, struct gp_arena *a,
			       struct gp_cunwind **out) GP_MUST_USE;
void gp_cunwind_close(struct gp_cunwind *u);

/* Unwind from regs (gp_thread.regs order; bit i of known set: regs[i] is valid, the others are
 * left undefined for the unwinder — rip and rsp are required). At most max frames (max >= 1).
 * out->problems are the unwinder's module problems. An unwinding failure is a stop reason, not an
 * error (errors: out of memory, a register set without rip/rsp). */
struct gp_err *gp_cunwind_frames(struct gp_cunwind *u, const uint64_t regs[GP_X86_NREGS], uint64_t known,
				 size_t max, struct gp_cframes *out) GP_MUST_USE;

/* gp_cunwind_open, gp_cunwind_frames with all registers known, gp_cunwind_close. */
struct gp_err *gp_cframes_unwind(const struct gp_target *t, const struct gp_gobin *b,
				 const uint64_t regs[GP_X86_NREGS], struct gp_arena *a, size_t max,
				 struct gp_cframes *out) GP_MUST_USE;

#endif
