/* signals.c — sigtable names (see signals.h). */
#include "rt/signals.h"

#include <stddef.h>

static const char *const names[] = {
	"SIGNONE: no trap", "SIGHUP: terminal line hangup", "SIGINT: interrupt", "SIGQUIT: quit",
	"SIGILL: illegal instruction", "SIGTRAP: trace trap", "SIGABRT: abort", "SIGBUS: bus error",
	"SIGFPE: floating-point exception", "SIGKILL: kill", "SIGUSR1: user-defined signal 1",
	"SIGSEGV: segmentation violation", "SIGUSR2: user-defined signal 2", "SIGPIPE: write to broken pipe",
	"SIGALRM: alarm clock", "SIGTERM: termination", "SIGSTKFLT: stack fault", "SIGCHLD: child status has changed",
	"SIGCONT: continue", "SIGSTOP: stop, unblockable", "SIGTSTP: keyboard stop", "SIGTTIN: background read from tty",
	"SIGTTOU: background write to tty", "SIGURG: urgent condition on socket", "SIGXCPU: cpu limit exceeded",
	"SIGXFSZ: file size limit exceeded", "SIGVTALRM: virtual alarm clock", "SIGPROF: profiling alarm clock",
	"SIGWINCH: window size change", "SIGIO: i/o now possible", "SIGPWR: power failure restart",
	"SIGSYS: bad system call", "signal 32", "signal 33", "signal 34", "signal 35", "signal 36", "signal 37",
	"signal 38", "signal 39", "signal 40", "signal 41", "signal 42", "signal 43", "signal 44", "signal 45",
	"signal 46", "signal 47", "signal 48", "signal 49", "signal 50", "signal 51", "signal 52", "signal 53",
	"signal 54", "signal 55", "signal 56", "signal 57", "signal 58", "signal 59", "signal 60", "signal 61",
	"signal 62", "signal 63", "signal 64",
};

const char *gp_signame(uint32_t sig)
{
	return sig < sizeof(names) / sizeof(names[0]) ? names[sig] : NULL;
}
