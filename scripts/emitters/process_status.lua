-- /proc/<pid>/status and /proc/<pid>/task/<tid>/status (fs/proc/array.c)
local procfs = require("kernel.procfs")
emit{ path = "proc/{pid}/status", plugin = "process", each = "pids",
      run = function(pid, task) return procfs.status(task) end }
emit{ path = "proc/{pid}/task/{tid}/status", plugin = "process", each = "tids",
      run = function(tid, task, pid) return procfs.status(task) end }
