/*
** fuzz_emitter.c -- libFuzzer harness: an emitter file's text through
** discovery (scripts/lib/report/registry.lua): loading, the emitters'
** environment, emit{}/plugin{} validation, the time and memory budgets.
** No dump: what an emitter's top level may do without one.
*/
#define _GNU_SOURCE
#include <lauxlib.h>
#include <lualib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bindings/lua_host.h"
#include "bindings/lua_report.h"

#ifndef KDLUA_FUZZ_SCRIPTS
#error "KDLUA_FUZZ_SCRIPTS (the scripts/ directory) must be defined"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char driver[] =
  "local path = ...\n"
  "local log = require('report.log').new(0)\n"
  "local reg = require('report.registry').new(log, { time = 0.2, memory = 16 << 20 })\n"
  "reg:load_file(path, 'site')\n"
  "for _, e in ipairs(reg.emitters) do assert(type(e.path) == 'string') end\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int fd = memfd_create("fuzz-emitter.lua", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (write(fd, data, size) != (ssize_t)size) { close(fd); return 0; }
  lua_State *L = kl_state_new(NULL, KDLUA_FUZZ_SCRIPTS, NULL);
  if (L == NULL) { close(fd); return 0; }
  kl_open_report(L);
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  if (luaL_loadstring(L, driver) != LUA_OK) abort();
  lua_pushstring(L, path);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    /* the registry must turn every problem of the file into a skip */
    fprintf(stderr, "registry raised: %s\n", lua_tostring(L, -1));
    abort();
  }
  lua_close(L);
  close(fd);
  return 0;
}
