-- util-linux 2.38 `lsmem -a -o RANGE,SIZE,STATE,REMOVABLE,ZONES,NODE,BLOCK`
-- from the memory block devices (the memory_blocks xarray; sections on
-- kernels without it)
local mm = require("kernel.mm")
emit{ command = "lsmem -a -o RANGE,SIZE,STATE,REMOVABLE,ZONES,NODE,BLOCK", plugin = "memory",
      run = function() return mm.lsmem() end }
