-- kernel/hungtask.lua: blocked tasks and how long they have been off the
-- CPU, in the terms of the kernel's hung-task detector.
--
--   hungtask.timeout()        kernel.hung_task_timeout_secs (nil: no detector)
--   hungtask.off_cpu_ns(t)    ns since t last ran (0 if running), or nil
--   hungtask.checker_secs(t)  seconds the hung-task detector has seen t
--                             without a context switch, or nil
--   hungtask.blocked(opts)    D-state tasks: {task, pid, tgid, comm, state,
--                             off_cpu_ns, checker_secs}, longest first;
--                             opts.min_sleep_ns adds S tasks off the CPU
--                             at least that long
--
-- "Now" is the run-queue clock of the task's CPU (rq->clock_task, what
-- se.exec_start is measured in; update_curr() sets exec_start when the
-- task leaves the CPU), so times are as the scheduler saw them at the crash.
--
-- Mirrors: kernel/hung_task.c (check_hung_task), kernel/sched/fair.c
--   (update_curr), kernel/sched/stats.h (sched_info_arrive)

local task = require("kernel.task")

local M = {}

local function sym_int(name)
  local ok, v = pcall(function() return kd.symbol(name):value_() end)
  if ok and math.type(v) == "integer" then return v end
  return nil
end

-- CONFIG_DETECT_HUNG_TASK: sysctl_hung_task_timeout_secs (0: disabled)
function M.timeout() return sym_int("sysctl_hung_task_timeout_secs") end

local rq_clock = {}
local function clocks(cpu)
  local c = rq_clock[cpu]
  if c == nil then
    local ok, rq = pcall(kd.per_cpu, "runqueues", cpu)
    c = {}
    if ok then
      local ok1, v1 = pcall(function() return rq.clock_task end)
      local ok2, v2 = pcall(function() return rq.clock end)
      c.task, c.clock = ok1 and v1 or nil, ok2 and v2 or nil
    end
    rq_clock[cpu] = c
  end
  return c
end

-- the latest run-queue clock of all CPUs (ns since boot, sched_clock)
function M.now_ns()
  local best
  for _, cpu in ipairs(kd.cpus("possible")) do
    local c = clocks(cpu)
    if c.clock and (best == nil or c.clock > best) then best = c.clock end
  end
  return best
end

-- nanoseconds since t was last on a CPU
function M.off_cpu_ns(t)
  if task.raw_state(t) == 0 then return 0 end
  local ok, cpu = pcall(task.cpu, t)
  if not ok or cpu == nil then return nil end
  local c = clocks(cpu)
  -- se.exec_start: rq_clock_task at the task's last update_curr (its
  -- dequeue when it blocked); sched_info.last_arrival (CONFIG_SCHED_INFO)
  -- is when it last got the CPU, a bound when exec_start is not there
  local okx, es = pcall(function() return t.se.exec_start end)
  if okx and es and es > 0 and c.task and c.task >= es then return c.task - es end
  if kd.has_member("struct task_struct", "sched_info.last_arrival") then
    local la = t.sched_info.last_arrival
    if la > 0 and c.clock and c.clock >= la then return c.clock - la end
  end
  return nil
end

-- (jiffies - last_switch_time) / HZ when the detector has stamped the task
-- (last_switch_time: 4.x+ with CONFIG_DETECT_HUNG_TASK)
function M.checker_secs(t)
  if not kd.has_member("struct task_struct", "last_switch_time") then return nil end
  local lst = t.last_switch_time
  if lst == 0 then return nil end
  local j = sym_int("jiffies")
  local hz = require("kernel.time").hz()
  if j == nil or hz == nil then return nil end
  local d = (j - lst) & 0xffffffffffffffff
  if d < 0 then return nil end
  return d // hz
end

function M.blocked(opts)
  opts = opts or {}
  local out = {}
  for t in kd.tasks() do
    local ok, st = pcall(task.state_char, t)
    if ok and (st == "D" or (st == "S" and opts.min_sleep_ns)) then
      local off = M.off_cpu_ns(t)
      if st == "D" or (off and off >= opts.min_sleep_ns) then
        out[#out + 1] = {
          task = t, pid = t.pid, tgid = task.tgid(t), comm = task.comm(t), state = st,
          off_cpu_ns = off, checker_secs = M.checker_secs(t),
        }
      end
    end
  end
  table.sort(out, function(a, b)
    local x, y = a.off_cpu_ns or -1, b.off_cpu_ns or -1
    if x ~= y then return x > y end
    return a.pid < b.pid
  end)
  return out
end

return M
