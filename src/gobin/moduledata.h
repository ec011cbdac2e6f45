/* moduledata.h — locating runtime.firstmoduledata in an executable without symbols, and reading the
 * few fields the pclntab needs: text, etext, minpc, maxpc, gofunc (runtime/symtab.go `moduledata`),
 * and types/etypes, the base of type names (runtime.resolveNameOff).
 *
 * Search order: section `.go.module` (Go 1.26+), symbol runtime.firstmoduledata, else a scan of the
 * writable segments for the words {pcHeader address, pcHeader + funcnameOffset} (the first two
 * fields: pcHeader and funcnametab.ptr). Every candidate is validated: the ftab slice must be
 * {pcHeader + pclnOffset, nfunc+1, nfunc+1} and minpc must match the function table.
 */
#ifndef GOPSY_GOBIN_MODULEDATA_H
#define GOPSY_GOBIN_MODULEDATA_H

#include <stdint.h>

#include "base/err.h"
#include "gobin/pclntab.h"
#include "target/exe.h"

struct gp_moduledata {
	uint64_t addr;       /* link-time address */
	const char *where;   /* ".go.module", "symbol runtime.firstmoduledata", "scan of .noptrdata" ... */
	uint64_t text, etext, minpc, maxpc, gofunc;
	uint64_t types, etypes; /* the type descriptors' range (nameOff/typeOff base); 0 when inconsistent */
};

/* go_minor selects the field offsets (gofunc moved in 1.20 and in 1.27). GP_ERR_UNSUPPORTED for a
 * version without a layout table. */
struct gp_err *gp_moduledata_find(const struct gp_exe *exe, const struct gp_pclntab *t, int go_minor,
				  struct gp_moduledata *md) GP_MUST_USE;

#endif
