/* parser.c — the dump parser's state machine (see parser.h).
 *
 * States: outside any dump; inside a dump between blocks; inside a goroutine / M-stack block;
 * the same two for pprof debug=1 profiles. A dump starts at a line that is unmistakably one (a
 * goroutine header, "runtime stack:", "goroutine profile: total N"), wherever it sits in the line:
 * what precedes it is the log prefix. Its preamble (panic, fatal error, signal lines) was read
 * before that, while still outside: the last lines outside are remembered, and the run of them from
 * the first preamble-looking line on becomes the dump's preamble. A dump ends at a line outside
 * blocks that belongs to no dump, or where a new panic / fatal error / signal report starts without
 * the "-----" that separates the sections of one GOTRACEBACK=crash dump.
 */
#include "dump/parser.h"

#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "dump/logprefix.h"
#include "dump/reader.h"

enum state { S_OUTSIDE, S_DUMP, S_BLOCK, S_PPROF, S_PPROF_REC };
enum pend { PEND_NONE, PEND_ITEM, PEND_UNKNOWN };

struct ringline {
	char text[GP_DUMP_PREAMBLE_LINE];
	size_t n;
	uint64_t lineno;
	int cut;
};

struct dp {
	struct gp_lreader r;
	const struct gp_dump_sink *sink;
	struct gp_dump_stats *st;
	struct gp_err *err;
	struct gp_arena arena;   /* lives as long as the parse: the ring */
	struct gp_arena scratch; /* one block's items, reset per block */
	struct gp_logprefix lp;
	char prefix[GP_LOGPREFIX_MAX];
	enum state state;
	struct gp_dump_info info;
	struct gp_mg g;
	struct gp_mitem *items;
	size_t n_items, cap_items;
	uint64_t lineno;         /* of the line being read */
	/* A line inside a block whose meaning the next line decides: a frame or "created by" (already the
	 * last item) whose file line is awaited, or a line that fits no grammar. Either is kept as a raw
	 * line of the block if the next line continues the block; else the dump ended before it. */
	int pend;                /* PEND_* */
	struct gp_sv pline, praw; /* the line without / with its log prefix */
	uint64_t plineno;
	int sep;                 /* "-----" seen since the last block */
	int skipping;            /* after a cut block: drop lines up to the next blank line or header */
	struct ringline *ring;
	size_t ring_head, ring_n;
};

static void shift(struct gp_sv *s, ptrdiff_t d)
{
	if (s->p)
		s->p = (const char *)((uintptr_t)s->p + (uintptr_t)d);
}

static void shift_item(struct gp_mitem *it, ptrdiff_t d)
{
	shift(&it->func, d);
	shift(&it->args, d);
	shift(&it->file, d);
}

/* The kept bytes moved by d: shift every view into them. */
static void rebase(struct dp *d, ptrdiff_t by)
{
	struct gp_mg *g = &d->g;
	struct gp_sv *views[] = {&g->mid, &g->status_raw, &g->after, &g->status, &g->labels, &g->pcs, &g->pprof_labels,
				 &d->pline, &d->praw};
	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++)
		shift(views[i], by);
	for (size_t i = 0; i < d->n_items; i++)
		shift_item(&d->items[i], by);
}

static struct gp_mitem *push(struct dp *d, enum gp_mitem_kind kind)
{
	void *items = d->items;
	if (!gp_arena_grow(&d->scratch, &items, d->n_items, &d->cap_items, sizeof(*d->items), 64)) {
		d->err = &gp_err_nomem;
		return NULL;
	}
	d->items = items;
	struct gp_mitem *it = &d->items[d->n_items++];
	it->kind = (uint8_t)kind; /* field by field: a memset per line showed in profiles */
	it->has_off = it->has_fpsp = 0;
	it->func = it->args = it->file = gp_sv_make(NULL, 0);
	it->line = 0;
	it->off = it->fp = it->sp = it->pc = it->n = 0;
	return it;
}

static void push_raw(struct dp *d, struct gp_sv l)
{
	struct gp_mitem *it = push(d, GP_MI_RAW);
	if (it)
		it->func = l;
}

