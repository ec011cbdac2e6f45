/* cmd_info.c — `gopsy info [--json] BIN`: the Go version and build settings of an executable (what
 * `go version -m` prints, verbatim, first), then what gopsy found: PIE, cgo, external link, stripped,
 * DWARF, where the pclntab and moduledata are. */
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "cli/cli.h"
#include "gobin/gobin.h"
#include "layout/layout.h"
#include "render/json.h"

static const char *yesno(int v)
{
	return v ? "yes" : "no";
}

static void print_text(const char *path, const struct gp_gobin *b, const struct gp_layout *l, const char *lerr)
{
	/* The `go version -m` block, byte for byte. */
	printf("%s: %s\n", path, b->bi.version);
	const char *line = b->bi.modinfo;
	while (*line) {
		const char *nl = strchr(line, '\n');
		int n = nl ? (int)(nl - line) : (int)strlen(line);
		printf("\t%.*s\n", n, line);
		line += n + (nl != NULL);
	}
	const struct gp_pclntab *t = &b->pcln;
	printf("\ngopsy:\n");
	printf("  go version:    1.%d%s%s\n", b->bi.v.minor, b->supported ? " (supported)" : " (NOT SUPPORTED: gopsy knows 1.19, 1.21–1.27)",
	       b->bi.v.experiments ? " with GOEXPERIMENT (struct layouts must come from DWARF)" : "");
	printf("  target:        linux/amd64\n");
	printf("  pie:           %s\n", yesno(b->pie));
	printf("  cgo:           %s\n", yesno(b->cgo));
	printf("  linker:        %s\n", b->external_link ? "external (C linker)" : "Go internal");
	printf("  stripped:      %s\n", b->has_symtab ? "no (.symtab present)" : "yes (no .symtab)");
	printf("  dwarf:         %s\n", yesno(b->has_dwarf));
	printf("  go build id:   %s\n", b->exe->go_buildid ? b->exe->go_buildid : "(none)");
	printf("  buildinfo:     0x%llx (%s)\n", (unsigned long long)b->bi.addr,
	       b->bi.found_by_section ? "section .go.buildinfo" : "magic search in the data segment");
	printf("  pclntab:       0x%llx (%s), magic 0x%x, %llu functions, %llu files\n", (unsigned long long)t->addr,
	       t->where, t->magic, (unsigned long long)t->nfunc, (unsigned long long)t->nfiles);
	if (b->have_md)
		printf("  moduledata:    0x%llx (%s)\n", (unsigned long long)b->md.addr, b->md.where);
	else
		printf("  moduledata:    NOT FOUND: %s; inline frames and funcdata unavailable\n", b->md_err);
	printf("  text:          0x%llx-0x%llx\n", (unsigned long long)gp_pclntab_minpc(t),
	       (unsigned long long)gp_pclntab_maxpc(t));
	if (l) {
		printf("  layouts:       %s\n", l->source_desc);
		if (l->detail)
			printf("                 %s\n", l->detail);
		if (l->warning)
			printf("  WARNING:       %s\n", l->warning);
	} else {
		printf("  layouts:       NONE: %s\n", lerr);
	}
}

