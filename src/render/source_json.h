/* source_json.h — what a JSON document describes, shared by the commands' schemas: "core" (the
 * core's path, or null), "pid" (the live process's, or null) and, for a live process, "snapshot"
 * (how it was taken: forked or held stopped, the pause so far). */
#ifndef GOPSY_RENDER_SOURCE_JSON_H
#define GOPSY_RENDER_SOURCE_JSON_H

#include "render/json.h"
#include "session/session.h"

void gp_json_source(struct gp_json *j, const struct gp_session *s);

#endif