/* A block ends with a line pending (a cut block): it stays, as a raw line. */
static void flush_pending(struct dp *d)
{
	if (d->pend == PEND_ITEM) {
		struct gp_mitem *it = &d->items[d->n_items - 1];
		it->kind = GP_MI_RAW;
		it->func = d->pline;
		it->args = gp_sv_make(NULL, 0);
		it->n = 0;
	} else if (d->pend == PEND_UNKNOWN) {
		push_raw(d, d->pline);
	}
	d->info.raw_lines += d->pend != PEND_NONE;
	d->pend = PEND_NONE;
}

/* Start a block whose header (already parsed into d->g) is the raw line at p. */
static void block_begin(struct dp *d, const char *raw, enum state st)
{
	gp_lr_keep(&d->r, raw);
	gp_arena_reset(&d->scratch);
	d->items = NULL;
	d->n_items = d->cap_items = 0;
	d->pend = PEND_NONE;
	d->g.lineno = d->lineno;
	d->state = st;
}

static void block_end(struct dp *d)
{
	flush_pending(d);
	d->g.items = d->items;
	d->g.n_items = d->n_items;
	if (d->sink->goroutine)
		d->sink->goroutine(d->sink->ctx, &d->g);
	d->info.blocks++;
	d->info.last_line = d->lineno;
	gp_lr_keep(&d->r, NULL);
	d->state = d->info.pprof ? S_PPROF : S_DUMP;
	d->sep = 0;
}

static void emit_line(struct dp *d, enum gp_dline_kind kind, struct gp_sv l, uint64_t lineno)
{
	if (d->sink->line)
		d->sink->line(d->sink->ctx, kind, l, lineno);
	d->info.last_line = lineno;
}

static void dump_end(struct dp *d)
{
	if (d->state == S_BLOCK || d->state == S_PPROF_REC)
		block_end(d);
	if (d->sink->end)
		d->sink->end(d->sink->ctx, &d->info);
	d->state = S_OUTSIDE;
	d->lp.n = 0;
	d->skipping = 0;
	d->ring_n = 0;
}

static struct ringline *ring_at(struct dp *d, size_t i) /* i-th oldest */
{
	return &d->ring[(d->ring_head + GP_DUMP_PREAMBLE_LINES - d->ring_n + i) % GP_DUMP_PREAMBLE_LINES];
}

static void ring_push(struct dp *d, struct gp_sv l)
{
	struct ringline *rl = &d->ring[d->ring_head];
	d->ring_head = (d->ring_head + 1) % GP_DUMP_PREAMBLE_LINES;
	if (d->ring_n < GP_DUMP_PREAMBLE_LINES)
		d->ring_n++;
	rl->cut = l.n > GP_DUMP_PREAMBLE_LINE;
	rl->n = rl->cut ? GP_DUMP_PREAMBLE_LINE : l.n;
	memcpy(rl->text, l.p, rl->n);
	rl->lineno = d->lineno;
}

static int preamble_start(enum gp_dline_kind k, struct gp_sv l)
{
	switch (k) {
	case GP_DL_PANIC:
	case GP_DL_FATAL:
	case GP_DL_SIGNAL:
	case GP_DL_SIGHDR:
	case GP_DL_PCLINE:
		return 1;
	case GP_DL_RUNTIME:
		return gp_sv_starts(l, "runtime: ") || gp_sv_starts(l, "unexpected ");
	default:
		return 0;
	}
}

static void dump_line(struct dp *d, struct gp_sv raw);
static void dump_line_k(struct dp *d, struct gp_sv raw, size_t k);
static void outside_line(struct dp *d, struct gp_sv raw);

