-- Backtraces in crash's `bt` layout, from the core's unwinder
-- (kd.stack_trace): used by `kdlua bt` and the report's
-- sos_commands/vmcore/bt_-a and foreach_bt.
--
--   PID: 178      TASK: ffff8885db86c180  CPU: 1    COMMAND: "fx-crash"
--    #0 [ffffd174405dbb38] delay_tsc at ffffffffa47c3643
--    #1 [ffffd174405dbb38] panic at ffffffffa47cd21a
--   ...
--    #5 [ffffd19f40e83d60] asm_exc_page_fault at ffffffffb04012a6
--       [exception RIP: rep_stos_alternative+64]
--       RIP: ffffffffb02dd760  RSP: ffffd19f40e83e10  RFLAGS: 00040206
--       RAX: ...
--
-- A frame's [address] is the stack slot holding its return address (sp - 8
-- of the frame), or the stack pointer itself for a frame whose registers
-- a CPU note saved.  Registers of an interrupted kernel pc come as crash
-- prints an exception frame; user registers at the bottom as crash prints
-- them after a system call.  Leaving an IRQ, NMI or exception stack prints
-- "--- <IRQ stack> ---" as crash does.  opts.lines (-l): the source file
-- and line of each frame, from vmlinux's DWARF.
local task = require("kernel.task")

local M = {}

local STACK_NAMES = { irq = "IRQ stack", nmi = "NMI exception stack", ["#DF"] = "DOUBLEFAULT exception stack",
                      ["#DB"] = "DEBUG exception stack", ["#MC"] = "MCE exception stack",
                      ["#VC"] = "VC exception stack", ["#VC2"] = "VC2 exception stack" }

