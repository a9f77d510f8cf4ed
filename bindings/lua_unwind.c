/*
** lua_unwind.c -- kd.stack_trace(task | cpu): the unwinder (host/unwind/)
** as Lua sees it.
**
** The unwinder lives as long as the Lua state, in a registry userdata:
** its ORC lookups are remembered across traces, which is what makes the
** traces of thousands of tasks cheap.
*/
#include <lauxlib.h>
#include <stdlib.h>

#include "lua_kd.h"
#include "unwind/unwind.h"

static const char unwinder_key = 'u';

static int unwinder_gc(lua_State *L) {
  struct kd_unwinder **box = lua_touserdata(L, 1);
  kd_unwinder_close(*box);
  *box = NULL;
  return 0;
}

static struct kd_unwinder *unwinder(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &unwinder_key);
  struct kd_unwinder **box = lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (box && *box) return *box;
  box = lua_newuserdatauv(L, sizeof *box, 0);
  *box = NULL;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, unwinder_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  struct kd_error *err = kd_unwinder_open(kl_program(L), box);
  if (err) { lua_pop(L, 1); kl_raise(L, err); }
  lua_rawsetp(L, LUA_REGISTRYINDEX, &unwinder_key);
  return *box;
}

static const char source_key = 's';

static int source_gc(lua_State *L) {
  struct kd_source_map **box = lua_touserdata(L, 1);
  kd_source_map_close(*box);
  *box = NULL;
  return 0;
}

/* The source map, opened on first use; NULL when there is no vmlinux
** DWARF (frames then have no file/line, module frames included). */
static struct kd_source_map *source_map(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &source_key);
  struct kd_source_map **box = lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (box) return *box;
  box = lua_newuserdatauv(L, sizeof *box, 0);
  *box = NULL;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, source_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  struct kd_error *err = kd_source_map_open(kl_program(L), box);
  kd_error_destroy(err);   /* no DWARF: remembered as NULL */
  lua_rawsetp(L, LUA_REGISTRYINDEX, &source_key);
  return *box;
}

/* file, line, inlined of the frame on top of the stack; false when the
** DWARF has nothing for addr */
static bool push_source(lua_State *L, struct kd_source_map *m, uint64_t addr) {
  struct kd_source src;
  if (m == NULL || !kd_source_lookup(m, addr, &src)) return false;
  if (src.file) {
    lua_pushstring(L, src.file);
    lua_setfield(L, -2, "file");
    lua_pushinteger(L, src.line);
    lua_setfield(L, -2, "line");
  }
  if (src.ninlined == 0) return true;
  lua_createtable(L, src.ninlined, 0);
  for (int i = 0; i < src.ninlined; i++) {
    lua_createtable(L, 0, 4);
    if (src.inlined[i].function) {
      lua_pushstring(L, src.inlined[i].function);
      lua_pushvalue(L, -1);
      lua_setfield(L, -3, "function");
      lua_setfield(L, -2, "name");
    }
    if (src.inlined[i].call_file) {
      lua_pushstring(L, src.inlined[i].call_file);
      lua_setfield(L, -2, "call_file");
      lua_pushinteger(L, src.inlined[i].call_line);
      lua_setfield(L, -2, "call_line");
    }
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "inlined");
  return true;
}

static void load_modules(struct kd_program *prog) {
  if (!prog->modules_loaded && !prog->opts.no_modules) {
    struct kd_error *err = kd_program_load_modules(prog);
    kd_error_destroy(err);
  }
}

/* kd.source_line(addr) -> {file, line, inlined} of the kernel or module
** text address addr (exact: a return address's call is at addr - 1), or
** nil when no DWARF covers it (no vmlinux, a module without DWARF) */
static int k_source_line(lua_State *L) {
  uint64_t addr = kl_check_address(L, 1);
  load_modules(kl_program(L));
  struct kd_source_map *src = source_map(L);
  lua_createtable(L, 0, 3);
  if (!push_source(L, src, addr)) lua_pushnil(L);
  return 1;
}

static const char *const kind_names[] = {
  [KD_FRAME_CALL] = "call", [KD_FRAME_IRQ] = "irq",
  [KD_FRAME_EXCEPTION] = "exception", [KD_FRAME_NMI] = "nmi",
  [KD_FRAME_USER_REGS] = "user_regs",
};

static void set_int(lua_State *L, const char *k, uint64_t v) {
  lua_pushinteger(L, (lua_Integer)v);
  lua_setfield(L, -2, k);
}

/*
** The keys of a frame's table (and of its regs, and the kind names) are
** upvalues of kd.stack_trace, made once: a field is then lua_rawset with
** a string already interned, where lua_setfield looked its C string up in
** the string cache first (a fifth of a frame's cost; a trace of every task
** of a large dump makes ~10 fields a frame, ~15 frames a task).
*/
enum {
  UK_PC = 1, UK_SP, UK_KIND, UK_STACK, UK_KERNEL_TEXT, UK_SCHED, UK_FUNCTION,
  UK_NAME, UK_OFFSET, UK_SIZE, UK_MODULE, UK_REGS, UK_ADDRESS,
  UK_REG0,                              /* kd_pt_reg_names[0] .. */
  UK_KIND0 = UK_REG0 + KD_PT_NREGS,     /* kind_names[0] .. */
  UK_END = UK_KIND0 + KD_FRAME_USER_REGS + 1
};
static const char *const frame_keys[UK_REG0 - 1] = {
  "pc", "sp", "kind", "stack", "kernel_text", "sched", "function", "name",
  "offset", "size", "module", "regs", "address",
};