static void print_json(const char *path, const struct gp_gobin *b, const struct gp_layout *l, const char *lerr)
{
	struct gp_json j;
	gp_json_init(&j, stdout, 1);
	const struct gp_pclntab *t = &b->pcln;
	gp_json_obj_begin(&j);
	gp_json_kstr(&j, "path", path);
	gp_json_kstr(&j, "go_version", b->bi.version);
	gp_json_kint(&j, "go_minor", b->bi.v.minor);
	gp_json_kbool(&j, "supported", b->supported);
	gp_json_kstr(&j, "goexperiment", b->bi.v.experiments);
	gp_json_kstr(&j, "main_path", b->bi.path);
	gp_json_kstr(&j, "modinfo", b->bi.modinfo);
	gp_json_key(&j, "build_settings");
	gp_json_obj_begin(&j);
	for (size_t i = 0; i < b->bi.nsettings; i++)
		gp_json_kstr(&j, b->bi.settings[i].key, b->bi.settings[i].value);
	gp_json_obj_end(&j);
	gp_json_kstr(&j, "goos", "linux");
	gp_json_kstr(&j, "goarch", "amd64");
	gp_json_kbool(&j, "pie", b->pie);
	gp_json_kbool(&j, "cgo", b->cgo);
	gp_json_kbool(&j, "external_link", b->external_link);
	gp_json_kbool(&j, "stripped", !b->has_symtab);
	gp_json_kbool(&j, "dwarf", b->has_dwarf);
	gp_json_kstr(&j, "go_buildid", b->exe->go_buildid);
	gp_json_kstr(&j, "gnu_buildid", b->exe->gnu_buildid);
	gp_json_key(&j, "buildinfo");
	gp_json_obj_begin(&j);
	gp_json_khex(&j, "addr", b->bi.addr);
	gp_json_kstr(&j, "found_by", b->bi.found_by_section ? "section" : "magic");
	gp_json_obj_end(&j);
	gp_json_key(&j, "pclntab");
	gp_json_obj_begin(&j);
	gp_json_khex(&j, "addr", t->addr);
	gp_json_kstr(&j, "found_by", t->where);
	gp_json_khex(&j, "magic", t->magic);
	gp_json_kint(&j, "nfunc", (int64_t)t->nfunc);
	gp_json_kint(&j, "nfiles", (int64_t)t->nfiles);
	gp_json_khex(&j, "minpc", gp_pclntab_minpc(t));
	gp_json_khex(&j, "maxpc", gp_pclntab_maxpc(t));
	gp_json_obj_end(&j);
	gp_json_key(&j, "moduledata");
	gp_json_obj_begin(&j);
	gp_json_kbool(&j, "found", b->have_md);
	if (b->have_md) {
		gp_json_khex(&j, "addr", b->md.addr);
		gp_json_kstr(&j, "found_by", b->md.where);
		gp_json_khex(&j, "text", b->md.text);
		gp_json_khex(&j, "gofunc", b->md.gofunc);
	} else {
		gp_json_kstr(&j, "error", b->md_err);
	}
	gp_json_obj_end(&j);
	gp_json_key(&j, "layouts");
	gp_json_obj_begin(&j);
	gp_json_kstr(&j, "source", l ? (l->source == GP_LAYOUT_DWARF ? "dwarf" : "table") : NULL);
	gp_json_kstr(&j, "description", l ? l->source_desc : NULL);
	gp_json_kstr(&j, "detail", l ? l->detail : NULL);
	gp_json_kstr(&j, "warning", l ? l->warning : NULL);
	gp_json_kstr(&j, "error", lerr);
	gp_json_obj_end(&j);
	gp_json_obj_end(&j);
}

int cmd_info(int argc, char **argv)
{
	int json = 0;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (argv[i][0] == '-' || path)
			return cli_fail(gp_errorf(GP_ERR_USAGE, "usage: gopsy info [--json] BIN"));
		else
			path = argv[i];
	}
	if (!path)
		return cli_fail(gp_errorf(GP_ERR_USAGE, "usage: gopsy info [--json] BIN"));
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_gobin *b;
	struct gp_err *err = gp_gobin_open(path, &a, &b);
	if (err) {
		gp_arena_deinit(&a);
		return cli_fail(err);
	}
	const struct gp_layout *l = NULL;
	const char *lerr = NULL;
	err = gp_layout_for_binary(path, b->bi.v.minor, b->has_dwarf,
				   b->bi.v.experiments ? GP_LAYOUT_EXPERIMENTS : 0, &a, &l);
	if (err) {
		lerr = gp_arena_strdup(&a, gp_err_msg(err));
		gp_err_free(err);
	}
	if (json)
		print_json(path, b, l, lerr);
	else
		print_text(path, b, l, lerr);
	int rc = b->supported && l ? EXIT_OK : EXIT_ANALYSIS;
	gp_gobin_close(b);
	gp_arena_deinit(&a);
	return rc;
}
