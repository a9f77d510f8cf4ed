-- stack_checks.lua FIXTURE_DIR -- the unwinder (kd.stack_trace and
-- kernel/stack.lua) against what one fixture's live system and reference
-- tools showed; run by tests/sh/test_stack_trace.sh on every fixture.
-- (Not named test_*.lua: it takes the fixture folder as its argument.)
--
--  * every task that was asleep both at the capture and at the crash:
--    /proc/<pid>/stack and /proc/<pid>/task/<tid>/stack equal truth/, and
--    so does wchan (tasks sleeping in module code included);
--  * the panicking task: its frames from panic()/vpanic() on equal the
--    Call Trace the kernel printed on the serial console, and an
--    exception frame printed there ("RIP: 0010:...") carries the same
--    registers;
--  * the user registers at the bottom equal those crash's bt printed;
--  * every CPU with saved registers unwinds to its interrupted code and
--    ends where a stack ends.
-- Prints "ok - ..." / "FAIL - ..." lines; exits 1 on a failure.
local stack = require("kernel.stack")
local task = require("kernel.task")

local D = assert(arg[1], "usage: stack_checks.lua FIXTURE_DIR")
local NAME = D:match("([^/]+)/*$")
local passed, failed = 0, 0
local function check(cond, what)
  if cond then passed = passed + 1; print("ok - " .. NAME .. ": " .. what)
  else failed = failed + 1; print("FAIL - " .. NAME .. ": " .. what) end
