/* fuzz_pclntab.c — libFuzzer target for the pclntab decoder on raw bytes: the input is taken as a
 * pcHeader and its tables (placed at the crafted binary's pclntab address, with the crafted text and
 * gofunc segments around it), then every function record, name, pc-value table, file/line and inline
 * chain is decoded. Nothing may read outside the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "gobin/pclntab.h"
#include "pcln_craft.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pcln_craft *c; /* the fake executable around the input; read-only after setup */
	if (!c) {
		c = malloc(sizeof(*c));
		pcln_craft(c);
	}
	unsigned char *copy = malloc(size ? size : 1); /* exact-size copy so ASan sees overreads */
	memcpy(copy, data, size);
	struct gp_pclntab t;
	struct gp_err *err = gp_pclntab_parse(&c->exe, copy, size, PCLN_ADDR, &t);
	if (!err)
		err = gp_pclntab_set_module(&t, PC_TEXT, GOFUNC_ADDR);
	if (!err) {
		uint64_t n = t.nfunc < 64 ? t.nfunc : 64;
		for (uint64_t i = 0; i < n; i++) {
			struct gp_func f;
			if (gp_pclntab_func_at(&t, i, &f) != 0)
				continue;
			(void)gp_pclntab_funcname(&t, &f);
			for (uint64_t pc = f.entry; pc < f.entry + 0x200; pc += 0x11) {
				struct gp_inline_frame fr[16];
				(void)gp_pclntab_pcvalue(&t, &f, f.pcsp, pc, NULL);
				(void)gp_pclntab_pcdata(&t, &f, GP_PCDATA_ARGLIVEINDEX, pc);
				(void)gp_pclntab_funcdata(&t, &f, GP_FUNCDATA_ARGINFO);
				(void)gp_pclntab_inline_frames(&t, &f, pc, fr, 16);
			}
		}
		struct gp_func f;
		for (uint64_t pc = gp_pclntab_minpc(&t); pc < gp_pclntab_maxpc(&t) && pc < PC_TEXT + 0x1000; pc += 7)
			(void)gp_pclntab_findfunc(&t, pc, &f);
	}
	gp_err_free(err);
	free(copy);
	return 0;
}
