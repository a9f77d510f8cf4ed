-- /proc/<pid>/comm and /proc/<pid>/task/<tid>/comm
local procfs = require("kernel.procfs")
emit{ path = "proc/{pid}/comm", plugin = "process", each = "pids",
      run = function(pid, task) return procfs.comm(task) end }
emit{ path = "proc/{pid}/task/{tid}/comm", plugin = "process", each = "tids",
      run = function(tid, task, pid) return procfs.comm(task) end }
