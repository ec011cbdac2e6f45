/* dwarf_image.c — lazily decompressed DWARF for libdw (see dwarf_image.h). */
#include <elf.h>
#include <gelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "layout/dwarf_image.h"

#ifndef ELFCOMPRESS_ZSTD
#define ELFCOMPRESS_ZSTD 2
#endif

enum {
	FIRST_INFO_BYTES = 256 << 10,
	MAX_SECTION = 1u << 31, /* refuse absurd sizes from a malformed header */
};

/* The sections libdw needs to read DIEs and their names (.debug_ prefix dropped). .debug_info
 * must stay first. */
static const char *const wanted_sections[] = {"info", "abbrev", "str", "line_str", "str_offsets", "addr"};
enum { NSECT = sizeof(wanted_sections) / sizeof(wanted_sections[0]) };

enum kind { PLAIN, ZLIB, ZSTD };

/* One section's contents, decompressed on demand. */
struct stream {
	enum kind kind;
	const unsigned char *in; /* raw bytes (after any compression header) */
	size_t in_len, in_pos;
	size_t total;            /* uncompressed size, from the header */
	z_stream z;
	ZSTD_DStream *zs;
	int started, ended;
	unsigned char *out;      /* PLAIN: points into the file; else malloc'd */
	size_t len, cap;
};

