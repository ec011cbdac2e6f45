/* fuzz_gobin.c — libFuzzer target for opening a Go executable: ELF headers, notes, build info,
 * pclntab search and moduledata scan (gp_gobin_open), then a few symbolizations. The input goes
 * through a memfd because the reader takes a path. */
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "base/arena.h"
#include "fuzz_file.h"
#include "gobin/gobin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_gobin *b;
	struct gp_err *err = gp_gobin_open(path, &a, &b);
	if (!err) {
		uint64_t lo = gp_pclntab_minpc(&b->pcln), hi = gp_pclntab_maxpc(&b->pcln);
		for (uint64_t pc = lo; pc < hi && pc < lo + 0x400; pc += 13) {
			struct gp_func f;
			struct gp_inline_frame fr[16];
			if (gp_pclntab_findfunc(&b->pcln, pc, &f) == 0)
				(void)gp_pclntab_inline_frames(&b->pcln, &f, pc, fr, 16);
		}
		gp_gobin_close(b);
	}
	gp_err_free(err);
	gp_arena_deinit(&a);
	close(fd);
	return 0;
}
