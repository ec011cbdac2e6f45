/* model.h — the goroutine model the analyses read: one goroutine (or one aggregated pprof record) as
 * the facts a traceback states — id, status and wait reason, minutes waited, flags, the frames with
 * function, arguments, file:line and offsets, elision marks, "created by", ancestors. It is filled
 * from traceback text by the dump parser (src/dump/) and re-printed from it in the runtime's format
 * (src/render/mg_text.c); buckets and summaries (src/analyze/) are computed over it.
 *
 * Strings are views (base/sv.h) into the producer's buffer: valid during the callback that hands
 * a gp_mg out, copied by whoever keeps them.
 */
#ifndef GOPSY_MODEL_MODEL_H
#define GOPSY_MODEL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "base/sv.h"

/* What one printed line (or two-line frame) of a goroutine's stack is. */
enum gp_mitem_kind {
	GP_MI_FRAME,      /* "func(args)" + "\tfile:line[ +0xoff][ fp= sp= pc=]"; pprof: "#\t0xpc\tfunc+0xoff\tfile:line" */
	GP_MI_ELIDED,     /* "...N frames elided..." (n = N) or Go 1.19's "...additional frames elided..." (n = 0) */
	GP_MI_CREATED_BY, /* "created by func[ in goroutine N]" + "\tfile:line[ +0xoff]"; n = N or 0 */
	GP_MI_ANCESTOR,   /* "[originating from goroutine N]:"; the items up to the next ancestor are its */
	GP_MI_RAW,        /* any other line, kept verbatim in text: cgo frames, unwinder diagnostics,
	                   * "goroutine running on other thread; stack unavailable" */
};

struct gp_mitem {
	uint8_t kind;          /* enum gp_mitem_kind */
	uint8_t has_off;       /* "+0x.." printed */
	uint8_t has_fpsp;      /* " fp= sp= pc=" printed */
	struct gp_sv func;     /* function name as printed; RAW: the whole line */
	struct gp_sv args;     /* inside the parentheses ("..." for an inlined call) */
	struct gp_sv file;
	int64_t line;
	uint64_t off, fp, sp, pc;
	uint64_t n;
};

enum gp_mg_kind {
	GP_MG_GOROUTINE,     /* "goroutine N ...:" with N > 0 */
	GP_MG_G0,            /* "goroutine 0 ...:" — an M's system stack, printed by the signal handler */
	GP_MG_RUNTIME_STACK, /* "runtime stack:" — the system stack of a throw */
	GP_MG_PPROF,         /* a pprof debug=1 record: "N @ 0x.. 0x.." and its "#" lines */
};

struct gp_mg {
	uint8_t kind;             /* enum gp_mg_kind */
	uint64_t goid;
	uint64_t count;           /* goroutines this stands for: 1, or the debug=1 record's N */
	uint64_t lineno;          /* input line of the header (1-based) */
	/* header: "goroutine <goid><mid> [<status_raw>]<after>:" */
	struct gp_sv mid;         /* " gp=0x.. m=.. mp=0x.." (Go 1.22+ at system/crash level) or empty */
	struct gp_sv status_raw;  /* everything between the brackets */
	struct gp_sv after;       /* between "]" and the final ":" (Go 1.27 labels: " {k: v}") */
	/* parsed from status_raw / after */
	struct gp_sv status;      /* wait reason or status alone: "chan receive", "running" */
	struct gp_sv labels;      /* pprof labels text, empty if none */
	int64_t minutes;          /* ", N minutes"; -1 when not printed */
	uint8_t locked, scan, leaked, durable, running_elsewhere;
	uint8_t cut;              /* the block was longer than the parser keeps: items end early */
	/* pprof debug=1 */
	struct gp_sv pcs;         /* the " @ 0x.. 0x.." part, verbatim */
	struct gp_sv pprof_labels; /* "# labels: {...}" line, verbatim, or empty */
	struct gp_mitem *items;
	size_t n_items;
};

/* The lines of a dump outside goroutine blocks. */
enum gp_dline_kind {
	GP_DL_BLANK,
	GP_DL_PANIC,     /* "panic: msg[ [recovered]]", "\tpanic: ..." (nested) */
	GP_DL_FATAL,     /* "fatal error: msg" */
	GP_DL_SIGNAL,    /* "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x..]" */
	GP_DL_SIGHDR,    /* "SIGQUIT: quit", "SIGSEGV: segmentation violation", "Signal 42" */
	GP_DL_PCLINE,    /* "PC=0x.. m=N sigcode=N[ addr=0x..]" */
	GP_DL_REG,       /* "rax    0x0" (dumpregs) */
	GP_DL_SEPARATOR, /* "-----": the next M's section (GOTRACEBACK=crash relays the signal) */
	GP_DL_RUNTIME,   /* "runtime: ...", cgo/fault notes, hex dumps, other runtime diagnostics */
	GP_DL_PROFILE,   /* "goroutine profile: total N" */
	GP_DL_TEXT,      /* anything else (continuation of a multi-line panic message, log lines) */
};
const char *gp_dline_kind_name(enum gp_dline_kind k);

/* One dump found in the input. */
struct gp_dump_info {
	uint64_t index;        /* 0-based number of the dump in the input */
	uint64_t first_line;   /* input line of its first line (preamble included) */
	uint64_t last_line;    /* at end: its last line */
	int pprof;             /* a pprof debug=1 profile ("goroutine profile: total N") */
	struct gp_sv prefix;   /* the log prefix in front of its first goroutine header, as found */
	/* at end: */
	uint64_t blocks;       /* goroutine / M-stack blocks and pprof records */
	uint64_t raw_lines;    /* lines inside blocks that fit no grammar (kept verbatim) */
	uint64_t cut_blocks;   /* blocks longer than the parser keeps (the rest was dropped) */
	uint64_t dropped_lines; /* lines dropped with them */
	uint64_t truncated_preamble; /* preamble lines cut to GP_DUMP_PREAMBLE_LINE bytes */
};

#endif
