/* value.h — Go values in the target's memory, as far as the runtime's own printing needs them:
 * type descriptors (internal/abi.Type: size, kind, tflag, and the name toRType(t).string() gives,
 * read from the module's type data through the nameOff in t.Str) and interface values (eface:
 * {_type, data}). The kinds are internal/abi.Kind, unchanged from Go 1.19 to 1.27; before 1.26
 * Kind_ also carries the KindDirectIface bit (masked off here).
 */
#ifndef GOPSY_RT_VALUE_H
#define GOPSY_RT_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "rt/goroutine.h"

enum gp_kind {
	GP_KIND_INVALID, GP_KIND_BOOL, GP_KIND_INT, GP_KIND_INT8, GP_KIND_INT16, GP_KIND_INT32, GP_KIND_INT64,
	GP_KIND_UINT, GP_KIND_UINT8, GP_KIND_UINT16, GP_KIND_UINT32, GP_KIND_UINT64, GP_KIND_UINTPTR,
	GP_KIND_FLOAT32, GP_KIND_FLOAT64, GP_KIND_COMPLEX64, GP_KIND_COMPLEX128, GP_KIND_ARRAY, GP_KIND_CHAN,
	GP_KIND_FUNC, GP_KIND_INTERFACE, GP_KIND_MAP, GP_KIND_POINTER, GP_KIND_SLICE, GP_KIND_STRING,
	GP_KIND_STRUCT, GP_KIND_UNSAFE_POINTER,
};

enum { GP_TFLAG_UNCOMMON = 1 << 0, GP_TFLAG_EXTRA_STAR = 1 << 1, GP_TFLAG_NAMED = 1 << 2 };

struct gp_type {
	uint64_t addr;         /* run-time address of the descriptor */
	uint64_t size;
	uint8_t kind;          /* enum gp_kind */
	uint8_t kind_raw;      /* the Kind_ byte as stored (before Go 1.26 with KindDirectIface and
	                        * KindGCProg bits, which printanycustomtype's switch does not mask) */
	uint8_t tflag;
	const char *name;      /* as toRType(t).string(): "main.T", "*errors.errorString", "string";
	                        * points into the target's memory, not NUL-terminated; "" when unreadable */
	size_t name_len;
};

/* Read the type descriptor at addr; 0, or -1 when it is not readable. */
int gp_type_read(const struct gp_rt *rt, uint64_t addr, struct gp_type *out);

/* An interface value (eface). */
struct gp_eface {
	uint64_t type, data;
};
struct gp_err *gp_eface_read(const struct gp_rt *rt, uint64_t addr, struct gp_eface *out) GP_MUST_USE;

/* A Go string header {ptr, len} at addr: *s points into the target's memory (cut to max bytes;
 * *cut set when it was longer). -1 when the header or the bytes are unreadable. */
int gp_string_read(const struct gp_rt *rt, uint64_t addr, size_t max, const char **s, size_t *len, int *cut);

#endif
