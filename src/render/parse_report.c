/* parse_report.c — text and JSON reports of a parsed dump (see parse_report.h). */
#include "render/parse_report.h"

#include <inttypes.h>
#include <string.h>

static void minutes_text(FILE *out, uint64_t with, int64_t lo, int64_t hi)
{
	if (!with)
		return;
	if (lo == hi)
		fprintf(out, ", %" PRId64 " minutes", lo);
	else
		fprintf(out, ", %" PRId64 "-%" PRId64 " minutes", lo, hi);
}

static void why_text(FILE *out, const struct gp_crash *c)
{
	int any = 0;
	for (size_t i = 0; i < c->n_panics; i++) {
		const struct gp_panic *p = &c->panics[i];
		fprintf(out, "%s%spanic: %s%s", any ? "\n            " : "  why:      ", p->nested ? "  " : "", p->msg,
			p->repanicked ? " [recovered, repanicked]" : p->recovered ? " [recovered]" : "");
		any = 1;
	}
	if (c->fatal) {
		fprintf(out, "%sfatal error: %s", any ? "\n            " : "  why:      ", c->fatal);
		any = 1;
	}
	if (c->signal) {
		fprintf(out, "%s[signal %s]", any ? "\n            " : "  why:      ", c->signal);
		any = 1;
	} else if (c->sighdr) {
		fprintf(out, "%s%s%s%s", any ? "\n            " : "  why:      ", c->sighdr, c->pcline ? ", " : "",
			c->pcline ? c->pcline : "");
		any = 1;
	}
	if (!any && c->first_text) {
		fprintf(out, "  why:      %s", c->first_text);
		any = 1;
	}
	if (any)
		fputc('\n', out);
}

/* Where a stack is blocked: its first frame outside the runtime (else its first frame). */
static const struct gp_bframe *where(const struct gp_bucket *b)
{
	for (uint32_t i = 0; i < b->n_frames; i++)
		if (strncmp(b->frames[i].func, "runtime.", 8) && strncmp(b->frames[i].func, "internal/", 9))
			return &b->frames[i];
	return b->n_frames ? &b->frames[0] : NULL;
}

static void frame_text(FILE *out, const char *lead, const struct gp_bframe *f)
{
	fprintf(out, "        %s%s  %s:%" PRId64 "\n", lead, f->func, f->file, f->line);
}

static void bucket_text(FILE *out, const struct gp_dump_report *r, size_t idx, const struct gp_bucket *b)
{
	fprintf(out, "  #%zu  %" PRIu64 " goroutine%s [%s", idx + 1, b->count, b->count == 1 ? "" : "s",
		b->status_n ? b->status : "pprof record");
	minutes_text(out, b->with_minutes, b->min_minutes, b->max_minutes);
	if (b->locked)
		fprintf(out, ", %" PRIu64 " locked to thread", b->locked);
	if (b->leaked)
		fprintf(out, ", %" PRIu64 " leaked", b->leaked);
	fputc(']', out);
	if (b->n_ids) {
		size_t show = r->ids && b->n_ids > r->ids ? r->ids : b->n_ids;
		fputs(b->n_ids == 1 ? "  goroutine " : "  goroutines ", out);
		for (size_t i = 0; i < show; i++)
			fprintf(out, "%s%" PRIu64, i ? ", " : "", b->ids[i]);
		if (show < b->n_ids)
			fprintf(out, ", ... (%zu more)", b->n_ids - show);
	}
	fputc('\n', out);
	for (uint32_t i = 0; i < b->n_frames; i++)
		frame_text(out, "", &b->frames[i]);
	if (b->elided)
		fprintf(out, "        (frames elided by the runtime)\n");
	if (b->has_created)
		frame_text(out, "created by ", &b->created);
}

