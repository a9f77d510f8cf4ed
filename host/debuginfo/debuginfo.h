/*
** debuginfo.h -- finding the debug files that belong to a dump.
**
** A dump names its kernel by release string and (Linux >= 5.9) by the GNU
** build-id in VMCOREINFO.  These functions find a vmlinux with debug info
** for it, and the debug files of its modules, and say in plain words what
** they tried and why they rejected a candidate.  They never print: every
** remark goes back to the caller as a note or an error.
*/
#ifndef KD_DEBUGINFO_H
#define KD_DEBUGINFO_H

#include <stddef.h>
#include <stdint.h>

#include <gelf.h>
#include <libelf.h>

#include "base/error.h"

/* Read the GNU build-id of an ELF file: from a PT_NOTE segment if non-empty,
** else from any SHT_NOTE section (incl. non-alloc `.notes` and
** `.note.gnu.build-id`).  KD_ERR_IO when the file cannot be opened,
** KD_ERR_FORMAT when it is not ELF, KD_ERR_LOOKUP when it has no build-id.
** *id is malloc'ed. */
struct kd_error *kd_elf_build_id(const char *path, uint8_t **id, size_t *len);
/* The same on an ELF handle the caller already has. */
struct kd_error *kd_elf_build_id_elf(Elf *elf, uint8_t **id, size_t *len);
/* Lowercase hex of `len` bytes; malloc'ed, NULL when out of memory. */
char *kd_hex_string(const uint8_t *bytes, size_t len);

/* The first section called `name` (its header in *sh), or NULL. */
Elf_Scn *kd_elf_section(Elf *elf, const char *name, GElf_Shdr *sh);
/* A section's contents, inflated first when SHF_COMPRESSED; NULL when they
** cannot be had (no bytes in the file, a failed inflate). */
Elf_Data *kd_elf_section_data(Elf_Scn *scn, const GElf_Shdr *sh);

struct kd_debuginfo_query {
  const char *release;          /* utsname release from the dump, may be NULL */
  const char *build_id_hex;     /* VMCOREINFO BUILD-ID (hex), may be NULL (Linux < 5.9) */
  const char *vmcore_path;      /* to look next to the vmcore, may be NULL */
  const char *const *dirs;      /* --debuginfo-dir DIR..., searched recursively */
  size_t ndirs;
  const char *explicit_vmlinux; /* --vmlinux, may be NULL */
  int force;                    /* accept a mismatch (with a warning note) */
};

struct kd_debuginfo_result {
  char *vmlinux_path;           /* NULL when nothing was found (not an error) */
  char *build_id_hex;           /* of the chosen file, NULL if it has none */
  char **notes;                 /* human-readable log lines: what was tried, */
  size_t nnotes;                /* what was rejected and why */
};

/* Find the vmlinux for the dump described by `q`.  With an explicit vmlinux:
** KD_ERR_IO / KD_ERR_FORMAT when it cannot be read or is not ELF, and
** KD_ERR_MISMATCH when it does not belong to the dump (unless q->force).
** Without one, the standard places, the vmcore's directory, q->dirs and the
** build-id path are searched and the first matching file wins; finding
** nothing is not an error (res->vmlinux_path == NULL, res->notes say why).
** With q->force and no match, the first rejected ELF candidate is taken
** and a note says so.  `res` is filled even on error (notes); free it with
** kd_debuginfo_result_free in every case. */
struct kd_error *kd_debuginfo_find_vmlinux(const struct kd_debuginfo_query *q,
                                           struct kd_debuginfo_result *res);
void kd_debuginfo_result_free(struct kd_debuginfo_result *res);

/* Module debug files.  The finder indexes, once, the trees of `dirs` (in
** order) then /usr/lib/debug/lib/modules/<release>/ and
** /lib/modules/<release>/ for NAME.ko.debug and NAME.ko, where '-' and '_'
** in NAME are the same.  Earlier trees win; inside a tree .ko.debug wins
** over .ko.  Compressed modules (.ko.xz, .ko.zst, .ko.gz) are not supported
** and only recorded, so that kd_module_finder_why can say so. */
struct kd_module_finder;
struct kd_error *kd_module_finder_new(const char *release,
                                      const char *const *dirs, size_t ndirs,
                                      struct kd_module_finder **out);
/* Path of the debug file of module `modname`, or NULL; owned by the finder. */
const char *kd_module_finder_lookup(struct kd_module_finder *f,
                                    const char *modname);
/* After a NULL lookup: one line saying why (e.g. only a .ko.xz exists);
** owned by the finder, valid until the next call. */
const char *kd_module_finder_why(struct kd_module_finder *f,
                                 const char *modname);
/* Number of usable module files indexed (for -v output and tests). */
size_t kd_module_finder_count(const struct kd_module_finder *f);
void kd_module_finder_free(struct kd_module_finder *f);

#endif
