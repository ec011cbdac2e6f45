/* pclntab.h — Go's own symbol table: the pclntab (runtime/symtab.go), which survives stripping.
 *
 * Owns: locating the pcHeader (section .gopclntab / .data.rel.ro.gopclntab, else by magic), decoding
 * the function table (findfunc), function records (_func), names, pc-value tables (pcsp, pcfile,
 * pcln, pcdata), funcdata, and the inline tree. Formats: magic 0xfffffff0 (Go 1.18–1.19; 40-byte
 * _func, 20-byte inlinedCall) and 0xfffffff1 (Go 1.20+; 44-byte _func with startLine, 16-byte
 * inlinedCall). The few moduledata fields it needs (text, minpc/maxpc, gofunc) come from
 * gobin/moduledata.h and are passed in by the caller.
 *
 * All addresses are link-time addresses of the executable; callers add the load bias of a PIE.
 * Every table access is bounds-checked: a corrupt table yields "not found"/-1, never a wild read.
 */
#ifndef GOPSY_GOBIN_PCLNTAB_H
#define GOPSY_GOBIN_PCLNTAB_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "target/exe.h"

enum { GP_PCLN_MAGIC_118 = 0xfffffff0u, GP_PCLN_MAGIC_120 = 0xfffffff1u };

/* PCDATA and FUNCDATA indices (internal/abi/symtab.go; identical 1.19–1.27). */
enum { GP_PCDATA_UNSAFEPOINT = 0, GP_PCDATA_STACKMAPINDEX = 1, GP_PCDATA_INLTREEINDEX = 2,
       GP_PCDATA_ARGLIVEINDEX = 3 };
enum { GP_FUNCDATA_ARGSPOINTERMAPS = 0, GP_FUNCDATA_LOCALSPOINTERMAPS = 1, GP_FUNCDATA_STACKOBJECTS = 2,
       GP_FUNCDATA_INLTREE = 3, GP_FUNCDATA_OPENCODEDDEFERINFO = 4, GP_FUNCDATA_ARGINFO = 5,
       GP_FUNCDATA_ARGLIVEINFO = 6, GP_FUNCDATA_WRAPINFO = 7 };
/* FuncFlag bits. */
enum { GP_FUNCFLAG_TOPFRAME = 1, GP_FUNCFLAG_SPWRITE = 2, GP_FUNCFLAG_ASM = 4 };

struct gp_pclntab {
	const struct gp_exe *exe;
	uint64_t addr;              /* link-time address of the pcHeader */
	const unsigned char *base;  /* file bytes of the pcHeader */
	size_t size;                /* bytes available from base (to the end of the table or segment) */
	const char *where;          /* how it was found: ".gopclntab", "magic search", ... */
	uint32_t magic;
	uint8_t minlc, ptrsize;
	uint64_t nfunc, nfiles;
	uint64_t hdr_text;          /* pcHeader.textStart (0 in Go 1.26+) */
	uint64_t funcname_off, cu_off, filetab_off, pctab_off, pcln_off; /* from the pcHeader */
	size_t func_size;           /* sizeof(_func): 40 or 44 */
	/* From moduledata (or fallbacks), set by gp_pclntab_set_text: */
	uint64_t text;              /* moduledata.text: entryOff values are relative to it */
	uint64_t gofunc;            /* moduledata.gofunc: funcdata offsets are relative to it; 0 unknown */
};

/* One function record. `raw` points at the _func in the file. */
struct gp_func {
	const unsigned char *raw;
	uint64_t entry;       /* link-time entry pc */
	int32_t name_off;
	int32_t args;
	uint32_t deferreturn;
	uint32_t pcsp, pcfile, pcln, npcdata, cu_off;
	int32_t start_line;   /* 0 before Go 1.20 */
	uint8_t funcid, flag, nfuncdata;
};

