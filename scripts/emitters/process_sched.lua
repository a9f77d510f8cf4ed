-- Scheduler debug files, which sos copies in its process plugin
-- (kernel/sched.lua, format of kernel/sched/debug.c in 6.1):
-- sys/kernel/debug/sched/debug, sys/kernel/debug/sched/features and
-- proc/sched_debug (the same text before 5.13; 5.13+ kernels have no such
-- file, so it is a stub pointing at the debugfs one).  Clocks and runqueues
-- are those of the last tick each CPU took.

local sched = require("kernel.sched")

plugin{ name = "process", description = "process information" }

emit{ path = "sys/kernel/debug/sched/debug", plugin = "process",
      description = "scheduler state per CPU and runnable tasks (sched_debug_show)",
      run = function() return sched.debug() end }

emit{ path = "sys/kernel/debug/sched/features", plugin = "process",
      description = "scheduler features (sysctl_sched_features)",
      run = function() return sched.features() end }

emit{ path = "proc/sched_debug", plugin = "process",
      description = "/proc/sched_debug (kernels before 5.13)",
      run = function()
        if kd.symbol_address("debugfs_sched") then
          return nil, "no /proc/sched_debug on this kernel (moved to debugfs in 5.13): see sys/kernel/debug/sched/debug"
        end
        return sched.debug()
      end }

emit{ path = "proc/schedstat", plugin = "process",
      description = "per-CPU scheduler statistics and sched domains (show_schedstat)",
      run = function() return sched.schedstat() end }
