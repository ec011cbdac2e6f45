/* pclntab.c — decoding Go's pclntab (see pclntab.h). The reference is runtime/symtab.go
 * (findfunc, pcvalue, step, funcline1, funcfile, funcdata, pcdatavalue) and runtime/symtabinl.go;
 * the writer is cmd/link/internal/ld/pcln.go. */
#include "gobin/pclntab.h"

#include "base/le.h"

#include <elf.h>
#include <string.h>

enum { HDR_SIZE = 72 };

/* Is [off, off+len) inside the table? */
static int in_table(const struct gp_pclntab *t, uint64_t off, uint64_t len)
{
	return off <= t->size && len <= t->size - off;
}

struct gp_err *gp_pclntab_parse(const struct gp_exe *exe, const unsigned char *p, size_t avail, uint64_t addr,
				struct gp_pclntab *t)
{
	memset(t, 0, sizeof(*t));
	t->exe = exe;
	if (avail < HDR_SIZE)
		return gp_errorf(GP_ERR_TRUNCATED, "%s: pclntab header at 0x%llx is cut short", exe->path,
				 (unsigned long long)addr);
	t->magic = gp_le32(p);
	if (t->magic == 0xfffffffbu || t->magic == 0xfffffffau)
		return gp_errorf(GP_ERR_UNSUPPORTED, "%s: pclntab of Go 1.%s (magic 0x%x): gopsy supports Go 1.19 and later",
				 exe->path, t->magic == 0xfffffffbu ? "2–1.15" : "16–1.17", t->magic);
	if (t->magic != GP_PCLN_MAGIC_118 && t->magic != GP_PCLN_MAGIC_120)
		return gp_errorf(GP_ERR_FORMAT, "%s: bad pclntab magic 0x%x at 0x%llx", exe->path, t->magic,
				 (unsigned long long)addr);
	if (p[4] != 0 || p[5] != 0 || p[7] != 8 || (p[6] != 1 && p[6] != 2 && p[6] != 4))
		return gp_errorf(GP_ERR_UNSUPPORTED, "%s: pclntab for minLC %u, pointer size %u: only 64-bit targets are supported",
				 exe->path, p[6], p[7]);
	t->addr = addr;
	t->base = p;
	t->size = avail;
	t->minlc = p[6];
	t->ptrsize = p[7];
	t->nfunc = gp_le64(p + 8);
	t->nfiles = gp_le64(p + 16);
	t->hdr_text = gp_le64(p + 24);
	t->funcname_off = gp_le64(p + 32);
	t->cu_off = gp_le64(p + 40);
	t->filetab_off = gp_le64(p + 48);
	t->pctab_off = gp_le64(p + 56);
	t->pcln_off = gp_le64(p + 64);
	t->func_size = t->magic == GP_PCLN_MAGIC_118 ? 40 : 44;
	if (!(HDR_SIZE <= t->funcname_off && t->funcname_off <= t->cu_off && t->cu_off <= t->filetab_off &&
	      t->filetab_off <= t->pctab_off && t->pctab_off <= t->pcln_off) ||
	    t->nfunc == 0 || t->nfunc > (1u << 28) || !in_table(t, t->pcln_off, (t->nfunc + 1) * 8))
		return gp_errorf(GP_ERR_FORMAT, "%s: inconsistent pclntab header at 0x%llx (nfunc %llu, tables at +0x%llx..+0x%llx, %zu bytes available)",
				 exe->path, (unsigned long long)addr, (unsigned long long)t->nfunc,
				 (unsigned long long)t->funcname_off, (unsigned long long)t->pcln_off, avail);
	/* The function table must be sorted by entry: check a sample of 64 entries and the last. */
	const unsigned char *ftab = p + t->pcln_off;
	uint32_t prev = 0;
	uint64_t step = t->nfunc / 64 + 1;
	for (uint64_t i = 0;; i += step) {
		if (i > t->nfunc)
			i = t->nfunc;
		uint32_t e = gp_le32(ftab + 8 * i);
		if (e < prev)
			return gp_errorf(GP_ERR_FORMAT, "%s: pclntab function table at 0x%llx is not sorted", exe->path,
					 (unsigned long long)addr);
		prev = e;
		if (i == t->nfunc)
			break;
	}
	return NULL;
}

