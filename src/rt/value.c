/* value.c — type descriptors, interfaces and strings in the target (see value.h). */
#include "rt/value.h"

#include <string.h>

static uint64_t le(const unsigned char *p, int32_t size)
{
	uint64_t v = 0;
	memcpy(&v, p, size > 0 && size < 8 ? (size_t)size : 8);
	return v;
}

/* runtime.name: one flag byte, a uvarint length, the bytes (Go 1.17+). */
static int read_name(const struct gp_rt *rt, uint64_t addr, const char **s, size_t *n)
{
	const unsigned char *p = gp_target_ptr(rt->t, addr, 1 + 10);
	if (!p)
		return -1;
	uint64_t len = 0;
	int shift = 0, i = 1;
	for (; i < 11; i++) {
		len |= (uint64_t)(p[i] & 0x7f) << shift;
		shift += 7;
		if (!(p[i] & 0x80))
			break;
	}
	if (i == 11 || len > 1 << 20)
		return -1;
	const char *d = len ? gp_target_ptr(rt->t, addr + (uint64_t)i + 1, (size_t)len) : "";
	if (!d)
		return -1;
	*s = d;
	*n = (size_t)len;
	return 0;
}

int gp_type_read(const struct gp_rt *rt, uint64_t addr, struct gp_type *out)
{
	const struct gp_layout *l = rt->l;
	memset(out, 0, sizeof(*out));
	out->addr = addr;
	out->name = "";
	int32_t sz = gp_lsize(l, GP_L_SIZEOF_TYPE);
	const unsigned char *p = addr && sz > 0 ? gp_target_ptr(rt->t, addr, (size_t)sz) : NULL;
	if (!p)
		return -1;
	out->size = le(p + gp_loff(l, GP_L_TYPE_SIZE), gp_lsize(l, GP_L_TYPE_SIZE));
	out->tflag = (uint8_t)le(p + gp_loff(l, GP_L_TYPE_TFLAG), 1);
	out->kind_raw = (uint8_t)le(p + gp_loff(l, GP_L_TYPE_KIND), 1);
	out->kind = out->kind_raw & 31;
	int32_t str = (int32_t)le(p + gp_loff(l, GP_L_TYPE_STR), 4);
	const struct gp_moduledata *md = &rt->b->md;
	uint64_t types = md->types + rt->t->bias;
	if (!rt->b->have_md || !md->types || str <= 0 || (uint64_t)str >= md->etypes - md->types)
		return 0;
	const char *s;
	size_t n;
	if (read_name(rt, types + (uint64_t)str, &s, &n) == 0) {
		if ((out->tflag & GP_TFLAG_EXTRA_STAR) && n > 0) {
			s++;
			n--;
		}
		out->name = s;
		out->name_len = n;
	}
	return 0;
}

struct gp_err *gp_eface_read(const struct gp_rt *rt, uint64_t addr, struct gp_eface *out)
{
	uint64_t w[2];
	struct gp_err *err = gp_target_read(rt->t, addr, w, sizeof(w));
	out->type = err ? 0 : w[0];
	out->data = err ? 0 : w[1];
	return err;
}

int gp_string_read(const struct gp_rt *rt, uint64_t addr, size_t max, const char **s, size_t *len, int *cut)
{
	uint64_t w[2];
	struct gp_err *err = gp_target_read(rt->t, addr, w, sizeof(w));
	if (err) {
		gp_err_free(err);
		return -1;
	}
	*cut = w[1] > max;
	size_t n = *cut ? max : (size_t)w[1];
	const char *p = n ? gp_target_ptr(rt->t, w[0], n) : "";
	if (!p)
		return -1;
	*s = p;
	*len = n;
	return 0;
}
