-- bench/unwind.lua: what kernel stack unwinding costs per task, outside
-- the report: /proc/<pid>/stack and /proc/<pid>/wchan of every task in
-- the order a report worker makes them (a group of 16 tasks' stacks, then
-- their wchans), then `foreach bt` (sos_commands/vmcore/foreach_bt).  CPU
-- seconds and microseconds per task each; with ROUNDS=n the whole is
-- repeated (later rounds: the dump's pages and the unwinder's memos warm).
-- For instruction counts run it under callgrind with ROUNDS=1.
--   kdlua run bench/unwind.lua --vmcore ... --vmlinux ...
local stack = require("kernel.stack")
local task = require("kernel.task")
local bt = require("bt")
local tasks = {}
for t in kd.tasks() do tasks[#tasks + 1] = t end
local GROUP = 16
for round = 1, tonumber(os.getenv("ROUNDS") or 1) do
  local c_stack, c_wchan = 0, 0
  for g = 1, #tasks, GROUP do
    local c0 = os.clock()
    for i = g, math.min(g + GROUP - 1, #tasks) do pcall(stack.proc_stack, tasks[i]) end
    local c1 = os.clock()
    for i = g, math.min(g + GROUP - 1, #tasks) do pcall(stack.wchan, tasks[i], task.raw_state(tasks[i])) end
    local c2 = os.clock()
    c_stack, c_wchan = c_stack + (c1 - c0), c_wchan + (c2 - c1)
  end
  local c0 = os.clock()
  local text = bt.foreach_text()
  local c_bt = os.clock() - c0
  print(string.format("round %d: %d tasks  stack %.1f us/task  wchan %.1f us/task  foreach bt %.1f us/task (%d bytes)",
                      round, #tasks, c_stack * 1e6 / #tasks, c_wchan * 1e6 / #tasks, c_bt * 1e6 / #tasks, #text))
end
