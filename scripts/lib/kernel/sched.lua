-- kernel/sched.lua: scheduler state as the kernel prints it:
--   sys/kernel/debug/sched/debug (kernel/sched/debug.c, 6.1 format; before
--   5.13 the same text was /proc/sched_debug), sys/kernel/debug/sched/features,
--   /proc/loadavg (fs/proc/loadavg.c) and /proc/uptime (fs/proc/uptime.c).
--
-- "At the crash": clocks are those of the last timer tick each CPU took
-- (timekeeper, rq->clock, sched_clock_data), per-CPU runqueues as the CPUs
-- left them when they stopped.  The CPU set of the per-CPU sections is the
-- online set before the panic (kernel/cpu.lua).
--
-- Mirrors: kernel/sched/debug.c, kernel/sched/features.h, fs/proc/loadavg.c,
--   fs/proc/uptime.c

local cpu = require("kernel.cpu")
local task = require("kernel.task")
local ktime = require("kernel.time")

local M = {}

local sym, ival = cpu.sym, cpu.ival

local function static_key_enabled(name)
  local k = sym(name)
  if not k then return nil end
  local ok, v = pcall(function() return k.key.enabled.counter end)
  if not ok then ok, v = pcall(function() return k.enabled.counter end) end
  if ok then return v > 0 end
  return nil
end

