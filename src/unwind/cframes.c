/* cframes.c — C frames with libdwfl (see cframes.h). */
#include "unwind/cframes.h"
#include "base/sort.h"

#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
	MAX_MODULES = 1024,    /* distinct executable files reported (a process has tens) */
	MAX_MAPPINGS = 1 << 20, /* NT_FILE entries considered */
	MAX_PROBLEMS = 32,
	PAGE = 4096,           /* x86-64 */
	MAX_BUILD_ID = 64,
	NDWARF = 17,           /* x86-64 DWARF registers 0-15 and the return address column (rip) */
};

/* One reported module. */
struct cmod {
	const char *path;
	uint64_t lo, hi;  /* run-time range */
	uint64_t bias;    /* run-time minus link-time (for a module without ELF: start - file offset of
	                   * its first mapping) */
	int has_elf;
};

struct gp_cunwind {
	const struct gp_target *t;
	const struct gp_gobin *b;
	struct gp_arena *a;
	Dwfl *dwfl;
	pid_t tid;
	struct cmod *mods;
	size_t nmods, capmods;
	const char **problems;
	size_t nproblems, capproblems;
	/* The walk in progress. */
	const uint64_t *regs;
	uint64_t known;
	struct gp_cframes *out;
	size_t max, cap;
	size_t nseen;     /* frames libdwfl has handed over in this walk */
	struct gp_err *err;
};

/* gp_thread.regs index of each x86-64 DWARF register (System V psABI numbering). */
static const int dwarf_reg[NDWARF] = {
	GP_X86_RAX, GP_X86_RDX, GP_X86_RCX, GP_X86_RBX, GP_X86_RSI, GP_X86_RDI, GP_X86_RBP, GP_X86_RSP,
	GP_X86_R8,  GP_X86_R9,  GP_X86_R10, GP_X86_R11, GP_X86_R12, GP_X86_R13, GP_X86_R14, GP_X86_R15,
	GP_X86_RIP,
};

static void problem(struct gp_cunwind *u, const char *fmt, ...) GP_PRINTF(2, 3);
static void problem(struct gp_cunwind *u, const char *fmt, ...)
{
	if (u->nproblems >= MAX_PROBLEMS)
		return;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	char *s = gp_arena_strdup(u->a, buf);
	void *items = u->problems;
	if (!s || !gp_arena_grow(u->a, &items, u->nproblems, &u->capproblems, sizeof(*u->problems), 4))
		return;
	u->problems = items;
	u->problems[u->nproblems++] = s;
}

/* ---- libdwfl callbacks */

/* Every module is reported with its ELF, or deliberately without one (cframes.h): nothing to find. */
static int find_elf_none(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			 char **file_name, Elf **elfp)
{
	(void)mod, (void)userdata, (void)modname, (void)base, (void)file_name;
	*elfp = NULL;
	return -1;
}

/* dwfl_build_id_find_debuginfo: /usr/lib/debug/.build-id only (dwfl_standard_find_debuginfo would
 * also ask debuginfod servers when DEBUGINFOD_URLS is set). */
static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = find_elf_none,
	.find_debuginfo = dwfl_build_id_find_debuginfo,
};

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	(void)dwfl;
	if (*thread_argp)
		return 0;
	*thread_argp = arg;
	return ((struct gp_cunwind *)arg)->tid;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	(void)dwfl;
	const struct gp_cunwind *u = arg;
	uint64_t v;
	const void *p = gp_target_ptr(u->t, addr, sizeof(v));
	if (p) {
		memcpy(&v, p, sizeof(v));
	} else {
		struct gp_err *err = gp_target_read(u->t, addr, &v, sizeof(v));
		if (err) {
			gp_err_free(err);
			return false;
		}
	}
	*result = v;
	return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	const struct gp_cunwind *u = arg;
	Dwarf_Word w[NDWARF];
	for (int d = 0; d < NDWARF; d++)
		w[d] = u->regs[dwarf_reg[d]];
	if (u->known == GP_CFRAMES_ALL_REGS) {
		if (!dwfl_thread_state_registers(thread, 0, NDWARF, w))
			return false;
	} else {
		for (int d = 0; d < NDWARF; d++)
			if ((u->known >> dwarf_reg[d] & 1) && !dwfl_thread_state_registers(thread, d, 1, &w[d]))
				return false;
	}
	dwfl_thread_state_register_pc(thread, u->regs[GP_X86_RIP]);
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

/* ---- reporting the modules */

