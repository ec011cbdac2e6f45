/* godebug.h — the value a GODEBUG setting had in the process, as runtime.parsedebugvars computes it:
 * the runtime's default for the binary's Go version, then the binary's DefaultGODEBUG build setting
 * (from its go.mod's go line and //go:debug lines), then the GODEBUG environment variable, read from
 * the environment strings on the main thread's stack (just below the AT_EXECFN string). Later
 * settings win, left to right. */
#ifndef GOPSY_RT_GODEBUG_H
#define GOPSY_RT_GODEBUG_H

#include "gobin/gobin.h"
#include "target/image.h"
#include "target/target.h"

/* The integer value of setting `name`, or dflt when nothing sets it. */
int gp_godebug_int(const struct gp_target *t, const struct gp_image *core, const struct gp_gobin *b,
		   const char *name, int dflt);

#endif
