/* json.c — the streaming JSON writer (see json.h). */
#include "render/json.h"

#include <inttypes.h>
#include <string.h>

void gp_json_init(struct gp_json *j, FILE *out, int pretty)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->pretty = pretty;
}

static void indent(struct gp_json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->out);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

/* Separator before a value (or key) at the current depth. */
static void pre_value(struct gp_json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->depth > 0 && j->count[j->depth] > 0)
		fputc(',', j->out);
	if (j->depth > 0)
		indent(j);
	if (j->count[j->depth] < 255)
		j->count[j->depth]++;
}

static void open(struct gp_json *j, char c)
{
	pre_value(j);
	fputc(c, j->out);
	if (j->depth + 1 < GP_JSON_MAX_DEPTH)
		j->depth++;
	j->count[j->depth] = 0;
}

static void close_(struct gp_json *j, char c)
{
	int had = j->count[j->depth] > 0;
	if (j->depth > 0)
		j->depth--;
	if (had)
		indent(j);
	fputc(c, j->out);
	if (j->depth == 0)
		fputc('\n', j->out);
}

void gp_json_obj_begin(struct gp_json *j) { open(j, '{'); }
void gp_json_obj_end(struct gp_json *j) { close_(j, '}'); }
void gp_json_arr_begin(struct gp_json *j) { open(j, '['); }
void gp_json_arr_end(struct gp_json *j) { close_(j, ']'); }

static void write_stringn(FILE *out, const char *s, size_t n)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s, *end = p + n; p < end; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\r': fputs("\\r", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void write_string(FILE *out, const char *s)
{
	write_stringn(out, s, strlen(s));
}

void gp_json_key(struct gp_json *j, const char *key)
{
	pre_value(j);
	write_string(j->out, key);
	fputs(j->pretty ? ": " : ":", j->out);
	j->after_key = 1;
}

void gp_json_str(struct gp_json *j, const char *s)
{
	pre_value(j);
	if (s)
		write_string(j->out, s);
	else
		fputs("null", j->out);
}

void gp_json_strn(struct gp_json *j, const char *s, size_t n)
{
	pre_value(j);
	write_stringn(j->out, s, n);
}

void gp_json_int(struct gp_json *j, int64_t v)
{
	pre_value(j);
	fprintf(j->out, "%" PRId64, v);
}

void gp_json_uint(struct gp_json *j, uint64_t v)
{
	pre_value(j);
	fprintf(j->out, "%" PRIu64, v);
}

void gp_json_hex(struct gp_json *j, uint64_t v)
{
	pre_value(j);
	fprintf(j->out, "\"0x%" PRIx64 "\"", v);
}

void gp_json_bool(struct gp_json *j, int v)
{
	pre_value(j);
	fputs(v ? "true" : "false", j->out);
}

void gp_json_null(struct gp_json *j)
{
	pre_value(j);
	fputs("null", j->out);
}

void gp_json_kstr(struct gp_json *j, const char *key, const char *s) { gp_json_key(j, key); gp_json_str(j, s); }
void gp_json_kint(struct gp_json *j, const char *key, int64_t v) { gp_json_key(j, key); gp_json_int(j, v); }
void gp_json_khex(struct gp_json *j, const char *key, uint64_t v) { gp_json_key(j, key); gp_json_hex(j, v); }
void gp_json_kbool(struct gp_json *j, const char *key, int v) { gp_json_key(j, key); gp_json_bool(j, v); }