struct gp_err *gp_pclntab_open(const struct gp_exe *exe, struct gp_pclntab *t)
{
	static const char *const names[] = {".gopclntab", ".data.rel.ro.gopclntab"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct gp_exe_section *s = gp_exe_section(exe, names[i]);
		const unsigned char *d = gp_exe_section_data(exe, s);
		if (!d)
			continue;
		struct gp_err *err = gp_pclntab_parse(exe, d, (size_t)s->size, s->addr, t);
		if (!err)
			t->where = names[i];
		return err;
	}
	/* No section headers (or renamed): search file-backed segments for the magic, 8-aligned. */
	struct gp_err *last = NULL;
	for (size_t i = 0; i < exe->nsegs; i++) {
		const struct gp_exe_segment *s = &exe->segs[i];
		if (s->offset > exe->size)
			continue;
		const unsigned char *d = exe->map + s->offset;
		uint64_t start = (8 - (s->vaddr & 7)) & 7;
		for (uint64_t off = start; off + HDR_SIZE <= s->filesz; off += 8) {
			if (d[off + 1] != 0xff || d[off + 2] != 0xff || d[off + 3] != 0xff ||
			    (d[off] != 0xf0 && d[off] != 0xf1 && d[off] != 0xfa && d[off] != 0xfb) ||
			    d[off + 4] != 0 || d[off + 5] != 0 || d[off + 7] != 8)
				continue;
			gp_err_free(last);
			last = gp_pclntab_parse(exe, d + off, (size_t)(s->filesz - off), s->vaddr + off, t);
			if (!last) {
				t->where = "magic search";
				return NULL;
			}
			if (gp_err_code(last) == GP_ERR_UNSUPPORTED)
				return last;
		}
	}
	if (last)
		return last;
	return gp_errorf(GP_ERR_NOT_FOUND, "%s: no Go pclntab found (not a Go program?)", exe->path);
}

uint64_t gp_pclntab_minpc(const struct gp_pclntab *t)
{
	return t->text + gp_le32(t->base + t->pcln_off);
}

uint64_t gp_pclntab_maxpc(const struct gp_pclntab *t)
{
	return t->text + gp_le32(t->base + t->pcln_off + 8 * t->nfunc);
}

struct gp_err *gp_pclntab_set_module(struct gp_pclntab *t, uint64_t text, uint64_t gofunc)
{
	t->text = text;
	t->gofunc = gofunc;
	const struct gp_exe_segment *lo = gp_exe_segment_at(t->exe, gp_pclntab_minpc(t));
	const struct gp_exe_segment *hi = gp_exe_segment_at(t->exe, gp_pclntab_maxpc(t) - 1);
	if (!lo || lo != hi || !(lo->flags & PF_X))
		return gp_errorf(GP_ERR_FORMAT, "%s: text start 0x%llx puts the functions [0x%llx, 0x%llx) outside the executable segment",
				 t->exe->path, (unsigned long long)text, (unsigned long long)gp_pclntab_minpc(t),
				 (unsigned long long)gp_pclntab_maxpc(t));
	return NULL;
}

int gp_pclntab_func_at(const struct gp_pclntab *t, uint64_t i, struct gp_func *f)
{
	if (i >= t->nfunc)
		return -1;
	uint64_t funcoff = gp_le32(t->base + t->pcln_off + 8 * i + 4);
	uint64_t off = t->pcln_off + funcoff;
	if (!in_table(t, off, t->func_size))
		return -1;
	const unsigned char *p = t->base + off;
	f->raw = p;
	f->entry = t->text + gp_le32(p);
	f->name_off = (int32_t)gp_le32(p + 4);
	f->args = (int32_t)gp_le32(p + 8);
	f->deferreturn = gp_le32(p + 12);
	f->pcsp = gp_le32(p + 16);
	f->pcfile = gp_le32(p + 20);
	f->pcln = gp_le32(p + 24);
	f->npcdata = gp_le32(p + 28);
	f->cu_off = gp_le32(p + 32);
	size_t tail = t->func_size == 40 ? 36 : 40;
	f->start_line = t->func_size == 40 ? 0 : (int32_t)gp_le32(p + 36);
	f->funcid = p[tail];
	f->flag = p[tail + 1];
	f->nfuncdata = p[tail + 3];
	if (f->npcdata > 64 || !in_table(t, off, t->func_size + 4 * (uint64_t)(f->npcdata + f->nfuncdata)))
		return -1;
	return 0;
}

