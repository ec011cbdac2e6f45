/* cmd_addr2line.c — `gopsy addr2line [--json] BIN [ADDR...]`: for each address (hex, 0x optional;
 * read from stdin, one per line, when none are given), the chain of inlined frames at that pc,
 * innermost first, from the pclntab alone. One line per frame, fields separated by tabs (Go names
 * can contain spaces):
 *     ADDR<TAB>FUNCTION<TAB>FILE:LINE[<TAB>inlined]
 * Unknown addresses print "ADDR<TAB>?<TAB>?:0"; a pc without line information prints "?:0", as the
 * runtime does. Addresses are link-time addresses of BIN. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "cli/cli.h"
#include "gobin/gobin.h"
#include "render/json.h"

enum { MAX_INLINE = 256 };

static void one(const struct gp_gobin *b, uint64_t pc, struct gp_json *j)
{
	struct gp_func f;
	struct gp_inline_frame frames[MAX_INLINE];
	size_t n = 0;
	if (gp_pclntab_findfunc(&b->pcln, pc, &f) == 0)
		n = gp_pclntab_inline_frames(&b->pcln, &f, pc, frames, MAX_INLINE);
	if (j) {
		gp_json_obj_begin(j);
		gp_json_khex(j, "addr", pc);
		gp_json_key(j, "frames");
		gp_json_arr_begin(j);
		for (size_t i = 0; i < n; i++) {
			gp_json_obj_begin(j);
			gp_json_kstr(j, "function", frames[i].name);
			gp_json_kstr(j, "file", frames[i].file);
			gp_json_kint(j, "line", frames[i].line);
			gp_json_kbool(j, "inlined", frames[i].inlined);
			if (!frames[i].inlined)
				gp_json_khex(j, "entry", f.entry);
			gp_json_obj_end(j);
		}
		gp_json_arr_end(j);
		gp_json_obj_end(j);
		return;
	}
	if (n == 0) {
		printf("0x%llx\t?\t?:0\n", (unsigned long long)pc);
		return;
	}
	for (size_t i = 0; i < n; i++)
		printf("0x%llx\t%s\t%s:%d%s\n", (unsigned long long)pc, frames[i].name, frames[i].file, frames[i].line,
		       frames[i].inlined ? "\tinlined" : "");
}

static int parse_addr(const char *s, uint64_t *v)
{
	char *end;
	while (*s == ' ' || *s == '\t')
		s++;
	*v = strtoull(s, &end, 16);
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	return end != s && *end == '\0';
}

int cmd_addr2line(int argc, char **argv)
{
	int json = 0, first = 1;
	for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
		if (!strcmp(argv[first], "--json"))
			json = 1;
		else
			return cli_fail(gp_errorf(GP_ERR_USAGE, "usage: gopsy addr2line [--json] BIN [ADDR...]"));
	}
	if (first >= argc)
		return cli_fail(gp_errorf(GP_ERR_USAGE, "usage: gopsy addr2line [--json] BIN [ADDR...]"));
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_gobin *b;
	struct gp_err *err = gp_gobin_open(argv[first], &a, &b);
	if (err) {
		gp_arena_deinit(&a);
		return cli_fail(err);
	}
	if (!b->have_md)
		fprintf(stderr, "gopsy: warning: %s; inlined frames are not expanded\n", b->md_err);
	struct gp_json j, *jp = NULL;
	if (json) {
		gp_json_init(&j, stdout, 0);
		jp = &j;
		gp_json_arr_begin(jp);
	}
	int rc = EXIT_OK;
	uint64_t pc;
	if (first + 1 < argc) {
		for (int i = first + 1; i < argc; i++) {
			if (!parse_addr(argv[i], &pc)) {
				fprintf(stderr, "gopsy: not a hex address: %s\n", argv[i]);
				rc = EXIT_USAGE;
				continue;
			}
			one(b, pc, jp);
		}
	} else {
		char line[256];
		while (fgets(line, sizeof(line), stdin)) {
			if (!parse_addr(line, &pc)) {
				fprintf(stderr, "gopsy: not a hex address: %s", line);
				rc = EXIT_USAGE;
				continue;
			}
			one(b, pc, jp);
		}
	}
	if (jp)
		gp_json_arr_end(jp);
	gp_gobin_close(b);
	gp_arena_deinit(&a);
	return rc;
}
