/* seedgen.c — writes the fuzz targets' seed inputs into DIR/<target>/ (generated, not committed):
 * fuzz_core gets a well-formed synthetic core (tests/unit/core_craft.h), fuzz_pclntab a crafted
 * pclntab and fuzz_gobin a crafted stripped Go executable (tests/unit/pcln_craft.h). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core_craft.h"
#include "pcln_craft.h"

static int put(const char *dir, const char *target, const char *name, const unsigned char *d, size_t n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, target);
	mkdir(dir, 0755);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(d, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: seedgen DIR\n");
		return 2;
	}
	size_t n;
	unsigned char *img = craft_core(&n);
	int rc = put(argv[1], "fuzz_core", "crafted.core", img, n);
	free(img);
	struct pcln_craft *c = malloc(sizeof(*c));
	pcln_craft(c);
	rc |= put(argv[1], "fuzz_pclntab", "crafted.pclntab", c->tab.p, c->tab.n);
	img = pcln_craft_elf(c, &n);
	rc |= put(argv[1], "fuzz_gobin", "crafted.exe", img, n);
	free(img);
	free(c);
	return rc;
}
