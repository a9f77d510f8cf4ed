-- Kernel helper libraries (scripts/lib/kernel/*) against what the live
-- system showed seconds before the crash ($KDLUA_TEST_VMCORE_DIR/truth).
--
-- Runs under tests/lua/runner.lua (test/eq/ok/truth come from there) or on
-- its own: `kdlua run tests/lua/test_kernel_libs.lua --vmcore ...` with
-- KDLUA_TEST_VMCORE_DIR set; then it prints "N passed, N failed" itself and
-- raises an error when a check failed.

local task = require("kernel.task")
local procfs = require("kernel.procfs")
local printk = require("kernel.printk")
local ps = require("kernel.ps")
local ktime = require("kernel.time")
local sysinfo = require("kernel.sysinfo")

-- {====== standalone harness (when not under runner.lua) ======
local standalone = (test == nil)
local passed, failed = 0, 0
local TRUTH_DIR = (os.getenv("KDLUA_TEST_VMCORE_DIR") or "/work/shared/vmcore") .. "/truth"
if standalone then
  function test(name, fn)
    local good, err = xpcall(fn, function(e)
      return debug.traceback(type(e) == "table" and tostring(e.message or e) or tostring(e), 2)
    end)
    if good then passed = passed + 1; print("ok   " .. name)
    else failed = failed + 1; print("FAIL " .. name .. "\n     " .. tostring(err)) end
  end
  function eq(got, want, what)
    if got ~= want then
      error(string.format("%s: got %q, want %q", what or "value", tostring(got), tostring(want)), 2)
    end
  end
  function ok(cond, what) if not cond then error((what or "condition") .. " is false", 2) end end
  function truth(rel)
    local f = io.open(TRUTH_DIR .. "/" .. rel, "rb")
    if not f then return nil end
    local s = f:read("a"); f:close(); return s
  end
end
-- }======

local function trim(s) return (s:gsub("%s+$", "")) end

local function lines(s)
  local t = {}
  for l in s:gmatch("([^\n]*)\n") do t[#t + 1] = l end
  return t
end

-- "Key:\tvalue" lines of a status file
local function status_map(s)
  local m = {}
  for _, l in ipairs(lines(s)) do
    local k, v = l:match("^([^:]+):(.*)$")
    if k then m[k] = v end
  end
  return m
end

assert(truth("crash_pid"), "no truth files: set KDLUA_TEST_VMCORE_DIR to the fixture folder")
local crash_pid = tonumber(trim(truth("crash_pid")))

-- pids in truth/pid: list the directory through the truth's own ps output
-- and the status files (no lfs): every pid of ps.txt/ps-T.txt plus those
-- named in truth/pid/*/tids that have a status file
local function truth_pids()
  local seen, out = {}, {}
  local function add(p)
    if not seen[p] and truth("pid/" .. p .. "/status") then seen[p] = true; out[#out + 1] = p end
  end
  for _, f in ipairs({ "cmd/ps.txt", "cmd/ps-T.txt" }) do
    for _, l in ipairs(lines(truth(f) or "")) do
      local p = tonumber(l:match("^%s*(%d+)"))
      if p then add(p) end
    end
  end
  -- helpers started after ps ran (fxsnap): scan a small range above the max
  local max = 0
  for _, p in ipairs(out) do if p > max then max = p end end
  for p = max + 1, max + 64 do add(p) end
  table.sort(out)
  return out
end

local tasks_by_pid = task.by_pid()
local tpids = truth_pids()

-- truth pids that are not in the dump must be the capture helpers: the
-- crashing script's descendants that exited before the panic
local function is_capture_helper(pid, depth)
  depth = depth or 0
  if depth > 8 then return false end
  local st = truth("pid/" .. pid .. "/status")
  if not st then return false end
  local ppid = tonumber(status_map(st).PPid)
  if ppid == crash_pid then return true end
  if ppid and not tasks_by_pid[ppid] then return is_capture_helper(ppid, depth + 1) end
  return false
end

local function is_worker(t) return (t.flags & task.PF_WQ_WORKER) ~= 0 end

-- (pid, tid) pairs to check, with the truth directory of each
local function checked()
  local out = {}
  for _, pid in ipairs(tpids) do
    local t = tasks_by_pid[pid]
    if t then
      out[#out + 1] = { t = t, dir = "pid/" .. pid, whole = true }
      local tids = truth("pid/" .. pid .. "/tids")
      if tids then
        for tid in tids:gmatch("%d+") do
          tid = tonumber(tid)
          if tid ~= pid and tasks_by_pid[tid] and truth("pid/" .. pid .. "/task/" .. tid .. "/status") then
            out[#out + 1] = { t = tasks_by_pid[tid], dir = "pid/" .. pid .. "/task/" .. tid, whole = false }
          end
        end
      end
    end
  end
  return out
end
local CHECK = checked()

test("every truth pid is in the dump, except the capture helpers", function()
  local missing = {}
  for _, pid in ipairs(tpids) do
    if not tasks_by_pid[pid] and not is_capture_helper(pid) then missing[#missing + 1] = pid end
  end
  eq(table.concat(missing, ","), "", "pids missing from the dump")
  ok(#CHECK > 90, "at least 90 tasks to compare (got " .. #CHECK .. ")")
end)

test("task basics: ids, state letters, kthreads", function()
  local init = tasks_by_pid[1]
  eq(task.pid(init), 1, "pid")
  eq(task.tgid(init), 1, "tgid")
  eq(task.ppid(init), 0, "ppid")
  eq(task.is_kthread(init), false, "init is not a kthread")
  eq(task.is_kthread(tasks_by_pid[2]), true, "kthreadd is a kthread")
  local letters = {}
  for _, t in ipairs(task.all()) do letters[task.state_char(t)] = true end
  ok(letters.S and letters.I and letters.Z and letters.T and letters.R, "S, I, Z, T and R tasks exist")
  -- the child pid namespace (unshare -p): NSpid has two levels
  local nested
  for _, t in ipairs(task.all()) do
    if #task.ns_numbers(t, 0) == 2 then nested = t end
  end
  ok(nested ~= nil, "a task in a child pid namespace")
  eq(task.ns_numbers(nested, 0)[2], 1, "pid 1 of its own namespace")
  local n = 0
  for _ in task.threads(tasks_by_pid[1]) do n = n + 1 end
  eq(n, 1, "init has one thread")
end)

local STATUS_KEYS = { "Name", "Umask", "Tgid", "Ngid", "Pid", "PPid", "TracerPid", "Uid", "Gid",
                      "FDSize", "Groups", "NStgid", "NSpid", "NSpgid", "NSsid", "VmSize", "VmExe",
                      "VmLib", "Threads", "SigQ", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt",
                      "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp",
                      "Seccomp_filters", "Speculation_Store_Bypass", "SpeculationIndirectBranch",
                      "Cpus_allowed", "Cpus_allowed_list", "Mems_allowed", "Mems_allowed_list",
                      "CoreDumping", "THP_enabled", "HugetlbPages" }

test("proc/<pid>/status static lines equal the live ones", function()
  local bad = {}
  for _, c in ipairs(CHECK) do
    local want = status_map(truth(c.dir .. "/status"))
    local mine_text = procfs.status(c.t)
    local got = status_map(mine_text)
    local order_ok = true
    -- the same keys in the same order
    local wk, gk = {}, {}
    for _, l in ipairs(lines(truth(c.dir .. "/status"))) do wk[#wk + 1] = l:match("^([^:]+):") end
    for _, l in ipairs(lines(mine_text)) do gk[#gk + 1] = l:match("^([^:]+):") end
    if table.concat(wk, ",") ~= table.concat(gk, ",") then
      bad[#bad + 1] = c.dir .. " keys: " .. table.concat(gk, ",")
      order_ok = false
    end
    for _, k in ipairs(STATUS_KEYS) do
      local skip = (k == "Name" and is_worker(c.t))
      if not skip and want[k] ~= got[k] then
        bad[#bad + 1] = string.format("%s %s: %q vs %q", c.dir, k, tostring(got[k]), tostring(want[k]))
      end
    end
    -- State: sleepers whose state did not change (not the crashing task)
    if c.t.pid ~= crash_pid and not want.State:find("R") and want.State ~= got.State then
      bad[#bad + 1] = string.format("%s State: %q vs %q", c.dir, got.State, want.State)
    end
    if not order_ok then break end
  end
  eq(table.concat(bad, "\n"), "", "status differences")
end)

-- stat fields that do not drift (1-based): pid comm state ppid pgrp
-- session tty_nr tpgid flags priority nice num_threads itrealvalue
-- starttime vsize rsslim startcode endcode startstack kstkesp kstkeip
-- signal blocked sigignore sigcatch nswap cnswap exit_signal rt_priority
-- policy start_data end_data start_brk arg_start arg_end env_start
-- env_end exit_code (+ wchan flag for sleepers)
local STAT_STATIC = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 18, 19, 20, 21, 22, 23, 25, 26, 27, 28, 29, 30,
                      31, 32, 33, 34, 36, 37, 38, 40, 41, 45, 46, 47, 48, 49, 50, 51, 52 }

local function fields(s)
  local pid, comm, rest = s:match("^(%d+) %((.*)%) (.*)$")
  local f = { pid, comm }
  for x in rest:gmatch("%S+") do f[#f + 1] = x end
  return f
end

test("proc/<pid>/stat static fields equal the live ones", function()
  local bad = {}
  for _, c in ipairs(CHECK) do
    local want = fields(trim(truth(c.dir .. "/stat")))
    local got = fields(trim(procfs.stat(c.t, c.whole)))
    eq(#got, 52, c.dir .. " field count")
    eq(#want, 52, c.dir .. " truth field count")
    local running = want[3] == "R" or c.t.pid == crash_pid
    for _, i in ipairs(STAT_STATIC) do
      local skip = (i == 2 and is_worker(c.t)) or (i == 3 and running)
      if not skip and got[i] ~= want[i] then
        bad[#bad + 1] = string.format("%s field %d: %s vs %s", c.dir, i, got[i], want[i])
      end
    end
    if not running and want[3] == got[3] and got[35] ~= want[35] then
      bad[#bad + 1] = string.format("%s wchan flag: %s vs %s", c.dir, got[35], want[35])
    end
  end
  eq(table.concat(bad, "\n"), "", "stat differences")
end)

test("proc/<pid>/statm size, text and data equal the live ones", function()
  for _, c in ipairs(CHECK) do
    if c.whole then
      local w, g = {}, {}
      for x in truth(c.dir .. "/statm"):gmatch("%d+") do w[#w + 1] = x end
      for x in procfs.statm(c.t):gmatch("%d+") do g[#g + 1] = x end
      eq(#g, 7, c.dir .. " statm fields")
      eq(g[1] .. " " .. g[4] .. " " .. g[6], w[1] .. " " .. w[4] .. " " .. w[6], c.dir .. " statm")
    end
  end
end)

test("proc/<pid>/comm equals the live one", function()
  for _, c in ipairs(CHECK) do
    if not is_worker(c.t) then eq(procfs.comm(c.t), truth(c.dir .. "/comm"), c.dir .. " comm") end
  end
end)

test("cmdline and environ equal the live ones byte for byte", function()
  local n = 0
  for _, c in ipairs(CHECK) do
    if c.whole then
      for _, k in ipairs({ "cmdline", "environ" }) do
        local want = truth(c.dir .. "/" .. k)
        local got, why = procfs[k](c.t)
        if got == nil then
          ok(why and #why > 0, c.dir .. " " .. k .. " has a reason")
          -- only acceptable when the dump really lacks the page
          ok(why:find("dump") or why:find("mapped"), c.dir .. " " .. k .. ": " .. why)
        else
          eq(got, want, c.dir .. "/" .. k)
          n = n + 1
        end
      end
    end
  end
  ok(n > 100, "most cmdline/environ files compared (" .. n .. ")")
end)

test("wchan heuristic agrees with the live /proc/<pid>/wchan for most sleepers", function()
  local good, total = 0, 0
  for _, c in ipairs(CHECK) do
    local want = truth(c.dir .. "/wchan")
    if want and c.t.pid ~= crash_pid then
      total = total + 1
      if task.wchan(c.t) == want then good = good + 1 end
    end
  end
  ok(good >= total * 0.9, string.format("wchan: %d of %d", good, total))
end)

-- busybox ps -o pid,ppid,pgid,sid,user,group,stat,nice,tty,vsz,rss,comm,args
local function busybox_ps()
  local out = {}
  for i, l in ipairs(lines(truth("cmd/ps.txt"))) do
    if i > 1 then
      local pid, ppid, pgid, sid, user, group, stat, ni, tt, vsz, rss, comm, args =
        l:match("^%s*(%d+)%s+(%d+)%s+(%d+)%s+(%d+)%s+(%S+)%s+(%S+)%s+(%S+)%s+(%S+)%s+(%S+)%s+(%S+)%s+(%S+)%s+(%S+)%s+(.*)$")
      if pid then
        out[tonumber(pid)] = { user = user, stat = stat, ni = tonumber(ni), comm = comm, args = args,
                               ppid = tonumber(ppid) }
      end
    end
  end
  return out
end

test("ps auxwww: PID, USER, STAT and COMMAND agree with the live ps", function()
  local snap = ps.snapshot()
  local text = ps.aux(snap)
  local hdr = lines(text)[1]
  ok(hdr:match("^USER%s+PID %%CPU %%MEM%s+VSZ%s+RSS TTY%s+STAT START%s+TIME COMMAND$"), "header: " .. hdr)
  local bb = busybox_ps()
  local rows = {}
  for i, l in ipairs(lines(text)) do
    if i > 1 then
      local user, pid, stat, cmd = l:match("^(%S+)%s+(%d+)%s+%S+%s+%S+%s+%d+%s+%d+%s+%S+%s+(%S+)%s+%S+%s+%S+%s(.*)$")
      ok(pid, "row parses: " .. l)
      rows[tonumber(pid)] = { user = user, stat = stat, cmd = cmd }
    end
  end
  local passwd = ps.passwd_from_dump()
  local n = 0
  for pid, want in pairs(bb) do
    local got = rows[pid]
    if got then
      n = n + 1
      -- USER: the name when the dump has /etc/passwd, else the uid
      local uid = tonumber(status_map(truth("pid/" .. pid .. "/status")).Uid:match("%d+"))
      eq(got.user, passwd and want.user or (uid == 0 and "root" or tostring(uid)), pid .. " USER")
      -- STAT: busybox prints state + W (no RSS) + N/<; procps state + <,N,s,l...
      if pid ~= crash_pid then eq(got.stat:sub(1, 1), want.stat:sub(1, 1), pid .. " state") end
      eq(got.stat:find("<", 1, true) ~= nil, want.stat:find("<", 1, true) ~= nil, pid .. " '<'")
      eq(got.stat:find("N", 1, true) ~= nil, want.stat:find("N", 1, true) ~= nil, pid .. " 'N'")
      -- COMMAND: busybox shows "{comm} args" when argv[0] differs from comm,
      -- and "[comm]" (15 chars) for kthreads and zombies
      local wargs = want.args:gsub("^{[^}]*} ", "")
      if is_worker(tasks_by_pid[pid]) then
        -- a worker's "-description" is its latest work item: it drifts
        local c = "[" .. task.comm(tasks_by_pid[pid])
        ok(got.cmd:sub(1, #c) == c, pid .. " COMMAND " .. got.cmd)
      elseif wargs:match("^%[.*%]$") then
        local inner = wargs:sub(2, -2)
        ok(got.cmd:sub(1, #inner + 1) == "[" .. inner, pid .. " COMMAND " .. got.cmd .. " vs " .. wargs)
      else
        eq(got.cmd, wargs, pid .. " COMMAND")
      end
    end
  end
  ok(n >= 95, "compared " .. n .. " processes")
end)

test("ps formats: auxwwwm, alxwww, -elfL, pstree -lp", function()
  local snap = ps.snapshot()
  local m = ps.aux(snap, { threads = true })
  ok(m:find("\nroot%s+%-%s+%S+%s+%-%s+%-%s+%-%s+%-%s+S%s"), "auxwwwm thread rows")
  local l = lines(ps.alx(snap))
  ok(l[1]:match("^F%s+UID%s+PID%s+PPID PRI%s+NI%s+VSZ%s+RSS WCHAN%s+STAT TTY%s+TIME COMMAND$"), l[1])
  local e = lines(ps.elfL(snap))
  ok(e[1]:match("^F S UID%s+PID%s+PPID%s+LWP%s+C NLWP PRI%s+NI ADDR SZ WCHAN%s+STIME TTY%s+TIME CMD$"), e[1])
  local nthreads = 0
  for _ in kd.tasks() do nthreads = nthreads + 1 end
  eq(#e - 1, nthreads, "-elfL has a row per thread")
  local tree = ps.pstree(snap)
  ok(tree:match("^init%(1%)%-%+%-"), "pstree starts at init(1)")
  ok(tree:find("{fxthreads}(167)", 1, true) or tree:find("%b{}%(%d+%)"), "threads in braces")
  -- every process of pid 1's tree appears once with its pid
  for pid, w in pairs(busybox_ps()) do
    local t = tasks_by_pid[pid]
    if t and not task.is_kthread(t) and pid ~= 2 then
      ok(tree:find("%(" .. pid .. "%)"), "pid " .. pid .. " in pstree")
    end
  end
end)

test("dmesg: the live dmesg is a prefix of the dump's log", function()
  local mine = assert(printk.dmesg_text())
  local live = truth("cmd/dmesg.txt")
  ok(#live > 1000, "truth dmesg present")
  eq(mine:sub(1, #live), live, "prefix")
  ok(#mine > #live, "the dump has the later lines")
  local recs = printk.records()
  for i = 2, #recs do ok(recs[i].seq > recs[i - 1].seq, "records in seq order") end
  eq(printk.format_time(0), "[    0.000000]", "time format")
  eq(printk.format_time(17914381000), "[   17.914381]", "time format")
end)

test("panic message", function()
  eq(printk.panic_message(), "Kernel panic - not syncing: sysrq triggered crash", "panic")
end)

test("crash-time clocks agree with the live /proc", function()
  local btime = tonumber(truth("proc/stat"):match("\nbtime (%d+)"))
  eq(ktime.btime(), btime, "boot time (btime)")
  local up_end = tonumber(truth("capture_end_uptime"):match("^(%S+)"))
  local up = ktime.uptime()
  ok(up >= up_end and up < up_end + 60, "uptime at crash " .. up .. " after capture end " .. up_end)
  local s = ktime.wall_clock()
  ok(s >= btime + math.floor(up_end), "wall clock after capture")
  eq(ktime.hz() > 0, true, "HZ")
end)

test("kdlua info summary", function()
  local text = sysinfo.text()
  ok(text:find("NODENAME: " .. trim(truth("proc/sys/kernel/hostname")), 1, true), "nodename")
  ok(text:find("RELEASE: " .. trim(truth("proc/sys/kernel/osrelease")), 1, true), "release")
  ok(text:find('PANIC: "Kernel panic - not syncing: sysrq triggered crash"', 1, true), "panic")
  local tainted = tonumber(trim(truth("proc/sys/kernel/tainted")))
  if tainted == 0 then ok(text:find("TAINTED: Not tainted", 1, true), "not tainted") end
  ok(text:find("LOAD AVERAGE: %d+%.%d%d, %d+%.%d%d, %d+%.%d%d"), "load average")
end)

test("a full pass over all tasks is fast", function()
  local t0 = os.clock()
  for _, t in ipairs(task.all()) do
    procfs.status(t); procfs.stat(t); procfs.statm(t); procfs.cmdline(t); procfs.environ(t)
  end
  local snap = ps.snapshot()
  ps.aux(snap); ps.elfL(snap); ps.pstree(snap)
  local dt = os.clock() - t0
  print(string.format("     full pass: %.3f s CPU", dt))
  ok(dt < 10, "under 10 s")
end)

if standalone then
  print(string.format("%d passed, %d failed", passed, failed))
  if failed > 0 then error(failed .. " test(s) failed") end
end
