/* pcln_craft.h — builds a small Go 1.20+ format pclntab in memory, plus the gp_exe that maps it, for
 * unit tests and fuzz seeds. Layout (link-time addresses):
 *   text 0x401000: main.outer [0x401000,0x401100), main.leaf [0x401100,0x401180)
 *   main.outer: line 10 on [+0,+0x40), an inlined main.inlined (b.go:20) on [+0x40,+0x60) called
 *     from +0x30 (line 10), line 11 on [+0x60,+0x100); pcsp 0 on [+0,+4), 0x28 after
 *   main.leaf: no line information on [+0,+0x10) (value -1), line 12 after
 *   pclntab at 0x500000 (PCLN_ADDR), gofunc (inline tree) at 0x600000 (GOFUNC_ADDR).
 * Header-only so that tests and fuzz seed generators can share it. */
#ifndef GOPSY_TESTS_PCLN_CRAFT_H
#define GOPSY_TESTS_PCLN_CRAFT_H

#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "target/exe.h"

enum { PC_TEXT = 0x401000, PCLN_ADDR = 0x500000, GOFUNC_ADDR = 0x600000 };

struct pcln_buf {
	unsigned char p[4096];
	size_t n;
};

static inline size_t pb_put(struct pcln_buf *b, const void *d, size_t n)
{
	size_t at = b->n;
	memcpy(b->p + b->n, d, n);
	b->n += n;
	return at;
}

static inline void pb_u32(struct pcln_buf *b, uint32_t v) { pb_put(b, &v, 4); }
static inline void pb_u64(struct pcln_buf *b, uint64_t v) { pb_put(b, &v, 8); }

