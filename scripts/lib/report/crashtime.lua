-- report/crashtime.lua: when the machine crashed, in seconds since the
-- epoch (UTC), for the archive's name and every entry's mtime.
--
-- 1. VMCOREINFO "CRASHTIME=" (written by the kdump kernel's crash_save_
--    vmcoreinfo() at the moment of the crash), when the dump has it;
-- 2. else the timekeeper's wall-clock seconds, tk_core.timekeeper.xtime_sec
--    (kernel/time/timekeeping.c; older kernels: the global `timekeeper`),
--    as of its last update: the last tick before the CPUs stopped, so at
--    most a tick early.  QEMU's dump-guest-memory writes no CRASHTIME.
--
-- crashtime.get() -> seconds, source   |   nil, why

local M = {}

local function timekeeper()
  local ok, tk = pcall(function() return kd.symbol("tk_core").timekeeper end)
  if ok and tk then return tk, "tk_core.timekeeper.xtime_sec" end
  ok, tk = pcall(kd.symbol, "timekeeper")
  if ok and tk and kd.has_member(tk, "xtime_sec") then return tk, "timekeeper.xtime_sec" end
  return nil
end

function M.get()
  if kd == nil then return nil, "no dump" end
  local v = kd.vmcoreinfo("CRASHTIME")
  local n = v and math.tointeger(tonumber(v))
  if n and n > 0 then return n, "VMCOREINFO CRASHTIME" end
  local tk, source = timekeeper()
  if tk then
    local ok, sec = pcall(function() return tk.xtime_sec end)
    if ok and math.type(sec) == "integer" and sec > 0 then return sec, source end
  end
  return nil, "no CRASHTIME in VMCOREINFO and no readable timekeeper"
end

return M
