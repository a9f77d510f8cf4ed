/*
** fuzz_kd_api.c -- libFuzzer harness: random sequences of `kd` calls with
** random arguments, on the synthetic dump of tests/fixtures (kstructs.elf
** and the kfx.vmcore tests/tools/mkvmcore.c writes of it).
**
** The input is a byte stream a Lua driver reads as choices: which `kd`
** function or which operation on an object got earlier (a member, a
** method_, an index, arithmetic, comparison, #, tostring, assignment), and
** each argument (nil, booleans, integers near the edges, addresses of the
** fixture's symbols, type, symbol and member names, type spellings with
** odd array lengths, raw bytes, objects and iterators got earlier).  Every
** step runs under pcall: raising a Lua error is a fine answer to any
** call.  What the harness finds is a crash, a sanitizer report, a hang or
** an allocation of gigabytes -- and, checked here, an error value that is
** not a string or a kd error table.
*/
#define _GNU_SOURCE
#include <lauxlib.h>
#include <lualib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindings/lua_host.h"
#include "core/program.h"

#ifndef KDLUA_FUZZ_SCRIPTS
#error "KDLUA_FUZZ_SCRIPTS (the scripts/ directory) must be defined"
#endif
#ifndef KDLUA_FUZZ_KFX
#error "KDLUA_FUZZ_KFX (the build's tests/fixtures directory) must be defined"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kd_program *prog;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc; (void)argv;
  setenv("KDLUA_NO_PROBE", "1", 1);     /* one open, in this process */
  setenv("KDLUA_NO_CACHE", "1", 1);
  struct kd_program_options o = {
    .vmcore = KDLUA_FUZZ_KFX "/kfx.vmcore",
    .vmlinux = KDLUA_FUZZ_KFX "/kstructs.elf",
    .no_modules = true,
  };
  struct kd_error *err = kd_program_open(&o, &prog);
  if (err) {
    fprintf(stderr, "fuzz_kd_api: cannot open the fixture: %s\n", err->message);
    exit(1);
  }
  return 0;
}

