-- sos networking plugin: the /proc/net files of the bonding and 8021q
-- drivers (sos copies /proc/net/bonding and /proc/net/vlan), registered
-- for the bonds and VLANs the dump has; see kernel/net_link.lua
local net = require("kernel.net")
local link = require("kernel.net_link")

local function result(text, why)
  if text == nil then return nil, why end
  if why then return stub(why, text) end
  return text
end

local ok, bonds = pcall(link.bonds)
for _, dev in ipairs(ok and bonds or {}) do
  local name = net.devname(dev)
  emit{ path = "proc/net/bonding/" .. name, plugin = "networking",
        run = function() return result(link.proc_bonding(dev)) end }
end

if pcall(link.vlan_loaded) and link.vlan_loaded() then
  emit{ path = "proc/net/vlan/config", plugin = "networking",
        run = function() return link.proc_vlan_config() end }
  local okv, vlans = pcall(link.vlans)
  for _, dev in ipairs(okv and vlans or {}) do
    emit{ path = "proc/net/vlan/" .. net.devname(dev), plugin = "networking",
          run = function() return result(link.proc_vlan_dev(dev)) end }
  end
end
