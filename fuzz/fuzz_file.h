/* fuzz_file.h — for fuzz targets whose reader takes a path: put the input in a memfd and name it
 * /proc/self/fd/N. */
#ifndef GOPSY_FUZZ_FUZZ_FILE_H
#define GOPSY_FUZZ_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* Returns the fd (close it after use) and writes the path into path, or -1. */
static inline int fuzz_file(const uint8_t *data, size_t size, char *path, size_t n)
{
	int fd = memfd_create("fuzz", 0);
	if (fd < 0)
		return -1;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	snprintf(path, n, "/proc/self/fd/%d", fd);
	return fd;
}

#endif