int gp_pclntab_findfunc(const struct gp_pclntab *t, uint64_t pc, struct gp_func *f)
{
	if (pc < t->text)
		return -1;
	uint64_t off64 = pc - t->text;
	const unsigned char *ftab = t->base + t->pcln_off;
	if (off64 >= gp_le32(ftab + 8 * t->nfunc) || off64 < gp_le32(ftab))
		return -1;
	uint32_t off = (uint32_t)off64;
	uint64_t lo = 0, hi = t->nfunc; /* invariant: entry[lo] <= off < entry[hi] */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (gp_le32(ftab + 8 * mid) <= off)
			lo = mid;
		else
			hi = mid;
	}
	return gp_pclntab_func_at(t, lo, f);
}

const char *gp_pclntab_name_at(const struct gp_pclntab *t, int32_t off)
{
	uint64_t tab_size = t->cu_off - t->funcname_off;
	if (off < 0 || (uint64_t)off >= tab_size)
		return "";
	const char *s = (const char *)t->base + t->funcname_off + off;
	if (!memchr(s, 0, (size_t)(tab_size - (uint64_t)off)))
		return "";
	return s;
}

const char *gp_pclntab_funcname(const struct gp_pclntab *t, const struct gp_func *f)
{
	return gp_pclntab_name_at(t, f->name_off);
}

/* Go's readvarint, bounded by end; 0 if malformed. */
static int varint(const unsigned char **p, const unsigned char *end, uint32_t *v)
{
	uint32_t x = 0;
	for (unsigned shift = 0; *p < end && shift < 35; shift += 7) {
		unsigned char b = *(*p)++;
		x |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 1;
		}
	}
	return 0;
}

int32_t gp_pclntab_pcvalue(const struct gp_pclntab *t, const struct gp_func *f, uint32_t off, uint64_t pc,
			   uint64_t *next_pc)
{
	if (off == 0)
		return -1;
	uint64_t tab_size = t->pcln_off - t->pctab_off;
	if (off >= tab_size)
		return -1;
	const unsigned char *p = t->base + t->pctab_off + off, *end = t->base + t->pctab_off + tab_size;
	int32_t val = -1;
	uint64_t cur = f->entry;
	for (int first = 1;; first = 0) {
		uint32_t uvdelta, pcdelta;
		if (p >= end || (*p == 0 && !first))
			return -1;
		if (!varint(&p, end, &uvdelta) || !varint(&p, end, &pcdelta))
			return -1;
		val += (int32_t)(-(uvdelta & 1) ^ (uvdelta >> 1));
		cur += (uint64_t)pcdelta * t->minlc;
		if (pc < cur) {
			if (next_pc)
				*next_pc = cur;
			return val;
		}
	}
}

int32_t gp_pclntab_pcdata(const struct gp_pclntab *t, const struct gp_func *f, uint32_t idx, uint64_t pc)
{
	if (idx >= f->npcdata)
		return -1;
	return gp_pclntab_pcvalue(t, f, gp_le32(f->raw + t->func_size + 4 * idx), pc, NULL);
}

