/* dwarf_image.h — libdw handles on an executable's DWARF that cost only what is read.
 *
 * Go (and the system linker after it) compresses the DWARF sections, and dwarf_begin_elf
 * decompresses every one of them up front: .debug_line, .debug_loclists, .debug_frame, ... —
 * hundreds of milliseconds on a big Go binary, of which the layout reader needs nothing but the
 * type entries of the runtime compile unit. So when a DWARF section is compressed, this module
 * decompresses only .debug_abbrev, the string/offset sections, and .debug_info as far as it is
 * asked to (whole units only, growing on each call), and hands libdw a small in-memory ELF holding
 * just those. Without compressed sections libdw gets the file itself (nothing to save).
 *
 * Handles zlib and zstd SHF_COMPRESSED sections and GNU .zdebug_* sections.
 */
#ifndef GOPSY_LAYOUT_DWARF_IMAGE_H
#define GOPSY_LAYOUT_DWARF_IMAGE_H

#include <elfutils/libdw.h>
#include <libelf.h>

#include "base/err.h"

struct gp_dwsrc;

/* Prepare to read elf's DWARF (elf must outlive the source). GP_ERR_NOT_FOUND if it has no
 * .debug_info; GP_ERR_FORMAT if a section cannot be decompressed. */
struct gp_err *gp_dwsrc_open(Elf *elf, const char *path, struct gp_dwsrc **out) GP_MUST_USE;

/* A Dwarf handle covering more of .debug_info than the previous one (the first covers about
 * 256 KiB; each further one about twice as much), valid until the next call or gp_dwsrc_close.
 * *complete is set once it covers all of .debug_info. Units keep their offsets, so a unit seen in
 * one handle has the same CU-DIE offset in the next. */
struct gp_err *gp_dwsrc_next(struct gp_dwsrc *s, Dwarf **dw, int *complete) GP_MUST_USE;

void gp_dwsrc_close(struct gp_dwsrc *s);

#endif
