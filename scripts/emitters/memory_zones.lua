-- Zones and the buddy allocator (mm/vmstat.c).  sos 4.0 copies
-- proc/zoneinfo and proc/buddyinfo in its kernel plugin, proc/pagetypeinfo
-- in memory.
local mm = require("kernel.mm")
local function R(t, why, part)
  if t then return t end
  if part then return stub(why, part) end
  return nil, why
end
emit{ path = "proc/zoneinfo", plugin = "kernel", run = function() return mm.zoneinfo() end }
emit{ path = "proc/buddyinfo", plugin = "kernel", run = function() return mm.buddyinfo() end }
emit{ path = "proc/pagetypeinfo", plugin = "memory",
      run = function() return R(mm.pagetypeinfo()) end }
