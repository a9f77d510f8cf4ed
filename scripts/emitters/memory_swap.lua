-- Swap: proc/swaps (mm/swapfile.c swap_show) and util-linux 2.38 swapon,
-- which prints nothing at all when no swap area is in use
local mm = require("kernel.mm")
emit{ path = "proc/swaps", plugin = "memory", run = function() return mm.swaps() end }
emit{ command = "swapon --bytes --show", plugin = "memory",
      run = function() return mm.swapon_show(true) end }
emit{ command = "swapon --summary --verbose", plugin = "memory",
      run = function() return mm.swapon_summary() end }
