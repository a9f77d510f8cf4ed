-- /proc/<pid>/cgroup (kernel/cgroup/cgroup.c proc_cgroup_show)
local cgroup = require("kernel.cgroup")
-- the text depends only on the task's css_set and whether it is exiting
-- (an exiting task shows "/" on the v1 hierarchies): processes share a
-- few css_sets, so it is made once per (css_set, exiting), not per process
local PF_EXITING = 0x4
local task_reader
local texts, exiting_texts = {}, {}
local function proc_cgroup(task)
  if task_reader == nil then
    task_reader = kd.member_reader("struct task_struct", "cgroups", "flags")
  end
  local cset, flags = task_reader(task)
  local memo = texts
  if flags & PF_EXITING ~= 0 then memo = exiting_texts end
  local text = memo[cset]
  if text == nil then
    text = cgroup.proc_cgroup(task)
    memo[cset] = text
  end
  return text
end
emit{ path = "proc/{pid}/cgroup", plugin = "process", each = "pids",
      run = function(pid, task) return proc_cgroup(task) end }
