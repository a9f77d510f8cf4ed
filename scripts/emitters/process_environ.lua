-- /proc/<pid>/environ, read from the process's user pages (nil, reason
-- when they are not in the dump)
local procfs = require("kernel.procfs")
emit{ path = "proc/{pid}/environ", plugin = "process", each = "pids",
      run = function(pid, task) return procfs.environ(task) end }
