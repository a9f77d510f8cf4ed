-- /proc/<pid>/status and /proc/<pid>/task/<tid>/status (fs/proc/array.c).
-- Both are proc_pid_status() of the same task for a thread-group leader, so
-- the text is made once per task.
local procfs = require("kernel.procfs")
-- the format strings status probes (Kthread:, untag_mask:; and those other
-- libraries registered) are looked up here, once, at discovery: the
-- forked workers inherit the answer instead of each scanning the kernel's
-- rodata inside its time budget
pcall(require("kernel.util").rodata_has, {})
-- the texts of the tasks seen last: the report runs a process's files
-- together (its leader's pid and tid files in the same group of tasks),
-- so two generations of a few hundred tasks find nearly every repeat; a
-- memo of every task kept each text of a 10,000-task machine (~13 MB) to
-- the end of the worker
local GENERATION = 256
local recent, older, nrecent = {}, {}, 0
local function status(task)
  local key = task:value_()
  local text = recent[key] or older[key]
  if text == nil then
    text = procfs.status(task)
    if nrecent == GENERATION then older, recent, nrecent = recent, {}, 0 end
    recent[key] = text
    nrecent = nrecent + 1
  end
  return text
end
emit{ path = "proc/{pid}/status", plugin = "process", each = "pids",
      run = function(pid, task) return status(task) end }
emit{ path = "proc/{pid}/task/{tid}/status", plugin = "process", each = "tids",
      run = function(tid, task, pid) return status(task) end }
