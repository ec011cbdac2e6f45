/* layout.h — where the fields of the Go runtime's structs are in one executable, and the runtime's
 * version-dependent constants.
 *
 * Every field gopsy reads is named by an enum in layout_gen.h: GP_L_<STRUCT>_<FIELD> (offset, and
 * the size of the member's type) and GP_L_SIZEOF_<STRUCT>, e.g. GP_L_G_GOID, GP_L_G_SCHED_SP,
 * GP_L_M_CURG, GP_L_SUDOG_ELEM, GP_L_MODULEDATA_GOFUNC, GP_L_SIZEOF_G. A field a version does not
 * have has offset -1 (gp_lhas() is false): callers must check optional fields (those not marked
 * (!) in layout_gen.h). Constants are GP_K_<GROUP>_<NAME> (GP_K_GSTATUS_WAITING,
 * GP_K_WAITREASON_CHAN_RECEIVE, GP_K_FUNCID_WRAPPER, ...), GP_K_ABSENT where a version lacks them;
 * string tables are GP_S_WAITREASON and GP_S_GSTATUS.
 *
 * Where the offsets come from (gp_layout.source):
 *  - DWARF, when the executable has it: read with libdw, following the same spec the tables were
 *    generated from. Struct types the linker dropped from this binary's DWARF (e.g. context.timerCtx
 *    in a program without package context) are filled from the built-in table of the same version
 *    and marked GP_LO_FALLBACK.
 *  - otherwise the built-in table of the binary's Go version (tables.h).
 * Constants and string tables always come from the built-in table (DWARF has no string tables).
 * Nothing is guessed silently: a version without a table is an error (GP_ERR_UNSUPPORTED) unless
 * the caller passes GP_LAYOUT_NEAREST, and then the result carries a warning; DWARF that cannot be
 * used (malformed, or lacking a required field) falls back to the table with a warning.
 */
#ifndef GOPSY_LAYOUT_LAYOUT_H
#define GOPSY_LAYOUT_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "layout/layout_gen.h"
#include "layout/tables.h"

enum gp_layout_source {
	GP_LAYOUT_DWARF = 1,
	GP_LAYOUT_TABLE,
};

/* Where one field's value came from. */
enum gp_lorigin {
	GP_LO_NONE = 0, /* nowhere: absent (the offset is -1) and not measured */
	GP_LO_DWARF,    /* this binary's DWARF (-1 = its struct has no such member) */
	GP_LO_TABLE,    /* the built-in table (layout from a table) */
	GP_LO_FALLBACK, /* the built-in table, because the struct type is absent from this binary's DWARF */
};

/* Flags for gp_layout_for_binary and friends. */
enum {
	GP_LAYOUT_NEAREST = 1 << 0,     /* no table for this version: use the nearest one, with a warning */
	GP_LAYOUT_NO_DWARF = 1 << 1,    /* ignore DWARF even when present */
	GP_LAYOUT_EXPERIMENTS = 1 << 2, /* built with GOEXPERIMENTs: tables may not apply (warn if used) */
};

struct gp_layout {
	int go_minor;                        /* the binary's Go minor version, as given */
	enum gp_layout_source source;
	const char *source_desc;             /* "DWARF of /path/bin" or "built-in table for go1.22
	                                      * (generated from go1.22.12)" */
	const char *detail;                  /* NULL, or what else went into it (types from the table) */
	const char *warning;                 /* NULL, or why to trust it less (nearest version, DWARF
	                                      * unusable, GOEXPERIMENTs) — callers should print it */
	const struct gp_layout_table *table; /* constants and strings (exact or nearest); never NULL */
	struct gp_lslot f[GP_L__COUNT];
	unsigned char origin[GP_L__COUNT];   /* enum gp_lorigin */
};

/* The layout for an executable: DWARF if has_dwarf (and not GP_LAYOUT_NO_DWARF) and usable, else
 * the table for go_minor (with a warning saying why the DWARF was not used). When DWARF is used
 * and disagrees with the table of the same version, the warning lists the fields (unless
 * GP_LAYOUT_EXPERIMENTS explains it). exe_path is only read for DWARF and named in messages. Errors:
 * GP_ERR_UNSUPPORTED for a version without a table (unless GP_LAYOUT_NEAREST), GP_ERR_NOMEM.
 * The result lives in the arena. */
