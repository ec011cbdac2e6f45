/* summary.c — status and creation-site tallies, leak suspects (see summary.h). */
#include "analyze/summary.h"
#include "base/sort.h"

#include <stdlib.h>
#include <string.h>

const char *gp_suspect_why_text(enum gp_suspect_why why)
{
	switch (why) {
	case GP_SUS_LEAKED:
		return "marked leaked by the runtime's leak detector";
	case GP_SUS_FOREVER:
		return "blocked forever (nil channel or empty select)";
	case GP_SUS_PILE:
		return "many goroutines blocked at the same place";
	case GP_SUS_LONG:
		return "blocked for a long time";
	}
	return "?";
}

static int cmp_status(const void *x, const void *y)
{
	const struct gp_bucket *a = *(struct gp_bucket *const *)x, *b = *(struct gp_bucket *const *)y;
	return strcmp(a->status, b->status);
}

static int cmp_creator(const void *x, const void *y)
{
	const struct gp_bucket *a = *(struct gp_bucket *const *)x, *b = *(struct gp_bucket *const *)y;
	if (a->has_created != b->has_created)
		return a->has_created - b->has_created;
	if (!a->has_created)
		return 0;
	int c = strcmp(a->created.func, b->created.func);
	if (!c)
		c = strcmp(a->created.file, b->created.file);
	if (!c)
		c = (a->created.line > b->created.line) - (a->created.line < b->created.line);
	return c;
}

static int cmp_tally(const void *x, const void *y)
{
	const struct gp_tally *a = x, *b = y;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return strcmp(a->key, b->key);
}

static void add_minutes(struct gp_tally *t, const struct gp_bucket *b)
{
	if (!b->with_minutes)
		return;
	if (!t->with_minutes || b->min_minutes < t->min_minutes)
		t->min_minutes = b->min_minutes;
	if (!t->with_minutes || b->max_minutes > t->max_minutes)
		t->max_minutes = b->max_minutes;
	t->with_minutes += b->with_minutes;
}

/* Group the buckets (sorted copy by cmp) into tallies. */
static struct gp_err *tally(const struct gp_buckets *bs, struct gp_arena *a, int (*cmp)(const void *, const void *),
			    int creators, struct gp_tally **out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	if (!bs->n)
		return NULL;
	struct gp_bucket **v = GP_NEWN(a, struct gp_bucket *, bs->n);
	struct gp_tally *t = GP_NEWN(a, struct gp_tally, bs->n);
	if (!v || !t)
		return &gp_err_nomem;
	memcpy(v, bs->list, bs->n * sizeof(*v));
	gp_sort(v, bs->n, sizeof(*v), cmp);
	size_t n = 0;
	for (size_t i = 0; i < bs->n; i++) {
		const struct gp_bucket *b = v[i];
		if (!n || cmp(&v[i - 1], &v[i]) != 0) {
			struct gp_tally *nt = &t[n++];
			nt->min_minutes = nt->max_minutes = -1;
			if (creators) {
				nt->key = b->has_created ? b->created.func : "";
				nt->file = b->has_created ? b->created.file : "";
				nt->line = b->has_created ? b->created.line : 0;
			} else {
				nt->key = b->status;
			}
		}
		struct gp_tally *ct = &t[n - 1];
		ct->count += b->count;
		ct->buckets++;
		add_minutes(ct, b);
	}
	gp_sort(t, n, sizeof(*t), cmp_tally);
	*out = t;
	*n_out = n;
	return NULL;
}

static int blocking(const char *s)
{
	return !strncmp(s, "chan ", 5) || !strncmp(s, "select", 6) || !strncmp(s, "sync.", 5) ||
	       !strncmp(s, "semacquire", 10);
}

static int forever(const struct gp_bucket *b)
{
	const char *s = b->status;
	if (strcmp(s, "chan receive (nil chan)") && strcmp(s, "chan send (nil chan)") && strcmp(s, "select (no cases)"))
		return 0;
	return !(b->count == 1 && b->n_ids == 1 && b->ids[0] == 1); /* main's `select {}` */
}

struct gp_err *gp_summarize(const struct gp_buckets *bs, struct gp_arena *a, struct gp_summary *out)
{
	memset(out, 0, sizeof(*out));
	struct gp_err *err = tally(bs, a, cmp_status, 0, &out->states, &out->n_states);
	if (!err)
		err = tally(bs, a, cmp_creator, 1, &out->creators, &out->n_creators);
	if (err)
		return err;
	out->suspects = GP_NEWN(a, struct gp_suspect, bs->n ? bs->n : 1);
	if (!out->suspects)
		return &gp_err_nomem;
	for (size_t i = 0; i < bs->n; i++) { /* bs is sorted: suspects come largest first */
		const struct gp_bucket *b = bs->list[i];
		struct gp_suspect *s = &out->suspects[out->n_suspects];
		s->b = b;
		s->index = i;
		if (b->leaked)
			s->why = GP_SUS_LEAKED;
		else if (forever(b))
			s->why = GP_SUS_FOREVER;
		else if (blocking(b->status) && b->count >= GP_SUSPECT_PILE)
			s->why = GP_SUS_PILE;
		else if (blocking(b->status) && b->with_minutes && b->max_minutes >= GP_SUSPECT_MINUTES)
			s->why = GP_SUS_LONG;
		else
			continue;
		out->n_suspects++;
	}
	return NULL;
}
