/* moduledata.c — finding and reading firstmoduledata (see moduledata.h). Field offsets come from
 * the generated per-version layout tables (layout/tables.h: plain data generated from each
 * toolchain's DWARF), so nothing here is hand-typed per version. */
#include "gobin/moduledata.h"

#include <elf.h>
#include <string.h>

#include "base/le.h"
#include "layout/tables.h"

struct md_offsets {
	int pcheader, funcnametab, ftab, minpc, maxpc, text, etext, gofunc, types, etypes;
};

static int md_offsets(int go_minor, struct md_offsets *o)
{
	const struct gp_layout_table *t = gp_layout_table_exact(go_minor);
	if (!t)
		return -1;
	o->pcheader = t->fields[GP_L_MODULEDATA_PCHEADER].off;
	o->funcnametab = t->fields[GP_L_MODULEDATA_FUNCNAMETAB].off;
	o->ftab = t->fields[GP_L_MODULEDATA_FTAB].off;
	o->minpc = t->fields[GP_L_MODULEDATA_MINPC].off;
	o->maxpc = t->fields[GP_L_MODULEDATA_MAXPC].off;
	o->text = t->fields[GP_L_MODULEDATA_TEXT].off;
	o->etext = t->fields[GP_L_MODULEDATA_ETEXT].off;
	o->gofunc = t->fields[GP_L_MODULEDATA_GOFUNC].off;
	o->types = t->fields[GP_L_MODULEDATA_TYPES].off;
	o->etypes = t->fields[GP_L_MODULEDATA_ETYPES].off;
	return 0;
}

/* Check a candidate and fill md. A candidate whose header matches but whose gofunc does not point
 * into the file is recorded in *why (wrong version layout, or corruption). */
static int try_at(const struct gp_exe *exe, const struct gp_pclntab *t, uint64_t addr, const struct md_offsets *o,
		  struct gp_moduledata *md, uint64_t *bad_gofunc_at)
{
	int end = o->gofunc > o->etypes ? o->gofunc : o->etypes;
	const unsigned char *p = gp_exe_ptr(exe, addr, (size_t)end + 8);
	if (!p || gp_le64(p + (o->pcheader)) != t->addr || gp_le64(p + (o->funcnametab)) != t->addr + t->funcname_off ||
	    gp_le64(p + (o->ftab)) != t->addr + t->pcln_off || gp_le64(p + (o->ftab + 8)) != t->nfunc + 1)
		return 0;
	md->addr = addr;
	md->text = gp_le64(p + (o->text));
	md->etext = gp_le64(p + (o->etext));
	md->minpc = gp_le64(p + (o->minpc));
	md->maxpc = gp_le64(p + (o->maxpc));
	md->gofunc = gp_le64(p + (o->gofunc));
	md->types = gp_le64(p + (o->types));
	md->etypes = gp_le64(p + (o->etypes));
	if (md->types > md->etypes)
		md->types = md->etypes = 0;
	uint32_t first;
	memcpy(&first, t->base + t->pcln_off, 4);
	if (md->minpc != md->text + first || md->text > md->etext)
		return 0;
	if (!gp_exe_segment_at(exe, md->gofunc)) {
		*bad_gofunc_at = addr;
		return 0;
	}
	return 1;
}

struct gp_err *gp_moduledata_find(const struct gp_exe *exe, const struct gp_pclntab *t, int go_minor,
				  struct gp_moduledata *md)
{
	memset(md, 0, sizeof(*md));
	struct md_offsets off;
	if (md_offsets(go_minor, &off) != 0)
		return gp_errorf(GP_ERR_UNSUPPORTED, "%s: moduledata layout of Go 1.%d is unknown (supported: 1.19, 1.21–1.27)",
				 exe->path, go_minor);
	uint64_t bad = 0;
	const struct gp_exe_section *s = gp_exe_section(exe, ".go.module");
	if (s && try_at(exe, t, s->addr, &off, md, &bad)) {
		md->where = "section .go.module";
		return NULL;
	}
	uint64_t sym;
	struct gp_err *err = gp_exe_symbol(exe, "runtime.firstmoduledata", &sym, NULL);
	if (!err && try_at(exe, t, sym, &off, md, &bad)) {
		md->where = "symbol runtime.firstmoduledata";
		return NULL;
	}
	gp_err_free(err);
	for (size_t i = 0; i < exe->nsegs; i++) {
		const struct gp_exe_segment *seg = &exe->segs[i];
		if (!(seg->flags & PF_W) || seg->offset > exe->size)
			continue;
		const unsigned char *d = exe->map + seg->offset;
		for (uint64_t o = (8 - (seg->vaddr & 7)) & 7; o + 16 <= seg->filesz; o += 8) {
			uint64_t w0, w1;
			memcpy(&w0, d + o, 8);
			if (w0 != t->addr)
				continue;
			memcpy(&w1, d + o + 8, 8);
			if (w1 == t->addr + t->funcname_off && try_at(exe, t, seg->vaddr + o, &off, md, &bad)) {
				md->where = "scan of the writable segments";
				return NULL;
			}
		}
	}
	if (bad)
		return gp_errorf(GP_ERR_FORMAT, "%s: moduledata at 0x%llx does not have the Go 1.%d layout (gofunc at +0x%x points outside the file)",
				 exe->path, (unsigned long long)bad, go_minor, off.gofunc);
	return gp_errorf(GP_ERR_NOT_FOUND, "%s: runtime.firstmoduledata not found (no .go.module section, no symbol, no matching data)",
			 exe->path);
}
