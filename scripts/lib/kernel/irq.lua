-- kernel/irq.lua: interrupt and CPU-time counters as /proc prints them:
-- /proc/interrupts (kernel/irq/proc.c show_interrupts + the x86
-- arch_show_interrupts), /proc/softirqs (fs/proc/softirqs.c) and
-- /proc/stat (fs/proc/stat.c), in their 6.1 and 6.12 formats.
--
-- CPU sets: the files loop over "online" CPUs; a panic without kdump
-- takes the other CPUs offline (stop_this_cpu), so the online set used is
-- the one before the panic (report/cpus.lua, the same as
-- sys/devices/system/cpu/online); "possible" loops are unaffected.
-- Counters are those of the moment each CPU stopped.
--
-- Mirrors: kernel/irq/proc.c, arch/x86/kernel/irq.c, fs/proc/softirqs.c,
--   fs/proc/stat.c, kernel/softirq.c

local cpu = require("kernel.cpu")

local M = {}

local sym = require("kernel.util").symbol_or_nil

local ival = require("kernel.util").int_or_nil

-- {====== irq descriptors ======

-- every entry of an xarray / radix tree (6.1 radix_tree_root is an
-- xarray): fn(index, value) in index order
local xa_each = require("kernel.xarray").each

-- irq number -> struct irq_desc * for every allocated descriptor, sorted
function M.descs()
  local out = {}
  local tree = sym("irq_desc_tree")             -- CONFIG_SPARSE_IRQ, <= 6.4
  if tree then
    if kd.has_member(tree, "xa_head") then
      xa_each(tree, function(i, v) out[#out + 1] = { i, kd.pointer("struct irq_desc", v) } end)
    else
      error("irq_desc_tree is an old-style radix tree (kernel < 4.20): not walked")
    end
  elseif sym("sparse_irqs") then
    -- 6.5 "genirq: Use a maple tree for interrupt descriptor management"
    require("kernel.maple").each(sym("sparse_irqs"), function(first, last, v)
      for i = first, last do out[#out + 1] = { i, kd.pointer("struct irq_desc", v) } end
    end)
  else
    local arr = sym("irq_desc")                   -- !CONFIG_SPARSE_IRQ: an array
    if not arr then error("no irq descriptors (irq_desc_tree/irq_desc) found") end
    for i = 0, #arr - 1 do out[#out + 1] = { i, arr[i]:address_of_() } end
  end
  table.sort(out, function(a, b) return a[1] < b[1] end)
  return out
end

-- 6.10 "genirq: Avoid summation loops for /proc/interrupts": kstat_irqs
-- points to a per-CPU struct irqstat { cnt, ref }, no longer an int.
-- Asked once per process, of the vmlinux only (kd.has_kernel_type: no
-- module defines it, and kd.has_type's miss would look in every module's
-- debug file first)
local irqstat
local function has_irqstat()
  if irqstat == nil then irqstat = kd.has_kernel_type("struct irqstat") end
  return irqstat
end
local function kstat_irqs_cpu(desc, c)
  local p = desc.kstat_irqs
  if p == nil then return 0 end
  local v = kd.per_cpu(p, c)
  if has_irqstat() then return v.cnt end
  return v:value_()
end

-- kstat_irqs() of 6.1: tot_count unless per-CPU (IRQ_PER_CPU_DEVID,
-- IRQ_PER_CPU) or NMI (IRQS_NMI); otherwise the sum over possible CPUs
local function kstat_irqs(desc, possible)
  if desc.kstat_irqs == nil then return 0 end
  local st = desc.status_use_accessors
  local nmi = kd.has_member("struct irq_desc", "istate") and (desc.istate & 0x2000) ~= 0
  if kd.has_member("struct irq_desc", "tot_count")
     and (st & (1 << 17)) == 0 and (st & (1 << 9)) == 0 and not nmi then
    return desc.tot_count
  end
  local sum = 0
  for _, c in ipairs(possible) do sum = sum + kstat_irqs_cpu(desc, c) end
  return sum & 0xffffffff
end

-- }======

-- irq_stat (irq_cpustat_t) of a CPU
local function irq_stats(c) return kd.per_cpu("irq_stat", c) end

local function has_stat(member) return kd.has_member("irq_cpustat_t", member) end

-- /proc/interrupts
function M.interrupts()
  local online = cpu.online()
  local nr_irqs = ival(sym("nr_irqs")) or 0
  local prec, j = 3, 1000
  while prec < 10 and j <= nr_irqs do prec = prec + 1; j = j * 10 end
  local out = {}
  local function put(s) out[#out + 1] = s end
  put(string.rep(" ", prec + 8))
  for _, c in ipairs(online) do put(string.format("CPU%-8d", c)) end
  put("\n")

  local chained = kd.symbol_address("chained_action")
  for _, e in ipairs(M.descs()) do
    local i, desc = e[1], e[2]
    if i >= nr_irqs then break end
    local hidden = (desc.status_use_accessors & (1 << 20)) ~= 0
    if not hidden then
      local counts, any = {}, 0
      for k, c in ipairs(online) do
        counts[k] = kstat_irqs_cpu(desc, c)
        any = any | counts[k]
      end
      local action = desc.action
      local is_chained = action ~= nil and chained ~= nil and action:value_() == chained
      local shown
      if has_irqstat() then
        -- the same 6.10 change: a descriptor without an action (or
        -- chained) is never shown, whatever its counts
        shown = not (action == nil or is_chained)
      else
        shown = not ((action == nil or is_chained) and any == 0)
      end
      if shown then
        put(string.format("%" .. prec .. "d: ", i))
        for _, n in ipairs(counts) do put(string.format("%10u ", n)) end
        local chip = desc.irq_data.chip
        if chip ~= nil then
          -- chip->irq_print_chip() (a few irqchips print their own text;
          -- none on x86 6.1) is not callable from a dump: its name is used
          local name = chip.name
          put(string.format(" %8s", name and name:string_() or "-"))
        else
          put(string.format(" %8s", "None"))
        end
        if desc.irq_data.domain ~= nil then
          put(string.format(" %" .. prec .. "d", desc.irq_data.hwirq))
        else
          put(string.format(" %" .. prec .. "s", ""))
        end
        -- CONFIG_GENERIC_IRQ_SHOW_LEVEL (not x86) would add " Level"/" Edge"
        if desc.name ~= nil then put(string.format("-%-8s", desc.name:string_())) end
        if action ~= nil then
          put("  " .. (action.name and action.name:string_() or "(null)"))
          local a = action.next
          local guard = 0
          while a ~= nil and guard < 256 do
            put(", " .. (a.name and a.name:string_() or "(null)"))
            a = a.next
            guard = guard + 1
          end
        end
        put("\n")
      end
    end
  end

  -- arch_show_interrupts (x86): rows present by configuration, told by the
  -- members of irq_cpustat_t and the symbols the kernel has
  if kd.has_type("irq_cpustat_t") and has_stat("__nmi_count") then
    local function row(label, member, text)
      put(string.format("%" .. prec .. "s: ", label))
      for _, c in ipairs(online) do put(string.format("%10u ", irq_stats(c)[member])) end
      put("  " .. text .. "\n")
    end
    local function percpu_row(label, var, text)
      put(string.format("%" .. prec .. "s: ", label))
      for _, c in ipairs(online) do put(string.format("%10u ", kd.per_cpu(var, c):value_())) end
      put("  " .. text .. "\n")
    end
    local vectors = sym("system_vectors")
    local function vector_set(v)
      if not vectors then return false end
      local word = kd.read_u64(vectors:address_() + (v // 64) * 8)
      return (word >> (v % 64)) & 1 == 1
    end
    row("NMI", "__nmi_count", "Non-maskable interrupts")
    if has_stat("apic_timer_irqs") then -- CONFIG_X86_LOCAL_APIC
      row("LOC", "apic_timer_irqs", "Local timer interrupts")
      row("SPU", "irq_spurious_count", "Spurious interrupts")
      row("PMI", "apic_perf_irqs", "Performance monitoring interrupts")
      row("IWI", "apic_irq_work_irqs", "IRQ work interrupts")
      if has_stat("icr_read_retry_count") then row("RTR", "icr_read_retry_count", "APIC ICR read retries") end
      local cb = sym("x86_platform_ipi_callback")
      if cb and cb:value_() ~= 0 then row("PLT", "x86_platform_ipis", "Platform interrupts") end
    end
    if has_stat("irq_resched_count") then -- CONFIG_SMP
      row("RES", "irq_resched_count", "Rescheduling interrupts")
      row("CAL", "irq_call_count", "Function call interrupts")
      row("TLB", "irq_tlb_count", "TLB shootdowns")
    end
    if has_stat("irq_thermal_count") then row("TRM", "irq_thermal_count", "Thermal event interrupts") end
    if has_stat("irq_threshold_count") then row("THR", "irq_threshold_count", "Threshold APIC interrupts") end
    if has_stat("irq_deferred_error_count") then
      row("DFR", "irq_deferred_error_count", "Deferred Error APIC interrupts")
    end
    if kd.symbol_address("mce_exception_count") then -- CONFIG_X86_MCE
      percpu_row("MCE", "mce_exception_count", "Machine check exceptions")
      percpu_row("MCP", "mce_poll_count", "Machine check polls")
    end
    if has_stat("irq_hv_callback_count") and vector_set(0xf3) then
      row("HYP", "irq_hv_callback_count", "Hypervisor callback interrupts")
    end
    if has_stat("irq_hv_reenlightenment_count") and vector_set(0xee) then
      row("HRE", "irq_hv_reenlightenment_count", "Hyper-V reenlightenment interrupts")
    end
    if has_stat("hyperv_stimer0_count") and vector_set(0xed) then
      row("HVS", "hyperv_stimer0_count", "Hyper-V stimer0 interrupts")
    end
    put(string.format("%" .. prec .. "s: %10u\n", "ERR", ival(sym("irq_err_count")) or 0))
    if sym("irq_mis_count") then -- CONFIG_X86_IO_APIC
      put(string.format("%" .. prec .. "s: %10u\n", "MIS", ival(sym("irq_mis_count")) or 0))
    end
    if has_stat("kvm_posted_intr_ipis") then -- CONFIG_HAVE_KVM
      row("PIN", "kvm_posted_intr_ipis", "Posted-interrupt notification event")
      row("NPI", "kvm_posted_intr_nested_ipis", "Nested posted-interrupt event")
      row("PIW", "kvm_posted_intr_wakeup_ipis", "Posted-interrupt wakeup event")
    end
    if has_stat("posted_msi_notification_count") then -- 6.10 CONFIG_X86_POSTED_MSI
      row("PMN", "posted_msi_notification_count", "Posted MSI notification event")
    end
  end
  return table.concat(out)
end

-- softirq names (kernel/softirq.c softirq_to_name[])
function M.softirq_names()
  local names = {}
  local arr = sym("softirq_to_name")
  if arr then
    local n = #arr
    if n == 0 then n = 10 end
    for i = 0, n - 1 do
      local ok, s = pcall(function() return arr[i]:string_() end)
      names[i + 1] = ok and s or tostring(i)
    end
  else
    names = { "HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU" }
  end
  return names
end

local function kstat(c) return kd.per_cpu("kstat", c) end

-- /proc/softirqs (possible CPUs)
function M.softirqs()
  local possible = cpu.possible()
  local names = M.softirq_names()
  local out = { "                    " }
  for _, c in ipairs(possible) do out[#out + 1] = string.format("CPU%-8d", c) end
  out[#out + 1] = "\n"
  local per = {}
  for k, c in ipairs(possible) do per[k] = kstat(c).softirqs end
  for i, name in ipairs(names) do
    out[#out + 1] = string.format("%12s:", name)
    for k in ipairs(possible) do out[#out + 1] = string.format(" %10u", per[k][i - 1]) end
    out[#out + 1] = "\n"
  end
  return table.concat(out)
end

-- {====== /proc/stat ======

local CPUTIME = { "USER", "NICE", "SYSTEM", "SOFTIRQ", "IRQ", "IDLE", "IOWAIT", "STEAL", "GUEST", "GUEST_NICE" }

-- kernel_cpustat of a CPU as a table name -> ns (enum cpu_usage_stat)
local function cpustat(c)
  local kcs = kd.per_cpu("kernel_cpustat", c).cpustat
  local t = {}
  for _, n in ipairs(CPUTIME) do
    local idx = kd.enum_value("enum cpu_usage_stat", "CPUTIME_" .. n)
    t[n] = kcs[idx]
  end
  return t
end

-- get_idle_time()/get_iowait_time() of 6.1 with NO_HZ (tick_nohz_active):
-- tick_cpu_sched's idle_sleeptime/iowait_sleeptime, plus the open idle
-- period up to "now" (the crash's monotonic clock) when idle_active;
-- otherwise (or offline, or !NO_HZ) kcpustat's IDLE/IOWAIT.
local function nohz_times(c, now)
  local active = sym("tick_nohz_active")
  if not active or ival(active) == 0 then return nil end
  local ts = kd.per_cpu("tick_cpu_sched", c)
  local rq = kd.per_cpu("runqueues", c)
  local iowait = ival(rq.nr_iowait) or 0
  local idle, iow = ts.idle_sleeptime, ts.iowait_sleeptime
  local active
  if kd.has_member("struct tick_sched", "idle_active") then
    active = ts.idle_active
    if type(active) ~= "boolean" then active = active ~= 0 end
  else
    -- 6.9 "tick/sched: Move tick_sched bitfields into one flags word":
    -- TS_FLAG_IDLE_ACTIVE is BIT(2) of ts->flags (kernel/time/tick-sched.h)
    active = (ts.flags & 4) ~= 0
  end
  local open = active and now and now - ts.idle_entrytime or 0
  if open < 0 then open = 0 end
  if iowait == 0 then idle = idle + open else iow = iow + open end
  -- ktime_to_us, then * NSEC_PER_USEC
  return (idle // 1000) * 1000, (iow // 1000) * 1000
end

local function mono_now()
  local ok, tk = pcall(function() return require("kernel.time").timekeeper() end)
  if not ok or not tk then return nil end
  local tkr = tk.tkr_mono
  local base = tkr.base
  if type(base) ~= "number" then base = base.tv64 or 0 end
  return base + (tkr.xtime_nsec >> tkr.shift)
end

local function user_hz() return 100 end -- USER_HZ on every arch Linux ships

local function to_clock_t(ns)
  return ns // (1000000000 // user_hz())
end

-- the fields of a cpu line for one CPU (ns)
local function cpu_times(c, online_set, now)
  local t = cpustat(c)
  if online_set[c] then
    local idle, iow = nohz_times(c, now)
    if idle then t.IDLE, t.IOWAIT = idle, iow end
  end
  return t
end

local ORDER = { "USER", "NICE", "SYSTEM", "IDLE", "IOWAIT", "IRQ", "SOFTIRQ", "STEAL", "GUEST", "GUEST_NICE" }

local function cpu_line(label, t)
  local f = { label }
  for _, n in ipairs(ORDER) do f[#f + 1] = " " .. to_clock_t(t[n]) end
  return table.concat(f) .. "\n"
end

-- arch_irq_stat_cpu() of x86
local function arch_irq_stat_cpu(c)
  if not (kd.has_type("irq_cpustat_t") and has_stat("__nmi_count")) then return 0 end
  local s = irq_stats(c)
  local sum = s.__nmi_count
  if has_stat("apic_timer_irqs") then
    sum = sum + s.apic_timer_irqs + s.irq_spurious_count + s.apic_perf_irqs + s.apic_irq_work_irqs
    if has_stat("icr_read_retry_count") then sum = sum + s.icr_read_retry_count end
    local cb = sym("x86_platform_ipi_callback")
    if cb and cb:value_() ~= 0 then sum = sum + s.x86_platform_ipis end
  end
  if has_stat("irq_resched_count") then sum = sum + s.irq_resched_count + s.irq_call_count end
  if has_stat("irq_thermal_count") then sum = sum + s.irq_thermal_count end
  if has_stat("irq_threshold_count") then sum = sum + s.irq_threshold_count end
  if kd.symbol_address("mce_exception_count") then
    sum = sum + kd.per_cpu("mce_exception_count", c):value_() + kd.per_cpu("mce_poll_count", c):value_()
  end
  return sum
end

-- sum of get_idle_time() over the possible CPUs, ns (/proc/uptime)
function M.idle_total_ns()
  local online_set = {}
  for _, c in ipairs(cpu.online()) do online_set[c] = true end
  local now = mono_now()
  local sum = 0
  for _, c in ipairs(cpu.possible()) do sum = sum + cpu_times(c, online_set, now).IDLE end
  return sum
end

-- /proc/stat; second value: notes on what the dump cannot give exactly
function M.stat()
  local possible = cpu.possible()
  local online = cpu.online()
  local online_set = {}
  for _, c in ipairs(online) do online_set[c] = true end
  local now = mono_now()
  local tot = {}
  for _, n in ipairs(CPUTIME) do tot[n] = 0 end
  local sum, sum_softirq = 0, 0
  local names = M.softirq_names()
  local per_softirq = {}
  for i = 1, #names do per_softirq[i] = 0 end
  local per_cpu_t = {}
  for _, c in ipairs(possible) do
    local t = cpu_times(c, online_set, now)
    per_cpu_t[c] = t
    for _, n in ipairs(CPUTIME) do tot[n] = tot[n] + t[n] end
    local ks = kstat(c)
    sum = sum + ks.irqs_sum + arch_irq_stat_cpu(c)
    for i = 1, #names do
      local v = ks.softirqs[i - 1]
      per_softirq[i] = (per_softirq[i] + v) & 0xffffffff
      sum_softirq = sum_softirq + v
    end
  end
  sum = sum + (ival(sym("irq_err_count")) or 0)
  local out = { cpu_line("cpu ", tot) }
  for _, c in ipairs(online) do out[#out + 1] = cpu_line("cpu" .. c, per_cpu_t[c] or cpu_times(c, online_set, now)) end

  -- intr: the total, then kstat_irqs_usr() of every irq 0..nr_irqs-1
  local nr_irqs = ival(sym("nr_irqs")) or 0
  local counts = {}
  for _, e in ipairs(M.descs()) do
    if e[1] < nr_irqs then counts[e[1]] = kstat_irqs(e[2], possible) end
  end
  local intr = { "intr " .. sum }
  for i = 0, nr_irqs - 1 do intr[#intr + 1] = " " .. (counts[i] or 0) end
  out[#out + 1] = table.concat(intr) .. "\n"

  local ctxt, running, iowait = 0, 0, 0
  for _, c in ipairs(possible) do
    local rq = kd.per_cpu("runqueues", c)
    ctxt = ctxt + rq.nr_switches
    iowait = iowait + (ival(rq.nr_iowait) or 0)
  end
  for _, c in ipairs(online) do running = running + kd.per_cpu("runqueues", c).nr_running end
  local btime = require("kernel.time").btime()
  out[#out + 1] = string.format("ctxt %d\nbtime %d\nprocesses %d\nprocs_running %d\nprocs_blocked %d\n",
    ctxt, btime or 0, ival(sym("total_forks")) or 0, running, iowait)
  local sl = { "softirq " .. sum_softirq }
  for i = 1, #names do sl[#sl + 1] = " " .. per_softirq[i] end
  out[#out + 1] = table.concat(sl) .. "\n"
  return table.concat(out)
end

-- }======

return M