struct gp_err *gp_layout_for_binary(const char *exe_path, int go_minor, int has_dwarf, unsigned flags,
				    struct gp_arena *a, const struct gp_layout **out) GP_MUST_USE;

/* The built-in table for go_minor as a layout (flags: GP_LAYOUT_NEAREST, GP_LAYOUT_EXPERIMENTS). */
struct gp_err *gp_layout_from_table(int go_minor, unsigned flags, struct gp_arena *a,
				    const struct gp_layout **out) GP_MUST_USE;

/* The layout from exe_path's DWARF only, failing (GP_ERR_FORMAT, GP_ERR_NOT_FOUND, GP_ERR_IO) when
 * the DWARF is unusable instead of falling back; the constants come from the table for go_minor
 * (GP_LAYOUT_NEAREST applies). For `gopsy info --check-layout` and tests. */
struct gp_err *gp_layout_from_dwarf(const char *exe_path, int go_minor, unsigned flags, struct gp_arena *a,
				    const struct gp_layout **out) GP_MUST_USE;

/* ---- reading a layout */

static inline int32_t gp_loff(const struct gp_layout *l, enum gp_lfield f)
{
	return l->f[f].off;
}

/* Byte size of the field's type (of the struct, for GP_L_SIZEOF_ entries); -1 if absent. */
static inline int32_t gp_lsize(const struct gp_layout *l, enum gp_lfield f)
{
	return l->f[f].size;
}

static inline int gp_lhas(const struct gp_layout *l, enum gp_lfield f)
{
	return l->f[f].off >= 0;
}

/* Field f of a struct whose bytes are at p (at least the struct's size), zero-extended from the
 * field's size (8 bytes for a field of another size, e.g. an eface's first word); 0 when the
 * version has no such field. */
static inline uint64_t gp_lget(const struct gp_layout *l, const unsigned char *p, enum gp_lfield f)
{
	int32_t off = l->f[f].off, size = l->f[f].size;
	if (off < 0)
		return 0;
	uint64_t v = 0;
	__builtin_memcpy(&v, p + off, size > 0 && size < 8 ? (size_t)size : 8);
	return v;
}

/* "G_SCHED_SP" for GP_L_G_SCHED_SP. */
const char *gp_lfield_name(enum gp_lfield f);

/* Value of a constant in this layout's version, GP_K_ABSENT if it has none. */
int64_t gp_layout_const(const struct gp_layout *l, enum gp_lconst k);

/* "WAITREASON_CHAN_RECEIVE" for GP_K_WAITREASON_CHAN_RECEIVE. */
const char *gp_lconst_name(enum gp_lconst k);

/* The constant of group g whose value in this version is value (e.g. FuncID 22 in 1.22 ->
 * GP_K_FUNCID_WRAPPER); -1 if none. */
int gp_layout_const_lookup(const struct gp_layout *l, enum gp_kgroup g, int64_t value);

/* Entry idx of a string table (e.g. waitReasonStrings[reason]); NULL when out of range or the
 * version has no such table. The runtime prints "unknown wait reason" / "???" in those cases. */
const char *gp_layout_string(const struct gp_layout *l, enum gp_lstrings t, int64_t idx);

/* ---- cross-checking DWARF against the tables */

struct gp_layout_mismatch {
	enum gp_lfield field;
	struct gp_lslot a, b;
};

/* Compare two layouts field by field; fields that either side did not measure (GP_LO_NONE,
 * GP_LO_FALLBACK) are skipped. *out (arena) gets the mismatches, *n their count. */
struct gp_err *gp_layout_compare(const struct gp_layout *a, const struct gp_layout *b, struct gp_arena *ar,
				 struct gp_layout_mismatch **out, size_t *n) GP_MUST_USE;

/* Read exe_path's DWARF and compare it with the built-in table for go_minor (exact version only):
 * what `gopsy info --check-layout` prints. Fails if either is unavailable. */
struct gp_err *gp_layout_crosscheck(const char *exe_path, int go_minor, struct gp_arena *a,
				    const struct gp_layout **dwarf, const struct gp_layout **table,
				    struct gp_layout_mismatch **out, size_t *n) GP_MUST_USE;

#endif