static inline void pb_uvarint(struct pcln_buf *b, uint32_t v)
{
	while (v >= 0x80) {
		b->p[b->n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	b->p[b->n++] = (unsigned char)v;
}

/* One pc-value step: value delta then pc delta (in bytes; minLC 1). */
static inline void pb_step(struct pcln_buf *b, int32_t vdelta, uint32_t pcdelta)
{
	pb_uvarint(b, ((uint32_t)vdelta << 1) ^ (uint32_t)(vdelta >> 31));
	pb_uvarint(b, pcdelta);
}

struct pcln_craft {
	struct pcln_buf tab;   /* the pclntab bytes */
	unsigned char gofunc[64];
	unsigned char mem[0x300000]; /* backing of the fake exe's file: text stub, pclntab, gofunc */
	struct gp_exe_segment segs[3];
	struct gp_exe exe;
	uint32_t name_outer, name_leaf, name_inlined;
};

/* Fills c (large: allocate it on the heap). */
static inline void pcln_craft(struct pcln_craft *c)
{
	memset(c, 0, sizeof(*c));
	struct pcln_buf names = {0}, cutab = {0}, files = {0}, pctab = {0}, ftab = {0};
	pb_put(&names, "go:buildid", 11);
	c->name_outer = (uint32_t)pb_put(&names, "main.outer", 11);
	c->name_leaf = (uint32_t)pb_put(&names, "main.leaf", 10);
	c->name_inlined = (uint32_t)pb_put(&names, "main.inlined", 13);
	pb_u32(&cutab, 0);          /* file 0: a.go */
	pb_u32(&cutab, 10);         /* file 1: b.go */
	pb_u32(&cutab, 0xffffffff); /* file 2: corrupt */
	pb_put(&files, "/src/a.go", 10);
	pb_put(&files, "/src/b.go", 10);
	pctab.p[pctab.n++] = 0; /* offset 0 means "no table" */
	uint32_t outer_sp = (uint32_t)pctab.n;
	pb_step(&pctab, 1, 4), pb_step(&pctab, 0x28, 0xfc), pctab.p[pctab.n++] = 0;
	uint32_t outer_file = (uint32_t)pctab.n;
	pb_step(&pctab, 1, 0x40), pb_step(&pctab, 1, 0x20), pb_step(&pctab, -1, 0xa0), pctab.p[pctab.n++] = 0;
	uint32_t outer_line = (uint32_t)pctab.n;
	pb_step(&pctab, 11, 0x40), pb_step(&pctab, 10, 0x20), pb_step(&pctab, -9, 0xa0), pctab.p[pctab.n++] = 0;
	uint32_t outer_inl = (uint32_t)pctab.n;
	pb_step(&pctab, 0, 0x40), pb_step(&pctab, 1, 0x20), pb_step(&pctab, -1, 0xa0), pctab.p[pctab.n++] = 0;
	uint32_t leaf_file = (uint32_t)pctab.n;
	pb_step(&pctab, 1, 0x80), pctab.p[pctab.n++] = 0;
	uint32_t leaf_line = (uint32_t)pctab.n;
	pb_step(&pctab, 0, 0x10), pb_step(&pctab, 13, 0x70), pctab.p[pctab.n++] = 0;

	/* functab: 2 functions + end; then the _func records (44 bytes + pcdata + funcdata). */
	size_t nfunc = 2, func0 = (nfunc + 1) * 8;
	size_t func1 = func0 + 44 + 3 * 4 + 4 * 4;
	pb_u32(&ftab, 0), pb_u32(&ftab, (uint32_t)func0);
	pb_u32(&ftab, 0x100), pb_u32(&ftab, (uint32_t)func1);
	pb_u32(&ftab, 0x180), pb_u32(&ftab, 0);
	/* main.outer: 3 pcdata (unsafepoint, stackmap, inltree), 4 funcdata (inltree = index 3). */
	pb_u32(&ftab, 0), pb_u32(&ftab, c->name_outer), pb_u32(&ftab, 8), pb_u32(&ftab, 0);
	pb_u32(&ftab, outer_sp), pb_u32(&ftab, outer_file), pb_u32(&ftab, outer_line), pb_u32(&ftab, 3);
	pb_u32(&ftab, 0), pb_u32(&ftab, 9);
	unsigned char tail[4] = {0, 0, 0, 4}; /* funcID, flag, pad, nfuncdata */
	pb_put(&ftab, tail, 4);
	pb_u32(&ftab, 0), pb_u32(&ftab, 0), pb_u32(&ftab, outer_inl);
	pb_u32(&ftab, 0xffffffff), pb_u32(&ftab, 0xffffffff), pb_u32(&ftab, 0xffffffff), pb_u32(&ftab, 0);
	/* main.leaf: no pcdata, no funcdata, no pcsp. */
	pb_u32(&ftab, 0x100), pb_u32(&ftab, c->name_leaf), pb_u32(&ftab, 0), pb_u32(&ftab, 0);
	pb_u32(&ftab, 0), pb_u32(&ftab, leaf_file), pb_u32(&ftab, leaf_line), pb_u32(&ftab, 0);
	pb_u32(&ftab, 0), pb_u32(&ftab, 12);
	unsigned char tail1[4] = {0, 0, 0, 0};
	pb_put(&ftab, tail1, 4);

	/* Header then tables, in the order pcHeader | funcnametab | cutab | filetab | pctab | functab. */
	uint64_t off_names = 72, off_cu = off_names + names.n, off_files = off_cu + cutab.n;
	uint64_t off_pc = off_files + files.n, off_ftab = off_pc + pctab.n;
	off_ftab = (off_ftab + 7) & ~7ull;
	struct pcln_buf *t = &c->tab;
	pb_u32(t, 0xfffffff1);
	unsigned char pads[4] = {0, 0, 1, 8};
	pb_put(t, pads, 4);
	pb_u64(t, nfunc), pb_u64(t, 2), pb_u64(t, 0);
	pb_u64(t, off_names), pb_u64(t, off_cu), pb_u64(t, off_files), pb_u64(t, off_pc), pb_u64(t, off_ftab);
	pb_put(t, names.p, names.n), pb_put(t, cutab.p, cutab.n), pb_put(t, files.p, files.n);
	pb_put(t, pctab.p, pctab.n);
	while (t->n < off_ftab)
		t->p[t->n++] = 0;
	pb_put(t, ftab.p, ftab.n);

	/* Inline tree (gofunc + 0): one 16-byte inlinedCall {funcID 0; nameOff; parentPc 0x30; startLine 18}. */
	uint32_t inl[4] = {0, c->name_inlined, 0x30, 18};
	memcpy(c->gofunc, inl, sizeof(inl));

	/* The fake executable: text stub at 0x1000 in mem, pclntab at 0x100000, gofunc at 0x200000. */
	memcpy(c->mem + 0x100000, t->p, t->n);
	memcpy(c->mem + 0x200000, c->gofunc, sizeof(c->gofunc));
	c->segs[0] = (struct gp_exe_segment){PC_TEXT, 0x1000, 0x1000, 0x1000, PF_R | PF_X};
	c->segs[1] = (struct gp_exe_segment){PCLN_ADDR, 0x10000, 0x100000, 0x10000, PF_R};
	c->segs[2] = (struct gp_exe_segment){GOFUNC_ADDR, 0x1000, 0x200000, 0x1000, PF_R};
	c->exe.path = "crafted";
	c->exe.map = c->mem;
	c->exe.size = sizeof(c->mem);
	c->exe.type = ET_EXEC;
	c->exe.machine = EM_X86_64;
	c->exe.segs = c->segs;
	c->exe.nsegs = 3;
}

#endif

/* A whole stripped "Go 1.22 executable" around the crafted pclntab: no section headers, so build
 * info, pclntab and moduledata must all be found by search. File layout: ELF header + 3 program
 * headers; text (R+X) at 0x401000; data (R+W) at 0x500000 holding the pclntab at +0, moduledata at
 * +0x8000 and the build info blob at +0x9000; gofunc (R) at 0x600000. Returns a malloc'd image. */
#define CRAFT_GO_VERSION "go1.22.12"
static inline unsigned char *pcln_craft_elf(const struct pcln_craft *c, size_t *len)
{
	enum { TEXT_OFF = 0x1000, DATA_OFF = 0x2000, DATA_SIZE = 0xa000, GOFUNC_OFF = 0xc000, FILE_SIZE = 0xd000 };
	unsigned char *img = calloc(1, FILE_SIZE);
	Elf64_Ehdr eh = {0};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = PC_TEXT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 3;
	memcpy(img, &eh, sizeof(eh));
	Elf64_Phdr ph[3] = {
		{.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = TEXT_OFF, .p_vaddr = PC_TEXT,
		 .p_filesz = 0x1000, .p_memsz = 0x1000, .p_align = 0x1000},
		{.p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = DATA_OFF, .p_vaddr = PCLN_ADDR,
		 .p_filesz = DATA_SIZE, .p_memsz = DATA_SIZE, .p_align = 0x1000},
		{.p_type = PT_LOAD, .p_flags = PF_R, .p_offset = GOFUNC_OFF, .p_vaddr = GOFUNC_ADDR,
		 .p_filesz = 0x1000, .p_memsz = 0x1000, .p_align = 0x1000},
	};
	memcpy(img + sizeof(eh), ph, sizeof(ph));
	memcpy(img + DATA_OFF, c->tab.p, c->tab.n);
	memcpy(img + GOFUNC_OFF, c->gofunc, sizeof(c->gofunc));
	/* moduledata (Go 1.20–1.26 layout): pcHeader, funcnametab, ftab, minpc, maxpc, text, etext, gofunc. */
	uint64_t off_names, off_ftab, nfunc;
	memcpy(&nfunc, c->tab.p + 8, 8);
	memcpy(&off_names, c->tab.p + 32, 8);
	memcpy(&off_ftab, c->tab.p + 64, 8);
	uint64_t md[0x150 / 8] = {0};
	md[0] = PCLN_ADDR;
	md[1] = PCLN_ADDR + off_names;
	md[0x80 / 8] = PCLN_ADDR + off_ftab;
	md[0x88 / 8] = nfunc + 1;
	md[0x90 / 8] = nfunc + 1;
	md[0xa0 / 8] = PC_TEXT;
	md[0xa8 / 8] = PC_TEXT + 0x180;
	md[0xb0 / 8] = PC_TEXT;
	md[0xb8 / 8] = PC_TEXT + 0x180;
	md[0x140 / 8] = GOFUNC_ADDR;
	memcpy(img + DATA_OFF + 0x8000, md, sizeof(md));
	/* Build info: magic, ptrsize 8, flags 2 (inline strings), then two varint-prefixed strings. */
	unsigned char *bi = img + DATA_OFF + 0x9000;
	memcpy(bi, "\xff Go buildinf:\x08\x02", 16);
	/* The real framing of cmd/go (modload infoStart/infoEnd); infoEnd contains a NUL byte. */
	static const char mod[] = "0w\xaf\x0c\x92t\x08\x02" "A\xe1\xc1\x07\xe6\xd6\x18\xe6"
				  "path\tcrafted\nbuild\tCGO_ENABLED=0\n"
				  "\xf9" "2C1\x86\x18 r\x00\x82" "B\x10" "A\x16\xd8\xf2";
	size_t p = 32;
	bi[p++] = (unsigned char)strlen(CRAFT_GO_VERSION);
	memcpy(bi + p, CRAFT_GO_VERSION, strlen(CRAFT_GO_VERSION));
	p += strlen(CRAFT_GO_VERSION);
	bi[p++] = (unsigned char)(sizeof(mod) - 1);
	memcpy(bi + p, mod, sizeof(mod) - 1);
	*len = FILE_SIZE;
	return img;
}