void gp_report_text(FILE *out, const struct gp_dump_report *r)
{
	const struct gp_dump_info *d = r->info;
	const struct gp_buckets *bs = r->bs;
	const struct gp_summary *s = r->sum;
	fprintf(out, "dump %" PRIu64 " (lines %" PRIu64 "-%" PRIu64 "): %s, %" PRIu64 " goroutine%s in %zu stack%s\n",
		d->index + 1, d->first_line, d->last_line, d->pprof ? "pprof goroutine profile (debug=1)" : "Go traceback",
		bs->goroutines, bs->goroutines == 1 ? "" : "s", bs->n, bs->n == 1 ? "" : "s");
	if (d->prefix.n)
		fprintf(out, "  log prefix: \"%.*s\"\n", (int)d->prefix.n, d->prefix.p);
	why_text(out, r->crash);
	if (r->crash->have_first == 1)
		fprintf(out, "  first:    goroutine %" PRIu64 " [%s] (printed first: the one that crashed or took the signal)\n",
			r->crash->first_goid, r->crash->first_status);
	if (bs->m_stacks || bs->duplicates || r->crash->sections > 1)
		fprintf(out, "  also:     %" PRIu64 " M stack%s, %" PRIu64 " goroutine%s printed twice, %" PRIu64 " M section%s\n",
			bs->m_stacks, bs->m_stacks == 1 ? "" : "s", bs->duplicates, bs->duplicates == 1 ? "" : "s",
			r->crash->sections, r->crash->sections == 1 ? "" : "s");
	if (s->n_states) {
		fputs("  states:\n", out);
		for (size_t i = 0; i < s->n_states; i++) {
			const struct gp_tally *t = &s->states[i];
			fprintf(out, "    %8" PRIu64 "  %s", t->count, t->key[0] ? t->key : "(pprof records)");
			minutes_text(out, t->with_minutes, t->min_minutes, t->max_minutes);
			fputc('\n', out);
		}
	}
	if (s->n_suspects) {
		fputs("  leak suspects:\n", out);
		for (size_t i = 0; i < s->n_suspects; i++) {
			const struct gp_suspect *su = &s->suspects[i];
			const struct gp_bframe *w = where(su->b);
			fprintf(out, "    %8" PRIu64 "  [%s] %s: stack #%zu", su->b->count, su->b->status,
				gp_suspect_why_text(su->why), su->index + 1);
			if (w)
				fprintf(out, ", in %s  %s:%" PRId64, w->func, w->file, w->line);
			fputc('\n', out);
		}
	}
	if (s->n_creators > 1 || (s->n_creators == 1 && s->creators[0].key[0])) {
		fputs("  created by:\n", out);
		for (size_t i = 0; i < s->n_creators; i++) {
			const struct gp_tally *t = &s->creators[i];
			if (t->key[0])
				fprintf(out, "    %8" PRIu64 "  %s  %s:%" PRId64 "\n", t->count, t->key, t->file, t->line);
			else
				fprintf(out, "    %8" PRIu64 "  (no creator printed)\n", t->count);
		}
	}
	size_t show = r->top && bs->n > r->top ? r->top : bs->n;
	if (show)
		fprintf(out, "  stacks (largest first):\n");
	for (size_t i = 0; i < show; i++)
		bucket_text(out, r, i, bs->list[i]);
	if (show < bs->n)
		fprintf(out, "  ... %zu more stack%s (--top 0 shows all)\n", bs->n - show, bs->n - show == 1 ? "" : "s");
	if (d->raw_lines)
		fprintf(out, "  note: %" PRIu64 " line%s inside goroutine blocks fit no traceback grammar (kept as they are)\n",
			d->raw_lines, d->raw_lines == 1 ? "" : "s");
	if (d->cut_blocks)
		fprintf(out, "  note: %" PRIu64 " block%s longer than 8 MiB cut, %" PRIu64 " lines dropped\n", d->cut_blocks,
			d->cut_blocks == 1 ? "" : "s", d->dropped_lines);
	if (d->truncated_preamble)
		fprintf(out, "  note: %" PRIu64 " preamble line%s longer than 4 KiB cut\n", d->truncated_preamble,
			d->truncated_preamble == 1 ? "" : "s");
}

static void json_frame(struct gp_json *j, const struct gp_bframe *f)
{
	gp_json_obj_begin(j);
	gp_json_key(j, "function");
	gp_json_strn(j, f->func, f->func_n);
	gp_json_key(j, "file");
	gp_json_strn(j, f->file, f->file_n);
	gp_json_kint(j, "line", f->line);
	gp_json_obj_end(j);
}

static void json_minutes(struct gp_json *j, uint64_t with, int64_t lo, int64_t hi)
{
	if (!with)
		return;
	gp_json_kint(j, "with_minutes", (int64_t)with);
	gp_json_kint(j, "minutes_min", lo);
	gp_json_kint(j, "minutes_max", hi);
}

static void json_crash(struct gp_json *j, const struct gp_crash *c)
{
	gp_json_key(j, "crash");
	gp_json_obj_begin(j);
	gp_json_key(j, "panics");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < c->n_panics; i++) {
		gp_json_obj_begin(j);
		gp_json_kstr(j, "message", c->panics[i].msg);
		gp_json_kbool(j, "recovered", c->panics[i].recovered);
		gp_json_kbool(j, "repanicked", c->panics[i].repanicked);
		gp_json_kbool(j, "nested", c->panics[i].nested);
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
	gp_json_kstr(j, "fatal_error", c->fatal);
	gp_json_kstr(j, "signal", c->signal);
	gp_json_kstr(j, "signal_header", c->sighdr);
	gp_json_kstr(j, "pc_line", c->pcline);
	gp_json_kstr(j, "message", c->first_text);
	gp_json_kint(j, "sections", (int64_t)c->sections);
	gp_json_kint(j, "runtime_lines", (int64_t)c->runtime_lines);
	gp_json_key(j, "first_goroutine");
	if (c->have_first == 1) {
		gp_json_obj_begin(j);
		gp_json_kint(j, "id", (int64_t)c->first_goid);
		gp_json_kstr(j, "status", c->first_status);
		gp_json_obj_end(j);
	} else {
		gp_json_null(j);
	}
	gp_json_obj_end(j);
}

