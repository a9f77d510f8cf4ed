-- sos process plugin: lsof -b +M -n -l -c '' (from the tasks' file
-- tables; see kernel/files.lua for the columns and what lsof adds live)
local files = require("kernel.files")
emit{ command = "lsof -b +M -n -l -c ''", plugin = "process", symlink = "lsof",
      run = function() return files.lsof() end }
