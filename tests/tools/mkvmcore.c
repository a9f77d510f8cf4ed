/*
** mkvmcore.c -- write a synthetic x86_64 ELF vmcore for a fixture kernel.
**
** Usage: mkvmcore [--phys-base N] kstructs.elf out.vmcore
**
** Reads the fixture "vmlinux" (tests/fixtures/kstructs.elf) with libelf
** and writes the ELF core file a kdump kernel would expose as
** /proc/vmcore had the fixture been the crashed kernel:
**
**   PT_NOTE   one NT_PRSTATUS ("CORE") per CPU (2 CPUs), then the
**             "VMCOREINFO" note;
**   PT_LOAD   the kernel image (every allocated section, .bss as zeros)
**             at its link-time virtual address in the kernel text
**             mapping, physical address vaddr - __START_KERNEL_map +
**             phys_base;
**   PT_LOAD   the same physical range again, as the direct map sees it
**             (vaddr = PAGE_OFFSET + paddr).
**
** libkdumpfile 0.5.1 cannot translate kernel virtual addresses from the
** PT_LOAD headers alone: libaddrxlat finds the extents of the kernel
** text mapping and the direct map by walking page tables.  So the
** fixture reserves five page-aligned pages (init_top_pgt and friends,
** in its .bss) and this program fills them, in the dump's copy of the
** image, with 4-level page tables:
**
**   kernel text  2 MiB pages over the image, [_text, _end) rounded out
**                to 2 MiB, to phys_base + (vaddr - __START_KERNEL_map);
**   direct map   2 MiB pages from PAGE_OFFSET over "RAM", physical
**                [0, end of the image rounded up to 2 MiB).
**
** VMCOREINFO gives SYMBOL(init_top_pgt) (the root, a kernel-text
** address) and NUMBER(phys_base) (to translate that root before any
** page table can be read).  Only the image's pages are in the dump: the
** rest of "RAM" is mapped but reads fail with "no data", like pages
** makedumpfile filtered out.
*/

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "mkvmcore writes ELF structures in host order: little-endian only"
#endif

#define START_KERNEL_MAP  0xffffffff80000000ULL   /* __START_KERNEL_map */
#define PAGE_OFFSET       0xffff888000000000ULL   /* 4-level, no KASLR */
#define PAGE_SIZE         4096ULL
#define PMD_SIZE          (2ULL << 20)
#define PUD_SIZE          (1ULL << 30)
#define NCPUS             2

/* Page table entry bits (x86_64). */
#define PTE_PRESENT  0x001ULL
#define PTE_RW       0x002ULL
#define PTE_ACCESSED 0x020ULL
#define PTE_DIRTY    0x040ULL
#define PTE_PSE      0x080ULL
#define PTE_GLOBAL   0x100ULL
#define PTE_NX       (1ULL << 63)
/* What Linux calls _KERNPG_TABLE and __PAGE_KERNEL_LARGE_EXEC. */
#define KERNPG_TABLE (PTE_PRESENT | PTE_RW | PTE_ACCESSED | PTE_DIRTY)
#define KERNEL_LARGE (KERNPG_TABLE | PTE_PSE | PTE_GLOBAL)

#define DEFAULT_PHYS_BASE  0x2000000ULL   /* kernel loaded at 48 MiB */
#define CRASHTIME          1700000000     /* 2023-11-14T22:13:20Z */

/*
** struct elf_prstatus on x86_64 (336 bytes): offsets of the fields
** written here.  pr_reg is a struct user_regs_struct: 27 registers.
*/
#define PRSTATUS_SIZE     336
#define PRSTATUS_CURSIG   12
#define PRSTATUS_PID      32
#define PRSTATUS_PPID     36
#define PRSTATUS_PGRP     40
#define PRSTATUS_SID      44
#define PRSTATUS_REG      112
enum {
  R_R15, R_R14, R_R13, R_R12, R_RBP, R_RBX, R_R11, R_R10, R_R9, R_R8,
  R_RAX, R_RCX, R_RDX, R_RSI, R_RDI, R_ORIG_RAX, R_RIP, R_CS, R_EFLAGS,
  R_RSP, R_SS, R_FS_BASE, R_GS_BASE, R_DS, R_ES, R_FS, R_GS, R_NUM
};

/*
** The fixture's uts_namespace starts with a 4-byte kref (Linux before
** 5.11 had it too); keep in sync with tests/fixtures/kstructs.c.
*/
#define UTS_NAME_OFFSET  4

static const char *progname = "mkvmcore";

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

