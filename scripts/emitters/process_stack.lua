-- /proc/<pid>/stack and /proc/<pid>/task/<tid>/stack: the kernel stack as
-- stack_trace_save_tsk() + "[<0>] %pB" give it (fs/proc/base.c), from the
-- core's unwinder (kernel/stack.lua).  A task running at the crash is
-- unwound from its CPU's saved registers.
local stack = require("kernel.stack")

local function render(t)
  local ok, text = pcall(stack.proc_stack, t)
  if ok then return text end
  return stub("kernel stack not unwound: " .. tostring(type(text) == "table" and text.message or text), "")
end

-- proc/<pid>/stack and proc/<pid>/task/<pid>/stack are the same text: a
-- leader is unwound once (when both run in this process), not twice
local leader_text = {}
emit{ path = "proc/{pid}/stack", plugin = "process", each = "pids",
      run = function(pid, t)
        local text = render(t)
        if type(text) == "string" then leader_text[pid] = text end
        return text
      end }
emit{ path = "proc/{pid}/task/{tid}/stack", plugin = "process", each = "tids",
      run = function(tid, t, pid)
        if tid == pid then
          local text = leader_text[pid]
          if text then leader_text[pid] = nil; return text end
        end
        return render(t)
      end }
