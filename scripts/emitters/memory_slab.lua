-- Slab caches: proc/slabinfo (sos 4.0 copies it in its kernel plugin) and
-- procps `slabtop -o` over the same numbers (kernel/slab.lua)
local slab = require("kernel.slab")
emit{ path = "proc/slabinfo", plugin = "kernel", run = function() return slab.slabinfo() end }
emit{ command = "slabtop -o", plugin = "memory", run = function() return slab.slabtop() end }
