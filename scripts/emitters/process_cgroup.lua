-- /proc/<pid>/cgroup (kernel/cgroup/cgroup.c proc_cgroup_show)
local cgroup = require("kernel.cgroup")
emit{ path = "proc/{pid}/cgroup", plugin = "process", each = "pids",
      run = function(pid, task) return cgroup.proc_cgroup(task) end }
