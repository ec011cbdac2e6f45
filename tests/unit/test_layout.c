/* test_layout.c — unit tests of src/layout: the generated per-version tables (all supported versions
 * present, required fields everywhere, values that DWARF of real builds showed), version selection
 * (exact, unknown -> error, nearest -> warning), constants and string tables, layout comparison, and
 * the DWARF reader's failure paths: missing files, DWARF without Go types, compressed sections
 * (zlib, zstd, corrupt, truncated) and randomly corrupted DWARF, none of which may crash. The
 * agreement of the tables with DWARF of fresh Go builds is tests/layout/check.sh. */
#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/err.h"
#include "layout/layout.h"

static const int supported[] = {19, 21, 22, 23, 24, 25, 26, 27};
enum { NSUPPORTED = sizeof(supported) / sizeof(supported[0]) };

static const struct gp_layout *table(struct gp_arena *a, int minor)
{
	const struct gp_layout *l = NULL;
	struct gp_err *err = gp_layout_from_table(minor, 0, a, &l);
	if (err)
		fail_msg("go1.%d: %s", minor, gp_err_msg(err));
	return l;
}

static void all_versions_present(void **state)
{
	(void)state;
	assert_int_equal(GP_LAYOUT_NTABLES, NSUPPORTED);
	for (int i = 0; i < NSUPPORTED; i++) {
		const struct gp_layout_table *t = gp_layout_tables[i];
		assert_int_equal(t->minor, supported[i]);
		assert_ptr_equal(gp_layout_table_exact(supported[i]), t);
		char prefix[16];
		snprintf(prefix, sizeof(prefix), "go1.%d.", t->minor);
		assert_memory_equal(t->go_version, prefix, strlen(prefix));
	}
	assert_null(gp_layout_table_exact(20));
	assert_null(gp_layout_table_exact(28));
}

/* Every required struct and field exists in every table, with a plausible size. */
static void required_fields_everywhere(void **state)
{
	(void)state;
	for (int i = 0; i < NSUPPORTED; i++) {
		const struct gp_layout_table *t = gp_layout_tables[i];
		for (int f = 0; f < GP_L__COUNT; f++) {
			const struct gp_lfield_spec *sp = &gp_lfield_specs[f];
			enum gp_lfield s = gp_lfield_struct((enum gp_lfield)f);
			assert_null(gp_lfield_specs[s].paths);
			if (sp->paths == NULL) {
				if (sp->required && t->fields[f].size <= 0)
					fail_msg("go1.%d lacks required struct %s", t->minor, sp->types);
				continue;
			}
			if (t->fields[s].off < 0) { /* struct absent: so are its fields */
				assert_int_equal(t->fields[f].off, -1);
				continue;
			}
			if (sp->required && (t->fields[f].off < 0 || t->fields[f].size <= 0))
				fail_msg("go1.%d lacks required field %s", t->minor, sp->name);
			if (t->fields[f].off >= 0)
				assert_true(t->fields[f].off + t->fields[f].size <= t->fields[s].size);
		}
	}
}

