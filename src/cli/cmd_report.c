/* cmd_report.c — `gopsy report [--exe BIN] [--json] [--color=auto|always|never] [--force] CORE`: why
 * the process died and what was stuck, from the core alone (analyze/report.h, render/report.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/report.h"
#include "cli/cli.h"
#include "render/report.h"
#include "session/session.h"

static const char usage[] = "usage: gopsy report [--exe BIN] [--json] [--color=auto|always|never] [--force] CORE";

int cmd_report(int argc, char **argv)
{
	const char *exe = NULL, *core = NULL, *color = "auto";
	int json = 0, force = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--exe") && i + 1 < argc)
			exe = argv[++i];
		else if (!strncmp(a, "--exe=", 6))
			exe = a + 6;
		else if (!strcmp(a, "--json"))
			json = 1;
		else if (!strcmp(a, "--force"))
			force = 1;
		else if (!strncmp(a, "--color=", 8) &&
			 (!strcmp(a + 8, "auto") || !strcmp(a + 8, "always") || !strcmp(a + 8, "never")))
			color = a + 8;
		else if (a[0] == '-' || core)
			return cli_fail(gp_errorf(GP_ERR_USAGE, "%s", usage));
		else
			core = a;
	}
	if (!core)
		return cli_fail(gp_errorf(GP_ERR_USAGE, "%s", usage));
	struct gp_session *s;
	struct gp_err *err = cli_open_session(core, exe, force, &s);
	if (err)
		return cli_fail(err);
	struct gp_report *r = GP_NEW(&s->arena, struct gp_report);
	if (!r)
		err = &gp_err_nomem;
	else
		err = gp_report_build(s, &s->arena, r);
	if (!err) {
		int use_color = !strcmp(color, "always") ||
				(!strcmp(color, "auto") && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
		if (json)
			gp_report_print_json(stdout, r);
		else
			gp_report_print_text(stdout, r, use_color);
		if (fflush(stdout) != 0)
			err = gp_errorf(GP_ERR_IO, "writing the report failed");
	}
	gp_session_close(s);
	return err ? cli_fail(err) : EXIT_OK;
}
