/* layout_dwarf.c — runtime struct layouts from an executable's DWARF (see layout_dwarf.h). */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layout/dwarf_image.h"
#include "layout/layout_dwarf.h"

enum {
	MAX_TYPEDEF_DEPTH = 16,
	MAX_PATH_LEN = 256,
	MAX_PLAUSIBLE = 1 << 24, /* no runtime struct is anywhere near 16 MiB */
};

/* Index of name among the '|'-separated alternatives, or -1. */
static int alt_index(const char *alts, const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; *alts; i++) {
		const char *bar = strchr(alts, '|');
		size_t len = bar ? (size_t)(bar - alts) : strlen(alts);
		if (len == n && memcmp(alts, name, n) == 0)
			return i;
		if (!bar)
			break;
		alts = bar + 1;
	}
	return -1;
}

/* The struct types being looked for: one per GP_L_SIZEOF_ entry. */
struct wanted {
	int rank[GP_L__COUNT];        /* alternative found (lower = preferred), -1 = not yet */
	int nfound, nrequired_found, nrequired;
};

static struct gp_err *resolve_struct(const char *path, int s, Dwarf_Die *st, struct gp_lslot out[GP_L__COUNT]);

/* A struct type entry: if it is one we want (and better than what we have), resolve its fields. */
static struct gp_err *consider(const char *path, struct wanted *w, Dwarf_Die *die, struct gp_lslot out[GP_L__COUNT],
			       int *hit)
{
	const char *name = dwarf_diename(die);
	if (!name)
		return NULL;
	for (int f = 0; f < GP_L__COUNT; f++) {
		if (gp_lfield_specs[f].paths != NULL)
			continue;
		int r = alt_index(gp_lfield_specs[f].types, name);
		if (r < 0 || (w->rank[f] >= 0 && w->rank[f] <= r))
			continue;
		if (w->rank[f] < 0) {
			w->nfound++;
			w->nrequired_found += gp_lfield_specs[f].required;
		}
		w->rank[f] = r;
		*hit = 1;
		struct gp_err *err = resolve_struct(path, f, die, out);
		if (err)
			return err;
	}
	return NULL;
}

/* Visit the top-level entries of the units of dw whose CU DIE lies after *done_upto. Pass 0 looks
 * only at units named "runtime" and stops after a unit that completed the required types (the Go
 * linker puts every type into one runtime unit); pass 1 looks at all units. */
static struct gp_err *scan(Dwarf *dw, const char *path, int pass, struct wanted *w, Dwarf_Off *done_upto,
			   struct gp_lslot out[GP_L__COUNT], int *stop)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t unit_type;
	int rc;
	while ((rc = dwarf_get_units(dw, cu, &cu, NULL, &unit_type, &cudie, NULL)) == 0) {
		Dwarf_Off cuoff = dwarf_dieoffset(&cudie);
		if (*done_upto != (Dwarf_Off)-1 && cuoff <= *done_upto)
			continue;
		*done_upto = cuoff;
		if (unit_type != DW_UT_compile && unit_type != DW_UT_partial)
			continue;
		const char *cuname = dwarf_diename(&cudie);
		if (pass == 0 && !(cuname && strcmp(cuname, "runtime") == 0))
			continue;
		Dwarf_Die child;
		int r = dwarf_child(&cudie, &child), hit = 0;
		if (r < 0)
			return gp_errorf(GP_ERR_FORMAT, "DWARF of %s: compile unit %s: %s", path,
					 cuname ? cuname : "?", dwarf_errmsg(-1));
		if (r > 0)
			continue;
		do {
			if (dwarf_tag(&child) == DW_TAG_structure_type) {
				struct gp_err *err = consider(path, w, &child, out, &hit);
				if (err)
					return err;
			}
		} while ((r = dwarf_siblingof(&child, &child)) == 0);
		if (r < 0)
			return gp_errorf(GP_ERR_FORMAT, "DWARF of %s: compile unit %s: %s", path,
					 cuname ? cuname : "?", dwarf_errmsg(-1));
		if (pass == 0 && hit && w->nrequired_found == w->nrequired) {
			*stop = 1;
			return NULL;
		}
	}
	if (rc < 0)
		return gp_errorf(GP_ERR_FORMAT, "DWARF of %s: reading units: %s", path, dwarf_errmsg(-1));
	return NULL;
}

