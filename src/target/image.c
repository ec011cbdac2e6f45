/* image.c — lookups over a process image (see image.h). */
#include "target/image.h"
#include "base/sort.h"

#include <elf.h>
#include <stdlib.h>

static int seg_cmp(const void *x, const void *y)
{
	const struct gp_segment *a = x, *b = y;
	return a->vaddr < b->vaddr ? -1 : a->vaddr > b->vaddr;
}

void gp_image_sort_segments(struct gp_image *im)
{
	gp_sort(im->segs, im->nsegs, sizeof(*im->segs), seg_cmp);
}

const struct gp_segment *gp_image_segment_at(const struct gp_image *im, uint64_t addr)
{
	size_t lo = 0, hi = im->nsegs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct gp_segment *s = &im->segs[mid];
		if (addr < s->vaddr)
			hi = mid;
		else if (addr - s->vaddr >= s->memsz)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

uint64_t gp_image_auxv(const struct gp_image *im, uint64_t type)
{
	for (size_t i = 0; i < im->nauxv; i++)
		if (im->auxv[2 * i] == type)
			return im->auxv[2 * i + 1];
	return 0;
}

const struct gp_mapped_file *gp_image_file_at(const struct gp_image *im, uint64_t addr)
{
	for (size_t i = 0; i < im->nfiles; i++)
		if (addr >= im->files[i].start && addr < im->files[i].end)
			return &im->files[i];
	return NULL;
}

const char *gp_image_exe_path(const struct gp_image *im)
{
	uint64_t at = gp_image_auxv(im, AT_PHDR);
	if (!at)
		at = gp_image_auxv(im, AT_ENTRY);
	const struct gp_mapped_file *f = at ? gp_image_file_at(im, at) : NULL;
	return f ? f->path : NULL;
}
