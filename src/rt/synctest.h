/* synctest.h — a goroutine's testing/synctest bubble as goroutineheader prints it: Go 1.24's
 * ", synctest group <goid of the group's root goroutine>" (GOEXPERIMENT=synctest), Go 1.25+'s
 * ", synctest bubble <bubble id>", and the " (durable)" mark of 1.25+ for a goroutine that is
 * durably blocked inside its bubble (isIdleInSynctest).
 */
#ifndef GOPSY_RT_SYNCTEST_H
#define GOPSY_RT_SYNCTEST_H

#include <stdint.h>

#include "rt/goroutine.h"

struct gp_bubble {
	int group;        /* 1: Go 1.24's synctestGroup (id = its root goroutine's goid); 0: a 1.25+ bubble */
	uint64_t id;
	uint64_t addr;    /* the synctestGroup/synctestBubble */
};

/* 0 and *out when g is in a bubble (g.syncGroup / g.bubble != nil) and the bubble is readable, else -1. */
int gp_g_bubble(const struct gp_rt *rt, const struct gp_g *g, struct gp_bubble *out);

/* Whether the header gets " (durable)" (Go 1.25+): in a bubble, its wait reason one that
 * isIdleInSynctest, the status text not already ending in "(durable)", and (1.26+) waiting. */
int gp_g_durable(const struct gp_rt *rt, const struct gp_g *g, const char *status_text);

#endif
