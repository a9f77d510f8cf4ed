-- filesys plugin: /proc/mounts (init's view) and /proc/<pid>/mountinfo
-- (each task's mount namespace seen from its root); see kernel/mount.lua
local mount = require("kernel.mount")
-- text [, reason for the whole text [, incomplete lines]] -> result
local out = require("report.util").result_maker(stub, partial)
emit{ path = "proc/mounts", plugin = "filesys",
      run = function() return out(mount.proc_mounts()) end }
emit{ path = "proc/{pid}/mountinfo", plugin = "filesys", each = "pids",
      run = function(pid, task) return out(mount.proc_mountinfo(task)) end }
