/* parser.h — streaming parser of Go goroutine dumps in text: panic and fatal-error output, SIGQUIT and
 * GOTRACEBACK=all/system/crash dumps (gp= m= mp=, fp= sp= pc=, register dumps, the other Ms'
 * sections after "-----"), runtime.Stack / pprof debug=2 text, pprof debug=1 records — Go 1.19 to
 * 1.27 — found anywhere in the input: after other log lines, with a log prefix on every line
 * (logprefix.h), several dumps in one input.
 *
 * The input is read once through a fixed buffer (reader.h) and handed out as events, in input order:
 * a dump begins, a line outside goroutine blocks (classified, grammar.h), a goroutine (model.h),
 * the dump ends. Nothing of a goroutine is held after its callback returns, so memory does not
 * grow with the input. Lines inside a goroutine block that fit no grammar are kept as raw items, in
 * place; lines outside any dump are skipped and counted.
 */
#ifndef GOPSY_DUMP_PARSER_H
#define GOPSY_DUMP_PARSER_H

#include <stdint.h>

#include "model/model.h"
#include "base/err.h"
#include "dump/grammar.h"

struct gp_dump_sink {
	void *ctx;
	void (*begin)(void *ctx, const struct gp_dump_info *d);
	void (*line)(void *ctx, enum gp_dline_kind kind, struct gp_sv text, uint64_t lineno);
	void (*goroutine)(void *ctx, const struct gp_mg *g);
	void (*end)(void *ctx, const struct gp_dump_info *d);
};

struct gp_dump_stats {
	uint64_t lines, bytes;
	uint64_t dumps;
	uint64_t outside_lines;  /* lines that belong to no dump */
	uint64_t long_lines;     /* lines longer than the reader's limit, cut */
};

enum {
	GP_DUMP_PREAMBLE_LINES = 32,     /* lines before a dump's first block searched for its preamble */
	GP_DUMP_PREAMBLE_LINE = 4096,    /* bytes kept of each of them */
};

/* Parse everything readable from fd (name: for messages). Errors are I/O and out-of-memory only;
 * what could not be parsed is reported through the sink and the stats. */
struct gp_err *gp_dump_parse_fd(int fd, const char *name, const struct gp_dump_sink *sink,
				struct gp_dump_stats *stats) GP_MUST_USE;

#endif
