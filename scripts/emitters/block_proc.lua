-- block plugin: /proc/partitions and /proc/diskstats (block/genhd.c)
local block = require("kernel.block")
emit{ path = "proc/partitions", plugin = "block",
      run = function() return block.proc_partitions() end }
emit{ path = "proc/diskstats", plugin = "block",
      run = function() return block.proc_diskstats() end }
