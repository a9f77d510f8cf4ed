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
  -- the modelled 6.12 structs have every member a probe asks about
  if t == "struct net_bridge_vlan" or t == "struct net_bridge" or t == "struct net_bridge_port"
     or t == "struct net_bridge_mcast_port" then return true end
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

-- `bridge -s -s -d -t mdb show` on a hand-laid bridge: struct
-- net_bridge_mdb_entry / net_bridge_port_group / net_bridge_group_src as
-- 6.12 keeps them (br_private.h), sent as __mdb_fill_info does (a
-- host-joined entry as the bridge itself, without protocol; an L2 group
-- always permanent; the source list and filter mode only on an IGMPv3 /
-- MLDv2 bridge) and printed as iproute2 6.1's print_mdb_entry with -d -s
-- prints it; then the router ports (br_rports_fill_info) as
-- br_print_router_ports prints them with -s.
test("bridge mdb show: entries and router ports as __mdb_fill_info sends and print_mdb_entry prints them", function()
  local br0, eth1, eth2 = fake_dev("br0", 2), fake_dev("eth1", 3), fake_dev("eth2", 4)
  local function ip4(a, b, c, d) return string.char(a, b, c, d) .. string.rep("\0", 12) end
  local Z = string.rep("\0", 16)
  local function ip6ff0e1() return "\255\14" .. string.rep("\0", 13) .. "\1" end
  local p1 = { dev = eth1, multicast_ctx = { multicast_router = 1,
    ip4_rlist = { pprev = 0x1000, member_ = function(self, n) return self[n] end }, ip4_mc_router_timer = { v = 12345 },
    ip6_rlist = { pprev = 0, member_ = function(self, n) return self[n] end }, ip6_mc_router_timer = { v = 0 } } }
  local p2 = { dev = eth2, multicast_ctx = { multicast_router = 2,
    ip4_rlist = { pprev = 0, member_ = function(self, n) return self[n] end }, ip4_mc_router_timer = { v = 0 },
    ip6_rlist = { pprev = 0, member_ = function(self, n) return self[n] end }, ip6_mc_router_timer = { v = 0 } } }
  local mdb = {
    -- 239.1.1.1: joined by the host, a temporary exclude-mode group on
    -- eth1 (protocol kernel), a permanent fast-leave include-mode group on
    -- eth2 with two sources (protocol static)
    { addr = { proto = 0x0800, vid = 0, dst = ip4(239, 1, 1, 1), src = Z }, host_joined = 1, timer = { v = 250 },
      pgs = { { key = { port = p1 }, flags = 0, filter_mode = 0, rt_protocol = 2, timer = { v = 2600 }, srcs = {} },
              { key = { port = p2 }, flags = 0x1 | 0x4, filter_mode = 1, rt_protocol = 4, timer = { v = 0 },
                srcs = { { addr = { proto = 0x0800, vid = 0, dst = Z, src = ip4(10, 0, 0, 1) }, timer = { v = 1234 } },
                         { addr = { proto = 0x0800, vid = 0, dst = Z, src = ip4(10, 0, 0, 2) }, timer = { v = 0 } } } } } },
    -- ff0e::1 on VLAN 10 (MLDv1 bridge: no source list), blocked, protocol boot
    { addr = { proto = 0x86dd, vid = 10, dst = ip6ff0e1(), src = Z }, host_joined = 0, timer = { v = 0 },
      pgs = { { key = { port = p1 }, flags = 0x10, filter_mode = 0, rt_protocol = 3, timer = { v = 99 }, srcs = {} } } },
    -- an L2 group: permanent whatever the flags
    { addr = { proto = 0, vid = 0, dst = "\1\0\94\0\0\1" .. string.rep("\0", 10), src = Z }, host_joined = 0,
      timer = { v = 0 }, pgs = { { key = { port = p1 }, flags = 0, filter_mode = 0, rt_protocol = 4, timer = { v = 0 }, srcs = {} } } },
  }
  local brpriv = { multicast_ctx = { multicast_igmp_version = 3, multicast_mld_version = 1, multicast_router = 1 },
                   mdb = mdb, ports = { p1, p2 } }
  local saved = { net.devices_list, net.ndo_name, link.priv, bridge.mdb_entries, bridge.port_groups,
                  bridge.group_sources, bridge.br_ip, bridge.timer_value, bridge.bridge_ports }
  net.devices_list = function() return { fake_dev("lo", 1), br0, eth1, eth2 } end
  net.ndo_name = function(dev, op) if op == "ndo_bridge_getlink" and dev == br0 then return "br_getlink" end end
  link.priv = function() return brpriv end
  bridge.mdb_entries = function(b) return b.mdb end
  bridge.port_groups = function(mp) return mp.pgs end
  bridge.group_sources = function(pg) return pg.srcs end
  bridge.br_ip = function(a) return a end
  bridge.timer_value = function(t) return t.v end
  bridge.bridge_ports = function(b) return b.ports end
  local ok_, txt, note = pcall(bridge.bridge_mdb, {})
  net.devices_list, net.ndo_name, link.priv, bridge.mdb_entries, bridge.port_groups, bridge.group_sources,
    bridge.br_ip, bridge.timer_value, bridge.bridge_ports = table.unpack(saved, 1, 9)
  assert(ok_, txt)
  eq(note, nil, "complete")
  eq(txt,
    "dev br0 port br0 grp 239.1.1.1 temp    2.50\n" ..
    "dev br0 port eth1 grp 239.1.1.1 temp filter_mode exclude proto kernel    26.00\n" ..
    "dev br0 port eth2 grp 239.1.1.1 permanent filter_mode include source_list 10.0.0.1/12.34,10.0.0.2/0.00" ..
      " proto static  fast_leave    0.00\n" ..
    "dev br0 port eth1 grp ff0e::1 temp proto boot  blocked vid 10    0.99\n" ..
    "dev br0 port eth1 grp 01:00:5e:00:00:01 permanent proto static     0.00\n" ..
    "router ports on br0: eth1  123.45 temp\n",
    "bridge mdb show")
end)
