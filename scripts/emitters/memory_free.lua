-- procps-ng 4.0 `free` and `free -m`, computed from the rebuilt /proc/meminfo
local mm = require("kernel.mm")
emit{ command = "free", plugin = "memory", symlink = "free", run = function() return mm.free(0) end }
emit{ command = "free -m", plugin = "memory", run = function() return mm.free(10) end }
