-- The crash itself: the panic message from the printk log, the CPU that
-- panicked (panic_cpu) and the task that ran there.

local facts = require("report.facts")

plugin{ name = "vmcore", description = "the crash: panic, crashing CPU and task, dump facts" }

emit{
  path = "sos_commands/vmcore/panic", plugin = "vmcore",
  description = "panic message, panicking CPU and task",
  run = function()
    local out = {}
    local ok, printk = pcall(require, "kernel.printk")
    local msg
    if ok then
      local okm, m = pcall(printk.panic_message)
      if okm then msg = m end
    end
    out[#out + 1] = "panic message: " .. (msg or "(none found in the printk log)")
    local cpu = facts.panic_cpu()
    out[#out + 1] = "panic cpu: " .. (cpu and tostring(cpu) or "(none: panic_cpu not set)")
    local t = cpu and facts.current_task(cpu)
    if t then
      out[#out + 1] = string.format("panic task: pid %d comm \"%s\" task 0x%x",
        t.pid, t.comm:string_(), t:value_())
    end
    if cpu then
      -- the registers the dump saved for that CPU: the unwinder maps register
      -- notes to CPUs (kd.cpu_registers(i) is the i-th note, which is CPU i
      -- only when every CPU left a note, in order)
      local okt, trace = pcall(kd.stack_trace, cpu)
      local regs = okt and trace[1] and trace[1].regs
      if regs and regs.ip then
        local name, off = kd.symbolize(regs.ip)
        out[#out + 1] = string.format("panic cpu registers: rip 0x%x%s rsp 0x%x", regs.ip,
          name and string.format(" (%s+0x%x)", name, off) or "", regs.sp or 0)
      end
    end
    local text = table.concat(out, "\n") .. "\n"
    if not ok then return stub("kernel.printk not available: " .. tostring(printk), text) end
    return text
  end,
}
