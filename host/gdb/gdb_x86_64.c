/*
** gdb_x86_64.c -- the x86_64 target description given to gdb.
**
** gdb's amd64 architecture accepts a description only if the feature
** org.gnu.gdb.i386.core has all 40 core registers (the general ones and the
** x87 ones) and, if present, org.gnu.gdb.i386.sse has xmm0-15 and mxcsr.
** amd64-linux wants orig_rax in org.gnu.gdb.i386.linux (without it gdb
** silently skips the rest of its Linux setup), and fs_base/gs_base live in
** org.gnu.gdb.i386.segments.  Registers carry no regnum attribute, so their
** wire numbers are their order in the document, which must match enum
** kd_gdb_reg and the table below (tests/c/test_rsp.c checks it).
*/
#include <string.h>

#include "gdbserver.h"

struct reg_info {
  const char *name;
  unsigned size;     /* bytes */
};

static const struct reg_info regs[KD_GDB_NREGS] = {
  {"rax", 8}, {"rbx", 8}, {"rcx", 8}, {"rdx", 8},
  {"rsi", 8}, {"rdi", 8}, {"rbp", 8}, {"rsp", 8},
  {"r8", 8}, {"r9", 8}, {"r10", 8}, {"r11", 8},
  {"r12", 8}, {"r13", 8}, {"r14", 8}, {"r15", 8},
  {"rip", 8}, {"eflags", 4},
  {"cs", 4}, {"ss", 4}, {"ds", 4}, {"es", 4}, {"fs", 4}, {"gs", 4},
  {"st0", 10}, {"st1", 10}, {"st2", 10}, {"st3", 10},
  {"st4", 10}, {"st5", 10}, {"st6", 10}, {"st7", 10},
  {"fctrl", 4}, {"fstat", 4}, {"ftag", 4}, {"fiseg", 4},
  {"fioff", 4}, {"foseg", 4}, {"fooff", 4}, {"fop", 4},
  {"xmm0", 16}, {"xmm1", 16}, {"xmm2", 16}, {"xmm3", 16},
  {"xmm4", 16}, {"xmm5", 16}, {"xmm6", 16}, {"xmm7", 16},
  {"xmm8", 16}, {"xmm9", 16}, {"xmm10", 16}, {"xmm11", 16},
  {"xmm12", 16}, {"xmm13", 16}, {"xmm14", 16}, {"xmm15", 16},
  {"mxcsr", 4}, {"orig_rax", 8}, {"fs_base", 8}, {"gs_base", 8}
};

size_t kd_gdb_reg_size(unsigned regno) {
  return regno < KD_GDB_NREGS ? regs[regno].size : 0;
}

const char *kd_gdb_reg_name(unsigned regno) {
  return regno < KD_GDB_NREGS ? regs[regno].name : NULL;
}

#define REG(name, bits, type) \
  "    <reg name=\"" name "\" bitsize=\"" #bits "\" type=\"" type "\"/>\n"
#define REGG(name, bits, type, group) \
  "    <reg name=\"" name "\" bitsize=\"" #bits "\" type=\"" type \
  "\" group=\"" group "\"/>\n"
#define FLAG(name, bit) \
  "      <field name=\"" name "\" start=\"" #bit "\" end=\"" #bit "\"/>\n"

