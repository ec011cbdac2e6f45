/* gopsy.h — the public interface of libgopsy, for embedding gopsy's analyses in other programs.
 *
 * Conventions (shared by the whole library):
 *  - fallible functions return `struct gp_err *`: NULL on success, else an error the caller owns
 *    and releases with gp_err_free() (see gp_err_code()/gp_err_msg());
 *  - everything a context returns lives in the context's arena and is valid until the context is
 *    destroyed; nothing returned by the library is freed by the caller except errors;
 *  - the library has no global mutable state: two contexts can be used from two threads.
 */
#ifndef GOPSY_H
#define GOPSY_H

#ifdef __cplusplus
extern "C" {
#endif

#define GOPSY_VERSION "0.1.0"

enum gp_errcode {
	GP_ERR_NOMEM = 1,   /* out of memory */
	GP_ERR_IO,          /* a file could not be opened/read/mapped */
	GP_ERR_FORMAT,      /* input is not what it claims to be (bad ELF, bad pclntab, ...) */
	GP_ERR_TRUNCATED,   /* input ends early or lacks a needed part (missing core segment, ...) */
	GP_ERR_UNSUPPORTED, /* understood but not supported (Go version, architecture, ...) */
	GP_ERR_NOT_FOUND,   /* a looked-for thing is absent (symbol, section, goroutine, ...) */
	GP_ERR_MISMATCH,    /* inputs do not belong together (core vs executable build ID) */
	GP_ERR_USAGE,       /* caller error: bad arguments */
	GP_ERR_INTERNAL,    /* a bug in gopsy */
	GP_ERR_DENIED,      /* the system refused (ptrace not permitted, process traced by another) */
	GP_ERR_GONE,        /* a live process (or thread) exited while being read */
};

struct gp_err;

enum gp_errcode gp_err_code(const struct gp_err *err);
const char *gp_err_msg(const struct gp_err *err);
void gp_err_free(struct gp_err *err);

/* Version of the library, e.g. "0.1.0". */
const char *gp_version(void);

#ifdef __cplusplus
}
#endif

#endif
