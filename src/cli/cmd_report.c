/* cmd_report.c — `gopsy report [--json] [--color=auto|always|never] [--exe BIN] [--force] (CORE | --pid PID
 * [--no-fork | --track] [--stats])`: why the process died and what was stuck, from the core alone or a live
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

struct how {
	int json, color;
};

/* The report of session s to stdout (cli_body_fn). */
static struct gp_err *report(struct gp_session *s, void *ctx)
{
	const struct how *h = ctx;
	struct gp_report *r = GP_NEW(&s->arena, struct gp_report);
	struct gp_err *err = r ? gp_report_build(s, &s->arena, r) : &gp_err_nomem;
	if (err)
		return err;
	if (h->json)
		gp_report_print_json(stdout, r);
	else
		gp_report_print_text(stdout, r, h->color);
	return fflush(stdout) != 0 ? gp_errorf(GP_ERR_IO, "writing the report failed") : NULL;
}

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
	/* Decided here, on the real stdout: a pass of --track writes elsewhere first. */
	struct how h = {json, !strcmp(color, "always") || (!strcmp(color, "auto") && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"))};
	struct gp_err *err = cli_analyse(&t, report, &h);
	return err ? cli_fail(err) : EXIT_OK;
}
