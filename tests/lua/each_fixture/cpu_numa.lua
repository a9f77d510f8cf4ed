-- CPU sets, CPU hotplug and cacheinfo sysfs, NUMA node files, lscpu and
-- the task groups of sched debug, against each fixture's truth/ where it
-- has the live file (tests/sh/test_each_fixture.sh runs it on every
-- fixture).  The shared fixtures (2 CPUs, one node, no cpu controller)
-- have the CPU masks and topology; the SMP fixture of
-- tests/fixtures/make-smp-fixture.sh (6 of 8 CPUs present, 2 offline, two
-- NUMA nodes, cpu-controller groups, an autogroup, every scheduling class)
-- has every file below.  Formats: drivers/base/{cpu,core,node,cacheinfo}.c,
-- kernel/sched/debug.c (print_task's group path), util-linux 2.38 lscpu.

local cpus = require("report.cpus")
local cpu = require("kernel.cpu")
local mm = require("kernel.mm")
local util = require("kernel.util")

local function when(cond, name, fn)
  if cond then test(name, fn) else print("n/a  " .. name) end
end
local function chomp(s) return s and (s:gsub("%s+$", "")) end
-- "%*pbl" text -> sorted list of numbers
local function parse_list(s)
  local out = {}
  for part in (chomp(s) or ""):gmatch("[^,]+") do
    local a, b = part:match("^(%d+)%-(%d+)$")
    if a then for i = tonumber(a), tonumber(b) do out[#out + 1] = i end
    else out[#out + 1] = tonumber(part) end
  end
  return out
end

local D = "sys/devices/system/cpu/"

-- report/cpus.lua: the CPUs the panic stopped (stop_this_cpu in their
-- register note) count as online, CPUs offlined before (hlt_play_dead)
-- do not; QEMU writes a note per present vCPU, kdump per possible CPU
when(truth(D .. "online"), "online/offline/present/possible CPU sets as the live system had them", function()
  local m = cpus.masks()
  eq(util.cpulist(m.online), chomp(truth(D .. "online")), "online")
  eq(util.cpulist(m.present), chomp(truth(D .. "present")), "present")
  eq(util.cpulist(m.possible), chomp(truth(D .. "possible")), "possible")
  local on = {}
  for _, c in ipairs(m.online) do on[c] = true end
  local off = {}
  for _, c in ipairs(m.possible) do if not on[c] then off[#off + 1] = c end end
  eq(util.cpulist(off), chomp(truth(D .. "offline")), "offline")
end)

-- drivers/base/core.c online_show: the file exists for hot-pluggable
-- present CPUs only (x86: not CPU 0), "1" or "0"
local captured = false
for _, c in ipairs(cpus.masks().present) do
  if truth(D .. "cpu" .. c .. "/online") then captured = true end
end
when(captured, "cpuN/online for every present CPU the truth has the file of, and no other", function()
  local n = 0
  for _, c in ipairs(cpus.masks().present) do
    local want = truth(D .. "cpu" .. c .. "/online")
    local got = cpu.sysfs_online(c)
    if want then
      eq(got and tostring(got), chomp(want), "cpu" .. c .. "/online")
      n = n + 1
    elseif captured then
      -- the capture copied cpu*/online: a CPU without one has none
      eq(got, nil, "cpu" .. c .. " has no online file")
    end
  end
  print("     " .. n .. " cpuN/online files compared")
end)

-- drivers/base/cacheinfo.c: every file of every leaf of the online CPUs
when(truth(D .. "cpu0/cache/index0/level"), "cpuN/cache/indexI/* exact, and no file the live system lacks", function()
  local n = 0
  for _, c in ipairs(cpus.list()) do
    for _, leaf in ipairs(cpu.cache_files(c)) do
      local seen = {}
      for _, f in ipairs(leaf[2]) do
        local rel = string.format("%scpu%d/cache/index%d/%s", D, c, leaf[1], f[1])
        seen[f[1]] = true
        -- the capture copied these attributes (not allocation/write policy)
        if f[1] ~= "allocation_policy" and f[1] ~= "write_policy" then
          eq(f[2], truth(rel), rel)
          n = n + 1
        end
      end
      for _, a in ipairs({ "id", "type", "level", "size", "number_of_sets", "coherency_line_size" }) do
        local rel = string.format("%scpu%d/cache/index%d/%s", D, c, leaf[1], a)
        if truth(rel) then ok(seen[a], rel .. " emitted") end
      end
    end
  end
  ok(n > 0, n .. " cache files compared")
end)

-- drivers/base/node.c print_nodes_state and node<N>/{cpulist,cpumap}
when(truth("sys/devices/system/node/possible"), "node state masks and each node's online CPUs", function()
  local nr = util.symbol_value("nr_node_ids") or 1
  for _, st in ipairs({ { "possible", "N_POSSIBLE" }, { "online", "N_ONLINE" },
                        { "has_normal_memory", "N_NORMAL_MEMORY" }, { "has_memory", "N_MEMORY" },
                        { "has_cpu", "N_CPU" } }) do
    local ids = {}
    for nid = 0, nr - 1 do if mm.node_state(nid, st[2]) then ids[#ids + 1] = nid end end
    eq(util.cpulist(ids), chomp(truth("sys/devices/system/node/" .. st[1])), st[1])
  end
  for _, pg in ipairs(mm.pgdats()) do
    local nid = pg.node_id
    local list = cpu.node_cpus(nid)
    eq(util.cpulist(list), chomp(truth("sys/devices/system/node/node" .. nid .. "/cpulist")), "node" .. nid .. "/cpulist")
    eq(cpu.mask_hex(list), chomp(truth("sys/devices/system/node/node" .. nid .. "/cpumap")), "node" .. nid .. "/cpumap")
  end
end)

-- node_read_vmstat/numastat: the keys and their order (values drift)
when(truth("sys/devices/system/node/node0/vmstat"), "node vmstat and numastat keys in the live order", function()
  for _, pg in ipairs(mm.pgdats()) do
    local nid = pg.node_id
    for _, f in ipairs({ "vmstat", "numastat" }) do
      local want = truth("sys/devices/system/node/node" .. nid .. "/" .. f)
      local got = f == "vmstat" and mm.node_vmstat(pg) or mm.node_numastat(pg)
      eq(got:gsub(" %d+\n", "\n"), want:gsub(" %d+\n", "\n"), "node" .. nid .. "/" .. f .. " keys")
    end
  end
end)

-- util-linux lscpu, not on a terminal: every live line a dump can give
when(truth("cmd/lscpu.txt"), "lscpu lines equal the live ones (blanks aside)", function()
  local text = cpu.lscpu()
  local have = {}
  for l in text:gmatch("[^\n]+") do
    local k, v = l:match("^([^:]+):%s*(.-)%s*$")
    if k then have[k] = v end
  end
  local n = 0
  for l in truth("cmd/lscpu.txt"):gmatch("[^\n]+") do
    local k, v = l:match("^([^:]+):%s*(.-)%s*$")
    if k and not k:find("^Vulnerability ") and not k:find("^BIOS ") and not k:find("MHz$")
       and k ~= "Hypervisor vendor" and k ~= "Virtualization type" then
      eq(have[k], v, "lscpu " .. k)
      n = n + 1
    end
  end
  ok(n >= 20, n .. " lscpu lines compared")
end)

-- kernel/sched/debug.c print_task: the last column is task_group_path()
-- of the task's group: "/autogroup-N" for an autogroup, else the cgroup
-- path of its cpu controller (static while the task lives); and the cpu#
-- sections are those of the CPUs online before the panic
when(truth("sys/kernel/debug/sched/debug"), "sched debug: per-task group paths and cpu# sections as live", function()
  local sched = require("kernel.sched")
  local text = sched.debug()
  local function tasks(t)
    local out = {}
    for l in t:gmatch("[^\n]+") do
      local comm, pid = l:match("^[ >][RSDTtXZPI]%s+(.-)%s+(%d+)%s+%-?%d+%.%d+")
      local group = l:match("%s(/%S*)$")
      if pid and group then out[tonumber(pid)] = { comm, group } end
    end
    return out
  end
  local live, dump = tasks(truth("sys/kernel/debug/sched/debug")), tasks(text)
  local n, groups = 0, {}
  for pid, w in pairs(live) do
    local g = dump[pid]
    if g and g[1] == w[1] then
      eq(g[2], w[2], "group of " .. w[1] .. " " .. pid)
      n = n + 1
      groups[w[2]] = true
    end
  end
  ok(n > 20, n .. " tasks compared")
  local function sections(t)
    local out = {}
    for c in t:gmatch("\ncpu#(%d+)") do out[#out + 1] = tonumber(c) end
    if t:match("^cpu#(%d+)") then table.insert(out, 1, tonumber(t:match("^cpu#(%d+)"))) end
    return table.concat(out, ",")
  end
  eq(sections(text), sections(truth("sys/kernel/debug/sched/debug")), "cpu# sections")
  local names = {}
  for g in pairs(groups) do names[#names + 1] = g end
  table.sort(names)
  print("     groups seen: " .. table.concat(names, " "))
end)