/* A dump starts on the raw line whose dump text begins at offset k. */
static void dump_begin(struct dp *d, struct gp_sv raw, size_t k, int pprof)
{
	size_t kn = gp_logprefix_learn(&d->lp, raw.p, k) ? k : 0; /* too long for a prefix: lines read as they are */
	memcpy(d->prefix, raw.p, kn);
	/* the preamble: from the first preamble-looking line among the last lines outside */
	size_t from = d->ring_n;
	for (size_t i = d->ring_n; i-- > 0;) {
		struct ringline *rl = ring_at(d, i);
		struct gp_sv l = gp_sv_make(rl->text, rl->n);
		size_t pk = gp_logprefix_match(&d->lp, l);
		if (d->lp.n && !pk)
			break; /* not from the same log stream */
		l = gp_sv_sub(l, pk, l.n);
		if (preamble_start(gp_dg_classify(l), l))
			from = i;
	}
	memset(&d->info, 0, sizeof(d->info));
	d->info.index = d->st->dumps++;
	d->info.first_line = from < d->ring_n ? ring_at(d, from)->lineno : d->lineno;
	d->info.pprof = pprof;
	d->info.prefix = gp_sv_make(d->prefix, kn);
	d->state = pprof ? S_PPROF : S_DUMP;
	d->sep = 0;
	if (d->sink->begin)
		d->sink->begin(d->sink->ctx, &d->info);
	for (size_t i = from; i < d->ring_n; i++) {
		struct ringline *rl = ring_at(d, i);
		struct gp_sv l = gp_sv_make(rl->text, rl->n);
		l = gp_sv_sub(l, gp_logprefix_match(&d->lp, l), l.n);
		d->info.truncated_preamble += (uint64_t)rl->cut;
		emit_line(d, gp_dg_classify(l), l, rl->lineno);
	}
	d->st->outside_lines -= d->ring_n - from;
	d->ring_n = 0;
	dump_line_k(d, raw, k); /* the trigger line, read at the offset it was found at */
}

static void outside_line(struct dp *d, struct gp_sv raw)
{
	const char *end = raw.p + raw.n;
	for (const char *hit = memmem(raw.p, raw.n, "goroutine ", 10); hit;
	     hit = memmem(hit + 1, (size_t)(end - hit - 1), "goroutine ", 10)) {
		struct gp_sv rest = gp_sv_make(hit, (size_t)(end - hit));
		uint64_t total;
		if (gp_dg_header(rest, &d->g)) {
			dump_begin(d, raw, (size_t)(hit - raw.p), 0);
			return;
		}
		if (gp_dg_profile(rest, &total)) {
			dump_begin(d, raw, (size_t)(hit - raw.p), 1);
			return;
		}
	}
	if (gp_sv_ends(raw, "runtime stack:")) {
		dump_begin(d, raw, raw.n - 14, 0);
		return;
	}
	d->st->outside_lines++;
	ring_push(d, raw);
}

static void start_header_block(struct dp *d, struct gp_sv raw)
{
	/* d->g holds the parsed header */
	block_begin(d, raw.p, S_BLOCK);
}

static void start_runtime_stack(struct dp *d, struct gp_sv raw)
{
	memset(&d->g, 0, sizeof(d->g));
	d->g.kind = GP_MG_RUNTIME_STACK;
	d->g.count = 1;
	d->g.minutes = -1;
	block_begin(d, raw.p, S_BLOCK);
}

/* A line between blocks of a traceback dump. */
static void between_line(struct dp *d, struct gp_sv raw, struct gp_sv l)
{
	if (l.n && l.p[0] == 'g' && gp_dg_header(l, &d->g)) {
		start_header_block(d, raw);
		return;
	}
	if (gp_sv_eqs(l, "runtime stack:")) {
		start_runtime_stack(d, raw);
		return;
	}
	enum gp_dline_kind kind = gp_dg_classify(l);
	switch (kind) {
	case GP_DL_TEXT:
	case GP_DL_PROFILE:
		dump_end(d);
		outside_line(d, raw);
		return;
	case GP_DL_PANIC:
	case GP_DL_FATAL:
	case GP_DL_SIGHDR:
		if (!d->sep && l.p[0] != '\t') { /* a new report, not the next M's section */
			dump_end(d);
			outside_line(d, raw);
			return;
		}
		break;
	case GP_DL_SEPARATOR:
		d->sep = 1;
		break;
	default:
		break;
	}
	emit_line(d, kind, l, d->lineno);
}

static void pend(struct dp *d, enum pend kind, struct gp_sv raw, struct gp_sv l)
{
	d->pend = kind;
	d->pline = l;
	d->praw = raw;
	d->plineno = d->lineno;
}

/* Does l read as the next line of a goroutine block? */
static int continues_block(struct gp_sv l)
{
	struct gp_mitem t;
	struct gp_mg h;
	if (l.n == 0)
		return 0;
	if (l.p[0] == '\t' || gp_dg_funcline(l, &t) || gp_dg_createdby(l, &t) || gp_dg_elided(l, &t) ||
	    gp_dg_ancestor(l, &t) || gp_dg_header(l, &h))
		return 1;
	return gp_dg_classify(l) == GP_DL_RUNTIME;
}

