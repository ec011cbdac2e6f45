/* traceback.h — printing one goroutine's frames in the Go runtime's traceback format, byte for byte:
 * the frame lines (name, arguments, file:line, +0x offset, fp/sp/pc), inline expansion, which frames
 * are shown at each GOTRACEBACK level, the frame limits and their elision lines, and "created by".
 * Two engines, as in the runtime: Go 1.21+ (traceback1/traceback2: 50 inner + 50 outer logical
 * frames) and Go 1.19 (gentraceback: 100 physical frames).
 *
 * What is printed is decided here; what is on the stack comes from unwind/; the goroutine header and
 * the choice of goroutines are the caller's.
 */
#ifndef GOPSY_RENDER_TRACEBACK_H
#define GOPSY_RENDER_TRACEBACK_H

#include <stdint.h>
#include <stdio.h>

#include "gobin/gobin.h"
#include "target/target.h"
#include "unwind/gounwind.h"

struct gp_tb_ctx {
	const struct gp_target *t;
	const struct gp_gobin *b;
	const struct gp_funcids *ids;
	int level;          /* GOTRACEBACK level: 1 = all, 2 = system/crash */
	FILE *out;
};

/* Where a goroutine's unwinding starts and what "created by" needs. */
struct gp_tb_start {
	uint64_t pc, sp;
	int is_syscall;     /* (pc, sp) came from syscallpc/syscallsp */
	int trap;           /* the first frame is a trap frame (signal context) */
	int force_show;     /* the printing M is throwing and this is its curg: show every frame */
	int print_fpsp;     /* print fp= sp= pc= (level >= 2, or the throwing M's curg) */
	uint64_t goid, parent_goid, gopc;
	uint64_t gp;        /* the g's address (for error messages) */
};

/* Print the frames and "created by" lines of one goroutine. Returns the number of frames printed
 * (the runtime's n); unwinding problems are printed as the runtime prints them. */
int gp_tb_print_frames(const struct gp_tb_ctx *c, const struct gp_tb_start *s);

/* printcreatedby: "created by F[ in goroutine N]" and its file:line, when shown. */
void gp_tb_print_created_by(const struct gp_tb_ctx *c, const struct gp_tb_start *s);

/* printFuncName: "runtime.gopanic" → "panic"; generic names as pkg.F[...] (Go 1.21+). */
void gp_tb_print_funcname(const struct gp_tb_ctx *c, const char *name);

#endif
