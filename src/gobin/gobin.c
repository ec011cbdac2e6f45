/* gobin.c — opening a Go executable as a whole (see gobin.h). */
#include "gobin/gobin.h"

#include <elf.h>
#include <string.h>

int gp_go_minor_supported(int minor)
{
	return minor >= GP_GO_MINOR_MIN && minor <= GP_GO_MINOR_MAX && minor != 20;
}

struct gp_err *gp_gobin_open(const char *path, struct gp_arena *a, struct gp_gobin **out)
{
	*out = NULL;
	struct gp_gobin *b = GP_NEW(a, struct gp_gobin);
	if (!b)
		return &gp_err_nomem;
	struct gp_err *err = gp_exe_open(path, a, &b->exe);
	if (err)
		return err;
	const struct gp_exe *e = b->exe;
	if (e->machine != EM_X86_64) {
		err = gp_errorf(GP_ERR_UNSUPPORTED, "%s: only x86-64 executables are supported (ELF machine %u)", path,
				e->machine);
		goto fail;
	}
	if ((err = gp_buildinfo_read(e, a, &b->bi)))
		goto fail;
	b->supported = gp_go_minor_supported(b->bi.v.minor) && b->bi.v.major == 1;
	if ((err = gp_pclntab_open(e, &b->pcln)))
		goto fail;
	b->pie = e->type == ET_DYN;
	const char *cgo = gp_buildinfo_setting(&b->bi, "CGO_ENABLED");
	b->cgo = cgo && !strcmp(cgo, "1");
	b->external_link = e->has_eh_frame_hdr || gp_exe_section(e, ".init") != NULL;
	b->has_symtab = gp_exe_has_symtab(e);
	b->has_dwarf = gp_exe_section(e, ".debug_info") || gp_exe_section(e, ".zdebug_info");

	struct gp_err *merr = gp_moduledata_find(e, &b->pcln, b->bi.v.minor, &b->md);
	if (!merr)
		merr = gp_pclntab_set_module(&b->pcln, b->md.text, b->md.gofunc);
	if (!merr) {
		b->have_md = 1;
	} else {
		/* Fall back to a text start without moduledata: inline trees and funcdata are then lost. */
		b->md_err = gp_arena_strdup(a, gp_err_msg(merr));
		gp_err_free(merr);
		const struct gp_exe_section *text = gp_exe_section(e, ".text");
		uint64_t start = b->pcln.hdr_text ? b->pcln.hdr_text : text ? text->addr : 0;
		if (!start) {
			err = gp_errorf(GP_ERR_NOT_FOUND, "cannot place the functions: no text start in the pclntab header, no .text section, and %s",
					b->md_err);
			goto fail;
		}
		if ((err = gp_pclntab_set_module(&b->pcln, start, 0)))
			goto fail;
	}
	*out = b;
	return NULL;
fail:
	gp_exe_close(b->exe);
	return err;
}

void gp_gobin_close(struct gp_gobin *b)
{
	if (b)
		gp_exe_close(b->exe);
}
