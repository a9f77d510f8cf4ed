-- proc/meminfo (fs/proc/meminfo.c), from the vmstat counters, the swap
-- areas, vm_committed_as, nr_vmalloc_pages, the hstates and x86's
-- direct_pages_count (kernel/mm.lua)
local mm = require("kernel.mm")
local function R(t, why, part)
  if t then return t end
  if part then return stub(why, part) end
  return nil, why
end
emit{ path = "proc/meminfo", plugin = "memory",
      run = function() return R(mm.meminfo()) end }
