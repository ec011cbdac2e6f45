/* target.c — one address space over a core and its executable (see target.h). */
#include "target/target.h"

#include <elf.h>
#include <string.h>

struct gp_err *gp_target_init(struct gp_target *t, const struct gp_core *core, const struct gp_exe *exe, int force)
{
	memset(t, 0, sizeof(*t));
	t->core = core;
	t->exe = exe;
	uint64_t at_entry = gp_core_auxv(core, AT_ENTRY);
	if (exe->type == ET_DYN) {
		if (!at_entry)
			return gp_errorf(GP_ERR_TRUNCATED, "core %s has no auxiliary vector (NT_AUXV): cannot place the PIE executable %s",
					 core->path, exe->path);
		t->bias = at_entry - exe->entry;
	} else if (at_entry && at_entry != exe->entry) {
		if (!force)
			return gp_errorf(GP_ERR_MISMATCH, "core %s was not produced by %s: its entry point is 0x%llx, the executable's 0x%llx (use --force to go on anyway)",
					 core->path, exe->path, (unsigned long long)at_entry, (unsigned long long)exe->entry);
	}
	if (!exe->go_buildid || !exe->go_buildid_vaddr) {
		t->buildid_note = "the executable has no Go build ID note";
		return NULL;
	}
	size_t n = strlen(exe->go_buildid);
	const char *in_core = gp_core_ptr(core, exe->go_buildid_vaddr + t->bias, n);
	if (!in_core) {
		t->buildid_note = "the core does not contain the page with the Go build ID";
		return NULL;
	}
	if (memcmp(in_core, exe->go_buildid, n) != 0) {
		if (!force)
			return gp_errorf(GP_ERR_MISMATCH, "core %s was not produced by %s: Go build ID %.*s in the core, %s in the executable (use --force to go on anyway)",
					 core->path, exe->path, (int)n, in_core, exe->go_buildid);
		t->buildid_note = "Go build ID MISMATCH (ignored because of --force)";
		return NULL;
	}
	t->buildid_checked = 1;
	return NULL;
}

const void *gp_target_ptr(const struct gp_target *t, uint64_t addr, size_t len)
{
	const void *p = gp_core_ptr(t->core, addr, len);
	if (p)
		return p;
	const struct gp_exe_segment *s = gp_exe_segment_at(t->exe, addr - t->bias);
	if (!s || (s->flags & PF_W))
		return NULL; /* writable data must come from the core: the file holds only initial values */
	return gp_exe_ptr(t->exe, addr - t->bias, len);
}

struct gp_err *gp_target_read(const struct gp_target *t, uint64_t addr, void *buf, size_t len)
{
	const void *p = gp_target_ptr(t, addr, len);
	if (p) {
		memcpy(buf, p, len);
		return NULL;
	}
	/* Maybe split across segments, or absent: read piecewise from the core for a precise error. */
	struct gp_err *err = gp_core_read(t->core, addr, buf, len);
	if (!err)
		return NULL;
	const struct gp_exe_segment *s = gp_exe_segment_at(t->exe, addr - t->bias);
	if (s && !(s->flags & PF_W)) {
		gp_err_free(err);
		return gp_errorf(GP_ERR_TRUNCATED, "0x%llx+%zu: not in the core and beyond the file contents of %s",
				 (unsigned long long)addr, len, t->exe->path);
	}
	return err;
}

struct gp_err *gp_target_u64(const struct gp_target *t, uint64_t addr, uint64_t *v)
{
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
	gp_core_release_pages(t->core);
}