#define push_key(L, k) lua_pushvalue((L), lua_upvalueindex(k))

/* t[key] = v for the table below the top, key an upvalue */
static void set_int_k(lua_State *L, int key, uint64_t v) {
  push_key(L, key);
  lua_pushinteger(L, (lua_Integer)v);
  lua_rawset(L, -3);
}

static void set_bool_k(lua_State *L, int key, bool v) {
  push_key(L, key);
  lua_pushboolean(L, v);
  lua_rawset(L, -3);
}

/* the value on top goes into the table below it under key */
static void set_top_k(lua_State *L, int key) {
  push_key(L, key);
  lua_insert(L, -2);
  lua_rawset(L, -3);
}

/* One frame: pc, sp, kind, function, offset, size, module, regs (called
** by k_stack_trace only: the keys are its upvalues). */
static void push_frame(lua_State *L, struct kd_program *prog,
                       const struct kd_frame *f, struct kd_source_map *src) {
  lua_createtable(L, 0, 10);
  set_int_k(L, UK_PC, f->pc);
  set_int_k(L, UK_SP, f->sp);
  push_key(L, UK_KIND0 + (int)f->kind);
  set_top_k(L, UK_KIND);
  if (f->stack) {
    lua_pushstring(L, f->stack);
    set_top_k(L, UK_STACK);
  }
  set_bool_k(L, UK_KERNEL_TEXT, f->kernel_text);
  set_bool_k(L, UK_SCHED, f->sched);
  /* a return address names its call: the symbol of pc - 1 (a call to a
  ** noreturn function may be the last instruction of its function); an
  ** interrupted pc is exact */
  bool exact = f->has_regs || f->kind != KD_FRAME_CALL;
  const struct kd_symbol *s = kd_symtab_by_address(prog->symtab, exact ? f->pc : f->pc - 1);
  if (s && f->kind != KD_FRAME_USER_REGS) {
    /* "function" as the API names it; "name" too, since f.function is a
    ** syntax error in Lua (f["function"] is not) */
    lua_pushstring(L, s->name);
    push_key(L, UK_FUNCTION);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);
    set_top_k(L, UK_NAME);
    set_int_k(L, UK_OFFSET, f->pc - s->address);
    uint64_t next = kd_symtab_next_address(prog->symtab, s->address);
    set_int_k(L, UK_SIZE, next ? next - s->address : s->size);
    if (s->module) {
      lua_pushstring(L, s->module);
      set_top_k(L, UK_MODULE);
    }
    if (src) push_source(L, src, exact ? f->pc : f->pc - 1);
  }
  if (f->has_regs) {
    lua_createtable(L, 0, KD_PT_NREGS + 1);
    for (int r = 0; r < KD_PT_NREGS; r++) set_int_k(L, UK_REG0 + r, f->regs[r]);
    if (f->regs_addr) set_int_k(L, UK_ADDRESS, f->regs_addr);
    set_top_k(L, UK_REGS);
  }
}

