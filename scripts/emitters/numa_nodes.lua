-- sys/devices/system/node/{possible,online,has_*} and
-- node<N>/{meminfo,numastat,vmstat,cpumap,cpulist,distance}
-- (drivers/base/node.c), which sos's numa plugin copies: the node state
-- masks and, for each online node, its counters (kernel/mm.lua
-- node_meminfo, node_numastat, node_vmstat), its online CPUs and its
-- distances.  A kernel without CONFIG_NUMA has no such folder: nothing is
-- registered.
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
  -- print_nodes_state(): node_states[state] as "%*pbl"; has_high_memory
  -- only with CONFIG_HIGHMEM (N_HIGH_MEMORY an enumerator of its own),
  -- has_generic_initiator since 5.10 (N_GENERIC_INITIATOR)
  for _, st in ipairs({ { "possible", "N_POSSIBLE" }, { "has_normal_memory", "N_NORMAL_MEMORY" },
                        { "has_high_memory", "N_HIGH_MEMORY" }, { "has_memory", "N_MEMORY" },
                        { "has_cpu", "N_CPU" }, { "has_generic_initiator", "N_GENERIC_INITIATOR" } }) do
    if pcall(kd.enum_value, "enum node_states", st[2]) then
      emit{ path = "sys/devices/system/node/" .. st[1], plugin = "numa",
            description = "node_states[" .. st[2] .. "]",
            run = function()
              local ids = {}
              for nid = 0, (util.symbol_value("nr_node_ids") or 1) - 1 do
                if mm.node_state(nid, st[2]) then ids[#ids + 1] = nid end
              end
              return util.cpulist(ids) .. "\n"
            end }
    end
  end
  -- node_distance(): numa_distance[from * cnt + to] (x86/generic
  -- numa_memblks), LOCAL 10 / REMOTE 20 outside the table
  local function distance(from, to)
    local cnt = util.symbol_value("numa_distance_cnt") or 0
    local tbl = util.symbol_value("numa_distance") or 0
    if from >= cnt or to >= cnt or tbl == 0 then return from == to and 10 or 20 end
    return kd.read_u8(tbl + from * cnt + to)
  end
  local node_cpus = require("kernel.cpu").node_cpus
  local ok, pgs = pcall(mm.pgdats)
  for _, pg in ipairs(ok and pgs or {}) do
    local nid = pg.node_id
    if kd.symbol_address("node_to_cpumask_map") then
      emit{ path = "sys/devices/system/node/node" .. nid .. "/cpulist", plugin = "numa",
            description = "online CPUs of node " .. nid,
            run = function() return util.cpulist(node_cpus(nid)) .. "\n" end }
      -- cpumap_read(): the same mask as "%*pb" over nr_cpu_ids bits
      emit{ path = "sys/devices/system/node/node" .. nid .. "/cpumap", plugin = "numa",
            description = "online CPUs of node " .. nid .. " as a bitmap",
            run = function() return require("kernel.cpu").mask_hex(node_cpus(nid)) .. "\n" end }
    end
    emit{ path = "sys/devices/system/node/node" .. nid .. "/numastat", plugin = "numa",
          description = "NUMA allocation events of node " .. nid,
          run = function() return mm.node_numastat(pg) end }
    emit{ path = "sys/devices/system/node/node" .. nid .. "/vmstat", plugin = "numa",
          description = "zone, NUMA and node counters of node " .. nid,
          run = function() return mm.node_vmstat(pg) end }
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
