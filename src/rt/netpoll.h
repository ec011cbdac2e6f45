/* netpoll.h — the network poller's descriptor (runtime/netpoll.go pollDesc) a goroutine in "IO wait"
 * is parked on. netpollblock parks with pd.rg (read) or pd.wg (write) holding the goroutine:
 * netpollblockcommit CASes pdWait -> the *g. The runtime keeps no list of descriptors in use
 * (pollcache links only the free ones), so the descriptor is found from the goroutine: netpollblock
 * keeps gpp = &pd.rg or &pd.wg live across gopark, poll_runtime_pollWait keeps pd (it loops on
 * netpollcheckerr(pd)), so one of them is a word of the goroutine's stack near its saved sp. A
 * candidate is believed only when the runtime's own links agree: pd.self == pd (set by
 * pollCache.alloc for makeArg) and pd.rg or pd.wg == the goroutine.
 */
#ifndef GOPSY_RT_NETPOLL_H
#define GOPSY_RT_NETPOLL_H

#include <stdint.h>

#include "rt/goroutine.h"

struct gp_polldesc {
	uint64_t addr;
	uint64_t fd;
	uint64_t rg, wg;        /* pdNil 0, pdReady 1, pdWait 2, or the *g parked */
	int closing;
};

/* Read the pollDesc at addr: 0 when it is one (readable, self == addr), else -1. */
int gp_polldesc_read(const struct gp_rt *rt, uint64_t addr, struct gp_polldesc *out);

/* Is the stack word w (pd, &pd.rg or &pd.wg) the descriptor goroutine g is parked on? 0 and *out,
 * *dir (0 read, 1 write), else -1. */
int gp_polldesc_for_word(const struct gp_rt *rt, uint64_t w, uint64_t g, struct gp_polldesc *out, uint32_t *dir);

#endif
