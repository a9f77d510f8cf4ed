-- /proc/locks (copied by sos's kernel plugin) and lslocks (filesys)
local files = require("kernel.files")
emit{ path = "proc/locks", plugin = "kernel",
      run = function() return files.proc_locks() end }
emit{ command = "lslocks", plugin = "filesys",
      run = function() return files.lslocks() end }
