-- sos networking plugin: `bridge` commands, registered only when the dump
-- has a bridge device (as sos runs them only when bridges exist).  The
-- bridge module's own state (port STP state, fdb, vlans, mdb) is not
-- decoded: the files are stubs holding what the generic device state
-- gives (which ports belong to which bridge).
local net = require("kernel.net")
local ip = require("kernel.net_ip")

local ok, bridges = pcall(function()
  local list = {}
  for _, dev in ipairs(net.devices(net.init_net())) do
    if net.dev_kind(dev) == "bridge" then list[#list + 1] = dev end
  end
  return list
end)

if ok and #bridges > 0 then
  -- "IDX: NAME: <FLAGS> mtu N master BR" for each bridge port
  local function ports()
    local n = net.init_net()
    local out = {}
    for _, dev in ipairs(net.devices(n)) do
      local m = ip.master_dev(dev)
      if m and net.dev_kind(m) == "bridge" then
        out[#out + 1] = string.format("%d: %s: %smtu %d master %s \n", dev.ifindex, net.devname(dev),
          ip.link_flags(net.dev_get_flags(dev)), dev.mtu, net.devname(m))
      end
    end
    return table.concat(out)
  end
  local why = "bridge module state (STP port state, priority, cost, fdb, vlan, mdb) is not decoded"
  emit{ command = "bridge -s -s -d link show", plugin = "networking",
        run = function() return stub(why .. "; ports shown without it", ports()) end }
  emit{ command = "bridge -s -s -d -t fdb show", plugin = "networking",
        run = function() return nil, why end }
  emit{ command = "bridge -d vlan show", plugin = "networking",
        run = function() return nil, why end }
  emit{ command = "bridge -s -s -d -t mdb show", plugin = "networking",
        run = function() return nil, why end }
end
