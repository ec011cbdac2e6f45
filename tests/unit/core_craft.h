/* core_craft.h — builds small synthetic x86-64 ELF core files in memory for the core reader's unit
 * tests and fuzz seeds: one PT_NOTE segment (NT_PRSTATUS, NT_PRPSINFO, NT_SIGINFO, NT_AUXV, NT_FILE)
 * and one PT_LOAD segment at CRAFT_LOAD_VADDR with CRAFT_LOAD_FILESZ bytes in the file (byte i =
 * i & 0xff) and CRAFT_LOAD_MEMSZ bytes of memory. Header-only so each test or fuzz target can use it. */
#ifndef GOPSY_TESTS_CORE_CRAFT_H
#define GOPSY_TESTS_CORE_CRAFT_H

#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { CRAFT_LOAD_VADDR = 0x10000, CRAFT_LOAD_FILESZ = 0x100, CRAFT_LOAD_MEMSZ = 0x200,
       CRAFT_TID = 4242, CRAFT_RIP = 0x401234, CRAFT_SIGNO = 11, CRAFT_SIGADDR = 0xdead };
#define CRAFT_EXE "/usr/local/bin/service"

struct craft_buf {
	unsigned char *p;
	size_t n, cap;
};

static inline void craft_put(struct craft_buf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 256;
		b->p = realloc(b->p, b->cap);
	}
	if (d)
		memcpy(b->p + b->n, d, n);
	else
		memset(b->p + b->n, 0, n);
	b->n += n;
}

static inline void craft_note(struct craft_buf *b, uint32_t type, const void *desc, uint32_t n)
{
	Elf64_Nhdr nh = {5, n, type};
	craft_put(b, &nh, sizeof(nh));
	craft_put(b, "CORE\0\0\0", 8);
	craft_put(b, desc, n);
	craft_put(b, NULL, (4 - n % 4) % 4);
}

/* Returns a malloc'd core image of *len bytes. */
static inline unsigned char *craft_core(size_t *len)
{
	struct craft_buf notes = {0};
	unsigned char prstatus[336] = {0};
	int16_t cursig = CRAFT_SIGNO;
	int32_t tid = CRAFT_TID;
	uint64_t rip = CRAFT_RIP;
	memcpy(prstatus + 12, &cursig, 2);
	memcpy(prstatus + 32, &tid, 4);
	memcpy(prstatus + 112 + 16 * 8, &rip, 8);
	craft_note(&notes, NT_PRSTATUS, prstatus, sizeof(prstatus));
	unsigned char psinfo[136] = {0};
	memcpy(psinfo + 24, &tid, 4);
	memcpy(psinfo + 40, "service", 7);
	craft_note(&notes, NT_PRPSINFO, psinfo, sizeof(psinfo));
	unsigned char si[128] = {0};
	int32_t signo = CRAFT_SIGNO, code = 1;
	uint64_t addr = CRAFT_SIGADDR;
	memcpy(si, &signo, 4);
	memcpy(si + 8, &code, 4);
	memcpy(si + 16, &addr, 8);
	craft_note(&notes, 0x53494749 /* NT_SIGINFO */, si, sizeof(si));
	uint64_t auxv[] = {AT_PHDR, 0x400040, AT_ENTRY, 0x401000, AT_NULL, 0};
	craft_note(&notes, NT_AUXV, auxv, sizeof(auxv));
	struct craft_buf file = {0};
	uint64_t hdr[] = {1, 4096, 0x400000, 0x402000, 0};
	craft_put(&file, hdr, sizeof(hdr));
	craft_put(&file, CRAFT_EXE, sizeof(CRAFT_EXE));
	craft_note(&notes, 0x46494c45 /* NT_FILE */, file.p, (uint32_t)file.n);
	free(file.p);

	struct craft_buf out = {0};
	size_t note_off = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);
	size_t load_off = note_off + notes.n;
	Elf64_Ehdr eh = {0};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 2;
	craft_put(&out, &eh, sizeof(eh));
	Elf64_Phdr ph[2] = {
		{.p_type = PT_NOTE, .p_offset = note_off, .p_filesz = notes.n, .p_align = 4},
		{.p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = load_off, .p_vaddr = CRAFT_LOAD_VADDR,
		 .p_filesz = CRAFT_LOAD_FILESZ, .p_memsz = CRAFT_LOAD_MEMSZ, .p_align = 4096},
	};
	craft_put(&out, ph, sizeof(ph));
	craft_put(&out, notes.p, notes.n);
	free(notes.p);
	for (int i = 0; i < CRAFT_LOAD_FILESZ; i++) {
		unsigned char c = (unsigned char)i;
		craft_put(&out, &c, 1);
	}
	*len = out.n;
	return out.p;
}

#endif
