-- kernel/bridge.lua's `bridge -d vlan show` on a bridge laid out by hand
-- (no fixture has a bridge): a bridge br0 and its ports with VLAN groups as
-- struct net_bridge_vlan_group / net_bridge_vlan hold them in 6.12
-- (net/bridge/br_private.h), the dump's ranges as br_vlan_dump_dev()
-- builds them (br_vlan_can_enter_range: consecutive vids, equal flags,
-- state, multicast router and consecutive tunnel keys; the PVID never in a
-- range; a bridge's own entry only with BRIDGE_VLAN_INFO_BRENTRY) and each
-- line as iproute2 6.1's print_vlan_opts prints it.

local net = require("kernel.net")
local real_has_member = net.has_member
net.has_member = function(t, m)
  if t == "struct net_bridge_vlan" then return true end
  return real_has_member(t, m)
end
local link = require("kernel.net_link")
local ip = require("kernel.net_ip")
local bridge = require("kernel.bridge")

local function fake_dev(name, ifindex)
  return { name = { string_ = function() return name end }, ifindex = ifindex }
end

-- include/uapi/linux/if_bridge.h
local MASTER, PVID, UNTAGGED, BRENTRY = 0x1, 0x2, 0x4, 0x20
-- key32_to_tunnel_id() on a little-endian machine: the big-endian key in
-- the upper half of the u64
local function tunnel(key)
  local be = string.unpack("<I4", string.pack(">I4", key))
  return { tunnel_dst = 0xffff888000001000, tunnel_id = be << 32,
           member_ = function(self, n) return self[n] end }
end
local NOTUN = { tunnel_dst = 0, tunnel_id = 0, member_ = function(self, n) return self[n] end }
local function vlan(vid, flags, state, router, tinfo)
  local v = { vid = vid, flags = flags, state = state, tinfo = tinfo or NOTUN }
  if flags & MASTER ~= 0 then v.br_mcast_ctx = { multicast_router = router }
  else v.port_mcast_ctx = { multicast_router = router } end
  return v
end

test("bridge -d vlan show: ranges and lines as br_vlan_dump_dev sends and print_vlan_opts prints them", function()
  local lo, br0, eth1, eth2, eth3 = fake_dev("lo", 1), fake_dev("br0", 2), fake_dev("eth1", 3),
    fake_dev("eth2", 4), fake_dev("eth3", 5)
  local groups = {
    -- the bridge: vid 1 its own (BRENTRY), vid 10 only a master entry for
    -- the ports (not sent)
    br0 = { pvid = 1, list = { vlan(1, MASTER | BRENTRY | UNTAGGED, 3, 1), vlan(10, MASTER, 3, 1) } },
    -- PVID 1 untagged, 100-102 one range, 200 blocking apart, 201 another
    -- router setting apart
    eth1 = { pvid = 1, list = { vlan(1, UNTAGGED, 3, 1), vlan(100, 0, 3, 1), vlan(101, 0, 3, 1),
                                vlan(102, 0, 3, 1), vlan(200, 0, 4, 1), vlan(201, 0, 4, 2) } },
    -- no PVID; 5-6 with consecutive tunnel keys, 7 with a key out of line
    eth2 = { pvid = 0, list = { vlan(5, 0, 3, 1, tunnel(1005)), vlan(6, 0, 3, 1, tunnel(1006)),
                                vlan(7, 0, 3, 1, tunnel(2000)) } },
    eth3 = { pvid = 0, list = {} },
  }
  for _, g in pairs(groups) do g.vlan_list = g.list end
  local saved = { net.devices_list, net.ndo_name, ip.master_dev, link.brport, link.priv, bridge.vlan_entries }
  net.devices_list = function() return { lo, br0, eth1, eth2, eth3 } end
  net.ndo_name = function(dev, op)
    if op == "ndo_bridge_getlink" and dev == br0 then return "br_getlink" end
  end
  ip.master_dev = function(dev) if dev == eth1 or dev == eth2 or dev == eth3 then return br0 end end
  link.brport = function(dev) return { vlgrp = groups[dev.name:string_()] } end
  link.priv = function(dev) return { vlgrp = groups[dev.name:string_()] } end
  bridge.vlan_entries = function(vg) return vg.list end
  local ok_, txt, note = pcall(bridge.bridge_vlan, {})
  net.devices_list, net.ndo_name, ip.master_dev, link.brport, link.priv, bridge.vlan_entries = table.unpack(saved, 1, 6)
  assert(ok_, txt)
  eq(note, nil, "complete")
  local pad = string.rep(" ", 20)
  eq(txt,
    "port              vlan-id  \n" ..
    "br0               1 PVID Egress Untagged\n" .. pad .. "state forwarding mcast_router 1 \n" ..
    "eth1              1 PVID Egress Untagged\n" .. pad .. "state forwarding mcast_router 1 \n" ..
    "                  100-102\n" .. pad .. "state forwarding mcast_router 1 \n" ..
    "                  200\n" .. pad .. "state blocking mcast_router 1 \n" ..
    "                  201\n" .. pad .. "state blocking mcast_router 2 \n" ..
    "eth2              5-6\n" .. pad .. "state forwarding mcast_router 1 \n" ..
    "                  7\n" .. pad .. "state forwarding mcast_router 1 \n",
    "bridge -d vlan show")
end)

test("bridge -d vlan show: no bridge, the header alone", function()
  local saved = net.devices_list
  net.devices_list = function() return { fake_dev("lo", 1) } end
  local saved2 = net.ndo_name
  net.ndo_name = function() return nil end
  local ok_, txt = pcall(bridge.bridge_vlan, {})
  net.devices_list, net.ndo_name = saved, saved2
  assert(ok_, txt)
  eq(txt, "port              vlan-id  \n", "header only")
end)
