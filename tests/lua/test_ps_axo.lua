-- sos's two `ps axo` forms (kernel/ps.lua's ps.axo, emitters/process_ps.lua)
-- against what the live system showed: busybox's truth/cmd/ps.txt (PID PPID
-- PGID SID USER GROUP STAT NI TT VSZ RSS COMMAND COMMAND) and the live
-- truth/pid/<pid>/{status,stat,cgroup,wchan}; the layout against procps-ng
-- 4.0.2's rules (src/ps/output.c: format_array widths and justification,
-- show_one_proc's overflow arithmetic), worked out by hand below.

local ps = require("kernel.ps")
local task = require("kernel.task")
local mangle = require("report.util").mangle

local AXO_FLAGS = "flags,state,uid,pid,ppid,pgid,sid,cls,pri,addr,sz,wchan:20,lstart,tty,time,cmd"
local AXO_CGROUP = "pid,ppid,user,group,lwp,nlwp,start_time,comm,cgroup"
local P_FLAGS = "sos_commands/process/ps_axo_flags_state_uid_pid_ppid_pgid_sid_cls_pri_addr_sz_wchan_20_lstart_tty_time_cmd"
local P_CGROUP = "sos_commands/process/ps_axo_pid_ppid_user_group_lwp_nlwp_start_time_comm_cgroup"

local function trim(s) return (s:gsub("%s+$", "")) end

local function status_map(s)
  local m = {}
  for _, l in ipairs(lines(s or "")) do
    local k, v = l:match("^([^:]+):%s*(.*)$")
    if k then m[k] = v end
  end
  return m
end

