-- sys/devices/system/node/online and node<N>/{meminfo,cpulist,distance}
-- (drivers/base/node.c), which sos's numa plugin copies: the online nodes
-- and, for each, its counters (kernel/mm.lua node_meminfo), its online
-- CPUs and its distances.  A kernel without
-- CONFIG_NUMA has no such folder: nothing is registered.
local mm = require("kernel.mm")
local util = require("kernel.util")

plugin{ name = "numa", description = "NUMA state and configuration" }

if kd.symbol_address("node_data") then
  emit{ path = "sys/devices/system/node/online", plugin = "numa",
        description = "online NUMA nodes (node_states[N_ONLINE])",
        run = function()
          local ids = {}
          for _, pg in ipairs(mm.pgdats()) do ids[#ids + 1] = pg.node_id end
          return util.cpulist(ids) .. "\n"
        end }
  -- node_distance(): numa_distance[from * cnt + to] (x86/generic
  -- numa_memblks), LOCAL 10 / REMOTE 20 outside the table
  local function distance(from, to)
    local cnt = util.symbol_value("numa_distance_cnt") or 0
    local tbl = util.symbol_value("numa_distance") or 0
    if from >= cnt or to >= cnt or tbl == 0 then return from == to and 10 or 20 end
    return kd.read_u8(tbl + from * cnt + to)
  end
  -- cpumask_of_node(): node_to_cpumask_map[nid] (a pointer with
  -- CONFIG_CPUMASK_OFFSTACK), limited to the online CPUs
  local function node_cpus(nid)
    local map = kd.symbol("node_to_cpumask_map")[nid]
    if map:type_().resolved.kind == "pointer" then map = map:deref_() end
    local base = map:address_()
    local want = {}
    for _, c in ipairs(require("kernel.cpu").online()) do
      if (kd.read_u64(base + (c // 64) * 8) >> (c % 64)) & 1 == 1 then want[#want + 1] = c end
    end
    return want
  end
  local ok, pgs = pcall(mm.pgdats)
  for _, pg in ipairs(ok and pgs or {}) do
    local nid = pg.node_id
    if kd.symbol_address("node_to_cpumask_map") then
      emit{ path = "sys/devices/system/node/node" .. nid .. "/cpulist", plugin = "numa",
            description = "online CPUs of node " .. nid,
            run = function() return util.cpulist(node_cpus(nid)) .. "\n" end }
    end
    emit{ path = "sys/devices/system/node/node" .. nid .. "/distance", plugin = "numa",
          description = "node_distance() to every online node",
          run = function()
            local d = {}
            for i, p in ipairs(mm.pgdats()) do d[i] = tostring(distance(nid, p.node_id)) end
            return table.concat(d, " ") .. "\n"
          end }
    emit{ path = "sys/devices/system/node/node" .. nid .. "/meminfo", plugin = "numa",
          description = "memory counters of node " .. nid,
          run = function()
            for _, p in ipairs(mm.pgdats()) do
              if p.node_id == nid then return mm.node_meminfo(p) end
            end
            return nil, "node " .. nid .. " not online"
          end }
  end
end
