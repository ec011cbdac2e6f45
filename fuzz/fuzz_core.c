/* fuzz_core.c — libFuzzer target for the ELF core reader: any byte string must open cleanly or fail
 * with an error, and every read must stay inside the file. The input goes through a memfd because
 * the reader takes a path. */
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "base/arena.h"
#include "fuzz_file.h"
#include "target/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_core *c;
	struct gp_err *err = gp_core_open(path, &a, &c);
	if (!err) {
		unsigned char buf[64];
		for (size_t i = 0; i < c->img.nsegs; i++) {
			gp_err_free(gp_core_read(c, c->img.segs[i].vaddr, buf, sizeof(buf)));
			gp_err_free(gp_core_read(c, c->img.segs[i].vaddr + c->img.segs[i].memsz - 1, buf, 1));
		}
		(void)gp_image_exe_path(&c->img);
		gp_core_close(c);
	}
	gp_err_free(err);
	gp_arena_deinit(&a);
	close(fd);
	return 0;
}
