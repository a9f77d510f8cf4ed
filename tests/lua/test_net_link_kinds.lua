-- kernel/net_link.lua's per-kind decoders (the IFLA_INFO_DATA /
-- IFLA_INFO_SLAVE_DATA of `ip -d link`, /proc/net/bonding) for what no
-- fixture has: an 802.3ad bond, bridges, VXLAN, GENEVE, GRE ...  The
-- driver structs are laid out here as Lua tables with the members the
-- kernel's fill_info reads (the fixtures' debuginfo lacks most of these
-- modules), and each expected line is what the cited kernel function puts
-- and iproute2 6.1's print function prints for it.
--
-- The synthetic objects model Linux 6.12: every member a has_member probe
-- asks about in the bonding/bridge/tunnel structs is present.

local net = require("kernel.net")
local real_has_member = net.has_member
local MODELLED = { ["struct bond_params"] = true, ["struct slave"] = true,
  ["struct net_bridge"] = true, ["struct net_bridge_port"] = true, ["struct vxlan_config"] = true,
  ["struct geneve_config"] = true, ["struct ip_tunnel"] = true }
net.has_member = function(t, m)
  if MODELLED[t] then return true end
  return real_has_member(t, m)
end
local link = require("kernel.net_link")

-- a net_device as the decoders read it: dev.name:string_(), ifindex, state
local function fake_dev(name, fields)
  local d = { name = { string_ = function() return name end }, state = 0, addr_len = 6, ifindex = 0 }
  for k, v in pairs(fields or {}) do d[k] = v end
  return d
end