static void die(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: ", progname);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

static void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (p == NULL)
    die("out of memory");
  return p;
}


/* {========================================================
** Growable byte buffer (notes, VMCOREINFO text)
** ========================================================= */

typedef struct buffer {
  unsigned char *data;
  size_t len, cap;
} buffer;

static void buf_grow(buffer *b, size_t extra) {
  if (b->len + extra <= b->cap)
    return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra)
    cap *= 2;
  unsigned char *p = realloc(b->data, cap);
  if (p == NULL)
    die("out of memory");
  memset(p + b->cap, 0, cap - b->cap);
  b->data = p;
  b->cap = cap;
}

static void buf_add(buffer *b, const void *p, size_t n) {
  buf_grow(b, n);
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void buf_pad4(buffer *b) {
  static const unsigned char zeros[4];
  buf_add(b, zeros, (4 - b->len % 4) % 4);
}

static void buf_printf(buffer *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void buf_printf(buffer *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    die("vsnprintf failed");
  buf_grow(b, (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;                  /* the NUL is not part of the text */
}

static void put_le32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

static void put_le64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

/* Append one ELF note: header, name (NUL-terminated), padded descriptor. */
static void add_note(buffer *b, const char *name, uint32_t type,
                     const void *desc, size_t descsz) {
  Elf64_Nhdr nh;
  nh.n_namesz = (Elf64_Word)(strlen(name) + 1);
  nh.n_descsz = (Elf64_Word)descsz;
  nh.n_type = type;
  buf_add(b, &nh, sizeof nh);
  buf_add(b, name, nh.n_namesz);
  buf_pad4(b);
  buf_add(b, desc, descsz);
  buf_pad4(b);
}

/* }======================================================== */


/* {========================================================
** Reading the fixture kernel
** ========================================================= */

typedef struct kimage {
  uint64_t vstart, vend;        /* page-aligned extent of alloc sections */
  unsigned char *mem;           /* vend - vstart bytes */
  char build_id[2 * 64 + 1];    /* hex */
  Elf *elf;
  int fd;
} kimage;

/* Copy every allocated section into the image buffer; find the build-id. */
static void load_sections(kimage *k) {
  Elf_Scn *scn = NULL;
  uint64_t lo = UINT64_MAX, hi = 0;
  while ((scn = elf_nextscn(k->elf, scn)) != NULL) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == NULL)
      die("gelf_getshdr: %s", elf_errmsg(-1));
    if (!(sh.sh_flags & SHF_ALLOC) || sh.sh_size == 0)
      continue;
    if (sh.sh_addr < lo) lo = sh.sh_addr;
    if (sh.sh_addr + sh.sh_size > hi) hi = sh.sh_addr + sh.sh_size;
  }
  if (lo >= hi)
    die("no allocated sections");
  if (lo < START_KERNEL_MAP)
    die("image at %#" PRIx64 " is outside the kernel text mapping", lo);
  k->vstart = lo & ~(PAGE_SIZE - 1);
  k->vend = (hi + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
  if (k->vend - k->vstart > PUD_SIZE)
    die("image larger than 1 GiB");
  k->mem = xcalloc(1, k->vend - k->vstart);

  scn = NULL;
  while ((scn = elf_nextscn(k->elf, scn)) != NULL) {
    GElf_Shdr sh;
    gelf_getshdr(scn, &sh);
    if (!(sh.sh_flags & SHF_ALLOC) || sh.sh_size == 0 || sh.sh_type == SHT_NOBITS)
      continue;
    Elf_Data *d = NULL;
    while ((d = elf_getdata(scn, d)) != NULL) {
      if (d->d_buf == NULL)
        continue;
      uint64_t at = sh.sh_addr + (uint64_t)d->d_off - k->vstart;
      memcpy(k->mem + at, d->d_buf, d->d_size);
    }
    if (sh.sh_type != SHT_NOTE)
      continue;
    /* The GNU build-id note ("GNU", NT_GNU_BUILD_ID). */
    d = elf_getdata(scn, NULL);
    size_t off = 0, name_off, desc_off;
    GElf_Nhdr nh;
    while (d != NULL &&
           (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
      if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
          memcmp((char *)d->d_buf + name_off, "GNU", 4) == 0 &&
          nh.n_descsz > 0 && nh.n_descsz <= 64) {
        const unsigned char *id = (const unsigned char *)d->d_buf + desc_off;
        for (size_t i = 0; i < nh.n_descsz; i++)
          sprintf(k->build_id + 2 * i, "%02x", id[i]);
      }
    }
  }
  if (k->build_id[0] == '\0')
    die("no GNU build-id note (link with --build-id)");
}

/* Value of a symbol from .symtab; dies if it is missing. */
static uint64_t sym_addr(kimage *k, const char *name) {
  Elf_Scn *scn = NULL;
  while ((scn = elf_nextscn(k->elf, scn)) != NULL) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type != SHT_SYMTAB)
      continue;
    Elf_Data *d = elf_getdata(scn, NULL);
    size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
    for (size_t i = 0; d != NULL && i < n; i++) {
      GElf_Sym s;
      if (gelf_getsym(d, (int)i, &s) == NULL)
        continue;
      const char *sn = elf_strptr(k->elf, sh.sh_link, s.st_name);
      if (sn != NULL && strcmp(sn, name) == 0)
        return s.st_value;
    }
  }
  die("symbol %s not found in the fixture", name);
}

static void kimage_open(kimage *k, const char *path) {
  memset(k, 0, sizeof *k);
  if (elf_version(EV_CURRENT) == EV_NONE)
    die("libelf: %s", elf_errmsg(-1));
  k->fd = open(path, O_RDONLY);
  if (k->fd < 0)
    die("%s: %s", path, strerror(errno));
  k->elf = elf_begin(k->fd, ELF_C_READ, NULL);
  if (k->elf == NULL)
    die("%s: %s", path, elf_errmsg(-1));
  GElf_Ehdr eh;
  if (gelf_getehdr(k->elf, &eh) == NULL)
    die("%s: %s", path, elf_errmsg(-1));
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64 ||
      eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_EXEC)
    die("%s: not an x86_64 ELF64 executable", path);
  load_sections(k);
}