/* Values observed in the DWARF of real builds (go-runtime-notes §2.3, §6; re-checked with DWARF). */
static void known_values(void **state)
{
	struct gp_arena a;
	gp_arena_init(&a);
	(void)state;
	const struct gp_layout *l19 = table(&a, 19), *l22 = table(&a, 22), *l23 = table(&a, 23),
			       *l25 = table(&a, 25), *l26 = table(&a, 26), *l27 = table(&a, 27);
	assert_int_equal(gp_loff(l19, GP_L_G_GOID), 0x98);
	assert_int_equal(gp_lsize(l19, GP_L_G_GOID), 8);
	assert_int_equal(gp_loff(l23, GP_L_G_GOID), 0xa0);
	assert_int_equal(gp_loff(l26, GP_L_G_GOID), 0x98);
	assert_int_equal(gp_lsize(l22, GP_L_G_ATOMICSTATUS), 4);
	assert_int_equal(gp_lsize(l22, GP_L_G_WAITREASON), 1);
	assert_int_equal(gp_lsize(l19, GP_L_SIZEOF_G), 392);
	assert_int_equal(gp_lsize(l26, GP_L_SIZEOF_G), 456);
	assert_int_equal(gp_loff(l22, GP_L_G_SCHED_SP), 0x38);
	assert_int_equal(gp_loff(l26, GP_L_G_SYSCALLSP), 0x68);
	assert_false(gp_lhas(l22, GP_L_G_SYSCALLBP));
	assert_true(gp_lhas(l23, GP_L_G_SYSCALLBP));
	assert_false(gp_lhas(l19, GP_L_G_PARENTGOID));
	/* gobuf lost ret in 1.25 (not 1.26). */
	assert_true(gp_lhas(l23, GP_L_GOBUF_RET));
	assert_false(gp_lhas(l25, GP_L_GOBUF_RET));
	assert_int_equal(gp_lsize(l25, GP_L_SIZEOF_GOBUF), 48);
	/* moduledata.gofunc: 0x130 in 1.19, 0x140 in 1.20-1.26, 0x158 in 1.27. */
	assert_int_equal(gp_loff(l19, GP_L_MODULEDATA_GOFUNC), 0x130);
	assert_int_equal(gp_loff(l22, GP_L_MODULEDATA_GOFUNC), 0x140);
	assert_int_equal(gp_loff(l26, GP_L_MODULEDATA_GOFUNC), 0x140);
	assert_int_equal(gp_loff(l27, GP_L_MODULEDATA_GOFUNC), 0x158);
	/* sudog.elem: a pointer until 1.25, maybeTraceablePtr{vp, vu} from 1.26 (vu is read). */
	assert_int_equal(gp_loff(l25, GP_L_SUDOG_ELEM), 0x18);
	assert_int_equal(gp_loff(l26, GP_L_SUDOG_ELEM), 0x20);
	assert_int_equal(gp_loff(l26, GP_L_SUDOG_C), 0x60);
	/* p.timers: a []*timer up to 1.22, a struct with heap []timerWhen from 1.23. */
	assert_int_equal(gp_loff(l22, GP_L_P_TIMERS_HEAP), 0x22a8);
	assert_false(gp_lhas(l22, GP_L_P_TIMERS));
	assert_int_equal(gp_loff(l23, GP_L_P_TIMERS), 0x2288);
	assert_int_equal(gp_loff(l23, GP_L_P_TIMERS_HEAP), 0x2290);
	assert_int_equal(gp_lsize(l23, GP_L_SIZEOF_TIMERWHEN), 16);
	/* schedt.runq size: a separate runqsize before 1.25, gQueue.size after. */
	assert_int_equal(gp_loff(l22, GP_L_SCHED_RUNQ_SIZE), 0x78);
	assert_int_equal(gp_loff(l26, GP_L_SCHED_RUNQ_SIZE), 0x90);
	/* The bubble/syncGroup rename. */
	assert_int_equal(gp_loff(table(&a, 24), GP_L_G_BUBBLE), 0x188);
	assert_int_equal(gp_loff(l26, GP_L_G_BUBBLE), 0x188);
	assert_false(gp_lhas(l23, GP_L_G_BUBBLE));
	assert_string_equal(gp_lfield_name(GP_L_G_SCHED_SP), "G_SCHED_SP");
	assert_int_equal(gp_lfield_struct(GP_L_G_GOID), GP_L_SIZEOF_G);
	assert_int_equal(gp_lfield_struct(GP_L_SIZEOF_M), GP_L_SIZEOF_M);
	gp_arena_deinit(&a);
}

static void table_layout_and_source(void **state)
{
	struct gp_arena a;
	gp_arena_init(&a);
	(void)state;
	const struct gp_layout *l = table(&a, 22);
	assert_int_equal(l->source, GP_LAYOUT_TABLE);
	assert_int_equal(l->go_minor, 22);
	assert_string_equal(l->source_desc, "built-in table for go1.22 (generated from go1.22.12)");
	assert_null(l->warning);
	assert_null(l->detail);
	for (int f = 0; f < GP_L__COUNT; f++)
		assert_int_equal(l->origin[f], GP_LO_TABLE);

	/* GOEXPERIMENTs: usable, but say that the table may not apply. */
	assert_null(gp_layout_from_table(22, GP_LAYOUT_EXPERIMENTS, &a, &l));
	assert_non_null(l->warning);
	assert_non_null(strstr(l->warning, "GOEXPERIMENT"));
	gp_arena_deinit(&a);
}