/* kd.stack_trace(task | cpu [, {lines = true, unwinder = "dwarf"|"fp"}])
** -> { frame..., reliable, stop_reason, task, cpu }; with lines, frames
** of vmlinux and of modules with DWARF get file, line and inlined
** (decoding line tables costs: asked for, not by default) */
static int k_stack_trace(lua_State *L) {
  struct kd_program *prog = kl_program(L);
  struct kd_unwinder *u = unwinder(L);
  struct kd_source_map *src = NULL;
  if (lua_type(L, 2) == LUA_TTABLE && lua_getfield(L, 2, "lines") != LUA_TNIL &&
      lua_toboolean(L, -1))
    src = source_map(L);
  if (lua_type(L, 2) == LUA_TTABLE) lua_pop(L, 1);
  /* {unwinder = "dwarf" | "fp"}: start at that method (comparisons,
  ** kernels without ORC); default ORC first */
  enum kd_unwind_method method = KD_UNWIND_AUTO;
  if (lua_type(L, 2) == LUA_TTABLE) {
    lua_getfield(L, 2, "unwinder");
    static const char *const names[] = { "orc", "dwarf", "fp", NULL };
    if (!lua_isnil(L, -1)) method = (enum kd_unwind_method)luaL_checkoption(L, -1, NULL, names);
    lua_pop(L, 1);
  }
  kd_unwinder_set_method(u, method);
  load_modules(prog);
  struct kd_trace t = { 0 };   /* freed on every path, also when no unwind began */
  struct kd_error *err;
  /* a small integer is a CPU number; anything else designates a task */
  if (lua_isinteger(L, 1) && (lua_Unsigned)lua_tointeger(L, 1) < 65536)
    err = kd_unwind_cpu(u, (unsigned)lua_tointeger(L, 1), &t);
  else
    err = kd_unwind_task(u, kl_check_address(L, 1), &t);
  kd_unwinder_set_method(u, KD_UNWIND_AUTO);
  if (err) { kd_trace_free(&t); return kl_raise(L, err); }
  lua_createtable(L, (int)t.n, 4);
  for (size_t i = 0; i < t.n; i++) {
    push_frame(L, prog, &t.frames[i], src);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_pushboolean(L, t.reliable);
  lua_setfield(L, -2, "reliable");
  lua_pushstring(L, t.stop_reason);
  lua_setfield(L, -2, "stop_reason");
  if (t.task) set_int(L, "task", t.task);
  if (t.cpu >= 0) { lua_pushinteger(L, t.cpu); lua_setfield(L, -2, "cpu"); }
  kd_trace_free(&t);
  return 1;
}

/* kd.stack_pcs(task [, max]) -> { pc... }: the return addresses
** stack_trace_save_tsk() records (what /proc/<pid>/stack and wchan print):
** the frames' pcs while they are kernel text, scheduler and lock functions
** left out, at most max (default 64).  The same unwind as kd.stack_trace,
** without a table and a symbol lookup per frame: wchan needs one address
** and /proc/<pid>/stack a dozen, of tens of thousands of tasks; the
** unwinder remembers the list of the last tasks asked, so the two cost
** one walk of a task (kd_unwind_saved_pcs). */
static int k_stack_pcs(lua_State *L) {
  struct kd_program *prog = kl_program(L);
  struct kd_unwinder *u = unwinder(L);
  lua_Integer max = luaL_optinteger(L, 2, KD_SAVED_PCS_MAX);
  luaL_argcheck(L, max >= 0, 2, "negative count");
  uint64_t task = kl_check_address(L, 1);
  /* no trace has more frames than the walk takes (MAX_FRAMES) */
  uint64_t small[KD_SAVED_PCS_MAX], *pcs = small;
  if (max > 256) max = 256;
  if (max > KD_SAVED_PCS_MAX) {
    /* left on the stack (below the result) while it is used */
    pcs = lua_newuserdatauv(L, (size_t)max * sizeof *pcs, 0);
  }
  kd_unwinder_set_method(u, KD_UNWIND_AUTO);
  load_modules(prog);
  size_t n = 0;
  struct kd_error *err = kd_unwind_saved_pcs(u, task, pcs, (size_t)max, &n);
  if (err) return kl_raise(L, err);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushinteger(L, (lua_Integer)pcs[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* kd.thread_size() -> THREAD_SIZE, the size of a task's kernel stack (as
** the unwinder finds it: the linker's bracket of init_task's stack, else
** union thread_union) */
static int k_thread_size(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)kd_unwinder_thread_size(unwinder(L)));
  return 1;
}

/* kd.task_cpu(task) -> the CPU whose register note holds the task (it was
** running there at the crash), or nil */
static int k_task_cpu(lua_State *L) {
  int cpu = kd_unwinder_task_cpu(unwinder(L), kl_check_address(L, 1));
  if (cpu < 0) lua_pushnil(L); else lua_pushinteger(L, cpu);
  return 1;
}

/* kd.panic_cpu() -> the CPU that crashed (panic_cpu, crashing_cpu, the
** first online CPU), or nil */
static int k_panic_cpu(lua_State *L) {
  const struct kd_cpu_notes *n = kd_unwinder_cpu_notes(unwinder(L));
  if (n->panic_note < 0) lua_pushnil(L);
  else lua_pushinteger(L, n->cpu[n->panic_note]);
  return 1;
}

/* kd.cpu_tasks() -> { [cpu] = task address } of every CPU with registers */
static int k_cpu_tasks(lua_State *L) {
  const struct kd_cpu_notes *n = kd_unwinder_cpu_notes(unwinder(L));
  lua_createtable(L, 0, (int)n->n);
  for (unsigned i = 0; i < n->n; i++) {
    lua_pushinteger(L, (lua_Integer)n->curr[i]);
    lua_rawseti(L, -2, n->cpu[i]);
  }
  return 1;
}

void kl_open_unwind(lua_State *L) {
  static const luaL_Reg funcs[] = {
    { "stack_pcs", k_stack_pcs }, { "task_cpu", k_task_cpu },
    { "thread_size", k_thread_size },
    { "panic_cpu", k_panic_cpu }, { "cpu_tasks", k_cpu_tasks },
    { "source_line", k_source_line }, { NULL, NULL }
  };
  luaL_setfuncs(L, funcs, 0);
  luaL_checkstack(L, UK_END, "kd.stack_trace's keys");
  for (int k = UK_PC; k < UK_REG0; k++) lua_pushstring(L, frame_keys[k - 1]);
  for (int r = 0; r < KD_PT_NREGS; r++) lua_pushstring(L, kd_pt_reg_names[r]);
  for (int k = 0; k <= KD_FRAME_USER_REGS; k++) lua_pushstring(L, kind_names[k]);
  lua_pushcclosure(L, k_stack_trace, UK_END - 1);
  lua_setfield(L, -2, "stack_trace");
}