/* One logical frame at a pc: innermost inlined call first. */
struct gp_inline_frame {
	const char *name;     /* raw name from funcnametab */
	uint8_t funcid;
	const char *file;     /* "?" when unknown */
	int32_t line;         /* 0 when unknown */
	uint32_t name_len, file_len; /* strlen of name and file (kept with cached frames: printers
	                              * need them for every frame they write) */
	int inlined;          /* 1 for inlined frames, 0 for the physical function (last) */
	uint64_t pc;          /* link-time pc the position was looked up at: the pc given for the
	                       * innermost frame, the parentPc of the call inlined into it for the others */
};

/* Find the pcHeader in exe. GP_ERR_NOT_FOUND if there is none (not a Go binary), GP_ERR_UNSUPPORTED
 * for pclntab formats older than Go 1.18. */
struct gp_err *gp_pclntab_open(const struct gp_exe *exe, struct gp_pclntab *t) GP_MUST_USE;

/* Decode a pcHeader at p (avail bytes readable, link-time address addr). exe is used for error
 * messages and for funcdata reads only. gp_pclntab_open calls this; tests and fuzzers call it on
 * crafted bytes. */
struct gp_err *gp_pclntab_parse(const struct gp_exe *exe, const unsigned char *p, size_t avail, uint64_t addr,
				struct gp_pclntab *t) GP_MUST_USE;

/* Validate and adopt the module's text start and gofunc (0 if unknown: inline trees and funcdata
 * are then unavailable). */
struct gp_err *gp_pclntab_set_module(struct gp_pclntab *t, uint64_t text, uint64_t gofunc) GP_MUST_USE;

/* Text range covered by the function table: [minpc, maxpc). */
uint64_t gp_pclntab_minpc(const struct gp_pclntab *t);
uint64_t gp_pclntab_maxpc(const struct gp_pclntab *t);

/* The i-th function (0 <= i < nfunc); 0 on success, -1 if the record is out of bounds. */
int gp_pclntab_func_at(const struct gp_pclntab *t, uint64_t i, struct gp_func *f);
/* findfunc(pc): 0 and *f filled, or -1 when pc is outside every function. */
int gp_pclntab_findfunc(const struct gp_pclntab *t, uint64_t pc, struct gp_func *f);

/* The function named name (a linear scan: for the few functions looked up by name once per run);
 * 0 and *f, and *end = the next function's entry (the end of its code), or -1 when absent. */
int gp_pclntab_func_by_name(const struct gp_pclntab *t, const char *name, struct gp_func *f, uint64_t *end);

/* Name of f ("" when nameOff is out of bounds). Offset 0 is a real name, as debug/gosym reads it;
 * the runtime prints "" for nameOff 0 (runtime.funcname), which is the traceback renderer's rule. */
const char *gp_pclntab_funcname(const struct gp_pclntab *t, const struct gp_func *f);
/* Name at a funcnametab offset. */
const char *gp_pclntab_name_at(const struct gp_pclntab *t, int32_t off);

/* pcvalue: the value of the table at table offset off for pc (within f), or -1 when absent. If
 * next_pc is not NULL it receives the end of the range the value holds for. */
int32_t gp_pclntab_pcvalue(const struct gp_pclntab *t, const struct gp_func *f, uint32_t off, uint64_t pc,
			   uint64_t *next_pc);
int32_t gp_pclntab_pcdata(const struct gp_pclntab *t, const struct gp_func *f, uint32_t idx, uint64_t pc);
/* File name for a per-CU file index (pcfile value), or "?" */
const char *gp_pclntab_file(const struct gp_pclntab *t, const struct gp_func *f, int32_t fileno);
/* funcline(f, pc): file and line at pc ("?", 0 when unknown). */
void gp_pclntab_funcline(const struct gp_pclntab *t, const struct gp_func *f, uint64_t pc, const char **file,
			 int32_t *line);
/* Link-time address of funcdata idx, or 0 when absent (or gofunc unknown). */
uint64_t gp_pclntab_funcdata(const struct gp_pclntab *t, const struct gp_func *f, uint32_t idx);

/* Expand the inline tree at pc in f: writes up to max frames, innermost first, the physical
 * function last; returns the number of frames (at least 1), capped at max. */
size_t gp_pclntab_inline_frames(const struct gp_pclntab *t, const struct gp_func *f, uint64_t pc,
				struct gp_inline_frame *out, size_t max);

#endif
