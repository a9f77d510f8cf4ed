-- sys/fs/cgroup/** (the cgroup2 files, kernel/cgroup/cgroup.c,
-- mm/memcontrol.c, kernel/cgroup/pids.c), which sos's cgroups plugin
-- copies: for every cgroup of the default hierarchy cgroup.controllers,
-- cgroup.subtree_control, cgroup.procs, cgroup.threads and, in non-root
-- cgroups where the controller is enabled, memory.current, memory.max,
-- memory.events, pids.current, pids.max and the cpu controller's task group
-- knobs cpu.weight, cpu.weight.nice, cpu.idle, cpu.max, cpu.max.burst
-- (kernel/sched/core.c cpu_files[]).  The cgroups are found once here,
-- at discovery; a dump without a readable hierarchy registers nothing.
-- Other cgroup files (cpu.stat, io.*, memory.stat...) are not rebuilt yet.

local cgroup = require("kernel.cgroup")

plugin{ name = "cgroups", description = "Control groups subsystem" }

local function find(path)
  for _, c in ipairs(cgroup.dfl_cgroups()) do
    if c.path == path then return c.cgrp end
  end
  return nil, "cgroup " .. path .. " not found"
end

local function page_size() return kd.dump_info().page_size end

-- the controller state that embeds a cgroup's css of subsystem name
-- (struct mem_cgroup for "memory", ...); nil, reason when it has none
local function css_state(cgrp, name, struct)
  local css = cgroup.css(cgrp, name)
  if css == nil then return nil, "no " .. name .. " css" end
  return kd.container_of(css, struct, "css")
end
local function memcg(cgrp) return css_state(cgrp, "memory", "struct mem_cgroup") end
local function pids(cgrp) return css_state(cgrp, "pids", "struct pids_cgroup") end

local PID_MAX_LIMIT = 4 * 1024 * 1024      -- 64-bit, !CONFIG_BASE_SMALL

-- the task group of a cgroup's cpu css (css_tg)
local function tg(cgrp) return css_state(cgrp, "cpu", "struct task_group") end
-- scale_load_down() of a 64-bit kernel (SCHED_FIXEDPOINT_SHIFT 10)
local function scale_load_down(w)
  if w == 0 then return 0 end
  return math.max(2, w >> 10)
end
-- tg_weight(): the group's shares without the fixed-point bits
local function tg_weight(t) return scale_load_down(t.shares) end
local NSEC_PER_USEC = 1000
-- cgroup_seqfile_show(): "%llu\n" of read_u64, "%lld\n" of read_s64
local function u64(v) return string.format("%d\n", v) end

local FILES = {
  { "cgroup.controllers", function(c) return cgroup.controllers(c) end },
  { "cgroup.subtree_control", function(c) return cgroup.subtree_control(c) end },
  { "cgroup.procs", function(c) return cgroup.members(c, true) end },
  { "cgroup.threads", function(c) return cgroup.members(c, false) end },
  { "memory.current", function(c)
      local m, why = memcg(c)
      if not m then return nil, why end
      return string.format("%d\n", m.memory.usage.counter * page_size())
    end, "memory" },
  { "memory.max", function(c)
      local m, why = memcg(c)
      if not m then return nil, why end
      local max = m.memory.max
      -- PAGE_COUNTER_MAX: LONG_MAX / PAGE_SIZE on 64-bit
      if max == math.maxinteger // page_size() then return "max\n" end
      return string.format("%d\n", max * page_size())
    end, "memory" },
  { "memory.events", function(c)
      local m, why = memcg(c)
      if not m then return nil, why end
      local out = {}
      for _, k in ipairs({ { "low", "MEMCG_LOW" }, { "high", "MEMCG_HIGH" }, { "max", "MEMCG_MAX" },
                           { "oom", "MEMCG_OOM" }, { "oom_kill", "MEMCG_OOM_KILL" },
                           { "oom_group_kill", "MEMCG_OOM_GROUP_KILL" } }) do
        local ok, idx = pcall(kd.enum_value, "enum memcg_memory_event", k[2])
        if ok and idx then
          out[#out + 1] = string.format("%s %d\n", k[1], m.memory_events[idx].counter)
        end
      end
      return table.concat(out)
    end, "memory" },
  { "pids.current", function(c)
      local p, why = pids(c)
      if not p then return nil, why end
      return string.format("%d\n", p.counter.counter)
    end, "pids" },
  { "pids.max", function(c)
      local p, why = pids(c)
      if not p then return nil, why end
      local limit = p.limit.counter
      if limit >= PID_MAX_LIMIT + 1 then return "max\n" end
      return string.format("%d\n", limit)
    end, "pids" },
  -- cpu_weight_read_u64: DIV_ROUND_CLOSEST(weight * CGROUP_WEIGHT_DFL (100),
  -- 1024); 6.12's sched_ext preparation ("sched: Factor out cgroup weight
  -- conversion functions", with sched_class->switching_to, the probe)
  -- clamps it to [1, 10000]: an idle group (cpu.idle 1, shares of
  -- WEIGHT_IDLEPRIO 3) reads 0 on 6.1, 1 on 6.12
  { "cpu.weight", function(c)
      local t, why = tg(c)
      if not t then return nil, why end
      local w = (tg_weight(t) * 100 + 512) // 1024
      if kd.has_member("struct sched_class", "switching_to") then w = math.min(math.max(w, 1), 10000) end
      return u64(w)
    end, "cpu", "struct task_group", "shares" },
  -- cpu_weight_nice_read_s64: the nice value whose sched_prio_to_weight[]
  -- entry is closest to the weight (the first of equal distances)
  { "cpu.weight.nice", function(c)
      local t, why = tg(c)
      if not t then return nil, why end
      local w = tg_weight(t)
      -- const int sched_prio_to_weight[40], read as s32 (BTF has no
      -- types of global variables)
      local base = kd.symbol_address("sched_prio_to_weight")
      if not base then return nil, "sched_prio_to_weight not found" end
      local last, prio = math.maxinteger, 0
      while prio < 40 do
        local d = math.abs(kd.read_s32(base + 4 * prio) - w)
        if d >= last then break end
        last = d
        prio = prio + 1
      end
      return u64(prio - 1 + 100 - 120)       -- PRIO_TO_NICE(prio - 1 + MAX_RT_PRIO)
    end, "cpu", "struct task_group", "shares" },
  -- cpu_idle_read_s64 (5.15 "sched: Cgroup SCHED_IDLE support")
  { "cpu.idle", function(c)
      local t, why = tg(c)
      if not t then return nil, why end
      return u64(t.idle)
    end, "cpu", "struct task_group", "idle" },
  -- cpu_max_show -> cpu_period_quota_print: quota ("max" for RUNTIME_INF)
  -- and period, in microseconds (CONFIG_CFS_BANDWIDTH)
  { "cpu.max", function(c)
      local t, why = tg(c)
      if not t then return nil, why end
      local b = t.cfs_bandwidth
      local quota = b.quota                    -- u64: RUNTIME_INF reads as -1
      local period = b.period
      if type(period) ~= "number" then period = period.tv64 end   -- ktime_t
      local q = (quota == -1) and "max" or string.format("%d", quota // NSEC_PER_USEC)
      return string.format("%s %d\n", q, period // NSEC_PER_USEC)
    end, "cpu", "struct task_group", "cfs_bandwidth" },
  -- cpu_cfs_burst_read_u64 -> tg_get_cfs_burst (5.14 "sched/fair: Introduce
  -- the burstable CFS controller")
  { "cpu.max.burst", function(c)
      local t, why = tg(c)
      if not t then return nil, why end
      return u64(t.cfs_bandwidth.burst // NSEC_PER_USEC)
    end, "cpu", "struct cfs_bandwidth", "burst" },
}

local ok, cgroups = pcall(cgroup.dfl_cgroups)
if ok then
  for _, c in ipairs(cgroups) do
    local path, is_root = c.path, c.cgrp.self.parent == nil
    local dir = "sys/fs/cgroup" .. (path == "/" and "" or path) .. "/"
    for _, f in ipairs(FILES) do
      local name, fn, ctl, probe_t, probe_m = f[1], f[2], f[3], f[4], f[5]
      -- controller files: not on the root (CFTYPE_NOT_ON_ROOT), and only
      -- where the controller is enabled (its css exists) and the kernel
      -- has the member the file shows
      if (not ctl or (not is_root and cgroup.css(c.cgrp, ctl) ~= nil))
         and (not probe_t or kd.has_member(probe_t, probe_m)) then
        emit{ path = dir .. name, plugin = "cgroups",
              run = function()
                local cg, why = find(path)
                if not cg then return nil, why end
                return fn(cg)
              end }
      end
    end
  end
end
