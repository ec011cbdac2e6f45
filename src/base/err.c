/* err.c — construction, wrapping and freeing of gp_err objects (see err.h). */
#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gp_err gp_err_nomem = {GP_ERR_NOMEM, "out of memory"};

struct gp_err *gp_verrorf(enum gp_errcode code, const char *fmt, va_list ap)
{
	struct gp_err *err = malloc(sizeof(*err));
	if (!err)
		return &gp_err_nomem;
	err->code = code;
	if (vasprintf(&err->msg, fmt, ap) < 0) {
		free(err);
		return &gp_err_nomem;
	}
	return err;
}

struct gp_err *gp_errorf(enum gp_errcode code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct gp_err *err = gp_verrorf(code, fmt, ap);
	va_end(ap);
	return err;
}

struct gp_err *gp_err_wrap(struct gp_err *err, const char *fmt, ...)
{
	if (!err || err == &gp_err_nomem)
		return err;
	char *prefix;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&prefix, fmt, ap);
	va_end(ap);
	if (n < 0)
		return err; /* keep the original message rather than lose it */
	char *msg;
	if (asprintf(&msg, "%s: %s", prefix, err->msg) >= 0) {
		free(err->msg);
		err->msg = msg;
	}
	free(prefix);
	return err;
}

void gp_err_free(struct gp_err *err)
{
	if (!err || err == &gp_err_nomem)
		return;
	free(err->msg);
	free(err);
}

const char *gp_errcode_name(enum gp_errcode code)
{
	switch (code) {
	case GP_ERR_NOMEM: return "out of memory";
	case GP_ERR_IO: return "i/o";
	case GP_ERR_FORMAT: return "format";
	case GP_ERR_TRUNCATED: return "truncated";
	case GP_ERR_UNSUPPORTED: return "unsupported";
	case GP_ERR_NOT_FOUND: return "not found";
	case GP_ERR_MISMATCH: return "mismatch";
	case GP_ERR_USAGE: return "usage";
	case GP_ERR_INTERNAL: return "internal";
	case GP_ERR_DENIED: return "denied";
	case GP_ERR_GONE: return "gone";
	}
	return "unknown";
}
