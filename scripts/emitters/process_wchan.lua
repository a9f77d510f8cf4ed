-- /proc/<pid>/wchan: the first caller outside the scheduler (task.lua's
-- stack scan; "0" for running tasks), no trailing newline as the kernel
local task = require("kernel.task")
emit{ path = "proc/{pid}/wchan", plugin = "process", each = "pids",
      run = function(pid, t) return task.wchan(t) end }
