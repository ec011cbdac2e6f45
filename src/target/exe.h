/* exe.h — an ELF executable (or shared object) file: its loadable segments, its sections when it
 * still has section headers, its notes (Go and GNU build IDs), and reads at link-time virtual
 * addresses of the bytes the file provides (memsz beyond filesz reads as absent, not as zeros).
 *
 * Knows nothing about Go beyond the name of the Go build-ID note. Used by gobin/ (what the binary
 * says) and by the core target (file-backed segments the kernel did not dump).
 */
#ifndef GOPSY_TARGET_EXE_H
#define GOPSY_TARGET_EXE_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"

struct gp_exe_segment {
	uint64_t vaddr, memsz, offset, filesz;
	uint32_t flags; /* PF_R/PF_W/PF_X */
};

struct gp_exe_section {
	const char *name;
	uint64_t addr, size, offset;
	uint32_t type;   /* SHT_* */
	uint64_t flags;  /* SHF_* */
};

struct gp_exe {
	const char *path;
	const unsigned char *map; /* the whole file */
	size_t size;
	uint16_t type;    /* ET_EXEC or ET_DYN */
	uint16_t machine; /* EM_X86_64, ... */
	uint64_t entry;
	struct gp_exe_segment *segs;
	size_t nsegs;
	struct gp_exe_section *secs; /* empty when the section headers were removed */
	size_t nsecs;
	int has_interp; /* PT_INTERP: dynamically linked (cgo / external linking) */
	int has_tls;    /* PT_TLS */
	int has_eh_frame_hdr; /* PT_GNU_EH_FRAME: linked by a C linker (Go's own linker emits none) */
	const char *go_buildid;  /* .note.go.buildid, or NULL */
	uint64_t go_buildid_vaddr; /* link-time address of its bytes (0 if not in a loaded segment) */
	const char *gnu_buildid; /* NT_GNU_BUILD_ID as lowercase hex, or NULL */
};

struct gp_err *gp_exe_open(const char *path, struct gp_arena *a, struct gp_exe **out) GP_MUST_USE;
void gp_exe_close(struct gp_exe *exe);

/* Section by name, or NULL. */
const struct gp_exe_section *gp_exe_section(const struct gp_exe *exe, const char *name);
/* Pointer to the file bytes of a section (NULL for SHT_NOBITS or out-of-file sections). */
const unsigned char *gp_exe_section_data(const struct gp_exe *exe, const struct gp_exe_section *s);

/* Pointer to len file-provided bytes at link-time vaddr, or NULL if any of them is not in the file. */
const unsigned char *gp_exe_ptr(const struct gp_exe *exe, uint64_t vaddr, size_t len);
/* As gp_exe_ptr, and *avail = how many bytes from vaddr are in the file in that segment. */
const unsigned char *gp_exe_ptr_avail(const struct gp_exe *exe, uint64_t vaddr, size_t *avail);
/* Link-time address of file offset off (through the PT_LOAD segments), or 0. */
uint64_t gp_exe_offset_to_vaddr(const struct gp_exe *exe, uint64_t off);
/* The PT_LOAD segment containing vaddr (by memsz), or NULL. */
const struct gp_exe_segment *gp_exe_segment_at(const struct gp_exe *exe, uint64_t vaddr);

/* Symbol value by exact name from .symtab (then .dynsym); GP_ERR_NOT_FOUND if absent or stripped. */
struct gp_err *gp_exe_symbol(const struct gp_exe *exe, const char *name, uint64_t *value, uint64_t *size) GP_MUST_USE;
int gp_exe_has_symtab(const struct gp_exe *exe);

#endif
