-- proc/timer_list (kernel/time/timer_list.c, kernel/timer_list.lua): sos's
-- kernel plugin copies it with its with-timer option.
local timer_list = require("kernel.timer_list")

plugin{ name = "kernel", description = "Linux kernel" }

emit{ path = "proc/timer_list", plugin = "kernel",
      description = "hrtimer bases, tick_sched state and tick devices of each CPU",
      run = function() return timer_list.proc_timer_list() end }