/* Open path only if it is a regular file (an NT_FILE path may name a FIFO or a device here). */
static int open_regular(const char *path, char *why, size_t whylen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, whylen, "%s", errno == ENOENT ? "missing here" : "cannot be opened here");
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(why, whylen, "not a regular file here");
		return -1;
	}
	return fd;
}

static int by_path_then_start(const void *x, const void *y)
{
	const struct gp_mapped_file *a = *(const struct gp_mapped_file *const *)x;
	const struct gp_mapped_file *b = *(const struct gp_mapped_file *const *)y;
	int c = strcmp(a->path, b->path);
	if (c)
		return c;
	return a->start < b->start ? -1 : a->start > b->start;
}

/* Load bias of an ELF file mapped as maps[0..n) (sorted by start): the first mapping whose file
 * offset is where a PT_LOAD segment starts (page-aligned) gives it. Also the run-time range of its
 * PT_LOAD segments. -1 when nothing matches or the numbers are absurd. */
static int elf_placement(Elf *elf, struct gp_mapped_file *const *maps, size_t n, uint64_t *bias, uint64_t *lo,
			 uint64_t *hi)
{
	GElf_Ehdr eh;
	size_t phnum;
	if (!gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64 || (eh.e_type != ET_DYN && eh.e_type != ET_EXEC) ||
	    elf_getphdrnum(elf, &phnum) != 0)
		return -1;
	int found = 0;
	for (size_t i = 0; i < n && !found; i++) {
		for (size_t j = 0; j < phnum && !found; j++) {
			GElf_Phdr ph;
			if (!gelf_getphdr(elf, (int)j, &ph) || ph.p_type != PT_LOAD)
				continue;
			if ((ph.p_offset & ~(uint64_t)(PAGE - 1)) == maps[i]->file_offset) {
				*bias = maps[i]->start - (ph.p_vaddr & ~(uint64_t)(PAGE - 1));
				found = 1;
			}
		}
	}
	if (!found || (eh.e_type == ET_EXEC && *bias != 0))
		return -1;
	uint64_t l = UINT64_MAX, h = 0;
	for (size_t j = 0; j < phnum; j++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)j, &ph) || ph.p_type != PT_LOAD)
			continue;
		uint64_t s = (ph.p_vaddr & ~(uint64_t)(PAGE - 1)) + *bias, e = ph.p_vaddr + ph.p_memsz + *bias;
		if (e < s || ph.p_vaddr + ph.p_memsz < ph.p_vaddr)
			return -1;
		l = s < l ? s : l;
		h = e > h ? e : h;
	}
	if (l >= h)
		return -1;
	*lo = l;
	*hi = h;
	return 0;
}

/* Compare the file's GNU build ID with the bytes the process holds at its run-time address: 1 same,
 * -1 different, 0 cannot tell (no build ID, or that page was not dumped). */
static int build_id_matches(Elf *elf, const struct gp_target *t, uint64_t bias)
{
	size_t phnum;
	if (elf_getphdrnum(elf, &phnum) != 0)
		return 0;
	for (size_t j = 0; j < phnum; j++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)j, &ph) || ph.p_type != PT_NOTE)
			continue;
		Elf_Data *d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz,
						   ph.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
		if (!d)
			continue;
		size_t off = 0, name_off, desc_off;
		GElf_Nhdr nh;
		while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((const char *)d->d_buf + name_off, "GNU", 4) || !nh.n_descsz ||
			    nh.n_descsz > MAX_BUILD_ID)
				continue;
			const void *mem = gp_target_mem_ptr(t, ph.p_vaddr + desc_off + bias, nh.n_descsz);
			if (!mem)
				return 0;
			return memcmp(mem, (const char *)d->d_buf + desc_off, nh.n_descsz) ? -1 : 1;
		}
	}
	return 0;
}

static int overlaps(const struct gp_cunwind *u, uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < u->nmods; i++)
		if (lo < u->mods[i].hi && u->mods[i].lo < hi)
			return 1;
	return 0;
}

