/* panicval.c — printpanicval / printany (see panicval.h). */
#include "render/panicval.h"

#include <string.h>

#include "render/goprint.h"

enum { MAX_STRING = 1 << 20 };

static int name_is(const struct gp_type *t, const char *s)
{
	size_t n = strlen(s);
	return t->name_len == n && !memcmp(t->name, s, n);
}

/* Predeclared types printpanicval's type switch names (by identity; by name here, which is exact:
 * a user type named int prints as main.int). */
static const char *const basic[] = {
	"bool", "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
	"uintptr", "float32", "float64", "complex64", "complex128", "string",
};

static int is_basic(const struct gp_type *t)
{
	for (size_t i = 0; i < sizeof(basic) / sizeof(basic[0]); i++)
		if (name_is(t, basic[i]))
			return 1;
	return 0;
}

static void missing(struct gp_tout *out, const char *what, uint64_t addr)
{
	tout_lit(out, "<");
	tout_str(out, what);
	tout_lit(out, " at ");
	tout_hex(out, addr);
	tout_lit(out, " not readable>");
}

/* print(v) of a value of kind k at data; 0, or -1 when unreadable (nothing printed). */
static int print_scalar(struct gp_tout *out, const struct gp_rt *rt, int k, uint64_t data)
{
	int minor = rt->b->bi.v.minor;
	unsigned char b[16] = {0};
	size_t size = k == GP_KIND_BOOL || k == GP_KIND_INT8 || k == GP_KIND_UINT8 ? 1
		      : k == GP_KIND_INT16 || k == GP_KIND_UINT16                ? 2
		      : k == GP_KIND_INT32 || k == GP_KIND_UINT32 || k == GP_KIND_FLOAT32 ? 4
		      : k == GP_KIND_COMPLEX128                                      ? 16
										     : 8;
	struct gp_err *err = gp_target_read(rt->t, data, b, size);
	if (err) {
		gp_err_free(err);
		return -1;
	}
	int64_t i64;
	uint64_t u64;
	float f32[2];
	double f64[2];
	switch (k) {
	case GP_KIND_BOOL:
		tout_str(out, b[0] ? "true" : "false");
		return 0;
	case GP_KIND_INT8:
		tout_dec(out, (int8_t)b[0]);
		return 0;
	case GP_KIND_INT16: {
		int16_t v;
		memcpy(&v, b, 2);
		tout_dec(out, v);
		return 0;
	}
	case GP_KIND_INT32: {
		int32_t v;
		memcpy(&v, b, 4);
		tout_dec(out, v);
		return 0;
	}
	case GP_KIND_INT:
	case GP_KIND_INT64:
		memcpy(&i64, b, 8);
		tout_dec(out, i64);
		return 0;
	case GP_KIND_UINT8:
	case GP_KIND_UINT16:
	case GP_KIND_UINT32:
	case GP_KIND_UINT:
	case GP_KIND_UINT64:
	case GP_KIND_UINTPTR: {
		u64 = 0;
		memcpy(&u64, b, size);
		tout_udec(out, u64);
		return 0;
	}
	case GP_KIND_FLOAT32:
		memcpy(f32, b, 4);
		gp_print_float(out, f32[0], 32, minor);
		return 0;
	case GP_KIND_FLOAT64:
		memcpy(f64, b, 8);
		gp_print_float(out, f64[0], 64, minor);
		return 0;
	case GP_KIND_COMPLEX64:
		memcpy(f32, b, 8);
		gp_print_complex(out, f32[0], f32[1], 64, minor);
		return 0;
	case GP_KIND_COMPLEX128:
		memcpy(f64, b, 16);
		gp_print_complex(out, f64[0], f64[1], 128, minor);
		return 0;
	}
	return -1;
}

static int print_string(struct gp_tout *out, const struct gp_rt *rt, uint64_t data, int indented)
{
	const char *s;
	size_t n;
	int cut;
	if (gp_string_read(rt, data, MAX_STRING, &s, &n, &cut) != 0)
		return -1;
	if (indented)
		gp_print_indented(out, s, n);
	else
		tout_mem(out, s, n);
	if (cut)
		tout_lit(out, "<... cut by gopsy at 1 MiB>");
	return 0;
}

void gp_print_panicval(struct gp_tout *out, const struct gp_rt *rt, const struct gp_eface *v)
{
	int minor = rt->b->bi.v.minor, indented = minor >= 23;
	if (!v->type) {
		tout_lit(out, "nil");
		return;
	}
	struct gp_type t;
	if (gp_type_read(rt, v->type, &t) != 0) {
		missing(out, "the panic value's type", v->type);
		return;
	}
	if (is_basic(&t) && t.kind != GP_KIND_INVALID) {
		int rc = t.kind == GP_KIND_STRING ? print_string(out, rt, v->data, indented)
						   : print_scalar(out, rt, t.kind, v->data);
		if (rc)
			missing(out, "the panic value", v->data);
		return;
	}
	/* printanycustomtype: before Go 1.26 the switch is on the Kind_ byte as stored, so a kind with
	 * flag bits (direct interface, GC program) takes the default case. */
	int k = minor >= 27 ? t.kind : t.kind_raw;
	if (k == GP_KIND_STRING) {
		tout_mem(out, t.name, t.name_len);
		tout_lit(out, "(\"");
		if (print_string(out, rt, v->data, indented))
			missing(out, "the panic value", v->data);
		tout_lit(out, "\")");
		return;
	}
	if (k >= GP_KIND_BOOL && k <= GP_KIND_COMPLEX128) {
		tout_mem(out, t.name, t.name_len);
		int complex = k == GP_KIND_COMPLEX64 || k == GP_KIND_COMPLEX128;
		if (!complex)
			tout_char(out, '(');
		if (print_scalar(out, rt, k, v->data))
			missing(out, "the panic value", v->data);
		if (!complex)
			tout_char(out, ')');
		return;
	}
	tout_char(out, '(');
	tout_mem(out, t.name, t.name_len);
	tout_lit(out, ") ");
	tout_hex(out, v->data);
}
