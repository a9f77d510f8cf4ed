-- kernel/oom.lua: out-of-memory facts of a dump: the memory cgroups (v2
-- hierarchy) with their usage, limit and OOM events, the memcg of a task,
-- and the OOM reports of the kernel log (dump_header(), the oom-kill
-- summary and the "Killed process" lines).
--
--   oom.memcgs()            list of {path, usage, max, oom, oom_kill, max_hits}
--                           (pages; max nil when unlimited)
--   oom.task_memcg(t)       {path, usage, max, ...} of a task's memcg, or nil
--   oom.log_reports(recs)   OOM reports found in printk records
--
-- Mirrors: mm/oom_kill.c (dump_header, dump_oom_victim, __oom_kill_process,
--   check_panic_on_oom), mm/memcontrol.c (mem_cgroup_print_oom_meminfo,
--   memory.events), include/linux/memcontrol.h

local kcgroup = require("kernel.cgroup")
local pval = require("kernel.fs").pval

local M = {}

local function ival(x)
  if type(x) == "number" then return x end
  if x == nil then return nil end
  local ok, v = pcall(function() return x.counter end)      -- atomic_long_t
  if ok and type(v) == "number" then return v end
  ok, v = pcall(function() return x:value_() end)
  if ok then return v end
  return nil
end

local memory_id
local function memory_cgrp_id()
  if memory_id == nil then
    local ok, v = pcall(kd.enum_value, "enum cgroup_subsys_id", "memory_cgrp_id")
    memory_id = ok and v or false
  end
  return memory_id or nil
end

local function event_index(name)
  local ok, v = pcall(kd.enum_value, "enum memcg_memory_event", name)
  if ok then return v end
  return nil
end

-- PAGE_COUNTER_MAX is LONG_MAX / PAGE_SIZE: anything that large is "max"
local function limit(v)
  local ps = kd.dump_info().page_size or 4096
  if v == nil or v < 0 or v >= math.maxinteger // ps then return nil end
  return v
end

-- facts of a mem_cgroup object
local function describe(memcg, cgrp)
  local r = { path = kcgroup.path(cgrp) }
  -- struct page_counter memory: usage (atomic_long_t), max (4.19+, was
  -- limit before: mm: memcontrol: rename page_counter's limit to max)
  r.usage = ival(memcg.memory.usage)
  if kd.has_member("struct page_counter", "max") then
    r.max = limit(ival(memcg.memory.max))
  elseif kd.has_member("struct page_counter", "limit") then
    r.max = limit(ival(memcg.memory.limit))
  end
  -- memory.events (4.13+: memory_events[], MEMCG_OOM ... per event)
  if kd.has_member("struct mem_cgroup", "memory_events") then
    local ev = memcg.memory_events
    local function get(name)
      local i = event_index(name)
      if i == nil then return nil end
      return ival(ev[i])
    end
    r.oom = get("MEMCG_OOM")
    r.oom_kill = get("MEMCG_OOM_KILL")
    r.max_hits = get("MEMCG_MAX")
  end
  return r
end

local function memcg_of(cgrp)
  local id = memory_cgrp_id()
  if id == nil then return nil end
  local css = cgrp.subsys[id]
  if css == nil then return nil end
  return kd.container_of(css, "struct mem_cgroup", "css")
end

-- every memory cgroup of the default (v2) hierarchy, root first, then
-- depth-first in child order (css.children / css.sibling)
function M.memcgs()
  local out = {}
  local root = kd.symbol("cgrp_dfl_root").cgrp
  local function walk(cgrp, depth)
    if depth > 64 then return end
    local m = memcg_of(cgrp)
    if m then out[#out + 1] = describe(m, cgrp) end
    for child in kd.list(cgrp.self.children, "struct cgroup_subsys_state", "sibling") do
      walk(child.cgroup, depth + 1)
    end
  end
  walk(root, 0)
  return out
end

-- the memory cgroup of a task (task->cgroups->subsys[memory_cgrp_id])
function M.task_memcg(t)
  local id = memory_cgrp_id()
  if id == nil then return nil end
  local css = t.cgroups.subsys[id]
  if css == nil then return nil end
  local memcg = kd.container_of(css, "struct mem_cgroup", "css")
  return describe(memcg, css.cgroup)
end

-- {====== the OOM reports of the log ======

-- one report per "<comm> invoked oom-killer:" line, with what follows it
-- up to the next report: the memcg named by mem_cgroup_print_oom_meminfo()
-- ("Memory cgroup stats for /path:") or the oom-kill summary
-- (oom_memcg=...), its usage/limit line, the victim ("Killed process N
-- (comm)") and whether the OOM ended in panic (check_panic_on_oom())
function M.log_reports(recs)
  local printk = require("kernel.printk")
  local reports = {}
  local cur
  for _, rec in ipairs(recs or {}) do
    for _, line in ipairs(printk.lines(rec)) do
      local comm, gfp, order = line:match("^(.-) invoked oom%-killer: gfp_mask=(%S+).-order=(%-?%d+)")
      if comm then
        cur = { ts = rec.ts_nsec, comm = comm, gfp_mask = gfp:gsub(",$", ""), order = tonumber(order) }
        reports[#reports + 1] = cur
      elseif cur then
        local memcg = line:match("^Memory cgroup stats for (%S+):$")
        if memcg then cur.memcg = cur.memcg or memcg end
        local constraint = line:match("^oom%-kill:constraint=([%w_]+)")
        if constraint then
          cur.constraint = constraint
          cur.memcg = line:match("oom_memcg=([^,]+)") or cur.memcg
          cur.task_memcg = line:match("task_memcg=([^,]+)")
          cur.victim_comm = line:match(",task=([^,]+)")
          cur.victim_pid = tonumber(line:match(",pid=(%d+)"))
        end
        local usage, lim = line:match("^memory: usage (%d+)kB, limit (%d+)kB")
        if usage then cur.usage_kb, cur.limit_kb = tonumber(usage), tonumber(lim) end
        local vpid, vcomm = line:match("Killed process (%d+) %((.-)%)")
        if vpid then
          cur.killed_pid, cur.killed_comm = tonumber(vpid), vcomm
          cur.memcg_oom = line:find("^Memory cgroup out of memory") ~= nil or cur.memcg_oom
        end
        local how = line:match("^Kernel panic %- not syncing: Out of memory: (%S+) panic_on_oom")
          or line:match("^Kernel panic %- not syncing: Out of memory and no killable processes")
          and "no killable process"
        if how then cur.panic = how end
      end
    end
  end
  return reports
end

-- }======

M.pval = pval
return M