static const char driver[] =
  "local data = ...\n"
  "local pos = 0\n"
  "local function byte() pos = pos + 1; return data:byte(pos) or 0 end\n"
  "local function done() return pos >= #data end\n"
  "local function u64() local v = 0; for _ = 1, 8 do v = (v << 8) | byte() end; return v end\n"
  "local function pick(t) return t[byte() % #t + 1] end\n"
  "local fnames = {}\n"
  "for k, v in pairs(kd) do if type(v) == 'function' and k ~= 'trim' then fnames[#fnames + 1] = k end end\n"
  "table.sort(fnames)\n"
  "local types = { 'int', 'char', 'unsigned long', 'void', 'struct kfx_task', 'struct list_head',\n"
  "  'struct hlist_head', 'struct rb_root', 'struct kfx_item', 'struct kfx_mm', 'struct kfx_msg',\n"
  "  'struct uts_namespace', 'struct nosuch', 'enum nosuch', 'union nosuch' }\n"
  "local ok, tn = pcall(kd.type_names)\n"
  "if ok and type(tn) == 'table' then\n"
  "  table.sort(tn, function(a, b) return tostring(a) < tostring(b) end)\n"
  "  for i = 1, math.min(#tn, 200) do types[#types + 1] = tn[i] end\n"
  "end\n"
  "local syms = { 'kfx_init_task', 'kfx_task_init', 'kfx_task_kthreadd', 'kfx_task_shell',\n"
  "  'kfx_pid_hash', 'kfx_stack', 'kfx_mm_init', 'kfx_run_tree', 'kfx_nr_tasks', 'kfx_current',\n"
  "  'kfx_bad_list', 'kfx_loop_list', 'kfx_empty_list', '__per_cpu_offset', 'init_uts_ns',\n"
  "  'linux_banner', 'kfx_msg_hdr', 'kfx_char', 'kfx_int', 'kfx_uint', 'nosuch', '' }\n"
  "local members = { 'pid', 'comm', 'tasks', 'next', 'prev', 'mm', 'node', 'name', 'len', 'type',\n"
  "  'state', 'children', 'sibling', 'parent', 'first', 'rb_node', 'value', 'sysname', 'x', '',\n"
  "  'tasks.next', 'name.sysname', 'pid[1]', 'comm[99]' }\n"
  "local methods = { 'address_', 'type_', 'value_', 'member_', 'deref_', 'is_null_', 'string_',\n"
  "  'address_of_', 'cast_', 'bytes_', 'entries_', 'members_', 'nosuch_' }\n"
  "local pool = {}\n"
  "local function keep(v)\n"
  "  if v ~= nil and #pool < 32 then pool[#pool + 1] = v end\n"
  "end\n"
  "local function addr()\n"
  "  local ok, a = pcall(kd.symbol_address, pick(syms))\n"
  "  if ok and math.type(a) == 'integer' then return a + (byte() % 64) - 8 end\n"
  "  return 0\n"
  "end\n"
  "local edges = { 0, 1, -1, 2, 7, 8, 16, 4096, 1 << 31, 1 << 32, (1 << 32) - 1, 1 << 62,\n"
  "  math.maxinteger, math.mininteger, -4096, 1 << 40 }\n"
  "local function int()\n"
  "  local k = byte() % 4\n"
  "  if k == 0 then return pick(edges) elseif k == 1 then return addr()\n"
  "  elseif k == 2 then return byte() else return u64() end\n"
  "end\n"
  "local function str()\n"
  "  local k = byte() % 7\n"
  "  if k == 0 then return pick(types) elseif k == 1 then return pick(syms)\n"
  "  elseif k == 2 then return pick(members) elseif k == 3 then return pick(methods)\n"
  "  elseif k == 4 then return pick(types) .. pick({ ' *', '[3]', '[-1]', '[0]', '[99999999999]', ' **', '[' })\n"
  "  elseif k == 5 then return pick({ 'online', 'possible', 'present', 'OSRELEASE', 'PAGESIZE', '%s%n', 'x' })\n"
  "  else local n = byte() % 16; local t = {}; for i = 1, n do t[i] = string.char(byte()) end; return table.concat(t) end\n"
  "end\n"
  "local function val()\n"
  "  local k = byte() % 10\n"
  "  if k == 0 then return nil elseif k <= 3 then return int() elseif k <= 5 then return str()\n"
  "  elseif k <= 7 and #pool > 0 then return pick(pool)\n"
  "  elseif k == 8 then return byte() % 2 == 0\n"
  "  else return pick({ {}, 0.5, -0.0, 1e300, 0/0, math.huge, print }) end\n"
  "end\n"
  "local function args(n) local a = {}; for i = 1, n do a[i] = val() end; return a, n end\n"
  "local function results(...)\n"
  "  for i = 1, select('#', ...) do\n"
  "    local r = select(i, ...)\n"
  "    if type(r) == 'function' then\n"
  "      for _ = 1, byte() % 4 do local ok, x = pcall(r); if ok then keep(x) else break end end\n"
  "    elseif type(r) == 'userdata' or type(r) == 'table' then keep(r) end\n"
  "  end\n"
  "end\n"
  "local ops = {\n"
  "  function() local f = kd[pick(fnames)]; local a, n = args(byte() % 4); results(f(table.unpack(a, 1, n))) end,\n"
  "  function() local o = pick(pool); if o then results(o[str()]) end end,\n"
  "  function() local o = pick(pool); if o then results(o[int()]) end end,\n"
  "  function() local o = pick(pool); if o then local m = o[pick(methods)]; local a, n = args(byte() % 3)\n"
  "    results(m(o, table.unpack(a, 1, n))) end end,\n"
  "  function() local o = pick(pool); if o then o[str()] = val() end end,\n"
  "  function() local o = pick(pool); if o then results(#o, tostring(o)) end end,\n"
  "  function() local o = pick(pool); if o then\n"
  "    local b = val(); local k = byte() % 12\n"
  "    if k == 0 then results(o + b) elseif k == 1 then results(o - b) elseif k == 2 then results(o * b)\n"
  "    elseif k == 3 then results(o // b) elseif k == 4 then results(o % b) elseif k == 5 then results(o & b)\n"
  "    elseif k == 6 then results(o << b) elseif k == 7 then results(o == b, o < b, o <= b)\n"
  "    elseif k == 8 then results(-o, ~o) elseif k == 9 then results(o / b)\n"
  "    elseif k == 10 then results(o ^ b) else results(b - o) end end end,\n"
  "  function() local o = pick(pool); if o then for k, v in pairs(o) do keep(v); if byte() % 4 == 0 then break end end end end,\n"
  "}\n"
  "for _ = 1, 48 do\n"
  "  if done() then break end\n"
  "  local ok, e = pcall(pick(ops))\n"
  "  if not ok and type(e) ~= 'string' and not (type(e) == 'table' and type(e.message) == 'string') then\n"
  "    error('a kd call raised a ' .. type(e) .. ', not a message or an error table', 0)\n"
  "  end\n"
  "end\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lua_State *L = kl_state_new(prog, KDLUA_FUZZ_SCRIPTS, NULL);
  if (L == NULL) return 0;
  if (luaL_loadstring(L, driver) != LUA_OK) {
    fprintf(stderr, "driver: %s\n", lua_tostring(L, -1));
    abort();
  }
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    /* memory errors are the budget's, not findings */
    if (msg == NULL || strstr(msg, "not enough memory") == NULL) {
      fprintf(stderr, "driver raised: %s\n", msg ? msg : "(not a string)");
      abort();
    }
  }
  lua_close(L);
  return 0;
}
