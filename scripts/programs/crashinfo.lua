-- kdlua crashinfo: the crash at a glance: panic, stack, taint, memory, tasks, log, findings
--
-- Checks recorded as findings: the panic itself, OOM kills and OOM panics
-- (with the memory cgroup that ran out), soft/hard lockups, hung tasks,
-- RCU stalls, BUG/WARNING/Oops lines of the kernel log, D-state tasks off
-- the CPU longer than the hung-task timeout, memory nearly exhausted.
--
-- Kernel differences handled (by probing, never by version):
--   task_struct.state -> __state (5.14)           kernel/task.lua
--   printk log_buf -> lockless prb ringbuffer (5.10) kernel/printk.lua
--   page_counter.limit -> .max (4.19), memory_events[] (4.13) kernel/oom.lua
--   current_task -> pcpu_hot.current_task (6.2)    report/facts.lua

local program = require("program")

local DEFAULT_LOG_LINES = 30

-- log lines that are findings: pattern, severity, what (OOM reports are
-- read by kernel/oom.lua, in the "Out of memory" section)
local LOG_CHECKS = {
  { "watchdog: BUG: soft lockup", "ERROR", "soft lockup" },
  { "Watchdog detected hard LOCKUP", "ERROR", "hard lockup" },
  { "^INFO: task .* blocked for more than", "WARNING", "hung task" },
  { "rcu: INFO: %S+ detected stalls", "ERROR", "RCU stall" },
  { "rcu: INFO: %S+ self%-detected stall", "ERROR", "RCU stall" },
  { "^INFO: rcu_%S+ detected stalls", "ERROR", "RCU stall" },
  { "^BUG: ", "ERROR", "BUG" },
  { "^kernel BUG at ", "ERROR", "BUG" },
  { "^Oops: ", "ERROR", "Oops" },
  { "^general protection fault", "ERROR", "general protection fault" },
  { "^Unable to handle kernel", "ERROR", "kernel fault" },
  { "^WARNING: CPU: %d+ PID: %d+ at ", "WARNING", "WARN" },
}