static void unknown_version_is_an_error(void **state)
{
	struct gp_arena a;
	gp_arena_init(&a);
	(void)state;
	const struct gp_layout *l = NULL;
	int bad[] = {28, 20, 18, 0};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct gp_err *err = gp_layout_from_table(bad[i], 0, &a, &l);
		assert_non_null(err);
		assert_int_equal(gp_err_code(err), GP_ERR_UNSUPPORTED);
		char want[16];
		snprintf(want, sizeof(want), "go1.%d ", bad[i]);
		assert_non_null(strstr(gp_err_msg(err), want));
		gp_err_free(err);
		/* DWARF does not make an unknown version acceptable: constants would be guessed. */
		err = gp_layout_for_binary("/nonexistent/gopsy-test", bad[i], 1, 0, &a, &l);
		assert_non_null(err);
		assert_int_equal(gp_err_code(err), GP_ERR_UNSUPPORTED);
		gp_err_free(err);
	}
	gp_arena_deinit(&a);
}

static void nearest_version_warns(void **state)
{
	struct gp_arena a;
	gp_arena_init(&a);
	(void)state;
	struct {
		int asked, got;
	} cases[] = {{28, 27}, {40, 27}, {20, 21}, {18, 19}, {1, 19}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct gp_layout *l = NULL;
		assert_null(gp_layout_from_table(cases[i].asked, GP_LAYOUT_NEAREST, &a, &l));
		assert_int_equal(l->table->minor, cases[i].got);
		assert_int_equal(l->go_minor, cases[i].asked);
		assert_non_null(l->warning);
		char want[64];
		snprintf(want, sizeof(want), "no built-in table for go1.%d: using the nearest, go1.%d", cases[i].asked,
			 cases[i].got);
		assert_non_null(strstr(l->warning, want));
		assert_non_null(strstr(l->source_desc, "nearest"));
	}
	/* An exact version never warns, even with the flag. */
	const struct gp_layout *l = NULL;
	assert_null(gp_layout_from_table(24, GP_LAYOUT_NEAREST, &a, &l));
	assert_null(l->warning);
	gp_arena_deinit(&a);
}

static void constants_and_strings(void **state)
{
	struct gp_arena a;
	gp_arena_init(&a);
	(void)state;
	const struct gp_layout *l19 = table(&a, 19), *l22 = table(&a, 22), *l25 = table(&a, 25),
			       *l26 = table(&a, 26), *l27 = table(&a, 27);
	/* waitReason was renumbered in 1.26 (and got GOMAXPROCS updater in 1.25). */
	assert_int_equal(gp_layout_const(l22, GP_K_WAITREASON_CHAN_RECEIVE), 14);
	assert_int_equal(gp_layout_const(l26, GP_K_WAITREASON_CHAN_RECEIVE), 19);
	assert_int_equal(gp_layout_const(l25, GP_K_WAITREASON_SEMACQUIRE), 19);
	const struct gp_layout *ls[] = {l19, l22, l25, l26, l27};
	for (size_t i = 0; i < sizeof(ls) / sizeof(ls[0]); i++) {
		int64_t v = gp_layout_const(ls[i], GP_K_WAITREASON_CHAN_RECEIVE);
		assert_string_equal(gp_layout_string(ls[i], GP_S_WAITREASON, v), "chan receive");
		assert_string_equal(gp_layout_string(ls[i], GP_S_WAITREASON, 0), "");
		assert_null(gp_layout_string(ls[i], GP_S_WAITREASON, 200));
		assert_null(gp_layout_string(ls[i], GP_S_WAITREASON, -1));
		assert_string_equal(gp_layout_string(ls[i], GP_S_GSTATUS, gp_layout_const(ls[i], GP_K_GSTATUS_WAITING)),
				    "waiting");
	}
	assert_string_equal(gp_layout_string(l19, GP_S_WAITREASON, 21), "timer goroutine (idle)");
	assert_int_equal(gp_layout_const(l22, GP_K_WAITREASON_TIMER_GOROUTINE_IDLE), GP_K_ABSENT);
	/* Status values: _Gleaked/_Gdeadextra only from 1.26. */
	assert_int_equal(gp_layout_const(l22, GP_K_GSTATUS_LEAKED), GP_K_ABSENT);
	assert_int_equal(gp_layout_const(l26, GP_K_GSTATUS_LEAKED), 10);
	assert_int_equal(gp_layout_const(l26, GP_K_GSTATUS_DEADEXTRA), 11);
	assert_int_equal(gp_layout_const(l19, GP_K_GSTATUS_SCAN), 0x1000);
	assert_string_equal(gp_layout_string(l26, GP_S_GSTATUS, 10), "leaked");
	assert_null(gp_layout_string(l22, GP_S_GSTATUS, 10));
	/* FuncIDs shift between versions; the 1.19 spelling funcFlag_TOPFRAME is the same constant. */
	assert_int_equal(gp_layout_const(l19, GP_K_FUNCID_WRAPPER), 21);
	assert_int_equal(gp_layout_const(l22, GP_K_FUNCID_WRAPPER), 22);
	assert_int_equal(gp_layout_const(l26, GP_K_FUNCID_WRAPPER), 23);
	assert_int_equal(gp_layout_const(l19, GP_K_FUNCFLAG_TOP_FRAME), 1);
	assert_int_equal(gp_layout_const(l27, GP_K_FUNCFLAG_SP_WRITE), 2);
	assert_int_equal(gp_layout_const(l19, GP_K_FUNCID_RUNFINQ), 16);
	assert_int_equal(gp_layout_const(l26, GP_K_FUNCID_RUNFINQ), GP_K_ABSENT);
	assert_int_equal(gp_layout_const(l19, GP_K_TRACEBACK_MAX_FRAMES), 100);
	assert_int_equal(gp_layout_const(l22, GP_K_TRACEBACK_INNER_FRAMES), 50);
	/* Reverse lookup. */
	assert_int_equal(gp_layout_const_lookup(l22, GP_KG_FUNCID, 22), GP_K_FUNCID_WRAPPER);
	assert_int_equal(gp_layout_const_lookup(l26, GP_KG_FUNCID, 20), GP_K_FUNCID_SIGPANIC);
	assert_int_equal(gp_layout_const_lookup(l26, GP_KG_FUNCID, 99), -1);
	assert_int_equal(gp_layout_const_lookup(l22, GP_KG_GSTATUS, 4), GP_K_GSTATUS_WAITING);
	assert_string_equal(gp_lconst_name(GP_K_FUNCID_WRAPPER), "FUNCID_WRAPPER");
	assert_int_equal(gp_lconst_specs[GP_K_WAITREASON_SLEEP].group, GP_KG_WAITREASON);
	assert_int_equal(gp_lconst_specs[GP_K_TRACEBACK_MAX_FRAMES].group, GP_KG_NONE);
	gp_arena_deinit(&a);
}

