-- Registries printed as they are in memory (kernel/devices.lua):
-- proc/misc, proc/devices, proc/filesystems, proc/cgroups and
-- `ls -lt /sys/kernel/slab` (kernfs entries; the times are not in the dump).

local dev = require("kernel.devices")

plugin{ name = "kernel", description = "Linux kernel" }

emit{ path = "proc/misc", plugin = "kernel", description = "misc devices (misc_list)",
      run = function() return dev.misc() end }

emit{ path = "proc/devices", plugin = "kernel", description = "char/block majors (chrdevs, major_names)",
      run = function() return dev.devices() end }

emit{ path = "proc/filesystems", plugin = "kernel", description = "registered filesystem types",
      run = function() return dev.filesystems() end }

emit{ path = "proc/cgroups", plugin = "cgroups", description = "cgroup v1 controllers (cgroup_subsys)",
      run = function() return dev.cgroups() end }

emit{ command = "ls -lt /sys/kernel/slab", plugin = "kernel",
      description = "SLUB's sysfs directory from the kernfs tree (no times)",
      run = function()
        local text, why = dev.ls_slab()
        if not text then return nil, why end
        return stub(why, text)
      end }
