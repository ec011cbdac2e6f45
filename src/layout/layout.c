/* layout.c — choosing where a binary's runtime layouts come from (DWARF or a built-in table, exact
 * or nearest version), reading constants and strings, and comparing layouts. See layout.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "layout/layout.h"
#include "layout/layout_dwarf.h"

/* printf into the arena; NULL when out of memory. */
static char *arena_printf(struct gp_arena *a, const char *fmt, ...) GP_PRINTF(2, 3);
static char *arena_printf(struct gp_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *s = gp_arena_alloc(a, (size_t)n + 1, 1);
	if (!s)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* Append a warning ("; "-separated). */
static struct gp_err *add_warning(struct gp_layout *l, struct gp_arena *a, const char *w)
{
	const char *s = l->warning ? arena_printf(a, "%s; %s", l->warning, w) : arena_printf(a, "%s", w);
	if (!s)
		return &gp_err_nomem;
	l->warning = s;
	return NULL;
}

static void table_list(char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < GP_LAYOUT_NTABLES; i++) {
		size_t used = strlen(buf);
		snprintf(buf + used, size - used, "%sgo1.%d", i ? ", " : "", gp_layout_tables[i]->minor);
	}
}

/* The table for go_minor, or the nearest one (with a warning) if flags allow it. */
static struct gp_err *pick_table(struct gp_layout *l, int go_minor, unsigned flags, struct gp_arena *a,
				 int *exact)
{
	l->go_minor = go_minor;
	l->table = gp_layout_table_exact(go_minor);
	*exact = l->table != NULL;
	if (l->table)
		return NULL;
	const struct gp_layout_table *near = gp_layout_table_nearest(go_minor);
	if (!(flags & GP_LAYOUT_NEAREST)) {
		char list[256];
		table_list(list, sizeof(list));
		return gp_errorf(GP_ERR_UNSUPPORTED,
				 "no runtime layouts for go1.%d (built-in tables: %s); the nearest is go1.%d "
				 "and may be used at your own risk",
				 go_minor, list, near->minor);
	}
	l->table = near;
	char w[200];
	snprintf(w, sizeof(w),
		 "no built-in table for go1.%d: using the nearest, go1.%d (generated from %s); "
		 "its constants and string tables may not match",
		 go_minor, near->minor, near->go_version);
	return add_warning(l, a, w);
}

static struct gp_err *experiments_warning(struct gp_layout *l, struct gp_arena *a, unsigned flags)
{
	if (!(flags & GP_LAYOUT_EXPERIMENTS))
		return NULL;
	return add_warning(l, a,
			   "the binary was built with GOEXPERIMENTs and has no usable DWARF; the built-in "
			   "table assumes the default experiments, so offsets may be wrong");
}

struct gp_err *gp_layout_from_table(int go_minor, unsigned flags, struct gp_arena *a, const struct gp_layout **out)
{
	struct gp_layout *l = GP_NEW(a, struct gp_layout);
	if (!l)
		return &gp_err_nomem;
	int exact;
	struct gp_err *err = pick_table(l, go_minor, flags, a, &exact);
	if (err)
		return err;
	l->source = GP_LAYOUT_TABLE;
	if (exact)
		l->source_desc = arena_printf(a, "built-in table for go1.%d (generated from %s)", l->table->minor,
					      l->table->go_version);
	else
		l->source_desc = arena_printf(a, "built-in table for go1.%d (nearest to go1.%d; generated from %s)",
					      l->table->minor, go_minor, l->table->go_version);
	if (!l->source_desc)
		return &gp_err_nomem;
	for (int f = 0; f < GP_L__COUNT; f++) {
		l->f[f] = l->table->fields[f];
		l->origin[f] = GP_LO_TABLE;
	}
	if ((err = experiments_warning(l, a, flags)))
		return err;
	*out = l;
	return NULL;
}

struct gp_err *gp_layout_from_dwarf(const char *exe_path, int go_minor, unsigned flags, struct gp_arena *a,
				    const struct gp_layout **out)
{
	struct gp_layout *l = GP_NEW(a, struct gp_layout);
	if (!l)
		return &gp_err_nomem;
	int exact;
	struct gp_err *err = pick_table(l, go_minor, flags, a, &exact);
	if (err)
		return err;
	unsigned char type_found[GP_L__COUNT];
	if ((err = gp_layout_dwarf_read(exe_path, l->f, type_found)))
		return err;
	l->source = GP_LAYOUT_DWARF;
	if (!(l->source_desc = arena_printf(a, "DWARF of %s", exe_path)))
		return &gp_err_nomem;

	/* Struct types the linker left out of this binary's DWARF: take them from the table of the
	 * same version (never from a nearest one: that would be a guess). */
	char filled[512] = "";
	int nfilled = 0;
	for (int f = 0; f < GP_L__COUNT; f++) {
		if (type_found[f]) {
			l->origin[f] = GP_LO_DWARF;
			continue;
		}
		l->origin[f] = GP_LO_NONE;
		if (!exact)
			continue;
		l->f[f] = l->table->fields[f];
		l->origin[f] = GP_LO_FALLBACK;
		if (gp_lfield_specs[f].paths == NULL && l->f[f].off >= 0) {
			size_t used = strlen(filled);
			if (nfilled++ < 6)
				snprintf(filled + used, sizeof(filled) - used, "%s%s", used ? ", " : "",
					 gp_lfield_specs[f].types);
		}
	}
	if (nfilled > 0 &&
	    !(l->detail = arena_printf(a, "%d struct type%s absent from the DWARF (%s%s) taken from the built-in "
					  "table for go1.%d (generated from %s)",
				       nfilled, nfilled == 1 ? "" : "s", filled, nfilled > 6 ? ", ..." : "",
				       l->table->minor, l->table->go_version)))
		return &gp_err_nomem;
	*out = l;
	return NULL;
}

