-- sos networking plugin: `bridge` commands, registered only when the dump
-- has a bridge device (as sos runs them only when bridges exist).
-- `bridge link` and `bridge fdb` are rebuilt (kernel/net_link.lua
-- bridge_link, bridge_fdb), the VLAN and multicast databases too
-- (kernel/bridge.lua).
local net = require("kernel.net")
local link = require("kernel.net_link")

local ok, bridges = pcall(net.devices_of_kind, nil, "bridge")

if ok and #bridges > 0 then
  emit{ command = "bridge -s -s -d link show", plugin = "networking",
        run = function()
          local text, note = link.bridge_link()
          if note then return stub(note, text) end
          return text
        end }
  emit{ command = "bridge -s -s -d -t fdb show", plugin = "networking",
        run = function()
          local text, note = link.bridge_fdb(nil, true)
          if note then return stub(note, text) end
          return text
        end }
  local bridge = require("kernel.bridge")
  emit{ command = "bridge -d vlan show", plugin = "networking",
        run = function()
          local text, note = bridge.bridge_vlan()
          if note then return stub(note, text) end
          return text
        end }
  emit{ command = "bridge -s -s -d -t mdb show", plugin = "networking",
        run = function()
          local text, note = bridge.bridge_mdb()
          if note then return stub(note, text) end
          return text
        end }
end