static struct gp_err *add_mod(struct gp_cunwind *u, Dwfl_Module *m, const char *path, uint64_t lo, uint64_t hi,
			      uint64_t bias, int has_elf)
{
	void *items = u->mods;
	if (!gp_arena_grow(u->a, &items, u->nmods, &u->capmods, sizeof(*u->mods), 16))
		return &gp_err_nomem;
	u->mods = items;
	struct cmod *c = &u->mods[u->nmods++];
	c->path = gp_arena_strdup(u->a, path);
	if (!c->path)
		return &gp_err_nomem;
	c->lo = lo;
	c->hi = hi;
	c->bias = bias;
	c->has_elf = has_elf;
	void **ud;
	dwfl_module_info(m, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
	*ud = (void *)(uintptr_t)u->nmods; /* index + 1 */
	return NULL;
}

/* A module whose file cannot be used: its range, so that its frames are named. */
static struct gp_err *report_without_elf(struct gp_cunwind *u, const char *path, struct gp_mapped_file *const *maps,
					 size_t n)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < n; i++) {
		lo = maps[i]->start < lo ? maps[i]->start : lo;
		hi = maps[i]->end > hi ? maps[i]->end : hi;
	}
	if (lo >= hi || overlaps(u, lo, hi))
		return NULL;
	Dwfl_Module *m = dwfl_report_module(u->dwfl, path, lo, hi);
	if (!m)
		return NULL;
	return add_mod(u, m, path, lo, hi, maps[0]->start - maps[0]->file_offset, 0);
}

/* Report one file of NT_FILE (maps: its mappings, sorted by start). */
static struct gp_err *report_file(struct gp_cunwind *u, const char *path, struct gp_mapped_file *const *maps,
				  size_t n)
{
	char why[128];
	int fd = open_regular(path, why, sizeof(why));
	if (fd < 0) {
		problem(u, "%s: %s; its frames are unsymbolized", path, why);
		return report_without_elf(u, path, maps, n);
	}
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	uint64_t bias = 0, lo = 0, hi = 0;
	int placed = elf && elf_kind(elf) == ELF_K_ELF ? elf_placement(elf, maps, n, &bias, &lo, &hi) : -1;
	int same = placed == 0 ? build_id_matches(elf, u->t, bias) : 0;
	if (elf)
		elf_end(elf);
	const char *bad = placed != 0 ? "not an x86-64 ELF file that fits its mappings"
			  : same < 0  ? "its GNU build ID differs from the one the process had mapped"
			  : overlaps(u, lo, hi) ? "its segments overlap another module's"
						: NULL;
	if (bad) {
		close(fd);
		problem(u, "%s: %s; its frames are unsymbolized", path, bad);
		return report_without_elf(u, path, maps, n);
	}
	Dwfl_Module *m = dwfl_report_elf(u->dwfl, path, path, fd, bias, true);
	if (!m) {
		close(fd);
		problem(u, "%s: libdwfl refused it (%s); its frames are unsymbolized", path, dwfl_errmsg(-1));
		return report_without_elf(u, path, maps, n);
	}
	return add_mod(u, m, path, lo, hi, bias, 1);
}

/* The executable: the target's file (maybe given with --exe, so not NT_FILE's path), at its bias. */
static struct gp_err *report_exe(struct gp_cunwind *u, Dwfl_Module **out)
{
	const struct gp_exe *exe = u->t->exe;
	*out = NULL;
	char why[128];
	int fd = open_regular(exe->path, why, sizeof(why));
	if (fd < 0) {
		problem(u, "%s: %s; the executable's C frames are unsymbolized", exe->path, why);
		return NULL;
	}
	Dwfl_Module *m = dwfl_report_elf(u->dwfl, exe->path, exe->path, fd, u->t->bias, true);
	if (!m) {
		close(fd);
		problem(u, "%s: libdwfl refused it (%s); the executable's C frames are unsymbolized", exe->path,
			dwfl_errmsg(-1));
		return NULL;
	}
	Dwarf_Addr lo = 0, hi = 0;
	dwfl_module_info(m, NULL, &lo, &hi, NULL, NULL, NULL, NULL);
	*out = m;
	return add_mod(u, m, exe->path, lo, hi, u->t->bias, 1);
}

