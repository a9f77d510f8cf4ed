-- proc/stat, proc/interrupts, proc/softirqs (kernel/irq.lua): counters as
-- the CPUs left them when they stopped.  The per-CPU lines cover the CPUs
-- online before the panic (the panic's smp_send_stop() takes the others
-- offline; their counters stop there).  6.1 formats; arch rows of
-- /proc/interrupts follow the configuration the dump's irq_cpustat_t shows.

local irq = require("kernel.irq")

plugin{ name = "kernel", description = "Linux kernel" }

emit{ path = "proc/stat", plugin = "kernel",
      description = "kernel/system statistics at the crash (fs/proc/stat.c)",
      run = function() return irq.stat() end }

emit{ path = "proc/interrupts", plugin = "kernel",
      description = "interrupt counts per CPU at the crash (show_interrupts + arch_show_interrupts)",
      run = function() return irq.interrupts() end }

emit{ path = "proc/softirqs", plugin = "kernel",
      description = "softirq counts per possible CPU at the crash",
      run = function() return irq.softirqs() end }