struct gp_dwsrc {
	Elf *elf;
	const char *path;
	int direct;              /* nothing compressed: libdw reads the file itself */
	int present[NSECT];
	struct stream st[NSECT];
	size_t exposed;          /* bytes of .debug_info in the current image */
	char *img;
	Elf *img_elf;
	Dwarf *dw;
};

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint64_t rd64be(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static struct gp_err *stream_init(struct gp_dwsrc *s, int i, Elf_Scn *scn, const GElf_Shdr *sh, int gnu)
{
	struct stream *st = &s->st[i];
	Elf_Data *raw = elf_rawdata(scn, NULL);
	if (!raw || (!raw->d_buf && raw->d_size))
		return gp_errorf(GP_ERR_FORMAT, "%s: reading .debug_%s: %s", s->path, wanted_sections[i], elf_errmsg(-1));
	const unsigned char *p = raw->d_buf;
	size_t n = raw->d_size;
	if (gnu) { /* "ZLIB" + big-endian size + zlib stream */
		if (n < 12 || memcmp(p, "ZLIB", 4) != 0)
			return gp_errorf(GP_ERR_FORMAT, "%s: bad .zdebug_%s header", s->path, wanted_sections[i]);
		st->kind = ZLIB;
		st->total = rd64be(p + 4);
		p += 12, n -= 12;
	} else if (sh->sh_flags & SHF_COMPRESSED) {
		GElf_Chdr ch;
		if (!gelf_getchdr(scn, &ch))
			return gp_errorf(GP_ERR_FORMAT, "%s: bad compression header on .debug_%s: %s", s->path,
					 wanted_sections[i], elf_errmsg(-1));
		size_t hdr = gelf_getclass(s->elf) == ELFCLASS32 ? sizeof(Elf32_Chdr) : sizeof(Elf64_Chdr);
		if (n < hdr)
			return gp_errorf(GP_ERR_FORMAT, "%s: truncated .debug_%s", s->path, wanted_sections[i]);
		if (ch.ch_type == ELFCOMPRESS_ZLIB)
			st->kind = ZLIB;
		else if (ch.ch_type == ELFCOMPRESS_ZSTD)
			st->kind = ZSTD;
		else
			return gp_errorf(GP_ERR_FORMAT, "%s: .debug_%s: unknown compression type %u", s->path,
					 wanted_sections[i], (unsigned)ch.ch_type);
		st->total = ch.ch_size;
		p += hdr, n -= hdr;
	} else {
		st->kind = PLAIN;
		st->out = (unsigned char *)p;
		st->len = st->cap = st->total = n;
		st->ended = 1;
	}
	if (st->total >= MAX_SECTION)
		return gp_errorf(GP_ERR_FORMAT, "%s: .debug_%s claims %zu bytes", s->path, wanted_sections[i], st->total);
	st->in = p;
	st->in_len = n;
	return NULL;
}

/* Decompress until at least want bytes are available (or the section ends). */
static struct gp_err *stream_fill(struct gp_dwsrc *s, int i, size_t want)
{
	struct stream *st = &s->st[i];
	if (want > st->total)
		want = st->total;
	while (st->len < want && !st->ended) {
		if (!st->started) {
			st->started = 1;
			if (st->kind == ZLIB) {
				if (inflateInit(&st->z) != Z_OK)
					return &gp_err_nomem;
			} else if (!(st->zs = ZSTD_createDStream()) || ZSTD_isError(ZSTD_initDStream(st->zs))) {
				return &gp_err_nomem;
			}
		}
		if (st->cap < want) {
			size_t cap = st->cap ? st->cap : 64 << 10;
			while (cap < want)
				cap *= 2;
			if (cap > st->total)
				cap = st->total;
			unsigned char *o = realloc(st->out, cap);
			if (!o)
				return &gp_err_nomem;
			st->out = o;
			st->cap = cap;
		}
		size_t before_in = st->in_pos, before_out = st->len;
		if (st->kind == ZLIB) {
			size_t avail = st->in_len - st->in_pos;
			st->z.next_in = (unsigned char *)st->in + st->in_pos;
			st->z.avail_in = avail > UINT32_MAX ? UINT32_MAX : (uInt)avail;
			st->z.next_out = st->out + st->len;
			st->z.avail_out = (uInt)(st->cap - st->len);
			int r = inflate(&st->z, Z_NO_FLUSH);
			st->in_pos = (size_t)(st->z.next_in - st->in);
			st->len = st->cap - st->z.avail_out;
			if (r == Z_STREAM_END)
				st->ended = 1;
			else if (r != Z_OK && r != Z_BUF_ERROR)
				return gp_errorf(GP_ERR_FORMAT, "%s: decompressing .debug_%s: %s", s->path,
						 wanted_sections[i], st->z.msg ? st->z.msg : "zlib error");
		} else {
			ZSTD_inBuffer in = {st->in, st->in_len, st->in_pos};
			ZSTD_outBuffer out = {st->out, st->cap, st->len};
			size_t r = ZSTD_decompressStream(st->zs, &out, &in);
			if (ZSTD_isError(r))
				return gp_errorf(GP_ERR_FORMAT, "%s: decompressing .debug_%s: %s", s->path,
						 wanted_sections[i], ZSTD_getErrorName(r));
			st->in_pos = in.pos;
			st->len = out.pos;
			if (r == 0)
				st->ended = 1;
		}
		if (!st->ended && st->len == st->total)
			st->ended = 1; /* all the header promised */
		if (!st->ended && st->in_pos == before_in && st->len == before_out)
			return gp_errorf(GP_ERR_FORMAT, "%s: .debug_%s is truncated (%zu of %zu bytes)", s->path,
					 wanted_sections[i], st->len, st->total);
	}
	if (st->ended && st->len != st->total)
		return gp_errorf(GP_ERR_FORMAT, "%s: .debug_%s decompresses to %zu bytes, header says %zu", s->path,
				 wanted_sections[i], st->len, st->total);
	return NULL;
}

/* Length of the longest prefix of p made of whole units. */
static size_t whole_units(const unsigned char *p, size_t len)
{
	size_t off = 0;
	while (len - off >= 4) {
		uint64_t ulen = rd32(p + off);
		size_t hdr = 4;
		if (ulen == 0xffffffff) {
			if (len - off < 12)
				break;
			ulen = rd64(p + off + 4);
			hdr = 12;
		} else if (ulen >= 0xfffffff0) {
			break; /* reserved: malformed; let libdw see only what precedes it */
		}
		if (ulen > len - off - hdr)
			break;
		off += hdr + (size_t)ulen;
	}
	return off;
}

struct gp_err *gp_dwsrc_open(Elf *elf, const char *path, struct gp_dwsrc **out)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return gp_errorf(GP_ERR_FORMAT, "%s: no section headers: %s", path, elf_errmsg(-1));
	struct gp_dwsrc *s = calloc(1, sizeof(*s));
	if (!s)
		return &gp_err_nomem;
	s->elf = elf;
	s->path = path;
	s->direct = 1;
	struct gp_err *err = NULL;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name)
			continue;
		int gnu = strncmp(name, ".zdebug_", 8) == 0;
		if (!gnu && strncmp(name, ".debug_", 7) != 0)
			continue;
		if (gnu || (sh.sh_flags & SHF_COMPRESSED))
			s->direct = 0;
		const char *base = name + (gnu ? 8 : 7);
		for (int i = 0; i < NSECT; i++) {
			if (strcmp(base, wanted_sections[i]) != 0 || s->present[i] || sh.sh_type == SHT_NOBITS)
				continue;
			if ((err = stream_init(s, i, scn, &sh, gnu)))
				goto fail;
			s->present[i] = 1;
		}
	}
	if (!s->present[0]) {
		err = gp_errorf(GP_ERR_NOT_FOUND, "%s has no DWARF (.debug_info)", path);
		goto fail;
	}
	if (!s->direct) {
		for (int i = 1; i < NSECT; i++)
			if (s->present[i] && (err = stream_fill(s, i, SIZE_MAX)))
				goto fail;
	}
	*out = s;
	return NULL;
fail:
	gp_dwsrc_close(s);
	return err;
}

