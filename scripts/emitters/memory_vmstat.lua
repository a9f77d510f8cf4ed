-- proc/vmstat (mm/vmstat.c): names read from the dump's vmstat_text
-- array, values from vm_zone_stat, vm_numa_event (+ per-CPU deltas),
-- vm_node_stat, the dirty thresholds and the per-CPU vm_event_states
local mm = require("kernel.mm")
emit{ path = "proc/vmstat", plugin = "memory", run = function() return mm.vmstat() end }
