-- sys/fs/cgroup/** (the cgroup2 files, kernel/cgroup/cgroup.c,
-- mm/memcontrol.c, kernel/cgroup/pids.c), which sos's cgroups plugin
-- copies: for every cgroup of the default hierarchy cgroup.controllers,
-- cgroup.subtree_control, cgroup.procs, cgroup.threads and, in non-root
-- cgroups where the controller is enabled, memory.current, memory.max,
-- memory.events, pids.current, pids.max.  The cgroups are found once here,
-- at discovery; a dump without a readable hierarchy registers nothing.
-- Other cgroup files (cpu.*, io.*, memory.stat...) are not rebuilt yet.

local cgroup = require("kernel.cgroup")

plugin{ name = "cgroups", description = "Control groups subsystem" }

local function find(path)
  for _, c in ipairs(cgroup.dfl_cgroups()) do
    if c.path == path then return c.cgrp end
  end
  return nil, "cgroup " .. path .. " not found"
end

local function page_size() return kd.dump_info().page_size end

local function memcg(cgrp)
  local css = cgroup.css(cgrp, "memory")
  if css == nil then return nil, "no memory css" end
  return kd.container_of(css, "struct mem_cgroup", "css")
end

local function pids(cgrp)
  local css = cgroup.css(cgrp, "pids")
  if css == nil then return nil, "no pids css" end
  return kd.container_of(css, "struct pids_cgroup", "css")
end

local PID_MAX_LIMIT = 4 * 1024 * 1024      -- 64-bit, !CONFIG_BASE_SMALL

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
}

local ok, cgroups = pcall(cgroup.dfl_cgroups)
if ok then
  for _, c in ipairs(cgroups) do
    local path, is_root = c.path, c.cgrp.self.parent == nil
    local dir = "sys/fs/cgroup" .. (path == "/" and "" or path) .. "/"
    for _, f in ipairs(FILES) do
      local name, fn, ctl = f[1], f[2], f[3]
      -- controller files: not on the root (CFTYPE_NOT_ON_ROOT), and only
      -- where the controller is enabled (its css exists)
      if not ctl or (not is_root and cgroup.css(c.cgrp, ctl) ~= nil) then
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
