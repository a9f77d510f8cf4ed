-- bench/bt_kdlua.lua: kd.stack_trace() of every task with each frame's
-- function name (what bench/bt_drgn.py does with drgn).  Prints CPU time
-- (os.clock) of: the one-time set-up (module list and symbols, the symbol
-- table's address order, the unwinder's tables: forced by one symbolize and
-- one trace), a first pass over every task (each stack's dump pages read
-- and decompressed, ORC entries looked up for the first time) and a second
-- pass (all cached: the unwinder's own cost).
local tasks = {}
for t in kd.tasks() do tasks[#tasks + 1] = t end
local function one_pass()
  local names = 0
  for _, t in ipairs(tasks) do
    local ok, tr = pcall(kd.stack_trace, t)
    if ok then
      for _, f in ipairs(tr) do if f.name then names = names + 1 end end
    end
  end
  return names
end
local t0 = os.clock()
kd.symbolize(kd.symbol_address("schedule"))
pcall(kd.stack_trace, tasks[1])
local t1 = os.clock()
local n1 = one_pass()
local t2 = os.clock()
one_pass()
local t3 = os.clock()
print(string.format("kdlua tasks %d frames_named %d setup_ms %.1f first_pass_us_per_task %.1f "
                    .. "second_pass_us_per_task %.1f", #tasks, n1, (t1 - t0) * 1e3,
                    (t2 - t1) * 1e6 / #tasks, (t3 - t2) * 1e6 / #tasks))
