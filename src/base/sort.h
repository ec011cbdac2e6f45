/* sort.h — gp_sort: qsort that accepts an empty (possibly NULL) array. qsort's first argument is
 * declared nonnull even for zero elements, and lists read from a broken core are often empty with no
 * storage behind them (UBSan reports the call). Every sort in the library goes through here. */
#ifndef GOPSY_BASE_SORT_H
#define GOPSY_BASE_SORT_H

#include <stdlib.h>

static inline void gp_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

#endif
