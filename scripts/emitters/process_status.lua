-- /proc/<pid>/status and /proc/<pid>/task/<tid>/status (fs/proc/array.c).
-- Both are proc_pid_status() of the same task for a thread-group leader, so
-- the text is made once per task.
local procfs = require("kernel.procfs")
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