static void compare_layouts(void **state)
{
	struct gp_arena a;
	gp_arena_init(&a);
	(void)state;
	struct gp_layout_mismatch *m;
	size_t n;
	assert_null(gp_layout_compare(table(&a, 22), table(&a, 22), &a, &m, &n));
	assert_int_equal(n, 0);
	assert_null(gp_layout_compare(table(&a, 22), table(&a, 23), &a, &m, &n));
	assert_true(n > 10);
	int saw_goid = 0;
	for (size_t i = 0; i < n; i++) {
		if (m[i].field == GP_L_G_GOID) {
			saw_goid = 1;
			assert_int_equal(m[i].a.off, 0x98);
			assert_int_equal(m[i].b.off, 0xa0);
		}
	}
	assert_true(saw_goid);
	/* Entries one side did not measure are not compared. */
	struct gp_layout *x = GP_NEW(&a, struct gp_layout);
	*x = *table(&a, 22);
	x->f[GP_L_G_GOID].off = 0;
	x->origin[GP_L_G_GOID] = GP_LO_FALLBACK;
	x->f[GP_L_M_CURG].off = 0;
	x->origin[GP_L_M_CURG] = GP_LO_DWARF;
	assert_null(gp_layout_compare(x, table(&a, 22), &a, &m, &n));
	assert_int_equal(n, 1);
	assert_int_equal(m[0].field, GP_L_M_CURG);
	gp_arena_deinit(&a);
}

/* ---- DWARF reader failure paths */

static void missing_file(void **state)
{
	struct gp_arena a;
	gp_arena_init(&a);
	(void)state;
	const struct gp_layout *l = NULL;
	struct gp_err *err = gp_layout_from_dwarf("/nonexistent/gopsy-test", 22, 0, &a, &l);
	assert_non_null(err);
	assert_int_equal(gp_err_code(err), GP_ERR_IO);
	gp_err_free(err);
	assert_null(gp_layout_for_binary("/nonexistent/gopsy-test", 22, 1, 0, &a, &l));
	assert_int_equal(l->source, GP_LAYOUT_TABLE);
	assert_non_null(strstr(l->warning, "DWARF unusable"));
	assert_non_null(strstr(l->warning, "/nonexistent/gopsy-test"));
	/* has_dwarf = 0 or GP_LAYOUT_NO_DWARF: the file is not even opened, and nothing to warn about. */
	assert_null(gp_layout_for_binary("/nonexistent/gopsy-test", 22, 0, 0, &a, &l));
	assert_null(l->warning);
	assert_null(gp_layout_for_binary("/nonexistent/gopsy-test", 22, 1, GP_LAYOUT_NO_DWARF, &a, &l));
	assert_null(l->warning);
	gp_arena_deinit(&a);
}

