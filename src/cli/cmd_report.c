/* cmd_report.c — `gopsy report [--json] [--color=auto|always|never] [--exe BIN] [--force] (CORE | --pid PID
 * [--no-fork] [--stats])`: why the process died and what was stuck, from the core alone or a live
 * process's snapshot (analyze/report.h, render/report.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/report.h"
#include "cli/cli.h"
#include "render/report.h"
#include "session/session.h"

static const char usage[] = "usage: gopsy report [--json] [--color=auto|always|never] " CLI_TARGET_USAGE;

int cmd_report(int argc, char **argv)
{
	struct cli_target t = {0};
	const char *color = "auto";
	int json = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int took = cli_target_arg(&t, argc, argv, &i);
		if (took > 0)
			continue;
		if (!took && !strcmp(a, "--json"))
			json = 1;
		else if (!took && !strncmp(a, "--color=", 8) &&
			 (!strcmp(a + 8, "auto") || !strcmp(a + 8, "always") || !strcmp(a + 8, "never")))
			color = a + 8;
		else
			return cli_fail(gp_errorf(GP_ERR_USAGE, "%s", usage));
	}
	if (cli_target_ok(&t) != 0)
		return cli_fail(gp_errorf(GP_ERR_USAGE, "%s", usage));
	struct gp_session *s;
	struct gp_err *err = cli_open_session(&t, &s);
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
	err = cli_close_session(&t, s, err);
	return err ? cli_fail(err) : EXIT_OK;
}