/* Settle the pending line by the line after it (raw/l; eof: there is none). Returns 1 when l is
 * still to be read as part of the block, 0 when the dump ended before the pending line (then
 * both lines have been read as what follows the dump). */
static int settle(struct dp *d, struct gp_sv raw, struct gp_sv l, int eof)
{
	struct gp_sv pr = d->praw;
	uint64_t pn = d->plineno, cur = d->lineno;
	if (!eof && continues_block(l)) {
		flush_pending(d);
		return 1;
	}
	if (d->pend == PEND_ITEM)
		d->n_items--;
	d->pend = PEND_NONE;
	d->lineno = pn - 1;
	dump_end(d);
	d->lineno = pn;
	outside_line(d, pr);
	d->lineno = cur;
	if (!eof)
		dump_line(d, raw);
	return 0;
}

static void block_line(struct dp *d, struct gp_sv raw, struct gp_sv l)
{
	if (l.n == 0) {
		block_end(d);
		emit_line(d, GP_DL_BLANK, l, d->lineno);
		return;
	}
	char c = l.p[0];
	if (d->pend) {
		struct gp_mitem *last = d->pend == PEND_ITEM ? &d->items[d->n_items - 1] : NULL;
		if (last && c == '\t' && gp_dg_fileline(l, last) &&
		    !(last->kind == GP_MI_CREATED_BY && last->has_fpsp)) { /* never printed with fp= sp= pc= */
			d->pend = PEND_NONE;
			return;
		}
		if (!settle(d, raw, l, 0))
			return;
	}
	if (c == '\t') {
		if (gp_sv_eqs(l, "\tgoroutine running on other thread; stack unavailable"))
			d->g.running_elsewhere = 1;
		else
			d->info.raw_lines++;
		push_raw(d, l);
		return;
	}
	struct gp_mitem tmp, *it;
	switch (c) {
	case 'g': {
		struct gp_mg h;
		if (gp_dg_header(l, &h)) {
			block_end(d);
			d->g = h;
			start_header_block(d, raw);
			return;
		}
		break;
	}
	case '.':
		if (gp_dg_elided(l, &tmp)) {
			if ((it = push(d, GP_MI_ELIDED)))
				it->n = tmp.n;
			return;
		}
		break;
	case 'c':
		if (gp_dg_createdby(l, &tmp)) {
			if ((it = push(d, GP_MI_CREATED_BY))) {
				it->func = tmp.func;
				it->n = tmp.n;
				pend(d, PEND_ITEM, raw, l);
			}
			return;
		}
		break;
	case '[':
		if (gp_dg_ancestor(l, &tmp)) {
			if ((it = push(d, GP_MI_ANCESTOR)))
				it->n = tmp.n;
			return;
		}
		break;
	case 'r':
		if (gp_sv_eqs(l, "runtime stack:")) {
			block_end(d);
			start_runtime_stack(d, raw);
			return;
		}
		break;
	default:
		break;
	}
	if (gp_dg_funcline(l, &tmp)) {
		if ((it = push(d, GP_MI_FRAME))) {
			it->func = tmp.func;
			it->args = tmp.args;
			pend(d, PEND_ITEM, raw, l);
		}
		return;
	}
	enum gp_dline_kind kind = gp_dg_classify(l);
	if (kind == GP_DL_SEPARATOR || kind == GP_DL_REG) { /* the block ended without a blank line */
		block_end(d);
		between_line(d, raw, l);
		return;
	}
	if (kind == GP_DL_RUNTIME || gp_sv_starts(l, "non-Go function at pc=")) { /* the runtime's */
		d->info.raw_lines++;
		push_raw(d, l);
		return;
	}
	pend(d, PEND_UNKNOWN, raw, l);
}

