/* json.h — a streaming JSON writer: values are written as they are produced (nothing is held), with
 * commas and string escaping handled here. Used by every --json output. */
#ifndef GOPSY_RENDER_JSON_H
#define GOPSY_RENDER_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { GP_JSON_MAX_DEPTH = 64 };

struct gp_json {
	FILE *out;
	int depth;
	int pretty;
	unsigned char count[GP_JSON_MAX_DEPTH]; /* values written at each depth (saturating) */
	int after_key;
};

void gp_json_init(struct gp_json *j, FILE *out, int pretty);
void gp_json_obj_begin(struct gp_json *j);
void gp_json_obj_end(struct gp_json *j);
void gp_json_arr_begin(struct gp_json *j);
void gp_json_arr_end(struct gp_json *j);
void gp_json_key(struct gp_json *j, const char *key);
void gp_json_str(struct gp_json *j, const char *s); /* NULL → null */
void gp_json_strn(struct gp_json *j, const char *s, size_t n); /* n bytes, NUL bytes escaped */
void gp_json_int(struct gp_json *j, int64_t v);
void gp_json_uint(struct gp_json *j, uint64_t v);
void gp_json_hex(struct gp_json *j, uint64_t v);   /* "0x1f" as a string */
void gp_json_bool(struct gp_json *j, int v);
void gp_json_null(struct gp_json *j);
/* Shorthands for a key and a value. */
void gp_json_kstr(struct gp_json *j, const char *key, const char *s);
void gp_json_kint(struct gp_json *j, const char *key, int64_t v);
void gp_json_khex(struct gp_json *j, const char *key, uint64_t v);
void gp_json_kbool(struct gp_json *j, const char *key, int v);

#endif
