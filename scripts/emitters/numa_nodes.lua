-- sys/devices/system/node/online and node<N>/meminfo (drivers/base/node.c),
-- which sos's numa plugin copies (node*/meminfo): the online nodes and,
-- for each, its counters (kernel/mm.lua node_meminfo).  A kernel without
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
  local ok, pgs = pcall(mm.pgdats)
  for _, pg in ipairs(ok and pgs or {}) do
    local nid = pg.node_id
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
