/* cli.h — what the subcommands of the gopsy CLI share: the exit-code contract and error reporting.
 * Each subcommand lives in its own cmd_<name>.c and is dispatched from main.c. */
#ifndef GOPSY_CLI_CLI_H
#define GOPSY_CLI_CLI_H

#include "base/err.h"

/* Exit codes (DESIGN.md "CLI contract"). */
enum { EXIT_OK = 0, EXIT_ANALYSIS = 1, EXIT_USAGE = 2 };

/* Print "gopsy: <err>" to stderr, free err, return the exit code for it. */
int cli_fail(struct gp_err *err);

/* Open a core (and its executable: exe, or the one the core names) as a session, printing the
 * session's warnings to stderr. */
struct gp_session;
struct gp_err *cli_open_session(const char *core, const char *exe, int force, struct gp_session **out) GP_MUST_USE;

int cmd_demo(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_addr2line(int argc, char **argv);
int cmd_goroutines(int argc, char **argv);
int cmd_parse(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
