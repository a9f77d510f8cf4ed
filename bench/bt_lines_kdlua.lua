-- bench/bt_lines_kdlua.lua: what -l (file, line, inlined) adds to a stack
-- trace.  Traces every task twice with {lines = true} (first pass: line
-- tables decoded and module debug files opened; second pass: cached) and
-- once more without, then repeats the traces of the tasks that have a
-- frame in module code R times with and without lines.  Prints CPU time
-- (os.clock).  Run it with and without the module debug files
-- (bench/bt_lines.sh): the difference of the module tasks' traces is what
-- the module line lookups cost.
local R = math.tointeger(tonumber(arg[1] or "2000"))
local tasks, modtasks = {}, {}
for t in kd.tasks() do tasks[#tasks + 1] = t end
pcall(kd.stack_trace, tasks[1])          -- the unwinder's one-time set-up
local frames, modframes, modlines = 0, 0, 0
local function pass(lines)
  for _, t in ipairs(tasks) do
    local ok, tr = pcall(kd.stack_trace, t, { lines = lines })
    if ok and lines then
      local has_mod = false
      for _, f in ipairs(tr) do
        frames = frames + 1
        if f.module then
          has_mod = true
          modframes = modframes + 1
          if f.file then modlines = modlines + 1 end
        end
      end
      if has_mod and not modtasks[t] then modtasks[t] = true; modtasks[#modtasks + 1] = t end
    end
  end
end
local t0 = os.clock(); pass(true)
local t1 = os.clock(); frames, modframes, modlines = 0, 0, 0; pass(true)
local t2 = os.clock(); pass(false)
local t3 = os.clock()
local function repeat_mod(lines)
  local s = os.clock()
  for _ = 1, R do
    for _, t in ipairs(modtasks) do kd.stack_trace(t, { lines = lines }) end
  end
  return (os.clock() - s) * 1e6 / (R * #modtasks)
end
local with_lines, without = repeat_mod(true), repeat_mod(false)
print(string.format("tasks %d frames %d module_frames %d module_frames_with_line %d "
                    .. "first_pass_lines_ms %.1f second_pass_lines_ms %.1f no_lines_ms %.1f "
                    .. "module_tasks %d module_task_trace_lines_us %.2f module_task_trace_us %.2f",
                    #tasks, frames, modframes, modlines, (t1 - t0) * 1e3, (t2 - t1) * 1e3,
                    (t3 - t2) * 1e3, #modtasks, with_lines, without))