/* Find the member called name[0:len] of struct st. 1 found, 0 not, -1 malformed. */
static int find_member(Dwarf_Die *st, const char *name, size_t len, Dwarf_Die *out)
{
	Dwarf_Die m;
	int r = dwarf_child(st, &m);
	if (r != 0)
		return r < 0 ? -1 : 0;
	do {
		if (dwarf_tag(&m) != DW_TAG_member)
			continue;
		const char *mn = dwarf_diename(&m);
		if (mn && strlen(mn) == len && memcmp(mn, name, len) == 0) {
			*out = m;
			return 1;
		}
	} while ((r = dwarf_siblingof(&m, &m)) == 0);
	return r < 0 ? -1 : 0;
}

static int type_of(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute at;
	if (!dwarf_attr(die, DW_AT_type, &at) || !dwarf_formref_die(&at, out))
		return -1;
	return 0;
}

/* Resolve one path alternative (NUL-terminated, may be modified) in struct st. 1 resolved (*slot
 * set), 0 not present, -1 malformed DWARF. */
static int resolve(Dwarf_Die *st, char *alt, struct gp_lslot *slot)
{
	char *want_type = strchr(alt, '=');
	if (want_type)
		*want_type++ = '\0';
	Dwarf_Die cur = *st;
	Dwarf_Word off = 0;
	for (char *m = alt;;) {
		char *dot = strchr(m, '.');
		size_t len = dot ? (size_t)(dot - m) : strlen(m);
		Dwarf_Die mem, type;
		int r = find_member(&cur, m, len, &mem);
		if (r <= 0)
			return r;
		Dwarf_Attribute at;
		Dwarf_Word moff;
		if (!dwarf_attr(&mem, DW_AT_data_member_location, &at) || dwarf_formudata(&at, &moff) != 0)
			return -1;
		off += moff;
		if (type_of(&mem, &type) != 0)
			return -1;
		if (!dot) {
			if (want_type) {
				const char *tn = dwarf_diename(&type);
				if (!tn || strcmp(tn, want_type) != 0)
					return 0;
			}
			Dwarf_Word size;
			if (dwarf_aggregate_size(&type, &size) != 0)
				return -1;
			if (off >= MAX_PLAUSIBLE || size >= MAX_PLAUSIBLE)
				return -1;
			slot->off = (int32_t)off;
			slot->size = (int32_t)size;
			return 1;
		}
		/* Descend: the member must be a struct, possibly behind typedefs. */
		int depth = 0;
		while (dwarf_tag(&type) == DW_TAG_typedef) {
			if (++depth > MAX_TYPEDEF_DEPTH || type_of(&type, &type) != 0)
				return -1;
		}
		if (dwarf_tag(&type) != DW_TAG_structure_type)
			return 0;
		cur = type;
		m = dot + 1;
	}
}

/* Fill the SIZEOF entry s and the fields of its struct from the type entry st. */
static struct gp_err *resolve_struct(const char *path, int s, Dwarf_Die *st, struct gp_lslot out[GP_L__COUNT])
{
	Dwarf_Word size;
	if (dwarf_aggregate_size(st, &size) != 0 || size >= MAX_PLAUSIBLE)
		return gp_errorf(GP_ERR_FORMAT, "DWARF of %s: no usable size for %s", path,
				 dwarf_diename(st) ? dwarf_diename(st) : gp_lfield_specs[s].types);
	out[s].off = 0;
	out[s].size = (int32_t)size;
	for (int f = s + 1; f < GP_L__COUNT && gp_lfield_specs[f].paths != NULL; f++) {
		const struct gp_lfield_spec *sp = &gp_lfield_specs[f];
		out[f].off = out[f].size = -1;
		char buf[MAX_PATH_LEN];
		if (strlen(sp->paths) >= sizeof(buf))
			return gp_errorf(GP_ERR_INTERNAL, "layout spec path too long: %s", sp->paths);
		strcpy(buf, sp->paths);
		for (char *alt = buf; alt;) {
			char *bar = strchr(alt, '|');
			if (bar)
				*bar = '\0';
			int r = resolve(st, alt, &out[f]);
			if (r < 0)
				return gp_errorf(GP_ERR_FORMAT, "DWARF of %s: malformed entry for %s (%s.%s)", path,
						 sp->name, dwarf_diename(st) ? dwarf_diename(st) : "?", alt);
			if (r > 0)
				break;
			alt = bar ? bar + 1 : NULL;
		}
	}
	return NULL;
}

