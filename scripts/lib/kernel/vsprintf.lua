-- kernel/vsprintf.lua: pointers as the kernel prints them with %p and %pK
-- (lib/vsprintf.c), for files such as /proc/vmallocinfo and /proc/net/*
-- that show kernel addresses to a root reader.
--
-- Mirrors: lib/vsprintf.c, lib/siphash.c

local M = {}

local util = require("kernel.util")
local sym, symval = util.symbol_or_nil, util.symbol_value

-- siphash_1u64(first, key) of lib/siphash.c (SipHash-2-4, one word): in
-- C (kd.siphash_1u64), as it is called once or twice per line of
-- /proc/vmallocinfo and /proc/net/*.  (kd is looked up at the call: this
-- library is also loaded where no dump is open, e.g. by `kdlua fidelity`
-- through kernel.net_tools)
function M.siphash_1u64(m, k0, k1) return kd.siphash_1u64(m, k0, k1) end

local mode
-- how %p/%pK print for a root reader: "hash" (ptr_to_id: siphash of the
-- address with the boot's random ptr_key, low 32 bits), "raw"
-- (no_hash_pointers, or %pK with kptr_restrict=1 and CAP_SYSLOG as sos
-- has), "zero" (%pK with kptr_restrict>=2), "weak" (debug_boot_weak_hash),
-- "unset" (the key was never filled: "(____ptrval____)"), "unknown" (no
-- ptr_key in the debug info)
function M.pointer_mode()
  if mode then return mode end
  local m = { pk = "hash", p = "hash" }
  local key = sym("ptr_key")
  if key then
    local ok, k0, k1 = pcall(function() return key.key[0], key.key[1] end)
    if ok then m.k0, m.k1 = k0, k1 else m.p = "unknown" end
  else
    m.p = "unknown"
  end
  if symval("filled_random_ptr_key") == 0 then m.p = "unset" end
  if (symval("debug_boot_weak_hash") or 0) ~= 0 then m.p = "weak" end
  if (symval("no_hash_pointers") or 0) ~= 0 then m.p = "raw" end
  local kr = symval("kptr_restrict") or 0
  if kr == 0 then m.pk = m.p
  elseif kr == 1 then m.pk = "raw"
  else m.pk = "zero" end
  m.kptr_restrict = kr
  mode = m
  return m
end

local function hash_ptr(how, addr)
  if addr == 0 then return string.format("%016x", 0) end
  if how == "raw" then return string.format("%016x", addr) end
  if how == "zero" then return string.format("%016x", 0) end
  if how == "unset" then return "(____ptrval____)" end
  local m = M.pointer_mode()
  if how == "weak" then
    -- hash_long(ptr, 32) = (ptr * GOLDEN_RATIO_64) >> 32
    return string.format("%016x", ((addr * 0x61C8864680B583EB) >> 32) & 0xffffffff)
  end
  if how == "unknown" or m.k0 == nil then return nil end
  return string.format("%016x", kd.siphash_1u64(addr, m.k0, m.k1) & 0xffffffff)
end

-- "%p" / "%pK" of an address as a root reader sees it (16 digits, no
-- "0x"); nil when the dump's debug info has no ptr_key to hash with
function M.p(addr) return hash_ptr(M.pointer_mode().p, addr) end
function M.pk(addr) return hash_ptr(M.pointer_mode().pk, addr) end

-- M.pk as a function made for this dump's mode, for files with a %pK or
-- two on every line (/proc/vmallocinfo): the hashing case without the
-- mode's lookups and tests per call; the others are M.pk itself
function M.pk_fn()
  local m = M.pointer_mode()
  if m.pk ~= "hash" or m.k0 == nil then return M.pk end
  local k0, k1, fmt, siphash = m.k0, m.k1, string.format, kd.siphash_1u64
  local zero = fmt("%016x", 0)
  return function(addr)
    if addr == 0 then return zero end
    return fmt("%016x", siphash(addr, k0, k1) & 0xffffffff)
  end
end

return M
