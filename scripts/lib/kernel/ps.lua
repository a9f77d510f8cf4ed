-- kernel/ps.lua: process listings in the formats of procps-ng `ps` and
-- psmisc `pstree`, rebuilt from a dump ("now" is the time of the crash).
--
--   ps.snapshot()          process/thread table (reuse across formats)
--   ps.shared_snapshot()   the one snapshot of this process, made on first
--                          use (what the listings default to)
--   ps.release_shared()    let it go (its last user is done with it)
--   ps.aux(snap, opts)     `ps auxwww` (opts.threads: `ps auxwwwm`)
--   ps.elfL(snap)          `ps -elfL`
--   ps.alx(snap)           `ps alxwww`
--   ps.axo(snap, "pid,ppid,wchan:20,...")   `ps axo LIST` (the keywords
--                          of COL below, with procps' `:WIDTH` override)
--   ps.pstree(snap)        `pstree -lp`
--
-- Column rules follow procps-ng 4.0.2 (src/ps/output.c format table and
-- show_one_proc's column arithmetic); user and group names come from the
-- dumped system's /etc/passwd and /etc/group when their pages are in the
-- page cache (or tables given as ps.snapshot{passwd = {[uid] = name},
-- group = {[gid] = name}}), else "root" for 0 and the number otherwise.
-- Times (START, STIME, STARTED) are printed in UTC: the dump has no time
-- zone, so ps's localtime()/ctime() are taken as UTC throughout.
--
-- Mirrors: fs/proc/array.c, fs/proc/base.c (what procps-ng ps and psmisc
--   pstree read)

local task = require("kernel.task")
local ktime = require("kernel.time")
local kcgroup = require("kernel.cgroup")

local M = {}

local HZ = task.USER_HZ

-- {====== the table ======

-- C-locale escaping of ps (non-printables become '?')
local function esc(s)
  return (s:gsub("[%z\1-\31\127-\255]", "?"))
end

-- procps' "args": cmdline with NUL/newline as spaces, or "[comm]" (plus
-- " <defunct>" for zombies) when there is none
local function ps_args(raw, comm, state)
  if raw and raw ~= "" then
    local s = raw:gsub("%z+$", "")
    s = s:gsub("[%z\n]", " ")
    if s ~= "" then return esc(s) end
  end
  local r = "[" .. esc(comm) .. "]"
  if state == "Z" then r = r .. " <defunct>" end
  return r
end

local function memtotal_kb()
  local ps = task.page_size()
  local v = task.sym_value("_totalram_pages")
  if v == nil then
    local ok, o = pcall(kd.symbol, "_totalram_pages")
    if ok then v = task.ival(o) end
  end
  if v == nil then v = task.sym_value("totalram_pages") end
  if v == nil then return nil end
  return v * ps // 1024
end
-- total RAM in KiB (totalram_pages), nil when unknown, as ps %MEM's divisor
M.memtotal_kb = memtotal_kb

local mm_sizes

-- the rest of a row, the same however its task's members were read: names
-- of the effective ids, memory sizes (mm: the task's mm, nil for none),
-- terminal (tty: task.tty's answer), start (clock ticks), CPU times,
-- command and wchan
local function finish_row(r, t, group, ctx, euid, egid, mm, tty, start)
  r.user = task.user_name(euid, ctx.passwd)
  r.egid = egid
  r.group = M.group_name(egid, ctx.group)
  if mm ~= nil then
    r.vsz, r.rss, r.locked = mm_sizes(t, mm)
  else
    r.vsz, r.rss, r.locked = 0, 0, 0
  end
  r.tty = tty and tty.ps_name or "?"
  r.tpgid = tty and tty.pgrp or -1
  r.start = start
  local ut, st = task.cputime(t, group)
  r.utime, r.stime = task.nsec_to_clock_t(ut), task.nsec_to_clock_t(st)
  r.comm = task.proc_name(t)
  r.wchan = task.wchan(t)
  return r
end

-- one row of data for a task, member by member (kernels without the
-- members row_reader names)
local function row_by_member(t, group, ctx)
  local r = {}
  r.task = t
  r.pid = task.tgid(t)
  r.tid = t.pid
  r.ppid = task.ppid(t)
  local sig = t.signal
  if sig ~= nil and t.sighand ~= nil then
    r.pgid = task.pgrp(t)
    r.sid = task.session(t)
  else
    r.pgid, r.sid = 0, 0          -- do_task_stat() without the sighand lock
  end
  r.state = task.state_char(t)
  r.nice = task.nice(t)
  r.priority = task.prio(t)
  r.policy = t.policy
  r.flags = task.flags(t)
  r.nlwp = task.num_threads(t)
  local cr = task.creds(t)
  r.euid = cr.euid
  r.uid = cr.uid
  return finish_row(r, t, group, ctx, cr.euid, cr.egid, t.mm, task.tty(t),
                    task.start_time_ticks(t))
end

-- VSZ and RSS in KiB and locked_vm of a task's mm, from one read of the
-- mm (task.vsz_kb/rss_kb read it member by member: a fifth of the
-- snapshot's Lua work on a 10,000-process dump).  RSS is get_mm_rss():
-- the file, anon and shmem counters, each at least 0; before 6.2 they are
-- atomics in mm->rss_stat.count[], 6.2+ "mm: convert mm's rss stats into
-- percpu_counter" made them per-CPU sums, which task.rss_kb adds up.
local mm_reader
-- mm: the mm_struct (object or address)
mm_sizes = function(t, mm)
  if mm_reader == nil then
    local MM = task.MM
    local function count(i) return string.format("rss_stat.count[%d].counter", i) end
    local ok, r = pcall(kd.member_reader, "struct mm_struct", "total_vm", "locked_vm",
      count(MM.FILEPAGES), count(MM.ANONPAGES), count(MM.SHMEMPAGES))
    mm_reader = ok and r or false
  end
  if not mm_reader then
    return task.vsz_kb(t), task.rss_kb(t), kd.object("struct mm_struct", kd.addr(mm)).locked_vm
  end
  local total_vm, locked, file, anon, shmem = mm_reader(mm)
  local kb = task.page_size() // 1024
  local rss
  if file == nil then
    rss = task.rss_kb(t)
  else
    rss = (math.max(file, 0) + math.max(anon, 0) + math.max(shmem, 0)) * kb
  end
  return total_vm * kb, rss, locked
end

-- the task_struct members of a row in one call (kd.member_reader), where
-- the kernel has them (4.19+ thread_pid, 5.5+ start_boottime); false:
-- row() asks the task library member by member
local row_reader, group_ids_reader
local function get_row_reader()
  if row_reader == nil then
    row_reader = false
    local T = "struct task_struct"
    if task.has_member(T, "thread_pid") and task.has_member(T, "start_boottime") then
      local state_path, exit_state_path = task.state_paths()
      local v = kd.has_member("struct cred", "uid.val") and ".val" or ""
      local ok, r = pcall(kd.member_reader, T, "tgid", "pid", "thread_pid", "real_parent->tgid",
        "signal", "sighand", state_path, exit_state_path, "static_prio", "prio", "policy",
        "flags", "signal->nr_threads", "real_cred->uid" .. v, "real_cred->euid" .. v,
        "real_cred->egid" .. v, "mm", "signal->tty", "start_boottime")
      local ok2, g = pcall(kd.member_reader, T, "signal->pids[2]->numbers[0].nr",
        "signal->pids[3]->numbers[0].nr")
      if ok and ok2 then row_reader, group_ids_reader = r, g end
    end
  end
  return row_reader
end

-- one row of data for a task; `group` = use thread-group totals
local function row(t, group, ctx)
  local R = get_row_reader()
  if not R then return row_by_member(t, group, ctx) end
  local tgid, pid, thread_pid, parent_tgid, sig, sighand, raw_state, exit_state, static_prio,
        prio, policy, flags, nr_threads, uid, euid, egid, mm, tty_ptr, start_boottime = R(t)
  local r = { task = t, pid = tgid, tid = pid }
  r.ppid = thread_pid ~= 0 and parent_tgid or 0          -- pid_alive(), as task.ppid
  if sig ~= 0 and sighand ~= 0 then
    local pgid, sid = group_ids_reader(t)
    r.pgid, r.sid = pgid or 0, sid or 0
  else
    r.pgid, r.sid = 0, 0          -- do_task_stat() without the sighand lock
  end
  local i = task.state_index_of(raw_state, exit_state)
  r.state = task.state_chars:sub(i + 1, i + 1)
  r.nice = static_prio - 120                             -- task_nice
  r.priority = prio - 100                                -- task_prio
  r.policy = policy
  r.flags = flags & 0xffffffff
  r.nlwp = nr_threads or 0
  r.euid = euid
  r.uid = uid
  return finish_row(r, t, group, ctx, euid, egid, mm ~= 0 and mm or nil,
                    (tty_ptr or 0) ~= 0 and task.tty(t) or nil,
                    task.nsec_to_clock_t(start_boottime))
end

-- The thread row of a group's leader: row(t, false) differs from the
-- process row only in the thread's own CPU times, so it is the process
-- row itself when those are the same (nearly every process has one
-- thread: half the rows and half the snapshot's reads on a big dump), a
-- copy with the thread's times otherwise.
local function leader_thread_row(r, t)
  local ut, st = task.cputime(t, false)
  ut, st = task.nsec_to_clock_t(ut), task.nsec_to_clock_t(st)
  if ut == r.utime and st == r.stime then return r end
  local c = {}
  for k, v in pairs(r) do c[k] = v end
  c.threads = nil
  c.utime, c.stime = ut, st
  return c
end

-- {====== user names: /etc/passwd from the page cache ======

-- child dentry `name` of directory dentry `d` (6.1: d_subdirs/d_child;
-- 6.8+: d_children/d_sib)
local function d_lookup(d, name)
  local it
  if kd.has_member("struct dentry", "d_subdirs") then
    it = kd.list(d.d_subdirs, "struct dentry", "d_child")
  elseif kd.has_member("struct dentry", "d_children") then
    it = kd.hlist(d.d_children, "struct dentry", "d_sib")
  else
    return nil
  end
  for c in it do
    local q = c.d_name
    if q.len == #name and q.name:string_(#name + 1) == name and c.d_inode ~= nil then
      return c
    end
  end
  return nil
end

-- struct page * -> bytes of the page (x86_64 SPARSEMEM_VMEMMAP)
local function page_bytes(page, n)
  local vmemmap = task.sym_value("vmemmap_base") or 0xffffea0000000000
  local psize = kd.type("struct page").size
  local pfn = (page - vmemmap) // psize
  return kd.read_phys(pfn * task.page_size(), n)
end

-- page `index` of an address_space's xarray (i_pages), or nil
local function xa_load(xa, index)
  local entry = task.pval(xa:member_("xa_head"))
  while entry ~= 0 do
    if (entry & 3) == 2 and entry > 4096 then           -- an xa_node
      local node = kd.object("struct xa_node", entry - 2)
      local shift = node.shift
      local off = (index >> shift) & 63
      entry = task.pval(node.slots[off])
      if shift == 0 then break end
    else
      if index ~= 0 then return nil end
      break
    end
  end
  if entry == 0 or (entry & 3) ~= 0 then return nil end
  return entry
end

-- contents of a small regular file in the page cache, by path from the
-- root of `t` (pid 1 by default); nil, reason otherwise
function M.read_cached_file(path, t)
  local ok, data = pcall(function()
    if t == nil then
      for x in kd.tasks() do if x.pid == 1 then t = x break end end
    end
    local d = t.fs.root.dentry
    for part in path:gmatch("[^/]+") do
      d = d_lookup(d, part)
      if d == nil then error("no " .. path .. " in the dentry cache", 0) end
    end
    local inode = d.d_inode
    local size = inode.i_size
    if size > 1 << 20 then error(path .. " is too large", 0) end
    local mapping = inode.i_mapping
    local ps = task.page_size()
    local parts = {}
    for i = 0, (size + ps - 1) // ps - 1 do
      local page = xa_load(mapping.i_pages, i)
      if page == nil then error(path .. ": page " .. i .. " is not cached", 0) end
      parts[#parts + 1] = page_bytes(page, math.min(ps, size - i * ps))
    end
    return table.concat(parts)
  end)
  if ok then return data end
  return nil, tostring(type(data) == "table" and data.message or data)
end

-- {id = name} from a file of the dumped system laid out as /etc/passwd and
-- /etc/group are (name:password:id:...), the first line of an id winning
-- as getpwuid()/getgrgid() do; or nil, reason
local function id_names_from_dump(path)
  local text, why = M.read_cached_file(path)
  if text == nil then return nil, why end
  local map = {}
  for line in text:gmatch("[^\n]+") do
    local name, id = line:match("^([^:]+):[^:]*:(%d+):")
    if name and map[tonumber(id)] == nil then map[tonumber(id)] = name end
  end
  return map
end

-- map uid -> name from the dumped system's /etc/passwd ({uid = name}), or nil, reason
-- (the first line of a uid wins, as getpwuid())
function M.passwd_from_dump() return id_names_from_dump("/etc/passwd") end

-- {gid = name} from the dumped system's /etc/group, or nil, reason
-- (the first line of a gid wins, as getgrgid())
function M.group_from_dump() return id_names_from_dump("/etc/group") end

-- group name of a gid: the dump's /etc/group, else as user names ("root"
-- for 0, which every system names so, otherwise the number: procps'
-- pwcache prints the number for an unknown gid)
function M.group_name(gid, groups)
  if groups and groups[gid] then return groups[gid] end
  if gid == 0 then return "root" end
  return tostring(gid)
end

-- }======

-- the process table: list of process rows (pid order), each with
-- .threads = list of thread rows (thread order)
function M.snapshot(opts)
  opts = opts or {}
  local passwd = opts.passwd
  if passwd == nil then passwd = M.passwd_from_dump() end
  local group = opts.group
  if group == nil then group = M.group_from_dump() end
  local ctx = { passwd = passwd, group = group }
  local snap = { procs = {} }
  local s, ns = ktime.wall_clock()
  snap.now = s or os.time()
  snap.btime = ktime.btime() or (snap.now - 0)
  local up = ktime.uptime()
  snap.uptime = up or 0
  snap.memtotal = memtotal_kb() or 0
  snap.pid_max = task.sym_value("pid_max") or 32768
  for _, p in ipairs(task.processes()) do
    local ok, r = pcall(row, p, true, ctx)
    if ok then
      local raw = task.cmdline_raw(p)
      r.args = ps_args(raw, r.comm, r.state)
      r.threads = {}
      local leader = task.pval(p)
      for th in task.threads(p) do
        local ok2, tr
        if task.pval(th) == leader then
          ok2, tr = pcall(leader_thread_row, r, th)
        else
          ok2, tr = pcall(row, th, false, ctx)
        end
        if ok2 then
          tr.args = r.args
          r.threads[#r.threads + 1] = tr
        end
      end
      if #r.threads == 0 then r.threads[1] = r end
      snap.procs[#snap.procs + 1] = r
    end
  end
  table.sort(snap.procs, function(a, b) return a.pid < b.pid end)
  return snap
end

local shared = {}
-- The one snapshot of this process: the dump does not change, so every
-- listing of a run (ps' six forms, pstree, the programs) can read one;
-- building it is most of their cost (3.6 G instructions per pstree of
-- 3,200 tasks).  Held here until M.release_shared(): a report's worker
-- that ran the listings and then taskinfo (their last user in a report)
-- lets it go there, ~1 KiB a process (11 MiB of 10,000) it would
-- otherwise carry through the thousands of per-task files it makes next.
function M.shared_snapshot()
  local snap = shared.snap
  if snap == nil then
    snap = M.snapshot()
    shared.snap = snap
  end
  return snap
end

-- forget the shared snapshot (the next shared_snapshot() makes a new one)
function M.release_shared()
  shared.snap = nil
end

-- }======

-- {====== columns (procps-ng ps/output.c) ======

local function pidw(snap) return math.max(#tostring(snap.pid_max), 3) end

local function util(r, snap)
  local t = snap.uptime * HZ - r.start
  if t <= 0 then return 0 end
  return (r.utime + r.stime) * 100.0 / t
end

local function pr_pcpu(r, snap)
  local pcpu = math.floor(util(r, snap) * 10)
  if pcpu > 999 then return tostring(pcpu // 10) end
  return string.format("%d.%d", pcpu // 10, pcpu % 10)
end

local function pr_c(r, snap)
  local p = math.floor(util(r, snap))
  if p > 99 then p = 99 end
  return string.format("%2d", p)
end

local function pr_pmem(r, snap)
  local pmem = 0
  if snap.memtotal > 0 then pmem = r.rss * 1000 // snap.memtotal end
  if pmem > 999 then pmem = 999 end
  return string.format("%2d.%d", pmem // 10, pmem % 10)
end

local function pr_stat(r)
  local s = r.state
  if r.nice < 0 then s = s .. "<" end
  if r.nice > 0 then s = s .. "N" end
  if r.locked ~= 0 then s = s .. "L" end
  if r.sid == r.pid then s = s .. "s" end
  if r.nlwp > 1 then s = s .. "l" end
  if r.pgid == r.tpgid then s = s .. "+" end
  return s
end

-- start times as text, per listing snapshot and second (thousands of
-- processes start in the same few seconds; os.date is a table a call)
local time_texts = setmetatable({}, { __mode = "k" })
local function times_of(snap)
  local m = time_texts[snap]
  if m == nil then
    m = { stime = {}, lstart = {} }
    time_texts[snap] = m
  end
  return m
end

local function pr_stime(r, snap)
  local t = snap.btime + r.start // HZ
  local memo = times_of(snap).stime
  local text = memo[t]
  if text == nil then
    local now = os.date("!*t", snap.now)
    local pt = os.date("!*t", t)
    local fmt = "%H:%M"
    if now.yday ~= pt.yday then fmt = "%b%d" end
    if now.year ~= pt.year then fmt = "%Y" end
    text = os.date("!" .. fmt, t)
    memo[t] = text
  end
  return text
end

local function pr_bsdtime(r)
  local u = (r.utime + r.stime) // HZ
  return string.format("%3d:%02d", u // 60, u % 60)
end

local function pr_time(r)
  local t = (r.utime + r.stime) // HZ
  local ss = t % 60; t = t // 60
  local mm = t % 60; t = t // 60
  local hh = t % 24; local dd = t // 24
  local s = dd > 0 and (dd .. "-") or ""
  return s .. string.format("%02d:%02d:%02d", hh, mm, ss)
end

local function pr_nice(r)
  if r.policy ~= 0 and r.policy ~= 3 and r.policy ~= -1 then return "-" end
  return tostring(r.nice)
end

-- the room a value may take (show_one_proc's max_rightward): the column
-- width, but the rest of the line for the last column
local function room(col)
  if col == nil or col.last then return math.huge end
  return col.width
end

-- ps' escape_str() into `room` cells (C locale)
local function cut(s, col)
  local m = room(col)
  if #s > m then return s:sub(1, m) end
  return s
end

-- lookup_wchan() (/proc/<tid>/wchan: "0" is "-", leading '.' and '_'
-- dropped), then pr_wchan() cuts it at the column width (no overflow)
local function pr_wchan(r, snap, col)
  local w = r.wchan
  if w == nil or w == "0" or w == 0 then return "-" end
  w = w:gsub("^%.", ""):gsub("^_+", "")
  return cut(w, col)
end

-- do_pr_name(): user/group names in `room` cells; a longer name is cut
-- with a '+' at its last cell
local function pr_name(name, id, col)
  local s = esc(name)
  local m = room(col)
  if #s <= m then return s end
  if m >= 1 and s:byte(m) < 127 then return s:sub(1, m - 1) .. "+" end
  return tostring(id)
end

-- pr_class(): the scheduling policy (stat field 41)
local CLASS = { [0] = "TS", "FF", "RR", "B", "ISO", "IDL", "DLN", "#7", "#8", "#9" }
local function pr_class(r)
  if r.policy == -1 then return "-" end
  return CLASS[r.policy] or "?"
end

-- pr_lstart(): ctime() of the start ("%24.24s"), in UTC (see the top)
local WDAY = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" }
local MONTH = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" }
local function ctime_utc(t)
  local d = os.date("!*t", t)
  return string.format("%24.24s", string.format("%s %s%3d %02d:%02d:%02d %d",
    WDAY[d.wday], MONTH[d.month], d.day, d.hour, d.min, d.sec, d.year))
end
-- time t as ctime() prints it, in UTC, 24 characters (ps lstart)
M.ctime_utc = ctime_utc

local function pr_lstart(r, snap)
  local t = snap.btime + r.start // HZ
  local memo = times_of(snap).lstart
  local text = memo[t]
  if text == nil then
    text = ctime_utc(t)
    memo[t] = text
  end
  return text
end

-- readproc's fill_cgroup_cvt(): the lines of /proc/<pid>/cgroup that do
-- not end in '/' (root cgroups), joined with ",", or "-"
function M.cgroup_column(text)
  local parts = {}
  for l in (text or ""):gmatch("[^\n]+") do
    if l:sub(-1) ~= "/" then parts[#parts + 1] = l end
  end
  if #parts == 0 then return "-" end
  return table.concat(parts, ",")
end

local function pr_cgroup(r, snap, col)
  if r.cgroup == nil then r.cgroup = M.cgroup_column(kcgroup.proc_cgroup(r.task)) end
  return cut(esc(r.cgroup), col)
end

-- "%u" of an int (pr_pgid, pr_ppid)
local function u32(v) return tostring(v & 0xffffffff) end

-- column spec (procps keyword = { head, width, just, print, fn }): just
-- "right"/"left"/"user"/"unlimited" (CF_USER and CF_WCHAN pad like
-- "left"); print "every"/"proc"/"thread" (ET or AN / PO / TO); width
-- "pid" = PIDMAX (digits of pid_max, at least the header's); fn(row,
-- snap, col) -> text
local COL = {
  user = { "USER", 8, "user", "every", function(r, _, c) return pr_name(r.user, r.euid, c) end },
  uid_hack = { "UID", 8, "user", "every", function(r, _, c) return pr_name(r.user, r.euid, c) end },
  group = { "GROUP", 8, "user", "every", function(r, _, c) return pr_name(r.group, r.egid, c) end },
  uid = { "UID", 5, "right", "every", function(r) return tostring(r.euid) end },
  pid = { "PID", "pid", "right", "proc", function(r) return tostring(r.pid) end },
  ppid = { "PPID", "pid", "right", "proc", function(r) return u32(r.ppid) end },
  pgid = { "PGID", "pid", "right", "proc", function(r) return u32(r.pgid) end },
  sid = { "SID", "pid", "right", "proc", function(r) return tostring(r.sid) end },
  lwp = { "LWP", "pid", "right", "thread", function(r) return tostring(r.tid) end },
  pcpu = { "%CPU", 4, "right", "every", pr_pcpu },
  pmem = { "%MEM", 4, "right", "proc", pr_pmem },
  vsz = { "VSZ", 6, "right", "proc", function(r) return tostring(r.vsz) end },
  rss = { "RSS", 5, "right", "proc", function(r) return tostring(r.rss) end },
  tname = { "TTY", 8, "left", "proc", function(r) return r.tty end },
  tty = { "TT", 8, "left", "proc", function(r) return r.tty end },
  stat = { "STAT", 4, "left", "thread", pr_stat },
  start_time = { "START", 5, "right", "every", pr_stime },
  stime = { "STIME", 5, "right", "every", pr_stime },
  lstart = { "STARTED", 24, "right", "every", pr_lstart },
  bsdtime = { "TIME", 6, "right", "every", pr_bsdtime },
  time = { "TIME", 8, "right", "every", pr_time },
  args = { "COMMAND", 27, "unlimited", "proc", function(r, _, c) return cut(r.args, c) end },
  cmd = { "CMD", 27, "unlimited", "proc", function(r, _, c) return cut(r.args, c) end },
  comm = { "COMMAND", 15, "unlimited", "proc", function(r, _, c) return cut(esc(r.comm), c) end },
  cgroup = { "CGROUP", 27, "unlimited", "proc", pr_cgroup },
  f = { "F", 1, "right", "every", function(r) return string.format("%o", (r.flags >> 6) & 7) end },
  flags = { "F", 1, "right", "every", function(r) return string.format("%o", (r.flags >> 6) & 7) end },
  s = { "S", 1, "left", "thread", function(r) return r.state end },
  state = { "S", 1, "left", "thread", function(r) return r.state end },
  c = { "C", 2, "right", "every", pr_c },
  nlwp = { "NLWP", 4, "right", "proc", function(r) return tostring(r.nlwp) end },
  opri = { "PRI", 3, "right", "thread", function(r) return tostring(60 + r.priority) end },
  priority = { "PRI", 3, "right", "thread", function(r) return tostring(r.priority) end },
  pri = { "PRI", 3, "right", "thread", function(r) return tostring(39 - r.priority) end },
  cls = { "CLS", 3, "right", "thread", pr_class },
  ni = { "NI", 3, "right", "thread", pr_nice },
  addr_1 = { "ADDR", 1, "left", "every", function() return "-" end },
  addr = { "ADDR", 4, "right", "every", function() return "-" end },      -- pr_nop
  sz = { "SZ", 5, "right", "proc", function(r, snap) return tostring(r.vsz // (task.page_size() // 1024)) end },
  wchan = { "WCHAN", 6, "left", "thread", pr_wchan },
}
M.COL = COL

-- names: procps keywords, each maybe with a ":WIDTH" override
-- (sortformat.c: the width replaces the table's; the header stays)
local function columns(names, snap)
  local cols = {}
  for _, spec in ipairs(names) do
    local n, over = spec:match("^([^:]+):(%d+)$")
    n = n or spec
    local c = COL[n]
    if c == nil then error("ps: unknown format keyword " .. spec, 0) end
    local w = c[2]
    if w == "pid" then w = math.max(pidw(snap), #c[1]) end
    if over then w = tonumber(over) end
    cols[#cols + 1] = { name = n, head = c[1], width = w, just = c[3], print = c[4], fn = c[5] }
  end
  cols[#cols].last = true
  return cols
end
M.columns = columns

-- show_one_proc(): values right/left justified in their columns; a value
-- wider than its column pushes the following ones right until there is
-- room again
-- runs of n spaces, made once per n (render runs for every cell of
-- every ps listing)
local spaces = setmetatable({}, { __index = function(t, n)
  local v = string.rep(" ", n)
  t[n] = v
  return v
end })

-- the pieces of one line (render's scratch table: no table a line)
local pieces = {}
local function render(cols, values)
  local out = pieces
  local n = 0
  local correct, actual, dospace = 0, 0, 0
  local ncols = #cols
  for i = 1, ncols do
    local c = cols[i]
    local s = values[i]
    local amount = #s
    local leftpad = 0
    if c.just == "right" then
      leftpad = c.width - amount
      if leftpad < 0 then leftpad = 0 end
    end
    local space = correct - actual + leftpad
    if space < 1 then space = dospace end
    out[n + 1] = spaces[space]
    out[n + 2] = s
    n = n + 2
    if i == ncols then break end
    actual = actual + space + amount
    correct = correct + c.width + 1
    dospace = 1
  end
  out[n + 1] = "\n"
  return table.concat(out, "", 1, n + 1)
end

local function header(cols)
  local v = {}
  for i, c in ipairs(cols) do v[i] = c.head end
  return render(cols, v)
end

-- the cells of row r (scratch table): "-" where the row kind does not
-- print the column; careful: a cell that fails is "?"
local cells = {}
local function fill(cols, r, snap, kind, careful)
  for i = 1, #cols do
    local c = cols[i]
    if (kind == "proc" and c.print == "thread") or (kind == "thread" and c.print == "proc") then
      cells[i] = "-"
    elseif careful then
      local ok, s = pcall(c.fn, r, snap, c)
      cells[i] = ok and s or "?"
    else
      cells[i] = c.fn(r, snap, c) or "?"
    end
  end
end

-- kind: "proc" row of a process list, "thread" row, or nil (no m mode).
-- One protected call a line; only a line with a failing cell is made
-- again cell by cell
local function line(cols, r, snap, kind)
  if not pcall(fill, cols, r, snap, kind, false) then fill(cols, r, snap, kind, true) end
  return render(cols, cells)
end

-- }======

local OL_u = { "user", "pid", "pcpu", "pmem", "vsz", "rss", "tname", "stat", "start_time",
               "bsdtime", "args" }
local OL_l = { "f", "uid", "pid", "ppid", "priority", "ni", "vsz", "rss", "wchan", "stat",
               "tname", "bsdtime", "args" }
local SYSV_flL = { "f", "s", "uid_hack", "pid", "ppid", "lwp", "c", "nlwp", "opri", "ni",
                   "addr_1", "sz", "wchan", "stime", "tname", "time", "cmd" }

-- `ps auxwww`; opts.threads = true: `ps auxwwwm` (each process, then its
-- threads)
function M.aux(snap, opts)
  snap = snap or M.shared_snapshot()
  local cols = columns(OL_u, snap)
  local out = { header(cols) }
  for _, p in ipairs(snap.procs) do
    if opts and opts.threads then
      out[#out + 1] = line(cols, p, snap, "proc")
      for _, th in ipairs(p.threads) do out[#out + 1] = line(cols, th, snap, "thread") end
    else
      out[#out + 1] = line(cols, p, snap)
    end
  end
  return table.concat(out)
end

-- `ps alxwww`
function M.alx(snap)
  snap = snap or M.shared_snapshot()
  local cols = columns(OL_l, snap)
  local out = { header(cols) }
  for _, p in ipairs(snap.procs) do out[#out + 1] = line(cols, p, snap) end
  return table.concat(out)
end

-- `ps -elfL`: one row per thread
function M.elfL(snap)
  snap = snap or M.shared_snapshot()
  local cols = columns(SYSV_flL, snap)
  local out = { header(cols) }
  for _, p in ipairs(snap.procs) do
    for _, th in ipairs(p.threads) do out[#out + 1] = line(cols, th, snap) end
  end
  return table.concat(out)
end

-- `ps axo LIST` (LIST as sos gives it: "pid,ppid,wchan:20,..."): one row
-- per process, pid order
function M.axo(snap, list)
  snap = snap or M.shared_snapshot()
  local names = {}
  for n in list:gmatch("[^,]+") do names[#names + 1] = n end
  local cols = columns(names, snap)
  local out = { header(cols) }
  for _, p in ipairs(snap.procs) do out[#out + 1] = line(cols, p, snap) end
  return table.concat(out)
end

-- {====== pstree -lp (psmisc) ======

-- psmisc escapes: backslash doubled, non-printables as \ooo
local function tree_name(s)
  return (s:gsub(".", function(ch)
    if ch == "\\" then return "\\\\" end
    local b = ch:byte()
    if b > 32 and b <= 126 then return ch end
    return string.format("\\%03o", b)
  end))
end

-- `pstree -lp [pid]` (ASCII line drawing; threads as {process-name}(tid))
function M.pstree(snap, root_pid)
  snap = snap or M.shared_snapshot()
  root_pid = root_pid or 1
  local nodes = {}
  local order = {}
  local function node(pid)
    local n = nodes[pid]
    if not n then
      n = { pid = pid, comm = "?", uid = 0, children = {} }
      nodes[pid] = n
    end
    return n
  end
  -- psmisc inserts each child before the first sibling that sorts after
  -- it by (name, uid): a stable sort by (name, uid, arrival), done once per
  -- parent so that kthreadd with thousands of workers stays linear-ish
  local seq = 0
  local function add_child(parent, child)
    seq = seq + 1
    child.seq = seq
    parent.children[#parent.children + 1] = child
  end
  local function by_name_uid(a, b)
    if a.comm ~= b.comm then return a.comm < b.comm end
    if a.uid ~= b.uid then return a.uid < b.uid end
    return a.seq < b.seq
  end
  for _, p in ipairs(snap.procs) do
    local n = node(p.pid)
    n.comm = p.comm:sub(1, 64)
    n.uid = p.uid
    order[#order + 1] = { n = n, ppid = p.ppid }
    for _, th in ipairs(p.threads) do
      if th.tid ~= p.pid then
        local tn = node(th.tid)
        tn.comm = "{" .. p.comm:sub(1, 64) .. "}"
        tn.uid = p.uid
        order[#order + 1] = { n = tn, ppid = p.pid }
      end
    end
  end
  for _, e in ipairs(order) do
    local ppid = e.ppid
    if ppid == e.n.pid then ppid = 0 end
    add_child(node(ppid), e.n)
  end
  for _, n in pairs(nodes) do
    if #n.children > 1 then table.sort(n.children, by_name_uid) end
  end

  local out = {}
  local cur = {}
  local width, more = {}, {}
  local function emit(s) cur[#cur + 1] = s end
  local function curlen() local l = 0 for _, s in ipairs(cur) do l = l + #s end return l end
  local function newline() out[#out + 1] = table.concat(cur) .. "\n"; cur = {} end

  local function dump(n, level, leaf, last)
    if not leaf then
      for lvl = 0, level - 1 do
        emit(string.rep(" ", width[lvl] + 1))
        if lvl == level - 1 then emit(last and "`-" or "|-")
        else emit(more[lvl + 1] and "| " or "  ") end
      end
    end
    local name = tree_name(n.comm)
    local start = curlen()
    emit(name)
    emit("(" .. n.pid .. ")")
    if #n.children == 0 then
      newline()
      return
    end
    more[level] = not last
    width[level] = curlen() - start
    emit(#n.children > 1 and "-+-" or "---")
    for i, c in ipairs(n.children) do
      dump(c, level + 1, i == 1, i == #n.children)
    end
  end
  local root = nodes[root_pid]
  if root == nil then return nil, "no process " .. root_pid end
  dump(root, 0, true, true)
  return table.concat(out)
end

-- }======

return M