static struct gp_err *report_modules(struct gp_cunwind *u, Dwfl_Module **exe_mod)
{
	const struct gp_image *core = u->t->img;
	struct gp_err *err = report_exe(u, exe_mod);
	if (err)
		return err;
	size_t n = core->nfiles < MAX_MAPPINGS ? core->nfiles : MAX_MAPPINGS;
	struct gp_mapped_file **maps = n ? GP_NEWN(u->a, struct gp_mapped_file *, n) : NULL;
	if (n && !maps)
		return &gp_err_nomem;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (core->files[i].path && core->files[i].path[0] && core->files[i].start < core->files[i].end)
			maps[k++] = &core->files[i];
	if (k)
		gp_sort(maps, k, sizeof(*maps), by_path_then_start);
	const char *exe_path = gp_image_exe_path(core);
	size_t reported = 0;
	for (size_t i = 0, j; i < k; i = j) {
		int exec = 0;
		for (j = i; j < k && !strcmp(maps[j]->path, maps[i]->path); j++) {
			const struct gp_segment *s = gp_image_segment_at(core, maps[j]->start);
			exec |= s && (s->flags & PF_X);
		}
		if (!exec || (exe_path && !strcmp(maps[i]->path, exe_path)))
			continue;
		if (reported++ == MAX_MODULES) {
			problem(u, "more than %d executable files are mapped; the others are not used", MAX_MODULES);
			break;
		}
		if ((err = report_file(u, maps[i]->path, &maps[i], j - i)))
			return err;
	}
	return NULL;
}

struct gp_err *gp_cunwind_open(const struct gp_target *t, const struct gp_gobin *b, struct gp_arena *a,
			       struct gp_cunwind **out)
{
	*out = NULL;
	struct gp_cunwind *u = calloc(1, sizeof(*u));
	if (!u)
		return &gp_err_nomem;
	u->t = t;
	u->b = b;
	u->a = a;
	u->tid = t->img->pid > 0 ? t->img->pid : 1;
	u->dwfl = dwfl_begin(&dwfl_callbacks);
	if (!u->dwfl) {
		free(u);
		return gp_errorf(GP_ERR_INTERNAL, "libdwfl: %s", dwfl_errmsg(-1));
	}
	dwfl_report_begin(u->dwfl);
	Dwfl_Module *exe_mod = NULL;
	struct gp_err *err = report_modules(u, &exe_mod);
	if (dwfl_report_end(u->dwfl, NULL, NULL) != 0 && !err)
		err = gp_errorf(GP_ERR_INTERNAL, "libdwfl: reporting modules: %s", dwfl_errmsg(-1));
	Dwarf_Addr ebias;
	Elf *exe_elf = exe_mod ? dwfl_module_getelf(exe_mod, &ebias) : NULL;
	if (!err && !dwfl_attach_state(u->dwfl, exe_elf, u->tid, &thread_callbacks, u))
		err = gp_errorf(GP_ERR_UNSUPPORTED, "libdwfl cannot unwind this process: %s", dwfl_errmsg(-1));
	if (err) {
		gp_cunwind_close(u);
		return err;
	}
	*out = u;
	return NULL;
}

void gp_cunwind_close(struct gp_cunwind *u)
{
	if (!u)
		return;
	if (u->dwfl)
		dwfl_end(u->dwfl);
	free(u);
}

/* ---- the walk */

static const char *dupe(struct gp_cunwind *u, const char *s)
{
	if (!s)
		return NULL;
	const char *d = gp_arena_strdup(u->a, s);
	if (!d)
		u->err = &gp_err_nomem;
	return d;
}

/* The Go function of the executable's text at run-time pc, or NULL: a pclntab function with a pcsp
 * table (internally linked C code can have records without one). */
static const char *go_func_at(const struct gp_cunwind *u, uint64_t pc)
{
	struct gp_func f;
	if (pc < u->t->bias || gp_pclntab_findfunc(&u->b->pcln, pc - u->t->bias, &f) != 0 || !f.pcsp)
		return NULL;
	return gp_pclntab_funcname(&u->b->pcln, &f);
}

