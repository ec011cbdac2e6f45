/* le.h — unaligned little-endian loads from byte buffers (ELF notes, pclntab, runtime structs).
 * The caller has checked the bounds. */
#ifndef GOPSY_BASE_LE_H
#define GOPSY_BASE_LE_H

#include <stdint.h>
#include <string.h>

static inline uint16_t gp_le16(const unsigned char *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static inline uint32_t gp_le32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t gp_le64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

#endif