static const char target_xml[] =
  "<?xml version=\"1.0\"?>\n"
  "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
  "<target version=\"1.0\">\n"
  "  <architecture>i386:x86-64</architecture>\n"
  "  <osabi>GNU/Linux</osabi>\n"
  "  <feature name=\"org.gnu.gdb.i386.core\">\n"
  "    <flags id=\"i386_eflags\" size=\"4\">\n"
  FLAG("CF", 0) FLAG("PF", 2) FLAG("AF", 4) FLAG("ZF", 6) FLAG("SF", 7)
  FLAG("TF", 8) FLAG("IF", 9) FLAG("DF", 10) FLAG("OF", 11) FLAG("NT", 14)
  FLAG("RF", 16) FLAG("VM", 17) FLAG("AC", 18) FLAG("VIF", 19)
  FLAG("VIP", 20) FLAG("ID", 21)
  "    </flags>\n"
  REG("rax", 64, "int64") REG("rbx", 64, "int64")
  REG("rcx", 64, "int64") REG("rdx", 64, "int64")
  REG("rsi", 64, "int64") REG("rdi", 64, "int64")
  REG("rbp", 64, "data_ptr") REG("rsp", 64, "data_ptr")
  REG("r8", 64, "int64") REG("r9", 64, "int64")
  REG("r10", 64, "int64") REG("r11", 64, "int64")
  REG("r12", 64, "int64") REG("r13", 64, "int64")
  REG("r14", 64, "int64") REG("r15", 64, "int64")
  REG("rip", 64, "code_ptr") REG("eflags", 32, "i386_eflags")
  REG("cs", 32, "int32") REG("ss", 32, "int32") REG("ds", 32, "int32")
  REG("es", 32, "int32") REG("fs", 32, "int32") REG("gs", 32, "int32")
  REG("st0", 80, "i387_ext") REG("st1", 80, "i387_ext")
  REG("st2", 80, "i387_ext") REG("st3", 80, "i387_ext")
  REG("st4", 80, "i387_ext") REG("st5", 80, "i387_ext")
  REG("st6", 80, "i387_ext") REG("st7", 80, "i387_ext")
  REGG("fctrl", 32, "int", "float") REGG("fstat", 32, "int", "float")
  REGG("ftag", 32, "int", "float") REGG("fiseg", 32, "int", "float")
  REGG("fioff", 32, "int", "float") REGG("foseg", 32, "int", "float")
  REGG("fooff", 32, "int", "float") REGG("fop", 32, "int", "float")
  "  </feature>\n"
  "  <feature name=\"org.gnu.gdb.i386.sse\">\n"
  "    <vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n"
  "    <vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
  "    <vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n"
  "    <vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n"
  "    <vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n"
  "    <vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n"
  "    <union id=\"vec128\">\n"
  "      <field name=\"v4_float\" type=\"v4f\"/>\n"
  "      <field name=\"v2_double\" type=\"v2d\"/>\n"
  "      <field name=\"v16_int8\" type=\"v16i8\"/>\n"
  "      <field name=\"v8_int16\" type=\"v8i16\"/>\n"
  "      <field name=\"v4_int32\" type=\"v4i32\"/>\n"
  "      <field name=\"v2_int64\" type=\"v2i64\"/>\n"
  "      <field name=\"uint128\" type=\"uint128\"/>\n"
  "    </union>\n"
  "    <flags id=\"i386_mxcsr\" size=\"4\">\n"
  FLAG("IE", 0) FLAG("DE", 1) FLAG("ZE", 2) FLAG("OE", 3) FLAG("UE", 4)
  FLAG("PE", 5) FLAG("DAZ", 6) FLAG("IM", 7) FLAG("DM", 8) FLAG("ZM", 9)
  FLAG("OM", 10) FLAG("UM", 11) FLAG("PM", 12) FLAG("FZ", 15)
  "    </flags>\n"
  REG("xmm0", 128, "vec128") REG("xmm1", 128, "vec128")
  REG("xmm2", 128, "vec128") REG("xmm3", 128, "vec128")
  REG("xmm4", 128, "vec128") REG("xmm5", 128, "vec128")
  REG("xmm6", 128, "vec128") REG("xmm7", 128, "vec128")
  REG("xmm8", 128, "vec128") REG("xmm9", 128, "vec128")
  REG("xmm10", 128, "vec128") REG("xmm11", 128, "vec128")
  REG("xmm12", 128, "vec128") REG("xmm13", 128, "vec128")
  REG("xmm14", 128, "vec128") REG("xmm15", 128, "vec128")
  REGG("mxcsr", 32, "i386_mxcsr", "vector")
  "  </feature>\n"
  "  <feature name=\"org.gnu.gdb.i386.linux\">\n"
  REG("orig_rax", 64, "int")
  "  </feature>\n"
  "  <feature name=\"org.gnu.gdb.i386.segments\">\n"
  REG("fs_base", 64, "int") REG("gs_base", 64, "int")
  "  </feature>\n"
  "</target>\n";

const char *kd_gdb_x86_64_target_xml(const char *annex, size_t *len) {
  if (strcmp(annex, "target.xml") != 0) return NULL;
  *len = sizeof target_xml - 1;
  return target_xml;
}
