-- kernel/net_link.lua: the per-kind link details of `ip -d link` /
-- `ip -d address` (IFLA_INFO_DATA and IFLA_INFO_SLAVE_DATA as each
-- driver's rtnl_link_ops fill_info / fill_slave_info puts them, printed as
-- iproute2 6.1's print_opt does), and the /proc/net/bonding and
-- /proc/net/vlan files of the same drivers.
--
-- Driver structs live in modules (bonding, 8021q, bridge, macvlan, vxlan,
-- tun...): a kind whose types are missing from the debuginfo gives
-- nil, reason, and the caller marks that link's line incomplete.
--
-- Mirrors: drivers/net/bonding/bond_netlink.c, drivers/net/bonding/bond_procfs.c,
--   net/8021q/vlan_netlink.c, net/8021q/vlanproc.c, drivers/net/tun.c,
--   drivers/net/macvlan.c, net/bridge/br_netlink.c

local net = require("kernel.net")
local errmsg = require("kernel.fs").errmsg

local M = {}

local pval, has_member = net.pval, net.has_member

local function need(t)
  if not kd.has_type(t) then error(t .. ": no type information (module debuginfo missing)", 0) end
end

-- {====== bonding ======

local BOND_MODES = { [0] = "balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad",
  "balance-tlb", "balance-alb" }
local ARP_VALIDATE = { [0] = "none", "active", "backup", "all", "filter", "filter_active", "filter_backup" }
local ARP_ALL_TARGETS = { [0] = "any", "all" }
local PRIMARY_RESELECT = { [0] = "always", "better", "failure" }
local FAIL_OVER_MAC = { [0] = "none", "active", "follow" }
local XMIT_HASH = { [0] = "layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4", "vlan+srcmac" }
local LACP_ACTIVE = { [0] = "off", "on" }
local LACP_RATE = { [0] = "slow", "fast" }
local AD_SELECT = { [0] = "stable", "bandwidth", "count" }
local function name_of(tbl, i) return tbl[i] or "UNKNOWN" end      -- iproute2 get_name()
M.BOND_MODES = BOND_MODES

-- the struct bonding of a bond device (its netdev_priv)
function M.bonding(dev)
  need("struct bonding")
  return kd.object("struct bonding", net.netdev_priv(dev))
end

-- bond_uses_primary(): active-backup, balance-tlb, balance-alb
local function uses_primary(mode) return mode == 1 or mode == 5 or mode == 6 end

local function slave_name(slave_ptr)
  if slave_ptr == nil then return nil end
  return net.devname(slave_ptr.dev)
end

local function ip6_text(obj)
  return net.ip6(kd.read(obj:address_(), 16))
end

-- a MAC address member (u8[6] or struct mac_addr) as "%pM" prints it; the
-- tests hand in the text itself
local function mac_of(o, n)
  if type(o) == "string" then return o end
  return net.mac(o:address_(), n or 6)
end

local function truthy(v) return v == true or (type(v) == "number" and v ~= 0) end

-- the slaves of a bond in bond_for_each_slave order (the lower adjacency
-- list): { dev = net_device, slave = struct slave } each
function M.bond_slaves(bond)
  local out = {}
  for adj in kd.list(bond.dev.adj_list.lower, "struct netdev_adjacent", "list") do
    out[#out + 1] = { dev = adj.dev, slave = M.slave_of(adj.dev) }
  end
  return out
end

-- __agg_active_ports(): the enabled ports of an aggregator's lag_ports chain
local function agg_active_ports(agg)
  local n, port, guard = 0, agg.lag_ports, 0
  while port ~= nil and guard < 4096 do
    if truthy(port.is_enabled) then n = n + 1 end
    port = port.next_port_in_aggregator
    guard = guard + 1
  end
  return n
end

-- __bond_3ad_get_active_agg_info() (drivers/net/bonding/bond_3ad.c, 6.1 =
-- 6.12): the first slave whose port sits in an active aggregator gives the
-- aggregator; nil when none is active
function M.active_agg_info(bond)
  for _, e in ipairs(M.bond_slaves(bond)) do
    local agg = e.slave.ad_info.port.aggregator
    if agg ~= nil and truthy(agg.is_active) then
      return { aggregator_id = agg.aggregator_identifier, ports = agg_active_ports(agg),
               actor_key = agg.actor_oper_aggregator_key, partner_key = agg.partner_oper_aggregator_key,
               partner_system = mac_of(agg.partner_system) }
    end
  end
  return nil
end

-- bond_fill_info() as bond_print_opt() prints it
local function bond_info(dev)
  local bond = M.bonding(dev)
  local p = bond.params
  local mode = p.mode
  local miimon = p.miimon
  local out = {}
  local function put(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  put("mode %s ", name_of(BOND_MODES, mode))
  if uses_primary(mode) then
    local a = slave_name(bond.curr_active_slave)
    if a then put("active_slave %s ", a) end
  end
  put("miimon %d ", miimon)
  put("updelay %d ", p.updelay * miimon)
  put("downdelay %d ", p.downdelay * miimon)
  -- IFLA_BOND_PEER_NOTIF_DELAY: 5.3 "bonding: add an option to specify a delay between peer notifications"
  if has_member("struct bond_params", "peer_notif_delay") then
    put("peer_notify_delay %d ", p.peer_notif_delay * miimon)
  end
  put("use_carrier %d ", p.use_carrier)
  put("arp_interval %d ", p.arp_interval)
  -- IFLA_BOND_MISSED_MAX: 5.18 "bonding: add missed_max option"
  if has_member("struct bond_params", "missed_max") then put("arp_missed_max %d ", p.missed_max) end
  local targets = {}
  for i = 0, #p.arp_targets - 1 do
    local t = p.arp_targets[i]
    if t ~= 0 then targets[#targets + 1] = net.ip4(t) end
  end
  if #targets > 0 then put("arp_ip_target %s ", table.concat(targets, ",")) end
  -- IFLA_BOND_NS_IP6_TARGET: 5.19 "bonding: add new parameter ns_targets"
  if has_member("struct bond_params", "ns_targets") then
    local ns = {}
    for i = 0, #p.ns_targets - 1 do
      local b = kd.read(p.ns_targets[i]:address_(), 16)
      if b ~= string.rep("\0", 16) then ns[#ns + 1] = net.ip6(b) end
    end
    if #ns > 0 then put("ns_ip6_target %s ", table.concat(ns, ",")) end
  end
  put("arp_validate %s ", name_of(ARP_VALIDATE, p.arp_validate))
  put("arp_all_targets %s ", name_of(ARP_ALL_TARGETS, p.arp_all_targets))
  local prim = slave_name(bond.primary_slave)
  if prim then put("primary %s ", prim) end
  put("primary_reselect %s ", name_of(PRIMARY_RESELECT, p.primary_reselect))
  put("fail_over_mac %s ", name_of(FAIL_OVER_MAC, p.fail_over_mac))
  put("xmit_hash_policy %s ", name_of(XMIT_HASH, p.xmit_policy))
  put("resend_igmp %d ", p.resend_igmp)
  put("num_grat_arp %d ", p.num_peer_notif)
  put("all_slaves_active %d ", p.all_slaves_active)
  put("min_links %d ", p.min_links)
  put("lp_interval %d ", p.lp_interval)
  put("packets_per_slave %d ", p.packets_per_slave)
  -- IFLA_BOND_AD_LACP_ACTIVE: 5.15 "bonding: add new option lacp_active"
  if has_member("struct bond_params", "lacp_active") then
    put("lacp_active %s ", name_of(LACP_ACTIVE, p.lacp_active))
  end
  put("lacp_rate %s ", name_of(LACP_RATE, p.lacp_fast))
  put("ad_select %s ", name_of(AD_SELECT, p.ad_select))
  if mode == 4 then
    -- IFLA_BOND_AD_INFO, sent only when bond_3ad_get_active_agg_info() finds one
    local info = M.active_agg_info(bond)
    if info then
      put("ad_aggregator %d ", info.aggregator_id)
      put("ad_num_ports %d ", info.ports)
      put("ad_actor_key %d ", info.actor_key)
      put("ad_partner_key %d ", info.partner_key)
      put("ad_partner_mac %s ", info.partner_system)
    end
    put("ad_actor_sys_prio %d ", p.ad_actor_sys_prio)
    put("ad_user_port_key %d ", p.ad_user_port_key)
    put("ad_actor_system %s ", mac_of(p.ad_actor_system))
  end
  put("tlb_dynamic_lb %d ", p.tlb_dynamic_lb)
  return table.concat(out)
end

local SLAVE_STATES = { [0] = "ACTIVE", "BACKUP" }
local MII_STATUS = { [0] = "UP", "GOING_DOWN", "DOWN", "GOING_BACK" }

-- the struct slave of an enslaved device: dev->rx_handler_data
function M.slave_of(dev)
  need("struct slave")
  local p = pval(dev:member_("rx_handler_data"))
  if p == 0 then error(net.devname(dev) .. ": no rx_handler_data", 0) end
  return kd.object("struct slave", p)
end

-- iproute2 6.1 print_slave_oper_state(): " <" names joined by "," "> "
local LACP_STATES = { { 0x1, "active" }, { 0x2, "short_timeout" }, { 0x4, "aggregating" },
  { 0x8, "in_sync" }, { 0x10, "collecting" }, { 0x20, "distributing" }, { 0x40, "defaulted" },
  { 0x80, "expired" } }
local function lacp_state_text(state)
  local names = {}
  for _, b in ipairs(LACP_STATES) do
    if (state & b[1]) ~= 0 then names[#names + 1] = b[2] end
  end
  return " <" .. table.concat(names, ",") .. "> "
end

-- bond_fill_slave_info() as bond_slave_print_opt() prints it
local function bond_slave_info(dev)
  local s = M.slave_of(dev)
  local out = {}
  local function put(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  local backup = s.backup
  put("state %s ", SLAVE_STATES[(backup == true or backup == 1) and 1 or 0])
  put("mii_status %s ", MII_STATUS[s.link] or "UNKNOWN")
  put("link_failure_count %d ", s.link_failure_count)
  put("perm_hwaddr %s ", mac_of(s.perm_hwaddr, dev.addr_len))
  put("queue_id %d ", s.queue_id)
  -- IFLA_BOND_SLAVE_PRIO: 6.0 "bonding: add slave prio option"
  if has_member("struct slave", "prio") then put("prio %d ", s.prio) end
  -- bond_fill_slave_info's 802.3ad attributes (when the port has an
  -- aggregator); iproute2 6.1 prints the oper states as a number and as
  -- print_slave_oper_state()'s list, whose open_json_array() prints its name
  if s.bond.params.mode == 4 then
    local port = s.ad_info.port
    local agg = port.aggregator
    if agg ~= nil then
      put("ad_aggregator_id %d ", agg.aggregator_identifier)
      local function oper(label, state)
        put("%s %d ", label, state)
        out[#out + 1] = label .. "_str" .. lacp_state_text(state)
      end
      oper("ad_actor_oper_port_state", port.actor_oper_port_state & 0xff)
      -- the kernel puts a u16, iproute2 reads a u8 of it (little-endian: the low byte)
      oper("ad_partner_oper_port_state", port.partner_oper.port_state & 0xff)
    end
  end
  return table.concat(out)
end

-- /proc/net/bonding/<bond> (drivers/net/bonding/bond_procfs.c, the same in
-- 6.1 and 6.12 but for READ_ONCE), 802.3ad aggregator and LACP details included
-- bond_3ad_churn_desc() (include/net/bond_3ad.h): values past the table are "unknown"
local CHURN = { [0] = "monitoring", "churned", "none" }
local function churn_desc(state) return CHURN[state] or "unknown" end
-- text of /proc/net/bonding/<bond> for a bond device
function M.proc_bonding(dev)
  local bond = M.bonding(dev)
  local p = bond.params
  local mode = p.mode
  local out = {}
  local function put(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  -- bond_info_seq_start(): "Ethernet Channel Bonding Driver: v" UTS_RELEASE
  put("Ethernet Channel Bonding Driver: v%s\n\n", kd.release())
  local mode_names = { [0] = "load balancing (round-robin)", "fault-tolerance (active-backup)",
    "load balancing (xor)", "fault-tolerance (broadcast)", "IEEE 802.3ad Dynamic link aggregation",
    "transmit load balancing", "adaptive load balancing" }
  put("Bonding Mode: %s", mode_names[mode] or "unknown")
  if mode == 1 and p.fail_over_mac ~= 0 then
    put(" (fail_over_mac %s)", name_of(FAIL_OVER_MAC, p.fail_over_mac))
  end
  put("\n")
  -- bond_mode_uses_xmit_hash(): 802.3ad, xor, or tlb without dynamic lb
  if mode == 2 or mode == 4 or (mode == 5 and p.tlb_dynamic_lb == 0) then
    put("Transmit Hash Policy: %s (%d)\n", name_of(XMIT_HASH, p.xmit_policy), p.xmit_policy)
  end
  if uses_primary(mode) then
    local prim = slave_name(bond.primary_slave)
    put("Primary Slave: %s", prim or "None")
    if prim then
      put(" (primary_reselect %s)", name_of(PRIMARY_RESELECT, p.primary_reselect))
    end
    put("\nCurrently Active Slave: %s\n", slave_name(bond.curr_active_slave) or "None")
  end
  put("MII Status: %s\n", net.carrier_ok(bond.dev) and "up" or "down")
  put("MII Polling Interval (ms): %d\n", p.miimon)
  put("Up Delay (ms): %d\n", p.updelay * p.miimon)
  put("Down Delay (ms): %d\n", p.downdelay * p.miimon)
  -- 5.3 "bonding: add an option to specify a delay between peer notifications"
  if has_member("struct bond_params", "peer_notif_delay") then
    put("Peer Notification Delay (ms): %d\n", p.peer_notif_delay * p.miimon)
  end
  if p.arp_interval > 0 then
    put("ARP Polling Interval (ms): %d\n", p.arp_interval)
    if has_member("struct bond_params", "missed_max") then
      put("ARP Missed Max: %d\n", p.missed_max)
    end
    -- " %pI4" each, "," between, up to the first empty slot
    local t = {}
    for i = 0, #p.arp_targets - 1 do
      local a = p.arp_targets[i]
      if a == 0 then break end
      t[#t + 1] = " " .. net.ip4(a)
    end
    put("ARP IP target/s (n.n.n.n form):%s\n", table.concat(t, ","))
    if has_member("struct bond_params", "ns_targets") then
      local n6 = {}
      for i = 0, #p.ns_targets - 1 do
        local b = kd.read(p.ns_targets[i]:address_(), 16)
        if b == string.rep("\0", 16) then break end
        n6[#n6 + 1] = " " .. net.ip6(b)
      end
      put("NS IPv6 target/s (xx::xx form):%s\n", table.concat(n6, ","))
    end
  end
  -- bond_info_show_master()'s 802.3ad block (the CAP_NET_ADMIN part
  -- included: sos reads the file as root)
  if mode == 4 then
    put("\n802.3ad info\n")
    -- 5.15 "bonding: add new option lacp_active" added the line
    if has_member("struct bond_params", "lacp_active") then
      put("LACP active: %s\n", truthy(p.lacp_active) and "on" or "off")
    end
    put("LACP rate: %s\n", truthy(p.lacp_fast) and "fast" or "slow")
    put("Min links: %d\n", p.min_links)
    put("Aggregator selection policy (ad_select): %s\n", name_of(AD_SELECT, p.ad_select))
    local sys = bond.ad_info.system
    put("System priority: %d\n", sys.sys_priority)
    put("System MAC address: %s\n", mac_of(sys.sys_mac_addr))
    local info = M.active_agg_info(bond)
    if info == nil then
      put("bond %s has no active aggregator\n", net.devname(bond.dev))
    else
      put("Active Aggregator Info:\n")
      put("\tAggregator ID: %d\n", info.aggregator_id)
      put("\tNumber of ports: %d\n", info.ports)
      put("\tActor Key: %d\n", info.actor_key)
      put("\tPartner Key: %d\n", info.partner_key)
      put("\tPartner Mac Address: %s\n", info.partner_system)
    end
  end
  -- slaves, in bond order (bond_for_each_slave: the lower adjacency list)
  for _, e in ipairs(M.bond_slaves(bond)) do
    local sdev, s = e.dev, e.slave
    put("\nSlave Interface: %s\n", net.devname(sdev))
    put("MII Status: %s\n", ({ [0] = "up", "going down", "down", "going back" })[s.link] or "unknown")
    put("Speed: %s\n", (s.speed & 0xffffffff) == 0xffffffff and "Unknown" or (tostring(s.speed) .. " Mbps"))
    local duplex = s.duplex
    put("Duplex: %s\n", duplex == 0xff and "Unknown" or (duplex ~= 0 and "full" or "half"))
    put("Link Failure Count: %d\n", s.link_failure_count)
    put("Permanent HW addr: %s\n", mac_of(s.perm_hwaddr, sdev.addr_len))
    put("Slave queue ID: %d\n", s.queue_id)
    if mode == 4 then
      -- bond_info_show_slave()'s 802.3ad part
      local port = s.ad_info.port
      local agg = port.aggregator
      if agg == nil then
        put("Aggregator ID: N/A\n")
      else
        put("Aggregator ID: %d\n", agg.aggregator_identifier)
        put("Actor Churn State: %s\n", churn_desc(port.sm_churn_actor_state))
        put("Partner Churn State: %s\n", churn_desc(port.sm_churn_partner_state))
        put("Actor Churned Count: %d\n", port.churn_actor_count)
        put("Partner Churned Count: %d\n", port.churn_partner_count)
        put("details actor lacp pdu:\n")
        put("    system priority: %d\n", port.actor_system_priority)
        put("    system mac address: %s\n", mac_of(port.actor_system))
        put("    port key: %d\n", port.actor_oper_port_key)
        put("    port priority: %d\n", port.actor_port_priority)
        put("    port number: %d\n", port.actor_port_number)
        put("    port state: %d\n", port.actor_oper_port_state)
        local po = port.partner_oper
        put("details partner lacp pdu:\n")
        put("    system priority: %d\n", po.system_priority)
        put("    system mac address: %s\n", mac_of(po.system))
        put("    oper key: %d\n", po.key)
        put("    port priority: %d\n", po.port_priority)
        put("    port number: %d\n", po.port_number)
        put("    port state: %d\n", po.port_state)
      end
    end
  end
  return table.concat(out)
end

-- the bonding devices of a namespace, in device order
function M.bonds(n) return net.devices_of_kind(n, "bond") end

-- }======

-- {====== 802.1Q VLAN ======

-- the struct vlan_dev_priv of a VLAN device (its netdev_priv)
function M.vlan_priv(dev)
  need("struct vlan_dev_priv")
  return kd.object("struct vlan_dev_priv", net.netdev_priv(dev))
end

local VLAN_FLAGS = { { 0x1, "REORDER_HDR" }, { 0x2, "GVRP" }, { 0x4, "LOOSE_BINDING" },
  { 0x8, "MVRP" }, { 0x10, "BRIDGE_BINDING" } }

-- vlan_fill_info() as iproute2 6.1's vlan_print_opt() prints it
local function vlan_info(dev)
  local v = M.vlan_priv(dev)
  local proto = net.ntohs(v.vlan_proto)
  local out = {}
  out[#out + 1] = string.format("protocol %s ", proto == 0x8100 and "802.1Q" or
    (proto == 0x88a8 and "802.1ad" or string.format("%04x", proto)))
  out[#out + 1] = string.format("id %d ", v.vlan_id)
  local f = v.flags
  if f ~= 0 then
    local names = {}
    for _, fl in ipairs(VLAN_FLAGS) do if f & fl[1] ~= 0 then names[#names + 1] = fl[2] end end
    out[#out + 1] = "<" .. table.concat(names, ",") .. "> "
  end
  -- vlan_print_map(): on a new line, "      ingress-qos-map { from:to ... } "
  if v.nr_ingress_mappings ~= 0 then
    local m = {}
    for i = 0, 7 do
      local to = v.ingress_priority_map[i]
      if to ~= 0 then m[#m + 1] = string.format("%d:%d ", i, to) end
    end
    out[#out + 1] = "\n      ingress-qos-map { " .. table.concat(m) .. "} "
  end
  if v.nr_egress_mappings ~= 0 then
    local m = {}
    for i = 0, 15 do
      local mp = v.egress_priority_map[i]
      local guard = 0
      while mp ~= nil and guard < 64 do
        if mp.vlan_qos ~= 0 then m[#m + 1] = string.format("%d:%d ", mp.priority, (mp.vlan_qos >> 13) & 7) end
        mp = mp.next
        guard = guard + 1
      end
    end
    out[#out + 1] = "\n      egress-qos-map { " .. table.concat(m) .. "} "
  end
  return table.concat(out)
end

-- }======

-- the VLAN devices of a namespace, in device order
function M.vlans(n) return net.devices_of_kind(n, "vlan") end

-- is the 8021q module loaded (then /proc/net/vlan/config exists)
function M.vlan_loaded()
  return kd.symbol_address("vlan_net_id") ~= nil
end

-- /proc/net/vlan/config (net/8021q/vlanproc.c vlan_seq_show): the name
-- type of the namespace's vlan_net (net_generic(net, vlan_net_id)), then
-- one line per VLAN device
function M.proc_vlan_config(n)
  n = n or net.init_net()
  need("struct vlan_net")
  local p, why = net.net_generic(n, "vlan_net_id")
  if not p then error(why, 0) end
  local vn = kd.object("struct vlan_net", p)
  local nt = vn.name_type
  local names = kd.symbol("vlan_name_type_str")
  local nmtype = "UNKNOWN"
  if nt < #names then
    local sp = pval(names[nt])
    if sp ~= 0 then nmtype = kd.read_string(sp, 64) end
  end
  local out = { "VLAN Dev name\t | VLAN ID\n", "Name-Type: " .. nmtype .. "\n" }
  for _, dev in ipairs(M.vlans(n)) do
    local v = M.vlan_priv(dev)
    out[#out + 1] = string.format("%-15s| %d  | %s\n", net.devname(dev), v.vlan_id, net.devname(v.real_dev))
  end
  return table.concat(out)
end

-- /proc/net/vlan/<dev> (vlandev_seq_show)
function M.proc_vlan_dev(dev)
  local v = M.vlan_priv(dev)
  local s, why = net.link_stats(dev)
  local out = {}
  local function put(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  -- 6.12 prints (u32)priv_flags with %x, 6.1 the unsigned long long with %llx
  put("%s  VID: %d\t REORDER_HDR: %d  dev->priv_flags: %x\n", net.devname(dev), v.vlan_id,
      v.flags & 1, dev.priv_flags & 0xffffffff)
  local function row(label, val) put("%30s %12s\n", label, net.u64s(val)) end
  row("total frames received", s.rx_packets)
  row("total bytes received", s.rx_bytes)
  row("Broadcast/Multicast Rcvd", s.multicast)
  put("\n")
  row("total frames transmitted", s.tx_packets)
  row("total bytes transmitted", s.tx_bytes)
  put("Device: %s", net.devname(v.real_dev))
  local m = v.ingress_priority_map
  put("\nINGRESS priority mappings: 0:%d  1:%d  2:%d  3:%d  4:%d  5:%d  6:%d 7:%d\n",
      m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7])
  put(" EGRESS priority mappings: ")
  for i = 0, 15 do
    local mp = v.egress_priority_map[i]
    local guard = 0
    while mp ~= nil and guard < 64 do
      put("%d:%d ", mp.priority, (mp.vlan_qos >> 13) & 0x7)
      mp = mp.next
      guard = guard + 1
    end
  end
  put("\n")
  return table.concat(out), why
end

-- {====== tun/tap ======

-- tun_fill_info() (drivers/net/tun.c, 6.1 = 6.12) as iproute2's
-- tun_print_opt prints it: type, pi, vnet_hdr, multi_queue [numqueues
-- numdisabled], persist, owner/group (iproute2 prints the passwd/group
-- names the live system had: numeric here, with a reason)
local function tun_info(dev)
  local tun = M.priv(dev, "struct tun_struct")
  local f = tun.flags
  local out = {}
  local function put(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  local t = f & 0xf
  put("type %s ", t == 1 and "tun" or (t == 2 and "tap" or ("UNKNOWN:" .. t)))
  put("pi %s ", (f & 0x1000) == 0 and "on" or "off")                -- !IFF_NO_PI
  put("vnet_hdr %s ", (f & 0x4000) ~= 0 and "on" or "off")
  if (f & 0x0100) ~= 0 then
    put("multi_queue ")
    put("numqueues %d ", tun.numqueues)
    put("numdisabled %d ", tun.numdisabled)
  end
  put("persist %s ", (f & 0x0800) ~= 0 and "on" or "off")
  local why
  local owner, group = require("kernel.fs").kid(tun.owner), require("kernel.fs").kid(tun.group)
  if owner ~= 0xffffffff and owner ~= -1 then put("user %d ", owner); why = "tun owner shown numeric (no passwd)" end
  if group ~= 0xffffffff and group ~= -1 then put("group %d ", group); why = "tun owner/group shown numeric (no passwd)" end
  return table.concat(out), why
end

-- }======

-- {====== macvlan / macvtap ======

-- macvlan_fill_info() (drivers/net/macvlan.c) as iproute2 6.1's
-- macvlan_print_opt prints it (bc_cutoff, 6.4+, is not printed by 6.1)
local MACVLAN_MODES = { [1] = "private", [2] = "vepa", [4] = "bridge", [8] = "passthru", [16] = "source" }
local function macvlan_info(dev)
  local v = M.priv(dev, "struct macvlan_dev")
  local out = {}
  local function put(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  put("mode %s ", MACVLAN_MODES[v.mode] or "unknown")
  if v.flags & 1 ~= 0 then put("nopromisc ") end
  if v.flags & 2 ~= 0 then put("nodst ") end
  put("bcqueuelen %d ", v.bc_queue_len_req)
  put("usedbcqueuelen %d ", v.port.bc_queue_len_used)
  if v.mode == 16 then
    put("remotes (%d) ", v.macaddr_count)
    if v.macaddr_count > 0 then
      -- the port's vlan_source_hash entries that belong to this device
      local h = v.port.vlan_source_hash
      for i = 0, #h - 1 do
        for e in kd.hlist(h[i], "struct macvlan_source_entry", "hlist") do
          if pval(e:member_("vlan")) == pval(v) then put("%s ", net.mac(e.addr:address_(), 6)) end
        end
      end
    end
  end
  return table.concat(out)
end

-- }======

-- {====== ipip / sit ======

-- ipip_fill_info / ipip6_fill_info (net/ipv4/ipip.c, net/ipv6/sit.c) as
-- iproute2 6.1's iptunnel_print_opt prints them
local function iptun_info(dev, sit)
  local t = M.priv(dev, "struct ip_tunnel")
  local parm = t.parms
  local iph = parm.iph
  local out = {}
  local why
  local function put(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  if t.collect_md == true or t.collect_md == 1 then put("external ") end
  local proto = iph.protocol
  local pn = ({ [4] = "ipip", [41] = "ip6ip", [137] = "mplsip", [0] = "any" })[proto]
  if pn then put("%s ", pn) end
  local function ep(name, a) put("%s %s ", name, a == 0 and "any" or net.ip4(a)) end
  ep("remote", iph.daddr)
  ep("local", iph.saddr)
  if parm.link ~= 0 then
    local d = net.dev_by_index(net.init_net())[parm.link]
    put("dev %s ", d and net.devname(d) or ("if" .. parm.link))
  end
  local ttl, tos = iph.ttl, iph.tos
  if ttl ~= 0 then put("ttl %d ", ttl) else put("ttl inherit ") end
  if tos ~= 0 then
    if tos ~= 1 then put("tos %#x ", tos) else put("tos inherit ") end
  end
  -- PMTUDISC: the DF bit of frag_off (network order: 0x0040 as read here)
  put((net.ntohs(iph.frag_off) & 0x4000) ~= 0 and "pmtudisc " or "nopmtudisc ")
  if sit then
    -- SIT_ISATAP of IFLA_IPTUN_FLAGS: ipip6_tunnel_create (net/ipv6/sit.c)
    -- marks an ISATAP tunnel with IFF_ISATAP in priv_flags, the same in 6.1
    -- (__be16 i_flags) and 6.10+ (the bitmap of "ip_tunnel: convert __be16
    -- tunnel flags to bitmaps")
    local okf, isatap = pcall(kd.enum_value, "enum netdev_priv_flags", "IFF_ISATAP")
    if okf and (dev.priv_flags & isatap) ~= 0 then put("isatap ") end
    if has_member("struct ip_tunnel", "ip6rd") and t.ip6rd.prefixlen ~= 0 then
      put("6rd-prefix %s/%d ", net.ip6(kd.read(t.ip6rd.prefix:address_(), 16)), t.ip6rd.prefixlen)
      if t.ip6rd.relay_prefix ~= 0 then
        put("6rd-relay_prefix %s/%d ", net.ip4(t.ip6rd.relay_prefix), t.ip6rd.relay_prefixlen)
      end
    end
  end
  if has_member("struct ip_tunnel", "fwmark") and t.fwmark ~= 0 then put("fwmark %#x ", t.fwmark) end
  if t.encap.type ~= 0 then why = "FOU/GUE encapsulation options not rebuilt" end
  return table.concat(out), why
end

-- }======

-- {====== bridge / bridge_slave ======

-- the driver area of a device as a struct of type tname (netdev_priv); the
-- tests hand in synthetic objects by replacing it
function M.priv(dev, tname)
  need(tname)
  return kd.object(tname, net.netdev_priv(dev))
end

-- the struct net_bridge_port of a bridge port: dev->rx_handler_data
-- (br_port_get_rtnl)
function M.brport(dev)
  need("struct net_bridge_port")
  local p = pval(dev:member_("rx_handler_data"))
  if p == 0 then error(net.devname(dev) .. ": no rx_handler_data", 0) end
  return kd.object("struct net_bridge_port", p)
end

-- a bit of br->options: enum net_bridge_opts from the bridge module's types
function M.bropt_bit(name)
  return kd.enum_value("enum net_bridge_opts", name)
end

local function br_opt(br, name)
  local ok, bit = pcall(M.bropt_bit, name)
  if not ok then return nil end
  return (br.options >> bit) & 1
end

-- the number of attributes a static nla_policy array of the kernel has
-- room for (its IFLA_*_MAX + 1), nil when the debuginfo lacks it
function M.policy_len(sym)
  local ok, pol = pcall(kd.symbol, sym)
  if ok and pol ~= nil then return #pol end
  return nil
end

-- jiffies_to_clock_t (USER_HZ = 100)
local function clock_t(j) return require("kernel.net_proc").jiffies_to_clock_t(j) end

-- br_timer_value(): the time left on a pending timer, 0 otherwise
-- (timer_pending: entry.pprev set)
local function br_timer_value(t)
  if t.entry.pprev == nil or t.entry.pprev == 0 then return 0 end
  return clock_t(t.expires - require("kernel.time").jiffies())
end

-- iproute2 6.1 _bridge_print_timer / _print_timer: __jiffies_to_tv then
-- "%s %4i.%.2i " (the value is in USER_HZ ticks: seconds and hundredths)
local function timer_text(name, v)
  return string.format("%s %4d.%02d ", name, v // 100, v % 100)
end

-- br_dump_bridge_id(): "%.2x%.2x." then glibc's ether_ntoa_r ("%x:%x:..",
-- no leading zeros); addr is a u8[6] member (or its 6 bytes in the tests)
local function bridge_id_text(id)
  local raw = id.addr
  if type(raw) ~= "string" then raw = kd.read(raw:address_(), 6) end
  local parts = {}
  for i = 1, 6 do parts[i] = string.format("%x", raw:byte(i)) end
  return string.format("%02x%02x.%s", id.prio[0], id.prio[1], table.concat(parts, ":"))
end

local function on_off(b) return b and "on" or "off" end

-- br_fill_info() (net/bridge/br_netlink.c) as iproute2 6.1's
-- bridge_print_opt prints it, in its order; iproute2 6.1 prints the
-- BRIDGE_ID attribute for designated_root too (it reads
-- tb[IFLA_BR_BRIDGE_ID] there), which is repeated here
local function bridge_info(dev)
  local br = M.priv(dev, "struct net_bridge")
  local out = {}
  local function put(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  put("forward_delay %d ", clock_t(br.forward_delay))
  put("hello_time %d ", clock_t(br.hello_time))
  put("max_age %d ", clock_t(br.max_age))
  put("ageing_time %d ", clock_t(br.ageing_time))
  put("stp_state %d ", br.stp_enabled)
  put("priority %d ", (br.bridge_id.prio[0] << 8) | br.bridge_id.prio[1])
  put("vlan_filtering %d ", br_opt(br, "BROPT_VLAN_ENABLED") or 0)
  -- CONFIG_BRIDGE_VLAN_FILTERING: struct net_bridge has vlan_proto
  local vlan_filtering = has_member("struct net_bridge", "vlan_proto")
  if vlan_filtering then
    local proto = net.ntohs(br.vlan_proto)
    put("vlan_protocol %s ", proto == 0x8100 and "802.1Q" or (proto == 0x88a8 and "802.1ad" or ("[" .. proto .. "]")))
  end
  local bid = bridge_id_text(br.bridge_id)
  put("bridge_id %s ", bid)
  put("designated_root %s ", bid)
  put("root_port %d ", br.root_port)
  put("root_path_cost %d ", br.root_path_cost)
  put("topology_change %d ", truthy(br.topology_change) and 1 or 0)
  put("topology_change_detected %d ", truthy(br.topology_change_detected) and 1 or 0)
  out[#out + 1] = timer_text("hello_timer", br_timer_value(br.hello_timer))
  out[#out + 1] = timer_text("tcn_timer", br_timer_value(br.tcn_timer))
  out[#out + 1] = timer_text("topology_change_timer", br_timer_value(br.topology_change_timer))
  -- 4.14 turned the gc timer into gc_work (a delayed_work)
  local gct = has_member("struct net_bridge", "gc_work") and br.gc_work.timer or br.gc_timer
  out[#out + 1] = timer_text("gc_timer", br_timer_value(gct))
  if vlan_filtering then
    put("vlan_default_pvid %d ", br.default_pvid)
    put("vlan_stats_enabled %d ", br_opt(br, "BROPT_VLAN_STATS_ENABLED") or 0)
    put("vlan_stats_per_port %d ", br_opt(br, "BROPT_VLAN_STATS_PER_PORT") or 0)
  end
  put("group_fwd_mask %s ", br.group_fwd_mask == 0 and "0" or string.format("%#x", br.group_fwd_mask))
  put("group_address %s ", mac_of(br.group_addr))
  -- CONFIG_BRIDGE_IGMP_SNOOPING: 5.14 moved the bridge's multicast
  -- settings into br->multicast_ctx ("net: bridge: multicast: add context support")
  local igmp = has_member("struct net_bridge", "multicast_ctx") or has_member("struct net_bridge", "multicast_router")
  local mc = has_member("struct net_bridge", "multicast_ctx") and br.multicast_ctx or br
  if igmp then put("mcast_snooping %d ", br_opt(br, "BROPT_MULTICAST_ENABLED") or 0) end
  -- IFLA_BR_MULTI_BOOLOPT: optmask = GENMASK(BR_BOOLOPT_MAX - 1, 0)
  local okm, bmax = true, M.boolopt_max    -- the tests' answer, else the bridge's enum
  if bmax == nil then okm, bmax = pcall(kd.enum_value, "enum br_boolopt_id", "BR_BOOLOPT_MAX") end
  if okm then
    if bmax > 0 then put("no_linklocal_learn %d ", br_opt(br, "BROPT_NO_LL_LEARN") or 0) end
    if bmax > 1 then put("mcast_vlan_snooping %d ", br_opt(br, "BROPT_MCAST_VLAN_SNOOPING_ENABLED") or 0) end
  end
  if igmp then
    put("mcast_router %d ", mc.multicast_router)
    put("mcast_query_use_ifaddr %d ", br_opt(br, "BROPT_MULTICAST_QUERY_USE_IFADDR") or 0)
    put("mcast_querier %d ", mc.multicast_querier)
    put("mcast_hash_elasticity %d ", 16)                 -- RHT_ELASTICITY (lib/rhashtable.c)
    put("mcast_hash_max %d ", br.hash_max)
    put("mcast_last_member_count %d ", mc.multicast_last_member_count)
    put("mcast_startup_query_count %d ", mc.multicast_startup_query_count)
    put("mcast_last_member_interval %d ", clock_t(mc.multicast_last_member_interval))
    put("mcast_membership_interval %d ", clock_t(mc.multicast_membership_interval))
    put("mcast_querier_interval %d ", clock_t(mc.multicast_querier_interval))
    put("mcast_query_interval %d ", clock_t(mc.multicast_query_interval))
    put("mcast_query_response_interval %d ", clock_t(mc.multicast_query_response_interval))
    put("mcast_startup_query_interval %d ", clock_t(mc.multicast_startup_query_interval))
    put("mcast_stats_enabled %d ", br_opt(br, "BROPT_MULTICAST_STATS_ENABLED") or 0)
    put("mcast_igmp_version %d ", mc.multicast_igmp_version)
    put("mcast_mld_version %d ", mc.multicast_mld_version)
  end
  -- IS_ENABLED(CONFIG_BRIDGE_NETFILTER): br_nf_core.c is then part of the
  -- bridge module
  local nf = M.bridge_netfilter            -- the tests' answer, else the probe
  if nf == nil then nf = kd.symbol_address("br_nf_core_init") ~= nil end
  if nf then
    put("nf_call_iptables %d ", br_opt(br, "BROPT_NF_CALL_IPTABLES") or 0)
    put("nf_call_ip6tables %d ", br_opt(br, "BROPT_NF_CALL_IP6TABLES") or 0)
    put("nf_call_arptables %d ", br_opt(br, "BROPT_NF_CALL_ARPTABLES") or 0)
  end
  return table.concat(out)
end

local BR_PORT_STATES = { [0] = "disabled", "listening", "learning", "forwarding", "blocking" }
local FWD_MASK_NAMES = { [0] = "stp", [2] = "lacp", [14] = "lldp" }
-- BR_* port flags (include/linux/if_bridge.h, the same bits in 6.1 and 6.12)
local BRF = { HAIRPIN = 0x1, BPDU_GUARD = 0x2, ROOT_BLOCK = 0x4, FAST_LEAVE = 0x8, LEARNING = 0x20,
  FLOOD = 0x40, PROXYARP = 0x100, PROXYARP_WIFI = 0x400, MCAST_FLOOD = 0x800, MCAST_TO_UCAST = 0x1000,
  VLAN_TUNNEL = 0x2000, BCAST_FLOOD = 0x4000, NEIGH_SUPPRESS = 0x8000, ISOLATED = 0x10000,
  LOCKED = 0x200000 }
-- IFLA_BRPORT_* indexes (include/uapi/linux/if_link.h) of attributes
-- newer than the rest: sent when br_port_policy[IFLA_BRPORT_MAX + 1] has
-- room for them
local IFLA_BRPORT = { MCAST_FLOOD = 27, VLAN_TUNNEL = 29, BCAST_FLOOD = 30, GROUP_FWD_MASK = 31,
  NEIGH_SUPPRESS = 32, ISOLATED = 33, BACKUP_PORT = 34, LOCKED = 39 }

-- iproute2 6.1 _bitmask2str of the port's group_fwd_mask
local function fwd_mask_str(mask)
  local parts = {}
  for i = 0, 15 do
    if (mask >> i) & 1 == 1 then parts[#parts + 1] = FWD_MASK_NAMES[i] or string.format("0x%x", 1 << i) end
  end
  return #parts == 0 and "0x0" or table.concat(parts, ",")
end

-- br_port_fill_attrs() as iproute2 6.1's bridge_slave_print_opt prints it
local function bridge_slave_info(dev)
  local p = M.brport(dev)
  local plen = M.policy_len("br_port_policy") or math.huge
  local function sent(attr) return plen > IFLA_BRPORT[attr] end
  local f = p.flags
  local function flag(m) return (f & m) ~= 0 end
  local out = {}
  local function put(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  put("state %s ", BR_PORT_STATES[p.state] or ("(" .. p.state .. ")"))
  put("priority %d ", p.priority)
  put("cost %d ", p.path_cost)
  put("hairpin %s ", on_off(flag(BRF.HAIRPIN)))
  put("guard %s ", on_off(flag(BRF.BPDU_GUARD)))
  put("root_block %s ", on_off(flag(BRF.ROOT_BLOCK)))
  put("fastleave %s ", on_off(flag(BRF.FAST_LEAVE)))
  put("learning %s ", on_off(flag(BRF.LEARNING)))
  put("flood %s ", on_off(flag(BRF.FLOOD)))
  put("port_id %s ", p.port_id == 0 and "0" or string.format("%#x", p.port_id))
  put("port_no %s ", p.port_no == 0 and "0" or string.format("%#x", p.port_no))
  put("designated_port %d ", p.designated_port)
  put("designated_cost %d ", p.designated_cost)
  put("designated_bridge %s ", bridge_id_text(p.designated_bridge))
  put("designated_root %s ", bridge_id_text(p.designated_root))
  out[#out + 1] = timer_text("hold_timer", br_timer_value(p.hold_timer))
  out[#out + 1] = timer_text("message_age_timer", br_timer_value(p.message_age_timer))
  out[#out + 1] = timer_text("forward_delay_timer", br_timer_value(p.forward_delay_timer))
  put("topology_change_ack %d ", truthy(p.topology_change_ack) and 1 or 0)
  put("config_pending %d ", truthy(p.config_pending) and 1 or 0)
  put("proxy_arp %s ", on_off(flag(BRF.PROXYARP)))
  put("proxy_arp_wifi %s ", on_off(flag(BRF.PROXYARP_WIFI)))
  -- CONFIG_BRIDGE_IGMP_SNOOPING; 5.14 moved multicast_router into p->multicast_ctx
  if has_member("struct net_bridge_port", "multicast_ctx") then
    put("mcast_router %d ", p.multicast_ctx.multicast_router)
  elseif has_member("struct net_bridge_port", "multicast_router") then
    put("mcast_router %d ", p.multicast_router)
  end
  put("mcast_fast_leave %s ", on_off(flag(BRF.FAST_LEAVE)))
  if sent("MCAST_FLOOD") then put("mcast_flood %s ", on_off(flag(BRF.MCAST_FLOOD))) end
  if sent("BCAST_FLOOD") then put("bcast_flood %s ", on_off(flag(BRF.BCAST_FLOOD))) end
  put("mcast_to_unicast %s ", on_off(flag(BRF.MCAST_TO_UCAST)))
  if sent("NEIGH_SUPPRESS") then put("neigh_suppress %s ", on_off(flag(BRF.NEIGH_SUPPRESS))) end
  if sent("GROUP_FWD_MASK") then
    local m = p.group_fwd_mask
    put("group_fwd_mask %s ", m == 0 and "0" or string.format("%#x", m))
    put("group_fwd_mask_str %s ", fwd_mask_str(m))
  end
  if sent("VLAN_TUNNEL") then put("vlan_tunnel %s ", on_off(flag(BRF.VLAN_TUNNEL))) end
  if sent("ISOLATED") then put("isolated %s ", on_off(flag(BRF.ISOLATED))) end
  if sent("LOCKED") then put("locked %s ", on_off(flag(BRF.LOCKED))) end
  if sent("BACKUP_PORT") and has_member("struct net_bridge_port", "backup_port") then
    local b = p.backup_port
    if b ~= nil then put("backup_port %s ", net.devname(b.dev)) end
  end
  return table.concat(out)
end

-- }======

-- `bridge -s -s -d link show` (iproute2 6.1 bridge/link.c print_linkinfo
-- with print_protinfo's details) over rtnl_bridge_getlink's walk
-- (net/core/rtnetlink.c: for_each_netdev, the master's
-- ndo_bridge_getlink for a port, then the device's own): br_getlink
-- sends a port's br_fill_ifinfo (IFNAME, MASTER, MTU, LINK, PROTINFO =
-- br_port_fill_attrs) and nothing for the bridge itself when no
-- RTEXT_FILTER_* is asked (bridge link asks none).  Returns text, note.
function M.bridge_link(n)
  n = n or net.init_net()
  local ip = require("kernel.net_ip")
  local names = net.dev_by_index(n)
  local out, notes = {}, {}
  local function getlink_op(dev)
    return net.ndo_name(dev, "ndo_bridge_getlink")
  end
  for _, dev in ipairs(net.devices_list(n)) do
    local m = ip.master_dev(dev)
    local mop = m and getlink_op(m)
    if mop == "br_getlink" then
      local ok, txt = pcall(function()
        local p = M.brport(dev)
        local plen = M.policy_len("br_port_policy") or math.huge
        local function sent(attr) return plen > IFLA_BRPORT[attr] end
        local f = p.flags
        local function flag(mk) return on_off((f & mk) ~= 0) end
        local nl, mdown, why = ip.name_and_link(dev, names)
        if why then notes[#notes + 1] = why end
        local o = {}
        local function put(fmt, ...) o[#o + 1] = string.format(fmt, ...) end
        put("%d: %s: %s", dev.ifindex, nl, ip.link_flags(net.dev_get_flags(dev), mdown))
        put("mtu %d master %s ", dev.mtu, net.devname(m))
        put("state %s ", BR_PORT_STATES[p.state] or ("(" .. p.state .. ")"))
        put("priority %d cost %d ", p.priority, p.path_cost)
        put("\n    ")
        put("hairpin %s guard %s root_block %s fastleave %s learning %s flood %s ", flag(BRF.HAIRPIN),
            flag(BRF.BPDU_GUARD), flag(BRF.ROOT_BLOCK), flag(BRF.FAST_LEAVE), flag(BRF.LEARNING), flag(BRF.FLOOD))
        if sent("MCAST_FLOOD") then put("mcast_flood %s ", flag(BRF.MCAST_FLOOD)) end
        if sent("BCAST_FLOOD") then put("bcast_flood %s ", flag(BRF.BCAST_FLOOD)) end
        if has_member("struct net_bridge_port", "multicast_ctx") then
          put("mcast_router %d ", p.multicast_ctx.multicast_router)
        elseif has_member("struct net_bridge_port", "multicast_router") then
          put("mcast_router %d ", p.multicast_router)
        end
        put("mcast_to_unicast %s ", flag(BRF.MCAST_TO_UCAST))
        if sent("NEIGH_SUPPRESS") then put("neigh_suppress %s ", flag(BRF.NEIGH_SUPPRESS)) end
        if sent("VLAN_TUNNEL") then put("vlan_tunnel %s ", flag(BRF.VLAN_TUNNEL)) end
        if sent("BACKUP_PORT") and has_member("struct net_bridge_port", "backup_port") and p.backup_port ~= nil then
          put("backup_port %s ", net.devname(p.backup_port.dev))
        end
        if sent("ISOLATED") then put("isolated %s ", flag(BRF.ISOLATED)) end
        if sent("LOCKED") then put("locked %s ", flag(BRF.LOCKED)) end
        put("\n")
        return table.concat(o)
      end)
      if ok then out[#out + 1] = txt
      else notes[#notes + 1] = net.devname(dev) .. ": bridge port not read (" .. errmsg(txt) .. ")" end
    elseif mop then
      notes[#notes + 1] = string.format("%s: %s's %s not decoded", net.devname(dev), net.devname(m), mop)
    end
    local own = getlink_op(dev)
    if own and own ~= "br_getlink" then
      notes[#notes + 1] = string.format("%s: its own %s (hardware bridge mode) not decoded", net.devname(dev), own)
    end
  end
  return table.concat(out), (#notes > 0) and table.concat(notes, "; ") or nil
end

-- {====== bridge fdb ======

-- the addresses of a netdev_hw_addr_list (dev->uc, dev->mc), in list order
function M.hw_addrs(list, addr_len)
  local out = {}
  for ha in kd.list(list.list, "struct netdev_hw_addr", "list") do
    out[#out + 1] = net.mac(ha.addr:address_(), addr_len)
  end
  return out
end

-- the entries of a bridge's fdb_list (hlist order)
function M.fdb_entries(br)
  local out = {}
  for f in kd.hlist(br.fdb_list, "struct net_bridge_fdb_entry", "fdb_node") do out[#out + 1] = f end
  return out
end

-- BR_FDB_* bit numbers (net/bridge/br_private.h, the same in 6.1 and 6.12)
local BR_FDB = { LOCAL = 0, STATIC = 1, STICKY = 2, ADDED_BY_EXT_LEARN = 4, OFFLOADED = 5 }

-- `bridge -s -s -d -t fdb show`: rtnl_fdb_dump (net/core/rtnetlink.c)
-- walks the devices (dev_index_head order); a bridge port first gets its
-- bridge's br_fdb_dump filtered to entries whose port is it, then every
-- device its own ndo_fdb_dump or ndo_dflt_fdb_dump (Ethernet devices'
-- unicast then multicast address lists, "self permanent"); a bridge's own
-- br_fdb_dump adds the entries without a port.  Lines as iproute2 6.1's
-- print_fdb (bridge/fdb.c) prints them; -s adds "used A/B" (seconds).
-- Returns text, note.
function M.bridge_fdb(n, stats)
  n = n or net.init_net()
  local ip = require("kernel.net_ip")
  local now = require("kernel.time").jiffies()
  local out, notes = {}, {}
  local function dflt(dev)
    if dev.type ~= 1 then return end                     -- ARPHRD_ETHER only (-EINVAL else)
    for _, list in ipairs({ dev.uc, dev.mc }) do
      for _, a in ipairs(M.hw_addrs(list, dev.addr_len)) do
        out[#out + 1] = string.format("%s dev %s self permanent\n", a, net.devname(dev))
      end
    end
  end
  -- fdb_fill_info + print_fdb for one entry of bridge br (device brdev)
  local function entry(brdev, br, f)
    local flags = f.flags
    local function bit(b) return (flags >> b) & 1 == 1 end
    local dst = f.dst
    local dev = dst ~= nil and dst.dev or brdev
    local o = { mac_of(f.key.addr) .. " ", "dev " .. net.devname(dev) .. " " }
    if f.key.vlan_id ~= 0 then o[#o + 1] = string.format("vlan %d ", f.key.vlan_id) end
    if stats then
      -- nda_cacheinfo in clock_t, printed divided by USER_HZ
      o[#o + 1] = string.format("used %d/%d ", clock_t(now - f.used) // 100, clock_t(now - f.updated) // 100)
    end
    if bit(BR_FDB.ADDED_BY_EXT_LEARN) then o[#o + 1] = "extern_learn " end
    if bit(BR_FDB.OFFLOADED) then o[#o + 1] = "offload " end
    if bit(BR_FDB.STICKY) then o[#o + 1] = "sticky " end
    o[#o + 1] = "master " .. net.devname(brdev) .. " "
    -- fdb_to_nud / has_expired (hold_time: forward_delay during a topology change)
    local state
    if bit(BR_FDB.LOCAL) then state = "permanent"
    elseif bit(BR_FDB.STATIC) then state = "static"
    else
      local hold = truthy(br.topology_change) and br.forward_delay or br.ageing_time
      local expired = not bit(BR_FDB.ADDED_BY_EXT_LEARN) and (f.updated + hold - now) <= 0
      state = expired and "stale" or ""
    end
    o[#o + 1] = state .. "\n"
    return table.concat(o)
  end
  for _, dev in ipairs(net.devices(n)) do
    local ok, err = pcall(function()
      local m = ip.master_dev(dev)
      if m and net.ndo_name(m, "ndo_fdb_dump") == "br_fdb_dump" then
        local br = M.priv(m, "struct net_bridge")
        for _, f in ipairs(M.fdb_entries(br)) do
          local dst = f.dst
          if dst ~= nil and dst.dev.ifindex == dev.ifindex then out[#out + 1] = entry(m, br, f) end
        end
      end
      local own = net.ndo_name(dev, "ndo_fdb_dump")
      if own == "br_fdb_dump" then
        dflt(dev)
        local br = M.priv(dev, "struct net_bridge")
        for _, f in ipairs(M.fdb_entries(br)) do
          if f.dst == nil then out[#out + 1] = entry(dev, br, f) end
        end
      elseif own then
        notes[#notes + 1] = string.format("%s: %s not decoded", net.devname(dev), own)
      else
        dflt(dev)
      end
    end)
    if not ok then notes[#notes + 1] = net.devname(dev) .. ": " .. errmsg(err) end
  end
  return table.concat(out), (#notes > 0) and table.concat(notes, "; ") or nil
end

-- }======

-- {====== gre / gretap ======

-- the CSUM, KEY and SEQ flags of an ip_tunnel parms flags member: 6.10
-- turned them into a bitmap ("ip_tunnel: convert __be16 tunnel flags to
-- bitmaps": IP_TUNNEL_CSUM_BIT 0, KEY_BIT 2, SEQ_BIT 3), before that a
-- __be16 of TUNNEL_CSUM 0x01, TUNNEL_KEY 0x04, TUNNEL_SEQ 0x08
function M.tnl_flags(parm, member)
  local f = parm:member_(member)
  local v
  if tostring(f:type_()):find("%[") then v = kd.read_u64(f:address_())
  else v = net.ntohs(f:value_()) end
  return { csum = v & 0x1 ~= 0, key = v & 0x4 ~= 0, seq = v & 0x8 ~= 0 }
end

-- ipgre_fill_info() (net/ipv4/ip_gre.c) as iproute2 6.1's gre_print_opt
-- prints it; FOU/GUE encapsulation is left to a reason
local function gre_info(dev)
  local t = M.priv(dev, "struct ip_tunnel")
  local parm = t.parms
  local iph = parm.iph
  local out = {}
  local why
  local function put(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  if truthy(t.collect_md) then put("external ") end
  put("remote %s ", iph.daddr == 0 and "any" or net.ip4(iph.daddr))
  put("local %s ", iph.saddr == 0 and "any" or net.ip4(iph.saddr))
  if parm.link ~= 0 then
    local d = net.dev_by_index(M.dev_net and M.dev_net(dev) or net.init_net())[parm.link]
    put("dev %s ", d and net.devname(d) or ("if" .. parm.link))
  end
  if iph.ttl ~= 0 then put("ttl %d ", iph.ttl) else put("ttl inherit ") end
  if iph.tos ~= 0 then
    if iph.tos ~= 1 then put("%s ", string.format("tos %#x", iph.tos)) else put("tos inherit ") end
  end
  if (net.ntohs(iph.frag_off) & 0x4000) == 0 then put("nopmtudisc ") end   -- IP_DF
  if truthy(t.ignore_df) then put("ignore-df ") end
  local fi, fo = M.tnl_flags(parm, "i_flags"), M.tnl_flags(parm, "o_flags")
  if has_member("struct ip_tunnel", "erspan_ver") and t.erspan_ver ~= 0 and not truthy(t.collect_md) then
    fo.key = true                        -- ipgre_fill_info's IP_TUNNEL_KEY_BIT for ERSPAN
  end
  if fi.key then put("ikey %s ", net.ip4(parm.i_key)) end            -- inet_ntop of the be32 key
  if fo.key then put("okey %s ", net.ip4(parm.o_key)) end
  if fi.seq then put("iseq ") end
  if fo.seq then put("oseq ") end
  if fi.csum then put("icsum ") end
  if fo.csum then put("ocsum ") end
  if has_member("struct ip_tunnel", "fwmark") and t.fwmark ~= 0 then put("fwmark %#x ", t.fwmark) end
  if t.encap.type ~= 0 then why = "FOU/GUE encapsulation options not rebuilt" end
  return table.concat(out), why
end

-- }======

-- {====== vxlan / geneve ======

-- 16 bytes of an in6_addr member (the tests hand in the bytes)
local function in6_of(o)
  if type(o) == "string" then return o end
  return kd.read(o:address_(), 16)
end

-- iproute2's IN_MULTICAST of a __be32 as read here (first octet 224-239)
local function ip4_multicast(be) return (be & 0xf0) == 0xe0 end

local function ttl_tos_df_label(put, ttl_inherit, ttl, tos, df, label)
  if ttl_inherit then put("ttl inherit ")
  elseif ttl ~= 0 then put("ttl %d ", ttl)
  else put("ttl auto ") end
  if tos ~= 0 then
    if tos ~= 1 then put("tos %#x ", tos) else put("tos inherit ") end
  end
  -- enum ifla_vxlan_df / ifla_geneve_df: UNSET 0 (not printed), SET 1, INHERIT 2
  if df == 1 then put("df set ") elseif df == 2 then put("df inherit ") end
  local l = net.ntohl(label)
  if l ~= 0 then put("flowlabel %#x ", l) end
end

local function no_(b, word) return (b and "" or "no") .. word .. " " end

-- VXLAN_F_* (include/net/vxlan.h; 6.12 appends MDB and LOCALBYPASS)
local VXF = { LEARN = 0x01, PROXY = 0x02, RSC = 0x04, L2MISS = 0x08, L3MISS = 0x10,
  UDP_ZERO_CSUM_TX = 0x40, UDP_ZERO_CSUM6_TX = 0x80, UDP_ZERO_CSUM6_RX = 0x100, REMCSUM_TX = 0x200,
  REMCSUM_RX = 0x400, GBP = 0x800, COLLECT_METADATA = 0x2000, GPE = 0x4000, TTL_INHERIT = 0x10000,
  VNIFILTER = 0x20000 }

-- vxlan_fill_info() (drivers/net/vxlan/vxlan_core.c) as iproute2 6.1's
-- vxlan_print_opt prints it (its "vnifilter" has no trailing space)
local function vxlan_info(dev)
  local vx = M.priv(dev, "struct vxlan_dev")
  local cfg, dst = vx.cfg, vx.default_dst
  local f = cfg.flags
  local function fl(m) return (f & m) ~= 0 end
  local out = {}
  local function put(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  if fl(VXF.COLLECT_METADATA) then put("external ") end
  if fl(VXF.VNIFILTER) then put("vnifilter") end
  put("id %d ", net.ntohl(dst.remote_vni))
  local rip = dst.remote_ip
  if rip.sa.sa_family == 2 then
    local a = rip.sin.sin_addr.s_addr
    if a ~= 0 then put("%s %s ", ip4_multicast(a) and "group" or "remote", net.ip4(a)) end
  elseif rip.sa.sa_family == 10 then
    local b = in6_of(rip.sin6.sin6_addr)
    if not net.ip6_is_any(b) then put("%s %s ", b:byte(1) == 0xff and "group" or "remote", net.ip6(b)) end
  end
  local sa = cfg.saddr
  if sa.sa.sa_family == 2 then
    if sa.sin.sin_addr.s_addr ~= 0 then put("local %s ", net.ip4(sa.sin.sin_addr.s_addr)) end
  elseif sa.sa.sa_family == 10 then
    local b = in6_of(sa.sin6.sin6_addr)
    if not net.ip6_is_any(b) then put("local %s ", net.ip6(b)) end
  end
  if dst.remote_ifindex ~= 0 then
    local d = net.dev_by_index(net.init_net())[dst.remote_ifindex]
    put("dev %s ", d and net.devname(d) or ("if" .. dst.remote_ifindex))
  end
  put("srcport %d %d ", cfg.port_min, cfg.port_max)
  put("dstport %d ", net.ntohs(cfg.dst_port))
  if not fl(VXF.LEARN) then put("nolearning ") end
  if fl(VXF.PROXY) then put("proxy ") end
  if fl(VXF.RSC) then put("rsc ") end
  if fl(VXF.L2MISS) then put("l2miss ") end
  if fl(VXF.L3MISS) then put("l3miss ") end
  ttl_tos_df_label(put, fl(VXF.TTL_INHERIT), cfg.ttl, cfg.tos, cfg.df, cfg.label)
  if cfg.age_interval == 0 then put("ageing none ") else put("ageing %d ", cfg.age_interval) end
  if cfg.addrmax ~= 0 then put("maxaddr %d ", cfg.addrmax) end
  put(no_(not fl(VXF.UDP_ZERO_CSUM_TX), "udpcsum"))
  put(no_(fl(VXF.UDP_ZERO_CSUM6_TX), "udp6zerocsumtx"))
  put(no_(fl(VXF.UDP_ZERO_CSUM6_RX), "udp6zerocsumrx"))
  if fl(VXF.REMCSUM_TX) then put("remcsumtx ") end
  if fl(VXF.REMCSUM_RX) then put("remcsumrx ") end
  if fl(VXF.GBP) then put("gbp ") end
  if fl(VXF.GPE) then put("gpe ") end
  return table.concat(out)
end

-- geneve_fill_info() (drivers/net/geneve.c) as iproute2 6.1's
-- geneve_print_opt prints it; the VNI is the low 24 bits of the
-- big-endian tun_id (tunnel_id_to_vni)
local function geneve_info(dev)
  local g = M.priv(dev, "struct geneve_dev")
  local cfg = g.cfg
  local info = cfg.info
  local key = info.key
  local md = truthy(cfg.collect_md)
  local out = {}
  local function put(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  if md then put("external ") end
  local id = key.tun_id
  put("id %d ", (((id >> 40) & 0xff) << 16) | (((id >> 48) & 0xff) << 8) | ((id >> 56) & 0xff))
  local v6 = (info.mode & 0x02) ~= 0                      -- IP_TUNNEL_INFO_IPV6
  local csum = M.tnl_flags(key, "tun_flags").csum
  if not md and not v6 then
    local a = key.u.ipv4.dst
    if a ~= 0 then put("remote %s ", net.ip4(a)) end
  elseif not md then
    local b = in6_of(key.u.ipv6.dst)
    if not net.ip6_is_any(b) and b:byte(1) ~= 0xff then put("remote %s ", net.ip6(b)) end
  end
  ttl_tos_df_label(put, truthy(cfg.ttl_inherit), key.ttl, key.tos, cfg.df, key.label)
  put("dstport %d ", net.ntohs(key.tp_dst))
  if not md and not v6 then put(no_(csum, "udpcsum")) end
  if not md and v6 then put(no_(not csum, "udp6zerocsumtx")) end
  put(no_(not truthy(cfg.use_udp6_rx_checksums), "udp6zerocsumrx"))
  -- IFLA_GENEVE_INNER_PROTO_INHERIT: a later addition (6.1 and 6.12 have it), probed
  if has_member("struct geneve_config", "inner_proto_inherit") and truthy(cfg.inner_proto_inherit) then
    put("innerprotoinherit ")
  end
  return table.concat(out)
end

-- }======

-- kind -> function(dev) returning the IFLA_INFO_DATA text (with its
-- trailing space) [, reason a part is missing]
M.INFO = { bond = bond_info, bridge = bridge_info, gre = gre_info, gretap = gre_info, vxlan = vxlan_info, geneve = geneve_info, vlan = vlan_info, tun = tun_info, macvlan = macvlan_info,
  macvtap = macvlan_info, ipip = function(dev) return iptun_info(dev, false) end,
  sit = function(dev) return iptun_info(dev, true) end }
-- master kind -> function(slave dev) for IFLA_INFO_SLAVE_DATA
M.SLAVE_INFO = { bond = bond_slave_info, bridge = bridge_slave_info }

-- kinds whose rtnl_link_ops have no fill_info (iproute2 prints the kind
-- alone)
M.NO_DATA = { dummy = true, veth = true, ifb = true, nlmon = true, vcan = true, wireguard = true }

-- text after "    <kind> ", or nil, reason
function M.info_data(dev, kind)
  if M.NO_DATA[kind] then return "" end
  local f = M.INFO[kind]
  if f == nil then return nil, kind .. " link details (IFLA_INFO_DATA) are not decoded" end
  local ok, txt, why = pcall(f, dev)
  if not ok then return nil, kind .. " link details: " .. errmsg(txt) end
  return txt, why
end

-- text after "    <kind>_slave " in `ip -d link` for a device enslaved to a master
-- of kind master_kind, or nil, reason
function M.slave_data(dev, master_kind)
  local f = M.SLAVE_INFO[master_kind]
  if f == nil then return nil, master_kind .. "_slave details are not decoded" end
  local ok, txt, why = pcall(f, dev)
  if not ok then return nil, master_kind .. "_slave details: " .. errmsg(txt) end
  return txt, why
end

return M