static void kimage_close(kimage *k) {
  free(k->mem);
  elf_end(k->elf);
  close(k->fd);
}

/* Where a kernel virtual address of the image lives in the buffer. */
static unsigned char *image_at(kimage *k, uint64_t vaddr, uint64_t size) {
  if (vaddr < k->vstart || vaddr + size > k->vend || vaddr + size < vaddr)
    die("%#" PRIx64 " is outside the image", vaddr);
  return k->mem + (vaddr - k->vstart);
}

/* }======================================================== */


/* {========================================================
** Page tables
** ========================================================= */

static unsigned pgd_index(uint64_t va) { return (va >> 39) & 511; }
static unsigned pud_index(uint64_t va) { return (va >> 30) & 511; }
static unsigned pmd_index(uint64_t va) { return (va >> 21) & 511; }

static void set_entry(kimage *k, uint64_t table, unsigned idx, uint64_t val) {
  put_le64(image_at(k, table + 8ULL * idx, 8), val);
}

/*
** Fill the fixture's reserved pages.  "RAM", which the direct map
** covers, is physical [0, end of the image rounded up to 2 MiB).
*/
static void build_page_tables(kimage *k, uint64_t phys_base) {
  uint64_t pgd = sym_addr(k, "init_top_pgt");
  uint64_t pud_k = sym_addr(k, "level3_kernel_pgt");
  uint64_t pmd_k = sym_addr(k, "level2_kernel_pgt");
  uint64_t pud_d = sym_addr(k, "kfx_level3_direct_pgt");
  uint64_t pmd_d = sym_addr(k, "kfx_level2_direct_pgt");
  uint64_t tables[] = { pgd, pud_k, pmd_k, pud_d, pmd_d };
  for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
    if (tables[i] % PAGE_SIZE != 0)
      die("page table at %#" PRIx64 " is not page-aligned", tables[i]);
    memset(image_at(k, tables[i], PAGE_SIZE), 0, PAGE_SIZE);
  }
#define PA(va)  ((va) - START_KERNEL_MAP + phys_base)

  /* Kernel text mapping: 2 MiB pages over the image. */
  uint64_t v0 = k->vstart & ~(PMD_SIZE - 1);
  uint64_t v1 = (k->vend + PMD_SIZE - 1) & ~(PMD_SIZE - 1);
  set_entry(k, pgd, pgd_index(v0), PA(pud_k) | KERNPG_TABLE);
  set_entry(k, pud_k, pud_index(v0), PA(pmd_k) | KERNPG_TABLE);
  for (uint64_t va = v0; va < v1; va += PMD_SIZE) {
    if (pud_index(va) != pud_index(v0))
      die("image crosses a 1 GiB boundary");
    set_entry(k, pmd_k, pmd_index(va), PA(va) | KERNEL_LARGE);
  }

  /* Direct map: 2 MiB pages for physical [0, ram_end). */
  uint64_t ram_end = PA(v1);
  if (ram_end > PUD_SIZE)
    die("RAM above 1 GiB needs more than one PMD page");
  set_entry(k, pgd, pgd_index(PAGE_OFFSET), PA(pud_d) | KERNPG_TABLE);
  set_entry(k, pud_d, pud_index(PAGE_OFFSET), PA(pmd_d) | KERNPG_TABLE);
  for (uint64_t pa = 0; pa < ram_end; pa += PMD_SIZE)
    set_entry(k, pmd_d, pmd_index(PAGE_OFFSET + pa),
              pa | KERNEL_LARGE | PTE_NX);