static void pprof_line(struct dp *d, struct gp_sv raw, struct gp_sv l)
{
	if (l.n == 0) {
		if (d->state == S_PPROF_REC)
			block_end(d);
		emit_line(d, GP_DL_BLANK, l, d->lineno);
		return;
	}
	struct gp_mg h;
	uint64_t total;
	if (d->info.blocks == 0 && d->state == S_PPROF && gp_dg_profile(l, &total)) {
		emit_line(d, GP_DL_PROFILE, l, d->lineno);
		return;
	}
	if (gp_dg_pprof_record(l, &h)) {
		if (d->state == S_PPROF_REC)
			block_end(d);
		d->g = h;
		block_begin(d, raw.p, S_PPROF_REC);
		return;
	}
	if (d->state == S_PPROF_REC && l.p[0] == '#') {
		struct gp_mitem f;
		if (d->n_items == 0 && !d->g.pprof_labels.n && gp_sv_starts(l, "# labels: ")) {
			d->g.pprof_labels = l;
		} else if (gp_dg_pprof_frame(l, &f)) {
			struct gp_mitem *it = push(d, GP_MI_FRAME);
			if (it)
				*it = f;
		} else {
			d->info.raw_lines++;
			push_raw(d, l);
		}
		return;
	}
	dump_end(d);
	outside_line(d, raw);
}

/* A line of a dump whose log prefix is k bytes long. */
static void dump_line_k(struct dp *d, struct gp_sv raw, size_t k)
{
	struct gp_sv l = gp_sv_sub(raw, k, raw.n);
	if (d->skipping) {
		struct gp_mg h;
		if (l.n && !gp_dg_header(l, &h) && !gp_dg_pprof_record(l, &h)) {
			d->info.dropped_lines++;
			return;
		}
		d->skipping = 0;
	}
	switch (d->state) {
	case S_BLOCK:
		block_line(d, raw, l);
		break;
	case S_DUMP:
		between_line(d, raw, l);
		break;
	case S_PPROF:
	case S_PPROF_REC:
		pprof_line(d, raw, l);
		break;
	case S_OUTSIDE:
		outside_line(d, raw);
		break;
	}
}

static void dump_line(struct dp *d, struct gp_sv raw)
{
	dump_line_k(d, raw, d->lp.n ? gp_logprefix_match(&d->lp, raw) : 0);
}

struct gp_err *gp_dump_parse_fd(int fd, const char *name, const struct gp_dump_sink *sink, struct gp_dump_stats *stats)
{
	struct dp *d;
	struct gp_arena arena;
	gp_arena_init(&arena);
	d = GP_NEW(&arena, struct dp);
	if (!d)
		return &gp_err_nomem;
	memset(stats, 0, sizeof(*stats));
	d->sink = sink;
	d->st = stats;
	d->arena = arena; /* d lives in the arena it owns: released last, from a copy */
	gp_arena_init(&d->scratch);
	d->ring = GP_NEWN(&d->arena, struct ringline, GP_DUMP_PREAMBLE_LINES);
	struct gp_err *err = d->ring ? gp_lr_init(&d->r, fd, name, 1) : &gp_err_nomem;
	while (!err) {
		struct gp_sv raw;
		int more;
		ptrdiff_t moved;
		err = gp_lr_next(&d->r, &raw, &more, &moved);
		if (!err && moved)
			rebase(d, moved); /* also at the end: the last block was kept and moved */
		if (err || !more)
			break;
		stats->lines++;
		d->lineno = d->r.lineno;
		if (d->state == S_OUTSIDE)
			outside_line(d, raw);
		else
			dump_line(d, raw);
		if (d->err) {
			err = d->err;
			break;
		}
		if ((d->state == S_BLOCK || d->state == S_PPROF_REC) && gp_lr_kept(&d->r) > GP_LR_MAX_KEEP /* one block: the runtime prints ~100 frames */) {
			d->g.cut = 1;
			d->info.cut_blocks++;
			block_end(d);
			d->skipping = 1;
		}
	}
	if (!err && d->state == S_BLOCK && d->pend)
		settle(d, gp_sv_make(NULL, 0), gp_sv_make(NULL, 0), 1);
	if (!err && d->state != S_OUTSIDE)
		dump_end(d);
	stats->bytes = d->r.bytes;
	stats->long_lines = d->r.long_lines;
	gp_lr_deinit(&d->r);
	gp_arena_deinit(&d->scratch);
	arena = d->arena;
	gp_arena_deinit(&arena);
	return err;
}
