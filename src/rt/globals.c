/* globals.c — finding runtime globals with or without symbols (see globals.h). */
#include "rt/globals.h"

#include <string.h>

const unsigned char *gp_func_code(const struct gp_gobin *b, const char *name, uint64_t *entry, size_t *n)
{
	struct gp_func f;
	uint64_t end = 0;
	if (gp_pclntab_func_by_name(&b->pcln, name, &f, &end) != 0 || end <= f.entry || end - f.entry > 1 << 20)
		return NULL;
	*entry = f.entry;
	*n = (size_t)(end - f.entry);
	return gp_exe_ptr(b->exe, f.entry, *n);
}

int gp_rip_operands(const struct gp_gobin *b, const char *name, struct gp_rip_op *out, int max)
{
	uint64_t entry;
	size_t n;
	const unsigned char *code = gp_func_code(b, name, &entry, &n);
	if (!code)
		return -1;
	int count = 0;
	for (size_t k = 0; k + 7 <= n && count < max; k++) {
		unsigned char rex = code[k], op = code[k + 1], modrm = code[k + 2];
		if ((rex != 0x48 && rex != 0x4c) || (modrm & 0xc7) != 0x05)
			continue;
		if (op != 0x8b && op != 0x89 && op != 0x8d && op != 0x39 && op != 0x3b && op != 0x87)
			continue;
		int32_t disp;
		memcpy(&disp, code + k + 3, 4);
		out[count].target = entry + k + 7 + (uint64_t)(int64_t)disp;
		out[count].opcode = op;
		count++;
	}
	return count;
}

int gp_rip_targets(const struct gp_gobin *b, const char *name, uint64_t *out, int max)
{
	struct gp_rip_op ops[256];
	int n = gp_rip_operands(b, name, ops, 256);
	int count = 0;
	for (int i = 0; i < n && count < max; i++) {
		int dup = 0;
		for (int j = 0; j < count; j++)
			dup |= out[j] == ops[i].target;
		if (!dup)
			out[count++] = ops[i].target;
	}
	return n < 0 ? -1 : count;
}

int gp_rip_slices(const uint64_t *tg, int n, uint64_t *out)
{
	int k = 0;
	for (int i = 0; i < n; i++) {
		int has8 = 0, has16 = 0;
		for (int j = 0; j < n; j++) {
			has8 |= tg[j] == tg[i] + 8;
			has16 |= tg[j] == tg[i] + 16;
		}
		if (has8 && has16)
			out[k++] = tg[i];
	}
	return k;
}

static struct gp_err *read_slice(const struct gp_target *t, uint64_t addr, struct gp_slice *s)
{
	uint64_t w[3];
	struct gp_err *err = gp_target_read(t, addr, w, sizeof(w));
	if (err)
		return err;
	s->ptr = w[0];
	s->len = w[1];
	s->cap = w[2];
	return NULL;
}

/* A plausible []*g: non-empty, len <= cap, not absurd, and its array readable in the core. */
static int plausible_allgs(const struct gp_target *t, const struct gp_slice *s)
{
	return s->len >= 1 && s->len <= s->cap && s->cap < (1ull << 32) && s->ptr &&
	       gp_target_mem_ptr(t, s->ptr, s->len * 8) != NULL;
}

struct gp_err *gp_find_allgs(const struct gp_target *t, const struct gp_gobin *b, struct gp_allgs *out)
{
	memset(out, 0, sizeof(*out));
	uint64_t sym;
	struct gp_err *err = gp_exe_symbol(b->exe, "runtime.allgs", &sym, NULL);
	if (!err) {
		out->addr = sym + t->bias;
		out->how = "symbol runtime.allgs";
		if ((err = read_slice(t, out->addr, &out->s)))
			return gp_err_wrap(err, "reading runtime.allgs at 0x%llx", (unsigned long long)out->addr);
		if (!plausible_allgs(t, &out->s)) {
			/* Say why: the array may simply be in a part of the core that is missing. */
			unsigned char probe;
			struct gp_err *why = out->s.len ? gp_target_read(t, out->s.ptr + (out->s.len - 1) * 8, &probe, 1) : NULL;
			struct gp_err *e = gp_errorf(GP_ERR_FORMAT, "runtime.allgs at 0x%llx holds {ptr 0x%llx, len %llu, cap %llu}: not a readable goroutine list%s%s",
						     (unsigned long long)out->addr, (unsigned long long)out->s.ptr,
						     (unsigned long long)out->s.len, (unsigned long long)out->s.cap,
						     why ? ": " : "", why ? gp_err_msg(why) : "");
			if (why && gp_err_code(why) == GP_ERR_TRUNCATED)
				e->code = GP_ERR_TRUNCATED;
			gp_err_free(why);
			return e;
		}
		return NULL;
	}
	gp_err_free(err);
	/* Stripped: allgs is the variable whose ptr, len and cap words (+0, +8, +16) all appear as
	 * operands of runtime.allgadd (the append). */
	uint64_t tg[256];
	int n = gp_rip_targets(b, "runtime.allgadd", tg, 256);
	if (n < 0)
		return gp_errorf(GP_ERR_NOT_FOUND, "runtime.allgadd is not in the pclntab: cannot locate runtime.allgs in a stripped binary");
	uint64_t sl[256];
	int candidates = gp_rip_slices(tg, n, sl);
	for (int i = 0; i < candidates; i++) {
		struct gp_slice s;
		err = read_slice(t, sl[i] + t->bias, &s);
		if (err) {
			gp_err_free(err);
			continue;
		}
		if (plausible_allgs(t, &s)) {
			out->addr = sl[i] + t->bias;
			out->s = s;
			out->how = "code of runtime.allgadd";
			return NULL;
		}
	}
	return gp_errorf(GP_ERR_NOT_FOUND, "runtime.allgs not found in the stripped binary: runtime.allgadd references %d addresses, %d shaped like a slice, none holds a readable goroutine list in %s",
			 n, candidates, t->img->where);
}
