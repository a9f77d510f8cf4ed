-- Kernel stacks as /proc shows them, all from the one unwinder in the core
-- (kd.stack_trace, host/unwind/): the return addresses
-- stack_trace_save_tsk() records (/proc/<pid>/stack), "[<0>] %pB" lines,
-- and get_wchan() (/proc/<pid>/wchan, ps' WCHAN), module functions included.
-- Mirrors: kernel/stacktrace.c, arch/x86/kernel/stacktrace.c, fs/proc/base.c (proc_pid_stack, proc_pid_wchan), kernel/sched/core.c (get_wchan), arch/x86/kernel/process.c (__get_wchan), lib/vsprintf.c (%pB)
local M = {}

-- MAX_STACK_TRACE_DEPTH of fs/proc/base.c
M.MAX_DEPTH = 64

local function has_member(t, m)
  local ok, r = pcall(kd.has_member, t, m)
  return ok and r
end

-- stack_trace_save_tsk() with stack_trace_consume_entry_nosched: the
-- frames' return addresses while they are kernel text
-- (unwind_get_return_address), scheduler and lock functions left out
-- (kd.stack_pcs, the core's unwinder).  A task running at the crash is
-- unwound from its CPU's registers (the live kernel would unwind `current`
-- from its own frame).  Returns the list.
function M.save_tsk(t, max)
  return kd.stack_pcs(t, max or M.MAX_DEPTH)
end

-- "[<0>] %pB\n": the symbol of addr-1 (a return address names its call),
-- offset+1, the distance to the next symbol as kallsyms measures it, and
-- " [module]"
function M.pB(addr)
  local name, off, mod, esize, ksize = kd.symbolize(addr - 1)
  if not name then return string.format("[<0>] 0x%x\n", addr) end
  return string.format("[<0>] %s+0x%x/0x%x%s\n", name, off + 1, ksize or esize or 0,
                        mod and (" [" .. mod .. "]") or "")
end

-- the "%pB" line of each return address met: a few hundred addresses
-- recur in every task's stack, so a line is formatted once, not once a
-- task (the formatting was most of /proc/<pid>/stack's cost after the
-- walk)
local pB_line = {}

-- the text of /proc/<pid>/stack
function M.proc_stack(t)
  local out = {}
  for i, pc in ipairs(M.save_tsk(t)) do
    local line = pB_line[pc]
    if not line then
      line = M.pB(pc)
      pB_line[pc] = line
    end
    out[i] = line
  end
  return table.concat(out)
end

-- get_wchan(): 0 for a task that is running, waking or still on a run
-- queue; else the first return address outside the scheduler
-- (__get_wchan), 0 when the walk leaves kernel text first.  Returns the
-- address or 0.
local TASK_WAKING = 0x200
local has_on_rq
-- the wchan address of a task, 0 when running or outside kernel text (get_wchan)
function M.wchan_address(t, raw_state)
  if raw_state == 0 or raw_state == TASK_WAKING then return 0 end
  if has_on_rq == nil then has_on_rq = has_member("struct task_struct", "on_rq") end
  if has_on_rq and t.on_rq ~= 0 then return 0 end
  -- the first address save_tsk would record
  local ok, pcs = pcall(kd.stack_pcs, t, 1)
  if not ok then return 0 end
  return pcs[1] or 0
end

local wchan_name = {}   -- by address: a few dozen functions sleep
-- /proc/<pid>/wchan: "%ps" of the wchan address (the symbol containing it,
-- modules included), "0" when there is none
function M.wchan(t, raw_state)
  local a = M.wchan_address(t, raw_state)
  if a == 0 then return "0" end
  local name = wchan_name[a]
  if name == nil then
    name = (kd.symbolize(a)) or "0"
    wchan_name[a] = name
  end
  return name
end

return M
