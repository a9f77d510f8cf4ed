-- sysctl values from the registered ctl tables (kernel/sysctl.lua):
-- `sysctl -a` in procps-ng's "key = value" form (readdir order, deprecated
-- base_reachable_time/retrans_time left out as procps does) and the
-- proc/sys files that the live capture and sos look at.  Entries whose
-- value the kernel makes at read time from state it does not keep (a
-- random UUID, ...) are named in the stub header of sysctl -a.
-- The proc/sys files listed here are those not emitted elsewhere
-- (kernel_uname.lua: hostname, osrelease, ...; kernel_tainted.lua;
-- kernel_boot_id.lua).

local sysctl = require("kernel.sysctl")

plugin{ name = "kernel", description = "Linux kernel" }

emit{ command = "sysctl -a", plugin = "kernel",
      description = "all sysctl values the dump holds",
      run = function()
        local text, missing = sysctl.sysctl_a()
        if #missing == 0 then return text end
        local names = {}
        for _, m in ipairs(missing) do names[#names + 1] = m[1] .. " (" .. m[2] .. ")" end
        return stub("left out, value made at read time: " .. table.concat(names, "; "), text)
      end }

local FILES = {
  "kernel/pid_max", "kernel/threads-max", "kernel/panic", "kernel/panic_on_oops",
  "kernel/hung_task_panic", "kernel/hung_task_timeout_secs", "kernel/sysrq",
  "kernel/kptr_restrict", "kernel/printk", "kernel/core_pattern", "kernel/randomize_va_space",
  "fs/file-nr", "fs/inode-nr", "fs/file-max", "fs/nr_open",
  "vm/overcommit_memory", "vm/min_free_kbytes", "vm/swappiness", "vm/dirty_ratio",
  "vm/dirty_background_ratio", "vm/max_map_count",
  "vm/panic_on_oom", "vm/oom_dump_tasks", "vm/oom_kill_allocating_task",
  "fs/nfs/nfs_callback_tcpport",
}

for _, p in ipairs(FILES) do
  emit{ path = "proc/sys/" .. p, plugin = "kernel",
        description = "sysctl " .. p:gsub("/", ".") .. " from its ctl_table",
        run = function() return sysctl.file(p) end }
end
