/* funcids.h — the runtime's FuncID values that tracebacks depend on (internal/abi.FuncID), for one
 * binary's Go version: they are renumbered between versions (a function added to the enum shifts
 * the rest), so the unwinder, the renderer and the runtime model compare a function's funcID with
 * these, never with literals. Filled from the layout's constants (layout/layout.h).
 */
#ifndef GOPSY_LAYOUT_FUNCIDS_H
#define GOPSY_LAYOUT_FUNCIDS_H

#include "layout/layout.h"

/* -1 when the version has no such function. */
struct gp_funcids {
	int normal, wrapper, sigpanic, asyncpreempt, debugcallv2, cgocallback, gopanic, panicwrap,
	    runtime_main, handleasyncevent, corostart, runfinq, runfinalizers, runcleanups, goexit,
	    systemstack, systemstack_switch, morestack, mcall, mstart, rt0_go, gogo;
};

/* The funcIDs of l's Go version. */
void gp_funcids_fill(struct gp_funcids *ids, const struct gp_layout *l);

#endif
