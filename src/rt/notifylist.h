/* notifylist.h — sync.Cond's wait list (runtime/sema.go notifyList: {wait, notify uint32 tickets;
 * lock; head, tail *sudog}, waiters linked through sudog.next in ticket order). notifyListWait
 * queues a sudog with s.g = the goroutine and parks with waitReasonSyncCondWait. The list lives
 * inside the sync.Cond (Cond.notify), not in any runtime table, so it is found from the goroutine:
 *   Go 1.26+: g.waiting is that sudog and its elem is the list (set for the leak detector);
 *   before:   sync.(*Cond).Wait keeps c live across runtime_notifyListWait (it calls c.L.Lock()
 *             after), and notifyListWait keeps l, so &c.notify or c is a word of the goroutine's
 *             stack near its saved sp.
 * Either way a candidate is believed only when the list's own chain (head -> next) reaches a sudog
 * whose g is the goroutine, ends at the list's tail, and every sudog on it belongs to a goroutine and
 * holds a ticket the list handed out and has not notified yet (notify <= ticket < wait). The ticket
 * and tail checks matter: notifyListWait's frame also keeps &l.lock, and with one waiter (head ==
 * tail) a "list" 8 bytes too far reads the real tail as its head.
 */
#ifndef GOPSY_RT_NOTIFYLIST_H
#define GOPSY_RT_NOTIFYLIST_H

#include <stdint.h>

#include "rt/goroutine.h"

struct gp_notifylist {
	uint64_t addr;
	uint32_t wait, notify;
	uint64_t head, tail;
};

/* Read the notifyList at addr (8-aligned, readable, head and tail both nil or both set); 0 or -1. */
int gp_notifylist_read(const struct gp_rt *rt, uint64_t addr, struct gp_notifylist *out);

/* The sync.Cond that contains the list (addr - offsetof(sync.Cond, notify)), 0 if unknown. */
uint64_t gp_notifylist_cond(const struct gp_rt *rt, uint64_t list);

#endif
