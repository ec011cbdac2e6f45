/* funcids.c — FuncIDs of a Go version from its layout constants (see funcids.h). */
#include "layout/funcids.h"

static int kid(const struct gp_layout *l, enum gp_lconst k)
{
	int64_t v = gp_layout_const(l, k);
	return v == GP_K_ABSENT ? -1 : (int)v;
}

void gp_funcids_fill(struct gp_funcids *ids, const struct gp_layout *l)
{
	ids->normal = kid(l, GP_K_FUNCID_NORMAL);
	ids->wrapper = kid(l, GP_K_FUNCID_WRAPPER);
	ids->sigpanic = kid(l, GP_K_FUNCID_SIGPANIC);
	ids->asyncpreempt = kid(l, GP_K_FUNCID_ASYNC_PREEMPT);
	ids->debugcallv2 = kid(l, GP_K_FUNCID_DEBUG_CALL_V2);
	ids->cgocallback = kid(l, GP_K_FUNCID_CGOCALLBACK);
	ids->gopanic = kid(l, GP_K_FUNCID_GOPANIC);
	ids->panicwrap = kid(l, GP_K_FUNCID_PANICWRAP);
	ids->runtime_main = kid(l, GP_K_FUNCID_RUNTIME_MAIN);
	ids->handleasyncevent = kid(l, GP_K_FUNCID_HANDLE_ASYNC_EVENT);
	ids->corostart = kid(l, GP_K_FUNCID_COROSTART);
	ids->runfinq = kid(l, GP_K_FUNCID_RUNFINQ);
	ids->runfinalizers = kid(l, GP_K_FUNCID_RUN_FINALIZERS);
	ids->runcleanups = kid(l, GP_K_FUNCID_RUN_CLEANUPS);
	ids->goexit = kid(l, GP_K_FUNCID_GOEXIT);
	ids->systemstack = kid(l, GP_K_FUNCID_SYSTEMSTACK);
	ids->systemstack_switch = kid(l, GP_K_FUNCID_SYSTEMSTACK_SWITCH);
	ids->morestack = kid(l, GP_K_FUNCID_MORESTACK);
	ids->mcall = kid(l, GP_K_FUNCID_MCALL);
	ids->mstart = kid(l, GP_K_FUNCID_MSTART);
	ids->rt0_go = kid(l, GP_K_FUNCID_RT0_GO);
	ids->gogo = kid(l, GP_K_FUNCID_GOGO);
}