#undef PA
}

/* }======================================================== */


/* {========================================================
** Notes
** ========================================================= */

/*
** Register values: recognizable filler (0x<cpu+1>c0de00<reg index>)
** except where a value must make sense: rip in a fixture function, rsp
** and rbp in the CPU's fake stack (kfx_stack[cpu]), segment selectors
** and flags as the kernel has them, gs_base at the per-CPU area.
*/
static void add_prstatus(buffer *notes, kimage *k, int cpu) {
  unsigned char d[PRSTATUS_SIZE];
  memset(d, 0, sizeof d);
  uint64_t stack = sym_addr(k, "kfx_stack") + (uint64_t)cpu * 64 * 8;
  uint64_t regs[R_NUM];
  for (int i = 0; i < R_NUM; i++)
    regs[i] = ((uint64_t)(cpu + 1) << 32) | (0xc0de0000U + (unsigned)i);
  regs[R_RIP] = cpu == 0 ? sym_addr(k, "kfx_crash_here")
                         : sym_addr(k, "kfx_idle_fn");
  regs[R_RSP] = stack + 56 * 8;
  regs[R_RBP] = stack + 60 * 8;
  regs[R_ORIG_RAX] = UINT64_MAX;
  regs[R_CS] = 0x10;
  regs[R_SS] = 0x18;
  regs[R_EFLAGS] = 0x246;
  regs[R_FS_BASE] = 0;
  regs[R_GS_BASE] = sym_addr(k, "__per_cpu_start") + (uint64_t)cpu * 4096;
  regs[R_DS] = regs[R_ES] = regs[R_FS] = regs[R_GS] = 0;
  put_le32(d + PRSTATUS_CURSIG, 0);
  put_le32(d + PRSTATUS_PID, (uint32_t)(cpu + 1));
  put_le32(d + PRSTATUS_PPID, 0);
  put_le32(d + PRSTATUS_PGRP, 0);
  put_le32(d + PRSTATUS_SID, 0);
  for (int i = 0; i < R_NUM; i++)
    put_le64(d + PRSTATUS_REG + 8 * i, regs[i]);
  add_note(notes, "CORE", NT_PRSTATUS, d, sizeof d);
}

static void add_vmcoreinfo(buffer *notes, kimage *k, uint64_t phys_base) {
  buffer t = { 0 };
  uint64_t pgd = sym_addr(k, "init_top_pgt");
  buf_printf(&t, "OSRELEASE=6.1.0-kfx\n");
  buf_printf(&t, "BUILD-ID=%s\n", k->build_id);
  buf_printf(&t, "PAGESIZE=%llu\n", PAGE_SIZE);
  buf_printf(&t, "SYMBOL(init_uts_ns)=%" PRIx64 "\n",
             sym_addr(k, "init_uts_ns"));
  buf_printf(&t, "OFFSET(uts_namespace.name)=%d\n", UTS_NAME_OFFSET);
  buf_printf(&t, "SYMBOL(swapper_pg_dir)=%" PRIx64 "\n", pgd);
  buf_printf(&t, "SYMBOL(_stext)=%" PRIx64 "\n", sym_addr(k, "_stext"));
  buf_printf(&t, "SIZE(list_head)=16\n");
  buf_printf(&t, "OFFSET(list_head.next)=0\n");
  buf_printf(&t, "OFFSET(list_head.prev)=8\n");
  /* Linux prints phys_base as a signed decimal. */
  buf_printf(&t, "NUMBER(phys_base)=%" PRId64 "\n", (int64_t)phys_base);
  buf_printf(&t, "SYMBOL(init_top_pgt)=%" PRIx64 "\n", pgd);
  buf_printf(&t, "NUMBER(pgtable_l5_enabled)=0\n");
  buf_printf(&t, "KERNELOFFSET=0\n");
  buf_printf(&t, "NUMBER(KERNEL_IMAGE_SIZE)=%llu\n", PUD_SIZE);
  buf_printf(&t, "NUMBER(sme_mask)=0\n");
  buf_printf(&t, "CRASHTIME=%d\n", CRASHTIME);
  add_note(notes, "VMCOREINFO", 0, t.data, t.len);
  free(t.data);
}

