/*
** dump.h -- access to a kernel crash dump through libkdumpfile.
**
** A kd_dump owns the kdump_ctx_t and a small cache of dump pages in front of
** kdump_read(): object access reads a few bytes at a time, and going through
** libkdumpfile's translation for each of them would dominate task walks.
*/
#ifndef KD_DUMP_H
#define KD_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct kd_dump;
typedef struct _kdump_ctx kdump_ctx_t;

enum kd_addrspace {
  KD_KVADDR,     /* kernel virtual */
  KD_PHYSADDR    /* kernel physical */
};

/* Open `path`.  Errors name the file: KD_ERR_IO (cannot open), KD_ERR_FORMAT
** (not a kernel dump, truncated or corrupt). */
struct kd_error *kd_dump_open(const char *path, struct kd_dump **out);
/* The same, with a folder (the debug cache, or NULL) where a note is kept
** of each file -- device, inode, size, modification and change times --
** that passed the probe (see kd_dump_open): the same file with the same
** libkdumpfile is opened without probing again. */
struct kd_error *kd_dump_open_noted(const char *path, const char *notes_dir,
                                    struct kd_dump **out);
void kd_dump_close(struct kd_dump *dump);
/* What is wrong with the file but leaves it readable (a dump cut short),
** one line naming it, or NULL. */
const char *kd_dump_warning(struct kd_dump *dump);

/* Read exactly `len` bytes; on a hole, a KD_ERR_FAULT (unmapped) or
** KD_ERR_NODATA (filtered out of the dump) error carrying the address of the
** first byte that could not be read. */
struct kd_error *kd_dump_read(struct kd_dump *dump, enum kd_addrspace space,
                              uint64_t addr, void *buf, size_t len);
/* Read up to `len` bytes; *got is how many were readable before a hole. */
struct kd_error *kd_dump_read_partial(struct kd_dump *dump,
                                      enum kd_addrspace space, uint64_t addr,
                                      void *buf, size_t len, size_t *got);
/* How many reads failed so far (in this process) because the dump's data
** is damaged -- a page that does not inflate, a file cut short -- not
** because a page was filtered out or an address is unmapped; the last
** such failure's address and message. */
uint64_t kd_dump_damage(struct kd_dump *dump, uint64_t *last_addr, const char **last_msg);
/* Count `err` as damage if it is (KD_ERR_FORMAT): for an error read once
** and answered again from memory to later callers. */
void kd_dump_note_damage(struct kd_dump *dump, const struct kd_error *err);
/* Translate a kernel virtual address to physical. */
struct kd_error *kd_dump_vtop(struct kd_dump *dump, uint64_t vaddr,
                              uint64_t *paddr);
/* Read through the page tables rooted at physical address `pgd_phys` (a
** user address space); `got` as in kd_dump_read_partial. */
struct kd_error *kd_dump_read_user(struct kd_dump *dump, uint64_t pgd_phys,
                                   uint64_t addr, void *buf, size_t len,
                                   size_t *got);

/* The value of a VMCOREINFO line ("OSRELEASE", "SYMBOL(init_uts_ns)",
** "KERNELOFFSET"...), or NULL.  The string lives as long as the dump. */
const char *kd_dump_vmcoreinfo(struct kd_dump *dump, const char *key);
/* Whole VMCOREINFO text, or NULL. */
const char *kd_dump_vmcoreinfo_raw(struct kd_dump *dump);
/* A string attribute of libkdumpfile ("linux.uts.release"), or NULL. */
const char *kd_dump_attr_string(struct kd_dump *dump, const char *key);
/* A numeric attribute; returns 0 and sets *ok = 0 when absent. */
uint64_t kd_dump_attr_number(struct kd_dump *dump, const char *key, int *ok);

const char *kd_dump_path(struct kd_dump *dump);
const char *kd_dump_format(struct kd_dump *dump);   /* "diskdump", "elf"... */
const char *kd_dump_arch(struct kd_dump *dump);     /* "x86_64"... */
uint64_t kd_dump_kaslr_offset(struct kd_dump *dump);
uint64_t kd_dump_page_size(struct kd_dump *dump);

/* CPU register notes, in note order (QEMU dumps put vCPU index + 1 in
** pr_pid, so the order is the only reliable CPU number). */
unsigned kd_dump_nr_cpu_notes(struct kd_dump *dump);
/* Register `name` ("rip", "rsp", "cs"...) of note `idx`. */
struct kd_error *kd_dump_cpu_reg(struct kd_dump *dump, unsigned idx,
                                 const char *name, uint64_t *value);
/* pr_pid of note `idx` (0 when absent). */
uint64_t kd_dump_cpu_note_pid(struct kd_dump *dump, unsigned idx);

/* Statistics of the page cache, for -v and the benchmark. */
void kd_dump_cache_stats(struct kd_dump *dump, uint64_t *hits, uint64_t *misses);

kdump_ctx_t *kd_dump_ctx(struct kd_dump *dump);

#endif
