/* target.c — one address space over a backend's memory and the executable (see target.h); the core
 * backend's memory operations. */
#include "target/target.h"
#include "base/sort.h"

#include <elf.h>
#include <string.h>

static const struct gp_target_mem core_mem;

static int range_cmp(const void *x, const void *y)
{
	const struct gp_range *a = x, *b = y;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

size_t gp_ranges_normalize(struct gp_range *r, size_t n)
{
	gp_sort(r, n, sizeof(*r), range_cmp);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (r[i].hi <= r[i].lo)
			continue;
		if (m && r[i].lo <= r[m - 1].hi) {
			if (r[i].hi > r[m - 1].hi)
				r[m - 1].hi = r[i].hi;
		} else {
			r[m++] = r[i];
		}
	}
	return m;
}

struct gp_err *gp_target_init(struct gp_target *t, const struct gp_image *img, const struct gp_target_mem *mem,
			      void *backend, const struct gp_exe *exe, int force)
{
	memset(t, 0, sizeof(*t));
	t->img = img;
	t->mem = mem;
	t->backend = backend;
	t->zero_copy = mem == &core_mem;
	t->exe = exe;
	uint64_t at_entry = gp_image_auxv(img, AT_ENTRY);
	if (exe->type == ET_DYN) {
		if (!at_entry)
			return gp_errorf(GP_ERR_TRUNCATED, "%s has no auxiliary vector: cannot place the PIE executable %s",
					 img->source, exe->path);
		t->bias = at_entry - exe->entry;
	} else if (at_entry && at_entry != exe->entry) {
		if (!force)
			return gp_errorf(GP_ERR_MISMATCH, "%s %s %s: its entry point is 0x%llx, the executable's 0x%llx (use --force to go on anyway)",
					 img->source, img->running ? "does not run" : "was not produced by", exe->path, (unsigned long long)at_entry, (unsigned long long)exe->entry);
	}
	if (!exe->go_buildid || !exe->go_buildid_vaddr) {
		t->buildid_note = "the executable has no Go build ID note";
		return NULL;
	}
	size_t n = strlen(exe->go_buildid);
	const char *in_core = gp_target_mem_ptr(t, exe->go_buildid_vaddr + t->bias, n);
	if (!in_core) {
		t->buildid_note = img->running ? "the process's page with the Go build ID is not readable"
					       : "the core does not contain the page with the Go build ID";
		return NULL;
	}
	if (memcmp(in_core, exe->go_buildid, n) != 0) {
		if (!force)
			return gp_errorf(GP_ERR_MISMATCH, "%s %s %s: Go build ID %.*s in %s, %s in the executable (use --force to go on anyway)",
					 img->source, img->running ? "does not run" : "was not produced by", exe->path, (int)n, in_core, img->where, exe->go_buildid);
		t->buildid_note = "Go build ID MISMATCH (ignored because of --force)";
		return NULL;
	}
	t->buildid_checked = 1;
	return NULL;
}

static const void *core_ptr(void *b, uint64_t addr, size_t len)
{
	return gp_core_ptr(b, addr, len);
}

static struct gp_err *core_read(void *b, uint64_t addr, void *buf, size_t len)
{
	return gp_core_read(b, addr, buf, len);
}

static void core_release(void *b)
{
	gp_core_release_pages(b);
}

static const struct gp_target_mem core_mem = {core_ptr, core_read, core_release, NULL};

/* A copy out of a backend that is not zero-copy: the executable's read-only data in place, else the
 * backend's own read (no memory of its is pinned for a copy). */
static const void *file_ptr(const struct gp_target *t, uint64_t addr, size_t len)
{
	const struct gp_exe_segment *s = gp_exe_segment_at(t->exe, addr - t->bias);
	return s && !(s->flags & PF_W) ? gp_exe_ptr(t->exe, addr - t->bias, len) : NULL;
}

struct gp_err *gp_target_init_core(struct gp_target *t, const struct gp_core *core, const struct gp_exe *exe, int force)
{
	return gp_target_init(t, &core->img, &core_mem, (void *)core, exe, force);
}

const void *gp_target_mem_ptr(const struct gp_target *t, uint64_t addr, size_t len)
{
	return t->mem == &core_mem ? gp_core_ptr(t->backend, addr, len) : t->mem->ptr(t->backend, addr, len);
}

int gp_target_mem_has(const struct gp_target *t, uint64_t addr, size_t len)
{
	if (t->zero_copy || len > 64)
		return gp_target_mem_ptr(t, addr, len) != NULL;
	unsigned char buf[64];
	struct gp_err *err = t->mem->read(t->backend, addr, buf, len);
	gp_err_free(err);
	return err == NULL;
}

const void *gp_target_ptr(const struct gp_target *t, uint64_t addr, size_t len)
{
	if (t->mem != &core_mem) {
		/* A live process: its read-only file-backed data (text, rodata, pclntab) is the file's,
		 * read in place rather than copied out of the process. */
		const void *f = file_ptr(t, addr, len);
		if (f)
			return f;
	}
	const void *p = gp_target_mem_ptr(t, addr, len);
	if (p)
		return p;
	const struct gp_exe_segment *s = gp_exe_segment_at(t->exe, addr - t->bias);
	if (!s || (s->flags & PF_W))
		return NULL; /* writable data must come from the core: the file holds only initial values */
	return gp_exe_ptr(t->exe, addr - t->bias, len);
}

struct gp_err *gp_target_read(const struct gp_target *t, uint64_t addr, void *buf, size_t len)
{
	const void *p = t->mem == &core_mem ? gp_target_ptr(t, addr, len) : file_ptr(t, addr, len);
	if (p) {
		memcpy(buf, p, len);
		return NULL;
	}
	/* Maybe split across segments, or absent: read piecewise from the core for a precise error. */
	struct gp_err *err = t->mem->read(t->backend, addr, buf, len);
	if (!err)
		return NULL;
	const struct gp_exe_segment *s = gp_exe_segment_at(t->exe, addr - t->bias);
	if (s && !(s->flags & PF_W)) {
		gp_err_free(err);
		return gp_errorf(GP_ERR_TRUNCATED, "0x%llx+%zu: not in %s and beyond the file contents of %s",
				 (unsigned long long)addr, len, t->img->where, t->exe->path);
	}
	return err;
}

struct gp_err *gp_target_u64(const struct gp_target *t, uint64_t addr, uint64_t *v)
{
	if (t->mem != &core_mem) {
		*v = 0;
		return gp_target_read(t, addr, v, 8);
	}
	const void *p = gp_target_ptr(t, addr, 8);
	if (p) { /* the common case, a fixed-size copy the compiler inlines (the unwinder's return pcs) */
		memcpy(v, p, 8);
		return NULL;
	}
	*v = 0;
	return gp_target_read(t, addr, v, 8);
}

void gp_target_release_pages(const struct gp_target *t)
{
	t->mem->release(t->backend);
}
