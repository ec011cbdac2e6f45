/* layoutcheck.c — test driver for src/layout: prints layouts as JSON in the format of
 * tools/layoutgen (so `layoutgen diff` can compare them), and times the DWARF reader.
 *
 *   layoutcheck table MINOR [NAME]  the built-in table for go1.MINOR (fields, constants, strings);
 *                                   with NAME, that field (G_GOID), constant (FUNCID_WRAPPER) or
 *                                   string table (WAITREASON) deliberately wrong: check.sh --selftest
 *   layoutcheck dwarf BIN MINOR     what the C DWARF reader finds in BIN (fields it measured)
 *   layoutcheck auto BIN MINOR      gp_layout_for_binary's choice: source, detail, warning (text)
 *   layoutcheck time BIN MINOR N    N DWARF reads of BIN; prints milliseconds per read
 *
 * Used by tests/layout/check.sh. Exit status: 0 ok, 1 error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/err.h"
#include "layout/layout.h"
#include "render/json.h"

/* perturb: NULL, or the name of one entry to print wrong (to prove the check notices). */
static void print_json(const struct gp_layout *l, int with_consts, const char *perturb)
{
#define WRONG(name) (perturb && strcmp(perturb, (name)) == 0)
	struct gp_json j;
	gp_json_init(&j, stdout, 1);
	gp_json_obj_begin(&j);
	gp_json_kstr(&j, "go_version", l->source == GP_LAYOUT_TABLE ? l->table->go_version : "");
	gp_json_kint(&j, "minor", l->source == GP_LAYOUT_TABLE ? l->table->minor : l->go_minor);
	gp_json_kstr(&j, "source", l->source_desc);
	gp_json_kbool(&j, "partial", !with_consts);
	gp_json_key(&j, "fields");
	gp_json_obj_begin(&j);
	for (int f = 0; f < GP_L__COUNT; f++) {
		if (l->f[f].off < 0 || (l->origin[f] != GP_LO_DWARF && l->origin[f] != GP_LO_TABLE))
			continue;
		gp_json_key(&j, gp_lfield_name((enum gp_lfield)f));
		gp_json_arr_begin(&j);
		gp_json_int(&j, l->f[f].off + (WRONG(gp_lfield_name((enum gp_lfield)f)) ? 8 : 0));
		gp_json_int(&j, l->f[f].size);
		gp_json_arr_end(&j);
	}
	gp_json_obj_end(&j);
	gp_json_key(&j, "consts");
	gp_json_obj_begin(&j);
	for (int k = 0; with_consts && k < GP_K__COUNT; k++) {
		int64_t v = gp_layout_const(l, (enum gp_lconst)k);
		if (gp_lconst_specs[k].group == GP_KG_NONE && v != GP_K_ABSENT)
			gp_json_kint(&j, gp_lconst_name((enum gp_lconst)k), v + WRONG(gp_lconst_name((enum gp_lconst)k)));
	}
	gp_json_obj_end(&j);
	gp_json_key(&j, "enums");
	gp_json_obj_begin(&j);
	for (int g = 1; with_consts && g < GP_KG__COUNT; g++) {
		gp_json_key(&j, gp_kgroup_names[g]);
		gp_json_obj_begin(&j);
		for (int k = 0; k < GP_K__COUNT; k++) {
			int64_t v = gp_layout_const(l, (enum gp_lconst)k);
			if ((int)gp_lconst_specs[k].group == g && v != GP_K_ABSENT)
				gp_json_kint(&j, gp_lconst_name((enum gp_lconst)k), v + WRONG(gp_lconst_name((enum gp_lconst)k)));
		}
		gp_json_obj_end(&j);
	}
	gp_json_obj_end(&j);
	gp_json_key(&j, "strings");
	gp_json_obj_begin(&j);
	for (int t = 0; with_consts && t < GP_S__COUNT; t++) {
		if (!l->table->strings[t].s)
			continue;
		gp_json_key(&j, gp_lstrings_names[t]);
		gp_json_arr_begin(&j);
		for (size_t i = 0; i < l->table->strings[t].n; i++)
			gp_json_str(&j, i == 1 && WRONG(gp_lstrings_names[t]) ? "wrong" : l->table->strings[t].s[i]);
		gp_json_arr_end(&j);
	}
	gp_json_obj_end(&j);
	gp_json_obj_end(&j);
	fputc('\n', stdout);
#undef WRONG
}

static int fail(struct gp_err *err)
{
	fprintf(stderr, "layoutcheck: %s\n", gp_err_msg(err));
	gp_err_free(err);
	return 1;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: layoutcheck table MINOR [NAME] | dwarf BIN MINOR | auto BIN MINOR | time BIN MINOR N\n");
		return 2;
	}
	struct gp_arena a;
	gp_arena_init(&a);
	const struct gp_layout *l;
	struct gp_err *err;
	int rc = 0;
	if (strcmp(argv[1], "table") == 0 && argc <= 4) {
		if ((err = gp_layout_from_table(atoi(argv[2]), 0, &a, &l)))
			return fail(err);
		print_json(l, 1, argc == 4 ? argv[3] : NULL);
	} else if (strcmp(argv[1], "dwarf") == 0 && argc == 4) {
		if ((err = gp_layout_from_dwarf(argv[2], atoi(argv[3]), GP_LAYOUT_NEAREST, &a, &l)))
			return fail(err);
		print_json(l, 0, NULL);
	} else if (strcmp(argv[1], "auto") == 0 && argc == 4) {
		if ((err = gp_layout_for_binary(argv[2], atoi(argv[3]), 1, 0, &a, &l)))
			return fail(err);
		printf("source:  %s\ndetail:  %s\nwarning: %s\n", l->source_desc, l->detail ? l->detail : "-",
		       l->warning ? l->warning : "-");
	} else if (strcmp(argv[1], "time") == 0 && argc == 5) {
		int n = atoi(argv[4]);
		double t0 = now_ms();
		for (int i = 0; i < n; i++) {
			if ((err = gp_layout_from_dwarf(argv[2], atoi(argv[3]), GP_LAYOUT_NEAREST, &a, &l)))
				return fail(err);
		}
		printf("%.2f ms per DWARF read (%d reads)\n", (now_ms() - t0) / (n > 0 ? n : 1), n);
	} else {
		fprintf(stderr, "layoutcheck: bad arguments\n");
		rc = 2;
	}
	gp_arena_deinit(&a);
	return rc;
}
