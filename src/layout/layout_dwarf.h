/* layout_dwarf.h — reading runtime struct layouts from an executable's DWARF with libdw.
 *
 * Follows gp_lfield_specs (the generated spec, the same one the tables were made from): finds each
 * struct type by name among the top-level entries (DW_TAG_structure_type) of the compile units
 * named "runtime" — the Go linker puts every type into one of them — then each field by walking its
 * member path (DW_AT_data_member_location, DW_AT_type, typedefs peeled; sizes by
 * dwarf_aggregate_size). It stops after the unit that completed the required types, and
 * .debug_info is decompressed only that far (dwarf_image.h); line tables, location lists and frame
 * info are never decompressed. If no runtime unit has types, every unit is searched. Malformed
 * DWARF gives an error, never a crash.
 */
#ifndef GOPSY_LAYOUT_LAYOUT_DWARF_H
#define GOPSY_LAYOUT_LAYOUT_DWARF_H

#include "base/err.h"
#include "layout/tables.h"

/* Fill out[] from path's DWARF. type_found[f] says whether f's struct type was in the DWARF
 * (when not, out[f] is {-1,-1}). Errors: GP_ERR_IO (cannot open), GP_ERR_NOT_FOUND (no DWARF, or
 * no Go runtime types in it), GP_ERR_FORMAT (malformed, or a required field missing). */
struct gp_err *gp_layout_dwarf_read(const char *path, struct gp_lslot out[GP_L__COUNT],
				    unsigned char type_found[GP_L__COUNT]) GP_MUST_USE;

#endif
