/* buildinfo.c — decoding the .go.buildinfo blob and Go version strings (see buildinfo.h; the format
 * is written by cmd/link/internal/ld/data.go (*Link).buildinfo and read by debug/buildinfo). */
#include "gobin/buildinfo.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

static const char bi_magic[14] = "\xff Go buildinf:";
enum { BI_ALIGN = 16, BI_HDR = 32, BI_FLAG_BIGENDIAN = 1, BI_FLAG_INLINE = 2 };

/* uvarint at *p (bounded by end); returns 0 on malformed/overlong input. */
static int uvarint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	uint64_t x = 0;
	for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
		unsigned char b = *(*p)++;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 1;
		}
	}
	return 0;
}

/* A varint-prefixed string; *len gets its length (the module framing contains NUL bytes). */
static const char *read_str(const unsigned char **p, const unsigned char *end, struct gp_arena *a, size_t *len)
{
	uint64_t n;
	if (!uvarint(p, end, &n) || n > (uint64_t)(end - *p))
		return NULL;
	const char *s = gp_arena_strndup(a, (const char *)*p, (size_t)n);
	*p += n;
	*len = (size_t)n;
	return s;
}

struct gp_err *gp_goversion_parse(const char *s, struct gp_arena *a, struct gp_goversion *out)
{
	memset(out, 0, sizeof(*out));
	out->patch = -1;
	const char *g = strstr(s, "go1.");
	if (!g)
		return gp_errorf(GP_ERR_FORMAT, "Go version string \"%s\" names no go1.N release", s);
	out->devel = !strncmp(s, "devel", 5);
	out->major = 1;
	char *end;
	long minor = strtol(g + 4, &end, 10);
	if (end == g + 4 || minor < 0 || minor > 1000)
		return gp_errorf(GP_ERR_FORMAT, "Go version string \"%s\" has no minor version", s);
	out->minor = (int)minor;
	if (*end == '.' && end[1] >= '0' && end[1] <= '9' && !out->devel)
		out->patch = (int)strtol(end + 1, &end, 10);
	const char *x = strstr(s, " X:");
	if (!x)
		x = strstr(s, "-X:");
	if (x) {
		out->experiments = gp_arena_strdup(a, x + 3);
		if (!out->experiments)
			return &gp_err_nomem;
	}
	return NULL;
}

/* Parse the module text into path and build settings. */
static struct gp_err *parse_modinfo(struct gp_buildinfo *bi, struct gp_arena *a)
{
	size_t cap = 0;
	for (const char *p = bi->modinfo; *p; p++)
		cap += *p == '\n';
	bi->settings = GP_NEWN(a, struct gp_buildsetting, cap + 1);
	if (!bi->settings)
		return &gp_err_nomem;
	const char *line = bi->modinfo;
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (n > 5 && !strncmp(line, "path\t", 5)) {
			bi->path = gp_arena_strndup(a, line + 5, n - 5);
		} else if (n > 6 && !strncmp(line, "build\t", 6)) {
			const char *kv = line + 6, *eq = memchr(kv, '=', n - 6);
			if (eq) {
				struct gp_buildsetting *s = &bi->settings[bi->nsettings++];
				s->key = gp_arena_strndup(a, kv, (size_t)(eq - kv));
				s->value = gp_arena_strndup(a, eq + 1, (size_t)(line + n - eq - 1));
				if (!s->key || !s->value)
					return &gp_err_nomem;
			}
		}
		line += n + (nl != NULL);
	}
	return NULL;
}

struct gp_err *gp_buildinfo_read(const struct gp_exe *exe, struct gp_arena *a, struct gp_buildinfo *bi)
{
	memset(bi, 0, sizeof(*bi));
	uint64_t start = 0, size = 0;
	const struct gp_exe_section *s = gp_exe_section(exe, ".go.buildinfo");
	if (s) {
		start = s->addr;
		size = s->size;
		bi->found_by_section = 1;
	} else {
		for (size_t i = 0; i < exe->nsegs; i++)
			if ((exe->segs[i].flags & (PF_X | PF_W)) == PF_W) {
				start = exe->segs[i].vaddr;
				size = exe->segs[i].memsz;
				break;
			}
	}
	size_t avail;
	const unsigned char *data = size ? gp_exe_ptr_avail(exe, start, &avail) : NULL;
	if (!data)
		return gp_errorf(GP_ERR_NOT_FOUND, "%s: no Go build info (no .go.buildinfo section or data segment): not a Go program?",
				 exe->path);
	if (avail > size)
		avail = (size_t)size;
	const unsigned char *p = NULL;
	for (size_t off = 0; off + BI_HDR <= avail; off += BI_ALIGN)
		if (!memcmp(data + off, bi_magic, sizeof(bi_magic))) {
			p = data + off;
			break;
		}
	if (!p)
		return gp_errorf(GP_ERR_NOT_FOUND, "%s: no Go build info magic in %s: not a Go program?", exe->path,
				 bi->found_by_section ? ".go.buildinfo" : "the first data segment");
	bi->addr = start + (uint64_t)(p - data);
	unsigned ptrsize = p[14], flags = p[15];
	if (!(flags & BI_FLAG_INLINE))
		return gp_errorf(GP_ERR_UNSUPPORTED,
				 "%s: build info in the pre-Go 1.18 format (pointer pairs): Go older than 1.18 is not supported",
				 exe->path);
	if (ptrsize != 8 || (flags & BI_FLAG_BIGENDIAN))
		return gp_errorf(GP_ERR_UNSUPPORTED, "%s: build info for a %u-byte-pointer%s target: only 64-bit little-endian is supported",
				 exe->path, ptrsize, (flags & BI_FLAG_BIGENDIAN) ? " big-endian" : "");
	const unsigned char *q = p + BI_HDR, *end = data + avail;
	size_t vlen, n;
	bi->version = read_str(&q, end, a, &vlen);
	const char *mod = bi->version ? read_str(&q, end, a, &n) : NULL;
	if (!bi->version || !mod)
		return gp_errorf(GP_ERR_TRUNCATED, "%s: Go build info at 0x%llx is cut short", exe->path,
				 (unsigned long long)bi->addr);
	/* Strip the 16-byte sentinels (cmd/go's infoStart/infoEnd); without them there is no module
	 * information, as debug/buildinfo decides. */
	mod = n >= 33 && mod[n - 17] == '\n' ? gp_arena_strndup(a, mod + 16, n - 32) : "";
	bi->modinfo = mod;
	if (!mod)
		return &gp_err_nomem;
	struct gp_err *err = gp_goversion_parse(bi->version, a, &bi->v);
	if (err)
		return gp_err_wrap(err, "%s", exe->path);
	return parse_modinfo(bi, a);
}

const char *gp_buildinfo_setting(const struct gp_buildinfo *bi, const char *key)
{
	for (size_t i = 0; i < bi->nsettings; i++)
		if (!strcmp(bi->settings[i].key, key))
			return bi->settings[i].value;
	return NULL;
}