static void describe(struct gp_cunwind *u, uint64_t pc, int initial, struct gp_cframe *f)
{
	uint64_t at = initial ? pc : pc - 1;
	memset(f, 0, sizeof(*f));
	f->pc = pc;
	f->initial = initial;
	Dwfl_Module *m = dwfl_addrmodule(u->dwfl, at);
	void **ud = NULL;
	if (m)
		dwfl_module_info(m, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
	size_t idx = ud ? (size_t)(uintptr_t)*ud : 0;
	if (!idx || idx > u->nmods) {
		const struct gp_mapped_file *mf = gp_image_file_at(u->t->img, at);
		if (mf) {
			f->module = dupe(u, mf->path);
			f->module_off = pc - (mf->start - mf->file_offset);
		}
		return;
	}
	const struct cmod *c = &u->mods[idx - 1];
	f->module = c->path;
	f->module_off = pc - c->bias;
	if (!c->has_elf)
		return;
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *name = dwfl_module_addrinfo(m, at, &off, &sym, NULL, NULL, NULL);
	if (name) {
		f->symbol = dupe(u, name);
		f->symoff = off + (pc - at);
	}
	Dwfl_Line *line = dwfl_module_getsrc(m, at);
	int lineno = 0;
	const char *file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
	if (file) {
		f->file = dupe(u, file);
		f->line = lineno;
	}
}

static void stop(struct gp_cunwind *u, enum gp_cframes_stop why, const char *fmt, ...) GP_PRINTF(3, 4);
static void stop(struct gp_cunwind *u, enum gp_cframes_stop why, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	u->out->stop = why;
	u->out->stop_msg = dupe(u, buf);
}

static int on_frame(Dwfl_Frame *state, void *arg)
{
	struct gp_cunwind *u = arg;
	struct gp_cframes *o = u->out;
	Dwarf_Addr pc;
	bool activation = u->nseen++ == 0;
	if (!dwfl_frame_pc(state, &pc, NULL)) {
		stop(u, GP_CFRAMES_FAILED, "no pc for the frame after %zu C frames: %s", o->n, dwfl_errmsg(-1));
		return DWARF_CB_ABORT;
	}
	/* Whether a frame other than the first is an activation (follows a signal frame) libdwfl
	 * finds out by unwinding it one step further; a Go frame is not asked: that step would go
	 * through Go's .debug_frame, and loading the Go DWARF (decompressing it) costs milliseconds. */
	const char *go = go_func_at(u, activation ? pc : pc - 1);
	if (!go && !activation) {
		if (!dwfl_frame_pc(state, &pc, &activation)) {
			stop(u, GP_CFRAMES_FAILED, "no pc for the frame after %zu C frames: %s", o->n,
			     dwfl_errmsg(-1));
			return DWARF_CB_ABORT;
		}
		if (activation)
			go = go_func_at(u, pc);
	}
	if (go) {
		o->stop_pc = pc;
		o->stop_func = dupe(u, go);
		stop(u, GP_CFRAMES_GO, "reached Go code: %s at %#llx", go, (unsigned long long)pc);
		return DWARF_CB_ABORT;
	}
	if (o->n >= u->max) {
		stop(u, GP_CFRAMES_MAX, "stopped after %zu C frames (the limit)", o->n);
		return DWARF_CB_ABORT;
	}
	void *items = o->frames;
	if (!gp_arena_grow(u->a, &items, o->n, &u->cap, sizeof(*o->frames), 16)) {
		u->err = &gp_err_nomem;
		return DWARF_CB_ABORT;
	}
	o->frames = items;
	describe(u, pc, activation, &o->frames[o->n++]);
	return u->err ? DWARF_CB_ABORT : DWARF_CB_OK;
}

struct gp_err *gp_cunwind_frames(struct gp_cunwind *u, const uint64_t regs[GP_X86_NREGS], uint64_t known,
				 size_t max, struct gp_cframes *out)
{
	memset(out, 0, sizeof(*out));
	out->problems = u->problems;
	out->nproblems = u->nproblems;
	if (!(known >> GP_X86_RIP & 1) || !(known >> GP_X86_RSP & 1) || !max)
		return gp_errorf(GP_ERR_USAGE, "unwinding C frames needs rip, rsp and room for one frame");
	u->regs = regs;
	u->known = known;
	u->out = out;
	u->max = max;
	u->cap = 0;
	u->nseen = 0;
	u->err = NULL;
	int rc = dwfl_getthread_frames(u->dwfl, u->tid, on_frame, u);
	if (!out->stop) {
		if (rc == 0)
			stop(u, GP_CFRAMES_END, "the outermost frame: no caller after %zu C frames", out->n);
		else
			stop(u, GP_CFRAMES_FAILED, "no caller found after %zu C frames: %s", out->n, dwfl_errmsg(-1));
	}
	u->out = NULL;
	u->regs = NULL;
	return u->err;
}

struct gp_err *gp_cframes_unwind(const struct gp_target *t, const struct gp_gobin *b,
				 const uint64_t regs[GP_X86_NREGS], struct gp_arena *a, size_t max,
				 struct gp_cframes *out)
{
	memset(out, 0, sizeof(*out));
	struct gp_cunwind *u;
	struct gp_err *err = gp_cunwind_open(t, b, a, &u);
	if (err)
		return err;
	err = gp_cunwind_frames(u, regs, GP_CFRAMES_ALL_REGS, max, out);
	gp_cunwind_close(u);
	return err;
}
