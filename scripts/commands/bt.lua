-- kdlua bt: kernel backtraces of tasks and CPUs in crash's bt layout
--
-- kdlua bt [-a] [-f] [-l] [--json] [PID | 0xTASK | -c CPU]... --vmcore FILE
-- Without a task or CPU: the task that crashed.  Frames come from the
-- core's unwinder (kd.stack_trace; scripts/lib/bt.lua prints them).

local USAGE = [[
usage: kdlua bt [-a] [-f] [-l] [--json] [PID | 0xTASK | -c CPU]... --vmcore FILE
Kernel backtraces in crash's `bt` layout: a header line per task
(PID, TASK, CPU, COMMAND), one "#N [stack slot] function at pc [module]"
line per frame, the registers of each interrupt or exception frame and the
user registers saved at kernel entry.  A task running at the crash is
unwound from its CPU's saved registers, a sleeping task from its saved
switch frame.
  PID        the task with this pid (threads included)
  0xTASK     the task_struct at this address
  -c CPU     what CPU ran at the crash (repeatable, or CPU,CPU...)
  -a         every CPU with saved registers (crash's bt -a)
  -f         also the stack words of each frame
  -l         the source file and line of each frame, from the DWARF of
             vmlinux or of the frame's module (its debug file, found as
             for types; none for modules without DWARF)
  --json     the traces as JSON: frames {pc, sp, function, offset, size,
             module, kind, stack, regs, and with -l file, line, inlined},
             reliable, stop_reason
Without PID, TASK or CPU: the task that was running on the CPU that crashed.
Exit status: 0 ok; 2 bad usage or a task/CPU that is not in the dump.
]]

local command = require("command")
local usage_error = command.usage_error("bt")
local args = command.args(...)

local targets, all_cpus, full, lines, as_json = {}, false, false, false, false
local i = 1
while i <= #args do
  local a = args[i]
  if a == "-h" or a == "--help" then
    io.write(USAGE)
    os.exit(0)
  elseif a == "-a" then all_cpus = true
  elseif a == "-f" then full = true
  elseif a == "-l" then lines = true
  elseif a == "--json" then as_json = true
  elseif a == "-c" or a:match("^%-c%d") then
    local v = a == "-c" and args[i + 1] or a:sub(3)
    if a == "-c" then i = i + 1 end
    if not v then usage_error("-c needs a CPU number") end
    for c in v:gmatch("[^,]+") do
      local n = tonumber(c)
      if not n or n < 0 or n ~= math.floor(n) then usage_error("bad CPU number: " .. c) end
      targets[#targets + 1] = { cpu = math.tointeger(n) }
    end
  elseif a:match("^0[xX]%x+$") then
    targets[#targets + 1] = { task = math.tointeger(tonumber(a:sub(3), 16)) }
  elseif a:match("^%d+$") then
    targets[#targets + 1] = { pid = math.tointeger(tonumber(a)) }
  else
    usage_error("unknown argument: " .. a .. " (see kdlua bt --help)")
  end
  i = i + 1
end

if kd == nil then usage_error("no dump given (--vmcore FILE)") end

local bt = require("bt")
local opts = { full = full, lines = lines }

-- resolve targets to {task} or {cpu}
local by_pid
local function find_pid(pid)
  if by_pid == nil then
    by_pid = {}
    for _, t in ipairs(bt.all_tasks()) do
      if by_pid[t.pid] == nil then by_pid[t.pid] = t end
    end
  end
  return by_pid[pid]
end

local cpu_tasks = kd.cpu_tasks()
local items = {}
if all_cpus then
  local cpus = {}
  for c in pairs(cpu_tasks) do cpus[#cpus + 1] = c end
  table.sort(cpus)
  for _, c in ipairs(cpus) do items[#items + 1] = { cpu = c } end
end
for _, tg in ipairs(targets) do
  if tg.cpu then
    if cpu_tasks[tg.cpu] == nil then usage_error("no saved registers for CPU " .. tg.cpu .. " in the dump") end
    items[#items + 1] = { cpu = tg.cpu }
  elseif tg.pid then
    local t = find_pid(tg.pid)
    if not t then usage_error("no task with pid " .. tg.pid .. " in the dump") end
    items[#items + 1] = { task = t }
  else
    local ok, t = pcall(kd.object, "struct task_struct", tg.task)
    local okp = ok and pcall(function() return t.pid end)
    if not okp then usage_error(string.format("0x%x is not a readable task_struct", tg.task)) end
    items[#items + 1] = { task = t }
  end
end
if #items == 0 then
  local cpu = kd.panic_cpu()
  if cpu == nil then usage_error("the dump does not say which CPU crashed: give a PID, 0xTASK or -c CPU") end
  items[1] = { cpu = cpu }
end

if as_json then
  local json = require("report.json")
  local out = {}
  for _, it in ipairs(items) do
    local ok, tr = pcall(kd.stack_trace, it.cpu or it.task, { lines = lines })
    if ok then
      local t = it.task or (tr.task and kd.object("struct task_struct", tr.task))
      out[#out + 1] = bt.json_trace(tr, t)
    else
      out[#out + 1] = { cpu = it.cpu, task = it.task and kd.addr(it.task),
                        error = type(tr) == "table" and tr.message or tostring(tr) }
    end
  end
  io.write(json.encode(json.array(out), 2), "\n")
  os.exit(0)
end

local texts = {}
for _, it in ipairs(items) do
  texts[#texts + 1] = it.cpu and bt.cpu_text(it.cpu, opts) or bt.task_text(it.task, opts)
end
io.write(table.concat(texts, "\n"))
