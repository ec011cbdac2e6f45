/* seedgen.c — writes the fuzz targets' seed inputs into DIR/<target>/ (generated, not committed):
 * fuzz_core gets a well-formed synthetic core (tests/unit/core_craft.h). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core_craft.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: seedgen DIR\n");
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/fuzz_core", argv[1]);
	mkdir(argv[1], 0755);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/fuzz_core/crafted.core", argv[1]);
	size_t n;
	unsigned char *img = craft_core(&n);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(img, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		return 1;
	}
	free(img);
	return 0;
}
