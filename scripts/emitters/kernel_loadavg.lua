-- proc/loadavg and proc/uptime at the crash (kernel/sched.lua): avenrun and
-- the runqueues as of the last tick; CLOCK_BOOTTIME of the last timekeeping
-- update and the NO_HZ idle sleep time of each CPU.

local sched = require("kernel.sched")

plugin{ name = "kernel", description = "Linux kernel" }

emit{ path = "proc/loadavg", plugin = "kernel",
      description = "load averages, running/total threads, last pid (fs/proc/loadavg.c)",
      run = function() return sched.loadavg() end }

emit{ path = "proc/uptime", plugin = "kernel",
      description = "uptime and summed idle time at the crash (fs/proc/uptime.c)",
      run = function() return sched.uptime() end }
