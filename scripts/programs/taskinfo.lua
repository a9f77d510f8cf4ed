-- kdlua taskinfo: processes and threads (ps-like): CPU times, RSS, last run, --tree
--
-- One task snapshot for everything: kernel/ps.lua's ps.snapshot() (what
-- the report's ps files use); time off the CPU from kernel/hungtask.lua.
-- Kernel differences are handled there (task_struct.state -> __state in
-- 5.14, mm rss_stat counters -> percpu_counter in 6.2, pid namespaces).

local program = require("program")

local SORTS = { "pid", "cpu", "rss", "last" }

local function matches_any(list, fn)
  if list == nil then return true end
  for _, v in ipairs(list) do if fn(v) then return true end end
  return false
end

return program.define{
  name = "taskinfo",
  usage = "[--threads] [--tree] [--sort pid|cpu|rss|last] [--state S] [--comm TEXT] [--pid N] [--cgroup TEXT] [--limit N]",
  description = [[
Processes (or, with --threads, every thread) at the time of the crash: PID,
parent, state, user, CPU, RSS, user and system CPU time, how long ago the
task last ran, command. Counts per state come first. --tree prints the
process tree (pstree -lp). Filters combine (all must match); a repeated
filter matches any of its values.]],
  options = {
    { "--threads", help = "one row per thread instead of per process" },
    { "--tree", help = "the process tree (pstree -lp) instead of the table; from --pid N when given" },
    { "--sort", arg = "KEY", choices = SORTS,
      help = "pid (default), cpu (user+system time, most first), rss (most first), last (most recently run first)" },
    { "--state", arg = "S", multi = true, help = "only tasks in this state letter (R, S, D, T, t, Z, X, I, P)" },
    { "--comm", arg = "TEXT", multi = true, help = "only commands containing TEXT" },
    { "--pid", arg = "N", multi = true, number = true, help = "only this process (or thread with --threads)" },
    { "--cgroup", arg = "TEXT", multi = true, help = "only tasks whose cgroup path contains TEXT (adds a CGROUP column)" },
    { "--limit", arg = "N", number = true, help = "at most N rows" },
  },
  run = function(p, opts)
    local ps = require("kernel.ps")
    local task = require("kernel.task")
    local hung = require("kernel.hungtask")
    local kcgroup = require("kernel.cgroup")
    local HZ = task.USER_HZ
    local snap = ps.shared_snapshot()

    -- counts per state over every thread
    local counts, nthreads = {}, 0
    for _, pr in ipairs(snap.procs) do
      for _, th in ipairs(pr.threads) do
        counts[th.state] = (counts[th.state] or 0) + 1
        nthreads = nthreads + 1
      end
    end
    local parts = {}
    for i = 1, #task.state_chars do
      local c = task.state_chars:sub(i, i)
      if counts[c] then parts[#parts + 1] = string.format("%s %d", c, counts[c]) end
    end
    p:line("%d processes, %d threads; by state: %s", #snap.procs, nthreads, table.concat(parts, ", "))
    p:set("processes_total", #snap.procs)
    p:set("threads_total", nthreads)
    p:set("by_state", counts)

    if opts.tree then
      p:line("")
      local root = opts.pid and opts.pid[1] or nil
      local text, why = ps.pstree(snap, root and math.floor(root) or nil)
      if not text then p:error("tree: " .. tostring(why)) else p:print((text:gsub("\n$", ""))) end
      p:set("tree", text)
      ps.release_shared()
      return
    end

    local cgroup_of = {}
    local function cgroup(r)
      local k = r.task:value_()
      if cgroup_of[k] == nil then
        local ok, txt = pcall(kcgroup.proc_cgroup, r.task)
        cgroup_of[k] = ok and ps.cgroup_column(txt) or "?"
      end
      return cgroup_of[k]
    end

    local rows = {}
    local function consider(r, leader)
      local id = opts.threads and r.tid or r.pid
      -- (a filter's closure only when it is given: a row per process)
      if opts.state and not matches_any(opts.state, function(s) return r.state == s end) then return end
      if opts.pid and not matches_any(opts.pid, function(n) return id == n end) then return end
      if opts.comm and not matches_any(opts.comm, function(s) return r.comm:find(s, 1, true) ~= nil end) then
        return
      end
      if opts.cgroup and not matches_any(opts.cgroup, function(s) return cgroup(r):find(s, 1, true) ~= nil end) then
        return
      end
      -- time off the CPU: of the thread, or the least of a process's threads
      local off
      if opts.threads then
        off = hung.off_cpu_ns(r.task)
      else
        for _, th in ipairs(leader.threads) do
          local o = hung.off_cpu_ns(th.task)
          if o and (off == nil or o < off) then off = o end
        end
      end
      local cpu = select(2, pcall(task.cpu, r.task))
      rows[#rows + 1] = { r = r, id = id, off = off, cpu = type(cpu) == "number" and cpu or nil,
                          cputime = r.utime + r.stime }
    end
    for _, pr in ipairs(snap.procs) do
      if opts.threads then
        for _, th in ipairs(pr.threads) do consider(th, pr) end
      else
        consider(pr, pr)
      end
    end

    local key = opts.sort or "pid"
    table.sort(rows, function(a, b)
      if key == "cpu" and a.cputime ~= b.cputime then return a.cputime > b.cputime end
      if key == "rss" and a.r.rss ~= b.r.rss then return a.r.rss > b.r.rss end
      if key == "last" then
        local x, y = a.off or math.huge, b.off or math.huge
        if x ~= y then return x < y end
      end
      if a.r.pid ~= b.r.pid then return a.r.pid < b.r.pid end
      return a.id < b.id
    end)
    if opts.limit and #rows > opts.limit then
      for i = #rows, math.floor(opts.limit) + 1, -1 do rows[i] = nil end
    end

    local function secs(ticks) return string.format("%.2f", ticks / HZ) end
    local cols = {
      { "PID", align = "right" }, { "PPID", align = "right" },
    }
    if opts.threads then table.insert(cols, 2, { "TID", align = "right" }) end
    for _, c in ipairs({ { "ST" }, { "USER" }, { "CPU", align = "right" }, { "RSS", align = "right" },
                         { "UTIME", align = "right" }, { "STIME", align = "right" },
                         { "LAST RAN", align = "right" } }) do cols[#cols + 1] = c end
    if opts.cgroup then cols[#cols + 1] = { "CGROUP" } end
    cols[#cols + 1] = { "COMMAND" }
    local out, data = {}, {}
    for _, x in ipairs(rows) do
      local r = x.r
      local last = x.off == 0 and "running" or (x.off and (program.duration(x.off / 1e9) .. " ago")) or "-"
      local line = { r.pid, r.ppid }
      if opts.threads then table.insert(line, 2, r.tid) end
      for _, v in ipairs({ r.state, r.user, x.cpu or "-", r.rss, secs(r.utime), secs(r.stime), last }) do
        line[#line + 1] = v
      end
      if opts.cgroup then line[#line + 1] = cgroup(r) end
      line[#line + 1] = opts.threads and r.comm or r.args
      out[#out + 1] = line
      -- (the JSON rows only for --json: the report takes the text)
      if p.json then
        data[#data + 1] = {
          pid = r.pid, tid = opts.threads and r.tid or nil, ppid = r.ppid, state = r.state,
          user = r.user, uid = r.euid, cpu = x.cpu, rss_kb = r.rss, vsz_kb = r.vsz,
          utime_seconds = r.utime / HZ, stime_seconds = r.stime / HZ,
          last_ran_seconds_ago = x.off and x.off / 1e9 or nil,
          threads = not opts.threads and r.nlwp or nil,
          comm = r.comm, args = r.args, cgroup = opts.cgroup and cgroup(r) or nil,
          task = string.format("0x%x", r.task:value_()),
        }
      end
    end
    p:line("")
    p:table(cols, out)
    if p.json then p:set(opts.threads and "threads" or "processes", data) end
    -- the report runs taskinfo after the ps listings: the snapshot's last
    -- user, in the process that made it when they ran there
    ps.release_shared()
    if counts.D and counts.D > 0 then
      p:warning(string.format("%d thread(s) in D state (kdlua hanginfo)", counts.D))
    end
  end,
}
