-- /proc/<pid>/status and /proc/<pid>/task/<tid>/status (fs/proc/array.c).
-- Both are proc_pid_status() of the same task for a thread-group leader, so
-- the text is made once per task.
local procfs = require("kernel.procfs")
-- the format strings status probes (Kthread:, untag_mask:; and those other
-- libraries registered) are looked up here, once, at discovery: the
-- forked workers inherit the answer instead of each scanning the kernel's
-- rodata inside its time budget
pcall(require("kernel.util").rodata_has, {})
local done = {}
local function status(task)
  local key = task:value_()
  local text = done[key]
  if text == nil then
    text = procfs.status(task)
    done[key] = text
  end
  return text
end
emit{ path = "proc/{pid}/status", plugin = "process", each = "pids",
      run = function(pid, task) return status(task) end }
emit{ path = "proc/{pid}/task/{tid}/status", plugin = "process", each = "tids",
      run = function(tid, task, pid) return status(task) end }