/* Every supported Go version has the required types and, where their type is present, the
 * required fields; DWARF without them is not trusted. (An optional type may be absent: the
 * linker drops types a program does not use, e.g. context.timerCtx.) */
static struct gp_err *check_required(const char *path, const struct wanted *w, const struct gp_lslot out[GP_L__COUNT])
{
	char missing[512] = "";
	int nmissing = 0, s = 0;
	for (int f = 0; f < GP_L__COUNT; f++) {
		const struct gp_lfield_spec *sp = &gp_lfield_specs[f];
		if (sp->paths == NULL)
			s = f;
		if (!sp->required || out[f].off >= 0 || (sp->paths != NULL && w->rank[s] < 0))
			continue;
		if (nmissing++ < 8) {
			size_t used = strlen(missing);
			snprintf(missing + used, sizeof(missing) - used, "%s%s", used ? ", " : "",
				 sp->paths ? sp->name : sp->types);
		}
	}
	if (nmissing > 0)
		return gp_errorf(GP_ERR_FORMAT, "DWARF of %s lacks %d required runtime type%s/field%s (%s%s)", path,
				 nmissing, nmissing == 1 ? "" : "s", nmissing == 1 ? "" : "s", missing,
				 nmissing > 8 ? ", ..." : "");
	return NULL;
}

struct gp_err *gp_layout_dwarf_read(const char *path, struct gp_lslot out[GP_L__COUNT],
				    unsigned char type_found[GP_L__COUNT])
{
	struct gp_err *err = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gp_errorf(GP_ERR_IO, "opening %s: %s", path, strerror(errno));
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		err = gp_errorf(GP_ERR_FORMAT, "%s: %s", path, elf_errmsg(-1));
		goto out_fd;
	}
	struct gp_dwsrc *src;
	if ((err = gp_dwsrc_open(elf, path, &src)))
		goto out_elf;

	struct wanted w = {.nfound = 0};
	for (int f = 0; f < GP_L__COUNT; f++) {
		w.rank[f] = -1;
		out[f].off = out[f].size = -1;
		if (gp_lfield_specs[f].paths == NULL)
			w.nrequired += gp_lfield_specs[f].required;
	}
	/* Read .debug_info only as far as the runtime unit holding the types (see scan). */
	Dwarf *dw;
	Dwarf_Off done_upto = (Dwarf_Off)-1;
	int complete = 0, stop = 0;
	while (!stop && !complete) {
		if ((err = gp_dwsrc_next(src, &dw, &complete)) || (err = scan(dw, path, 0, &w, &done_upto, out, &stop)))
			goto out_src;
	}
	if (w.nfound == 0) {
		/* No types in a unit named runtime: not the Go linker's layout; look everywhere. */
		while (!complete)
			if ((err = gp_dwsrc_next(src, &dw, &complete)))
				goto out_src;
		done_upto = (Dwarf_Off)-1;
		if ((err = scan(dw, path, 1, &w, &done_upto, out, &stop)))
			goto out_src;
	}
	if (w.nfound == 0) {
		err = gp_errorf(GP_ERR_NOT_FOUND, "DWARF of %s has no Go runtime types", path);
		goto out_src;
	}
	int s = 0;
	for (int f = 0; f < GP_L__COUNT; f++) {
		if (gp_lfield_specs[f].paths == NULL)
			s = f;
		type_found[f] = w.rank[s] >= 0;
	}
	err = check_required(path, &w, out);
out_src:
	gp_dwsrc_close(src);
out_elf:
	elf_end(elf);
out_fd:
	close(fd);
	return err;
}
