/* tables.c — finding a built-in layout table by Go version (the tables are in tables_gen.c). */
#include <stdlib.h>

#include "layout/tables.h"

const struct gp_layout_table *gp_layout_table_exact(int minor)
{
	for (size_t i = 0; i < GP_LAYOUT_NTABLES; i++)
		if (gp_layout_tables[i]->minor == minor)
			return gp_layout_tables[i];
	return NULL;
}

const struct gp_layout_table *gp_layout_table_nearest(int minor)
{
	const struct gp_layout_table *best = gp_layout_tables[0];
	for (size_t i = 1; i < GP_LAYOUT_NTABLES; i++) {
		const struct gp_layout_table *t = gp_layout_tables[i];
		/* Ascending order, so "<=" prefers the newer table on a tie. */
		if (abs(t->minor - minor) <= abs(best->minor - minor))
			best = t;
	}
	return best;
}

enum gp_lfield gp_lfield_struct(enum gp_lfield f)
{
	/* Each struct's SIZEOF entry precedes its fields and is the only entry without paths. */
	int i = (int)f;
	while (i > 0 && gp_lfield_specs[i].paths != NULL)
		i--;
	return (enum gp_lfield)i;
}