-- what a line must have for any check to match it: the first byte of an
-- anchored pattern, or the literal start of an unanchored one (found as a
-- plain string).  Most log lines fail both, and are not run through the
-- twelve patterns (the unanchored ones try every position of the line)
local CHECK_FIRST, CHECK_LITERALS = {}, {}
for _, c in ipairs(LOG_CHECKS) do
  local pat = c[1]
  if pat:sub(1, 1) == "^" then
    local b = pat:sub(2, 2)
    assert(not b:find("[%^%$%*%+%-%?%.%(%)%[%]%%]"), "LOG_CHECKS: anchored pattern must start with a literal")
    CHECK_FIRST[b:byte()] = true
  else
    local lit = pat:match("^[^%^%$%*%+%-%?%.%(%)%[%]%%]+")
    assert(lit, "LOG_CHECKS: unanchored pattern must start with a literal")
    CHECK_LITERALS[#CHECK_LITERALS + 1] = lit
  end
end
local function may_match_check(l)
  if CHECK_FIRST[l:byte(1)] then return true end
  for i = 1, #CHECK_LITERALS do
    if l:find(CHECK_LITERALS[i], 1, true) then return true end
  end
  return false
end

-- what the panic message says about the cause (checked in order)
local CAUSES = {
  { "sysrq triggered crash", "crash triggered by sysrq-c (echo c > /proc/sysrq-trigger)" },
  { "Out of memory", "out of memory with vm.panic_on_oom set" },
  { "hung_task: blocked tasks", "hung task detected with kernel.hung_task_panic set" },
  { "softlockup: hung tasks", "soft lockup with kernel.softlockup_panic set" },
  { "Hard LOCKUP", "hard lockup with kernel.hardlockup_panic set" },
  { "hard LOCKUP", "hard lockup with kernel.hardlockup_panic set" },
  { "RCU Stall", "RCU stall with kernel.panic_on_rcu_stall set" },
  { "Fatal exception", "oops (kernel fault or BUG) with panic_on_oops or in interrupt" },
  { "Attempted to kill init", "init (PID 1) exited" },
  { "VFS: Unable to mount root", "the root filesystem could not be mounted" },
  { "NMI", "NMI (panic_on_unrecovered_nmi / unknown_nmi_panic / panic_on_io_nmi)" },
  { "MCE", "machine check exception" },
}

local function sysinfo_section(p)
  local sysinfo = require("kernel.sysinfo")
  local fields = sysinfo.fields()
  p:section("System")
  local data = {}
  for _, kv in ipairs(fields) do
    p:line("%12s: %s", kv[1], kv[2])
    data[#data + 1] = { name = kv[1], value = kv[2] }
  end
  p:set("system", data)
end

local function log_records()
  local printk = require("kernel.printk")
  local recs, why = printk.records()
  return recs, why
end

-- the "Call Trace:" the kernel printed after the panic line (what the log
-- has when no unwinder is at hand), as function names
local function logged_panic_trace(recs)
  local printk = require("kernel.printk")
  local lines = {}
  for _, r in ipairs(recs) do
    for _, l in ipairs(printk.lines(r)) do lines[#lines + 1] = l end
  end
  local start
  for i = #lines, 1, -1 do
    if lines[i]:find("^Kernel panic %- not syncing:") then start = i break end
  end
  if not start then return nil end
  local out = {}
  local in_trace = false
  for i = start + 1, math.min(#lines, start + 200) do
    local l = lines[i]
    if l:find("^Call Trace:") then in_trace = true
    elseif in_trace then
      if l:find("^%s*</TASK>") or l:find("^Kernel Offset:") or l:find("^%-%-%-%[ end") then break end
      local fn = l:match("^%s+([%w_.]+%+0x%x+/0x%x+.*)$")
      if fn then out[#out + 1] = fn
      elseif l:find("^RIP: ") then out[#out + 1] = "(" .. l .. ")" end
    end
  end
  if #out == 0 then return nil end
  return out
end

local function panic_section(p, ctx)
  local printk = require("kernel.printk")
  local facts = require("report.facts")
  local task = require("kernel.task")
  p:section("Panic")
  local recs = ctx.recs
  local msg = recs and printk.panic_message(recs)
  local info = { message = msg }
  p:line("message: %s", msg or "(no panic message found in the kernel log)")
  local cause
  if msg then
    for _, c in ipairs(CAUSES) do
      if msg:find(c[1], 1, true) then cause = c[2] break end
    end
  end
  info.cause = cause
  if cause then p:line("cause:   %s", cause) end
  local cpu = facts.panic_cpu()
  info.cpu = cpu
  p:line("cpu:     %s", cpu and tostring(cpu) or "(panic_cpu not set)")
  local t = cpu and facts.current_task(cpu)
  if t then
    local st = p:try("state of the crashing task", task.state_char, t)
    info.task = { pid = t.pid, tgid = task.tgid(t), comm = task.comm(t),
                  address = string.format("0x%x", t:value_()), state = st }
    p:line("task:    PID %d  COMM \"%s\"  TASK 0x%x  STATE %s", t.pid, task.comm(t), t:value_(),
      st or "?")
    ctx.crash_task = t
  end
  if msg then
    local what = msg:gsub("^Kernel panic %- not syncing: ", "")
    local who = t and string.format(" (CPU %s, PID %d %s)", tostring(cpu), t.pid, task.comm(t)) or ""
    p:error("kernel panic: " .. what .. who)
  end
  -- the backtrace: the unwinder's, else what the log printed
  p:line("")
  local target = t or cpu
  local tr, why
  if target ~= nil then tr, why = program.stack(target) end
  if tr then
    p:line("backtrace (kd.stack_trace):")
    for _, l in ipairs(program.trace_lines(tr, "  ")) do p:print(l) end
    info.backtrace = program.frame_names(tr)
    info.backtrace_source = "unwinder"
  else
    local logged = recs and logged_panic_trace(recs)
    p:line("backtrace: %s", why or "(no crashing task)")
    if logged then
      p:line("call trace printed by the kernel at the panic (from the log):")
      for _, l in ipairs(logged) do p:line("  %s", l) end
      info.backtrace = logged
      info.backtrace_source = "kernel log"
    end
  end
  p:set("panic", info)
end

-- what every other CPU was running at the crash, with its stack when
-- this kdlua has the unwinder (crash's bt -a)
local function cpus_section(p, ctx)
  local facts = require("report.facts")
  local task = require("kernel.task")
  local panic_cpu = facts.panic_cpu()
  local cpus = require("report.cpus").list()
  local data = {}
  p:section("CPUs")
  for _, cpu in ipairs(cpus) do
    local t = facts.current_task(cpu)
    local d = { cpu = cpu, panic = cpu == panic_cpu or nil }
    if t then
      d.pid, d.comm = t.pid, task.comm(t)
      p:line("CPU %d%s: PID %d (%s)", cpu, cpu == panic_cpu and " (panic)" or "", t.pid, task.comm(t))
    else
      p:line("CPU %d: (no current task)", cpu)
    end
    if cpu ~= panic_cpu and kd.stack_trace then
      local tr, why = program.stack(cpu)
      if tr then
        for _, l in ipairs(program.trace_lines(tr, "  ")) do p:print(l) end
        d.backtrace = program.frame_names(tr)
      else
        p:line("  %s", why)
      end
    end
    data[#data + 1] = d
  end
  p:set("cpus", data)
end

local function taint_section(p)
  local facts = require("report.facts")
  local mask = facts.int("tainted_mask")
  p:section("Taint")
  if mask == nil then
    p:line("(tainted_mask not readable)")
    return
  end
  local data = { mask = mask, text = facts.print_tainted(mask), flags = {}, modules = {} }
  p:line("%s (tainted_mask 0x%x)", data.text, mask)
  for i, f in ipairs(facts.taint_flags()) do
    if (mask >> (i - 1)) & 1 == 1 then
      local name = facts.TAINT_NAMES[i] or ("bit " .. (i - 1))
      data.flags[#data.flags + 1] = { letter = f[1], bit = i - 1, meaning = name }
      p:line("  %s  %s", f[1], name)
    end
  end
  -- the modules that carry taints (module.taints, set by add_taint_module)
  if kd.has_member("struct module", "taints") then
    for m in kd.list(kd.symbol("modules"), "struct module", "list") do
      local tm = m.taints
      if tm ~= 0 then
        local chars = facts.module_taint_chars(tm)
        local name = m.name:string_()
        data.modules[#data.modules + 1] = { name = name, taints = chars }
        p:line("  module %s (%s)", name, chars)
      end
    end
  end
  if mask ~= 0 then
    p:warning("kernel tainted: " .. data.text:gsub("%s+$", "") ..
      (#data.modules > 0 and (" (modules: " .. #data.modules .. ")") or ""))
  end
  p:set("taint", data)
end

local function loadavg_section(p)
  local ktime = require("kernel.time")
  local la = ktime.loadavg()
  if la then
    p:section("Load average")
    p:line("%s (1, 5, 15 minutes)", table.concat(la, ", "))
    p:set("loadavg", { tonumber(la[1]), tonumber(la[2]), tonumber(la[3]) })
  end
end

local function memory_section(p)
  local mm = require("kernel.mm")
  local v = mm.meminfo_values()
  local kb = function(pages) return pages and mm.kb(pages) or nil end
  local d = {
    total_kb = kb(v.totalram), free_kb = kb(v.freeram), available_kb = kb(v.available),
    buffers_kb = kb(v.bufferram), cached_kb = kb(v.cached), shmem_kb = kb(v.sharedram),
    slab_reclaimable_kb = kb(v.sreclaimable), slab_unreclaimable_kb = kb(v.sunreclaim),
    swap_total_kb = kb(v.totalswap), swap_free_kb = kb(v.freeswap),
    committed_kb = kb(v.committed), commit_limit_kb = kb(v.commit_limit),
  }
  p:section("Memory")
  local rows = {}
  local function row(label, k)
    if d[k] then rows[#rows + 1] = { label, string.format("%d kB", d[k]), program.size(d[k] * 1024) } end
  end
  row("MemTotal", "total_kb"); row("MemFree", "free_kb"); row("MemAvailable", "available_kb")
  row("Buffers", "buffers_kb"); row("Cached", "cached_kb"); row("Shmem", "shmem_kb")
  row("SReclaimable", "slab_reclaimable_kb"); row("SUnreclaim", "slab_unreclaimable_kb")
  row("SwapTotal", "swap_total_kb"); row("SwapFree", "swap_free_kb")
  row("Committed_AS", "committed_kb"); row("CommitLimit", "commit_limit_kb")
  p:table({ { "" }, { "", align = "right" }, { "", align = "right" } }, rows,
    { indent = "  ", no_header = true })
  if d.total_kb and d.available_kb and d.total_kb > 0 then
    local pct = d.available_kb * 100 / d.total_kb
    d.available_pct = math.floor(pct * 10 + 0.5) / 10
    if pct < 5 then
      p:warning(string.format("memory nearly exhausted: MemAvailable %d kB (%.1f%% of MemTotal)",
        d.available_kb, pct))
    end
  end
  if d.swap_total_kb and d.swap_total_kb > 0 and d.swap_free_kb and
     d.swap_free_kb * 20 < d.swap_total_kb then
    p:warning(string.format("swap nearly full: SwapFree %d kB of %d kB", d.swap_free_kb, d.swap_total_kb))
  end
  p:set("memory", d)
end

-- the memory cgroups at their limit or with OOM events, and the OOM
-- reports of the log
local function oom_section(p, ctx)
  local oom = require("kernel.oom")
  local reports = ctx.recs and oom.log_reports(ctx.recs) or {}
  local memcgs = p:try("memory cgroups", oom.memcgs) or {}
  local hot = {}
  for _, m in ipairs(memcgs) do
    if (m.oom and m.oom > 0) or (m.max and m.usage and m.usage >= m.max) then hot[#hot + 1] = m end
  end
  local crash_memcg = ctx.crash_task and p:try("memcg of the crashing task", oom.task_memcg, ctx.crash_task)
  if #reports == 0 and #hot == 0 then
    p:set("oom", { reports = {}, memcgs = {} })
    return
  end
  local mm = require("kernel.mm")
  p:section("Out of memory")
  for _, r in ipairs(reports) do
    local scope = r.memcg and ("memory cgroup " .. r.memcg) or "system-wide"
    p:line("[%s] %s invoked the OOM killer (gfp_mask=%s, order=%d): %s",
      require("kernel.printk").format_time(r.ts):gsub("[%[%]]", ""):gsub("^%s+", ""),
      r.comm, r.gfp_mask, r.order or -1, scope)
    if r.usage_kb then p:line("  memcg usage %d kB, limit %d kB", r.usage_kb, r.limit_kb) end
    if r.killed_pid then p:line("  killed process %d (%s)", r.killed_pid, r.killed_comm) end
    if r.panic then p:line("  then panicked: panic_on_oom (%s)", r.panic) end
    if r.killed_pid then
      p:warning(string.format("OOM kill: process %d (%s) killed, %s", r.killed_pid, r.killed_comm, scope))
    end
    if r.panic then
      p:error(string.format("OOM panic: %s ran out of memory (%s; %s invoked the OOM killer)",
        r.memcg and ("memory cgroup " .. r.memcg) or "the system", r.panic .. " panic_on_oom", r.comm))
    elseif not r.killed_pid then
      p:warning(string.format("OOM: %s invoked the OOM killer in %s", r.comm, scope))
    end
  end
  if #hot > 0 then
    p:line("memory cgroups at their limit or with OOM events:")
    local rows = {}
    for _, m in ipairs(hot) do
      rows[#rows + 1] = { m.path, m.usage and (mm.kb(m.usage) .. " kB") or "-",
        m.max and (mm.kb(m.max) .. " kB") or "max", m.oom or "-", m.oom_kill or "-" }
    end
    p:table({ { "CGROUP" }, { "USAGE", align = "right" }, { "MAX", align = "right" },
              { "OOM", align = "right" }, { "OOM_KILL", align = "right" } }, rows, { indent = "  " })
    if #reports == 0 then
      for _, m in ipairs(hot) do
        if m.oom and m.oom > 0 then
          p:warning(string.format("memory cgroup %s had %d OOM event(s)", m.path, m.oom))
        end
      end
    end
  end
  if crash_memcg then
    p:line("crashing task's memory cgroup: %s (usage %s, max %s)", crash_memcg.path,
      crash_memcg.usage and (mm.kb(crash_memcg.usage) .. " kB") or "?",
      crash_memcg.max and (mm.kb(crash_memcg.max) .. " kB") or "max")
  end
  p:set("oom", { reports = reports, memcgs = hot, crashing_task_memcg = crash_memcg })
end

local function tasks_section(p, ctx)
  local task = require("kernel.task")
  local hung = require("kernel.hungtask")
  local counts, total = {}, 0
  for t in kd.tasks() do
    local ok, c = pcall(task.state_char, t)
    c = ok and c or "?"
    counts[c] = (counts[c] or 0) + 1
    total = total + 1
  end
  p:section("Tasks")
  local parts = {}
  for i = 1, #task.state_chars do
    local c = task.state_chars:sub(i, i)
    if counts[c] then parts[#parts + 1] = string.format("%s %d", task.state_names[i], counts[c]) end
  end
  if counts["?"] then parts[#parts + 1] = "unreadable " .. counts["?"] end
  p:line("%d tasks: %s", total, table.concat(parts, ", "))
  p:set("tasks", { total = total, by_state = counts })

  local blocked = hung.blocked()
  local timeout = hung.timeout()
  local rows, data = {}, {}
  for _, b in ipairs(blocked) do
    local secs = b.off_cpu_ns and b.off_cpu_ns / 1e9
    local w = p:try("wchan of " .. b.pid, task.wchan, b.task)
    rows[#rows + 1] = { b.pid, b.comm, program.duration(secs), w or "?" }
    data[#data + 1] = { pid = b.pid, tgid = b.tgid, comm = b.comm, off_cpu_seconds = secs, wchan = w,
                        hung_task_checker_seconds = b.checker_secs }
    if timeout and timeout > 0 and secs and secs >= timeout then
      p:warning(string.format("task %d (%s) in D state for %s, beyond hung_task_timeout_secs %d",
        b.pid, b.comm, program.duration(secs), timeout))
    end
  end
  p:line("")
  if #rows == 0 then
    p:line("blocked (D state) tasks: none")
  else
    p:line("blocked (D state) tasks: %d (kdlua hanginfo shows what they wait on)", #rows)
    p:table({ { "PID", align = "right" }, { "COMM" }, { "OFF CPU", align = "right" }, { "WCHAN" } },
      rows, { indent = "  " })
    p:warning(string.format("%d task(s) in D state", #rows))
  end
  p:set("blocked", data)
  p:set("hung_task_timeout_secs", timeout)
end

-- an RCU grace period running longer than the stall timeout (the state
-- the RCU CPU stall detector checks: rcu_state.gp_seq's low bits say a
-- grace period is in progress since rcu_state.gp_start, in jiffies; both
-- since 4.19's gp_seq, "rcu: Convert grace-period requests to ->gp_seq")
local function rcu_check(p)
  if not kd.has_member("struct rcu_state", "gp_start") or
     not kd.has_member("struct rcu_state", "gp_seq") then return end
  local rs = kd.symbol("rcu_state")
  local ktime = require("kernel.time")
  local j, hz = ktime.jiffies(), ktime.hz()
  local timeout = require("report.facts").int("rcu_cpu_stall_timeout")
  if j == nil or timeout == nil then return end
  local in_gp = (rs.gp_seq & 3) ~= 0
  local secs = ((j - rs.gp_start) & 0xffffffffffffffff) / hz
  p:set("rcu", { grace_period_in_progress = in_gp, grace_period_seconds = in_gp and secs or nil,
                 stall_timeout_secs = timeout })
  if in_gp and secs >= timeout then
    p:warning(string.format("RCU grace period in progress for %.1f s (rcu_cpu_stall_timeout %d s): an RCU stall",
      secs, timeout))
  end
end

-- CPUs whose soft-lockup watchdog was not touched for longer than the
-- soft-lockup threshold (kernel/watchdog.c: per-CPU watchdog_touch_ts in
-- get_timestamp() units, running_clock() >> 30; the threshold is
-- 2 * watchdog_thresh; ULONG_MAX means "touched, report later")
local function softlockup_check(p)
  local facts = require("report.facts")
  local thresh = facts.int("watchdog_thresh")
  if thresh == nil or thresh <= 0 or kd.symbol_address("watchdog_touch_ts") == nil then return end
  local out = {}
  for _, cpu in ipairs(require("report.cpus").list()) do
    local ok, touch, now = pcall(function()
      return kd.per_cpu("watchdog_touch_ts", cpu):value_(), kd.per_cpu("runqueues", cpu).clock >> 30
    end)
    if ok and touch > 0 and now >= touch then
      local stuck = now - touch
      out[#out + 1] = { cpu = cpu, seconds_since_touch = stuck }
      if stuck > 2 * thresh then
        p:warning(string.format("CPU %d: soft-lockup watchdog not touched for %d s (threshold %d s)",
          cpu, stuck, 2 * thresh))
      end
    end
  end
  p:set("watchdog", { softlockup_thresh_secs = 2 * thresh, cpus = out })
end

local function log_section(p, ctx, nlines)
  local printk = require("kernel.printk")
  if not ctx.recs then
    p:section("Kernel log")
    p:line("(%s)", ctx.recs_why or "not readable")
    return
  end
  -- the checks over the whole log
  local seen = {}
  local events = {}
  local function check(r, l)
    if not may_match_check(l) then return end
    for _, c in ipairs(LOG_CHECKS) do
      if c[2] and l:find(c[1]) then
        events[#events + 1] = { time = r.ts_nsec / 1e9, what = c[3], line = l }
        local key = c[3]
        seen[key] = (seen[key] or 0) + 1
        -- one finding per kind, with the count once all are seen
        if seen[key] == 1 then
          events[#events].finding = p:finding(c[2], c[3] .. " in the kernel log: " .. l)
        end
        break
      end
    end
  end
  for _, r in ipairs(ctx.recs) do
    local text = r.text
    if not text:find("\n", 1, true) then check(r, text)   -- one line (the common case)
    else
      for _, l in ipairs(printk.lines(r)) do check(r, l) end
    end
  end
  for _, e in ipairs(events) do
    if e.finding and seen[e.what] > 1 then
      e.finding.message = e.finding.message .. string.format(" (and %d more)", seen[e.what] - 1)
    end
    e.finding = nil
  end
  -- the last nlines lines of the dmesg text (printk.dmesg_text's lines:
  -- each text line of a record after its time stamp), made from the last
  -- records only instead of the whole log's text split again
  local tail = {}
  local recs = ctx.recs
  for i = #recs, 1, -1 do
    if #tail >= nlines then break end
    local r = recs[i]
    local prefix = printk.format_time(r.ts_nsec) .. " "
    local text = r.text
    if not text:find("\n", 1, true) then tail[#tail + 1] = prefix .. text
    else
      local ls = printk.lines(r)
      for j = #ls, 1, -1 do
        if #tail >= nlines then break end
        tail[#tail + 1] = prefix .. ls[j]
      end
    end
  end
  local n = #tail
  for i = 1, n // 2 do tail[i], tail[n + 1 - i] = tail[n + 1 - i], tail[i] end
  p:section(string.format("Kernel log (last %d lines)", n))
  for i = 1, n do p:print(tail[i]) end
  p:set("log_tail", tail)
  p:set("log_events", events)
end

return program.define{
  name = "crashinfo",
  usage = "[--log-lines N]",
  description = [[
The crash at a glance: what `kdlua info` prints, the panic message, the
crashing CPU and task with its backtrace, taint flags and the modules behind
them, load averages, memory, tasks per state and the blocked (D) ones, the
last lines of the kernel log, and findings from checks (OOM, lockups, hung
tasks, RCU stalls, BUG/WARN/Oops in the log, long D-state tasks, memory
nearly exhausted).]],
  options = {
    { "--log-lines", arg = "N", number = true,
      help = "lines of the kernel log to show (default " .. DEFAULT_LOG_LINES .. ")" },
  },
  run = function(p, opts)
    local ctx = {}
    ctx.recs, ctx.recs_why = log_records()
    if not ctx.recs then p:error("kernel log: " .. tostring(ctx.recs_why)) end
    p:try("system summary", sysinfo_section, p)
    p:try("panic", panic_section, p, ctx)
    p:try("CPUs", cpus_section, p, ctx)
    p:try("taint", taint_section, p)
    p:try("load average", loadavg_section, p)
    p:try("memory", memory_section, p)
    p:try("out of memory", oom_section, p, ctx)
    p:try("tasks", tasks_section, p, ctx)
    p:try("RCU", rcu_check, p)
    p:try("soft lockups", softlockup_check, p)
    p:try("kernel log", log_section, p, ctx, math.max(0, math.floor(opts.log_lines or DEFAULT_LOG_LINES)))
  end,
}
