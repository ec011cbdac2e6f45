/* sigctx.c — signal contexts from sigtramp frames (see sigctx.h). */
#include "unwind/sigctx.h"

#include <string.h>

/* Offsets in the kernel's rt_sigframe, from sigtramp's fp (arch/x86/include/asm/sigframe.h,
 * uapi/asm/sigcontext.h). */
enum {
	UC_MCONTEXT = 40, UC_SIZE = 304, MAX_WALK = 64,
	SC_R8 = 0, SC_R9 = 8, SC_R10 = 16, SC_R11 = 24, SC_R12 = 32, SC_R13 = 40, SC_R14 = 48, SC_R15 = 56,
	SC_RDI = 64, SC_RSI = 72, SC_RBP = 80, SC_RBX = 88, SC_RDX = 96, SC_RAX = 104, SC_RCX = 112,
	SC_RSP = 120, SC_RIP = 128, SC_EFLAGS = 136, SC_CS = 144, SC_GS = 146, SC_FS = 148, SC_SIZE = 152,
	SI_SIGNO = 0, SI_ERRNO = 4, SI_CODE = 8, SI_ADDR = 16, SI_PID = 16, SI_UID = 20, SI_SIZE = 24,
};

static const struct { int reg, off; } sc_regs[] = {
	{GP_X86_R8, SC_R8}, {GP_X86_R9, SC_R9}, {GP_X86_R10, SC_R10}, {GP_X86_R11, SC_R11},
	{GP_X86_R12, SC_R12}, {GP_X86_R13, SC_R13}, {GP_X86_R14, SC_R14}, {GP_X86_R15, SC_R15},
	{GP_X86_RDI, SC_RDI}, {GP_X86_RSI, SC_RSI}, {GP_X86_RBP, SC_RBP}, {GP_X86_RBX, SC_RBX},
	{GP_X86_RDX, SC_RDX}, {GP_X86_RAX, SC_RAX}, {GP_X86_RCX, SC_RCX}, {GP_X86_RSP, SC_RSP},
	{GP_X86_RIP, SC_RIP}, {GP_X86_EFLAGS, SC_EFLAGS},
};

static uint64_t word(const unsigned char *p, int off)
{
	uint64_t v;
	memcpy(&v, p + off, 8);
	return v;
}

static int32_t i32(const unsigned char *p, int off)
{
	int32_t v;
	memcpy(&v, p + off, 4);
	return v;
}

static uint16_t u16(const unsigned char *p, int off)
{
	uint16_t v;
	memcpy(&v, p + off, 2);
	return v;
}

/* The sigtramp frame reached by unwinding from (pc, sp), or 0. */
static int find_sigtramp(const struct gp_target *t, const struct gp_gobin *b, const struct gp_funcids *ids,
			 struct gp_pccache *cache, uint64_t pc, uint64_t sp, uint64_t *fp, uint64_t *tramp_sp)
{
	struct gp_unwinder u;
	gp_unwind_init(&u, t, b, ids, cache, pc, sp, 0, 1);
	for (int n = 0; u.valid && n < MAX_WALK; n++, gp_unwind_next(&u)) {
		if (!strcmp(gp_pclntab_funcname(&b->pcln, &u.frame.fn), "runtime.sigtramp")) {
			*fp = u.frame.fp;
			*tramp_sp = u.frame.sp;
			return 1;
		}
	}
	return 0;
}

int gp_sigctx_find(const struct gp_target *t, const struct gp_gobin *b, const struct gp_funcids *ids,
		   struct gp_pccache *cache, const struct gp_thread *th, struct gp_sigctx *out, int max)
{
	uint64_t pc = th->regs[GP_X86_RIP], sp = th->regs[GP_X86_RSP];
	int n = 0;
	while (n < max) {
		uint64_t fp, tsp;
		if (!find_sigtramp(t, b, ids, cache, pc, sp, &fp, &tsp))
			break;
		unsigned char sc[SC_SIZE], si[SI_SIZE];
		struct gp_err *err = gp_target_read(t, fp + UC_MCONTEXT, sc, sizeof(sc));
		if (!err)
			err = gp_target_read(t, fp + UC_SIZE, si, sizeof(si));
		if (err) {
			gp_err_free(err);
			break;
		}
		struct gp_sigctx *c = &out[n++];
		memset(c, 0, sizeof(*c));
		c->ucontext = fp;
		c->sigtramp_sp = tsp;
		for (size_t i = 0; i < sizeof(sc_regs) / sizeof(sc_regs[0]); i++)
			c->regs[sc_regs[i].reg] = word(sc, sc_regs[i].off);
		c->regs[GP_X86_FS_BASE] = th->regs[GP_X86_FS_BASE];
		c->regs[GP_X86_GS_BASE] = th->regs[GP_X86_GS_BASE];
		c->cs = u16(sc, SC_CS);
		c->gs = u16(sc, SC_GS);
		c->fs = u16(sc, SC_FS);
		c->regs[GP_X86_CS] = c->cs;
		c->signo = i32(si, SI_SIGNO);
		c->errnum = i32(si, SI_ERRNO);
		c->code = i32(si, SI_CODE);
		c->addr = word(si, SI_ADDR);
		c->pid = i32(si, SI_PID);
		c->uid = i32(si, SI_UID);
		pc = c->regs[GP_X86_RIP];
		sp = c->regs[GP_X86_RSP];
	}
	return n;
}
