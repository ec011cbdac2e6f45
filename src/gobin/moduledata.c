/* moduledata.c — finding and reading firstmoduledata (see moduledata.h). Field offsets are those of
 * runtime/symtab.go, checked for every supported version against the go:func.* and
 * runtime.firstmoduledata symbols of unstripped builds. */
#include "gobin/moduledata.h"

#include <elf.h>
#include <string.h>

enum { MD_PCHEADER = 0, MD_FUNCNAMETAB = 0x8, MD_FTAB = 0x80, MD_MINPC = 0xa0, MD_MAXPC = 0xa8,
       MD_TEXT = 0xb0, MD_ETEXT = 0xb8 };

static int gofunc_offset(int go_minor)
{
	if (go_minor == 19)
		return 0x130;
	if (go_minor >= 20 && go_minor <= 26)
		return 0x140; /* covctrs/ecovctrs added in 1.20 */
	if (go_minor == 27)
		return 0x158;
	return -1;
}

static uint64_t rd(const unsigned char *p, int off)
{
	uint64_t v;
	memcpy(&v, p + off, 8);
	return v;
}

/* Check a candidate and fill md. A candidate whose header matches but whose gofunc does not point
 * into the file is recorded in *why (wrong version layout, or corruption). */
static int try_at(const struct gp_exe *exe, const struct gp_pclntab *t, uint64_t addr, int gofunc_off,
		  struct gp_moduledata *md, uint64_t *bad_gofunc_at)
{
	const unsigned char *p = gp_exe_ptr(exe, addr, (size_t)gofunc_off + 8);
	if (!p || rd(p, MD_PCHEADER) != t->addr || rd(p, MD_FUNCNAMETAB) != t->addr + t->funcname_off ||
	    rd(p, MD_FTAB) != t->addr + t->pcln_off || rd(p, MD_FTAB + 8) != t->nfunc + 1)
		return 0;
	md->addr = addr;
	md->text = rd(p, MD_TEXT);
	md->etext = rd(p, MD_ETEXT);
	md->minpc = rd(p, MD_MINPC);
	md->maxpc = rd(p, MD_MAXPC);
	md->gofunc = rd(p, gofunc_off);
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
	int off = gofunc_offset(go_minor);
	if (off < 0)
		return gp_errorf(GP_ERR_UNSUPPORTED, "%s: moduledata layout of Go 1.%d is unknown (supported: 1.19, 1.21–1.27)",
				 exe->path, go_minor);
	uint64_t bad = 0;
	const struct gp_exe_section *s = gp_exe_section(exe, ".go.module");
	if (s && try_at(exe, t, s->addr, off, md, &bad)) {
		md->where = "section .go.module";
		return NULL;
	}
	uint64_t sym;
	struct gp_err *err = gp_exe_symbol(exe, "runtime.firstmoduledata", &sym, NULL);
	if (!err && try_at(exe, t, sym, off, md, &bad)) {
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
			if (w1 == t->addr + t->funcname_off && try_at(exe, t, seg->vaddr + o, off, md, &bad)) {
				md->where = "scan of the writable segments";
				return NULL;
			}
		}
	}
	if (bad)
		return gp_errorf(GP_ERR_FORMAT, "%s: moduledata at 0x%llx does not have the Go 1.%d layout (gofunc at +0x%x points outside the file)",
				 exe->path, (unsigned long long)bad, go_minor, off);
	return gp_errorf(GP_ERR_NOT_FOUND, "%s: runtime.firstmoduledata not found (no .go.module section, no symbol, no matching data)",
			 exe->path);
}