static void drop_image(struct gp_dwsrc *s)
{
	if (s->dw)
		dwarf_end(s->dw);
	if (s->img_elf)
		elf_end(s->img_elf);
	free(s->img);
	s->dw = NULL;
	s->img_elf = NULL;
	s->img = NULL;
}

/* An ELF image holding the wanted sections, .debug_info cut to info_len bytes. */
static struct gp_err *build_image(struct gp_dwsrc *s, size_t info_len)
{
	char shstr[128];
	size_t shstr_len = 1, name_off[NSECT];
	shstr[0] = '\0';
	size_t size = sizeof(Elf64_Ehdr), data_off[NSECT], nsh = 2; /* null + .shstrtab */
	for (int i = 0; i < NSECT; i++) {
		if (!s->present[i])
			continue;
		name_off[i] = shstr_len;
		shstr_len += (size_t)snprintf(shstr + shstr_len, sizeof(shstr) - shstr_len, ".debug_%s", wanted_sections[i]) + 1;
		size = (size + 7) & ~(size_t)7;
		data_off[i] = size;
		size += i == 0 ? info_len : s->st[i].len;
		nsh++;
	}
	size_t shstr_off = size;
	memcpy(shstr + shstr_len, ".shstrtab", 10);
	size_t shstr_name = shstr_len;
	shstr_len += 10;
	size += shstr_len;
	size = (size + 7) & ~(size_t)7;
	size_t shoff = size;
	size += nsh * sizeof(Elf64_Shdr);

	char *img = calloc(1, size);
	if (!img)
		return &gp_err_nomem;
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC; /* not ET_REL: no relocations to apply */
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_shoff = shoff;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = (Elf64_Half)nsh;
	eh->e_shstrndx = (Elf64_Half)(nsh - 1);
	Elf64_Shdr *sh = (Elf64_Shdr *)(img + shoff);
	size_t k = 1;
	for (int i = 0; i < NSECT; i++) {
		if (!s->present[i])
			continue;
		size_t len = i == 0 ? info_len : s->st[i].len;
		if (len)
			memcpy(img + data_off[i], s->st[i].out, len);
		sh[k].sh_name = (Elf64_Word)name_off[i];
		sh[k].sh_type = SHT_PROGBITS;
		sh[k].sh_offset = data_off[i];
		sh[k].sh_size = len;
		sh[k].sh_addralign = 1;
		k++;
	}
	memcpy(img + shstr_off, shstr, shstr_len);
	sh[k].sh_name = (Elf64_Word)shstr_name;
	sh[k].sh_type = SHT_STRTAB;
	sh[k].sh_offset = shstr_off;
	sh[k].sh_size = shstr_len;
	sh[k].sh_addralign = 1;

	drop_image(s);
	s->img = img;
	if (!(s->img_elf = elf_memory(img, size)))
		return gp_errorf(GP_ERR_INTERNAL, "%s: building a DWARF image: %s", s->path, elf_errmsg(-1));
	if (!(s->dw = dwarf_begin_elf(s->img_elf, DWARF_C_READ, NULL)))
		return gp_errorf(GP_ERR_FORMAT, "%s: unusable DWARF: %s", s->path, dwarf_errmsg(-1));
	return NULL;
}

struct gp_err *gp_dwsrc_next(struct gp_dwsrc *s, Dwarf **dw, int *complete)
{
	struct gp_err *err;
	if (s->direct) {
		if (!s->dw && !(s->dw = dwarf_begin_elf(s->elf, DWARF_C_READ, NULL)))
			return gp_errorf(GP_ERR_FORMAT, "%s: unusable DWARF: %s", s->path, dwarf_errmsg(-1));
		*dw = s->dw;
		*complete = 1;
		return NULL;
	}
	struct stream *info = &s->st[0];
	size_t want = s->exposed ? 2 * s->exposed : FIRST_INFO_BYTES;
	size_t upto;
	for (;;) {
		if ((err = stream_fill(s, 0, want)))
			return err;
		upto = whole_units(info->out, info->len);
		if (upto > s->exposed || info->ended)
			break;
		want *= 2; /* one unit larger than what we have: read on */
	}
	if ((err = build_image(s, upto)))
		return err;
	s->exposed = upto;
	*dw = s->dw;
	*complete = info->ended;
	return NULL;
}

void gp_dwsrc_close(struct gp_dwsrc *s)
{
	if (!s)
		return;
	drop_image(s);
	for (int i = 0; i < NSECT; i++) {
		struct stream *st = &s->st[i];
		if (st->kind == ZLIB && st->started)
			inflateEnd(&st->z);
		if (st->zs)
			ZSTD_freeDStream(st->zs);
		if (st->kind != PLAIN)
			free(st->out);
	}
	free(s);
}
