-- /proc/<pid>/limits (fs/proc/base.c proc_pid_limits): signal->rlim[]
-- with the kernel's names, units and column widths.  Lives here until a
-- home in kernel/procfs.lua (not this area's file) is agreed.
local NAMES = {
  { "Max cpu time", "seconds" }, { "Max file size", "bytes" }, { "Max data size", "bytes" },
  { "Max stack size", "bytes" }, { "Max core file size", "bytes" }, { "Max resident set", "bytes" },
  { "Max processes", "processes" }, { "Max open files", "files" }, { "Max locked memory", "bytes" },
  { "Max address space", "bytes" }, { "Max file locks", "locks" }, { "Max pending signals", "signals" },
  { "Max msgqueue size", "bytes" }, { "Max nice priority", nil }, { "Max realtime priority", nil },
  { "Max realtime timeout", "us" },
}

local function limits(t)
  local sig = t.signal
  if sig == nil then return nil, "task has no signal_struct (exited)" end
  local rlim = sig.rlim
  local out = { string.format("%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units") }
  for i = 0, math.min(#rlim, #NAMES) - 1 do
    local r = rlim[i]
    local cur, max = r.rlim_cur, r.rlim_max
    local line = string.format("%-25s %-20s ", NAMES[i + 1][1], cur == -1 and "unlimited" or string.format("%u", cur))
    line = line .. string.format("%-20s ", max == -1 and "unlimited" or string.format("%u", max))
    if NAMES[i + 1][2] then line = line .. string.format("%-10s\n", NAMES[i + 1][2]) else line = line .. "\n" end
    out[#out + 1] = line
  end
  return table.concat(out)
end

emit{ path = "proc/{pid}/limits", plugin = "process", each = "pids",
      run = function(pid, t) return limits(t) end }