/* DWARF is authoritative, but when it disagrees with the table of the very same version (and no
 * GOEXPERIMENT explains it), one of the two is wrong: say so rather than pick silently. */
static struct gp_err *disagreement_warning(struct gp_layout *l, unsigned flags, struct gp_arena *a)
{
	if ((flags & GP_LAYOUT_EXPERIMENTS) || l->table->minor != l->go_minor)
		return NULL;
	char names[300] = "";
	int n = 0;
	for (int f = 0; f < GP_L__COUNT; f++) {
		const struct gp_lslot *t = &l->table->fields[f];
		if (l->origin[f] != GP_LO_DWARF || (t->off == l->f[f].off && t->size == l->f[f].size))
			continue;
		if (n++ < 6) {
			size_t used = strlen(names);
			snprintf(names + used, sizeof(names) - used, "%s%s", used ? ", " : "", gp_lfield_specs[f].name);
		}
	}
	if (n == 0)
		return NULL;
	char w[512];
	snprintf(w, sizeof(w),
		 "the binary's DWARF and the built-in table for go1.%d disagree on %d field%s (%s%s); using DWARF",
		 l->go_minor, n, n == 1 ? "" : "s", names, n > 6 ? ", ..." : "");
	return add_warning(l, a, w);
}

struct gp_err *gp_layout_for_binary(const char *exe_path, int go_minor, int has_dwarf, unsigned flags,
				    struct gp_arena *a, const struct gp_layout **out)
{
	char why[400] = "";
	if (has_dwarf && !(flags & GP_LAYOUT_NO_DWARF)) {
		struct gp_err *err = gp_layout_from_dwarf(exe_path, go_minor, flags, a, out);
		if (!err)
			return disagreement_warning((struct gp_layout *)*out, flags, a);
		if (err == &gp_err_nomem || gp_err_code(err) == GP_ERR_UNSUPPORTED)
			return err;
		snprintf(why, sizeof(why), "%s", gp_err_msg(err));
		gp_err_free(err);
	}
	const struct gp_layout *t;
	struct gp_err *err = gp_layout_from_table(go_minor, flags, a, &t);
	if (err)
		return why[0] ? gp_err_wrap(err, "DWARF unusable (%s), and", why) : err;
	if (why[0]) {
		struct gp_layout *l = (struct gp_layout *)t; /* ours: just made in the arena */
		char w[512];
		snprintf(w, sizeof(w), "DWARF unusable (%s): using the built-in table", why);
		if ((err = add_warning(l, a, w)))
			return err;
	}
	*out = t;
	return NULL;
}

const char *gp_lfield_name(enum gp_lfield f)
{
	return (unsigned)f < GP_L__COUNT ? gp_lfield_specs[f].name : "?";
}

int64_t gp_layout_const(const struct gp_layout *l, enum gp_lconst k)
{
	return (unsigned)k < GP_K__COUNT ? l->table->consts[k] : GP_K_ABSENT;
}

const char *gp_lconst_name(enum gp_lconst k)
{
	return (unsigned)k < GP_K__COUNT ? gp_lconst_specs[k].name : "?";
}

int gp_layout_const_lookup(const struct gp_layout *l, enum gp_kgroup g, int64_t value)
{
	if (value == GP_K_ABSENT)
		return -1;
	for (int k = 0; k < GP_K__COUNT; k++)
		if (gp_lconst_specs[k].group == g && l->table->consts[k] == value)
			return k;
	return -1;
}

const char *gp_layout_string(const struct gp_layout *l, enum gp_lstrings t, int64_t idx)
{
	if ((unsigned)t >= GP_S__COUNT)
		return NULL;
	const struct gp_lstrtab *tab = &l->table->strings[t];
	if (!tab->s || idx < 0 || (uint64_t)idx >= tab->n)
		return NULL;
	return tab->s[idx];
}

static int measured(unsigned char origin)
{
	return origin == GP_LO_DWARF || origin == GP_LO_TABLE;
}

struct gp_err *gp_layout_compare(const struct gp_layout *a, const struct gp_layout *b, struct gp_arena *ar,
				 struct gp_layout_mismatch **out, size_t *n)
{
	struct gp_layout_mismatch *m = GP_NEWN(ar, struct gp_layout_mismatch, GP_L__COUNT);
	if (!m)
		return &gp_err_nomem;
	size_t k = 0;
	for (int f = 0; f < GP_L__COUNT; f++) {
		if (!measured(a->origin[f]) || !measured(b->origin[f]))
			continue;
		if (a->f[f].off != b->f[f].off || a->f[f].size != b->f[f].size)
			m[k++] = (struct gp_layout_mismatch){(enum gp_lfield)f, a->f[f], b->f[f]};
	}
	*out = m;
	*n = k;
	return NULL;
}

struct gp_err *gp_layout_crosscheck(const char *exe_path, int go_minor, struct gp_arena *a,
				    const struct gp_layout **dwarf, const struct gp_layout **table,
				    struct gp_layout_mismatch **out, size_t *n)
{
	struct gp_err *err = gp_layout_from_table(go_minor, 0, a, table);
	if (!err)
		err = gp_layout_from_dwarf(exe_path, go_minor, 0, a, dwarf);
	if (!err)
		err = gp_layout_compare(*dwarf, *table, a, out, n);
	return err;
}
