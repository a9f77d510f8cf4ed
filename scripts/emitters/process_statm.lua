-- /proc/<pid>/statm (pages: size resident shared text lib data dt)
local procfs = require("kernel.procfs")
emit{ path = "proc/{pid}/statm", plugin = "process", each = "pids",
      run = function(pid, task) return procfs.statm(task) end }