/* The test binary's own DWARF sections (C, no Go types), if it was built with -g. */
struct own_dwarf {
	unsigned char *sec[6];
	size_t len[6];
};
static const char *const own_names[6] = {".debug_info", ".debug_abbrev", ".debug_str", ".debug_line_str",
					  ".debug_str_offsets", ".debug_addr"};

static int read_own_dwarf(struct own_dwarf *d)
{
	memset(d, 0, sizeof(*d));
	int fd = open("/proc/self/exe", O_RDONLY);
	if (fd < 0)
		return 0;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	size_t shstrndx;
	if (!e || elf_getshdrstrndx(e, &shstrndx) != 0) {
		close(fd);
		return 0;
	}
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		GElf_Shdr sh;
		gelf_getshdr(scn, &sh);
		const char *name = elf_strptr(e, shstrndx, sh.sh_name);
		for (int i = 0; name && i < 6; i++) {
			if (strcmp(name, own_names[i]) != 0 || (sh.sh_flags & SHF_COMPRESSED))
				continue;
			Elf_Data *data = elf_getdata(scn, NULL);
			if (data && data->d_size) {
				d->sec[i] = malloc(data->d_size);
				memcpy(d->sec[i], data->d_buf, data->d_size);
				d->len[i] = data->d_size;
			}
		}
	}
	elf_end(e);
	close(fd);
	return d->sec[0] && d->sec[1];
}

static void free_own_dwarf(struct own_dwarf *d)
{
	for (int i = 0; i < 6; i++)
		free(d->sec[i]);
}

struct tsec {
	const char *name;
	uint64_t flags;
	const void *data;
	size_t len;
};

