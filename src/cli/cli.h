/* cli.h — what the subcommands of the gopsy CLI share: the exit-code contract and error reporting.
 * Each subcommand lives in its own cmd_<name>.c and is dispatched from main.c. */
#ifndef GOPSY_CLI_CLI_H
#define GOPSY_CLI_CLI_H

#include "base/err.h"

/* Exit codes (DESIGN.md "CLI contract"). */
enum { EXIT_OK = 0, EXIT_ANALYSIS = 1, EXIT_USAGE = 2 };

/* Print "gopsy: <err>" to stderr, free err, return the exit code for it. */
int cli_fail(struct gp_err *err);

/* What an analysis command analyses: a core (the positional argument) or a live process (--pid),
 * and the options that go with it: --exe BIN, --force, --no-fork, --fork, --track, --stats. */
struct cli_target {
	const char *exe, *core;
	int pid;
	int force, no_fork, fork, track, stats;
};
/* If argv[*i] is one of those options (or the core), take it (advancing *i past an option's value)
 * and return 1; 0 when it is not; -1 on a bad value or a second core. */
int cli_target_arg(struct cli_target *t, int argc, char **argv, int *i);
/* Usage text of those options. */
#define CLI_TARGET_USAGE "[--exe BIN] [--force] (CORE | --pid PID [--fork | --track | --no-fork] [--stats])"
/* 0 when exactly one of a core and --pid was given (and at most one of --fork, --track, --no-fork). */
int cli_target_ok(const struct cli_target *t);

/* Open the session (core, or live process), printing its warnings to stderr. */
struct gp_session;
struct gp_err *cli_open_session(const struct cli_target *t, struct gp_session **out) GP_MUST_USE;
/* Close it; for a live process let it go first and, with --stats, print the pause to stderr.
 * Returns err, or the error of letting go when err is NULL. */
struct gp_err *cli_close_session(const struct cli_target *t, struct gp_session *s, struct gp_err *err) GP_MUST_USE;

/* An analysis: what a command does with an open session, writing to stdout and stderr. */
typedef struct gp_err *cli_body_fn(struct gp_session *s, void *ctx);
/* Open the session, run body, close: the whole of an analysis command after its options. A live
 * process is write-tracked with --track, and by default when its anonymous resident memory is at
 * least CLI_TRACK_AUTO_RSS (the clone's pause grows with it, the tracked freeze does not; below it
 * the clone pauses as little and its dump is faster: docs/live-snapshot.md); --fork takes the
 * copy-on-write snapshot whatever the size. Write-tracked (target/live.h): a first pass against the running process with its
 * output thrown away (it finds what the analysis reads), then up to CLI_TRACK_ROUNDS rounds of a
 * freeze and a pass whose output is kept aside, until one read nothing that changed since its
 * freeze — that pass's output is the answer; else the copy-on-write snapshot, as without --track. */
enum { CLI_TRACK_ROUNDS = 3 };
#define CLI_TRACK_AUTO_RSS (256ull << 20)
struct gp_err *cli_analyse(const struct cli_target *t, cli_body_fn *body, void *ctx) GP_MUST_USE;

int cmd_demo(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_addr2line(int argc, char **argv);
int cmd_goroutines(int argc, char **argv);
int cmd_parse(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_gcore(int argc, char **argv);
int cmd_run(int argc, char **argv);

#endif
