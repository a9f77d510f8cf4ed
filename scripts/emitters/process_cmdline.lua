-- /proc/<pid>/cmdline, read from the process's user pages (nil, reason
-- when they are not in the dump: the host writes a stub with the reason)
local procfs = require("kernel.procfs")
emit{ path = "proc/{pid}/cmdline", plugin = "process", each = "pids",
      run = function(pid, task) return procfs.cmdline(task) end }