-- {====== bonding, 802.3ad ======

-- an 802.3ad bond over two ports in one active aggregator (agg 1, both
-- ports enabled) plus a third port whose aggregator is NULL
local function lacp_bond()
  local bond_dev = fake_dev("bond1")
  local agg = { aggregator_identifier = 1, is_active = 1, actor_oper_aggregator_key = 9,
                partner_oper_aggregator_key = 13, partner_system = "52:54:00:aa:bb:cc" }
  local function port(num, state, pstate)
    return { aggregator = agg, is_enabled = true, sm_churn_actor_state = 2, sm_churn_partner_state = 1,
             churn_actor_count = 0, churn_partner_count = 3, actor_system_priority = 65535,
             actor_system = "02:00:00:00:00:01", actor_oper_port_key = 9, actor_port_priority = 255,
             actor_port_number = num, actor_oper_port_state = state,
             partner_oper = { system_priority = 32768, system = "52:54:00:aa:bb:cc", key = 13,
                              port_priority = 32768, port_number = num + 10, port_state = pstate } }
  end
  local p1, p2 = port(1, 61, 63), port(2, 0x3d, 0xbd)
  agg.lag_ports = p1
  p1.next_port_in_aggregator = p2
  local p3 = { aggregator = nil }
  local params = { mode = 4, miimon = 100, updelay = 0, downdelay = 0, peer_notif_delay = 0,
    use_carrier = 1, arp_interval = 0, missed_max = 2, arp_targets = {}, ns_targets = {}, arp_validate = 0,
    arp_all_targets = 0, primary_reselect = 0, fail_over_mac = 0, xmit_policy = 1, resend_igmp = 1,
    num_peer_notif = 1, all_slaves_active = 0, min_links = 1, lp_interval = 1, packets_per_slave = 1,
    lacp_active = 1, lacp_fast = 1, ad_select = 0, ad_actor_sys_prio = 65535, ad_user_port_key = 0,
    ad_actor_system = "00:00:00:00:00:00", tlb_dynamic_lb = 1 }
  local bond = { dev = bond_dev, params = params,
                 ad_info = { system = { sys_priority = 65535, sys_mac_addr = "02:00:00:00:00:01" } } }
  local function slave(name, p, perm)
    local s = { backup = false, link = 0, link_failure_count = 0, perm_hwaddr = perm, queue_id = 0,
                prio = 0, speed = 10000, duplex = 1, ad_info = { port = p }, bond = bond }
    return { dev = fake_dev(name), slave = s }
  end
  local slaves = { slave("eth1", p1, "02:00:00:00:00:01"), slave("eth2", p2, "02:00:00:00:00:02"),
                   slave("eth3", p3, "02:00:00:00:00:03") }
  bond.slaves = slaves
  return bond, slaves
end

-- run fn with kernel.net_link reading the synthetic bond
local function with_bond(bond, fn)
  local b, s, so = link.bonding, link.bond_slaves, link.slave_of
  link.bonding = function() return bond end
  link.bond_slaves = function() return bond.slaves end
  link.slave_of = function(dev)
    for _, e in ipairs(bond.slaves) do if e.dev == dev then return e.slave end end
    error("not a slave")
  end
  local ok, err = pcall(fn)
  link.bonding, link.bond_slaves, link.slave_of = b, s, so
  if not ok then error(err, 0) end
end

test("/proc/net/bonding of an 802.3ad bond: the 802.3ad info and per-slave LACP blocks", function()
  local bond = lacp_bond()
  -- drivers/net/bonding/bond_procfs.c (6.12) bond_info_show_master /
  -- bond_info_show_slave; ad_info from __bond_3ad_get_active_agg_info
  -- (bond_3ad.c: first slave whose aggregator is_active; ports =
  -- __agg_active_ports, the enabled ports of lag_ports); churn names from
  -- bond_3ad_churn_desc (include/net/bond_3ad.h)
  local slave_block = function(name, num, state, pstate, perm)
    return "\nSlave Interface: " .. name .. "\n" ..
      "MII Status: up\nSpeed: 10000 Mbps\nDuplex: full\nLink Failure Count: 0\n" ..
      "Permanent HW addr: " .. perm .. "\nSlave queue ID: 0\n" ..
      "Aggregator ID: 1\nActor Churn State: none\nPartner Churn State: churned\n" ..
      "Actor Churned Count: 0\nPartner Churned Count: 3\n" ..
      "details actor lacp pdu:\n    system priority: 65535\n    system mac address: 02:00:00:00:00:01\n" ..
      "    port key: 9\n    port priority: 255\n    port number: " .. num .. "\n    port state: " .. state .. "\n" ..
      "details partner lacp pdu:\n    system priority: 32768\n    system mac address: 52:54:00:aa:bb:cc\n" ..
      "    oper key: 13\n    port priority: 32768\n    port number: " .. (num + 10) .. "\n" ..
      "    port state: " .. pstate .. "\n"
  end
  local want = "Ethernet Channel Bonding Driver: v" .. kd.release() .. "\n\n" ..
    "Bonding Mode: IEEE 802.3ad Dynamic link aggregation\n" ..
    "Transmit Hash Policy: layer3+4 (1)\n" ..
    "MII Status: up\nMII Polling Interval (ms): 100\nUp Delay (ms): 0\nDown Delay (ms): 0\n" ..
    "Peer Notification Delay (ms): 0\n" ..
    "\n802.3ad info\nLACP active: on\nLACP rate: fast\nMin links: 1\n" ..
    "Aggregator selection policy (ad_select): stable\n" ..
    "System priority: 65535\nSystem MAC address: 02:00:00:00:00:01\n" ..
    "Active Aggregator Info:\n\tAggregator ID: 1\n\tNumber of ports: 2\n\tActor Key: 9\n" ..
    "\tPartner Key: 13\n\tPartner Mac Address: 52:54:00:aa:bb:cc\n" ..
    slave_block("eth1", 1, 61, 63, "02:00:00:00:00:01") ..
    slave_block("eth2", 2, 61, 189, "02:00:00:00:00:02") ..
    "\nSlave Interface: eth3\nMII Status: up\nSpeed: 10000 Mbps\nDuplex: full\nLink Failure Count: 0\n" ..
    "Permanent HW addr: 02:00:00:00:00:03\nSlave queue ID: 0\nAggregator ID: N/A\n"
  with_bond(bond, function()
    local got, why = link.proc_bonding(bond.dev)
    eq(why, nil, "no part left out")
    if got ~= want then error(first_diff(got, want), 0) end
  end)
end)

test("/proc/net/bonding: no active aggregator says so", function()
  local bond = lacp_bond()
  for _, e in ipairs(bond.slaves) do
    if e.slave.ad_info.port.aggregator then e.slave.ad_info.port.aggregator.is_active = 0 end
  end
  with_bond(bond, function()
    local got = link.proc_bonding(bond.dev)
    -- bond_info_show_master: "bond %s has no active aggregator\n"
    ok(got:find("System MAC address: 02:00:00:00:00:01\nbond bond1 has no active aggregator\n\nSlave Interface: eth1\n", 1, true),
       "no-aggregator line in place")
  end)
end)

test("ip -d link of an 802.3ad bond and its slaves: ad_info and the LACP port states", function()
  local bond = lacp_bond()
  with_bond(bond, function()
    -- bond_fill_info (IFLA_BOND_AD_INFO nest when an aggregator is active)
    -- as iproute2 6.1 bond_print_opt prints it: ad_aggregator .. ad_partner_mac,
    -- then ad_actor_sys_prio, ad_user_port_key, ad_actor_system
    local txt, why = link.info_data(bond.dev, "bond")
    eq(why, nil, "bond info complete")
    ok(txt:find("lacp_active on lacp_rate fast ad_select stable ad_aggregator 1 ad_num_ports 2 " ..
                "ad_actor_key 9 ad_partner_key 13 ad_partner_mac 52:54:00:aa:bb:cc ad_actor_sys_prio 65535 " ..
                "ad_user_port_key 0 ad_actor_system 00:00:00:00:00:00 tlb_dynamic_lb 1 ", 1, true), txt)
    -- bond_fill_slave_info + bond_slave_print_opt/print_slave_oper_state:
    -- open_json_array(PRINT_ANY, name) prints the name in text mode
    local s1 = link.slave_data(bond.slaves[2].dev, "bond")
    eq(s1, "state ACTIVE mii_status UP link_failure_count 0 perm_hwaddr 02:00:00:00:00:02 queue_id 0 " ..
           "prio 0 ad_aggregator_id 1 ad_actor_oper_port_state 61 ad_actor_oper_port_state_str " ..
           "<active,aggregating,in_sync,collecting,distributing> ad_partner_oper_port_state 189 " ..
           "ad_partner_oper_port_state_str <active,aggregating,in_sync,collecting,distributing,expired> ",
       "bond_slave line")
    local s3 = link.slave_data(bond.slaves[3].dev, "bond")
    eq(s3, "state ACTIVE mii_status UP link_failure_count 0 perm_hwaddr 02:00:00:00:00:03 queue_id 0 prio 0 ",
       "a port without aggregator sends no ad_* attribute")
  end)
end)

-- }======