-- every task crash's `foreach` visits: each CPU's idle task (not on the
-- task list; CPU 0's is init_task), then the task list; by pid
function M.all_tasks()
  -- pid and address read once a task, not in each of the sort's
  -- n log n comparisons (a member read each)
  local out, seen, pid_of = {}, {}, {}
  local function add(t)
    local a = kd.addr(t)
    if a ~= 0 and not seen[a] then
      seen[a] = t
      pid_of[a] = t.pid
      out[#out + 1] = a
    end
  end
  for _, cpu in ipairs(kd.cpus("possible")) do
    local ok, rq = pcall(kd.per_cpu, "runqueues", cpu)
    if ok then
      local idle = rq.idle
      if idle then add(idle) end
    end
  end
  for t in kd.tasks() do add(t) end
  table.sort(out, function(a, b)
    local pa, pb = pid_of[a], pid_of[b]
    if pa ~= pb then return pa < pb end
    return math.ult(a, b)
  end)
  for i, a in ipairs(out) do out[i] = seen[a] end
  return out
end

-- the CPU crash names in the header: where the task runs or last ran
local function task_cpu(t)
  return kd.task_cpu(t) or task.cpu(t)
end

function M.header(t)
  return kd.format("PID: %-7d  TASK: %x  CPU: %-3s  COMMAND: \"%s\"\n",
                   t.pid, kd.addr(t), tostring(task_cpu(t)), task.comm(t))
end

-- the register lines, one format for the block (a task's bottom frame
-- has them: one block a task)
local REGS_FORMAT = "    RIP: %016x  RSP: %016x  RFLAGS: %08x\n"
  .. "    RAX: %016x  RBX: %016x  RCX: %016x\n"
  .. "    RDX: %016x  RSI: %016x  RDI: %016x\n"
  .. "    RBP: %016x   R8: %016x   R9: %016x\n"
  .. "    R10: %016x  R11: %016x  R12: %016x\n"
  .. "    R13: %016x  R14: %016x  R15: %016x\n"
  .. "    ORIG_RAX: %016x  CS: %04x  SS: %04x\n"

local function regs_block(out, f)
  local r = f.regs
  if f.kind ~= "user_regs" then
    out[#out + 1] = string.format("    [exception RIP: %s]\n", f.name and string.format("%s+%d", f.name, f.offset) or
                                  string.format("unknown or invalid address"))
  end
  out[#out + 1] = kd.format(REGS_FORMAT, r.ip, r.sp, r.flags, r.ax, r.bx, r.cx, r.dx, r.si, r.di,
                                r.bp, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15,
                                r.orig_ax, r.cs, r.ss)
end

-- "%3s" of "#<n>", the frame numbers, made once
local FRAME_NO = setmetatable({}, { __index = function(t, n)
  local s = string.format("%3s", "#" .. n)
  t[n] = s
  return s
end })

-- the words of a frame (-f): from above its slot up to the next frame's
local function frame_words(out, from, to)
  if not (math.ult(from, to) and to - from <= 4096) then return end
  local ok, data = pcall(kd.read, from, to - from)
  if not ok then return end
  local line = {}
  for i = 0, #data // 8 - 1 do
    if i % 2 == 0 then line = { string.format("    %x:", from + i * 8) } end
    line[#line + 1] = string.format(" %016x", string.unpack("<I8", data, i * 8 + 1))
    if i % 2 == 1 or i == #data // 8 - 1 then out[#out + 1] = table.concat(line) .. "\n" end
  end
end

-- numbered lines of a trace; opts.full = -f
function M.frames_text(tr, opts)
  opts = opts or {}
  local out = {}
  local n = 0
  local numbered = {}     -- { slot, index } of numbered frames, for -f
  for i, f in ipairs(tr) do
    local shows_regs = f.regs and f.regs.address and f.kind ~= "call"
    if f.kind == "user_regs" or shows_regs then
      regs_block(out, f)
    else
      local slot = (f.regs and not f.regs.address) and f.sp or f.sp - 8
      -- a sleeping task's first frame: crash shows its saved sp
      if i == 1 and opts.saved_sp then slot = opts.saved_sp end
      local name = f.name or "(unknown)"
      local mod = f.module
      -- kd.format: string.format's text, the numbers converted without
      -- snprintf (foreach_bt prints ~100,000 frames on a big machine)
      out[#out + 1] = kd.format("%s [%016x] %s at %016x%s\n", FRAME_NO[n], slot, name, f.pc,
                                mod and (" [" .. mod .. "]") or "")
      numbered[#numbered + 1] = { slot = slot, at = #out }
      -- -l: where in its function (below the calls inlined there)
      local inl = f.inlined
      local file, line = f.file, f.line
      if inl and #inl > 0 then file, line = inl[#inl].call_file, inl[#inl].call_line end
      if opts.lines and file then out[#out + 1] = string.format("    %s: %d\n", file, line) end
      n = n + 1
    end
    local nxt = tr[i + 1]
    if nxt and f.stack and f.stack ~= "task" and nxt.stack ~= f.stack and STACK_NAMES[f.stack] then
      out[#out + 1] = "--- <" .. STACK_NAMES[f.stack] .. "> ---\n"
    end
  end
  if opts.full then
    -- insert the words after each numbered line, from the bottom up
    for k = #numbered - 1, 1, -1 do
      local words = {}
      frame_words(words, numbered[k].slot + 8, numbered[k + 1].slot)
      for j = #words, 1, -1 do table.insert(out, numbered[k].at + 1, words[j]) end
    end
  end
  if #tr == 0 or not tr.reliable then
    out[#out + 1] = "    bt: " .. (tr.stop_reason ~= "" and tr.stop_reason or "no frames") .. "\n"
  end
  return table.concat(out)
end

-- header + frames of a task, or the error the unwinder raised
function M.task_text(t, opts)
  local ok, tr = pcall(kd.stack_trace, t, { lines = opts and opts.lines })
  if not ok then
    return M.header(t) .. "    bt: " .. tostring(type(tr) == "table" and tr.message or tr) .. "\n"
  end
  if tr.cpu == nil and #tr > 0 then
    local o = {}
    for k, v in pairs(opts or {}) do o[k] = v end
    o.saved_sp = t.thread.sp
    opts = o
  end
  return M.header(t) .. M.frames_text(tr, opts)
end

-- the trace of what CPU `cpu` ran (its register note), with its header
function M.cpu_text(cpu, opts)
  local ok, tr = pcall(kd.stack_trace, cpu, { lines = opts and opts.lines })
  if not ok then
    return string.format("CPU: %d\n    bt: %s\n", cpu, tostring(type(tr) == "table" and tr.message or tr))
  end
  local t = tr.task and kd.object("struct task_struct", tr.task)
  local head = t and string.format("PID: %-7d  TASK: %x  CPU: %-3s  COMMAND: \"%s\"\n",
                                   t.pid, tr.task, tostring(cpu), task.comm(t))
                 or string.format("CPU: %d\n", cpu)
  return head .. M.frames_text(tr, opts)
end

-- `bt -a`: every CPU with saved registers, in CPU order
function M.all_cpus_text(opts)
  local cpus = {}
  for cpu in pairs(kd.cpu_tasks()) do cpus[#cpus + 1] = cpu end
  table.sort(cpus)
  local out = {}
  for _, cpu in ipairs(cpus) do out[#out + 1] = M.cpu_text(cpu, opts) end
  return table.concat(out, "\n")
end

-- `foreach bt`: every task, idle tasks included (~1 KB a task: built in
-- textbuf's chunks, not one table of every task's text)
function M.foreach_text(opts)
  local b = require("textbuf").new()
  for i, t in ipairs(M.all_tasks()) do
    if i > 1 then b:add("\n") end
    b:add(M.task_text(t, opts))
  end
  return b:result()
end

-- a trace as plain tables, for --json
function M.json_trace(tr, t)
  local frames = {}
  for _, f in ipairs(tr) do
    frames[#frames + 1] = { pc = f.pc, sp = f.sp, ["function"] = f.name, offset = f.offset,
                            size = f.size, module = f.module, kind = f.kind, stack = f.stack,
                            regs = f.regs, file = f.file, line = f.line, inlined = f.inlined }
  end
  local o = { frames = frames, reliable = tr.reliable, stop_reason = tr.stop_reason,
              task = tr.task, cpu = tr.cpu }
  if t then o.pid = t.pid; o.comm = task.comm(t) end
  return o
end

return M
