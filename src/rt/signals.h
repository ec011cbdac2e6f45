/* signals.h — the runtime's names of signals (runtime/sigtab_linux_generic.go sigtable[].name,
 * identical from Go 1.19 to 1.27): what fatalsignal prints as "SIGQUIT: quit" and dopanic_m as
 * "[signal SIGSEGV: segmentation violation ...]". */
#ifndef GOPSY_RT_SIGNALS_H
#define GOPSY_RT_SIGNALS_H

#include <stdint.h>

/* sigtable[sig].name, or NULL when sig is beyond the table (65 entries, 0..64). */
const char *gp_signame(uint32_t sig);

#endif
