/* err.h — gopsy's one error convention.
 *
 * Every fallible function returns `struct gp_err *`: NULL means success, anything else is an error
 * object the caller owns (free it with gp_err_free, or hand it up). An error says what kind of
 * failure it is (enum gp_errcode) and carries a message naming what was being read and where
 * (address, file offset, Go version), so that it can be printed as is. Errors are rare, so they are
 * malloc'd individually and never come from an arena; the one exception is out-of-memory, which is a
 * static object (gp_err_nomem) that gp_err_free ignores.
 */
#ifndef GOPSY_BASE_ERR_H
#define GOPSY_BASE_ERR_H

#include <stdarg.h>

#include "gopsy.h"

#if defined(__GNUC__)
#define GP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define GP_MUST_USE __attribute__((warn_unused_result))
#else
#define GP_PRINTF(f, a)
#define GP_MUST_USE
#endif

struct gp_err {
	enum gp_errcode code;
	char *msg; /* human-readable, no trailing newline */
};

/* The out-of-memory error; never freed. */
extern struct gp_err gp_err_nomem;

/* Make an error with a printf-style message. Returns &gp_err_nomem if even that fails. */
struct gp_err *gp_errorf(enum gp_errcode code, const char *fmt, ...) GP_PRINTF(2, 3) GP_MUST_USE;
struct gp_err *gp_verrorf(enum gp_errcode code, const char *fmt, va_list ap) GP_MUST_USE;

/* Prefix an existing error's message with more context ("reading g at 0x...: <old>"); consumes and
 * returns err (or a replacement). NULL in, NULL out. */
struct gp_err *gp_err_wrap(struct gp_err *err, const char *fmt, ...) GP_PRINTF(2, 3) GP_MUST_USE;

void gp_err_free(struct gp_err *err);

/* Short name of an error code, e.g. "format". */
const char *gp_errcode_name(enum gp_errcode code);

#endif
