/* source_json.c — the "core" / "pid" / "snapshot" keys (see source_json.h). */
#include "render/source_json.h"

void gp_json_source(struct gp_json *j, const struct gp_session *s)
{
	gp_json_kstr(j, "core", s->core_path);
	gp_json_key(j, "pid");
	const struct gp_live_stats *st = gp_session_snapshot(s);
	if (!st) {
		gp_json_null(j);
		return;
	}
	gp_json_int(j, s->t.img->pid);
	gp_json_key(j, "snapshot");
	gp_json_obj_begin(j);
	gp_json_kbool(j, "forked", st->forked);
	gp_json_kstr(j, "no_fork_reason", st->forked ? NULL : st->no_fork_reason);
	gp_json_kint(j, "threads", st->threads);
	gp_json_kint(j, "stop_us", (int64_t)st->stop_us);
	gp_json_kint(j, "fork_us", (int64_t)st->fork_us);
	gp_json_key(j, "pause_us"); /* held stopped, the pause lasts until gopsy is done */
	if (st->forked || st->tracked)
		gp_json_int(j, (int64_t)st->pause_us);
	else
		gp_json_null(j);
	gp_json_kbool(j, "tracked", st->tracked);
	if (st->tracked) { /* write-tracked: the setup stop, then the freezes (target/live.h) */
		gp_json_kint(j, "setup_us", (int64_t)st->setup_us);
		gp_json_kint(j, "freezes", st->freezes);
		gp_json_kint(j, "freeze_us", (int64_t)st->freeze_us);
	}
	gp_json_obj_end(j);
}