-- SPLIT_NS(x): "%Ld.%06ld" of a signed ns value
local function split_ns(x)
  if x < 0 then
    local a = -x
    local hi = a // 1000000
    return string.format("%d.%06d", -hi, a % 1000000)
  end
  return string.format("%d.%06d", x // 1000000, x % 1000000)
end
M.split_ns = split_ns

local function rq_of(c) return kd.per_cpu("runqueues", c) end

-- monotonic clock (ktime_get) of the last timekeeping update, ns
function M.ktime_ns()
  local tk = ktime.timekeeper()
  if not tk then return nil end
  local tkr = tk.tkr_mono
  local base = tkr.base
  if type(base) ~= "number" then base = base.tv64 or 0 end
  return base + (tkr.xtime_nsec >> tkr.shift)
end

-- the CPU whose view the header shows (the reader ran on it): the panic CPU
local function reader_cpu()
  local ok, facts = pcall(require, "report.facts")
  local c = ok and facts.panic_cpu() or nil
  if c then return c end
  return cpu.online()[1] or 0
end

-- sched_clock() / local_clock() as of the reader CPU's last tick:
-- sched_clock_data.tick_raw / .clock (CONFIG_HAVE_UNSTABLE_SCHED_CLOCK),
-- else the runqueue clock
local function sched_clocks(c)
  if kd.symbol_address("sched_clock_data") then
    local scd = kd.per_cpu("sched_clock_data", c)
    return scd.tick_raw, scd.clock
  end
  local rq = rq_of(c)
  return rq.clock, rq.clock
end

local function features_value() return ival(sym("sysctl_sched_features")) end

-- names of kernel/sched/features.h in bit order (sched_feat_names[])
function M.feature_names()
  local arr = sym("sched_feat_names")
  if not arr then return nil end
  local n = #arr
  if not n or n == 0 then
    local _, off, _, size = kd.symbolize(arr:address_())
    n = (off == 0 and size) and size // 8 or 0
  end
  local out = {}
  for i = 0, n - 1 do out[#out + 1] = arr[i]:string_() end
  return out
end

-- sys/kernel/debug/sched/features (sched_feat_show)
function M.features()
  local names = M.feature_names()
  local v = features_value()
  if not names or not v then
    return nil, "sched_feat_names/sysctl_sched_features not in the dump (CONFIG_SCHED_DEBUG off?)"
  end
  local out = {}
  for i, n in ipairs(names) do
    out[#out + 1] = (((v >> (i - 1)) & 1) == 0 and "NO_" or "") .. n .. " "
  end
  return table.concat(out) .. "\n"
end

-- {====== sched debug ======

local function header(put)
  local uts = kd.uts()
  local version = (uts.version or ""):match("^[^ ]*")
  put(string.format("Sched Debug Version: v0.11, %s %s\n", uts.release or "", version))
  local c = reader_cpu()
  local kt = M.ktime_ns() or 0
  local sc, cc = sched_clocks(c)
  put(string.format("%-40s: %s\n", "ktime", split_ns(kt)))
  put(string.format("%-40s: %s\n", "sched_clk", split_ns(sc)))
  put(string.format("%-40s: %s\n", "cpu_clk", split_ns(cc)))
  put(string.format("%-40s: %d\n", "jiffies", ival(sym("jiffies")) or 0))
  if kd.symbol_address("__sched_clock_stable") then -- CONFIG_HAVE_UNSTABLE_SCHED_CLOCK
    put(string.format("%-40s: %d\n", "sched_clock_stable()", static_key_enabled("__sched_clock_stable") and 1 or 0))
  end
  put("\nsysctl_sched\n")
  -- the tunables of this kernel (each printed if it exists)
  -- 6.6 "sched/fair: Commit to EEVDF": base_slice replaces latency and the
  -- granularities (and child_runs_first went in 6.8)
  for _, n in ipairs({ "sysctl_sched_latency", "sysctl_sched_min_granularity",
                       "sysctl_sched_idle_min_granularity", "sysctl_sched_wakeup_granularity",
                       "sysctl_sched_base_slice" }) do
    local v = ival(sym(n))
    if v then put(string.format("  .%-40s: %s\n", n, split_ns(v))) end
  end
  for _, n in ipairs({ "sysctl_sched_child_runs_first", "sysctl_sched_features" }) do
    local v = ival(sym(n))
    if v then put(string.format("  .%-40s: %d\n", n, v)) end
  end
  local ts = ival(sym("sysctl_sched_tunable_scaling"))
  if ts then
    local names = { [0] = "none", "logarithmic", "linear" }
    put(string.format("  .%-40s: %d (%s)\n", "sysctl_sched_tunable_scaling", ts, names[ts] or "?"))
  end
  put("\n")
end

-- kernfs path of a cgroup (cgroup_path: "/" for the root)
local function cgroup_path(cgrp)
  local names = {}
  local kn = cgrp.kn
  while kn ~= nil and kn.parent ~= nil do
    table.insert(names, 1, kn.name:string_())
    kn = kn.parent
  end
  return "/" .. table.concat(names, "/")
end

-- task_group_path(): autogroup "/autogroup-N" or the cgroup path
local function tg_path(tg)
  if tg == nil then return "/" end
  if kd.has_member("struct task_group", "autogroup") and tg.autogroup ~= nil then
    return string.format("/autogroup-%d", tg.autogroup.id)
  end
  return cgroup_path(tg.css.cgroup)
end

-- the sched_entity of an rb node of a cfs_rq's timeline
local function se_of(node) return kd.container_of(node, "struct sched_entity", "run_node") end

-- CFS before EEVDF: exec_clock, MIN/min/max_vruntime, spread, spread0
local function print_cfs_vruntimes(cfs, pn, pd, rq0_min)
  pn("exec_clock", kd.has_member("struct cfs_rq", "exec_clock") and cfs.exec_clock or 0)
  local MIN, MAX = -1, -1
  local tl = cfs.tasks_timeline
  local first = tl.rb_leftmost
  if first ~= nil then MIN = se_of(first).vruntime end
  -- __pick_last_entity: rightmost node of the tree
  local node = tl.rb_root.rb_node
  if node ~= nil then
    while node.rb_right ~= nil do node = node.rb_right end
    MAX = se_of(node).vruntime
  end
  local minv = cfs.min_vruntime
  pn("MIN_vruntime", MIN)
  pn("min_vruntime", minv)
  pn("max_vruntime", MAX)
  pn("spread", MAX - MIN)
  pn("spread0", minv - rq0_min)
  if kd.has_member("struct cfs_rq", "nr_spread_over") then pd("nr_spread_over", cfs.nr_spread_over) end
end

-- the base of an EEVDF cfs_rq's keys: zero_vruntime ("sched/eevdf: Fix
-- min_vruntime vs avg_vruntime", a stable backport in Debian's 6.12), else
-- min_vruntime
local function vbase(cfs)
  if kd.has_member("struct cfs_rq", "zero_vruntime") then return cfs.zero_vruntime, "zero_vruntime" end
  return cfs.min_vruntime, "min_vruntime"
end

-- scale_load_down() of a 64-bit kernel (SCHED_FIXEDPOINT_SHIFT 10)
local function scale_load_down(w)
  if w == 0 then return 0 end
  return math.max(2, w >> 10)
end

-- the queued current entity of a cfs_rq, or nil
local function curr_on_rq(cfs)
  local curr = cfs.curr
  if curr ~= nil and curr.on_rq ~= 0 then return curr end
  return nil
end

-- avg_vruntime(cfs_rq) (kernel/sched/fair.c)
local function avg_vruntime(cfs)
  local base = vbase(cfs)
  local curr = curr_on_rq(cfs)
  local avg, load = cfs.avg_vruntime, cfs.avg_load
  if kd.has_member("struct cfs_rq", "zero_vruntime") then
    -- the zero_vruntime variant: one queued entity alone is the average
    local delta = 0
    if load ~= 0 then
      if curr then
        local w = scale_load_down(curr.load.weight)
        avg = avg + (curr.vruntime - base) * w
        load = load + w
      end
      if avg < 0 then avg = avg - (load - 1) end
      delta = avg // load
      if avg % load ~= 0 and avg < 0 then delta = delta + 1 end   -- div_s64 truncates
    elseif curr then
      delta = curr.vruntime - base
    end
    return base + delta
  end
  if curr then
    local w = scale_load_down(curr.load.weight)
    avg = avg + (curr.vruntime - base) * w
    load = load + w
  end
  if load ~= 0 then
    if avg < 0 then avg = avg - (load - 1) end
    local q = avg // load
    if avg % load ~= 0 and avg < 0 then q = q + 1 end
    avg = q
  end
  return base + avg
end

-- entity_eligible(): 'E' or 'N'
local function eligible(cfs, se)
  local base = vbase(cfs)
  local curr = curr_on_rq(cfs)
  local avg, load = cfs.avg_vruntime, cfs.avg_load
  if curr then
    local w = scale_load_down(curr.load.weight)
    avg = avg + (curr.vruntime - base) * w
    load = load + w
  end
  return avg >= (se.vruntime - base) * load
end

-- EEVDF (6.6 "sched/fair: Implement an EEVDF-like scheduling policy"):
-- left_deadline, left_vruntime, min/zero_vruntime, avg_vruntime,
-- right_vruntime, spread
local function print_eevdf_vruntimes(cfs, pn, pd)
  local left_vruntime, right_vruntime, left_deadline = -1, -1, -1
  local tl = cfs.tasks_timeline
  local root = tl.rb_root.rb_node
  -- 6.8 "sched/eevdf: Sort the rbtree by virtual deadline": the tree is
  -- ordered by deadline and augmented with the subtree's least vruntime
  -- (se.min_vruntime, the probe; 6.6/6.7 kept min_deadline), the root's
  -- is left_vruntime and left_deadline is printed; before, left_vruntime
  -- is the leftmost entity's
  local by_deadline = kd.has_member("struct sched_entity", "min_vruntime")
  if by_deadline then
    if root ~= nil then left_vruntime = se_of(root).min_vruntime end
    if tl.rb_leftmost ~= nil then left_deadline = se_of(tl.rb_leftmost).deadline end
  elseif tl.rb_leftmost ~= nil then
    left_vruntime = se_of(tl.rb_leftmost).vruntime
  end
  local node = root
  if node ~= nil then
    while node.rb_right ~= nil do node = node.rb_right end
    right_vruntime = se_of(node).vruntime
  end
  local base, bname = vbase(cfs)
  if by_deadline then pn("left_deadline", left_deadline) end
  pn("left_vruntime", left_vruntime)
  pn(bname, base)
  pn("avg_vruntime", avg_vruntime(cfs))
  pn("right_vruntime", right_vruntime)
  pn("spread", right_vruntime - left_vruntime)
  -- nr_spread_over: printed while struct cfs_rq had it (the EEVDF of 6.6
  -- still did; gone by 6.12)
  if kd.has_member("struct cfs_rq", "nr_spread_over") then pd("nr_spread_over", cfs.nr_spread_over) end
end

local print_eevdf_tasks

local function print_cfs_rq(put, c, cfs, rq0_min)
  if kd.has_member("struct cfs_rq", "tg") then
    put(string.format("\ncfs_rq[%d]:%s\n", c, tg_path(cfs.tg)))
  else
    put(string.format("\ncfs_rq[%d]:\n", c))
  end
  local function pn(name, v) put(string.format("  .%-30s: %s\n", name, split_ns(v))) end
  local function pd(name, v) put(string.format("  .%-30s: %d\n", name, v)) end
  if kd.has_member("struct sched_entity", "deadline") then
    -- exec_clock: printed while struct cfs_rq had it (gone by 6.12)
    if kd.has_member("struct cfs_rq", "exec_clock") then pn("exec_clock", cfs.exec_clock) end
    print_eevdf_vruntimes(cfs, pn, pd)
  else
    print_cfs_vruntimes(cfs, pn, pd, rq0_min)
  end
  pd("nr_running", cfs.nr_running)
  -- h_nr_running; later split into h_nr_runnable/h_nr_queued/h_nr_delayed
  -- ("sched/fair: Add new cfs_rq.h_nr_runnable", "Rename h_nr_running into
  -- h_nr_queued", 6.13, in Debian's 6.12 as stable backports)
  for _, n in ipairs({ "h_nr_running", "h_nr_runnable", "h_nr_queued", "h_nr_delayed" }) do
    if kd.has_member("struct cfs_rq", n) then pd(n, cfs[n]) end
  end
  if kd.has_member("struct cfs_rq", "idle_nr_running") then pd("idle_nr_running", cfs.idle_nr_running) end
  if kd.has_member("struct cfs_rq", "idle_h_nr_running") then pd("idle_h_nr_running", cfs.idle_h_nr_running) end
  pd("load", cfs.load.weight)
  if kd.has_member("struct cfs_rq", "avg") then -- CONFIG_SMP
    pd("load_avg", cfs.avg.load_avg)
    pd("runnable_avg", cfs.avg.runnable_avg)
    pd("util_avg", cfs.avg.util_avg)
    if kd.has_member("struct sched_avg", "util_est.enqueued") then
      pd("util_est_enqueued", cfs.avg.util_est.enqueued)
    else -- 6.9 "sched/fair: Remove SCHED_FEAT(UTIL_EST_FASTUP)" series: util_est is an int
      pd("util_est", cfs.avg.util_est)
    end
    pd("removed.load_avg", cfs.removed.load_avg)
    pd("removed.util_avg", cfs.removed.util_avg)
    pd("removed.runnable_avg", cfs.removed.runnable_avg)
    if kd.has_member("struct cfs_rq", "tg_load_avg_contrib") then
      pd("tg_load_avg_contrib", cfs.tg_load_avg_contrib)
      pd("tg_load_avg", cfs.tg.load_avg.counter)
    end
  end
  if kd.has_member("struct cfs_rq", "throttled") then -- CONFIG_CFS_BANDWIDTH
    pd("throttled", cfs.throttled)
    pd("throttle_count", cfs.throttle_count)
  end
  -- print_cfs_group_stats: the group's entity on this CPU (none for the root)
  if kd.has_member("struct cfs_rq", "tg") and cfs.tg ~= nil then
    local ses = cfs.tg.se
    local se = ses ~= nil and ses[c] or nil
    if se ~= nil then
      local function p(name, v) put(string.format("  .%-30s: %d\n", name, v)) end
      pn("se->exec_start", se.exec_start)
      pn("se->vruntime", se.vruntime)
      pn("se->sum_exec_runtime", se.sum_exec_runtime)
      if static_key_enabled("sched_schedstats") then
        local st = kd.container_of(se, "struct sched_entity_stats", "se").stats
        for _, f in ipairs({ "wait_start", "sleep_start", "block_start", "sleep_max", "block_max",
                             "exec_max", "slice_max", "wait_max", "wait_sum" }) do
          pn(f, st[f])
        end
        p("wait_count", st.wait_count)
      end
      p("se->load.weight", se.load.weight)
      if kd.has_member("struct sched_entity", "avg") then
        p("se->avg.load_avg", se.avg.load_avg)
        p("se->avg.util_avg", se.avg.util_avg)
        p("se->avg.runnable_avg", se.avg.runnable_avg)
      end
    end
  end
end

local function print_rt_rq(put, c, rt)
  if kd.has_member("struct rt_rq", "tg") then -- CONFIG_RT_GROUP_SCHED
    put(string.format("\nrt_rq[%d]:%s\n", c, tg_path(rt.tg)))
  else
    put(string.format("\nrt_rq[%d]:\n", c))
  end
  put(string.format("  .%-30s: %d\n", "rt_nr_running", rt.rt_nr_running))
  if kd.has_member("struct rt_rq", "rt_nr_migratory") then
    put(string.format("  .%-30s: %d\n", "rt_nr_migratory", rt.rt_nr_migratory))
  end
  -- rt bandwidth members exist only with CONFIG_RT_GROUP_SCHED since 6.8
  -- ("sched/rt: Move rt bandwidth into RT_GROUP_SCHED" series); printed
  -- as the members are there
  if kd.has_member("struct rt_rq", "rt_throttled") then
    put(string.format("  .%-30s: %d\n", "rt_throttled", rt.rt_throttled))
    put(string.format("  .%-30s: %s\n", "rt_time", split_ns(rt.rt_time)))
    put(string.format("  .%-30s: %s\n", "rt_runtime", split_ns(rt.rt_runtime)))
  end
end

local function print_dl_rq(put, c, rq)
  local dl = rq.dl
  put(string.format("\ndl_rq[%d]:\n", c))
  put(string.format("  .%-30s: %d\n", "dl_nr_running", dl.dl_nr_running))
  local bw
  -- dl_nr_migratory: CONFIG_SMP, until 6.8 ("sched/dl: Remove dl_nr_migratory")
  if kd.has_member("struct dl_rq", "dl_nr_migratory") then
    put(string.format("  .%-30s: %d\n", "dl_nr_migratory", dl.dl_nr_migratory))
  end
  if kd.has_member("struct rq", "rd") then -- CONFIG_SMP: the root domain's
    bw = rq.rd.dl_bw
  else
    bw = dl.dl_bw
  end
  put(string.format("  .%-30s: %d\n", "dl_bw->bw", bw.bw))
  put(string.format("  .%-30s: %d\n", "dl_bw->total_bw", bw.total_bw))
end

local stats_in_task
local function task_stats(t)
  if stats_in_task == nil then stats_in_task = kd.has_member("struct task_struct", "stats") end
  if stats_in_task then return t.stats end
  return t.se.statistics -- < 5.16
end

-- the "%9Ld.%06ld" rendering of SPLIT_NS: split_ns's two numbers, the
-- first in 9 columns (kd.format: a line of every task of the machine)
local function ns9(x)
  if x < 0 then
    local a = -x
    return kd.format("%9d.%06d", -(a // 1000000), a % 1000000)
  end
  return kd.format("%9d.%06d", x // 1000000, x % 1000000)
end

-- a schedstat field of `st` (0 without schedstats or the field)
local function index(o, k) return o[k] end
local function stat_value(st, f)
  if not st then return 0 end
  local ok, v = pcall(index, st, f)
  return ok and v or 0
end

-- task_node(): the node of the task's CPU
local function task_node(t)
  local node = 0
  pcall(function() node = kd.per_cpu("numa_node", task.cpu(t)):value_() end)
  return node
end

-- print_rq() and print_task() with EEVDF (6.6+).  Two layouts:
--  * 6.12: "sched/eevdf: Allow shorter slices to wake up-preempt" added the
--    custom slice flag (se.custom_slice, the probe) and "sched/debug: Fix
--    the runnable tasks output" (same release) gave the header its columns
--    (vruntime, eligible, deadline, slice, ..., node/group-id, group-path),
--    a space before the name and padding before the NUMA and group fields;
--  * 6.6-6.11 ("sched/fair: Implement an EEVDF-like scheduling policy"):
--    the old header (tree-key ... sum-sleep), no space between the state
--    and the name, sum-exec printed twice (before the switches and after
--    the wait time), " %d %d" NUMA and " %s" group fields.
function print_eevdf_tasks(put, rq, tasks, numa, cgs, schedstats)
  local custom = kd.has_member("struct sched_entity", "custom_slice")
  if custom then
    put(" S            task   PID       vruntime   eligible    deadline             slice          sum-exec      switches  prio         wait-time        sum-sleep       sum-block"
        .. (numa and "  node   group-id" or "") .. (cgs and "  group-path" or "") .. "\n")
    put(string.rep("-", 163 + (numa and 14 or 0) + (cgs and 14 or 0)) .. "\n")
  else
    put(" S            task   PID         tree-key  switches  prio     wait-time             sum-exec        sum-sleep\n")
    put(string.rep("-", 109) .. "\n")
  end
  local has_cfs_rq = kd.has_member("struct sched_entity", "cfs_rq")
  for _, t in ipairs(tasks) do
    if rq.curr == t then put(">R") else put(" " .. task.state_char(t)) end
    local se = t.se
    -- cfs_rq_of(): the entity's own cfs_rq with group scheduling, else the rq's
    local cfs = has_cfs_rq and se.cfs_rq or nil
    if cfs == nil then cfs = kd.per_cpu("runqueues", task.cpu(t)).cfs end
    local ok, el = pcall(eligible, cfs, se)
    local elc = (ok and el) and "E" or "N"
    local st = schedstats and task_stats(t) or nil
    local function sv(f) return stat_value(st, f) end
    if custom then
      put(string.format(" %15s %5d %s   %s   %s %s %s %s %9d   %5d ",
        t.comm:string_(16), t.pid, ns9(se.vruntime), elc,
        ns9(se.deadline), se.custom_slice ~= 0 and "S" or " ",
        ns9(se.slice), ns9(se.sum_exec_runtime), t.nvcsw + t.nivcsw, t.prio))
      put(ns9(sv("wait_sum")) .. " " .. ns9(sv("sum_sleep_runtime")) .. " " .. ns9(sv("sum_block_runtime")))
    else
      put(string.format("%15s %5d %s %s %s %s %s %9d %5d ",
        t.comm:string_(16), t.pid, ns9(se.vruntime), elc,
        ns9(se.deadline), ns9(se.slice), ns9(se.sum_exec_runtime), t.nvcsw + t.nivcsw, t.prio))
      put(ns9(sv("wait_sum")) .. " " .. ns9(se.sum_exec_runtime) .. " " ..
          ns9(sv("sum_sleep_runtime")) .. " " .. ns9(sv("sum_block_runtime")))
    end
    if numa then
      local gid = 0
      if t.numa_group ~= nil then gid = t.numa_group.gid end
      put(string.format(custom and "   %d      %d" or " %d %d", task_node(t), gid))
    end
    if cgs then put((custom and "        " or " ") .. tg_path(t.sched_task_group)) end
    put("\n")
  end
end

local function print_cpu(put, c, rq0_min, tasks_by_cpu)
  local rq = rq_of(c)
  local khz = ival(sym("cpu_khz"))
  if khz then -- CONFIG_X86
    if khz == 0 then khz = 1 end
    put(string.format("cpu#%d, %d.%03d MHz\n", c, khz // 1000, khz % 1000))
  else
    put(string.format("cpu#%d\n", c))
  end
  local function p(name) put(string.format("  .%-30s: %d\n", name, rq[name])) end
  local function pn(name, v) put(string.format("  .%-30s: %s\n", name, split_ns(v))) end
  p("nr_running")
  p("nr_switches")
  p("nr_uninterruptible")
  pn("next_balance", rq.next_balance)
  put(string.format("  .%-30s: %d\n", "curr->pid", rq.curr and rq.curr.pid or 0))
  pn("clock", rq.clock)
  pn("clock_task", rq.clock_task)
  if kd.has_member("struct rq", "avg_idle") then -- CONFIG_SMP
    p("avg_idle")
    p("max_idle_balance_cost")
  end
  local schedstats = static_key_enabled("sched_schedstats")
  if schedstats then
    for _, n in ipairs({ "yld_count", "sched_count", "sched_goidle", "ttwu_count", "ttwu_local" }) do p(n) end
  end
  -- print_cfs_stats: for_each_leaf_cfs_rq_safe (rq->leaf_cfs_rq_list)
  if kd.has_member("struct rq", "leaf_cfs_rq_list") then
    for cfs in kd.list(rq.leaf_cfs_rq_list:address_of_(), "struct cfs_rq", "leaf_cfs_rq_list") do
      print_cfs_rq(put, c, cfs, rq0_min)
    end
  else
    print_cfs_rq(put, c, rq.cfs, rq0_min)
  end
  -- print_rt_stats: without CONFIG_RT_GROUP_SCHED only &rq->rt
  if kd.has_member("struct rq", "leaf_rt_rq_list") then
    for rt in kd.list(rq.leaf_rt_rq_list:address_of_(), "struct rt_rq", "leaf_rt_rq_list") do
      print_rt_rq(put, c, rt)
    end
  else
    print_rt_rq(put, c, rq.rt)
  end
  print_dl_rq(put, c, rq)

  put("\nrunnable tasks:\n")
  local numa = kd.has_member("struct task_struct", "numa_group")
  local cgs = kd.has_member("struct task_struct", "sched_task_group")
  if kd.has_member("struct sched_entity", "deadline") then
    print_eevdf_tasks(put, rq, tasks_by_cpu[c] or {}, numa, cgs, schedstats)
    put("\n")
    return
  end
  put(" S            task   PID         tree-key  switches  prio     wait-time             sum-exec        sum-sleep\n")
  put(string.rep("-", 109) .. "\n")
  for _, t in ipairs(tasks_by_cpu[c] or {}) do
    if rq.curr == t then put(">R") else put(" " .. task.state_char(t)) end
    put(string.format(" %15s %5d %s %9d %5d ", t.comm:string_(16), t.pid, ns9(t.se.vruntime),
      t.nvcsw + t.nivcsw, t.prio))
    local st = schedstats and task_stats(t) or nil
    local function sv(f) return stat_value(st, f) end
    put(ns9(sv("wait_sum")) .. " " .. ns9(t.se.sum_exec_runtime) .. " " ..
        ns9(sv("sum_sleep_runtime")) .. " " .. ns9(sv("sum_block_runtime")))
    if numa then
      local node = 0
      pcall(function() node = kd.per_cpu("numa_node", task.cpu(t)):value_() end)
      local gid = 0
      if t.numa_group ~= nil then gid = t.numa_group.gid end
      put(string.format(" %d %d", node, gid))
    end
    if cgs then put(" " .. tg_path(t.sched_task_group)) end
    put("\n")
  end
  put("\n")
end

-- the whole debug file
function M.debug()
  local out = {}
  local function put(s) out[#out + 1] = s end
  header(put)
  local online = cpu.online()
  -- for_each_process_thread, grouped by task_cpu()
  local by = {}
  for t in kd.tasks() do
    local c = task.cpu(t)
    by[c] = by[c] or {}
    table.insert(by[c], t)
  end
  -- spread0 of CFS before EEVDF is relative to CPU 0's min_vruntime
  local rq0_min = 0
  if not kd.has_member("struct sched_entity", "deadline") then rq0_min = rq_of(0).cfs.min_vruntime end
  for _, c in ipairs(online) do print_cpu(put, c, rq0_min, by) end
  return table.concat(out)
end

-- }======

-- /proc/loadavg: avenrun (rounded as get_avenrun(..., FIXED_1/200)),
-- nr_running() over online CPUs / nr_threads, and the last PID allocated
-- in the reader's namespace (idr_get_cursor(&ns->idr) - 1; init's here)
function M.loadavg()
  local la = ktime.loadavg()
  if not la then return nil, "avenrun not found" end
  local running = 0
  for _, c in ipairs(cpu.online()) do running = running + rq_of(c).nr_running end
  local threads = ival(sym("nr_threads")) or 0
  local last = 0
  local ns = sym("init_pid_ns")
  if ns and kd.has_member("struct pid_namespace", "idr") then
    last = ns.idr.idr_next - 1
  elseif ns and kd.has_member("struct pid_namespace", "last_pid") then
    last = ns.last_pid -- < 4.15
  end
  return string.format("%s %s %s %d/%d %d\n", la[1], la[2], la[3], running, threads, last)
end

-- /proc/uptime: CLOCK_BOOTTIME and the sum of get_idle_time() over the
-- possible CPUs (as /proc/stat's idle), both "%lu.%02lu"
function M.uptime()
  local up = ktime.uptime_ns()
  if not up then return nil, "no timekeeper/jiffies for the uptime" end
  local idle = require("kernel.irq").idle_total_ns()
  return string.format("%d.%02d %d.%02d\n", up // 1000000000, (up % 1000000000) // 10000000,
    idle // 1000000000, (idle % 1000000000) // 10000000)
end

-- {====== /proc/schedstat ======

-- /proc/schedstat (kernel/sched/stats.c show_schedstat): per online CPU
-- the runqueue's schedstats (CONFIG_SCHEDSTATS) and its sched domains'
-- load-balance counters.  Version 16 (6.10 "sched/balancing: ... swap
-- CPU_IDLE and __CPU_NOT_IDLE") when enum cpu_idle_type starts with
-- __CPU_NOT_IDLE, else 15.
function M.schedstat()
  if not kd.has_member("struct rq", "yld_count") then
    return nil, "no runqueue schedstats in this kernel (CONFIG_SCHEDSTATS off)"
  end
  local v16 = pcall(kd.enum_value, "enum cpu_idle_type", "__CPU_NOT_IDLE")
  local ntypes = kd.enum_value("enum cpu_idle_type", "CPU_MAX_IDLE_TYPES")
  local out = { string.format("version %d\ntimestamp %d\n", v16 and 16 or 15, ival(sym("jiffies")) or 0) }
  local procfs = require("kernel.procfs")
  local nbits = ival(sym("nr_cpu_ids")) or #kd.cpus("possible")
  local smp = kd.has_member("struct rq", "sd")
  local LB = { "lb_count", "lb_balanced", "lb_failed", "lb_imbalance", "lb_gained",
               "lb_hot_gained", "lb_nobusyq", "lb_nobusyg" }
  for _, c in ipairs(cpu.online()) do
    local rq = rq_of(c)
    out[#out + 1] = string.format("cpu%d %d 0 %d %d %d %d %d %d %d\n", c, rq.yld_count,
      rq.sched_count, rq.sched_goidle, rq.ttwu_count, rq.ttwu_local, rq.rq_cpu_time,
      rq.rq_sched_info.run_delay, rq.rq_sched_info.pcount)
    if smp then
      local sd = rq.sd
      local d = 0
      while sd ~= nil and d < 16 do
        local span = sd:member_("span")
        local words = {}
        local base = span:address_()
        for i = 0, (nbits + 63) // 64 - 1 do words[i + 1] = kd.read_u64(base + 8 * i) end
        local line = { string.format("domain%d %s", d, procfs.bitmap_hex(words, nbits)) }
        for it = 0, ntypes - 1 do
          for _, f in ipairs(LB) do line[#line + 1] = string.format(" %d", sd[f][it]) end
        end
        for _, f in ipairs({ "alb_count", "alb_failed", "alb_pushed", "sbe_count", "sbe_balanced",
                             "sbe_pushed", "sbf_count", "sbf_balanced", "sbf_pushed",
                             "ttwu_wake_remote", "ttwu_move_affine", "ttwu_move_balance" }) do
          line[#line + 1] = string.format(" %d", sd[f])
        end
        out[#out + 1] = table.concat(line) .. "\n"
        sd = sd.parent
        d = d + 1
      end
    end
  end
  return table.concat(out)
end

-- }======

-- internals for tests on hand-laid objects (tests/lua/test_sched_debug.lua)
M._print_tasks = function(...) return print_eevdf_tasks(...) end
M._print_cfs_rq = print_cfs_rq
M._tg_path = tg_path

return M