/* }======================================================== */


/* {========================================================
** The core file
** ========================================================= */

static void write_all(int fd, const void *p, size_t n, const char *path) {
  const unsigned char *c = p;
  while (n > 0) {
    ssize_t w = write(fd, c, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      die("%s: write: %s", path, strerror(errno));
    c += w;
    n -= (size_t)w;
  }
}

static void fill_load(Elf64_Phdr *ph, uint64_t vaddr, uint64_t paddr,
                      uint64_t off, uint64_t size) {
  memset(ph, 0, sizeof *ph);
  ph->p_type = PT_LOAD;
  ph->p_flags = PF_R | PF_W | PF_X;     /* as kexec-tools writes them */
  ph->p_offset = off;
  ph->p_vaddr = vaddr;
  ph->p_paddr = paddr;
  ph->p_filesz = ph->p_memsz = size;
  ph->p_align = 0;
}

static void write_core(kimage *k, uint64_t phys_base, const char *path) {
  buffer notes = { 0 };
  for (int cpu = 0; cpu < NCPUS; cpu++)
    add_prstatus(&notes, k, cpu);
  add_vmcoreinfo(&notes, k, phys_base);

  enum { NPHDR = 3 };
  uint64_t size = k->vend - k->vstart;
  uint64_t paddr = k->vstart - START_KERNEL_MAP + phys_base;
  uint64_t note_off = sizeof(Elf64_Ehdr) + NPHDR * sizeof(Elf64_Phdr);
  /* Page-align the memory images so the file can be mmapped page-wise. */
  uint64_t load_off = (note_off + notes.len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

  Elf64_Ehdr eh;
  memset(&eh, 0, sizeof eh);
  memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
  eh.e_type = ET_CORE;
  eh.e_machine = EM_X86_64;
  eh.e_version = EV_CURRENT;
  eh.e_phoff = sizeof(Elf64_Ehdr);
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = NPHDR;

  Elf64_Phdr ph[NPHDR];
  memset(&ph[0], 0, sizeof ph[0]);
  ph[0].p_type = PT_NOTE;
  ph[0].p_offset = note_off;
  ph[0].p_filesz = ph[0].p_memsz = notes.len;
  /* Kernel text mapping, then the direct map: same bytes, twice. */
  fill_load(&ph[1], k->vstart, paddr, load_off, size);
  fill_load(&ph[2], PAGE_OFFSET + paddr, paddr, load_off + size, size);

  /* Write to a temporary name so a failed run leaves no stale output. */
  size_t plen = strlen(path);
  char *tmp = xcalloc(1, plen + 5);
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, ".tmp", 5);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    die("%s: %s", tmp, strerror(errno));
  write_all(fd, &eh, sizeof eh, tmp);
  write_all(fd, ph, sizeof ph, tmp);
  write_all(fd, notes.data, notes.len, tmp);
  size_t pad = (size_t)(load_off - note_off - notes.len);
  unsigned char *zeros = xcalloc(1, pad);
  write_all(fd, zeros, pad, tmp);
  free(zeros);
  write_all(fd, k->mem, size, tmp);
  write_all(fd, k->mem, size, tmp);
  if (close(fd) != 0)
    die("%s: close: %s", tmp, strerror(errno));
  if (rename(tmp, path) != 0)
    die("rename %s -> %s: %s", tmp, path, strerror(errno));
  free(tmp);
  free(notes.data);
}

/* }======================================================== */


static void usage(void) {
  fprintf(stderr, "usage: %s [--phys-base N] kernel.elf out.vmcore\n",
          progname);
  exit(2);
}

int main(int argc, char **argv) {
  uint64_t phys_base = DEFAULT_PHYS_BASE;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "--phys-base") == 0 && i + 1 < argc) {
      char *end;
      errno = 0;
      phys_base = strtoull(argv[++i], &end, 0);
      if (errno != 0 || *end != '\0')
        die("bad --phys-base %s", argv[i]);
    }
    else
      usage();
  }
  if (argc - i != 2)
    usage();
  if (phys_base % PMD_SIZE != 0)
    die("phys_base must be a multiple of 2 MiB");

  kimage k;
  kimage_open(&k, argv[i]);
  build_page_tables(&k, phys_base);
  write_core(&k, phys_base, argv[i + 1]);
  kimage_close(&k);
  return 0;
}
