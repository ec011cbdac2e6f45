/* tb_json.h — gopsy goroutines --json: the document described in docs/json.md ("gopsy.goroutines/1"):
 * the target, the threads, and every goroutine with its header fields and frames, streamed. */
#ifndef GOPSY_RENDER_TB_JSON_H
#define GOPSY_RENDER_TB_JSON_H

#include "render/json.h"
#include "render/traceback.h"
#include "rt/goroutine.h"
#include "target/image.h"

/* The sink that writes a goroutine's "frames" array (and "created_by") into j; call
 * gp_tb_json_finish after gp_tb_print_frames to close what is open. */
struct gp_tb_json {
	struct gp_json *j;
	int in_frames;
	int in_ancestors, in_ancestor; /* inside "ancestors": [ and one { of it */
};

void gp_tb_json_sink(struct gp_tb_sink *sink, struct gp_tb_json *state);
void gp_tb_json_begin_frames(struct gp_tb_json *state);
void gp_tb_json_finish(struct gp_tb_json *state);

/* Header fields of a goroutine (goid, gp, status, wait reason, m, ...) into the open object. */
void gp_json_goroutine_header(struct gp_json *j, const struct gp_rt *rt, const struct gp_g *g);

/* The header fields that depend on the estimated clock and on synctest: "wait_minutes" (null when
 * the runtime computes no wait time for g), "durable", "synctest_bubble", "synctest_group". */
void gp_json_goroutine_wait(struct gp_json *j, const struct gp_rt *rt, const struct gp_g *g, int64_t now_ns);

/* The "now" object: the estimate of nanotime() at death and its sources (rt/clock.h). */
struct gp_now;
void gp_json_now(struct gp_json *j, const struct gp_now *now);

/* The threads of the core with their registers and the goroutine each was running. */
void gp_json_threads(struct gp_json *j, const struct gp_rt *rt, const struct gp_image *core);

#endif
