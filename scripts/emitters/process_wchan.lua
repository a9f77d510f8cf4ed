-- /proc/<pid>/wchan and /proc/<pid>/task/<tid>/wchan: get_wchan() over the
-- core's unwinder (task.wchan, kernel/stack.lua): the first caller outside
-- the scheduler, module functions included; "0" for running tasks; no
-- trailing newline, as the kernel prints it
local task = require("kernel.task")
emit{ path = "proc/{pid}/wchan", plugin = "process", each = "pids",
      run = function(pid, t) return task.wchan(t) end }
emit{ path = "proc/{pid}/task/{tid}/wchan", plugin = "process", each = "tids",
      run = function(tid, t, pid) return task.wchan(t) end }
