/* main.c — gopsy's entry point: global options, subcommand dispatch, usage text. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct subcommand {
	const char *name;
	const char *synopsis;
	int (*run)(int argc, char **argv); /* NULL: planned, not in this build */
};

static const struct subcommand subcommands[] = {
	{"goroutines", "[--traceback=all|system|crash] [--json] [--thread-stacks] [--exe BIN] [--force]\n"
		       "                   (CORE | --pid PID [--fork | --track | --no-fork] [--stats])", cmd_goroutines},
	{"report", "[--json] [--color=auto|always|never] [--exe BIN] [--force]\n"
		   "                   (CORE | --pid PID [--fork | --track | --no-fork] [--stats])",
	 cmd_report},
	{"parse", "[--json | --emit] [--top N] [--ids N] [FILE|-]", cmd_parse},
	{"info", "[--json] BIN", cmd_info},
	{"addr2line", "[--json] BIN [ADDR...]", cmd_addr2line},
	{"gcore", "[-o FILE] [--go-only] [--no-fork] [--stats] [--exe BIN] PID", cmd_gcore},
	{"run", "[--dir DIR] -- CMD [ARGS...]", cmd_run},
	{"demo", "", cmd_demo},
};
#define NSUB (sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *out)
{
	fprintf(out, "gopsy %s — autopsy of Go processes: goroutines, crashes and hangs from cores or live processes\n\n"
		     "usage: gopsy <command> [options]\n\n"
		     "commands:\n",
		GOPSY_VERSION);
	for (size_t i = 0; i < NSUB; i++)
		fprintf(out, "  gopsy %-10s %s%s\n", subcommands[i].name, subcommands[i].synopsis,
			subcommands[i].run ? "" : "   (not yet implemented)");
	fprintf(out, "\n  gopsy --help | --version\n\n"
		     "exit codes: 0 ok, 1 the analysis failed (the message says what is missing), 2 usage\n");
}

int cli_fail(struct gp_err *err)
{
	int code = gp_err_code(err) == GP_ERR_USAGE ? EXIT_USAGE : EXIT_ANALYSIS;
	fprintf(stderr, "gopsy: %s\n", gp_err_msg(err));
	gp_err_free(err);
	return code;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("gopsy %s\n", gp_version());
		return EXIT_OK;
	}
	for (size_t i = 0; i < NSUB; i++) {
		if (strcmp(cmd, subcommands[i].name))
			continue;
		if (!subcommands[i].run) {
			fprintf(stderr, "gopsy: '%s' is not implemented in gopsy %s yet\n", cmd, GOPSY_VERSION);
			return EXIT_ANALYSIS;
		}
		return subcommands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "gopsy: unknown command '%s'\n\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