end
local function read(p)
  local f = io.open(D .. "/" .. p)
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end
local function lines(s)
  local t = {}
  for l in (s or ""):gmatch("([^\n]*)\n?") do if l ~= "" then t[#t + 1] = l end end
  return t
end

local crash_pid = tonumber(read("truth/crash_pid") or "")

-- {====== sleeping tasks: stack and wchan ======

-- "[<0>] fn+0x1/0x2 [mod]" -> "fn [mod]": the same calls, another place
local function calls(text)
  return (text:gsub("%+0x%x+/0x%x+", ""))
end

local stacks, exact, moved, modtasks, wchans, wgood = 0, 0, {}, 0, 0, 0
local bad_stack, bad_wchan = {}, {}
for t in kd.tasks() do
  local pid, tgid = t.pid, t.tgid
  local dir = pid == tgid and ("truth/pid/" .. pid) or ("truth/pid/" .. tgid .. "/task/" .. pid)
  -- asleep at the crash: not runnable and not on a CPU (a task that ran
  -- after the capture has another stack now)
  local asleep = task.raw_state(t) ~= 0 and kd.task_cpu(t) == nil and pid ~= crash_pid
  local want = asleep and read(dir .. "/stack")
  if want then
    stacks = stacks + 1
    local got = stack.proc_stack(t)
    if got == want then
      exact = exact + 1
      if want:find(" %[") then modtasks = modtasks + 1 end
    elseif calls(got) == calls(want) then
      -- the same calls at another offset: the task woke and slept again
      -- at another wait of the same function after the capture
      moved[#moved + 1] = dir
    else
      bad_stack[#bad_stack + 1] = dir .. " got:\n" .. got .. "want:\n" .. want
    end
  end
  local ww = asleep and read(dir .. "/wchan")
  if ww then
    wchans = wchans + 1
    local got = task.wchan(t)
    if got == ww then wgood = wgood + 1 else bad_wchan[#bad_wchan + 1] = dir .. ": " .. got .. " vs " .. ww end
  end
end
for _, b in ipairs(bad_stack) do print("# " .. b) end
for _, b in ipairs(bad_wchan) do print("# wchan " .. b) end
for _, m in ipairs(moved) do print("# same calls, other offsets (woke and slept again): " .. m) end
check(stacks > 0 and #bad_stack == 0,
      string.format("stack of %d sleeping tasks: %d exact, %d moved, %d wrong", stacks, exact, #moved, #bad_stack))
check(#moved <= 2, "at most 2 tasks slept again at another offset of the same calls")
check(wchans > 0 and wgood == wchans, string.format("wchan of %d sleeping tasks: %d equal", wchans, wgood))
local truth_mods = 0
for _, p in ipairs(lines(io.popen("grep -l ' \\[' " .. D .. "/truth/pid/*/stack 2>/dev/null"):read("a"))) do
  if p ~= "" then truth_mods = truth_mods + 1 end
end
check(truth_mods == 0 or modtasks > 0,
      string.format("tasks sleeping in module code unwound exactly: %d (truth has %d)", modtasks, truth_mods))

-- the DWARF CFI fallback alone (vmlinux's .debug_frame; kernels without
-- ORC): the same stacks, for the tasks that do not sleep in module code
-- (module frames have no CFI yet)
do
  local dgood, dbad = 0, {}
  for t in kd.tasks() do
    local pid, tgid = t.pid, t.tgid
    local dir = pid == tgid and ("truth/pid/" .. pid) or ("truth/pid/" .. tgid .. "/task/" .. pid)
    local asleep = task.raw_state(t) ~= 0 and kd.task_cpu(t) == nil and pid ~= crash_pid
    local want = asleep and read(dir .. "/stack")
    if want and not want:find(" %[") then
      local tr = kd.stack_trace(t, { unwinder = "dwarf" })
      local out = {}
      for _, f in ipairs(tr) do
        if not f.kernel_text then break end
        if not f.sched then out[#out + 1] = stack.pB(f.pc) end
      end
      local got = table.concat(out)
      if got == want or calls(got) == calls(want) then dgood = dgood + 1 else dbad[#dbad + 1] = dir end
    end
  end
  for _, b in ipairs(dbad) do print("# DWARF CFI differs: " .. b) end
  check(dgood > 0 and #dbad == 0, string.format("DWARF CFI alone gives the same stacks: %d tasks, %d differ",
                                                dgood, #dbad))
end

-- the D-state tasks the capture listed (truth/dstate/<tid>.stack)
for _, l in ipairs(lines(read("truth/dstate/list.txt"))) do
  local tid = tonumber(l:match("^(%d+)"))
  for t in kd.tasks() do
    if t.pid == tid then
      check(stack.proc_stack(t) == read("truth/dstate/" .. tid .. ".stack"), "D task " .. tid .. " stack")
      -- (captured with cat, which added a newline)
      check(task.wchan(t) == (read("truth/dstate/" .. tid .. ".wchan") or ""):gsub("\n$", ""),
            "D task " .. tid .. " wchan")
    end
  end
end

-- }======

-- {====== kd.stack_pcs and kd.thread_size ======

-- kd.stack_pcs remembers the list of recent tasks: whatever the order and
-- the max asked, it is the filter of a fresh walk (kd.stack_trace's
-- frames: kernel text, scheduler functions left out); and the user
-- registers a task's trace ends with lie where task_pt_regs() puts them,
-- THREAD_SIZE (kd.thread_size) above the stack's base
do
  local pcs_bad, ntasks, regs_seen, regs_bad = {}, 0, 0, {}
  local pt_regs = kd.type("struct pt_regs").size
  for t in kd.tasks() do
    ntasks = ntasks + 1
    local ok, tr = pcall(kd.stack_trace, t)
    if ok then
      local want = {}
      for _, f in ipairs(tr) do
        if not f.kernel_text then break end
        if not f.sched then want[#want + 1] = f.pc end
      end
      for _, max in ipairs({ 1, 64, 3, 200, 0, 64 }) do
        local got = kd.stack_pcs(t, max)
        local same = #got == math.min(max, #want)
        for i = 1, #got do same = same and got[i] == want[i] end
        if not same then pcs_bad[#pcs_bad + 1] = t.pid .. " max " .. max end
      end
      local last = tr[#tr]
      if last and last.kind == "user_regs" and last.regs and last.regs.address then
        regs_seen = regs_seen + 1
        if last.regs.address ~= kd.addr(t.stack) + kd.thread_size() - pt_regs then
          regs_bad[#regs_bad + 1] = tostring(t.pid)
        end
      end
    end
  end
  for _, b in ipairs(pcs_bad) do print("# stack_pcs differs: " .. b) end
  check(#pcs_bad == 0, string.format("kd.stack_pcs of %d tasks, six maxima each, equals a fresh walk", ntasks))
  check(regs_seen > 0 and #regs_bad == 0,
        string.format("user registers of %d tasks at stack + kd.thread_size() (%d) - sizeof(pt_regs); wrong: %s",
                      regs_seen, kd.thread_size(), table.concat(regs_bad, " ")))
end

-- }======

-- {====== the panicking task ======

-- the last Call Trace of the serial console: frames not marked "?", and
-- "RIP: 0010:fn+0x.." lines (an exception frame's kernel pc) as frames
-- with the register lines that follow them
local function serial_trace()
  local log = read("serial-console.log")
  if not log then return nil end
  local all = lines(log)
  local start
  for i, l in ipairs(all) do if l:find("Call Trace:") then start = i end end
  if not start then return nil end
  local frames = {}
  for i = start + 1, #all do
    local l = all[i]:gsub("^%[[^%]]*%]%s*", "")
    if l:find("^</TASK>") or l:find("^Kernel Offset") or l:find("^%-%-%-") then break end
    local fn = l:match("^([%w_%.]+)%+0x%x+/0x%x+")
    local rip = l:match("^RIP: 0010:([%w_%.]+)%+")
    if fn then frames[#frames + 1] = { name = fn }
    elseif rip then frames[#frames + 1] = { name = rip, regs = {}, off = tonumber(l:match("%+0x(%x+)"), 16) }
    elseif #frames > 0 and frames[#frames].regs then
      for k, v in l:gmatch("(%u[%u%d]+): (%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x)") do
        frames[#frames].regs[k:lower()] = tonumber(v, 16)
      end
      local rsp = l:match("^RSP: %x+:(%x+)")
      if rsp then frames[#frames].regs.rsp = tonumber(rsp, 16) end
    end
  end
  return frames
end

local pcpu = kd.panic_cpu()
check(pcpu ~= nil, "the dump names the CPU that crashed")
local tr = pcpu and kd.stack_trace(pcpu)
local ref = serial_trace()
if tr and ref then
  -- the console's trace was printed by panic()/vpanic() itself: compare
  -- from there (what it had called since has returned)
  local first
  for i, f in ipairs(ref) do if f.name == "panic" or f.name == "vpanic" then first = i break end end
  local want, got = {}, {}
  for i = first or 1, #ref do want[#want + 1] = ref[i].name end
  local k
  for i, f in ipairs(tr) do if f.name == want[1] then k = i break end end
  for i = k or 1, #tr do if tr[i].kind ~= "user_regs" then got[#got + 1] = tr[i].name or "?" end end
  local gs, ws = table.concat(got, " "), table.concat(want, " ")
  check(k ~= nil and gs == ws, "panic CPU " .. pcpu .. " trace equals the serial console's Call Trace")
  if gs ~= ws then print("# got:  " .. gs .. "\n# want: " .. ws) end
  check(tr.reliable and (tr.stop_reason == "user mode" or tr.stop_reason == "end of stack"),
        "panic CPU trace is reliable and ends properly (" .. tostring(tr.stop_reason) .. ")")
  -- the exception frame the console printed: same function, offset, registers
  for _, rf in ipairs(ref) do
    if rf.regs then
      local f
      for _, x in ipairs(tr) do if x.name == rf.name and x.kind ~= "call" then f = x end end
      check(f ~= nil and f.kind == "exception" and f.regs ~= nil,
            "exception frame at " .. rf.name .. " with its pt_regs")
      if f and f.regs then
        local same = f.offset == rf.off
        local names = { rax = "ax", rbx = "bx", rcx = "cx", rdx = "dx", rsi = "si", rdi = "di", rbp = "bp",
                        rsp = "sp", r08 = "r8", r09 = "r9", r10 = "r10", r11 = "r11", r12 = "r12",
                        r13 = "r13", r14 = "r14", r15 = "r15" }
        local n = 0
        for k2, v in pairs(rf.regs) do
          if names[k2] then
            n = n + 1
            if f.regs[names[k2]] ~= v then same = false; print("# " .. k2 .. " differs") end
          end
        end
        check(same and n >= 16, "exception frame's offset and " .. n .. " registers equal the console's")
      end
    end
  end
end

-- crash's bt of the panic task printed the user registers at the bottom
local cbt = read("reference/crash/crash_bt.txt")
if tr and cbt and cbt:find("RIP: %x+%s+RSP:") then
  local rip, rsp = cbt:match("RIP: (%x+)%s+RSP: (%x+)")
  local u = tr[#tr]
  check(u.kind == "user_regs" and u.regs and u.regs.ip == tonumber(rip, 16) and u.regs.sp == tonumber(rsp, 16),
        "user registers equal crash bt's RIP/RSP")
end

-- }======

-- {====== source lines: drgn's stack traces ======

-- reference/drgn_bt_all.txt has every sleeping task's frames with
-- file:line, inlined calls as frames of their own.  Ours, with
-- kd.stack_trace(t, {lines = true}), expanded the same way, must give the
-- same positions.  Skipped: tasks whose pid is a CPU note's pr_pid (drgn
-- 0.0.22 takes that note's registers for them: README of the fixtures),
-- and traces where drgn could not name a frame (6.12 modules).
local txt = read("reference/drgn_bt_all.txt")
if txt then
  local prpids = {}
  for i = 0, kd.dump_info().cpu_notes - 1 do prpids[kd.cpu_registers(i).pr_pid] = true end
  local bypid = {} for t in kd.tasks() do bypid[t.pid] = t end
  local function expand(tr)
    local out = {}
    for _, fr in ipairs(tr) do
      if fr.kind == "user_regs" then break end
      local inl = fr.inlined or {}
      if #inl > 0 then
        out[#out + 1] = string.format("%s %s:%s", inl[1].name, fr.file, fr.line)
        for k = 2, #inl do out[#out + 1] = string.format("%s %s:%s", inl[k].name, inl[k-1].call_file, inl[k-1].call_line) end
        out[#out + 1] = string.format("%s %s:%s", fr.name, inl[#inl].call_file, inl[#inl].call_line)
      else
        out[#out + 1] = string.format("%s %s:%s", fr.name, fr.file, fr.line)
      end
    end
    return out
  end
  local good, bad, skipped = 0, 0, 0
  for block in txt:gmatch("(PID %d+.-)\n\n") do
    local pid = tonumber(block:match("^PID (%d+)"))
    local want, raw = {}, false
    for l in block:gmatch("\n(#%d+[^\n]*)") do
      local name, file, line = l:match("^#%d+%s+([%w_%.]+)[^%(]*%(([^:]+):(%d+)")
      if not name then raw = true else want[#want + 1] = name .. " " .. file .. ":" .. line end
    end
    if raw or prpids[pid] or not bypid[pid] or block:find("stack_trace failed") then skipped = skipped + 1
    else
      local got = expand(kd.stack_trace(bypid[pid], { lines = true }))
      -- names: the compiler's clones (.constprop.0, .isra.0, .cold) carry
      -- the DWARF name; an assembler label names the code after a symbol drgn
      -- names (entry_SYSCALL_64_after_hwframe inside entry_SYSCALL_64)
      local same = #got == #want
      for k = 1, math.min(#got, #want) do
        local gn, gp = got[k]:match("^(%S+) (.*)$")
        local wn, wp = want[k]:match("^(%S+) (.*)$")
        local base = gn:gsub("%.[%a_]+%.?%d*$", ""):gsub("%.cold$", "")
        local ga, wa = kd.symbol_address(gn), kd.symbol_address(wn)
        local ok = gp == wp and (gn == wn or base == wn or (ga and wa and math.ult(wa, ga) and ga - wa < 4096))
        if not ok then same = false end
      end
      local g, w = table.concat(got, "\n"), table.concat(want, "\n")
      if same then good = good + 1 else bad = bad + 1; if bad <= 3 then print("# pid " .. pid .. ", ours:\n" .. g .. "\n# drgn:\n" .. w) end end
    end
  end
  print("# drgn comparison skipped " .. skipped .. " task(s)")
  check(good > 0 and bad == 0, string.format("file:line and inlined calls equal drgn's for %d tasks (%d differ)", good, bad))
end

-- }======

-- {====== crash's bt layout ======

-- every task crash unwound in reference/crash/crash_foreach_bt.txt: our
-- header line equals crash's, each of our numbered frame lines is one of
-- crash's (crash adds stale return addresses it finds on the stack; the
-- frame numbers differ then) and our register blocks equal crash's
local bt = require("bt")
local function strip_num(l) return (l:gsub("^%s*#%d+ ", "")) end
local fe = read("reference/crash/crash_foreach_bt.txt")
local compared = 0
for block in ((fe or "") .. "\n"):gmatch("(PID:.-\n)\n") do
  local addr = block:match("TASK: (%x+)")
  local cl = lines(block)
  if addr and #cl > 1 and cl[2]:find("^%s*#0 ") then
    local t = kd.object("struct task_struct", tonumber(addr, 16))
    local ours = lines(bt.task_text(t))
    local theirs = {}
    for _, l in ipairs(cl) do theirs[strip_num(l)] = true end
    local missing = {}
    for k, l in ipairs(ours) do
      -- the frame a CPU note starts at (crash starts at the caller)
      local skip = k == 2 and kd.task_cpu(t) ~= nil
      if not skip and not theirs[strip_num(l)] then missing[#missing + 1] = l end
    end
    if block:find("\nbt: ") then
      -- crash gave up part-way (6.12: "invalid RSP"): what it printed
      -- before must be ours
      local mine = {}
      for _, l in ipairs(ours) do mine[strip_num(l)] = true end
      missing = {}
      for _, l in ipairs(cl) do
        if l:find("^%s*#%d+ ") and not mine[strip_num(l)] then missing[#missing + 1] = l end
      end
    end
    for _, m in ipairs(missing) do print("# differs from crash's output: " .. m) end
    check(ours[1] == cl[1] and #missing == 0, "bt of " .. cl[1]:gsub("%s+", " ") .. " agrees with crash")
    compared = compared + 1
  end
end
if fe then print("# compared with crash: " .. compared .. " task(s)") end

-- }======

-- {====== every CPU ======

for cpu, curr in pairs(kd.cpu_tasks()) do
  local ok, t = pcall(kd.stack_trace, cpu)
  check(ok and #t >= 2, "CPU " .. cpu .. " unwinds (" .. (ok and #t or 0) .. " frames)")
  if ok then
    local interrupted = cpu == pcpu
    for i = 2, #t do if t[i].kind ~= "call" then interrupted = true end end
    check(interrupted, "CPU " .. cpu .. " reaches the code it interrupted")
    check(t.reliable and (t.stop_reason == "user mode" or t.stop_reason == "end of stack"),
          "CPU " .. cpu .. " trace ends properly (" .. t.stop_reason .. ")")
    check(t.task == curr, "CPU " .. cpu .. " trace belongs to rq->curr")
  end
end

-- every task's walk ends at user mode or the end of its stack
local unfinished = {}
for t in kd.tasks() do
  if t.exit_state == 0 then
    local s = kd.stack_trace(t)
    if not (s.reliable and (s.stop_reason == "user mode" or s.stop_reason == "end of stack")) then
      unfinished[#unfinished + 1] = t.pid .. " (" .. s.stop_reason .. ")"
    end
  end
end
check(#unfinished == 0, "every live task's trace is reliable and complete" ..
      (#unfinished > 0 and (": " .. table.concat(unfinished, ", ")) or ""))

-- }======

print(passed .. " passed, " .. failed .. " failed")
os.exit(failed == 0 and 0 or 1)
