-- /proc/<pid>/stat (thread-group totals) and /proc/<pid>/task/<tid>/stat
local procfs = require("kernel.procfs")
emit{ path = "proc/{pid}/stat", plugin = "process", each = "pids",
      run = function(pid, task) return procfs.stat(task, true) end }
emit{ path = "proc/{pid}/task/{tid}/stat", plugin = "process", each = "tids",
      run = function(tid, task, pid) return procfs.stat(task, false) end }
