/* completeness.c — what a core lacks (see completeness.h). */
#include "analyze/completeness.h"

#include <elf.h>
#include <string.h>

void gp_completeness_note(struct gp_completeness *c, const char *what)
{
	if (!what)
		return;
	for (size_t i = 0; i < c->nnotes; i++)
		if (!strcmp(c->notes[i], what))
			return;
	if (c->nnotes < GP_COMPLETENESS_MAX_NOTES)
		c->notes[c->nnotes++] = what;
}

struct gp_err *gp_completeness_read(struct gp_session *s, struct gp_arena *a, struct gp_completeness *out)
{
	memset(out, 0, sizeof(*out));
	const struct gp_image *core = s->t.img;
	out->segments = core->nsegs;
	out->truncated_bytes = core->truncated_bytes;
	out->missing = gp_arena_calloc(a, core->nsegs ? core->nsegs : 1, sizeof(*out->missing));
	if (!out->missing)
		return &gp_err_nomem;
	for (size_t i = 0; i < core->nsegs; i++) {
		const struct gp_segment *seg = &core->segs[i];
		out->mapped_bytes += seg->memsz;
		out->dumped_bytes += seg->avail;
		if (seg->avail >= seg->memsz || !(seg->flags & PF_R))
			continue; /* complete, or address space reserved without access (PROT_NONE): nothing to lose */
		const struct gp_mapped_file *f = gp_image_file_at(core, seg->vaddr);
		struct gp_missing_seg *m = &out->missing[out->nmissing++];
		m->start = seg->vaddr;
		m->end = seg->vaddr + seg->memsz;
		m->missing = seg->memsz - seg->avail;
		m->file = f ? f->path : NULL;
		m->writable = (seg->flags & PF_W) != 0;
		m->truncated = seg->avail < seg->filesz;
		/* the executable's file provides its read-only segments */
		const struct gp_exe_segment *es = gp_exe_segment_at(s->bin->exe, seg->vaddr - s->t.bias);
		const char *core_exe = gp_image_exe_path(core);
		m->from_exe = f && es && !(es->flags & PF_W) && core_exe && !strcmp(f->path, core_exe);
		if (!m->from_exe) {
			if (f)
				out->missing_file_bytes += m->missing;
			else
				out->missing_anon_bytes += m->missing;
		}
	}
	return NULL;
}

int gp_completeness_stack_present(const struct gp_session *s, uint64_t sp)
{
	return gp_target_mem_has(&s->t, sp & ~(uint64_t)7, 8);
}
