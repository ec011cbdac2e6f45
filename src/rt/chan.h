/* chan.h — a channel (runtime/chan.go hchan) as the runtime keeps it: the ring buffer's size
 * (dataqsiz, the capacity) and fill (qcount, len), closed, the element type, the timer feeding it
 * (Go 1.23+: time.NewTimer/After/Tick channels) and its two wait queues, recvq and sendq
 * (waitq{first, last *sudog}, linked through sudog.next: runtime/chan.go waitq.enqueue).
 *
 * A channel read from a core is validated before it is believed: qcount <= dataqsiz, and the
 * element type descriptor readable with elemtype.Size_ == elemsize (makechan copies one from the
 * other).
 */
#ifndef GOPSY_RT_CHAN_H
#define GOPSY_RT_CHAN_H

#include <stdint.h>

#include "rt/goroutine.h"

struct gp_chan {
	uint64_t addr;
	uint64_t qcount, dataqsiz;
	uint64_t elemtype;          /* *_type */
	uint32_t elemsize;
	uint32_t closed;
	uint64_t timer;             /* *timer (Go 1.23+), 0 otherwise */
	uint64_t recvq, sendq;      /* waitq.first of each */
};

/* Read and validate the hchan at addr: 0, or -1 with *problem saying why it is not a channel. */
int gp_chan_read(const struct gp_rt *rt, uint64_t addr, struct gp_chan *out, const char **problem);

#endif
