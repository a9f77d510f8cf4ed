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

-- struct rlimit layout, looked up once: the array is read with one
-- kd.read per task instead of two member reads per limit
local RL
local function rlimit_layout()
  if RL == nil then
    local function fmt(m)
      local sz = kd.member_size("struct rlimit", m)
      return sz == 8 and "<i8" or "<I" .. sz    -- as a member read gives it
    end
    RL = { size = kd.type("struct rlimit").size,
           cur = kd.member_offset("struct rlimit", "rlim_cur"), fcur = fmt("rlim_cur"),
           max = kd.member_offset("struct rlimit", "rlim_max"), fmax = fmt("rlim_max") }
  end
  return RL
end

-- nearly every process has the same limits: the text is made once per
-- distinct rlim[] bytes, not once per process
local text_of_raw = {}

-- the task's signal_struct and its rlim[]'s address in one call, and how
-- many limits the array holds (looked up once)
local sig_reader, nlimits

local function limits(t)
  if sig_reader == nil then
    sig_reader = kd.member_reader("struct task_struct", "signal", "signal->rlim")
  end
  local sig, base = sig_reader(t)
  if sig == 0 then return nil, "task has no signal_struct (exited)" end
  if nlimits == nil then nlimits = math.min(#t.signal.rlim, #NAMES) end
  local n = nlimits
  local rl, raw = rlimit_layout(), nil
  if base then raw = kd.read(base, n * rl.size) end
  local text = raw and text_of_raw[raw]
  if text then return text end
  local out = { string.format("%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units") }
  for i = 0, n - 1 do
    local cur, max
    if raw then
      cur = string.unpack(rl.fcur, raw, i * rl.size + rl.cur + 1)
      max = string.unpack(rl.fmax, raw, i * rl.size + rl.max + 1)
    else
      local r = t.signal.rlim[i]
      cur, max = r.rlim_cur, r.rlim_max
    end
    local line = string.format("%-25s %-20s ", NAMES[i + 1][1], cur == -1 and "unlimited" or string.format("%u", cur))
    line = line .. string.format("%-20s ", max == -1 and "unlimited" or string.format("%u", max))
    if NAMES[i + 1][2] then line = line .. string.format("%-10s\n", NAMES[i + 1][2]) else line = line .. "\n" end
    out[#out + 1] = line
  end
  text = table.concat(out)
  if raw then text_of_raw[raw] = text end
  return text
end

emit{ path = "proc/{pid}/limits", plugin = "process", each = "pids",
      run = function(pid, t) return limits(t) end }
