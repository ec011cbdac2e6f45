/* open.c — opening the session every analysis command works on (see cli.h). */
#include <stdio.h>

#include "cli/cli.h"
#include "session/session.h"

static void print_warning(void *ctx, const char *warning)
{
	(void)ctx;
	fprintf(stderr, "gopsy: warning: %s\n", warning);
}

struct gp_err *cli_open_session(const char *core, const char *exe, int force, struct gp_session **out)
{
	return gp_session_open_core(core, exe, force ? GP_SESSION_FORCE : 0, print_warning, NULL, out);
}