static void json_tallies(struct gp_json *j, const char *key, const struct gp_tally *t, size_t n, int creators)
{
	gp_json_key(j, key);
	gp_json_arr_begin(j);
	for (size_t i = 0; i < n; i++) {
		gp_json_obj_begin(j);
		if (!creators) {
			gp_json_kstr(j, "status", t[i].key);
		} else if (t[i].key[0]) {
			gp_json_kstr(j, "function", t[i].key);
			gp_json_kstr(j, "file", t[i].file);
			gp_json_kint(j, "line", t[i].line);
		} else {
			gp_json_kstr(j, "function", NULL);
		}
		gp_json_kint(j, "count", (int64_t)t[i].count);
		gp_json_kint(j, "stacks", (int64_t)t[i].buckets);
		json_minutes(j, t[i].with_minutes, t[i].min_minutes, t[i].max_minutes);
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
}

void gp_report_json(struct gp_json *j, const struct gp_dump_report *r)
{
	const struct gp_dump_info *d = r->info;
	const struct gp_buckets *bs = r->bs;
	const struct gp_summary *s = r->sum;
	gp_json_obj_begin(j);
	gp_json_kint(j, "index", (int64_t)d->index);
	gp_json_kint(j, "first_line", (int64_t)d->first_line);
	gp_json_kint(j, "last_line", (int64_t)d->last_line);
	gp_json_kstr(j, "format", d->pprof ? "pprof-debug1" : "traceback");
	gp_json_key(j, "log_prefix");
	gp_json_strn(j, d->prefix.p, d->prefix.n);
	gp_json_kint(j, "goroutines", (int64_t)bs->goroutines);
	gp_json_kint(j, "printed_twice", (int64_t)bs->duplicates);
	gp_json_kint(j, "m_stacks", (int64_t)bs->m_stacks);
	json_crash(j, r->crash);
	json_tallies(j, "states", s->states, s->n_states, 0);
	json_tallies(j, "created_by", s->creators, s->n_creators, 1);
	gp_json_key(j, "suspects");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < s->n_suspects; i++) {
		gp_json_obj_begin(j);
		gp_json_kint(j, "stack", (int64_t)s->suspects[i].index);
		gp_json_kint(j, "count", (int64_t)s->suspects[i].b->count);
		gp_json_kstr(j, "status", s->suspects[i].b->status);
		static const char *const why[] = {"leaked", "blocked-forever", "pile-up", "long-wait"};
		gp_json_kstr(j, "reason", why[s->suspects[i].why]);
		gp_json_kstr(j, "explanation", gp_suspect_why_text(s->suspects[i].why));
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
	gp_json_key(j, "stacks");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < bs->n; i++) {
		const struct gp_bucket *b = bs->list[i];
		gp_json_obj_begin(j);
		gp_json_kint(j, "count", (int64_t)b->count);
		gp_json_key(j, "status");
		gp_json_strn(j, b->status, b->status_n);
		json_minutes(j, b->with_minutes, b->min_minutes, b->max_minutes);
		gp_json_kint(j, "locked_to_thread", (int64_t)b->locked);
		gp_json_kint(j, "leaked", (int64_t)b->leaked);
		gp_json_kint(j, "first_line", (int64_t)b->first_line);
		gp_json_key(j, "ids");
		gp_json_arr_begin(j);
		for (size_t k = 0; k < b->n_ids; k++)
			gp_json_uint(j, b->ids[k]);
		gp_json_arr_end(j);
		gp_json_key(j, "frames");
		gp_json_arr_begin(j);
		for (uint32_t k = 0; k < b->n_frames; k++)
			json_frame(j, &b->frames[k]);
		gp_json_arr_end(j);
		gp_json_kbool(j, "elided", b->elided != 0);
		gp_json_key(j, "created_by");
		if (b->has_created)
			json_frame(j, &b->created);
		else
			gp_json_null(j);
		if (b->created_goid_min) {
			gp_json_kint(j, "created_in_goroutine_min", (int64_t)b->created_goid_min);
			gp_json_kint(j, "created_in_goroutine_max", (int64_t)b->created_goid_max);
		}
		gp_json_obj_end(j);
	}
	gp_json_arr_end(j);
	gp_json_key(j, "notes");
	gp_json_obj_begin(j);
	gp_json_kint(j, "raw_lines", (int64_t)d->raw_lines);
	gp_json_kint(j, "cut_blocks", (int64_t)d->cut_blocks);
	gp_json_kint(j, "dropped_lines", (int64_t)d->dropped_lines);
	gp_json_kint(j, "truncated_preamble_lines", (int64_t)d->truncated_preamble);
	gp_json_obj_end(j);
	gp_json_obj_end(j);
}