/* Write a minimal ELF file with these sections; returns a malloc'd path. */
static char *write_elf(const struct tsec *secs, int n)
{
	char shstr[512] = "";
	size_t shstr_len = 1, name_off[16];
	for (int i = 0; i < n; i++) {
		name_off[i] = shstr_len;
		shstr_len += (size_t)sprintf(shstr + shstr_len, "%s", secs[i].name) + 1;
	}
	size_t shstr_name = shstr_len;
	shstr_len += (size_t)sprintf(shstr + shstr_len, ".shstrtab") + 1;
	size_t off = sizeof(Elf64_Ehdr), data_off[16];
	for (int i = 0; i < n; i++) {
		off = (off + 7) & ~(size_t)7;
		data_off[i] = off;
		off += secs[i].len;
	}
	size_t shstr_off = off;
	off = (off + shstr_len + 7) & ~(size_t)7;
	size_t shoff = off, nsh = (size_t)n + 2;
	size_t size = shoff + nsh * sizeof(Elf64_Shdr);
	unsigned char *img = calloc(1, size);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_shoff = shoff;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = (Elf64_Half)nsh;
	eh->e_shstrndx = (Elf64_Half)(nsh - 1);
	Elf64_Shdr *sh = (Elf64_Shdr *)(img + shoff);
	for (int i = 0; i < n; i++) {
		memcpy(img + data_off[i], secs[i].data, secs[i].len);
		sh[i + 1] = (Elf64_Shdr){.sh_name = (Elf64_Word)name_off[i], .sh_type = SHT_PROGBITS,
					 .sh_flags = secs[i].flags, .sh_offset = data_off[i], .sh_size = secs[i].len,
					 .sh_addralign = (secs[i].flags & SHF_COMPRESSED) ? 8 : 1};
	}
	memcpy(img + shstr_off, shstr, shstr_len);
	sh[nsh - 1] = (Elf64_Shdr){.sh_name = (Elf64_Word)shstr_name, .sh_type = SHT_STRTAB, .sh_offset = shstr_off,
				   .sh_size = shstr_len, .sh_addralign = 1};
	char *path = strdup("/tmp/gopsy-test-layout-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, img, size), (ssize_t)size);
	close(fd);
	free(img);
	return path;
}

enum { ZLIB_KIND = 1, ZSTD_KIND = 2, BAD_KIND = 99 };

/* An SHF_COMPRESSED payload: Elf64_Chdr + data compressed with kind (BAD_KIND: left as is). */
static unsigned char *compress_section(const unsigned char *in, size_t len, int kind, size_t *out_len)
{
	size_t cap = compressBound(len) + ZSTD_compressBound(len) + sizeof(Elf64_Chdr);
	unsigned char *out = malloc(cap);
	Elf64_Chdr ch = {.ch_type = kind == BAD_KIND ? 99 : (Elf64_Word)kind, .ch_size = len, .ch_addralign = 1};
	memcpy(out, &ch, sizeof(ch));
	size_t n = cap - sizeof(ch);
	if (kind == ZLIB_KIND) {
		uLongf zn = n;
		assert_int_equal(compress2(out + sizeof(ch), &zn, in, len, 6), Z_OK);
		n = zn;
	} else if (kind == ZSTD_KIND) {
		n = ZSTD_compress(out + sizeof(ch), n, in, len, 3);
		assert_false(ZSTD_isError(n));
	} else {
		memcpy(out + sizeof(ch), in, len);
		n = len;
	}
	*out_len = sizeof(ch) + n;
	return out;
}

/* DWARF without Go types: a clean "not found" (not a format error) from the direct reader and
 * through the compressed-section path (zlib, zstd); a table with a warning from for_binary. */
static void dwarf_without_go_types(void **state)
{
	(void)state;
	struct own_dwarf d;
	if (!read_own_dwarf(&d)) {
		free_own_dwarf(&d);
		skip();
	}
	struct gp_arena a;
	gp_arena_init(&a);
	const struct gp_layout *l = NULL;
	struct gp_err *err = gp_layout_from_dwarf("/proc/self/exe", 22, 0, &a, &l);
	assert_non_null(err);
	assert_int_equal(gp_err_code(err), GP_ERR_NOT_FOUND);
	assert_non_null(strstr(gp_err_msg(err), "no Go runtime types"));
	gp_err_free(err);
	assert_null(gp_layout_for_binary("/proc/self/exe", 22, 1, 0, &a, &l));
	assert_int_equal(l->source, GP_LAYOUT_TABLE);
	assert_non_null(strstr(l->warning, "no Go runtime types"));

	for (int kind = ZLIB_KIND; kind <= ZSTD_KIND; kind++) {
		struct tsec secs[6];
		unsigned char *bufs[6] = {0};
		int n = 0;
		for (int i = 0; i < 6; i++) {
			if (!d.sec[i])
				continue;
			size_t len;
			bufs[i] = compress_section(d.sec[i], d.len[i], kind, &len);
			secs[n++] = (struct tsec){own_names[i], SHF_COMPRESSED, bufs[i], len};
		}
		char *path = write_elf(secs, n);
		err = gp_layout_from_dwarf(path, 22, 0, &a, &l);
		assert_non_null(err);
		if (gp_err_code(err) != GP_ERR_NOT_FOUND)
			fail_msg("compression %d: %s", kind, gp_err_msg(err));
		gp_err_free(err);
		unlink(path);
		free(path);
		for (int i = 0; i < 6; i++)
			free(bufs[i]);
	}
	free_own_dwarf(&d);
	gp_arena_deinit(&a);
}

/* Broken compressed sections: format errors with a reason, and a table fallback. */
static void corrupt_compressed_sections(void **state)
{
	(void)state;
	struct own_dwarf d;
	if (!read_own_dwarf(&d)) {
		free_own_dwarf(&d);
		skip();
	}
	struct gp_arena a;
	gp_arena_init(&a);
	size_t info_len, abbrev_len;
	unsigned char *info = compress_section(d.sec[0], d.len[0], ZLIB_KIND, &info_len);
	unsigned char *abbrev = compress_section(d.sec[1], d.len[1], ZLIB_KIND, &abbrev_len);
	unsigned char *garbage = malloc(info_len);
	memcpy(garbage, info, sizeof(Elf64_Chdr));
	for (size_t i = sizeof(Elf64_Chdr); i < info_len; i++)
		garbage[i] = (unsigned char)(i * 7919u >> 3);
	unsigned char *huge = malloc(info_len);
	memcpy(huge, info, info_len);
	((Elf64_Chdr *)huge)->ch_size = (Elf64_Xword)1 << 40;
	unsigned char *bigger = malloc(info_len);
	memcpy(bigger, info, info_len);
	((Elf64_Chdr *)bigger)->ch_size += 100;
	size_t bad_len;
	unsigned char *bad = compress_section(d.sec[0], d.len[0], BAD_KIND, &bad_len);
	struct {
		const void *data;
		size_t len;
		const char *why;
	} cases[] = {
		{garbage, info_len, "decompressing"},
		{info, info_len / 2, "truncated"},
		{huge, info_len, "claims"},
		{bigger, info_len, "header says"},
		{bad, bad_len, "unknown compression type"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tsec secs[] = {{".debug_info", SHF_COMPRESSED, cases[i].data, cases[i].len},
				      {".debug_abbrev", SHF_COMPRESSED, abbrev, abbrev_len}};
		char *path = write_elf(secs, 2);
		const struct gp_layout *l = NULL;
		struct gp_err *err = gp_layout_from_dwarf(path, 22, 0, &a, &l);
		assert_non_null(err);
		if (gp_err_code(err) != GP_ERR_FORMAT || !strstr(gp_err_msg(err), cases[i].why))
			fail_msg("case %zu: want a format error about \"%s\", got: %s", i, cases[i].why, gp_err_msg(err));
		gp_err_free(err);
		assert_null(gp_layout_for_binary(path, 22, 1, 0, &a, &l));
		assert_int_equal(l->source, GP_LAYOUT_TABLE);
		assert_non_null(l->warning);
		unlink(path);
		free(path);
	}
	free(info);
	free(abbrev);
	free(garbage);
	free(huge);
	free(bigger);
	free(bad);
	free_own_dwarf(&d);
	gp_arena_deinit(&a);
}

/* Randomly corrupted (uncompressed) DWARF must never crash the reader. */
static void random_corruption_does_not_crash(void **state)
{
	(void)state;
	struct own_dwarf d;
	if (!read_own_dwarf(&d)) {
		free_own_dwarf(&d);
		skip();
	}
	struct gp_arena a;
	gp_arena_init(&a);
	uint32_t rng = 12345;
	unsigned char *info = malloc(d.len[0]), *abbrev = malloc(d.len[1]);
	for (int iter = 0; iter < 60; iter++) {
		memcpy(info, d.sec[0], d.len[0]);
		memcpy(abbrev, d.sec[1], d.len[1]);
		int flips = 1 + iter % 8;
		for (int k = 0; k < flips; k++) {
			rng = rng * 1103515245u + 12345u;
			unsigned char *p = (iter % 3 == 0) ? abbrev : info;
			size_t len = (iter % 3 == 0) ? d.len[1] : d.len[0];
			/* Bias towards the start, where the unit headers and first DIEs are. */
			size_t at = (rng >> 8) % (len < 4096 ? len : 4096);
			p[at] ^= (unsigned char)(1u << (rng % 8));
		}
		struct tsec secs[4];
		int n = 0;
		secs[n++] = (struct tsec){".debug_info", 0, info, d.len[0]};
		secs[n++] = (struct tsec){".debug_abbrev", 0, abbrev, d.len[1]};
		if (d.sec[2])
			secs[n++] = (struct tsec){".debug_str", 0, d.sec[2], d.len[2]};
		if (d.sec[3])
			secs[n++] = (struct tsec){".debug_line_str", 0, d.sec[3], d.len[3]};
		char *path = write_elf(secs, n);
		const struct gp_layout *l = NULL;
		assert_null(gp_layout_for_binary(path, 22, 1, 0, &a, &l));
		assert_int_equal(l->source, GP_LAYOUT_TABLE); /* never Go types: always the table */
		assert_non_null(l->warning);
		unlink(path);
		free(path);
	}
	free(info);
	free(abbrev);
	free_own_dwarf(&d);
	gp_arena_deinit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_versions_present),
		cmocka_unit_test(required_fields_everywhere),
		cmocka_unit_test(known_values),
		cmocka_unit_test(table_layout_and_source),
		cmocka_unit_test(unknown_version_is_an_error),
		cmocka_unit_test(nearest_version_warns),
		cmocka_unit_test(constants_and_strings),
		cmocka_unit_test(compare_layouts),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(dwarf_without_go_types),
		cmocka_unit_test(corrupt_compressed_sections),
		cmocka_unit_test(random_corruption_does_not_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
