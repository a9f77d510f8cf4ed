-- sos process plugin: `pstree -lp` (psmisc format, ASCII)
local ps = require("kernel.ps")
emit{ command = "pstree -lp", plugin = "process", symlink = "pstree",
      run = function() return ps.pstree() end }
