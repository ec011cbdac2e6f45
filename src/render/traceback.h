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

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gobin/gobin.h"
#include "layout/layout.h"
#include "target/target.h"
#include "unwind/gounwind.h"
#include "unwind/gstart.h"

/* One printed frame, as data. Strings live until the next callback. */
struct gp_tb_frame {
	const char *name;        /* raw function name from the pclntab */
	const char *print_name;  /* as the runtime prints it (printFuncName: "panic", pkg.F[...]) */
	int inlined;             /* an inlined call: no args, offset or fp/sp/pc */
	const char *args;        /* printArgs text without the parentheses ("..." when inlined) */
	const char *file;
	int32_t line;
	uint64_t pc, entry;      /* run-time; pc > entry gives the +0x offset */
	uint64_t sp, fp;
	int print_offset;        /* physical frame with pc > entry */
	int print_fpsp;
	size_t print_name_len, args_len, file_len; /* strlen of print_name, args and file */
};

struct gp_tb_created {
	const char *name, *print_name, *file;
	int32_t line;
	uint64_t pc, entry;
	uint64_t goid;           /* 0: the runtime prints no " in goroutine N" */
	size_t print_name_len, file_len;
};

/* Where frames go: text (tb_text.c) or JSON. */
struct gp_tb_sink {
	void *ctx;
	void (*frame)(void *ctx, const struct gp_tb_frame *f);
	void (*elided)(void *ctx, int n);               /* n > 0: "...n frames elided..."; -1: 1.19's line */
	void (*created_by)(void *ctx, const struct gp_tb_created *c);
	void (*error)(void *ctx, const char *line);     /* an unwinding error line, without newline */
	void (*ancestor)(void *ctx, uint64_t goid);     /* "[originating from goroutine N]:"; its frames and
	                                                 * created_by follow */
};

struct gp_tb_ctx {
	const struct gp_target *t;
	const struct gp_gobin *b;
	const struct gp_funcids *ids;
	struct gp_pccache *cache; /* NULL: no memoization */
	const struct gp_layout *l; /* for ancestor records; NULL: not printed */
	int level;          /* GOTRACEBACK level: 1 = all, 2 = system/crash */
	const struct gp_tb_sink *sink;
};

/* Where a goroutine's unwinding starts and what "created by" needs. */
struct gp_tb_start {
	struct gp_ustart at; /* where unwinding starts (unwind/gstart.h) */
	int force_show;     /* the printing M is throwing and this is its curg: show every frame */
	int print_fpsp;     /* print fp= sp= pc= (level >= 2, or the throwing M's curg) */
	uint64_t goid, parent_goid, gopc;
	uint64_t gp;        /* the g's address (for error messages) */
	int no_created_by;  /* frames only (a running goroutine's thread stack) */
	uint64_t ancestors; /* g.ancestors (*[]ancestorInfo), printed after created by; 0 = none */
	int m_incgo;        /* g.m.incgo: a C return pc above sigpanic is not an error */
};

/* The goroutine's part of a request: goid, parent, creation pc, address, ancestors, and fp/sp/pc
 * at level >= 2; at (where to start) is the caller's. */
void gp_tb_start_for_g(struct gp_tb_start *s, const struct gp_g *g, int level);

/* Print the frames and "created by" lines of one goroutine. Returns the number of frames printed
 * (the runtime's n); unwinding problems are printed as the runtime prints them. */
int gp_tb_print_frames(const struct gp_tb_ctx *c, const struct gp_tb_start *s);

/* printcreatedby: "created by F[ in goroutine N]" and its file:line, when shown. */
void gp_tb_print_created_by(const struct gp_tb_ctx *c, const struct gp_tb_start *s);

/* printAncestorTraceback for every record at s->ancestors (gp_tb_print_frames does it after created
 * by; the runtime prints none for a goroutine running on another thread). */
void gp_tb_print_ancestors(const struct gp_tb_ctx *c, const struct gp_tb_start *s);

/* printFuncName: "runtime.gopanic" → "panic"; generic names as pkg.F[...] (Go 1.21+); into buf. */
const char *gp_tb_funcname(const struct gp_tb_ctx *c, const char *name, char *buf, size_t n);

/* The text sink: the runtime's traceback format into out (render/textout.h). */
struct gp_tout;
void gp_tb_text_sink(struct gp_tb_sink *sink, struct gp_tout *out);

#endif
