/* buildinfo.h — the Go build information every Go executable carries in its `.go.buildinfo` blob
 * (found by section name, or by magic in the first writable non-executable segment when section
 * headers are gone): the Go version string (runtime.buildVersion) and the module/build-settings text
 * that `go version -m` prints. Also parses the version string into numbers.
 *
 * Only the inline-string format (flags & 2, every Go >= 1.18) is decoded; older blobs (pointer pairs)
 * are reported as unsupported — gopsy supports Go 1.19 and later.
 */
#ifndef GOPSY_GOBIN_BUILDINFO_H
#define GOPSY_GOBIN_BUILDINFO_H

#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "target/exe.h"

struct gp_goversion {
	int major, minor, patch; /* go1.26.11 → 1, 26, 11; patch -1 for devel/rc/beta */
	int devel;               /* "devel go1.27-..." */
	const char *experiments; /* the GOEXPERIMENT list after " X:" / "-X:", or NULL */
};

struct gp_buildsetting {
	const char *key, *value;
};

struct gp_buildinfo {
	const char *version;   /* raw runtime.buildVersion, e.g. "go1.26.11" */
	struct gp_goversion v;
	const char *modinfo;   /* raw module text without the 16-byte sentinels ("" if none) */
	uint64_t addr;         /* where the blob was found (link-time address) */
	int found_by_section;  /* 1: .go.buildinfo section; 0: magic search in the data segment */
	const char *path;      /* the "path" line (main package path), or NULL */
	struct gp_buildsetting *settings; /* the "build" lines, in order */
	size_t nsettings;
};

struct gp_err *gp_buildinfo_read(const struct gp_exe *exe, struct gp_arena *a, struct gp_buildinfo *out) GP_MUST_USE;

/* Parse a runtime.buildVersion string; GP_ERR_FORMAT if it names no go1.N version. */
struct gp_err *gp_goversion_parse(const char *s, struct gp_arena *a, struct gp_goversion *out) GP_MUST_USE;

/* Value of a build setting (e.g. "CGO_ENABLED", "-ldflags"), or NULL. */
const char *gp_buildinfo_setting(const struct gp_buildinfo *bi, const char *key);

#endif