-- fields of a live stat, proc(5) numbering (f[3] = state)
local function stat_fields(s)
  local pid, comm, rest = s:match("^(%d+) %((.*)%) (.*)$")
  local f = { pid, comm }
  for w in rest:gmatch("%S+") do f[#f + 1] = w end
  return f
end

assert(truth("crash_pid"), "no truth files: set KDLUA_TEST_VMCORE_DIR to the fixture folder")
local crash_pid = tonumber(trim(truth("crash_pid")))
local btime = tonumber(truth("proc/stat"):match("\nbtime (%d+)"))
local by_pid = task.by_pid()

-- busybox ps -o pid,ppid,pgid,sid,user,group,stat,nice,tty,vsz,rss,comm,args
local bb, bb_order = {}, {}
for i, l in ipairs(lines(truth("cmd/ps.txt"))) do
  if i > 1 then
    local pid, ppid, pgid, sid, user, group, stat, comm =
      l:match("^%s*(%d+)%s+(%d+)%s+(%d+)%s+(%d+)%s+(%S+)%s+(%S+)%s+(%S+)%s+%S+%s+%S+%s+%S+%s+%S+%s+(%S+)")
    assert(pid, "busybox row: " .. l)
    pid = tonumber(pid)
    bb[pid] = { ppid = tonumber(ppid), pgid = tonumber(pgid), sid = tonumber(sid), user = user,
                group = group, stat = stat, comm = comm }
    bb_order[#bb_order + 1] = pid
  end
end

-- a capture helper: a truth pid absent from the dump that descends from
-- the crashing shell
local function is_helper(pid, depth)
  depth = depth or 0
  if depth > 8 or by_pid[pid] then return false end
  local w = bb[pid]
  local ppid = w and w.ppid or tonumber(status_map(truth("pid/" .. pid .. "/status")).PPid or "")
  if ppid == crash_pid then return true end
  if ppid and not by_pid[ppid] then return is_helper(ppid, depth + 1) end
  return false
end

-- a task whose state is the moment's (running at the capture or the crash)
local function running(pid)
  if pid == crash_pid then return true end
  local s = truth("pid/" .. pid .. "/stat")
  return (s and stat_fields(s)[3] == "R") or bb[pid].stat:sub(1, 1) == "R"
end

local function is_worker(pid)
  local t = by_pid[pid]
  return t ~= nil and (t.flags & task.PF_WQ_WORKER) ~= 0
end

-- a name column: the live name, or (no /etc/passwd|group pages in the
-- dump) the number: "root" for 0 like the live name
local function name_ok(got, live_name, live_id)
  if got == live_name then return true end
  return tonumber(got) ~= nil and tonumber(got) == live_id and live_id ~= 0
end

local specs, count, run = load_emitters{ "process_ps" }
local T1 = run(P_FLAGS)
local T2 = run(P_CGROUP)

test("the emitter registers both commands under sos's file names", function()
  eq(mangle("ps axo " .. AXO_FLAGS), P_FLAGS:match("[^/]+$"), "mangle of the flags form")
  eq(mangle("ps axo " .. AXO_CGROUP), P_CGROUP:match("[^/]+$"), "mangle of the cgroup form")
  eq(specs[P_FLAGS].command, "ps axo " .. AXO_FLAGS, "command")
  eq(specs[P_CGROUP].command, "ps axo " .. AXO_CGROUP, "command")
  eq(specs[P_FLAGS].plugin, "process", "plugin")
  ok(specs["sos_commands/process/ps_auxwww"], "the older forms stay")
  eq(count, 7, "six ps registrations and pstree (one file: one snapshot)")
end)

-- {====== layout (procps-ng 4.0.2 rules) ======

-- pid_max 32768 -> PIDMAX columns are 5 wide.  Form 1 widths/justification
-- (format_array): F 1 R, S 1 L, UID 5 R, PID PPID PGID SID 5 R, CLS 3 R,
-- PRI 3 R, ADDR 4 R, SZ 5 R, WCHAN 20 (":20") L, STARTED 24 R, TT 8 L,
-- TIME 8 R, CMD unlimited.  Form 2: PID PPID 5 R, USER GROUP 8 (CF_USER:
-- no left pad), LWP 5 R, NLWP 4 R, START 5 R, COMMAND 15 (unlimited, not
-- last: cut at 15), CGROUP unlimited.  Columns one space apart.
local W1 = { { 1, "R" }, { 1, "L" }, { 5, "R" }, { 5, "R" }, { 5, "R" }, { 5, "R" }, { 5, "R" },
  { 3, "R" }, { 3, "R" }, { 4, "R" }, { 5, "R" }, { 20, "L" }, { 24, "R" }, { 8, "L" }, { 8, "R" },
  { 0, "L" } }
local W2 = { { 5, "R" }, { 5, "R" }, { 8, "L" }, { 8, "L" }, { 5, "R" }, { 4, "R" }, { 5, "R" },
  { 15, "L" }, { 0, "L" } }

-- the line of values that all fit their columns
local function fixed(widths, vals)
  local out = {}
  for i, v in ipairs(vals) do
    local w, j = widths[i][1], widths[i][2]
    if i == #vals then out[i] = v
    elseif j == "R" then out[i] = string.rep(" ", w - #v) .. v
    else out[i] = v .. string.rep(" ", w - #v) end
  end
  return table.concat(out, " ")
end

test("headers", function()
  local h1 = lines(T1)[1]
  eq(h1, "F S   UID   PID  PPID  PGID   SID CLS PRI ADDR    SZ WCHAN                "
    .. "                 STARTED TT           TIME CMD", "flags form header")
  eq(h1, fixed(W1, { "F", "S", "UID", "PID", "PPID", "PGID", "SID", "CLS", "PRI", "ADDR", "SZ",
    "WCHAN", "STARTED", "TT", "TIME", "CMD" }), "flags form header from the widths")
  local h2 = lines(T2)[1]
  eq(h2, "  PID  PPID USER     GROUP      LWP NLWP START COMMAND         CGROUP", "cgroup form header")
  eq(h2, fixed(W2, { "PID", "PPID", "USER", "GROUP", "LWP", "NLWP", "START", "COMMAND", "CGROUP" }),
    "cgroup form header from the widths")
end)

local ROW1 = "^(%d) (%S) +(%d+) +(%d+) +(%d+) +(%d+) +(%d+) +(%S+) +(%-?%d+) +(%S+) +(%d+) (%S+) +"
  .. "(%a%a%a %a%a%a [ %d]%d %d%d:%d%d:%d%d %d+) (%S+) +(%S+) (.*)$"
local ROW2 = "^ *(%d+) +(%d+) (%S+) +(%S+) +(%d+) +(%d+) +(%S+) (%S+) +(.*)$"

local function parse(text, pat)
  local rows, order = {}, {}
  for i, l in ipairs(lines(text)) do
    if i > 1 then
      local c = { l:match(pat) }
      ok(c[1], "row parses: " .. l)
      c.line = l
      local pid = tonumber(pat == ROW1 and c[4] or c[1])
      ok(rows[pid] == nil, "one row per process: " .. pid)
      rows[pid] = c
      order[#order + 1] = pid
    end
  end
  return rows, order
end
local R1, O1 = parse(T1, ROW1)
local R2, O2 = parse(T2, ROW2)

test("rows: one per process (no threads), in pid order, columns where procps puts them", function()
  local nproc = #task.processes()
  eq(#O1, nproc, "flags form rows")
  eq(#O2, nproc, "cgroup form rows")
  for i = 2, #O1 do ok(O1[i] > O1[i - 1], "pid order") end
  for i, p in ipairs(O1) do eq(O2[i], p, "same processes in both") end
  -- every row whose values fit their columns is laid out on the fixed grid
  local n = 0
  for _, pid in ipairs(O1) do
    local c = R1[pid]
    local vals = { table.unpack(c, 1, 16) }
    local fits = true
    for i = 1, 15 do if #vals[i] > W1[i][1] then fits = false end end
    if fits then n = n + 1; eq(c.line, fixed(W1, vals), "flags row " .. pid) end
    local d = R2[pid]
    vals = { table.unpack(d, 1, 9) }
    fits = true
    for i = 1, 8 do if #vals[i] > W2[i][1] then fits = false end end
    if fits then eq(d.line, fixed(W2, vals), "cgroup row " .. pid) end
  end
  ok(n >= 90, "rows on the grid: " .. n)
  -- a few rows spelled out
  ok(T1:find("\n1 S     0     2     0     0     0  TS  19    -     0 kthreadd             ", 1, true),
    "kthreadd row")
  ok(T2:find("\n    2     0 root     root         2    1 ", 1, true), "kthreadd row (cgroup form)")
end)

test("overflow: a value wider than its column pushes the next ones (show_one_proc)", function()
  -- a synthetic process: a 7-digit pid, a 12-character user (do_pr_name:
  -- cut to 7 + '+'), a long comm (cut at 15), a long wchan (cut at 20)
  local snap = { pid_max = 32768, now = 1795593500, btime = 1795593413, uptime = 100, memtotal = 1,
    procs = { { pid = 1234567, tid = 1234567, ppid = 1, pgid = 0, sid = 0, user = "verylongname", euid = 1001,
      group = "g", egid = 5, nlwp = 1, start = 100, comm = "a-very-long-command-name", cgroup = "0::/x",
      flags = 0x40, state = "S", policy = 0, priority = 20, vsz = 4, wchan = "__a_very_long_wait_function",
      tty = "?", utime = 0, stime = 0, args = "x y" } } }
  local t2 = ps.axo(snap, AXO_CGROUP)
  -- worked by hand: PID takes 7 cells (2 over), PPID gives up 2 cells of
  -- its pad and is back on the grid, USER is cut to 8 cells; LWP starts on
  -- the grid and ends 2 over, NLWP gives up 2 of its pad and is back on
  -- the grid; COMMAND is cut at 15
  eq(lines(t2)[2], "1234567   1 verylon+ g        1234567  1 07:56 a-very-long-com 0::/x", "cgroup form")
  local t1 = ps.axo(snap, AXO_FLAGS)
  eq(lines(t1)[2], "1 S  1001 1234567   1     0     0  TS  19    -     1 a_very_long_wait_fun "
    .. "Wed Nov 25 07:56:54 2026 ?        00:00:00 x y", "flags form")
end)

-- }======

-- {====== against the live system ======

test("every live process (but the capture helpers) agrees with busybox ps and /proc", function()
  local n, helpers = 0, 0
  for _, pid in ipairs(bb_order) do
    local w = bb[pid]
    local a, b = R1[pid], R2[pid]
    if not by_pid[pid] then
      ok(is_helper(pid), "pid " .. pid .. " of the live ps is gone but is no capture helper")
      helpers = helpers + 1
    else
      n = n + 1
      ok(a and b, "pid " .. pid .. " has rows")
      local st = status_map(truth("pid/" .. pid .. "/status"))
      local euid = tonumber(st.Uid:match("^%d+%s+(%d+)"))
      local egid = tonumber(st.Gid:match("^%d+%s+(%d+)"))
      -- form 1: F S UID PID PPID PGID SID ...
      eq(tonumber(a[3]), euid, pid .. " UID")
      eq(tonumber(a[5]), w.ppid, pid .. " PPID")
      eq(tonumber(a[6]), w.pgid, pid .. " PGID")
      eq(tonumber(a[7]), w.sid, pid .. " SID")
      if not running(pid) then eq(a[2], w.stat:sub(1, 1), pid .. " S") end
      -- form 2: PID PPID USER GROUP LWP NLWP START COMMAND CGROUP
      eq(tonumber(b[2]), w.ppid, pid .. " PPID (cgroup form)")
      ok(name_ok(b[3], w.user, euid), pid .. " USER " .. b[3] .. " vs " .. w.user)
      ok(name_ok(b[4], w.group, egid), pid .. " GROUP " .. b[4] .. " vs " .. w.group)
      eq(tonumber(b[5]), pid, pid .. " LWP (the process's own id)")
      eq(tonumber(b[6]), tonumber(st.Threads), pid .. " NLWP")
      if is_worker(pid) then
        -- a worker's name carries its latest work item: it drifts
        local base = w.comm:match("^(kworker/[^%-]+)") or w.comm
        eq(b[8]:sub(1, #base), base, pid .. " COMMAND")
      else
        eq(b[8], w.comm, pid .. " COMMAND")
      end
      local live = {}
      for l in truth("pid/" .. pid .. "/cgroup"):gmatch("[^\n]+") do
        if not l:match("/$") then live[#live + 1] = l end
      end
      eq(b[9], #live > 0 and table.concat(live, ",") or "-", pid .. " CGROUP")
    end
  end
  ok(n >= 95, "compared " .. n .. " processes")
  ok(helpers <= 4, "capture helpers skipped: " .. helpers)
end)

test("F, CLS, PRI, SZ, STARTED, START, TIME and WCHAN from the live stat/status/wchan", function()
  local n, wgood, wtotal, fxtree = 0, 0, 0, 0
  for _, pid in ipairs(O1) do
    local s = truth("pid/" .. pid .. "/stat")
    if s then
      n = n + 1
      local f = stat_fields(s)
      local a, b = R1[pid], R2[pid]
      eq(a[1], string.format("%o", (tonumber(f[9]) >> 6) & 7), pid .. " F")
      local cls = ({ [0] = "TS", "FF", "RR", "B", "ISO", "IDL", "DLN" })[tonumber(f[41])]
      eq(a[8], cls, pid .. " CLS")
      eq(tonumber(a[9]), 39 - tonumber(f[18]), pid .. " PRI (39 - priority)")
      eq(a[10], "-", pid .. " ADDR")
      local vmsize = tonumber((status_map(truth("pid/" .. pid .. "/status")).VmSize or "0"):match("%d+"))
      eq(tonumber(a[11]), vmsize // 4, pid .. " SZ (pages)")
      local start = btime + tonumber(f[22]) // 100
      eq(a[13], os.date("!%c", start), pid .. " STARTED (C-locale ctime, UTC)")
      eq(b[7], os.date("!%H:%M", start), pid .. " START")
      eq(a[14], "?", pid .. " TT")
      ok(a[15]:match("^%d%d:%d%d:%d%d$"), pid .. " TIME")
      if b[9] == "0::/fxtree" then fxtree = fxtree + 1 end
      local lw = truth("pid/" .. pid .. "/wchan")
      if lw and not running(pid) then
        wtotal = wtotal + 1
        local want = lw == "0" and "-" or lw:gsub("^_+", ""):sub(1, 20)
        if a[12] == want then wgood = wgood + 1 end
      end
    end
  end
  ok(n >= 95, "compared " .. n)
  ok(fxtree >= 10, "processes in the fxtree cgroup: " .. fxtree)
  ok(wgood >= wtotal * 0.9, string.format("WCHAN: %d of %d", wgood, wtotal))
end)

test("CMD is ps auxwww's COMMAND; kernel threads, zombies and RT tasks", function()
  local aux = {}
  for i, l in ipairs(lines(run("sos_commands/process/ps_auxwww"))) do
    if i > 1 then
      local pid, cmd = l:match("^%S+%s+(%d+)%s+%S+%s+%S+%s+%d+%s+%d+%s+%S+%s+%S+%s+%S+%s+%S+%s(.*)$")
      aux[tonumber(pid)] = cmd
    end
  end
  for _, pid in ipairs(O1) do eq(R1[pid][16], aux[pid], pid .. " CMD") end
  eq(R1[2][16], "[kthreadd]", "kthreadd")
  local z = R1[159]
  if z then
    eq(z[2], "Z", "zombie state")
    eq(z[16], "[sleep] <defunct>", "zombie CMD")
    eq(z[12], "-", "zombie WCHAN")
  end
  -- migration/N: SCHED_FIFO, rt_priority 99 -> priority -100 -> PRI 139
  local m = R1[16]
  if m and m[16] == "[migration/0]" then
    eq(m[8], "FF", "migration CLS")
    eq(m[9], "139", "migration PRI")
  end
end)

test("cgroup column: readproc's fill_cgroup_cvt", function()
  eq(ps.cgroup_column("0::/\n"), "-", "root only")
  eq(ps.cgroup_column("0::/fxtree\n"), "0::/fxtree", "v2 path")
  eq(ps.cgroup_column("12:cpu,cpuacct:/a\n11:memory:/\n0::/b\n"), "12:cpu,cpuacct:/a,0::/b", "joined")
  eq(ps.cgroup_column(""), "-", "empty")
end)

test("lstart is ctime's 24 characters", function()
  eq(ps.ctime_utc(0), "Thu Jan  1 00:00:00 1970", "epoch")
  eq(ps.ctime_utc(1795593413), os.date("!%c", 1795593413), "boot")
end)

-- }======
