/* version.c — the library's version and the public accessors of gp_err (see gopsy.h). */
#include "base/err.h"

const char *gp_version(void)
{
	return GOPSY_VERSION;
}

enum gp_errcode gp_err_code(const struct gp_err *err)
{
	return err->code;
}

const char *gp_err_msg(const struct gp_err *err)
{
	return err->msg;
}