const char *gp_pclntab_file(const struct gp_pclntab *t, const struct gp_func *f, int32_t fileno)
{
	if (fileno < 0)
		return "?";
	uint64_t idx = (uint64_t)f->cu_off + (uint64_t)fileno;
	uint64_t ncu = (t->filetab_off - t->cu_off) / 4;
	if (idx >= ncu)
		return "?";
	uint32_t fileoff = gp_le32(t->base + t->cu_off + 4 * idx);
	uint64_t tab_size = t->pctab_off - t->filetab_off;
	if (fileoff == 0xffffffffu || fileoff >= tab_size)
		return "?";
	const char *s = (const char *)t->base + t->filetab_off + fileoff;
	return memchr(s, 0, (size_t)(tab_size - fileoff)) ? s : "?";
}

void gp_pclntab_funcline(const struct gp_pclntab *t, const struct gp_func *f, uint64_t pc, const char **file,
			 int32_t *line)
{
	int32_t fileno = gp_pclntab_pcvalue(t, f, f->pcfile, pc, NULL);
	int32_t ln = gp_pclntab_pcvalue(t, f, f->pcln, pc, NULL);
	if (fileno == -1 || ln == -1) {
		*file = "?";
		*line = 0;
		return;
	}
	*file = gp_pclntab_file(t, f, fileno);
	*line = ln;
}

uint64_t gp_pclntab_funcdata(const struct gp_pclntab *t, const struct gp_func *f, uint32_t idx)
{
	if (idx >= f->nfuncdata || !t->gofunc)
		return 0;
	uint32_t off = gp_le32(f->raw + t->func_size + 4 * f->npcdata + 4 * idx);
	return off == 0xffffffffu ? 0 : t->gofunc + off;
}

size_t gp_pclntab_inline_frames(const struct gp_pclntab *t, const struct gp_func *f, uint64_t pc,
				struct gp_inline_frame *out, size_t max)
{
	if (max == 0)
		return 0;
	uint64_t tree = gp_pclntab_funcdata(t, f, GP_FUNCDATA_INLTREE);
	size_t esize = t->magic == GP_PCLN_MAGIC_118 ? 20 : 16;
	size_t n = 0;
	while (n + 1 < max) {
		int32_t ix = tree ? gp_pclntab_pcdata(t, f, GP_PCDATA_INLTREEINDEX, pc) : -1;
		const unsigned char *e = ix >= 0 ? gp_exe_ptr(t->exe, tree + (uint64_t)ix * esize, esize) : NULL;
		if (!e)
			break;
		struct gp_inline_frame *fr = &out[n++];
		int32_t name_off, parent_pc;
		if (esize == 20) {
			fr->funcid = e[2];
			name_off = (int32_t)gp_le32(e + 12);
			parent_pc = (int32_t)gp_le32(e + 16);
		} else {
			fr->funcid = e[0];
			name_off = (int32_t)gp_le32(e + 4);
			parent_pc = (int32_t)gp_le32(e + 8);
		}
		fr->name = gp_pclntab_name_at(t, name_off);
		fr->inlined = 1;
		fr->pc = pc;
		gp_pclntab_funcline(t, f, pc, &fr->file, &fr->line);
		fr->name_len = (uint32_t)strlen(fr->name);
		fr->file_len = (uint32_t)strlen(fr->file);
		pc = f->entry + (uint64_t)(int64_t)parent_pc;
	}
	struct gp_inline_frame *fr = &out[n++];
	fr->name = gp_pclntab_funcname(t, f);
	fr->funcid = f->funcid;
	fr->inlined = 0;
	fr->pc = pc;
	gp_pclntab_funcline(t, f, pc, &fr->file, &fr->line);
	fr->name_len = (uint32_t)strlen(fr->name);
	fr->file_len = (uint32_t)strlen(fr->file);
	return n;
}

int gp_pclntab_func_by_name(const struct gp_pclntab *t, const char *name, struct gp_func *f, uint64_t *end)
{
	for (uint64_t i = 0; i < t->nfunc; i++) {
		if (gp_pclntab_func_at(t, i, f) != 0 || strcmp(gp_pclntab_funcname(t, f), name))
			continue;
		struct gp_func next;
		if (end)
			*end = gp_pclntab_func_at(t, i + 1, &next) == 0 ? next.entry : gp_pclntab_maxpc(t);
		return 0;
	}
	return -1;
}
