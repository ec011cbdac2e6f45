/* grammar.h — the lines of Go traceback text, one recogniser each: goroutine headers, frame lines
 * (name + file:line), elision, "created by", ancestors, the panic/fatal/signal preamble, register
 * dumps, the pprof debug=1 format. Every recogniser is strict: it accepts a line only when the
 * runtime's printer would produce exactly that text from the parsed fields (canonical hex and
 * decimal), so that re-printing a parsed goroutine gives back its bytes; anything else is left to
 * the caller as a raw line. Lines come without their newline and without any log prefix.
 *
 * Formats: runtime/traceback.go (goroutineheader, traceback2, printcreatedby1,
 * printAncestorTraceback), panic.go (printpanics, fatal), signal_unix.go / os_linux.go (sighandler,
 * dumpregs), runtime/pprof (printStackRecord, debug=1) — Go 1.19 to 1.27.
 */
#ifndef GOPSY_DUMP_GRAMMAR_H
#define GOPSY_DUMP_GRAMMAR_H

#include <stdint.h>

#include "model/model.h"
#include "base/sv.h"

/* Canonical "0x" + lowercase hex without leading zeros (the runtime's hex(), fmt's %#x). */
int gp_dg_hex(struct gp_sv s, uint64_t *v);
/* Canonical decimal (no sign, no leading zeros). */
int gp_dg_dec(struct gp_sv s, uint64_t *v);

/* "goroutine N[ gp=.. m=.. mp=..] [status...][ labels]:" → g reset and filled with kind, goid,
 * count 1, mid, status_raw, after, status, labels, minutes and flags; g is untouched on failure. */
int gp_dg_header(struct gp_sv line, struct gp_mg *g);

/* "func(args)" → func, args. */
int gp_dg_funcline(struct gp_sv line, struct gp_mitem *it);
/* "\tfile:line[ +0xoff][ fp=0x.. sp=0x.. pc=0x..]" → file, line, off, fp, sp, pc and flags. */
int gp_dg_fileline(struct gp_sv line, struct gp_mitem *it);
/* "created by func[ in goroutine N]" → func, n. */
int gp_dg_createdby(struct gp_sv line, struct gp_mitem *it);
/* "...N frames elided..." (n = N) or "...additional frames elided..." (n = 0). */
int gp_dg_elided(struct gp_sv line, struct gp_mitem *it);
/* "[originating from goroutine N]:" → n. */
int gp_dg_ancestor(struct gp_sv line, struct gp_mitem *it);

/* pprof debug=1: "goroutine profile: total N", a record header "N @ 0x.. 0x.." (g reset and filled
 * on success), and a frame line "#\t0xpc\tfunc+0xoff\tfile:line". */
int gp_dg_profile(struct gp_sv line, uint64_t *total);
int gp_dg_pprof_record(struct gp_sv line, struct gp_mg *g);
int gp_dg_pprof_frame(struct gp_sv line, struct gp_mitem *it);

/* What a line outside goroutine blocks is (model/model.h). */
enum gp_dline_kind gp_dg_classify(struct gp_sv line);

#endif
