/* gobin.h — everything gopsy knows about one Go executable, opened in one call: the ELF file, its
 * build info and Go version, its pclntab and moduledata, and how it was built (PIE, cgo, external
 * link, stripped, DWARF). The other gobin/ files each decode one of these parts.
 */
#ifndef GOPSY_GOBIN_GOBIN_H
#define GOPSY_GOBIN_GOBIN_H

#include "base/arena.h"
#include "base/err.h"
#include "gobin/buildinfo.h"
#include "gobin/moduledata.h"
#include "gobin/pclntab.h"
#include "target/exe.h"

enum { GP_GO_MINOR_MIN = 19, GP_GO_MINOR_MAX = 27 };

struct gp_gobin {
	struct gp_exe *exe;
	struct gp_buildinfo bi;
	struct gp_pclntab pcln;
	struct gp_moduledata md;
	int have_md;              /* 0: moduledata not found; md_err says why */
	const char *md_err;
	int pie;                  /* ET_DYN */
	int cgo;                  /* CGO_ENABLED=1 in the build settings */
	int external_link;        /* linked by a C linker */
	int has_symtab, has_dwarf;
	int supported;            /* Go version within GP_GO_MINOR_MIN..MAX (1.20 excluded) */
};

/* Open path as a Go executable. Fails (with the reason) when it is not ELF, not Go, or its pclntab
 * cannot be read; a missing moduledata is not fatal (have_md = 0, md_err). */
struct gp_err *gp_gobin_open(const char *path, struct gp_arena *a, struct gp_gobin **out) GP_MUST_USE;
void gp_gobin_close(struct gp_gobin *b);

/* Is Go 1.minor one gopsy supports? */
int gp_go_minor_supported(int minor);

#endif
